"""Indexing: `t[key]`, `t[key] = v`, gather/scatter, index_select/index_add, sort, topk...

Basic indexing (ints, slices, None, Ellipsis) gives views; advanced indexing (bool masks,
integer tensors, lists, NumPy arrays) copies, and its backward adds into repeated indices.
"""
from __future__ import annotations

import math
import numbers
import warnings

from .. import dtypes as D
from ..autograd import batched
from ..autograd.forward_ad import LINEAR
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, sizes, torch_int
from ..tensor import Tensor
from ._helpers import (NOT_GIVEN, check_number, check_scalar_fits, common_device, is_tensor, refuse_none,
                       refuse_sparse_gradient, scalar_tensor, wrap_dim)
from .reduction import SelectAlong, SortOfScalar, kthvalue_t, sort_t, topk_t
from .fused import Fused
from .shape import as_view


# ---- keys -------------------------------------------------------------------------------

def _key_part(k, xp):
    """One element of an index key, as something the array module accepts."""
    if isinstance(k, Tensor):
        if k._dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if k._vmap_level and k._dtype in (D.bool_, D.uint8):
            batched.refuse_boolean_mask(k)
        if k._data.ndim == 0 and k._dtype not in (D.bool_, D.uint8):  # a 0-d index tensor selects, as an int
            return int(k._data.item())
        if k._dtype is D.uint8:  # a byte tensor is a mask, as torch (deprecated) reads it
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                          "instead.", UserWarning, stacklevel=3)
            return k._data.astype(bool)
        return k._data
    if isinstance(k, (list, tuple)) or (hasattr(k, "dtype") and hasattr(k, "shape")):
        a = xp.asarray(k)
        if isinstance(k, (list, tuple)) and a.dtype.kind != "b":
            a = a.astype(xp.int64)  # torch makes a list key a long tensor (floats truncated), or a bool mask
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    if isinstance(k, (slice, type(None), type(Ellipsis))) or isinstance(k, numbers.Integral):
        return k
    if isinstance(k, float):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                         "valid indices (got float)")
    if isinstance(k, str):  # torch tries to make a tensor of it, and cannot
        raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    return k


def _sequence_as_tuple(key) -> bool:
    """torch keeps NumPy's old rule: a short list holding a sequence, slice, tensor, None or `...` is read
    as a tuple of indices (`x[[[0, 1], [1, 0]]]` is `x[[0, 1], [1, 0]]`), with a deprecation warning."""
    if not isinstance(key, list) or len(key) >= 32:
        return False
    return any(isinstance(k, (Tensor, list, tuple, str, slice)) or k is None or k is Ellipsis
               or (hasattr(k, "dtype") and hasattr(k, "shape") and getattr(k, "ndim", 0) > 0) for k in key)


def normalize_key(key, xp):
    """The key as a tuple for the array module, and whether it uses advanced indexing."""
    if _sequence_as_tuple(key):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; use "
                      "x[tuple(seq)] instead of x[seq]. A later torch reads it as a tensor index, "
                      "x[torch.tensor(seq)].", UserWarning, stacklevel=3)
        key = tuple(key)
    parts = key if isinstance(key, tuple) else (key,)
    out = tuple(_key_part(k, xp) for k in parts)
    advanced = any(hasattr(k, "dtype") for k in out)
    for k in out:
        if isinstance(k, slice) and k.step is not None and k.step <= 0:
            raise ValueError("step must be greater than zero")
    if not advanced and not any(k is Ellipsis for k in out):
        out = out + (Ellipsis,)  # so that x[0] of a 1-d tensor stays a 0-d view
    return out, advanced


def _is_mask(part) -> bool:
    return getattr(part, "dtype", None) is not None and part.dtype.kind == "b"


def _width(part) -> int:
    """How many dims a part of a normalised key indexes (a mask: its own; None and `...`: none here)."""
    if part is None or part is Ellipsis:
        return 0
    return part.ndim if _is_mask(part) else 1


def check_masks(shape, key: tuple) -> None:
    """torch's check that each boolean mask in a (normalised) key has the shape of the dims it indexes."""
    first = key[0]
    if len(key) == 1 and getattr(first, "dtype", None) is not None and first.shape == shape[:first.ndim]:
        return  # x[mask] with a mask that fits: the common case, at once
    if not any(_is_mask(p) and p.ndim for p in key):
        return
    rest = len(shape) - sum(_width(p) for p in key)
    dim = 0
    for p in key:
        if p is Ellipsis:
            dim += max(rest, 0)
            continue
        if _is_mask(p) and p.ndim:
            for i, (m, n) in enumerate(zip(p.shape, shape[dim:])):
                if m != n:
                    raise IndexError(f"The shape of the mask {list(p.shape)} at index {i} does not match the shape "
                                     f"of the indexed tensor {list(shape)} at index {dim + i}")
        dim += _width(p)


