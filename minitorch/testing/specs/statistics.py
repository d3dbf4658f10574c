"""Parity specs for order statistics, running reductions, numerical calculus, covariance and binning
(minitorch.ops.statistics and minitorch.ops.numerical)."""
import numpy as np
from hypothesis import strategies as st

from ..registry import Arg, FLOATS, register
from ..strategies import shapes, tensor_arg

FAMILY = "reduction"
SUMS = dict(rtol=1e-5, atol=1e-5, reason="sums accumulated in a different order than torch's kernels")


def _call(name, **fixed):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **fixed, **k)


def _x(draw, dtype, min_dims=0, edge=True, domain="any", **kw):
    return tensor_arg(draw, draw(shapes(min_dims=min_dims, **kw)), dtype, domain, edge)


def _dim_of(draw, x, keepdim=True):
    n = max(x.array.ndim, 1)
    kw = {"dim": draw(st.integers(-n, n - 1))}
    if keepdim:
        kw["keepdim"] = draw(st.booleans())
    return kw


register("nanmedian", _call("nanmedian"), lambda draw, dt: ([_x(draw, dt)], {}), dtypes=FLOATS + ("int64", "bool"),
         family=FAMILY)
register("nanmedian(dim)", _call("nanmedian"),
         lambda draw, dt: ([x := _x(draw, dt, min_side=1)], _dim_of(draw, x)), dtypes=FLOATS + ("int64", "bool"),
         family=FAMILY)


def _repeats(draw, dtype):
    """Small integer values, so that values repeat (mode's subject)."""
    x = tensor_arg(draw, draw(shapes(min_side=1)), dtype, "any", False)
    x.array = np.round(x.array / 4).astype(x.array.dtype)
    return x


register("mode", _call("mode"), lambda draw, dt: ([x := _repeats(draw, dt)], _dim_of(draw, x)),
         dtypes=FLOATS + ("int64",), family=FAMILY)
register("aminmax", _call("aminmax"),
         lambda draw, dt: ([x := _x(draw, dt)], draw(st.sampled_from([{}, {"keepdim": True}, _dim_of(draw, x)]))),
         dtypes=FLOATS + ("int64", "bool"), family=FAMILY)
for _name in ("cummax", "cummin"):
    register(_name, _call(_name), lambda draw, dt: ([x := _x(draw, dt)], _dim_of(draw, x, keepdim=False)),
             dtypes=FLOATS + ("int64",), family=FAMILY)
register("logcumsumexp", _call("logcumsumexp"), lambda draw, dt: ([x := _x(draw, dt)], _dim_of(draw, x, keepdim=False)),
         dtypes=FLOATS + ("int64",), family=FAMILY, rtol=1e-5, atol=1e-6,
         reason="running logaddexp, rounded step by step as torch's kernel does but with NumPy's log1p/exp")


def _distinct(draw, dtype):
    """Distinct values (now and then one NaN): torch's sort is not stable, so tied values reach the gradient in an
    order of its own that minitorch's stable sort does not reproduce (the values agree either way)."""
    x = _x(draw, dtype, min_side=1)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.permutation(x.array.size) * 0.5 - x.array.size / 4
    if values.size and draw(st.integers(0, 4)) == 0:
        values[rng.integers(values.size)] = np.nan
    x.array = values.reshape(x.array.shape).astype(dtype)
    return x


def _quantile_sample(draw, dtype):
    x = _distinct(draw, dtype)
    q = draw(st.sampled_from(["number", "0d", "1d"]))
    if q == "number":
        q = draw(st.sampled_from([0.0, 0.25, 0.5, 1.0, 0.7]))
    else:
        values = np.array(draw(st.sampled_from([[0.3], [0.0, 0.5, 1.0], [0.9, 0.1]])) if q == "1d" else 0.4, dtype)
        q = Arg(values, requires_grad=False)
    kw = {"interpolation": draw(st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]))}
    if draw(st.booleans()):
        kw.update(_dim_of(draw, x))
    return [x, q], kw


