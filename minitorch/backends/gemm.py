"""Matrix products on the CUDA device through minitorch's own cuBLAS handle.

CuPy refuses cuBLAS while a stream captures a CUDA graph (it cannot tell which calls would allocate), so
a graphed training step needs its matrix products from a handle of its own: one with a workspace
allocated up front (cuBLAS then never allocates) and bound to the current stream at each call. The
eager path uses the same handle and the same calls, so a graphed step computes exactly what an eager
step computes.

cuBLAS is column-major. A row-major (M, K) matrix in memory is its (K, M) transpose in column-major
terms, so C = A B (row-major) is computed as Cᵀ = Bᵀ Aᵀ: cuBLAS's first operand is our `b`, its second
our `a`, with m = N, n = M, k = K. An operand stored row-major is read as is (op N, leading dimension
its row stride); one stored column-major, such as a transposed weight, is read transposed (op T), so
`x @ w.T` copies nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import warnings

import numpy as np

OP_N, OP_T = 0, 1          # cublasOperation_t
WORKSPACE_BYTES = 32 << 20  # cuBLAS's recommended workspace for Hopper


def operand(x):
    """(op, leading dimension) of a batch of matrices `x` (..., rows, cols) as cuBLAS reads it, or None
    when its last two dimensions are in neither layout (the caller then makes it contiguous). The stride of
    a dimension of size 1 is never followed, so it does not count (NumPy gives such dimensions any stride)."""
    item = x.itemsize
    rows, cols = x.shape[-2:]
    s_row, s_col = x.strides[-2] // item, x.strides[-1] // item
    if (cols == 1 or s_col == 1) and (rows == 1 or s_row >= max(1, cols)):
        return OP_N, (s_row if rows > 1 else max(1, cols))
    if (rows == 1 or s_row == 1) and (cols == 1 or s_col >= max(1, rows)):
        return OP_T, (s_col if cols > 1 else max(1, rows))
    return None


def batch_stride(x) -> int:
    """Elements between one matrix of a 3-d batch and the next (0 for one matrix broadcast over the batch)."""
    return 0 if x.ndim == 2 or x.shape[0] == 1 else x.strides[0] // x.itemsize


class Gemm:
    """`matmul(a, b)` for float32/float64 matrices and batches of them through a cuBLAS library object
    (`sgemm_strided_batched`/`dgemm_strided_batched` with cuBLAS's parameters; the real one calls
    libcublas, the emulated device's computes the same on its memory)."""

    def __init__(self, xp, library):
        self.xp = xp
        self.library = library

    def applies(self, a, b) -> bool:
        """Float32/float64 matrices, or batches of them (a matrix beside a batch is used for every item)."""
        return (a.dtype == b.dtype and a.dtype.char in "fd" and 2 <= a.ndim <= 3 and 2 <= b.ndim <= 3 and a.size
                and b.size and a.shape[-1] == b.shape[-2]
                and (a.ndim < 3 or b.ndim < 3 or a.shape[0] == b.shape[0] or 1 in (a.shape[0], b.shape[0])))

    def matmul(self, a, b):
        xp = self.xp
        if a.ndim != b.ndim:  # a matrix beside a batch: a batch of one, read for every item (batch stride 0)
            a, b = (a[None], b) if a.ndim == 2 else (a, b[None])
        if operand(a) is None or batch_stride(a) < 0:
            a = xp.ascontiguousarray(a)
        if operand(b) is None or batch_stride(b) < 0:
            b = xp.ascontiguousarray(b)
        (op_a, ld_a), (op_b, ld_b) = operand(a), operand(b)
        m, k = a.shape[-2:]
        n = b.shape[-1]
        batch = max(a.shape[0], b.shape[0]) if a.ndim == 3 else 1
        out = xp.empty(((batch,) if a.ndim == 3 else ()) + (m, n), dtype=a.dtype)
        call = self.library.sgemm_strided_batched if a.dtype.char == "f" else self.library.dgemm_strided_batched
        # Cᵀ (n × m, column-major, ld n) = bᵀ aᵀ: cuBLAS's A is our b, its B our a
        call(op_b, op_a, n, m, k, 1.0, b, ld_b, batch_stride(b), a, ld_a, batch_stride(a), 0.0, out, n, m * n,
             batch)
        return out


class Cublas:
    """libcublas through ctypes, on a handle of minitorch's own with a pre-allocated workspace."""

    def __init__(self, cupy):
        self.cupy = cupy
        self.lib = _load_cublas()
        self.handle = ctypes.c_void_p()
        _check(self.lib.cublasCreate_v2(ctypes.byref(self.handle)), "cublasCreate")
        self.workspace = cupy.empty(WORKSPACE_BYTES, dtype=np.uint8)
        _check(self.lib.cublasSetWorkspace_v2(self.handle, ctypes.c_void_p(self.workspace.data.ptr),
                                              ctypes.c_size_t(WORKSPACE_BYTES)), "cublasSetWorkspace")

    def _gemm(self, fn, scalar, opa, opb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch):
        _check(self.lib.cublasSetStream_v2(self.handle, ctypes.c_void_p(self.cupy.cuda.get_current_stream().ptr)),
               "cublasSetStream")
        i, ll, p = ctypes.c_int, ctypes.c_longlong, ctypes.c_void_p
        alpha, beta = scalar(alpha), scalar(beta)
        _check(fn(self.handle, i(opa), i(opb), i(m), i(n), i(k), ctypes.byref(alpha), p(A.data.ptr), i(lda), ll(sa),
                  p(B.data.ptr), i(ldb), ll(sb), ctypes.byref(beta), p(C.data.ptr), i(ldc), ll(sc), i(batch)),
               "gemmStridedBatched")

    def sgemm_strided_batched(self, *args):
        self._gemm(self.lib.cublasSgemmStridedBatched, ctypes.c_float, *args)

    def dgemm_strided_batched(self, *args):
        self._gemm(self.lib.cublasDgemmStridedBatched, ctypes.c_double, *args)


def _load_cublas():
    for name in ("libcublas.so.12", "libcublas.so.13", "libcublas.so", ctypes.util.find_library("cublas")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    raise OSError("libcublas was not found")


def _check(status: int, what: str) -> None:
    if status != 0:
        raise RuntimeError(f"CUDA error: {what} failed with cuBLAS status {status}")


def real_gemm(cupy):
    """The GPU's Gemm, checked once against CuPy's own product; None (CuPy's matmul is used, and graph
    capture of matrix products is refused) when libcublas cannot be bound."""
    try:
        gemm = Gemm(cupy, Cublas(cupy))
        a = cupy.arange(12, dtype=cupy.float32).reshape(3, 4) / 7
        b = cupy.arange(20, dtype=cupy.float32).reshape(5, 4).T / 5
        if not bool(cupy.allclose(gemm.matmul(a, b), a @ b, rtol=1e-5, atol=1e-6)):
            raise RuntimeError("its product differs from CuPy's")
        return gemm
    except (OSError, RuntimeError, AttributeError) as error:
        warnings.warn(f"minitorch's cuBLAS handle is not available ({error}); matrix products use CuPy's, which "
                      "cannot be captured in CUDA graphs")
        return None
