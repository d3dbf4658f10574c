"""The losses that are primitives: the negative log-likelihood over class indices (cross-entropy is
log_softmax followed by it, as in torch), with a backend kernel each way, and binary cross-entropy.
The other losses are compositions in `nn.functional`."""
from __future__ import annotations

import math

from ..autograd.forward_ad import linear_in
from ..autograd.function import Primitive


def _rows(x, target):
    """(N, C, d1, ...) scores and (N, d1, ...) targets as (rows, C) and (rows,); one sample (C,) as one row."""
    if x.ndim == 1:
        return x.reshape(1, -1), target.reshape(-1)
    c = x.shape[1]
    xs = x if x.ndim == 2 else x.reshape(x.shape[0], c, -1).transpose(0, 2, 1)
    return xs.reshape(-1, c), target.reshape(-1)


def _unrows(gx, shape):
    """The inverse of _rows for a (rows, C) gradient (backend arrays or tensors)."""
    if len(shape) <= 2:
        return gx.reshape(shape)
    return gx.reshape(shape[0], -1, shape[1]).swapaxes(1, 2).reshape(shape)


class NllLoss(Primitive):
    """loss_n = -w_n · logp[n, t_n] with w_n = weight[t_n] (1 without weights, 0 where t_n = ignore_index);
    reduced by sum, or by mean: Σ loss_n / Σ w_n."""

    formula = "grad_self[n, t_n] = -grad_n · w_n (a mean divides grad by Σ w)"
    saved_names = ("self", "target", "weight", "total_weight")
    jvp = linear_in(0)  # forward mode: linear in the scores (target and weights are constants to it)

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, *, ignore_index, reduction):
        xp = ctx.xp
        xs, t = _rows(x, target)
        nll, w = ctx.backend.nll_loss(xs, t, weight, ignore_index)
        total = w.sum(dtype=xp.float32 if w.dtype == xp.float16 else None)  # half accumulates in float32
        ctx.parts = (x.shape, xs.shape[1], t, w, total)
        ctx.options = (ignore_index, reduction)
        ctx.save_for_backward(x, target, weight, total.astype(x.dtype))
        if reduction == "none":
            return nll.reshape(() if x.ndim == 1 else target.shape)
        loss = nll.sum(dtype=total.dtype)
        return xp.asarray(loss / total if reduction == "mean" else loss, dtype=x.dtype)  # 0/0 = nan, as torch

    @staticmethod
    def backward_arrays(ctx, gy):
        xp = ctx.xp
        shape, c, t, w, total = ctx.parts
        ignore_index, reduction = ctx.options
        if reduction == "none":
            g = gy.reshape(-1)
        else:
            if reduction == "mean":  # every target ignored: a zero gradient, as torch gives (not 0 · inf)
                gy = xp.where(total == 0, 0, gy / xp.where(total == 0, 1, total))
            g = xp.full(t.shape[0], gy, dtype=w.dtype)
        return _unrows(ctx.backend.nll_loss_backward(g.astype(w.dtype, copy=False), t, w, ignore_index, c),
                       shape), None, None

    @staticmethod
    def backward(ctx, gy):
        """The same gradient in minitorch ops (used under create_graph=True, so it differentiates again)."""
        from .creation import tensor, zeros
        x = ctx.saved_tensors[0]
        shape, c, t, w, total = ctx.parts
        ignore_index, reduction = ctx.options
        if reduction == "none":
            g = gy.reshape(t.shape[0])
        else:
            scale = float(total) if reduction == "mean" else 1.0
            g = (gy / scale if scale else gy * 0).expand(t.shape[0])
        safe = tensor(ctx.xp.where(t != ignore_index, t, 0), device=x.device)
        picked = -(g * tensor(w, device=x.device))
        gx = zeros(t.shape[0], c, dtype=x.dtype, device=x.device).scatter(1, safe.unsqueeze(1), picked.unsqueeze(1))
        return _unrows(gx, shape), None, None


class NllLoss2d(NllLoss):
    """The negative log-likelihood over images: (N, C, H, W) log-probabilities against (N, H, W) classes."""

    node_name = "NllLoss2DBackward0"


class BinaryCrossEntropy(Primitive):
    """-(t log x + (1 - t) log(1 - x)) with logs clamped at -100; d/dx = (x - t) / max(x (1 - x), 1e-12),
    d/dt = -logit(x) = log(1 - x) - log x (unclamped, as torch's)."""

    @staticmethod
    def forward(ctx, x, t):
        xp = ctx.xp
        ctx.save_for_backward(x, t)
        return -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))

    @staticmethod
    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        gx = gy * (x - t) / (x * (1 - x)).clamp(min=1e-12) if ctx.needs_input_grad[0] else None
        return gx, (-gy * (x / (1 - x)).log() if ctx.needs_input_grad[1] else None)

    @staticmethod
    def jvp(ctx, tx, tt):
        """Forward mode, torch's formula (its backward applied to the tangents): ẏ = ẋ (x - t) / max(x (1 - x),
        1e-12) - ṫ logit(x) (so at x = t = 1 the first term is 0, not 0/0)."""
        x, t = ctx.saved_tensors
        return tx * (x - t) / (x * (1 - x)).clamp(min=1e-12) + tt * ((1 - x).log() - x.log())
