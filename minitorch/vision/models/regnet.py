"""RegNet (Radosavovic et al. 2020): the RegNetX and RegNetY families, with torchvision's module tree,
state_dict keys, initialisation, builders and weights.

A RegNet is a stem, four stages of residual bottleneck blocks and a classifier. Its stage widths and
depths are not listed by hand but come from four numbers: an initial width w_0 growing linearly by w_a
per block, quantised in log space with step w_m (`BlockParams.from_init_params`). RegNetY adds
squeeze-excitation to every block."""
from __future__ import annotations

import math
from collections import OrderedDict
from functools import partial

from ... import nn
from ...tensor import Tensor
from ..ops import Conv2dNormActivation, SqueezeExcitation
from ._api import WeightsEnum
from ._utils import (_make_divisible, _ovewrite_named_param, imagenet_weights, load_weights, make_builder,
                     swag_weights)

_FAMILIES = {  # builder: (depth, w_0, w_a, w_m, group width, squeeze-excitation ratio)
    "regnet_y_400mf": (16, 48, 27.89, 2.09, 8, 0.25),
    "regnet_y_800mf": (14, 56, 38.84, 2.4, 16, 0.25),
    "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24, 0.25),
    "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24, 0.25),
    "regnet_y_8gf": (17, 192, 76.82, 2.19, 56, 0.25),
    "regnet_y_16gf": (18, 200, 106.23, 2.48, 112, 0.25),
    "regnet_y_32gf": (20, 232, 115.89, 2.53, 232, 0.25),
    "regnet_y_128gf": (27, 456, 160.83, 2.52, 264, 0.25),
    "regnet_x_400mf": (22, 24, 24.48, 2.54, 16, None),
    "regnet_x_800mf": (16, 56, 35.73, 2.28, 16, None),
    "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24, None),
    "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48, None),
    "regnet_x_8gf": (23, 80, 49.56, 2.88, 120, None),
    "regnet_x_16gf": (22, 216, 55.59, 2.1, 128, None),
    "regnet_x_32gf": (23, 320, 69.86, 2.0, 168, None),
}


def _weights_name(builder: str) -> str:
    """regnet_y_1_6gf -> RegNet_Y_1_6GF_Weights"""
    return "RegNet_" + builder[len("regnet_"):].upper() + "_Weights"


__all__ = ["RegNet", *(_weights_name(b) for b in _FAMILIES), *_FAMILIES]


class SimpleStemIN(Conv2dNormActivation):
    """The ImageNet stem: a stride-2 3×3 convolution, norm and activation."""

    def __init__(self, width_in: int, width_out: int, norm_layer, activation_layer) -> None:
        super().__init__(width_in, width_out, kernel_size=3, stride=2, norm_layer=norm_layer,
                         activation_layer=activation_layer)


