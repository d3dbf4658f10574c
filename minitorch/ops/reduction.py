"""Reductions over `dim` (an int, a tuple, or everything), with `keepdim` and `dtype`."""
from __future__ import annotations

import builtins
import functools
import math
import warnings
from collections import namedtuple

import numpy as np

from .. import dtypes as D
from ..autograd.forward_ad import LINEAR
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, sizes, torch_int, torch_ints
from ..tensor import Tensor
from ._helpers import (NOT_GIVEN, c_type_name, check_dim_types, check_number, computed_from, dims as _dims, is_tensor,
                       refuse_none, type_word, wrap_dim, zeros_like_grad)
from .convert import Clone
from .fused import Fused
from .inplace import apply_inplace


def _return_type(name, fields):
    """A named tuple printed like torch's `torch.return_types.max(values=..., indices=...)`."""
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"
    return type(name, (base,), {"__repr__": __repr__, "__slots__": ()})


max_t = _return_type("max", ["values", "indices"])
min_t = _return_type("min", ["values", "indices"])
median_t = _return_type("median", ["values", "indices"])
mode_t = _return_type("mode", ["values", "indices"])
sort_t = _return_type("sort", ["values", "indices"])
topk_t = _return_type("topk", ["values", "indices"])
kthvalue_t = _return_type("kthvalue", ["values", "indices"])


def keepdim_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def expand_back(gy: Tensor, shape, axes, keepdim: bool) -> Tensor:
    """Broadcast a reduction's gradient back over the reduced axes (one helper for all)."""
    if not keepdim:
        gy = gy.reshape(keepdim_shape(shape, axes))
    return gy.expand(shape)


def _expand_back_array(xp, gy, shape, axes, keepdim):
    """expand_back on backend arrays: a read-only broadcast view of the reduced gradient."""
    if not keepdim:
        gy = gy.reshape(keepdim_shape(shape, axes))
    return xp.broadcast_to(gy, shape)


def _acc_dtype(a, xp):
    return xp.float32 if a.dtype == xp.float16 else None


def _given_dims(node) -> tuple:
    """The dims the call named (as torch saves them), else the normalised axes."""
    dim = getattr(node, "dim", None)
    dims = node.axes if dim is None else (dim,) if isinstance(dim, int) else dim
    return torch_ints(dims)


class Sum(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = grad expanded back over the summed dims"
    saved_values = {"self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, x, *, axes, keepdim, dtype, dim=None):
        ctx.shape, ctx.axes, ctx.keepdim, ctx.dim = x.shape, axes, keepdim, dim
        acc = _acc_dtype(x, ctx.xp) if dtype is None or dtype.np == x.dtype else None
        y = ctx.backend.reduce("sum", x, axes, keepdim, acc or (None if dtype is None else dtype.np))
        return y.astype(x.dtype if dtype is None else dtype.np, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)

    @staticmethod
    def backward_arrays(ctx, gy):
        return _expand_back_array(ctx.xp, gy, ctx.shape, ctx.axes, ctx.keepdim)


def _sum_dtype(input, dtype):
    if dtype is not None:
        return dtype
    return D.int64 if not input._dtype.is_floating_point else None


class SumDim(Sum):
    node_name = "SumBackward1"          # sum over given dims (SumBackward0 is the sum of everything)
    saved_values = {"dim": _given_dims, "keepdim": attribute("keepdim"), "self_sym_sizes": sizes("shape")}


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over `dim`; integer and bool inputs sum to int64 as in torch."""
    axes = _dims(dim, input._data.ndim)
    if dim is None:
        return Sum.apply(input, axes=axes, keepdim=keepdim, dtype=_sum_dtype(input, dtype))
    return SumDim.apply(input, axes=axes, keepdim=keepdim, dtype=_sum_dtype(input, dtype), dim=dim)


class Mean(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = grad / n, expanded back over the n averaged elements"
    saved_values = {"self_sym_numel": lambda node: math.prod(node.shape), "self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, x, *, axes, keepdim, dim=None):
        ctx.shape, ctx.axes, ctx.keepdim, ctx.dim = x.shape, axes, keepdim, dim
        ctx.count = math.prod(x.shape[a] for a in axes)
        total = ctx.backend.reduce("sum", x, axes, keepdim, _acc_dtype(x, ctx.xp))
        return (total / ctx.count).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim) / ctx.count

    @staticmethod
    def backward_arrays(ctx, gy):
        return _expand_back_array(ctx.xp, gy / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


def _needs_float(input, name, dtype):
    dt = dtype or input._dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {type_word(dt)}")
    return input if dtype is None else input.to(dtype)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The arithmetic mean over all elements or over `dim`."""
    check_dim_types(dim)  # the parser's check, then the kernel's dtype check, then the dims' range
    input = _needs_float(input, "mean", dtype)
    if dim is None:
        return Mean.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim)
    return MeanDim.apply(input, axes=_dims(dim, input._data.ndim), keepdim=keepdim, dim=dim)


class MeanDim(Mean):
    node_name = "MeanBackward1"         # mean over given dims
    saved_values = {"dim": _given_dims, "keepdim": attribute("keepdim"), **Mean.saved_values}


def _nansum(input, dim, keepdim, dtype):
    from .pointwise import isnan, where
    return sum(where(isnan(input), 0, input), dim, keepdim, dtype=dtype)


class Nansum(Fused):
    node_name = "NansumBackward0"
    definition = staticmethod(_nansum)
    saved_names = ("self",)
    saved_values = {"dim": lambda node: None if node.args[1] is None else torch_ints(_given_dims(node.args[1])),
                    "keepdim": lambda node: node.args[2]}


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The sum with NaNs counted as zero."""
    return Nansum.apply(input, dim, keepdim, dtype)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean over `dim` of the elements that are not NaN."""
    from .pointwise import isnan
    if not (input._dtype.is_floating_point or dtype is not None and D.as_dtype(dtype).is_floating_point):
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input._dtype.word}")
    keep = ~isnan(input)
    return nansum(input, dim, keepdim, dtype=dtype) / sum(keep, dim, keepdim)