for _name in ("quantile", "nanquantile"):
    register(_name, _call(_name), _quantile_sample, family=FAMILY, rtol=1e-6,
             reason="a lerp between neighbouring sorted values, rounded as torch's lerp rounds")


# ---- calculus ------------------------------------------------------------------------------------------------

def _diff_sample(draw, dtype):
    x = _x(draw, dtype, min_dims=1)
    kw = {"n": draw(st.integers(0, 3)), **_dim_of(draw, x, keepdim=False)}
    shape = list(x.array.shape)
    for name in ("prepend", "append"):
        if draw(st.integers(0, 2)) == 0:
            other = shape.copy()
            other[kw["dim"]] = draw(st.integers(1, 2))
            kw[name] = tensor_arg(draw, tuple(other), dtype)
    return [x], kw


register("diff", _call("diff"), _diff_sample, dtypes=FLOATS + ("int64", "bool"), family=FAMILY)


def _gradient_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=1, max_dims=3, min_side=3)), dtype)
    edge_order = draw(st.sampled_from([1, 2]))
    kind = draw(st.sampled_from(["default", "number", "numbers", "coordinates"]))
    kw = {"edge_order": edge_order}
    dims = list(range(x.array.ndim))
    if draw(st.booleans()):
        dims = [draw(st.integers(-x.array.ndim, x.array.ndim - 1))]
        kw["dim"] = dims[0]
    if kind == "number":
        kw["spacing"] = draw(st.sampled_from([2.0, 0.5]))
    elif kind == "numbers":
        kw["spacing"] = [draw(st.sampled_from([1.0, 3.0])) for _ in dims]
    elif kind == "coordinates":
        kw["spacing"] = [Arg(np.cumsum(np.random.default_rng(i).uniform(0.5, 2.0, x.array.shape[d])).astype(dtype),
                             requires_grad=False) for i, d in enumerate(dims)]
    return [x], kw


register("gradient", _call("gradient"), _gradient_sample, family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="divided differences on uneven grids, with torch's weights computed in a different order")


def _integral_sample(draw, dtype):
    y = tensor_arg(draw, draw(shapes(min_dims=1, max_dims=3)), dtype)
    kw = _dim_of(draw, y, keepdim=False)
    kind = draw(st.sampled_from(["none", "dx", "x"]))
    args = [y]
    if kind == "dx":
        kw["dx"] = draw(st.sampled_from([0.5, 2.0]))
    elif kind == "x":
        length = y.array.shape[kw["dim"]]
        args.append(Arg(np.cumsum(np.random.default_rng(0).uniform(0.1, 1.0, length)).astype(dtype)))
    return args, kw


for _name in ("trapezoid", "trapz", "cumulative_trapezoid"):
    register(_name, _call(_name), _integral_sample, grad=(0, 1), family=FAMILY, **SUMS)


# ---- covariance, distance, renormalisation ---------------------------------------------------------------------

def _cov_sample(draw, dtype):
    x = tensor_arg(draw, draw(st.sampled_from([(3, 5), (2, 4), (6,), (1, 3)])), dtype, "small")
    n = x.array.shape[-1]
    kw = {"correction": draw(st.sampled_from([1, 0, 2]))}
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        kw["fweights"] = Arg(rng.integers(1, 4, n).astype(np.int64), requires_grad=False)
    if draw(st.booleans()):
        kw["aweights"] = Arg(rng.uniform(0.2, 2.0, n).astype(dtype), requires_grad=False)
    return [x], kw


register("cov", _call("cov"), _cov_sample, family=FAMILY, **SUMS)
register("corrcoef", _call("corrcoef"),
         lambda draw, dt: ([tensor_arg(draw, draw(st.sampled_from([(3, 5), (2, 4), (6,)])), dt, "small")], {}),
         family=FAMILY, **SUMS)


