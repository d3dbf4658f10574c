"""Helpers the distributions share: broadcasting parameters, probabilities <-> logits, lazy properties."""
from __future__ import annotations

import numbers

from .. import dtypes as D
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values):
    """The values broadcast to one shape; numbers become tensors of the first tensor's dtype and device (the
    default float dtype when all are numbers)."""
    from ..ops.creation import tensor
    from ..ops.shape import broadcast_tensors
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        first = next((v for v in values if isinstance(v, Tensor)), None)
        options = {"dtype": D.get_default_dtype()} if first is None else {"dtype": first.dtype, "device": first.device}
        values = [v if isinstance(v, Tensor) else tensor(v, **options) for v in values]
    return broadcast_tensors(*values)


def standard_normal(shape, dtype, device) -> Tensor:
    """N(0, 1) draws of `shape` from the generator's stream (torch's _standard_normal)."""
    from ..ops.creation import empty
    return empty(shape, dtype=dtype, device=device).normal_()


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """value summed over its `dim` rightmost dims."""
    return value if dim == 0 else value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped to [eps, 1 − eps] of their dtype, so logs stay finite."""
    eps = D.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log p (a Categorical's logits), or log p − log(1 − p) for a Bernoulli's (`is_binary`)."""
    clamped = clamp_probs(probs)
    return clamped.log() - (-clamped).log1p() if is_binary else clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) for a Bernoulli (`is_binary`), softmax over the last dim for a Categorical."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


class lazy_property:
    """A property computed on first read (with grad enabled), then stored on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
