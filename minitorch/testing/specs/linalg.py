"""Parity specs for matrix products (minitorch.ops.linalg)."""
from hypothesis import strategies as st

from ..registry import FLOATS, register
from ..strategies import tensor_arg

FAMILY = "linalg"


def _dims(draw):
    return [draw(st.integers(0, 4)) for _ in range(4)]


def _matmul_sample(draw, dtype):
    n, k, m, b = _dims(draw)
    k2 = k if draw(st.integers(0, 9)) else k + 1
    kind = draw(st.sampled_from(["11", "21", "12", "22", "b2", "2b", "bb", "bcast", "1b"]))
    shapes = {"11": ((k,), (k2,)), "21": ((n, k), (k2,)), "12": ((k,), (k2, m)), "22": ((n, k), (k2, m)),
              "b2": ((b, n, k), (k2, m)), "2b": ((n, k), (b, k2, m)), "bb": ((b, n, k), (b, k2, m)),
              "bcast": ((2, 1, n, k), (3, k2, m)), "1b": ((k,), (b, k2, m))}[kind]
    # mixed dtypes raise in torch, except for empty vectors (skipped: torch returns early there)
    dt_b = draw(st.sampled_from([dtype] * 9 + ["float64"])) if k else dtype
    return [tensor_arg(draw, shapes[0], dtype), tensor_arg(draw, shapes[1], dt_b)], {}


register("matmul", lambda lib, a, b: lib.matmul(a, b), _matmul_sample, dtypes=FLOATS + ("int64",), grad=(0, 1),
         family=FAMILY, rtol=1e-5, reason="BLAS (OpenBLAS vs MKL) sums products in different orders")
register("__matmul__", lambda lib, a, b: a @ b, _matmul_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY,
         rtol=1e-5, reason="BLAS summation order")


def _pair(shape_fn):
    def sample(draw, dtype):
        n, k, m, b = _dims(draw)
        k2 = k if draw(st.integers(0, 9)) else k + 1
        sa, sb = shape_fn(n, k, k2, m, b)
        return [tensor_arg(draw, sa, dtype), tensor_arg(draw, sb, dtype)], {}
    return sample


register("mm", lambda lib, a, b: lib.mm(a, b), _pair(lambda n, k, k2, m, b: ((n, k), (k2, m))),
         dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY, rtol=1e-5, reason="BLAS summation order")
register("bmm", lambda lib, a, b: lib.bmm(a, b), _pair(lambda n, k, k2, m, b: ((b, n, k), (b, k2, m))),
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, rtol=1e-5, reason="BLAS summation order")
register("mv", lambda lib, a, b: lib.mv(a, b), _pair(lambda n, k, k2, m, b: ((n, k), (k2,))),
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, rtol=1e-5, reason="BLAS summation order")
register("dot", lambda lib, a, b: lib.dot(a, b), _pair(lambda n, k, k2, m, b: ((k,), (k2,))),
         dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY, rtol=1e-5, reason="BLAS summation order")
register("inner", lambda lib, a, b: lib.inner(a, b), _pair(lambda n, k, k2, m, b: ((n, k), (m, k2))),
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, rtol=1e-5, reason="BLAS summation order")
for _name in ("outer", "ger"):
    register(_name, lambda lib, a, b, _n=_name: getattr(lib, _n)(a, b), _pair(lambda n, k, k2, m, b: ((n,), (m,))),
             dtypes=FLOATS + ("int64",), grad=(0, 1), family=FAMILY)


def _einsum_sample(draw, dtype):
    n, k, m, b = [draw(st.integers(1, 4)) for _ in range(4)]
    eq, shapes = draw(st.sampled_from([
        ("ij,jk->ik", ((n, k), (k, m))), ("bij,bjk->bik", ((b, n, k), (b, k, m))), ("ij->ji", ((n, k),)),
        ("ij->", ((n, k),)), ("i,j->ij", ((n,), (m,))), ("ij,ij->i", ((n, k), (n, k))),
        ("...ij,...jk", ((b, n, k), (b, k, m))), ("bhqd,bhkd->bhqk", ((b, 2, n, k), (b, 2, m, k))),
        ("ij,jk,kl->il", ((n, k), (k, m), (m, b))), ("ij", ((n, k),)), ("ij,ij", ((n, k), (n, k))),
    ]))
    return [eq] + [tensor_arg(draw, s, dtype) for s in shapes], {}


register("einsum", lambda lib, eq, *ts: lib.einsum(eq, *ts), _einsum_sample, dtypes=FLOATS,
         grad=(1, 2, 3), family=FAMILY, rtol=1e-5, reason="contraction order differs")


def _tensordot_sample(draw, dtype):
    n, k, m, b = [draw(st.integers(0, 3)) for _ in range(4)]
    choice = draw(st.sampled_from(["int2", "int1", "int0", "lists"]))
    if choice == "int2":
        return [tensor_arg(draw, (n, k, m), dtype), tensor_arg(draw, (k, m, b), dtype)], {"dims": 2}
    if choice == "int1":
        return [tensor_arg(draw, (n, k), dtype), tensor_arg(draw, (k, b), dtype)], {"dims": 1}
    if choice == "int0":
        return [tensor_arg(draw, (n,), dtype), tensor_arg(draw, (b,), dtype)], {"dims": 0}
    return [tensor_arg(draw, (k, n, m), dtype), tensor_arg(draw, (m, b, k), dtype)], {"dims": ([0, 2], [2, 0])}


register("tensordot", lambda lib, a, b, **k: lib.tensordot(a, b, **k), _tensordot_sample, dtypes=FLOATS,
         grad=(0, 1), family=FAMILY, rtol=1e-5, reason="BLAS summation order")
