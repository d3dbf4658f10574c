"""Padding and resampling of the trailing (spatial) dimensions: F.pad and F.interpolate.

Every interpolate mode is linear in the input and separable, so each spatial axis gets one
small weight matrix W (out × in) and the result is x ·ₐₓᵢₛ Wᵀ, one axis after another; the
backward is then matmul's (Wᵀ applied to the gradient). Nearest modes pick indices instead.
Index rules follow torch's CPU kernels (half-pixel centres, clamping, a = -0.75 bicubic), and
the antialiased modes use the PIL-style filters torch uses (support scaled by the downscale).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..autograd import batched
from ..autograd.function import Primitive
from ..autograd.saved_values import torch_ints
from ..tensor import Tensor
from .creation import tensor as _tensor
from .fused import Fused

_SPATIAL = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_ALIGNABLE = "linear | bilinear | bicubic | trilinear"


# ---- pad -----------------------------------------------------------------------------------------

class ConstantPad(Primitive):
    """Place x inside a tensor filled with `value`; the gradient is the slice where x sat."""

    node_name = "ConstantPadNdBackward0"
    saved_values = {"pad": lambda node: torch_ints(node.given_pad)}

    @staticmethod
    def forward(ctx, x, *, widths, value, given_pad=()):
        ctx.given_pad = given_pad  # as the call gave it, negative widths included (torch saves that)
        ctx.inside = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        out = ctx.xp.full(tuple(n + lo + hi for (lo, hi), n in zip(widths, x.shape)), value, dtype=x.dtype)
        out[ctx.inside] = x
        return out

    @staticmethod
    def backward(ctx, gy):
        return gy[ctx.inside]


def _index_pattern(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Source index of each padded position: reflect (no edge repeat) or replicate (edge)."""
    numpy_mode = {"reflect": "reflect", "replicate": "edge"}[mode]
    idx = np.arange(n)
    idx = idx[max(-lo, 0): n - max(-hi, 0)]  # negative pads crop
    return np.pad(idx, (max(lo, 0), max(hi, 0)), mode=numpy_mode)


@batched.as_one_op
def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad)//2 dims; `pad` lists (left, right) from the last dim backwards."""
    from .shape import _sizes
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' (position 3) must be str, not {type(mode).__name__}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    pad = _sizes(tuple(pad))
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    ndim = input.dim()
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but "
                           f"got padding length {len(pad)} and input of dimension {ndim}")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]  # last dim first
    if mode == "constant":
        for (lo, hi), n in zip(pairs, input.shape[::-1]):  # negative pads narrow the input, left then right
            if n + min(lo, 0) < 0 or n + min(lo, 0) + min(hi, 0) < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        crops = [slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pairs, input.shape[::-1])]
        if any(s.start or s.stop != n for s, n in zip(crops, input.shape[::-1])):
            input = input[(Ellipsis, *crops[::-1])]
        widths = [(0, 0)] * (ndim - len(pairs)) + [(max(lo, 0), max(hi, 0)) for lo, hi in pairs[::-1]]
        return ConstantPad.apply(input, widths=tuple(widths), value=0 if value is None else value, given_pad=pad)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value not in (None, 0):
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not (len(pairs) < ndim <= len(pairs) + 2):
        raise NotImplementedError("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now")
    for i, (lo, hi) in enumerate(pairs):
        dim = ndim - 1 - i
        n = input.shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {dim} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    if mode == "circular":
        return _pad_circular(input, pairs)
    word = "Reflection" if mode == "reflect" else "Replication"
    return _FUSED_NODES[f"{word}Pad{len(pairs)}DBackward0"].apply(input, pairs, mode)


def _pad_by_index(input, pairs, mode):
    """Each padded dim re-indexed: the pattern of source positions (mirrored or repeated)."""
    out = input
    for i, (lo, hi) in enumerate(pairs):
        dim = input.dim() - 1 - i
        out = out.index_select(dim, _tensor(_index_pattern(input.shape[dim], lo, hi, mode), device=input.device))
    return out


