"""nn.utils: gradient clipping and flattening parameters to a vector."""
from __future__ import annotations

import math

from ...autograd.grad_mode import no_grad
from ...ops.creation import tensor
from ...ops.shape import cat


def _params(parameters):
    from ...tensor import Tensor
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None):
    """Scale all gradients so that their joint norm is at most max_norm; returns the norm before."""
    norm_type = float(norm_type)
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return tensor(0.0)
    norms = [g.detach().norm(norm_type) for g in grads]
    total = (cat([n.reshape(1) for n in norms]).amax() if math.isinf(norm_type)
             else cat([n.reshape(1) for n in norms]).norm(norm_type))
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped. To disable this error and scale the gradients by the "
                           "non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
    with no_grad():
        for g in grads:
            g.mul_(coef.to(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    with no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    return cat([p.reshape(-1) for p in _params(parameters)])


def vector_to_parameters(vec, parameters) -> None:
    offset = 0
    with no_grad():
        for p in _params(parameters):
            n = p.numel()
            p.copy_(vec[offset:offset + n].view_as(p))
            offset += n

from . import rnn  # noqa: E402,F401  (nn.utils.rnn: packed sequences)
