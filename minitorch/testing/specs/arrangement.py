"""Parity specs for rearranging, combining, scattering and strided views (minitorch.ops.arrange,
minitorch.ops.scatter_ops, minitorch.ops.strided)."""
import numpy as np
from hypothesis import strategies as st

from ..registry import Arg, CPU_LAYOUT, FLOATS, register
from ..strategies import shapes, tensor_arg

FAMILY = "shape"
WITH_INTS = FLOATS + ("int64",)


def _call(name, **fixed):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **fixed, **k)


def _method(name):
    return lambda lib, x, *a, **k: getattr(x, name)(*a, **k)


def _x(draw, dtype, **kw):
    return tensor_arg(draw, draw(shapes(**kw)), dtype)


def _index(draw, high, length=None, allow_negative=True):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(0, 3)) if length is None else length
    values = rng.integers(-high if allow_negative else 0, high, n) if high else np.zeros(0, np.int64)
    return Arg(values.astype(np.int64), requires_grad=False)


def _rot90_sample(draw, dtype):
    x = _x(draw, dtype, min_dims=2, max_dims=3)
    dims = draw(st.sampled_from([(0, 1), (1, 0), (-1, 0), (0, -1), (1, 1)]))
    return [x], {"k": draw(st.integers(-5, 5)), "dims": list(dims)}


register("rot90", _call("rot90"), _rot90_sample, dtypes=WITH_INTS, family=FAMILY)
register("ravel", _call("ravel"), lambda draw, dt: ([_x(draw, dt)], {}), dtypes=WITH_INTS, family=FAMILY)
register("atleast_3d", _call("atleast_3d"), lambda draw, dt: ([_x(draw, dt, max_dims=4)], {}), dtypes=WITH_INTS,
         family=FAMILY)
for _name, _least in (("hsplit", 1), ("vsplit", 2), ("dsplit", 3)):
    register(_name, _call(_name),
             lambda draw, dt, _l=_least: ([_x(draw, dt, min_dims=_l - 1, max_dims=4, min_side=1),
                                           draw(st.sampled_from([1, 2, 3, [1], [0, 2], [1, 5]]))], {}),
             dtypes=WITH_INTS, family=FAMILY)


def _split_with_sizes_sample(draw, dtype):
    x = _x(draw, dtype, min_dims=1)
    d = draw(st.integers(-x.array.ndim, x.array.ndim - 1))
    n = x.array.shape[d]
    cut = draw(st.integers(0, n))
    sizes = [cut, n - cut] if draw(st.integers(0, 5)) else [cut, n - cut + 1]  # sizes that do not add up: error
    return [x, sizes], {"dim": d}


register("split_with_sizes", _call("split_with_sizes"), _split_with_sizes_sample, dtypes=WITH_INTS, family=FAMILY)
register("diagflat", _call("diagflat"), lambda draw, dt: ([_x(draw, dt, max_dims=2)], {"offset": draw(
    st.integers(-2, 2))}), dtypes=WITH_INTS, family=FAMILY)
register("block_diag", _call("block_diag"),
         lambda draw, dt: ([_x(draw, dt, max_dims=2) for _ in range(draw(st.integers(1, 3)))], {}),
         dtypes=WITH_INTS, family=FAMILY)
register("cartesian_prod", _call("cartesian_prod"),
         lambda draw, dt: ([_x(draw, dt, min_dims=1, max_dims=1) for _ in range(draw(st.integers(1, 3)))], {}),
         dtypes=WITH_INTS, family=FAMILY)
register("combinations", _call("combinations"),
         lambda draw, dt: ([_x(draw, dt, min_dims=1, max_dims=1)], {"r": draw(st.integers(0, 3)),
                                                                    "with_replacement": draw(st.booleans())}),
         dtypes=WITH_INTS, family=FAMILY)
register("meshgrid", _call("meshgrid"),
         lambda draw, dt: ([_x(draw, dt, max_dims=1) for _ in range(draw(st.integers(1, 3)))],
                           {"indexing": draw(st.sampled_from(["ij", "xy"]))}), dtypes=WITH_INTS, family=FAMILY)
register("kron", _call("kron"), lambda draw, dt: ([_x(draw, dt, max_dims=3, max_side=3),
                                                   _x(draw, dt, max_dims=3, max_side=3)], {}),
         dtypes=WITH_INTS, grad=(0, 1), family=FAMILY)


