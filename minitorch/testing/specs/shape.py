"""Parity specs for shape ops (minitorch.ops.shape)."""
import math

from hypothesis import strategies as st

from ..registry import FLOATS, register
from ..strategies import nonempty_shapes, shapes, tensor_arg

FAMILY = "shape"
DT = FLOATS + ("int64", "bool")


def _x(draw, dtype, shape=None, **kw):
    return tensor_arg(draw, draw(shapes()) if shape is None else shape, dtype, **kw)


def _dim(draw, ndim, extra=0):
    n = max(ndim + extra, 1)
    return draw(st.integers(-n, n - 1))


def _reshape_target(draw, shape):
    n = math.prod(shape)
    dims = []
    rest = n
    for _ in range(draw(st.integers(0, 3))):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0] if rest else [0, 1]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        rest = rest // d if d else rest
    dims.append(rest if n else 0)
    if draw(st.booleans()) and dims and n:
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    if draw(st.integers(0, 9)) == 0:
        dims.append(7)  # usually invalid: both must raise
    return tuple(dims)


def _reshape_sample(draw, dtype):
    x = _x(draw, dtype)
    return [x], {"shape": _reshape_target(draw, x.array.shape)}


register("reshape", lambda lib, x, shape: lib.reshape(x, shape), _reshape_sample, dtypes=DT, family=FAMILY)
register("view", lambda lib, x, shape: x.view(shape), _reshape_sample, dtypes=DT, family=FAMILY,
         extra={"note": "transposed/strided layouts make some views impossible: both raise"})
register("view_as", lambda lib, x, shape: x.view_as(lib.zeros(shape if -1 not in shape else x.shape)),
         _reshape_sample, dtypes=FLOATS, family=FAMILY)
register("reshape_as", lambda lib, x, shape: x.reshape_as(lib.zeros(shape if -1 not in shape else x.shape)),
         _reshape_sample, dtypes=FLOATS, family=FAMILY)


def _flatten_sample(draw, dtype):
    x = _x(draw, dtype)
    nd = x.array.ndim
    return [x], {"start_dim": _dim(draw, nd), "end_dim": _dim(draw, nd)}


register("flatten", lambda lib, x, **k: lib.flatten(x, **k), _flatten_sample, dtypes=DT, family=FAMILY)


def _unflatten_sample(draw, dtype):
    x = _x(draw, dtype, draw(nonempty_shapes()))
    d = _dim(draw, x.array.ndim)
    n = x.array.shape[d]
    a = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
    sizes = draw(st.sampled_from([(a, n // a), (-1, a) if n % a == 0 else (a, n // a), (n,)]))
    return [x], {"dim": d, "sizes": sizes}


register("unflatten", lambda lib, x, **k: lib.unflatten(x, **k), _unflatten_sample, dtypes=DT, family=FAMILY)


def _squeeze_sample(draw, dtype):
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), max_size=4)))
    x = _x(draw, dtype, shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or not shape:
        return [x], {}
    if kind == "int":
        return [x], {"dim": _dim(draw, len(shape))}
    return [x], {"dim": tuple(sorted(set(draw(st.lists(st.integers(0, len(shape) - 1), min_size=1)))))}


register("squeeze", lambda lib, x, **k: lib.squeeze(x, **k), _squeeze_sample, dtypes=DT, family=FAMILY)
register("unsqueeze", lambda lib, x, d: lib.unsqueeze(x, d),
         lambda draw, dt: ([x := _x(draw, dt), _dim(draw, x.array.ndim, 1)], {}), dtypes=DT, family=FAMILY)


def _perm_sample(draw, dtype):
    x = _x(draw, dtype)
    nd = x.array.ndim
    perm = draw(st.permutations(list(range(nd))))
    if nd and draw(st.booleans()):
        perm = [p - nd for p in perm]
    return [x, tuple(perm)], {}


register("permute", lambda lib, x, p: lib.permute(x, p), _perm_sample, dtypes=DT, family=FAMILY)


def _two_dims(draw, dtype):
    x = _x(draw, dtype)
    nd = x.array.ndim
    return [x, _dim(draw, nd), _dim(draw, nd)], {}


register("transpose", lambda lib, x, a, b: lib.transpose(x, a, b), _two_dims, dtypes=DT, family=FAMILY)
register("swapaxes", lambda lib, x, a, b: lib.swapaxes(x, a, b), _two_dims, dtypes=FLOATS, family=FAMILY)
register("swapdims", lambda lib, x, a, b: lib.swapdims(x, a, b), _two_dims, dtypes=FLOATS, family=FAMILY)
register("movedim", lambda lib, x, a, b: lib.movedim(x, a, b), _two_dims, dtypes=DT, family=FAMILY)
register("moveaxis", lambda lib, x, a, b: lib.moveaxis(x, a, b), _two_dims, dtypes=FLOATS, family=FAMILY)
register("t", lambda lib, x: lib.t(x), lambda draw, dt: ([_x(draw, dt, draw(shapes(max_dims=3)))], {}),
         dtypes=DT, family=FAMILY)


def _expand_sample(draw, dtype):
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), max_size=3)))
    x = _x(draw, dtype, shape)
    target = [draw(st.sampled_from([s, 4, -1])) if s == 1 else draw(st.sampled_from([s, -1, s, 5])) for s in shape]
    lead = draw(st.lists(st.sampled_from([2, 3, 0]), max_size=2))
    return [x, tuple(lead + target)], {}