class Index(Primitive):
    """y = x[key]; backward puts the gradient back at `key` (adding at repeated indices)."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    node_name = "IndexBackward0"
    saved_values = {"indices": attribute("indices"), "self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, x, *, key, advanced, indices=None):
        ctx.shape, ctx.key, ctx.advanced = x.shape, key, advanced
        ctx.indices = indices  # the index tensors as given (None for a dim a slice leaves whole), as torch keeps them
        try:
            return x[key]
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None

    @staticmethod
    def backward(ctx, gy):
        return index_put_zeros(gy, ctx.shape, ctx.key, ctx.advanced)


class IndexPutZeros(Primitive):
    """zeros(shape) with `g` added at `key` (the backward of indexing)."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, *, shape, key, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        z = ctx.xp.zeros(shape, dtype=g.dtype)
        if accumulate:
            ctx.backend.scatter_add(z, key, g)
        else:
            z[key] = g
        return z

    @staticmethod
    def backward(ctx, gz):
        return Index.apply(gz, key=ctx.key, advanced=ctx.accumulate)


def index_put_zeros(g: Tensor, shape, key, accumulate: bool = False) -> Tensor:
    return IndexPutZeros.apply(g, shape=tuple(shape), key=key, accumulate=accumulate)


class Select(Primitive):
    """x[..., i, ...]: the view at index i of one dim (torch's select)."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    formula = "grad_self = zeros of self's shape with grad at index i"
    saved_values = {"dim": attribute("given_dim", torch_int), "index": lambda node: torch_int(node.key[-2]),
                    "self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, x, *, dim, index, given_dim=None):
        ctx.shape, ctx.key = x.shape, (slice(None),) * dim + (index, Ellipsis)
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        try:
            return x[ctx.key]
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None

    @staticmethod
    def backward(ctx, gy):
        return index_put_zeros(gy, ctx.shape, ctx.key)


class MaskedSelect(Primitive):
    """x[mask] after broadcasting the two; backward puts the gradient back where mask holds."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    formula = "grad_self = zeros with grad written where mask holds (summed back to self's shape)"
    saved_names = ("self", "mask")

    @staticmethod
    def forward(ctx, x, mask):
        xb, mb = ctx.xp.broadcast_arrays(x, mask)
        ctx.shape, ctx.key = xb.shape, (mb,)
        ctx.save_for_backward(x, mask)
        return xb[mb]

    @staticmethod
    def backward(ctx, gy):
        return index_put_zeros(gy, ctx.shape, ctx.key), None


class Take(Primitive):
    """x.reshape(-1)[index]; backward adds the gradient back at the (repeated) flat positions."""
    jvp = LINEAR

    formula = "grad_self = zeros with grad added at index"
    saved_names = ("self", "index")

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.key = x.shape, (index,)
        ctx.save_for_backward(x, index)
        try:
            return x.reshape(-1)[index]
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None

    @staticmethod
    def backward(ctx, gy):
        return index_put_zeros(gy, (math.prod(ctx.shape),), ctx.key, True).reshape(ctx.shape), None


def _is_basic(part) -> bool:
    return part is None or part is Ellipsis or isinstance(part, slice) or \
        (isinstance(part, numbers.Integral) and not isinstance(part, bool))


def _basic_index(self: Tensor, key: tuple, lone_slice: bool) -> Tensor:
    """x[ints, slices, None, ...] applied as torch applies it, left to right: a select per int, a
    slice per slice, an unsqueeze per None, so the graph has torch's SelectBackward0, SliceBackward0
    and UnsqueezeBackward0 nodes. Within a tuple a slice over a whole dim adds nothing (as `...`
    does); a lone slice, `x[a:b]`, is always a slice."""
    from .shape import Alias, Slice, Unsqueeze
    nd = self._data.ndim
    used = sum(1 for p in key if p is not None and p is not Ellipsis)
    if used > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    parts = []
    for p in key:
        parts.extend([slice(None)] * (nd - used) if p is Ellipsis else [p])
    out, dim = self, 0
    for i, p in enumerate(parts):
        if p is None:
            shape = out._data.shape
            out = Unsqueeze.apply(out, shape=shape[:dim] + (1,) + shape[dim:], must_view=True, dim=dim)
            dim += 1
        elif isinstance(p, slice):
            if (lone_slice and i == 0) or p.indices(out._data.shape[dim]) != (0, out._data.shape[dim], 1):
                out = Slice.apply(out, dim=dim, start=p.start, stop=p.stop, step=p.step)
            dim += 1
        else:
            out = Select.apply(out, dim=dim, index=int(p))
    if out is self:
        out = Alias.apply(self, shape=self._data.shape, must_view=True)
    return as_view(out, self)


def getitem(self: Tensor, key) -> Tensor:
    xp = self._device.backend.xp
    k, advanced = normalize_key(key, xp)
    if advanced:
        check_masks(self._data.shape, k)
    if self._data.ndim == 0 and not advanced and any(p is not Ellipsis and p is not None for p in k):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    if not advanced and sum(p is Ellipsis for p in k) == 1 and all(_is_basic(p) for p in k):
        return _basic_index(self, k, isinstance(key, slice))
    if advanced and sum(p is Ellipsis for p in k) <= 1 and all(_is_basic(p) or hasattr(p, "ndim") for p in k):
        return _advanced_index(self, k, _given_parts(key))
    out = Index.apply(self, key=k, advanced=advanced)
    return out if advanced else as_view(out, self)


def _given_parts(key) -> tuple:
    """The parts of a key as the call gave them (normalize_key turns them into arrays)."""
    return tuple(key) if isinstance(key, tuple) or _sequence_as_tuple(key) else (key,)


def _advanced_index(self: Tensor, key: tuple, given: tuple) -> Tensor:
    """x[key] with index tensors or masks among the parts, in torch's two steps: the ints, slices and Nones
    first, as views (SelectBackward0, SliceBackward0, UnsqueezeBackward0), then the tensors alone on that view
    (IndexBackward0, which keeps them as `indices`, None for each dim a slice leaves whole). An int taken
    before the tensors decides where their dims go: x[1, :, i] is (x[1])[:, i]."""
    nd = self._data.ndim
    rest = nd - sum(_width(p) for p in key)
    basic, tensors, kept = [], [], []
    for part, original in zip(key, given):
        if part is Ellipsis:
            basic += [slice(None)] * max(rest, 0)
            tensors += [slice(None)] * max(rest, 0)
            kept += [None] * max(rest, 0)
        elif hasattr(part, "ndim"):
            basic += [slice(None)] * _width(part)
            tensors.append(part)
            kept.append(original if isinstance(original, Tensor) else Tensor._wrap(part, self._device))
        else:
            basic.append(part)
            if not isinstance(part, numbers.Integral):  # a slice or a None leaves (or makes) a dim
                tensors.append(slice(None))
                kept.append(None)
    while tensors and isinstance(tensors[-1], slice):
        tensors.pop()
        kept.pop()
    whole = all(isinstance(p, slice) and p == slice(None) for p in basic)
    view = self if whole else _basic_index(self, tuple(basic) + (Ellipsis,), False)
    return Index.apply(view, key=tuple(tensors), advanced=True, indices=tuple(kept))


def _assign(data, key, values) -> None:
    """data[key] = values, with torch's error when values do not broadcast to the indexed shape."""
    try:
        data[key] = values
    except (ValueError, TypeError):  # NumPy's broadcast errors (a TypeError for some boolean masks)
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(data[key].shape)}") from None


