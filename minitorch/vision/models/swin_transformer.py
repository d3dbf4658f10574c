"""Swin Transformer V1 and V2 (Liu et al. 2021, 2022), with torchvision's module tree, state_dict keys,
initialisation, builders and weights.

The image is cut into 4×4 patches; each stage runs transformer blocks whose self-attention stays inside
local windows of 7×7 (V2: 8×8) patches, every other block shifting the windows by half a window (a cyclic
roll, with a mask so that patches wrapped around do not attend to each other); between stages, patch
merging halves the resolution and doubles the width. Attention adds a learned bias indexed by the relative
position of the two patches in their window (V2: a small MLP of log-spaced relative coordinates, and
cosine attention with a learned temperature)."""
from __future__ import annotations

import math
from functools import partial

from ... import nn
from ...nn import functional as F
from ...tensor import Tensor
from ..ops import MLP, Permute, StochasticDepth
from ..transforms.functional import InterpolationMode
from ._api import WeightsEnum
from ._utils import _ovewrite_named_param, imagenet_weights, load_weights, make_builder

__all__ = ["SwinTransformer", "Swin_T_Weights", "Swin_S_Weights", "Swin_B_Weights", "Swin_V2_T_Weights",
           "Swin_V2_S_Weights", "Swin_V2_B_Weights", "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s",
           "swin_v2_b"]


def _patch_merging_pad(x: Tensor) -> Tensor:
    """(..., H, W, C) padded to even H and W, its 2×2 neighbourhoods stacked on the channels: (..., H/2, W/2, 4C)."""
    from ... import cat
    H, W, _ = x.shape[-3:]
    x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2))
    return cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]], -1)


def _get_relative_position_bias(table: Tensor, index: Tensor, window_size: list[int]) -> Tensor:
    """The bias of every (query, key) pair of a window, looked up by their relative position: (1, heads, N, N)."""
    n = window_size[0] * window_size[1]
    bias = table[index].view(n, n, -1)
    return bias.permute(2, 0, 1).contiguous().unsqueeze(0)


class PatchMerging(nn.Module):
    """Halve H and W, double the channels: 2×2 neighbourhoods concatenated, normalised, projected 4C → 2C."""

    def __init__(self, dim: int, norm_layer=nn.LayerNorm):
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(4 * dim)

    def forward(self, x: Tensor):
        return self.reduction(self.norm(_patch_merging_pad(x)))


class PatchMergingV2(PatchMerging):
    """V2's patch merging: the projection first, the norm after it (on 2C channels)."""

    def __init__(self, dim: int, norm_layer=nn.LayerNorm):
        super().__init__(dim, norm_layer)
        self.norm = norm_layer(2 * dim)

    def forward(self, x: Tensor):
        return self.norm(self.reduction(_patch_merging_pad(x)))