def _dist_sample(draw, dtype):
    a = _x(draw, dtype)
    b = tensor_arg(draw, a.array.shape, draw(st.sampled_from([dtype, dtype, "float64"])))
    return [a, b], {"p": draw(st.sampled_from([2, 1, 3.0, 0.5, float("inf")]))}


register("dist", _call("dist"), _dist_sample, grad=(0, 1), family=FAMILY, **SUMS)


def _renorm_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=2, max_dims=3, min_side=1)), dtype, "small")
    return [x, draw(st.sampled_from([2.0, 1.0, 3.0])), draw(st.integers(-x.array.ndim, x.array.ndim - 1)),
            draw(st.sampled_from([0.5, 1.0, 5.0]))], {}


register("renorm", _call("renorm"), _renorm_sample, family=FAMILY, **SUMS)


# ---- counting into bins -----------------------------------------------------------------------------------------

register("histc", _call("histc"),
         lambda draw, dt: ([_x(draw, dt, edge=False)], draw(st.sampled_from([{}, {"bins": 4}, {"bins": 3, "min": -2,
                                                                                                 "max": 2}]))),
         dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)


def _histogram_sample(draw, dtype):
    x = _x(draw, dtype, edge=False)
    kind = draw(st.sampled_from(["count", "range", "edges"]))
    kw = {"density": draw(st.booleans())}
    if draw(st.booleans()):
        kw["weight"] = Arg(np.random.default_rng(1).uniform(0, 2, x.array.shape).astype(dtype), requires_grad=False)
    if kind == "edges":
        return [x, Arg(np.array([-5.0, -1.0, 0.0, 2.5, 9.0], dtype), requires_grad=False)], kw
    if kind == "range":
        kw["range"] = (-3.0, 3.0)
    return [x, draw(st.sampled_from([1, 3, 5]))], kw


register("histogram", _call("histogram"), _histogram_sample, grad=None, family=FAMILY, cpu_only="torch.histogram "
         "takes CPU tensors only", rtol=1e-6, reason="densities divide by bin widths computed from the edges")


def _sorted_boundaries(draw, dtype, rows=()):
    values = np.sort(np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(-5, 6, rows + (4,)), axis=-1)
    return Arg(values.astype(dtype), requires_grad=False)


def _searchsorted_sample(draw, dtype):
    batched = draw(st.booleans())
    rows = (draw(st.integers(1, 3)),) if batched else ()
    boundaries = _sorted_boundaries(draw, dtype, rows)
    values = tensor_arg(draw, rows + (draw(st.integers(0, 4)),) if batched else draw(shapes()), dtype, "any", False,
                        requires_grad=False)
    kw = draw(st.sampled_from([{}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}]))
    return [boundaries, values], kw


register("searchsorted", _call("searchsorted"), _searchsorted_sample, dtypes=FLOATS + ("int64",), grad=None,
         family=FAMILY)
register("bucketize", _call("bucketize"),
         lambda draw, dt: ([tensor_arg(draw, draw(shapes()), dt, "any", False, requires_grad=False),
                            _sorted_boundaries(draw, dt)], draw(st.sampled_from([{}, {"right": True},
                                                                                 {"out_int32": True}]))),
         dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)

from .tensor_api import _inplace  # noqa: E402

register("renorm_", lambda lib, x, *a: _inplace("renorm_")(lib, x, *a), _renorm_sample, family=FAMILY, **SUMS)


# ---- random draws on torch's CPU stream ------------------------------------------------------------------------

def _seeded(name):
    def draw_from(lib, seed, x, *args, **kw):
        lib.manual_seed(seed)
        # the fill runs on a contiguous copy: torch's clone keeps a transposed layout, minitorch's does not
        return getattr(lib, name)(x, *args, **kw) if name == "multinomial" else \
            getattr(x.contiguous().clone(), name)(*args, **kw)
    return draw_from


