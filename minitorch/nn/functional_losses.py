"""The margin, embedding and likelihood losses of torch.nn.functional.

Most are compositions of ops, written as torch's own composites write them, so the graph has torch's
nodes (a ranking loss ends in ClampMinBackward0 under the reduction). The three torch computes in one
kernel (soft margin, multi-label margin, multi-class margin) are fused ops under torch's node names.
"""
from __future__ import annotations

import math

from .. import dtypes as D
from ..autograd import batched
from ..autograd.saved_values import reduction as saved_reduction
from ..ops.arguments import c_parser
from ..ops.creation import arange
from ..ops.fused import Fused, saved_argument
from ..ops.pointwise import add_by_number, sub_by_number, where
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


ENUM = {"none": 0, "mean": 1, "sum": 2}


def _reduction(size_average, reduce, reduction: str) -> str:
    """The reduction after torch's legacy flags, checked as torch's get_enum checks it."""
    from .functional import _legacy_reduction
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ENUM:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


@c_parser("margin_ranking_loss")
def _margin_ranking_arguments(input1: Tensor, input2: Tensor, target: Tensor, margin: float, reduction: int):
    """torch.margin_ranking_loss's parameters."""


@c_parser("triplet_margin_loss")
def _triplet_arguments(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float, p: float, eps: float,
                       swap: bool, reduction: int):
    """torch.triplet_margin_loss's parameters."""


@c_parser("cosine_embedding_loss")
def _cosine_embedding_arguments(input1: Tensor, input2: Tensor, target: Tensor, margin: float, reduction: int):
    """torch.cosine_embedding_loss's parameters."""


@c_parser("hinge_embedding_loss")
def _hinge_arguments(input: Tensor, target: Tensor, margin: float, reduction: int):
    """torch.hinge_embedding_loss's parameters."""


@c_parser("poisson_nll_loss")
def _poisson_arguments(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float, reduction: int):
    """torch.poisson_nll_loss's parameters."""


@c_parser("soft_margin_loss")
def _soft_margin_arguments(input: Tensor, target: Tensor, reduction: int):
    """torch._C._nn.soft_margin_loss's parameters."""


@c_parser("multilabel_margin_loss")
def _multilabel_margin_arguments(input: Tensor, target: Tensor, reduction: int):
    """torch._C._nn.multilabel_margin_loss's parameters."""


@c_parser("multi_margin_loss")
def _multi_margin_arguments(input: Tensor, target: Tensor, p: float, margin: float, weight: Tensor | None,
                            reduction: int):
    """torch._C._nn.multi_margin_loss's parameters."""


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """torch's apply_loss_reduction: the mean, the sum, or the loss as it is."""
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _number_minus(number, t: Tensor) -> Tensor:
    """number − t as torch's C++ computes it: a tensor filled with the number, minus t (SubBackward0)."""
    return t.new_full(t.shape, number) - t


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, −y · (x₁ − x₂) + margin): y = 1 asks for x₁ above x₂ by the margin, y = −1 for the reverse."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    _margin_ranking_arguments(input1, input2, target, margin, ENUM[reduction])
    return _reduce(add_by_number(-target * (input1 - input2), margin).clamp_min(0), reduction)


def _check_margin(margin) -> None:
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")


