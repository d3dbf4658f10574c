"""Parity specs for the floating-point functions of two arguments (minitorch.ops.float_binary)."""
import math

from hypothesis import strategies as st

from ..registry import FLOATS, Arg, Unchecked, register
from ..strategies import broadcast_pair, shapes, tensor_arg, values
from .pointwise import _call, binary

FAMILY = "pointwise"

for _name, _dtypes, _scalar in (("copysign", FLOATS + ("float16", "int64", "bool"), True),
                                ("hypot", FLOATS + ("int64",), False), ("logaddexp", FLOATS + ("int64",), False),
                                ("logaddexp2", FLOATS + ("int64",), False), ("nextafter", FLOATS + ("int64",), False),
                                ("ldexp", FLOATS + ("int64",), False)):
    # nextafter's operands share a float dtype: with float32 and float64 inputs torch's tangent keeps the float32
    # input's dtype on a float64 result, where minitorch's tangent (of the promoted input) is float64
    _others = ("int64",) if _name == "nextafter" else ("float64", "int64", "float32")
    register(_name, _call(_name), binary("any" if _name != "ldexp" else "small", "small" if _name == "ldexp" else "any",
                                         scalar=_scalar, other_dtypes=_others),
             dtypes=_dtypes, grad=(0, 1), family=FAMILY)


def _heaviside_sample(draw, dtype):
    sa, sb = draw(broadcast_pair())
    values_dtype = draw(st.sampled_from([dtype, dtype, dtype, "float64"]))  # a different dtype: torch's error
    return [tensor_arg(draw, sa, dtype, "any", True), tensor_arg(draw, sb, values_dtype, "any", True)], {}


register("heaviside", _call("heaviside"), _heaviside_sample, dtypes=FLOATS + ("int64", "bool"), grad=(0, 1),
         family=FAMILY)
register("frexp", _call("frexp"), lambda draw, dt: ([tensor_arg(draw, draw(shapes()), dt, "any", True)], {}),
         dtypes=FLOATS + ("float16", "int64"), family=FAMILY)

# in-place forms (on a clone of the input)
from .tensor_api import _inplace  # noqa: E402

for _name in ("copysign_", "hypot_", "ldexp_", "nextafter_", "heaviside_"):
    register(_name, _inplace(_name), _heaviside_sample if _name == "heaviside_" else
             binary("any", "small" if _name == "ldexp_" else "any", scalar=_name == "copysign_",
                    other_dtypes=("float64", "float32")),
             dtypes=FLOATS, grad=(0, 1), family=FAMILY)


from .pointwise import INTS, _shift_sample, unary  # noqa: E402

for _name in ("bitwise_left_shift_", "bitwise_right_shift_", "gcd_", "lcm_"):
    register(_name, _inplace(_name), _shift_sample if "shift" in _name else
             binary(scalar=False, other_dtypes=("int64", "int8")),
             dtypes=INTS + ("int8", "bool", "float32"), grad=None, family=FAMILY)
register("conj_physical_", _inplace("conj_physical_"), unary("any"), dtypes=FLOATS + ("int64",), grad=None,
         family=FAMILY)


# ---- Bessel functions, the normal tails, incomplete gamma, multivariate log-gamma -------------------------------

def _special(name):
    return lambda lib, *a, **k: getattr(lib.special, name)(*a, **k)


def _unary_sample(domain):
    return lambda draw, dt: ([tensor_arg(draw, draw(shapes()), dt, domain, True)], {})


SERIES = dict(rtol=1e-5, atol=1e-6, reason="series and asymptotic expansions in float64, against torch's float32 Cephes "
                                           "Chebyshev fits (within a few float32 ulps), their derivatives exp-amplified")
for _name, _fn in (("i0", _call("i0")), ("special.i0", _special("i0")), ("special.i0e", _special("i0e")),
                   ("special.i1", _special("i1")), ("special.i1e", _special("i1e")),
                   ("special.erfcx", _special("erfcx"))):
    register(_name, _fn, _unary_sample("any"), dtypes=FLOATS + ("int64",), family=FAMILY, **SERIES)
# within ±3: further into the left tail, log Φ's second derivative −r(x + r) (r = φ/Φ ≈ −x) cancels to a few
# float32 digits, differently in torch's formula and ours
register("special.log_ndtr", _special("log_ndtr"), _unary_sample("small"), dtypes=FLOATS + ("int64",), family=FAMILY,
         **SERIES)
register("special.ndtri", _special("ndtri"), _unary_sample("prob"), dtypes=FLOATS + ("int64",), family=FAMILY,
         **SERIES)


