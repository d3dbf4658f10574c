"""minitorch.linalg: torch.linalg's functions, with torch's signatures, checks, errors and graph nodes
(LinalgDetBackward0, LinalgSolveExBackward0, LinalgSvdBackward0, ...). The ops and their gradients live
in ops/matrix_functions.py and ops/decompositions.py; the composites (norms, powers, pinv, ...) are
built from them as torch builds them."""
from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from .autograd import batched
from . import dtypes as D
from .autograd.function import Primitive
from .ops import decompositions as _dec
from .ops.fused import Fused
from .ops import ldl as _ldl
from .ops import matrix_functions as _mf
from .ops._helpers import check_broadcast, check_number, host_array, lapack_only, type_word, wrap_dim
from .ops.linalg import matmul as _matmul
from .ops.out import with_out
from .ops.reduction import Norm as _Norm
from .ops.reduction import _dims
from .tensor import Tensor


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle: singular, not positive-definite, ... (torch.linalg.LinAlgError)."""


# the named tuples torch's multi-output functions return
_Slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
_InvEx = namedtuple("inv_ex", ["inverse", "info"])
_SolveEx = namedtuple("solve_ex", ["result", "info"])
_CholeskyEx = namedtuple("cholesky_ex", ["L", "info"])
_Qr = namedtuple("qr", ["Q", "R"])
_Svd = namedtuple("svd", ["U", "S", "Vh"])
_Eigh = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
_Lu = namedtuple("lu", ["P", "L", "U"])
_LuFactor = namedtuple("lu_factor", ["LU", "pivots"])
_LuFactorEx = namedtuple("lu_factor_ex", ["LU", "pivots", "info"])
_Lstsq = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])
_LdlFactorEx = namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"])
_LdlFactor = namedtuple("linalg_ldl_factor", ["LD", "pivots"])


# ---- torch's argument checks --------------------------------------------------------------------

# The LAPACK kernel each function reaches, and whether an empty input reaches it: a dtype the kernel lacks
# (float16; integers and bool where the function has no floating-point check of its own) is refused there.
_KERNELS = {
    "linalg.det": ("lu_cpu", False), "linalg.solve": ("lu_cpu", False), "linalg.lu": ("lu_cpu", False),
    "linalg.lu_factor": ("lu_cpu", False), "linalg.lu_factor_ex": ("lu_cpu", False),
    "linalg.lu_solve": ("linalg.lu_solve_cpu", False),
    "cholesky": ("cholesky_cpu", False), "linalg.cholesky": ("cholesky_cpu", False),
    "linalg.cholesky_ex": ("cholesky_cpu", False), "cholesky_inverse": ("cholesky_inverse_out_cpu", True),
    "linalg.qr": ("geqrf_cpu", True),
    "linalg.svd": ("linalg_svd_cpu", False), "linalg.svdvals": ("linalg_svd_cpu", False),
    "linalg.eigh": ("linalg_eigh_cpu", False), "linalg.eigvalsh": ("linalg_eigh_cpu", False),
    "linalg.solve_triangular": ("triangular_solve_cpu", True),
    "torch.linalg.ldl_factor": ("ldl_factor_kernel_cpu", False),
    "torch.linalg.ldl_factor_ex": ("ldl_factor_kernel_cpu", False),
    "torch.linalg.ldl_solve": ("ldl_solve_kernel_cpu", False),
}
# functions without a floating-point check of their own: integers reach the kernel, or are computed
_ANY_DTYPE = {"linalg.lu", "linalg.lu_factor", "linalg.lu_factor_ex", "cholesky", "cholesky_inverse", "linalg.eigh",
              "linalg.eigvalsh", "linalg.solve_triangular", "linalg.matrix_power", "linalg.cond"}
_LOW_PRECISION = "{}: Low precision dtypes not supported. Got Half"
_HALF_REFUSED = {  # functions whose own dtype check refuses float16, with its message
    "linalg.inv": _LOW_PRECISION.format("linalg.inv"), "linalg.inv_ex": _LOW_PRECISION.format("linalg.inv"),
    "linalg.slogdet": _LOW_PRECISION.format("linalg.slogdet"),
    "linalg.matrix_rank": "This function doesn't handle types other than float and double",
    "linalg.pinv": "linalg.pinv(Half{shape}): expected a tensor with 2 or more dimensions of float, double, cfloat "
                   "or cdouble types",
}


def _check_matrix(name: str, a, square: bool = True) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{name.replace('linalg.', 'linalg_')}(): argument 'A' (position 1) must be Tensor, not "
                        f"{type(a).__name__}")
    if a.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if not a._dtype.is_floating_point and name not in _ANY_DTYPE:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {type_word(a._dtype)}")
    if a._dtype is D.float16 and name in _HALF_REFUSED:
        raise RuntimeError(_HALF_REFUSED[name].format(shape=list(a.shape)))
    if name in _KERNELS:
        lapack_only(a, *_KERNELS[name])


def _check_rhs(name: str, a: Tensor, b) -> Tensor:
    """B for A X = B as a batch of matrices; whether it was a (batch of) vector(s)."""
    if not isinstance(b, Tensor):
        raise TypeError(f"{name.replace('linalg.', 'linalg_')}(): argument 'B' (position 2) must be Tensor, not "
                        f"{type(b).__name__}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of type "
                           f"{type_word(a._dtype)} and B of type {type_word(b._dtype)} instead")
    return b


def _check_solve_inputs(b: Tensor, a: Tensor, name: str) -> None:
    """torch's linearSolveCheckInputs: b and A of one dtype, A square, and as many rows in b as A has columns."""
    if b._dtype is not a._dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {type_word(b._dtype)} and A "
                           f"of type {type_word(a._dtype)} instead.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} "
                           "matrices")
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is {a.shape[-2]} by {a.shape[-1]} but "
                           f"each b matrix is {b.shape[-2]} by {b.shape[-1]}")