def _key_tensors(node) -> tuple:
    """An index key's tensors as torch's index nodes keep them: None for each dim a slice leaves whole (none
    after the last tensor)."""
    device = node._out_meta[0][2]
    parts = [None if isinstance(p, slice) else Tensor._wrap(p, device) for p in node.key if p is not Ellipsis]
    while parts and parts[-1] is None:
        parts.pop()
    return tuple(parts)


class IndexPut(Primitive):
    """y = x with y[key] = v (the out-of-place form of `x[key] = v`)."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"indices": _key_tensors, "accumulate": lambda node: False}

    @staticmethod
    def forward(ctx, x, v, *, key):
        ctx.key = key
        y = x.copy()
        _assign(y, key, v)
        return y

    @staticmethod
    def backward(ctx, gy):
        gx = IndexPut.apply(gy, scalar_tensor(0, gy.dtype, gy.device), key=ctx.key)
        gv = Index.apply(gy, key=ctx.key, advanced=True)
        return gx, gv


def _selects_everything(self: Tensor, key: tuple) -> bool:
    """Whether a basic key (already normalised) is `...` and whole-dim slices only."""
    if not all(p is Ellipsis or isinstance(p, slice) for p in key) or sum(p is Ellipsis for p in key) > 1:
        return False
    shape = self._data.shape
    before = next((n for n, p in enumerate(key) if p is Ellipsis), len(key))
    after = key[before + 1:]
    if before + len(after) > len(shape):
        return False
    dims = list(shape[:before]) + list(shape[len(shape) - len(after):])
    return all(p.indices(n) == (0, n, 1) for p, n in zip(key[:before] + after, dims))


def _slices_first(self: Tensor, key: tuple) -> bool:
    """Whether an advanced key also has ints, None or slices that cut a dim: torch then writes through a
    view (a CopySlices node) rather than into the tensor itself (IndexPutBackward0)."""
    shape = self._data.shape
    parts = list(key)
    cut = next((n for n, p in enumerate(parts) if p is Ellipsis), len(parts))  # `in` would compare arrays
    dim = 0
    for n, p in enumerate(parts):
        if n == cut:
            dim = len(shape) - sum(_width(q) for q in parts[cut + 1:])
            continue
        if p is None or (isinstance(p, numbers.Integral) and not isinstance(p, bool)):
            return True
        if isinstance(p, slice) and p.indices(shape[dim]) != (0, shape[dim], 1):
            return True
        dim += _width(p)
    return False


class CopySlices(IndexPut):
    node_name = "torch::autograd::CopySlices"   # torch's node for an in-place write through a view
    saved_values = {}


def _fills_mask(key: tuple, value: Tensor) -> bool:
    """Whether torch writes `x[mask] = value` as a masked fill (one bool mask, after whole-dim slices, and a
    one-element value), which casts the value where an index put requires matching dtypes."""
    parts = [p for p in key if p is not Ellipsis]
    arrays = [p for p in parts if hasattr(p, "dtype")]
    return (value._data.size == 1 and len(arrays) == 1 and arrays[0].dtype.kind == "b"
            and all(p is arrays[0] or (isinstance(p, slice) and p == slice(None)) for p in parts))


def setitem(self: Tensor, key, value) -> None:
    """self[key] = value, in place (recorded by autograd as torch does)."""
    from .inplace import apply_inplace
    xp = self._device.backend.xp
    if key is False:  # torch writes nothing for a False key (and x[True] = v writes through x[None])
        return
    k, advanced = normalize_key(None if key is True else key, xp)
    if advanced:
        check_masks(self._data.shape, k)
    if is_tensor(value):
        common_device(self, value)
        if advanced and value._dtype is not self._dtype and not _fills_mask(k, value):
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                               f"{self._dtype.word} for the destination and {value._dtype.word} for the source.")
        v = value if value._dtype is self._dtype else value.to(self._dtype)
    elif not isinstance(value, numbers.Number) or (hasattr(value, "ndim") and value.ndim):
        kind = type(value)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise TypeError(f"can't assign a {name} to a torch.{self._dtype.word}Tensor")
    else:
        check_scalar_fits(value, self._dtype)
        v = scalar_tensor(value, self._dtype, self._device)

    if not advanced and _selects_everything(self, k):  # torch copies (or fills) the tensor itself
        from .inplace import Copy, FillTensor, copy_into
        node = FillTensor if v._data.ndim == 0 and self._data.ndim else Copy
        copy_into(self, v, node)
        return
    node = CopySlices if not advanced or _slices_first(self, k) else IndexPut

    def write(x):
        return node.apply(x, v, key=k)

    def fast(data):
        _assign(data, k, v._data)

    apply_inplace(self, write, fast, grad_operands=(v,))


# ---- gather / scatter ---------------------------------------------------------------------

def _check_index(index: Tensor, name: str):
    if index._data.size and index._dtype not in (D.int64, D.int32):  # torch checks a non-empty index only
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")


def _grid(index, dim, xp):
    """Open-mesh coordinates of `index`'s elements, with `dim` replaced by the index values."""
    coords = list(xp.ix_(*[xp.arange(s) for s in index.shape])) if index.ndim else []
    coords[dim] = index
    return tuple(coords)


