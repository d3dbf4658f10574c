"""EfficientNet B0-B7 (Tan & Le 2019) and EfficientNetV2-S (Tan & Le 2021), with torchvision's module
tree, state_dict keys, initialisation and builders."""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import partial

from ... import nn
from ...tensor import Tensor
from ..ops import Conv2dNormActivation, SqueezeExcitation, StochasticDepth
from ..transforms.functional import InterpolationMode
from ._api import WeightsEnum
from ._utils import (_make_divisible, _ovewrite_named_param, imagenet_weights, init_mobile_weights, load_weights,
                     make_builder)

__all__ = ["EfficientNet", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights", "EfficientNet_B2_Weights",
           "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights", "EfficientNet_B6_Weights",
           "EfficientNet_B7_Weights", "EfficientNet_V2_S_Weights", "efficientnet_b0", "efficientnet_b1",
           "efficientnet_b2", "efficientnet_b3", "efficientnet_b4", "efficientnet_b5", "efficientnet_b6",
           "efficientnet_b7", "efficientnet_v2_s"]


@dataclass
class _MBConvConfig:
    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: type

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: int | None = None) -> int:
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """One stage of MBConv blocks, its widths and depth scaled by the model's multipliers."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, width_mult: float = 1.0, depth_mult: float = 1.0, block=None) -> None:
        super().__init__(expand_ratio, kernel, stride, self.adjust_channels(input_channels, width_mult),
                         self.adjust_channels(out_channels, width_mult), self.adjust_depth(num_layers, depth_mult),
                         block or MBConv)

    @staticmethod
    def adjust_depth(num_layers: int, depth_mult: float):
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """One stage of fused MBConv blocks (EfficientNetV2's early stages)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, block=None) -> None:
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block or FusedMBConv)


class _Residual(nn.Module):
    """A block whose output adds to its input (after stochastic depth) when the shapes agree."""

    def _setup(self, cnf, stochastic_depth_prob: float, layers: list) -> None:
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input: Tensor) -> Tensor:
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result


class MBConv(_Residual):
    """Inverted residual: 1×1 expand, depthwise k×k, squeeze-excitation, 1×1 project (SiLU activations)."""

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float, norm_layer, se_layer=SqueezeExcitation):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           groups=expanded, norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(se_layer(expanded, max(1, cnf.input_channels // 4), activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self._setup(cnf, stochastic_depth_prob, layers)


class FusedMBConv(_Residual):
    """MBConv with the expansion and depthwise convolutions fused into one k×k convolution."""

    def __init__(self, cnf: FusedMBConvConfig, stochastic_depth_prob: float, norm_layer) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded != cnf.input_channels:
            layers = [Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU),
                      Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None)]
        else:
            layers = [Conv2dNormActivation(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, norm_layer=norm_layer, activation_layer=nn.SiLU)]
        self._setup(cnf, stochastic_depth_prob, layers)


def _uniform_linear(m) -> None:
    """U(±1/√out_features) weights, zero bias."""
    init_range = 1.0 / math.sqrt(m.out_features)
    nn.init.uniform_(m.weight, -init_range, init_range)
    nn.init.zeros_(m.bias)


class EfficientNet(nn.Module):
    """A 3×3 stem, stages of (fused) MBConv blocks whose stochastic-depth rate grows linearly with depth,
    a 1×1 head convolution, global average pool, dropout and a linear classifier."""

    def __init__(self, inverted_residual_setting, dropout: float, stochastic_depth_prob: float = 0.2,
                 num_classes: int = 1000, norm_layer=None, last_channel: int | None = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, (list, tuple))
                and all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        layers = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels, kernel_size=3, stride=2,
                                       norm_layer=norm_layer, activation_layer=nn.SiLU)]
        total_blocks, block_id = sum(cnf.num_layers for cnf in inverted_residual_setting), 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # later blocks of a stage keep its width and size
                    block_cnf.input_channels, block_cnf.stride = block_cnf.out_channels, 1
                stage.append(block_cnf.block(block_cnf, stochastic_depth_prob * float(block_id) / total_blocks,
                                             norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = inverted_residual_setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(last_out, num_classes))
        init_mobile_weights(self, _uniform_linear)

    def _forward_impl(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)).flatten(1))

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def _efficientnet_conf(arch: str, **kwargs):
    """The stages of each architecture: (expand ratio, kernel, stride, in, out, layers)."""
    if arch.startswith("efficientnet_b"):
        stage = partial(MBConvConfig, width_mult=kwargs.pop("width_mult"), depth_mult=kwargs.pop("depth_mult"))
        return [stage(1, 3, 1, 32, 16, 1), stage(6, 3, 2, 16, 24, 2), stage(6, 5, 2, 24, 40, 2),
                stage(6, 3, 2, 40, 80, 3), stage(6, 5, 1, 80, 112, 3), stage(6, 5, 2, 112, 192, 4),
                stage(6, 3, 1, 192, 320, 1)], None
    if arch.startswith("efficientnet_v2_s"):
        return [FusedMBConvConfig(1, 3, 1, 24, 24, 2), FusedMBConvConfig(4, 3, 2, 24, 48, 4),
                FusedMBConvConfig(4, 3, 2, 48, 64, 4), MBConvConfig(4, 3, 2, 64, 128, 6),
                MBConvConfig(6, 3, 1, 128, 160, 9), MBConvConfig(6, 3, 2, 160, 256, 15)], 1280
    raise ValueError(f"Unsupported model type {arch}")


