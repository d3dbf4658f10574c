"""Parity specs for elementwise ops (minitorch.ops.pointwise)."""
from hypothesis import strategies as st

from ..registry import ALL_DTYPES, FLOATS, INTS, register
from ..strategies import broadcast_pair, shapes, tensor_arg

FAMILY = "pointwise"
NUMERIC = FLOATS + ("float16",) + INTS + ("int8",)


def unary(domain="any", edge=True):
    def sample(draw, dtype):
        return [tensor_arg(draw, draw(shapes()), dtype, domain, edge)], {}
    return sample


def _call(name):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **k)


# name: value domain (gradients are checked on float32/float64)
FLOAT_UNARY = {
    "exp": "small", "exp2": "small", "expm1": "small", "log": "positive", "log2": "positive",
    "log10": "positive", "log1p": "positive", "sqrt": "positive", "rsqrt": "positive",
    "reciprocal": "nonzero", "sin": "any", "cos": "any", "tan": "unit", "asin": "unit", "acos": "unit",
    "atan": "any", "sinh": "small", "cosh": "small", "tanh": "any", "sigmoid": "any", "erf": "small", "erfinv": "unit",
    "arcsin": "unit", "arccos": "unit", "arctan": "any",
    "acosh": "acosh", "asinh": "any", "atanh": "unit", "arccosh": "acosh", "arcsinh": "any", "arctanh": "unit",
    "deg2rad": "any", "rad2deg": "any", "sinc": "any", "erfc": "any",
}
for _name, _domain in FLOAT_UNARY.items():
    register(_name, _call(_name), unary(_domain), dtypes=FLOATS + ("float16", "int64", "int32", "bool"),
             family=FAMILY)


def _polygamma_sample(draw, dtype):
    # positive values without edges: at the poles (0, -1, ...) and at ±1e30 torch's float32 series return
    # arbitrary numbers (polygamma(1, -1e30) = 12.98, trigamma(-5) = 2.7e12 in float32)
    return [draw(st.integers(0, 4)), tensor_arg(draw, draw(shapes()), dtype, "positive", False)], {}


register("polygamma", lambda lib, n, x: lib.polygamma(n, x), _polygamma_sample, dtypes=FLOATS + ("int64",), grad=(1,),
         family=FAMILY, rtol=1e-5, atol=1e-5, reason="ψ⁽ⁿ⁾ by series and recurrences, torch's and ours, near poles")
for _name in ("lgamma", "digamma"):  # positive, away from the poles (see polygamma)
    register(_name, _call(_name), unary("positive", edge=False), dtypes=FLOATS + ("float16", "int64", "int32", "bool"),
             family=FAMILY, rtol=1e-5, atol=1e-5, reason="log Γ and ψ by series, torch's and ours")
register("sgn", _call("sgn"), unary("any"), dtypes=NUMERIC + ("bool",), family=FAMILY)
register("positive", _call("positive"), unary("any"), dtypes=NUMERIC + ("bool",), family=FAMILY)

# ops whose output keeps an integer dtype; gradients where torch defines them
for _name, _domain, _dtypes, _grad in [
    ("neg", "any", NUMERIC, (0,)), ("negative", "any", NUMERIC, (0,)),
    ("abs", "nonzero", NUMERIC, (0,)), ("absolute", "nonzero", NUMERIC, (0,)),
    ("sign", "any", NUMERIC + ("bool",), (0,)), ("floor", "any", NUMERIC, (0,)),
    ("ceil", "any", NUMERIC, (0,)), ("trunc", "any", NUMERIC, (0,)), ("fix", "any", NUMERIC, (0,)),
    ("frac", "any", FLOATS + ("int64",), (0,)), ("square", "any", NUMERIC + ("bool",), (0,)),
    ("signbit", "any", FLOATS + INTS, None),
    ("isnan", "any", ALL_DTYPES, None), ("isinf", "any", ALL_DTYPES, None),
    ("isfinite", "any", ALL_DTYPES, None), ("isposinf", "any", FLOATS + INTS, None),
    ("isneginf", "any", FLOATS + INTS, None), ("logical_not", "any", ALL_DTYPES, None),
    ("bitwise_not", "any", INTS + ("bool", "float32"), None),
]:
    register(_name, _call(_name), unary(_domain), dtypes=_dtypes, grad=_grad, family=FAMILY)