def _bounds_check(index, size, dim, xp, error=RuntimeError):
    if index.size and (index.min() < 0 or index.max() >= size):
        if error is IndexError:  # index_select's message
            raise IndexError("index out of range in self")
        bad = int(index.max()) if index.max() >= size else int(index.min())  # noqa: E501
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


class Gather(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_names = ("index", "self")
    saved_values = {"dim": attribute("given_dim", torch_int), "sparse_grad": lambda node: False}

    @staticmethod
    def forward(ctx, x, index, *, dim, given_dim=None):
        xp = ctx.xp
        ctx.shape, ctx.dim = x.shape, dim
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        ctx.save_for_backward(index, x)  # x: torch's node keeps it (its gradient reads only the index)
        if index.size == 0:
            return xp.empty(index.shape, dtype=x.dtype)
        if x.ndim == 0:
            _bounds_check(index, 1, dim, xp)
            return xp.broadcast_to(x, index.shape).copy()
        _bounds_check(index, x.shape[dim], dim, xp)
        return x[_grid(index.reshape(-1) if index.ndim == 0 else index, dim, xp)].reshape(index.shape)

    @staticmethod
    def backward(ctx, gy):
        index, _ = ctx.saved_tensors
        from .creation import zeros
        return zeros(*ctx.shape, dtype=gy.dtype, device=gy.device).scatter_add(ctx.dim, index, gy), None


def _nonempty_dims(t: Tensor) -> int:
    return t._data.ndim or 1   # torch's gather and scatter read a 0-d tensor as a 1-d one of one element


def _nonempty_size(t: Tensor, d: int) -> int:
    return t._data.shape[d] if t._data.ndim else 1


def _check_gather_shape(input: Tensor, index: Tensor, dim: int) -> None:
    """torch's gather_shape_check: the same number of dims, index no larger than input apart from `dim`."""
    if _nonempty_dims(index) != _nonempty_dims(input):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(_nonempty_dims(input)):
        if d != dim and _nonempty_size(index, d) > _nonempty_size(input, d):
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be no "
                               f"larger than self {list(input.shape)} apart from dimension {dim}")


