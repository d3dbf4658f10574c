"""Binary functions of floating-point numbers: copysign, hypot, logaddexp, logaddexp2, ldexp, nextafter,
heaviside, and frexp (one input, two outputs). Each promotes its operands as torch does; those torch
computes for floating dtypes only refuse integer results with torch's NotImplementedError."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as D
from ..autograd.function import Primitive, WithoutDerivative
from ..tensor import Tensor
from ._helpers import is_tensor, operands, type_word, zeros_like_grad
from .inplace import make_inplace
from .pointwise import where
from .reduction import _return_type

LN2 = math.log(2.0)
frexp_t = _return_type("frexp", ["mantissa", "exponent"])


def _float_operands(name: str, input: Tensor, other: Tensor, *, integers: str = "promote"):
    """The operands cast to their common dtype: an integer common dtype becomes the default float
    (`integers="promote"`) or is refused as torch's kernels refuse it (`integers="refuse"`)."""
    dt = D.result_type(input, other)
    if not dt.is_floating_point:
        if integers == "refuse":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_word(dt)}'")
        dt = D.get_default_dtype()
    a, b, _ = operands(input, other, dtype=dt)
    return a, b


class Copysign(Primitive):
    """|a| with the sign of b; d/da = y / a (0 where a == 0), d/db = 0."""

    formula = "grad_self = grad · result / self (0 where self == 0), grad_other = 0"
    saved_names = ("self", "result")

    @staticmethod
    def forward(ctx, a, b):
        y = ctx.xp.copysign(a, b)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, y = ctx.saved_tensors
        return gy * _copysign_slope(a, y), (zeros_like_grad(gy) if ctx.needs_input_grad[1] else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, y = ctx.saved_tensors
        return ta * _copysign_slope(a, y)


def _copysign_slope(a, y):
    return where(a == 0, 0.0, y / a)


class CopysignByNumber(Copysign):
    node_name = "CopysignBackward1"     # copysign(tensor, number)


def copysign(input: Tensor, other) -> Tensor:
    """|input| with the sign of other, elementwise (other may be a number)."""
    a, b = _float_operands("copysign", input, other)
    return (Copysign if is_tensor(other) else CopysignByNumber).apply(a, b)


class Hypot(Primitive):
    """√(a² + b²); d/da = a / y, d/db = b / y."""

    formula = "grad_self = grad · self / result, grad_other = grad · other / result"
    saved_names = ("self", "other", "result")

    @staticmethod
    def forward(ctx, a, b):
        y = ctx.xp.hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        return gy * a / y, gy * b / y


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """√(input² + other²) elementwise, without overflow in the squares."""
    return Hypot.apply(*_float_operands("hypot", input, other, integers="refuse"))


def _natural_log1p_exp(xp, d):
    return xp.log1p(xp.exp(d))


def logaddexp_arrays(xp, a, b, base_log=_natural_log1p_exp):
    """log(eᵃ + eᵇ) on arrays: max + log1p(e^−|a−b|) (base_log gives another base); equal infinities, whose
    difference is NaN, stay as they are."""
    with np.errstate(all="ignore"):
        y = xp.maximum(a, b) + base_log(xp, -xp.abs(a - b))
        return xp.where(xp.isinf(a) & (a == b), a, y).astype(a.dtype, copy=False)


class Logaddexp(Primitive):
    """log(eᵃ + eᵇ), computed as max + log1p(e^-|a-b|); d/da = 1 / (1 + e^(b-a))."""

    formula = "grad_self = grad / (1 + exp(other - self)), grad_other = grad / (1 + exp(self - other))"
    saved_names = ("self", "other")
    base_log = staticmethod(_natural_log1p_exp)

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return logaddexp_arrays(ctx.xp, a, b, cls.base_log)

    @classmethod
    def backward(cls, ctx, gy):
        a, b = ctx.saved_tensors
        return gy / (cls.power(b - a) + 1), gy / (cls.power(a - b) + 1)

    power = staticmethod(lambda d: d.exp())


class Logaddexp2(Logaddexp):
    """log₂(2ᵃ + 2ᵇ); d/da = 1 / (1 + 2^(b-a))."""

    formula = "grad_self = grad / (1 + 2^(other - self)), grad_other = grad / (1 + 2^(self - other))"
    base_log = staticmethod(lambda xp, d: xp.log1p(xp.exp2(d)) / d.dtype.type(LN2))
    power = staticmethod(lambda d: d.exp2())


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)) elementwise, without overflow."""
    return Logaddexp.apply(*_float_operands("logaddexp", input, other, integers="refuse"))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2**input + 2**other) elementwise, without overflow."""
    return Logaddexp2.apply(*_float_operands("logaddexp2", input, other, integers="refuse"))


class Ldexp(Primitive):
    """a · 2ᵇ; d/da = 2ᵇ, d/db = y · ln 2."""

    formula = "grad_self = grad · 2^other, grad_other = grad · result · ln 2"
    saved_names = ("other", "result")

    @staticmethod
    def forward(ctx, a, b):
        y = a * ctx.xp.exp2(b)
        ctx.save_for_backward(b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        b, y = ctx.saved_tensors
        return gy * b.exp2(), gy * y * LN2


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input · 2**other elementwise."""
    return Ldexp.apply(*_float_operands("ldexp", input, other))


class Nextafter(Primitive):
    """The next representable number after a toward b (b itself where a == b); its gradient is torch's:
    grad for a where a != b (0 where the result is b), 0 for b."""

    formula = "grad_self = grad · (self != other), grad_other = 0"
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.nextafter(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return gy * (a != b), (zeros_like_grad(gy) if ctx.needs_input_grad[1] else None)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The floating-point number after input in the direction of other, elementwise."""
    return Nextafter.apply(*_float_operands("nextafter", input, other, integers="refuse"))


class Heaviside(WithoutDerivative):
    """The step function: 0 below zero, 1 above, `values` at zero (no derivative in torch)."""

    aten_name = "heaviside"

    @staticmethod
    def forward(ctx, x, values):
        xp = ctx.xp
        return xp.where(x == 0, values, x > 0).astype(xp.result_type(x, values), copy=False)


class HeavisideInplace(Heaviside):
    aten_name = "heaviside_"


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 where input < 0, 1 where input > 0, values where input == 0 (NaN gives 0)."""
    return _heaviside(input, values, Heaviside)


def _heaviside(input, values, node):
    if input._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    a, b, _ = operands(input, values)
    return node.apply(a, b)


def heaviside_(self: Tensor, values: Tensor) -> Tensor:
    """In-place version of `heaviside`."""
    return make_inplace(lambda x, v: _heaviside(x, v, HeavisideInplace), "heaviside_")(self, values)


class Frexp(Primitive):
    """x = mantissa · 2^exponent with |mantissa| in [0.5, 1); d mantissa / dx = 2^-exponent."""

    formula = "grad_self = grad / 2^exponent"
    saved_names = ("exponent",)

    @staticmethod
    def forward(ctx, x):
        mantissa, exponent = ctx.xp.frexp(x)
        exponent = exponent.astype(np.int32, copy=False)
        ctx.save_for_backward(exponent)
        return mantissa.astype(x.dtype, copy=False), exponent

    @staticmethod
    def backward(ctx, g_mantissa, g_exponent):
        (exponent,) = ctx.saved_tensors
        return g_mantissa / exponent.to(g_mantissa.dtype).exp2()


def frexp(input: Tensor) -> tuple:
    """(mantissa, exponent) with input = mantissa · 2**exponent; exponent is int32."""
    if not input._dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return frexp_t(*Frexp.apply(input))
