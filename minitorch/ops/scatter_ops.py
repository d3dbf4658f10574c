"""Writing values into positions of a copy: the *_scatter ops, index_put, index_fill, index_copy, put,
masked_scatter, scatter_reduce and index_reduce, and fill. Each returns a new tensor and records torch's node;
the gradient of the input is the output gradient where the input was kept, that of the source the output
gradient where it was written."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as D
from ..autograd import batched
from ..autograd.forward_ad import linear_in
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, torch_int
from ..tensor import Tensor
from ._helpers import host_array, host_values, is_tensor, wrap_dim
from .fused import Fused, saved_argument


def _positions(shape, device) -> Tensor:
    """The flat position of each element of a tensor of `shape`."""
    from .creation import arange
    return arange(math.prod(shape), device=device).reshape(shape)


def _write_flat(input: Tensor, where: Tensor, values: Tensor, accumulate: bool = False) -> Tensor:
    """input with `values` written (or added) at flat positions `where` (minitorch ops: differentiable)."""
    flat = input.reshape(-1)
    where, values = where.reshape(-1), values.reshape(-1)
    out = flat.index_add(0, where, values) if accumulate else flat.index_copy(0, where, values)
    return out.reshape(input.shape)


# ---- index_copy ------------------------------------------------------------------------------------------

class IndexCopy(Primitive):
    """input with the slices at `index` along `dim` replaced by those of source (a later index wins)."""

    formula = "grad_self = grad with the indexed slices zeroed, grad_source = grad.index_select(dim, index)"
    saved_names = ("index", "source")
    saved_if_grad = {"source": (2,)}  # torch keeps source for its own gradient only
    saved_values = {"dim": attribute("given_dim", torch_int), "source_dim": attribute("source_dim")}

    @staticmethod
    def forward(ctx, x, index, source, *, dim, given_dim=None):
        ctx.given_dim, ctx.source_dim = dim if given_dim is None else given_dim, source.ndim
        xp = ctx.xp
        out = x.copy()
        moved, src = xp.moveaxis(out, dim, 0), xp.moveaxis(source, dim, 0)
        for i, j in enumerate(host_array(index).reshape(-1)):
            moved[j] = src[i]
        ctx.dim, ctx.size = dim, x.shape[dim]
        ctx.save_for_backward(index, source)
        return out

    @staticmethod
    def backward(ctx, gy):
        index = ctx.saved_tensors[0].reshape(-1) % ctx.size  # the slices written, counted from 0
        na = ctx.needs_input_grad
        return (gy.index_fill(ctx.dim, index, 0) if na[0] else None, None,
                gy.index_select(ctx.dim, index) if na[2] else None)


@batched.as_one_op
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input with slices index[i] along `dim` taken from slice i of source."""
    d = wrap_dim(dim, max(input.dim(), 1))
    if index.dim() > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got 2)".replace("2", str(index.dim())))
    if index.dtype is not D.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got " + index.dtype.word)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{input.dtype.word} and (source) {source.dtype.word}")
    if input.dim() and source.dim() and input.dim() != source.dim():
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({source.dim()}), destination dimensionality ({input.dim()})")
    if input.dim() and source.dim() and index.numel() != source.shape[d]:
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal to source.size(dim) "
                         f"({source.shape[d]})")
    size = input.shape[d] if input.dim() else 1
    if index.numel() and (int(index.min()) < -size or int(index.max()) >= size):
        bad = int(index.max()) if int(index.max()) >= size else int(index.min())
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with size {size}")
    if input.dim() == 0:
        if not index.numel():  # nothing to copy: the scalar itself (source may be empty)
            return IndexCopy.apply(input.reshape(1), index, source.reshape(1, -1)[:, :0].reshape(0), dim=0,
                                   given_dim=dim).reshape(())
        return IndexCopy.apply(input.reshape(1), index, source.reshape(1), dim=0, given_dim=dim).reshape(())
    if source.dim() == 0:  # one value, for one index
        if index.numel() != 1:
            raise IndexError(f"index_copy_(): When source is scalar, index should have one element (got "
                             f"{index.numel()})")
        shape = list(input.shape)
        shape[d] = index.numel()
        source = source.expand(shape)
    return IndexCopy.apply(input, index, source, dim=d, given_dim=dim)