class BottleneckTransform(nn.Sequential):
    """a: 1×1 to the bottleneck width, b: grouped 3×3 (carrying the stride), optional squeeze-excitation
    (its width a ratio of the block's input width), c: 1×1 to the output width without activation."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer, activation_layer, group_width: int,
                 bottleneck_multiplier: float, se_ratio: float | None) -> None:
        w_b = int(round(width_out * bottleneck_multiplier))
        layers = OrderedDict()
        layers["a"] = Conv2dNormActivation(width_in, w_b, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        layers["b"] = Conv2dNormActivation(w_b, w_b, kernel_size=3, stride=stride, groups=w_b // group_width,
                                           norm_layer=norm_layer, activation_layer=activation_layer)
        if se_ratio:
            layers["se"] = SqueezeExcitation(input_channels=w_b, squeeze_channels=int(round(se_ratio * width_in)),
                                             activation=activation_layer)
        layers["c"] = Conv2dNormActivation(w_b, width_out, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=None)
        super().__init__(layers)


class ResBottleneckBlock(nn.Module):
    """activation(x' + f(x)): x' is x, or its 1×1 projection where the width or the stride changes."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer, activation_layer,
                 group_width: int = 1, bottleneck_multiplier: float = 1.0, se_ratio: float | None = None) -> None:
        super().__init__()
        self.proj = None
        if width_in != width_out or stride != 1:
            self.proj = Conv2dNormActivation(width_in, width_out, kernel_size=1, stride=stride,
                                             norm_layer=norm_layer, activation_layer=None)
        self.f = BottleneckTransform(width_in, width_out, stride, norm_layer, activation_layer, group_width,
                                     bottleneck_multiplier, se_ratio)
        self.activation = activation_layer(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        shortcut = x if self.proj is None else self.proj(x)
        return self.activation(shortcut + self.f(x))


class AnyStage(nn.Sequential):
    """`depth` blocks of one output width; the first takes the stage's input width and stride."""

    def __init__(self, width_in: int, width_out: int, stride: int, depth: int, block_constructor, norm_layer,
                 activation_layer, group_width: int, bottleneck_multiplier: float, se_ratio: float | None = None,
                 stage_index: int = 0) -> None:
        super().__init__()
        for i in range(depth):
            block = block_constructor(width_in if i == 0 else width_out, width_out, stride if i == 0 else 1,
                                      norm_layer, activation_layer, group_width, bottleneck_multiplier, se_ratio)
            self.add_module(f"block{stage_index}-{i}", block)


class BlockParams:
    """Each stage's depth, width, group width, bottleneck multiplier and stride."""

    def __init__(self, depths: list[int], widths: list[int], group_widths: list[int],
                 bottleneck_multipliers: list[float], strides: list[int], se_ratio: float | None = None) -> None:
        self.depths, self.widths, self.group_widths = depths, widths, group_widths
        self.bottleneck_multipliers, self.strides, self.se_ratio = bottleneck_multipliers, strides, se_ratio

    @classmethod
    def from_init_params(cls, depth: int, w_0: int, w_a: float, w_m: float, group_width: int,
                         bottleneck_multiplier: float = 1.0, se_ratio: float | None = None, **kwargs) -> "BlockParams":
        """The stages of the RegNet design space: block i has the continuous width u_i = w_0 + w_a·i, quantised
        as w_0 · w_m^round(log(u_i / w_0) / log(w_m)) rounded to a multiple of 8; consecutive blocks of one
        width form a stage. (Computed in float32 tensor ops, as torchvision computes them.)"""
        from ... import arange, diff, divide, log, pow, round as round_, tensor
        if w_a < 0 or w_0 <= 0 or w_m <= 1 or w_0 % 8 != 0:
            raise ValueError("Invalid RegNet settings")
        continuous = arange(depth) * w_a + w_0
        capacity = round_(log(continuous / w_0) / math.log(w_m))
        block_widths = (round_(divide(w_0 * pow(w_m, capacity), 8)) * 8).int().tolist()
        starts = [w != prev for w, prev in zip(block_widths + [0], [0] + block_widths)]
        stage_widths = [w for w, start in zip(block_widths, starts[:-1]) if start]
        stage_depths = diff(tensor([i for i, start in enumerate(starts) if start])).int().tolist()
        n = len(set(block_widths))
        multipliers = [bottleneck_multiplier] * n
        stage_widths, group_widths = cls._adjust_widths_groups_compatibilty(stage_widths, multipliers,
                                                                           [group_width] * n)
        return cls(depths=stage_depths, widths=stage_widths, group_widths=group_widths,
                   bottleneck_multipliers=multipliers, strides=[2] * n, se_ratio=se_ratio)

    def _get_expanded_params(self):
        return zip(self.widths, self.strides, self.depths, self.group_widths, self.bottleneck_multipliers)

    @staticmethod
    def _adjust_widths_groups_compatibilty(stage_widths: list[int], bottleneck_ratios: list[float],
                                           group_widths: list[int]) -> tuple[list[int], list[int]]:
        """Bottleneck widths made multiples of their (at most as wide) group widths; the stage widths follow."""
        widths = [int(w * b) for w, b in zip(stage_widths, bottleneck_ratios)]
        group_widths = [min(g, w) for g, w in zip(group_widths, widths)]
        bottlenecks = [_make_divisible(w, g) for w, g in zip(widths, group_widths)]
        return [int(w / b) for w, b in zip(bottlenecks, bottleneck_ratios)], group_widths


class RegNet(nn.Module):
    """stem, trunk_output (the stages block1…block4), global average pool, fc."""

    def __init__(self, block_params: BlockParams, num_classes: int = 1000, stem_width: int = 32, stem_type=None,
                 block_type=None, norm_layer=None, activation=None) -> None:
        super().__init__()
        stem_type = stem_type or SimpleStemIN
        norm_layer = norm_layer or nn.BatchNorm2d
        block_type = block_type or ResBottleneckBlock
        activation = activation or nn.ReLU
        self.stem = stem_type(3, stem_width, norm_layer, activation)
        width, stages = stem_width, []
        for i, (width_out, stride, depth, group_width, multiplier) in enumerate(block_params._get_expanded_params()):
            stages.append((f"block{i + 1}", AnyStage(width, width_out, stride, depth, block_type, norm_layer,
                                                     activation, group_width, multiplier, block_params.se_ratio,
                                                     stage_index=i + 1)))
            width = width_out
        self.trunk_output = nn.Sequential(OrderedDict(stages))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(in_features=width, out_features=num_classes)
        for m in self.modules():  # ResNet-style: He-normal (fan out) convolutions, identity norms, small fc
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, mean=0.0, std=math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0.0, std=0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.trunk_output(self.stem(x)))
        return self.fc(x.flatten(start_dim=1))


