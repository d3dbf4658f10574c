"""Adam and AdamW (torch's single-tensor update, with bias correction and amsgrad)."""
from __future__ import annotations

import math

from ..dtypes import float32
from ..ops.creation import zeros, zeros_like
from .optimizer import Optimizer, check_betas, check_non_negative, implementation_flags


class Adam(Optimizer):
    """Adam; with decoupled_weight_decay=True, AdamW's update (the decay scales the weights, not the gradient)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, **implementation_flags(foreach, fused, capturable,
                                                                                differentiable),
                                      decoupled_weight_decay=decoupled_weight_decay))

    _checks_capture = True
    _steps_on_device = True

    def _update(self, p, grad, state, group):
        """m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)."""
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        g = -grad if group["maximize"] else grad
        capturable = group.get("capturable")
        if capturable and p.device.type != "cuda":
            raise AssertionError("If capturable=True, params and state_steps must be on supported devices: ['cuda'].")
        if not state:
            # capturable: the step count lives on the device, so a CUDA graph's replay advances it
            state["step"] = zeros((), dtype=float32, device=p.device) if capturable else 0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        if capturable:
            self._update_on_device(p, grad, state, group)
            return
        state["step"] += 1
        t = state["step"]
        if not grad.requires_grad:  # the common case: one fused kernel on the arrays
            mx = state.get("max_exp_avg_sq")
            p._device.backend.adam_step(
                p._data, grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                None if mx is None else mx._data, t, lr, b1, b2, eps, wd, group["decoupled_weight_decay"],
                group["maximize"])
            for changed in (p, state["exp_avg"], state["exp_avg_sq"], mx):
                if changed is not None:
                    changed._bump()
            return
        if wd:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                g = g.add(p, alpha=wd)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(g, 1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        bias1 = 1 - b1 ** t
        bias2_sqrt = math.sqrt(1 - b2 ** t)
        if group["amsgrad"]:
            mx = state["max_exp_avg_sq"]
            mx.copy_(mx.maximum(v))
            denom = (mx.sqrt() / bias2_sqrt).add_(eps)
        else:
            denom = (v.sqrt() / bias2_sqrt).add_(eps)
        p.addcdiv_(m, denom, value=-lr / bias1)

    @staticmethod
    def _update_on_device(p, grad, state, group):
        """The update with the step count and bias corrections computed on the device (torch's capturable form)."""
        step, mx = state["step"], state.get("max_exp_avg_sq")
        step._data += 1
        p._device.backend.adam_step_capturable(
            p._data, grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, None if mx is None else mx._data,
            step._data, group["lr"], *group["betas"], group["eps"], group["weight_decay"],
            group["decoupled_weight_decay"], group["maximize"])
        for changed in (step, p, state["exp_avg"], state["exp_avg_sq"], mx):
            if changed is not None:
                changed._bump()


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * weight_decay before the Adam step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
