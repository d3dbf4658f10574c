"""Parity specs for the floating-point functions of two arguments (minitorch.ops.float_binary)."""
from hypothesis import strategies as st

from ..registry import FLOATS, register
from ..strategies import broadcast_pair, shapes, tensor_arg
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
