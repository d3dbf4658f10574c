"""Vision datasets read generated IDX files; transforms match torchvision's definitions."""
import gzip

import numpy as np
import pytest

import minitorch as mt
from minitorch.vision import datasets, transforms


def _write_idx(path, array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(data)


def test_fashion_mnist_reads_idx_files(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=5).astype(np.uint8)
    _write_idx(raw / "train-images-idx3-ubyte.gz", images)
    _write_idx(raw / "train-labels-idx1-ubyte", labels)
    ds = datasets.FashionMNIST(tmp_path, train=True, transform=transforms.ToTensor())
    assert len(ds) == 5 and ds.classes[9] == "Ankle boot"
    img, label = ds[2]
    assert img.shape == (1, 28, 28) and img.dtype is mt.float32 and label == int(labels[2])
    np.testing.assert_allclose(img.numpy()[0], images[2] / 255.0, rtol=1e-6)
    loader = mt.utils.data.DataLoader(ds, batch_size=2)
    x, y = next(iter(loader))
    assert x.shape == (2, 1, 28, 28) and y.tolist() == labels[:2].tolist()
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.FashionMNIST(tmp_path, train=False)
    with pytest.raises(RuntimeError, match="does not download"):
        datasets.MNIST(tmp_path, download=True)


def test_idx_rejects_truncated_files(tmp_path):
    path = tmp_path / "bad-idx"
    _write_idx(path, np.zeros((3, 2), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(RuntimeError, match="expected 6 bytes"):
        datasets.read_idx(path)
    _write_idx(tmp_path / "f.idx", np.arange(4, dtype=np.float32), 0x0D)
    assert datasets.read_idx(tmp_path / "f.idx").tolist() == [0.0, 1.0, 2.0, 3.0]


def test_digits_and_transforms():
    ds = datasets.Digits(transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.25])]))
    img, label = ds[0]
    assert len(ds) == 1797 and img.shape == (1, 8, 8) and 0 <= label < 10
    raw = ds.data[0].numpy()
    np.testing.assert_allclose(img.numpy()[0], (raw / 255.0 - 0.5) / 0.25, rtol=1e-6, atol=1e-6)  # float32
    assert "Normalize(mean=[0.5], std=[0.25])" in repr(ds.transform)