# the Bessel and Airy functions and the orthogonal polynomials: values only (torch gives them no gradient)
for _name in ("airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
              "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
              "spherical_bessel_j0"):
    register(f"special.{_name}", _special(_name),
             lambda draw, dt: ([tensor_arg(draw, draw(shapes()), dt, "any", True, requires_grad=False)], {}),
             dtypes=FLOATS + ("int64",), grad=None, family=FAMILY, rtol=1e-5, atol=1e-6,
             reason="Cephes' approximations evaluated in float64, against torch's float32 evaluation")


def _polynomial_sample(draw, dtype):
    """x (or a number) and degrees n from −2 to 12: an integer tensor, a float tensor (truncated) or an int."""
    sx, sn = draw(broadcast_pair())
    x = tensor_arg(draw, sx, dtype, "small", requires_grad=False)
    form = draw(st.sampled_from(["int64", "float", "number", "number x"]))
    degrees = values(draw, sn, "int64") + 3  # −6 … 12
    if form == "int64":
        return [x, Arg(degrees, "contiguous", False)], {}
    if form == "float":
        return [x, Arg((degrees + 0.5).astype(dtype if dtype != "int64" else "float32"), "contiguous", False)], {}
    if form == "number":
        return [x, draw(st.integers(-2, 12))], {}
    # a number x stays as sampled in the invalid-argument test: torch's recurrences return uninitialised memory
    # for a NaN x (their loop stops before its first step), so there is no result to compare
    return [Unchecked(draw(st.sampled_from([-1.0, 0.0, 0.25, 1.0, 2.5]))), Arg(degrees, "contiguous", False)], {}


def _polynomial(name):
    """The polynomial with NaN wherever x is NaN: there torch's recurrences return uninitialised memory (the
    invalid-argument test's changed tensors can hold NaN), so only minitorch's NaN is defined."""
    def fn(lib, x, n):
        out = getattr(lib.special, name)(x, n)
        if isinstance(x, lib.Tensor) and x.is_floating_point():
            out = lib.where(lib.isnan(x), math.nan, out)
        return out
    return fn


for _name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
              "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
              "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
              "legendre_polynomial_p"):
    register(f"special.{_name}", _polynomial(_name), _polynomial_sample, dtypes=FLOATS + ("int64",), grad=None,
             family=FAMILY, rtol=1e-5, atol=1e-5,
             reason="the same recurrences; the trigonometric forms round differently")


def _incomplete_gamma_sample(draw, dtype):
    sa, sb = draw(broadcast_pair())
    return [tensor_arg(draw, sa, dtype, "positive", requires_grad=False), tensor_arg(draw, sb, dtype, "positive")], {}


for _name, _fn in (("igamma", _call("igamma")), ("igammac", _call("igammac")),
                   ("special.gammainc", _special("gammainc")), ("special.gammaincc", _special("gammaincc"))):
    register(_name, _fn, _incomplete_gamma_sample, dtypes=FLOATS + ("int64",), grad=(1,), family=FAMILY,
             rtol=1e-6, atol=1e-7, reason="series and continued fractions, torch's and ours, stopped apart")


def _mvlgamma_sample(draw, dtype):
    p = draw(st.integers(1, 4))
    x = tensor_arg(draw, draw(shapes()), dtype, "positive")
    x.array = (x.array + (p - 1) / 2 + 0.1).astype(x.array.dtype)  # above (p − 1)/2, the domain
    return [x, p], {}


register("mvlgamma", _call("mvlgamma"), _mvlgamma_sample, dtypes=FLOATS + ("int64", "bool"), family=FAMILY, rtol=1e-5,
         atol=1e-5, reason="log Γ by series, torch's and ours")
register("special.multigammaln", _special("multigammaln"), _mvlgamma_sample, family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="log Γ by series, torch's and ours")
register("i0_", _inplace("i0_"), _unary_sample("any"), family=FAMILY, **SERIES)
register("mvlgamma_", lambda lib, x, p: _inplace("mvlgamma_")(lib, x, p), _mvlgamma_sample, family=FAMILY,
         rtol=1e-5, atol=1e-5, reason="log Γ by series, torch's and ours")
for _name in ("igamma_", "igammac_"):
    register(_name, _inplace(_name), lambda draw, dt: ([tensor_arg(draw, (3,), dt, "positive", requires_grad=False),
                                                        tensor_arg(draw, (3,), dt, "positive")], {}),
             grad=None, family=FAMILY, rtol=1e-6, atol=1e-7, reason="series and continued fractions")
