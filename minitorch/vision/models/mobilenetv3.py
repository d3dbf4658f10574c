"""MobileNetV3 large and small (Howard et al. 2019), with torchvision's module tree, state_dict keys,
initialisation and builders."""
from __future__ import annotations

from functools import partial

from ... import nn
from ...tensor import Tensor
from ..ops import Conv2dNormActivation, SqueezeExcitation
from ._api import WeightsEnum, register_model
from ._utils import (_make_divisible, _ovewrite_named_param, handle_legacy_interface, imagenet_weights,
                     init_mobile_weights, load_weights, normal_linear)

__all__ = ["MobileNetV3", "MobileNet_V3_Large_Weights", "MobileNet_V3_Small_Weights", "mobilenet_v3_large",
           "mobilenet_v3_small"]


class InvertedResidualConfig:
    """One block: widths scaled by the width multiplier, squeeze-excitation or not, hard-swish ("HS") or
    ReLU ("RE")."""

    def __init__(self, input_channels: int, kernel: int, expanded_channels: int, out_channels: int, use_se: bool,
                 activation: str, stride: int, dilation: int, width_mult: float):
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se, self.use_hs = use_se, activation == "HS"
        self.stride, self.dilation = stride, dilation

    @staticmethod
    def adjust_channels(channels: int, width_mult: float):
        return _make_divisible(channels * width_mult, 8)


class InvertedResidual(nn.Module):
    """1×1 expand, depthwise k×k, optional squeeze-excitation (hard-sigmoid gate), linear 1×1 project."""

    def __init__(self, cnf: InvertedResidualConfig, norm_layer,
                 se_layer=partial(SqueezeExcitation, scale_activation=nn.Hardsigmoid)):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        activation = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=activation))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.expanded_channels, kernel_size=cnf.kernel,
                                           stride=1 if cnf.dilation > 1 else cnf.stride, dilation=cnf.dilation,
                                           groups=cnf.expanded_channels, norm_layer=norm_layer,
                                           activation_layer=activation))
        if cnf.use_se:
            layers.append(se_layer(cnf.expanded_channels, _make_divisible(cnf.expanded_channels // 4, 8)))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, input: Tensor) -> Tensor:
        result = self.block(input)
        if self.use_res_connect:
            result += input
        return result


class MobileNetV3(nn.Module):
    """A 3×3 hard-swish stem, the inverted residual blocks, a 1×1 head convolution (6× wider), global
    average pool, and a two-layer classifier with hard-swish and dropout."""

    def __init__(self, inverted_residual_setting: list, last_channel: int, num_classes: int = 1000, block=None,
                 norm_layer=None, dropout: float = 0.2, **kwargs) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, (list, tuple))
                and all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[InvertedResidualConfig]")
        block = block or InvertedResidual
        norm_layer = norm_layer or partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        layers = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels, kernel_size=3, stride=2,
                                       norm_layer=norm_layer, activation_layer=nn.Hardswish)]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_in = inverted_residual_setting[-1].out_channels
        layers.append(Conv2dNormActivation(last_in, 6 * last_in, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(6 * last_in, last_channel), nn.Hardswish(inplace=True),
                                        nn.Dropout(p=dropout, inplace=True), nn.Linear(last_channel, num_classes))
        init_mobile_weights(self, normal_linear)

    def _forward_impl(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)).flatten(1))

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def _mobilenet_v3_conf(arch: str, width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False,
                       **kwargs):
    """The blocks: (in, kernel, expanded, out, squeeze-excitation, activation, stride, dilation)."""
    r = 2 if reduced_tail else 1  # a thinner last stage (for detection backbones)
    d = 2 if dilated else 1
    conf = partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        setting = [conf(16, 3, 16, 16, False, "RE", 1, 1), conf(16, 3, 64, 24, False, "RE", 2, 1),
                   conf(24, 3, 72, 24, False, "RE", 1, 1), conf(24, 5, 72, 40, True, "RE", 2, 1),
                   conf(40, 5, 120, 40, True, "RE", 1, 1), conf(40, 5, 120, 40, True, "RE", 1, 1),
                   conf(40, 3, 240, 80, False, "HS", 2, 1), conf(80, 3, 200, 80, False, "HS", 1, 1),
                   conf(80, 3, 184, 80, False, "HS", 1, 1), conf(80, 3, 184, 80, False, "HS", 1, 1),
                   conf(80, 3, 480, 112, True, "HS", 1, 1), conf(112, 3, 672, 112, True, "HS", 1, 1),
                   conf(112, 5, 672, 160 // r, True, "HS", 2, d),
                   conf(160 // r, 5, 960 // r, 160 // r, True, "HS", 1, d),
                   conf(160 // r, 5, 960 // r, 160 // r, True, "HS", 1, d)]
        last_channel = InvertedResidualConfig.adjust_channels(1280 // r, width_mult)
    elif arch == "mobilenet_v3_small":
        setting = [conf(16, 3, 16, 16, True, "RE", 2, 1), conf(16, 3, 72, 24, False, "RE", 2, 1),
                   conf(24, 3, 88, 24, False, "RE", 1, 1), conf(24, 5, 96, 40, True, "HS", 2, 1),
                   conf(40, 5, 240, 40, True, "HS", 1, 1), conf(40, 5, 240, 40, True, "HS", 1, 1),
                   conf(40, 5, 120, 48, True, "HS", 1, 1), conf(48, 5, 144, 48, True, "HS", 1, 1),
                   conf(48, 5, 288, 96 // r, True, "HS", 2, d),
                   conf(96 // r, 5, 576 // r, 96 // r, True, "HS", 1, d),
                   conf(96 // r, 5, 576 // r, 96 // r, True, "HS", 1, d)]
        last_channel = InvertedResidualConfig.adjust_channels(1024 // r, width_mult)
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return setting, last_channel


def _mobilenet_v3(arch: str, weights, progress: bool, **kwargs) -> MobileNetV3:
    setting, last_channel = _mobilenet_v3_conf(arch, **kwargs)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return load_weights(MobileNetV3(setting, last_channel, **kwargs), weights, progress)


_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#mobilenetv3-large--small"


class MobileNet_V3_Large_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("mobilenet_v3_large-8738ca79.pth", 5483032, 74.042, 91.34, 0.217, 21.114,
                                     _RECIPE)
    IMAGENET1K_V2 = imagenet_weights("mobilenet_v3_large-5c1a4163.pth", 5483032, 75.274, 92.566, 0.217, 21.107,
                                     "https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning",
                                     "These weights improve marginally upon the results of the original paper by "
                                     "using a modified version of TorchVision's new training recipe.",
                                     resize_size=232)
    DEFAULT = IMAGENET1K_V2


class MobileNet_V3_Small_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("mobilenet_v3_small-047dcff4.pth", 2542856, 67.668, 87.402, 0.057, 9.829,
                                     _RECIPE, "These weights improve upon the results of the original paper by using "
                                     "a simple training recipe.")
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def mobilenet_v3_large(*, weights: MobileNet_V3_Large_Weights | None = None, progress: bool = True,
                       **kwargs) -> MobileNetV3:
    """MobileNetV3-Large."""
    return _mobilenet_v3("mobilenet_v3_large", MobileNet_V3_Large_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def mobilenet_v3_small(*, weights: MobileNet_V3_Small_Weights | None = None, progress: bool = True,
                       **kwargs) -> MobileNetV3:
    """MobileNetV3-Small."""
    return _mobilenet_v3("mobilenet_v3_small", MobileNet_V3_Small_Weights.verify(weights), progress, **kwargs)
