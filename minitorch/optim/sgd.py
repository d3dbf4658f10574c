"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (torch's update)."""
from __future__ import annotations

from .optimizer import Optimizer, check_non_negative, implementation_flags, required


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr is not required:
            check_non_negative(lr=lr)
        check_non_negative(momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize,
                                      **implementation_flags(foreach, fused, None, differentiable)))

    def _update(self, p, grad, state, group):
        """g = grad (+ wd * p); b = mu * b + (1 - dampening) * g; p -= lr * (g + mu * b if nesterov else b)."""
        g = -grad if group["maximize"] else grad
        if group["weight_decay"]:
            g = g.add(p, alpha=group["weight_decay"])
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.clone().detach()
            else:
                buf.mul_(mu).add_(g, alpha=1 - group["dampening"])
            g = g.add(buf, alpha=mu) if group["nesterov"] else buf
        p.add_(g, alpha=-group["lr"])
