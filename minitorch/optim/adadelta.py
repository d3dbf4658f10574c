"""Adadelta (torch's update): a step whose size is the ratio of two running RMS values."""
from __future__ import annotations

from ..ops.creation import zeros_like
from .optimizer import Optimizer, check_non_negative, implementation_flags


class Adadelta(Optimizer):
    _checks_capture = True

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      **implementation_flags(foreach, capturable=capturable,
                                                             differentiable=differentiable)))

    def _update(self, p, grad, state, group):
        """v = rho v + (1 - rho) g²; Δ = √(u + eps) / √(v + eps) · g; u = rho u + (1 - rho) Δ²; p -= lr Δ."""
        if not state:
            state.update(step=0, square_avg=zeros_like(p), acc_delta=zeros_like(p))
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"]:
            g = g.add(p, alpha=group["weight_decay"])
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_().div_(std).mul_(g)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        p.add_(delta, alpha=-group["lr"])
