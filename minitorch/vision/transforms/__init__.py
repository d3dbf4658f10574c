"""Image transforms (torchvision.transforms) for PIL images and C x H x W tensors.

Random transforms draw from minitorch's default generator exactly as torchvision draws from
torch's, so after the same manual_seed they make the same choices (crop offsets, flips, angles).
"""
from __future__ import annotations

import enum

from numbers import Number

from ...ops.creation import empty, rand, randint
from . import functional as F
from .functional import InterpolationMode


def _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size."):
    if isinstance(size, Number):
        return int(size), int(size)
    if isinstance(size, (list, tuple)) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return tuple(size)


def _fill_for(img, fill):
    """A tensor image's fill as one float per channel (as torchvision converts it); a PIL image's as given."""
    from ...tensor import Tensor
    if not isinstance(img, Tensor) or fill is None:
        return fill
    if isinstance(fill, (int, float)):
        return [float(fill)] * F.get_dimensions(img)[0]
    return [float(f) for f in fill]


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """PIL image or H x W x C array -> C x H x W float tensor (uint8 scaled to [0, 1])."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return "ToTensor()"


class PILToTensor:
    """PIL image -> C x H x W tensor of its own dtype (no scaling)."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return "PILToTensor()"


class ToPILImage:
    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return "ToPILImage()" if self.mode is None else f"ToPILImage(mode={self.mode})"


class Normalize:
    """(x - mean) / std per channel."""

    def __init__(self, mean, std, inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize:
    """Resize to (h, w), or scale the shorter edge to `size` keeping the aspect ratio."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if not isinstance(size, (int, list, tuple)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = InterpolationMode(interpolation)

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop:
    def __init__(self, size):
        self.size = _setup_size(size)

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    """A crop at a uniformly random offset (after optional padding), drawn like torchvision's."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        self.size = _setup_size(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = randint(0, h - th + 1, size=(1,)).item()
        j = randint(0, w - tw + 1, size=(1,)).item()
        return i, j, th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, img):
        return F.hflip(img) if rand(1) < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    def __call__(self, img):
        return F.vflip(img) if rand(1) < self.p else img


