"""Spatial transformers: affine_grid builds sampling coordinates from affine matrices, grid_sample reads an
image (or volume) at such coordinates, by bilinear (trilinear), nearest or (in 2-d) bicubic interpolation, with
zeros, border or reflection padding. Both are fused nodes under torch's names, their definitions gathers and weighted sums."""
from __future__ import annotations

import warnings

from ..tensor import Tensor
from .arguments import c_parser
from .fused import Fused

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
                  "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample "
                  "for details.")


def _linspace(n: int, align_corners: bool, like: Tensor) -> Tensor:
    """The normalised coordinates of n pixel centres (or corners, with align_corners) in [−1, 1]."""
    from .creation import linspace
    points = linspace(-1, 1, n, dtype=like.dtype, device=like.device) if n > 1 else \
        like.new_zeros((n,))
    return points if align_corners else points * ((n - 1) / n)


def _affine_grid(theta, size, align_corners):
    spatial = size[2:]
    axes = [_linspace(n, align_corners, theta) for n in reversed(spatial)]  # x (width) first
    from .arrange import meshgrid
    grids = meshgrid(*reversed(axes), indexing="ij")[::-1]  # each of shape spatial, x first
    ones = theta.new_ones(tuple(spatial))
    from .shape import stack
    base = stack(list(grids) + [ones], -1).reshape(1, -1, len(spatial) + 1)    # (1, Π spatial, d + 1)
    out = base.matmul(theta.transpose(1, 2))                                 # (N, Π spatial, d)
    return out.reshape((size[0],) + tuple(spatial) + (len(spatial),))


@c_parser("affine_grid_generator")
def _affine_grid_arguments(theta: Tensor, size: list[int], align_corners: bool):
    """torch.affine_grid_generator's parameters."""


@c_parser("grid_sampler")
def _grid_sampler_arguments(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                            align_corners: bool):
    """torch.grid_sampler's parameters."""


class AffineGridGenerator(Fused):
    node_name = "AffineGridGeneratorBackward0"
    definition = staticmethod(_affine_grid)
    saved_names = ("",)  # torch keeps the size alone: the gradient is linear in theta
    saved_values = {"size": lambda node: tuple(node.args[1]), "align_corners": lambda node: node.args[2]}


