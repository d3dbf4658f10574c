"""torch's lower-level forms of ops minitorch has: constant_pad_nd (F.pad's constant mode), nonzero_static
(nonzero padded or cut to a fixed row count), empty_permuted (empty, given a memory order) and grid_sampler
(F.grid_sample with its modes as integers)."""
from __future__ import annotations

from ..autograd import batched
from ..tensor import Tensor
from .creation import empty
from .grid_sample import MODES, PADDING_MODES, grid_sample
from .indexing import nonzero
from .resample import pad as _pad


def constant_pad_nd(input: Tensor, pad: list[int], value: float = 0) -> Tensor:
    """input padded with `value`: pad = (the last dim's widths before and after, the dim before's, ...); a negative
    width cuts."""
    pad = list(pad)
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    if len(pad) > 2 * input.dim():
        raise RuntimeError(f"Length of pad should be no more than twice the number of dimensions of the input. Pad "
                           f"length is {len(pad)}while the input has {input.dim()}dimensions.")  # torch's spacing
    return _pad(input, pad, "constant", value)


@batched.as_one_op
def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero(input) as exactly `size` rows: the first `size` coordinates, then rows of fill_value."""
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    found = nonzero(input)
    xp = input._device.backend.xp
    rows = xp.full((size, found.shape[1]), fill_value, dtype=xp.int64)
    count = min(size, found.shape[0])
    rows[:count] = found._data[:count]
    return Tensor._wrap(rows, input._device)


def empty_permuted(size: list[int], physical_layout: list[int], *, dtype=None, layout=None, device=None, pin_memory=False,
                   requires_grad=False) -> Tensor:
    """An uninitialised tensor of `size`. torch lays its dims out in memory in the order physical_layout; minitorch
    stores every tensor row-major (a listed deviation), so only the checks and the values' shape follow it."""
    size, order = list(size), list(physical_layout)
    if len(size) != len(order):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(size)} is not equal to len(physical_layout) = {len(order)}")
    if len(set(order)) != len(order):
        raise RuntimeError("Duplicate dim not allowed")
    if sorted(order) != list(range(len(order))):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-len(order)}, {len(order) - 1}], "
                         f"but got {max(order, key=abs)})")
    return empty(size, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory, requires_grad=requires_grad)


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """grid_sample with interpolation 0 bilinear, 1 nearest, 2 bicubic and padding 0 zeros, 1 border, 2 reflection."""
    if not (0 <= interpolation_mode < len(MODES) and 0 <= padding_mode < len(PADDING_MODES)):
        raise RuntimeError(f"grid_sampler(): expected interpolation_mode in 0..2 and padding_mode in 0..2, but got "
                           f"{interpolation_mode} and {padding_mode}")
    return grid_sample(input, grid, MODES[interpolation_mode], PADDING_MODES[padding_mode], align_corners)


def _fixed_dims(name: str, dims: int):
    def op(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool) -> Tensor:
        if input.dim() != dims:
            raise RuntimeError(f"{name}(): expected {dims}D input and grid with same number of dimensions, but got "
                               f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
        return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"grid_sampler for {dims}-d input (N, C, {'D, ' if dims == 5 else ''}H, W)."
    return op


grid_sampler_2d = _fixed_dims("grid_sampler_2d", 4)
grid_sampler_3d = _fixed_dims("grid_sampler_3d", 5)
