"""Numerical calculus and statistics of samples: diff, gradient, trapezoid, cumulative_trapezoid, cov, corrcoef,
dist, renorm; and counting into bins: histc, histogram, bucketize, searchsorted.

The differentiable ones are written as torch's composites write them (so their graphs end in torch's nodes);
dist and renorm are single nodes with their definitions fused."""
from __future__ import annotations

import builtins
import math
import numbers
import warnings

import numpy as np

from .. import dtypes as D
from ..autograd import batched
from ..tensor import Tensor
from ..autograd.saved_values import attribute, torch_int
from ._helpers import cast, check_number, common_device, host_values, is_tensor, wrap_dim
from ..autograd.function import Primitive
from .creation import _linspace_values
from .fused import Fused
from .reduction import _return_type

histogram_t = _return_type("histogram", ["hist", "bin_edges"])


# ---- differences ----------------------------------------------------------------------------------------

def _difference(x: Tensor, dim: int) -> Tensor:
    length = x.shape[dim] - 1
    later, earlier = x.narrow(dim, 1, length), x.narrow(dim, 0, length)
    return later.logical_xor(earlier) if x.dtype is D.bool_ else later - earlier


@batched.as_one_op
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along `dim`, after joining prepend, input and append."""
    from .shape import cat
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if n == 0 and input.numel() == 0 and prepend is None and append is None:  # torch reads no dim here
        return _copy(input)
    d = wrap_dim(dim, input.dim())
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is not None and extra.dim() != input.dim():
            raise RuntimeError(f"diff expects {name} or append to be the same dimension as input".replace(
                f"{name} or append", "prepend or append"))
    if n == 0:  # torch gives a copy of input itself, prepend and append left out
        return _copy(input)
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    for _ in range(n):
        if input.shape[d] == 0:
            break
        input = _difference(input, d)
    return input


def _copy(input: Tensor) -> Tensor:
    """A copy through copy_ into a new tensor, as torch makes diff's of order 0 (a CopyBackwards node)."""
    from .creation import empty_like
    return empty_like(input).copy_(input)


def _slice(x: Tensor, dim: int, start: int, stop: int | None = None) -> Tensor:
    size = x.shape[dim]
    start = min(max(start + size if start < 0 else start, 0), size)
    stop = size if stop is None else min(max(stop + size if stop < 0 else stop, 0), size)
    return x.narrow(dim, start, max(stop - start, 0))


def _gradient_uniform(x: Tensor, h, dim: int, edge_order: int) -> Tensor:
    """Central differences (x[i+1] − x[i−1]) / 2h inside, one-sided differences of order `edge_order` at the ends."""
    from .shape import cat
    center = (_slice(x, dim, 2) - _slice(x, dim, 0, -2)) / h
    if edge_order == 1:
        first = (_slice(x, dim, 1, 2) - _slice(x, dim, 0, 1)) / h
        last = (_slice(x, dim, -1) - _slice(x, dim, -2, -1)) / h
    else:
        first = (_slice(x, dim, 0, 1) * -1.5 + _slice(x, dim, 1, 2) * 2 - _slice(x, dim, 2, 3) * 0.5) / h
        last = (_slice(x, dim, -3, -2) * 0.5 + _slice(x, dim, -2, -1) * -2 + _slice(x, dim, -1) * 1.5) / h
    return cat([first, center / 2, last], dim)