class Prod(Primitive):
    saved_names = ("self", "result")

    @staticmethod
    def forward(ctx, x, *, axis, keepdim, dtype, given_dim=None):
        ctx.axis, ctx.keepdim, ctx.given_dim = axis, keepdim, given_dim
        out = x.prod(axis=axis, keepdims=keepdim, dtype=None if dtype is None else dtype.np)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, _ = ctx.saved_tensors
        if x.dim() == 0:  # the product of one number (over all dims, or over dim 0 of a 0-d tensor)
            return gy * 1.0
        if ctx.axis is None:
            others = _product_of_others(x.reshape(-1), 0).reshape(x.shape)
            return gy * others
        g = gy if ctx.keepdim else gy.unsqueeze(ctx.axis)
        return g * _product_of_others(x, ctx.axis)


def _product_of_others(x: Tensor, axis: int) -> Tensor:
    """For each element, the product of the other elements along `axis` (zeros handled)."""
    from .creation import ones
    n = x.shape[axis]
    if n == 0:
        return x * 0
    one = ones(*keepdim_shape(x.shape, (axis,)), dtype=x.dtype, device=x.device)
    before = x.narrow(axis, 0, n - 1) if n > 1 else None
    left = one if before is None else cat_([one, before.cumprod(axis)], axis)
    after = x.narrow(axis, 1, n - 1).flip(axis) if n > 1 else None
    right = one if after is None else cat_([one, after.cumprod(axis)], axis).flip(axis)
    return left * right


def cat_(tensors, dim):
    from .shape import cat
    return cat(tensors, dim)