def _multinomial_sample(draw, dtype):
    probs = tensor_arg(draw, draw(st.sampled_from([(5,), (3, 6), (2, 1)])), dtype, "positive", requires_grad=False)
    replacement = draw(st.booleans())
    n = draw(st.integers(1, 8 if replacement else probs.array.shape[-1]))
    return [draw(st.integers(0, 2**31)), probs, n], {"replacement": replacement}


register("multinomial", _seeded("multinomial"), _multinomial_sample, grad=None, family=FAMILY,
         cpu_only="compares torch's CPU random stream; CUDA tensors draw from CuPy's generator")
register("exponential_", _seeded("exponential_"),
         lambda draw, dt: ([draw(st.integers(0, 2**31)), _x(draw, dt), draw(st.sampled_from([1.0, 0.5, 3.0]))], {}),
         grad=None, family=FAMILY, rtol=1e-6,
         cpu_only="compares torch's CPU random stream; CUDA tensors draw from CuPy's generator",
         reason="-log1p(-u)/λ in double: the last bit of the log may differ from torch's")
register("cauchy_", _seeded("cauchy_"),
         lambda draw, dt: ([draw(st.integers(0, 2**31)), _x(draw, dt), draw(st.sampled_from([0.0, -1.5, 2.0])),
                            draw(st.sampled_from([1.0, 0.5, 3.0, 0.0]))], {}),
         dtypes=FLOATS + ("int64",), grad=None, family=FAMILY, rtol=1e-6,
         cpu_only="compares torch's CPU random stream; CUDA tensors draw from CuPy's generator",
         reason="tan in double: the last bit may differ from torch's")
register("log_normal_", _seeded("log_normal_"),
         lambda draw, dt: ([draw(st.integers(0, 2**31)), _x(draw, dt), draw(st.sampled_from([1.0, 0.0, -0.5])),
                            draw(st.sampled_from([2.0, 0.5, 0.0]))], {}),
         dtypes=FLOATS + ("int64",), grad=None, family=FAMILY, rtol=1e-6,
         cpu_only="compares torch's CPU random stream; CUDA tensors draw from CuPy's generator",
         reason="Box-Muller and exp in double: the last bit may differ from torch's")
register("geometric_", _seeded("geometric_"),
         lambda draw, dt: ([draw(st.integers(0, 2**31)), _x(draw, dt), draw(st.sampled_from([0.3, 0.9, 0.05, 1.0]))],
                           {}),
         dtypes=FLOATS + ("int64", "int32", "bool"), grad=None, family=FAMILY,
         cpu_only="compares torch's CPU random stream; CUDA tensors draw from CuPy's generator")


def _histogramdd_sample(draw, dtype):
    """Points (…, D) with D from 1 to 3; bins as one count, a count per dim or edge tensors; a range, weights,
    density."""
    dims = draw(st.integers(1, 3))
    x = tensor_arg(draw, tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=2))) + (dims,), dtype,
                   requires_grad=False)
    kind = draw(st.sampled_from(["count", "counts", "range", "edges"]))
    kw = {"density": draw(st.booleans())}
    if draw(st.booleans()):
        kw["weight"] = Arg(np.random.default_rng(1).uniform(0, 2, x.array.shape[:-1]).astype(dtype),
                           requires_grad=False)
    if kind == "edges":
        edges = [Arg(np.array([-5.0, -1.0, 0.0, 2.5, 9.0][:draw(st.integers(2, 5))], dtype), requires_grad=False)
                 for _ in range(dims)]
        return [x], {**kw, "bins": edges}
    if kind == "range":
        kw["range"] = [v for _ in range(dims) for v in (-3.0, 3.0)]
    bins = draw(st.sampled_from([1, 2, 4])) if kind != "counts" else [draw(st.integers(1, 3)) for _ in range(dims)]
    return [x], {**kw, "bins": bins}


register("histogramdd", _call("histogramdd"), _histogramdd_sample, grad=None, family=FAMILY,
         cpu_only="torch.histogramdd takes CPU tensors only", rtol=1e-6,
         reason="densities divide by cell volumes computed from the edges")