def _check_scatter_shape(input: Tensor, index: Tensor, dim: int, src: Tensor | None = None) -> None:
    """torch's scatter checks, in its order: nothing for an empty index; as many dims as self; index no
    larger than self apart from `dim`, then (if so far so good) than src, reading src's sizes in order up
    to the first too small (IndexError past src's last dim); as many dims as src; the size verdict."""
    if index._data.size == 0:
        return
    if _nonempty_dims(index) != _nonempty_dims(input):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    dims = range(_nonempty_dims(input))
    wrong = any(d != dim and _nonempty_size(index, d) > _nonempty_size(input, d) for d in dims)
    if not wrong and src is not None:
        wrong = any(_nonempty_size(index, d) > (src._data.shape[wrap_dim(d, src._data.ndim)] if src._data.ndim else 1)
                    for d in dims)  # any() stops at the first, as torch's loop does
    if src is not None and _nonempty_dims(index) != _nonempty_dims(src):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if wrong:
        detail = "" if src is None else f" and to be no larger size than src {list(src.shape)}"
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} "
                           f"apart from dimension {dim}{detail}")


def check_scatter_operands(input: Tensor, index: Tensor, dim: int, src: Tensor) -> None:
    """torch's checks of a scatter of tensor `src` into `input` at `index` along `dim` (wrapped), in its order:
    the index's dtype, src's dtype, the shapes."""
    _check_index(index, "scatter")
    if src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_scatter_shape(input, index, dim, src)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[index[i][j]][j] for dim 0 (and likewise for any dim)."""
    _check_index(index, "gather")
    refuse_sparse_gradient("gather", "sparse_grad", sparse_grad)
    d = wrap_dim(dim, input._data.ndim)
    common_device(input, index)
    if index._data.size:
        _check_gather_shape(input, index, d)
    return Gather.apply(input, index, dim=d, given_dim=dim)


class Scatter(Primitive):
    """Copy of x with src written at index along dim (or added, for scatter_add)."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_names = ("index",)
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, x, index, src, *, dim, add, given_dim=None):
        xp = ctx.xp
        ctx.dim, ctx.add = dim, add
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        ctx.save_for_backward(index)
        y = x.copy()
        if index.size == 0:
            return y
        if x.ndim == 0:
            _bounds_check(index, 1, dim, xp)
            y[...] = (y + src.reshape(-1)[:index.size].sum()) if add else src.reshape(-1)[index.size - 1]
            return y
        _bounds_check(index, x.shape[dim], dim, xp)
        if index.ndim == 0:  # a 0-d index is one position of a 1-d tensor
            index, src = index.reshape(1), src.reshape(-1)[:1] if src.ndim else src
        coords = _grid(index, dim, xp)
        values = src[tuple(slice(0, s) for s in index.shape)] if src.ndim else xp.broadcast_to(src, index.shape)
        if add:
            ctx.backend.scatter_add(y, coords, values)
        else:
            y[coords] = values
        return y

    @staticmethod
    def backward(ctx, gy):
        (index,) = ctx.saved_tensors
        gx = gy if ctx.add else gy.scatter(ctx.dim, index, 0.0)
        gsrc = None
        if ctx.needs_input_grad[2]:
            gsrc = gy.gather(ctx.dim, index)
        return gx, None, gsrc


class ScatterValue(Scatter):
    node_name = "ScatterBackward1"


class ScatterAdd(Scatter):
    pass


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=NOT_GIVEN) -> Tensor:
    """Copy of input with `src` (a tensor or a scalar `value`) written at `index` along `dim`."""
    if src is None and value is None:
        raise TypeError("scatter() received an invalid combination of arguments - got src=None: give a tensor src "
                        "or a number value")
    if src is not None and not is_tensor(src):
        from ._helpers import check_number
        check_number("scatter", "value", src, 4)
    _check_index(index, "scatter")
    d = wrap_dim(dim, input._data.ndim)
    if src is None:
        src = value
    refuse_none("scatter", "reduce", reduce)  # torch's reduce= overloads take a string only
    if reduce is not NOT_GIVEN:
        return _scatter_with_reduce(input, dim, d, index, src, reduce)
    if is_tensor(src):
        check_scatter_operands(input, index, d, src)
        return Scatter.apply(input, index, src, dim=d, add=False, given_dim=dim)
    _check_scatter_shape(input, index, d)
    if index._data.size:  # the kernel converts the value; it never runs for an empty index
        check_scalar_fits(check_number("scatter", "value", src), input._dtype)
    return ScatterValue.apply(input, index, scalar_tensor(src, input._dtype, input._device), dim=d, add=False,
                              given_dim=dim)