def prod(input: Tensor, dim=NOT_GIVEN, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over all elements or over one `dim`."""
    if dim is None:
        raise TypeError("prod(): argument 'dim' must be int, not NoneType")
    dim = None if dim is NOT_GIVEN else dim
    dtype = _sum_dtype(input, dtype)
    axis = None if dim is None else wrap_dim(dim, input._data.ndim)
    return (Prod if dim is None else ProdDim).apply(input, axis=axis, keepdim=keepdim, dtype=dtype, given_dim=dim)


class ProdDim(Prod):
    node_name = "ProdBackward1"         # product over one dim
    saved_values = {"dim": attribute("given_dim", torch_int), "keepdim": attribute("keepdim")}


# ---- extremes -------------------------------------------------------------------------

class _Extreme(Primitive):
    """amax/amin over axes; the gradient is shared evenly between tied extremes."""

    saved_names = ("self", "result")

    @classmethod
    def forward(cls, ctx, x, *, axes, keepdim, given_dims=()):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.given_dims = given_dims  # the dims as the call gave them (torch saves those)
        y = cls.pick(ctx.backend, x, axes, keepdim)
        ctx.save_for_backward(x, y)
        return y

    @classmethod
    def pick(cls, backend, x, axes, keepdim):
        return backend.reduce("max" if cls.largest else "min", x, axes, keepdim)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        yk = expand_back(y, ctx.shape, ctx.axes, ctx.keepdim)
        mask = (x == yk) | (x.isnan() & yk.isnan())
        count = sum(mask, ctx.axes, keepdim=True)
        return expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim) * mask / count


class Amax(_Extreme):
    largest = True
    node_name = "AmaxBackward0"
    saved_values = {"dim": attribute("given_dims", torch_ints), "keepdim": attribute("keepdim")}


class Amin(_Extreme):
    largest = False
    node_name = "AminBackward0"
    saved_values = Amax.saved_values


class MaxAll(Amax):
    node_name = "MaxBackward1"
    saved_values = {}


class MinAll(Amin):
    node_name = "MinBackward1"
    saved_values = {}


def _empty_check(input, name, dim_given):
    if input._data.size == 0:
        if not dim_given:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    axes = _dims(dim, input._data.ndim)
    _check_nonempty_axes(input, axes, "amax")
    return Amax.apply(input, axes=axes, keepdim=keepdim, given_dims=_given_dims(dim))


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    axes = _dims(dim, input._data.ndim)
    _check_nonempty_axes(input, axes, "amin")
    return Amin.apply(input, axes=axes, keepdim=keepdim, given_dims=_given_dims(dim))


def _given_dims(dim) -> tuple:
    """A dim argument (an int, or a list of them) as the tuple torch saves."""
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


def _check_nonempty_axes(input, axes, name):
    for a in axes:
        if input._data.ndim and input._data.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")
    if input._data.size == 0 and not axes:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")


class SelectAlong(Primitive):
    """Values picked by index along `dim` (max/min/median with dim, sort): returns
    (values, indices); the gradient goes back to the picked positions."""

    saved_names = ("indices",)
    saved_values = {"dim": attribute("given_dim", torch_int), "keepdim": attribute("keepdim"),
                    "self_sym_sizes": sizes("shape")}

    @classmethod
    def forward(cls, ctx, x, *, dim, keepdim=True, given_dim=None, **kw):
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        xp = ctx.xp
        idx = cls.choose(xp, x, dim, **kw)  # indices with `dim` kept
        vals = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            idx, vals = idx.squeeze(dim), vals.squeeze(dim)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(idx)
        return vals, idx.astype(xp.int64, copy=False)

    @staticmethod
    def backward(ctx, gy, gi):
        (idx,) = ctx.saved_tensors
        return index_grad(gy, idx, ctx.shape, ctx.dim, ctx.keepdim)


class _ExtremeDim(SelectAlong):
    @classmethod
    def choose(cls, xp, x, dim):
        return (xp.argmax if cls.largest else xp.argmin)(x, axis=dim, keepdims=True)


def index_grad(gy, idx, shape, dim, keepdim):
    """Scatter `gy` into zeros of `shape` at `idx` along `dim` (max/min/median/sort backward)."""
    from .creation import zeros
    if not keepdim:
        gy, idx = gy.unsqueeze(dim), idx.unsqueeze(dim)
    return zeros(*shape, dtype=gy.dtype, device=gy.device).scatter(dim, idx, gy)


class MaxDim(_ExtremeDim):
    largest = True
    node_name = "MaxBackward0"


class MinDim(_ExtremeDim):
    largest = False
    node_name = "MinBackward0"


# Reductions along a dim of a 0-d tensor give back its only value: a copy, under torch's node.
def zero_indices(node) -> Tensor:
    """The indices of a pick with one candidate (a 0-d input, or an empty one): 0s (int64) shaped as the node's
    output, on its device."""
    shape, _, device = node._out_meta[0]
    return Tensor._wrap(device.backend.xp.zeros(shape, dtype="int64"), device)


class _PickOfScalar(Clone):
    """A pick along dim 0 of a 0-d tensor: its only value (a copy), at index 0, under torch's node."""
    saved_values = {"dim": attribute("given_dim", torch_int), "indices": zero_indices, "keepdim": attribute("keepdim"),
                    "self_sym_sizes": lambda node: ()}

    @staticmethod
    def forward(ctx, x, *, given_dim=0, keepdim=False):
        ctx.given_dim, ctx.keepdim = given_dim, keepdim
        return x.copy()


class MaxOfScalar(_PickOfScalar):
    node_name = "MaxBackward0"


class MinOfScalar(_PickOfScalar):
    node_name = "MinBackward0"


class MedianOfScalar(_PickOfScalar):
    node_name = "MedianBackward1"


class CumsumOfScalar(Clone):
    node_name = "CumsumBackward0"
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, x, *, given_dim=0):
        ctx.given_dim = given_dim
        return x.copy()