def _gradient_coordinates(x: Tensor, coordinates: Tensor, dim: int, edge_order: int) -> Tensor:
    """Second-order accurate differences on uneven coordinates (weights from the neighbouring spacings)."""
    from .shape import cat
    shape = [1] * x.dim()
    shape[dim] = -1
    dx = coordinates.diff(1, 0)
    dx1, dx2 = _slice(dx, 0, 0, -1), _slice(dx, 0, 1)
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _slice(x, dim, 0, -2) + b * _slice(x, dim, 1, -1) + c * _slice(x, dim, 2)
    if edge_order == 1:
        first = (_slice(x, dim, 1, 2) - _slice(x, dim, 0, 1)) / dx[0]
        last = (_slice(x, dim, -1) - _slice(x, dim, -2, -1)) / dx[-1]
    else:
        a = -(2.0 * dx[0] + dx[1]) / (dx[0] * (dx[0] + dx[1]))
        b = (dx[0] + dx[1]) / (dx[0] * dx[1])
        c = -dx[0] / (dx[1] * (dx[0] + dx[1]))
        first = a * _slice(x, dim, 0, 1) + b * _slice(x, dim, 1, 2) + c * _slice(x, dim, 2, 3)
        a = dx[-1] / (dx[-2] * (dx[-1] + dx[-2]))
        b = -(dx[-1] + dx[-2]) / (dx[-1] * dx[-2])
        c = (2 * dx[-1] + dx[-2]) / (dx[-1] * (dx[-1] + dx[-2]))
        last = a * _slice(x, dim, -3, -2) + b * _slice(x, dim, -2, -1) + c * _slice(x, dim, -1)
    return cat([first, center, last], dim)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """The derivative estimated along each of `dim` (all dims by default): one tensor per dim. `spacing` is a
    number, one number per dim, or one coordinate tensor per dim."""
    if is_tensor(spacing):
        raise TypeError("gradient() received an invalid combination of arguments - got (Tensor, spacing=Tensor, ...), "
                        "but expected spacing as a number or a sequence of numbers or tensors")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if spacing is None:
        spacing = 1
    elif not isinstance(spacing, (list, tuple)):
        check_number("gradient", "spacing", spacing)
    dims = list(range(input.dim())) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [wrap_dim(d, input.dim()) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError("dim " + str(dims[0]) + " appears multiple times in the list of dims")
    spacings = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(spacings) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length {len(spacings)} "
                           f"and a dim argument of length {len(dims)}.")
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    if not input.dtype.is_floating_point and not any(is_tensor(s) for s in spacings):
        input = input.to(D.get_default_dtype())
    out = []
    for d, h in zip(dims, spacings):
        if is_tensor(h):
            if h.dim() != 1 or h.shape[0] != input.shape[d]:
                raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and of the same "
                                   f"length as the input along its dimension, but got a coordinate of shape "
                                   f"{list(h.shape)} for dimension {d} of size {input.shape[d]}")
            out.append(_gradient_coordinates(input, h, d, edge_order))
        else:
            out.append(_gradient_uniform(input, h, d, edge_order))
    return tuple(out)


# ---- integration ----------------------------------------------------------------------------------------

def _zeros_without(y: Tensor, dim: int) -> Tensor:
    shape = list(y.shape)
    del shape[dim]
    return y.new_zeros(tuple(shape))


def _spacing(y: Tensor, x, dim: int):
    """dx along `dim`: the differences of x (viewed to broadcast against y), or a number."""
    if not is_tensor(x):
        return x
    if x.dim() == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[dim] = x.shape[0]
        x = x.view(shape)
    elif x.dim() < y.dim():
        x = x.view((1,) * (y.dim() - x.dim()) + tuple(x.shape))
    return _slice(x, dim, 1) - _slice(x, dim, 0, -1)


_NO_X = object()  # x not given (torch refuses an explicit None)


class _UnitSpacing(float):
    """dx's default, 1: told apart from a dx of 1 given with x (torch refuses both)."""


UNIT_SPACING = _UnitSpacing(1)


def _integrand_arguments(name: str, y: Tensor, x, dx, dim: int):
    if x is None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, NoneType), but "
                        "expected one of: (Tensor y, Tensor x, *, int dim = -1), (Tensor y, *, Number dx = 1, "
                        "int dim = -1)")
    x = None if x is _NO_X else x
    if x is not None and dx is not UNIT_SPACING:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both x and dx")
    if x is not None and not is_tensor(x):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(x).__name__}), but expected one of: (Tensor y, Tensor x, *, int dim = -1), "
                        f"(Tensor y, *, Number dx = 1, int dim = -1)")
    check_number(name, "dx", dx)
    if y.dtype is D.bool_ or (is_tensor(x) and x.dtype is D.bool_):
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not supported")
    return wrap_dim(dim, y.dim()), float(dx) if x is None else x


