"""Randomized low-rank decompositions (Halko, Martinsson and Tropp 2009): svd_lowrank and pca_lowrank.

A random Gaussian test matrix (drawn from the generator as torch draws it, so a seed gives torch's result) finds an
orthonormal basis Q of A's range, sharpened by `niter` subspace iterations; the SVD of the small matrix Qᴴ A then
gives A's leading singular triplets. Every step is a differentiable minitorch op.
"""
from __future__ import annotations

from . import dtypes as D
from .ops.creation import randn
from .tensor import Tensor


def _floating(A: Tensor):
    return A.dtype if A.dtype.is_floating_point else D.float32


def get_approximate_basis(A: Tensor, q: int, niter: int | None = 2, M: Tensor | None = None) -> Tensor:
    """Q (*, m, q) with orthonormal columns such that Q Qᴴ (A − M) ≈ A − M (Algorithm 4.4)."""
    from .linalg import qr
    niter = 2 if niter is None else niter
    R = randn(A.shape[-1], q, dtype=_floating(A), device=A.device)
    X = A.matmul(R)
    if M is not None:
        X = X - M.matmul(R)
    Q = qr(X).Q
    for _ in range(niter):
        X = A.mH.matmul(Q)
        if M is not None:
            X = X - M.mH.matmul(Q)
        Q = qr(X).Q
        X = A.matmul(Q)
        if M is not None:
            X = X - M.matmul(Q)
        Q = qr(X).Q
    return Q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None):
    """(U, S, V) with A − M ≈ U diag(S) Vᴴ, of rank q (Algorithm 5.1)."""
    from .linalg import svd
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.size())
    if m < n:
        A = A.mH
        M = None if M is None else M.mH
    Q = get_approximate_basis(A, q, niter=niter, M=M)
    B = Q.mH.matmul(A)
    if M is not None:
        B = B - Q.mH.matmul(M)
    U, S, Vh = svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if m < n:
        U, V = V, U
    return U, S, V


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2):
    """(U, S, V): svd_lowrank of A with its column means subtracted (when center), q = min(6, m, n) by default;
    V's columns are the principal directions, S² / (m − 1) the variances along them."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter, M=None)
    return svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter=niter, M=None)
