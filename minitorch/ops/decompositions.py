"""Matrix factorisations with their gradients: LU (with partial pivoting), Cholesky, QR, the SVD and
the symmetric eigendecomposition. Forward runs LAPACK through the backend (NumPy's or CuPy's
linalg); LU is computed here, as NumPy has no LU with pivots. The backward formulas are the
standard ones (as torch derives them), written in minitorch ops so they can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Primitive
from ..autograd.saved_values import attribute
from ..ops.fused import Fused
from ..tensor import Tensor
from ._helpers import flatten_batch, host_array
from .matrix_functions import LinalgSolveTriangular, column_major, diag_embed, diagonal, first_failure, mT


# ---- LU ---------------------------------------------------------------------------------------

def lu_factor_arrays(a: np.ndarray):
    """LAPACK getrf on a batch: (LU packed in one matrix, 1-based pivots as int32, info), by Gaussian
    elimination choosing the largest |pivot| in each column (the first of equals, as idamax)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    lu = flatten_batch(np.array(a, dtype=a.dtype if a.dtype.kind == "f" else np.float64), 2)
    pivots = np.zeros((lu.shape[0], k), dtype=np.int32)
    info = np.zeros(lu.shape[0], dtype=np.int32)
    rows = np.arange(lu.shape[0])
    with np.errstate(all="ignore"):
        for j in range(k):
            p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
            pivots[:, j] = p + 1
            top, chosen = lu[rows, j].copy(), lu[rows, p].copy()
            lu[rows, j], lu[rows, p] = chosen, top
            pivot = lu[:, j, j]
            info = np.where((pivot == 0) & (info == 0), j + 1, info).astype(np.int32)
            safe = np.where(pivot == 0, 1, pivot)
            lu[:, j + 1:, j] = np.where((pivot == 0)[:, None], lu[:, j + 1:, j], lu[:, j + 1:, j] / safe[:, None])
            lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(batch + (m, n)), pivots.reshape(batch + (k,)), info.reshape(batch)


def permutation_arrays(pivots: np.ndarray, m: int, dtype) -> np.ndarray:
    """The permutation matrices P with A = P L U, from LAPACK's row swaps (row j swapped with pivots[j])."""
    flat = flatten_batch(pivots, 1) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        a, b = perm[rows, j].copy(), perm[rows, flat[:, j]].copy()
        perm[rows, j], perm[rows, flat[:, j]] = b, a
    p = np.zeros((flat.shape[0], m, m), dtype=dtype)
    p[rows[:, None], perm, np.arange(m)[None, :]] = 1
    return p.reshape(pivots.shape[:-1] + (m, m))


def unpack_arrays(xp, lu: np.ndarray, pivots: np.ndarray, dtype):
    """(P, L, U) as backend arrays from a packed LU and its pivots (host arrays): A = P L U."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    p = permutation_arrays(pivots, m, dtype)
    l = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=dtype)
    u = np.triu(lu[..., :k, :])
    return xp.asarray(p), xp.asarray(l.astype(dtype)), xp.asarray(u.astype(dtype))


def _unpack(lu):
    """(L, U) from a packed LU (L unit lower triangular), in minitorch ops."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    eye = lu.new_zeros((m, k))
    eye[range(k), range(k)] = 1
    return lu[..., :, :k].tril(-1) + eye, lu[..., :k, :].triu()


