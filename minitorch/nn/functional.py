"""nn.functional: the functional form of the layers and losses."""
from __future__ import annotations

from ..ops.activation import log_softmax, relu, softmax  # noqa: F401
from ..tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias."""
    out = input @ weight.t()
    return out if bias is None else out + bias


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


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """mean((input - target)^2)."""
    _check_same_size(input, target, "mse_loss")
    return _reduce((input - target) ** 2, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    _check_same_size(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """-input[n, target[n]] * weight[target[n]], averaged over the weights of non-ignored targets."""
    if target.is_floating_point():
        raise RuntimeError(f"expected scalar type Long but found {target.dtype}")
    if input.dim() < 1 or (input.dim() >= 2 and target.shape != input.shape[:1] + input.shape[2:]):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.dim() else 1}).")
    if input.dim() == 1:
        input, target = input.unsqueeze(0), target.reshape(1)
    keep = target != ignore_index
    safe = target.masked_fill(~keep, 0)
    n_classes = input.shape[1]
    if safe.numel() and (safe.min().item() < 0 or safe.max().item() >= n_classes):
        raise IndexError(f"Target {int(safe.max().item())} is out of bounds.")
    picked = input.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = keep.to(input.dtype) if weight is None else weight[safe] * keep
    loss = -picked * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """nll_loss(log_softmax(input, 1), target); target may also hold class probabilities."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    class_dim = 1 if input.dim() >= 2 else 0
    logp = log_softmax(input, class_dim)
    n_classes = input.shape[class_dim]
    wshape = [1] * input.dim()
    wshape[class_dim] = n_classes
    if target.is_floating_point():  # class probabilities
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        w = 1 if weight is None else weight.reshape(wshape)
        loss = -(logp * target * w).sum(class_dim)
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if not label_smoothing:
        return nll
    keep = target != ignore_index
    w = 1 if weight is None else weight.reshape(wshape)
    smooth = -(logp * w).sum(class_dim) * keep
    if reduction == "mean":
        denom = keep.sum() if weight is None else (weight[target.masked_fill(~keep, 0)] * keep).sum()
        smooth = smooth.sum() / denom
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


__all__ = ["linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss", "nll_loss",
           "cross_entropy"]