def _isin_sample(draw, dtype):
    a = tensor_arg(draw, draw(shapes()), dtype, requires_grad=False)
    a.array = np.round(a.array / 3).astype(a.array.dtype)
    b = tensor_arg(draw, draw(shapes(max_dims=2)), dtype, requires_grad=False)
    b.array = np.round(b.array / 3).astype(b.array.dtype)
    if draw(st.integers(0, 4)) == 0:
        b = 1
    return [a, b], {"invert": draw(st.booleans())}


register("isin", _call("isin"), _isin_sample, dtypes=WITH_INTS, grad=None, family=FAMILY)


def _unique_consecutive_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=1)), dtype, requires_grad=False)
    x.array = np.round(x.array / 6).astype(x.array.dtype)
    kw = {"return_inverse": draw(st.booleans()), "return_counts": draw(st.booleans())}
    if draw(st.booleans()):
        kw["dim"] = draw(st.integers(0, x.array.ndim - 1))
    return [x], kw


register("unique_consecutive", _call("unique_consecutive"), _unique_consecutive_sample, dtypes=WITH_INTS, grad=None,
         family=FAMILY)


# ---- scattering -------------------------------------------------------------------------------------------------

def _along_dim(draw, dtype, min_dims=1):
    x = _x(draw, dtype, min_dims=min_dims, min_side=1)
    return x, draw(st.integers(-x.array.ndim, x.array.ndim - 1))


def _index_copy_sample(draw, dtype):
    x, d = _along_dim(draw, dtype)
    n = x.array.shape[d]
    index = Arg(np.random.default_rng(draw(st.integers(0, 99))).permutation(n)[:draw(st.integers(0, n))],
                requires_grad=False)  # distinct: which of two writes to one slice wins is torch's to decide
    source_shape = list(x.array.shape)
    source_shape[d] = index.array.size
    return [x, d, index, tensor_arg(draw, tuple(source_shape), dtype)], {}


register("index_copy", _call("index_copy"), _index_copy_sample, dtypes=WITH_INTS, grad=(0, 3), family=FAMILY)


def _index_fill_sample(draw, dtype):
    """Indices from 0 up: torch's backward refuses negative ones along some dims (INDICES element is out of DATA
    bounds), where its forward takes them, a defect of torch's that minitorch does not copy."""
    x, d = _along_dim(draw, dtype)
    value = draw(st.sampled_from(["number", "tensor"]))
    value = 2.5 if value == "number" else tensor_arg(draw, (), dtype)
    return [x, d, _index(draw, x.array.shape[d], allow_negative=False), value], {}


register("index_fill", _call("index_fill"), _index_fill_sample, dtypes=WITH_INTS, grad=(0, 3), family=FAMILY)


def _slice_positions(draw, x, d):
    n = x.array.shape[d]
    start, end = sorted(draw(st.integers(0, n)) for _ in range(2))
    return start, end, draw(st.integers(1, 2))


def _scatter_source(draw, dtype, shape):
    return tensor_arg(draw, tuple(shape), dtype)


def _select_scatter_sample(draw, dtype):
    x, d = _along_dim(draw, dtype)
    index = draw(st.integers(-x.array.shape[d], x.array.shape[d] - 1))
    shape = list(x.array.shape)
    del shape[d]
    return [x, _scatter_source(draw, dtype, shape), d, index], {}


def _slice_scatter_sample(draw, dtype):
    x, d = _along_dim(draw, dtype)
    start, end, step = _slice_positions(draw, x, d)
    shape = list(x.array.shape)
    shape[d] = len(range(start, end, step))
    return [x, _scatter_source(draw, dtype, shape)], {"dim": d, "start": start, "end": end, "step": step}


def _diagonal_scatter_sample(draw, dtype):
    x = _x(draw, dtype, min_dims=2, max_dims=3)
    offset = draw(st.integers(-2, 2))
    diag = np.diagonal(x.array, offset, 0, 1)
    return [x, _scatter_source(draw, dtype, diag.shape)], {"offset": offset}


register("select_scatter", _call("select_scatter"), _select_scatter_sample, dtypes=WITH_INTS, grad=(0, 1),
         family=FAMILY)