def _vector_case(a: Tensor, b: Tensor) -> bool:
    """torch's rule: B is a (batch of) vector(s) when it is 1-D, or has one dim fewer than A with A's batch shape."""
    return b.dim() == 1 or (b.dim() == a.dim() - 1 and tuple(b.shape) == tuple(a.shape[:-1]))


# ---- determinants, inverses, solves -------------------------------------------------------------

def det(A: Tensor) -> Tensor:
    """det(A) for each matrix of the batch."""
    _check_matrix("linalg.det", A)
    return _mf.LinalgDet.apply(A)


def slogdet(A: Tensor):
    """(sign, log|det A|): the determinant without overflow."""
    _check_matrix("linalg.slogdet", A)
    return _Slogdet(*_mf.LinalgSlogdet.apply(A))


def inv_ex(A: Tensor, *, check_errors: bool = False):
    """(A⁻¹, info), info > 0 where a matrix is singular (an error with check_errors=True)."""
    _check_matrix("linalg.inv_ex", A)
    return _InvEx(*_mf.LinalgInvEx.apply(A, check_errors=check_errors, name="linalg.inv_ex"))


def inv(A: Tensor) -> Tensor:
    """A⁻¹; a singular matrix raises LinAlgError."""
    _check_matrix("linalg.inv", A)
    return _mf.LinalgInvEx.apply(A, check_errors=True)[0]


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False):
    """(X, info) with A X = B (X A = B with left=False)."""
    _check_matrix("linalg.solve", A)
    _check_rhs("linalg.solve", A, B)
    vector = left and _vector_case(A, B)
    if not vector and B.dim() < 2:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    inner = B.shape[-1] if vector else (B.shape[-2] if left else B.shape[-1])
    if inner != A.shape[-1]:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {'x'.join(str(s) for s in B.shape[-2:])})")
    check_broadcast(B.shape[:-1] if vector else B.shape[:-2], A.shape[:-2])
    return _SolveEx(*_mf.LinalgSolveEx.apply(A, B, left=left, check_errors=check_errors, vector=vector))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (X A = B with left=False); B is a matrix, a vector, or batches of them."""
    return solve_ex(A, B, left=left, check_errors=True)[0]


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """X with A X = B (or X A = B) for a triangular A (only its upper or lower triangle is read)."""
    _check_matrix("linalg.solve_triangular", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_solve_triangular(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if B.dim() < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    n, rows, cols = A.shape[-1], B.shape[-2], B.shape[-1]
    if (rows if left else cols) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {rows}x{cols})")
    check_broadcast(B.shape[:-2], A.shape[:-2])
    # B of another dtype is read in A's (X has A's dtype, and B's gradient comes back in B's), as torch does
    return _mf.LinalgSolveTriangular.apply(A, B, upper=upper, unitriangular=unitriangular, left=left)


def matrix_exp(A: Tensor) -> Tensor:
    """exp(A) = Σ Aᵏ / k! (scaling and squaring with a Padé approximant)."""
    _check_matrix("linalg.matrix_exp", A)
    return _mf.LinalgMatrixExp.apply(A)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal of each matrix (a view)."""
    return _mf.diagonal(A, offset, dim1, dim2)


# ---- factorisations ------------------------------------------------------------------------------

def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info): A = L Lᵀ from A's lower triangle (U with A = Uᵀ U from its upper one for upper=True); info > 0
    where A is not positive-definite."""
    _check_matrix("linalg.cholesky_ex", A)
    l, info = _dec.LinalgCholeskyEx.apply(A, upper=upper, check_errors=False)
    if check_errors:
        _dec._raise_cholesky(info._data, "linalg.cholesky_ex")
    return _CholeskyEx(l, info)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L Lᵀ (U with A = Uᵀ U for upper=True); raises LinAlgError if A is not positive-definite."""
    _check_matrix("linalg.cholesky", A)
    l, info = _dec.LinalgCholeskyEx.apply(A, upper=upper, check_errors=False)
    _dec._raise_cholesky(info._data, "linalg.cholesky")
    return l


def qr(A: Tensor, mode: str = "reduced"):
    """(Q, R) with A = Q R; mode 'reduced', 'complete' or 'r' (R only, Q empty)."""
    _check_matrix("linalg.qr", A, square=False)
    _check_str("linalg_qr", "mode", mode)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    return _Qr(*_dec.LinalgQr.apply(A, mode=mode))


def _check_driver(driver):
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None):
    """(U, S, Vh) with A = U diag(S) Vh and S descending."""
    _check_matrix("linalg.svd", A, square=False)
    _check_driver(driver)
    return _Svd(*_dec.LinalgSvd.apply(A, full_matrices=full_matrices))


def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    """The singular values, descending."""
    _check_matrix("linalg.svdvals", A, square=False)
    _check_driver(driver)
    return _dec.LinalgSvd.apply(A, full_matrices=False)[1]


