"""Activation functions: relu and friends, softmax/log_softmax (stable), with torch's gradients."""
from __future__ import annotations

from .. import dtypes as D
from ..autograd.function import Primitive
from ..tensor import Tensor
from ._helpers import wrap_dim


class Relu(Primitive):
    """max(x, 0); the gradient is 1 where x > 0 (0 at the kink, as torch)."""

    formula = "grad_self = grad · (y > 0)"
    saved_names = ("result",)

    @staticmethod
    def forward(ctx, x):
        y = ctx.backend.relu(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy.masked_fill(y <= 0, 0)

    @staticmethod
    def backward_arrays(ctx, gy):
        (y,) = ctx.saved_arrays
        return ctx.backend.relu_backward(gy, y)  # +0 where blocked, as torch's threshold_backward


def relu(input: Tensor) -> Tensor:
    if input._dtype is D.bool_:
        raise RuntimeError("\"clamp_min_cpu\" not implemented for 'Bool'")
    return Relu.apply(input)


def _softmax_input(input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    if not input._dtype.is_floating_point and input._data.size:  # no kernel runs for no elements
        raise NotImplementedError(f"\"softmax_lastdim_kernel_impl\" not implemented for '{input._dtype.word}'")
    return input, wrap_dim(dim, input._data.ndim)


def _rowwise(xp, kernel, dim, *arrays):
    """Run a fused kernel along `dim`: half precision is computed in float32 (as torch's CPU kernels
    accumulate), a 0-d tensor as one row of one, an empty one not at all."""
    out_dtype = arrays[0].dtype
    if arrays[0].size == 0:
        return xp.zeros_like(arrays[0])
    if arrays[0].ndim == 0:
        return kernel(*[a.reshape(1) for a in arrays], 0).reshape(()).astype(out_dtype, copy=False)
    if out_dtype == xp.float16:
        arrays = [a.astype(xp.float32) for a in arrays]
    return kernel(*arrays, dim).astype(out_dtype, copy=False)


class _RowKernel(Primitive):
    """An op along `dim` computed by one fused kernel forward (`kernel`) and one backward
    (`kernel_backward`, from the output). When a graph of the gradient is requested
    (create_graph=True) the backward is written in minitorch ops instead (`backward`), so it has
    derivatives itself."""

    kernel = kernel_backward = ""

    @classmethod
    def forward(cls, ctx, x, *, dim):
        ctx.dim = dim
        kernels = ctx.backend
        fused = getattr(kernels, cls.kernel)
        y = _rowwise(ctx.xp, lambda a, d: kernels.rowwise(fused, d, a), dim, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward_arrays(ctx, gy):
        (y,) = ctx.saved_arrays
        kernels = ctx.backend
        fused = getattr(kernels, type(ctx).kernel_backward)
        return _rowwise(ctx.xp, lambda g, a, d: kernels.rowwise(fused, d, g, a), ctx.dim, gy, y)


class Softmax(_RowKernel):
    """exp(x) / sum(exp(x)) along dim."""

    formula = "grad_self = y · (grad - Σ_dim grad · y)"

    kernel, kernel_backward = "softmax", "softmax_backward"

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return y * (gy - (gy * y).sum(ctx.dim, keepdim=True))


class LogSoftmax(_RowKernel):
    """x - log(sum(exp(x))) along dim (shifted by the maximum)."""

    formula = "grad_self = grad - exp(y) · Σ_dim grad"

    kernel, kernel_backward = "log_softmax", "log_softmax_backward"

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy - y.exp() * gy.sum(ctx.dim, keepdim=True)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """x - logsumexp(x) along `dim`, shifted by the maximum so it never overflows."""
    input, d = _softmax_input(input, dim, dtype)
    return LogSoftmax.apply(input, dim=d)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`: rows that sum to one."""
    input, d = _softmax_input(input, dim, dtype)
    return Softmax.apply(input, dim=d)


class Gelu(Primitive):
    """x * Phi(x) (or the tanh approximation), with a fused kernel each way."""

    @staticmethod
    def forward(ctx, x, *, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        return _rowwise(ctx.xp, lambda a, _: ctx.backend.gelu(a, approximate), None, x)

    @staticmethod
    def backward(ctx, gy):  # in minitorch ops: used when a graph of the gradient is wanted
        (x,) = ctx.saved_tensors
        return gy * _gelu_derivative(x, ctx.approximate)

    @staticmethod
    def backward_arrays(ctx, gy):
        (x,) = ctx.saved_arrays
        return _rowwise(ctx.xp, lambda g, a, _: ctx.backend.gelu_backward(g, a, ctx.approximate), None, gy, x)


class Silu(Primitive):
    """x σ(x) = x / (1 + e^-x); d/dx = σ(x) (1 + x (1 − σ(x))), one fused kernel each way."""

    formula = "grad_self = grad · σ(x) (1 + x (1 − σ(x)))"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _rowwise(ctx.xp, lambda a, _: ctx.backend.silu(a), None, x)

    @staticmethod
    def backward(ctx, gy):  # in minitorch ops: used when a graph of the gradient is wanted
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return gy * (s * (1 + x * (1 - s)))

    @staticmethod
    def backward_arrays(ctx, gy):
        (x,) = ctx.saved_arrays
        return _rowwise(ctx.xp, lambda g, a, _: ctx.backend.silu_backward(g, a), None, gy, x)


def _gelu_derivative(x: Tensor, approximate: str) -> Tensor:
    """d/dx gelu(x) in minitorch ops (differentiable again)."""
    import math
    if approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        t = ((x + x ** 3 * 0.044715) * k).tanh()
        return (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * k * (x * x * (3 * 0.044715) + 1)
    return ((x * math.sqrt(0.5)).erf() + 1) * 0.5 + x * (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with Phi the standard normal CDF, or torch's tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"GeluKernelImpl\" not implemented for '{input._dtype.word}'")
    return Gelu.apply(input, approximate=approximate)


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
        return gy.masked_fill((x <= ctx.lo) | (x >= ctx.hi), 0)  # NaN passes the gradient, as in torch


class LogSigmoid(Primitive):
    """log σ(x) = min(x, 0) - log1p(exp(-|x|)) (torch's stable form); the gradient is σ(-x)."""

    formula = "grad_self = grad · σ(-x)"

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        ctx.save_for_backward(x)
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (-x).sigmoid()


class Hardswish(Primitive):
    """x · min(max(x + 3, 0), 6) / 6; the gradient is 0 up to -3, x/3 + 1/2 below 3, then 1."""

    formula = "grad_self = grad · (0 if x ≤ -3, x/3 + 1/2 if x < 3, else 1)"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * ctx.xp.clip(x + 3, 0, 6) / 6).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        slope = (x / 3 + 0.5).where(x < 3, 1.0).masked_fill(x <= -3, 0)  # NaN takes the slope 1, as in torch
        return gy * slope


class Hardsigmoid(Primitive):
    """min(max(x + 3, 0), 6) / 6; the gradient is 1/6 strictly between -3 and 3, else 0."""

    formula = "grad_self = grad / 6 where -3 < x < 3, else 0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (ctx.xp.clip(x + 3, 0, 6) / 6).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return (gy / 6).masked_fill(~((x > -3) & (x < 3)), 0)