def _check_triplet_dims(anchor, positive, negative) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim  # read as torch's Python reads them (an array has them too)
    if not a == p == n:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) − d(a, n) + margin) with d the p-norm distance; `swap` takes d(p, n) where it is smaller."""
    from .functional import pairwise_distance
    reduction = _reduction(size_average, reduce, reduction)
    _check_margin(margin)
    _triplet_arguments(anchor, positive, negative, margin, p, eps, swap, ENUM[reduction])
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = dist_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((add_by_number(dist_pos, margin) - dist_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """The triplet loss with any distance function (pairwise_distance by default). torch checks the reduction and
    the margin before it looks at the tensors (its Python function reads their dims next)."""
    from .functional import _check_reduction, pairwise_distance
    _check_reduction(reduction)
    _check_margin(margin)
    _check_triplet_dims(anchor, positive, negative)
    distance = distance_function if distance_function is not None else pairwise_distance
    dist_pos, dist_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        dist_neg = dist_neg.minimum(distance(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)


COSINE_EPSILON = 1e-12  # torch's guard on the squared magnitudes


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1."""
    reduction = _reduction(size_average, reduce, reduction)
    _cosine_embedding_arguments(input1, input2, target, margin, ENUM[reduction])
    dim = target.dim()
    if dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if dim == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{dim}D target tensor expects {want}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(dim)
    mag_square1 = add_by_number((input1 * input1).sum(dim), COSINE_EPSILON)
    mag_square2 = add_by_number((input2 * input2).sum(dim), COSINE_EPSILON)
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    zeros = cos.new_zeros(cos.shape)
    pos = _number_minus(1, cos)
    neg = sub_by_number(cos, margin).clamp_min(0)
    return _reduce(where(target == 1, pos, zeros) + where(target == -1, neg, zeros), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin − x) where y = −1."""
    reduction = _reduction(size_average, reduce, reduction)
    _hinge_arguments(input, target, margin, ENUM[reduction])
    zeros = input.new_zeros(input.shape)
    margin_clamp = _number_minus(margin, input).clamp_min(0)
    return _reduce(where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """The Poisson negative log-likelihood: exp(x) − y·x for a log-rate x (x − y·log(x + eps) for a rate),
    plus Stirling's y·log y − y + ½·log(2πy) where y > 1 when `full`."""
    from .functional import _legacy_reduction
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ENUM:
        raise ValueError(reduction + " is not a valid value for reduction")  # a non-string: TypeError, as torch's
    _poisson_arguments(input, target, log_input, full, eps, ENUM[reduction])
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * add_by_number(input, eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """The Gaussian negative log-likelihood ½(log σ² + (x − y)² / σ²) (+ ½ log 2π when `full`), with σ² clamped
    at eps without changing its gradient. `var` is input's shape, or one size short (the same for all)."""
    from ..autograd.grad_mode import no_grad
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * input.new_ones(input.shape)
    elif (var < 0).any():
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim() and sum(v for i, v in zip(input.size(), var.size()) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def _soft_margin(input, target, reduction):
    return _reduce((-target * input).exp().log1p(), reduction)


class SoftMarginLoss(Fused):
    """log(1 + exp(−y · x)), reduced."""

    node_name = "SoftMarginLossBackward0"
    definition = staticmethod(_soft_margin)
    saved_names = ("self", "target")
    saved_values = {"reduction": lambda node: saved_reduction(node.args[2])}


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """log(1 + exp(−y · x)) for labels y = ±1."""
    reduction = _reduction(size_average, reduce, reduction)
    _soft_margin_arguments(input, target, ENUM[reduction])
    _refuse_integers("soft_margin_loss", input)
    from ..ops.shape import broadcast_shapes
    shape = broadcast_shapes(input.shape, target.shape)  # torch's broadcasting error for shapes that do not fit
    if tuple(shape) != tuple(input.shape):  # the kernel writes into a loss of input's shape
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape {list(shape)}")
    return SoftMarginLoss.apply(input, target.to(input.dtype), reduction)  # the loss has input's dtype


def multilabel_soft_margin_loss(input: Tensor, target, weight=None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """−mean over classes of y·log σ(x) + (1 − y)·log σ(−x): one binary cross-entropy per class."""
    from .functional import _legacy_reduction, logsigmoid
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction not in REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _refuse_integers(kernel: str, input: Tensor) -> None:
    """torch's loss kernels are written for floating dtypes only."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype.word}'")


def _check_frames(input: Tensor) -> None:
    n = input.dim()
    if not ((n == 2 and input.shape[1] != 0) or (n == 1 and input.shape[0] != 0) or n == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")


def _multilabel_margin(input, target, reduction):
    """Σ over targets j and non-targets i of max(0, 1 − (x[yⱼ] − x[i])), divided by the class count."""
    x = input.reshape(-1, max(input.shape[-1:] or (1,)))
    t = target.reshape(x.shape)
    valid = (t >= 0).long().cumprod(1).bool()       # the targets: the labels before the first −1
    labels = t.clamp_min(0)
    is_target = x.new_zeros(x.shape).long().scatter_add(1, labels, valid.long()) > 0
    x_target = x.gather(1, labels)
    # relu: no gradient where a margin is exactly met, as torch's kernel counts only z > 0
    margins = _number_minus(1, x_target.unsqueeze(2) - x.unsqueeze(1)).relu()
    pairs = valid.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = (margins * pairs).sum((1, 2)) / x.shape[1]
    return _reduce(loss if input.dim() == 2 else loss.reshape(()), reduction)


def _is_target(node):
    """torch's saved is_target: 1 at each sample's target classes (its labels before the first −1), in input's
    shape and dtype."""
    x, target = node.saved_tensors
    rows = target.reshape(-1, max(x.shape[-1:] or (1,)))
    marks = x.new_zeros(rows.shape)
    for r, row in enumerate(rows.tolist()):
        for label in row:
            if label < 0:
                break
            marks[r, label] = 1
    return marks.reshape(x.shape)


class MultilabelMarginLoss(Fused):
    node_name = "MultilabelMarginLossBackward0"
    definition = staticmethod(_multilabel_margin)
    saved_names = ("self", "target")
    saved_values = {"is_target": _is_target, "reduction": lambda node: saved_reduction(node.args[2])}


@batched.as_one_op
def multilabel_margin_loss(input, target, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss for several labels per sample: `target` lists class indices, ended by −1."""
    reduction = _reduction(size_average, reduce, reduction)
    _multilabel_margin_arguments(input, target, ENUM[reduction])
    _check_frames(input)
    if input.dim() == 2:
        fits = target.dim() == 2 and tuple(target.shape) == tuple(input.shape)
    else:
        fits = target.dim() <= 1 and target.numel() == (input.shape[0] if input.dim() else 1)
    if not fits:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    # torch's kernel then dispatches on the input's dtype, reads the target as int64, and checks each label
    _refuse_integers("multilabel_margin_loss_forward_out_frame", input)
    if target.dtype is not D.int64:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.word}")
    classes = input.shape[-1] if input.dim() else 1
    if target.numel() and (bool((target < -1).any()) or bool((target >= classes).any())):
        raise RuntimeError("argument #2 'target' is out of range")
    return MultilabelMarginLoss.apply(input, target, reduction)


def _multi_margin(input, target, weight, p, margin, reduction):
    """Σ over classes i ≠ y of max(0, margin − x[y] + x[i])^p (times weight[y]), divided by the class count."""
    x = input.reshape(-1, max(input.shape[-1:] or (1,)))
    t = target.reshape(-1, 1)
    z = add_by_number(x - x.gather(1, t), margin)
    # a term counts where z > 0 and i ≠ y, as torch's kernel tests it: a NaN z (margin NaN, inf − inf) adds nothing
    counted = (z > 0) & (t != arange(x.shape[1], device=x.device))
    margins = z.where(counted, 0.0)
    if p == 2:
        margins = margins * margins
    if weight is not None:
        margins = margins * weight[t]
    loss = margins.sum(1) / x.shape[1]
    return _reduce(loss.reshape(target.shape), reduction)


class MultiMarginLoss(Fused):
    node_name = "MultiMarginLossBackward0"
    definition = staticmethod(_multi_margin)
    saved_values = {"self": saved_argument(0), "target": saved_argument(1), "weight": saved_argument(2),
                    "p": lambda node: node.args[3], "margin": lambda node: node.args[4],
                    "reduction": lambda node: saved_reduction(node.args[5])}


@batched.as_one_op
def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss: each wrong class i within `margin` of the right class y costs
    (margin − x[y] + x[i])^p."""
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _multi_margin_arguments(input, target, p, margin, weight, ENUM[reduction])
    _check_frames(input)
    frames = input.shape[0] if input.dim() == 2 else 1
    classes = input.shape[-1] if input.dim() else 1
    if target.dim() > 1 or target.numel() != frames:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{frames}], but got {list(target.shape)}. "
                           f"Input has shape {list(input.shape)}.")
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight.shape)}")
    # the kernel's own checks, in its order: input's dtype, then the dtypes it reads target and weight in
    _refuse_integers("multi_margin_loss_cpu_kernel", input)
    if target.dtype.is_floating_point or target.dtype.name == "bool":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.word}")
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.word} but found {weight.dtype.word}")
    if bool((target < 0).any()) or bool((target >= classes).any()):
        raise RuntimeError("target out of range")
    return MultiMarginLoss.apply(input, target, weight, p, margin, reduction)