def _check_str(fn: str, name: str, value, position=None):
    """torch's TypeError for a string parameter given something else."""
    if not isinstance(value, str):
        where = "" if position is None else f" (position {position})"
        raise TypeError(f"{fn}(): argument '{name}'{where} must be str, not {type(value).__name__}")


def _check_uplo(uplo):
    _check_str("linalg_eigh", "UPLO", uplo, 2)
    if uplo not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return uplo.upper()


def eigh(A: Tensor, UPLO: str = "L"):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric A, read from one triangle."""
    _check_matrix("linalg.eigh", A)
    return _Eigh(*_dec.LinalgEigh.apply(A, uplo=_check_uplo(UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of a symmetric A, ascending."""
    _check_matrix("linalg.eigvalsh", A)
    return _dec.LinalgEigh.apply(A, uplo=_check_uplo(UPLO))[0]


def _check_pivot(name, pivot):
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False):
    """(LU, pivots, info): P L U packed in one matrix, LAPACK's 1-based row swaps, info > 0 if singular."""
    _check_matrix("linalg.lu_factor_ex", A, square=False)
    _check_pivot("linalg.lu_factor", pivot)
    return _lu_factor_ex("linalg.lu_factor_ex", A, pivot, check_errors)


def _lu_factor_ex(name: str, A: Tensor, pivot: bool, check_errors: bool):
    lu, pivots, info = _dec.LinalgLuFactorEx.apply(A)
    failure = _mf.first_failure(info._data) if check_errors else None
    if failure is not None:  # torch raises a plain RuntimeError here, not LinAlgError
        batch, k = failure
        raise RuntimeError(f"torch.{name}: {batch}U[{k},{k}] is zero and using it on lu_solve would result in a "
                           "division by zero. If you still want to perform the factorization, consider calling "
                           "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return _LuFactorEx(lu, pivots, info)


def lu_factor(A: Tensor, *, pivot: bool = True):
    """(LU, pivots): A's LU factorisation with partial pivoting, packed as LAPACK packs it; a singular A raises."""
    _check_matrix("linalg.lu_factor", A, square=False)
    _check_pivot("linalg.lu_factor", pivot)
    lu, pivots, _ = _lu_factor_ex("linalg.lu_factor", A, pivot, True)
    return _LuFactor(lu, pivots)


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False):
    """(LD, pivots, info): A = P L D Lᵀ Pᵀ from A's lower triangle, Bunch-Kaufman pivoting, packed as LAPACK's
    sytrf packs it; info > 0 where D has a zero diagonal entry. `hermitian` changes nothing for real A."""
    return _ldl_factor("torch.linalg.ldl_factor_ex", A, check_errors)


def ldl_factor(A: Tensor, *, hermitian: bool = False):
    """(LD, pivots) of ldl_factor_ex; a singular D raises."""
    LD, pivots, _ = _ldl_factor("torch.linalg.ldl_factor", A, True)
    return _LdlFactor(LD, pivots)


def _ldl_factor(name: str, A: Tensor, check_errors: bool):
    _check_matrix(name, A)
    LD, pivots, info = _ldl.LinalgLdlFactorEx.apply(A)
    failure = _mf.first_failure(info._data) if check_errors else None
    if failure is not None:
        batch, k = failure
        raise RuntimeError(f"{name}: {batch}The factorization could not be completed because the block diagonal "
                           f"matrix D is singular: D[{k},{k}] is zero")
    return _LdlFactorEx(LD, pivots, info)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """X with A X = B from ldl_factor's (LD, pivots)."""
    name = "torch.linalg.ldl_solve"
    _check_matrix(name, LD)
    if B.dim() < 2:  # torch reads B.size(-2) first
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(B.dim(), 1)}, "
                         f"{max(B.dim(), 1) - 1}], but got -2)")
    _check_solve_inputs(B, LD, name)
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
                           f"{list(pivots.shape)} instead")
    check_broadcast(B.shape[:-2], LD.shape[:-2])
    swaps = host_array(pivots._data)
    if swaps.size and (np.abs(swaps).min() < 1 or np.abs(swaps).max() > LD.shape[-1]):
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| <= LD.size(-2). Did you properly pass "
                           "the result of ldl_factor?")
    return _ldl.LinalgLdlSolve.apply(LD, pivots.to(D.int32), B)