def trapezoid(y: Tensor, x=_NO_X, *, dx=UNIT_SPACING, dim: int = -1) -> Tensor:
    """∫ y along `dim` by the trapezoidal rule, at sample points x (or spaced dx apart)."""
    return _trapezoid("trapezoid", y, x, dx, dim)


def _trapezoid(name: str, y: Tensor, x, dx, dim: int) -> Tensor:
    d, x = _integrand_arguments(name, y, x, dx, dim)
    if y.shape[d] == 0:
        return _zeros_without(y, d)
    step = _spacing(y, x, d)
    from .pointwise import div_by_number, mul_by_number
    if is_tensor(step):
        return div_by_number((step * (_slice(y, d, 1) + _slice(y, d, 0, -1))).sum(d), 2.0)
    return mul_by_number(y.sum(d) - mul_by_number(y.select(d, 0) + y.select(d, -1), 0.5), step)


def trapz(y: Tensor, x=_NO_X, *, dx=UNIT_SPACING, dim: int = -1) -> Tensor:
    """The old name of trapezoid."""
    return _trapezoid("trapz", y, x, dx, dim)


def cumulative_trapezoid(y: Tensor, x=_NO_X, *, dx=UNIT_SPACING, dim: int = -1) -> Tensor:
    """The running trapezoidal integral along `dim` (one element shorter than y)."""
    d, x = _integrand_arguments("cumulative_trapezoid", y, x, dx, dim)
    step = _spacing(y, x, d)
    pairs = _slice(y, d, 0, -1) + _slice(y, d, 1)
    from .pointwise import div_by_number, mul_by_number
    if is_tensor(step):  # cumsum over the dim as given, as torch's call passes it on
        return div_by_number((step * pairs).cumsum(dim), 2.0)
    return mul_by_number(pairs, step / 2.0).cumsum(dim)


# ---- covariance and correlation ----------------------------------------------------------------------------

def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None, aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the rows (variables) over the columns (observations), with frequency and
    importance weights and `correction` degrees of freedom."""
    from ._helpers import scalar_tensor
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with {input.dim()} "
                           "dimensions")
    if input.dtype is D.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input.dim() < 2 else input
    n = x.shape[1]
    w = None
    for name, weights, kind in (("fweights", fweights, "integral"), ("aweights", aweights, "floating point")):
        if weights is None:
            continue
        if weights.dim() > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{weights.dim()} dimensions")
        ok = weights.dtype.is_floating_point if kind == "floating point" else \
            not weights.dtype.is_floating_point and weights.dtype is not D.bool_
        if not ok:
            raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with "
                               f"{weights.dtype.word} dtype")
        if weights.numel() != n:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                               f"but got {weights.numel()} != {n}")
        if n and bool((weights.min() < 0)):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = weights if w is None else w * weights
    w_sum = w.sum() if w is not None else scalar_tensor(n, D.int64, input._device)
    if w is not None and not bool(w_sum != 0):
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if bool(norm_factor <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", stacklevel=2)
        norm_factor = norm_factor.new_zeros(())  # +0, not the -0 that a negative factor times 0 gives
    centred = x - avg.unsqueeze(1)
    c = centred.mm((centred * w if w is not None else centred).t())
    return c.true_divide(norm_factor).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation coefficients of the rows, clipped to [−1, 1]."""
    if input.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    return c.clip(-1, 1)


# ---- distance and renormalisation ------------------------------------------------------------------------------