register("expand", lambda lib, x, s: x.expand(s), _expand_sample, dtypes=DT, family=FAMILY)
register("expand_as", lambda lib, x, s: x.expand_as(lib.zeros([abs(v) for v in s])), _expand_sample,
         dtypes=FLOATS, family=FAMILY)
register("broadcast_to", lambda lib, x, s: lib.broadcast_to(x, s), _expand_sample, dtypes=DT, family=FAMILY)


def _sum_to_size_sample(draw, dtype):
    shape = draw(nonempty_shapes(max_dims=3, max_side=3))
    x = _x(draw, dtype, shape)
    tail = shape[draw(st.integers(0, len(shape))):]
    return [x, tuple(draw(st.sampled_from([s, 1])) for s in tail)], {}


register("sum_to_size", lambda lib, x, s: x.sum_to_size(s), _sum_to_size_sample, dtypes=FLOATS, family=FAMILY)


def _repeat_sample(draw, dtype):
    x = _x(draw, dtype, draw(shapes(max_dims=3, max_side=3)))
    reps = tuple(draw(st.lists(st.integers(0, 3), min_size=x.array.ndim, max_size=x.array.ndim + 2)))
    return [x, reps], {}


register("repeat", lambda lib, x, r: x.repeat(r), _repeat_sample, dtypes=DT, family=FAMILY)
register("tile", lambda lib, x, r: lib.tile(x, r), lambda draw, dt: (
    [_x(draw, dt, draw(shapes(max_dims=3, max_side=3))), tuple(draw(st.lists(st.integers(1, 3), max_size=4)))], {}),
    dtypes=DT, family=FAMILY)


def _cat_sample(draw, dtype):
    base = draw(nonempty_shapes(max_dims=3))
    d = _dim(draw, len(base))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base)
        shape[d] = draw(st.integers(0, 3))
        parts.append(_x(draw, draw(st.sampled_from([dtype, dtype, "float64"])), tuple(shape)))
    if draw(st.integers(0, 9)) == 0 and len(base) > 1:
        bad = list(base)
        bad[(d + 1) % len(base)] += 1
        parts.append(_x(draw, dtype, tuple(bad)))
    return [parts], {"dim": d}


for _name in ("cat", "concat", "concatenate"):
    register(_name, lambda lib, ts, dim, _n=_name: getattr(lib, _n)(ts, dim), _cat_sample, dtypes=FLOATS,
             grad=(0,), family=FAMILY)


def _stack_sample(draw, dtype):
    shape = draw(shapes(max_dims=3))
    parts = [_x(draw, dtype, shape) for _ in range(draw(st.integers(1, 3)))]
    if draw(st.integers(0, 9)) == 0:
        parts.append(_x(draw, dtype, shape + (2,)))
    return [parts], {"dim": _dim(draw, len(shape), 1)}


register("stack", lambda lib, ts, dim: lib.stack(ts, dim), _stack_sample, dtypes=DT, grad=(0,), family=FAMILY)


def _list_sample(draw, dtype):
    shape = draw(shapes(min_dims=0, max_dims=3))
    return [[_x(draw, dtype, shape) for _ in range(draw(st.integers(1, 3)))]], {}


for _name in ("hstack", "vstack", "row_stack", "dstack", "column_stack"):
    register(_name, lambda lib, ts, _n=_name: getattr(lib, _n)(ts), _list_sample, dtypes=FLOATS, grad=(0,),
             family=FAMILY)
for _name in ("atleast_1d", "atleast_2d"):
    register(_name, lambda lib, x, _n=_name: getattr(lib, _n)(x), lambda draw, dt: ([_x(draw, dt)], {}),
             dtypes=FLOATS, family=FAMILY)


def _split_sample(draw, dtype):
    x = _x(draw, dtype, draw(nonempty_shapes(max_dims=3)))
    d = _dim(draw, x.array.ndim)
    n = x.array.shape[d]
    if draw(st.booleans()):
        return [x, draw(st.integers(1, n + 1))], {"dim": d}
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    return [x, sizes], {"dim": d}


