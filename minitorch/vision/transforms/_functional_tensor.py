"""The augmentations of torchvision.transforms.functional on (..., C, H, W) tensors, step for step as
torchvision computes them, so uint8 and float images come out as torchvision's do.

Colour changes blend the image with a degenerate version of itself (black, its mean grey, its grey
version, a blurred copy): out = clamp(r * img + (1 - r) * other, 0, max). Geometric changes sample the
image at a grid mapped through the inverse affine matrix (grid_sample, nearest or bilinear), with an
extra all-ones channel that marks where the fill colour goes.
"""
from __future__ import annotations

import warnings

from ... import dtypes as D
from ...tensor import Tensor

_INTEGER_MAX = {"uint8": 255, "int8": 127, "int16": 32767, "int32": 2147483647, "int64": 9223372036854775807}


def max_value(dtype) -> int:
    """The brightest value of an image of this dtype: the integer maximum, or 1 for floats."""
    return _INTEGER_MAX.get(D.as_dtype(dtype).name, 1)


def assert_image_tensor(img: Tensor) -> None:
    if img.dim() < 2:
        raise TypeError("Tensor is not a torch image.")


def assert_channels(img: Tensor, permitted: list[int]) -> None:
    channels = 1 if img.dim() == 2 else img.shape[-3]
    if channels not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {channels}")


def _assert_batched_image(img: Tensor) -> None:
    assert_image_tensor(img)
    if img.dim() < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.dim()}")
    assert_channels(img, [1, 3])


def _float_dtype(img: Tensor):
    return img.dtype if img.dtype.is_floating_point else D.float32


def blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    """ratio * img1 + (1 - ratio) * img2, clamped to the image range, in img1's dtype."""
    ratio = float(ratio)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, max_value(img1.dtype)).to(img1.dtype)


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """Luma 0.2989 R + 0.587 G + 0.114 B (ITU-R 601), in the image's dtype."""
    if img.dim() < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.dim()}")
    assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        grey = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        grey = img.clone()
    return grey.expand(img.shape) if num_output_channels == 3 else grey


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    from ...ops.creation import zeros_like
    return blend(img, zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    assert_image_tensor(img)
    assert_channels(img, [3, 1])
    grey = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
    mean = grey.to(_float_dtype(img)).mean(dim=(-3, -2, -1), keepdim=True)
    return blend(img, mean, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    if img.shape[-3] == 1:  # as PIL: a grey image has no saturation to change
        return img
    return blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb_to_hsv(img: Tensor) -> Tensor:
    """Pillow's conversion; hue and saturation are 0 where max == min (no division by zero)."""
    from ...ops.creation import ones_like
    from ... import fmod, stack, where
    r, g, b = img.unbind(dim=-3)
    maxc, minc = img.max(dim=-3).values, img.min(dim=-3).values
    grey = maxc == minc
    chroma = maxc - minc
    ones = ones_like(maxc)
    s = chroma / where(grey, ones, maxc)
    divisor = where(grey, ones, chroma)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return stack((h, s, maxc), dim=-3)


def _hsv_to_rgb(img: Tensor) -> Tensor:
    """Each pixel picks one of six (r, g, b) arrangements of (v, p, q, t) by its hue sector."""
    from ... import arange, einsum, floor, int32, stack
    h, s, v = img.unbind(dim=-3)
    i = floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=int32)
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)
    sector = (i % 6).unsqueeze(dim=-3) == arange(6, device=i.device).view(-1, 1, 1)
    a1 = stack((v, q, p, p, t, v), dim=-3)
    a2 = stack((t, v, v, q, p, p), dim=-3)
    a3 = stack((p, p, t, v, v, q), dim=-3)
    return einsum("...ijk, ...xijk -> ...xjk", sector.to(dtype=img.dtype), stack((a1, a2, a3), dim=-4))


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Turn the hue by `hue_factor` of a full circle, in float32 HSV."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor image")
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    if img.shape[-3] == 1:
        return img
    from ... import stack
    from .functional import convert_image_dtype
    orig_dtype = img.dtype
    h, s, v = _rgb_to_hsv(convert_image_dtype(img, D.float32)).unbind(dim=-3)
    rgb = _hsv_to_rgb(stack(((h + hue_factor) % 1.0, s, v), dim=-3))
    return convert_image_dtype(rgb, orig_dtype)


