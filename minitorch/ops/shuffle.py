"""Rearranging channels into space and back: pixel_shuffle, pixel_unshuffle, channel_shuffle."""
from __future__ import annotations

from ..tensor import Tensor
from .fused import Fused


def _pixel_shuffle(input, r):
    """(*, C·r², H, W) → (*, C, H·r, W·r): each group of r² channels becomes an r×r block."""
    *batch, c, h, w = input.shape
    blocks = input.reshape(tuple(batch) + (c // (r * r), r, r, h, w))
    n = len(batch)
    order = tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2)
    return blocks.permute(order).reshape(tuple(batch) + (c // (r * r), h * r, w * r))


def _pixel_unshuffle(input, r):
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of pixel_shuffle."""
    *batch, c, h, w = input.shape
    blocks = input.reshape(tuple(batch) + (c, h // r, r, w // r, r))
    n = len(batch)
    order = tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3)
    return blocks.permute(order).reshape(tuple(batch) + (c * r * r, h // r, w // r))


def _channel_shuffle(input, groups):
    """(N, g·k, *) → (N, k·g, *): channel j of group i moves to position j·g + i."""
    n, c = input.shape[:2]
    rest = tuple(input.shape[2:])
    return input.reshape((n, groups, c // groups) + rest).transpose(1, 2).reshape((n, c) + rest)


class PixelShuffle(Fused):
    node_name = "PixelShuffleBackward0"
    definition = staticmethod(_pixel_shuffle)
    saved_values = {"upscale_factor": lambda node: node.args[1]}


class PixelUnshuffle(Fused):
    node_name = "PixelUnshuffleBackward0"
    definition = staticmethod(_pixel_unshuffle)
    saved_values = {"downscale_factor": lambda node: node.args[1]}


class ChannelShuffle(Fused):
    node_name = "ChannelShuffleBackward0"
    definition = staticmethod(_channel_shuffle)
    saved_values = {"groups": lambda node: node.args[1]}


def _check_factor(name: str, word: str, factor: int, input: Tensor) -> None:
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with {input.dim()} "
                           "dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {word}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) → (*, C, H·r, W·r) for r = upscale_factor."""
    _check_factor("pixel_shuffle", "upscale_factor", upscale_factor, input)
    c = input.shape[-3]
    if c % (upscale_factor * upscale_factor):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by "
                           f"{upscale_factor * upscale_factor}")
    return PixelShuffle.apply(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H·r, W·r) → (*, C·r², H, W) for r = downscale_factor."""
    _check_factor("pixel_unshuffle", "downscale_factor", downscale_factor, input)
    for name, dim in (("height", -2), ("width", -1)):
        if input.shape[dim] % downscale_factor:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but input.size"
                               f"({dim})={input.shape[dim]} is not divisible by {downscale_factor}")
    return PixelUnshuffle.apply(input, downscale_factor)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """The channels of each group interleaved (ShuffleNet's shuffle)."""
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return ChannelShuffle.apply(input, groups)
