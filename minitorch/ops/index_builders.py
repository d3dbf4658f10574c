"""Index tensors built from shapes: the coordinates of a matrix's lower or upper triangle (tril_indices,
triu_indices) and the coordinates of flat indices in a shape (unravel_index)."""
from __future__ import annotations

import itertools
import operator

import numpy as np

from .. import dtypes as D
from ..formats import check_factory_options
from ..tensor import Tensor
from .creation import _finish, tensor


def _triangle_indices(name: str, lower: bool):
    def op(row: int, col: int, offset: int = 0, *, dtype=None, layout=None, device=None, pin_memory=False,
           requires_grad=False) -> Tensor:
        check_factory_options(name, layout, pin_memory)
        for label, size in (("row", row), ("col", col)):
            if size < 0:
                raise RuntimeError(f"{label} must be non-negative, got{size}")
        dt = D.int64 if dtype is None else D.as_dtype(dtype)
        if dt.is_floating_point or dt is D.bool_:
            raise NotImplementedError(f"\"{name}\" not implemented for '{dt.word}'")
        i, j = np.indices((row, col)).reshape(2, -1)
        keep = (j - i <= offset) if lower else (j - i >= offset)
        return _finish(np.stack([i[keep], j[keep]]).astype(dt.np), device, requires_grad)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The (row, column) coordinates of the {'lower' if lower else 'upper'} triangle of a row × col "
                  f"matrix, {'on and below' if lower else 'on and above'} the offset-th diagonal, row by row, as a "
                  "2 × N tensor.")
    return op


tril_indices = _triangle_indices("tril_indices", lower=True)
triu_indices = _triangle_indices("triu_indices", lower=False)


def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in `shape` of each flat (row-major) index: one tensor per dim, each of indices' shape.
    Indices beyond the shape wrap around, as torch's (it divides and takes remainders without a bounds check)."""
    if indices.dtype.is_floating_point or indices.dtype is D.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if not isinstance(shape, (int, list, tuple)):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    shape = [shape] if isinstance(shape, int) else list(shape)
    for size in shape:
        if not isinstance(size, int):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(size)}")
    if any(size < 0 for size in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(shape)}")
    strides = list(itertools.accumulate(reversed(shape[1:] + [1]), operator.mul))[::-1]
    device = indices.device
    coordinates = indices.unsqueeze(-1).floor_divide(tensor(strides, dtype=D.int64, device=device))
    return (coordinates % tensor(shape, dtype=D.int64, device=device)).unbind(-1)