def lu(A: Tensor, *, pivot: bool = True):
    """(P, L, U) with A = P L U."""
    _check_matrix("linalg.lu", A, square=False)
    _check_pivot("linalg.lu", pivot)
    return _Lu(*_dec.LinalgLu.apply(A))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """X with A X = B (Aᵀ X = B with adjoint; X A = B with left=False) from lu_factor's output."""
    _check_matrix("linalg.lu_solve", LU)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lu_solve(): argument 'B' (position 3) must be Tensor, not {type(B).__name__}")
    if LU._dtype is not B._dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                           f"{type_word(LU._dtype)} and B of type {type_word(B._dtype)} instead")
    if pivots._dtype is not D.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if B.dim() < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if (B.shape[-2] if left else B.shape[-1]) != LU.shape[-1]:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({LU.shape[-2]}x{LU.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    if pivots.dim() == 0 or pivots.shape[-1] != LU.shape[-1]:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the dimension of the "
                           "matrix")
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(f"linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got "
                           f"pivots with shape {list(pivots.shape)} instead")
    check_broadcast(B.shape[:-2], LU.shape[:-2])
    return _dec.LinalgLuSolve.apply(LU, pivots, B, left, adjoint)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """(solution, residuals, rank, singular_values) of min ‖A X − B‖ (the default 'gelsy' driver: no
    singular values; residuals for a tall, full-rank A)."""
    _check_lstsq(A, B)
    if driver not in (None, "gelsy", "gelsd", "gelss", "gels"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.dim() == A.dim() - 1
    b = B.unsqueeze(-1) if vector else B
    check_broadcast(A.shape[:-2], b.shape[:-2])
    x = _LstsqNode.apply(A, b)
    m, n = A.shape[-2:]
    driver = driver or "gelsy"
    rank = matrix_rank(A) if driver != "gels" else A.new_zeros((0,), dtype=D.int64)
    residuals = A.new_zeros((0,))
    if driver != "gelsy" and m > n and (driver == "gels" or bool((rank == n).all())):
        residuals = ((A @ x - b) ** 2).sum(-2).detach()
    sv = svdvals(A).detach() if driver in ("gelsd", "gelss") else A.new_zeros((0,))
    return _Lstsq(x.squeeze(-1) if vector else x, residuals, rank, sv)


def _check_lstsq(A: Tensor, B: Tensor) -> None:
    """torch's checks of lstsq's operands, in its order."""
    for name, t, position in (("A", A, 1), ("B", B, 2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"linalg_lstsq(): argument '{name}' (position {position}) must be Tensor, not "
                            f"{type(t).__name__}")
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if B.dim() < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {type_word(A._dtype)} and other's dtype {type_word(B._dtype)}")
    if not 0 <= A.dim() - B.dim() <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    vector = A.dim() != B.dim()
    if A.shape[-2] != (B.shape[-1] if vector else B.shape[-2]):
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size({-1 if vector else -2})")
    if A._dtype not in (D.float32, D.float64):
        raise RuntimeError(_HALF_REFUSED["linalg.matrix_rank"])


class _LstsqNode(Fused):
    """The least-squares solution pinv(A) B as one node; the backward differentiates that definition."""
    node_name = "LinalgLstsqBackward0"
    definition = staticmethod(lambda a, b: pinv(a) @ b)
    saves_result, saved_names = True, ("self", "b", "solution")


# ---- norms and composites ----------------------------------------------------------------------

def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(Σ |x|^ord)^(1/ord) over `dim` (all elements by default); ord = ±inf gives max/min |x|, 0 the count."""
    if dtype is not None:
        x = x.to(dtype)
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{type_word(x._dtype)}")
    given = check_number("linalg_vector_norm", "ord", ord, 2)
    p = float(given)
    axes = _dims(dim, x.dim())
    if (p < 0 or math.isinf(p)) and (x.numel() == 0 and not axes or builtins.any(x.shape[a] == 0 for a in axes)):
        order = f"{'' if p > 0 else '-'}inf" if math.isinf(p) else f"{p:g}"
        raise RuntimeError(f"linalg.vector_norm cannot compute the {order} norm on an empty tensor because the "
                           "operation does not have an identity")
    return _Norm.apply(x, p=p, axes=axes, keepdim=keepdim, single_abs=x.dim() > 0 or dim is None, given_ord=given,
                       given_dim=dim)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """'fro' (√Σ a²), 'nuc' (Σ singular values), ±1 / ±inf (max/min column / row sums of |A|), ±2 (largest
    / smallest singular value), over the two dims `dim`."""
    if ord is None:
        raise TypeError("linalg_matrix_norm() received an invalid combination of arguments - got ord=NoneType: ord "
                        "is a number or 'fro' or 'nuc'")
    if not isinstance(ord, str):
        ord = check_number("linalg_matrix_norm", "ord", ord)
    if dtype is not None:
        A = A.to(dtype)
    _check_matrix("linalg.matrix_norm", A, square=False)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        shown = " ".join(map(str, dim)) if isinstance(dim, (tuple, list)) else dim  # as torch prints an int list
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {shown}")
    d0, d1 = (wrap_dim(d, A.dim()) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord == "nuc" or ord in (2, -2):  # from the singular values of the two dims moved last, as torch
        if A._dtype is D.float16:
            raise RuntimeError(_LOW_PRECISION.format("linalg.matrix_norm"))
        order = [i for i in range(A.dim()) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(A.permute(order))
        if ord == "nuc":
            out = s.sum(-1, keepdim=keepdim)
        else:
            out = s.amax(-1, keepdim=keepdim) if ord == 2 else s.amin(-1, keepdim=keepdim)
        if keepdim:
            out = out.unsqueeze(-1).permute([order.index(i) for i in range(A.dim())])
        return out
    if ord in (1, -1, math.inf, -math.inf):  # the largest (smallest) column (row) sum of |A|
        dim_sum, dim_max = (d0, d1) if abs(ord) == 1 else (d1, d0)
        if not keepdim and dim_max > dim_sum:
            dim_max -= 1
        sums = vector_norm(A, 1, dim_sum, keepdim)
        return sums.amax(dim_max, keepdim) if ord > 0 else sums.amin(dim_max, keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(input: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """vector_norm, or matrix_norm when ord is a matrix order or dim two dims (2-norm of all elements by
    default)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if dim is None and ord is not None and input.dim() not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{input.dim()}D.")
    if isinstance(ord, str) or ord is not None and (dim is None and input.dim() == 2 or dim is not None and
                                                    len(dim) == 2):
        return matrix_norm(input, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(input, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """Aⁿ by repeated squaring (A⁻¹ first for n < 0; the identity for n = 0)."""
    _check_matrix("linalg.matrix_power", A)
    if n == 0:  # torch writes the identity into a copy of A (a graph node whose gradient is zero)
        from .ops.creation import eye
        return A.clone().copy_(eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(A.shape))
    if n < 0:
        A, n = inv(A), -n
    if n == 1:
        return A.clone()
    if n == 2:
        return _matmul(A, A)
    if n == 3:
        return _matmul(_matmul(A, A), A)
    result, base = None, A
    while n:  # binary exponentiation, as torch's
        if n & 1:
            result = base if result is None else _matmul(result, base)
        n >>= 1
        if n:
            base = _matmul(base, base)
    return result


def multi_dot(tensors: list[Tensor]) -> Tensor:
    """The product of the matrices (the first and last may be vectors), multiplied in the cheapest order."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vector, last_vector = tensors[0].dim() == 1, tensors[-1].dim() == 1
    mats = [tensors[0].unsqueeze(0) if first_vector else tensors[0]] + tensors[1:-1] + \
        [tensors[-1].unsqueeze(-1) if last_vector else tensors[-1]]
    for i, t in enumerate(mats):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    out = _chain(mats)
    shape = tuple(out.shape[0:0 if first_vector else 1]) + tuple(out.shape[2 if last_vector else 1:2])
    return out.view(shape)  # torch ends with a view to the result's shape, vectors or not


def _chain(mats):
    """The matrix chain product in the order that needs fewest multiplications (dynamic programming)."""
    n = len(mats)
    if n == 2:
        return mats[0].mm(mats[1])
    dims = [m.shape[0] for m in mats] + [mats[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i, j):
        return mats[i] if i == j else product(i, split[i][j]).mm(product(split[i][j] + 1, j))
    return product(0, n - 1)


def _tolerance(s, atol, rtol, m, n):
    """The cutoff below which singular values count as zero: max(atol, rtol · σ_max), rtol defaulting to
    eps · max(m, n) when neither is given."""
    eps = D.finfo(s._dtype).eps
    if rtol is None:
        rtol = eps * max(m, n) if atol is None or (isinstance(atol, (int, float)) and atol <= 0) else 0.0
    smax = s.amax(-1, keepdim=True) if s.shape[-1] else s.new_zeros(s.shape[:-1] + (1,))
    tol = smax * rtol
    if atol is not None:
        tol = tol.clamp(min=atol) if isinstance(atol, (int, float)) else tol.maximum(atol.unsqueeze(-1))
    return tol


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """How many singular values exceed the tolerance."""
    _check_matrix("linalg.matrix_rank", A, square=False)
    from .autograd.grad_mode import no_grad
    with no_grad():
        s = eigvalsh(A).abs() if hermitian else svdvals(A)
        tol = _tolerance(s, atol, rtol, A.shape[-2], A.shape[-1])
        return (s > tol).sum(-1)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, V diag(1/s) Uᵀ over the singular values above the tolerance."""
    _check_matrix("linalg.pinv", A, square=False)
    return _PinvNode.apply(A, atol, rtol, hermitian)


def _pinv_definition(a, atol, rtol, hermitian):
    if hermitian:
        w, v = eigh(a)
        tol = _tolerance(w.abs(), atol, rtol, a.shape[-2], a.shape[-1])
        inverse = (1 / w).masked_fill(w.abs() <= tol, 0)
        return (v * inverse.unsqueeze(-2)) @ _mf.mT(v)
    u, s, vh = svd(a, full_matrices=False)
    tol = _tolerance(s, atol, rtol, a.shape[-2], a.shape[-1])
    inverse = (1 / s).masked_fill(s <= tol, 0)
    return _mf.mT(vh) @ (inverse.unsqueeze(-1) * _mf.mT(u))


class _PinvNode(Fused):
    """pinv as one node (torch's LinalgPinvBackward0); the backward differentiates the SVD definition."""
    node_name = "LinalgPinvBackward0"
    definition = staticmethod(_pinv_definition)
    saves_result, saved_names = True, ("self", "result")


_COND_ORDERS = (1, -1, 2, -2, math.inf, -math.inf, "fro", "nuc")


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number ‖A‖ ‖A⁻¹‖ in the norm p (the 2-norm: σ_max / σ_min, by default); a singular
    matrix's is inf, a 0 × 0 matrix's 0."""
    _check_matrix("linalg.cond", A, square=False)
    p = 2 if p is None else p
    if not any(p == q and isinstance(p, str) == isinstance(q, str) for q in _COND_ORDERS):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.numel() == 0:
        return A.new_zeros(A.shape[:-2])
    if p in (2, -2):
        s = svdvals(A)
        big, small = s[..., :1], s[..., -1:]
        return (small / big if p == -2 else big / small).squeeze(-1)
    _check_matrix(f"linalg.cond(ord={p})", A)
    inverse, info = inv_ex(A)
    inverse = inverse.masked_fill(info[..., None, None] > 0, math.inf)  # a singular matrix's condition is inf
    return matrix_norm(A, p) * matrix_norm(inverse, p)


def vander(x: Tensor, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of x: columns x⁰, x¹, ..., x^(N-1)."""
    if x._dtype in (D.bool_, D.float16):
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer tensors, but got "
                           f"{x._dtype.word}")
    if x.dim() == 0:  # a number is a vector of one
        x = x.reshape(1)
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    from .ops.shape import cat
    ones = x.new_ones(x.shape + (1,))
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1).cumprod(-1)
    return cat([ones, powers], -1)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Σ x · y along `dim` (conjugating x, which changes nothing for real tensors)."""
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got {x.dtype.word}")
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{x.dtype.word} and y of type {y.dtype.word} instead")
    if x.dim() == 1 and y.dim() == 1:
        from .ops.linalg import vdot
        return vdot(x, y)
    return (x * y).sum(dim)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along `dim` (inputs broadcast)."""
    from .ops.linalg_products import linalg_cross
    return linalg_cross(input, other, dim)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The tensor X with tensordot(X, A, ind) the identity: A reshaped to a matrix, inverted, reshaped back."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    out_shape = tuple(A.shape[ind:]) + tuple(A.shape[:ind])
    rows = math.prod(A.shape[:ind])
    if rows != math.prod(A.shape[ind:]):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {math.prod(A.shape[ind:])} != {rows}")
    return inv(A.reshape(rows, -1)).reshape(out_shape)


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        dims = [wrap_dim(d, A.dim()) for d in dims]
        A = A.movedim(dims, list(range(A.dim() - len(dims), A.dim())))
    result_shape = tuple(A.shape[B.dim():])
    n = math.prod(result_shape)
    if math.prod(A.shape[:B.dim()]) != n:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {n} != {math.prod(A.shape[:B.dim()])}")
    return solve(A.reshape(n, n), B.reshape(n)).view(result_shape)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """torch.matmul under linalg's name."""
    return _matmul(input, other)

from .ops.householder import householder_product  # noqa: E402

# torch's argument checks (these are C functions in torch, named linalg_<name> in its messages), then
# out= on the functions that have it
from .ops.arguments import checked as _checked  # noqa: E402

for _name in ("det", "slogdet", "inv", "inv_ex", "solve", "solve_ex", "solve_triangular", "cholesky", "cholesky_ex",
              "qr", "svd", "svdvals", "eigh", "eigvalsh", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "lstsq",
              "ldl_factor", "ldl_factor_ex", "ldl_solve",
              "vector_norm", "matrix_norm", "norm", "matrix_power", "multi_dot", "pinv", "matrix_rank", "cond",
              "vander", "vecdot", "cross", "diagonal", "matrix_exp", "tensorinv", "tensorsolve", "matmul",
              "householder_product"):
    _fn = globals()[_name]
    _fn.__name__ = "linalg_" + _name
    globals()[_name] = _checked(_fn, aliases=False)
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name
for _name in ("det", "slogdet", "inv", "inv_ex", "solve", "solve_ex", "solve_triangular", "cholesky", "cholesky_ex",
              "qr", "svd", "svdvals", "eigh", "eigvalsh", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
              "ldl_factor", "ldl_factor_ex", "ldl_solve", "vector_norm", "matrix_norm", "norm", "matrix_power", "multi_dot", "pinv", "matrix_rank", "cond",
              "vecdot", "cross", "tensorinv", "tensorsolve", "matmul", "householder_product"):
    globals()[_name] = with_out(globals()[_name])
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh",
           "householder_product", "inv",
           "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
           "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm"]


# ---- the torch-namespace forms (torch.det, torch.inverse, torch.svd, ...) ----------------------------
# torch names their first parameter `input` (linalg's `A`); these take torch's names and call linalg's.

def _namespace_form(name, fn, doc):
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


torch_det = _namespace_form("det", lambda input: det(input), "det(input): linalg.det.")
torch_slogdet = _namespace_form("slogdet", lambda input: slogdet(input), "slogdet(input): linalg.slogdet.")
torch_inverse = _namespace_form("inverse", lambda input: inv(input), "inverse(input): linalg.inv.")
torch_matrix_exp = _namespace_form("matrix_exp", lambda input: matrix_exp(input), "matrix_exp(input).")
torch_matrix_power = _namespace_form("matrix_power", lambda input, n: matrix_power(input, n),
                                     "matrix_power(input, n): linalg.matrix_power.")

def logdet(input: Tensor) -> Tensor:
    """log det(A): NaN where the determinant is negative, -inf where it is zero."""
    if isinstance(input, Tensor) and input._dtype is D.float16:
        raise RuntimeError(_LOW_PRECISION.format("logdet"))
    sign, logabs = slogdet(input)
    from .ops.pointwise import where
    return where(sign == -1, math.nan, logabs)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below rcond · σ_max counted as zero."""
    return pinv(input, rtol=rcond)


class _Cholesky(_dec.LinalgCholeskyEx):
    node_name = "CholeskyBackward0"  # the deprecated torch.cholesky
    saved_names = ("result",)


def cholesky_legacy(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated in favour of linalg.cholesky)."""
    import warnings
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    _check_matrix("cholesky", input)
    l, info = _Cholesky.apply(input, upper=upper, check_errors=False)
    _dec._raise_cholesky(info._data, "cholesky")
    return l


def _gram(l, upper):
    """L Lᵀ (or Uᵀ U) of the whole factor: torch differentiates cholesky_solve and cholesky_inverse as
    functions of every entry of the factor (for a triangular one the value is the same)."""
    return _mf.mT(l) @ l if upper else l @ _mf.mT(l)


class _CholeskySolve(Fused):
    """X with (L Lᵀ) X = B from the Cholesky factor L (or Uᵀ U with upper=True)."""
    node_name = "CholeskySolveBackward0"
    definition = staticmethod(lambda b, l, upper: _mf.LinalgSolveEx.apply(_gram(l, upper), b, check_errors=False)[0])
    saves_result, saved_names = True, ("self", "input2", "result")
    saved_values = {"upper": lambda node: node.args[2]}


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """X with (L Lᵀ) X = input, L = input2 the Cholesky factor (Uᵀ U with upper=True)."""
    for t, name in ((input, "b"), (input2, "u")):
        if t.dim() < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {t.dim()} dimensions instead")
    _check_solve_inputs(input, input2, "cholesky_solve")
    check_broadcast(input.shape[:-2], input2.shape[:-2])
    lapack_only(input, "cholesky_solve_cpu")
    return _CholeskySolve.apply(input, input2, upper)


class _CholeskyInverse(Fused):
    """(L Lᵀ)⁻¹ from the Cholesky factor L (or (Uᵀ U)⁻¹)."""
    node_name = "CholeskyInverseBackward0"
    definition = staticmethod(lambda l, upper: _mf.LinalgInvEx.apply(_gram(l, upper), check_errors=False)[0])
    saves_result, saved_names = True, ("self", "result")
    saved_values = {"upper": lambda node: node.args[1]}


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """(L Lᵀ)⁻¹ from the Cholesky factor L = input ((Uᵀ U)⁻¹ with upper=True)."""
    _check_matrix("cholesky_inverse", input)
    return _CholeskyInverse.apply(input, upper)


def chain_matmul(*matrices) -> Tensor:
    """The product of the matrices (deprecated in favour of linalg.multi_dot)."""
    import warnings
    batched.refuse_without_rule("aten::chain_matmul", *matrices)
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    for t in matrices:
        if t.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {t.dim()}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


def qr_legacy(input: Tensor, some: bool = True):
    """torch.qr: linalg.qr in 'reduced' (some=True) or 'complete' mode."""
    return qr(input, "reduced" if some else "complete")


_SvdLegacy = namedtuple("svd", ["U", "S", "V"])


def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True):
    """torch.svd: (U, S, V) with A = U diag(S) Vᵀ (V, not Vh); without compute_uv, U and V are zeros."""
    if not compute_uv:
        m, n = input.shape[-2:]
        s = svdvals(input)
        return _SvdLegacy(input.new_zeros(input.shape[:-2] + (m, m)), s, input.new_zeros(input.shape[:-2] + (n, n)))
    u, s, vh = svd(input, full_matrices=not some)
    return _SvdLegacy(u, s, vh.transpose(-2, -1))


class _TriangularSolve(Primitive):
    """(X, A's copy) with A X = b: the deprecated torch.triangular_solve, one node for both outputs."""

    node_name = "TriangularSolveBackward0"
    formula = "as linalg.solve_triangular's, plus grad_cloned_coefficient for A"
    saved_names = ("A", "solution", "self")
    saved_values = {"upper": lambda node: node.upper, "transpose": lambda node: node.transpose,
                    "unitriangular": lambda node: node.unit}

    @staticmethod
    def forward(ctx, b, a, *, upper, transpose, unitriangular):
        ctx.upper, ctx.transpose, ctx.unit = upper, transpose, unitriangular
        lhs = a.swapaxes(-1, -2) if transpose else a
        xp = ctx.xp
        t = _mf._triangle(xp, lhs, upper != transpose, unitriangular)
        import numpy as np
        with np.errstate(all="ignore"):
            x = _mf.column_major(xp, _mf._triangular_solve_arrays(xp, t, b, upper != transpose).astype(b.dtype))
        ctx.save_for_backward(a, x, b)
        return x, xp.broadcast_to(a, x.shape[:-2] + a.shape[-2:]).copy()  # A with the batch it broadcasts to

    @staticmethod
    def backward(ctx, gx, g_clone):
        a, x, _ = ctx.saved_tensors
        lhs = _mf.mT(a) if ctx.transpose else a
        upper = ctx.upper != ctx.transpose
        gb = ga = None
        if gx is not None:
            gb = _mf.LinalgSolveTriangular.apply(_mf.mT(lhs), gx, upper=not upper, unitriangular=ctx.unit)
            g_lhs = -(gb @ _mf.mT(x))
            g_lhs = g_lhs.triu(1 if ctx.unit else 0) if upper else g_lhs.tril(-1 if ctx.unit else 0)
            ga = _mf.mT(g_lhs) if ctx.transpose else g_lhs
        if g_clone is not None:
            ga = g_clone if ga is None else ga + g_clone
        return gb, ga

    @staticmethod
    def jvp(ctx, db, da):
        """torch's rule for this legacy function: dX = op(A)⁻¹ (db − dA X), with the whole tangent dA, and dA
        itself even when op(A) = Aᵀ (so not quite the derivative off A's triangle, or with transpose=True:
        the backward, like linalg.solve_triangular's, is)."""
        a, x, _ = ctx.saved_tensors
        lhs = _mf.mT(a) if ctx.transpose else a
        dx = _mf.LinalgSolveTriangular.apply(lhs, db - da @ x, upper=ctx.upper != ctx.transpose,
                                             unitriangular=ctx.unit)
        return dx, da


_TriangularSolveResult = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False):
    """(X, A.clone()) with A X = input (Aᵀ X = input with transpose) for a triangular A (deprecated)."""
    for name, t in (("b", input), ("A", A)):
        if t.dim() < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected {name} to have at least 2 dimensions, but it has "
                               f"{t.dim()} dimensions instead")
    _check_solve_inputs(input, A, "triangular_solve")
    check_broadcast(input.shape[:-2], A.shape[:-2])
    lapack_only(A, "triangular_solve_cpu")
    return _TriangularSolveResult(*_TriangularSolve.apply(input, A, upper=upper, transpose=transpose,
                                                          unitriangular=unitriangular))


