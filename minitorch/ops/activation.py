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


class Softplus(Primitive):
    """log(1 + exp(beta x)) / beta, linear above the threshold; d/dx = sigmoid(beta x) (1 above it)."""

    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        xp = ctx.xp
        z = x * beta
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        return xp.where(z > threshold, x, xp.log1p(xp.exp(xp.minimum(z, threshold))) / beta).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        return gy * z.sigmoid().masked_fill(z > ctx.threshold, 1.0)


class Hardtanh(Primitive):
    """clamp(x, min, max) whose gradient is zero at the bounds too (torch's hardtanh)."""

    @staticmethod
    def forward(ctx, x, *, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        return ctx.xp.clip(x, lo, hi).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * ((x > ctx.lo) & (x < ctx.hi))


class BinaryCrossEntropy(Primitive):
    """-(t log x + (1 - t) log(1 - x)) with logs clamped at -100; d/dx = (x - t) / max(x (1 - x), 1e-12)."""

    @staticmethod
    def forward(ctx, x, t):
        xp = ctx.xp
        ctx.save_for_backward(x, t)
        return -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))

    @staticmethod
    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        return gy * (x - t) / (x * (1 - x)).clamp(min=1e-12), None
