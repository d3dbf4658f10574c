"""Vision datasets read generated IDX files; transforms match torchvision's definitions."""
import gzip
import os
import re

import numpy as np
import pytest
import torch

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


# ---- image folders and transforms ----------------------------------------------------------------

Image = pytest.importorskip("PIL.Image")


def _image_folder(root, counts=(("cat", 3), ("dog", 2)), size=(10, 14)):
    rng = np.random.default_rng(0)
    for name, n in counts:
        (root / name).mkdir(parents=True)
        for i in range(n):
            pixels = rng.integers(0, 256, size=size + (3,), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    (root / "cat" / "notes.txt").write_text("not an image")
    return root


def test_image_folder_lists_classes_and_loads_rgb(tmp_path):
    root = _image_folder(tmp_path / "train")
    pipeline = transforms.Compose([transforms.Resize((8, 8)), transforms.RandomHorizontalFlip(), transforms.ToTensor()])
    ds = datasets.ImageFolder(root, transform=pipeline)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [os.path.basename(p) for p, _ in ds.samples] == ["0.png", "1.png", "2.png", "0.png", "1.png"]
    assert ds.targets == [0, 0, 0, 1, 1] and ds.imgs == ds.samples and len(ds) == 5
    img, label = ds[3]
    assert img.shape == (3, 8, 8) and img.dtype is mt.float32 and label == 1
    raw, _ = datasets.ImageFolder(root)[0]
    assert raw.mode == "RGB" and raw.size == (14, 10)
    x, y = next(iter(mt.utils.data.DataLoader(ds, batch_size=4, shuffle=True)))
    assert x.shape == (4, 3, 8, 8) and y.dtype is mt.int64
    assert repr(ds).splitlines()[:4] == ["Dataset ImageFolder", "    Number of datapoints: 5",
                                         f"    Root location: {root}", "    StandardTransform"]
    assert repr(ds).splitlines()[4] == "Transform: Compose("
    (root / "bird").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes bird"):
        datasets.ImageFolder(root)
    assert len(datasets.ImageFolder(root, allow_empty=True)) == 5
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path / "train" / "dog")


def _rgb(h=9, w=12, seed=1):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8))


def test_to_tensor_and_pil_to_tensor():
    img = _rgb()
    t = transforms.ToTensor()(img)
    np.testing.assert_allclose(t.numpy(), np.asarray(img).transpose(2, 0, 1) / 255.0, rtol=1e-6)
    raw = transforms.PILToTensor()(img)
    assert raw.dtype is mt.uint8 and raw.shape == (3, 9, 12)
    back = transforms.ToPILImage()(t)
    assert np.array_equal(np.asarray(back), np.asarray(img))


def test_resize_follows_torchvisions_rules():
    img = _rgb(8, 6)
    assert transforms.Resize(4)(img).size == (4, 5)       # shorter edge 6 -> 4, longer int(4 * 8 / 6)
    assert transforms.Resize((3, 7))(img).size == (7, 3)
    assert transforms.Resize(3, max_size=4)(_rgb(4, 12)).size == (4, 1)
    np.testing.assert_array_equal(np.asarray(transforms.Resize((5, 4))(img)), np.asarray(img.resize((4, 5), 2)))
    # tensors: antialiased bilinear, equal to Pillow's float resampling
    grey = np.random.default_rng(2).random((8, 6)).astype(np.float32)
    for size in [(5, 4), (3, 2), (12, 9)]:
        want = np.asarray(Image.fromarray(grey, mode="F").resize(size[::-1], 2))
        got = transforms.Resize(size)(mt.tensor(grey)[None])[0].numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    nearest = transforms.Resize((4, 3), interpolation=transforms.InterpolationMode.NEAREST)(mt.arange(48.).reshape(1, 8, 6))
    assert nearest[0].tolist() == [[0.0, 2.0, 4.0], [12.0, 14.0, 16.0], [24.0, 26.0, 28.0], [36.0, 38.0, 40.0]]


def test_crops_on_pil_and_tensors_agree():
    img = _rgb(9, 12)
    t = transforms.PILToTensor()(img)
    for size in [(5, 4), 3, (9, 12), (11, 13)]:
        a = transforms.PILToTensor()(transforms.CenterCrop(size)(img))
        b = transforms.CenterCrop(size)(t)
        assert a.tolist() == b.tolist(), size
    assert transforms.CenterCrop(4)(t).tolist() == t[:, 2:6, 4:8].tolist()   # top round(2.5)=2, left 4
    assert transforms.CenterCrop((11, 13))(t)[:, 0].sum().item() == 0       # zero padding around
    assert repr(transforms.CenterCrop(4)) == "CenterCrop(size=(4, 4))"