class Dist(Primitive):
    """‖a − b‖_p over all elements; the gradient of the norm, 0 where the difference is 0 (as torch masks it)."""

    formula = "grad_self = norm_backward(grad, self − other, p, result), grad_other = −grad_self"
    saved_names = ("self", "other", "result")
    saved_values = {"p": attribute("given_p")}

    @staticmethod
    def forward(ctx, a, b, *, p, given_p=None):
        ctx.given_p = p if given_p is None else given_p  # as the call gave it (torch's node keeps the Scalar)
        xp = ctx.xp
        diff = xp.abs(a - b).reshape(-1).astype(xp.float64)  # a large p would overflow powers in float32
        if diff.size == 0:  # no elements: 0 for every p, as torch
            y = 0.0
        elif diff.size == 1 and p != 0:  # one element's norm is its |x| for every p but 0 (a NaN p too), as torch's
            y = diff[0]
        elif p == math.inf:
            y = diff.max()
        elif p == -math.inf:
            y = diff.min()
        elif p == 0:
            y = (diff != 0).sum()
        else:
            y = (diff ** p).sum() ** (1.0 / p)
        y = xp.asarray(y, dtype=a.dtype)
        ctx.p = p
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def _gradient(ctx, gy):
        """gy · d‖x‖_p / dx at x = a − b, in minitorch ops (so a second derivative exists), grouped as torch's
        norm_backward groups it: where the norm is 0 the mask sits on the same factor, so a second derivative
        there is torch's (0, or NaN)."""
        a, b, y = ctx.saved_tensors
        p, x = ctx.p, a - b
        if p == 0:
            return x * 0
        if p == 1:
            return x.sign() * gy
        if math.isinf(p):
            hit = (x.abs() == y).to(x.dtype)
            return x.sign() * hit / hit.sum() * gy
        if p == 2:
            return gy * (x / y).masked_fill(y == 0, 0.0)
        if p < 1:
            return (x.sign() * x.abs().pow(p - 1)).masked_fill(x == 0, 0.0) * gy * y.pow(1 - p)
        scaled = x.sign() * x.abs().pow(p - 1) if p < 2 else x * x.abs().pow(p - 2)
        return scaled * (gy / y.pow(p - 1)).masked_fill(y == 0, 0.0)

    @staticmethod
    def backward(ctx, gy):
        g = Dist._gradient(ctx, gy)
        return g, -g

    @staticmethod
    def jvp(ctx, ta, tb):
        a, _, _ = ctx.saved_tensors
        return (Dist._gradient(ctx, a.new_ones(())) * (ta - tb)).sum()


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """‖input − other‖_p over all elements (after broadcasting and type promotion)."""
    from .shape import broadcast_shapes
    dt = D.result_type(input, other)
    if not dt.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{dt.word}")
    device = common_device(input, other)
    broadcast_shapes(input.shape, other.shape)  # torch's error where they do not broadcast
    a, b = cast(input, dt, device), cast(other, dt, device)  # the node shows (and keeps) the operands as given
    given = check_number("dist", "p", p)
    p = float(given)
    if math.prod(broadcast_shapes(a.shape, b.shape)) == 0 and (p < 0 or math.isinf(p)):
        order = f"{'' if p > 0 else '-'}inf" if math.isinf(p) else f"{p:g}"
        raise RuntimeError(f"linalg.vector_norm cannot compute the {order} norm on an empty tensor because the "
                           "operation does not have an identity")
    return Dist.apply(a, b, p=p, given_p=given)


def _renorm(input, p, dim, maxnorm):
    """input scaled by maxnorm / (‖slice‖_p + 1e-7) where a slice's norm exceeds maxnorm."""
    dim = wrap_dim(dim, input.dim())
    others = tuple(i for i in range(input.dim()) if i != dim)
    norms = input.norm(p, others, keepdim=True)
    return input * (maxnorm / (norms + 1e-7)).where(norms > maxnorm, 1.0)


