"""Parity specs for indexing, gather/scatter and ordering (minitorch.ops.indexing)."""
import numpy as np
from hypothesis import strategies as st

from ..registry import Arg, FLOATS, register
from ..strategies import nonempty_shapes, shapes, tensor_arg

FAMILY = "indexing"


def _x(draw, dtype, shape=None, **kw):
    return tensor_arg(draw, draw(nonempty_shapes(max_dims=3)) if shape is None else shape, dtype, **kw)


def _index_array(draw, size, n, allow_oob=True, negative=True):
    hi = size - 1 + (1 if allow_oob and draw(st.integers(0, 14)) == 0 else 0)
    lo = -size if size and negative else 0
    return Arg(np.array(draw(st.lists(st.integers(lo, max(hi, 0)), min_size=n, max_size=n)),
                        dtype=np.int64), "contiguous", False)


def _key(draw, shape):
    """A getitem key mixing ints, slices (with steps), None, Ellipsis, masks and index tensors."""
    parts = []
    dims = list(shape)
    kind = draw(st.sampled_from(["basic", "basic", "mask", "tensor", "list"]))
    if kind == "mask":
        k = draw(st.integers(1, len(dims)))
        return Arg(np.random.default_rng(draw(st.integers(0, 99))).random(tuple(dims[:k])) < 0.5, "contiguous",
                   False)
    if kind in ("tensor", "list"):
        idx = _index_array(draw, dims[0], draw(st.integers(0, 4)))
        rest = [slice(None, None, draw(st.sampled_from([1, 2])))] if len(dims) > 1 and draw(st.booleans()) else []
        key = idx if kind == "tensor" else idx.array.tolist()
        return tuple([key] + rest) if rest else key
    for n in dims:
        choice = draw(st.sampled_from(["int", "slice", "none", "all"]))
        if choice == "int":
            parts.append(draw(st.integers(-n, n - 1 + (1 if draw(st.integers(0, 19)) == 0 else 0))))
        elif choice == "slice":
            a = draw(st.integers(-n - 1, n))
            b = draw(st.integers(-n - 1, n + 1))
            parts.append(slice(a, b, draw(st.sampled_from([None, 1, 2, 3]))))
        elif choice == "none":
            parts.append(None)
            parts.append(slice(None))
        else:
            parts.append(slice(None))
    if parts and draw(st.booleans()):
        parts = [Ellipsis] + parts[draw(st.integers(1, len(parts))):]
    return tuple(parts)


def _getitem_sample(draw, dtype):
    x = _x(draw, dtype)
    return [x, _key(draw, x.array.shape)], {}


register("__getitem__", lambda lib, x, key: x[key], _getitem_sample,
         dtypes=FLOATS + ("int64", "bool"), family=FAMILY)


def _setitem(lib, x, key, v):
    y = x.clone()
    y[key] = v
    return y


def _np_key(key):
    if isinstance(key, Arg):
        return key.array
    if isinstance(key, tuple):
        return tuple(_np_key(k) for k in key)
    return key


def _setitem_sample(draw, dtype):
    x = _x(draw, dtype)
    key = _key(draw, x.array.shape)
    try:
        target = np.empty(x.array.shape)[_np_key(key)]
    except IndexError:
        target = np.empty(())
    if draw(st.booleans()):
        return [x, key, draw(st.sampled_from([0.0, -1.5, 2]))], {}
    shape = target.shape[draw(st.integers(0, target.ndim)):]
    return [x, key, tensor_arg(draw, shape, dtype)], {}


register("__setitem__", _setitem, _setitem_sample, dtypes=FLOATS + ("int64",), grad=(0, 2), family=FAMILY,
         extra={"note": "setitem on a clone: gradients reach both the tensor and the written values"})


def _gather_sample(draw, dtype, oob=True):
    x = _x(draw, dtype)
    nd = x.array.ndim
    d = draw(st.integers(-nd, nd - 1))
    shape = tuple(draw(st.integers(1 if s else 0, s)) if i != d % nd else draw(st.integers(0, 4))
                  for i, s in enumerate(x.array.shape))
    n = x.array.shape[d]
    idx = np.random.default_rng(draw(st.integers(0, 99))).integers(0, n, size=shape)
    if oob and draw(st.integers(0, 14)) == 0 and idx.size:
        idx.flat[0] = n
    return [x, d, Arg(idx.astype(np.int64), "contiguous", False)], {}


