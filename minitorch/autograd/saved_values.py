"""How a node's saved values read as torch's do (the `saved_values` of an op's node: `_saved_dim`, ...).

torch keeps an op's integer arguments as C++ int64 and hands them to Python as unsigned 64-bit numbers, so a
saved dim of -1 reads 18446744073709551615 there: `torch_int` gives what torch shows for a saved int.
"""
from __future__ import annotations

_UINT64 = 1 << 64


def torch_int(value: int) -> int:
    """A saved int64 as torch's node shows it (negative values wrapped to unsigned 64 bits)."""
    return value % _UINT64 if value < 0 else value


def torch_ints(values) -> tuple:
    return tuple(torch_int(v) for v in values)


def sizes(name: str):
    """A saved shape (`_saved_self_sym_sizes`): the node's attribute `name`, as a tuple of ints."""
    return lambda node: tuple(int(s) for s in getattr(node, name))


def given(names) -> dict:
    """saved_values reading arguments as the call gave them (the node's `given`, by name)."""
    return {name: (lambda node, name=name: node.given[name]) for name in names}


def attribute(name: str, convert=None):
    """The node's attribute `name` (passed through `convert`)."""
    if convert is None:
        return lambda node: getattr(node, name)
    return lambda node: convert(getattr(node, name))


def strides_of(array) -> tuple:
    """An array's strides in elements, as torch gives a tensor's. An empty array's are torch's for a fresh tensor
    of its shape (row-major, each dim counting as at least 1), where NumPy gives zeros."""
    if array.size:
        return tuple(s // array.itemsize for s in array.strides)
    strides, step = [], 1
    for size in reversed(array.shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def layout(array) -> tuple:
    """(sizes, strides in elements) of a backend array: what torch's `*_sym_sizes`/`*_sym_strides` hold."""
    return tuple(array.shape), strides_of(array)


def layouts(*names: str, first: int = 0) -> dict:
    """`<name>_sym_sizes` and `<name>_sym_strides` for the operands whose layouts forward kept in `node.layouts`
    (in the order of `names`; the operands are the node's inputs from position `first` on). torch keeps an operand's
    strides only for its own gradient: where that is not wanted they read ()."""
    values = {}
    for i, name in enumerate(names):
        values[f"{name}_sym_sizes"] = lambda node, i=i: node.layouts[i][0]
        values[f"{name}_sym_strides"] = lambda node, i=i: node.layouts[i][1] if node.needs_input_grad[first + i] else ()
    return values


_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def reduction(name: str) -> int:
    """A loss's reduction as torch's node saves it: its at::Reduction number (none 0, mean 1, sum 2)."""
    return _REDUCTIONS[name]