def _lu_backward(p, l, u, gl, gu):
    """gA for A = P L U, L m × k unit lower triangular, U k × n upper, k = min(m, n). With L₁, U₁ the square
    k × k blocks and L₂ (tall A) or U₂ (wide A) the rest:
        gA₁ = P L₁⁻ᵀ [tril(L₁ᵀ gL₁ − gU₂ U₂ᵀ, −1) + triu(gU₁ U₁ᵀ − L₂ᵀ gL₂)] U₁⁻ᵀ,
        gA₂ = P L⁻ᵀ gU₂ (wide: the columns past k)   or   P gL₂ U⁻ᵀ (tall: the rows past k)."""
    from .shape import cat
    m, k, n = l.shape[-2], l.shape[-1], u.shape[-1]
    l1, l2 = (l, None) if m == k else (l[..., :k, :], l[..., k:, :])
    u1, u2 = (u, None) if n == k else (u[..., :, :k], u[..., :, k:])
    gl1, gl2 = (None, None) if gl is None else ((gl, None) if m == k else (gl[..., :k, :], gl[..., k:, :]))
    gu1, gu2 = (None, None) if gu is None else ((gu, None) if n == k else (gu[..., :, :k], gu[..., :, k:]))
    lower = None if gl1 is None else mT(l1) @ gl1
    if gu2 is not None:
        lower = -(gu2 @ mT(u2)) if lower is None else lower - gu2 @ mT(u2)
    upper = None if gu1 is None else gu1 @ mT(u1)
    if gl2 is not None:
        upper = -(mT(l2) @ gl2) if upper is None else upper - mT(l2) @ gl2
    inner = [t for t in (None if lower is None else lower.tril(-1), None if upper is None else upper.triu())
             if t is not None]
    inner = inner[0] if len(inner) == 1 else inner[0] + inner[1]

    def right_solve(x):  # x U₁⁻ᵀ
        return mT(LinalgSolveTriangular.apply(u1, mT(x), upper=True, unitriangular=False))

    def left_solve(x):  # L₁⁻ᵀ x
        return LinalgSolveTriangular.apply(mT(l1), x, upper=True, unitriangular=True)
    g = left_solve(right_solve(inner))
    if n > k:  # wide: the columns of U₂
        g = cat([g, left_solve(gu2) if gu2 is not None else g.new_zeros(g.shape[:-1] + (n - k,))], -1)
    elif m > k:  # tall: the rows of L₂
        g = cat([g, right_solve(gl2) if gl2 is not None else g.new_zeros(g.shape[:-2] + (m - k, k))], -2)
    return p @ g


class LinalgLuFactorEx(Primitive):
    """(LU, pivots, info): A = P L U packed in one matrix, L unit lower triangular."""

    formula = "grad_A = P L⁻ᵀ [tril(Lᵀ grad_L, -1) + triu(grad_U Uᵀ)] U⁻ᵀ"
    saved_names = ("LU", "pivots")
    saved_values = {"pivot": lambda node: True}  # lu_factor_ex always pivots here (torch's pivot=False is CUDA's)

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        lu, pivots, info = lu_factor_arrays(host_array(a))
        lu, pivots, info = column_major(xp, xp.asarray(lu.astype(a.dtype))), xp.asarray(pivots), xp.asarray(info)
        ctx.save_for_backward(lu, pivots)
        return lu, pivots, info

    @staticmethod
    def backward(ctx, glu, gpivots, ginfo):
        lu, pivots = ctx.saved_tensors
        l, u = _unpack(lu)
        p = _permutation(pivots, lu)
        k = min(lu.shape[-2:])
        return _lu_backward(p, l, u, glu[..., :, :k].tril(-1), glu[..., :k, :].triu())


def _permutation(pivots, like):
    xp = like._device.backend.xp
    return Tensor._wrap(xp.asarray(permutation_arrays(host_array(pivots._data), like.shape[-2], host_array(like._data).dtype)),
                        like._device)


class LinalgLu(Primitive):
    """(P, L, U) with A = P L U; P takes no gradient."""

    formula = "grad_A = P L⁻ᵀ [tril(Lᵀ grad_L, -1) + triu(grad_U Uᵀ)] U⁻ᵀ"
    saved_names = ("P", "L", "U")
    saved_values = {"pivot": lambda node: True}

    @staticmethod
    def forward(ctx, a):
        host = host_array(a)
        lu, pivots, _ = lu_factor_arrays(host)
        p, l, u = unpack_arrays(ctx.xp, lu, pivots, host.dtype)
        ctx.mark_non_differentiable(p)
        ctx.save_for_backward(p, l, u)
        return p, l, u

    @staticmethod
    def backward(ctx, gp, gl, gu):
        p, l, u = ctx.saved_tensors
        return _lu_backward(p, l, u, None if gl is None else gl.tril(-1), None if gu is None else gu.triu())


