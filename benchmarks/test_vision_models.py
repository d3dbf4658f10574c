"""The transfer-learning models of the course (chapters 06-09): ResNet-18 and EfficientNet-B0 forward passes
and fine-tuning steps at batch 8, 224×224, against torchvision's models in torch."""
import pytest

from harness import run
from test_training import _labels, _step


def _model(fw, name):
    if fw.name == "torch":
        from minitorch.testing.reference import import_torchvision
        builders = import_torchvision().models
    else:
        from minitorch.vision import models as builders
    fw.lib.manual_seed(0)
    return getattr(builders, name)().to(fw.device)


@pytest.mark.parametrize("name", ["resnet18", "efficientnet_b0"])
def test_forward(benchmark, fw, name):
    model = _model(fw, name).eval()
    x = fw.randn(8, 3, 224, 224)

    def forward():
        with fw.lib.no_grad():
            return model(x)
    run(benchmark, fw, f"{name} forward b8 224 eval", forward)


@pytest.mark.parametrize("name", ["resnet18", "efficientnet_b0"])
def test_training_step(benchmark, fw, name):
    model = _model(fw, name).train()
    optimizer = fw.lib.optim.Adam(model.parameters(), lr=1e-3)
    run(benchmark, fw, f"{name} training step b8 224 Adam",
        _step(model, fw.lib.nn.CrossEntropyLoss(), optimizer, fw.randn(8, 3, 224, 224), _labels(fw, 8, 1000)))
