"""Datasets: class folders of images, MNIST-format IDX files, and scikit-learn's bundled digits.

Nothing is downloaded: IDX datasets read files that are already on disk (gzipped or not).
Samples are PIL images (as torchvision gives them) when Pillow is installed, else NumPy arrays.
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


def _as_image(array: np.ndarray):
    """A PIL image of the array when Pillow is installed (torchvision's sample type), else the array."""
    try:
        from PIL import Image
    except ImportError:
        return array
    return Image.fromarray(array)


class StandardTransform:
    """The transform and target transform of a dataset, printed as torchvision prints them."""

    def __init__(self, transform=None, target_transform=None):
        self.transform, self.target_transform = transform, target_transform

    @staticmethod
    def _format(transform, head):
        lines = repr(transform).splitlines()
        return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]

    def __repr__(self):
        body = [type(self).__name__]
        if self.transform is not None:
            body += self._format(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._format(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset):
    """A dataset under `root` with optional sample and target transforms."""

    def __init__(self, root=None, transform=None, target_transform=None):
        self.root = os.fspath(root) if isinstance(root, os.PathLike) else root
        self.transform, self.target_transform = transform, target_transform
        self.transforms = StandardTransform(transform, target_transform) if transform or target_transform else None

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body.append(repr(self.transforms))
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in body])


class _ArrayImages(VisionDataset):
    """Images held in memory as a uint8 tensor `data` with integer `targets`."""

    def __getitem__(self, index):
        img, target = _as_image(self.data[index].numpy()), int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)


IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path):
    from PIL import Image
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


default_loader = pil_loader


def find_classes(directory):
    """Sorted sub-folder names, and each one's index."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
    """(path, class index) for every valid file under each class folder, in sorted order."""
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if is_valid_file is None:
        is_valid_file = (lambda path: path.lower().endswith(tuple(extensions)))
    instances, found = [], set()
    for name in sorted(class_to_idx):
        for root, _, fnames in sorted(os.walk(os.path.join(directory, name), followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_to_idx[name]))
                    found.add(name)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(message)
    return instances


class DatasetFolder(VisionDataset):
    """root/<class>/**/<file> samples loaded by `loader`; targets are the sorted class folders' indices."""

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty: bool = False):
        super().__init__(root, transform, target_transform)
        self.classes, self.class_to_idx = find_classes(self.root)
        self.samples = make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader, self.extensions = loader, extensions
        self.targets = [target for _, target in self.samples]

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self):
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Class folders of images (root/dog/xxx.png, root/cat/123.png), opened with Pillow as RGB."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty: bool = False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform,
                         target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples


class MNIST(_ArrayImages):
    """MNIST-format images and labels from `root/<Class>/raw/` (or `root/`), IDX files, gzipped or not."""

    classes = [str(i) for i in range(10)]
    _files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform, target_transform)
        if download:
            raise RuntimeError("minitorch.vision does not download datasets; place the IDX files under "
                               f"{os.path.join(root, type(self).__name__, 'raw')}")
        images, labels = (self._find(root, name) for name in self._files[train])
        self.data = tensor(read_idx(images))
        self.targets = tensor(read_idx(labels).astype(np.int64))
        self.train = train

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"

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


class Digits(_ArrayImages):
    """scikit-learn's bundled 8x8 digits (1797 images): grey levels 0..16 rescaled to uint8 0..255."""

    classes = [str(i) for i in range(10)]

    def __init__(self, transform=None, target_transform=None):
        super().__init__(None, transform, target_transform)
        from sklearn.datasets import load_digits
        d = load_digits()
        self.data = tensor(np.round(d.images * (255 / 16)).astype(np.uint8))
        self.targets = tensor(d.target.astype(np.int64))


class Food101(VisionDataset):
    """Food-101 from its extracted archive on disk: `<root>/food-101/meta/{train,test}.json` list each
    class's images, stored as `<root>/food-101/images/<class>/<id>.jpg`. Nothing is downloaded."""

    _URL = "http://data.vision.ee.ethz.ch/cvl/food-101.tar.gz"

    def __init__(self, root, split: str = "train", transform=None, target_transform=None,
                 download: bool = False) -> None:
        if split not in ("train", "test"):
            raise ValueError(f'Unknown value \'{split}\' for argument split. Valid values are {{"train", "test"}}.')
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = split
        base = os.path.join(os.fspath(root), "food-101")
        self._meta_folder, self._images_folder = os.path.join(base, "meta"), os.path.join(base, "images")
        if not (os.path.isdir(self._meta_folder) and os.path.isdir(self._images_folder)):
            what = "minitorch.vision does not download datasets: " if download else ""
            raise RuntimeError(f"Dataset not found. {what}fetch {self._URL} and extract it into {root}, so that "
                               f"{base}/meta and {base}/images exist.")
        import json
        with open(os.path.join(self._meta_folder, f"{split}.json")) as f:
            metadata = json.load(f)
        self.classes = sorted(metadata)
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self._labels, self._image_files = [], []
        for label, paths in metadata.items():
            self._labels += [self.class_to_idx[label]] * len(paths)
            self._image_files += [os.path.join(self._images_folder, *f"{p}.jpg".split("/")) for p in paths]

    def __len__(self) -> int:
        return len(self._image_files)

    def __getitem__(self, idx):
        image, label = pil_loader(self._image_files[idx]), self._labels[idx]
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def extra_repr(self) -> str:
        return f"split={self._split}"