def _lu_solve_definition(lu, pivots, b, left, adjoint):
    """X from the LU factors: A X = B (or Aᵀ X = B; or X A = B with left=False), by two triangular solves."""
    l, u = _unpack(lu)
    p = _permutation(pivots, lu)
    if not left:  # X A = B  ⇔  Aᵀ Xᵀ = Bᵀ
        return mT(_lu_solve_definition(lu, pivots, mT(b), True, not adjoint))
    if adjoint:  # Uᵀ Lᵀ Pᵀ X = B
        y = LinalgSolveTriangular.apply(mT(u), b, upper=False, unitriangular=False)
        return p @ LinalgSolveTriangular.apply(mT(l), y, upper=True, unitriangular=True)
    y = LinalgSolveTriangular.apply(l, mT(p) @ b, upper=False, unitriangular=True)
    return LinalgSolveTriangular.apply(u, y, upper=True, unitriangular=False)


class LinalgLuSolve(Fused):
    """X with A X = B from A's LU factors; the backward differentiates the two triangular solves."""

    node_name = "LinalgLuSolveBackward0"
    definition = staticmethod(_lu_solve_definition)
    saves_result, saved_names = True, ("LU", "pivots", "", "result")
    saved_values = {"left": lambda node: node.args[3], "adjoint": lambda node: node.args[4]}


# ---- Cholesky -------------------------------------------------------------------------------

def cholesky_arrays(xp, a):
    """(L, info) with A = L Lᵀ read from A's lower triangle; info is the order of the first leading minor
    that is not positive-definite (0 when all are). Where it fails, L is left as LAPACK's unblocked potf2
    leaves it: the failing pivot unrooted, the rest of A's lower triangle as it was."""
    try:
        l = xp.linalg.cholesky(a)
        # CuPy returns NaN where the factorisation fails (NumPy raises): either way, find where, column by column
        if not bool(xp.isnan(l).any()) or bool(xp.isnan(a).any()):
            return l, xp.zeros(a.shape[:-2], dtype=xp.int32)
    except Exception:  # noqa: BLE001 - NumPy's LinAlgError
        pass
    host = host_array(a).astype(np.float64)
    n = host.shape[-1]
    flat = flatten_batch(host, 2)
    l = np.tril(flat).copy()
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for j in range(n):
        going = info == 0
        d = flat[:, j, j] - (l[:, j, :j] ** 2).sum(-1)
        failed = ~(d > 0) & going
        info[failed] = j + 1
        l[failed, j, j] = d[failed]
        ok = going & ~failed
        root = np.sqrt(d[ok])
        l[ok, j, j] = root
        l[ok, j + 1:, j] = (flat[ok, j + 1:, j] - (l[ok, j + 1:, :j] * l[ok, None, j, :j]).sum(-1)) / root[:, None]
    return xp.asarray(l.reshape(host.shape).astype(host_array(a).dtype)), xp.asarray(info.reshape(host.shape[:-2]))


class LinalgCholeskyEx(Primitive):
    """(L, info) with A = L Lᵀ (or U, with upper=True: A = Uᵀ U)."""

    formula = "grad_A = L⁻ᵀ sym(tril(Lᵀ grad_L)) L⁻¹, sym(P) = (P + tril(P, -1)ᵀ) / 2"
    saved_names = ("L",)
    saved_values = {"upper": attribute("upper")}

    @staticmethod
    def forward(ctx, a, *, upper, check_errors):
        xp = ctx.xp
        # LAPACK reads the triangle it is asked for: the upper one for upper=True (the same for a symmetric A)
        source = a.swapaxes(-1, -2) if upper else a
        l, info = cholesky_arrays(xp, source) if a.size else (a.copy(), xp.zeros(a.shape[:-2], dtype=xp.int32))
        if check_errors:
            _raise_cholesky(info)
        ctx.upper = upper
        out = column_major(xp, l.swapaxes(-1, -2) if upper else l)
        ctx.save_for_backward(out)  # the output itself (L, or U = Lᵀ): its graph serves a second derivative
        return out, info

    @staticmethod
    def jvp(ctx, da, *_):
        """torch's rule: dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ the lower triangle with the diagonal halved (the full dA,
        not its symmetric part: forward and reverse mode see A differently off its lower triangle)."""
        (l,) = ctx.saved_tensors
        l = mT(l) if ctx.upper else l
        x = LinalgSolveTriangular.apply(l, da, upper=False, unitriangular=False)
        x = mT(LinalgSolveTriangular.apply(l, mT(x), upper=False, unitriangular=False))
        dl = l @ (x.tril() - diag_embed(diagonal(x, 0, -2, -1) * 0.5))
        return (mT(dl) if ctx.upper else dl), None

    @staticmethod
    def backward(ctx, gl, ginfo):
        (l,) = ctx.saved_tensors
        if ctx.upper:
            l, gl = mT(l), mT(gl)
        p = (mT(l) @ gl).tril()
        sym = (p + mT(p.tril(-1))) * 0.5
        x = LinalgSolveTriangular.apply(mT(l), sym, upper=True, unitriangular=False)   # L⁻ᵀ sym
        return mT(LinalgSolveTriangular.apply(mT(l), mT(x), upper=True, unitriangular=False))  # ... L⁻¹


