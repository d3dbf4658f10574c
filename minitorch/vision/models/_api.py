"""torchvision's model registry and weights enums: `Weights`, `WeightsEnum`, `get_model`,
`get_model_builder`, `get_model_weights`, `get_weight`, `list_models`.

A weights entry knows its file (the URL torchvision downloads it from, whose file name is its name
in the hub cache), the preprocessing the model was trained with, and its metadata (categories,
parameter count, accuracy). `get_state_dict()` reads it from the hub cache; nothing is downloaded.
"""
from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass
from enum import Enum
from functools import partial
from inspect import signature, unwrap
from typing import Any, Callable, get_args, get_type_hints

from ... import hub

__all__ = ["WeightsEnum", "Weights", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models", "register_model"]


@dataclass
class Weights:
    """A set of pretrained weights: where the file is, the transforms to build, and the metadata."""

    url: str
    transforms: Callable
    meta: dict[str, Any]

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        if isinstance(self.transforms, partial) and isinstance(other.transforms, partial):
            return (self.transforms.func, self.transforms.args, self.transforms.keywords) == \
                (other.transforms.func, other.transforms.args, other.transforms.keywords)
        return self.transforms == other.transforms


class WeightsEnum(Enum):
    """The parent of every model's weights enum (`ResNet18_Weights.IMAGENET1K_V1`, `.DEFAULT`)."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The weights, from the hub cache (`minitorch.hub`)."""
        return hub.load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


BUILTIN_MODELS: dict[str, Callable] = {}


def register_model(name: str | None = None):
    """Register a model builder under `name` (its own name by default)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def list_models(module=None, include=None, exclude=None) -> list[str]:
    """The registered model names (of one module, if given), filtered by fnmatch patterns."""
    every = {k for k, v in BUILTIN_MODELS.items() if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    models = every
    if include:
        models = set().union(*(fnmatch.filter(every, f) for f in ([include] if isinstance(include, str) else include)))
    if exclude:
        for f in [exclude] if isinstance(exclude, str) else exclude:
            models = models - set(fnmatch.filter(every, f))
    return sorted(models)


def get_model_builder(name: str) -> Callable:
    """The builder registered under `name`."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name.lower()}") from None


def get_model(name: str, **config: Any):
    """`get_model_builder(name)(**config)`."""
    return get_model_builder(name)(**config)


def get_model_weights(name) -> type[WeightsEnum]:
    """The weights enum of a model builder (or of the builder registered under `name`)."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    if "weights" not in signature(fn).parameters:
        raise ValueError("The method is missing the 'weights' argument.")
    ann = get_type_hints(unwrap(fn)).get("weights")  # the builders' annotations are strings until evaluated
    candidates = [ann] if isinstance(ann, type) else list(get_args(ann))
    for t in candidates:
        if isinstance(t, type) and issubclass(t, WeightsEnum):
            return t
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. Make sure the typing "
                     "info is correct.")


def get_weight(name: str) -> WeightsEnum:
    """A weights entry by its full name, e.g. "ResNet50_Weights.IMAGENET1K_V1"."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    models = sys.modules[__name__.rsplit(".", 1)[0]]
    found = getattr(models, enum_name, None)
    if not (isinstance(found, type) and issubclass(found, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return found[value_name]
