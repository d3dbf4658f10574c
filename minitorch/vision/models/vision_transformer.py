"""Vision Transformer ViT-B/16, ViT-B/32 and ViT-L/16 (Dosovitskiy et al. 2020), with torchvision's module
tree, state_dict keys, initialisation and builders (the course's chapter 08 builds one by hand; chapter 09
fine-tunes this one)."""
from __future__ import annotations

import math
from collections import OrderedDict
from functools import partial

from ... import nn
from ...ops.creation import empty, zeros
from ...ops.shape import cat
from ...tensor import Tensor
from ..ops import MLP
from ._api import WeightsEnum, register_model
from ._utils import _ovewrite_named_param, handle_legacy_interface, imagenet_weights, load_weights, swag_weights

__all__ = ["VisionTransformer", "ViT_B_16_Weights", "ViT_B_32_Weights", "ViT_L_16_Weights", "vit_b_16", "vit_b_32",
           "vit_l_16"]


def _assert(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


class MLPBlock(MLP):
    """Linear, GELU, dropout, linear, dropout; Xavier-uniform weights, biases N(0, 1e-6)."""

    _version = 2

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float):
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, inplace=None, dropout=dropout)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm transformer layer: x + attention(ln_1(x)), then that + mlp(ln_2(that))."""

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float, attention_dropout: float,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout,
                                                    batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input: Tensor):
        _assert(input.dim() == 3, f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """Learned position embeddings (N(0, 0.02²), as BERT's), the encoder blocks and a final layer norm."""

    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int,
                 dropout: float, attention_dropout: float, norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.pos_embedding = nn.Parameter(empty(1, seq_length, hidden_dim).normal_(std=0.02))
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                                                norm_layer)) for i in range(num_layers)))
        self.ln = norm_layer(hidden_dim)

    def forward(self, input: Tensor):
        _assert(input.dim() == 3, f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        return self.ln(self.layers(self.dropout(input + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """Patches embedded by a strided convolution, a class token in front, the encoder, and a linear head
    on the class token's output."""

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float = 0.0, attention_dropout: float = 0.0, num_classes: int = 1000,
                 representation_size: int | None = None, norm_layer=partial(nn.LayerNorm, eps=1e-6),
                 conv_stem_configs=None):
        super().__init__()
        _assert(image_size % patch_size == 0, "Input shape indivisible by patch size!")
        if conv_stem_configs is not None:
            raise NotImplementedError("minitorch's VisionTransformer has no convolutional stem (conv_stem_configs)")
        self.image_size, self.patch_size, self.hidden_dim, self.mlp_dim = image_size, patch_size, hidden_dim, mlp_dim
        self.attention_dropout, self.dropout, self.num_classes = attention_dropout, dropout, num_classes
        self.representation_size, self.norm_layer = representation_size, norm_layer
        self.conv_proj = nn.Conv2d(in_channels=3, out_channels=hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2 + 1  # the patches and the class token
        self.class_token = nn.Parameter(zeros(1, 1, hidden_dim))
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                               norm_layer)
        self.seq_length = seq_length
        if representation_size is None:
            heads = [("head", nn.Linear(hidden_dim, num_classes))]
        else:
            heads = [("pre_logits", nn.Linear(hidden_dim, representation_size)), ("act", nn.Tanh()),
                     ("head", nn.Linear(representation_size, num_classes))]
        self.heads = nn.Sequential(OrderedDict(heads))
        fan_in = self.conv_proj.in_channels * self.conv_proj.kernel_size[0] * self.conv_proj.kernel_size[1]
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        if self.conv_proj.bias is not None:
            nn.init.zeros_(self.conv_proj.bias)
        if hasattr(self.heads, "pre_logits"):
            nn.init.trunc_normal_(self.heads.pre_logits.weight, std=math.sqrt(1 / self.heads.pre_logits.in_features))
            nn.init.zeros_(self.heads.pre_logits.bias)
        nn.init.zeros_(self.heads.head.weight)
        nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        p = self.patch_size
        _assert(h == self.image_size, f"Wrong image height! Expected {self.image_size} but got {h}!")
        _assert(w == self.image_size, f"Wrong image width! Expected {self.image_size} but got {w}!")
        x = self.conv_proj(x)  # (n, hidden, h/p, w/p)
        return x.reshape(n, self.hidden_dim, (h // p) * (w // p)).permute(0, 2, 1)

    def forward(self, x: Tensor):
        x = self._process_input(x)
        x = cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        return self.heads(self.encoder(x)[:, 0])


def _vision_transformer(patch_size: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int, weights,
                        progress: bool, **kwargs) -> VisionTransformer:
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
        assert weights.meta["min_size"][0] == weights.meta["min_size"][1]
        _ovewrite_named_param(kwargs, "image_size", weights.meta["min_size"][0])
    model = VisionTransformer(image_size=kwargs.pop("image_size", 224), patch_size=patch_size, num_layers=num_layers,
                              num_heads=num_heads, hidden_dim=hidden_dim, mlp_dim=mlp_dim, **kwargs)
    return load_weights(model, weights, progress)


def _recipe(name: str) -> str:
    return f"https://github.com/pytorch/vision/tree/main/references/classification#{name}"


class ViT_B_16_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("vit_b_16-c867db91.pth", 86567656, 81.072, 95.318, 17.564, 330.285,
                                     _recipe("vit_b_16"), "These weights were trained from scratch by using a "
                                     "modified version of DeIT's training recipe.", min_size=(224, 224))
    IMAGENET1K_SWAG_E2E_V1 = swag_weights("vit_b_16_swag-9ac1b537.pth", 86859496, 85.304, 97.65, 55.484, 331.398,
                                          linear=False, side=384, min_size=(384, 384))
    IMAGENET1K_SWAG_LINEAR_V1 = swag_weights("vit_b_16_lc_swag-4e70ced5.pth", 86567656, 81.886, 96.18, 17.564,
                                             330.285, linear=True, side=224, min_size=(224, 224))
    DEFAULT = IMAGENET1K_V1


class ViT_B_32_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("vit_b_32-d86f8d99.pth", 88224232, 75.912, 92.466, 4.409, 336.604,
                                     _recipe("vit_b_32"), "These weights were trained from scratch by using a "
                                     "modified version of DeIT's training recipe.", min_size=(224, 224))
    DEFAULT = IMAGENET1K_V1


class ViT_L_16_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights("vit_l_16-852ce7e3.pth", 304326632, 79.662, 94.638, 61.555, 1161.023,
                                     _recipe("vit_l_16"), "These weights were trained from scratch by using a "
                                     "modified version of TorchVision's new training recipe.", min_size=(224, 224),
                                     resize_size=242)
    IMAGENET1K_SWAG_E2E_V1 = swag_weights("vit_l_16_swag-4f3808c9.pth", 305174504, 88.064, 98.512, 361.986,
                                          1164.258, linear=False, side=512, min_size=(512, 512))
    IMAGENET1K_SWAG_LINEAR_V1 = swag_weights("vit_l_16_lc_swag-4d563306.pth", 304326632, 85.146, 97.422, 61.555,
                                             1161.023, linear=True, side=224, min_size=(224, 224))
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def vit_b_16(*, weights: ViT_B_16_Weights | None = None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-B/16: 16×16 patches, 12 layers, 12 heads, width 768, MLP 3072."""
    return _vision_transformer(16, 12, 12, 768, 3072, ViT_B_16_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def vit_b_32(*, weights: ViT_B_32_Weights | None = None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-B/32: 32×32 patches, 12 layers, 12 heads, width 768, MLP 3072."""
    return _vision_transformer(32, 12, 12, 768, 3072, ViT_B_32_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface("IMAGENET1K_V1")
def vit_l_16(*, weights: ViT_L_16_Weights | None = None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-L/16: 16×16 patches, 24 layers, 16 heads, width 1024, MLP 4096."""
    return _vision_transformer(16, 24, 16, 1024, 4096, ViT_L_16_Weights.verify(weights), progress, **kwargs)
