"""torchvision.io's image functions with Pillow as the codec: files and bytes to (C, H, W) uint8 tensors
and back."""
from __future__ import annotations

import io as _io
from enum import Enum

import numpy as np

from ..ops.creation import tensor
from ..tensor import Tensor

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_png", "decode_jpeg", "read_image",
           "encode_png", "write_png", "encode_jpeg", "write_jpeg"]


class ImageReadMode(Enum):
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path) -> Tensor:
    """The file's bytes as a 1-d uint8 tensor."""
    with open(path, "rb") as f:
        return tensor(np.frombuffer(f.read(), dtype=np.uint8).copy())


def write_file(filename, data: Tensor) -> None:
    """Write a 1-d uint8 tensor's bytes to a file."""
    with open(filename, "wb") as f:
        f.write(data.numpy().tobytes())


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """An encoded image (a uint8 tensor of its bytes, or a path) decoded to (C, H, W) uint8; `mode` converts
    to grey, grey+alpha, RGB or RGBA."""
    from PIL import Image, ImageOps
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    data = read_file(input) if not isinstance(input, Tensor) else input
    if data.dtype.name != "uint8" or data.dim() != 1:
        raise RuntimeError("Expected a 1-d uint8 tensor holding the encoded image")
    image = Image.open(_io.BytesIO(data.numpy().tobytes()))
    if apply_exif_orientation:
        image = ImageOps.exif_transpose(image)
    if mode is not ImageReadMode.UNCHANGED:
        image = image.convert(_PIL_MODES[mode])
    elif image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    pixels = np.asarray(image, dtype=np.uint8)
    return tensor(pixels[None] if pixels.ndim == 2 else np.ascontiguousarray(pixels.transpose(2, 0, 1)))


decode_png = decode_jpeg = decode_image


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """The image file at `path` as a (C, H, W) uint8 tensor."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _encode(image: Tensor, fmt: str, **options) -> Tensor:
    from PIL import Image
    if image.dtype.name != "uint8" or image.dim() != 3 or image.shape[0] not in (1, 3) + ((2, 4) if fmt == "PNG" else ()):
        raise RuntimeError(f"Input tensor must be a (C, H, W) uint8 image, got {image.dtype} of shape "
                           f"{list(image.shape)}")
    pixels = image.numpy().transpose(1, 2, 0)
    buffer = _io.BytesIO()
    Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels).save(buffer, format=fmt, **options)
    return tensor(np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy())


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG bytes of a (C, H, W) uint8 image (C = 1, 2, 3 or 4)."""
    if not 0 <= compression_level <= 9:
        raise ValueError("Compression level should be between 0 and 9")
    return _encode(input, "PNG", compress_level=compression_level)


def write_png(input: Tensor, filename, compression_level: int = 6) -> None:
    write_file(filename, encode_png(input, compression_level))


def encode_jpeg(input: Tensor, quality: int = 75) -> Tensor:
    """JPEG bytes of a (C, H, W) uint8 image (C = 1 or 3)."""
    if not 1 <= quality <= 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    return _encode(input, "JPEG", quality=quality)


def write_jpeg(input: Tensor, filename, quality: int = 75) -> None:
    write_file(filename, encode_jpeg(input, quality))
