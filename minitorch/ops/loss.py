"""The losses that are primitives: cross-entropy over class indices as one fused op (log-softmax, the
picked log-probabilities, class weights, ignore_index and label smoothing in one backend kernel each
way), and binary cross-entropy. The other losses are compositions in `nn.functional`."""
from __future__ import annotations

import math

from ..autograd.function import Primitive
from ._helpers import zeros_like_grad


def _rows(x, target):
    """(N, C, d1, ...) logits and (N, d1, ...) targets as (rows, C) and (rows,)."""
    c = x.shape[1]
    xs = x if x.ndim == 2 else x.reshape(x.shape[0], c, -1).transpose(0, 2, 1)
    return xs.reshape(-1, c), target.reshape(-1)


class CrossEntropy(Primitive):
    """mean/sum/none of (1 - s) * nll + s / C * smoothing term, as torch's cross_entropy."""

    aten = "aten::cross_entropy_loss"  # one fused node for torch's log_softmax + nll_loss
    torch_nodes = ("NllLossBackward0", "LogSoftmaxBackward0")
    saved_names = ("self", "weight")  # the torch nodes it stands for, in backward order
    formula = "grad_logits = (softmax(logits) - smoothed one-hot target) · weight / reduction count"

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, *, ignore_index, reduction, smoothing):
        xp = ctx.xp
        xs, t = _rows(x, target)
        nll, smooth, w, logp = ctx.backend.cross_entropy(xs, t, weight, ignore_index, smoothing)
        ctx.parts = (xs.shape, x.shape, t, weight, w, logp)
        ctx.options = (ignore_index, reduction, smoothing)
        ctx.save_for_backward(x, weight)
        if reduction == "none":
            loss = nll if not smoothing else nll * (1 - smoothing) + smooth * (smoothing / xs.shape[1])
            return loss.reshape(target.shape)
        total = w.sum()
        if reduction == "mean":
            ctx.denominator = total
            loss = nll.sum() / total
            if smoothing:
                loss = loss * (1 - smoothing) + (smooth.sum() / total) * (smoothing / xs.shape[1])
        else:
            loss = nll.sum()
            if smoothing:
                loss = loss * (1 - smoothing) + smooth.sum() * (smoothing / xs.shape[1])
        return xp.asarray(loss, dtype=x.dtype)

    @staticmethod
    def backward_arrays(ctx, gy):
        xp = ctx.xp
        (rows, c), shape, t, weight, w, logp = ctx.parts
        ignore_index, reduction, smoothing = ctx.options
        if reduction == "none":
            g = gy.reshape(-1)
        else:
            scale = gy
            if reduction == "mean":  # every target ignored: a zero gradient, as torch gives (not 0 * inf)
                scale = xp.where(ctx.denominator == 0, xp.zeros_like(gy), gy / ctx.denominator)
            g = xp.full(rows, scale, dtype=logp.dtype)
        gx = ctx.backend.cross_entropy_backward(g, logp, t, weight, w, ignore_index, smoothing)
        if len(shape) > 2:
            gx = gx.reshape(shape[0], -1, c).transpose(0, 2, 1).reshape(shape)
        return gx.astype(logp.dtype, copy=False), None, None

    @staticmethod
    def backward(ctx, gy):
        """The same gradient in minitorch ops (used under create_graph=True, so it differentiates again)."""
        from .activation import softmax
        from .creation import tensor
        x, weight = ctx.saved_tensors
        (rows, c), shape, t, _, w, _ = ctx.parts
        ignore_index, reduction, smoothing = ctx.options
        xs = x if x.dim() == 2 else x.reshape(shape[0], c, -1).transpose(1, 2)
        p = softmax(xs.reshape(rows, c), -1)
        if reduction == "none":
            g = gy.reshape(rows)
        else:
            total = float(ctx.denominator) if reduction == "mean" else 1.0
            g = (gy / total if total else zeros_like_grad(gy)).expand(rows)
        keep = t != ignore_index
        onehot = ctx.xp.zeros((rows, c), dtype=p._data.dtype)
        onehot[ctx.xp.arange(rows)[keep], t[keep]] = 1
        picked = tensor(w, device=x.device) * g * (1 - smoothing)
        gx = (p - tensor(onehot, device=x.device)) * picked.unsqueeze(1)
        if smoothing:
            k = g * tensor(keep.astype(p._data.dtype), device=x.device) * (smoothing / c)
            total = float(c) if weight is None else weight.sum()
            gx = gx + p * (k * total).unsqueeze(1) - k.unsqueeze(1) * (1.0 if weight is None else weight)
        if len(shape) > 2:
            gx = gx.reshape(shape[0], -1, c).transpose(1, 2).reshape(shape)
        return gx, None, None


    @staticmethod
    def jvp(ctx, tx, tt=None, tw=None):
        """Forward mode, as torch's: with m = Σ_c p_c ẋ_c, d nll = −(ẋ_t − m) · w_t and d smooth = −(Σ_c weight_c ẋ_c
        − W m), reduced as the loss is (a mean over no kept targets is 0/0 = NaN, as in torch)."""
        from .activation import softmax
        from .creation import tensor
        x, weight = ctx.saved_tensors
        (rows, c), shape, t, _, w, _ = ctx.parts
        ignore_index, reduction, smoothing = ctx.options

        def as_rows(a):
            return (a if a.dim() == 2 else a.reshape(shape[0], c, -1).transpose(1, 2)).reshape(rows, c)
        xs, txs = as_rows(x), as_rows(tx)
        mean_t = (softmax(xs, -1) * txs).sum(-1)
        keep = t != ignore_index
        safe = tensor(ctx.xp.where(keep, t, 0), device=x.device)
        picked = txs.gather(1, safe.unsqueeze(1)).squeeze(1)
        loss = -(picked - mean_t) * tensor(w, device=x.device) * (1 - smoothing)
        if smoothing:
            weighted = txs.sum(-1) if weight is None else (txs * weight).sum(-1)
            total_w = float(c) if weight is None else weight.sum()
            smooth = -(weighted - mean_t * total_w) * tensor(keep.astype(x._data.dtype), device=x.device)
            loss = loss + smooth * (smoothing / c)
        if reduction == "none":
            return loss.reshape(tuple(t.shape) if len(shape) == 2 else (shape[0],) + tuple(shape[2:]))
        total = loss.sum()
        return total / float(ctx.denominator) if reduction == "mean" and float(ctx.denominator) else \
            (total * math.nan if reduction == "mean" else total)


class CrossEntropy2d(CrossEntropy):
    """Cross-entropy over images, (N, C, H, W) scores against (N, H, W) classes."""

    node_name = "NllLoss2DBackward0"
    torch_nodes = ("NllLoss2DBackward0", "LogSoftmaxBackward0")


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
        """Forward mode, as torch's: ẏ = ẋ ((1 - t) m₁ / (1 - x) - t m₀ / x) + ṫ (log(1 - x) - log x), where
        m₀, m₁ are 1 where the logs are above their clamp at -100 (0 · inf = nan at x = 0 or 1, as torch)."""
        x, t = ctx.saved_tensors
        m0, m1 = (x.log() > -100).to(x.dtype), ((1 - x).log() > -100).to(x.dtype)
        return tx * ((1 - t) * m1 / (1 - x) - t * m0 / x) + tt * ((1 - x).log() - x.log())