def _regnet(family: str, weights, progress: bool, **kwargs) -> RegNet:
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    depth, w_0, w_a, w_m, group_width, se_ratio = _FAMILIES[family]
    params = BlockParams.from_init_params(depth=depth, w_0=w_0, w_a=w_a, w_m=w_m, group_width=group_width,
                                          se_ratio=se_ratio, **kwargs)
    norm_layer = kwargs.pop("norm_layer", partial(nn.BatchNorm2d, eps=1e-05, momentum=0.1))
    return load_weights(RegNet(params, norm_layer=norm_layer, **kwargs), weights, progress)


# ---- weights ----------------------------------------------------------------------------------------

_RECIPES = "https://github.com/pytorch/vision/tree/main/references/classification#"
_NEW_RECIPE = "https://github.com/pytorch/vision/issues/3995#new-recipe"
_V2_DOCS = "These weights improve upon the results of the original paper by using TorchVision's new training recipe."
def _v1(file, num_params, acc1, acc5, gflops, file_mb, size):
    return imagenet_weights(file, num_params, acc1, acc5, gflops, file_mb, _RECIPES + size + "-models")


def _v2(file, num_params, acc1, acc5, gflops, file_mb, recipe=_NEW_RECIPE):
    return imagenet_weights(file, num_params, acc1, acc5, gflops, file_mb, recipe, _V2_DOCS, resize_size=232)


class RegNet_Y_400MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_400mf-c65dace8.pth", 4344144, 74.046, 91.716, 0.402, 16.806, "small")
    IMAGENET1K_V2 = _v2("regnet_y_400mf-e6988f5f.pth", 4344144, 75.804, 92.742, 0.402, 16.806)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_800MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_800mf-1b27b58c.pth", 6432512, 76.42, 93.136, 0.834, 24.774, "small")
    IMAGENET1K_V2 = _v2("regnet_y_800mf-58fc7688.pth", 6432512, 78.828, 94.502, 0.834, 24.774)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_1_6GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_1_6gf-b11a554e.pth", 11202430, 77.95, 93.966, 1.612, 43.152, "small")
    IMAGENET1K_V2 = _v2("regnet_y_1_6gf-0d7bc02a.pth", 11202430, 80.876, 95.444, 1.612, 43.152)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_3_2GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_3_2gf-b5a9779c.pth", 19436338, 78.948, 94.576, 3.176, 74.567, "medium")
    IMAGENET1K_V2 = _v2("regnet_y_3_2gf-9180c971.pth", 19436338, 81.982, 95.972, 3.176, 74.567)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_8GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_8gf-d0d0e4a8.pth", 39381472, 80.032, 95.048, 8.473, 150.701, "medium")
    IMAGENET1K_V2 = _v2("regnet_y_8gf-dc2b1b54.pth", 39381472, 82.828, 96.33, 8.473, 150.701)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_16GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_16gf-9e6ed7dd.pth", 83590140, 80.424, 95.24, 15.912, 319.49, "large")
    IMAGENET1K_V2 = _v2("regnet_y_16gf-3e4a00f9.pth", 83590140, 82.886, 96.328, 15.912, 319.49)
    IMAGENET1K_SWAG_E2E_V1 = swag_weights("regnet_y_16gf_swag-43afe44d.pth", 83590140, 86.012, 98.054, 46.735,
                                          319.49, linear=False, side=384)
    IMAGENET1K_SWAG_LINEAR_V1 = swag_weights("regnet_y_16gf_lc_swag-f3ec0043.pth", 83590140, 83.976, 97.244,
                                             15.912, 319.49, linear=True, side=224)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_32GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_32gf-4dee3f7a.pth", 145046770, 80.878, 95.34, 32.28, 554.076, "large")
    IMAGENET1K_V2 = _v2("regnet_y_32gf-8db6d4b5.pth", 145046770, 83.368, 96.498, 32.28, 554.076)
    IMAGENET1K_SWAG_E2E_V1 = swag_weights("regnet_y_32gf_swag-04fdfa75.pth", 145046770, 86.838, 98.362, 94.826,
                                          554.076, linear=False, side=384)
    IMAGENET1K_SWAG_LINEAR_V1 = swag_weights("regnet_y_32gf_lc_swag-e1583746.pth", 145046770, 84.622, 97.48,
                                             32.28, 554.076, linear=True, side=224)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_128GF_Weights(WeightsEnum):
    IMAGENET1K_SWAG_E2E_V1 = swag_weights("regnet_y_128gf_swag-c8ce3e52.pth", 644812894, 88.228, 98.682, 374.57,
                                          2461.564, linear=False, side=384)
    IMAGENET1K_SWAG_LINEAR_V1 = swag_weights("regnet_y_128gf_lc_swag-cbe8ce12.pth", 644812894, 86.068, 97.844,
                                             127.518, 2461.564, linear=True, side=224)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


