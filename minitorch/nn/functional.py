"""nn.functional: the functional form of the layers and losses."""
from __future__ import annotations

import math
import warnings

from ..autograd import batched, events
from .. import dtypes as D
from ..autograd.saved_values import reduction as saved_reduction
from ..ops._helpers import check_broadcast, floats_only, refuse_sparse_gradient, size_at, wrap_dim
from ..ops import activation as _act
from ..ops import loss as _loss
from ..ops.conv import conv1d, conv2d, conv_transpose2d, fold, unfold  # noqa: F401
from ..ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool2d,  # noqa: F401
                        avg_pool2d, max_pool2d)
from ..ops.resample import interpolate, pad  # noqa: F401
from ..ops.linalg import linear  # noqa: F401
from ..ops.attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: F401
from ..ops.dropout import dropout, dropout1d, dropout2d, dropout3d  # noqa: F401
from ..ops.activation import gelu  # noqa: F401
from .functional_activations import (_maybe_inplace, celu, celu_, glu, hardshrink, mish, prelu, rrelu, rrelu_,  # noqa: F401
                                     selu, selu_, softmin, softshrink, softsign, tanhshrink, threshold, threshold_)
from ..ops.normalization import NativeBatchNorm
from ..ops.conv_nd import conv3d, conv_transpose1d, conv_transpose3d  # noqa: F401
from ..ops.pool_nd import (adaptive_max_pool1d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,  # noqa: F401
                           adaptive_max_pool3d, adaptive_max_pool3d_with_indices, avg_pool1d, avg_pool3d, lp_pool1d,
                           lp_pool2d, lp_pool3d, max_pool1d, max_pool1d_with_indices, max_pool2d_with_indices,
                           max_pool3d, max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d)
from ..ops.pool_nd import (fractional_max_pool2d, fractional_max_pool2d_with_indices, fractional_max_pool3d,  # noqa: F401
                           fractional_max_pool3d_with_indices)
from ..ops.shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: F401
from ..ops.distance import pdist  # noqa: F401
from ..ops.dropout import alpha_dropout, feature_alpha_dropout  # noqa: F401
from .functional_norms import instance_norm, local_response_norm, rms_norm  # noqa: F401
from .functional_embedding_bag import embedding_bag  # noqa: F401
from ..ops.grid_sample import affine_grid, grid_sample  # noqa: F401
from .functional_ctc import ctc_loss  # noqa: F401
from .functional_linear_loss import linear_cross_entropy  # noqa: F401
from .functional_losses import (cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss,  # noqa: F401
                                margin_ranking_loss, multi_margin_loss, multilabel_margin_loss,
                                multilabel_soft_margin_loss, poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
                                triplet_margin_with_distance_loss)
from ..autograd.grad_mode import no_grad
from ..ops.fused import Fused, saved_argument
from ..ops.pointwise import add_by_number, div_by_number, mul_by_number
from ..tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")
M_SQRT1_2 = math.sqrt(0.5)


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """torch's deprecated size_average/reduce flags as a reduction (with torch's warning): both unset
    keep `reduction`; otherwise mean if both hold, sum if only reduce, none if not reduce."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  stacklevel=3)
    return reduction


def _weighted(loss: Tensor, weight, input, reduction: str, mean_by_weight: bool = True) -> Tensor:
    """A pointwise loss times `weight` (input's shape), reduced: torch's mean divides by the weights'
    sum for mse and l1, by the element count for huber."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return _reduce(loss, reduction)


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  f"as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim` (torch's deprecated implicit dim when None)."""
    return _act.softmax(input, _implicit_dim("softmax", input.dim()) if dim is None else dim, dtype)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along `dim` (torch's deprecated implicit dim when None)."""
    return _act.log_softmax(input, _implicit_dim("log_softmax", input.dim()) if dim is None else dim, dtype)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); inplace=True writes it into input (torch's relu_)."""
    return input.relu_() if inplace else _act.relu(input)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def _check_same_size(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        import warnings
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have "
                      "the same size.", stacklevel=3)


class MseLoss(Fused):
    node_name = "MseLossBackward0"
    definition = staticmethod(lambda input, target, reduction: _reduce((input - target) ** 2, reduction))
    saved_names = ("self", "target")
    saved_values = {"reduction": lambda node: saved_reduction(node.args[2])}

    @classmethod
    def backward(cls, ctx, gy):  # torch's mse_loss_backward, an op of its own (its node shows in a gradient's graph)
        input, target = ctx.saved_tensors
        reduction, na = ctx.args[2], ctx.needs_input_grad
        return (_loss.MseLossBackward.apply(gy, input, target, reduction=reduction, threshold=None) if na[0] else None,
                _loss.MseLossBackward.apply(gy, target, input, reduction=reduction, threshold=None) if na[1] else None,
                None)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """mean((input - target)^2); with `weight`, sum(weight * (input - target)^2) / sum(weight)."""
    _check_same_size(input, target, "mse_loss")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, input, reduction)
    _check_reduction(reduction)
    return MseLoss.apply(input, target, reduction)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """mean(|input - target|); with `weight`, sum(weight * |input - target|) / sum(weight)."""
    _check_same_size(input, target, "l1_loss")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, reduction)
    return _reduce((input - target).abs(), reduction)