register("slice_scatter", _call("slice_scatter"), _slice_scatter_sample, dtypes=WITH_INTS, grad=(0, 1), family=FAMILY)
register("diagonal_scatter", _call("diagonal_scatter"), _diagonal_scatter_sample, dtypes=WITH_INTS, grad=(0, 1),
         family=FAMILY)


def _index_put_sample(draw, dtype):
    x = _x(draw, dtype, min_dims=1, min_side=1)
    accumulate = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):  # a boolean mask over the leading dims
        indices = (Arg(rng.random(x.array.shape[:1]) < 0.5, requires_grad=False),)
    else:
        k = draw(st.integers(1, min(2, x.array.ndim)))
        n = draw(st.integers(1, 3))
        pick = (lambda size: rng.integers(0, size, n)) if accumulate else \
            (lambda size: rng.permutation(size)[:min(n, size)])  # without accumulate: no repeats (last write wins)
        first = pick(x.array.shape[0])
        indices = tuple(Arg((first if i == 0 else rng.integers(0, x.array.shape[i], first.size)).astype(np.int64),
                            requires_grad=False) for i in range(k))
    target = x.array[tuple(i.array for i in indices)]
    values = tensor_arg(draw, target.shape[draw(st.integers(0, target.ndim)):], dtype)  # broadcast from the right
    return [x, indices, values], {"accumulate": accumulate}


register("index_put", _call("index_put"), _index_put_sample, dtypes=WITH_INTS, grad=(0, 2), family=FAMILY)


def _put_sample(draw, dtype):
    x = _x(draw, dtype, min_side=1)
    accumulate = draw(st.booleans())
    n = x.array.size
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    index = rng.integers(-n, n, draw(st.integers(0, 4))) if accumulate else rng.permutation(n)[:draw(st.integers(0, n))]
    return [x, Arg(index.astype(np.int64), requires_grad=False), tensor_arg(draw, (len(index),), dtype)], \
        {"accumulate": accumulate}


register("put", _call("put"), _put_sample, dtypes=WITH_INTS, grad=(0, 2), family=FAMILY)


def _masked_scatter_sample(draw, dtype):
    x = _x(draw, dtype)
    mask = Arg(np.random.default_rng(draw(st.integers(0, 99))).random(x.array.shape[draw(st.integers(0, x.array.ndim)):])
               < 0.5, requires_grad=False)
    return [x, mask, tensor_arg(draw, (x.array.size + draw(st.integers(0, 2)),), dtype)], {}


register("masked_scatter", _call("masked_scatter"), _masked_scatter_sample, dtypes=WITH_INTS, grad=(0, 2),
         family=FAMILY)


def _scatter_reduce_sample(draw, dtype):
    x, d = _along_dim(draw, dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    index_shape = tuple(draw(st.integers(0, s)) for s in x.array.shape)
    index = Arg(rng.integers(0, x.array.shape[d], index_shape).astype(np.int64), requires_grad=False)
    src = tensor_arg(draw, index_shape, dtype)
    if draw(st.booleans()):  # distinct values: a tie between extremes shares the gradient, a rounding apart it does not
        src.array = (rng.permutation(max(src.array.size, 1))[:src.array.size] * 0.5 + 0.25).reshape(
            index_shape).astype(dtype)
    reduce = draw(st.sampled_from(["sum", "prod", "mean", "amax", "amin"]))
    return [x, d, index, src, reduce], {"include_self": draw(st.booleans())}


register("scatter_reduce", _call("scatter_reduce"), _scatter_reduce_sample, dtypes=WITH_INTS, grad=(0, 3),
         family=FAMILY, rtol=1e-5, atol=1e-5, reason="products and means reduced in a different order")


def _index_reduce_sample(draw, dtype):
    x, d = _along_dim(draw, dtype)
    index = _index(draw, x.array.shape[d], allow_negative=False)
    shape = list(x.array.shape)
    shape[d] = index.array.size
    return [x, d, index, tensor_arg(draw, tuple(shape), dtype),
            draw(st.sampled_from(["prod", "mean", "amax", "amin"]))], {"include_self": draw(st.booleans())}


register("index_reduce", _call("index_reduce"), _index_reduce_sample, dtypes=FLOATS, grad=(0, 3), family=FAMILY,
         rtol=1e-5, atol=1e-5, reason="products and means reduced in a different order")
register("fill", _call("fill"), lambda draw, dt: ([_x(draw, dt), draw(st.sampled_from([2.5, -1]))], {}),
         dtypes=WITH_INTS, family=FAMILY)
register("fill(tensor)", _call("fill"), lambda draw, dt: ([_x(draw, dt), tensor_arg(draw, (), dt)], {}),
         grad=(0, 1), family=FAMILY)
register("fill_(function)", lambda lib, x, v: lib.fill_(x.clone(), v), lambda draw, dt: ([_x(draw, dt), 1.5], {}),
         family=FAMILY)
register("zero_(function)", lambda lib, x: lib.zero_(x.clone()), lambda draw, dt: ([_x(draw, dt)], {}), family=FAMILY)


# ---- strided views ----------------------------------------------------------------------------------------------

def _as_strided_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=1, min_side=1)), dtype)
    n = x.array.size
    size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    span = (size[0] - 1) * stride[0] + (size[1] - 1) * stride[1] + 1
    kw = {}
    if draw(st.booleans()) and n >= span:
        kw["storage_offset"] = draw(st.integers(0, n - span))
    x.layout = "contiguous"  # the storage of a strided input is its base's, which the harness does not share
    return [x, size, stride], kw