@st.composite
def _round_args(draw):
    return draw(st.sampled_from([0, 0, 1, 2, -1]))


def _round_sample(draw, dtype):
    return [tensor_arg(draw, draw(shapes()), dtype, "any", True)], {"decimals": draw(_round_args())}


register("round", _call("round"), _round_sample, dtypes=FLOATS + ("int64",), family=FAMILY,
         rtol=1e-6, reason="decimals scale by 10**d; torch and NumPy may round the scaled value differently "
                           "in the last bit")


def _logit_sample(draw, dtype):
    eps = draw(st.sampled_from([None, None, 0.1]))
    return [tensor_arg(draw, draw(shapes()), dtype, "prob" if eps is None else "any", eps is None)], {"eps": eps}


register("logit", _call("logit"), _logit_sample, dtypes=FLOATS + ("int64",), family=FAMILY)


def _nan_to_num_sample(draw, dtype):
    kw = draw(st.sampled_from([{}, {"nan": 1.5}, {"nan": 0.0, "posinf": 9.0, "neginf": -9.0}]))
    return [tensor_arg(draw, draw(shapes()), dtype, "any", True)], kw


register("nan_to_num", _call("nan_to_num"), _nan_to_num_sample, dtypes=FLOATS + ("int64",), family=FAMILY)


# ---- binary ---------------------------------------------------------------------------------

def binary(domain_a="any", domain_b="any", scalar=True, other_dtypes=None, edge=True):
    """Two broadcastable tensors (dtypes may differ: promotion), or a tensor and a Python scalar."""
    def sample(draw, dtype):
        sa, sb = draw(broadcast_pair())
        a = tensor_arg(draw, sa, dtype, domain_a, edge)
        kind = draw(st.sampled_from(["tt", "tt", "ts"] if scalar else ["tt"]))
        if kind == "ts":
            b = draw(st.sampled_from([2, 3, -1, 0.5, 2.5, True])) if domain_b == "any" else \
                draw(st.sampled_from([2, 3, 0.5, 2.5]))
            return [a, b], {}
        dt_b = draw(st.sampled_from((dtype,) * 3 + tuple(other_dtypes or ())))
        return [a, tensor_arg(draw, sb, dt_b, domain_b, edge)], {}
    return sample


ARITH_DTYPES = FLOATS + ("float16", "int64", "int32", "uint8", "bool")
for _name, _da, _db, _dtypes, _grad in [
    ("add", "any", "any", ARITH_DTYPES, (0, 1)), ("sub", "any", "any", ARITH_DTYPES, (0, 1)),
    ("subtract", "any", "any", FLOATS + INTS, (0, 1)),
    ("mul", "any", "any", ARITH_DTYPES, (0, 1)), ("multiply", "any", "any", FLOATS + INTS, (0, 1)),
    ("div", "any", "nonzero", ARITH_DTYPES, (0, 1)), ("divide", "any", "nonzero", FLOATS + INTS, (0, 1)),
    ("true_divide", "any", "nonzero", FLOATS + INTS, (0, 1)),
    ("remainder", "any", "nonzero", FLOATS + ("int64", "int32"), (0, 1)),
    ("fmod", "any", "nonzero", FLOATS + ("int64", "int32"), (0, 1)),  # edge values: see below
    ("floor_divide", "any", "nonzero", FLOATS + ("int64", "int32"), None),
    ("atan2", "any", "nonzero", FLOATS + ("int64",), (0, 1)),
    ("arctan2", "any", "nonzero", FLOATS, (0, 1)),
    ("xlogy", "any", "positive", FLOATS + ("int64",), (0, 1)),
    ("float_power", "positive", "small", FLOATS + ("int64",), (0, 1)),
]:
    # fmod of huge values: torch's vectorised kernel returns nan where C's fmod is exact
    register(_name, _call(_name), binary(_da, _db, other_dtypes=("float64", "int64", "float32"),
                                         edge=_name != "fmod"),
             dtypes=_dtypes, grad=_grad, family=FAMILY)