def _check_constant_weight(weight):
    """torch's losses over class indices take class weights as constants."""
    if weight is None:
        return
    from ..autograd import is_grad_enabled
    if weight.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'nll_loss_forward' is not differentiable with respect to argument "
                           "'weight'. This input cannot have requires_grad True.")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """-input[n, target[n]] * weight[target[n]], averaged over the weights of non-ignored targets."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    floats_only(input, "nll_loss_out_frame")
    _check_constant_weight(weight)
    _check_reduction(reduction)
    xs, ts = input._data.shape, target._data.shape  # the checks read shapes, not Size objects: a hot path
    nd, td = len(xs), len(ts)
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd == 1 and td == 1 and ts[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {ts[0]}")
    target_batch = ts[0] if td else 0  # torch reads a 0-d target's batch size as 0
    if nd != 1 and xs[0] != target_batch:
        raise ValueError(f"Expected input batch_size ({xs[0]}) to match target batch_size ({target_batch}).")
    if nd >= 3 and ts != xs[:1] + xs[2:]:  # torch's nll_loss2d/nd check
        if td != nd - 1:
            raise RuntimeError(f"only batches of spatial targets supported ({nd - 1}D tensors) but got "
                               f"targets of dimension: {td}")
        raise RuntimeError(f"Expected target size {list(xs[:1] + xs[2:])}, got {list(ts)}")
    if nd <= 2 and td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target._dtype is not D.int64:
        if target._dtype.is_floating_point:
            raise RuntimeError(f"expected scalar type Long but found {target._dtype.word}")
        if target._dtype is not D.uint8:
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target._dtype.word}")
        target = target.long()
    n_classes = xs[1] if nd >= 2 else xs[0]
    if weight is not None and (weight.numel() != n_classes or (nd <= 2 and weight.dim() != 1)):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    if weight is not None and weight._dtype is not input._dtype:
        raise RuntimeError(f"expected scalar type {input._dtype.word} but found {weight._dtype.word}")
    t = target._data
    bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
    if target._device.type != "cpu":  # checked on the device, read at the next synchronisation (as torch's CUDA)
        target._device.backend.device_assert(bad.any(), "nll_loss: Assertion `t >= 0 && t < n_classes` failed")
    elif bad.any():
        raise IndexError(f"Target {int(t[bad][0])} is out of bounds.")
    if nd <= 2:
        return _loss.NllLoss.apply(input, target, weight, ignore_index=ignore_index, reduction=reduction)
    if weight is not None and weight.dim() == 0:  # torch's image form reads a 0-d weight as one class's
        weight = weight.reshape(1)
    if nd == 4:
        return _loss.NllLoss2d.apply(input, target, weight, ignore_index=ignore_index, reduction=reduction)
    # other image sizes go through the 4-d form, as torch's nll_loss_nd does
    n = input.shape[0]
    loss = _loss.NllLoss2d.apply(input.reshape(n, n_classes, 1, -1), target.reshape(n, 1, -1), weight,
                                 ignore_index=ignore_index, reduction=reduction)
    return loss.view((n,) + tuple(input.shape[2:])) if reduction == "none" else loss


@events.composite("aten::cross_entropy_loss")
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """nll_loss(log_softmax(input, 1), target), as torch composes it (its graph has both nodes); target may
    also hold class probabilities."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    xs = input._data.shape
    class_dim = 1 if len(xs) >= 2 else 0
    probabilities = target._data.shape == xs  # torch's rule: else class indices
    if probabilities and not target.is_floating_point():
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{target.dtype.word}")
    if probabilities and ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    n_classes = xs[class_dim] if xs else 0
    if probabilities and weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    label_smoothing = label_smoothing if label_smoothing > 0.0 else 0.0  # torch ignores a negative or NaN one
    if not probabilities and target.dtype is D.uint8:  # byte class indices read as long ones
        target = target.long()
    logp = log_softmax(input, class_dim)
    n_classes = input.shape[class_dim]
    wshape = [1] * input.dim()
    wshape[class_dim] = n_classes
    if probabilities:  # summed as torch's C++ sums them
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        terms = logp * target if weight is None else logp * target * weight.reshape(wshape)
        if reduction == "none":
            return -terms.sum(class_dim)
        if reduction == "sum":
            return -terms.sum()
        return div_by_number(-terms.sum(), input.numel() // n_classes) if input.numel() else -terms.sum() * math.nan
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    if weight is not None:
        size_at(weight, 0)  # torch views the weight by its first size
    keep = target != ignore_index
    weighted = logp if weight is None else logp * weight.reshape(wshape)
    smooth = (-weighted.sum(class_dim)).masked_fill(~keep, 0)  # masked, not multiplied: 0/0 must not reach the gradient
    if reduction == "mean":
        if weight is not None and not batched.is_batched(weight):  # torch gathers the kept targets' weights
            batched.refuse_masked_select(keep)                      # through target.masked_select(keep)
        denom = keep.sum() if weight is None else (weight[target.masked_fill(~keep, 0)] * keep).sum()
        smooth = smooth.sum() / denom
    else:
        smooth = _reduce(smooth, reduction)
    return mul_by_number(nll, 1 - label_smoothing) + mul_by_number(smooth, label_smoothing / n_classes)


class LeakyRelu(Fused):
    node_name = "LeakyReluBackward0"
    saved_names = ("self",)
    saved_values = {"negative_slope": lambda node: node.args[1]}
    definition = staticmethod(lambda x, slope: x.where(x > 0, x * slope))

    @classmethod
    def backward(cls, ctx, gy):  # torch's leaky_relu_backward, an op of its own (its node shows in a gradient's graph)
        (x,) = ctx.saved_tensors
        return _act.LeakyReluBackward.apply(gy, x, negative_slope=ctx.args[1]), None


class LeakyReluInplace(LeakyRelu):
    node_name = "LeakyReluBackward1"  # torch's in-place form saves its result, and numbers its node 1
    saved_names = ()

    @classmethod
    def backward(cls, ctx, gy):  # the saved result enters torch's gradient op without a history of its own
        (result,) = ctx.saved_tensors
        return _act.LeakyReluBackward.apply(gy, result.detach(), negative_slope=ctx.args[1]), None


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    floats_only(input, "leaky_relu_cpu")
    return _maybe_inplace(input, lambda x: (LeakyReluInplace if inplace else LeakyRelu).apply(x, negative_slope),
                          inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha * (exp(x) - 1)."""
    floats_only(input, "elu_cpu")
    op = _act.EluInplace if inplace else _act.Elu
    return _maybe_inplace(input, lambda x: op.apply(x, alpha=alpha), inplace)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    floats_only(input, "silu_cpu")
    return _maybe_inplace(input, _act.Silu.apply, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def softplus(input: Tensor, beta: float = 1, threshold: float = 20) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    floats_only(input, "softplus_cpu")
    return _act.Softplus.apply(input, beta=beta, threshold=threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, lambda x: _act.Hardtanh.apply(x, lo=min_val, hi=max_val), inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x), computed without overflow for large |x|."""
    floats_only(input, "log_sigmoid_cpu")
    return _act.LogSigmoid.apply(input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): hardtanh between 0 and 6, as torch computes it."""
    return hardtanh(input, 0, 6, inplace)  # torch's relu6 passes integer bounds (its node keeps 0 and 6)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · relu6(x + 3) / 6 (MobileNetV3's activation)."""
    floats_only(input, "hardswish_cpu")
    return _maybe_inplace(input, _act.Hardswish.apply, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6, a piecewise-linear sigmoid."""
    floats_only(input, "hardsigmoid_cpu")
    return _maybe_inplace(input, _act.Hardsigmoid.apply, inplace)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)), with each log clamped at -100 as in torch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    _check_reduction(reduction)
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype.word} but expected {input.dtype.word}")
    if weight is not None:  # torch expands the weight to the target's shape (or beyond, and then refuses)
        from ..ops._helpers import cast
        from ..ops.inplace import check_fits
        check_fits(input, [weight])
        # the kernel writes the loss in input's dtype; the node shows the expanded weight as given
        weight = cast(weight.expand(input.shape), input.dtype, input.device)
    return BinaryCrossEntropyLoss.apply(input, target, weight, reduction)


def _bce(input, target, weight, reduction):
    loss = _loss.BinaryCrossEntropy.apply(input, target)
    return _reduce(loss if weight is None else loss * weight, reduction)


class BinaryCrossEntropyLoss(Fused):
    node_name = "BinaryCrossEntropyBackward0"
    definition = staticmethod(_bce)
    saved_values = {"self": saved_argument(0), "target": saved_argument(1), "weight": saved_argument(2),
                    "reduction": lambda node: saved_reduction(node.args[3])}


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE on sigmoid(input), computed stably from the logits."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _check_reduction(reduction)
    floats_only(input, "log_sigmoid_cpu")
    # torch accumulates the loss in place in a tensor of target's dtype and shape
    from ..ops._helpers import check_cast
    from ..ops.inplace import check_fits
    check_cast(D.promote_types(input.dtype, target.dtype), target.dtype)
    check_fits(target, [t for t in (pos_weight, weight) if t is not None])
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def _bce_with_logits(input, target, weight, pos_weight, reduction):
    # (1 - t) x - log σ(x) · (1 + (p - 1) t), step by step in torch's dtypes: log σ(x) in the input's, the
    # rest written in place into a tensor of the target's (what stays in float32 decides the last bits).
    log_sigmoid = logsigmoid(input)
    if pos_weight is not None:
        log_sigmoid = (log_sigmoid * ((pos_weight - 1) * target + 1)).to(input.dtype)
    loss = ((1 - target) * input).to(target.dtype)
    loss = (loss - log_sigmoid).to(target.dtype)
    if weight is not None:
        loss = (loss * weight).to(target.dtype)
    return _reduce(loss, reduction)


class BinaryCrossEntropyWithLogits(Fused):
    """Backward by torch's formulas (p = pos_weight, w = weight, each 1 when absent; / numel for the mean):
    d/dx = (σ(x) (1 + (p - 1) t) - p t) w,  d/dt = (log σ(-x) - p log σ(x)) w."""

    node_name = "BinaryCrossEntropyWithLogitsBackward0"
    definition = staticmethod(_bce_with_logits)
    saved_values = {"self": saved_argument(0), "target": saved_argument(1), "weight": saved_argument(2),
                    "pos_weight": saved_argument(3), "reduction": lambda node: saved_reduction(node.args[4])}

    @classmethod
    def backward(cls, ctx, grad):
        from ..autograd.grad_mode import state
        if state.enabled:  # a create_graph backward differentiates the definition
            return super().backward(ctx, grad)
        saved = iter(ctx.saved_tensors)
        input, target, weight, pos_weight = (next(saved) if a is not None else None for a in ctx.args[:4])
        scale = (lambda g: g / input.numel()) if ctx.args[4] == "mean" else (lambda g: g)
        weigh = (lambda g: g * weight) if weight is not None else (lambda g: g)
        d_input = d_target = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                d_input = input.sigmoid() - target
            else:
                t = pos_weight * target
                d_input = (t + 1 - target) * input.sigmoid() - t
            d_input = scale(weigh(d_input * grad)).to(input.dtype)
        if ctx.needs_input_grad[1]:
            d_target = -input if pos_weight is None else logsigmoid(-input) - logsigmoid(input) * pos_weight
            d_target = scale(weigh(d_target * grad)).to(target.dtype)
        return d_input, d_target, None, None, None


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _check_reduction(reduction)
    check_broadcast(input.shape, target.shape)
    return _loss.SmoothL1Loss.apply(input, target, reduction=reduction, threshold=beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta) (d = input - target); `weight` scales
    each element's loss (the mean still divides by the element count, as torch's does). The loss has
    input's dtype, as torch's kernel writes it."""
    from ..ops._helpers import check_cast
    check_cast(D.promote_types(input.dtype, target.dtype), input.dtype)
    floats_only(input, "huber_cpu")
    target = target.to(input.dtype)
    check_broadcast(input.shape, target.shape)
    if weight is not None:
        return _weighted(_loss.HuberLoss.apply(input, target, reduction="none", threshold=delta), weight, input,
                         reduction, mean_by_weight=False)
    _check_reduction(reduction)
    return _loss.HuberLoss.apply(input, target, reduction=reduction, threshold=delta)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by batch statistics in training, running ones otherwise.

    In training the running statistics move towards the batch's (unbiased variance), in place.
    """
    # torch's Python checks come before its C function's argument parser
    if training and input.dim() and input.shape[0] * math.prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    if eps < 0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return batch_norm_core(input, running_mean, running_var, weight, bias, training, momentum, eps)


def batch_norm_core(input, running_mean, running_var, weight, bias, training, momentum, eps) -> Tensor:
    """batch_norm after torch's Python checks: its C function's checks and the normalisation."""
    if training:
        batched.refuse_unbatched_running_stats(input, running_mean, running_var)
    _batch_norm_arguments(input, weight, bias, running_mean, running_var, training, momentum, eps)
    floats_only(input, "batch_norm")
    if (running_mean is None) != (running_var is None) and training:
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is None and not training:
            raise RuntimeError(f"{name} must be defined in evaluation mode")
    channels = input.shape[1] if input.dim() > 1 else 0
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    # torch's strided path (any operand not contiguous) views weight, bias and, in evaluation, the running
    # statistics along the channels, asserting they are vectors; its statistics kernel reads them first
    strided = not all(t.is_contiguous() for t in (input, weight, bias, running_mean, running_var) if t is not None)
    if strided and not training:
        _assert_vectors(running_mean, running_var, weight, bias)
    for t in (running_mean, running_var):
        if t is not None and t.dim() != 1:  # torch's kernel reads the running statistics as vectors
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {t.dim()}")
    if strided:
        _assert_vectors(weight, bias)
    _check_parameter_dtypes(input, weight, bias, running_mean, running_var)
    if input.numel() == 0:  # torch's empty path: no statistics, a copy scaled and shifted by the first channel's
        out = input.clone()
        out = out if weight is None else out * weight[0]
        return out if bias is None else out + bias[0]
    if training:
        if running_mean is not None:  # the kernel moves them towards the batch's statistics, in place
            running_mean._bump()
            running_var._bump()
        return NativeBatchNorm.apply(input, running_mean, running_var, weight, bias, eps=eps, training=True,
                                     momentum=momentum)
    return NativeBatchNorm.apply(input, running_mean, running_var, weight, bias, eps=eps)


def _assert_vectors(*tensors) -> None:
    if any(t is not None and t.dim() != 1 for t in tensors):
        raise RuntimeError("t.defined() && t.dim() == 1 INTERNAL ASSERT FAILED: batch_norm's per-channel tensors "
                           "must be 1-d")


def _embedding_parser(input: Tensor, weight: Tensor, padding_idx: int | None, max_norm: float | None,
                      norm_type: float, scale_grad_by_freq: bool, sparse: bool) -> None:
    """The argument types torch.embedding's parser takes (F.embedding's Python checks come first)."""


def _batch_norm_parser(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                       running_var: Tensor | None, training: bool, momentum: float, eps: float) -> None:
    """The argument types torch.batch_norm's parser takes (F.batch_norm's Python checks come first)."""


def _check_parameter_dtypes(input: Tensor, *parameters) -> None:
    """torch's CPU normalisation kernels take their per-channel tensors in the input's dtype, or all in
    float32 under a float16 input."""
    dtypes = {t._dtype for t in parameters if t is not None}
    if dtypes <= {input._dtype} or (input._dtype.name == "float16" and dtypes == {D.float32}):
        return
    raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of {input._dtype.word}")


def layer_norm(input: Tensor, normalized_shape: list[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing `normalized_shape` dims (biased variance), then scale and shift."""
    from ..ops.normalization import LayerNorm
    floats_only(input, "LayerNormKernelImpl")
    shape = tuple(int(n) for n in normalized_shape)
    if tuple(input.shape[-len(shape):]) != shape or input.dim() < len(shape):
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(shape)}")
    _check_parameter_dtypes(input, weight, bias)
    return LayerNorm.apply(input, weight, bias, n=len(shape), eps=eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channel groups by their own mean and (biased) variance."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    floats_only(input, "GroupNormKernelImpl")
    n, c = input.shape[:2]
    if num_groups == 0:  # torch's Python code divides by it first
        raise ZeroDivisionError("integer division or modulo by zero")
    if num_groups < 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    _check_parameter_dtypes(input, weight, bias)
    per_group = [n * c // num_groups, num_groups] + list(input.shape[2:])
    if per_group[0] * math.prod(per_group[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {per_group}")
    check_groups(input, num_groups)
    return NativeGroupNorm.apply(input, num_groups, weight, bias, eps)


def check_groups(input: Tensor, num_groups: int) -> None:
    if input.shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")


def _group_norm(input, num_groups, weight, bias, eps):
    """Each sample's channel groups normalised by their own mean and (biased) variance, then scaled and shifted.

    As torch's kernel: (x - mean) · rstd without weight and bias, else x · α + β per sample and channel, with
    α = rstd · w and β = b - α · mean, each of the last two one fused multiply-add (addcmul rounds once)."""
    n, c = input.shape[:2]
    grouped = input.reshape(n, num_groups, c // num_groups * math.prod(input.shape[2:]))
    mean, rstd = group_statistics(grouped, eps)
    if weight is None and bias is None:
        return ((grouped - mean) * rstd).reshape(input.shape)
    per_channel = [n, c] + [1] * (input.dim() - 2)
    mean, rstd = (s.expand(n, num_groups, c // num_groups).reshape(per_channel) for s in (mean, rstd))
    alpha = rstd if weight is None else rstd * weight.reshape(per_channel[1:])
    beta = -alpha * mean if bias is None else bias.reshape(per_channel[1:]).addcmul(-alpha, mean)
    return beta.addcmul(alpha, input)


def group_statistics(grouped: Tensor, eps: float):
    """Per row of `grouped` (N, groups, values), as torch's kernel gives them: the mean and 1/√(biased variance +
    eps), both keeping the last dim (size 1). The kernel takes the root in float64; its derivatives (torch's
    formulas) are in the input's dtype, so the float64 value enters as a constant correction."""
    mean, var = _exact_on_constant_rows(grouped, grouped.mean(-1, keepdim=True),
                                        grouped.var(-1, correction=0, keepdim=True))
    rstd = (var + eps).rsqrt()
    return mean, rstd + ((var.detach().double() + eps).rsqrt().to(var.dtype) - rstd.detach())


def _exact_on_constant_rows(rows, mean, var):
    """The mean and variance over the last dim, with a row of equal values given its value as mean and no spread,
    as torch's Welford moments give it (a rounded sum / n can miss the value by an ulp and leave a tiny spread,
    which 1/√(var + eps) magnifies). The correction is a constant: the derivatives stay those of mean and var."""
    rows, first = rows.detach(), rows.detach()[..., :1]
    constant = (rows == first).all(-1, keepdim=True)
    return mean + (first - mean.detach()).where(constant, 0), var - var.detach().where(constant, 0)


def group_norm_saved_values(positions: dict) -> dict:
    """torch's saved attributes of NativeGroupNormBackward0 for a Fused group-norm node whose arguments sit at
    `positions` ({"input": 0, "weight": 2, "group": 1, "eps": 4}): the sizes N, C and HxW of the input, and
    result1 and result2, each sample's per-group mean and 1/√(variance + eps), (N, group), recomputed."""
    def statistic(i):
        def read(node):
            x, group = saved_argument(positions["input"])(node), node.args[positions["group"]]
            with no_grad():
                grouped = x.reshape(x.shape[0], group, math.prod(x.shape[1:]) // group)  # -1 fails for N = 0
                return group_statistics(grouped, node.args[positions["eps"]])[i].squeeze(-1)
        return read
    return {"input": saved_argument(positions["input"]), "weight": saved_argument(positions["weight"]),
            "N": lambda node: node.shapes[0][0], "C": lambda node: node.shapes[0][1],
            "HxW": lambda node: math.prod(node.shapes[0][2:]), "group": lambda node: node.args[positions["group"]],
            "eps": lambda node: node.args[positions["eps"]], "result1": statistic(0), "result2": statistic(1)}


class NativeGroupNorm(Fused):
    node_name = "NativeGroupNormBackward0"
    definition = staticmethod(_group_norm)
    saved_values = group_norm_saved_values({"input": 0, "group": 1, "weight": 2, "eps": 4})


@batched.as_one_op
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of `weight` at the indices in `input`; the padding row receives no gradient."""
    if padding_idx is not None and not -weight.shape[0] <= padding_idx < weight.shape[0]:
        raise AssertionError("Padding_idx must be within num_embeddings")  # torch's Python asserts first
    _embedding_arguments(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)
    refuse_sparse_gradient("embedding", "sparse", sparse)
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    from ..ops.indexing import Embedding
    if padding_idx is not None:
        padding_idx %= weight.shape[0]
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return Embedding.apply(weight, input, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)


def _embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the rows `input` refers to, in place and untracked, to norm at most max_norm (torch's
    factor max_norm / (norm + 1e-7))."""
    from ..autograd import no_grad
    with no_grad():
        rows = input.reshape(-1).unique()
        weight = weight.detach()  # the same memory, without a tangent: forward mode does not see it either
        norms = weight[rows].norm(norm_type, 1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, 1.0)
        weight[rows] = weight[rows] * scale.to(weight.dtype)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    from ..ops.creation import arange
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if batched.is_batched(tensor) and num_classes <= 0:  # vmap cannot read the classes off the values
        raise RuntimeError("When vmap-ing torch.nn.functional.one_hot, please provide an explicit positive "
                           "num_classes argument.")
    values = tensor._data
    if num_classes == -1:
        if values.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(values.max()) + 1
    if values.size and int(values.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if values.size and int(values.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == arange(num_classes)).long()


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """input / max(||input||_p over dim, eps)."""
    if out is not None:
        from ..ops.out import compute_into
        return compute_into(normalize, (input, p, dim, eps), {}, out)
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1/||x1|| * x2/||x2||) over dim; each norm is clamped at eps without changing its gradient."""
    from ..autograd.grad_mode import no_grad
    from ..ops.shape import broadcast_tensors
    dt = D.promote_types(x1.dtype, x2.dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {dt.word}")
    x1, x2 = x1.to(dt), x2.to(dt)
    if x1.shape != x2.shape:
        x1, x2 = broadcast_tensors(x1, x2)
    x1_norm, x2_norm = x1.norm(2, dim, keepdim=True).clone(), x2.norm(2, dim, keepdim=True).clone()
    with no_grad():
        x1_norm.clamp_min_(eps)
        x2_norm.clamp_min_(eps)
    return ((x1 / x1_norm) * (x2 / x2_norm)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    from ..ops.reduction import norm_dim
    dim = max(x1.dim(), x2.dim()) - 1
    diff = add_by_number(x1 - x2, eps)
    return norm_dim(diff, p, dim, keepdim) if dim >= 0 else diff.norm(p, None, keepdim=keepdim)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Pointwise target * (log target - input) with `input` a log-probability (and `target` one too if log_target)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not input.is_floating_point() or not target.is_floating_point():
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.")
    return _reduce(loss, reduction)


def _check_bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """torch's checks of bilinear's operands: one dtype, matching batch dims, sizes that fit the weight."""
    tensors = {"input1": input1, "input2": input2, "weight": weight} | ({} if bias is None else {"bias": bias})
    if len({t.dtype for t in tensors.values()}) > 1:
        got = ", ".join(f"{k}: {t.dtype.c_name}" for k, t in tensors.items())
        raise RuntimeError(f"All tensors must have the same dtype, got {got}")
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    for a, b in zip(input1.shape[:-1], input2.shape[:-1]):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {a} and {b}")
    if weight.dim() < 3:
        wrap_dim(2, weight.dim())  # torch reads the weight's third size: IndexError
    for name, x, w in (("input1", input1, weight.shape[1]), ("input2", input2, weight.shape[2])):
        if x.dim() == 0 or x.shape[-1] != w:
            got = x.shape[-1] if x.dim() else "a 0-d tensor"
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {got} but expected {w}")
    if bias is not None and size_at(bias, 0) != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0] if bias.dim() else 'a 0-d tensor'} but expected {weight.shape[0]}")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = x1ᵀ W_o x2 + b_o for each output feature o."""
    _check_bilinear(input1, input2, weight, bias)
    from ..ops.trilinear import _trilinear
    # as torch: the inputs flattened to rows, one _trilinear (x1 · W contracted first, then with x2), reshaped
    out = _trilinear(input1.reshape(-1, input1.shape[-1]), weight, input2.reshape(-1, input2.shape[-1]),
                     [1, 3], [0], [1, 2], [2, 3]).reshape(*input1.shape[:-1], weight.shape[0])
    return out if bias is None else out + bias


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of interpolate, kept for old course code."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate with mode='nearest'."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate with mode='bilinear' and align_corners=True."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "pad", "interpolate", "upsample", "normalize", "cosine_similarity", "pairwise_distance", "kl_div",
           "bilinear", "dropout1d", "dropout2d", "dropout3d", "conv_transpose2d", "adaptive_max_pool2d", "batch_norm", "layer_norm", "group_norm", "embedding", "one_hot", "conv1d", "conv2d", "fold", "unfold", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "avg_pool2d", "max_pool2d", "leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "logsigmoid", "relu6", "hardswish", "hardsigmoid", "dropout",
           "selu", "celu", "mish", "threshold", "hardshrink", "softshrink", "tanhshrink", "softsign", "softmin", "glu",
           "prelu", "rrelu", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "smooth_l1_loss", "huber_loss",
           "linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss", "nll_loss",
           "cross_entropy",
           "margin_ranking_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss", "cosine_embedding_loss", "hinge_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
           "conv3d", "conv_transpose1d", "conv_transpose3d", "adaptive_max_pool1d", "adaptive_max_pool3d", "avg_pool1d", "avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_pool1d", "max_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "channel_shuffle", "pixel_shuffle", "pixel_unshuffle", "pdist", "alpha_dropout", "feature_alpha_dropout", "instance_norm", "local_response_norm", "rms_norm", "embedding_bag", "upsample_nearest", "upsample_bilinear", "affine_grid", "grid_sample", "fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices", "ctc_loss", "linear_cross_entropy"]

# A tensor parameter given anything else raises torch's TypeError, naming it. torch's functions
# implemented in C check every argument's type; its Python ones take any truthy flag or number.
from ..ops.arguments import checked as _checked  # noqa: E402

# (and those whose flags reach a C function unchanged: batch_norm's training, kl_div's log_target, ...)
_IN_C = {"avg_pool2d", "bilinear", "conv1d", "conv2d", "conv_transpose2d", "cosine_similarity", "gelu", "linear",
         "one_hot", "pairwise_distance", "scaled_dot_product_attention", "softplus", "kl_div",
         "cross_entropy", "nll_loss", "group_norm", "layer_norm", "pad", "adaptive_avg_pool1d", "logsigmoid",
         "hardshrink", "softshrink", "prelu", "conv3d", "conv_transpose1d", "conv_transpose3d", "pixel_shuffle",
         "pixel_unshuffle", "channel_shuffle", "pdist", "avg_pool1d", "avg_pool3d", "rms_norm", "max_pool1d_with_indices",
         "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
         "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"}


from ..ops.arguments import c_parser as _c_parser  # noqa: E402

_batch_norm_arguments = _c_parser("batch_norm")(_batch_norm_parser)
_embedding_arguments = _c_parser("embedding")(_embedding_parser)
for _name in __all__:
    # torch's functional forms are Python functions: no NumPy-named keywords
    globals()[_name] = _checked(globals()[_name], kinds=None if _name in _IN_C else ("Tensor", "tuple of Tensors"),
                                aliases=False)
