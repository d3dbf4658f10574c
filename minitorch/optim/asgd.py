"""Averaged SGD (torch's update): SGD with a decaying step, and a running average of the iterates
(`ax`) that starts at step t0."""
from __future__ import annotations

from .. import dtypes as D
from ..ops.creation import ones, tensor, zeros_like
from .optimizer import Optimizer, check_non_negative, implementation_flags


class ASGD(Optimizer):
    _checks_capture = True

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_non_negative(lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      **implementation_flags(foreach, capturable=capturable,
                                                             differentiable=differentiable),
                                      maximize=maximize))

    def _update(self, p, grad, state, group):
        """p = p (1 - lambd eta) - eta g; ax += mu (p - ax); then eta = lr / (1 + lambd lr t)^alpha and
        mu = 1 / max(1, t - t0). eta and mu are float32 scalars, as torch keeps them."""
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state.update(step=0, eta=tensor(lr, dtype=D.float32, device=p.device),
                         mu=ones((), dtype=D.float32, device=p.device), ax=zeros_like(p))
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"]:
            g = g.add(p, alpha=group["weight_decay"])
        eta = state["eta"].item()
        p.mul_(1 - lambd * eta)
        p.add_(g, alpha=-eta)
        ax, mu = state["ax"], state["mu"]
        if mu.item() != 1:
            ax.add_(p.sub(ax).mul_(mu))
        else:
            ax.copy_(p)
        t = state["step"]
        state["eta"].fill_(lr / ((1 + lambd * lr * t) ** group["alpha"]))
        state["mu"].fill_(1 / max(1, t - group["t0"]))