def _pow_sample(draw, dtype):
    sa, sb = draw(broadcast_pair())
    a = tensor_arg(draw, sa, dtype, "positive" if dtype[0] == "f" else "any")
    kind = draw(st.sampled_from(["tt", "ts", "st"]))
    if kind == "ts":
        return [a, draw(st.sampled_from([2, 3, 0, 0.5, -1.5, 2.0]))], {}
    b = tensor_arg(draw, sb, dtype, "small" if dtype[0] == "f" else "positive")
    if kind == "st":
        return [draw(st.sampled_from([2, 2.5, 0.5])), b], {}
    return [a, b], {}


register("pow", _call("pow"), _pow_sample, dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY)


def _div_mode_sample(draw, dtype):
    args, _ = binary("any", "nonzero", other_dtypes=("float64",))(draw, dtype)
    return args, {"rounding_mode": draw(st.sampled_from(["trunc", "floor"]))}


register("div_rounding", lambda lib, a, b, **k: lib.div(a, b, **k), _div_mode_sample,
         dtypes=FLOATS + ("int64", "int32"), grad=None, family=FAMILY)
# the keyword given as None: true division under torch's DivBackward2, which saves the (absent) rounding mode
register("div(rounding_mode=None)", lambda lib, a, b: lib.div(a, b, rounding_mode=None),
         binary("any", "nonzero", scalar=False, other_dtypes=("float64",)), dtypes=FLOATS + ("int64",), grad=(0, 1),
         family=FAMILY)


def _alpha_sample(draw, dtype):
    args, _ = binary(scalar=False)(draw, dtype)
    return args, {"alpha": draw(st.sampled_from([2, -1, 0.5] if dtype[0] == "f" else [2, -1]))}


register("add_alpha", lambda lib, a, b, **k: lib.add(a, b, **k), _alpha_sample, dtypes=FLOATS + ("int64",),
         grad=(0, 1), family=FAMILY)
register("sub_alpha", lambda lib, a, b, **k: lib.sub(a, b, **k), _alpha_sample, dtypes=FLOATS + ("int64",),
         grad=(0, 1), family=FAMILY)


def _tensor_pair(domain_a="any", domain_b="any"):
    def sample(draw, dtype):
        sa, sb = draw(broadcast_pair())
        return [tensor_arg(draw, sa, dtype, domain_a), tensor_arg(draw, sb, dtype, domain_b)], {}
    return sample


for _name in ("maximum", "minimum", "fmax", "fmin"):
    register(_name, _call(_name), _tensor_pair(), dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY,
             extra={"note": "ties split the gradient in half, as torch does"})

for _name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
              "not_equal"):
    register(_name, _call(_name), binary(other_dtypes=("float64", "int64")), dtypes=FLOATS + INTS + ("bool",),
             grad=None, family=FAMILY)

for _name in ("logical_and", "logical_or", "logical_xor"):
    register(_name, _call(_name), binary(scalar=False, other_dtypes=("bool", "float32")),
             dtypes=ALL_DTYPES, grad=None, family=FAMILY)

for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    register(_name, _call(_name), binary(other_dtypes=("bool", "int64")),
             dtypes=INTS + ("bool", "int8", "float32"), grad=None, family=FAMILY)


def _isclose_sample(draw, dtype):
    sa, sb = draw(broadcast_pair())
    a = tensor_arg(draw, sa, dtype)
    b = tensor_arg(draw, sb, draw(st.sampled_from([dtype, dtype, "float64"])))
    return [a, b], draw(st.sampled_from([{}, {"rtol": 0.5, "atol": 1.0}, {"equal_nan": True}]))


register("isclose", _call("isclose"), _isclose_sample, dtypes=FLOATS, grad=None, family=FAMILY)
register("allclose", _call("allclose"), _isclose_sample, dtypes=FLOATS, grad=None, family=FAMILY)


def _equal_sample(draw, dtype):
    shape = draw(shapes())
    a = tensor_arg(draw, shape, dtype)
    b = Arg_copy(a) if draw(st.booleans()) else tensor_arg(draw, draw(st.sampled_from([shape, (2,)])), dtype)
    return [a, b], {}


