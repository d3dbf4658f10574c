"""Connectionist temporal classification: the negative log-likelihood of a label sequence under per-step
class log-probabilities, summed over every alignment (blanks and repeats collapsed), by the forward-backward
recursions over the label sequence with blanks interleaved (l′ = blank, l₁, blank, l₂, ..., blank)."""
from __future__ import annotations

import numpy as np

from ..autograd import batched
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, torch_ints
from ..ops.arguments import c_parser
from ..tensor import Tensor
from ..ops._helpers import host_array

NEG_INF = -np.inf


def _logsumexp(*terms):
    stacked = np.stack(terms)
    top = stacked.max(0)
    safe = np.where(np.isinf(top), 0.0, top)
    with np.errstate(divide="ignore"):
        return np.where(np.isinf(top), top, safe + np.log(np.exp(stacked - safe).sum(0)))


def _extended(target):
    """l′: the target's labels with a blank before each and one at the end (blank is filled in by the caller)."""
    ext = np.full(2 * len(target) + 1, -1, np.int64)
    ext[1::2] = target
    return ext


def _skip_allowed(ext):
    """Where α may come from two positions back: a label different from the label two positions before."""
    allowed = np.zeros(len(ext), bool)
    allowed[2:] = (ext[2:] != ext[:-2]) & (np.arange(2, len(ext)) % 2 == 1)
    return allowed


def _alpha(lp, ext, skip, length):
    """log α_t(s) for t < length: the log-probability of the prefixes of l′ ending at s after step t."""
    steps, size = length, len(ext)
    alpha = np.full((max(steps, 1), size), NEG_INF)
    if steps == 0:
        return alpha
    alpha[0, 0] = lp[0, ext[0]]
    if size > 1:
        alpha[0, 1] = lp[0, ext[1]]
    for t in range(1, steps):
        prev = alpha[t - 1]
        one = np.concatenate([[NEG_INF], prev[:-1]])
        two = np.where(skip, np.concatenate([[NEG_INF, NEG_INF], prev[:-2]])[:size], NEG_INF)
        alpha[t] = lp[t, ext] + _logsumexp(prev, one, two)
    return alpha


def _beta(lp, ext, skip, length):
    """log β_t(s): the log-probability of the suffixes of l′ from s at step t (with step t's emission)."""
    size = len(ext)
    beta = np.full((max(length, 1), size), NEG_INF)
    if length == 0:
        return beta
    beta[length - 1, size - 1] = lp[length - 1, ext[size - 1]]
    if size > 1:
        beta[length - 1, size - 2] = lp[length - 1, ext[size - 2]]
    skip_next = np.concatenate([skip[2:], [False, False]])[:size]   # s → s + 2 where s + 2 may skip back to s
    for t in range(length - 2, -1, -1):
        nxt = beta[t + 1]
        one = np.concatenate([nxt[1:], [NEG_INF]])
        two = np.where(skip_next, np.concatenate([nxt[2:], [NEG_INF, NEG_INF]])[:size], NEG_INF)
        beta[t] = lp[t, ext] + _logsumexp(nxt, one, two)
    return beta


def _log_alpha(node):
    """torch's `_saved_result1`: log α of each sample, (N, T, 2·max(target_lengths) + 1). torch's kernel fills the
    first step's row with -inf before writing it and writes later steps only where the sample has them (t below
    its input length, s below 2·its target length + 1); minitorch leaves -inf where torch leaves memory unwritten."""
    steps, batch = node.host.shape[:2]
    width = 2 * max(node.target_lengths, default=0) + 1
    log_alpha = np.full((batch, steps, width), NEG_INF)
    for b, ((ext, _, alpha), length) in enumerate(zip(node.kept, node.lengths)):
        if length:
            log_alpha[b, :length, :len(ext)] = alpha[:length]
    device = node._out_meta[0][2]
    return Tensor._wrap(device.backend.xp.asarray(log_alpha.astype(node.host_dtype)), device)


