"""The LDLᵀ factorisation of a symmetric matrix with Bunch-Kaufman pivoting, as LAPACK's sytrf (lower) packs
it, and the solve that uses it: torch.linalg.ldl_factor(_ex) and ldl_solve.

A = P L D Lᵀ Pᵀ with L unit lower triangular and D block diagonal (1 × 1 and 2 × 2 blocks). LD holds L below
the diagonal and D on it (a 2 × 2 block's off-diagonal entry just below it); pivots are LAPACK's 1-based row
interchanges, negative on both columns of a 2 × 2 block. Only A's lower triangle is read. torch defines no
derivative for either function.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import WithoutDerivative
from ._helpers import flatten_batch, host_array

_ALPHA = (1 + math.sqrt(17)) / 8  # Bunch-Kaufman's threshold: bounds the growth of the entries of L


def _largest(v: np.ndarray) -> int:
    """The index of the first entry of largest magnitude (BLAS's i_amax)."""
    return int(np.argmax(np.abs(v)))


def _swap_symmetric(a: np.ndarray, kk: int, kp: int) -> None:
    """Interchange rows and columns kk < kp of the trailing lower triangle from column kk on."""
    a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
    between = a[kk + 1:kp, kk].copy()
    a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
    a[kp, kk + 1:kp] = between
    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]


def sytf2_lower(a: np.ndarray):
    """LAPACK's unblocked sytf2 with uplo='L' on one matrix, in place: (pivots, info)."""
    n = a.shape[0]
    pivots = np.zeros(n, dtype=np.int32)
    info = 0
    k = 0
    while k < n:
        step = 1
        absakk = abs(a[k, k])
        imax = k + 1 + _largest(a[k + 1:, k]) if k < n - 1 else k
        colmax = abs(a[imax, k]) if k < n - 1 else 0.0
        if max(absakk, colmax) == 0 or math.isnan(absakk):
            info = info or k + 1  # a zero column: D[k, k] = 0 stays, nothing to eliminate
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                jmax = k + _largest(a[imax, k:imax])
                rowmax = abs(a[imax, jmax])
                if imax < n - 1:
                    jmax = imax + 1 + _largest(a[imax + 1:, imax])
                    rowmax = max(rowmax, abs(a[jmax, imax]))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, step = imax, 2
            kk = k + step - 1
            if kp != kk:
                _swap_symmetric(a, kk, kp)
                if step == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if step == 1:
                if k < n - 1:
                    x, d11 = a[k + 1:, k].copy(), 1 / a[k, k]
                    a[k + 1:, k + 1:] += np.tril(np.outer(x, -d11 * x))  # BLAS syr's rounding: x_i (−d11 x_j)
                    a[k + 1:, k] = x * d11
            elif k < n - 2:
                d21 = a[k + 1, k]
                d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                d21 = 1 / (d11 * d22 - 1) / d21
                wk = d21 * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
                wkp1 = d21 * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
                a[k + 2:, k + 2:] -= np.tril(np.outer(a[k + 2:, k], wk))
                a[k + 2:, k + 2:] -= np.tril(np.outer(a[k + 2:, k + 1], wkp1))
                a[k + 2:, k], a[k + 2:, k + 1] = wk, wkp1
        if step == 1:
            pivots[k] = kp + 1
        else:
            pivots[k] = pivots[k + 1] = -(kp + 1)
        k += step
    return pivots, info


def sytrs_lower(ld: np.ndarray, pivots: np.ndarray, b: np.ndarray) -> np.ndarray:
    """LAPACK's sytrs with uplo='L': X with A X = B from sytf2_lower's (LD, pivots), for one matrix."""
    n = ld.shape[0]
    b = b.copy()
    k = 0
    while k < n:  # L D Y = P B
        if pivots[k] > 0:
            kp = pivots[k] - 1
            b[[k, kp]] = b[[kp, k]]
            b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
            b[k] *= 1 / ld[k, k]
            k += 1
        else:
            kp = -pivots[k] - 1
            b[[k + 1, kp]] = b[[kp, k + 1]]
            b[k + 2:] -= np.outer(ld[k + 2:, k], b[k])
            b[k + 2:] -= np.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1, ak = ld[k, k] / akm1k, ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # Lᵀ Pᵀ X = Y
        if pivots[k] > 0:
            b[k] -= ld[k + 1:, k] @ b[k + 1:]
            kp = pivots[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            b[k] -= ld[k + 1:, k] @ b[k + 1:]
            b[k - 1] -= ld[k + 1:, k - 1] @ b[k + 1:]
            kp = -pivots[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


class LinalgLdlFactorEx(WithoutDerivative):
    """(LD, pivots, info) for each matrix of the batch; no derivative, as in torch."""

    aten_name = "linalg_ldl_factor_ex"

    @staticmethod
    def forward(ctx, a):
        host = host_array(a)
        ld = np.tril(host).astype(host.dtype)
        flat = flatten_batch(ld, 2)
        pivots = np.zeros(flat.shape[:2], dtype=np.int32)
        info = np.zeros(flat.shape[0], dtype=np.int32)
        for i, m in enumerate(flat):
            pivots[i], info[i] = sytf2_lower(m)
        xp = ctx.xp
        pivots, info = xp.asarray(pivots.reshape(host.shape[:-1])), xp.asarray(info.reshape(host.shape[:-2]))
        ctx.mark_non_differentiable(pivots, info)
        return xp.asarray(ld), pivots, info


class LinalgLdlSolve(WithoutDerivative):
    """X with A X = B from ldl_factor's (LD, pivots); no derivative, as in torch."""

    aten_name = "linalg_ldl_solve"

    @staticmethod
    def forward(ctx, ld, pivots, b):
        lds, pivs, bs = host_array(ld), host_array(pivots), host_array(b)
        batch = np.broadcast_shapes(lds.shape[:-2], bs.shape[:-2])
        lds = flatten_batch(np.broadcast_to(lds, batch + lds.shape[-2:]), 2)
        pivs = flatten_batch(np.broadcast_to(pivs, batch + pivs.shape[-1:]), 1)
        bs_flat = flatten_batch(np.broadcast_to(bs, batch + bs.shape[-2:]), 2)
        out = np.stack([sytrs_lower(m, p, r) for m, p, r in zip(lds, pivs, bs_flat)]) if len(bs_flat) else \
            np.zeros_like(bs_flat)
        return ctx.xp.asarray(out.reshape(batch + bs.shape[-2:]).astype(bs.dtype))
