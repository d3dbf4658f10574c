"""Functions of square matrices with their gradients: det, slogdet, inverse, solve (general and
triangular), the matrix exponential, and the diagonal of the last two dims. The backward formulas
are written in minitorch ops, so they can be differentiated again.

Every op works on batches (..., n, n); a gradient returned in a broadcast batch shape is summed
back to its input's shape by the engine.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, sizes, torch_int
from ..tensor import Tensor
from ._helpers import host_array


def mT(x: Tensor) -> Tensor:
    return x.transpose(-2, -1)


def column_major(xp, a):
    """`a` laid out column by column, as LAPACK returns matrices (and torch keeps them: strides (1, n))."""
    if a.ndim < 2:
        return a
    return xp.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)


# ---- the diagonal of the last two dims, and a matrix from a diagonal -----------------------------

class Diagonal(Primitive):
    """y = the diagonal (offset, dim1, dim2) of x, as a view; the gradient writes it back onto zeros."""

    formula = "grad_self = zeros with grad on the diagonal"
    saved_values = {"offset": lambda node: torch_int(node.offset), "dim1": lambda node: torch_int(node.given[0]),
                    "dim2": lambda node: torch_int(node.given[1]), "self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, x, *, offset, dim1, dim2, given=None):
        ctx.shape, ctx.offset, ctx.dims = x.shape, offset, (dim1, dim2)
        ctx.given = (dim1, dim2) if given is None else given  # the dims as the call named them (torch saves those)
        return ctx.xp.diagonal(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, gy):
        return DiagonalBackward.apply(gy, shape=ctx.shape, offset=ctx.offset, dim1=ctx.dims[0], dim2=ctx.dims[1])


class DiagonalBackward(Primitive):
    """zeros of `shape` with y on the diagonal (offset, dim1, dim2): the transpose of Diagonal."""

    node_name = "DiagonalBackwardBackward0"

    @staticmethod
    def forward(ctx, g, *, shape, offset, dim1, dim2, given=None):
        xp = ctx.xp
        ctx.offset, ctx.dims = offset, (dim1, dim2)
        ctx.given = (dim1, dim2) if given is None else given
        out = xp.zeros(shape, dtype=g.dtype)
        plane = xp.moveaxis(out, (dim1, dim2), (-2, -1))  # a writeable view with the two dims last
        n = g.shape[-1]
        plane[..., xp.arange(n) + max(-offset, 0), xp.arange(n) + max(offset, 0)] = g
        return out

    @staticmethod
    def backward(ctx, gy):
        return Diagonal.apply(gy, offset=ctx.offset, dim1=ctx.dims[0], dim2=ctx.dims[1])


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal (offset above the main one, below for negative offsets) of the dims dim1 and dim2, as
    the last dim of a view."""
    from ._helpers import wrap_dim
    nd = input.dim()
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset=offset, dim1=d1, dim2=d2, given=(dim1, dim2))._view_of(input)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims dim1, dim2 of the result) with the last dim of input on the given diagonal."""
    from ._helpers import wrap_dim
    nd = input.dim() + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1] + abs(offset)
    rest = list(input.shape[:-1])
    shape = [0] * nd
    others = [i for i in range(nd) if i not in (d1, d2)]
    for i, s in zip(others, rest):
        shape[i] = s
    shape[d1] = shape[d2] = n
    return DiagEmbed.apply(input, shape=tuple(shape), offset=offset, dim1=d1, dim2=d2, given=(dim1, dim2))


class DiagEmbed(DiagonalBackward):
    node_name = "DiagEmbedBackward0"
    saved_values = {name: Diagonal.saved_values[name] for name in ("offset", "dim1", "dim2")}


# ---- determinants -----------------------------------------------------------------------------

def _lu_of_saved_a(node, transposed=True):
    """(LU, pivots) of the node's saved A, as LAPACK's getrf gives them (what torch's det and solve nodes keep).
    For a determinant torch hands LAPACK a row-major A as it lies in memory, read column by column: the factors
    of Aᵀ, whose determinant is the same (`transposed`); solve factors A itself."""
    from .decompositions import lu_factor_arrays
    a = node._saved_A
    host = host_array(a._data)
    lu, pivots, _ = lu_factor_arrays(host.swapaxes(-1, -2) if transposed and a.is_contiguous() else host)
    backend = a._device.backend
    return Tensor._wrap(backend.from_host(lu), a._device), Tensor._wrap(backend.from_host(pivots), a._device)


class LinalgDet(Primitive):
    """det(A); d det / dA = det(A) A⁻ᵀ (for an invertible A)."""

    formula = "grad_A = grad · det · A⁻ᵀ"
    saved_names = ("A", "result")
    saved_values = {"LU": lambda node: _lu_of_saved_a(node)[0], "pivots": lambda node: _lu_of_saved_a(node)[1]}

    @staticmethod
    def forward(ctx, a):
        # float16 reaches here only empty (torch's LU kernel refuses it otherwise), which NumPy's det refuses
        wide = a.astype(np.float32) if a.dtype == np.float16 else a
        y = ctx.xp.linalg.det(wide).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, y = ctx.saved_tensors
        return mT(inv(a)) * (gy * y)[..., None, None]


class LinalgSlogdet(Primitive):
    """(sign, log|det A|); d log|det| / dA = A⁻ᵀ (the sign has no gradient)."""

    formula = "grad_A = grad_logabsdet · A⁻ᵀ"
    saved_names = ("A", "sign")
    saved_values = LinalgDet.saved_values

    @staticmethod
    def forward(ctx, a):
        sign, logabs = ctx.xp.linalg.slogdet(a)
        sign = sign.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, sign)
        return sign, logabs.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        a = ctx.saved_tensors[0]
        if g_logabs is None:
            return None
        return mT(inv(a)) * g_logabs[..., None, None]


# ---- inverse and solve ------------------------------------------------------------------------

def first_failure(info):
    """(message prefix, info) for the first matrix of a batch whose LAPACK info is positive, as torch reports
    it ("(Batch element 3): " in a batch), or None when every matrix succeeded."""
    host = host_array(info)
    failed = np.argwhere(host > 0)
    if not len(failed):
        return None
    where = tuple(failed[0])
    batch = f"(Batch element {int(np.ravel_multi_index(where, host.shape))}): " if host.ndim else ""
    return batch, int(host[where])


def _singular(name: str, info) -> "Exception":
    """torch's error for a singular matrix: the first one in the batch, and its first zero pivot (1-based)."""
    from ..linalg import LinAlgError
    batch, order = first_failure(info)
    return LinAlgError(f"{name}: {batch}The diagonal element {order} is zero, the inversion could not be "
                       "completed because the input matrix is singular.")


def _batch_info(xp, a):
    """LAPACK's info per matrix: 0, or the 1-based index of the first zero pivot of its LU."""
    from .decompositions import lu_factor_arrays
    _, _, info = lu_factor_arrays(host_array(a))
    return xp.asarray(info)


class LinalgInvEx(Primitive):
    """(A⁻¹, info); the gradient of A⁻¹ is −A⁻ᵀ · grad · A⁻ᵀ."""

    formula = "grad_A = −A⁻ᵀ · grad · A⁻ᵀ"
    saved_names = ("inverse",)

    @staticmethod
    def forward(ctx, a, *, check_errors, name="linalg.inv"):
        xp = ctx.xp
        info = _batch_info(xp, a) if a.size else xp.zeros(a.shape[:-2], dtype=xp.int32)
        if check_errors and bool((info > 0).any()):
            raise _singular(name, info)
        with np.errstate(all="ignore"):
            try:
                y = xp.linalg.inv(a) if a.size else a.copy()
            except np.linalg.LinAlgError:  # singular, and the caller asked for info instead: LAPACK's nan/inf
                y = xp.full(a.shape, xp.nan, dtype=a.dtype)
        y = column_major(xp, y.astype(a.dtype, copy=False))
        ctx.save_for_backward(y)
        return y, info.astype(xp.int32)

    @staticmethod
    def backward(ctx, gy, ginfo):
        (y,) = ctx.saved_tensors
        yt = mT(y)
        return -(yt @ gy @ yt)


def inv(a: Tensor) -> Tensor:
    return LinalgInvEx.apply(a, check_errors=True)[0]


class LinalgSolveEx(Primitive):
    """(X, info) with A X = B (X A = B with left=False; B a batch of matrices).
    left: grad_B = A⁻ᵀ grad, grad_A = −grad_B Xᵀ;  right: grad_B = grad A⁻ᵀ, grad_A = −Xᵀ grad_B."""

    formula = "grad_B = solve(Aᵀ, grad), grad_A = −grad_B · Xᵀ (left; transposed for left=False)"
    saved_names = ("A", "result")
    saved_values = {"left": attribute("left"), "LU": lambda node: _lu_of_saved_a(node, transposed=False)[0],
                    "pivots": lambda node: _lu_of_saved_a(node, transposed=False)[1]}

    @staticmethod
    def forward(ctx, a, b, *, left=True, check_errors, vector=False):
        xp = ctx.xp
        ctx.vector = vector
        if vector:  # B a (batch of) vector(s): solved as one-column matrices
            b = b[..., None]
        info = _batch_info(xp, a) if a.size else xp.zeros(a.shape[:-2], dtype=xp.int32)
        if check_errors and bool((info > 0).any()):
            from ..linalg import LinAlgError
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.")
        lhs, rhs = (a, b) if left else (a.swapaxes(-1, -2), b.swapaxes(-1, -2))
        with np.errstate(all="ignore"):
            try:
                x = xp.linalg.solve(lhs, rhs) if a.size and b.size else \
                    xp.zeros(xp.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + rhs.shape[-2:], dtype=b.dtype)
            except np.linalg.LinAlgError:  # singular, and the caller asked for info instead: nan, as LAPACK's
                x = xp.full(xp.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + rhs.shape[-2:], xp.nan, dtype=b.dtype)
        x = column_major(xp, x.astype(b.dtype, copy=False))
        if not left:
            x = x.swapaxes(-1, -2)
        if vector:
            x = x[..., 0]
        ctx.left = left
        ctx.save_for_backward(a, x)
        return x, info.astype(xp.int32)

    @staticmethod
    def backward(ctx, gx, ginfo):
        a, x = ctx.saved_tensors
        if ctx.vector:
            gb = LinalgSolveEx.apply(mT(a), gx, check_errors=False, vector=True)[0]
            return (-(gb.unsqueeze(-1) * x.unsqueeze(-2)) if ctx.needs_input_grad[0] else None), gb
        if ctx.left:
            gb = LinalgSolveEx.apply(mT(a), gx, check_errors=False)[0]
            ga = -(gb @ mT(x)) if ctx.needs_input_grad[0] else None
        else:
            gb = mT(LinalgSolveEx.apply(a, mT(gx), check_errors=False)[0])
            ga = -(mT(x) @ gb) if ctx.needs_input_grad[0] else None
        return ga, gb


def solve(a: Tensor, b: Tensor) -> Tensor:
    return LinalgSolveEx.apply(a, b, check_errors=True)[0]


class LinalgSolveTriangular(Primitive):
    """X with A X = B (or X A = B, left=False) for a triangular A, read from its upper or lower triangle
    (its diagonal taken as ones when unitriangular)."""

    formula = "grad_B = solve_triangular(Aᵀ, grad), grad_A = −tri(grad_B · Xᵀ) (left; transposed for left=False)"
    saved_names = ("self", "result")
    saved_values = {"upper": attribute("upper"), "unitriangular": attribute("unit"), "left": attribute("left")}

    @staticmethod
    def forward(ctx, a, b, *, upper, unitriangular, left=True):
        xp = ctx.xp
        t = _triangle(xp, a, upper, unitriangular)
        b = b.astype(a.dtype, copy=False)
        ctx.upper, ctx.unit, ctx.left = upper, unitriangular, left
        with np.errstate(all="ignore"):
            if left:
                x = _triangular_solve_arrays(xp, t, b, upper)
            else:  # X A = B  ⇔  Aᵀ Xᵀ = Bᵀ
                x = _triangular_solve_arrays(xp, t.swapaxes(-1, -2), b.swapaxes(-1, -2), not upper).swapaxes(-1, -2)
        x = column_major(xp, x)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, gx):
        a, x = ctx.saved_tensors
        if ctx.left:
            gb = LinalgSolveTriangular.apply(mT(a), gx, upper=not ctx.upper, unitriangular=ctx.unit)
            ga = -(gb @ mT(x))
        else:
            gb = LinalgSolveTriangular.apply(mT(a), gx, upper=not ctx.upper, unitriangular=ctx.unit, left=False)
            ga = -(mT(x) @ gb)
        if not ctx.needs_input_grad[0]:
            return None, gb
        return (ga.triu(1 if ctx.unit else 0) if ctx.upper else ga.tril(-1 if ctx.unit else 0)), gb