class _LuUnpack(Primitive):
    """(P, L, U) from lu_factor's packed LU and pivots; the gradient of LU gathers L's and U's. A part not
    asked for (unpack_data / unpack_pivots False) is an empty tensor."""

    node_name = "LuUnpackBackward0"
    formula = "grad_LU = tril(grad_L, -1) + triu(grad_U)"
    saved_values = {"LU_data_sym_argsize_minus_1": lambda node: node.shape[-1],
                    "LU_data_sym_argsize_minus_2": lambda node: node.shape[-2]}

    @staticmethod
    def forward(ctx, lu, pivots, unpack_data, unpack_pivots):
        host = host_array(lu)
        m, n = host.shape[-2:]
        swaps = host_array(pivots)[..., :min(m, n)] if unpack_pivots else np.ones(host.shape[:-2] + (1,), np.int32)
        p, l, u = _dec.unpack_arrays(ctx.xp, host, swaps, host.dtype)
        def empty():
            return ctx.xp.zeros((0,), dtype=host.dtype)
        p, l, u = (p if unpack_pivots else empty()), *((l, u) if unpack_data else (empty(), empty()))
        ctx.mark_non_differentiable(p)
        ctx.shape = lu.shape
        return p, l, u

    @staticmethod
    def backward(ctx, gp, gl, gu):
        """torch's lu_unpack_backward, step for step: the empty L and U of unpack_data=False fail in it as in
        torch (U's part is evaluated first)."""
        from .ops.shape import cat
        m, n = ctx.shape[-2:]
        k = min(m, n)

        def upper1(g):
            return g.triu() if n == k else g.narrow(-1, 0, k).triu()

        def lower1(g):
            return g.tril(-1) if m == k else g.narrow(-2, 0, k).tril(-1)
        if gl is not None and gu is not None:
            if m == n:
                upper = gu.triu()
                return gl.tril(-1) + upper, None
            first = upper1(gu)
            first = lower1(gl) + first
            rest = gl.narrow(-2, k, m - k) if m > n else gu.narrow(-1, k, n - k)
            return cat([first, rest], -2 if m > n else -1), None
        if gl is not None:
            if m >= n:
                return gl.tril(-1), None
            return cat([gl.tril(-1), gl.new_zeros(gl.shape[:-1] + (n - m,))], -1), None
        if gu is not None:
            if n >= m:
                return gu.triu(), None
            return cat([gu.triu(), gu.new_zeros(gu.shape[:-2] + (m - n, n))], -2), None
        return None, None


