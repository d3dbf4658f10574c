"""Conversions between dtypes and devices, clone and contiguous."""
from __future__ import annotations

import builtins

from .. import dtypes as D
from ..autograd.forward_ad import LINEAR
from ..autograd.function import Function, Primitive
from ..device import as_device, device as Device
from ..formats import check_memory_format
from ..tensor import Tensor


class ToCopy(Primitive):
    """Copy to another dtype; the gradient is cast back to the input's dtype."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, *, dtype):
        if x.dtype.kind == "f" and dtype.np.kind == "u":
            # torch converts floats to unsigned through int64 on every device (-1.5 -> 255); a GPU's
            # direct conversion would saturate at 0
            x = x.astype(D.int64.np)
        return x.astype(dtype.np)

    @staticmethod
    def backward(ctx, gy):
        return gy  # the engine casts it to the input's dtype


class ToDevice(Function):
    """Copy to another device; the gradient travels back to the input's device."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    node_name = "ToCopyBackward0"
    _builtin = True

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = x._device
        host = x._device.backend.to_host(x._data)
        return Tensor._wrap(device.backend.from_host(host), device)

    @staticmethod
    def backward(ctx, gy):
        return to(gy, ctx.source), None


class Clone(Primitive):
    """A copy with its own memory; the gradient passes through unchanged."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, gy):
        return gy


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own memory, recorded as CloneBackward0."""
    check_memory_format("clone", memory_format)
    return Clone.apply(input)


def contiguous(self: Tensor, memory_format=None) -> Tensor:
    """self if its memory is already in row-major order, else a copy that is."""
    check_memory_format("contiguous", memory_format)
    return self if self._data.flags.c_contiguous else Clone.apply(self)


_TO_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format")


def _parse_to(args, kwargs):
    """(dtype, device, copy) from torch's three forms: to(dtype, non_blocking, copy),
    to(device, dtype, non_blocking, copy) and to(other, non_blocking, copy), each with keywords."""
    unknown = set(kwargs) - set(_TO_KEYWORDS)
    if unknown:
        raise TypeError(f"to() received an invalid combination of arguments - got an unexpected keyword argument "
                        f"'{unknown.pop()}'")
    check_memory_format("to", kwargs.get("memory_format"))
    args = list(args)
    dtype, device = kwargs.get("dtype"), kwargs.get("device")
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dtype, device = other._dtype, other._device
    elif args and isinstance(args[0], D.dtype):
        dtype = args.pop(0)
    elif args and (args[0] is None or isinstance(args[0], (str, Device)) or type(args[0]) is builtins.int):
        device = args.pop(0)
        if args and (args[0] is None or isinstance(args[0], D.dtype)):
            dtype = args.pop(0)
    flags = dict(zip(("non_blocking", "copy"), args))
    if len(args) > 2 or any(type(v) is not builtins.bool for v in flags.values()):
        raise TypeError(f"to() received an invalid combination of arguments - got {tuple(type(a).__name__ for a in args)}")
    if dtype is not None and not isinstance(dtype, D.dtype):
        dtype = D.as_dtype(dtype)
    return dtype, device, flags.get("copy", kwargs.get("copy", False))


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """Tensor.to(dtype), .to(device), .to(device, dtype), .to(other): a copy only if needed (or copy=True)."""
    dtype, device, copy = _parse_to(args, kwargs)
    out = self
    if device is not None:
        device = as_device(device)
        if device != self._device:
            if device.type == "cuda":
                from .. import cuda
                cuda._lazy_init()
            out = ToDevice.apply(out, device)
    if dtype is not None and dtype is not out._dtype:
        out = ToCopy.apply(out, dtype=dtype)
    if copy and out is self:
        out = Clone.apply(self)
    return out


def _caster(dt):
    def cast(self: Tensor, memory_format=None) -> Tensor:
        return to(self, dt)
    cast.__name__ = dt._aliases[0] if dt._aliases else dt.name
    cast.__doc__ = f"self.to({dt!r})"
    return cast


float = _caster(D.float32)
double = _caster(D.float64)
half = _caster(D.float16)
long = _caster(D.int64)
int = _caster(D.int32)
short = _caster(D.int16)


def bool(self: Tensor, memory_format=None) -> Tensor:
    return to(self, D.bool_)


def byte(self: Tensor, memory_format=None) -> Tensor:
    return to(self, D.uint8)


def char(self: Tensor, memory_format=None) -> Tensor:
    return to(self, D.int8)


def cpu(self: Tensor, memory_format=None) -> Tensor:
    return to(self, "cpu")


def cuda(self: Tensor, device=None, non_blocking=False, memory_format=None) -> Tensor:
    return to(self, "cuda" if device is None else (f"cuda:{device}" if isinstance(device, type(1)) else device))


def type_as(self: Tensor, other: Tensor) -> Tensor:
    return to(self, other._dtype)


_TYPE_NAMES = {f"torch.{d.word}Tensor": d for d in D.ALL}
_NAME_OF = {v: k for k, v in _TYPE_NAMES.items()}


def type(self: Tensor, dtype=None, non_blocking=False):
    """With no argument the type name (`torch.FloatTensor`); otherwise a cast."""
    if dtype is None:
        name = _NAME_OF[self._dtype]
        return name if self._device.type == "cpu" else name.replace("torch.", "torch.cuda.")
    if isinstance(dtype, str):
        dtype = _TYPE_NAMES[dtype.replace("minitorch.", "torch.")]
    elif hasattr(dtype, "_legacy_dtype"):
        dtype = dtype._legacy_dtype
    return to(self, D.as_dtype(dtype))


def result_type(tensor, other):
    """The dtype an op on `tensor` and `other` (tensors or scalars) produces."""
    return D.result_type(tensor, other)
