"""Activation functions: relu and friends, softmax/log_softmax (stable), with torch's gradients."""
from __future__ import annotations

from .. import dtypes as D
from ..autograd.function import Primitive
from ..tensor import Tensor
from ._helpers import wrap_dim


class Relu(Primitive):
    """max(x, 0); the gradient is 1 where x > 0 (0 at the kink, as torch)."""

    @staticmethod
    def forward(ctx, x):
        y = x * (x > 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (y > 0)


def relu(input: Tensor) -> Tensor:
    if input._dtype is D.bool_:
        raise RuntimeError("\"clamp_min_cpu\" not implemented for 'Bool'")
    return Relu.apply(input)


def _softmax_input(input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"softmax_lastdim_kernel_impl\" not implemented for '{input._dtype}'")
    return input, wrap_dim(dim, input._data.ndim)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """x - logsumexp(x) along `dim`, shifted by the maximum so it never overflows."""
    input, d = _softmax_input(input, dim, dtype)
    if input._data.ndim == 0:
        return input - input
    if input._data.size == 0:
        return input.clone()
    shifted = input - input.amax(d, keepdim=True).detach()  # an infinite maximum gives nan, as in torch
    return shifted - shifted.exp().sum(d, keepdim=True).log()


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(log_softmax(x)): rows that sum to one."""
    return log_softmax(input, dim, dtype).exp()
