"""The modified Bessel functions I₀, I₁ (and their exponentially scaled forms), the normal distribution's
tails (ndtri, log_ndtr, erfcx), the regularised incomplete gamma functions and the multivariate log-gamma.

The values come from `backends/special_numpy.py` (computed in float64 on the host, for any device); the
derivatives are written in minitorch ops, so they differentiate again."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as D
from ..autograd.function import Primitive
from ..backends import special_numpy as S
from ..tensor import Tensor
from ._helpers import host_array, operands, type_word
from .fused import Fused


def _on_host(ctx, fn, *arrays):
    """fn of backend arrays, computed in NumPy on the host and brought back to the op's device."""
    return ctx.xp.asarray(fn(*[host_array(a) for a in arrays]))


class _SpecialUnary(Primitive):
    """y = f(x) from the host kernel `fn`; subclasses give `slope(x, y)` = dy/dx in minitorch ops."""

    fn = None
    saved_names = ("self", "result")

    @classmethod
    def forward(cls, ctx, x):
        y = _on_host(ctx, cls.fn, x)
        ctx.save_for_backward(x, y)
        return y

    @classmethod
    def backward(cls, ctx, gy):
        x, y = ctx.saved_tensors
        return gy * cls.slope(x, y)


def _nonzero(x):
    """x with zeros replaced by ones: a divisor whose masked-out entries stay finite (so their gradients do)."""
    return x.masked_fill(x == 0, 1.0)


class I0(_SpecialUnary):
    """I₀(x); dI₀/dx = I₁(x)."""
    saved_names = ("self", "")  # its derivative reads x only
    fn = staticmethod(S.i0)
    slope = staticmethod(lambda x, y: i1(x))


class SpecialI0e(_SpecialUnary):
    """e^(−|x|) I₀(x); its derivative is I₁e(x) − sign(x) I₀e(x)."""
    node_name = "SpecialI0EBackward0"
    fn = staticmethod(S.i0e)
    slope = staticmethod(lambda x, y: i1e(x) - x.sign() * y)


class SpecialI1(_SpecialUnary):
    """I₁(x); dI₁/dx = I₀(x) − I₁(x)/x (½ at 0)."""
    fn = staticmethod(S.i1)
    slope = staticmethod(lambda x, y: (i0(x) - y / _nonzero(x)).masked_fill(x == 0, 0.5))


class SpecialI1e(_SpecialUnary):
    """e^(−|x|) I₁(x); its derivative is I₀e(x) − I₁e(x) (sign(x) + 1/x) (½ at 0)."""
    node_name = "SpecialI1EBackward0"
    fn = staticmethod(S.i1e)
    slope = staticmethod(lambda x, y: (i0e(x) - y * (x.sign() + _nonzero(x).reciprocal())).masked_fill(x == 0, 0.5))


class SpecialNdtri(_SpecialUnary):
    """Φ⁻¹(p); dΦ⁻¹/dp = √(2π) e^(y²/2)."""
    fn = staticmethod(S.ndtri)
    slope = staticmethod(lambda x, y: (y * y / 2).exp() * math.sqrt(2 * math.pi))
    saved_names = ("", "result")  # the slope reads the result alone, and torch's node shows only that


class SpecialLogNdtr(_SpecialUnary):
    """log Φ(x); its derivative is φ(x)/Φ(x) = e^(−x²/2 − log √(2π) − y)."""
    fn = staticmethod(S.log_ndtr)
    slope = staticmethod(lambda x, y: (-(x * x) / 2 - math.log(math.sqrt(2 * math.pi)) - y).exp())


class SpecialErfcx(_SpecialUnary):
    """e^(x²) erfc(x); its derivative is 2x y − 2/√π."""
    fn = staticmethod(S.erfcx)
    slope = staticmethod(lambda x, y: 2 * x * y - 2 / math.sqrt(math.pi))


def _floating(input: Tensor) -> Tensor:
    return input if input._dtype.is_floating_point else input.to(D.get_default_dtype())


def _unary(cls, name):
    def op(input: Tensor) -> Tensor:
        return cls.apply(_floating(input))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{name} elementwise ({cls.__doc__.split(';')[0]}); integer inputs give the default float dtype."
    return op


i0 = _unary(I0, "i0")
i0e = _unary(SpecialI0e, "i0e")
i1 = _unary(SpecialI1, "i1")
i1e = _unary(SpecialI1e, "i1e")
ndtri = _unary(SpecialNdtri, "ndtri")
log_ndtr = _unary(SpecialLogNdtr, "log_ndtr")
erfcx = _unary(SpecialErfcx, "erfcx")


class Igamma(Primitive):
    """P(a, x), the regularised lower incomplete gamma function; ∂P/∂x = e^(−x) x^(a−1) / Γ(a). torch defines no
    derivative in a."""

    fn = staticmethod(S.gammainc)
    sign = 1.0
    word = "igamma"
    saved_names = ("self", "other")

    @classmethod
    def forward(cls, ctx, a, x):
        ctx.save_for_backward(a, x)
        return _on_host(ctx, cls.fn, a, x)

    @classmethod
    def backward(cls, ctx, gy):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{cls.word}: input' is not implemented.")
        density = (-x + (a - 1) * x.log() - a.lgamma()).exp()
        return None, gy * density * cls.sign


class Igammac(Igamma):
    """Q(a, x) = 1 − P(a, x); ∂Q/∂x = −e^(−x) x^(a−1) / Γ(a)."""

    fn = staticmethod(S.gammaincc)
    sign = -1.0
    word = "igammac"


def _incomplete(name, node):
    def op(input: Tensor, other: Tensor) -> Tensor:
        dt = D.result_type(input, other)
        if not dt.is_floating_point:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_word(dt)}'")
        a, x, _ = operands(input, other, dtype=dt)
        return node.apply(a, x)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{node.__doc__.splitlines()[0]} elementwise."
    return op


igamma = _incomplete("igamma", Igamma)
igammac = _incomplete("igammac", Igammac)


def _mvlgamma(input, p):
    """Σ_{i<p} log Γ(x − i/2) + p(p − 1)/4 · log π."""
    from .creation import arange
    shifts = arange(-(p - 1) / 2, 0.5, 0.5, dtype=input.dtype, device=input.device)[:p]
    return (input.unsqueeze(-1) + shifts).lgamma().sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


class Mvlgamma(Fused):
    node_name = "MvlgammaBackward0"
    definition = staticmethod(_mvlgamma)
    saved_names = ("self",)
    saved_values = {"p": lambda node: node.args[1]}


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension p, elementwise."""
    if input.dtype is D.bool_:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return Mvlgamma.apply(_floating(input), p)
