"""The losses that are primitives: the negative log-likelihood over class indices (cross-entropy is
log_softmax followed by it, as in torch), with a backend kernel each way, and binary cross-entropy.
The other losses are compositions in `nn.functional`."""
from __future__ import annotations


from ..autograd.forward_ad import linear_in
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, reduction as reduction_number, torch_int


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
    saved_values = {"ignore_index": lambda node: torch_int(node.options[0]),
                    "reduction": lambda node: reduction_number(node.options[1])}
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
        # torch's kernel sums the weights for a reduction or a single sample: otherwise total_weight stays 0
        summed = reduction != "none" or x.ndim == 1
        ctx.save_for_backward(x, target, weight, (total if summed else xp.zeros_like(total)).astype(x.dtype))
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
    def backward(ctx, gy):  # with a graph of the gradient: torch's nll_loss_backward, an op of its own
        x, target, weight, _ = ctx.saved_tensors
        ignore_index, reduction = ctx.options
        return type(ctx).gradient.apply(gy, x, parts=ctx.parts, target=target, weight=weight, loss=type(ctx),
                                        ignore_index=ignore_index, reduction=reduction), None, None


class NllLossBackward(Primitive):
    """torch's nll_loss_backward(grad, x, target, ...): −grad · w_n at [n, t_n] (a mean divides by Σ w), as an op
    of its own. Its derivatives are torch's: in grad, the loss itself applied to the incoming gradient (it is linear);
    in x, zeros (x only gives the shape)."""

    node_name = "NllLossBackwardBackward0"
    saved_values = {"ignore_index": lambda node: torch_int(node.options[0]),
                    "reduction": lambda node: reduction_number(node.options[1]),
                    "target": attribute("target"), "weight": attribute("weight")}

    @staticmethod
    def forward(ctx, gy, x, *, parts, target, weight, loss, ignore_index, reduction):
        ctx.parts, ctx.options = parts, (ignore_index, reduction)
        ctx.target, ctx.weight, ctx.loss = target, weight, loss
        return NllLoss.backward_arrays(ctx, gy)[0]

    @staticmethod
    def backward(ctx, gg):
        ignore_index, reduction = ctx.options
        na = ctx.needs_input_grad
        return (ctx.loss.apply(gg, ctx.target, ctx.weight, ignore_index=ignore_index, reduction=reduction)
                if na[0] else None), (gg.new_zeros(gg.shape) if na[1] else None)


class NllLoss2dBackward(NllLossBackward):
    node_name = "NllLoss2DBackwardBackward0"


NllLoss.gradient = NllLossBackward


class NllLoss2d(NllLoss):
    """The negative log-likelihood over images: (N, C, H, W) log-probabilities against (N, H, W) classes."""

    node_name = "NllLoss2DBackward0"
    gradient = NllLoss2dBackward


_EPS = 1e-12  # torch's epsilon in binary cross-entropy's derivatives, whatever the dtype


class BinaryCrossEntropyGrad(Primitive):
    """grad_self of binary cross-entropy, gy (x - t) / max(x (1 - x), 1e-12), as its own differentiable op with
    torch's derivatives: d/dgy = (x - t) / ((x + ε)(1 - x + ε)), d/dx = gy (x² - 2xt + t) / ((x + ε)² (1 - x + ε)²),
    d/dt = -gy / max(x (1 - x), ε), so that second derivatives at x = 0 or 1 are torch's."""

    node_name = "BinaryCrossEntropyBackwardBackward0"

    @staticmethod
    def forward(ctx, gy, x, t):
        ctx.save_for_backward(gy, x, t)
        return gy * (x - t) / ctx.xp.maximum(x * (1 - x), _EPS)

    @staticmethod
    def backward(ctx, g):
        gy, x, t = ctx.saved_tensors
        need = ctx.needs_input_grad
        x_eps, one_m_x_eps = x + _EPS, 1 - x + _EPS
        g_gy = g * ((x - t) / (x_eps * one_m_x_eps)) if need[0] else None
        g_x = (x * x - 2 * x * t + t) / (x_eps.pow(2) * one_m_x_eps.pow(2)) * (g * gy) if need[1] else None
        g_t = (-g * gy) / ((1 - x) * x).clamp(min=_EPS) if need[2] else None
        return g_gy, g_x, g_t


