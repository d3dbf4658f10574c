"""The Tensor methods of the linear-algebra functions (x.det(), x.addmm_(m1, m2), x.svd(), ...)."""
from __future__ import annotations

from ..tensor import Tensor
from .arguments import checked
from .inplace import make_inplace
from .out import with_out

# torch functions that are also Tensor methods, and those of them with an in-place form
METHODS = """det logdet slogdet inverse pinverse cholesky cholesky_solve cholesky_inverse matrix_exp matrix_power
    addmm addmv addr baddbmm addbmm vdot cross trace diag_embed qr svd triangular_solve lu_solve""".split()
IN_PLACE = "addmm addmv addr baddbmm addbmm".split()
# the torch-namespace forms defined in minitorch.linalg (not already checked there)
LEGACY = """cholesky cholesky_solve cholesky_inverse qr svd triangular_solve lu_unpack lu_solve logdet pinverse det
    slogdet inverse matrix_exp matrix_power""".split()
# torch namespace functions that take out=
WITH_OUT = """inverse cholesky cholesky_solve cholesky_inverse matrix_power qr svd triangular_solve lu_solve lu_unpack
    chain_matmul slogdet""".split()


def _resizing(out_of_place, in_place):
    """torch's addbmm_ writes through addbmm's out= form, which resizes: a self that broadcasts to the product
    but has another shape takes the product's shape (when nothing records a graph; otherwise torch's error)."""
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        from ..autograd.grad_mode import is_grad_enabled
        recording = is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad
                                              for t in (self, *args, *kwargs.values()))
        if recording:
            return in_place(self, *args, **kwargs)
        result = out_of_place(self, *args, **kwargs)
        if tuple(result.shape) != tuple(self.shape):
            self.resize_(result.shape)
        return self.copy_(result)
    method.__name__ = method.__qualname__ = in_place.__name__
    method.__doc__ = in_place.__doc__
    return method


def _baddbmm_of_own_dtype(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """baddbmm for baddbmm_: its result takes batch2's dtype, which torch refuses to write into another's."""
    from ._helpers import c_type_name
    result = self.baddbmm(batch1, batch2, beta=beta, alpha=alpha)
    if result.dtype is not self.dtype:
        raise RuntimeError(f"Bad in-place call: input tensor dtype {c_type_name(self.dtype)} and output tensor dtype "
                           f"{c_type_name(result.dtype)} should match")
    return result


def install(namespace: dict) -> None:
    """Give the torch namespace `namespace` out= where torch has it, and Tensor the methods."""
    from . import _method_without
    for name in METHODS:
        fn = getattr(namespace[name], "without_out", namespace[name])
        if name in ("addmm", "baddbmm"):  # out_dtype belongs to the namespace function only
            fn = _method_without(fn, "out_dtype")
        setattr(Tensor, name, checked(fn, method=True))
    for name in IN_PLACE:
        # the factors need not broadcast to self (only the product does)
        setattr(Tensor, name + "_", make_inplace(getattr(Tensor, name), name + "_", elementwise=False))
    Tensor.addbmm_ = _resizing(Tensor.addbmm, Tensor.addbmm_)
    Tensor.baddbmm_ = make_inplace(_baddbmm_of_own_dtype, "baddbmm_", elementwise=False)
    for name in LEGACY:  # torch's C functions check their arguments' types
        namespace[name] = checked(namespace[name], aliases=False)
    for name in WITH_OUT:
        if not hasattr(namespace[name], "without_out"):  # those from minitorch.linalg have it already
            namespace[name] = with_out(namespace[name])

    def diagonal_method(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return namespace["diagonal"](self, offset, dim1, dim2)
    Tensor.diagonal = diagonal_method
