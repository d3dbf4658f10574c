"""DenseNet-121 (Huang et al. 2016), with torchvision's module tree, state_dict keys, initialisation and
builder; its published checkpoint's old key names ("norm.1") load as torchvision renames them."""
from __future__ import annotations

import re
from collections import OrderedDict

from ... import nn
from ...nn import functional as F
from ...ops.shape import cat
from ...tensor import Tensor
from ...utils import checkpoint as cp
from ._api import WeightsEnum, register_model
from ._utils import _ovewrite_named_param, handle_legacy_interface, imagenet_weights

__all__ = ["DenseNet", "DenseNet121_Weights", "densenet121"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1×1 conv (to bn_size·k channels) on all earlier features joined, then BN-ReLU-3×3 conv to k."""

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate, self.memory_efficient = float(drop_rate), memory_efficient

    def bn_function(self, inputs: list) -> Tensor:
        return self.conv1(self.relu1(self.norm1(cat(inputs, 1))))

    def forward(self, input) -> Tensor:
        features = [input] if isinstance(input, Tensor) else input
        if self.memory_efficient and any(t.requires_grad for t in features):
            # recompute the joined features in backward instead of keeping them
            bottleneck = cp.checkpoint(lambda *inputs: self.bn_function(list(inputs)), *features, use_reentrant=False)
        else:
            bottleneck = self.bn_function(features)
        new_features = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    """Dense layers, each fed every earlier output; the block returns them all joined."""

    _version = 2

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", _DenseLayer(num_input_features + i * growth_rate, growth_rate,
                                                              bn_size, drop_rate, memory_efficient))

    def forward(self, init_features: Tensor) -> Tensor:
        features = [init_features]
        for _, layer in self.items():
            features.append(layer(features))
        return cat(features, 1)


class _Transition(nn.Sequential):
    """BN-ReLU-1×1 conv halving the channels, then a 2×2 average pool halving the size."""

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """A 7×7 stem and max-pool, dense blocks joined by transitions, a final batch norm, ReLU, global average
    pool and a linear classifier."""

    def __init__(self, growth_rate: int = 32, block_config=(6, 12, 24, 16), num_init_features: int = 64,
                 bn_size: int = 4, drop_rate: float = 0, num_classes: int = 1000, memory_efficient: bool = False):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)), ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}", _DenseBlock(num_layers, num_features, bn_size, growth_rate,
                                                                       drop_rate, memory_efficient))
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.features(x), inplace=True)
        return self.classifier(F.adaptive_avg_pool2d(out, (1, 1)).flatten(1))


# the published checkpoints name a dense layer's parts "norm.1", "conv.2", ...: read them as "norm1", "conv2"
_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _load_state_dict(model: DenseNet, weights: WeightsEnum, progress: bool) -> None:
    state_dict = weights.get_state_dict(progress=progress, check_hash=True)
    for key in list(state_dict):
        old = _OLD_KEY.match(key)
        if old:
            state_dict[old.group(1) + old.group(2)] = state_dict.pop(key)
    if getattr(state_dict, "_metadata", None) is None:
        # a checkpoint from before batch norms counted their batches carries no module versions: torch's
        # batch norm then starts its counter at 0, as here
        for key, value in model.state_dict().items():
            if key.endswith("num_batches_tracked") and key not in state_dict:
                state_dict[key] = value.new_zeros(())
    model.load_state_dict(state_dict)


class DenseNet121_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("densenet121-a639ec97.pth", 7978856, 74.434, 91.972, 2.834, 30.845,
                                     "https://github.com/pytorch/vision/pull/116", min_size=(29, 29))
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def densenet121(*, weights: DenseNet121_Weights | None = None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-121: growth 32, blocks (6, 12, 24, 16), 64 stem channels."""
    weights = DenseNet121_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = DenseNet(32, (6, 12, 24, 16), 64, **kwargs)
    if weights is not None:
        _load_state_dict(model, weights, progress)
    return model