def _scatter_with_reduce(input: Tensor, dim: int, d: int, index: Tensor, src, reduce) -> Tensor:
    """scatter's deprecated reduce="add" | "multiply" (scatter_reduce's sum and prod, with no derivative)."""
    from .creation import full
    from .scatter_ops import ScatterWithReduce
    if not isinstance(reduce, str):
        raise TypeError(f"scatter(): argument 'reduce' must be str, not {type(reduce).__name__}")
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if is_tensor(src):
        import warnings
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                      "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                      UserWarning, stacklevel=3)
        check_scatter_operands(input, index, d, src)
    else:
        _check_scatter_shape(input, index, d)
        value = check_number("scatter", "value", src)
        # the kernel converts the value, and never runs for an empty index
        src = full(tuple(index.shape), value if index._data.size else 0, dtype=input._dtype, device=input._device)
    return ScatterWithReduce.apply(input, index, src, dim=d, reduce=reduce)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Copy of input with `src` added at `index` along `dim` (repeated indices add up)."""
    d = wrap_dim(dim, input._data.ndim)
    check_scatter_operands(input, index, d, src)
    return ScatterAdd.apply(input, index, src, dim=d, add=True, given_dim=dim)


class IndexSelect(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_names = ("index",)
    saved_values = {"dim": attribute("given_dim", torch_int), "self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, x, index, *, dim, given_dim=None):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        ctx.save_for_backward(index)
        if x.ndim == 0:
            _bounds_check(index, 1, dim, ctx.xp, IndexError)
            return x.copy()
        if dim == 1 and index.size and (index.min() < 0 or index.max() >= x.shape[1]):  # torch's dim-1 kernel
            bad = int(index.max()) if index.max() >= x.shape[1] else int(index.min())
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={x.shape[1]}")
        _bounds_check(index, x.shape[dim], dim, ctx.xp, IndexError)
        return ctx.xp.take(x, index.reshape(-1), axis=dim)

    @staticmethod
    def backward(ctx, gy):
        (index,) = ctx.saved_tensors
        from .creation import zeros
        return zeros(*ctx.shape, dtype=gy.dtype, device=gy.device).index_add(ctx.dim, index.reshape(-1), gy), None


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input._data.ndim == 0 and index._data.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index._data.size} value(s)")
    d = wrap_dim(dim, input._data.ndim)
    return IndexSelect.apply(input, index, dim=d, given_dim=dim)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at `index` along `dim` (a view, one dimension fewer)."""
    d = wrap_dim(dim, input._data.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {dim}")
    return as_view(Select.apply(input, dim=d, index=index, given_dim=dim), input)


class IndexAdd(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_names = ("index", "source")
    saved_if_grad = {"index": (2,), "source": (2,)}  # torch keeps them for source's gradient only
    saved_values = {"dim": attribute("given_dim", torch_int), "alpha": attribute("alpha"),
                    "source_dim": attribute("source_dim")}

    @staticmethod
    def forward(ctx, x, index, src, *, dim, alpha, given_dim=None):
        xp = ctx.xp
        ctx.dim, ctx.alpha, ctx.source_dim = dim, alpha, src.ndim
        ctx.given_dim = dim if given_dim is None else given_dim
        ctx.save_for_backward(index, src)
        y = x.copy().reshape(x.shape or (1,))  # a 0-d self is one slice along dim 0
        _bounds_check(index, y.shape[dim], dim, xp)
        key = (slice(None),) * dim + (index.reshape(-1),)
        src = src.reshape(src.shape or (1,))
        ctx.backend.scatter_add(y, key, src if alpha == 1 else src * alpha)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        index = ctx.saved_tensors[0]
        gsrc = gy.index_select(ctx.dim, index) if ctx.needs_input_grad[2] else None
        return gy, None, (gsrc if ctx.alpha == 1 or gsrc is None else gsrc * ctx.alpha)


def _check_index_func(name: str, input: Tensor, dim: int, index: Tensor, source: Tensor) -> None:
    """torch's checks of index_add/index_copy: a vector index of int32/int64, source of self's dtype with
    one slice per index along `dim`, and self's shape elsewhere."""
    d = wrap_dim(dim, input._data.ndim)
    if index._data.ndim > 1:
        raise IndexError(f"{name}_(): Index is supposed to be a vector, but got dim: {index._data.ndim} with type: "
                         f"{index._dtype.word} and size: {list(index.shape)}")
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"{name}_(): Expected dtype int32/int64 for index but got: {index._dtype.word}")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"{name}_(): self ({input._dtype.word}) and source ({source._dtype.word}) must have the "
                           "same scalar type")
    if not (d == 0 or d < source._data.ndim):
        raise RuntimeError(f"{name}_(): Indexing dim {d} is out of bounds of the source tensor with dim "
                         f"{source._data.ndim}")
    if source._data.ndim == 0 and index._data.size != 1:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    slices = source._data.shape[d] if source._data.ndim else 1
    if index._data.size != slices:
        raise RuntimeError(f"{name}_(): Number of indices ({index._data.size}) should be equal to source.size(dim) "
                           f"({slices})")
    own, src = list(input.shape), list(source.shape)
    if input._data.ndim and source._data.ndim:
        own.pop(d)
        src.pop(d)
    if own != src:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """Copy of input with rows of `source` added at `index` along `dim`."""
    check_number("index_add", "alpha", alpha)
    _check_index_func("index_add", input, dim, index, source)
    if not input._dtype.is_floating_point and input._dtype is not D.bool_:
        alpha = int(alpha)  # torch converts alpha to the tensor's type
    d = wrap_dim(dim, input._data.ndim)
    return IndexAdd.apply(input, index, source, dim=d, alpha=alpha, given_dim=dim)


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    """The values of `input` at `indices` along `dim` (gather after broadcasting the other dims)."""
    if dim is None:  # torch views both flat (so a non-contiguous one refuses)
        return gather(input.view(-1), 0, indices.view(-1))
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions "
                           "for indices")
    if indices._dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {indices._dtype.word}")
    d = wrap_dim(dim, input._data.ndim)
    a, b = list(input.shape), list(indices.shape)
    a[d] = b[d] = 1
    from .shape import broadcast_shapes
    shape = list(broadcast_shapes(a, b))
    shape_in, shape_idx = list(shape), list(shape)
    shape_in[d], shape_idx[d] = input.shape[d], indices.shape[d]
    return gather(input.expand(shape_in), d, indices.expand(shape_idx))