# ---- index_fill -------------------------------------------------------------------------------------------

def _index_mask(input, dim, index):
    """True at the slices `index` along `dim`, broadcast to input's shape."""
    from .creation import tensor
    dim = wrap_dim(dim, max(input.dim(), 1))
    marks = np.zeros(input.shape[dim] if input.dim() else 1, bool)
    marks[host_values(index).reshape(-1)] = True
    shape = [1] * input.dim()
    if input.dim():
        shape[dim] = -1
    return tensor(marks, device=input.device).reshape(shape)


class IndexFill(Fused):
    node_name = "IndexFillBackward0"      # a number value
    definition = staticmethod(lambda input, dim, index, value: input.masked_fill(_index_mask(input, dim, index), value))
    saved_names = ("", "index", "")
    saved_values = {"dim": lambda node: torch_int(node.args[1])}


class IndexFillTensor(IndexFill):
    node_name = "IndexFillBackward1"      # a 0-d tensor value: it receives the sum of the filled gradients


@batched.as_one_op
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of input with the slices `index` along `dim` set to value."""
    d = wrap_dim(dim, max(input.dim(), 1))
    if index.dtype is not D.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.dim() > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    size = input.shape[d] if input.dim() else 1
    if index.numel() and (int(index.min()) < -size or int(index.max()) >= size):
        bad = int(index.max()) if int(index.max()) >= size else int(index.min())
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    if is_tensor(value):
        if value.dim() != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
        return IndexFillTensor.apply(input, dim, index, value.to(input.dtype))
    return IndexFill.apply(input, dim, index, value)


# ---- the *_scatter ops ------------------------------------------------------------------------------------

def _select(t, dim, index):
    return t.select(dim, index)


def _slice(t, dim, start, end, step):
    index = [slice(None)] * t.dim()
    index[wrap_dim(dim, t.dim())] = slice(start, end, step)
    return t[tuple(index)]


def _diagonal(t, offset, dim1, dim2):
    return t.diagonal(offset, dim1, dim2)


def _scatter_through(view):
    """The definition of a *_scatter op: input with src written where view(input, *where) looks."""
    def scatter(input, src, *where):
        return _write_flat(input, view(_positions(input.shape, input.device), *where), src)
    return staticmethod(scatter)


def _given(position: int):
    """A saved_values entry: the argument at `position` as the call gave it (ints as torch shows them)."""
    return lambda node: node.args[position] if node.args[position] is None else torch_int(node.args[position])


class SelectScatter(Fused):
    node_name = "SelectScatterBackward0"
    view = staticmethod(_select)
    definition = _scatter_through(_select)
    saved_names = ("", "")
    saved_values = {"dim": _given(2), "index": _given(3)}


class SliceScatter(Fused):
    node_name = "SliceScatterBackward0"
    view = staticmethod(_slice)
    definition = _scatter_through(_slice)
    saved_names = ("", "")
    saved_values = {"dim": _given(2), "start": _given(3), "end": _given(4), "step": _given(5)}


class DiagonalScatter(Fused):
    node_name = "DiagonalScatterBackward0"
    view = staticmethod(_diagonal)
    definition = _scatter_through(_diagonal)
    saved_names = ("", "")
    saved_values = {"offset": _given(2), "dim1": _given(3), "dim2": _given(4)}


class AsStridedScatter(Primitive):
    """input (flat) with src written at the positions `where`. The backward is torch's as_strided_scatter_backward:
    input's gradient is the output gradient AT the written positions and zero elsewhere (the reverse of what the
    function's derivative gives; torch's formula, kept so that gradients match torch's); src's is the gradient
    read at those positions. Forward mode writes the tangents as the function writes values, as torch does."""

    node_name = "AsStridedScatterBackward0"
    jvp = linear_in(0, 1)
    saved_names = ("",)
    saved_values = {"size": lambda node: node.given[0], "stride": lambda node: node.given[1],
                    "storage_offset": lambda node: node.given[2]}

    @staticmethod
    def forward(ctx, x, src, where, *, given=None):
        ctx.given = given  # size, stride and storage_offset as the call gave them
        out = x.copy()
        out.reshape(-1)[where.reshape(-1)] = src.reshape(-1)
        ctx.save_for_backward(where)
        ctx.shape = x.shape
        return out

    @staticmethod
    def backward(ctx, gy):
        (where,) = ctx.saved_tensors
        flat, at = gy.reshape(-1), where.reshape(-1)
        picked = flat.index_select(0, at)
        grad_self = flat.new_zeros(flat.shape).index_copy(0, at, picked).reshape(ctx.shape)
        return grad_self, picked.reshape(where.shape), None


def _check_fits(src: Tensor, looked: Tensor) -> None:
    if tuple(src.shape) != tuple(looked.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(looked.shape)}")


def _embed(input: Tensor, src: Tensor, node, *where):
    """node (a *_scatter op) writing src into input where its view of input, taken with `where`, looks."""
    _check_fits(src, node.view(_positions(input.shape, input.device), *where))
    return node.apply(input, src.to(input.dtype), *where)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input with input.select(dim, index) replaced by src."""
    return _embed(input, src, SelectScatter, dim, index)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of input with the slice start:end:step along `dim` replaced by src."""
    wrap_dim(dim, input.dim())
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    return _embed(input, src, SliceScatter, dim, start, end, step)


def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A copy of input with the elements that as_strided(size, stride, storage_offset) views in its row-major
    memory replaced by src (torch keeps a non-contiguous input's strides in the copy; see the README)."""
    if batched.is_batched(input) or batched.is_batched(src):
        raise RuntimeError("Error: aten::as_strided_scatter requires special handling, and does not yet have a "
                           "batching rule. Feel free to file a github issue!")
    where = _positions(input.shape, input.device).reshape(-1).as_strided(size, stride, storage_offset)
    if tuple(src.shape) == tuple(where.shape) and where.numel() and \
            len(np.unique(host_array(where.contiguous()._data))) < where.numel():
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.")
    _check_fits(src, where)
    given = (tuple(int(n) for n in size), tuple(int(n) for n in stride),
             None if storage_offset is None else int(storage_offset))
    return AsStridedScatter.apply(input, src.to(input.dtype), where.contiguous(), given=given)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of input with its diagonal (offset, dim1, dim2) replaced by src."""
    return _embed(input, src, DiagonalScatter, offset, dim1, dim2)


# ---- index_put, put, masked_scatter ---------------------------------------------------------------------------

def _index_put(input, indices, values, accumulate):
    where = _positions(input.shape, input.device)[tuple(indices)]
    return _write_flat(input, where, values.expand(where.shape), accumulate)


class IndexPut(Fused):
    node_name = "IndexPutBackward0"
    definition = staticmethod(_index_put)
    saved_values = {"indices": lambda node: tuple(node.args[1]), "accumulate": lambda node: node.args[3]}


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of input with input[indices] = values (added to the old values with accumulate; repeated indices
    then add up)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 2) must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    if not indices:
        raise RuntimeError("index_put_(): expected at least one index tensor")
    # one boolean mask and one value, not accumulated: torch fills the mask with the value, converting it to
    # input's dtype
    mask_fill = not accumulate and len(indices) == 1 and isinstance(indices[0], Tensor) \
        and indices[0].dtype is D.bool_ and values.numel() == 1
    if values.dtype is not input.dtype and not mask_fill:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {input.dtype.word} for "
                           f"the destination and {values.dtype.word} for the source.")
    values = values.to(input.dtype)
    where = _positions(input.shape, input.device)[tuple(indices)]
    from .shape import broadcast_shapes
    if tuple(broadcast_shapes(values.shape, where.shape)) != tuple(where.shape):
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(where.shape)}")
    return IndexPut.apply(input, tuple(indices), values, accumulate)


class Put(Fused):
    node_name = "PutBackward0"
    definition = staticmethod(lambda input, index, source, accumulate:
                              _write_flat(input, index % max(input.numel(), 1), source, accumulate))
    saved_values = {"index": saved_argument(1), "accumulate": lambda node: node.args[3],
                    # torch keeps source for its own gradient only
                    "source": lambda node: saved_argument(2)(node) if node.needs_input_grad[2] else None}


@batched.as_one_op
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of input, viewed flat, with source written (or added) at `index`."""
    if index.dtype is not D.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index.dtype.word}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{input.dtype.word} and source.dtype = {source.dtype.word}")
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got source."
                         f"numel() = {source.numel()}, index.numel() = {index.numel()}")
    n = input.numel()
    if index.numel() and (int(index.min()) < -n or int(index.max()) >= n):
        bad = int(index.max()) if int(index.max()) >= n else int(index.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return Put.apply(input, index, source, accumulate)


def _masked_scatter(input, mask, source):
    """input and mask broadcast together, the positions where mask holds written, in order, from source."""
    from .creation import tensor
    from .shape import broadcast_shapes
    shape = tuple(broadcast_shapes(input.shape, mask.shape))
    where = np.flatnonzero(np.broadcast_to(host_values(mask), shape))
    return _write_flat(input.expand(shape), tensor(where, dtype=D.int64, device=input.device),
                       source.reshape(-1)[:where.size])


class MaskedScatter(Fused):
    node_name = "MaskedScatterBackward0"
    definition = staticmethod(_masked_scatter)
    saved_names = ("", "mask", "")
    saved_values = {"source_sym_sizes": lambda node: tuple(node.shapes[2])}


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of input with the positions where mask holds filled, in order, with the first elements of source."""
    from .shape import broadcast_shapes
    if mask.dtype is not D.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype.word}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{input.dtype.word} and {source.dtype.word}")
    shape = broadcast_shapes(input.shape, mask.shape)  # the out-of-place form broadcasts self and mask together
    if np.broadcast_to(host_values(mask), tuple(shape)).sum() > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, mask, source)


# ---- scatter_reduce and index_reduce --------------------------------------------------------------------------

REDUCES = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _scatter_reduce_arrays(x, index, src, dim, reduce, include_self):
    """The reduction on host arrays: each src element combined into out at its index along `dim`."""
    if x.ndim == 0:  # a scalar: its one position, indexed by a 0-d or empty index
        flat = _scatter_reduce_arrays(x.reshape(1), index.reshape(-1), src.reshape(-1)[:index.size], 0, reduce,
                                      include_self)
        return flat.reshape(())
    if index.ndim == 0:  # one position, as a 1-d index of one (torch reads a 0-d tensor as one element)
        index, src = index.reshape(1), src.reshape(-1)
    out = x.copy()
    positions = list(np.indices(index.shape, sparse=False))
    positions[dim] = index
    target = tuple(positions)
    values = src[tuple(np.indices(index.shape))]
    scattered = np.zeros(x.shape, bool)
    scattered[target] = True
    if not include_self:
        identity = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if identity is None:
            fill = np.inf if reduce == "amin" else -np.inf
            identity = fill if x.dtype.kind == "f" else (np.iinfo(x.dtype).max if reduce == "amin" else
                                                         np.iinfo(x.dtype).min)
        out[scattered] = identity
    _UFUNCS[reduce].at(out, target, values)
    if reduce == "mean":
        counts = np.ones(x.shape, np.int64) if include_self else np.zeros(x.shape, np.int64)
        np.add.at(counts, target, 1)
        counts = np.maximum(counts, 1)
        out = out / counts if x.dtype.kind == "f" else np.floor_divide(out, counts)
    return out.astype(x.dtype, copy=False)


class ScatterReduce(Primitive):
    """out = input with each src element reduced (sum, prod, mean, amax, amin) into its index along `dim`;
    the gradients are torch's: shared evenly between tied extremes, through the other factors of a product
    (zeros handled separately), divided by the count for a mean."""

    saved_names = ("self", "index", "src", "result")
    saved_values = {"dim": attribute("given_dim", torch_int), "reduce": lambda node: node.options[1],
                    "include_self": lambda node: node.options[2]}

    @staticmethod
    def forward(ctx, x, index, src, *, dim, reduce, include_self, given_dim=None):
        xp = ctx.xp
        ctx.given_dim = dim if given_dim is None else given_dim
        host = [host_array(a) for a in (x, index, src)]
        if host[1].size == 0 and x.ndim:  # nothing scattered: input as it is (a copy), through the op's node
            host[1:] = [host[1].astype(np.int64).reshape((0,) * x.ndim), host[2].reshape((0,) * x.ndim)]
        out = xp.asarray(_scatter_reduce_arrays(*host, dim, reduce, include_self))
        ctx.options = (dim, reduce, include_self)
        ctx.save_for_backward(x, index, src, out)  # index and src as given (torch's node keeps them so)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, index, src, result = ctx.saved_tensors
        given_src = src
        if index.numel() == 0 and x.dim():  # as forward scattered them: empty, with input's number of dims
            index, src = index.reshape((0,) * x.dim()), src.reshape((0,) * x.dim())
        dim, reduce, include_self = ctx.options
        if reduce == "sum":
            grad_self, grad_src = gy, gy.gather(dim, index)
        elif reduce == "mean":
            n = (gy.new_ones(gy.shape) if include_self else gy.new_zeros(gy.shape)).scatter_add(
                dim, index, src.new_ones(src.shape).to(gy.dtype))
            n = n.masked_fill(n == 0, 1)
            grad_self = gy / n
            grad_src = grad_self.gather(dim, index)
        elif reduce == "prod":
            grad_self, grad_src = _prod_grads(gy, x, index, src, result, dim, include_self)
        else:
            # torch's rule: the gradient is shared among the elements equal to the result, input's own element
            # counted among them even where include_self=False leaves it out of the result (it then gets none)
            value = result.gather(dim, index)
            self_is_result = (x == result).to(gy.dtype)
            src_is_result = (src == value).to(gy.dtype)
            shared = gy / self_is_result.scatter_add(dim, index, src_is_result)
            grad_self = self_is_result * shared
            grad_src = src_is_result * shared.gather(dim, index)
        if not include_self:
            grad_self = grad_self.scatter(dim, index, 0.0)
        return grad_self, None, grad_src.reshape(given_src.shape)


class ScatterWithReduce(Primitive):
    """scatter(..., reduce="add" | "multiply"): src added into, or multiplied into, input at index along `dim`
    (scatter_reduce's sum and prod, self included). torch has no derivative for it: its node is NotImplemented,
    whose backward raises."""

    node_name = "torch::autograd::NotImplemented"

    @staticmethod
    def forward(ctx, x, index, src, *, dim, reduce):
        from .indexing import _bounds_check
        if index.size == 0:  # nothing to combine (whatever src's shape)
            return x.copy()
        _bounds_check(index, x.shape[dim] if x.ndim else 1, dim, ctx.xp)
        host = [host_array(a) for a in (x, index, src)]
        return ctx.xp.asarray(_scatter_reduce_arrays(*host, dim, {"add": "sum", "multiply": "prod"}[reduce], True))

    @staticmethod
    def backward(ctx, gy):
        raise RuntimeError("derivative for aten::scatter is not implemented")


def _prod_grads(gy, x, index, src, result, dim, include_self):
    """d result / d x and d src for products: the product of the other factors (zeros counted separately, as
    torch's rule: a single zero's gradient is the product of the rest)."""
    masked_self = x.masked_fill(x == 0, 1)
    masked_self_result = ScatterReduce.apply(masked_self, index, src, dim=dim, reduce="prod", include_self=include_self)
    grad_self = gy * masked_self_result / masked_self
    src_zero = src == 0
    zeros_per_target = gy.new_zeros(gy.shape).scatter_add(dim, index, src_zero.to(gy.dtype)).gather(dim, index)
    single_zero = src_zero & (zeros_per_target == 1)
    masked_src = src.masked_fill(single_zero, 1)
    masked_src_result = ScatterReduce.apply(x, index, masked_src, dim=dim, reduce="prod", include_self=include_self)
    grad_src = (gy * masked_src_result).gather(dim, index).where(
        single_zero, (gy * result).gather(dim, index) / src.masked_fill(src_zero, 1))
    return grad_self, grad_src


def _check_reduce_word(name: str, reduce, position: int) -> None:
    if not isinstance(reduce, str):
        raise TypeError(f"{name}(): argument 'reduce' (position {position}) must be str, not {type(reduce).__name__}")


def _check_scatter_reduce(name, input, dim, index, src, reduce):
    """torch's checks, in its order: the reduction's name, then scatter's (dtypes, shapes), then the indices' range."""
    from .indexing import check_scatter_operands
    _check_reduce_word(name, reduce, 5)
    if reduce not in REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    check_scatter_operands(input, index, dim, src)
    size = input.shape[dim] if input.dim() else 1
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= size):
        raise RuntimeError(f"index {int(index.max())} is out of bounds for dimension {dim} with size {size}")


class ScatterReduceProduct(ScatterReduce):
    """scatter_reduce with reduce='prod': torch defines no forward-mode rule for it, so no tangent."""

    node_name = "ScatterReduceBackward0"
    jvp = staticmethod(lambda ctx, *tangents: None)


@batched.as_one_op
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """input with each src[i] reduced into position index[i] along `dim` by `reduce`."""
    d = wrap_dim(dim, max(input.dim(), 1))
    _check_scatter_reduce("scatter_reduce", input, d, index, src, reduce)
    node = ScatterReduceProduct if reduce == "prod" else ScatterReduce
    return node.apply(input, index, src, dim=d, reduce=reduce, include_self=include_self, given_dim=dim)


def _index_reduce(input, dim, index, source, reduce, include_self):
    dim = wrap_dim(dim, max(input.dim(), 1))
    shape = [1] * source.dim()
    shape[dim] = -1
    expanded = (index.reshape(-1) % input.shape[dim]).reshape(shape).expand(source.shape)
    return ScatterReduce.apply(input, expanded.contiguous(), source, dim=dim, reduce=reduce, include_self=include_self)


class IndexReduce(Fused):
    node_name = "IndexReduceBackward0"
    definition = staticmethod(_index_reduce)
    saves_result, saved_names = True, ("self", "index", "source", "result")
    saved_values = {"dim": lambda node: torch_int(node.args[1]), "reduce": lambda node: node.args[4],
                    "include_self": lambda node: node.args[5]}


@batched.as_one_op
def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """input with slice i of source reduced (prod, mean, amax, amin) into slice index[i] along `dim`."""
    import warnings
    _check_reduce_word("index_reduce", reduce, 5)
    warnings.warn("index_reduce() is in beta and the API may change at any time.", stacklevel=2)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    d = wrap_dim(dim, max(input.dim(), 1))
    if index.dim() > 1:
        raise IndexError("index_reduce_(): Index should have dimension 1 or 0")
    if index.dtype is not D.int64:
        raise RuntimeError("index_reduce_(): Expected dtype int64 for index")
    if source.dtype is not input.dtype:
        raise RuntimeError("index_reduce_(): self and source expected to have the same dtype")
    if d and d >= source.dim():
        raise RuntimeError(f"index_reduce_(): Indexing dim {d} is out of bounds of the source tensor with dim "
                           f"{source.dim()}")
    if source.dim() and index.numel() != source.shape[d]:
        raise RuntimeError("index_reduce_(): Number of indices should be equal to source.size(dim)")
    # the shapes less dim `d`, where both have dims; whole otherwise (a 0-d source fits only a 0-d input)
    kept = [i for i in range(input.dim()) if i != d] if source.dim() and input.dim() else range(input.dim())
    if input.dim() != source.dim() or any(input.shape[i] != source.shape[i] for i in kept):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                           f"self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    size = input.shape[d]
    if index.numel() and (int(index.min()) < -size or int(index.max()) >= size):
        raise IndexError("index out of range in self")
    return IndexReduce.apply(input, dim, index, source, reduce, include_self)


# ---- fill ----------------------------------------------------------------------------------------------------

class Fill(Fused):
    node_name = "FillBackward0"     # a number: no gradient to input
    definition = staticmethod(lambda input, value: input.new_full(input.shape, value))


class FillTensor(Fused):
    node_name = "FillBackward1"     # a 0-d tensor: its gradient is the sum of the output's
    definition = staticmethod(lambda input, value: value.to(input.dtype).expand(input.shape).clone())


def fill(input: Tensor, value) -> Tensor:
    """A tensor of input's shape and dtype with every element `value` (a number or a 0-d tensor)."""
    if is_tensor(value):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} "
                               "dimensions.")
        return FillTensor.apply(input, value)
    from ._helpers import check_number, check_scalar_fits
    check_scalar_fits(check_number("fill", "value", value, 2), input.dtype)
    return Fill.apply(input, value)
