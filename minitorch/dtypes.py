"""dtype objects and torch's type-promotion rules.

A dtype knows its NumPy counterpart and its category (bool < integer < floating).
Promotion follows `torch.result_type`: dimensioned tensors win over zero-dim tensors,
which win over Python scalars, unless a lower-priority operand is of a higher category.
"""
from __future__ import annotations

import builtins

import numpy as np

_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:
    """A tensor element type, printed as torch prints it (`torch.float32`).

    Every name torch gives it is here: `name`, the aliases (`torch.float`), the word of its legacy
    tensor type and messages (`word`: "Float", as in FloatTensor) and its C++ type (`c_name`)."""

    __slots__ = ("name", "np", "category", "itemsize", "is_signed", "_aliases", "word", "c_name")

    def __init__(self, name: str, np_dtype, category: int, word: str, c_name: str, aliases=()):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = category != _BOOL and name != "uint8"
        self.word = word
        self.c_name = c_name
        self._aliases = aliases

    @property
    def is_floating_point(self) -> bool:
        return self.category == _FLOAT

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self):
        return self

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


float16 = dtype("float16", np.float16, _FLOAT, "Half", "c10::Half", ("half",))
float32 = dtype("float32", np.float32, _FLOAT, "Float", "float", ("float",))
float64 = dtype("float64", np.float64, _FLOAT, "Double", "double", ("double",))
uint8 = dtype("uint8", np.uint8, _INT, "Byte", "unsigned char")
int8 = dtype("int8", np.int8, _INT, "Char", "signed char")
int16 = dtype("int16", np.int16, _INT, "Short", "short int", ("short",))
int32 = dtype("int32", np.int32, _INT, "Int", "int", ("int",))
int64 = dtype("int64", np.int64, _INT, "Long", "long int", ("long",))
bool_ = dtype("bool", np.bool_, _BOOL, "Bool", "bool")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
FLOATING = (float16, float32, float64)
INTEGRAL = (uint8, int8, int16, int32, int64)

_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
for _d in ALL:
    for _alias in _d._aliases:
        _BY_NAME[_alias] = _d

_default_float = float32


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of Python floats and of float factories (float32 or float64)."""
    global _default_float
    if d not in (float32, float64, float16):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def as_dtype(d) -> dtype:
    """Accept a minitorch dtype, a NumPy dtype, a Python type or a name."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    if isinstance(d, str):
        return _BY_NAME[d.replace("torch.", "")]
    return from_numpy_dtype(d)


# ---- promotion ----------------------------------------------------------------------

def _promote_table():
    """torch's promote_types lattice for the dtypes we support."""
    order = [uint8, int8, int16, int32, int64, float16, float32, float64, bool_]
    table = {}
    for a in order:
        for b in order:
            if a is b:
                r = a
            elif a is bool_:
                r = b
            elif b is bool_:
                r = a
            elif a.is_floating_point or b.is_floating_point:
                if a.is_floating_point and b.is_floating_point:
                    r = a if a.itemsize >= b.itemsize else b
                else:
                    r = a if a.is_floating_point else b
            elif uint8 in (a, b):
                other = b if a is uint8 else a
                r = int16 if other is int8 else other
            else:
                r = a if a.itemsize >= b.itemsize else b
            table[a, b] = r
    return table


_PROMOTE = _promote_table()


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be cast to without losing their category (torch's promotion table)."""
    return _PROMOTE[type1, type2]


def _scalar_dtype(x) -> dtype:
    if isinstance(x, builtins.bool):
        return bool_
    if isinstance(x, builtins.int):
        return int64
    if isinstance(x, builtins.float):
        return _default_float
    if isinstance(x, np.generic):
        d = from_numpy_dtype(x.dtype)
        return _default_float if d.is_floating_point else (bool_ if d is bool_ else int64)
    raise TypeError(f"unsupported scalar type {type(x).__name__}")


def _combine(higher, lower):
    """Merge the result of a lower-priority group unless it is of a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype torch gives an op over `operands` (tensors and Python scalars)."""
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "_dtype", None)
        if d is None:
            s = _scalar_dtype(x)
            wrapped = s if wrapped is None else promote_types(wrapped, s)
        elif x._data.ndim:
            dim = d if dim is None else promote_types(dim, d)
        else:
            zero = d if zero is None else promote_types(zero, d)
    return _combine(dim, _combine(zero, wrapped))


def can_cast(from_: dtype, to: dtype) -> bool:
    """torch.can_cast: casting may not lower the category (float->int, int->bool)."""
    return from_.category <= to.category


def float_result(d: dtype) -> dtype:
    """The dtype of a floating op (exp, sqrt, true division) on an input of dtype `d`."""
    return d if d.is_floating_point else _default_float


class finfo:
    """Machine limits for floating dtypes, as torch.finfo."""

    def __init__(self, type: dtype | None = None):
        type = get_default_dtype() if type is None else as_dtype(type)
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type.")
        info = np.finfo(type.np)
        self.dtype = type.name
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits for integer dtypes, as torch.iinfo."""

    def __init__(self, type: dtype):
        type = as_dtype(type)
        if type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle floating types.")
        info = np.iinfo(type.np) if type is not bool_ else None
        self.dtype = type.name
        self.bits = type.itemsize * 8
        self.min = 0 if info is None else int(info.min)
        self.max = 1 if info is None else int(info.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
