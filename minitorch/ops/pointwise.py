"""Elementwise ops with torch's broadcasting and type promotion.

Unary floating ops are a table: forward on backend arrays, and the derivative dy/dx
written in minitorch ops from the input `x` and output `y` (so backward is itself
differentiable). Binary ops are Primitives whose backward returns gradients of the
output's shape; the engine sums them down to each input's broadcast shape.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import dtypes as D
from ..autograd import batched
from ..autograd.forward_ad import LINEAR
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute
from .fused import Fused
from ..tensor import Tensor
from ._helpers import (NOT_GIVEN, c_type_name, cast, check_broadcast, check_number, check_scalar_fits,
                       common_device, computed_from, is_tensor, operands, refuse_none, scalar_tensor, type_word,
                       zeros_like_grad)

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ---- unary ---------------------------------------------------------------------------

_HALF = D.float16.np.type  # the scalar type of half arrays, NumPy's and CuPy's alike


class _Unary(Primitive):
    """y = f(x); subclasses set `f(xp, x)` (or `kernel`, the name of a backend kernel computing it)
    and `df(x, y)` = dy/dx, written in x or in y: the op saves that one alone (as torch does), and df
    gets None for the other."""

    f = staticmethod(lambda xp, x: x)
    saved_names = ("self",)   # or ("result",), with saves_result
    saves_result = False
    kernel = None
    df = None

    @classmethod
    def forward(cls, ctx, x):
        backend = ctx.backend
        if x.dtype.type is _HALF:  # torch computes half ops in float32, then rounds
            xp = backend.xp
            f = getattr(backend, cls.kernel) if cls.kernel else (lambda a: cls.f(xp, a))
            y = f(x.astype(xp.float32)).astype(x.dtype)
        elif cls.kernel:
            y = backend.elementwise(getattr(backend, cls.kernel), x)
        else:
            y = backend.unary(cls.f, x)
        ctx.save_for_backward(y if cls.saves_result else x)
        return y

    @classmethod
    def _x_and_y(cls, saved):
        (s,) = saved
        return (None, s) if cls.saves_result else (s, None)

    @classmethod
    def backward(cls, ctx, gy):
        return gy * cls.df(*cls._x_and_y(ctx.saved_tensors))

    @staticmethod
    def backward_arrays(ctx, gy):
        cls = type(ctx)
        (s,) = ctx.saved_arrays
        return gy * (cls.array_df(ctx.xp, None, s) if cls.saves_result else cls.array_df(ctx.xp, s, None))

    @classmethod
    def jvp(cls, ctx, tx):
        """Forward mode: ẏ = dy/dx · ẋ."""
        return tx * cls.df(*cls._x_and_y(ctx.saved_tensors))




# name: (forward on arrays, dy/dx from input x and output y)
UNARY_FLOAT = {
    "exp": (lambda xp, x: xp.exp(x), lambda x, y: y),
    "exp2": (lambda xp, x: xp.exp2(x), lambda x, y: y * LN2),
    "expm1": (lambda xp, x: xp.expm1(x), lambda x, y: y + 1),
    "log": (lambda xp, x: xp.log(x), lambda x, y: x.reciprocal()),
    "log2": (lambda xp, x: xp.log2(x), lambda x, y: (x * LN2).reciprocal()),
    "log10": (lambda xp, x: xp.log10(x), lambda x, y: (x * LN10).reciprocal()),
    "log1p": (lambda xp, x: xp.log1p(x), lambda x, y: (x + 1).reciprocal()),
    "sqrt": (lambda xp, x: xp.sqrt(x), lambda x, y: (y * 2).reciprocal()),
    "rsqrt": (lambda xp, x: 1 / xp.sqrt(x), lambda x, y: y * y * y * -0.5),
    "reciprocal": (lambda xp, x: 1 / x, lambda x, y: -(y * y)),
    "sin": (lambda xp, x: xp.sin(x), lambda x, y: x.cos()),
    "cos": (lambda xp, x: xp.cos(x), lambda x, y: -x.sin()),
    "tan": (lambda xp, x: xp.tan(x), lambda x, y: y * y + 1),
    "asin": (lambda xp, x: xp.arcsin(x), lambda x, y: (1 - x * x).rsqrt()),
    "acos": (lambda xp, x: xp.arccos(x), lambda x, y: -(1 - x * x).rsqrt()),
    "atan": (lambda xp, x: xp.arctan(x), lambda x, y: (x * x + 1).reciprocal()),
    "sinh": (lambda xp, x: xp.sinh(x), lambda x, y: x.cosh()),
    "cosh": (lambda xp, x: xp.cosh(x), lambda x, y: x.sinh()),
    "tanh": (lambda xp, x: xp.tanh(x), lambda x, y: 1 - y * y),
    "sigmoid": (lambda xp, x: 1 / (1 + xp.exp(-x)), lambda x, y: y * (1 - y)),
    "erf": (None, lambda x, y: (-(x * x)).exp() * TWO_OVER_SQRT_PI),        # the backend's erf kernel
    "erfinv": (None, lambda x, y: (x.erfinv() ** 2).exp() / TWO_OVER_SQRT_PI),   # the backend's erfinv kernel
    "acosh": (lambda xp, x: xp.arccosh(x), lambda x, y: (x * x - 1).rsqrt()),
    "asinh": (lambda xp, x: xp.arcsinh(x), lambda x, y: (x * x + 1).rsqrt()),
    "atanh": (lambda xp, x: xp.arctanh(x), lambda x, y: (1 - x * x).reciprocal()),
    "deg2rad": (lambda xp, x: x * x.dtype.type(math.pi / 180), lambda x, y: x.new_full((), math.pi / 180)),
    "rad2deg": (lambda xp, x: x * x.dtype.type(180 / math.pi), lambda x, y: x.new_full((), 180 / math.pi)),
    "sinc": (lambda xp, x: _sinc(xp, x), lambda x, y: _sinc_slope(x)),
    "erfc": (None, lambda x, y: (-(x * x)).exp() * -TWO_OVER_SQRT_PI),             # the backend's erfc kernel
    "lgamma": (None, lambda x, y: digamma(x)),                                      # the backend's lgamma kernel
    "digamma": (None, lambda x, y: polygamma(1, x)),                                 # the backend's digamma kernel
}

# dy/dx in words, for the docstrings and the stepper (the table above is the code)
DERIVATIVE_TEXT = {
    "exp": "y", "exp2": "y · ln 2", "expm1": "y + 1", "log": "1 / x", "log2": "1 / (x · ln 2)",
    "log10": "1 / (x · ln 10)", "log1p": "1 / (x + 1)", "sqrt": "1 / (2y)", "rsqrt": "-y³ / 2",
    "reciprocal": "-y²", "sin": "cos x", "cos": "-sin x", "tan": "1 + y²", "asin": "1 / √(1 - x²)",
    "acos": "-1 / √(1 - x²)", "atan": "1 / (1 + x²)", "sinh": "cosh x", "cosh": "sinh x", "tanh": "1 - y²",
    "sigmoid": "y · (1 - y)", "erf": "2/√π · exp(-x²)", "erfinv": "√π/2 · exp(erfinv(x)²)",
    "acosh": "1 / √(x² - 1)", "asinh": "1 / √(x² + 1)", "atanh": "1 / (1 - x²)", "deg2rad": "π / 180",
    "rad2deg": "180 / π", "sinc": "(cos(πx) πx − sin(πx)) / (πx²), 0 at x = 0", "erfc": "−2/√π · exp(-x²)",
    "lgamma": "ψ(x)", "digamma": "ψ′(x) = polygamma(1, x)",
}

# dy/dx on backend arrays for the common ones (the fast backward when no graph of the gradient is wanted)
ARRAY_DF = {
    "exp": lambda xp, x, y: y,
    "log": lambda xp, x, y: 1 / x,
    "sqrt": lambda xp, x, y: 0.5 / y,
    "rsqrt": lambda xp, x, y: y * y * y * -0.5,
    "reciprocal": lambda xp, x, y: -(y * y),
    "sin": lambda xp, x, y: xp.cos(x),
    "cos": lambda xp, x, y: -xp.sin(x),
    "tanh": lambda xp, x, y: 1 - y * y,
    "sigmoid": lambda xp, x, y: y * (1 - y),
    "log1p": lambda xp, x, y: 1 / (x + 1),
}

_FLOAT_CLASSES = {}
_TORCH_NODE_NAMES = {"log1p": "Log1PBackward0", "deg2rad": "Deg2RadBackward0", "rad2deg": "Rad2DegBackward0"}  # where torch's node name is not the op's name capitalised


# the unary ops whose derivative is written in their output y (they save it); the others save x
SAVES_RESULT = {"exp", "exp2", "expm1", "sqrt", "rsqrt", "reciprocal", "tan", "tanh", "sigmoid"}


# ... and those whose derivative is a constant: torch's node keeps nothing ("": kept, not shown)
CONSTANT_SLOPE = {"deg2rad", "rad2deg"}


class _OutputGradient(Primitive):
    """torch's tanh_backward / sigmoid_backward(grad, y): the gradient of an op written in its output y, as an op of
    its own, so that the graph of a gradient (create_graph=True) shows torch's node. It is linear in grad (its
    derivative there is the op again); `output_derivative(gg, grad, y)` is its derivative in y, as torch writes it."""

    saved_names = ("grad_output", "output")
    slope = None  # on arrays: dy/dx from y

    @classmethod
    def forward(cls, ctx, gy, y):
        ctx.save_for_backward(gy, y)
        return gy * cls.slope(y)

    @classmethod
    def backward(cls, ctx, gg):
        gy, y = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (cls.apply(gg, y) if na[0] else None), (cls.output_derivative(gg, gy, y) if na[1] else None)


class TanhBackward(_OutputGradient):
    """grad · (1 − y²); d/dy = gg · (−2 y grad)."""

    node_name = "TanhBackwardBackward0"
    slope = staticmethod(lambda y: 1 - y * y)
    output_derivative = staticmethod(lambda gg, gy, y: gg * (-2 * y * gy))


class SigmoidBackward(_OutputGradient):
    """grad · (1 − y) y; d/dy = gg · grad · (1 − 2y)."""

    node_name = "SigmoidBackwardBackward0"
    slope = staticmethod(lambda y: (1 - y) * y)
    output_derivative = staticmethod(lambda gg, gy, y: gg * gy * (-2 * y + 1))


_GRADIENT_OPS = {"tanh": TanhBackward, "sigmoid": SigmoidBackward}  # torch's own gradient op, where it has one


def _make_float_unary(name, f, df):
    shown = ("",) if name in CONSTANT_SLOPE else ("result",) if name in SAVES_RESULT else ("self",)
    body = {"saved_names": shown, "saves_result": name in SAVES_RESULT,
            "f": staticmethod(f), "kernel": name if f is None else None, "df": staticmethod(df),
            "__module__": __name__, "__doc__": f"y = {name}(x) elementwise; dy/dx = {DERIVATIVE_TEXT[name]}.",
            "formula": f"grad_self = grad · ({DERIVATIVE_TEXT[name]})"}
    if name in ARRAY_DF:
        body["array_df"] = staticmethod(ARRAY_DF[name])
    else:
        body["backward_arrays"] = None
    if name in _TORCH_NODE_NAMES:
        body["node_name"] = _TORCH_NODE_NAMES[name]
    if name in _GRADIENT_OPS:  # with a graph of the gradient: torch's gradient op, on the saved output
        body["backward"] = staticmethod(lambda ctx, gy, _op=_GRADIENT_OPS[name]: _op.apply(gy, ctx.saved_tensors[0]))
    cls = type(name.capitalize(), (_Unary,), body)

    def op(input: Tensor) -> Tensor:
        if input._dtype.is_floating_point:
            return cls.apply(input)
        return cls.apply(input.to(D.get_default_dtype()))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}; integer inputs give the default float dtype."
    _FLOAT_CLASSES[name] = cls
    return op


exp = _make_float_unary("exp", *UNARY_FLOAT["exp"])
exp2 = _make_float_unary("exp2", *UNARY_FLOAT["exp2"])
expm1 = _make_float_unary("expm1", *UNARY_FLOAT["expm1"])
log = _make_float_unary("log", *UNARY_FLOAT["log"])
log2 = _make_float_unary("log2", *UNARY_FLOAT["log2"])
log10 = _make_float_unary("log10", *UNARY_FLOAT["log10"])
log1p = _make_float_unary("log1p", *UNARY_FLOAT["log1p"])
sqrt = _make_float_unary("sqrt", *UNARY_FLOAT["sqrt"])
rsqrt = _make_float_unary("rsqrt", *UNARY_FLOAT["rsqrt"])
reciprocal = _make_float_unary("reciprocal", *UNARY_FLOAT["reciprocal"])
sin = _make_float_unary("sin", *UNARY_FLOAT["sin"])
cos = _make_float_unary("cos", *UNARY_FLOAT["cos"])
tan = _make_float_unary("tan", *UNARY_FLOAT["tan"])
asin = _make_float_unary("asin", *UNARY_FLOAT["asin"])
acos = _make_float_unary("acos", *UNARY_FLOAT["acos"])
atan = _make_float_unary("atan", *UNARY_FLOAT["atan"])
sinh = _make_float_unary("sinh", *UNARY_FLOAT["sinh"])
cosh = _make_float_unary("cosh", *UNARY_FLOAT["cosh"])
tanh = _make_float_unary("tanh", *UNARY_FLOAT["tanh"])
sigmoid = _make_float_unary("sigmoid", *UNARY_FLOAT["sigmoid"])
erf = _make_float_unary("erf", *UNARY_FLOAT["erf"])
erfinv = _make_float_unary("erfinv", *UNARY_FLOAT["erfinv"])
acosh = _make_float_unary("acosh", *UNARY_FLOAT["acosh"])
asinh = _make_float_unary("asinh", *UNARY_FLOAT["asinh"])
atanh = _make_float_unary("atanh", *UNARY_FLOAT["atanh"])
deg2rad = _make_float_unary("deg2rad", *UNARY_FLOAT["deg2rad"])
rad2deg = _make_float_unary("rad2deg", *UNARY_FLOAT["rad2deg"])
sinc = _make_float_unary("sinc", *UNARY_FLOAT["sinc"])
erfc = _make_float_unary("erfc", *UNARY_FLOAT["erfc"])
lgamma = _make_float_unary("lgamma", *UNARY_FLOAT["lgamma"])
digamma = _make_float_unary("digamma", *UNARY_FLOAT["digamma"])
arccosh, arcsinh, arctanh = acosh, asinh, atanh


def _sinc(xp, x):
    """sin(πx) / (πx), and 1 at x = 0."""
    with np.errstate(all="ignore"):
        px = x * x.dtype.type(math.pi)
        return xp.where(x == 0, x.dtype.type(1), xp.sin(px) / px).astype(x.dtype, copy=False)


def _sinc_slope(x):
    """d sinc / dx = (cos(πx) πx − sin(πx)) / (πx²), 0 at x = 0 (in minitorch ops)."""
    px = x * math.pi
    return ((px.cos() * px - px.sin()) / (px * x)).masked_fill(x == 0, 0.0)


class Polygamma(Primitive):
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function; its derivative is ψ⁽ⁿ⁺¹⁾(x)."""

    formula = "grad_self = grad · polygamma(n + 1, x)"
    saved_names = ("self",)
    saved_values = {"n": attribute("n")}

    @staticmethod
    def forward(ctx, x, *, n):
        ctx.n = n
        ctx.save_for_backward(x)
        return ctx.backend.elementwise(lambda a: ctx.backend.polygamma(n, a), x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * Polygamma.apply(x, n=ctx.n + 1)


def polygamma(n: int, input: Tensor) -> Tensor:
    """ψ⁽ⁿ⁾(input) elementwise; integer inputs give the default float dtype."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if not input._dtype.is_floating_point:
        input = input.to(D.get_default_dtype())
    return Polygamma.apply(input, n=n)


# the table's op classes by name: the node TanhBackward0 in a graph is an instance of a subclass of Tanh
(Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Reciprocal, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh,
 Sigmoid, Erf, Erfinv, Acosh, Asinh, Atanh, Deg2rad, Rad2deg, Sinc, Erfc, Lgamma, Digamma) = (
    _FLOAT_CLASSES[name] for name in UNARY_FLOAT)
arcsin, arccos, arctan = asin, acos, atan


class Neg(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = -grad"

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, gy):
        return -gy

    @staticmethod
    def backward_arrays(ctx, gy):
        return -gy


def neg(input: Tensor) -> Tensor:
    if input._dtype is D.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(input)


negative = neg


class Abs(Primitive):
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * x.sign()


def abs(input: Tensor) -> Tensor:
    if input._dtype is D.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return Abs.apply(input)


absolute = abs


class _ZeroGrad(Primitive):
    """Piecewise-constant ops (sign, floor, ...): the gradient is zero almost everywhere."""

    f = staticmethod(lambda xp, x: x)

    @classmethod
    def forward(cls, ctx, x, **kw):
        return cls.f(ctx.xp, x, **kw)

    @staticmethod
    def backward(ctx, gy):
        return zeros_like_grad(gy)


def _round_decimals(xp, x, decimals=0):
    if decimals == 0:
        return xp.round(x)
    scale = x.dtype.type(10.0 ** builtins.abs(decimals))
    return xp.round(x * scale) / scale if decimals > 0 else xp.round(x / scale) * scale


class Sign(_ZeroGrad):
    f = staticmethod(lambda xp, x: x.copy() if x.dtype == xp.bool_ else
                     xp.nan_to_num(xp.sign(x), nan=0.0) if x.dtype.kind == "f" else xp.sign(x))


class Floor(_ZeroGrad):
    f = staticmethod(lambda xp, x: xp.floor(x))


class Ceil(_ZeroGrad):
    f = staticmethod(lambda xp, x: xp.ceil(x))


class Trunc(_ZeroGrad):
    f = staticmethod(lambda xp, x: xp.trunc(x))


class Round(_ZeroGrad):
    f = staticmethod(_round_decimals)


def sign(input: Tensor) -> Tensor:
    return Sign.apply(input)


class Sgn(Sign):
    """sign(x) for real tensors (x / |x| for complex ones, which minitorch has not)."""

    saved_names = ("self", "result")  # torch keeps both for the complex derivative

    @classmethod
    def forward(cls, ctx, x):
        y = cls.f(ctx.xp, x)
        ctx.save_for_backward(x, y)
        return y


def sgn(input: Tensor) -> Tensor:
    return Sgn.apply(input)


def positive(input: Tensor) -> Tensor:
    """input itself (the unary `+`)."""
    if input._dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _integer_identity(op):
    def rounding(input: Tensor, **kw) -> Tensor:
        if set(kw) - {"decimals"}:
            raise TypeError(f"{rounding.__name__}() got an unexpected keyword argument '{next(iter(set(kw) - {'decimals'}))}'")
        if not input._dtype.is_floating_point:
            if kw.get("decimals", 0) != 0 or input._dtype is D.bool_:
                name = "round" if op is Round else op.__name__.lower() + "_vml"
                raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_word(input._dtype)}'")
            return Clone_.apply(input)
        return op.apply(input, **kw)
    rounding.__name__ = op.__name__.lower()
    rounding.__doc__ = f"Elementwise {op.__name__.lower()}; integer tensors are returned unchanged (copied)."
    return rounding


from .convert import Clone as Clone_  # noqa: E402

floor = _integer_identity(Floor)
ceil = _integer_identity(Ceil)
trunc = _integer_identity(Trunc)
fix = trunc


def round(input: Tensor, *, decimals: int = NOT_GIVEN) -> Tensor:
    """Round half to even; with `decimals`, to that many decimal places."""
    refuse_none("round", "decimals", decimals)
    decimals = None if decimals is NOT_GIVEN else decimals
    if not input._dtype.is_floating_point:
        if decimals is not None:  # torch's decimals overload has no integer kernel
            raise NotImplementedError(f"\"round_vml_cpu\" not implemented for '{type_word(input._dtype)}'")
        return _integer_identity(Round)(input)
    return (Round if decimals is None else RoundDecimals).apply(input, decimals=decimals or 0)


class RoundDecimals(Round):
    node_name = "RoundBackward1"        # round(x, decimals=n)


class Frac(Primitive):
    @staticmethod
    def forward(ctx, x):
        return x - ctx.xp.trunc(x)

    @staticmethod
    def backward(ctx, gy):
        return gy


def frac(input: Tensor) -> Tensor:
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{type_word(input._dtype)}'")
    return Frac.apply(input)


def square(input: Tensor) -> Tensor:
    return pow(input, 2)


class Logit(Primitive):
    saved_names = ("self",)
    saved_values = {"eps": attribute("eps")}

    @staticmethod
    def forward(ctx, x, *, eps=None):
        ctx.eps = eps
        ctx.save_for_backward(x)
        xp = ctx.xp
        # torch's clamp of the kernel: x < lo ? lo : (x > hi ? hi : x), so a NaN eps leaves x as it is
        z = x if eps is None else xp.where(x < eps, eps, xp.where(x > 1 - eps, 1 - eps, x)).astype(x.dtype)
        return xp.log(z / (1 - z))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        # x(1 - x) >= 0 on [0, 1] (abs keeps 1/(-0.0) at +inf); outside the domain the gradient is nan
        return gy * _logit_slope(x, ctx.eps, (x * (1 - x)).abs())

    @staticmethod
    def jvp(ctx, tx):
        """Forward mode, as torch's: the same slope without the abs (at x = -0.0 the tangent is -inf)."""
        (x,) = ctx.saved_tensors
        return tx * _logit_slope(x, ctx.eps, x * (1 - x))


def _logit_slope(x, eps, denominator):
    """d logit / dx = 1 / (x (1 - x)) inside the domain (or [eps, 1 - eps]); nan outside it, or 0 outside the clamp."""
    outside = (x < 0) | (x > 1) if eps is None else (x < eps) | (x > 1 - eps)
    return where(outside, math.nan if eps is None else 0.0, denominator.reciprocal())


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    if not input._dtype.is_floating_point:
        input = input.to(D.get_default_dtype())
    return Logit.apply(input, eps=eps)


class NanToNum(Primitive):
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x, *, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return ctx.xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * isfinite(x)


def nan_to_num(input: Tensor, nan: float | None = None, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN -> `nan` (0 by default), +-inf -> `posinf`/`neginf` (the dtype's extremes by default)."""
    nan = 0.0 if nan is None else nan
    if not input._dtype.is_floating_point:
        return input.clone()
    return NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


# ---- binary arithmetic ---------------------------------------------------------------

def _check_alpha(dt, alpha) -> None:
    """torch's checks of add/sub's alpha (a number) for a result of dtype `dt`."""
    if isinstance(alpha, bool) and dt is not D.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if alpha != 1:
        if not dt.is_floating_point and isinstance(alpha, float):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        if dt is D.bool_ and not isinstance(alpha, bool):
            raise RuntimeError("Boolean alpha only supported for Boolean results.")


class Add(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = grad, grad_other = alpha · grad (each summed to its input's shape)"
    saved_values = {"alpha": attribute("alpha")}

    @staticmethod
    def forward(ctx, a, b, *, alpha=1):
        ctx.alpha = alpha
        return a + b if alpha == 1 else a + b * a.dtype.type(alpha)

    @staticmethod
    def backward(ctx, gy):
        if not ctx.needs_input_grad[1]:
            return gy, None
        return gy, (gy if ctx.alpha == 1 else gy * ctx.alpha)

    backward_arrays = backward


class Sub(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = grad, grad_other = -alpha · grad (each summed to its input's shape)"
    saved_values = {"alpha": attribute("alpha")}

    @staticmethod
    def forward(ctx, a, b, *, alpha=1):
        ctx.alpha = alpha
        return a - b if alpha == 1 else a - b * a.dtype.type(alpha)

    @staticmethod
    def backward(ctx, gy):
        if not ctx.needs_input_grad[1]:
            return gy, None
        return gy, (-gy if ctx.alpha == 1 else gy * -ctx.alpha)

    backward_arrays = backward


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other."""
    alpha = check_number("add", "alpha", alpha)  # the parser's check comes before the operands'
    a, b, dt = operands(input, other, numbers=True)
    _check_alpha(dt, alpha)
    if dt is D.bool_:
        return logical_or(a, b)
    return Add.apply(a, b, alpha=alpha)


def _is_bool(x) -> bool:
    return x._dtype is D.bool_ if type(x) is Tensor else isinstance(x, bool)


def _refuse_bool_subtraction(input, other) -> None:
    if _is_bool(input) or _is_bool(other):
        if D.result_type(input, other) is D.bool_:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other."""
    alpha = check_number("sub", "alpha", alpha)
    _refuse_bool_subtraction(input, other)
    a, b, dt = operands(input, other, numbers=True)
    _check_alpha(dt, alpha)
    return Sub.apply(a, b, alpha=alpha)


subtract = sub


class Rsub(Sub):
    node_name = "RsubBackward0"         # rsub(tensor, tensor): other - alpha * input


class RsubScalar(Sub):
    node_name = "RsubBackward1"         # number - tensor, and rsub(tensor, number)


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    _refuse_bool_subtraction(input, other)
    alpha = check_number("rsub", "alpha", alpha)
    a, b, dt = operands(other, input)
    _check_alpha(dt, alpha)
    return (Rsub if is_tensor(other) else RsubScalar).apply(a, b, alpha=alpha)


class Mul(Primitive):
    saved_names = ("self", "other")
    formula = "grad_self = grad · other, grad_other = grad · self"

    @staticmethod
    def forward(ctx, a, b):
        na = ctx.needs_input_grad
        if na:  # each factor is needed only for the other's gradient (as torch saves them)
            ctx.save_for_backward(a if na[1] else None, b if na[0] else None)
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (gy * b if na[0] else None), (gy * a if na[1] else None)

    @staticmethod
    def backward_arrays(ctx, gy):
        a, b = ctx.saved_arrays
        na = ctx.needs_input_grad
        return (gy * b if na[0] else None), (gy * a if na[1] else None)


def mul(input, other) -> Tensor:
    a, b, dt = operands(input, other, numbers=True)
    return Mul.apply(a, b)


multiply = mul


class Div(Primitive):
    formula = "grad_self = grad / other, grad_other = -grad · (self / other) / other"
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx, a, b):
        na = ctx.needs_input_grad
        if na:  # self is needed only for other's gradient (as torch saves them)
            ctx.save_for_backward(a if na[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na = ctx.needs_input_grad
        ga = gy / b if na[0] else None
        gb = -gy * ((a / b) / b) if na[1] else None  # torch's order of operations, so its second derivative too
        return ga, gb

    @staticmethod
    def backward_arrays(ctx, gy):
        a, b = ctx.saved_arrays
        na = ctx.needs_input_grad
        return (gy / b if na[0] else None), (-gy * ((a / b) / b) if na[1] else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        """Forward mode, torch's formula: ẏ = (ȧ - ḃ · y) / b, y = a / b (its infinities at b = 0 are torch's)."""
        a, b = ctx.jvp_inputs
        return (ta - tb * (a / b)) / b


def _check_int_divisor(a, b):
    """Integer division by zero raises (as torch on the CPU) when there is anything to divide."""
    if a.dtype.kind != "f" and a.size and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")


class _RoundedDiv(_ZeroGrad):
    """Division rounded toward zero ('trunc') or minus infinity ('floor'); zero gradient."""

    @staticmethod
    def forward(ctx, a, b, *, mode):
        xp = ctx.xp
        if a.dtype.kind == "f":
            return ctx.backend.floor_divide(a, b) if mode == "floor" else xp.trunc(a / b)
        _check_int_divisor(a, b)
        q = xp.floor_divide(a, b)
        if mode == "trunc":
            q = q + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
        return q.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return zeros_like_grad(gy), zeros_like_grad(gy)


class DivGivenNoRounding(Div):
    node_name = "DivBackward2"          # div(..., rounding_mode=None), the keyword given
    saved_values = {"rounding_mode": lambda node: None}

    @staticmethod
    def jvp(ctx, ta, tb):
        """Forward mode, torch's formula for this overload: ẏ = ȧ / b - ḃ · (a / b) / b."""
        a, b = ctx.jvp_inputs
        return ta / b - tb * (a / b) / b


def div(input, other, *, rounding_mode=NOT_GIVEN) -> Tensor:
    """True division (int inputs give the default float), or rounded with `rounding_mode`."""
    if rounding_mode is None or rounding_mode is NOT_GIVEN:
        dt = D.float_result(D.result_type(input, other))
        a, b, _ = operands(input, other, dtype=dt, numbers=True)
        return (Div if rounding_mode is NOT_GIVEN else DivGivenNoRounding).apply(a, b)
    if not isinstance(rounding_mode, str):
        raise TypeError(f"div(): argument 'rounding_mode' must be str, not {type(rounding_mode).__name__}")
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    a, b, dt = operands(input, other, numbers=True)
    if dt is D.bool_:
        a, b = a.to(D.int64), b.to(D.int64)
    return _RoundedDiv.apply(a, b, mode=rounding_mode)


divide = div


def true_divide(input, other) -> Tensor:
    """input / other in floating point (div without a rounding mode)."""
    return div(input, other)


# Tensor-and-number arithmetic as torch's C++ composites do it (the Scalar overloads, nodes ending in 1);
# from Python, `x * 2` wraps the number in a tensor and records MulBackward0.
class _ByNumber:
    """A Scalar overload's node: it keeps the number itself as `other` (the tensor made of it stays hidden)."""
    saved_names = ("", "")
    saved_values = {"other": attribute("number")}

    @classmethod
    def forward(cls, ctx, a, b, *, number):
        ctx.number = number
        return super().forward(ctx, a, b)


class DivByNumber(_ByNumber, Div):
    node_name = "DivBackward1"


class MulByNumber(_ByNumber, Mul):
    node_name = "MulBackward1"


class AddByNumber(Add):
    node_name = "AddBackward1"
    saved_values = {}                   # torch's add.Scalar keeps nothing


class SubByNumber(Sub):
    node_name = "SubBackward1"
    saved_values = {}


def div_by_number(input: Tensor, number) -> Tensor:
    a, b, _ = operands(input, number, dtype=D.float_result(D.result_type(input, number)))
    return DivByNumber.apply(a, b, number=number)


def mul_by_number(input: Tensor, number) -> Tensor:
    a, b, _ = operands(input, number)
    return MulByNumber.apply(a, b, number=number)


def add_by_number(input: Tensor, number) -> Tensor:
    a, b, _ = operands(input, number)
    return AddByNumber.apply(a, b)


def sub_by_number(input: Tensor, number) -> Tensor:
    a, b, _ = operands(input, number)
    return SubByNumber.apply(a, b)


def floor_divide(input, other) -> Tensor:
    """input / other rounded down."""
    if D.result_type(input, other) is D.bool_:
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    return div(input, other, rounding_mode="floor")


class _Modulus(Primitive):
    """a - q * b for the quotient q rounded by `rounding`; d/db = -q."""

    f = None
    rounding = None

    @classmethod
    def forward(cls, ctx, a, b):
        if ctx.needs_input_grad and ctx.needs_input_grad[1]:  # only b's gradient reads them (as torch saves)
            ctx.save_for_backward(a, b)
        _check_int_divisor(a, b)
        return cls.f(ctx.backend, a, b)

    @classmethod
    def backward(cls, ctx, gy):
        if not ctx.needs_input_grad[1]:
            return gy, None
        a, b = ctx.saved_tensors
        return gy, -gy * div(a, b, rounding_mode=cls.rounding)


class Remainder(_Modulus):
    """Python-style modulus: the result has the sign of the divisor."""

    f = staticmethod(lambda backend, a, b: backend.remainder(a, b))
    rounding = "floor"


class Fmod(_Modulus):
    """C-style modulus: the result has the sign of the dividend."""

    f = staticmethod(lambda backend, a, b: backend.xp.fmod(a, b))
    rounding = "trunc"


class RemainderTensor(Remainder):
    node_name = "RemainderBackward1"    # a tensor divisor (RemainderBackward0: a number)
    saved_names = ("self", "other")


class FmodTensor(Fmod):
    node_name = "FmodBackward1"
    saved_names = ("self", "other")


def remainder(input, other) -> Tensor:
    """input - floor(input / other) * other: the remainder with the divisor's sign."""
    a, b, dt = operands(input, other)
    if dt is D.bool_:
        raise NotImplementedError("\"remainder_cpu\" not implemented for 'Bool'")
    return (RemainderTensor if is_tensor(other) else Remainder).apply(a, b)


def fmod(input: Tensor, other) -> Tensor:
    a, b, dt = operands(input, other)
    return (FmodTensor if is_tensor(other) else Fmod).apply(a, b)


class Pow(Primitive):
    formula = "grad_self = grad · exponent · self^(exponent - 1), grad_exponent = grad · y · ln(self)"
    # tensor ** number: torch keeps the tensor and the number (its exponent as given)
    saved_names = ("self", "", "")
    saved_values = {"exponent": attribute("number")}

    @staticmethod
    def forward(ctx, a, b, number=None):
        ctx.number = number  # the Python number of a tensor ** number or number ** tensor, as given
        xp = ctx.xp
        if a.dtype.kind in "iu" and (b < 0).any():
            # integer powers with negative exponents: 1, -1 or 0, as integer division gives
            neg = b < 0
            y = xp.power(a, xp.where(neg, 0, b))
            y = xp.where(neg, xp.where(a == 1, 1, xp.where(a == -1, xp.where(b % 2 == 0, 1, -1), 0)), y)
            y = y.astype(a.dtype, copy=False)
        else:
            y = xp.power(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        na = ctx.needs_input_grad
        ga = gb = None
        # the masks pick the factor, not the product, so that the backward differentiated in gy (the transpose
        # forward mode takes) has no 0 · inf where the mask holds
        if na[0]:
            ga = gy * where(b == 0, 0.0, b * a ** (b - 1))
        if na[1]:
            gb = gy * where((a == 0) & (b >= 0), 0.0, y * a.log())
        return ga, gb


def pow(input, exponent) -> Tensor:
    """input ** exponent; either side may be a Python scalar."""
    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0 and is_tensor(input) \
            and not input._dtype.is_floating_point:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    a, b, dt = operands(input, exponent)
    if dt is D.bool_:  # torch's kernel takes a bool tensor to a bool power only: x ** y is x or not y
        if is_tensor(exponent):
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        return a.logical_or(~b)
    return _pow_node(input, exponent).apply(a, b, number=_number_of(input, exponent))


class PowTensor(Pow):
    node_name = "PowBackward1"          # tensor ** tensor
    saved_names = ("self", "exponent", "result")
    saved_values = {}


class PowScalarBase(Pow):
    node_name = "PowBackward2"          # number ** tensor
    saved_names = ("", "exponent", "result")
    saved_values = {"self": attribute("number")}


def _number_of(input, exponent):
    """The Python number among pow's operands (None for two tensors)."""
    return input if not is_tensor(input) else exponent if not is_tensor(exponent) else None


def _pow_node(input, exponent):
    """torch's node for the call: PowBackward0 for tensor ** number, 1 for tensor ** tensor, 2 for number ** tensor."""
    if not is_tensor(exponent):
        return Pow
    return PowTensor if is_tensor(input) else PowScalarBase


def float_power(input, exponent) -> Tensor:
    """input ** exponent computed in float64 (tensors converted first, as torch converts them: ToCopyBackward0)."""
    input, exponent = (t.to(D.float64) if is_tensor(t) else t for t in (input, exponent))
    a, b, _ = operands(input, exponent, dtype=D.float64)
    number = _number_of(input, exponent)
    return _pow_node(input, exponent).apply(a, b, number=None if number is None else float(number))



class _Pick(Primitive):
    """Elementwise choice between a and b; the gradient follows the value chosen."""

    saved_names = ("self", "other")

    f = None              # f(xp, a, b): the result
    takes_a = None        # takes_a(a, b): where the result is a (minitorch ops)
    tangent_takes_a = None  # where forward mode's tangent is a's (takes_a unless set)
    split_ties = False    # maximum/minimum share the gradient evenly where a == b

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls.f(ctx.xp, a, b)

    @classmethod
    def backward(cls, ctx, gy):
        a, b = ctx.saved_tensors
        first = cls.takes_a(a, b)
        zero = zeros_like_grad(gy)
        ga, gb = where(first, gy, zero), where(first, zero, gy)
        if cls.split_ties:
            tie, half = a == b, gy / 2
            ga, gb = where(tie, half, ga), where(tie, half, gb)
        return ga, gb

    @classmethod
    def jvp(cls, ctx, ta, tb):
        """Forward mode, as torch's: ẏ = ḃ + w · (ȧ - ḃ), w = 1 where the tangent follows a (½ at ties for
        maximum/minimum). For fmax torch's tangent follows b at ties, where backward picks a."""
        a, b = ctx.saved_tensors
        w = (cls.tangent_takes_a or cls.takes_a)(a, b)
        if cls.split_ties:
            w = where(a == b, 0.5, w.to(ta.dtype))
        return tb + w * (ta - tb)


class Maximum(_Pick):
    f = staticmethod(lambda xp, a, b: xp.maximum(a, b))
    takes_a = staticmethod(lambda a, b: a > b)
    split_ties = True


class Minimum(_Pick):
    f = staticmethod(lambda xp, a, b: xp.minimum(a, b))
    takes_a = staticmethod(lambda a, b: a < b)
    split_ties = True


class Fmax(_Pick):
    """Maximum that ignores NaN (NaN only where both are NaN)."""

    f = staticmethod(lambda xp, a, b: xp.fmax(a, b))
    takes_a = staticmethod(lambda a, b: (a >= b) | b.isnan())
    tangent_takes_a = staticmethod(lambda a, b: (a > b) | b.isnan())


class Fmin(_Pick):
    """Minimum that ignores NaN (NaN only where both are NaN)."""

    f = staticmethod(lambda xp, a, b: xp.fmin(a, b))
    takes_a = staticmethod(lambda a, b: (a <= b) | b.isnan())


def _tensor_pair(name):
    def check(input, other):
        if not (is_tensor(input) and is_tensor(other)):
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                            f"{type(other).__name__ if is_tensor(input) else type(input).__name__}")
        return operands(input, other)
    return check


def _pick_op(cls, name):
    def op(input: Tensor, other: Tensor) -> Tensor:
        a, b, _ = _tensor_pair(name)(input, other)
        return cls.apply(a, b)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} of two tensors. {cls.__doc__ or ''}".strip()
    return op


maximum = _pick_op(Maximum, "maximum")
minimum = _pick_op(Minimum, "minimum")
fmax = _pick_op(Fmax, "fmax")
fmin = _pick_op(Fmin, "fmin")


class Atan2(Primitive):
    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.arctan2(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        r = (a * a + b * b).reciprocal()
        r = r.masked_fill(r.isinf(), 0)  # zero where a^2 + b^2 underflows, as torch
        return gy * b * r, -gy * a * r


def atan2(input: Tensor, other: Tensor) -> Tensor:
    _tensor_pair("atan2")(input, other)
    dt = D.float_result(D.result_type(input, other))
    a, b, _ = operands(input, other, dtype=dt)
    return Atan2.apply(a, b)


arctan2 = atan2


def number_operand_nodes(base, self_node: str, other_node: str):
    """The nodes of `base`'s op with a number for self (`self_node`) or for other (`other_node`), which keep the
    number as the call gave it (`_saved_self` = 2.0), where `base` keeps two tensors; forward takes it as `given`."""
    def node(name, suffix, names, number):
        return type(base.__name__ + suffix, (base,), {"node_name": name, "saved_names": names, "__module__": base.__module__,
                                                      "saved_values": {number: attribute("given")}})
    return node(self_node, "SelfScalar", ("", "other"), "self"), node(other_node, "OtherScalar", ("self", ""), "other")


class Xlogy(Primitive):
    """x * log(y), taken as 0 where x == 0 (unless y is nan)."""

    saved_names = ("self", "other")

    @staticmethod
    def forward(ctx, x, y, *, given=None):
        ctx.given = given  # the number operand, if one was (see number_operand_nodes)
        ctx.save_for_backward(x, y)
        xp = ctx.xp
        return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), x.dtype), x * xp.log(y)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        """d/dx = log(y) (torch keeps it where x == 0, except where also y <= 0); d/dy = x / y."""
        x, y = ctx.saved_tensors
        return xlogy(gy, y).masked_fill((x == 0) & (y <= 0), 0.0), gy * x / y


def xlogy(input, other) -> Tensor:
    dt = D.float_result(D.result_type(input, other))
    a, b, _ = operands(input, other, dtype=dt)
    node = Xlogy if is_tensor(input) and is_tensor(other) else XlogySelfScalar if is_tensor(other) else XlogyOtherScalar
    return node.apply(a, b, given=None if node is Xlogy else other if node is XlogyOtherScalar else input)


# xlogy(number, tensor) and xlogy(tensor, number)
XlogySelfScalar, XlogyOtherScalar = number_operand_nodes(Xlogy, "XlogyBackward1", "XlogyBackward2")


class Lerp(Primitive):
    """start + weight * (end - start), computed from the nearer end as torch does."""

    saved_names = ("", "", "")  # a number weight: torch's node keeps the number only
    saved_values = {"weight": attribute("given_weight")}

    @staticmethod
    def forward(ctx, s, e, w, given_weight=None):
        ctx.given_weight = given_weight
        ctx.save_for_backward(s, e, w)
        xp = ctx.xp
        d = e - s
        return xp.where(xp.abs(w) < 0.5, s + w * d, e - d * (1 - w)).astype(s.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        s, e, w = ctx.saved_tensors
        return gy * (1 - w), gy * w, gy * (e - s)


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """input + weight * (end - input)."""
    if not is_tensor(weight):
        check_number("lerp", "weight", weight, 3)
    check_broadcast(input._data.shape, end._data.shape, *((weight._data.shape,) if is_tensor(weight) else ()))
    if input._dtype is not end._dtype:
        raise RuntimeError(f"expected dtype {input._dtype.c_name} for `end` but got dtype {end._dtype.c_name}")
    if is_tensor(weight) and weight._data.ndim == 0 and weight._dtype is not input._dtype:
        # torch checks the dtype of a weight with dims only; a 0-d one takes part in type promotion
        dt = D.result_type(input, end, weight)
        input, end, weight = (t.to(dt) for t in (input, end, weight))
    if is_tensor(weight):
        if weight._dtype is not input._dtype:
            raise RuntimeError(f"expected dtype {input._dtype.c_name} for `weight` but got dtype {weight._dtype.c_name}")
        return LerpTensor.apply(input, end, weight)
    return Lerp.apply(input, end, scalar_tensor(weight, input._dtype, input._device), given_weight=weight)


class LerpTensor(Lerp):
    node_name = "LerpBackward1"         # a tensor weight (LerpBackward0: a number)
    saved_names = ("self", "end", "weight")
    saved_values = {}
    saved_if_grad = {"self": (2,), "end": (2,)}  # read by the weight's gradient only


def _addcmul(input, t1, t2, value):
    input, t1, t2, _ = operands(input, t1, t2)  # computed in the common dtype, as torch's kernel does
    return add(input, mul(mul(t1, value), t2))


def _addcmul_rounded_once(input, t1, t2, value):
    """torch's kernel on floats: input + (value · t1) · t2 as one fused multiply-add, rounded once."""
    input, t1, t2, dt = operands(input, t1, t2)
    if dt not in (D.float32, D.float64):
        return add(input, mul(mul(t1, value), t2))
    scaled = mul(t1, value)
    return Tensor._wrap(input._device.backend.multiply_add(scaled._data, t2._data, input._data), input._device)


def _addcdiv(input, t1, t2, value):
    input, t1, t2, _ = operands(input, t1, t2)
    return add(input, div(mul(t1, value), t2))


class Addcmul(Fused):
    node_name = "AddcmulBackward0"
    definition = staticmethod(_addcmul)
    evaluate = staticmethod(_addcmul_rounded_once)
    saved_names = ("", "tensor1", "tensor2")
    saved_values = {"value": lambda node: node.args[3]}
    saved_if_grad = {"tensor1": (2,), "tensor2": (1,)}  # each factor is read by the other's gradient


class Addcdiv(Fused):
    node_name = "AddcdivBackward0"
    definition = staticmethod(_addcdiv)
    saved_names = Addcmul.saved_names
    saved_values = Addcmul.saved_values
    saved_if_grad = {"tensor1": (2,), "tensor2": (1, 2)}


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    value = check_number("addcmul", "value", value)
    return Addcmul.apply(input, tensor1, tensor2, value)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2."""
    value = check_number("addcdiv", "value", value)
    if not tensor1._dtype.is_floating_point and not tensor2._dtype.is_floating_point:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                           "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                           "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                           "tensor2) for float inputs. The future addcdiv behavior is just the latter "
                           "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    return Addcdiv.apply(input, tensor1, tensor2, value)


# ---- selection -----------------------------------------------------------------------

class Where(Primitive):
    saved_names = ("condition",)

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, gy):
        (cond,) = ctx.saved_tensors
        na = ctx.needs_input_grad
        zero = zeros_like_grad(gy)
        return (None,
                where(cond, gy, zero) if na[1] else None,
                where(cond, zero, gy) if na[2] else None)


def where(condition: Tensor, input=None, other=None) -> Tensor:
    """Elementwise choice: input where condition holds, else other. where(cond) = nonzero."""
    if input is None and other is None:
        from .indexing import nonzero
        batched.refuse_dynamic_shape("aten::where", condition)
        return nonzero(condition, as_tuple=True)
    if condition._dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{type_word(condition._dtype)}")
    a, b, dt = operands(input, other, numbers=True)
    common_device(condition, a, b)
    check_broadcast(condition._data.shape, a._data.shape, b._data.shape)
    return Where.apply(condition, a, b)


class Clamp(Primitive):
    saved_names = ("self", "min", "max")  # ClampBackward0: tensor bounds (None where not given)

    @staticmethod
    def forward(ctx, x, lo, hi, bounds=(None, None)):
        ctx.bounds = bounds  # number bounds as given (what torch keeps for them)
        ctx.save_for_backward(x, lo, hi)
        xp = ctx.xp
        y = x
        if lo is not None:
            y = xp.maximum(y, lo)
            if xp.isnan(lo).any() if lo.dtype.kind == "f" else False:
                y = xp.where(xp.isnan(lo), lo, y)
        if hi is not None:
            y = xp.minimum(y, hi)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        x, lo, hi = ctx.saved_tensors
        na = ctx.needs_input_grad
        zero = zeros_like_grad(gy)
        inside = None
        if lo is not None:
            inside = x >= lo
        if hi is not None:
            inside = (x <= hi) if inside is None else inside & (x <= hi)
        gx = where(inside, gy, zero) if na[0] else None
        glo = ghi = None
        if na[1]:
            below = x < lo
            glo = where(below & (lo < hi) if hi is not None else below, gy, zero)
        if na[2]:
            above = x > hi
            ghi = where(above | (hi < lo) if lo is not None else above, gy, zero)
        return gx, glo, ghi


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit values to [min, max] (scalars or tensors); with min > max every value is max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if min is not None and max is not None and is_tensor(min) != is_tensor(max):
        # torch's overloads take two numbers or two tensors; a 0-d tensor passes as a number
        if any(is_tensor(b) and b._data.ndim for b in (min, max)):
            raise TypeError(f"clamp() received an invalid combination of arguments - got ({type(min).__name__}, "
                            f"{type(max).__name__}): give two numbers or two tensors")
        min, max = (b.item() if is_tensor(b) else b for b in (min, max))
    bounds = [b for b in (min, max) if b is not None]
    check_broadcast(input._data.shape, *(b._data.shape for b in bounds if is_tensor(b)))
    dt = D.result_type(input, *bounds)
    x = cast(input, dt, input._device)
    lo = None if min is None else cast(min, dt, input._device)
    hi = None if max is None else cast(max, dt, input._device)
    return _clamp_node(min, max).apply(x, lo, hi, bounds=(min, max))


clip = clamp


class ClampScalars(Clamp):
    node_name = "ClampBackward1"        # clamp(x, numbers) (ClampBackward0: tensor bounds)
    saved_names = ("self",)
    saved_values = {"min": lambda node: node.bounds[0], "max": lambda node: node.bounds[1]}


class ClampMin(Clamp):
    node_name = "ClampMinBackward0"
    saved_names = ("self",)
    saved_values = {"min": lambda node: node.bounds[0]}


class ClampMinTensor(Clamp):
    node_name = "ClampMinBackward1"
    saved_names = ("self", "min")


class ClampMax(Clamp):
    node_name = "ClampMaxBackward0"
    saved_names = ("self",)
    saved_values = {"max": lambda node: node.bounds[1]}


class ClampMaxTensor(Clamp):
    node_name = "ClampMaxBackward1"
    saved_names = ("self", "", "max")


def _clamp_node(min, max):
    """torch's node for clamp: ClampBackward0 with a tensor bound, ClampBackward1 with numbers."""
    return Clamp if is_tensor(min) or is_tensor(max) else ClampScalars


def clamp_min(input: Tensor, min) -> Tensor:
    dt = D.result_type(input, min)
    node = ClampMinTensor if is_tensor(min) else ClampMin
    return node.apply(cast(input, dt, input._device), cast(min, dt, input._device), None, bounds=(min, None))


def clamp_max(input: Tensor, max) -> Tensor:
    dt = D.result_type(input, max)
    node = ClampMaxTensor if is_tensor(max) else ClampMax
    return node.apply(cast(input, dt, input._device), None, cast(max, dt, input._device), bounds=(None, max))


class MaskedFill(Primitive):
    saved_names = ("mask",)

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return ctx.xp.where(mask, value, x)

    @staticmethod
    def backward(ctx, gy):
        (mask,) = ctx.saved_tensors
        na = ctx.needs_input_grad
        zero = zeros_like_grad(gy)
        gx = where(mask, zero, gy) if na[0] else None
        gv = where(mask, gy, zero).sum() if na[2] else None
        return gx, None, gv


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """Copy of input with `value` where `mask` is True (mask broadcasts)."""
    if not is_tensor(value):
        check_number("masked_fill", "value", value, 2)
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {c_type_name(mask._dtype)}")
    if is_tensor(value):
        if value.dim() != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
        v = value.to(input._dtype)
    else:
        check_scalar_fits(value, input._dtype)
        v = scalar_tensor(value, input._dtype, input._device)
    common_device(input, mask)
    check_broadcast(input._data.shape, mask._data.shape)
    return MaskedFill.apply(input, mask, v)


# ---- predicates and comparisons (no gradient) ----------------------------------------

def _predicate(name, input: Tensor) -> Tensor:
    """xp.<name>(input) as a bool tensor (no gradient)."""
    return computed_from(getattr(input._device.backend.xp, name)(input._data), input._device, input)


def isnan(input: Tensor) -> Tensor:
    return _predicate("isnan", input)


def isinf(input: Tensor) -> Tensor:
    return _predicate("isinf", input)


def isfinite(input: Tensor) -> Tensor:
    return _predicate("isfinite", input)


def isposinf(input: Tensor) -> Tensor:
    return _predicate("isposinf", input)


def isneginf(input: Tensor) -> Tensor:
    return _predicate("isneginf", input)


def signbit(input: Tensor) -> Tensor:
    return _predicate("signbit", input)


def _comparison(name, ufunc_name, doc):
    def compare(input, other) -> Tensor:
        if not is_tensor(input):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        a, b, dt = operands(input, other)
        xp = a._device.backend.xp
        return computed_from(getattr(xp, ufunc_name)(a._data, b._data), a._device, a, b)
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = doc
    return compare


eq = _comparison("eq", "equal", "Elementwise ==, as a bool tensor.")
ne = _comparison("ne", "not_equal", "Elementwise !=, as a bool tensor.")
lt = _comparison("lt", "less", "Elementwise <, as a bool tensor.")
le = _comparison("le", "less_equal", "Elementwise <=, as a bool tensor.")
gt = _comparison("gt", "greater", "Elementwise >, as a bool tensor.")
ge = _comparison("ge", "greater_equal", "Elementwise >=, as a bool tensor.")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise."""
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not value >= 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value:g}")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{type_word(input._dtype)} did not match {type_word(other._dtype)}")
    xp = input._device.backend.xp
    common_device(input, other)
    check_broadcast(input._data.shape, other._data.shape)
    return computed_from(xp.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan),
                         input._device, input, other)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    if batched.is_batched(input) or batched.is_batched(other):
        raise RuntimeError("vmap over torch.allclose isn't supported yet. Please file an issue at "
                           "https://github.com/pytorch/pytorch/issues if you need this feature.")
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both have the same shape and elements."""
    common_device(input, other)
    batched.refuse_without_rule("aten::equal", input, other)
    if input.shape != other.shape:
        return False
    return bool((input._data == other._data).all())


def _logical(name, ufunc_name):
    def logical(input: Tensor, other: Tensor) -> Tensor:
        device = common_device(input, other)
        check_broadcast(input._data.shape, other._data.shape)
        xp = device.backend.xp
        return computed_from(getattr(xp, ufunc_name)(_as_array(input, device), _as_array(other, device)), device,
                             input, other)
    logical.__name__ = logical.__qualname__ = name
    logical.__doc__ = f"Elementwise {name.split('_')[1]} of the truth values, as a bool tensor."
    return logical


def _as_array(x, device):
    return x._data if is_tensor(x) else device.backend.scalar(x, np.asarray(x).dtype)


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(input: Tensor) -> Tensor:
    return computed_from(input._device.backend.xp.logical_not(input._data), input._device, input)


def _bitwise(name, ufunc_name):
    def bitwise(input, other) -> Tensor:
        a, b, dt = operands(input, other)
        if dt.is_floating_point:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_word(dt)}'")
        xp = a._device.backend.xp
        return computed_from(getattr(xp, ufunc_name)(a._data, b._data), a._device, a, b)
    bitwise.__name__ = bitwise.__qualname__ = name
    bitwise.__doc__ = f"Elementwise {name.split('_')[1]} of the bits (integers and bools)."
    return bitwise


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")


def bitwise_not(input: Tensor) -> Tensor:
    if input._dtype.is_floating_point:
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{type_word(input._dtype)}'")
    return computed_from(input._device.backend.xp.invert(input._data), input._device, input)