class Renorm(Fused):
    node_name = "RenormBackward0"
    definition = staticmethod(_renorm)
    saved_names = ("self",)
    saved_values = {"p": lambda node: node.args[1], "dim": lambda node: torch_int(node.args[2]),
                    "maxnorm": lambda node: node.args[3]}


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along `dim` whose p-norm exceeds maxnorm scaled down to norm maxnorm."""
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if not maxnorm >= 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"renorm_cpu\" not implemented for '{input.dtype.word}'")
    wrap_dim(dim, input.dim())  # torch's error for a bad dim, before the node
    return Renorm.apply(input, p, dim, maxnorm)


# ---- counting into bins ---------------------------------------------------------------------------------------------

def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """Counts of input in `bins` equal bins over [min, max] (the data's range when min == max); values outside
    are not counted, and max itself falls in the last bin."""
    lo, hi = float(check_number("histc", "min", min)), float(check_number("histc", "max", max))
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype.word}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for bins")
    values = host_values(input).reshape(-1)
    if lo == hi and values.size:
        lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    edges = _linspace_values(lo, hi, bins + 1, values.dtype)
    counts = _bin_counts(values, edges, None, interpolate=True)
    return Tensor._wrap(counts.astype(values.dtype)).to(input.device)


def _bin_counts(values, edges, weights, interpolate: bool = False):
    """Counts (or weight sums) per bin [e_i, e_{i+1}), the last bin closed; values outside are dropped. With
    `interpolate` (histc's equal bins) a value's bin is ⌊(v − e₀) · bins / (e_last − e₀)⌋ in its dtype, as
    torch's kernel takes it, without looking at the edges in between."""
    keep = (values >= edges[0]) & (values <= edges[-1])
    if interpolate:
        t = values.dtype.type
        with np.errstate(all="ignore"):
            index = ((values[keep] - edges[0]) * t(len(edges) - 1) / (edges[-1] - edges[0])).astype(np.int64)
    else:
        index = np.searchsorted(edges, values[keep], side="right") - 1
    index = np.minimum(index, len(edges) - 2)
    return np.bincount(index, weights=None if weights is None else weights[keep], minlength=len(edges) - 1)


def _uniform_edges(values, bins: int, lo_hi, dim: int):
    """bins + 1 equal-width edges over lo_hi (the values' range by default; a point range widened by ½ each way)."""
    if bins <= 0:
        raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {bins} for dimension {dim}")
    lo, hi = (float(lo_hi[0]), float(lo_hi[1])) if lo_hi is not None else \
        ((float(values.min()), float(values.max())) if values.size else (0.0, 1.0))
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd(): min should not exceed max, but got min {lo} max {hi} for "
                           f"dimension {dim}")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return _linspace_values(lo, hi, bins + 1, values.dtype)  # torch's linspace kernel, in the values' dtype


def _check_bins_dtype(input: Tensor, bins: Tensor, dim: int) -> None:
    """torch's histograms take bin edges in the input's dtype only (its message names the histogramdd it runs)."""
    if bins.dtype is not input.dtype:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                           f"input with dtype {input.dtype.c_name} and bins for dimension {dim} with dtype "
                           f"{bins.dtype.c_name}")


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False):
    """(hist, bin_edges): counts in `bins` equal bins over `range` (the data's by default), or over the edges
    given as a tensor; with `weight`, weight sums; with `density`, a density integrating to one."""
    count = isinstance(bins, numbers.Integral) and not isinstance(bins, bool)
    bounds = range is None or isinstance(range, (list, tuple)) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in range)
    if not (is_tensor(bins) or count) or not bounds:
        given = ", ".join([type(input).__name__, type(bins).__name__] +
                          ([] if range is None else [f"range={type(range).__name__}"]))
        raise TypeError(f"histogram() received an invalid combination of arguments - got ({given}), but expected one "
                        "of: (Tensor input, Tensor bins, *, Tensor weight, bool density), (Tensor input, int bins, *, "
                        "tuple of floats range, Tensor weight, bool density)")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype.word}'")
    values = host_values(input).reshape(-1)
    if is_tensor(bins):
        _check_bins_dtype(input, bins, 0)
        if bins.dim() != 1:
            raise RuntimeError(f"torch.histogram(): bins tensor should have one dimension, but got {bins.dim()} "
                               "dimensions in the bins tensor")
        edges = host_values(bins).astype(values.dtype)
    else:
        edges = _uniform_edges(values, bins, range, 0)
    if weight is not None:
        _check_histogram_weight(input, (input.numel(), 1), weight, (weight.numel(),))
    w = None if weight is None else host_values(weight).reshape(-1).astype(np.float64)
    hist = _bin_counts(values, edges, w)
    if density:
        hist = hist / (np.diff(edges.astype(np.float64)) * hist.sum())
    return histogram_t(Tensor._wrap(hist.astype(values.dtype)).to(input.device), Tensor._wrap(edges).to(input.device))


