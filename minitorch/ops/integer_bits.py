"""Elementwise ops of integers alone: bit shifts, the greatest common divisor and the least common multiple.

They have no gradient (integer results). A shift by a negative count or by at least the type's width gives what
torch's kernels define: 0 for a left shift, the sign bits (0 or −1) for a right shift of a signed integer.
"""
from __future__ import annotations

from ..tensor import Tensor
from ._helpers import computed_from, operands, type_word


def _integers(kernel: str, input, other):
    a, b, dt = operands(input, other)
    if dt.is_floating_point or dt.name == "bool":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{type_word(dt)}'")
    return a, b, a._device.backend.xp


def bitwise_left_shift(input, other) -> Tensor:
    """input · 2^other in the integer type (its high bits dropped)."""
    a, b, xp = _integers("lshift", input, other)
    bits = a._data.dtype.itemsize * 8
    out_of_range = (b._data < 0) | (b._data >= bits)
    shifted = xp.left_shift(a._data, xp.where(out_of_range, 0, b._data).astype(a._data.dtype))
    return computed_from(xp.where(out_of_range, 0, shifted).astype(a._data.dtype), a._device, a, b)


def bitwise_right_shift(input, other) -> Tensor:
    """⌊input / 2^other⌋: an arithmetic shift for signed types, a logical one for unsigned."""
    a, b, xp = _integers("rshift", input, other)
    bits = a._data.dtype.itemsize * 8
    out_of_range = (b._data < 0) | (b._data >= bits)
    count = xp.where(out_of_range, bits - 1, b._data).astype(a._data.dtype)
    shifted = xp.right_shift(a._data, count)
    if a._data.dtype.kind == "u":
        shifted = xp.where(out_of_range, 0, shifted)
    return computed_from(shifted.astype(a._data.dtype, copy=False), a._device, a, b)


def _tensor_pair(name: str, input, other) -> None:
    """gcd and lcm take two tensors (torch has no scalar form)."""
    for position, (pname, value) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{pname}' (position {position}) must be Tensor, not "
                            f"{type(value).__name__}")


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of |input| and |other| (gcd(0, 0) = 0)."""
    _tensor_pair("gcd", input, other)
    a, b, xp = _integers("gcd", input, other)
    return computed_from(xp.gcd(a._data, b._data).astype(a._data.dtype, copy=False), a._device, a, b)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple |input · other| / gcd (0 when either is 0)."""
    _tensor_pair("lcm", input, other)
    a, b, xp = _integers("lcm", input, other)
    return computed_from(xp.lcm(a._data, b._data).astype(a._data.dtype, copy=False), a._device, a, b)