def affine_grid(theta: Tensor, size: list[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps theta (N, 2, 3) (or (N, 3, 4))."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    _affine_grid_arguments(theta, size, align_corners)
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected theta.size(0) == size[0], but got {theta.shape[0]} and {size[0]}")
    return AffineGridGenerator.apply(theta, tuple(size), align_corners)


# ---- sampling ---------------------------------------------------------------------------------------------

def _unnormalise(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """[−1, 1] to pixel coordinates: the corners' centres (align_corners) or the image's edges."""
    return (coord + 1) / 2 * (size - 1) if align_corners else ((coord + 1) * size - 1) / 2


def _reflect(coord: Tensor, low: float, high: float) -> Tensor:
    """coord folded into [low, high] by reflecting at both ends (as often as it takes)."""
    if high <= low:
        return coord * 0 + low
    span = high - low
    shifted = (coord - low).abs()
    flips = (shifted / span).floor()
    extra = shifted - flips * span
    return (extra + low).where(flips % 2 == 0, high - extra)


def _pad_coordinate(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        coord = _reflect(coord, 0, size - 1) if align_corners else _reflect(coord, -0.5, size - 0.5)
        return coord.clamp(0, size - 1)
    return coord


def _gather(flat: Tensor, index: Tensor, valid: Tensor | None) -> Tensor:
    """flat (N, C, L) read at index (N, P) for every channel, zero where not `valid`."""
    n, c = flat.shape[:2]
    values = flat.gather(2, index.clamp(0, flat.shape[2] - 1).unsqueeze(1).expand(n, c, index.shape[1]))
    return values if valid is None else values * valid.unsqueeze(1).to(flat.dtype)


def _grid_sample(input, grid, mode, padding_mode, align_corners):
    """The value of input at each grid point: corner values weighted by their distances (or the nearest one)."""
    import itertools
    n, c = input.shape[:2]
    spatial = tuple(input.shape[2:])
    out_spatial = tuple(grid.shape[1:-1])
    points = grid.reshape(n, -1, len(spatial))
    # grid's last dim is (x, y[, z]): x indexes the last spatial dim
    coords = [_pad_coordinate(_unnormalise(points[..., len(spatial) - 1 - k], spatial[k], align_corners),
                              spatial[k], padding_mode, align_corners) for k in range(len(spatial))]
    flat = input.reshape(n, c, -1)
    strides = [1]
    for size in reversed(spatial[1:]):
        strides.insert(0, strides[0] * size)

    def read(corner):
        index, valid = None, None
        for k, (pos, size) in enumerate(zip(corner, spatial)):
            inside = (pos >= 0) & (pos <= size - 1)
            valid = inside if valid is None else valid & inside
            term = pos.long() * strides[k]
            index = term if index is None else index + term
        return _gather(flat, index, valid)

    if mode == "nearest":
        out = read([coord.round() for coord in coords])
    elif mode == "bicubic":
        out = _bicubic(points, spatial, padding_mode, align_corners, read)
    else:
        lows = [coord.floor() for coord in coords]
        weights_high = [coord - low for coord, low in zip(coords, lows)]
        out = None
        for choice in itertools.product((0, 1), repeat=len(spatial)):
            corner = [low + pick for low, pick in zip(lows, choice)]
            weight = None
            for pick, w in zip(choice, weights_high):
                factor = w if pick else 1 - w
                weight = factor if weight is None else weight * factor
            term = read(corner) * weight.unsqueeze(1)
            out = term if out is None else out + term
    return out.reshape((n, c) + out_spatial)


_CUBIC_A = -0.75  # the cubic convolution kernel's parameter, as torch's


def _cubic_coefficients(t: Tensor) -> list:
    """The four tap weights at offsets −1, 0, 1, 2 from floor(x), for fraction t = x − floor(x) (Keys' kernel)."""
    a = _CUBIC_A

    def near(x):   # |x| ≤ 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):    # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic(points, spatial, padding_mode, align_corners, read):
    """Bicubic interpolation over the 4 × 4 pixels around each point: each tap's coordinate padded on its own, a
    weighted sum along x in each of the four rows, then along y (torch's order of summation)."""
    y, x = (_unnormalise(points[..., 1 - k], spatial[k], align_corners) for k in range(2))
    y0, x0 = y.floor(), x.floor()
    wy, wx = _cubic_coefficients(y - y0), _cubic_coefficients(x - x0)
    out = None
    for i in range(4):
        row_y = _pad_coordinate(y0 + (i - 1), spatial[0], padding_mode, align_corners)
        row = None
        for j in range(4):
            col_x = _pad_coordinate(x0 + (j - 1), spatial[1], padding_mode, align_corners)
            term = read([row_y, col_x]) * wx[j].unsqueeze(1)
            row = term if row is None else row + term
        term = row * wy[i].unsqueeze(1)
        out = term if out is None else out + term
    return out


class GridSampler2D(Fused):
    node_name = "GridSampler2DBackward0"
    definition = staticmethod(_grid_sample)
    saved_names = ("input", "grid")
    # the modes as torch's enums number them
    saved_values = {"interpolation_mode": lambda node: MODES.index(node.args[2]),
                    "padding_mode": lambda node: PADDING_MODES.index(node.args[3]),
                    "align_corners": lambda node: node.args[4]}


class GridSampler3D(GridSampler2D):
    node_name = "GridSampler3DBackward0"


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """input (N, C, H, W) read at grid (N, Ho, Wo, 2) of normalised (x, y) in [−1, 1] (or the 3-d forms)."""
    if mode not in MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    _grid_sampler_arguments(input, grid, MODES.index(mode), PADDING_MODES.index(padding_mode), align_corners)
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but "
                           f"got grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if not input.dtype.is_floating_point:  # the kernel's dispatch on input's dtype comes first
        kernel = "grid_sampler_2d_cpu_kernel_impl" if input.dim() == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype.word}'")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    if mode == "bicubic" and input.dim() != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    node = GridSampler2D if input.dim() == 4 else GridSampler3D
    return node.apply(input, grid, mode, padding_mode, align_corners)
