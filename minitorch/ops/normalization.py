"""Layer normalisation as one fused op: a kernel for the forward and one for the backward."""
from __future__ import annotations

from ..autograd.function import Primitive


class LayerNorm(Primitive):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last n dims.

    The backward runs the fused kernel (backward_arrays); when a graph of the gradient is requested
    (create_graph=True) it is written in minitorch ops instead, so it has derivatives itself.
    """

    node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, *, n, eps):
        xp = ctx.xp
        half = x.dtype == xp.float16  # computed in float32, as torch's CPU kernel accumulates
        wide = (lambda a: None if a is None else a.astype(xp.float32)) if half else (lambda a: a)
        y, mean, rstd = ctx.backend.layer_norm(wide(x), wide(weight), wide(bias), n, eps)
        ctx.n, ctx.eps, ctx.stats = n, eps, (mean, rstd)
        ctx.save_for_backward(x, weight)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):  # in minitorch ops: used when a graph of the gradient is wanted
        x, weight = ctx.saved_tensors
        return _composed_backward(gy, x, weight, ctx.n, ctx.eps)

    @staticmethod
    def backward_arrays(ctx, gy):
        x, weight = ctx.saved_arrays
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
