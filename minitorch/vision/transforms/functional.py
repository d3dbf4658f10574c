"""Image operations on PIL images and on (..., C, H, W) tensors, as torchvision.transforms.functional.

PIL images go through Pillow (so results equal torchvision's for PIL input); tensors go through
minitorch ops (resizing uses F.interpolate with the same antialiased filters torchvision uses).
"""
from __future__ import annotations

import math
import numbers
from enum import Enum

import numpy as np

from ...ops.creation import tensor as _tensor
from ...tensor import Tensor
from . import _functional_tensor as _FT


class InterpolationMode(Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _is_pil(img) -> bool:
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def get_dimensions(img) -> list[int]:
    """[channels, height, width]."""
    if isinstance(img, Tensor):
        return [img.shape[-3] if img.dim() > 2 else 1, img.shape[-2], img.shape[-1]]
    if _is_pil(img):
        return [len(img.getbands()), img.height, img.width]
    raise TypeError(f"Unexpected type {type(img)}")


def to_tensor(pic) -> Tensor:
    """PIL image or H x W (x C) array -> C x H x W float tensor; uint8 values are scaled to [0, 1]."""
    if not (_is_pil(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray) and pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    a = np.asarray(pic)
    if _is_pil(pic) and pic.mode == "1":
        a = a.astype(np.uint8) * 255
    if a.ndim == 2:
        a = a[:, :, None]
    out = np.ascontiguousarray(a.transpose(2, 0, 1))
    if out.dtype == np.uint8:
        return _tensor(out.astype(np.float32) / np.float32(255))
    return _tensor(out.astype(np.float32) if _is_pil(pic) else out)


def pil_to_tensor(pic) -> Tensor:
    """PIL image -> C x H x W tensor of the image's own dtype, without scaling."""
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    a = np.asarray(pic)
    if a.ndim == 2:
        a = a[:, :, None]
    return _tensor(np.ascontiguousarray(a.transpose(2, 0, 1)))


def to_pil_image(pic, mode=None):
    """C x H x W tensor (floats in [0, 1] are scaled to 0..255) or H x W x C array -> PIL image."""
    from PIL import Image
    if isinstance(pic, Tensor):
        a = pic.detach().cpu().numpy()
        if a.ndim == 3:
            a = a.transpose(1, 2, 0)
        if np.issubdtype(a.dtype, np.floating):
            a = (a * 255).astype(np.uint8)
    else:
        a = np.asarray(pic)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    return Image.fromarray(a, mode) if mode else Image.fromarray(a)


def resized_output_size(height: int, width: int, size, max_size=None) -> list[int]:
    """torchvision's rule: an int (or 1-list) sets the shorter edge, keeping the aspect ratio."""
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return [int(size[0]), int(size[1])]
    requested = size[0] if isinstance(size, (list, tuple)) else size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the smaller "
                             f"edge size (size = {size})")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if width <= height else [new_short, new_long]


_PIL_FILTERS = {"nearest": 0, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5, "lanczos": 1}


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    mode = InterpolationMode(interpolation).value
    _, h, w = get_dimensions(img)
    oh, ow = resized_output_size(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    if _is_pil(img):
        if mode not in _PIL_FILTERS:
            raise ValueError(f"{mode} is not a supported interpolation for PIL images")
        return img.resize((ow, oh), _PIL_FILTERS[mode])
    from ... import dtypes as D
    from ...ops.resample import interpolate
    batch = img.reshape((-1,) + tuple(img.shape[-3:])) if img.dim() >= 3 else img.reshape(1, 1, h, w)
    batch, need_cast, _, out_dtype = _FT.cast_squeeze_in(batch, [D.float32, D.float64])  # integers: as float32
    aa = antialias and mode in ("bilinear", "bicubic")
    out = interpolate(batch, size=(oh, ow), mode=mode, align_corners=False if mode in ("bilinear", "bicubic") else None,
                      antialias=aa)
    if mode == "bicubic" and out_dtype is D.uint8:  # bicubic overshoots
        out = out.clamp(min=0, max=255)
    out = _FT.cast_squeeze_out(out, need_cast, False, out_dtype)
    return out.reshape(tuple(img.shape[:-2]) + (oh, ow))


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad left/top/right/bottom (an int, a pair (lr, tb) or four values)."""
    if isinstance(padding, int):
        left = top = right = bottom = padding
    elif len(padding) == 1:
        left = top = right = bottom = padding[0]
    elif len(padding) == 2:
        left, top = right, bottom = padding
    elif len(padding) == 4:
        left, top, right, bottom = padding
    else:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if _is_pil(img):
        from PIL import Image
        a = np.asarray(img)
        widths = ((top, bottom), (left, right)) + (((0, 0),) if a.ndim == 3 else ())
        numpy_mode = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode]
        kw = {"constant_values": fill} if padding_mode == "constant" else {}
        return Image.fromarray(np.pad(a, widths, mode=numpy_mode, **kw), img.mode)
    from ...ops.resample import pad as _pad
    mode = {"constant": "constant", "edge": "replicate", "reflect": "reflect"}.get(padding_mode)
    if mode is None:
        raise ValueError("padding_mode symmetric is not supported for tensors")
    return _pad(img, (left, right, top, bottom), mode=mode, value=fill if mode == "constant" else None)


def crop(img, top: int, left: int, height: int, width: int):
    """The region [top, top+height) x [left, left+width); outside the image is zero-filled."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        img = pad(img[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)],
                  [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)])
        return img
    return img[..., top:bottom, left:right]