class BinaryCrossEntropy(Primitive):
    """-(t log x + (1 - t) log(1 - x)) with logs clamped at -100; d/dx = (x - t) / max(x (1 - x), 1e-12) (its own
    op, BinaryCrossEntropyGrad), d/dt = -logit(x) (unclamped, as torch's)."""

    @staticmethod
    def forward(ctx, x, t):
        xp = ctx.xp
        ctx.save_for_backward(x, t)
        return -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))

    @staticmethod
    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        gx = BinaryCrossEntropyGrad.apply(gy, x, t) if ctx.needs_input_grad[0] else None
        return gx, (-x.logit() * gy if ctx.needs_input_grad[1] else None)

    @staticmethod
    def jvp(ctx, tx, tt):
        """Forward mode, torch's formula (its backward applied to the tangents): ẏ = ẋ (x - t) / max(x (1 - x),
        1e-12) - ṫ logit(x) (so at x = t = 1 the first term is 0, not 0/0)."""
        x, t = ctx.saved_tensors
        return tx * (x - t) / (x * (1 - x)).clamp(min=_EPS) + tt * ((1 - x).log() - x.log())


# ---- Huber and smooth L1: quadratic near zero, linear beyond a threshold ------------------------------

def _reduced(xp, loss, reduction):
    if reduction == "none":
        return loss
    total = loss.sum(dtype=xp.float32 if loss.dtype == xp.float16 else None)  # half accumulates in float32
    return xp.asarray(total / loss.size if reduction == "mean" else total, dtype=loss.dtype)


class _Piecewise(Primitive):
    """A loss of d = x - t, quadratic for |d| below the threshold and linear beyond (Huber, smooth L1).
    Its gradient is its own differentiable op (`backward_op`), whose derivative is torch's: the curvature
    is the quadratic part's strictly inside the threshold and 0 from the threshold on, so the second
    derivatives at |d| = threshold are torch's."""

    backward_op = None  # the gradient's Primitive
    saved_names = ("self", "target")

    @classmethod
    def forward(cls, ctx, x, t, *, reduction, threshold):
        ctx.options = (reduction, threshold)
        ctx.save_for_backward(x, t)
        d = x - t  # broadcast, in the promoted dtype
        return _reduced(ctx.xp, cls.pointwise(ctx.xp, d, threshold).astype(d.dtype, copy=False), reduction)

    @classmethod
    def backward(cls, ctx, gy):
        x, t = ctx.saved_tensors
        reduction, threshold = ctx.options
        g = cls.backward_op.apply(gy, x, t, reduction=reduction, threshold=threshold)
        return (g if ctx.needs_input_grad[0] else None), (-g if ctx.needs_input_grad[1] else None)

    @classmethod
    def jvp(cls, ctx, tx, tt):
        """Forward mode, torch's: the slope times (ẋ - ṫ), reduced as the loss is."""
        x, t = ctx.saved_tensors
        reduction, threshold = ctx.options
        slope = cls.backward_op.apply(tx - tt, x, t, reduction="none", threshold=threshold)
        return slope if reduction == "none" else (slope.sum() if reduction == "sum" else slope.mean())


