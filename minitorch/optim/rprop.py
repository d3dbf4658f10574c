"""Rprop (torch's update): each weight moves by its own step size, grown while its gradient keeps its
sign and shrunk when the sign flips; the gradient's magnitude is not used."""
from __future__ import annotations

from ..ops.creation import full_like, zeros_like
from .optimizer import Optimizer, check_non_negative, implementation_flags


class Rprop(Optimizer):
    _checks_capture = True

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        check_non_negative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes,
                                      **implementation_flags(foreach, capturable=capturable,
                                                             differentiable=differentiable),
                                      maximize=maximize))

    def _update(self, p, grad, state, group):
        """factor = etaplus where g · g_prev > 0, etaminus where < 0, else 1; step = clamp(step · factor);
        where the sign flipped the gradient counts as 0 (no move, and no sign for the next step);
        p -= sign(g) · step."""
        if not state:
            state.update(step=0, prev=zeros_like(p), step_size=full_like(grad, group["lr"]))
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        sign = g.mul(state["prev"]).sign()
        factor = sign.masked_fill(sign > 0, etaplus).masked_fill(sign < 0, etaminus).masked_fill(sign == 0, 1)
        state["step_size"].mul_(factor).clamp_(lo, hi)
        g = g.masked_fill(factor == etaminus, 0)
        p.addcmul_(g.sign(), state["step_size"], value=-1)
        state["prev"].copy_(g)