class ScanOfScalar(CumsumOfScalar):
    """A scan with nothing to run over (a 0-d or empty input): a copy, whose node keeps the input, the result and
    the dim, as torch's cumprod and logcumsumexp nodes do."""
    saved_names = ("self", "result")

    @staticmethod
    def forward(ctx, x, *, given_dim=0):
        ctx.given_dim = given_dim
        out = x.copy()
        ctx.save_for_backward(x, out)
        return out


class CumprodOfScalar(ScanOfScalar):
    node_name = "CumprodBackward0"


class SortOfScalar(_PickOfScalar):
    node_name = "SortBackward0"
    saved_values = {name: _PickOfScalar.saved_values[name] for name in ("dim", "indices", "self_sym_sizes")}


def _extreme(name, whole, along, pairwise):
    result = max_t if name == "max" else min_t

    def reduce(input: Tensor, dim=NOT_GIVEN, keepdim: bool = False, *, other=None):
        refuse_none(name, "dim", dim)
        if other is not None:
            if dim is not NOT_GIVEN:
                raise TypeError(f"{name}() received an invalid combination of arguments: give `dim` or `other`")
            dim = other
        if dim is NOT_GIVEN:
            dim = None
        if is_tensor(dim):
            return pairwise(input, dim)
        if dim is not None and not isinstance(dim, int):
            raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                            f"{type(dim).__name__}): give a dim (int) or another Tensor")
        if dim is None:
            _empty_check(input, name, False)
            return whole.apply(input, axes=tuple(range(input._data.ndim)), keepdim=False)
        d = wrap_dim(dim, input._data.ndim)
        if input._data.ndim == 0:
            single = (MaxOfScalar if name == "max" else MinOfScalar).apply(input, given_dim=dim, keepdim=keepdim)
            return result(single, Tensor._wrap(input._device.backend.scalar(0, D.int64.np), input._device))
        if input._data.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        if input._dtype is D.bool_:
            vals, idx = along.apply(input.to(D.uint8), dim=d, keepdim=keepdim, given_dim=dim)
            return result(vals.to(D.bool_), idx)
        return result(*along.apply(input, dim=d, keepdim=keepdim, given_dim=dim))
    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = (f"{name}(input) is the {name}imum element; {name}(input, dim) gives (values, indices); "
                      f"{name}(input, other) is the elementwise {name}imum.")
    return reduce


def _pairwise_max(a, b):
    from .pointwise import maximum
    return maximum(a, b)


def _pairwise_min(a, b):
    from .pointwise import minimum
    return minimum(a, b)


max = _extreme("max", MaxAll, MaxDim, _pairwise_max)
min = _extreme("min", MinAll, MinDim, _pairwise_min)


def _arg(name, fn_name):
    def arg(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        xp = input._device.backend.xp
        check_dim_types(dim)  # torch's parser checks the dim's type first
        if input._dtype is D.bool_:
            raise RuntimeError(f"{name}(): does not support bool input")
        data = input._data
        if data.dtype == xp.bool_:
            data = data.astype(xp.uint8)
        if dim is None:
            if data.size == 0:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            r = getattr(xp, fn_name)(data.reshape(-1))
            if keepdim:
                r = xp.asarray(r).reshape((1,) * data.ndim)
        else:
            d = wrap_dim(dim, data.ndim)
            if data.ndim == 0:
                r = xp.array(0)
            else:
                if data.shape[d] == 0:
                    raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
                r = getattr(xp, fn_name)(data, axis=d, keepdims=keepdim)
        return computed_from(xp.asarray(r).astype(xp.int64), input._device, input)
    arg.__name__ = arg.__qualname__ = name
    arg.__doc__ = f"Index of the {'largest' if 'max' in name else 'smallest'} element (first on ties)."
    return arg


argmax = _arg("argmax", "argmax")
argmin = _arg("argmin", "argmin")


# ---- statistics -------------------------------------------------------------------------

class _ShownAsNone:
    """The correction of a call that gave none (nor unbiased, nor dim; or correction=None): 1, which torch's node
    shows as None, having taken the call for its (input, unbiased) overload."""

    def __repr__(self) -> str:
        return "<correction shown as None>"


SHOWN_AS_NONE = _ShownAsNone()


def _correction(unbiased, correction):
    if correction is not None and correction is not SHOWN_AS_NONE:
        return correction
    return 1 if unbiased is NOT_GIVEN or unbiased else 0


def _shown_correction(unbiased, correction):
    """The correction as torch's node saves it."""
    return None if correction is SHOWN_AS_NONE else _correction(unbiased, correction)


def _shown_dims(dim):
    """A statistic's dim as torch's node saves it: None, or a tuple of ints."""
    if dim is None:
        return None
    return torch_ints(dim) if isinstance(dim, (tuple, list)) else (torch_int(dim),)


_STATISTIC_VALUES = {"correction": attribute("correction_shown"), "dim": attribute("given_dim", _shown_dims),
                     "keepdim": attribute("keepdim")}


class Var(Primitive):
    saved_names = ("self", "")
    saved_values = _STATISTIC_VALUES

    @staticmethod
    def forward(ctx, x, *, axes, correction, keepdim, take_sqrt, given_dim=None, correction_shown=None):
        ctx.given_dim, ctx.correction_shown = given_dim, correction_shown
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.denom = math.prod(x.shape[a] for a in axes) - correction  # may be <= 0, as in torch
        acc = _acc_dtype(x, ctx.xp)
        with warnings.catch_warnings():  # the wrappers warn in torch's words
            warnings.simplefilter("ignore", RuntimeWarning)
            y = x.var(axis=axes, ddof=correction, keepdims=keepdim, dtype=acc)
        if take_sqrt:
            y = ctx.xp.sqrt(y)
        y = y.astype(x.dtype, copy=False)
        ctx.take_sqrt = take_sqrt
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        if ctx.take_sqrt:  # d std = d var / (2 std), and zero where std is zero: the factor is masked, not gy's
            zero = y == 0    # product, and divides by 1 there, so neither forward mode nor a second derivative meets 0 · inf
            gy = gy * (y.masked_fill(zero, 1) * 2).reciprocal().masked_fill(zero, 0)
        centred = x - x.mean(ctx.axes, keepdim=True)
        factor = 2.0 / ctx.denom if ctx.denom else math.inf
        return expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim) * centred * factor


