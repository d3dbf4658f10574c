"""Local stand-ins for the course's downloads: nothing here touches the network.

- `fashion_mnist(root)`: FashionMNIST's IDX files under `<root>/FashionMNIST/raw`, where
  `datasets.FashionMNIST(root, download=False)` (torchvision's or minitorch's) reads them. The images
  are scikit-learn's 8x8 digits scaled to 28x28, so the ten classes are learnable.
- `food_images(root)`: a `pizza_steak_sushi`-style image folder (`train/<class>/*.jpg`, `test/...`) whose
  classes differ in colour and pattern.
- `hub_with_random_weights(hub_dir, weights)`: torchvision's model for a weights enum, randomly initialised
  from a seed and saved under the file name of the weights' URL in `<hub_dir>/checkpoints`, where both
  libraries look for pretrained weights.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]


def write_idx(path, array: np.ndarray, compress: bool = False) -> Path:
    """An IDX file (big-endian header: magic 0x0000 <type> <ndim>, then each dim) holding uint8 `array`."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(header + array.tobytes())
    return path


def fashion_mnist(root, train: int = 600, test: int = 100, seed: int = 0) -> Path:
    """FashionMNIST-format IDX files of `train` + `test` 28x28 images; returns `root`."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(digits.target))[:train + test]
    small = digits.images[order] * (255.0 / 16.0)                          # 8x8, 0..255
    big = np.kron(small, np.ones((3, 3)))                                 # 24x24
    images = np.pad(big, ((0, 0), (2, 2), (2, 2))).round().astype(np.uint8)  # 28x28, as MNIST centres them
    labels = digits.target[order].astype(np.uint8)
    raw = Path(root) / "FashionMNIST" / "raw"
    for prefix, sl in (("train", slice(0, train)), ("t10k", slice(train, train + test))):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images[sl])
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels[sl])
    return Path(root)


def food_images(root, classes=("pizza", "steak", "sushi"), train_per_class: int = 12, test_per_class: int = 4,
                size: int = 64, seed: int = 0) -> Path:
    """`root/train/<class>/*.jpg` and `root/test/<class>/*.jpg`: each class has its own base colour and
    stripe direction, with noise on top; returns `root`."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    for split, count in (("train", train_per_class), ("test", test_per_class)):
        for k, name in enumerate(classes):
            folder = Path(root) / split / name
            folder.mkdir(parents=True, exist_ok=True)
            base = np.array([(200, 80, 40), (120, 60, 50), (230, 230, 220)][k % 3], dtype=np.float64)
            stripes = (((xx if k % 2 else yy) + 3 * k) // 6 % 2)[..., None] * 40.0
            for i in range(count):
                pixels = base + stripes + rng.normal(0, 25, (size, size, 3))
                Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(folder / f"{name}_{i}.jpg")
    return Path(root)


def hub_with_random_weights(hub_dir, weights, seed: int = 0) -> Path:
    """Save torchvision's model for `weights` (minitorch's or torchvision's enum member), initialised from
    `seed`, as `<hub_dir>/checkpoints/<file name of weights.url>`; returns that path."""
    import torch

    from .reference import import_torchvision
    torchvision = import_torchvision()
    builder = torchvision.models.get_model_builder(_builder_name(weights))
    torch.manual_seed(seed)
    model = builder(num_classes=len(weights.meta["categories"]))
    path = Path(hub_dir) / "checkpoints" / os.path.basename(weights.url)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path


def _builder_name(weights) -> str:
    """The builder whose weights enum `weights` belongs to (efficientnet_b0 for EfficientNet_B0_Weights...)."""
    from ..vision import models
    enum_name = type(weights).__name__
    return next(name for name in models.list_models()
                if models.get_model_weights(name).__name__ == enum_name)