class RandomRotation:
    """Rotate by an angle drawn uniformly from `degrees` (as torchvision draws it)."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None, fill=0):
        if isinstance(degrees, Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = [-degrees, degrees]
        self.degrees = [float(d) for d in degrees]
        self.interpolation = InterpolationMode(interpolation)
        self.expand, self.center, self.fill = expand, center, fill

    def __call__(self, img):
        fill = _fill_for(img, self.fill)
        angle = float(empty(1).uniform_(self.degrees[0], self.degrees[1]).item())
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self):
        s = f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, expand={self.expand}"
        if self.center is not None:
            s += f", center={self.center}"
        if self.fill is not None:
            s += f", fill={self.fill}"
        return s + ")"


class Lambda:
    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


class RandomResizedCrop:
    """Crop a random area (a `scale` fraction of the image, at an aspect ratio in `ratio`, drawn as torchvision
    draws them, up to ten tries, else the central crop) and resize it to `size`."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=InterpolationMode.BILINEAR,
                 antialias: bool | None = True):
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, (tuple, list)) or not isinstance(ratio, (tuple, list)):
            raise TypeError("Scale and ratio should be of kind sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            import warnings
            warnings.warn("Scale and ratio should be of kind (min, max)")
        self.scale, self.ratio = scale, ratio
        self.interpolation, self.antialias = interpolation, antialias

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, height, width) of the crop."""
        import math
        from ...ops.creation import tensor
        _, height, width = F.get_dimensions(img)
        area = height * width
        low, high = tensor(ratio).log().tolist()  # float32 logs, as torchvision takes them
        for _ in range(10):
            target_area = area * empty(1).uniform_(scale[0], scale[1]).item()
            aspect_ratio = empty(1).uniform_(low, high).exp().item()
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                return randint(0, height - h + 1, size=(1,)).item(), randint(0, width - w + 1, size=(1,)).item(), h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class ColorJitter:
    """Change brightness, contrast, saturation and hue by factors drawn uniformly from their ranges, in a
    random order (torch's draws)."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        """A number v means [center - v, center + v]; None when the range is just the centre (no change)."""
        if isinstance(value, Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        return None if value[0] == value[1] == center else tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order of the four adjustments, and each one's factor or None)."""
        from ...ops.creation import randperm
        order = randperm(4)
        factors = [None if r is None else float(empty(1).uniform_(r[0], r[1]).item())
                   for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for i in order.tolist():
            if factors[i] is not None:
                img = adjust[i](img, factors[i])
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class TrivialAugmentWide:
    """Apply one augmentation drawn uniformly from a fixed list, at a magnitude drawn uniformly from its
    bins, with a random sign where it has one (TrivialAugment, Müller & Hutter 2021). The draws are
    torch's, so the same seed augments as torchvision does."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation=InterpolationMode.NEAREST, fill=None):
        self.num_magnitude_bins, self.interpolation, self.fill = num_magnitude_bins, interpolation, fill

    @staticmethod
    def _augmentation_space(num_bins: int) -> dict:
        """op name: (magnitudes, signed)."""
        from ...ops.creation import arange, linspace, tensor
        return {"Identity": (tensor(0.0), False),
                "ShearX": (linspace(0.0, 0.99, num_bins), True),
                "ShearY": (linspace(0.0, 0.99, num_bins), True),
                "TranslateX": (linspace(0.0, 32.0, num_bins), True),
                "TranslateY": (linspace(0.0, 32.0, num_bins), True),
                "Rotate": (linspace(0.0, 135.0, num_bins), True),
                "Brightness": (linspace(0.0, 0.99, num_bins), True),
                "Color": (linspace(0.0, 0.99, num_bins), True),
                "Contrast": (linspace(0.0, 0.99, num_bins), True),
                "Sharpness": (linspace(0.0, 0.99, num_bins), True),
                "Posterize": (8 - (arange(num_bins) / ((num_bins - 1) / 6)).round().int(), False),
                "Solarize": (linspace(255.0, 0.0, num_bins), False),
                "AutoContrast": (tensor(0.0), False),
                "Equalize": (tensor(0.0), False)}

    def __call__(self, img):
        return _random_op(img, self._augmentation_space(self.num_magnitude_bins),
                          lambda magnitudes: randint(len(magnitudes), (1,)), self.interpolation,
                          _fill_for(img, self.fill))

    def __repr__(self):
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class RandAugment:
    """Apply `num_ops` augmentations drawn uniformly from a fixed list, each at the fixed `magnitude` bin,
    with a random sign where it has one (RandAugment, Cubuk et al. 2019); torch's draws."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation=InterpolationMode.NEAREST, fill=None):
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins
        self.interpolation, self.fill = interpolation, fill

    @staticmethod
    def _augmentation_space(num_bins: int, image_size) -> dict:
        from ...ops.creation import tensor
        return {"Identity": (tensor(0.0), False), **_magnitude_space(num_bins, image_size)}

    def __call__(self, img):
        _, height, width = F.get_dimensions(img)
        op_meta = self._augmentation_space(self.num_magnitude_bins, (height, width))
        fill = _fill_for(img, self.fill)
        for _ in range(self.num_ops):
            img = _random_op(img, op_meta, lambda magnitudes: self.magnitude, self.interpolation, fill)
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


def _magnitude_space(num_bins: int, image_size) -> dict:
    """op name: (magnitudes over `num_bins` bins, signed), the ops AutoAugment and RandAugment share;
    translations scale with the image (150/331 of it at most)."""
    from ...ops.creation import arange, linspace, tensor
    return {"ShearX": (linspace(0.0, 0.3, num_bins), True),
            "ShearY": (linspace(0.0, 0.3, num_bins), True),
            "TranslateX": (linspace(0.0, 150.0 / 331.0 * image_size[1], num_bins), True),
            "TranslateY": (linspace(0.0, 150.0 / 331.0 * image_size[0], num_bins), True),
            "Rotate": (linspace(0.0, 30.0, num_bins), True),
            "Brightness": (linspace(0.0, 0.9, num_bins), True),
            "Color": (linspace(0.0, 0.9, num_bins), True),
            "Contrast": (linspace(0.0, 0.9, num_bins), True),
            "Sharpness": (linspace(0.0, 0.9, num_bins), True),
            "Posterize": (8 - (arange(num_bins) / ((num_bins - 1) / 4)).round().int(), False),
            "Solarize": (linspace(255.0, 0.0, num_bins), False),
            "AutoContrast": (tensor(0.0), False),
            "Equalize": (tensor(0.0), False)}


class AutoAugmentPolicy(enum.Enum):
    """The policies learned in the AutoAugment paper, per dataset."""
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# Each policy: sub-policies of two (op, probability, magnitude bin out of 10 or None), as the paper lists them.
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None))],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None))],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None))],
}