def _raise_cholesky(info, name="linalg.cholesky"):
    failure = first_failure(info)
    if failure is None:
        return
    from ..linalg import LinAlgError
    batch, order = failure
    raise LinAlgError(f"{name}: {batch}The factorization could not be completed because the input is not "
                      f"positive-definite (the leading minor of order {order} is not positive-definite).")


# ---- QR -------------------------------------------------------------------------------------

def _qr_backward_tall(q, r, gq, gr):
    """gA for A = QR with m ≥ n: (grad_Q + Q copyltu(M)) R⁻ᵀ, M = R grad_Rᵀ − grad_Qᵀ Q."""
    m = 0
    if gr is not None:
        m = m + r @ mT(gr)
    if gq is not None:
        m = m - mT(gq) @ q
    b = (q @ (m.tril() + mT(m.tril(-1))) if not isinstance(m, int) else 0)
    if gq is not None:
        b = b + gq
    return mT(LinalgSolveTriangular.apply(r, mT(b), upper=True, unitriangular=False))  # b R⁻ᵀ


class LinalgQr(Primitive):
    """(Q, R) with A = Q R, Q with orthonormal columns and R upper triangular."""

    formula = "grad_A = (grad_Q + Q copyltu(R grad_Rᵀ − grad_Qᵀ Q)) R⁻ᵀ (m ≥ n)"
    saved_names = ("Q", "R")
    saved_values = {"mode": attribute("mode")}

    @staticmethod
    def forward(ctx, a, *, mode):
        xp = ctx.xp
        m, n = a.shape[-2:]
        ctx.mode = mode
        if a.size == 0:
            k = m if mode == "complete" else min(m, n)
            q = xp.zeros(a.shape[:-2] + (m, k if mode != "r" else 0), dtype=a.dtype)
            r = xp.zeros(a.shape[:-2] + ((m if mode == "complete" else k), n), dtype=a.dtype)
        elif mode == "r":
            r = xp.linalg.qr(a, mode="r")
            q = xp.zeros((0,), dtype=a.dtype)
        else:
            q, r = xp.linalg.qr(a, mode=mode)
        q, r = column_major(xp, q.astype(a.dtype, copy=False)), column_major(xp, r.astype(a.dtype, copy=False))
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        n = r.shape[-1]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        if ctx.mode == "complete" and q.shape[-2] > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if q.shape[-2] >= n:
            return _qr_backward_tall(q, r, gq, gr)
        # m < n: A = Q [R1 R2] with R1 square; Y = A's last n - m columns = Q R2
        k = q.shape[-2]
        r1, r2 = r[..., :, :k], r[..., :, k:]
        y = q @ r2
        gy = q @ gr[..., :, k:] if gr is not None else None
        gq1 = gq
        if gr is not None:
            gq1 = (gq if gq is not None else 0) + y @ mT(gr[..., :, k:])
        gx = _qr_backward_tall(q, r1, gq1, gr[..., :, :k] if gr is not None else None)
        from .shape import cat
        return cat([gx, gy if gy is not None else gx.new_zeros(y.shape)], -1)


# ---- SVD ------------------------------------------------------------------------------------