class Std(Var):
    saved_names = ("self", "result")


def _unbiased_overload(fn):
    """torch's var(input, unbiased) overload: a bool in the second place is `unbiased` (as a keyword, a
    bool `dim` is refused). A call that gives neither dim nor unbiased nor correction, or correction=None, is
    marked so that the node shows correction None, as torch's does."""
    @functools.wraps(fn)
    def call(input, *args, **kwargs):
        if args and isinstance(args[0], bool):
            if len(args) > 1 or kwargs:
                raise TypeError(f"{fn.__name__}() received an invalid combination of arguments: (input, unbiased) "
                                "takes no other argument")
            return fn(input, None, args[0], **kwargs)
        if kwargs.get("correction", NOT_GIVEN) is None or not (args or {"dim", "unbiased", "correction"} & set(kwargs)):
            kwargs["correction"] = SHOWN_AS_NONE
        return fn(input, *args, **kwargs)
    return call


def _var_args(input, dim, unbiased, keepdim, correction, name):
    if isinstance(dim, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got dim=bool: dim is an int "
                        "or a tuple of ints")
    if unbiased is not NOT_GIVEN and not isinstance(unbiased, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got unbiased="
                        f"{type(unbiased).__name__}: unbiased is a bool")
    if unbiased is not NOT_GIVEN and correction is not None and correction is not SHOWN_AS_NONE:
        raise TypeError(f"{name}() received an invalid combination of arguments: give unbiased or correction, "
                        "not both")
    if correction is not None and correction is not SHOWN_AS_NONE:
        check_number(name, "correction", correction)
    check_dim_types(dim)  # the parser's check, then the kernel's dtype check, then the dims' range
    _needs_float(input, name, None)
    axes, c = _dims(dim, input._data.ndim), _correction(unbiased, correction)
    if math.prod(input._data.shape[a] for a in axes) - c <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return axes, c, keepdim


@_unbiased_overload
def var(input: Tensor, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance with Bessel's `correction` (1 by default)."""
    axes, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction, "var")
    return Var.apply(input, axes=axes, correction=c, keepdim=keepdim, take_sqrt=False, given_dim=dim,
                     correction_shown=_shown_correction(unbiased, correction))


@_unbiased_overload
def std(input: Tensor, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation with Bessel's `correction` (1 by default)."""
    axes, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction, "std")
    return Std.apply(input, axes=axes, correction=c, keepdim=keepdim, take_sqrt=True, given_dim=dim,
                     correction_shown=_shown_correction(unbiased, correction))


# the (statistic, mean) pairs: their definition's arguments are (input, dim, unbiased, keepdim, correction)
_PAIR_VALUES = {"correction": lambda node: _shown_correction(node.args[2], node.args[4]),
                "dim": lambda node: _shown_dims(node.args[1]), "keepdim": lambda node: node.args[3]}


class VarMean(Fused):
    node_name = "VarMeanBackward0"
    definition = staticmethod(lambda input, dim, unbiased, keepdim, correction: (
        var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)))
    saved_names = ("self",)
    saved_values = _PAIR_VALUES


