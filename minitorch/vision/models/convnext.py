"""ConvNeXt-Tiny (Liu et al. 2022), with torchvision's module tree, state_dict keys, initialisation and
builder."""
from __future__ import annotations

from functools import partial

from ... import nn
from ...nn import functional as F
from ...ops.creation import ones
from ...tensor import Tensor
from ..ops import Conv2dNormActivation, Permute, StochasticDepth
from ._api import WeightsEnum, register_model
from ._utils import _ovewrite_named_param, handle_legacy_interface, imagenet_weights, load_weights

__all__ = ["ConvNeXt", "ConvNeXt_Tiny_Weights", "convnext_tiny"]


class LayerNorm2d(nn.LayerNorm):
    """Layer norm over the channels of an (N, C, H, W) tensor, at every position."""

    def forward(self, x: Tensor) -> Tensor:
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    """Depthwise 7×7 conv, layer norm, an inverted MLP (4× wide, GELU) on channels last, scaled per channel
    by a learned layer scale, through stochastic depth, plus the input."""

    def __init__(self, dim, layer_scale: float, stochastic_depth_prob: float, norm_layer=None) -> None:
        super().__init__()
        norm_layer = norm_layer or partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True), Permute([0, 2, 3, 1]),
            norm_layer(dim), nn.Linear(in_features=dim, out_features=4 * dim, bias=True), nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True), Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input: Tensor) -> Tensor:
        result = self.stochastic_depth(self.layer_scale * self.block(input))
        result += input
        return result


class CNBlockConfig:
    """One stage: its width, the width the downsampling after it goes to (None for the last), its depth."""

    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int) -> None:
        self.input_channels, self.out_channels, self.num_layers = input_channels, out_channels, num_layers

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(input_channels={self.input_channels}, "
                f"out_channels={self.out_channels}, num_layers={self.num_layers})")


class ConvNeXt(nn.Module):
    """A 4×4 stride-4 patch stem, stages of ConvNeXt blocks with norm-and-2×2-conv downsampling between them,
    global average pool, layer norm and a linear classifier. Weights start truncated-normal (σ 0.02)."""

    def __init__(self, block_setting: list, stochastic_depth_prob: float = 0.0, layer_scale: float = 1e-6,
                 num_classes: int = 1000, block=None, norm_layer=None, **kwargs) -> None:
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not (isinstance(block_setting, (list, tuple)) and all(isinstance(s, CNBlockConfig) for s in block_setting)):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        block = block or CNBlock
        norm_layer = norm_layer or partial(LayerNorm2d, eps=1e-6)
        layers = [Conv2dNormActivation(3, block_setting[0].input_channels, kernel_size=4, stride=4, padding=0,
                                       norm_layer=norm_layer, activation_layer=None, bias=True)]
        total, block_id = sum(cnf.num_layers for cnf in block_setting), 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                stage.append(block(cnf.input_channels, layer_scale, stochastic_depth_prob * block_id / (total - 1.0)))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(norm_layer(cnf.input_channels),
                                            nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        last_channels = last.out_channels if last.out_channels is not None else last.input_channels
        self.classifier = nn.Sequential(norm_layer(last_channels), nn.Flatten(1), nn.Linear(last_channels, num_classes))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _forward_impl(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)))

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


class ConvNeXt_Tiny_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("convnext_tiny-983f1562.pth", 28589128, 82.52, 96.146, 4.456, 109.119,
                                     "https://github.com/pytorch/vision/tree/main/references/classification#convnext",
                                     "These weights improve upon the results of the original paper by using a "
                                     "modified version of TorchVision's new training recipe.", min_size=(32, 32),
                                     resize_size=236)
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def convnext_tiny(*, weights: ConvNeXt_Tiny_Weights | None = None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-Tiny: widths 96-768, depths (3, 3, 9, 3), stochastic depth 0.1."""
    weights = ConvNeXt_Tiny_Weights.verify(weights)
    setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 9),
               CNBlockConfig(768, None, 3)]
    stochastic_depth_prob = kwargs.pop("stochastic_depth_prob", 0.1)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return load_weights(ConvNeXt(setting, stochastic_depth_prob=stochastic_depth_prob, **kwargs), weights, progress)