register("as_strided", _call("as_strided"), _as_strided_sample, dtypes=WITH_INTS, family=FAMILY)


def _as_strided_scatter_sample(draw, dtype):
    """src for positions that do not repeat: strides of at least 1, the larger one past the other dim's span."""
    x = tensor_arg(draw, draw(shapes(min_dims=1, min_side=1)), dtype)
    n = x.array.size
    inner = draw(st.integers(1, 2))
    size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = ((size[1] - 1) * inner + 1 + draw(st.integers(0, 1)), inner)
    span = (size[0] - 1) * stride[0] + (size[1] - 1) * stride[1] + 1
    if span > n:  # a view of one element
        size, stride, span = (1, 1), (1, 1), 1
    kw = {"storage_offset": draw(st.integers(0, n - span))} if draw(st.booleans()) else {}
    x.layout = "contiguous"  # as_strided addresses the row-major memory (see as_strided's sample)
    return [x, tensor_arg(draw, size, dtype), size, stride], kw


register("as_strided_scatter", _call("as_strided_scatter"), _as_strided_scatter_sample, dtypes=WITH_INTS, grad=(0, 1),
         family=FAMILY)
register("Tensor.unfold", _method("unfold"),
         lambda draw, dt: ([x := _x(draw, dt, min_side=1), draw(st.integers(-max(x.array.ndim, 1), max(x.array.ndim, 1) - 1)),
                            draw(st.integers(0, 3)), draw(st.integers(1, 2))], {}), dtypes=WITH_INTS, family=FAMILY)


def _strided_factory(lib, size, stride, double=False):
    """The layout of an uninitialised tensor (its values are whatever the memory held)."""
    out = lib.empty_strided(size, stride, dtype=lib.float64 if double else None)
    return out.stride(), tuple(out.shape), str(out.dtype)


register("empty_strided", _strided_factory,
         lambda draw, dt: ([(2, 3), draw(st.sampled_from([(3, 1), (1, 2), (0, 1)]))], {"double": draw(st.booleans())}),
         grad=None, family=FAMILY, cpu_only=CPU_LAYOUT)


def _new_strided(lib, x, size, stride):
    out = x.new_empty_strided(size, stride)
    return out.stride(), tuple(out.shape), str(out.dtype)


register("Tensor.new_empty_strided", _new_strided,
         lambda draw, dt: ([_x(draw, dt), (3, 2), draw(st.sampled_from([(1, 3), (2, 1)]))], {}), grad=None,
         dtypes=WITH_INTS, family=FAMILY, cpu_only=CPU_LAYOUT)



# in-place forms, on a clone of the input
from .tensor_api import _inplace  # noqa: E402

for _name, _sample in (("index_put_", _index_put_sample), ("index_fill_", _index_fill_sample),
                       ("index_copy_", _index_copy_sample), ("index_reduce_", _index_reduce_sample),
                       ("put_", _put_sample), ("masked_scatter_", _masked_scatter_sample),
                       ("scatter_reduce_", _scatter_reduce_sample)):
    register(_name, lambda lib, x, *a, _n=_name, **k: _inplace(_n, **k)(lib, x, *a), _sample, dtypes=FLOATS,
             grad=None, family=FAMILY)