class LinalgSvd(Primitive):
    """(U, S, Vh) with A = U diag(S) Vh, S descending."""

    formula = ("grad_A = U [(skew(Uᵀ grad_U) / E) S + S (skew(Vᵀ grad_V) / E) + diag(grad_S)] Vh "
               "+ (I − U Uᵀ) grad_U S⁻¹ Vh + U S⁻¹ grad_Vᵀ (I − V Vh), E_jk = s_k² − s_j², skew(X) = X − Xᵀ")
    saved_names = ("U", "S", "Vh")
    saved_values = {"full_matrices": attribute("full"), "S_sym_argsize_minus_1": lambda node: node.s_size}

    @staticmethod
    def forward(ctx, a, *, full_matrices, compute_uv=True):
        xp = ctx.xp
        m, n = a.shape[-2:]
        k = min(m, n)
        ctx.full, ctx.s_size = full_matrices, k
        if a.size == 0:
            u = xp.zeros(a.shape[:-2] + (m, m if full_matrices else k), dtype=a.dtype)
            s = xp.zeros(a.shape[:-2] + (k,), dtype=a.dtype)
            vh = xp.zeros(a.shape[:-2] + (n if full_matrices else k, n), dtype=a.dtype)
            if full_matrices:
                u[...] = xp.eye(m, dtype=a.dtype)
                vh[...] = xp.eye(n, dtype=a.dtype)
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        u, s, vh = (column_major(xp, x.astype(a.dtype, copy=False)) for x in (u, s, vh))
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        m, n = u.shape[-2], vh.shape[-1]
        k = s.shape[-1]
        # with full_matrices the extra columns of U (rows of Vh) take no part: only the first k are used
        u, vh = u[..., :, :k], vh[..., :k, :]
        gu = gu[..., :, :k] if gu is not None else None
        gvh = gvh[..., :k, :] if gvh is not None else None
        if gu is None and gvh is None:
            return u @ (gs[..., :, None] * vh)
        v, gv = mT(vh), (mT(gvh) if gvh is not None else None)
        s2 = s * s
        e = s2[..., None, :] - s2[..., :, None]
        e = e + diag_embed(e.new_ones(e.shape[:-1]))  # 1 on the diagonal, where skew(...) is 0
        inner = diag_embed(gs) if gs is not None else 0
        if gu is not None:
            uhgu = mT(u) @ gu
            inner = inner + ((uhgu - mT(uhgu)) / e) * s[..., None, :]
        if gv is not None:
            vhgv = mT(v) @ gv
            inner = inner + s[..., :, None] * ((vhgv - mT(vhgv)) / e)
        ga = u @ inner @ vh
        if gu is not None and m > k:
            ga = ga + (gu - u @ (mT(u) @ gu)) @ (vh / s[..., :, None])
        if gv is not None and n > k:
            ga = ga + (u / s[..., None, :]) @ mT(gv - v @ (mT(v) @ gv))
        return ga


# ---- the symmetric eigendecomposition --------------------------------------------------------------

class LinalgEigh(Primitive):
    """(eigenvalues ascending, eigenvectors) of a symmetric A, read from its lower (UPLO='L') or upper
    triangle."""

    formula = "grad_A = V (diag(grad_L) + skew(Vᵀ grad_V) / 2E) Vᵀ, E_ij = λ_j − λ_i, skew(X) = X − Xᵀ"
    saved_names = ("eigenvalues", "eigenvectors")

    @staticmethod
    def forward(ctx, a, *, uplo, compute_v=True):
        xp = ctx.xp
        if a.size == 0:
            w, v = xp.zeros(a.shape[:-1], dtype=a.dtype), xp.zeros(a.shape, dtype=a.dtype)
        elif compute_v:
            w, v = xp.linalg.eigh(a, UPLO=uplo)
        else:
            w, v = xp.linalg.eigvalsh(a, UPLO=uplo), xp.zeros((0,), dtype=a.dtype)
        w, v = w.astype(a.dtype, copy=False), column_major(xp, v.astype(a.dtype, copy=False))
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def jvp(ctx, da):
        """torch's rule: with dP = Vᵀ dA V, dλ = diag(dP) and dV = V (dP / E) off the diagonal."""
        w, v = ctx.saved_tensors
        dp = mT(v) @ da @ v
        eye = diag_embed(w.new_ones(w.shape))
        e = w[..., None, :] - w[..., :, None] + eye
        return diagonal(dp, 0, -2, -1), v @ (dp / e).masked_fill(eye.bool(), 0)

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        inner = diag_embed(gw) if gw is not None else 0
        if gv is not None:
            e = w[..., None, :] - w[..., :, None]
            e = e + diag_embed(e.new_ones(e.shape[:-1]))
            vhgv = mT(v) @ gv
            inner = inner + ((vhgv - mT(vhgv)) * 0.5 / e).masked_fill(diag_embed(e.new_ones(e.shape[:-1])).bool(), 0)
        return v @ inner @ mT(v)
