"""Parity specs for the activations beyond the everyday ones (nn.functional: selu ... rrelu)."""
from hypothesis import strategies as st

from ..registry import FLOATS, TORCH_CPU_STREAM, register
from ..strategies import shapes, tensor_arg

FAMILY = "nn"
LOOSE = "composed from exp/tanh: torch's fused kernels round differently"


def _x(draw, dtype, shape=None, domain="any"):
    return tensor_arg(draw, draw(shapes()) if shape is None else shape, dtype, domain, edge=True)


def _plain(draw, dtype):
    return [_x(draw, dtype)], {}


def _fn(name):
    return lambda lib, *a, **k: getattr(lib.nn.functional, name)(*a, **k)


def _inplace(name):
    """The in-place form on a copy (a leaf that requires grad cannot be written in place)."""
    return lambda lib, x, **k: getattr(lib.nn.functional, name)(x.clone(), inplace=True, **k)


for _name in ("selu", "mish", "softsign", "tanhshrink"):
    register(f"nn.functional.{_name}", _fn(_name), _plain, dtypes=FLOATS, family=FAMILY, rtol=1e-5, reason=LOOSE)
for _name in ("selu", "mish"):
    register(f"nn.functional.{_name}(inplace)", _inplace(_name), _plain, dtypes=FLOATS, family=FAMILY, rtol=1e-5,
             reason=LOOSE)


def _celu_sample(draw, dtype):
    return [_x(draw, dtype)], {"alpha": draw(st.sampled_from([1.0, 0.5, 2.0, 0.0]))}


register("nn.functional.celu", _fn("celu"), _celu_sample, dtypes=FLOATS, family=FAMILY, rtol=1e-5, reason=LOOSE)
register("nn.functional.celu(inplace)", _inplace("celu"), _celu_sample, dtypes=FLOATS, family=FAMILY, rtol=1e-5,
         reason=LOOSE)


def _threshold_sample(draw, dtype):
    return [_x(draw, dtype), draw(st.sampled_from([0.0, 0.5, -1.0, 2])), draw(st.sampled_from([0.0, 20.0, -3, 1.5]))], {}


register("nn.functional.threshold", _fn("threshold"), _threshold_sample, dtypes=FLOATS + ("int64", "int32", "bool"),
         family=FAMILY)
register("nn.functional.threshold(inplace)",
         lambda lib, x, t, v: lib.nn.functional.threshold(x.clone(), t, v, inplace=True), _threshold_sample,
         dtypes=FLOATS, family=FAMILY)


def _shrink_sample(draw, dtype):
    return [_x(draw, dtype)], draw(st.sampled_from([{}, {"lambd": 0.0}, {"lambd": 1.5}, {"lambd": -0.5}]))


register("nn.functional.hardshrink", _fn("hardshrink"), _shrink_sample, dtypes=FLOATS + ("int64",), family=FAMILY)
register("nn.functional.softshrink", _fn("softshrink"), _shrink_sample, dtypes=FLOATS + ("float16", "int64"),
         family=FAMILY)


def _softmin_sample(draw, dtype):
    x = _x(draw, dtype)
    n = max(x.array.ndim, 1)
    return [x], {"dim": draw(st.integers(-n, n - 1)), "dtype": None}


register("nn.functional.softmin", _fn("softmin"), _softmin_sample, dtypes=FLOATS, family=FAMILY)


def _glu_sample(draw, dtype):
    shape = list(draw(shapes(max_dims=3)))
    dim = draw(st.integers(-len(shape), len(shape) - 1)) if shape else 0
    if shape and draw(st.integers(0, 5)):  # mostly an even size along dim; sometimes odd, or a scalar
        shape[dim] = 2 * draw(st.integers(0, 3))
    return [_x(draw, dtype, tuple(shape))], {"dim": dim}


register("nn.functional.glu", _fn("glu"), _glu_sample, dtypes=FLOATS + ("int64",), family=FAMILY, rtol=1e-5,
         reason=LOOSE)


def _prelu_sample(draw, dtype):
    shape = draw(shapes(max_dims=4))
    channels = shape[1] if len(shape) >= 2 else 1
    n = draw(st.sampled_from([1, channels, channels, channels + 1]))
    wshape = draw(st.sampled_from([(n,), (n,), ()])) if n == 1 else (n,)
    w_dtype = draw(st.sampled_from([dtype] * 5 + ["float64"]))
    return [_x(draw, dtype, shape), tensor_arg(draw, wshape, w_dtype, "any")], {}


register("nn.functional.prelu", _fn("prelu"), _prelu_sample, dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY)


def _rrelu_sample(draw, dtype):
    kw = {"training": draw(st.booleans())}
    kw.update(draw(st.sampled_from([{}, {"lower": 0.1, "upper": 0.6}, {"lower": 0.5, "upper": 0.2}])))
    return [_x(draw, dtype)], kw


def _rrelu(lib, x, **k):
    lib.manual_seed(5)  # training draws one uniform per element at or below zero from the default stream
    return lib.nn.functional.rrelu(x, **k)


register("nn.functional.rrelu", _rrelu, _rrelu_sample, dtypes=FLOATS + ("int64",), family=FAMILY,
         cpu_only=TORCH_CPU_STREAM)
register("nn.functional.rrelu(inplace)", lambda lib, x, **k: _rrelu(lib, x.clone(), inplace=True, **k), _rrelu_sample,
         dtypes=FLOATS, family=FAMILY, cpu_only=TORCH_CPU_STREAM)