class StdMean(Fused):
    node_name = "StdMeanBackward0"
    definition = staticmethod(lambda input, dim, unbiased, keepdim, correction: (
        std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)))
    saves_result, saved_names = True, ("self", "result0", "")
    saved_values = _PAIR_VALUES


@_unbiased_overload
def var_mean(input: Tensor, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None):
    """(var, mean) over `dim`, as one node."""
    return VarMean.apply(input, dim, unbiased, keepdim, correction)


@_unbiased_overload
def std_mean(input: Tensor, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None):
    """(std, mean) over `dim`, as one node."""
    return StdMean.apply(input, dim, unbiased, keepdim, correction)


def _logsumexp(input: Tensor, dim, keepdim: bool) -> Tensor:
    from .pointwise import isinf, where
    axes = _dims(dim, input._data.ndim)
    if input._data.size == 0:
        return sum(input.exp(), axes, keepdim).log()
    m = amax(input, axes, keepdim=True).detach()
    m = where(isinf(m), 0.0, m)
    out = sum((input - m).exp(), axes, keepdim=True).log() + m
    return out if keepdim else out.squeeze(axes) if axes else out


class Logsumexp(Fused):
    node_name = "LogsumexpBackward0"
    definition = staticmethod(_logsumexp)
    saves_result, saved_names = True, ("self", "result")
    saved_values = {"dim": lambda node: torch_ints(_given_dims(node.args[1])), "keepdim": lambda node: node.args[2]}


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over `dim`, shifted by the maximum so it never overflows."""
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    if isinstance(dim, (tuple, list)) and not dim and input._data.ndim and not keepdim:
        # torch reduces everything into a 0-d result, then adds the kept-dims maximum into it in place
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * input._data.ndim}")
    if not input._dtype.is_floating_point:
        input = input.to(D.get_default_dtype())
    _dims(dim, input._data.ndim)  # torch's errors for bad dims, before the node
    return Logsumexp.apply(input, dim, keepdim)


class Norm(Primitive):
    """Vector p-norm over axes: (sum |x|^p)^(1/p); p = inf/-inf are max/min of |x|."""

    node_name = "LinalgVectorNormBackward0"   # torch.norm and Tensor.norm call linalg.vector_norm
    saved_names = ("self", "result")
    saved_values = {"ord": attribute("given_ord"), "keepdim": attribute("keepdim"),
                    "dim": lambda node: None if node.given_dim is None else torch_ints(_given_dims(node.given_dim))}

    @staticmethod
    def forward(ctx, x, *, p, axes, keepdim, single_abs=True, given_ord=2, given_dim=None):
        ctx.given_ord, ctx.given_dim = given_ord, given_dim  # as the call gave them (torch saves those)
        xp = ctx.xp
        a = xp.abs(x)
        if p == math.inf:
            y = a.max(axis=axes, keepdims=keepdim) if a.size else xp.zeros(keepdim_shape(a.shape, axes) if keepdim else (), a.dtype)
        elif p == -math.inf:
            y = a.min(axis=axes, keepdims=keepdim)
        elif p == 0:
            y = (a != 0).sum(axis=axes, keepdims=keepdim).astype(x.dtype)
        elif p == 1 or single_abs and math.prod(x.shape[i] for i in (range(x.ndim) if axes is None else axes)) == 1:
            # one element per norm is its |x| for every p in torch's kernel (not for a 0-d input given a dim)
            y = a.sum(axis=axes, keepdims=keepdim)
        elif p == 2:
            y = xp.sqrt((a * a).sum(axis=axes, keepdims=keepdim))
        elif 0 in (x.shape[i] for i in (range(x.ndim) if axes is None else axes)):
            y = a.sum(axis=axes, keepdims=keepdim)  # a norm of no elements is 0 (a NaN order too)
        else:
            y = ((a ** p).sum(axis=axes, keepdims=keepdim)) ** (1.0 / p)
        ctx.p, ctx.axes, ctx.keepdim, ctx.shape = p, axes, keepdim, x.shape
        # an array (a full reduction gives a NumPy scalar), the very one returned: backward then reads the
        # output itself, whose graph a second derivative needs
        y = xp.asarray(y).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        p = ctx.p
        g = expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)
        yk = expand_back(y, ctx.shape, ctx.axes, ctx.keepdim)
        if p == 0:
            return zeros_like_grad(g)
        if p == 1:
            return g * x.sign()
        if p == 2:
            return g * (x / yk).masked_fill(yk == 0, 0)
        if math.isinf(p):
            mask = x.abs() == yk
            return g * x.sign() * mask / sum(mask, ctx.axes, keepdim=True)
        # torch's norm_backward, masks where torch puts them (so second derivatives at 0 are torch's too)
        if p < 1:
            return x.sign() * (x.abs() ** (p - 1)).masked_fill(x == 0, 0) * g * yk ** (1 - p)
        scaled = x.sign() * x.abs() ** (p - 1) if p < 2 else x * x.abs() ** (p - 2)
        return scaled * (g / yk ** (p - 1)).masked_fill(yk == 0, 0)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector norm (p = 2, 1, inf, -inf, 0 or any number; 'fro' is 2) over `dim`."""
    if out is not None:  # torch's norm takes out positionally too
        from .out import compute_into
        return compute_into(norm, (input, p, dim, keepdim), {"dtype": dtype}, out)
    if isinstance(p, str) and not (p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2)):
        # 'nuc', or 'fro' over more than two dims (an error there): the matrix norm over dim, or all dims
        from ..linalg import matrix_norm
        return matrix_norm(input, p, list(range(input.dim())) if dim is None else dim, keepdim, dtype=dtype)
    if dtype is not None:
        input = input.to(dtype)
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {type_word(input._dtype)}")
    if p == "fro" or p is None:
        p = 2
    given = p = check_number("linalg_vector_norm", "ord", p, 2)
    axes = _dims(dim, input._data.ndim)
    p = float(p)
    if (p < 0 or math.isinf(p)) and (input._data.size == 0 and not axes or
                                      builtins.any(input._data.shape[a] == 0 for a in axes)):
        order = f"{'' if p > 0 else '-'}inf" if math.isinf(p) else f"{p:g}"
        raise RuntimeError(f"linalg.vector_norm cannot compute the {order} norm on an empty tensor because the "
                           "operation does not have an identity")
    return Norm.apply(input, p=p, axes=axes, keepdim=keepdim, single_abs=input._data.ndim > 0 or dim is None,
                      given_ord=given, given_dim=dim)


