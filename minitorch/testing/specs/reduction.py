"""Parity specs for reductions (minitorch.ops.reduction)."""
from hypothesis import strategies as st

from ..registry import ALL_DTYPES, FLOATS, INTS, register
from ..strategies import nonempty_shapes, shapes, tensor_arg

FAMILY = "reduction"


def _dims_for(draw, ndim, allow_tuple=True, allow_none=True):
    choices = []
    if allow_none:
        choices.append(None)
    if ndim:
        choices += list(range(-ndim, ndim))
        if allow_tuple and ndim >= 2:
            choices.append(tuple(sorted(set(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim))))))
    else:
        choices += [0, -1]
    return draw(st.sampled_from(choices))


def reduce_sample(domain="any", nonempty=False, tuple_dims=True, allow_none=True, edge=True):
    def sample(draw, dtype):
        shape = draw(nonempty_shapes(min_dims=0) if nonempty else shapes())
        x = tensor_arg(draw, shape, dtype, domain, edge)
        dim = _dims_for(draw, len(shape), tuple_dims, allow_none)
        kw = {} if dim is None else {"dim": dim, "keepdim": draw(st.booleans())}
        return [x], kw
    return sample


def _call(name):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **k)


register("sum", _call("sum"), reduce_sample(), dtypes=FLOATS + ("float16",) + INTS + ("bool",), family=FAMILY)
register("nansum", _call("nansum"), reduce_sample(), dtypes=FLOATS, family=FAMILY)
register("mean", _call("mean"), reduce_sample(), dtypes=FLOATS + ("float16", "int64"), family=FAMILY)
register("nanmean", _call("nanmean"), reduce_sample(nonempty=True), dtypes=FLOATS, family=FAMILY)
register("amax", _call("amax"), reduce_sample(nonempty=True, allow_none=False), dtypes=FLOATS + ("int64",),
         family=FAMILY)
register("amin", _call("amin"), reduce_sample(nonempty=True, allow_none=False), dtypes=FLOATS + ("int64",),
         family=FAMILY)
register("logsumexp", _call("logsumexp"), reduce_sample(allow_none=False), dtypes=FLOATS + ("int64",),
         family=FAMILY)
register("count_nonzero", lambda lib, x, dim=None, keepdim=False: lib.count_nonzero(x, dim),
         reduce_sample(), dtypes=FLOATS + INTS + ("bool",), grad=None, family=FAMILY)
register("all", _call("all"), reduce_sample(tuple_dims=False), dtypes=ALL_DTYPES, grad=None, family=FAMILY)
register("any", _call("any"), reduce_sample(tuple_dims=False), dtypes=ALL_DTYPES, grad=None, family=FAMILY)


def _prod_sample(draw, dtype):
    shape = draw(shapes(max_dims=3, max_side=4))
    x = tensor_arg(draw, shape, dtype, "small")
    if draw(st.booleans()) and shape:
        return [x], {"dim": draw(st.integers(-len(shape), len(shape) - 1)), "keepdim": draw(st.booleans())}
    return [x], {}


register("prod", _call("prod"), _prod_sample, dtypes=FLOATS + ("int64",), family=FAMILY,
         reason="zeros in the input exercise the product-of-others backward")


def _extreme_sample(draw, dtype):
    shape = draw(nonempty_shapes(min_dims=0))
    x = tensor_arg(draw, shape, dtype)
    if draw(st.booleans()):
        return [x], {}
    return [x], {"dim": draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1)),
                 "keepdim": draw(st.booleans())}


for _name in ("max", "min"):
    register(_name, _call(_name), _extreme_sample, dtypes=FLOATS + ("int64", "bool"), family=FAMILY,
             compare_indices=False, reason="with ties torch may pick another index; values and grads still match"
             )
    register(_name + "_elementwise", lambda lib, a, b, _n=_name: getattr(lib, _n)(a, b),
             lambda draw, dtype: ([tensor_arg(draw, s, dtype) for s in [draw(shapes())] * 2], {}),
             dtypes=FLOATS, grad=(0, 1), family=FAMILY)

for _name in ("argmax", "argmin"):
    register(_name, _call(_name), reduce_sample(nonempty=True, tuple_dims=False, edge=False),
             dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)


def _var_sample(draw, dtype):
    shape = draw(nonempty_shapes(min_dims=0))
    x = tensor_arg(draw, shape, dtype)
    kw = {}
    dim = _dims_for(draw, len(shape))
    if dim is not None:
        kw["dim"] = dim
        kw["keepdim"] = draw(st.booleans())
    style = draw(st.sampled_from(["default", "correction", "unbiased"]))
    if style == "correction":
        # correction 2 only where at least 3 values are reduced: with fewer, torch's var and var_mean
        # backward disagree with each other (nan against finite) on the negative degrees of freedom
        reduced = 1 if not shape else x.array.size if dim is None else (
            x.array.shape[dim] if isinstance(dim, int) else 3)
        kw["correction"] = draw(st.sampled_from([0, 1, 2] if reduced >= 3 else [0, 1]))
    elif style == "unbiased" and "dim" in kw:
        kw["unbiased"] = draw(st.booleans())
    return [x], kw


for _name in ("var", "std", "var_mean", "std_mean"):
    register(_name, _call(_name), _var_sample, dtypes=FLOATS + ("int64",), family=FAMILY,
             rtol=1e-5, atol=1e-5, reason="two-pass variance in NumPy vs torch's Welford accumulation")


def _norm_sample(draw, dtype):
    shape = draw(shapes())
    x = tensor_arg(draw, shape, dtype)
    kw = {"p": draw(st.sampled_from(["fro", 2, 1, float("inf"), float("-inf"), 3, 0.5]))}
    if 0 in shape and kw["p"] in (float("inf"), float("-inf")):
        kw["p"] = 2  # torch's inf-norms of empty inputs are inconsistent between its code paths
    dim = _dims_for(draw, len(shape))
    if dim is not None:
        kw["dim"] = dim
        kw["keepdim"] = draw(st.booleans())
    return [x], kw


register("norm", _call("norm"), _norm_sample, dtypes=FLOATS, family=FAMILY, rtol=1e-5,
         reason="p-norms sum |x|^p in a different order than torch")


def _scan_sample(draw, dtype):
    shape = draw(shapes(max_dims=3))
    x = tensor_arg(draw, shape, dtype, "small")
    kwargs = {"dim": draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))}
    result_dtype = draw(st.sampled_from([None, None, None, dtype, "float64", "int64", "bool"]))
    return [x], kwargs if result_dtype is None else {**kwargs, "dtype": result_dtype}


def _scan(name):
    """A scan with its result dtype named as a string (the library's dtype of that name is passed)."""
    def fn(lib, x, dim, dtype=None):
        return getattr(lib, name)(x, dim, **({} if dtype is None else {"dtype": getattr(lib, dtype)}))
    return fn


register("cumsum", _scan("cumsum"), _scan_sample, dtypes=FLOATS + ("int64", "bool"), family=FAMILY)
register("cumprod", _scan("cumprod"), _scan_sample, dtypes=FLOATS + ("int64", "bool"), family=FAMILY, rtol=1e-5,
         reason="products of up to five factors round differently")


register("median", _call("median"), _extreme_sample, dtypes=FLOATS + ("int64", "bool"), family=FAMILY,
         compare_indices=False, reason="ties: torch's index choice among equal medians is unspecified")