register("gather", lambda lib, x, d, i: lib.gather(x, d, i), _gather_sample, dtypes=FLOATS + ("int64",),
         family=FAMILY)
register("take_along_dim", lambda lib, x, d, i: lib.take_along_dim(x, i, d),
         lambda draw, dt: _gather_sample(draw, dt, oob=False),
         dtypes=FLOATS, family=FAMILY)


def _scatter_sample(draw, dtype):
    args, _ = _gather_sample(draw, dtype)
    x, d, idx = args
    src = tensor_arg(draw, idx.array.shape, dtype)
    return [x, d, idx, src], {}


def _unique_scatter_sample(draw, dtype):
    """scatter (not add) with distinct targets per slice: with duplicates the winner is unspecified."""
    x = _x(draw, dtype)
    nd = x.array.ndim
    d = draw(st.integers(0, nd - 1))
    n = x.array.shape[d]
    k = draw(st.integers(0, n))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    shape = list(x.array.shape)
    shape[d] = k
    idx = np.argsort(rng.random(x.array.shape), axis=d).take(range(k), axis=d)
    src = tensor_arg(draw, tuple(shape), dtype)
    if draw(st.booleans()):
        return [x, d, Arg(idx.astype(np.int64), "contiguous", False), draw(st.sampled_from([0.0, 2.5]))], {}
    return [x, d, Arg(idx.astype(np.int64), "contiguous", False), src], {}


register("scatter", lambda lib, x, d, i, s: lib.scatter(x, d, i, s), _unique_scatter_sample,
         dtypes=FLOATS + ("int64",), grad=(0, 3), family=FAMILY)
register("scatter_add", lambda lib, x, d, i, s: lib.scatter_add(x, d, i, s), _scatter_sample,
         dtypes=FLOATS + ("int64",), grad=(0, 3), family=FAMILY)


def _scatter_reduce_word_sample(draw, dtype):
    args, _ = _scatter_sample(draw, dtype)
    if draw(st.booleans()):
        args[3] = draw(st.sampled_from([0.5, 2.0]))
    return args, {"reduce": draw(st.sampled_from(["add", "multiply"]))}


def _scatter_with_reduce(lib, x, d, i, s, reduce):
    import warnings
    with warnings.catch_warnings():  # torch's deprecation of reduce= with a tensor src (minitorch warns alike)
        warnings.simplefilter("ignore", UserWarning)
        return lib.scatter(x, d, i, s, reduce=reduce)


# torch has no derivative for it (a NotImplemented node whose backward raises): values and the node only
register("scatter(reduce)", _scatter_with_reduce, _scatter_reduce_word_sample, dtypes=FLOATS + ("int64",), grad=None,
         family=FAMILY)


def _index_select_sample(draw, dtype):
    x = _x(draw, dtype)
    d = draw(st.integers(-x.array.ndim, x.array.ndim - 1))
    # out-of-range indices: torch raises IndexError or RuntimeError depending on its kernel
    return [x, d, _index_array(draw, x.array.shape[d], draw(st.integers(0, 5)), allow_oob=False, negative=False)], {}


register("index_select", lambda lib, x, d, i: lib.index_select(x, d, i), _index_select_sample,
         dtypes=FLOATS + ("int64",), family=FAMILY)


def _index_add_sample(draw, dtype):
    x, d, idx = _index_select_sample(draw, dtype)[0]
    shape = list(x.array.shape)
    shape[d] = idx.array.shape[0]
    idx.array = idx.array % x.array.shape[d]
    return [x, d, idx, tensor_arg(draw, tuple(shape), dtype)], draw(st.sampled_from([{}, {"alpha": 2}]))


register("index_add", lambda lib, x, d, i, s, **k: lib.index_add(x, d, i, s, **k), _index_add_sample,
         dtypes=FLOATS + ("int64",), grad=(0, 3), family=FAMILY)