def test_random_transforms_draw_like_torchvision():
    img = _rgb(9, 12)
    t = transforms.PILToTensor()(img)
    crop = transforms.RandomCrop((5, 6), padding=1)
    for seed in range(4):
        torch.manual_seed(seed)
        i, j = torch.randint(0, 11 - 5 + 1, (1,)).item(), torch.randint(0, 14 - 6 + 1, (1,)).item()
        mt.manual_seed(seed)
        got = crop(t)
        padded = np.pad(t.numpy(), ((0, 0), (1, 1), (1, 1)))
        assert got.numpy().tolist() == padded[:, i:i + 5, j:j + 6].tolist()
        mt.manual_seed(seed)
        assert transforms.PILToTensor()(crop(img)).tolist() == got.tolist()
    torch.manual_seed(5)
    flips = [bool(torch.rand(1) < 0.5) for _ in range(8)]
    mt.manual_seed(5)
    flip = transforms.RandomHorizontalFlip()
    assert [flip(t).tolist() != t.tolist() for _ in range(8)] == flips
    torch.manual_seed(6)
    angle = float(torch.empty(1).uniform_(-30.0, 30.0).item())
    mt.manual_seed(6)
    rotated = transforms.RandomRotation(30)(img)
    assert np.array_equal(np.asarray(rotated), np.asarray(img.rotate(angle, 0, False, None, fillcolor=(0, 0, 0))))
    with pytest.raises(ValueError, match="larger than input image size"):
        transforms.RandomCrop(20)(t)



def _draws_as_torchvision(ours, theirs, image, seeds):
    """After each seed, our random transform gives torchvision's pixels (and prints as it does)."""
    import torch
    assert repr(ours) == repr(theirs)
    for seed in seeds:
        torch.manual_seed(seed)
        want = np.asarray(theirs(image))
        mt.manual_seed(seed)
        np.testing.assert_array_equal(np.asarray(ours(image)), want, err_msg=f"{ours!r} seed {seed}")


def test_trivial_augment_wide_matches_torchvision(torchvision):
    """The same seed draws the same augmentation, magnitude and sign, and PIL renders the same pixels."""
    from PIL import Image
    from minitorch.vision import transforms as T
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 52, 3), dtype=np.uint8))
    for image in (rgb, rgb.convert("L")):
        _draws_as_torchvision(T.TrivialAugmentWide(), torchvision.transforms.TrivialAugmentWide(), image, range(60))
    _draws_as_torchvision(T.TrivialAugmentWide(num_magnitude_bins=11, fill=[3]),
                          torchvision.transforms.TrivialAugmentWide(num_magnitude_bins=11, fill=[3]), rgb, range(20))


def test_pil_operations_match_torchvision(torchvision):
    from PIL import Image
    from minitorch.vision.transforms import functional as F
    tvf = torchvision.transforms.functional
    image = Image.fromarray(np.random.default_rng(1).integers(0, 256, (30, 24, 3), dtype=np.uint8))
    calls = [("affine", dict(angle=17.0, translate=[3, -2], scale=1.2, shear=[10.0, -5.0])),
             ("affine", dict(angle=0.0, translate=[0, 0], scale=1.0, shear=8.0, center=[0, 0], fill=[9, 8, 7])),
             ("rotate", dict(angle=33.0, expand=True)), ("adjust_brightness", dict(brightness_factor=1.4)),
             ("adjust_contrast", dict(contrast_factor=0.6)), ("adjust_saturation", dict(saturation_factor=1.7)),
             ("adjust_sharpness", dict(sharpness_factor=0.3)), ("posterize", dict(bits=3)),
             ("solarize", dict(threshold=100)), ("autocontrast", {}), ("equalize", {}), ("invert", {})]
    for name, kwargs in calls:
        positional = list(kwargs.values()) if name.startswith(("adjust_", "posterize", "solarize")) else None
        want = getattr(tvf, name)(image, **kwargs)
        got = getattr(F, name)(image, *positional) if positional is not None else getattr(F, name)(image, **kwargs)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=name)
    with pytest.raises(TypeError, match="should be PIL Image"):
        F.equalize(np.zeros((4, 4, 3), dtype=np.uint8))


_TENSOR_CALLS = [("affine", dict(angle=17.0, translate=[3, -2], scale=1.2, shear=[10.0, -5.0])),
                 ("affine", dict(angle=0.0, translate=[0, 0], scale=1.0, shear=8.0, center=[0, 0], fill=[9, 8, 7])),
                 ("affine", dict(angle=30.0, translate=[1, 0], scale=0.9, shear=0.0, interpolation="bilinear",
                                 fill=[9.0])),
                 ("rotate", dict(angle=33.0, expand=True)), ("rotate", dict(angle=-13.0, center=[3, 4], fill=[5.0])),
                 ("adjust_brightness", dict(brightness_factor=1.4)), ("adjust_contrast", dict(contrast_factor=0.6)),
                 ("adjust_saturation", dict(saturation_factor=1.7)), ("adjust_sharpness", dict(sharpness_factor=0.3)),
                 ("adjust_hue", dict(hue_factor=0.23)), ("posterize", dict(bits=3)), ("solarize", dict(threshold=100)),
                 ("autocontrast", {}), ("equalize", {}), ("invert", {}), ("rgb_to_grayscale", {})]


def _tensor_images():
    """(name, minitorch image, torch image, atol): uint8 images must match exactly; float32 bilinear sampling
    rounds its weights in another order (up to 1e-6)."""
    a = np.random.default_rng(1).integers(0, 256, (3, 30, 24), dtype=np.uint8)
    f = (a / 255.0).astype(np.float32)
    return [("uint8", a, 0), ("float32", f, 1e-6), ("grey uint8", a[:1], 0), ("batch of uint8", np.stack([a, a[::-1]]), 0)]


def test_tensor_operations_match_torchvision(torchvision):
    """Each augmentation on tensors computes as torchvision's tensor code does, or raises its error."""
    from minitorch.vision.transforms import functional as F
    tvf = torchvision.transforms.functional
    for kind, array, atol in _tensor_images():
        for name, kwargs in _TENSOR_CALLS:
            theirs = dict(kwargs, interpolation=torchvision.transforms.InterpolationMode(kwargs["interpolation"])) \
                if "interpolation" in kwargs else kwargs
            if name == "solarize" and kind == "float32":
                kwargs = theirs = dict(threshold=0.4)
            try:
                want = getattr(tvf, name)(torch.tensor(array), **theirs)
            except Exception as e:  # float images refuse posterize and equalize; one fill per channel
                with pytest.raises(type(e)):
                    getattr(F, name)(mt.tensor(array), **kwargs)
                continue
            got = getattr(F, name)(mt.tensor(array), **kwargs)
            assert got.dtype.name == str(want.dtype).split(".")[-1] and tuple(got.shape) == tuple(want.shape)
            np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64), rtol=0,
                                       atol=atol, err_msg=f"{name} {kwargs} on {kind}")


def test_augmentations_on_tensors_draw_as_torchvision(torchvision):
    """The random augmentations on uint8 and float tensors: torch's draws, torchvision's pixels."""
    from minitorch.vision import transforms as T
    tvt = torchvision.transforms
    pairs = [(T.TrivialAugmentWide(), tvt.TrivialAugmentWide()), (T.TrivialAugmentWide(fill=7), tvt.TrivialAugmentWide(fill=7)),
             (T.RandAugment(num_ops=3, magnitude=20, fill=[7, 8, 9]), tvt.RandAugment(num_ops=3, magnitude=20, fill=[7, 8, 9])),
             (T.AutoAugment(T.AutoAugmentPolicy.SVHN), tvt.AutoAugment(tvt.AutoAugmentPolicy.SVHN)),
             (T.ColorJitter(0.4, 0.3, 0.5, 0.2), tvt.ColorJitter(0.4, 0.3, 0.5, 0.2)),
             (T.RandomRotation(30, fill=3), tvt.RandomRotation(30, fill=3)), (T.RandomResizedCrop(24), tvt.RandomResizedCrop(24))]
    array = np.random.default_rng(0).integers(0, 256, (3, 40, 52), dtype=np.uint8)
    for image, tolerance in ((array, 0), ((array / 255.0).astype(np.float32), 1e-5)):
        for ours, theirs in pairs:
            # antialiased resizing sums its taps in float32 in another order than torch's kernel: a uint8 value at
            # .5 can round the other way
            atol = 1 if isinstance(ours, T.RandomResizedCrop) and image.dtype == np.uint8 else tolerance
            for seed in range(20):
                torch.manual_seed(seed)
                try:
                    want = theirs(torch.tensor(image)).numpy()
                except TypeError as e:  # on floats: Posterize and Equalize refuse, Solarize's 255 scale too
                    mt.manual_seed(seed)
                    with pytest.raises(TypeError, match=re.escape(str(e))):
                        ours(mt.tensor(image))
                    continue
                mt.manual_seed(seed)
                got = ours(mt.tensor(image)).numpy()
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=0, atol=atol,
                                           err_msg=f"{ours!r} seed {seed} on {image.dtype}")


