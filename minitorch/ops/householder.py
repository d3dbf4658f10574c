"""Householder reflectors, as LAPACK stores a QR factorisation: geqrf computes them, householder_product (orgqr)
multiplies them out into Q, ormqr applies Q (or Qᵀ) to another matrix.

A reflector is H = I − τ v vᵀ, v with a 1 at its own row, zeros above and the stored column below. Q = H₁ H₂ ⋯ H_k.
householder_product and ormqr are fused nodes over that product written in minitorch ops (so they differentiate
again); geqrf has no derivative, as in torch.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd.function import Primitive
from ..tensor import Tensor
from .fused import Fused
from ._helpers import host_array, lapack_only

_Geqrf = namedtuple("geqrf", ["a", "tau"])


class Geqrf(Primitive):
    """(a, tau): R on and above a's diagonal, the reflectors' vectors below it, their scales τ (LAPACK's geqrf)."""

    @staticmethod
    def forward(ctx, a):
        host = host_array(a)
        batch, (m, n) = host.shape[:-2], host.shape[-2:]
        packed = np.empty(host.shape, dtype=host.dtype)
        tau = np.empty(batch + (min(m, n),), dtype=host.dtype)
        for index in np.ndindex(*batch):
            h, t = np.linalg.qr(host[index], mode="raw")  # LAPACK's geqrf, its output transposed
            packed[index], tau[index] = h.T, t
        return ctx.xp.asarray(packed), ctx.xp.asarray(tau)

    @staticmethod
    def backward(ctx, ga, gtau):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


def geqrf(input: Tensor):
    """The QR factorisation of input as LAPACK's geqrf packs it: (a, tau)."""
    if input.dim() < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    lapack_only(input, "geqrf_cpu")
    return _Geqrf(*Geqrf.apply(input))


def _column(a: Tensor, i: int) -> Tensor:
    from .shape import cat
    below = a[..., i + 1:, i]
    shape = tuple(below.shape[:-1])
    return cat([below.new_zeros(shape + (i,)), below.new_ones(shape + (1,)), below], -1).unsqueeze(-1)


def _apply_reflectors(a: Tensor, tau: Tensor, c: Tensor, left: bool, transpose: bool) -> Tensor:
    """c multiplied by Q = H₁ ⋯ H_k (Qᵀ with transpose) from the left, or from the right."""
    k = tau.shape[-1]
    # Q C applies H_k first; Qᵀ C applies H₁ first; C Q applies H₁ first; C Qᵀ applies H_k first
    order = range(k - 1, -1, -1) if left != transpose else range(k)
    for i in order:
        v, t = _column(a, i), tau[..., i, None, None]
        if left:
            c = c - t * (v @ (v.mT @ c))
        else:
            c = c - t * ((c @ v) @ v.mT)
    return c


def _householder_product(a, tau):
    from .creation import eye
    m, n = a.shape[-2:]
    identity = eye(m, n, dtype=a.dtype, device=a.device).expand(tuple(a.shape[:-2]) + (m, n))
    return _apply_reflectors(a, tau, identity, left=True, transpose=False)


class LinalgHouseholderProduct(Fused):
    node_name = "LinalgHouseholderProductBackward0"
    definition = staticmethod(_householder_product)
    saves_result, saved_names = True, ("input", "tau", "result")


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of H₁ H₂ ⋯ H_k for the reflectors stored in A (m × n) and their scales tau (LAPACK's
    orgqr)."""
    name = "torch.linalg.householder_product"
    if A.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if A.shape[-1] < tau.size(-1):  # a 0-d tau: torch's IndexError from its size(-1)
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.dim() != A.dim() - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.dim()} and input.ndim is equal to {A.dim()}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    if tau.dtype is not A.dtype:
        raise RuntimeError(f"{name}: tau dtype {tau.dtype} does not match input dtype {A.dtype}")
    lapack_only(A, "orgqr_cpu")
    return LinalgHouseholderProduct.apply(A, tau)


def _ormqr(a, tau, other, left, transpose):
    return _apply_reflectors(a, tau, other, left, transpose)


class Ormqr(Fused):
    node_name = "OrmqrBackward0"
    definition = staticmethod(_ormqr)
    saves_result, saved_names = True, ("self", "input2", "input3", "result")
    saved_values = {"left": lambda node: node.args[3], "transpose": lambda node: node.args[4]}


def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False) -> Tensor:
    """input3 multiplied by Q (Qᵀ with transpose), the full m × m orthogonal matrix of the reflectors in input with
    scales input2 (τ), from the left (or the right); torch names the three operands input, input2, input3."""
    tau, other = input2, input3
    name = "torch.ormqr"
    if input.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if other.dim() < 2:
        raise RuntimeError(f"{name}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if tau.size(-1) != min(other.shape[side], input.shape[-1]):  # a 0-d tau: torch's IndexError from size(-1)
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])")
    if other.shape[side] != input.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.dim() != input.dim() - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.dim()} and input.ndim is equal to {input.dim()}")
    if other.dim() != input.dim():
        raise RuntimeError(f"{name}: Expected other to have the same number of dimensions as input, but got "
                           f"other.ndim equal to {other.dim()} and input.ndim is equal to {input.dim()}")
    batch = tuple(input.shape[:-2])
    for what, t, kept in (("tau", tau, -1), ("other", other, -2)):
        if tuple(t.shape[:kept]) != batch:
            raise RuntimeError(f"{name}: Expected batch dimensions of {what} to be equal to input.shape[:-2], but got "
                               f"{list(t.shape[:kept])}")
    for what, t in (("tau", tau), ("other", other)):
        if t.dtype is not input.dtype:
            raise RuntimeError(f"{name}: Expected input and {what} to have the same dtype, but input has dtype"
                               f"{input.dtype.word} and {what} has dtype {t.dtype.word}")
    lapack_only(input, "ormqr_cpu")
    return Ormqr.apply(input, tau, other, left, transpose)


def orgqr(input: Tensor, input2: Tensor) -> Tensor:
    """torch.orgqr, LAPACK's name for householder_product(input, tau=input2)."""
    return householder_product(input, input2)