def _take_sample(draw, dtype):
    x = _x(draw, dtype)
    return [x, _index_array(draw, x.array.size, draw(st.integers(0, 5)), allow_oob=False, negative=False)], {}


register("take", lambda lib, x, i: lib.take(x, i), _take_sample, dtypes=FLOATS, family=FAMILY)


def _mask_sample(draw, dtype):
    x = _x(draw, dtype, draw(shapes()))
    shape = x.array.shape[draw(st.integers(0, len(x.array.shape))):]
    return [x, tensor_arg(draw, shape, "bool", requires_grad=False)], {}


register("masked_select", lambda lib, x, m: lib.masked_select(x, m), _mask_sample, dtypes=FLOATS + ("int64",),
         family=FAMILY)
register("nonzero", lambda lib, x, **k: lib.nonzero(x, **k),
         lambda draw, dt: ([_x(draw, dt, draw(shapes()))], {"as_tuple": draw(st.booleans())}),
         dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)
register("argwhere", lambda lib, x: lib.argwhere(x), lambda draw, dt: ([_x(draw, dt, draw(shapes()))], {}),
         dtypes=FLOATS + ("bool",), grad=None, family=FAMILY)
register("where_single", lambda lib, x: lib.where(x), lambda draw, dt: ([_x(draw, dt, draw(shapes()))], {}),
         dtypes=("bool",), grad=None, family=FAMILY)


def _distinct(draw, dtype, shape=None):
    """Values without ties, so every sort order (and index) is unique."""
    x = _x(draw, dtype, shape)
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    x.array = (rng.permutation(x.array.size).reshape(x.array.shape) - x.array.size // 2).astype(x.array.dtype)
    return x


def _sort_sample(draw, dtype):
    x = _distinct(draw, dtype, draw(shapes(max_dims=3)))
    return [x], {"dim": draw(st.integers(-max(x.array.ndim, 1), max(x.array.ndim, 1) - 1)),
                 "descending": draw(st.booleans())}


register("sort", lambda lib, x, **k: lib.sort(x, **k), _sort_sample, dtypes=FLOATS + ("int64",), family=FAMILY)
register("argsort", lambda lib, x, **k: lib.argsort(x, **k), _sort_sample, dtypes=FLOATS + ("int64",), grad=None,
         family=FAMILY)
register("msort", lambda lib, x, **k: lib.msort(x), _sort_sample, dtypes=FLOATS, family=FAMILY)


def _topk_sample(draw, dtype):
    x = _distinct(draw, dtype)
    d = draw(st.integers(-x.array.ndim, x.array.ndim - 1))
    return [x, draw(st.integers(0, x.array.shape[d]))], {"dim": d, "largest": draw(st.booleans())}


register("topk", lambda lib, x, k, **kw: lib.topk(x, k, **kw), _topk_sample, dtypes=FLOATS + ("int64",),
         family=FAMILY)


def _kth_sample(draw, dtype):
    x = _distinct(draw, dtype)
    d = draw(st.integers(-x.array.ndim, x.array.ndim - 1))
    return [x, draw(st.integers(1, x.array.shape[d]))], {"dim": d, "keepdim": draw(st.booleans())}


register("kthvalue", lambda lib, x, k, **kw: lib.kthvalue(x, k, **kw), _kth_sample, dtypes=FLOATS, family=FAMILY)
register("unique", lambda lib, x, **k: lib.unique(x, **k),
         lambda draw, dt: ([_x(draw, dt, draw(shapes()))], {"return_inverse": draw(st.booleans()),
                                                          "return_counts": draw(st.booleans())}),
         dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)
register("bincount", lambda lib, x: lib.bincount(x),
         lambda draw, dt: ([tensor_arg(draw, draw(shapes(0, 1)), dt, "positive", requires_grad=False)], {}),
         dtypes=("int64",), grad=None, family=FAMILY)


def _select_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=1, min_side=1)), dtype)
    d = draw(st.integers(-x.array.ndim, x.array.ndim - 1))
    n = x.array.shape[d]
    return [x, d, draw(st.integers(-n - 1, n))], {}  # one past either end: torch's IndexError


register("select", lambda lib, x, d, i: lib.select(x, d, i), _select_sample, dtypes=FLOATS + ("int64",),
         family=FAMILY)