class _PiecewiseBackward(Primitive):
    """grad_self of a _Piecewise loss: norm · grad · slope(d) (norm = 1/numel for a mean); differentiable,
    with torch's derivatives: d/dgrad is the slope, d/dself = grad · grad_output · curvature(d) · norm."""

    @classmethod
    def forward(cls, ctx, gy, x, t, *, reduction, threshold):
        ctx.options = (reduction, threshold)
        ctx.save_for_backward(gy, x, t)
        d = x - t
        mean = reduction == "mean" and d.size
        return cls.gradient(ctx.xp, gy, d, 1.0 / d.size if mean else 1.0, threshold).astype(d.dtype, copy=False)

    @classmethod
    def gradient(cls, xp, gy, d, norm, threshold):
        """The gradient's values from d = x − t (norm: 1/numel for a mean, else 1)."""
        return cls.slope(xp, d, threshold) * (gy * norm)

    @classmethod
    def backward(cls, ctx, g):
        gy, x, t = ctx.saved_tensors
        reduction, threshold = ctx.options
        need = ctx.needs_input_grad
        d = (x - t).abs()
        norm = 1.0 / d.numel() if reduction == "mean" and d.numel() else 1.0
        g_gy = None
        if need[0]:
            if reduction == "none":
                g_gy = cls.apply(g, x, t, reduction="none", threshold=threshold)
            else:
                g_gy = (cls.apply(g.new_ones(()).expand(g.shape), x, t, reduction=reduction,
                                  threshold=threshold) * g).sum()
        g_x = None
        if need[1] or need[2]:
            g_x = g * gy * cls.curvature(d, threshold) * norm
        return g_gy, (g_x if need[1] else None), (-g_x if need[2] else None)


class MseLossBackward(_PiecewiseBackward):
    """torch's mse_loss_backward(grad, x, t) = 2 (x − t) · grad (/ numel for a mean): the MSE loss's gradient as an op
    of its own (MseLoss is fused; its backward applies this, with x and t swapped for the target's gradient, as
    torch does), so the graph of a gradient shows torch's node."""

    node_name = "MseLossBackwardBackward0"
    saved_names = ("grad_output", "self", "target")
    saved_values = {"reduction": lambda node: reduction_number(node.options[0])}
    curvature = staticmethod(lambda d, _: 2)

    @classmethod
    def gradient(cls, xp, gy, d, norm, threshold):
        return 2 * norm * d * gy  # rounded as torch's kernel: (2 norm · (x − t)) · grad


class HuberLossBackward(_PiecewiseBackward):
    node_name = "HuberLossBackwardBackward0"
    slope = staticmethod(lambda xp, d, delta: xp.clip(d, -delta, delta))
    curvature = staticmethod(lambda d, delta: (d < delta).to(d.dtype))


class HuberLoss(_Piecewise):
    """0.5 d² where |d| <= delta, else delta (|d| - 0.5 delta)."""

    node_name = "HuberLossBackward0"
    saved_values = {"reduction": lambda node: reduction_number(node.options[0]),
                    "delta": lambda node: node.options[1]}
    formula = "grad_self = grad · clamp(self - target, -delta, delta) (/ numel for a mean)"
    backward_op = HuberLossBackward
    pointwise = staticmethod(lambda xp, d, delta: xp.where(xp.abs(d) <= delta, 0.5 * d * d,
                                                           delta * (xp.abs(d) - 0.5 * delta)))


class SmoothL1LossBackward(_PiecewiseBackward):
    node_name = "SmoothL1LossBackwardBackward0"
    slope = staticmethod(lambda xp, d, beta: xp.sign(d) if beta == 0 else xp.clip(d / beta, -1, 1))
    curvature = staticmethod(lambda d, beta: (d < beta).to(d.dtype) / beta if beta else d * 0)


class SmoothL1Loss(_Piecewise):
    """0.5 d² / beta where |d| < beta, else |d| - 0.5 beta (|d| where beta = 0)."""

    node_name = "SmoothL1LossBackward0"
    saved_values = {"reduction": lambda node: reduction_number(node.options[0]),
                    "beta": lambda node: node.options[1]}
    formula = "grad_self = grad · clamp((self - target) / beta, -1, 1) (/ numel for a mean)"
    backward_op = SmoothL1LossBackward
    pointwise = staticmethod(lambda xp, d, beta: xp.abs(d) if beta == 0 else
                             xp.where(xp.abs(d) < beta, 0.5 * d * d / beta, xp.abs(d) - 0.5 * beta))