def center_crop(img, output_size):
    """Crop the centre (padding with zeros first if the image is smaller than the crop)."""
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    th, tw = output_size
    _, h, w = get_dimensions(img)
    if tw > w or th > h:
        padding = [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                   (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0]
        img = pad(img, padding, fill=0)
        _, h, w = get_dimensions(img)
        if (h, w) == (th, tw):
            return img
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def hflip(img):
    if _is_pil(img):
        from PIL import Image
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img.flip(-1)


def vflip(img):
    if _is_pil(img):
        from PIL import Image
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return img.flip(-2)


def convert_image_dtype(image: Tensor, dtype=None) -> Tensor:
    """An image in another dtype, rescaled: integers span [0, max], floats [0, 1]."""
    from ... import dtypes as D
    dtype = D.float32 if dtype is None else D.as_dtype(dtype)
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype is dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        eps = 1e-3  # torchvision's margin, so that 1.0 maps to the maximum and not past it
        top = float(np.iinfo(dtype.np).max)
        return image.mul(top + 1.0 - eps).to(dtype)
    top = float(np.iinfo(image.dtype.np).max)
    if dtype.is_floating_point:
        return image.to(dtype).div(top)
    out_top = int(np.iinfo(dtype.np).max)
    if top > out_top:  # to a narrower integer: drop the low bits
        factor = int((top + 1) // (out_top + 1))
        return image.div(factor, rounding_mode="floor").to(dtype)
    factor = int((out_top + 1) // (top + 1))
    return image.to(dtype).mul(factor)


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """(x - mean) / std per channel."""
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    shape = (-1,) + (1,) * 2
    mean = _tensor(mean, dtype=tensor.dtype).reshape(shape)
    std = _tensor(std, dtype=tensor.dtype).reshape(shape)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    return tensor.sub_(mean).div_(std) if inplace else (tensor - mean) / std


# ---- the augmentations: Pillow for PIL images, tensor ops (as torchvision's) for tensors -------------

def _tensor_or_pil(img) -> bool:
    """True for a tensor image; a PIL image gives False; anything else is refused as torchvision refuses it."""
    if isinstance(img, Tensor):
        return True
    if not _is_pil(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")
    return False


def _parse_fill(fill, img) -> dict:
    """torchvision's fill for PIL's geometric transforms: one value per band, integers unless mode "F"."""
    bands = len(img.getbands())
    fill = 0 if fill is None else fill
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {"fillcolor": fill}


def _inverse_affine_matrix(center, angle: float, translate, scale: float, shear) -> list[float]:
    """The output-to-input map of rotation by `angle` and shear about `center`, scaling and translation:
    the coefficients PIL's Image.transform(AFFINE) and the tensor sampling grid take."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    (cx, cy), (tx, ty) = center, translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def _centre_relative(center, img) -> list[float]:
    """A pixel position as an offset from the image's centre, the frame tensor grids work in."""
    if center is None:
        return [0.0, 0.0]
    _, height, width = get_dimensions(img)
    return [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]


def affine(img, angle: float, translate, scale: float, shear, interpolation=InterpolationMode.NEAREST, fill=None,
           center=None):
    """Rotate, translate, scale and shear an image, keeping its size (torchvision's matrix)."""
    interpolation = InterpolationMode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if _tensor_or_pil(img):
        matrix = _inverse_affine_matrix(_centre_relative(center, img), float(angle), [1.0 * t for t in translate],
                                        scale, shear)
        return _FT.affine(img, matrix, interpolation.value, fill)
    if center is None:
        center = [img.size[0] * 0.5, img.size[1] * 0.5]
    matrix = _inverse_affine_matrix(center, float(angle), list(translate), scale, shear)
    from PIL import Image
    return img.transform(img.size, Image.AFFINE, matrix, _PIL_FILTERS[interpolation.value], **_parse_fill(fill, img))


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
           fill=None):
    """Rotate an image counter-clockwise by `angle` degrees."""
    interpolation = InterpolationMode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if _tensor_or_pil(img):  # the grid maps output to input: the inverse rotation
        matrix = _inverse_affine_matrix(_centre_relative(center, img), -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
        return _FT.rotate(img, matrix, interpolation.value, expand, fill)
    return img.rotate(angle, _PIL_FILTERS[interpolation.value], expand, center, **_parse_fill(fill, img))


def _enhanced(img, name: str, pil_name: str, factor: float):
    """adjust_<name>: the tensor blend, or PIL's ImageEnhance.<pil_name>; both mix the image with a
    degenerate version of itself by the factor."""
    if _tensor_or_pil(img):
        return getattr(_FT, f"adjust_{name}")(img, factor)
    if factor < 0:
        raise ValueError(f"{name}_factor ({factor}) is not non-negative.")
    from PIL import ImageEnhance
    return getattr(ImageEnhance, pil_name)(img).enhance(factor)


def adjust_brightness(img, brightness_factor: float):
    """Blend with black: 0 gives black, 1 the image, 2 twice as bright."""
    return _enhanced(img, "brightness", "Brightness", brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    """Blend with the image's mean grey."""
    return _enhanced(img, "contrast", "Contrast", contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    """Blend with the image's grey version."""
    return _enhanced(img, "saturation", "Color", saturation_factor)


def adjust_sharpness(img, sharpness_factor: float):
    """Blend with a smoothed version."""
    return _enhanced(img, "sharpness", "Sharpness", sharpness_factor)


def _image_op(img, name: str, *args):
    """The tensor version of an ImageOps operation, or PIL's ImageOps.<name>."""
    if _tensor_or_pil(img):
        return getattr(_FT, name)(img, *args)
    from PIL import ImageOps
    return getattr(ImageOps, name)(img, *args)


def posterize(img, bits: int):
    """Keep the top `bits` bits of each value."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    return _image_op(img, "posterize", bits)


def solarize(img, threshold: float):
    """Invert the values at or above `threshold`."""
    return _image_op(img, "solarize", threshold)


def autocontrast(img):
    """Stretch each channel to the full range."""
    return _image_op(img, "autocontrast")


def equalize(img):
    """Flatten each channel's histogram."""
    return _image_op(img, "equalize")


def invert(img):
    return _image_op(img, "invert")


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma (ITU-R 601) in one channel, or repeated in three."""
    if _tensor_or_pil(img):
        return _FT.rgb_to_grayscale(img, num_output_channels)
    grey = img.convert("L")
    if num_output_channels == 3:
        from PIL import Image
        return Image.merge("RGB", [grey, grey, grey])
    if num_output_channels != 1:
        raise ValueError("num_output_channels should be either 1 or 3")
    return grey


def resized_crop(img, top: int, left: int, height: int, width: int, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    """Crop, then resize the crop to `size`."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def adjust_hue(img, hue_factor: float):
    """Shift an image's hue by `hue_factor` of a turn (in [-0.5, 0.5]), wrapping around in HSV."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _tensor_or_pil(img):
        return _FT.adjust_hue(img, hue_factor)
    from PIL import Image
    if img.mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    hue += np.array(hue_factor * 255).astype(np.uint8)  # wraps around, as torchvision's does
    return Image.merge("HSV", (Image.fromarray(hue, "L"), s, v)).convert(img.mode)