class CtcLoss(Primitive):
    """The per-sample CTC negative log-likelihood. Its gradient is torch's: exp(log_probs) − (the posterior
    occupancy of each class), which is the gradient with respect to the logits once it passes back through the
    log_softmax that produced log_probs."""

    node_name = "CtcLossBackward0"
    formula = "grad_log_probs = (exp(lp) − exp(log Σ_{s: l′_s = c} α_t(s) β_t(s) + nll − lp)) · grad"
    saved_names = ("log_probs", "targets", "result0")
    saved_values = {"input_lengths": attribute("lengths", torch_ints),
                    "target_lengths": attribute("target_lengths", torch_ints), "blank": attribute("blank"),
                    "zero_infinity": attribute("zero_infinity"), "result1": _log_alpha}

    @staticmethod
    def forward(ctx, log_probs, *, targets, input_lengths, target_lengths, blank, zero_infinity, given_targets):
        """`targets`: each sample's labels; `given_targets`: the targets tensor as int64, which torch's node keeps."""
        host = host_array(log_probs).astype(np.float64)
        nll = np.zeros(host.shape[1])
        kept = []
        for b, (target, length) in enumerate(zip(targets, input_lengths)):
            ext = _extended(target)
            ext[0::2] = blank
            skip = _skip_allowed(ext)
            lp = host[:, b]
            alpha = _alpha(lp, ext, skip, length)
            if length == 0:
                nll[b] = 0.0 if len(target) == 0 else np.inf
            else:
                last = alpha[length - 1]
                nll[b] = -_logsumexp(last[-1], last[-2] if len(ext) > 1 else NEG_INF)
            kept.append((ext, skip, alpha))
        ctx.host, ctx.kept, ctx.nll, ctx.host_dtype = host, kept, nll, log_probs.dtype
        ctx.lengths, ctx.target_lengths = input_lengths, target_lengths
        ctx.blank, ctx.zero_infinity = blank, zero_infinity
        out = ctx.xp.asarray(nll.astype(log_probs.dtype))
        ctx.save_for_backward(log_probs, given_targets, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        """Not differentiable again: torch has no derivative of its CTC gradient either."""
        from ..ops.creation import tensor
        grad = _gradient(ctx, ctx.host, gy.detach().cpu().numpy().astype(np.float64))
        return tensor(grad, dtype=gy.dtype, device=gy.device)


def _gradient(ctx, host, grad_out):
    """torch's CTC gradient for each sample, zero past its input length (and for infinite losses with
    zero_infinity)."""
    grad = np.zeros_like(host)
    for b, ((ext, skip, alpha), length) in enumerate(zip(ctx.kept, ctx.lengths)):
        nll = ctx.nll[b]
        if length == 0 or (ctx.zero_infinity and np.isinf(nll)):
            continue
        lp = host[:length, b]
        beta = _beta(host[:, b], ext, skip, length)
        occupancy = np.full(lp.shape, NEG_INF)
        both = alpha[:length] + beta[:length]
        for s, label in enumerate(ext):
            occupancy[:, label] = _logsumexp(occupancy[:, label], both[:, s])
        with np.errstate(all="ignore"):
            grad[:length, b] = (np.exp(lp) - np.exp(occupancy + nll - lp)) * grad_out[b]
    return grad


@c_parser("ctc_loss")
def _ctc_arguments(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int, reduction: int,
                   zero_infinity: bool):
    """torch.ctc_loss's parameters."""


def _checked_from(message: str) -> str:
    return f"{message} (while checking arguments for ctc_loss_allocate_outputs)"


def _check_length(name: str, value: int, at_most: int | None = None) -> None:
    if value < 0:
        raise RuntimeError(_checked_from(f"Expected {name} to have value at least 0, but got value {value}"))
    if at_most is not None and value > at_most:
        raise RuntimeError(_checked_from(f"Expected {name} to have value at most {at_most}, but got value {value}"))


def _target_sequences(targets: Tensor, lengths: list, batch: int) -> list:
    """Each sample's labels, from concatenated 1-d targets or padded (N, S) ones, with torch's checks (only
    the first two dims of targets are read; bool labels read as 0 and 1)."""
    if targets.dim() not in (1, 2):
        raise RuntimeError(_checked_from(f"Expected 1 to 2 dimensions, but got {targets.dim()}-dimensional tensor "
                                         "for argument #2 'targets'"))
    for length in lengths:
        _check_length("target_lengths", length)
    labels = targets.detach().cpu().numpy().astype(np.int64)
    if targets.dim() == 1:
        if labels.shape[0] != sum(lengths):
            raise RuntimeError(_checked_from(f"Expected tensor to have size {sum(lengths)} at dimension 0, but got "
                                             f"size {labels.shape[0]} for argument #2 'targets'"))
        offsets = np.cumsum([0] + lengths)
        return [labels[offsets[b]:offsets[b + 1]] for b in range(batch)]
    if labels.shape[0] != batch:
        raise RuntimeError(_checked_from(f"Expected tensor to have size {batch} at dimension 0, but got size "
                                         f"{labels.shape[0]} for argument #2 'targets'"))
    if lengths and max(lengths) > labels.shape[1]:
        raise RuntimeError(_checked_from(f"Expected tensor to have size at least {max(lengths)} at dimension 1, but "
                                         f"got size {labels.shape[1]} for argument #2 'targets'"))
    return [labels[b, :length] for b, length in enumerate(lengths)]


def _lengths(name: str, value, batch: int):
    if isinstance(value, Tensor) and (value.dtype.is_floating_point or value.dtype.name == "bool"):
        raise RuntimeError(f"{name} must be integral")
    values = value.reshape(-1).tolist() if isinstance(value, Tensor) else list(value)  # any shape: its elements
    if len(values) != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    return [int(v) for v in values]


@batched.as_one_op
def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss of log_probs (T, N, C) (log-softmax outputs) against targets, padded (N, S) or concatenated
    1-d; 'mean' divides each loss by its target length, then averages over the batch."""
    from .functional_losses import ENUM
    if reduction not in ENUM:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _ctc_arguments(log_probs, targets, input_lengths, target_lengths, blank, ENUM[reduction], zero_infinity)
    int_lists = all(isinstance(v, (list, tuple)) and all(isinstance(n, int) and not isinstance(n, bool) for n in v)
                    for v in (input_lengths, target_lengths))
    if not (int_lists or (isinstance(input_lengths, Tensor) and isinstance(target_lengths, Tensor))):
        raise TypeError(f"ctc_loss() received an invalid combination of arguments - got (Tensor, Tensor, "
                        f"{type(input_lengths).__name__}, {type(target_lengths).__name__}, ...), but expected the "
                        "lengths as two tensors or two tuples of ints")
    if not log_probs.dtype.is_floating_point:
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{log_probs.dtype.word}'")
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs to be 2-D or 3-D, got {log_probs.dim()}-D")
    steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    if isinstance(input_lengths, Tensor) and unbatched:
        input_lengths, target_lengths = input_lengths.reshape(1), target_lengths.reshape(1)
    in_lengths = _lengths("input_lengths", input_lengths, batch)
    out_lengths = _lengths("target_lengths", target_lengths, batch)
    if targets.dtype.is_floating_point:
        raise RuntimeError(f"ctc_loss: expected targets of an integer dtype, got {targets.dtype}")
    sequences = _target_sequences(targets, out_lengths, batch)
    for labels in sequences:  # torch's CPU kernel reads outside log_probs for such labels (undefined behaviour)
        if len(labels) and (labels.min() < 0 or labels.max() >= classes):
            bad = labels[(labels < 0) | (labels >= classes)][0]
            raise RuntimeError(f"ctc_loss: targets must be class indices in [0, {classes}), but got {bad}")
    for length in in_lengths:
        _check_length("input_lengths", length, at_most=steps)
    loss = CtcLoss.apply(lp, targets=sequences, input_lengths=in_lengths, target_lengths=out_lengths, blank=blank,
                         zero_infinity=zero_infinity, given_targets=targets.long())
    if zero_infinity:
        from ..ops.pointwise import where
        loss = where(loss == float("inf"), loss.new_zeros(()), loss)  # torch's where, condition and all
    if reduction == "mean":
        from ..ops.creation import tensor
        divisor = tensor(out_lengths, dtype=loss.dtype, device=loss.device).clamp_min(1)
        return (loss / divisor).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss
