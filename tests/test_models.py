"""minitorch.vision.models against torchvision's: the same weights from the same seed, the same
state_dict keys both ways, the same outputs (eval and train mode), input gradients and a fine-tuning
step from identical weights; weights enums, their transforms and the hub cache.

Big models run with --slow; the default suite covers at least one model of each family the course
uses (ResNet-18, EfficientNet-B0, MobileNet-V3-small, ViT-B/16)."""
import io

import numpy as np
import pytest

import minitorch
from minitorch.vision import models as M

torch = pytest.importorskip("torch")

SLOW = pytest.mark.slow
# builder name: (input side, runs in the default suite)
MODELS = {
    "resnet18": (64, True),
    "resnet34": (64, False),
    "resnet50": (64, False),
    "resnet101": (64, False),
    "resnet152": (64, False),
    "resnext50_32x4d": (64, False),
    "wide_resnet50_2": (64, False),
    "efficientnet_b0": (64, True),
    "efficientnet_b1": (64, False),
    "efficientnet_b2": (64, False),
    "efficientnet_b3": (64, False),
    "efficientnet_b4": (64, False),
    "efficientnet_b5": (64, False),
    "efficientnet_b6": (64, False),
    "efficientnet_b7": (64, False),
    "efficientnet_v2_s": (64, False),
    "mobilenet_v2": (64, False),
    "mobilenet_v3_small": (64, True),
    "mobilenet_v3_large": (64, False),
    "densenet121": (64, False),
    "convnext_tiny": (64, False),
    "alexnet": (64, False),
    "squeezenet1_0": (64, False),
    "squeezenet1_1": (64, True),
    "vgg11": (32, False),
    "vgg11_bn": (32, False),
    "vgg13": (32, False),
    "vgg13_bn": (32, False),
    "vgg16": (32, False),
    "vgg16_bn": (32, False),
    "vgg19": (32, False),
    "vgg19_bn": (32, False),
    # the vision transformers run on 32 × 32 images (4 patches of 16 and a class token: image_size=32): the
    # same layers as at 224, at a fiftieth of the time; their checkpoints are compared at torchvision's 224
    "regnet_y_400mf": (64, True),
    "regnet_x_400mf": (64, False),
    "regnet_y_800mf": (64, False),
    "regnet_x_800mf": (64, False),
    "regnet_y_1_6gf": (64, False),
    "regnet_x_1_6gf": (64, False),
    "swin_t": (64, True),
    "swin_v2_t": (64, False),
    "swin_s": (64, False),
    "swin_v2_s": (64, False),
    "vit_b_16": (32, True),
    "vit_b_32": (32, False),
    "vit_l_16": (32, False),
}


# the bigger models whose weights enums are compared, without building them
ENUMS_ONLY = ["regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf", "regnet_x_3_2gf",
              "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf", "swin_b", "swin_v2_b"]


def _size_kwargs(name) -> dict:
    """The builder's image size for the models whose parameters depend on it (the position embeddings)."""
    return {"image_size": MODELS[name][0]} if name.startswith("vit") else {}


def _params(names):
    return [pytest.param(n, marks=() if MODELS[n][1] else SLOW) for n in names]


def _to_minitorch(state):
    return {k: minitorch.tensor(v.detach().numpy().copy()) for k, v in state.items()}


def _pair(torchvision, name, seed=0, **kwargs):
    torch.manual_seed(seed)
    theirs = getattr(torchvision.models, name)(**kwargs)
    minitorch.manual_seed(seed)
    ours = getattr(M, name)(**kwargs)
    return theirs, ours


@pytest.mark.parametrize("name", _params(MODELS))
def test_same_seed_gives_torchvisions_weights(torchvision, name):
    theirs, ours = _pair(torchvision, name)
    want, got = theirs.state_dict(), ours.state_dict()
    assert list(got) == list(want)
    for key in want:
        assert tuple(got[key].shape) == tuple(want[key].shape), key
        assert got[key].dtype.name == str(want[key].dtype).replace("torch.", ""), key
        np.testing.assert_array_equal(got[key].numpy(), want[key].numpy(), err_msg=key)


@pytest.mark.parametrize("name", _params(MODELS))
def test_checkpoints_load_both_ways(torchvision, name):
    theirs, ours = _pair(torchvision, name, seed=1)
    ours.load_state_dict(_to_minitorch(theirs.state_dict()), strict=True)
    buffer = io.BytesIO()
    minitorch.save(ours.state_dict(), buffer)
    buffer.seek(0)
    theirs.load_state_dict(torch.load(buffer, weights_only=True), strict=True)


