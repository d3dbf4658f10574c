"""Helpers shared by the model builders: torchvision's keyword rules and weights metadata."""
from __future__ import annotations

import functools
import warnings
from functools import partial
from pathlib import Path

from ... import nn
from ..transforms._presets import ImageClassification
from ..transforms.functional import InterpolationMode
from ._api import Weights, WeightsEnum, register_model

_IMAGENET_CATEGORIES = Path(__file__).with_name("imagenet_categories.txt").read_text().splitlines()
_BASE_URL = "https://download.pytorch.org/models/"


def imagenet_weights(file: str, num_params: int, acc1: float, acc5: float, gflops: float, file_mb: float,
                     recipe: str, docs: str = "These weights reproduce closely the results of the paper using a "
                     "simple training recipe.", min_size=(1, 1), **preset) -> Weights:
    """An ImageNet-1K classifier's weights entry, with torchvision's metadata keys."""
    return Weights(url=_BASE_URL + file, transforms=partial(ImageClassification, **({"crop_size": 224} | preset)),
                   meta={"categories": _IMAGENET_CATEGORIES, "min_size": min_size, "recipe": recipe,
                         "num_params": num_params, "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}},
                         "_ops": gflops, "_file_size": file_mb, "_docs": docs})


_SWAG_DOCS = ("These weights are learnt via transfer learning by end-to-end fine-tuning the original SWAG weights "
              "on ImageNet-1K data.")
_LINEAR_DOCS = ("These weights are composed of the original frozen SWAG trunk weights and a linear classifier "
                "learnt on top of them trained on ImageNet-1K data.")


def swag_weights(file: str, num_params: int, acc1: float, acc5: float, gflops: float, file_mb: float, *,
                 linear: bool, side: int, min_size=(1, 1)) -> Weights:
    """Weights fine-tuned from the SWAG (weakly supervised) pretraining: end to end at `side` pixels, or a
    linear classifier on the frozen trunk (`linear`, at 224); bicubic resizing, under SWAG's licence."""
    recipe, docs = (("https://github.com/pytorch/vision/pull/5793", _LINEAR_DOCS) if linear else
                    ("https://github.com/facebookresearch/SWAG", _SWAG_DOCS))
    weights = imagenet_weights(file, num_params, acc1, acc5, gflops, file_mb, recipe, docs, min_size=min_size,
                               crop_size=side, resize_size=side, interpolation=InterpolationMode.BICUBIC)
    weights.meta["license"] = "https://github.com/facebookresearch/SWAG/blob/main/LICENSE"
    return weights


def _ovewrite_named_param(kwargs: dict, param: str, new_value) -> None:
    """Set kwargs[param], refusing a different value the caller gave (torchvision's spelling of the name)."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """v rounded to the nearest multiple of divisor, never below min_value nor 10% below v."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def handle_legacy_interface(default: str = "DEFAULT"):
    """Accept the pre-0.13 `pretrained=True/False` keyword, with torchvision's deprecation warnings."""
    def decorator(builder):
        @functools.wraps(builder)
        def wrapper(*args, **kwargs):
            if "pretrained" not in kwargs:
                return builder(*args, **kwargs)
            pretrained = kwargs.pop("pretrained")
            warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
                          "please use 'weights' instead.")
            if pretrained:
                from ._api import get_model_weights
                enum = get_model_weights(builder)
                weights = getattr(enum, default)
                warnings.warn(f"Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 "
                              f"and may be removed in the future. The current behavior is equivalent to passing "
                              f"`weights={enum.__name__}.{weights._name_}`. You can also use "
                              f"`weights={enum.__name__}.DEFAULT` to get the most up-to-date weights.")
                kwargs["weights"] = weights
            else:
                kwargs["weights"] = None
            return builder(*args, **kwargs)
        return wrapper
    return decorator


def load_weights(model, weights: WeightsEnum | None, progress: bool):
    """Load `weights` (from the hub cache) into `model`, strictly; return the model."""
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def init_mobile_weights(model, init_linear) -> None:
    """torchvision's initialisation of MobileNet and EfficientNet: convolutions Kaiming-normal (fan out)
    with zero biases, norm layers at identity, linear layers by `init_linear`."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            init_linear(m)


def normal_linear(m) -> None:
    """N(0, 0.01²) weights, zero bias (MobileNet's classifiers)."""
    nn.init.normal_(m.weight, 0, 0.01)
    nn.init.zeros_(m.bias)


def make_builder(name: str, enum, build, doc: str):
    """A registered builder `name(*, weights=None, progress=True, **kwargs)` for a family of variants that
    differ only in their configuration: `build(weights, progress, **kwargs)` makes the model."""
    def builder(*, weights=None, progress: bool = True, **kwargs):
        return build(enum.verify(weights), progress, **kwargs)
    builder.__name__ = builder.__qualname__ = name
    builder.__annotations__ = {"weights": enum | None, "progress": bool}
    builder.__doc__ = doc
    return register_model(name)(handle_legacy_interface("IMAGENET1K_V1")(builder))