def _triangle(xp, a, upper, unit):
    t = xp.triu(a) if upper else xp.tril(a)
    if unit:
        n = a.shape[-1]
        t = t.copy()
        t[..., xp.arange(n), xp.arange(n)] = 1
    return t


def _triangular_solve_arrays(xp, t, b, upper):
    """Back (upper) or forward (lower) substitution, one row at a time over the batch, as LAPACK's trsm:
    a zero on the diagonal gives inf/nan rather than an error."""
    n = t.shape[-1]
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = xp.broadcast_to(t, batch + t.shape[-2:])
    x = xp.array(xp.broadcast_to(b, batch + b.shape[-2:]), dtype=np.result_type(t.dtype, b.dtype))
    order = range(n - 1, -1, -1) if upper else range(n)
    for i in order:
        rest = slice(i + 1, n) if upper else slice(0, i)
        acc = x[..., i, :] - (t[..., i, rest, None] * x[..., rest, :]).sum(-2)
        x[..., i, :] = acc / t[..., i, i, None]
    return x


# ---- the matrix exponential ------------------------------------------------------------------

# the coefficients of the [13/13] Padé approximant (Higham, "The scaling and squaring method for the
# matrix exponential revisited", 2005), and the largest 1-norm each degree is accurate for in double
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def matrix_exp_arrays(xp, a):
    """exp(A) by scaling and squaring with the [13/13] Padé approximant, computed in float64."""
    if a.size == 0:
        return a.copy()
    work = a.astype(np.float64)
    n = a.shape[-1]
    norm = xp.abs(work).sum(-2).max(-1)  # the 1-norm of each matrix
    s = xp.maximum(0, xp.ceil(xp.log2(xp.maximum(norm, 1e-300) / _THETA13))).astype(np.int64)
    work = work / (2.0 ** s)[..., None, None]
    eye = xp.broadcast_to(xp.eye(n), work.shape)
    a2 = work @ work
    a4 = a2 @ a2
    a6 = a4 @ a2
    b = _PADE13
    u = work @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for k in range(int(s.max()) if s.size else 0):  # square each matrix as often as it was scaled
        squared = r @ r
        r = xp.where((s > k)[..., None, None], squared, r)
    return r.astype(a.dtype)


class LinalgMatrixExp(Primitive):
    """exp(A) = Σ Aᵏ / k!; its gradient is the upper-right block of exp([[Aᵀ, grad], [0, Aᵀ]])."""

    formula = "grad_A = exp([[Aᵀ, grad], [0, Aᵀ]])[:n, n:]"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return matrix_exp_arrays(ctx.xp, a)

    @staticmethod
    def backward(ctx, gy):
        from .shape import cat
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        at = mT(a).expand(gy.shape)
        top = cat([at, gy], -1)
        bottom = cat([gy.new_zeros(gy.shape), at], -1)
        return LinalgMatrixExp.apply(cat([top, bottom], -2))[..., :n, n:]


def matrix_exp(a: Tensor) -> Tensor:
    return LinalgMatrixExp.apply(a)
