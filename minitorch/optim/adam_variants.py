"""Adam's relatives as torch computes them (single-tensor updates): RAdam (a rectified adaptive step),
NAdam (Nesterov momentum with a momentum schedule) and Adamax (the infinity norm in place of v)."""
from __future__ import annotations

from .. import dtypes as D
from ..ops.creation import ones, zeros_like
from .optimizer import Optimizer, check_betas, check_non_negative, implementation_flags

def _adam_moments(p, grad, state, group):
    """Count the step, apply weight decay (L2 or decoupled), update m and v; returns (g, step)."""
    g = -grad if group["maximize"] else grad
    state["step"] += 1
    lr, wd = group["lr"], group["weight_decay"]
    if wd:
        if group.get("decoupled_weight_decay"):
            p.mul_(1 - lr * wd)
        else:
            g = g.add(p, alpha=wd)
    b1, b2 = group["betas"]
    state["exp_avg"].lerp_(g, 1 - b1)
    state["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
    return g, state["step"]

class RAdam(Optimizer):
    """Adam whose adaptive step is switched on (and scaled by a rectifier r_t) once the variance of the
    adaptive learning rate is tractable (rho_t > 5); before that, plain momentum SGD."""

    _checks_capture = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      **implementation_flags(foreach, capturable=capturable,
                                                             differentiable=differentiable),
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p, grad, state, group):
        """rho_t = rho_inf - 2 t b2^t / (1 - b2^t); p -= lr m̂ (r_t √(1 - b2^t) / (√v + eps) if rho_t > 5 else 1)."""
        if not state:
            state.update(step=0, exp_avg=zeros_like(p), exp_avg_sq=zeros_like(p))
        _, t = _adam_moments(p, grad, state, group)
        lr, eps, (b1, b2) = group["lr"], group["eps"], group["betas"]
        bias1, bias2 = 1 - b1 ** t, 1 - b2 ** t
        m_hat = state["exp_avg"] / bias1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2 ** t) / bias2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (bias2 ** 0.5) / state["exp_avg_sq"].sqrt().add_(eps)
            p.add_(m_hat * lr * adaptive * rect, alpha=-1.0)
        else:
            p.add_(m_hat * lr, alpha=-1.0)

class NAdam(Optimizer):
    """Adam with Nesterov momentum: mu_t = b1 (1 - 0.5 · 0.96^(t · momentum_decay)); the step mixes the
    gradient (weighted by 1 - mu_t) and the momentum (by mu_(t+1)), each over its product of mus."""

    _checks_capture = True

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, **implementation_flags(foreach, capturable=capturable,
                                                                                differentiable=differentiable)))

    def _update(self, p, grad, state, group):
        if not state:  # torch keeps the product of mus in a float32 scalar tensor: its rounding is part of the step
            state.update(step=0, mu_product=ones((), dtype=D.float32, device=p.device), exp_avg=zeros_like(p),
                         exp_avg_sq=zeros_like(p))
        g, t = _adam_moments(p, grad, state, group)
        lr, eps, (b1, b2), decay = group["lr"], group["eps"], group["betas"], group["momentum_decay"]
        mu = b1 * (1.0 - 0.5 * (0.96 ** (t * decay)))
        mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * decay)))
        state["mu_product"].mul_(mu)
        product = state["mu_product"].item()
        denom = state["exp_avg_sq"].div(1 - b2 ** t).sqrt().add_(eps)
        p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - product))
        p.addcdiv_(state["exp_avg"], denom, value=-lr * mu_next / (1.0 - product * mu_next))

class Adamax(Optimizer):
    """Adam with the infinity norm: u = max(b2 u, |g| + eps); p -= lr / (1 - b1^t) · m / u."""

    _checks_capture = True

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      **implementation_flags(foreach, capturable=capturable,
                                                             differentiable=differentiable)))

    def _update(self, p, grad, state, group):
        if not state:
            state.update(step=0, exp_avg=zeros_like(p), exp_inf=zeros_like(p))
        g = -grad if group["maximize"] else grad
        state["step"] += 1
        if group["weight_decay"]:
            g = g.add(p, alpha=group["weight_decay"])
        b1, b2 = group["betas"]
        state["exp_avg"].lerp_(g, 1 - b1)
        inf = state["exp_inf"]
        inf.copy_(inf.mul_(b2).maximum(g.abs().add_(group["eps"])))
        p.addcdiv_(state["exp_avg"], inf, value=-group["lr"] / (1 - b1 ** state["step"]))
