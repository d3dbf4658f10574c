"""Parity specs of torch's lower-level forms: constant_pad_nd, nonzero_static, empty_permuted, grid_sampler."""
import numpy as np
from hypothesis import strategies as st

from ..registry import FLOATS, SPECS, Unchecked, register
from ..strategies import shapes, tensor_arg
from . import layers, nn, spatial  # noqa: F401  (the functional forms' specs, whose samples these reuse)

FAMILY = "lower forms"


def _constant_pad_sample(draw, dtype):
    args, kw = SPECS["nn.functional.pad"].sample(draw, dtype)
    kw.pop("mode")
    return args + [kw.pop("pad")] + ([kw.pop("value")] if kw.get("value") is not None else []), {}


register("constant_pad_nd", lambda lib, *a: lib.constant_pad_nd(*a), _constant_pad_sample,
         dtypes=FLOATS + ("int64",), family=FAMILY)


def _nonzero_static_sample(draw, dtype):
    kw = {"size": draw(st.integers(-1, 7))}
    if draw(st.booleans()):
        kw["fill_value"] = draw(st.integers(-9, 9))
    return [tensor_arg(draw, draw(shapes()), dtype, requires_grad=False)], kw


register("nonzero_static", lambda lib, x, **k: lib.nonzero_static(x, **k), _nonzero_static_sample,
         dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)


def _empty_permuted_sample(draw, dtype):
    size = draw(shapes(max_dims=3))
    order = draw(st.permutations(range(len(size))))
    if draw(st.integers(0, 5)) == 0:  # a wrong length or a repeated dim
        order = order[:-1] if order and draw(st.booleans()) else order + [0]
    return [size, order], {}


register("empty_permuted", lambda lib, size, order: lib.empty_permuted(size, order).shape, _empty_permuted_sample,
         dtypes=("float32",), grad=None, family=FAMILY)


def _grid_sampler_sample(draw, dtype):
    (x, grid), kw = SPECS["nn.functional.grid_sample"].sample(draw, dtype)
    # the modes are enum values that torch's kernels do not check: an unknown one leaves the output uninitialised
    return [x, grid, Unchecked(("bilinear", "nearest", "bicubic").index(kw["mode"])),
            Unchecked(("zeros", "border", "reflection").index(kw["padding_mode"])), kw["align_corners"]], {}


GRID_SAMPLER = dict(grad=(0, 1), family=FAMILY, rtol=1e-5, atol=1e-5,
                    reason="bilinear weights computed from unnormalised coordinates in a different order")
register("grid_sampler", lambda lib, *a: lib.grid_sampler(*a), _grid_sampler_sample, **GRID_SAMPLER)
for _name in ("grid_sampler_2d", "grid_sampler_3d"):
    register(_name, lambda lib, *a, _n=_name: getattr(lib, _n)(*a), _grid_sampler_sample, **GRID_SAMPLER)


def _native_batch_norm_sample(draw, dtype):
    """F.batch_norm's samples in native_batch_norm's argument order."""
    (x, running_mean, running_var, weight, bias), kw = SPECS["nn.functional.batch_norm"].sample(draw, dtype)
    return [x, weight, bias, running_mean, running_var, kw.get("training", False), kw.get("momentum", 0.1),
            kw.get("eps", 1e-5)], {}


def _native_layer_norm_sample(draw, dtype):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    normalized = list(shape[-draw(st.integers(1, len(shape))):])
    weight, bias = (tensor_arg(draw, tuple(normalized), dtype) if draw(st.booleans()) else None for _ in range(2))
    return [tensor_arg(draw, shape, dtype), normalized, weight, bias, draw(st.sampled_from([1e-5, 0.1]))], {}


def _native_group_norm_sample(draw, dtype):
    """F.group_norm's samples in native_group_norm's argument order (N, C, H·W given)."""
    (x, groups, weight, bias), _ = SPECS["nn.functional.group_norm"].sample(draw, dtype)
    for a in (weight, bias):  # torch's CPU kernel reads a strided weight or bias as if contiguous (wrong values)
        if a is not None:
            a.layout = "contiguous"
    # torch's kernel refuses a non-contiguous input (minitorch raises the same error); a strided sample moved to the
    # CUDA device arrives contiguous there, so the samples stay contiguous for both devices to compare alike
    x.layout = "contiguous"
    shape = x.array.shape
    hxw = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return [x, weight, bias, shape[0], shape[1] if len(shape) > 1 else 1, hxw, groups, 1e-5], {}


def _with_running_stats(name):
    def call(lib, *args):
        out = getattr(lib, name)(*args)
        return out + tuple(a for a in args[3:5] if isinstance(a, lib.Tensor)) if name == "native_batch_norm" else out
    return call


for _name, _sample, _grad in (("native_batch_norm", _native_batch_norm_sample, (0, 1, 2)),
                              ("native_layer_norm", _native_layer_norm_sample, (0, 2, 3)),
                              ("native_group_norm", _native_group_norm_sample, (0, 1, 2))):
    register(_name, _with_running_stats(_name), _sample, grad=_grad, family=FAMILY, rtol=1e-5, atol=1e-5,
             reason="statistics summed in a different order")
