"""Dropout: elements, or whole channels, zeroed with probability p and the rest scaled by 1/(1-p),
with the masks drawn from torch's Bernoulli stream (the same seed gives torch's masks)."""
from __future__ import annotations

import warnings

from ..autograd import events
from ..tensor import Tensor
from .creation import _random_like, empty, zeros


@events.composite("aten::dropout")
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero elements with probability p and scale the rest by 1/(1-p) (torch's mask stream)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p != p:  # NaN passes torch's Python check and fails its kernel's
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input._data.size == 0:  # torch returns the input itself
        return input
    if p == 1.0:
        return _dropped(input, inplace)
    noise = _random_like(lambda shape, **kw: empty(shape, **kw).bernoulli_(1 - p), input, None, None, False)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def _dropped(input: Tensor, inplace: bool) -> Tensor:
    """Everything dropped (p = 1): the input times a 0-d zero of its dtype, as torch computes it."""
    zero = zeros((), dtype=input.dtype, device=input.device)
    return input.mul_(zero) if inplace else input * zero


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Zero whole channels: one Bernoulli draw per (N, C), broadcast over the remaining dims."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _dropped(input, inplace)
    noise = _keep_mask(input, p, feature=True)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def _keep_mask(input: Tensor, p: float, feature: bool) -> Tensor:
    """1 with probability 1 − p, else 0: per element, or per (sample, channel) for feature dropout."""
    if not feature:  # drawn in the input's memory order, as torch's empty_like keeps its strides
        return _random_like(lambda shape, **kw: empty(shape, **kw).bernoulli_(1 - p), input, None, None, False)
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p)


SELU_SATURATION = 1.7580993408473766  # −lim SELU(x) as x → −∞: λ·α


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    """Dropout that keeps a SELU network's mean and variance: dropped values go to SELU's saturation −λα, then
    everything is scaled by a and shifted by b so that a zero-mean, unit-variance input stays so:
    a = 1 / √((λα)² p + 1)(1 − p)), b = λα a p."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * input.new_zeros(())
    noise = _keep_mask(input, p, feature)
    a = 1.0 / ((SELU_SATURATION ** 2 * p + 1) * (1 - p)) ** 0.5
    shift = noise.add(-1).mul_(SELU_SATURATION * a).add_(SELU_SATURATION * a * p)
    noise.mul_(a)
    return input.mul_(noise).add_(shift) if inplace else (input * noise).add(shift)


@events.composite("aten::alpha_dropout")
def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of single elements (for SELU networks)."""
    return _alpha_dropout(input, p, training, inplace, feature=False)


@events.composite("aten::feature_alpha_dropout")
def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels."""
    return _alpha_dropout(input, p, training, inplace, feature=True)


def _unbatched_feature_dropout(input, p, training, inplace):
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0) if not inplace else \
        input.copy_(_feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0))


@events.composite("aten::feature_dropout")
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout for (N, C, L) or unbatched (C, L) inputs."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if input.dim() == 2:
        return _unbatched_feature_dropout(input, p, training, inplace)
    return _feature_dropout(input, p, training, inplace)


def _warn_unusual_dims(input: Tensor, name: str, spatial: int) -> None:
    """torch's deprecation warning for channel dropout on inputs of neither expected rank."""
    if input.dim() not in (spatial + 1, spatial + 2):
        warnings.warn(f"{name}: Received a {input.dim()}-D input to {name}, which is deprecated and will result in "
                      "an error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that {name} exists to provide channel-wise dropout on inputs with "
                      f"{spatial} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).")


@events.composite("aten::feature_dropout")
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout for (N, C, H, W); like torch, a 3-d input is taken as (N, C, L)."""
    _warn_unusual_dims(input, "dropout2d", 2)
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.")
    return _feature_dropout(input, p, training, inplace)


@events.composite("aten::feature_dropout")
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout for (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""
    _warn_unusual_dims(input, "dropout3d", 3)
    if input.dim() != 5:  # torch takes every other rank as unbatched
        return _unbatched_feature_dropout(input, p, training, inplace)
    return _feature_dropout(input, p, training, inplace)