def _blurred_degenerate_image(img: Tensor) -> Tensor:
    """The image smoothed by PIL's SMOOTH kernel (1 1 1 / 1 5 1 / 1 1 1, over 13), borders unchanged."""
    from ...ops.creation import ones
    from ...nn.functional import conv2d
    kernel = ones((3, 3), dtype=_float_dtype(img), device=img.device)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    kernel = kernel.expand(img.shape[-3], 1, 3, 3)
    batch, need_cast, need_squeeze, out_dtype = cast_squeeze_in(img, [kernel.dtype])
    smoothed = cast_squeeze_out(conv2d(batch, kernel, groups=batch.shape[-3]), need_cast, need_squeeze, out_dtype)
    result = img.clone()
    result[..., 1:-1, 1:-1] = smoothed
    return result


def adjust_sharpness(img: Tensor, sharpness_factor: float) -> Tensor:
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    return blend(img, _blurred_degenerate_image(img), sharpness_factor)


def invert(img: Tensor) -> Tensor:
    _assert_batched_image(img)
    return max_value(img.dtype) - img


def posterize(img: Tensor, bits: int) -> Tensor:
    """Keep the top `bits` bits of each uint8 value."""
    assert_image_tensor(img)
    if img.dim() < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.dim()}")
    if img.dtype is not D.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    assert_channels(img, [1, 3])
    return img & -int(2 ** (8 - bits))


def solarize(img: Tensor, threshold: float) -> Tensor:
    """Invert the values at or above `threshold`."""
    _assert_batched_image(img)
    if threshold > max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    from ... import where
    return where(img >= threshold, invert(img), img)


def autocontrast(img: Tensor) -> Tensor:
    """Stretch each channel linearly so its minimum is 0 and its maximum the dtype's maximum."""
    _assert_batched_image(img)
    from ... import isfinite
    bound = max_value(img.dtype)
    dtype = _float_dtype(img)
    minimum = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    maximum = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    scale = bound / (maximum - minimum)
    flat = isfinite(scale).logical_not()  # a constant channel stays as it is
    minimum[flat] = 0
    scale[flat] = 1
    return ((img - minimum) * scale).clamp(0, bound).to(img.dtype)


def _equalize_channel(channel: Tensor) -> Tensor:
    """Map values through the cumulative histogram so that they spread evenly over 0..255 (PIL's steps)."""
    from ... import bincount, cumsum, div, histc, int64, float32, uint8
    from ...nn.functional import pad
    if channel.is_cuda:  # histc, as torchvision uses on CUDA
        hist = histc(channel.to(float32), bins=256, min=0, max=255)
    else:
        hist = bincount(channel.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = div(nonzero[:-1].sum(), 255, rounding_mode="floor")
    if step == 0:
        return channel
    lut = div(cumsum(hist, 0) + div(step, 2, rounding_mode="floor"), step, rounding_mode="floor")
    lut = pad(lut, [1, 0])[:-1].clamp(0, 255)
    return lut[channel.to(int64)].to(uint8)


def equalize(img: Tensor) -> Tensor:
    assert_image_tensor(img)
    if not 3 <= img.dim() <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.dim()}")
    if img.dtype is not D.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    assert_channels(img, [1, 3])
    from ... import stack

    def equalize_image(image):
        return stack([_equalize_channel(image[c]) for c in range(image.shape[0])])
    return equalize_image(img) if img.dim() == 3 else stack([equalize_image(x) for x in img])


# ---- geometry: sampling through the inverse affine matrix --------------------------------------

def _assert_grid_transform_inputs(img, matrix, interpolation: str, fill, supported: list[str]) -> None:
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor")
    assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    if fill is not None and not isinstance(fill, (int, float, tuple, list)):
        warnings.warn("Argument fill should be either int, float, tuple or list")
    channels = 1 if img.dim() == 2 else img.shape[-3]
    if fill is not None and isinstance(fill, (tuple, list)) and 1 < len(fill) != channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {channels})")
    if interpolation not in supported:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def cast_squeeze_in(img: Tensor, req_dtypes: list):
    """The image as an N x C x H x W batch in the first of `req_dtypes` (unless already one of them),
    with what undoes it."""
    need_squeeze = img.dim() < 4
    if need_squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    need_cast = out_dtype not in req_dtypes
    if need_cast:
        img = img.to(req_dtypes[0])
    return img, need_cast, need_squeeze, out_dtype