class RegNet_X_400MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_400mf-adf1edd5.pth", 5495976, 72.834, 90.95, 0.414, 21.258, "small")
    IMAGENET1K_V2 = _v2("regnet_x_400mf-62229a5f.pth", 5495976, 74.864, 92.322, 0.414, 21.257,
                        _NEW_RECIPE + "-with-fixres")
    DEFAULT = IMAGENET1K_V2


class RegNet_X_800MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_800mf-ad17e45c.pth", 7259656, 75.212, 92.348, 0.8, 27.945, "small")
    IMAGENET1K_V2 = _v2("regnet_x_800mf-94a99ebd.pth", 7259656, 77.522, 93.826, 0.8, 27.945,
                        _NEW_RECIPE + "-with-fixres")
    DEFAULT = IMAGENET1K_V2


class RegNet_X_1_6GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_1_6gf-e3633e7f.pth", 9190136, 77.04, 93.44, 1.603, 35.339, "small")
    IMAGENET1K_V2 = _v2("regnet_x_1_6gf-a12f2b72.pth", 9190136, 79.668, 94.922, 1.603, 35.339,
                        _NEW_RECIPE + "-with-fixres")
    DEFAULT = IMAGENET1K_V2


class RegNet_X_3_2GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_3_2gf-f342aeae.pth", 15296552, 78.364, 93.992, 3.177, 58.756, "medium")
    IMAGENET1K_V2 = _v2("regnet_x_3_2gf-7071aa85.pth", 15296552, 81.196, 95.43, 3.177, 58.756)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_8GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_8gf-03ceed89.pth", 39572648, 79.344, 94.686, 7.995, 151.456, "medium")
    IMAGENET1K_V2 = _v2("regnet_x_8gf-2b70d774.pth", 39572648, 81.682, 95.678, 7.995, 151.456)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_16GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_16gf-2007eb11.pth", 54278536, 80.058, 94.944, 15.941, 207.627, "medium")
    IMAGENET1K_V2 = _v2("regnet_x_16gf-ba3796d7.pth", 54278536, 82.716, 96.196, 15.941, 207.627)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_32GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_32gf-9d47f8d0.pth", 107811560, 80.622, 95.248, 31.736, 412.039, "large")
    IMAGENET1K_V2 = _v2("regnet_x_32gf-6eb8fdc6.pth", 107811560, 83.014, 96.288, 31.736, 412.039)
    DEFAULT = IMAGENET1K_V2


def _builder(name: str):
    family = "RegNetY" if "_y_" in name else "RegNetX"
    size = name[len("regnet_y_"):].replace("_", ".").upper()
    return make_builder(name, globals()[_weights_name(name)], partial(_regnet, name),
                        f"{family}_{size} from \"Designing Network Design Spaces\".")


regnet_y_400mf = _builder("regnet_y_400mf")
regnet_y_800mf = _builder("regnet_y_800mf")
regnet_y_1_6gf = _builder("regnet_y_1_6gf")
regnet_y_3_2gf = _builder("regnet_y_3_2gf")
regnet_y_8gf = _builder("regnet_y_8gf")
regnet_y_16gf = _builder("regnet_y_16gf")
regnet_y_32gf = _builder("regnet_y_32gf")
regnet_y_128gf = _builder("regnet_y_128gf")
regnet_x_400mf = _builder("regnet_x_400mf")
regnet_x_800mf = _builder("regnet_x_800mf")
regnet_x_1_6gf = _builder("regnet_x_1_6gf")
regnet_x_3_2gf = _builder("regnet_x_3_2gf")
regnet_x_8gf = _builder("regnet_x_8gf")
regnet_x_16gf = _builder("regnet_x_16gf")
regnet_x_32gf = _builder("regnet_x_32gf")