class NormDim(Norm):
    node_name = "NormBackward1"         # aten::norm over a dim, as pairwise_distance calls it
    saved_values = {"p" if name == "ord" else name: value for name, value in Norm.saved_values.items()}


def norm_dim(input: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    """The p-norm over one dim through aten::norm's node (what pairwise_distance builds in torch)."""
    axis = wrap_dim(dim, input._data.ndim)
    return NormDim.apply(input, p=float(p), axes=(axis,), keepdim=keepdim, given_ord=float(p), given_dim=(axis,))


# ---- truth and counts (no gradient) ---------------------------------------------------------

def _truth(name):
    def reduce(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        xp = input._device.backend.xp
        axes = _dims(dim, input._data.ndim)
        r = getattr(xp, name)(input._data, axis=axes, keepdims=keepdim)
        out = xp.asarray(r)
        if input._dtype is D.uint8:
            out = out.astype(xp.uint8)
        return computed_from(out, input._device, input)
    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = f"Whether {'all' if name == 'all' else 'any'} elements are nonzero, over `dim`."
    return reduce


all = _truth("all")
any = _truth("any")


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    xp = input._device.backend.xp
    axes = _dims(dim, input._data.ndim)
    return computed_from(xp.asarray(xp.count_nonzero(input._data, axis=axes)).astype(xp.int64), input._device, input)


# ---- scans ----------------------------------------------------------------------------------

class Cumsum(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, x, *, dim, dtype, given_dim=None):
        ctx.dim = dim
        ctx.given_dim = dim if given_dim is None else given_dim  # the dim as the call named it (torch saves it)
        return ctx.xp.cumsum(x, axis=dim, dtype=None if dtype is None else dtype.np)

    @staticmethod
    def backward(ctx, gy):
        return gy.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim)


def _scan_dtype(name: str, input: Tensor, dtype):
    """The dtype a cumulative sum or product runs in; torch's kernels have no bool form (not reached when
    there is nothing to scan)."""
    dt = _sum_dtype(input, None if dtype is None else D.as_dtype(dtype))
    if dt is D.bool_ and input._data.ndim and input._data.size:
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
    return dt


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    d = wrap_dim(dim, input._data.ndim)
    dt = _scan_dtype("cumsum", input, dtype)
    if input._data.ndim == 0:
        return CumsumOfScalar.apply(input.to(dt or input._dtype), given_dim=dim)
    return Cumsum.apply(input, dim=d, dtype=dt, given_dim=dim)


class Cumprod(Primitive):
    saved_names = ("self", "result")
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, x, *, dim, dtype, given_dim=None):
        ctx.dim = dim
        ctx.given_dim = dim if given_dim is None else given_dim  # the dim as the call named it (torch saves it)
        out = ctx.xp.cumprod(x, axis=dim, dtype=None if dtype is None else dtype.np)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        # d out_j / d x_i = prod_{k<=j, k!=i} x_k for j >= i: sum these with gy_j, zeros included
        x, _ = ctx.saved_tensors
        d = ctx.dim
        n = x.shape[d]
        parts = []
        for i in range(n):
            xi = x.narrow(d, i, 1)
            before = x.narrow(d, 0, i).prod(d, keepdim=True) if i > 0 else None
            tail = x.narrow(d, i + 1, n - i - 1)
            one = xi * 0 + 1
            run = cat_([one, tail.cumprod(d)], d) if n - i - 1 > 0 else one
            term = (gy.narrow(d, i, n - i) * run).sum(d, keepdim=True)
            parts.append(term if before is None else term * before)
        return cat_(parts, d) if parts else zeros_like_grad(gy)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    d = wrap_dim(dim, input._data.ndim)
    dt = _scan_dtype("cumprod", input, dtype)
    if input._data.ndim == 0:
        return CumprodOfScalar.apply(input.to(dt or input._dtype), given_dim=dim)
    return Cumprod.apply(input, dim=d, dtype=dt, given_dim=dim)


