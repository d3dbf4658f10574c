"""torch's _trilinear: three operands broadcast against each other over unsqueezed dims and summed
over some of them, the product behind `nn.functional.bilinear` (its TrilinearBackward0 node)."""
from __future__ import annotations

import string

from ..autograd.function import Primitive
from ..tensor import Tensor


def _subscripts(total: int, expand1, expand2, expand3, sumdim):
    """einsum subscripts of the three operands (their dims are the ones not expanded) and of the output
    (the dims not summed)."""
    letters = string.ascii_letters[:total]
    names = [''.join(c for d, c in enumerate(letters) if d not in skip) for skip in (expand1, expand2, expand3)]
    return names, ''.join(c for d, c in enumerate(letters) if d not in sumdim)


def trilinear_arrays(xp, i1, i2, i3, expand1, expand2, expand3, sumdim):
    """Σ over sumdim of i1 · i2 · i3, each unsqueezed at its expand dims; as torch, i1 and i2 are contracted
    first over the summed dims i3 lacks, then the result with i3."""
    (s1, s2, s3), out = _subscripts(i1.ndim + len(expand1), expand1, expand2, expand3, sumdim)
    kept = ''.join(c for c in sorted(set(s1 + s2), key=(s1 + s2 + s3).index) if c in s3 or c in out)
    pair = xp.einsum(f"{s1},{s2}->{kept}", i1, i2, optimize=True)
    return xp.einsum(f"{kept},{s3}->{out}", pair, i3, optimize=True)


class Trilinear(Primitive):
    """y = Σ_sumdim i1 · i2 · i3 (unsqueezed at expand1, expand2, expand3). Each gradient is the same
    product with the gradient in that operand's place: grad_i1 = _trilinear(grad, i2, i3, sumdim,
    expand2, expand3, expand1), and so on."""

    formula = "grad_i1 = _trilinear(grad, i2, i3) with grad expanded at sumdim and i1's dims summed"
    saved_names = ("i1", "i2", "i3")

    @staticmethod
    def forward(ctx, i1, i2, i3, *, expand1, expand2, expand3, sumdim):
        ctx.dims = (expand1, expand2, expand3, sumdim)
        ctx.save_for_backward(i1, i2, i3)
        # row-major, as torch's result is: a reshape of it is then a view (ViewBackward0), as in torch
        return ctx.xp.ascontiguousarray(trilinear_arrays(ctx.xp, i1, i2, i3, expand1, expand2, expand3, sumdim))

    @staticmethod
    def _grads(ctx, product, gy, operands):
        e1, e2, e3, s = ctx.dims
        i1, i2, i3 = operands
        need = ctx.needs_input_grad
        return ((product(gy, i2, i3, s, e2, e3, e1) if need[0] else None),
                (product(i1, gy, i3, e1, s, e3, e2) if need[1] else None),
                (product(i1, i2, gy, e1, e2, s, e3) if need[2] else None))

    @staticmethod
    def backward_arrays(ctx, gy):
        return Trilinear._grads(ctx, lambda *a: trilinear_arrays(ctx.xp, *a), gy, ctx.saved_arrays)

    @staticmethod
    def backward(ctx, gy):
        return Trilinear._grads(ctx, _trilinear, gy, ctx.saved_tensors)


def _trilinear(i1: Tensor, i2: Tensor, i3: Tensor, expand1, expand2, expand3, sumdim, unroll_dim: int = 1) -> Tensor:
    """torch._trilinear (unroll_dim only chooses how torch loops; the result does not depend on it)."""
    total = i1.dim() + len(expand1)
    if not 0 <= unroll_dim < total:
        raise RuntimeError(f"unroll_dim must be in [0,{total - 1}]")
    if i2.dim() + len(expand2) != total or i3.dim() + len(expand3) != total:  # each with its expanded dims
        raise RuntimeError("number of dimensions must match")
    dims = tuple(tuple(sorted(d % total for d in e)) for e in (expand1, expand2, expand3, sumdim))
    return Trilinear.apply(i1, i2, i3, expand1=dims[0], expand2=dims[1], expand3=dims[2], sumdim=dims[3])