class AutoAugment:
    """One sub-policy of a learned AutoAugment policy per image (Cubuk et al. 2018): each of its two ops
    applied with its probability, at its magnitude bin, with a random sign where it has one; torch's draws."""

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation=InterpolationMode.NEAREST, fill=None):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy, self.interpolation, self.fill = policy, interpolation, fill
        self.policies = _POLICIES[policy]

    @staticmethod
    def _augmentation_space(num_bins: int, image_size) -> dict:
        from ...ops.creation import tensor
        return {**_magnitude_space(num_bins, image_size), "Invert": (tensor(0.0), False)}

    @staticmethod
    def get_params(transform_num: int):
        """(sub-policy index, the two ops' probability draws, the two ops' sign draws), in torch's order."""
        return int(randint(transform_num, (1,)).item()), rand((2,)), randint(2, (2,))

    def __call__(self, img):
        _, height, width = F.get_dimensions(img)
        fill = _fill_for(img, self.fill)
        transform_id, probs, signs = self.get_params(len(self.policies))
        op_meta = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i] <= p:
                magnitudes, signed = op_meta[op_name]
                magnitude = float(magnitudes[magnitude_id].item()) if magnitude_id is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self):
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


def _random_op(img, op_meta: dict, magnitude_bin, interpolation, fill):
    """One augmentation drawn uniformly from `op_meta`, at the magnitude bin `magnitude_bin` picks, negated
    with probability 1/2 where the op is signed: torch's draws, in torch's order."""
    op_name = list(op_meta)[int(randint(len(op_meta), (1,)).item())]
    magnitudes, signed = op_meta[op_name]
    magnitude = float(magnitudes[magnitude_bin(magnitudes)].item()) if magnitudes.dim() > 0 else 0.0
    if signed and bool(randint(2, (1,))):
        magnitude *= -1.0
    return _apply_op(img, op_name, magnitude, interpolation, fill)


def _apply_op(img, op_name: str, magnitude: float, interpolation, fill):
    """One augmentation at one magnitude; shears by arctan(magnitude) about the corner, as torchvision."""
    import math
    if op_name in ("ShearX", "ShearY"):
        shear = math.degrees(math.atan(magnitude))
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                        shear=[shear, 0.0] if op_name == "ShearX" else [0.0, shear],
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        shift = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=shift, scale=1.0, shear=[0.0, 0.0], interpolation=interpolation,
                        fill=fill)
    ops = {"Rotate": lambda: F.rotate(img, magnitude, interpolation=interpolation, fill=fill),
           "Brightness": lambda: F.adjust_brightness(img, 1.0 + magnitude),
           "Color": lambda: F.adjust_saturation(img, 1.0 + magnitude),
           "Contrast": lambda: F.adjust_contrast(img, 1.0 + magnitude),
           "Sharpness": lambda: F.adjust_sharpness(img, 1.0 + magnitude),
           "Posterize": lambda: F.posterize(img, int(magnitude)),
           "Solarize": lambda: F.solarize(img, magnitude),
           "AutoContrast": lambda: F.autocontrast(img),
           "Equalize": lambda: F.equalize(img),
           "Invert": lambda: F.invert(img),
           "Identity": lambda: img}
    if op_name not in ops:
        raise ValueError(f"The provided operator {op_name} is not recognized.")
    return ops[op_name]()


__all__ = ["RandomResizedCrop", "ColorJitter", "TrivialAugmentWide", "RandAugment", "AutoAugment", "AutoAugmentPolicy", "Compose", "ToTensor", "PILToTensor", "ToPILImage", "Normalize", "Resize", "CenterCrop", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "Lambda", "InterpolationMode", "functional"]
