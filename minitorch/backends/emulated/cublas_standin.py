"""cuBLAS's strided batched GEMM on the emulated device, with cuBLAS's column-major parameters.

It reads its operands as cuBLAS does, from each array's first element with the given leading dimensions
and batch strides, so the way the CUDA backend lays out a call (`backends/gemm.py`) is what is tested.
Unlike CuPy's matmul, it is allowed while a stream captures a graph, as a handle with its own workspace
is on a GPU.
"""
from __future__ import annotations

import numpy as np

from . import cuda_standin as cuda

OP_N = 0


def _matrices(buffer, op, rows, cols, ld, stride, batch):
    """op(X) for the `batch` column-major matrices X at `buffer` (each rows × cols after op)."""
    stored = (rows, cols) if op == OP_N else (cols, rows)
    item = buffer.itemsize
    x = np.lib.stride_tricks.as_strided(buffer.view(np.ndarray), (batch,) + stored, (stride * item, item, ld * item))
    return x if op == OP_N else x.swapaxes(1, 2)


def _gemm(opa, opb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch):
    if A.dtype != C.dtype or B.dtype != C.dtype:
        raise TypeError("cuBLAS gemm: operands and result must share one dtype")
    for name, op, rows, cols, ld in (("A", opa, m, k, lda), ("B", opb, k, n, ldb), ("C", OP_N, m, n, ldc)):
        least = rows if op == OP_N else cols
        if ld < max(1, least):
            raise ValueError(f"cuBLAS gemm: ld{name.lower()} = {ld} is below {least} (CUBLAS_STATUS_INVALID_VALUE)")
    product = _matrices(A, opa, m, k, lda, sa, batch) @ _matrices(B, opb, k, n, ldb, sb, batch)
    out = _matrices(C, OP_N, m, n, ldc, sc, batch)
    if alpha != 1:
        product = alpha * product
    out[...] = product if beta == 0 else product + beta * out


def _launch(*args):
    steps = cuda.tape()
    if steps is None:
        _gemm(*args)
    else:  # a capturing stream: recorded, computed on replay
        cuda.run(steps, _gemm, args, writes=True)


class Library:
    """The two calls of cuBLAS the CUDA backend makes."""

    sgemm_strided_batched = staticmethod(_launch)
    dgemm_strided_batched = staticmethod(_launch)