histogramdd_t = _return_type("histogramdd", ["hist", "bin_edges"])


def _check_histogram_weight(input: Tensor, points_shape: tuple, weight: Tensor, weight_shape: tuple):
    """histogramdd's weight checks: input's dtype, and one weight per point (points_shape less its last dim)."""
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should "
                           f"have the same dtype, but got input({input.dtype.c_name}), and "
                           f"weight({weight.dtype.c_name})")
    if (tuple(weight_shape) or (1,)) != tuple(points_shape[:-1]):  # a 0-d weight counts as one of shape (1,)
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"{list(points_shape)} and weight with shape {list(weight_shape)}")


def _histogramdd_arguments(input, bins, range, weight, density) -> None:
    """torch's overloads: bins an int, a list of ints or a list of tensors; range a list of floats; density a bool."""
    def integer(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)
    sequence = isinstance(bins, (list, tuple))
    good = (is_tensor(input) and (integer(bins) or sequence and (all(integer(b) for b in bins) or
                                                                  all(is_tensor(b) for b in bins)))
            and (range is None or isinstance(range, (list, tuple)) and all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) for v in range))
            and (weight is None or is_tensor(weight)) and isinstance(density, bool))
    if not good:
        given = [type(input).__name__] + [f"{k}={type(v).__name__}" for k, v in
                                          (("range", range), ("bins", bins), ("weight", weight), ("density", density))]
        raise TypeError(f"histogramdd() received an invalid combination of arguments - got ({', '.join(given)}), but "
                        "expected one of: (Tensor input, int bins, *, tuple of floats range, Tensor weight, bool "
                        "density), (Tensor input, tuple of ints bins, ...), (Tensor input, tuple of Tensors bins, ...)")


