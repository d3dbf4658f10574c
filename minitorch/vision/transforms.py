"""Image transforms (torchvision.transforms): Compose, ToTensor, Normalize, Lambda."""
from __future__ import annotations

import numpy as np

from ..ops.creation import tensor as _tensor
from ..tensor import Tensor


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """HxW or HxWxC array (uint8 scaled by 1/255) -> CxHxW float32 tensor."""

    def __call__(self, pic):
        a = np.asarray(pic)
        if a.ndim == 2:
            a = a[:, :, None]
        if a.ndim != 3:
            raise TypeError(f"pic should be 2/3 dimensional. Got {a.ndim} dimensions.")
        out = a.transpose(2, 0, 1).astype(np.float32)
        if a.dtype == np.uint8:
            out /= 255.0
        return _tensor(out)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(x - mean) / std per channel."""

    def __init__(self, mean, std, inplace: bool = False):
        self.mean, self.std = list(mean), list(std)

    def __call__(self, t: Tensor) -> Tensor:
        shape = (-1,) + (1,) * (t.dim() - 1)
        mean = _tensor(self.mean, dtype=t.dtype).reshape(shape)
        std = _tensor(self.std, dtype=t.dtype).reshape(shape)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {t.dtype}, leading to division by zero.")
        return (t - mean) / std

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)

    def __repr__(self):
        return "Lambda()"
