"""torch's complex-number accessors on minitorch's real tensors.

A real tensor is its own real part and its own conjugate, so `real`, `conj`, `conj_physical`, `resolve_conj` and
`resolve_neg` return the tensor itself, as torch does for real dtypes; it is never a lazily conjugated or negated
view (`is_conj`, `is_neg` are False); every element is real (`isreal`); its angle is 0 or π.
"""
from __future__ import annotations

import math

from .. import dtypes as D
from ..tensor import Tensor
from .pointwise import _ZeroGrad


def _itself(name: str, what: str):
    def op(input: Tensor) -> Tensor:
        return input
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{what}: for a real tensor, the tensor itself."
    return op


real = _itself("real", "The real part")
conj = _itself("conj", "The complex conjugate (a lazy view in torch)")
conj_physical = _itself("conj_physical", "The complex conjugate, computed")
resolve_conj = _itself("resolve_conj", "The tensor with a pending conjugation carried out")
resolve_neg = _itself("resolve_neg", "The tensor with a pending negation carried out")


def conj_physical_(input: Tensor) -> Tensor:
    """conj_physical in place: nothing to change in a real tensor."""
    return input


def is_conj(input: Tensor) -> bool:
    """Whether input is a lazily conjugated view (never, for a real tensor)."""
    return False


def is_neg(input: Tensor) -> bool:
    """Whether input is a lazily negated view (never, for a real tensor)."""
    return False


def isreal(input: Tensor) -> Tensor:
    """True for every element of a real tensor."""
    xp = input._device.backend.xp
    return Tensor._wrap(xp.ones(input._data.shape, dtype=bool), input._device)


class Angle(_ZeroGrad):
    """arg(x) = π for x < 0, 0 for x ≥ 0 (NaN stays NaN); its gradient is zero."""

    saved_names = ("self",)  # torch's formula reads self (for complex inputs)
    f = staticmethod(lambda xp, x: xp.where(x < 0, x.dtype.type(math.pi), xp.where(xp.isnan(x), x, 0)).astype(x.dtype))

    @classmethod
    def forward(cls, ctx, x):
        ctx.save_for_backward(x)
        return cls.f(ctx.xp, x)


def angle(input: Tensor) -> Tensor:
    """The argument of each element (0 or π for real numbers; integers give the default float dtype)."""
    return Angle.apply(input if input._dtype.is_floating_point else input.to(D.get_default_dtype()))


def _imag(self):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


Tensor.real = property(real, doc="The real part: for a real tensor, the tensor itself.")
Tensor.imag = property(_imag, doc="The imaginary part: torch refuses it for real tensors.")
