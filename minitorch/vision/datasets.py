"""Datasets: scikit-learn's bundled digits, and MNIST-format IDX files read from disk.

Nothing is downloaded: IDX datasets read files that are already on disk (gzipped or not).
"""
from __future__ import annotations

import gzip
import os

import numpy as np

from ..ops.creation import tensor
from ..utils.data import Dataset

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST format): magic 0x0000TTNN, NN sizes, then big-endian data."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file")
    dtype, ndim = np.dtype(_IDX_TYPES[data[2]]), data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - offset != expected:
        raise RuntimeError(f"{path}: expected {expected} bytes of data for shape {shape}, found {len(data) - offset}")
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


class _VisionDataset(Dataset):
    def __init__(self, transform=None, target_transform=None):
        self.transform, self.target_transform = transform, target_transform

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img.numpy() if hasattr(img, "numpy") else img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)


class MNIST(_VisionDataset):
    """MNIST-format images and labels from `root/<Class>/raw/` (or `root/`), IDX files, gzipped or not."""

    classes = [str(i) for i in range(10)]
    _files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(transform, target_transform)
        if download:
            raise RuntimeError("minitorch.vision does not download datasets; place the IDX files under "
                               f"{os.path.join(root, type(self).__name__, 'raw')}")
        images, labels = (self._find(root, name) for name in self._files[train])
        self.data = tensor(read_idx(images))
        self.targets = tensor(read_idx(labels).astype(np.int64))
        self.train = train

    def _find(self, root, name):
        for folder in (os.path.join(root, type(self).__name__, "raw"), root):
            for candidate in (name, name + ".gz"):
                path = os.path.join(folder, candidate)
                if os.path.exists(path):
                    return path
        raise RuntimeError(f"Dataset not found: {name} under {root}. Put the IDX files there (download is not "
                           "supported).")


class FashionMNIST(MNIST):
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class Digits(_VisionDataset):
    """scikit-learn's bundled 8x8 digits (1797 images): grey levels 0..16 rescaled to uint8 0..255."""

    classes = [str(i) for i in range(10)]

    def __init__(self, transform=None, target_transform=None):
        super().__init__(transform, target_transform)
        from sklearn.datasets import load_digits
        d = load_digits()
        self.data = tensor(np.round(d.images * (255 / 16)).astype(np.uint8))
        self.targets = tensor(d.target.astype(np.int64))