def cast_squeeze_out(img: Tensor, need_cast: bool, need_squeeze: bool, out_dtype) -> Tensor:
    """Undo cast_squeeze_in, rounding before a cast back to an integer dtype."""
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        if not out_dtype.is_floating_point:
            img = img.round()
        img = img.to(out_dtype)
    return img


def _apply_grid_transform(img: Tensor, grid: Tensor, mode: str, fill) -> Tensor:
    from ... import cat, ones, tensor
    from ...nn.functional import grid_sample
    img, need_cast, need_squeeze, out_dtype = cast_squeeze_in(img, [grid.dtype])
    if img.shape[0] > 1:
        grid = grid.expand(img.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:  # a channel of ones marks the pixels that came from inside the image
        mask = ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype, device=img.device)
        img = cat((img, mask), dim=1)
    img = grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask, img = img[:, -1:, :, :], img[:, :-1, :, :]
        mask = mask.expand_as(img)
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = tensor(fill_list, dtype=img.dtype, device=img.device).view(1, len(fill_list), 1, 1).expand_as(img)
        if mode == "nearest":
            outside = mask < 0.5
            img[outside] = fill_img[outside]
        else:
            img = img * mask + (1.0 - mask) * fill_img
    return cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def _affine_grid(theta: Tensor, w: int, h: int, ow: int, oh: int) -> Tensor:
    """Output pixel centres (relative to the output's centre) mapped through theta, then normalised by the
    input's half-size: the grid grid_sample reads (unlike affine_grid, the input and output sizes may
    differ, for rotate's expand)."""
    from ... import empty, linspace, tensor
    base = empty(1, oh, ow, 3, dtype=theta.dtype, device=theta.device)
    base[..., 0].copy_(linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, steps=ow, device=theta.device))
    base[..., 1].copy_(linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, steps=oh, device=theta.device).unsqueeze_(-1))
    base[..., 2].fill_(1)
    rescaled = theta.transpose(1, 2) / tensor([0.5 * w, 0.5 * h], dtype=theta.dtype, device=theta.device)
    return base.view(1, oh * ow, 3).bmm(rescaled).view(1, oh, ow, 2)


def _theta(img: Tensor, matrix: list[float]) -> Tensor:
    from ... import tensor
    return tensor(matrix, dtype=_float_dtype(img), device=img.device).reshape(1, 2, 3)


def affine(img: Tensor, matrix: list[float], interpolation: str = "nearest", fill=None) -> Tensor:
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    w, h = img.shape[-1], img.shape[-2]
    return _apply_grid_transform(img, _affine_grid(_theta(img, matrix), w, h, w, h), interpolation, fill)


def _expanded_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """(width, height) of the box holding the image's corners mapped through `matrix`, as PIL sizes it."""
    from ... import float32, tensor
    corners = tensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                      [0.5 * w, -0.5 * h, 1.0]])
    mapped = corners.matmul(tensor(matrix, dtype=float32).view(2, 3).T)
    lowest, highest = mapped.min(dim=0).values, mapped.max(dim=0).values
    lowest += tensor((w * 0.5, h * 0.5))
    highest += tensor((w * 0.5, h * 0.5))
    tol = 1e-4  # so that a corner at 5e-15 past a pixel edge does not add a pixel
    size = (highest / tol).trunc_().mul(tol).ceil() - (lowest / tol).trunc_().mul(tol).floor()
    return int(size[0]), int(size[1])


def rotate(img: Tensor, matrix: list[float], interpolation: str = "nearest", expand: bool = False, fill=None):
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _expanded_size(matrix, w, h) if expand else (w, h)
    return _apply_grid_transform(img, _affine_grid(_theta(img, matrix), w, h, ow, oh), interpolation, fill)