def take(input: Tensor, index: Tensor) -> Tensor:
    """input's elements at the given flat positions, in index's shape."""
    if index._dtype is not D.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index._dtype.word}")
    common_device(input, index)
    return Take.apply(input, index)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    batched.refuse_masked_select(mask)
    from .shape import broadcast_tensors
    broadcast_tensors(input, mask)  # torch's error where they do not broadcast
    return MaskedSelect.apply(input, mask)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    if as_tuple:
        batched.refuse_without_rule("aten::nonzero_numpy", input)
    batched.refuse_dynamic_shape("aten::nonzero", input)
    xp = input._device.backend.xp
    if input._data.ndim == 0:  # a 0-d tensor has one element and no coordinates
        k = int(bool(input._data))
        if as_tuple:
            return (Tensor._wrap(xp.zeros(k, dtype=xp.int64), input._device),)
        return Tensor._wrap(xp.zeros((k, 0), dtype=xp.int64), input._device)
    idx = xp.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(xp.int64), input._device) for i in idx)
    return Tensor._wrap(xp.stack(idx, axis=1).astype(xp.int64), input._device)


@batched.as_one_op
def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


# ---- ordering -------------------------------------------------------------------------------

class Sort(SelectAlong):
    """Sorted values and their indices; NaN counts as the largest value, as in torch."""

    saved_values = {"dim": attribute("given_dim", torch_int), "self_sym_sizes": sizes("shape")}

    @staticmethod
    def choose(xp, x, dim, descending):
        if not descending:
            return xp.argsort(x, axis=dim, kind="stable")
        if x.dtype.kind != "f":  # ~x reverses integers (and booleans) without overflow
            return xp.argsort(~x, axis=dim, kind="stable")
        # by -x, then (stably) NaNs first: two stable sorts make a lexicographic one
        by_value = xp.argsort(-x, axis=dim, kind="stable")
        nan_last = xp.take_along_axis(~xp.isnan(x), by_value, axis=dim)
        return xp.take_along_axis(by_value, xp.argsort(nan_last, axis=dim, kind="stable"), axis=dim)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """Values in order along `dim`, with their indices; the sort is always stable, so `stable` holds."""
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return sort_t(SortOfScalar.apply(input, given_dim=dim), Tensor._wrap(input._device.backend.xp.zeros((), dtype="int64"),
                                                             input._device))
    return sort_t(*Sort.apply(input, dim=d, descending=descending, given_dim=dim))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    return sort(input, dim, descending).indices


def msort(input: Tensor) -> Tensor:
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The k largest (or smallest) elements along `dim`, with their indices."""
    if input._dtype is D.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    return topk_t(*Topk.apply(input, k, dim, largest))


def _topk(input, k, dim, largest):
    d = wrap_dim(dim, input._data.ndim)
    idx = argsort(input, d, descending=largest)
    idx = idx.narrow(d, 0, k) if input._data.ndim else idx
    return (gather(input, d, idx) if input._data.ndim else input.clone()), idx


class Topk(Fused):
    node_name = "TopkBackward0"
    definition = staticmethod(_topk)
    saves_result, saved_names = True, ("", "", "indices")
    saved_values = {"dim": lambda node: torch_int(node.args[2]), "self_sym_sizes": lambda node: node.shapes[0]}


def _greater_or_nan(x, y) -> bool:
    """torch's selection order: NaN above every number."""
    return (x != x and y == y) or x > y