def _pad_circular(input, pairs):
    """Circular padding as torch builds it: a new tensor, the input copied into its middle, then each
    padded dim's ends copied from the opposite side (so its graph has torch's CopySlices and SliceBackward0
    nodes). `pairs` are (left, right) widths, last dim first; negative widths crop."""
    n_padded = len(pairs)
    lead = input.dim() - n_padded
    in_shape = list(input.shape)
    out_shape = in_shape[:]
    for i, (lo, hi) in enumerate(pairs):
        dim = input.dim() - 1 - i
        out_shape[dim] = in_shape[dim] + lo + hi
        if out_shape[dim] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = input.new_empty(out_shape)
    out_part, in_part = out, input
    for i, (lo, hi) in enumerate(pairs):
        dim = n_padded - i + lead - 1
        out_part = _slice(out_part, dim, max(lo, 0), out_shape[dim] - max(hi, 0))
        in_part = _slice(in_part, dim, max(-lo, 0), in_shape[dim] - max(-hi, 0))
    out_part.copy_(in_part)
    for i, (lo, hi) in enumerate(pairs):  # corners are written more than once where several dims are padded
        dim = n_padded - i + lead - 1
        end = out_shape[dim] - max(hi, 0)
        if lo > 0:
            _slice(out, dim, 0, lo).copy_(_slice(out, dim, end - lo, end))
        if hi > 0:
            _slice(out, dim, out_shape[dim] - hi, out_shape[dim]).copy_(_slice(out, dim, max(lo, 0), max(lo, 0) + hi))
    return out


def _slice(t, dim: int, start: int, stop: int):
    """t[..., start:stop, ...] along `dim` as torch's slice (a SliceBackward0 view, even of the whole dim)."""
    return t.narrow(dim, start, stop - start)


# ---- interpolate: one weight matrix per axis -----------------------------------------------------

def _cubic(x, a):
    """The cubic convolution kernel with parameter a (torch: -0.75 plain, -0.5 antialiased)."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _source_scale(n_in, n_out, align_corners, factor):
    """torch's area_pixel_compute_scale: output step measured in input pixels (1 / the scale factor given)."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / factor if factor is not None and factor > 0 else n_in / n_out


def _linear_weights(n_in, n_out, align_corners, scale, cubic):
    step = _source_scale(n_in, n_out, align_corners, scale)
    dst = np.arange(n_out, dtype=np.float64)
    src = dst * step if align_corners else (dst + 0.5) * step - 0.5
    w = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if not cubic:
        src = np.maximum(src, 0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        lam = src - i0
        i1 = np.minimum(i0 + 1, n_in - 1)
        np.add.at(w, (rows, i0), 1 - lam)
        np.add.at(w, (rows, i1), lam)
        return w
    i = np.floor(src).astype(np.int64)
    t = src - i
    for k, coeff in zip(range(-1, 3), (_cubic(t + 1, -0.75), _cubic(t, -0.75), _cubic(1 - t, -0.75),
                                       _cubic(2 - t, -0.75))):
        np.add.at(w, (rows, np.clip(i + k, 0, n_in - 1)), coeff)
    return w


def _antialias_weights(n_in, n_out, scale, cubic):
    """PIL's resampling filter: a triangle (bilinear) or a = -0.5 cubic, widened by the downscale."""
    step = _source_scale(n_in, n_out, False, scale)
    radius = 2.0 if cubic else 1.0
    support = radius * step if step >= 1 else radius
    inv = 1 / step if step >= 1 else 1.0
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = step * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        x = (np.arange(lo, hi) - center + 0.5) * inv
        f = _cubic(x, -0.5) if cubic else np.maximum(1 - np.abs(x), 0)
        total = f.sum()
        w[i, lo:hi] = f / total if total else f
    return w


def _nearest_index(n_in, n_out, scale, exact):
    step = np.float32(_source_scale(n_in, n_out, False, scale))
    dst = np.arange(n_out, dtype=np.float32)
    src = np.floor((dst + np.float32(0.5)) * step if exact else dst * step).astype(np.int64)
    return np.minimum(src, n_in - 1)


def _check_elements(kernel: str, name: str, values, ok, word: str) -> None:
    """torch passes interpolate's sizes and scales to a C kernel, whose parser takes `word`s only."""
    for i, v in enumerate(values):
        if not ok(v):
            raise TypeError(f"{kernel}(): argument '{name}' must be tuple of {word}s, but found element of type "
                            f"{type(v).__name__} at pos {i}")


def _is_size(v) -> bool:
    return not isinstance(v, (bool, float)) and hasattr(v, "__index__")


def _is_scale(v) -> bool:
    return isinstance(v, numbers.Real) or isinstance(v, Tensor) and v.dim() == 0


def _requested(input, size, scale_factor, spatial):
    """The sizes or the scale factors asked for, one per spatial dim (torch's ValueErrors for the rest)."""
    in_sizes = list(input.shape[-spatial:]) if spatial > 0 else []
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * spatial
        if len(sizes) != spatial:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {in_sizes} and output size of {sizes}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        return sizes, None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * spatial
    if len(factors) != spatial:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {in_sizes} and scale_factor of shape {factors}. Please "
                         "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                         "(s1, s2, ...,sK) format.")
    return None, factors


def _check_mode(input, mode: str, spatial: int, align_corners, antialias) -> None:
    """torch's checks of the mode against the input's dims, in its order."""
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor "
                         "as input")
    if mode in _SPATIAL and 1 <= spatial <= 3 and spatial != _SPATIAL[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_SPATIAL[mode] + 2}D input")
    if mode not in _SPATIAL and mode not in ("nearest", "nearest-exact", "area") or not 1 <= spatial <= 3:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")


