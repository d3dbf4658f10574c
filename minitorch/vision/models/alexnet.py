"""AlexNet (Krizhevsky et al. 2012, in the "one weird trick" variant), with torchvision's module tree,
state_dict keys, initialisation and builder."""
from __future__ import annotations

from ... import nn
from ...tensor import Tensor
from ._api import WeightsEnum, register_model
from ._utils import _ovewrite_named_param, handle_legacy_interface, imagenet_weights, load_weights

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    """Five convolutions (11×11 stride 4 first) with three max-pools, a 6×6 adaptive average pool and a
    three-layer classifier with dropout."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("alexnet-owt-7be5be79.pth", 61100840, 56.522, 79.066, 0.714, 233.087,
                                     "https://github.com/pytorch/vision/tree/main/references/classification"
                                     "#alexnet-and-vgg", "These weights reproduce closely the results of the paper "
                                     "using a simplified training recipe.", min_size=(63, 63))
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def alexnet(*, weights: AlexNet_Weights | None = None, progress: bool = True, **kwargs) -> AlexNet:
    """AlexNet."""
    weights = AlexNet_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return load_weights(AlexNet(**kwargs), weights, progress)
