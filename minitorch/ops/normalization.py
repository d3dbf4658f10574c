"""Layer normalisation as one fused op: a kernel for the forward and one for the backward."""
from __future__ import annotations

from ..autograd.function import Primitive
from ..autograd.saved_values import attribute
from ..backends.base import channel_axes
from ..tensor import Tensor


def _statistic(node, i, shape=None):
    """torch's saved `result1` (i = 0, the mean) or `result2` (1, the reciprocal standard deviation) of a
    normalisation node, in `shape`; empty (0,) where the node normalised by running statistics."""
    stat = node.stats[i]
    if not getattr(node, "batch_stats", True):
        stat = node.xp.empty(0, dtype=stat.dtype)
    elif shape is not None:
        stat = stat.reshape(shape)
    return Tensor._wrap(stat, node._saved_input.device)


class LayerNorm(Primitive):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last n dims.

    The backward runs the fused kernel (backward_arrays); when a graph of the gradient is requested
    (create_graph=True) it is written in minitorch ops instead, so it has derivatives itself.
    """

    node_name = "NativeLayerNormBackward0"
    saved_names = ("input", "weight", "bias")
    saved_values = {"normalized_shape": attribute("normalized_shape"),
                    "result1": lambda node: _statistic(node, 0, node.stats_shape),
                    "result2": lambda node: _statistic(node, 1, node.stats_shape)}

    @staticmethod
    def forward(ctx, x, weight, bias, *, n, eps):
        xp = ctx.xp
        half = x.dtype == xp.float16  # computed in float32, as torch's CPU kernel accumulates
        wide = (lambda a: None if a is None else a.astype(xp.float32)) if half else (lambda a: a)
        y, mean, rstd = ctx.backend.layer_norm(wide(x), wide(weight), wide(bias), n, eps)
        ctx.n, ctx.eps, ctx.stats = n, eps, (mean, rstd)
        ctx.normalized_shape, ctx.stats_shape = tuple(x.shape[x.ndim - n:]), x.shape[:x.ndim - n] + (1,) * n
        ctx.save_for_backward(x, weight, bias)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):  # in minitorch ops: used when a graph of the gradient is wanted
        x, weight, _ = ctx.saved_tensors
        return _composed_backward(gy, x, weight, ctx.n, ctx.eps)

    @staticmethod
    def backward_arrays(ctx, gy):
        x, weight, _ = ctx.saved_arrays
        mean, rstd = ctx.stats
        wide = (lambda a: None if a is None else a.astype(mean.dtype, copy=False))
        grads = ctx.backend.layer_norm_backward(wide(gy), wide(x), mean, rstd, wide(weight), ctx.n)
        return tuple(None if g is None else g.astype(x.dtype, copy=False) for g in grads)


def _composed_backward(gy, x, weight, n, eps):
    """The layer-norm gradients in minitorch ops (used for higher-order derivatives)."""
    axes = tuple(range(x.dim() - n, x.dim()))
    lead = tuple(range(x.dim() - n))
    mean = x.mean(axes, keepdim=True)
    rstd = (x.var(axes, correction=0, keepdim=True) + eps).rsqrt()
    xhat = (x - mean) * rstd
    g = gy * weight if weight is not None else gy
    gx = (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * rstd
    def over_lead(t):  # summed over the leading dims (torch's sum over no dims would sum them all)
        return t.sum(lead) if lead else t
    gw = over_lead(gy * xhat) if weight is not None else None
    return gx, gw, over_lead(gy)


class NativeBatchNorm(Primitive):
    """Per channel c of x (N, C, *): y = (x - μ_c) · rstd_c · w_c + b_c, rstd = 1 / √(σ² + eps), with μ and
    σ² the batch's (biased) statistics in training, or the running statistics given. Computed as torch's
    kernel computes it, y = x · α + β with α = rstd · w and β = b - μ · α (two passes over x).

    Backward, with x̂ = (x - μ) · rstd and M elements per channel: grad_bias = Σ gy, grad_weight =
    Σ gy · x̂, and grad_input = w · rstd · (gy - (Σ gy + x̂ · Σ gy · x̂) / M) from batch statistics, or
    gy · w · rstd from running ones. The backward runs on arrays; when a graph of the gradient is
    requested it is written in minitorch ops, so it has derivatives itself.
    """

    node_name = "NativeBatchNormBackward0"
    saved_names = ("input", "weight", "running_mean", "running_var")
    saved_values = {"eps": attribute("eps"), "training": attribute("batch_stats"),
                    "result1": lambda node: _statistic(node, 0), "result2": lambda node: _statistic(node, 1)}

    @staticmethod
    def forward(ctx, x, running_mean, running_var, weight, bias, *, eps, training=None, momentum=0.1):
        xp = ctx.xp
        work = xp.float32 if x.dtype == xp.float16 else x.dtype  # half in float32, as torch's kernel
        xw = x.astype(work, copy=False)
        training = running_mean is None if training is None else training
        if training:  # the batch's statistics; the running ones, when given, move towards them (in place)
            mean, var_sum, rstd = batch_statistics(ctx.backend, xw, eps)
            n = x.size // x.shape[1]
            if running_mean is not None:
                _update_running_statistics(xp, running_mean, running_var, mean, var_sum, n, momentum)
        else:
            mean = running_mean.astype(work, copy=False)
            rstd = 1 / xp.sqrt(running_var.astype(work, copy=False) + eps)
        alpha = rstd if weight is None else rstd * weight.astype(work, copy=False)
        beta = -mean * alpha if bias is None else ctx.backend.multiply_add(-mean, alpha, bias.astype(work, copy=False))
        y = ctx.backend.batch_norm_apply(xw, alpha, beta)
        ctx.eps, ctx.batch_stats, ctx.stats = eps, training, (mean, rstd)
        ctx.save_for_backward(x, weight, running_mean, running_var)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def jvp(ctx, tx, _running_mean, _running_var, tw, tb):
        """Forward mode, torch's formula: with the batch's statistics, ẏ = ((ẋ - mean ẋ) · rstd + (x - μ) · ṙstd)
        · w + (x - μ) · rstd · ẇ + ḃ, where ṙstd = -rstd³ · Σ (ẋ - mean ẋ)(x - μ) / M; with running statistics,
        ẏ = ẋ · rstd · w + ... (their tangents are not followed, as in torch)."""
        x, _, _, weight, _ = ctx.jvp_inputs
        axes, shape = channel_axes(x.dim())
        mean, rstd = (Tensor._wrap(s.astype(x._data.dtype, copy=False).reshape(shape), x.device) for s in ctx.stats)
        centred = x - mean
        if ctx.batch_stats:
            tx_centred = tx - tx.mean(axes, keepdim=True)
            rstd_t = -rstd.pow(3) * (tx_centred * centred).sum(axes, keepdim=True) / (x.numel() // x.shape[1])
            out = tx_centred * rstd + centred * rstd_t
        else:
            out = tx * rstd
        if weight is not None:
            out = out * weight.reshape(shape) + centred * rstd * tw.reshape(shape)
        return out if tb is None else out + tb.reshape(shape)

    @staticmethod
    def backward(ctx, gy):  # in minitorch ops: used when a graph of the gradient is wanted
        x, weight, running_mean, running_var = ctx.saved_tensors
        axes, shape = channel_axes(x.dim())
        if ctx.batch_stats:
            mean = x.mean(axes, keepdim=True)
            rstd = (x.var(axes, correction=0, keepdim=True) + ctx.eps).rsqrt()
        else:
            mean, rstd = running_mean.reshape(shape), (running_var.reshape(shape) + ctx.eps).rsqrt()
        xhat = (x - mean) * rstd
        scale = rstd if weight is None else rstd * weight.reshape(shape)
        if ctx.batch_stats:
            gx = scale * (gy - gy.mean(axes, keepdim=True) - xhat * (gy * xhat).mean(axes, keepdim=True))
        else:
            gx = gy * scale
        na = ctx.needs_input_grad
        return (gx if na[0] else None, None, None, (gy * xhat).sum(axes) if na[3] else None,
                gy.sum(axes) if na[4] else None)

    @staticmethod
    def backward_arrays(ctx, gy):
        x, weight, _, _ = ctx.saved_arrays
        mean, rstd = ctx.stats
        work = mean.dtype
        na = ctx.needs_input_grad
        scale = rstd if weight is None else rstd * weight.astype(work, copy=False)
        gx, g_sum, gxhat_sum = ctx.backend.batch_norm_backward(gy.astype(work, copy=False), x.astype(work, copy=False),
                                                               mean, rstd, scale, ctx.batch_stats, bool(na[0]))
        if gx is not None:
            gx = gx.astype(x.dtype, copy=False)
        gw = gxhat_sum.astype(weight.dtype, copy=False) if na[3] else None
        gb = g_sum.astype(gy.dtype, copy=False) if len(na) > 4 and na[4] else None
        return gx, None, None, gw, gb


def batch_statistics(backend, x, eps: float):
    """Per channel of x (N, C, *), with torch's kernel's arithmetic: the mean, the sum of squared deviations, and
    1/√(var_sum / count + eps), the division in x's dtype and the root in float64."""
    xp = backend.xp
    mean, var_sum = backend.batch_norm_stats(x)
    var = xp.divide(var_sum, x.size // x.shape[1], dtype=x.dtype)
    return mean, var_sum, (1 / xp.sqrt(var.astype(xp.float64) + eps)).astype(x.dtype)


def _update_running_statistics(xp, running_mean, running_var, mean, var_sum, n, momentum):
    """Move the running statistics towards the batch's, in place, with torch's kernel's arithmetic (m = momentum
    in the running statistics' dtype): mean' = m · mean + (1 - m) · mean'; var' = m · var_sum / (n - 1) + (1 - m)
    · var', the first product and the sum in float64 (n > 1: F.batch_norm checked)."""
    t = running_mean.dtype.type
    m = t(momentum)
    keep = t(1) - m
    running_mean *= keep
    running_mean += m * mean.astype(running_mean.dtype, copy=False)
    unbiased = xp.divide(var_sum, n - 1, dtype=var_sum.dtype).astype(xp.float64)
    running_var[...] = (float(m) * unbiased + (running_var * keep).astype(xp.float64)).astype(running_var.dtype)