def _efficientnet(arch: str, width_depth, dropout: float, weights, progress: bool, norm_layer=None,
                  **kwargs) -> EfficientNet:
    multipliers = {} if width_depth is None else {"width_mult": width_depth[0], "depth_mult": width_depth[1]}
    setting, last_channel = _efficientnet_conf(arch, **multipliers)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    if norm_layer is not None:
        kwargs["norm_layer"] = norm_layer
    model = EfficientNet(setting, kwargs.pop("dropout", dropout), last_channel=last_channel, **kwargs)
    return load_weights(model, weights, progress)


_V1_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#efficientnet-v1"
_PORTED = "These weights are ported from the original paper's implementation."
_V1 = partial(imagenet_weights, recipe=_V1_RECIPE, docs=_PORTED, interpolation=InterpolationMode.BICUBIC)


class EfficientNet_B0_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b0_rwightman-7f5810bc.pth", 5288548, 77.692, 93.532, 0.386, 20.451,
                        crop_size=224, resize_size=256)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B1_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b1_rwightman-bac287d4.pth", 7794184, 78.642, 94.186, 0.687, 30.134,
                        crop_size=240, resize_size=256)
    IMAGENET1K_V2 = imagenet_weights("efficientnet_b1-c27df63c.pth", 7794184, 79.838, 94.934, 0.687, 30.136,
                                     "https://github.com/pytorch/vision/issues/3995#new-recipe-with-lr-wd-crop-tuning",
                                     "These weights improve upon the results of the original paper by using "
                                     "TorchVision's new training recipe.", crop_size=240, resize_size=255,
                                     interpolation=InterpolationMode.BILINEAR)
    DEFAULT = IMAGENET1K_V2


class EfficientNet_B2_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b2_rwightman-c35c1473.pth", 9109994, 80.608, 95.31, 1.088, 35.174,
                        crop_size=288, resize_size=288)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B3_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b3_rwightman-b3899882.pth", 12233232, 82.008, 96.054, 1.827, 47.184,
                        crop_size=300, resize_size=320)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B4_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b4_rwightman-23ab8bcd.pth", 19341616, 83.384, 96.594, 4.394, 74.489,
                        crop_size=380, resize_size=384)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B5_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b5_lukemelas-1a07897c.pth", 30389784, 83.444, 96.628, 10.266, 116.864,
                        crop_size=456, resize_size=456)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B6_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b6_lukemelas-24a108a5.pth", 43040704, 84.008, 96.916, 19.068, 165.362,
                        crop_size=528, resize_size=528)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B7_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1("efficientnet_b7_lukemelas-c5b4e57e.pth", 66347960, 84.122, 96.908, 37.746, 254.675,
                        crop_size=600, resize_size=600)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_V2_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("efficientnet_v2_s-dd5fe13b.pth", 21458488, 84.228, 96.878, 8.366, 82.704,
                                     "https://github.com/pytorch/vision/tree/main/references/classification"
                                     "#efficientnet-v2", "These weights improve upon the results of the original "
                                     "paper by using a modified version of TorchVision's new training recipe.",
                                     min_size=(33, 33), crop_size=384, resize_size=384,
                                     interpolation=InterpolationMode.BILINEAR)
    DEFAULT = IMAGENET1K_V1


_WEIGHTS = {f"efficientnet_b{i}": w for i, w in enumerate(
    [EfficientNet_B0_Weights, EfficientNet_B1_Weights, EfficientNet_B2_Weights, EfficientNet_B3_Weights,
     EfficientNet_B4_Weights, EfficientNet_B5_Weights, EfficientNet_B6_Weights, EfficientNet_B7_Weights])}
_WEIGHTS["efficientnet_v2_s"] = EfficientNet_V2_S_Weights
_BIG_NORM = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)  # B5-B7's batch norm (ported weights)


# (width, depth, dropout, batch norm) of B0-B7, as the paper scales them
_SCALES = {0: (1.0, 1.0, 0.2, None), 1: (1.0, 1.1, 0.2, None), 2: (1.1, 1.2, 0.3, None), 3: (1.2, 1.4, 0.3, None),
           4: (1.4, 1.8, 0.4, None), 5: (1.6, 2.2, 0.4, _BIG_NORM), 6: (1.8, 2.6, 0.5, _BIG_NORM),
           7: (2.0, 3.1, 0.5, _BIG_NORM)}


def _v1_builder(i: int):
    width, depth, dropout, norm = _SCALES[i]
    return make_builder(f"efficientnet_b{i}", _WEIGHTS[f"efficientnet_b{i}"],
                        partial(_efficientnet, f"efficientnet_b{i}", (width, depth), dropout, norm_layer=norm),
                        f"EfficientNet-B{i}: width {width}, depth {depth}, dropout {dropout}.")


efficientnet_b0, efficientnet_b1, efficientnet_b2, efficientnet_b3, efficientnet_b4, efficientnet_b5, \
    efficientnet_b6, efficientnet_b7 = (_v1_builder(i) for i in range(8))
efficientnet_v2_s = make_builder(
    "efficientnet_v2_s", EfficientNet_V2_S_Weights,
    partial(_efficientnet, "efficientnet_v2_s", None, 0.2, norm_layer=partial(nn.BatchNorm2d, eps=1e-03)),
    "EfficientNetV2-S: fused MBConv early, MBConv later, dropout 0.2, batch norm eps 1e-3.")