def _area(input: Tensor, spatial: int, sizes) -> Tensor:
    """Area interpolation: adaptive average pooling to the output size."""
    from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
    return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[spatial - 1](input, sizes)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of an (N, C, d1, ..., dK) tensor by nearest, (bi/tri)linear or bicubic rules."""
    spatial = input.dim() - 2
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(f"align_corners option can only be set with the interpolating modes: {_ALIGNABLE}")
    sizes, factors = _requested(input, size, scale_factor, spatial)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor or (mode == "area" and sizes is None):  # torch's Python arithmetic, as written
        sizes = [math.floor(float(n * f)) for n, f in zip(input.shape[2:], factors)]
        factors = None
    _check_mode(input, mode, spatial, align_corners, antialias)
    kernel = f"upsample_{mode.replace('-', '_')}{spatial}d"
    if mode in _SPATIAL:
        if align_corners is not None and type(align_corners) is not bool:
            raise TypeError(f"{kernel}(): argument 'align_corners' must be bool, not {type(align_corners).__name__}")
        align_corners = bool(align_corners)
    if antialias and align_corners:
        raise NotImplementedError("interpolate(antialias=True) supports align_corners=False only")
    if sizes is not None:
        _check_elements(kernel, "output_size", sizes, _is_size, "int")
        sizes, scales = [int(n) for n in sizes], [None] * spatial
    else:
        _check_elements(kernel, "scale_factors", factors, _is_scale, "float")
        if not all(math.isfinite(float(f)) for f in factors):
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        sizes = [int(math.floor(n * float(f))) for n, f in zip(input.shape[2:], factors)]
        scales = [float(f) for f in factors]
    if mode == "area" and 0 in sizes:
        return _area(input, spatial, sizes)
    if any(n <= 0 for n in sizes) or any(n <= 0 for n in input.shape[2:]):
        axes = "DHW"[3 - spatial:]
        got = ", ".join(f"{a}: {n}" for a, n in zip(axes, input.shape[2:]))
        want = ", ".join(f"{a}: {n}" for a, n in zip(axes, sizes))
        joint = " and output" if spatial == 1 else " output"  # torch's 1-d message has an "and"
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({got}){joint} ({want})")
    if mode == "area":
        return _area(input, spatial, sizes)
    integral = not input.dtype.is_floating_point
    if integral and input.dtype.name != "uint8" and mode in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype.word}'")
    if integral and mode not in ("nearest", "nearest-exact"):
        if input.dtype.name != "uint8":
            raise NotImplementedError(f"\"upsample_{mode}2d_out_frame\" not implemented for "
                                      f"'{input.dtype.name.capitalize()}'")
    out = input.float() if integral and mode not in ("nearest", "nearest-exact") else input
    word = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
            "bicubic": "Bicubic", "trilinear": "Trilinear"}[mode]
    node = _FUSED_NODES[f"Upsample{word}{spatial}D{'Aa' if antialias else ''}Backward0"]
    out = node.apply(out, tuple(sizes), tuple(scales), mode, align_corners, antialias)
    if integral and out.dtype is not input.dtype:
        out = out.round().clamp(0, 255).to(input.dtype)
    return out


def _resample(input, sizes, scales, mode, align_corners, antialias):
    """One resampling matrix (or index) per spatial axis, applied in turn."""
    out = input
    for axis, (n_out, scale) in enumerate(zip(sizes, scales)):
        dim = 2 + axis
        n_in = input.shape[dim]
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_index(n_in, n_out, scale, mode == "nearest-exact")
            out = out.index_select(dim, _tensor(index, device=input.device))
            continue
        cubic = mode == "bicubic"
        w = (_antialias_weights(n_in, n_out, scale, cubic) if antialias
             else _linear_weights(n_in, n_out, align_corners, scale, cubic))
        wt = _tensor(w.T, dtype=out.dtype, device=input.device)
        out = (out.movedim(dim, -1) @ wt).movedim(-1, dim)
    return out


def _fused(node_name: str, definition):
    return type(node_name.removesuffix("Backward0"), (Fused,),
                {"node_name": node_name, "definition": staticmethod(definition), "__module__": __name__})


# torch's node for each resampling and padding mode: one fused op each, over the same definitions
_FUSED_NODES = {name: _fused(name, _resample) for name in (
    "UpsampleNearest1DBackward0", "UpsampleNearest2DBackward0", "UpsampleNearest3DBackward0",
    "UpsampleNearestExact1DBackward0", "UpsampleNearestExact2DBackward0", "UpsampleNearestExact3DBackward0",
    "UpsampleLinear1DBackward0", "UpsampleBilinear2DBackward0", "UpsampleBicubic2DBackward0",
    "UpsampleTrilinear3DBackward0", "UpsampleBilinear2DAaBackward0", "UpsampleBicubic2DAaBackward0")}
_FUSED_NODES.update({name: _fused(name, _pad_by_index) for name in (
    "ReflectionPad1DBackward0", "ReflectionPad2DBackward0", "ReflectionPad3DBackward0",
    "ReplicationPad1DBackward0", "ReplicationPad2DBackward0", "ReplicationPad3DBackward0")})
def _upsample_saved_values(node_name: str) -> dict:
    """What torch's upsampling node keeps: the output size, each dim's scale factor (None when sizes were given),
    the input's sizes, and align_corners for the (bi/tri)linear and cubic modes."""
    spatial = int(node_name.split("D")[0][-1])
    words = ["scales"] if spatial == 1 else [f"scales_{a}" for a in "dhw"[3 - spatial:]]
    values = {"output_size": lambda node: tuple(node.args[1]), "self_sym_sizes": lambda node: tuple(node.shapes[0])}
    for i, word in enumerate(words):
        values[word] = lambda node, i=i: node.args[2][i]
    if "Nearest" not in node_name:
        values["align_corners"] = lambda node: bool(node.args[4])
    return values


for _node in _FUSED_NODES.values():
    if "Pad" in _node.node_name:  # torch keeps the input and the (left, right) widths, last dim first
        _node.saved_names = ("self",)
        _node.saved_values = {"padding": lambda node: torch_ints(w for pair in node.args[1] for w in pair)}
    else:
        _node.saved_values = _upsample_saved_values(_node.node_name)
