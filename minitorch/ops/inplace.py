"""In-place ops (`add_`, `mul_`, `x[i] = v`, ...): write into the tensor's memory and
bump its version counter, so a saved copy that became stale raises at backward time.

With grad recording, an in-place op runs as its out-of-place Function on an alias of
the tensor's old history, and the tensor takes the result's place in the graph, as in
torch. Without recording, the common ones write straight into the array.
"""
from __future__ import annotations

import inspect

from .. import dtypes as D
from ..autograd.forward_ad import has_tangent, set_tangent, tangent_of
from ..autograd.forward_ad import LINEAR
from ..autograd import batched, events
from ..autograd.function import Primitive
from ..autograd.grad_mode import state as _mode
from ..tensor import Tensor
from .copy_slices import take_history, write_through_view
from ._helpers import check_broadcast, check_cast, check_number, common_device, is_tensor, zeros_like_grad


def _leaf_check(self: Tensor):
    if _mode.enabled and self._requires_grad and self._grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _write(self: Tensor, data) -> None:
    if data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                           f"{list(data.shape)}")
    try:
        self._data[...] = data
    except ValueError:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the "
                           "operation.") from None


def _save_self_as_result(result: Tensor, self: Tensor) -> None:
    """An in-place op whose node saves its result keeps `self` as that result, as torch's node does (the op's
    output being self): a later in-place change of self makes backward refuse, and an op computed in a wider
    dtype keeps self's values, rounded to its own dtype, not the wider ones written into it."""
    saved = result._grad_fn._saved
    for entry in saved if isinstance(saved, (list, tuple)) else ():
        if entry is not None and entry.data is result._data:
            entry.data, entry.box, entry.version = self._data, self._version_box, self._version_box[0]


def apply_inplace(self: Tensor, out_of_place, fast=None, grad_operands=(), name="inplace arithmetic") -> Tensor:
    """Make `self` hold `out_of_place(self)`; `fast(array)` writes directly when nothing records. (`name`: the op
    as torch's vmap names it when it refuses to write batched operands into an unbatched self.)"""
    _leaf_check(self)
    if _mode.vmap:
        batched.refuse_unbatched_self(self, grad_operands, name)
    recorded = None
    recording = _mode.enabled and (self._requires_grad or any(
        is_tensor(t) and t._requires_grad for t in grad_operands))
    dual = _mode.forward_ad and has_tangent((self, *grad_operands))
    if self._base is not None and events.observing():
        events.note_view_write(self, self._base)
    if recording and self._base is not None and not dual:
        geometry = _geometry(self, self._base)
        if geometry is not None:
            return _inplace_on_view(self, self._base, out_of_place, geometry)
    if recording:
        base = self._base if self._base is not None and self._base._requires_grad else None
        if base is not None and not _spans(self, base):
            raise RuntimeError("minitorch does not support in-place operations on a view of part of a tensor that "
                               "requires grad; use the out-of-place op instead")
        # the op may save its input for backward: give it the old values, not self's memory
        old = Tensor._wrap(self._data.copy(), self._device)
        old._grad_fn, old._output_nr, old._requires_grad = self._grad_fn, self._output_nr, self._requires_grad
        if dual and tangent_of(self) is not None:
            set_tangent(old, tangent_of(self))
        if events.observing():
            events.note_rebinding(old, self)
        result = out_of_place(old)
        check_cast(result._dtype, self._dtype)
        _write(self, result._data)
        if result._grad_fn is not None:
            recorded = result  # its saved result becomes self once self's version moves on (below)
        if dual:
            _take_tangent(self, result)
        self._grad_fn, self._output_nr, self._requires_grad = result._grad_fn, result._output_nr, True
        if self._base is not None:  # its new history is its own, not a stale one
            self._view_version = self._version_box[0] + 1
        if base is not None:  # the base now holds the result too: its history continues through a view
            whole = result.reshape(base._data.shape)
            base._grad_fn, base._output_nr = whole._grad_fn, whole._output_nr
            base._bump()
    elif fast is not None and not dual and not events.observing():  # observers see the op's event instead
        try:
            fast(self._data)
        except ValueError:
            _write(self, self._data)  # raises torch's error for read-only (expanded) memory
            raise
    else:
        prev = _mode.enabled
        _mode.enabled = False
        try:
            result = out_of_place(self)
        finally:
            _mode.enabled = prev
        check_cast(result._dtype, self._dtype)
        _write(self, result._data)
        if dual:
            _take_tangent(self, result)
    if dual and self._base is not None:
        _tangent_into_base(self, self._base)
    if events.observing():  # the fast path is not taken then: result is the value self now holds
        events.note_rebinding(self, result)
    self._bump()
    if recorded is not None:
        _save_self_as_result(recorded, self)
    return self