def Arg_copy(a):
    from ..registry import Arg
    return Arg(a.array.copy(), "contiguous")


register("equal", _call("equal"), _equal_sample, dtypes=FLOATS + INTS, grad=None, family=FAMILY)


def _clamp_sample(draw, dtype):
    shape = draw(shapes())
    x = tensor_arg(draw, shape, dtype)
    kind = draw(st.sampled_from(["scalars", "min", "max", "tensors", "none"]))
    if kind == "scalars":
        lo = draw(st.sampled_from([-1, -0.5, 0]))
        return [x], {"min": lo, "max": draw(st.sampled_from([0.5, 1, 2, -2]))}
    if kind == "min":
        return [x], {"min": draw(st.sampled_from([0, -0.5, 1]))}
    if kind == "max":
        return [x], {"max": draw(st.sampled_from([0, 0.5, 1]))}
    if kind == "none":
        return [x], {}
    lo = tensor_arg(draw, shape, dtype, "small")
    hi = tensor_arg(draw, shape, dtype, "small")
    return [x, lo, hi], {}


def _clamp(name):
    def call(lib, x, lo=None, hi=None, **kw):
        if lo is not None:
            return getattr(lib, name)(x, lo, hi)
        return getattr(lib, name)(x, **kw)
    return call


register("clamp", _clamp("clamp"), _clamp_sample, dtypes=FLOATS + ("int64",), grad=(0, 1, 2), family=FAMILY)
register("clip", _clamp("clip"), _clamp_sample, dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY)
register("clamp_min", lambda lib, x: lib.clamp_min(x, 0.25), unary(), dtypes=FLOATS + ("int64",), family=FAMILY)
register("clamp_max", lambda lib, x: lib.clamp_max(x, 0.25), unary(), dtypes=FLOATS + ("int64",), family=FAMILY)


def _where_sample(draw, dtype):
    sa, sb = draw(broadcast_pair(mismatch=False))
    cond = tensor_arg(draw, draw(st.sampled_from([sa, sb])), "bool", requires_grad=False)
    a = tensor_arg(draw, sa, dtype)
    b = tensor_arg(draw, sb, draw(st.sampled_from([dtype, dtype, "float64", "int64"])))
    if draw(st.integers(0, 3)) == 0:
        b = draw(st.sampled_from([0.0, 1, -2.5]))
    return [cond, a, b], {}


register("where", _call("where"), _where_sample, dtypes=FLOATS + ("int64",), grad=(1, 2), family=FAMILY)
register("Tensor.where", lambda lib, c, a, b: a.where(c, b) if hasattr(a, "where") else None, _where_sample,
         dtypes=FLOATS, grad=(1, 2), family=FAMILY)


def _masked_fill_sample(draw, dtype):
    shape = draw(shapes())
    x = tensor_arg(draw, shape, dtype)
    mshape = shape[draw(st.integers(0, len(shape))):]
    mask = tensor_arg(draw, mshape, draw(st.sampled_from(["bool"] * 5 + ["int64"])), requires_grad=False)
    return [x, mask, draw(st.sampled_from([0.0, -1.5, 3]))], {}


register("masked_fill", _call("masked_fill"), _masked_fill_sample, dtypes=FLOATS + ("int64",), grad=(0,),
         family=FAMILY)


def _ternary_sample(domain_c="any"):
    def sample(draw, dtype):
        sa, sb = draw(broadcast_pair(mismatch=False))
        return [tensor_arg(draw, sa, dtype), tensor_arg(draw, sb, dtype), tensor_arg(draw, sa, dtype, domain_c)], \
            draw(st.sampled_from([{}, {"value": 2}, {"value": -0.5}]))
    return sample


register("addcmul", _call("addcmul"), _ternary_sample(), dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY)
register("addcdiv", _call("addcdiv"), _ternary_sample("nonzero"), dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY)


def _lerp_sample(draw, dtype):
    sa, sb = draw(broadcast_pair(mismatch=False))
    s, e = tensor_arg(draw, sa, dtype), tensor_arg(draw, sb, dtype)
    w = draw(st.sampled_from([0.25, 0.75])) if draw(st.booleans()) else tensor_arg(draw, sa, dtype, "unit")
    return [s, e, w], {}


