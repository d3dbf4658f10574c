"""Invalid and unusual arguments for the parity harness: one drawn change to a valid sample.

Each spec's sampler gives valid calls; `mutate` turns one into a call a user could get wrong: a
tensor replaced by a Python number, a list, a NumPy array, None or a string; a tensor of another
dtype or of a shape that does not fit; an integer (a dim, a size) out of range or of the wrong
type; a flag or a mode given a value of the wrong kind; an unknown keyword. The harness then
checks that minitorch does what torch does: raises the same exception class, or returns the
same result.
"""
from __future__ import annotations

import numbers

import numpy as np
from hypothesis import strategies as st

from .registry import Arg, Unchecked

UNKNOWN_KEYWORD = "not_a_parameter"


def _tensor_replacements(arg: Arg):
    a = arg.array
    first = a.flat[0].item() if a.size else 1.5
    cast = {"float64": "int64", "int64": "bool", "bool": "float32"}.get(a.dtype.name, "float64")
    return [
        ("a Python number", first),
        ("a nested list", a.tolist()),
        ("a NumPy array", np.array(a)),
        ("None", None),
        ("a string", "x"),
        (f"a {cast} tensor", Arg(a.astype(cast), arg.layout, arg.requires_grad)),
        ("a tensor with an extra dim of 3", Arg(_with_extra_dim(a), "contiguous", arg.requires_grad)),
        ("a tensor without its last dim", Arg(a[..., 0] if a.ndim and a.shape[-1] else a.reshape(-1)[:1],
                                             "contiguous", arg.requires_grad)),
    ]


def _with_extra_dim(a: np.ndarray) -> np.ndarray:
    """`a` with a new last dim of 3. Floats take three different functions of `a` along it: repeats would
    make every square matrix exactly singular, where LU and QR depend on rounding order (a README deviation)
    rather than on the shape this change is about."""
    if a.dtype.kind != "f":
        return np.repeat(a[..., None], 3, axis=-1)
    with np.errstate(invalid="ignore"):
        return np.stack([a, np.sin(a), np.cos(a)], axis=-1).astype(a.dtype)


def _int_replacements(value: int):
    return [("an out-of-range int", value + 57), ("a negative out-of-range int", -value - 57),
            ("a float", value + 0.5), ("a string", str(value)), ("None", None), ("a bool", True)]


def _replacements(value):
    """(what, new value) pairs for one argument."""
    if isinstance(value, Arg):
        return _tensor_replacements(value)
    if isinstance(value, bool):
        return [("a string", "yes"), ("an int", 2), ("None", None)]
    if isinstance(value, numbers.Integral):
        return _int_replacements(int(value))
    if isinstance(value, float):
        return [("a string", "1.0"), ("NaN", float("nan")), ("a negative number", -abs(value) - 1.0),
                ("a tensor", Arg(np.array([value, value]), "contiguous", False))]
    if isinstance(value, str):
        return [("an unknown mode", "bogus"), ("an int", 1), ("None", None)]
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, numbers.Integral) for v in value):
        return [("a float inside", type(value)(list(value[:-1]) + [value[-1] + 0.5])),
                ("a repeated entry", type(value)(list(value) + [value[-1]])),
                ("an empty sequence", type(value)()), ("a string", "0")]
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, Arg) for v in value):
        return [("a tensor instead of a sequence", value[0]), ("an empty sequence", type(value)()),
                ("a sequence with a mismatched tensor", type(value)(list(value[:-1]) + [
                    _tensor_replacements(value[-1])[6][1]]))]
    return [("None", None), ("a string", "x")]


@st.composite
def mutate(draw, args: list, kwargs: dict):
    """One changed copy of a valid call: (args, kwargs, description); Unchecked arguments stay as they are."""
    slots = [("arg", i) for i, a in enumerate(args) if not isinstance(a, Unchecked)] + \
        [("kw", k) for k, v in kwargs.items() if not isinstance(v, Unchecked)] + [("new", UNKNOWN_KEYWORD)]
    kind, key = draw(st.sampled_from(slots))
    args, kwargs = list(args), dict(kwargs)
    if kind == "new":
        kwargs[UNKNOWN_KEYWORD] = 1
        return args, kwargs, f"an unknown keyword {UNKNOWN_KEYWORD}=1"
    old = args[key] if kind == "arg" else kwargs[key]
    what, new = draw(st.sampled_from(_replacements(old)))
    if kind == "arg":
        args[key] = new
        return args, kwargs, f"argument {key} replaced by {what}"
    kwargs[key] = new
    return args, kwargs, f"keyword {key} replaced by {what}"