def _inplace_on_view(self: Tensor, base: Tensor, out_of_place, geometry) -> Tensor:
    """An in-place op on a view while recording: base takes a CopySlices node (see autograd.copy_slices)."""
    if base._requires_grad and base._grad_fn is None and _mode.enabled:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    result, node = write_through_view(self, base, out_of_place, geometry)
    check_cast(result._dtype, self._dtype)
    _write(self, result._data)
    if node is not None:
        take_history(self, base, node, geometry)
    if events.observing():
        events.note_rebinding(self, result)
    self._bump()
    self._view_version = self._version_box[0]
    return self


def _geometry(view: Tensor, base: Tensor):
    """The view's (size, stride, storage_offset) in its base's row-major memory, in elements; None where the
    base is not row-major or the view reaches outside it (or a stride is negative)."""
    v, b = view._data, base._data
    if not b.flags.c_contiguous or v.dtype != b.dtype:
        return None
    offset, extra = divmod(_address(v) - _address(b), v.itemsize)
    stride = tuple(s // v.itemsize for s in v.strides)
    if extra or offset < 0 or any(s < 0 for s in stride):
        return None
    if v.size and offset + sum((n - 1) * s for n, s in zip(v.shape, stride)) >= b.size:
        return None
    return tuple(v.shape), stride, offset


def _tangent_into_base(view: Tensor, base: Tensor) -> None:
    """Forward mode: the base's tangent takes the view's new tangent at the view's positions (zeros elsewhere
    where the base had none), as the base's values took the view's."""
    geometry = _geometry(view, base)
    if geometry is None:
        raise RuntimeError("minitorch does not support forward-mode AD through an in-place operation on this view")
    from .strided import _strided_view
    xp = base._device.backend.xp
    own = tangent_of(base)
    data = own._data.astype(base._data.dtype, copy=True) if own is not None else xp.zeros_like(base._data)
    size, stride, offset = geometry
    _strided_view(xp, data.reshape(-1), size, stride, offset)[...] = tangent_of(view)._data
    set_tangent(base, Tensor._wrap(data, base._device))


def _take_tangent(self: Tensor, result: Tensor) -> None:
    """Forward mode: after an in-place op self's tangent is the result's (zeros where the result has none)."""
    tangent = tangent_of(result)
    set_tangent(self, tangent.to(self._dtype) if tangent is not None else result.new_zeros(result.shape))


def _address(a) -> int:
    return a.data.ptr if hasattr(a.data, "ptr") else a.__array_interface__["data"][0]


def _spans(view: Tensor, base: Tensor) -> bool:
    """Whether `view` is the whole of `base`'s memory in the same order (a reshape of it, as flatten gives):
    then an in-place op on the view is one on the base."""
    v, b = view._data, base._data
    return (v.size == b.size and v.flags.c_contiguous and b.flags.c_contiguous and _address(v) == _address(b))


def check_fits(self: Tensor, tensors) -> None:
    """In-place results keep self's shape: operands may broadcast into it, not beyond."""
    from .shape import broadcast_shapes
    for t in tensors:
        if t._data.shape != self._data.shape:
            check_broadcast(self._data.shape, t._data.shape)
            shape = tuple(broadcast_shapes(self._data.shape, t._data.shape))
            if shape != self._data.shape:
                raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                                   f"{list(shape)}")


def make_inplace(fn, name: str, elementwise: bool = True):
    """The in-place method `name` (e.g. `exp_`) of out-of-place op `fn`."""
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        tensors = [a for a in list(args) + list(kwargs.values()) if is_tensor(a)]

        def out_of_place(x):
            result = fn(x, *args, **kwargs)  # the arguments' own checks come first, as in torch
            if elementwise:
                check_fits(self, tensors)
            return result
        return apply_inplace(self, out_of_place, grad_operands=tensors, name=f"aten::{name}" if elementwise else name)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of `{fn.__name__}`."
    return method


def _arith_inplace(fn, ufunc_name: str, name: str, true_div: bool = False):
    """add_/sub_/mul_/div_: straight into the array when nothing records (optimisers)."""
    def method(self: Tensor, other, *, alpha=1, **kw) -> Tensor:
        if alpha.__class__ not in (int, float):  # a 0-d tensor or NumPy scalar is a number too
            alpha = check_number(name, "alpha", alpha)
        if ufunc_name == "subtract":
            from .pointwise import _refuse_bool_subtraction
            _refuse_bool_subtraction(self, other)
        if set(kw) - {"rounding_mode"} or (alpha != 1 and "alpha" not in signature.parameters):
            bad = next(iter(set(kw) - {"rounding_mode"}), "alpha")
            raise TypeError(f"{name}() got an unexpected keyword argument '{bad}'")
        if "rounding_mode" in kw:  # given, even as None: torch's node differs (DivBackward2, or the rounding's)
            return apply_inplace(self, lambda x: fn(x, other, **kw), grad_operands=(other,))
        dt = D.result_type(self, other)
        if true_div:
            dt = D.float_result(dt)
        check_cast(dt, self._dtype)
        if is_tensor(other):
            common_device(self, other)
            check_fits(self, (other,))
        args = {"alpha": alpha} if alpha != 1 else {}

        def fast(data):
            xp = self._device.backend.xp
            o = other._data if is_tensor(other) else other
            if alpha != 1:
                o = o * alpha
            getattr(xp, ufunc_name)(data, o, out=data, casting="unsafe")

        return apply_inplace(self, lambda x: fn(x, other, **args), fast if dt is self._dtype else None,
                             grad_operands=(other,))
    signature = inspect.signature(fn)
    method.__signature__ = signature
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place `{fn.__name__}`."
    return method