def scan_inplace(fn):
    """cumsum_/cumprod_: the scan in self's own dtype (torch refuses another), written back into self."""
    def method(self: Tensor, dim: int, *, dtype=None) -> Tensor:
        wrap_dim(dim, self._data.ndim)
        if dtype is not None and D.as_dtype(dtype) is not self._dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {c_type_name(self._dtype)} and output tensor "
                               f"dtype {c_type_name(D.as_dtype(dtype))} should match")
        return apply_inplace(self, lambda x: fn(x, dim, dtype=self._dtype), grad_operands=(), name=f"aten::{name}")
    name = fn.__name__ + "_"
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of `{fn.__name__}`."
    return method


# ---- order statistics -----------------------------------------------------------------------

class MedianDim(SelectAlong):
    """The lower median along `dim` and its index; NaN wins, as in torch."""

    node_name = "MedianBackward1"

    @staticmethod
    def choose(xp, x, dim):
        order = xp.argsort(x, axis=dim, kind="stable")
        pos = xp.take(order, [(x.shape[dim] - 1) // 2], axis=dim)
        if x.dtype.kind == "f":
            nan = xp.isnan(x)
            pos = xp.where(nan.any(axis=dim, keepdims=True), xp.argmax(nan, axis=dim, keepdims=True), pos)
        return pos


class MedianAll(_Extreme):
    """The lower median of all elements; the gradient is shared between equal elements."""

    node_name = "MedianBackward0"

    @classmethod
    def pick(cls, backend, x, axes, keepdim):
        xp = backend.xp
        flat = x.reshape(-1)
        if x.size == 0:
            return empty_median(xp, x.dtype)
        if x.dtype.kind == "f" and xp.isnan(flat).any():
            return xp.array(xp.nan, dtype=x.dtype)
        return xp.sort(flat)[(flat.size - 1) // 2]


def empty_median(xp, dtype):
    """The median of no elements: NaN, or the value NaN converts to (the lowest integer, True), as torch gives."""
    kind = np.dtype(dtype).kind
    return xp.array(np.nan if kind == "f" else True if kind == "b" else np.iinfo(dtype).min, dtype=dtype)


def check_median_operand(input: Tensor, dim):
    """torch's checks before a median or nanmedian (whose messages say median), in its order: the reduced dim
    is not empty, the dtype is not bool (a whole empty input has its answer before either). The dim, wrapped;
    None for the median of everything."""
    if dim is None:
        if input._dtype is D.bool_ and input._data.size:
            raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
        return None
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"median_out\" not implemented for 'Bool'")
    return d


def median(input: Tensor, dim=NOT_GIVEN, keepdim: bool = False):
    """median(input): the lower median of all elements; median(input, dim): (values, indices)."""
    if dim is None:
        raise TypeError("median(): argument 'dim' must be int, not NoneType")
    dim = None if dim is NOT_GIVEN else dim
    d = check_median_operand(input, dim)
    if dim is None:
        return MedianAll.apply(input, axes=tuple(range(input._data.ndim)), keepdim=False)
    if input._data.ndim == 0:
        return median_t(MedianOfScalar.apply(input, given_dim=dim, keepdim=keepdim),
                        Tensor._wrap(input._device.backend.scalar(0, D.int64.np), input._device))
    return median_t(*MedianDim.apply(input, dim=d, keepdim=keepdim, given_dim=dim))