def histogramdd(input: Tensor, bins=10, range=None, weight: Tensor | None = None, density: bool = False):
    """(hist, bin_edges): counts of the points input[..., :] (D coordinates each) in a grid of bins, one count per
    cell; bins is a count for every dim, a count per dim, or each dim's edges; a tuple of D edge tensors."""
    _histogramdd_arguments(input, bins, range, weight, density)
    tensor_bins = isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor)
    overload = ".int_bins" if isinstance(bins, int) else ".TensorList_bins" if tensor_bins else ""
    batched.refuse_without_rule(f"aten::histogramdd{overload}", input, weight)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{input.dtype.word}'")
    if input.dim() < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    dims = input.shape[-1]
    points = host_values(input).reshape(math.prod(input.shape[:-1]), dims)
    if weight is not None:
        _check_histogram_weight(input, tuple(input.shape), weight, tuple(weight.shape))
    per_dim = list(bins) if isinstance(bins, (list, tuple)) else [bins] * dims
    if len(per_dim) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * dims:
        raise RuntimeError(f"torch.histogramdd: for a {dims}-dimensional histogram range should have {2 * dims} "
                           f"elements, but got {len(range)}")
    for d, b in enumerate(per_dim):
        if is_tensor(b):
            _check_bins_dtype(input, b, d)
        if is_tensor(b) and b.dim() != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got {b.dim()} "
                               f"dimensions in the bins tensor for dimension {d}")
    edges = [host_values(b).astype(points.dtype) if is_tensor(b) else
             _uniform_edges(points[:, d], b, None if range is None else range[2 * d:2 * d + 2], d)
             for d, b in enumerate(per_dim)]
    keep = np.ones(len(points), dtype=bool)
    cell = np.zeros(len(points), dtype=np.int64)
    for d, e in enumerate(edges):  # each coordinate's bin, [e_i, e_{i+1}) with the last bin closed
        keep &= (points[:, d] >= e[0]) & (points[:, d] <= e[-1])
        index = np.minimum(np.searchsorted(e, points[:, d], side="right") - 1, len(e) - 2)
        cell = cell * (len(e) - 1) + np.clip(index, 0, None)
    shape = tuple(len(e) - 1 for e in edges)
    w = None if weight is None else host_values(weight).reshape(-1).astype(np.float64)[keep]
    hist = np.bincount(cell[keep], weights=w, minlength=int(np.prod(shape))).reshape(shape).astype(np.float64)
    if not dims:  # no coordinates: torch counts nothing
        hist = np.zeros(())
    if density:
        volume = np.ones(shape)
        for d, e in enumerate(edges):
            volume = volume * np.diff(e.astype(np.float64)).reshape([-1 if k == d else 1 for k in builtins.range(dims)])
        hist = hist / (volume * hist.sum())
    device = input.device
    return histogramdd_t(Tensor._wrap(hist.astype(points.dtype)).to(device),
                         tuple(Tensor._wrap(e).to(device) for e in edges))


def _search(boundaries, values, right: bool, out_int32: bool, sorter=None):
    """Insertion points of `values` in the sorted last dim of `boundaries` (one row per row of values)."""
    side = "right" if right else "left"
    if boundaries.ndim == 1:
        s = boundaries if sorter is None else boundaries[sorter]
        out = np.searchsorted(s, values, side=side)
    else:
        rows_b = boundaries.reshape(-1, boundaries.shape[-1])
        rows_v = values.reshape(rows_b.shape[0], values.shape[-1])
        order = None if sorter is None else sorter.reshape(-1, boundaries.shape[-1])
        out = np.zeros(rows_v.shape, np.int64)
        for i, (b, v) in enumerate(zip(rows_b, rows_v)):
            out[i] = np.searchsorted(b if order is None else b[order[i]], v, side=side)
        out = out.reshape(values.shape)
    return out.astype(np.int32 if out_int32 else np.int64)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each value would go in `sorted_sequence` (its last dim, row by row) to keep it sorted."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not is_tensor(input)
    if scalar and not isinstance(input, numbers.Number):
        raise TypeError(f"searchsorted(): argument 'input' (position 2) must be Tensor, not {type(input).__name__}")
    boundaries = host_values(sorted_sequence)
    values = np.asarray(input) if scalar else host_values(input)
    if sorted_sequence.dim() == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if sorted_sequence.dim() > 1 and (scalar or values.ndim != boundaries.ndim or
                                     values.shape[:-1] != boundaries.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(boundaries.shape)} and input value tensor {list(values.shape)}")
    order = None
    if sorter is not None:
        if sorter.dtype is not D.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{sorter.dtype.word}")
        if tuple(sorter.shape) != tuple(sorted_sequence.shape):
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(boundaries.shape)}and got sorter tensor {list(sorter.shape)}")
        order = host_values(sorter)
    out = _search(boundaries, values, right, out_int32, order)
    device = sorted_sequence.device
    return Tensor._wrap(np.asarray(out)).to(device)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among the 1-d `boundaries`: i with boundaries[i−1] < x ≤ boundaries[i] (with
    `right`, boundaries[i−1] ≤ x < boundaries[i])."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
