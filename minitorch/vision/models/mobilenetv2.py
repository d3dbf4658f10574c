"""MobileNetV2 (Sandler et al. 2018), with torchvision's module tree, state_dict keys, initialisation
and builder."""
from __future__ import annotations

from ... import nn
from ...nn import functional as F
from ...tensor import Tensor
from ..ops import Conv2dNormActivation
from ._api import WeightsEnum, register_model
from ._utils import (_make_divisible, _ovewrite_named_param, handle_legacy_interface, imagenet_weights,
                     init_mobile_weights, load_weights, normal_linear)

__all__ = ["MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2"]


class InvertedResidual(nn.Module):
    """1×1 expand (ReLU6), 3×3 depthwise (ReLU6), linear 1×1 project; plus the input where shapes agree."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int, norm_layer=None) -> None:
        super().__init__()
        self.stride = stride
        if stride not in [1, 2]:
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        norm_layer = norm_layer or nn.BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6))
        layers += [Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                                        norm_layer=norm_layer, activation_layer=nn.ReLU6),
                   nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False), norm_layer(oup)]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """A 3×3 stem, stages of inverted residuals (t expansion, c channels, n blocks, s first stride), a 1×1
    head convolution, global average pool, dropout and a linear classifier."""

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0, inverted_residual_setting=None,
                 round_nearest: int = 8, block=None, norm_layer=None, dropout: float = 0.2) -> None:
        super().__init__()
        block = block or InvertedResidual
        norm_layer = norm_layer or nn.BatchNorm2d
        input_channel, last_channel = 32, 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                                         [6, 160, 3, 2], [6, 320, 1, 1]]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError(f"inverted_residual_setting should be non-empty or a 4-element list, got "
                             f"{inverted_residual_setting}")
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer,
                                         activation_layer=nn.ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t,
                                      norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))
        init_mobile_weights(self, normal_linear)

    def _forward_impl(self, x: Tensor) -> Tensor:
        return self.classifier(F.adaptive_avg_pool2d(self.features(x), (1, 1)).flatten(1))

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


class MobileNet_V2_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("mobilenet_v2-b0353104.pth", 3504872, 71.878, 90.286, 0.301, 13.555,
                                     "https://github.com/pytorch/vision/tree/main/references/classification"
                                     "#mobilenetv2")
    IMAGENET1K_V2 = imagenet_weights("mobilenet_v2-7ebf99e0.pth", 3504872, 72.154, 90.822, 0.301, 13.598,
                                     "https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning",
                                     "These weights improve upon the results of the original paper by using a "
                                     "modified version of TorchVision's new training recipe.", resize_size=232)
    DEFAULT = IMAGENET1K_V2


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def mobilenet_v2(*, weights: MobileNet_V2_Weights | None = None, progress: bool = True, **kwargs) -> MobileNetV2:
    """MobileNetV2 (width 1.0 unless `width_mult` says otherwise)."""
    weights = MobileNet_V2_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return load_weights(MobileNetV2(**kwargs), weights, progress)