# Networks deep enough that float32 rounding, summed in another order by torch's convolutions, grows past 1e-4
# at the output even in eval mode: with random weights (running statistics of 0 and 1) the outputs of
# ResNet-101 and -152 reach 1e4 and 1e7, and torch's own float32 forward differs from its float64 one by up to
# 9e-4 and 5e-4 relative there. Their forward is compared in float64, as every training-mode forward is.
DEEP = {"resnet101", "resnet152"}


def _compare_outputs(theirs, ours, side, batch=2, train=False, rtol=1e-4, atol=1e-4, deep=False):
    """The float32 forward from identical weights, then the input gradient of a random linear function of
    the output with both models in float64. The gradient is compared in float64 because in float32 it is
    ill-conditioned: a pre-activation within rounding of a ReLU kink, or two window values within rounding
    of each other under a max-pool, flips where the gradient flows. torch's own float32 gradient of
    MobileNetV2 moves by 2.5% when its input moves by one ulp. The float64 gradient's tolerance is relative
    to its largest element: single elements near zero are differences of large terms (ResNet-152's reach
    0.02 beside 400), whose rounding is relative to those terms, not to the small result."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 3, side, side)).astype(np.float32)
    theirs.train(train)
    ours.train(train)
    if train or deep:  # batch statistics over a few values per channel amplify float32 rounding through
        theirs.double()  # ResNet-50's depth to 1.7e-4 at the output: training mode is compared in float64
        ours.double()
        x, rtol, atol = x.astype(np.float64), 1e-7, 1e-9
    ty, my = theirs(torch.tensor(x)), ours(minitorch.tensor(x))
    np.testing.assert_allclose(my.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    theirs.double()
    ours.double()
    x = x.astype(np.float64)
    tx = torch.tensor(x, requires_grad=True)
    mx = minitorch.tensor(x, requires_grad=True)
    torch.manual_seed(1)  # the same dropout masks
    minitorch.manual_seed(1)
    ty, my = theirs(tx), ours(mx)
    w = rng.standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    (my * minitorch.tensor(w)).sum().backward()
    want = tx.grad.numpy()
    np.testing.assert_allclose(mx.grad.numpy(), want, rtol=1e-7, atol=1e-9 * max(1.0, np.abs(want).max()))


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("name", _params(MODELS))
def test_outputs_and_input_gradients_match(torchvision, name, train):
    theirs, ours = _pair(torchvision, name, **_size_kwargs(name))
    _compare_outputs(theirs, ours, MODELS[name][0], train=train, deep=name in DEEP)
    if train:  # batch norm's running statistics moved the same way (twice: float32, then float64)
        want, got = theirs.state_dict(), ours.state_dict()
        for key in want:
            if "running" in key:
                np.testing.assert_allclose(got[key].numpy(), want[key].numpy(), rtol=1e-4, atol=1e-5, err_msg=key)


def _classifier_name(model):
    for name in ("fc", "classifier", "heads"):
        if hasattr(model, name):
            return name
    raise AssertionError("no classifier")


@pytest.mark.parametrize("name", ["resnet18", "efficientnet_b0", "mobilenet_v3_small", "vit_b_16"])
def test_fine_tuning_step_matches(torchvision, name):
    """Chapter 06's recipe: freeze the features, replace the classifier with a 3-class one, take a step."""
    theirs, ours = _pair(torchvision, name, **_size_kwargs(name))
    head = _classifier_name(theirs)
    for lib, model in ((torch, theirs), (minitorch, ours)):
        for p in model.parameters():
            p.requires_grad = False
        lib.manual_seed(42)
        features = next(m for m in getattr(model, head).modules() if isinstance(m, lib.nn.Linear)).in_features
        setattr(model, head, lib.nn.Sequential(lib.nn.Dropout(p=0.2), lib.nn.Linear(features, 3)))
    side = MODELS[name][0]
    x = np.random.default_rng(1).standard_normal((4, 3, side, side)).astype(np.float32)
    y = np.array([0, 2, 1, 2])
    results = []
    for lib, model in ((torch, theirs), (minitorch, ours)):
        model.train()
        trainable = [p for p in model.parameters() if p.requires_grad]
        assert len(trainable) == 2
        optimizer = lib.optim.Adam(trainable, lr=1e-3)
        lib.manual_seed(7)  # the dropout mask
        loss = lib.nn.CrossEntropyLoss()(model(lib.tensor(x)), lib.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        results.append((loss.item(), [p.detach().numpy().copy() for p in trainable]))
    (t_loss, t_params), (m_loss, m_params) = results
    assert m_loss == pytest.approx(t_loss, rel=1e-5, abs=1e-6)
    for got, want in zip(m_params, t_params):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_registry_matches_torchvisions(torchvision):
    ours = M.list_models()
    assert set(ours) <= set(torchvision.models.list_models())
    assert M.list_models(include="resnet*") == [n for n in torchvision.models.list_models(include="resnet*")
                                                 if n in ours]
    assert M.get_model_weights("resnet50") is M.ResNet50_Weights
    assert M.get_weight("ResNet50_Weights.IMAGENET1K_V2") is M.ResNet50_Weights.DEFAULT
    model = M.get_model("resnet18", num_classes=10)
    assert model.fc.out_features == 10
    with pytest.raises(ValueError, match="Unknown model"):
        M.get_model("resnet9")


@pytest.mark.parametrize("name", list(MODELS) + ENUMS_ONLY)
def test_weights_enums_match_torchvisions(torchvision, name):
    theirs = torchvision.models.get_model_weights(name)
    ours = M.get_model_weights(name)
    assert ours.__name__ == theirs.__name__
    assert [w._name_ for w in ours] == [w._name_ for w in theirs]
    assert ours.DEFAULT._name_ == theirs.DEFAULT._name_
    for mine, want in zip(ours, theirs):
        assert repr(mine) == repr(want)
        assert mine.url == want.url
        for key in ("categories", "min_size", "num_params", "_metrics", "_ops", "_file_size", "recipe", "license"):
            np.testing.assert_equal(mine.meta.get(key), want.meta.get(key), err_msg=key)  # NaN accuracies equal
        assert repr(mine.transforms()) == repr(want.transforms())


def test_weights_transforms_match_on_images(torchvision):
    from PIL import Image
    pixels = np.random.default_rng(0).integers(0, 256, (300, 260, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    for ours, theirs in ((M.ResNet50_Weights.DEFAULT, torchvision.models.ResNet50_Weights.DEFAULT),
                         (M.ResNet18_Weights.DEFAULT, torchvision.models.ResNet18_Weights.DEFAULT)):
        want = theirs.transforms()(image)
        got = ours.transforms()(image)
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


def test_pretrained_weights_come_from_the_hub_cache(torchvision, tmp_path, monkeypatch):
    """torchvision-saved weights in a temporary hub cache load under the weights' file name."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    weights = M.ResNet18_Weights.DEFAULT
    with pytest.raises(FileNotFoundError, match="resnet18-f37072fd.pth") as missing:
        M.resnet18(weights=weights)
    assert weights.url in str(missing.value) and str(tmp_path) in str(missing.value)
    torch.manual_seed(3)
    theirs = torchvision.models.resnet18()
    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    torch.save(theirs.state_dict(), tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth")
    assert minitorch.hub.get_dir() == str(tmp_path / "hub")
    ours = M.resnet18(weights="ResNet18_Weights.IMAGENET1K_V1")
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), err_msg=key)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        legacy = M.resnet18(pretrained=True)
    np.testing.assert_array_equal(legacy.fc.weight.detach().numpy(), theirs.fc.weight.detach().numpy())
    with pytest.raises(ValueError, match="expected value 1000 but got 10"):
        M.resnet18(weights=weights, num_classes=10)
    with pytest.raises(TypeError, match="Invalid Weight class"):
        M.resnet18(weights=M.ResNet34_Weights.DEFAULT)


def test_densenet_reads_the_published_checkpoints_old_key_names(torchvision, tmp_path, monkeypatch):
    """DenseNet's published checkpoint names a dense layer's parts "norm.1", "conv.2": they load as torchvision's."""
    import re
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    torch.manual_seed(4)
    theirs = torchvision.models.densenet121()
    # as the published file: the parts' old names, no batch counters, no module versions (a plain dict)
    old_style = {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k): v
                 for k, v in theirs.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert "features.denseblock1.denselayer1.norm.1.weight" in old_style
    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    torch.save(old_style, tmp_path / "hub" / "checkpoints" / "densenet121-a639ec97.pth")
    ours = M.densenet121(weights=M.DenseNet121_Weights.DEFAULT)
    for key, value in theirs.state_dict().items():
        if not key.endswith("num_batches_tracked"):
            np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), err_msg=key)
    mine = torchvision.models.densenet121(weights="DEFAULT")  # torchvision reads the same file the same way
    for key, value in mine.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), err_msg=key)