register("split", lambda lib, x, s, dim: lib.split(x, s, dim), _split_sample, dtypes=DT, family=FAMILY)
register("chunk", lambda lib, x, s, dim: lib.chunk(x, s if isinstance(s, int) else len(s), dim), _split_sample,
         dtypes=DT, family=FAMILY)
register("unsafe_split", lambda lib, x, s, dim: lib.unsafe_split(x, s if isinstance(s, int) else 1, dim),
         _split_sample, dtypes=DT, family=FAMILY)
register("unsafe_chunk", lambda lib, x, s, dim: lib.unsafe_chunk(x, s if isinstance(s, int) else len(s), dim),
         _split_sample, dtypes=DT, family=FAMILY)
register("unsafe_split_with_sizes", lambda lib, x, s, dim: lib.unsafe_split_with_sizes(x, s if isinstance(s, list) else
                                                                                         [x.shape[dim]], dim),
         _split_sample, dtypes=DT, family=FAMILY)
register("tensor_split", lambda lib, x, s, dim: lib.tensor_split(x, s if isinstance(s, int) else len(s), dim),
         _split_sample, dtypes=FLOATS, family=FAMILY)
register("unbind", lambda lib, x, d: lib.unbind(x, d),
         lambda draw, dt: ([x := _x(draw, dt, draw(nonempty_shapes(max_dims=3))), _dim(draw, x.array.ndim)], {}),
         dtypes=DT, family=FAMILY)


def _flip_sample(draw, dtype):
    x = _x(draw, dtype, draw(nonempty_shapes(max_dims=3)))
    nd = x.array.ndim
    return [x, tuple(sorted(set(draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd)))))], {}


register("flip", lambda lib, x, d: lib.flip(x, d), _flip_sample, dtypes=DT, family=FAMILY)
register("fliplr", lambda lib, x: lib.fliplr(x), lambda draw, dt: ([_x(draw, dt, draw(nonempty_shapes(2, 3)))], {}),
         dtypes=FLOATS, family=FAMILY)
register("flipud", lambda lib, x: lib.flipud(x), lambda draw, dt: ([_x(draw, dt, draw(nonempty_shapes(1, 3)))], {}),
         dtypes=FLOATS, family=FAMILY)


def _roll_sample(draw, dtype):
    x = _x(draw, dtype, draw(nonempty_shapes(max_dims=3)))
    if draw(st.booleans()):
        return [x, draw(st.integers(-5, 5))], {}
    d = _dim(draw, x.array.ndim)
    return [x, draw(st.integers(-5, 5))], {"dims": d}


register("roll", lambda lib, x, s, **k: lib.roll(x, s, **k), _roll_sample, dtypes=DT, family=FAMILY)


def _narrow_sample(draw, dtype):
    x = _x(draw, dtype, draw(nonempty_shapes(max_dims=3)))
    d = _dim(draw, x.array.ndim)
    n = x.array.shape[d]
    start = draw(st.integers(0, n))
    return [x, d, start, draw(st.integers(0, n - start + (1 if draw(st.integers(0, 9)) == 0 else 0)))], {}


register("narrow", lambda lib, x, d, s, n: lib.narrow(x, d, s, n), _narrow_sample, dtypes=DT, family=FAMILY)

for _name in ("tril", "triu"):
    register(_name, lambda lib, x, k, _n=_name: getattr(lib, _n)(x, k),
             lambda draw, dt: ([_x(draw, dt, draw(shapes(min_dims=1, max_dims=4))), draw(st.integers(-2, 2))], {}),
             dtypes=DT, family=FAMILY)


def _repeat_interleave_sample(draw, dtype):
    x = _x(draw, dtype, draw(nonempty_shapes(max_dims=3)))
    if draw(st.booleans()):
        return [x, draw(st.integers(0, 3))], {}
    return [x, draw(st.integers(1, 3))], {"dim": _dim(draw, x.array.ndim)}


register("repeat_interleave", lambda lib, x, r, **k: lib.repeat_interleave(x, r, **k), _repeat_interleave_sample,
         dtypes=FLOATS, family=FAMILY)
register("expand_copy", lambda lib, x, s: lib.expand_copy(x, s), _expand_sample, dtypes=FLOATS, family=FAMILY)


def _bshape_sample(draw, dtype):
    from ..strategies import broadcast_pair
    a, b = draw(broadcast_pair())
    return [_x(draw, dtype, a), _x(draw, dtype, b)], {}


register("broadcast_tensors", lambda lib, a, b: lib.broadcast_tensors(a, b), _bshape_sample, dtypes=FLOATS,
         grad=(0, 1), family=FAMILY)
register("broadcast_shapes", lambda lib, a, b: tuple(lib.broadcast_shapes(a.shape, b.shape)), _bshape_sample,
         dtypes=FLOATS, grad=None, family=FAMILY)