class Copy(Primitive):
    """x's values replaced by src (broadcast and cast); the gradient flows to src only."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    node_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(ctx, x, src):
        return ctx.xp.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        return zeros_like_grad(gy), gy


def copy_into(self: Tensor, src: Tensor, node=Copy) -> Tensor:
    """self.copy_(src): values of src, broadcast to self's shape, cast to self's dtype (recorded under `node`)."""
    if not is_tensor(src):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}")
    if src._device != self._device:
        src = src.to(self._device)
    check_fits(self, (src,))

    def fast(data):
        data[...] = src._data

    return apply_inplace(self, lambda x: node.apply(x, src), fast, grad_operands=(src,))


def copy_(self: Tensor, other, non_blocking: bool = False) -> Tensor:
    """self's values replaced by `other`'s (broadcast and cast; a number fills); torch's parser names it `other`."""
    if not is_tensor(other):
        from ._helpers import check_number
        check_number("copy_", "other", other, 1)
        return fill_(self, other)
    return copy_into(self, other)


class FillWith(Primitive):
    """x's values replaced by a constant array (fill_, zero_, random fills): no gradient to x."""

    node_name = "FillBackward0"

    @staticmethod
    def forward(ctx, x, *, values):
        return ctx.xp.full(x.shape, values, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        return zeros_like_grad(gy)


class FillScalar(FillWith):
    node_name = "FillBackward2"         # x.fill_(number)


class FillTensor(Copy):
    node_name = "FillBackward3"         # x.fill_(0-d tensor): the value's gradient is the sum of x's


class Zero(FillWith):
    node_name = "ZeroBackward0"


def fill_with(self: Tensor, values, node=FillWith) -> Tensor:
    """Overwrite self with backend array (or scalar) `values`, recorded under `node`."""
    def fast(data):
        data[...] = values
    return apply_inplace(self, lambda x: node.apply(x, values=values), fast)


def fill_(self: Tensor, value) -> Tensor:
    """Every element set to `value` (a number or a 0-d tensor)."""
    if not is_tensor(value):
        from ._helpers import check_number, check_scalar_fits
        check_scalar_fits(check_number("fill_", "value", value, 1), self._dtype)
    if is_tensor(value):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return copy_into(self, value, FillTensor)
    return fill_with(self, self._device.backend.scalar(value, self._data.dtype), FillScalar)


def zero_(self: Tensor) -> Tensor:
    return fill_with(self, 0, Zero)


def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Set the main diagonal (elements [i, i, ..., i]) to `fill_value`; a tall matrix with `wrap` starts over
    every width + 1 rows, as NumPy's fill_diagonal does. Written, as in torch, as fill_ on strided views."""
    from ._helpers import check_number
    from .strided import as_strided
    check_number("fill_diagonal_", "fill_value", fill_value, 1)
    nd = self._data.ndim
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = self._data.shape
    height, width = shape[0], shape[1]
    if nd > 2 and any(s != height for s in shape[1:]):
        raise RuntimeError("all dimensions of input must be of equal length")
    strides = self.stride()
    step, offset = sum(strides), self.storage_offset()
    size = min(height, width)
    fill_(as_strided(self, (size,), (step,), offset), fill_value)
    if wrap and nd == 2 and height > width + 1:
        period = width + 1
        wrapped = (self._data.size + period - 1) // period - size
        fill_(as_strided(self, (wrapped,), (step,), offset + strides[0] * period), fill_value)
    return self


def float_power_(self: Tensor, exponent) -> Tensor:
    """self ** exponent in float64, into self, which must be float64 already (torch's rule)."""
    from .pointwise import float_power
    if not is_tensor(exponent):
        check_number("float_power_", "exponent", exponent)
    if self._dtype is not D.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self._dtype.word} but the operation's result "
                           f"requires dtype Double")
    return apply_inplace(self, lambda x: float_power(x, exponent), grad_operands=(exponent,))