_LuUnpackResult = namedtuple("lu_unpack", ["P", "L", "U"])


def _check_lu_pivots(LU: Tensor, pivots: Tensor) -> None:
    """pivots must hold lu_factor's 1-based row swaps, min(m, n) of them for each matrix of LU's batch."""
    if pivots._dtype is not D.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    m, n = LU.shape[-2:]
    if pivots.dim() == 0 or tuple(pivots.shape[:-1]) != tuple(LU.shape[:-2]) or pivots.shape[-1] < min(m, n):
        raise RuntimeError(f"torch.lu_unpack: expected LU_pivots of shape {list(LU.shape[:-2]) + [min(m, n)]} for "
                           f"LU of shape {list(LU.shape)}, but got {list(pivots.shape)}. Did you properly pass the "
                           "result of lu_factor?")
    values = host_array(pivots._data)[..., :min(m, n)]
    if values.size and (values.min() < 1 or values.max() > m):
        raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive."
                           "Did you properly pass the result of lu_factor?")


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P, L, U) with A = P L U from lu_factor's (LU, pivots); a part not unpacked is an empty tensor."""
    if LU_data.dim() < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(LU_data.shape)} instead")
    if unpack_pivots:
        _check_lu_pivots(LU_data, LU_pivots)
    return _LuUnpackResult(*_LuUnpack.apply(LU_data, LU_pivots, unpack_data=unpack_data,
                                                    unpack_pivots=unpack_pivots))


_LuWithInfo = namedtuple("_lu_with_info", ["LU", "pivots", "info"])
_LU_DEPRECATION = ("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be "
                   "removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced "
                   "with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, "
                   "compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
                   "torch.linalg.lu_factor_ex(A, compute_pivots)")


def lu_legacy(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """torch.lu (deprecated): (LU, pivots), with info too when get_infos; a singular A is no error."""
    import warnings
    warnings.warn(_LU_DEPRECATION, UserWarning, stacklevel=2)
    result = _LuWithInfo(*lu_factor_ex(A, pivot=pivot))
    if not get_infos:
        result = tuple(result[:2])
    if out is None:
        return result
    if not isinstance(out, (tuple, list)):
        raise TypeError(f"argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    if len(out) != len(result):
        raise TypeError(f"expected tuple of {len(result)} elements but got {len(out)}")
    for target, value in zip(out, result):
        target.resize_as_(value).copy_(value)
    return out


def lu_solve_legacy(input: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """torch.lu_solve (deprecated): linalg.lu_solve(LU, pivots, input)."""
    return lu_solve(LU_data, LU_pivots, input)
