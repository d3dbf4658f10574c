"""Argument checks at the public boundary, read from each function's annotations.

torch's argument parser refuses a Python number, a list or a NumPy array where a tensor is
required, a float or a bool where an int is, an int or None where a bool is, with TypeError
naming the argument. `checked(fn)` gives a public function the same checks, from its
annotations (`input: Tensor`, `weight: Tensor | None`, `dim: int`, `keepdim: bool`,
`eps: float`), so that the error is torch's instead of whatever the body would raise, or a
silently accepted bad value.
"""
from __future__ import annotations

import functools
import inspect
import numbers

from ..tensor import Tensor

_MISSING = object()


def _is_tensor(v) -> bool:
    return isinstance(v, Tensor)


def _is_int(v) -> bool:
    # torch takes anything with __index__ (NumPy integers, 0-d integer tensors), never a bool
    if type(v) is int:
        return True
    if isinstance(v, bool) or isinstance(v, float):
        return False
    if isinstance(v, Tensor):
        return v.dim() == 0 and not v.is_floating_point() and v.dtype.name != "bool"
    return hasattr(v, "__index__")


def _is_bool(v) -> bool:
    return type(v) is bool or type(v).__name__ == "bool_"


def _is_float(v) -> bool:
    if type(v) in (float, int):
        return True
    if isinstance(v, Tensor):
        return v.dim() == 0
    return isinstance(v, numbers.Real)


def _is_int_sequence(v) -> bool:
    return isinstance(v, (tuple, list)) and all(_is_int(n) for n in v)


def _is_tensor_sequence(v) -> bool:
    return isinstance(v, (tuple, list)) and all(isinstance(t, Tensor) for t in v)


# annotation text -> (check, word in the message, None allowed)
_KINDS = {
    "Tensor": (_is_tensor, "Tensor", False), "Tensor | None": (_is_tensor, "Tensor", True),
    "int": (_is_int, "int", False), "int | None": (_is_int, "int", True),
    "bool": (_is_bool, "bool", False), "bool | None": (_is_bool, "bool", True),
    "float": (_is_float, "float", False), "float | None": (_is_float, "float", True),
    # a `str` annotation is not checked: torch's Python wrappers test such values (reduction=...) themselves first
    "str | None": (lambda v: isinstance(v, str), "str", True),
    "list[Tensor]": (_is_tensor_sequence, "tuple of Tensors", False),
    "list[int]": (_is_int_sequence, "tuple of ints", False),
    "int | list[int]": (lambda v: _is_int(v) or _is_int_sequence(v), "tuple of ints", False),
}


def parameter_checks(fn, method: bool = False, kinds=None):
    """(index, name, check, word, none_ok) for each parameter of `fn` with a checked annotation
    (among `kinds`, the annotation words to check, when given)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return ()
    found = []
    for i, p in enumerate(params):
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "")
        if ann not in _KINDS or (method and i == 0) or (kinds is not None and _KINDS[ann][1] not in kinds):
            continue
        check, word, none_ok = _KINDS[ann]
        index = i if p.kind is not p.KEYWORD_ONLY else None
        found.append((index, p.name, check, word, none_ok or p.default is None))
    return tuple(found)


def _complain(name: str, index, pname: str, word: str, value, method: bool):
    position = "" if index is None else f" (position {index + (0 if method else 1)})"
    if word == "tuple of Tensors" and isinstance(value, (tuple, list)):
        i, bad = next((i, t) for i, t in enumerate(value) if not isinstance(t, Tensor))
        raise TypeError(f"expected Tensor as element {i} in argument {index or 0}, but got {type(bad).__name__}")
    if word == "tuple of ints" and isinstance(value, (tuple, list)):
        i, bad = next((i, n) for i, n in enumerate(value) if not _is_int(n))
        raise TypeError(f"{name}(): argument '{pname}'{position} must be tuple of ints, but found element of "
                        f"type {type(bad).__name__} at pos {i}")
    raise TypeError(f"{name}(): argument '{pname}'{position} must be {word}, not {type(value).__name__}")


# torch's argument parser also takes NumPy's names for these parameters, by keyword
_NUMPY_NAMES = {"dim": ("axis",), "keepdim": ("keepdims",), "input": ("x", "a", "x1"), "other": ("x2",)}


def numpy_aliases(fn, method: bool = False) -> dict:
    """{NumPy name: parameter} for the parameters of `fn` that torch's parser also takes by NumPy's names."""
    try:
        params = list(inspect.signature(fn).parameters)[1 if method else 0:]
    except (TypeError, ValueError):
        return {}
    return {alias: name for name in params for alias in _NUMPY_NAMES.get(name, ()) if alias not in params}


def _renamed(name: str, kwargs: dict, aliases: dict) -> dict:
    renamed = {}
    for key, value in kwargs.items():
        key = aliases.get(key, key)
        if key in renamed:
            raise TypeError(f"{name}() got multiple values for argument '{key}'")
        renamed[key] = value
    return renamed


def checked(fn, method: bool = False, kinds=None, aliases: bool = True):
    """`fn` with its annotated parameters checked first (fn itself when it declares none and takes no
    NumPy-named keywords); `kinds` limits the checks to some annotation words (e.g. only "Tensor");
    `aliases` gives the parameters torch's C functions take by NumPy's names (axis=, keepdims=)."""
    checks = parameter_checks(fn, method, kinds)
    names = numpy_aliases(fn, method) if aliases else {}
    if not checks and not names:
        return fn
    name = fn.__name__
    if not checks:  # only the NumPy names to map: the leanest wrapper
        @functools.wraps(fn)
        def renaming(*args, **kwargs):
            if kwargs and not names.keys().isdisjoint(kwargs):
                kwargs = _renamed(name, kwargs, names)
            return fn(*args, **kwargs)
        return renaming

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs and names and not names.keys().isdisjoint(kwargs):
            kwargs = _renamed(name, kwargs, names)
        n = len(args)
        for index, pname, check, word, none_ok in checks:
            if index is not None and index < n:
                value = args[index]
            else:
                value = kwargs.get(pname, _MISSING)
                if value is _MISSING:
                    continue
            if not check(value) and not (none_ok and value is None):
                _complain(name, index, pname, word, value, method)
        return fn(*args, **kwargs)
    return op


def c_parser(name: str):
    """Decorator: the argument-type checks of torch's C function `name`, read from the annotations of the
    decorated stub. torch's Python wrappers make their own checks first, then call the C function; a
    minitorch wrapper calls the checked stub at the same point."""
    def parser(stub):
        stub.__name__ = stub.__qualname__ = name
        return checked(stub, aliases=False)
    return parser
