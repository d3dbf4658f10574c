"""Order statistics and running reductions: nanmedian, mode, aminmax, cummax, cummin, logcumsumexp, quantile and
nanquantile, each with torch's tie and NaN rules and its graph node."""
from __future__ import annotations

import numpy as np

from .. import dtypes as D
from ..autograd import batched
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, torch_int
from ..tensor import Tensor
from ._helpers import NOT_GIVEN, host_array, wrap_dim
from .fused import Fused
from .convert import Clone
from .reduction import (MedianAll, ScanOfScalar, SelectAlong, _PickOfScalar, _return_type, amax, amin,
                        check_median_operand, empty_median, zero_indices)
from .shape import SqueezeDimInPlace

nanmedian_t = _return_type("nanmedian", ["values", "indices"])
mode_t = _return_type("mode", ["values", "indices"])
aminmax_t = _return_type("aminmax", ["min", "max"])
cummax_t = _return_type("cummax", ["values", "indices"])
cummin_t = _return_type("cummin", ["values", "indices"])


def _named_copy(node_name: str, base):
    """A copy of the input recorded under torch's node for an op with nothing to compute (0-d or empty input);
    `base`: Clone, or _PickOfScalar for a pick along a dim (which saves the dim and the index)."""
    return type(node_name.replace("Backward0", "Copy"), (base,), {"node_name": node_name})


class _RunningOfScalar(Clone):
    """cummax/cummin with nothing to run over (a 0-d or empty input): a copy, every index 0."""
    saved_names = ("self",)
    saved_values = {"dim": attribute("given_dim", torch_int), "indices": zero_indices}

    @staticmethod
    def forward(ctx, x, *, given_dim=0):
        ctx.given_dim = given_dim
        ctx.save_for_backward(x)
        return x.copy()


CummaxCopy, CumminCopy = (_named_copy(f"{n}Backward0", _RunningOfScalar) for n in ("Cummax", "Cummin"))
LogcumsumexpCopy = _named_copy("LogcumsumexpBackward0", ScanOfScalar)
ModeCopy = _named_copy("ModeBackward0", _PickOfScalar)
NanmedianCopy = _named_copy("NanmedianBackward1", _PickOfScalar)


# ---- nanmedian ------------------------------------------------------------------------------------