def _quickselect_index(row: list, k: int) -> int:
    """The index torch's CPU kthvalue reports for the k-th smallest (0-based) of `row`.

    Among equal values the answer depends on the algorithm, so this is torch's: Sedgewick's
    quickselect with a median-of-three pivot, moving (value, index) pairs together.
    """
    vals, idx = list(row), list(range(len(row)))

    def swap(i, j):
        vals[i], vals[j] = vals[j], vals[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(vals) - 1
    while hi > lo:
        if hi == lo + 1:
            if _greater_or_nan(vals[lo], vals[hi]):
                swap(lo, hi)
            break
        swap((lo + hi) >> 1, lo + 1)
        for a, b in ((lo + 1, hi), (lo, hi), (lo + 1, lo)):
            if _greater_or_nan(vals[a], vals[b]):
                swap(a, b)
        i, j, pivot = lo + 1, hi, vals[lo]
        while True:
            i += 1
            while _greater_or_nan(pivot, vals[i]):
                i += 1
            j -= 1
            while _greater_or_nan(vals[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


def _kth_indices(xp, x, k: int, d: int):
    """Indices of the k-th smallest values along `d` (keeping `d`), torch's among ties."""
    idx = xp.take(xp.argsort(x, axis=d, kind="stable"), [k - 1], axis=d)
    kth = xp.take_along_axis(x, idx, axis=d)
    same = (x == kth) | ((x != x) & (kth != kth))
    tied = xp.count_nonzero(same, axis=d) > 1  # only there can the order among equals matter
    if bool(tied.any()):
        host, rows = xp.moveaxis(x, d, -1), idx.copy()
        where = xp.moveaxis(rows, d, -1)  # a view: writes land in `rows`
        for pos in zip(*(a.tolist() for a in xp.nonzero(tied))):
            where[pos + (0,)] = _quickselect_index(host[pos].tolist(), k - 1)
        idx = rows
    return idx


def _kthvalue(input, k, dim, keepdim):
    if input._data.ndim == 0:  # the one element, at index 0
        return input.clone(), input.new_zeros((), dtype=D.int64)
    d = wrap_dim(dim, input._data.ndim)
    idx = Tensor._wrap(_kth_indices(input._device.backend.xp, input._data, k, d), input._device)
    vals = gather(input, d, idx)
    return (vals.squeeze(d), idx.squeeze(d)) if not keepdim else (vals, idx)


class Kthvalue(Fused):
    node_name = "KthvalueBackward0"
    definition = staticmethod(_kthvalue)
    saves_result, saved_names = True, ("", "", "indices")
    saved_values = {**Topk.saved_values, "keepdim": lambda node: node.args[3]}


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element along `dim`, and its index."""
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return kthvalue_t(*Kthvalue.apply(input, k, dim, keepdim))


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Distinct elements (sorted); optionally the inverse indices and the counts. No gradient."""
    batched.refuse_dynamic_shape("aten::_unique2" if dim is None else "aten::unique_dim", input)
    xp = input._device.backend.xp
    data = input._data
    if dim is None:
        vals, inv, counts = xp.unique(data.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(data.shape)
    else:
        d = wrap_dim(dim, data.ndim)
        vals, inv, counts = xp.unique(data, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
    out = [Tensor._wrap(vals, input._device)]
    if return_inverse:
        out.append(Tensor._wrap(inv.astype(xp.int64), input._device))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(xp.int64), input._device))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """How many times each value 0..max(input) occurs (summing `weights` instead of ones, if given)."""
    if input._dtype is D.bool_:
        raise NotImplementedError("\"bincount_cpu\" not implemented for 'Bool'")
    xp = input._device.backend.xp
    if input._data.ndim != 1 or input._dtype.is_floating_point or (input._data.size and input._data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights._data
    r = xp.bincount(input._data, weights=w, minlength=minlength)
    if weights is None:
        r = r.astype(xp.int64)
    return Tensor._wrap(r, input._device)


class Embedding(Primitive):
    """Rows of `weight` at integer indices; the weight gradient adds each output row's gradient into
    the row it came from (a scatter-add), skipping padding_idx and, with scale_grad_by_freq, divided
    by how often that index occurs in the batch."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    node_name = "EmbeddingBackward0"
    saved_names = ("indices",)
    saved_values = {"weight_sym_argsize_0": lambda node: node.options[0],
                    "padding_idx": lambda node: torch_int(-1 if node.options[1] is None else node.options[1]),
                    "scale_grad_by_freq": lambda node: node.options[2], "sparse": lambda node: False}

    @staticmethod
    def forward(ctx, weight, idx, *, padding_idx, scale_grad_by_freq):
        ctx.options = (weight.shape[0], padding_idx, scale_grad_by_freq)
        ctx.save_for_backward(idx)
        return weight[idx]

    @staticmethod
    def backward_arrays(ctx, gy):
        (idx,) = ctx.saved_arrays
        return ctx.backend.embedding_backward(gy, idx, *ctx.options), None

    @staticmethod
    def backward(ctx, gy):
        from .creation import zeros
        (idx,) = ctx.saved_tensors
        num_weights, padding_idx, scale_grad_by_freq = ctx.options
        flat = idx.reshape(-1)
        g = gy.reshape(flat.shape[0], gy.shape[-1])
        if scale_grad_by_freq:
            g = g / bincount(flat, minlength=num_weights)[flat].unsqueeze(1).to(g.dtype)
        if padding_idx is not None:
            g = g * (flat != padding_idx).unsqueeze(1).to(g.dtype)
        return zeros(num_weights, gy.shape[-1], dtype=gy.dtype, device=gy.device).index_add(0, flat, g), None