def shifted_window_attention(input: Tensor, qkv_weight: Tensor, proj_weight: Tensor, relative_position_bias: Tensor,
                             window_size: list[int], num_heads: int, shift_size: list[int],
                             attention_dropout: float = 0.0, dropout: float = 0.0, qkv_bias: Tensor | None = None,
                             proj_bias: Tensor | None = None, logit_scale: Tensor | None = None,
                             training: bool = True) -> Tensor:
    """Multi-head self-attention within (shifted) windows of a (B, H, W, C) map, with the relative position
    bias; V2's cosine attention when `logit_scale` is given. Returns (B, H, W, C)."""
    from ... import clamp, roll
    B, H, W, C = input.shape
    pad_r = (window_size[1] - W % window_size[1]) % window_size[1]
    pad_b = (window_size[0] - H % window_size[0]) % window_size[0]
    x = F.pad(input, (0, 0, 0, pad_r, 0, pad_b))
    _, pad_H, pad_W, _ = x.shape
    shift_size = [0 if window >= side else shift for window, side, shift in
                  zip(window_size, (pad_H, pad_W), shift_size)]  # a window covering the map needs no shift
    if sum(shift_size) > 0:
        x = roll(x, shifts=(-shift_size[0], -shift_size[1]), dims=(1, 2))
    rows, cols = pad_H // window_size[0], pad_W // window_size[1]
    num_windows = rows * cols
    x = x.view(B, rows, window_size[0], cols, window_size[1], C)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(B * num_windows, window_size[0] * window_size[1], C)

    if logit_scale is not None and qkv_bias is not None:  # V2: the keys take no bias
        qkv_bias = qkv_bias.clone()
        length = qkv_bias.numel() // 3
        qkv_bias[length:2 * length].zero_()
    qkv = F.linear(x, qkv_weight, qkv_bias)
    qkv = qkv.reshape(x.size(0), x.size(1), 3, num_heads, C // num_heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    if logit_scale is not None:  # cosine similarity times a learned temperature (at most 100)
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        attn = attn * clamp(logit_scale, max=math.log(100.0)).exp()
    else:
        attn = (q * (C // num_heads) ** -0.5).matmul(k.transpose(-2, -1))
    attn = attn + relative_position_bias

    if sum(shift_size) > 0:  # patches rolled in from the other side belong to other regions: masked out
        mask = x.new_zeros((pad_H, pad_W))
        h_slices = ((0, -window_size[0]), (-window_size[0], -shift_size[0]), (-shift_size[0], None))
        w_slices = ((0, -window_size[1]), (-window_size[1], -shift_size[1]), (-shift_size[1], None))
        for region, (h, w) in enumerate((h, w) for h in h_slices for w in w_slices):
            mask[h[0]:h[1], w[0]:w[1]] = region
        mask = mask.view(rows, window_size[0], cols, window_size[1])
        mask = mask.permute(0, 2, 1, 3).reshape(num_windows, window_size[0] * window_size[1])
        mask = mask.unsqueeze(1) - mask.unsqueeze(2)
        mask = mask.masked_fill(mask != 0, float(-100.0)).masked_fill(mask == 0, float(0.0))
        attn = attn.view(x.size(0) // num_windows, num_windows, num_heads, x.size(1), x.size(1))
        attn = (attn + mask.unsqueeze(1).unsqueeze(0)).view(-1, num_heads, x.size(1), x.size(1))

    attn = F.dropout(F.softmax(attn, dim=-1), p=attention_dropout, training=training)
    x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), C)
    x = F.dropout(F.linear(x, proj_weight, proj_bias), p=dropout, training=training)

    x = x.view(B, rows, cols, window_size[0], window_size[1], C)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(B, pad_H, pad_W, C)
    if sum(shift_size) > 0:
        x = roll(x, shifts=(shift_size[0], shift_size[1]), dims=(1, 2))
    return x[:, :H, :W, :].contiguous()


class ShiftedWindowAttention(nn.Module):
    """qkv and proj linear layers, and the relative position bias table with its index buffer."""

    def __init__(self, dim: int, window_size: list[int], shift_size: list[int], num_heads: int, qkv_bias: bool = True,
                 proj_bias: bool = True, attention_dropout: float = 0.0, dropout: float = 0.0):
        super().__init__()
        if len(window_size) != 2 or len(shift_size) != 2:
            raise ValueError("window_size and shift_size must be of length 2")
        self.window_size, self.shift_size, self.num_heads = window_size, shift_size, num_heads
        self.attention_dropout, self.dropout = attention_dropout, dropout
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.define_relative_position_bias_table()
        self.define_relative_position_index()

    def define_relative_position_bias_table(self):
        """One learned bias per head for each of the (2Wh-1)(2Ww-1) relative positions."""
        from ... import zeros
        self.relative_position_bias_table = nn.Parameter(
            zeros((2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1), self.num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def define_relative_position_index(self):
        """For each (query, key) pair of a window, the row of its relative position in the table."""
        from ... import arange, flatten, meshgrid, stack
        coords = stack(meshgrid(arange(self.window_size[0]), arange(self.window_size[1]), indexing="ij"))
        coords = flatten(coords, 1)
        relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        relative[:, :, 0] += self.window_size[0] - 1  # from 0
        relative[:, :, 1] += self.window_size[1] - 1
        relative[:, :, 0] *= 2 * self.window_size[1] - 1
        self.register_buffer("relative_position_index", relative.sum(-1).flatten())

    def get_relative_position_bias(self) -> Tensor:
        return _get_relative_position_bias(self.relative_position_bias_table, self.relative_position_index,
                                           self.window_size)

    def _attend(self, x: Tensor, logit_scale=None) -> Tensor:
        return shifted_window_attention(x, self.qkv.weight, self.proj.weight, self.get_relative_position_bias(),
                                        self.window_size, self.num_heads, shift_size=self.shift_size,
                                        attention_dropout=self.attention_dropout, dropout=self.dropout,
                                        qkv_bias=self.qkv.bias, proj_bias=self.proj.bias, logit_scale=logit_scale,
                                        training=self.training)

    def forward(self, x: Tensor) -> Tensor:
        return self._attend(x)


class ShiftedWindowAttentionV2(ShiftedWindowAttention):
    """V2: the bias from an MLP over log-spaced relative coordinates (16·sigmoid of it), cosine attention with
    a learned per-head temperature, no bias on the keys."""

    def __init__(self, dim: int, window_size: list[int], shift_size: list[int], num_heads: int, qkv_bias: bool = True,
                 proj_bias: bool = True, attention_dropout: float = 0.0, dropout: float = 0.0):
        from ... import log, ones
        super().__init__(dim, window_size, shift_size, num_heads, qkv_bias=qkv_bias, proj_bias=proj_bias,
                         attention_dropout=attention_dropout, dropout=dropout)
        self.logit_scale = nn.Parameter(log(10 * ones((num_heads, 1, 1))))
        self.cpb_mlp = nn.Sequential(nn.Linear(2, 512, bias=True), nn.ReLU(inplace=True),
                                     nn.Linear(512, num_heads, bias=False))
        if qkv_bias:
            length = self.qkv.bias.numel() // 3
            self.qkv.bias[length:2 * length].data.zero_()

    def define_relative_position_bias_table(self):
        """The relative coordinates scaled to [-8, 8] and log-spaced: sign(c) · log2(|c| + 1) / 3."""
        from ... import abs, arange, float32, log2, meshgrid, sign, stack
        coords = stack(meshgrid([arange(-(w - 1), w, dtype=float32) for w in self.window_size], indexing="ij"))
        table = coords.permute(1, 2, 0).contiguous().unsqueeze(0)
        table[:, :, :, 0] /= self.window_size[0] - 1
        table[:, :, :, 1] /= self.window_size[1] - 1
        table *= 8
        self.register_buffer("relative_coords_table", sign(table) * log2(abs(table) + 1.0) / 3.0)

    def get_relative_position_bias(self) -> Tensor:
        from ... import sigmoid
        bias = _get_relative_position_bias(self.cpb_mlp(self.relative_coords_table).view(-1, self.num_heads),
                                           self.relative_position_index, self.window_size)
        return 16 * sigmoid(bias)

    def forward(self, x: Tensor):
        return self._attend(x, self.logit_scale)


class SwinTransformerBlock(nn.Module):
    """x + drop_path(attn(norm1(x))), then x + drop_path(mlp(norm2(x)))."""

    def __init__(self, dim: int, num_heads: int, window_size: list[int], shift_size: list[int], mlp_ratio: float = 4.0,
                 dropout: float = 0.0, attention_dropout: float = 0.0, stochastic_depth_prob: float = 0.0,
                 norm_layer=nn.LayerNorm, attn_layer=ShiftedWindowAttention):
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = attn_layer(dim, window_size, shift_size, num_heads, attention_dropout=attention_dropout,
                               dropout=dropout)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.norm2 = norm_layer(dim)
        self.mlp = MLP(dim, [int(dim * mlp_ratio), dim], activation_layer=nn.GELU, inplace=None, dropout=dropout)
        for m in self.mlp.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)

    def forward(self, x: Tensor):
        x = x + self.stochastic_depth(self.attn(self.norm1(x)))
        return x + self.stochastic_depth(self.mlp(self.norm2(x)))


class SwinTransformerBlockV2(SwinTransformerBlock):
    """V2 normalises after attention and after the MLP (residual post-norm)."""

    def __init__(self, dim: int, num_heads: int, window_size: list[int], shift_size: list[int], mlp_ratio: float = 4.0,
                 dropout: float = 0.0, attention_dropout: float = 0.0, stochastic_depth_prob: float = 0.0,
                 norm_layer=nn.LayerNorm, attn_layer=ShiftedWindowAttentionV2):
        super().__init__(dim, num_heads, window_size, shift_size, mlp_ratio=mlp_ratio, dropout=dropout,
                         attention_dropout=attention_dropout, stochastic_depth_prob=stochastic_depth_prob,
                         norm_layer=norm_layer, attn_layer=attn_layer)

    def forward(self, x: Tensor):
        x = x + self.stochastic_depth(self.norm1(self.attn(x)))
        return x + self.stochastic_depth(self.norm2(self.mlp(x)))


class SwinTransformer(nn.Module):
    """features (patch embedding, then stages and patch merging), norm, permute to (B, C, H, W), average
    pool, flatten, head. Stochastic depth grows linearly over the blocks up to `stochastic_depth_prob`."""

    def __init__(self, patch_size: list[int], embed_dim: int, depths: list[int], num_heads: list[int],
                 window_size: list[int], mlp_ratio: float = 4.0, dropout: float = 0.0,
                 attention_dropout: float = 0.0, stochastic_depth_prob: float = 0.1, num_classes: int = 1000,
                 norm_layer=None, block=None, downsample_layer=PatchMerging):
        super().__init__()
        self.num_classes = num_classes
        block = block or SwinTransformerBlock
        norm_layer = norm_layer or partial(nn.LayerNorm, eps=1e-5)
        layers = [nn.Sequential(nn.Conv2d(3, embed_dim, kernel_size=(patch_size[0], patch_size[1]),
                                          stride=(patch_size[0], patch_size[1])),
                                Permute([0, 2, 3, 1]), norm_layer(embed_dim))]
        total, block_id = sum(depths), 0
        for i_stage, depth in enumerate(depths):
            dim = embed_dim * 2 ** i_stage
            stage = []
            for i_layer in range(depth):
                stage.append(block(dim, num_heads[i_stage], window_size=window_size,
                                   shift_size=[0 if i_layer % 2 == 0 else w // 2 for w in window_size],
                                   mlp_ratio=mlp_ratio, dropout=dropout, attention_dropout=attention_dropout,
                                   stochastic_depth_prob=stochastic_depth_prob * float(block_id) / (total - 1),
                                   norm_layer=norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if i_stage < len(depths) - 1:
                layers.append(downsample_layer(dim, norm_layer))
        self.features = nn.Sequential(*layers)
        num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = norm_layer(num_features)
        self.permute = Permute([0, 3, 1, 2])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.head = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.permute(self.norm(self.features(x))))
        return self.head(self.flatten(x))


_CONFIGS = {  # builder: (embed_dim, depths, num_heads, window, stochastic depth, version 2)
    "swin_t": (96, [2, 2, 6, 2], [3, 6, 12, 24], 7, 0.2, False),
    "swin_s": (96, [2, 2, 18, 2], [3, 6, 12, 24], 7, 0.3, False),
    "swin_b": (128, [2, 2, 18, 2], [4, 8, 16, 32], 7, 0.5, False),
    "swin_v2_t": (96, [2, 2, 6, 2], [3, 6, 12, 24], 8, 0.2, True),
    "swin_v2_s": (96, [2, 2, 18, 2], [3, 6, 12, 24], 8, 0.3, True),
    "swin_v2_b": (128, [2, 2, 18, 2], [4, 8, 16, 32], 8, 0.5, True),
}


def _swin_transformer(name: str, weights, progress: bool, **kwargs) -> SwinTransformer:
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    embed_dim, depths, num_heads, window, sd_prob, v2 = _CONFIGS[name]
    if v2:
        kwargs = {"block": SwinTransformerBlockV2, "downsample_layer": PatchMergingV2} | kwargs
    model = SwinTransformer(patch_size=[4, 4], embed_dim=embed_dim, depths=depths, num_heads=num_heads,
                            window_size=[window, window], stochastic_depth_prob=sd_prob, **kwargs)
    return load_weights(model, weights, progress)


_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#swintransformer"
_DOCS = "These weights reproduce closely the results of the paper using a similar training recipe."


def _weights(file, num_params, acc1, acc5, gflops, file_mb, side, resize, v2=False):
    return imagenet_weights(file, num_params, acc1, acc5, gflops, file_mb, _RECIPE + ("-v2" if v2 else ""), _DOCS,
                            min_size=(side, side), crop_size=side, resize_size=resize,
                            interpolation=InterpolationMode.BICUBIC)


class Swin_T_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_t-704ceda3.pth", 28288354, 81.474, 95.776, 4.491, 108.19, 224, 232)
    DEFAULT = IMAGENET1K_V1


class Swin_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_s-5e29d889.pth", 49606258, 83.196, 96.36, 8.741, 189.786, 224, 246)
    DEFAULT = IMAGENET1K_V1


class Swin_B_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_b-68c6b09e.pth", 87768224, 83.582, 96.64, 15.431, 335.364, 224, 238)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_T_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_v2_t-b137f0e2.pth", 28351570, 82.072, 96.132, 5.94, 108.626, 256, 260, v2=True)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_v2_s-637d8ceb.pth", 49737442, 83.712, 96.816, 11.546, 190.675, 256, 260,
                             v2=True)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_B_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_v2_b-781e5279.pth", 87930848, 84.112, 96.864, 20.325, 336.372, 256, 272,
                             v2=True)
    DEFAULT = IMAGENET1K_V1


def _builder(name: str):
    enum = globals()["Swin_" + name[len("swin_"):].upper() + "_Weights"]
    title = ("Swin Transformer V2" if _CONFIGS[name][5] else "Swin Transformer") + "-" + name[-1].upper()
    return make_builder(name, enum, partial(_swin_transformer, name), f"{title} (4×4 patches).")


swin_t = _builder("swin_t")
swin_s = _builder("swin_s")
swin_b = _builder("swin_b")
swin_v2_t = _builder("swin_v2_t")
swin_v2_s = _builder("swin_v2_s")
swin_v2_b = _builder("swin_v2_b")