register("lerp", _call("lerp"), _lerp_sample, dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY)


def _rsub_sample(draw, dtype):
    args, _ = binary(scalar=False)(draw, dtype)
    return args, {}


register("rsub", _call("rsub"), _rsub_sample, dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY)


# ---- torch.special ------------------------------------------------------------------------------

def _special(name):
    return lambda lib, *a, **k: getattr(lib.special, name)(*a, **k)


for _name, _domain in [("expit", "any"), ("erf", "small"), ("erfc", "any"), ("erfinv", "unit"), ("exp2", "small"),
                       ("expm1", "small"), ("log1p", "positive"), ("sinc", "any"), ("ndtr", "any"),
                       ("entr", "any")]:
    register(f"special.{_name}", _special(_name), unary(_domain), dtypes=FLOATS + ("int64",), family=FAMILY,
             rtol=1e-5, atol=1e-6, reason="special functions by series, torch's and ours")
for _name in ("gammaln", "digamma", "psi"):
    register(f"special.{_name}", _special(_name), unary("positive", edge=False), dtypes=FLOATS, family=FAMILY,
             rtol=1e-5, atol=1e-5, reason="log Γ and ψ by series, torch's and ours")
register("special.polygamma", lambda lib, n, x: lib.special.polygamma(n, x), _polygamma_sample, dtypes=FLOATS,
         grad=(1,), family=FAMILY, rtol=1e-5, atol=1e-5, reason="ψ⁽ⁿ⁾ by series")
register("special.logit", _special("logit"), _logit_sample, dtypes=FLOATS, family=FAMILY)
register("special.round", _special("round"), unary("any"), dtypes=FLOATS, family=FAMILY)
for _name, _db in (("xlogy", "positive"), ("xlog1py", "positive")):
    register(f"special.{_name}", _special(_name), binary("any", _db, other_dtypes=("float64",)),
             dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY, rtol=1e-6)
register("special.zeta", _special("zeta"),
         lambda draw, dt: ([tensor_arg(draw, (3,), dt, "positive") , tensor_arg(draw, (3,), dt, "positive")], {}),
         dtypes=FLOATS, grad=None, family=FAMILY, rtol=1e-5, reason="Euler-Maclaurin summation, Cephes' and ours")
for _name in ("softmax", "log_softmax", "logsumexp"):
    register(f"special.{_name}", lambda lib, x, d, _n=_name: getattr(lib.special, _n)(x, d),
             lambda draw, dt: ([x := tensor_arg(draw, draw(shapes(min_dims=1)), dt), draw(st.integers(
                 -x.array.ndim, x.array.ndim - 1))], {}), dtypes=FLOATS, family=FAMILY, rtol=1e-6)


# ---- integers alone: shifts (by any count, negative and past the width too), gcd, lcm ------------------------

def _shift_sample(draw, dtype):
    sa, sb = draw(broadcast_pair())
    a = tensor_arg(draw, sa, dtype, edge=True)
    if draw(st.integers(0, 3)) == 0:
        return [a, draw(st.sampled_from([0, 1, 3, 7, 9, -1, 65]))], {}
    return [a, tensor_arg(draw, sb, draw(st.sampled_from([dtype, dtype, "int64"])), edge=True)], {}


for _name in ("bitwise_left_shift", "bitwise_right_shift"):
    register(_name, _call(_name), _shift_sample, dtypes=INTS + ("int8", "int16", "bool", "float32"), grad=None,
             family=FAMILY)
for _name in ("gcd", "lcm"):
    register(_name, _call(_name), binary(scalar=False, other_dtypes=("int64", "int8")),
             dtypes=INTS + ("int8", "int16", "bool", "float32"), grad=None, family=FAMILY)

# ---- complex-number accessors on real tensors ---------------------------------------------------------------
for _name in ("real", "conj", "conj_physical", "resolve_conj", "resolve_neg"):
    register(_name, _call(_name), unary("any"), dtypes=FLOATS + ("int64", "bool"), family=FAMILY)
register("isreal", _call("isreal"), unary("any"), dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)
register("angle", _call("angle"), unary("any"), dtypes=FLOATS + ("int64", "bool"), family=FAMILY)