class NanmedianAll(MedianAll):
    """The lower median of the non-NaN elements (NaN when all are NaN); ties share the gradient."""

    node_name = "NanmedianBackward0"

    @classmethod
    def pick(cls, backend, x, axes, keepdim):
        xp = backend.xp
        if x.size == 0:
            return empty_median(xp, x.dtype)
        flat = xp.sort(x.reshape(-1))  # NaN sorts last
        count = int((~xp.isnan(flat)).sum()) if flat.dtype.kind == "f" else flat.size
        return flat[max(count - 1, 0) // 2]


class NanmedianDim(SelectAlong):
    """The lower median of the non-NaN values along `dim`, and its index."""

    node_name = "NanmedianBackward1"

    @staticmethod
    def choose(xp, x, dim):
        order = xp.argsort(x, axis=dim, kind="stable")     # NaN last; equal values in index order
        count = (~xp.isnan(x)).sum(axis=dim, keepdims=True) if x.dtype.kind == "f" else x.shape[dim]
        rank = xp.maximum(count - 1, 0) // 2
        return xp.take_along_axis(order, xp.broadcast_to(rank, order.shape[:dim] + (1,) + order.shape[dim + 1:]),
                                  axis=dim)


def nanmedian(input: Tensor, dim=NOT_GIVEN, keepdim: bool = False):
    """The median ignoring NaN: of all elements, or (values, indices) along `dim`."""
    d = check_median_operand(input, None if dim is NOT_GIVEN else dim)
    if dim is NOT_GIVEN:
        return NanmedianAll.apply(input, axes=tuple(range(input._data.ndim)), keepdim=False)
    if input._data.ndim == 0:
        return nanmedian_t(NanmedianCopy.apply(input, given_dim=dim, keepdim=keepdim),
                           input.new_zeros((), dtype=D.int64))
    return nanmedian_t(*NanmedianDim.apply(input, dim=d, keepdim=keepdim, given_dim=dim))


# ---- mode -------------------------------------------------------------------------------------------

class Mode(SelectAlong):
    """The most frequent value along `dim` (the smallest of the most frequent) and the last index it occurs at."""

    node_name = "ModeBackward0"

    @staticmethod
    def choose(xp, x, dim):
        moved = xp.moveaxis(x, dim, -1)
        rows = moved.reshape(-1, moved.shape[-1])
        picks = np.empty(rows.shape[0], np.int64)
        host = host_array(rows)
        for r, row in enumerate(host):
            order = np.argsort(row, kind="stable")
            values = row[order]
            best, best_len, start = 0, 0, 0
            for i in range(1, len(values) + 1):
                if i == len(values) or not values[i] == values[i - 1]:   # NaN never equals: a run of one
                    if i - start > best_len:
                        best, best_len = start, i - start
                    start = i
            picks[r] = order[best:best + best_len].max()
        idx = xp.asarray(picks).reshape(moved.shape[:-1] + (1,))
        return xp.moveaxis(idx, -1, dim)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """(values, indices): the most frequent value along `dim` and where it last occurs."""
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return mode_t(ModeCopy.apply(input, given_dim=dim, keepdim=keepdim), input.new_zeros((), dtype=D.int64))
    if input._data.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    return mode_t(*Mode.apply(input, dim=d, keepdim=keepdim, given_dim=dim))


# ---- aminmax ------------------------------------------------------------------------------------------

def _aminmax(input, dim, keepdim):
    if dim is None:
        dims = tuple(range(input._data.ndim))
    else:
        dims = (wrap_dim(dim, input._data.ndim),) if input._data.ndim else ()
    return amin(input, dims, keepdim), amax(input, dims, keepdim)


class Aminmax(Fused):
    node_name = "AminmaxBackward0"
    definition = staticmethod(_aminmax)
    saves_result, saved_names = True, ("self", "min", "max")
    saved_values = {"dim": lambda node: None if node.args[1] is None else torch_int(node.args[1]),
                    "keepdim": lambda node: node.args[2]}


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False):
    """(min, max) over all elements or along `dim`, in one op."""
    if dim is not None:
        wrap_dim(dim, max(input.dim(), 1))  # torch's IndexError first (a 0-d input takes dims -1 and 0)
    if input._data.size == 0 and (dim is None or input._data.ndim == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    if dim is not None and input._data.ndim and input.shape[wrap_dim(dim, input.dim())] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {wrap_dim(dim, input.dim())} to have non-zero size.")
    return aminmax_t(*Aminmax.apply(input, dim, keepdim))


# ---- running extremes -------------------------------------------------------------------------------------

class _RunningExtreme(Primitive):
    """The running maximum (or minimum) along `dim` and the index it came from: a later equal value or a NaN
    takes over, as in torch's kernel. The gradient of each output goes to its index."""

    better = None  # better(xp, candidate, running): where the candidate takes over
    saved_names = ("indices", "self")
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @classmethod
    def forward(cls, ctx, x, *, dim, given_dim=None):
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        xp = ctx.xp
        values = xp.empty_like(x)
        indices = xp.empty(x.shape, dtype=xp.int64)
        run = idx = None
        for i in range(x.shape[dim]):
            here = xp.take(x, i, axis=dim)
            if run is None:
                run, idx = here.copy(), xp.zeros(here.shape, dtype=xp.int64)
            else:
                take = cls.better(xp, here, run)
                run = xp.where(take, here, run)
                idx = xp.where(take, i, idx)
            index = (slice(None),) * dim + (i,)
            values[index], indices[index] = run, idx
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(indices, x)  # x: torch's node keeps it (the gradient reads the indices only)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, gy, gi=None):
        from .creation import zeros
        idx, _ = ctx.saved_tensors
        return zeros(*ctx.shape, dtype=gy.dtype, device=gy.device).scatter_add(ctx.dim, idx, gy)


class Cummax(_RunningExtreme):
    better = staticmethod(lambda xp, x, run: (x >= run) | xp.isnan(x) if x.dtype.kind == "f" else x >= run)


class Cummin(_RunningExtreme):
    better = staticmethod(lambda xp, x, run: (x <= run) | xp.isnan(x) if x.dtype.kind == "f" else x <= run)


def _running(cls, copy, result, input, dim):
    if input._data.ndim == 0 and dim not in (0, -1):
        raise IndexError(f"{cls.__name__.lower()}(): Expected reduction dim -1 or 0 for scalar but got {dim}")
    if input._data.ndim == 0 or input._data.size == 0:  # nothing to run over
        return result(copy.apply(input, given_dim=dim), input.new_zeros(input.shape, dtype=D.int64))
    return result(*cls.apply(input, dim=wrap_dim(dim, input._data.ndim), given_dim=dim))


def cummax(input: Tensor, dim: int):
    """(values, indices): the running maximum along `dim` and where each came from."""
    return _running(Cummax, CummaxCopy, cummax_t, input, dim)


def cummin(input: Tensor, dim: int):
    """(values, indices): the running minimum along `dim` and where each came from."""
    return _running(Cummin, CumminCopy, cummin_t, input, dim)


class Logcumsumexp(Primitive):
    """y_i = log Σ_{j≤i} exp(x_j), accumulated with logaddexp; dx_i = Σ_{j≥i} g_j exp(x_i − y_j), summed in log space
    for the positive and negative parts of g separately (so that nothing overflows)."""

    formula = "grad_self = exp(x + reverse_logcumsumexp(log g⁺ − y)) − exp(x + reverse_logcumsumexp(log g⁻ − y))"
    saved_names = ("self", "result")
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, x, *, dim, given_dim=None):
        from .float_binary import logaddexp_arrays
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        xp = ctx.xp
        out = xp.empty_like(x)
        run = None
        for i in range(x.shape[dim]):
            here = xp.take(x, i, axis=dim)
            run = here.copy() if run is None else logaddexp_arrays(xp, run, here)
            out[(slice(None),) * dim + (i,)] = run
        ctx.dim = dim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        d = ctx.dim

        def reverse_logcumsumexp(t):
            return Logcumsumexp.apply(t.flip(d), dim=d).flip(d)
        lowest = D.finfo(gy.dtype).min  # log 0, as torch writes it: the lowest finite number
        log_abs = gy.abs().log()
        log_positive = log_abs.where(gy > 0, lowest)
        log_negative = log_abs.where(gy < 0, lowest)
        return (reverse_logcumsumexp(log_positive - y) + x).exp() - (reverse_logcumsumexp(log_negative - y) + x).exp()

    @staticmethod
    def jvp(ctx, tx):
        """Forward mode, as torch's: ẏ_i = Σ_{j≤i} e_j ẋ_j / Σ_{j≤i} e_j with e = exp(x − max x) (0 where the
        denominator is below 1e-13)."""
        x, _ = ctx.saved_tensors
        d = ctx.dim
        e = (x - x.amax(d, keepdim=True)).exp()
        total = e.cumsum(d)
        return (e * tx).cumsum(d).masked_fill(total < 1e-13, 0.0) / total


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input))) along `dim`, without overflow."""
    d = wrap_dim(dim, input._data.ndim)
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{input._dtype.word}'")
    if input._data.ndim == 0 or input._data.size == 0:
        return LogcumsumexpCopy.apply(input, given_dim=dim)
    return Logcumsumexp.apply(input, dim=d, given_dim=dim)


# ---- quantiles -----------------------------------------------------------------------------------------------

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    """torch's quantile: sort the reduced values last, turn q into fractional ranks, and interpolate between the
    values either side of each rank; a NaN makes the quantile NaN (or, ignoring NaN, ranks count the others)."""
    from ._helpers import scalar_tensor
    name = "nanquantile" if ignore_nan else "quantile"
    if not isinstance(interpolation, str):
        raise TypeError(f"{name}(): argument 'interpolation' must be str, not {type(interpolation).__name__}")
    if interpolation not in INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but got "
                           f"{interpolation}")
    if not isinstance(q, (Tensor, float, int)) or isinstance(q, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(q).__module__ + '.' if type(q).__module__ != 'builtins' else ''}{type(q).__name__})")
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        q = scalar_tensor(q, input._dtype, input._device)
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if q.dim() > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if q.dtype is not input.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if not bool(((q >= 0) & (q <= 1)).all()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    wrapped = wrap_dim(0 if dim is None else dim, input.dim())
    if dim is not None and input.dim() > 0:
        out_shape = list(input.shape)
        if keepdim:
            out_shape[wrapped] = 1
        else:
            del out_shape[wrapped]
    else:
        out_shape = [1] * input.dim() if keepdim else []
    if dim is None:
        reduced = input.flatten()
    elif wrapped == input.dim() - 1:
        reduced = input
    else:
        reduced = input.unsqueeze(-1).transpose(wrapped, -1)
    ordered = reduced.sort().values
    ordered = ordered.reshape(tuple(out_shape) + (ordered.shape[-1],))
    if ignore_nan:
        ranks = q * ((~ordered.isnan()).sum(-1, keepdim=True) - 1)
        ranks = ranks.masked_fill(ranks < 0, 0)
    else:
        from .shape import broadcast_tensors
        last = ordered.shape[-1] - 1
        scaled, has_nan = broadcast_tensors(q * last, ordered.isnan().any(-1, True))
        ranks = scaled.masked_fill(has_nan, last)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below = ranks.long()
    values = ordered.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        values = values.lerp(ordered.gather(-1, ranks.ceil().long()), weights)
    if q.dim() > 0:  # the quantiles move to the front
        values = values.unsqueeze(0).transpose(0, -1)
    return SqueezeDimInPlace.apply(values, shape=values._data.shape[:-1], must_view=True, dim=-1)


@batched.as_one_op
def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles of all elements or along `dim` (q a number or a 1-D tensor of them in [0, 1])."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


@batched.as_one_op
def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """quantile ignoring NaN values (NaN where a slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)