def test_read_and_write_images_as_torchvision_io(tmp_path):
    from PIL import Image
    from minitorch.vision import io
    rng = np.random.default_rng(2)
    rgba = rng.integers(0, 256, (7, 9, 4), dtype=np.uint8)
    Image.fromarray(rgba).save(tmp_path / "a.png")
    got = io.read_image(tmp_path / "a.png")
    assert got.dtype == mt.uint8 and tuple(got.shape) == (4, 7, 9)
    np.testing.assert_array_equal(got.numpy(), rgba.transpose(2, 0, 1))
    for mode, pil in ((io.ImageReadMode.RGB, "RGB"), (io.ImageReadMode.GRAY, "L"), ("gray_alpha", "LA")):
        want = np.asarray(Image.fromarray(rgba).convert(pil))
        want = want[None] if want.ndim == 2 else want.transpose(2, 0, 1)
        np.testing.assert_array_equal(io.read_image(tmp_path / "a.png", mode).numpy(), want)
    io.write_png(got[:3], tmp_path / "b.png")  # lossless both ways
    np.testing.assert_array_equal(io.read_image(tmp_path / "b.png").numpy(), rgba.transpose(2, 0, 1)[:3])
    Image.fromarray(rgba[..., :3]).save(tmp_path / "c.jpg", quality=90)
    np.testing.assert_array_equal(io.decode_image(io.read_file(tmp_path / "c.jpg")).numpy(),
                                  np.asarray(Image.open(tmp_path / "c.jpg")).transpose(2, 0, 1))
    with pytest.raises(RuntimeError, match="uint8"):
        io.encode_png(got.float())


def test_food101_reads_the_extracted_archive(tmp_path):
    import json
    from PIL import Image
    base = tmp_path / "food-101"
    (base / "meta").mkdir(parents=True)
    split = {"sushi": ["sushi/1", "sushi/2"], "pizza": ["pizza/7"]}
    for name, paths in split.items():
        (base / "images" / name).mkdir(parents=True)
        for i, p in enumerate(paths):
            Image.fromarray(np.full((5, 6, 3), 40 * i, dtype=np.uint8)).save(base / "images" / f"{p}.jpg")
    (base / "meta" / "train.json").write_text(json.dumps(split))
    ds = datasets.Food101(tmp_path, split="train", transform=transforms.ToTensor())
    assert ds.classes == ["pizza", "sushi"] and ds.class_to_idx == {"pizza": 0, "sushi": 1}
    assert len(ds) == 3 and [ds[i][1] for i in range(3)] == [1, 1, 0]
    assert tuple(ds[0][0].shape) == (3, 5, 6)
    with pytest.raises(RuntimeError, match="food-101.tar.gz"):
        datasets.Food101(tmp_path / "elsewhere", download=True)
    with pytest.raises(ValueError, match="split"):
        datasets.Food101(tmp_path, split="val")


def test_random_resized_crop_and_color_jitter_match_torchvision(torchvision):
    from PIL import Image
    from minitorch.vision import transforms as T
    image = Image.fromarray(np.random.default_rng(3).integers(0, 256, (37, 51, 3), dtype=np.uint8))
    pairs = [(T.RandomResizedCrop(24), torchvision.transforms.RandomResizedCrop(24)),
             (T.RandomResizedCrop((20, 30), scale=(0.5, 0.9), ratio=(0.5, 2.0)),
              torchvision.transforms.RandomResizedCrop((20, 30), scale=(0.5, 0.9), ratio=(0.5, 2.0))),
             (T.ColorJitter(0.4, 0.3, 0.5, 0.2), torchvision.transforms.ColorJitter(0.4, 0.3, 0.5, 0.2)),
             (T.ColorJitter(brightness=(0.5, 1.5), hue=0.5), torchvision.transforms.ColorJitter(brightness=(0.5, 1.5),
                                                                                                 hue=0.5))]
    for ours, theirs in pairs:
        _draws_as_torchvision(ours, theirs, image, range(15))
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)


def test_auto_augment_matches_torchvision(torchvision):
    """Each policy: the same sub-policy, probabilities and signs drawn after a seed, and the same pixels."""
    from PIL import Image
    from minitorch.vision import transforms as T
    image = Image.fromarray(np.random.default_rng(6).integers(0, 256, (29, 37, 3), dtype=np.uint8))
    for policy in T.AutoAugmentPolicy:
        theirs = torchvision.transforms.AutoAugment(torchvision.transforms.AutoAugmentPolicy(policy.value), fill=[1, 2, 3])
        _draws_as_torchvision(T.AutoAugment(policy, fill=[1, 2, 3]), theirs, image, range(40))
    with pytest.raises(ValueError, match="is not recognized"):
        T.AutoAugment("imagenet")


def test_rand_augment_matches_torchvision(torchvision):
    from PIL import Image
    from minitorch.vision import transforms as T
    image = Image.fromarray(np.random.default_rng(5).integers(0, 256, (33, 41, 3), dtype=np.uint8))
    for kwargs in ({}, {"num_ops": 3, "magnitude": 20, "num_magnitude_bins": 25, "fill": [7, 8, 9]}):
        _draws_as_torchvision(T.RandAugment(**kwargs), torchvision.transforms.RandAugment(**kwargs), image, range(30))
