"""Products with an added term and the other vector/matrix products torch has: addmm, addmv, addr,
baddbmm, addbmm (β · input + α · product), the cross product, the trace and cdist (pairwise p-norm
distances between two sets of rows)."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as D
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, layout, layouts, sizes, torch_int
from ..tensor import Tensor
from ._helpers import (c_type_name, check_cast, check_number, check_scalar_fits, common_device, size_at, type_word,
                       wrap_dim)
from .shape import broadcast_shapes


# ---- β · input + α · product -------------------------------------------------------------------

_SCALES = {"alpha": attribute("alpha"), "beta": attribute("beta")}


def _scalar_as(value, dtype):
    """A Python number in an array dtype, wrapping around as C's conversion does (-1 as uint8 is 255)."""
    return np.asarray(value).astype(dtype)[()]


class _AddProduct(Primitive):
    """y = β · input + α · product(a, b); subclasses give the product on arrays and its two gradients.
    With β = 0 the input's values are ignored (NaN does not propagate), as in torch."""

    saved_values = _SCALES

    @classmethod
    def forward(cls, ctx, c, a, b, *, beta, alpha):
        ctx.beta, ctx.alpha = beta, alpha
        na = ctx.needs_input_grad
        if na:  # each factor is kept only for the other's gradient, as torch keeps them
            ctx.layouts = (layout(a), layout(b))
            ctx.save_for_backward(a if na[2] else None, b if na[1] else None)
        prod = cls.product(ctx.backend, a, b)
        if alpha != 1 and a.size and b.size:  # a product of no terms is left as zeros, unscaled (+0.0), as torch
            prod = prod * _scalar_as(alpha, prod.dtype)
        if beta == 0:
            return ctx.xp.broadcast_to(prod, prod.shape).astype(prod.dtype, copy=True)
        return (prod + (c if beta == 1 else c * _scalar_as(beta, c.dtype))).astype(prod.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        na = ctx.needs_input_grad
        ga, gb = cls.product_grads(g * ctx.alpha if ctx.alpha != 1 else g, a, b, na[1], na[2])
        gc = (g * ctx.beta if ctx.beta != 1 else g) if na[0] else None
        return gc, ga, gb


class Addmm(_AddProduct):
    formula = "grad_input = β grad, grad_mat1 = α grad · mat2ᵀ, grad_mat2 = α mat1ᵀ · grad"
    saved_names = ("mat1", "mat2")
    saved_values = {**_SCALES, **layouts("mat1", "mat2", first=1)}
    product = staticmethod(lambda backend, a, b: backend.matmul(a, b))
    product_grads = staticmethod(lambda g, a, b, na, nb: (g @ b.mT if na else None, a.mT @ g if nb else None))


class Addmv(_AddProduct):
    formula = "grad_input = β grad, grad_mat = α outer(grad, vec), grad_vec = α matᵀ · grad"
    saved_names = ("mat", "vec")
    product = staticmethod(lambda backend, a, b: a @ b)
    product_grads = staticmethod(lambda g, a, b, na, nb: (g.unsqueeze(-1) * b if na else None,
                                                          a.mT @ g if nb else None))


class Addr(_AddProduct):
    formula = "grad_input = β grad, grad_vec1 = α grad · vec2, grad_vec2 = α gradᵀ · vec1"
    saved_names = ("vec1", "vec2")
    product = staticmethod(lambda backend, a, b: backend.xp.multiply.outer(a, b))
    product_grads = staticmethod(lambda g, a, b, na, nb: (g @ b if na else None, g.mT @ a if nb else None))


class Baddbmm(Addmm):
    formula = "grad_input = β grad, grad_batch1 = α grad · batch2ᵀ, grad_batch2 = α batch1ᵀ · grad"
    saved_names = ("batch1", "batch2")
    saved_values = _SCALES


class Addbmm(_AddProduct):
    formula = "grad_input = β grad, grad_batch1 = α grad · batch2ᵀ, grad_batch2 = α batch1ᵀ · grad (per batch)"
    saved_names = ("batch1", "batch2")
    saved_values = {**_SCALES, "batch1_sym_argsize_0": lambda node: node.layouts[0][0][0],
                    "batch1_sym_argsize_1": lambda node: node.layouts[0][0][1],
                    "batch2_sym_argsize_2": lambda node: node.layouts[1][0][2]}
    product = staticmethod(lambda backend, a, b: backend.matmul(a, b).sum(0, dtype=a.dtype))  # NumPy's widens ints
    product_grads = staticmethod(lambda g, a, b, na, nb: (g.unsqueeze(0) @ b.mT if na else None,
                                                          a.mT @ g.unsqueeze(0) if nb else None))


def _scalars(name, beta, alpha):
    beta, alpha = check_number(name, "beta", beta), check_number(name, "alpha", alpha)
    if any(isinstance(v, int) and not -2 ** 63 <= v < 2 ** 63 for v in (beta, alpha)):
        raise OverflowError("int too big to convert")  # torch's parser reads a Python int as int64
    return beta, alpha


def _check_same_dtypes(name, *tensors):
    common_device(*tensors)
    first = tensors[0]._dtype
    for t in tensors[1:]:
        if t._dtype is not first:
            raise RuntimeError(f"{name}: expected all tensors to have the same dtype, but got "
                               f"{type_word(first)} and {type_word(t._dtype)}")


def _check_input(input: Tensor, shape) -> None:
    try:
        if broadcast_shapes(tuple(input.shape), shape) != tuple(shape):
            raise ValueError
    except (RuntimeError, ValueError):
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1] if shape else 0}) must match the existing "
                           f"size ({input.shape[-1] if input.dim() else 0}) at non-singleton dimension "
                           f"{len(shape) - 1}.  Target sizes: {list(shape)}.  Tensor sizes: "
                           f"{list(input.shape)}") from None


def _check_product_dtype(kernel: str, input: Tensor, beta, alpha, result_numel: int, terms: int,
                         scales: bool = True):
    """torch's checks in a matrix product's kernel, reached when the result has elements. It has no bool kernel,
    and converts beta and alpha to the dtype (float for float16) with an overflow check. With no terms to sum
    (an inner size or batch count of 0) it scales input by beta instead (`scales`; a beta of 0 fills zeros), and
    input * beta must keep input's dtype."""
    if not result_numel:
        return
    if terms:
        if input._dtype is D.bool_:
            raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
        for value in (beta, alpha):
            check_scalar_fits(value, D.float32 if input._dtype is D.float16 else input._dtype)
    elif scales and beta != 0:
        check_cast(D.result_type(input, beta), input._dtype)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, out_dtype=None, *, beta=1, alpha=1) -> Tensor:
    """β · input + α · (mat1 @ mat2)."""
    from .linalg import _out_dtype
    _out_dtype("addmm", input, out_dtype)
    beta, alpha = _scalars("addmm", beta, alpha)
    if mat1.dim() != 2 or mat2.dim() != 2:
        raise RuntimeError(f"{'mat1' if mat1.dim() != 2 else 'mat2'} must be a matrix, got "
                           f"{(mat1 if mat1.dim() != 2 else mat2).dim()}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    _check_same_dtypes("addmm", input, mat1, mat2)
    _check_input(input, (mat1.shape[0], mat2.shape[1]))
    _check_product_dtype("addmm_impl_cpu_", input, beta, alpha, mat1.shape[0] * mat2.shape[1], mat1.shape[1])
    return Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """β · input + α · (mat @ vec)."""
    beta, alpha = _scalars("addmv", beta, alpha)
    if mat.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, {mat.dim()}, {vec.dim()}")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.dim() else 1}), mat "
                           f"({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    _check_same_dtypes("addmv", input, mat, vec)
    _check_input(input, (mat.shape[0],))
    _check_product_dtype("addmv_impl_cpu", input, beta, alpha, mat.shape[0], mat.shape[1], scales=False)
    return Addmv.apply(input, mat, vec, beta=beta, alpha=alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """β · input + α · outer(vec1, vec2)."""
    beta, alpha = _scalars("addr", beta, alpha)
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec{1 if vec1.dim() != 1 else 2}, but got "
                           f"{(vec1 if vec1.dim() != 1 else vec2).dim()}-D")
    common_device(input, vec1, vec2)
    dt = D.result_type(input, vec1, vec2)  # addr promotes, as an elementwise op (the matrix products do not)
    input, vec1, vec2 = (t if t._dtype is dt else t.to(dt) for t in (input, vec1, vec2))
    _check_input(input, (vec1.shape[0], vec2.shape[0]))
    for name, value in (("beta", beta), ("alpha", alpha)):  # torch's kernel checks these last, by the result's dtype
        if isinstance(value, bool) and dt is not D.bool_:
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
        if isinstance(value, float) and not dt.is_floating_point:
            raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    return Addr.apply(input, vec1, vec2, beta=beta, alpha=alpha)


def _check_batches(name, batch1, batch2):
    # torch sizes the result from batch1.size(1) and batch2.size(2) before checking the dims
    size_at(batch1, 1), size_at(batch2, 2)
    if batch1.dim() != 3 or batch2.dim() != 3:
        raise RuntimeError(f"batch{1 if batch1.dim() != 3 else 2} must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch1.shape[0]}, "
                           f"{batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, out_dtype=None, *, beta=1, alpha=1) -> Tensor:
    """β · input + α · (batch1 @ batch2), per batch."""
    from .linalg import _out_dtype
    _out_dtype("baddbmm", input, out_dtype)
    beta, alpha = _scalars("baddbmm", beta, alpha)
    _check_batches("baddbmm", batch1, batch2)
    common_device(input, batch1, batch2)
    if input._dtype is not batch1._dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {c_type_name(input._dtype)}, batch1: "
                           f"{c_type_name(batch1._dtype)}, batch2: {c_type_name(batch2._dtype)}")
    _check_input(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    numel, terms = batch1.shape[0] * batch1.shape[1] * batch2.shape[2], batch1.shape[2]
    if batch2._dtype is not input._dtype:  # torch's result takes batch2's dtype: only input * beta can fill it
        if numel and terms:
            raise RuntimeError(f"expected scalar type {type_word(input._dtype)} but found {type_word(batch2._dtype)}")
        if numel and beta != 0:
            check_cast(D.result_type(input, beta), batch2._dtype)
        input, batch1 = input.to(batch2._dtype), batch1.to(batch2._dtype)
    _check_product_dtype("baddbmm", input, beta, alpha, numel, terms)
    return Baddbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """β · input + α · Σ_b batch1[b] @ batch2[b]."""
    beta, alpha = _scalars("addbmm", beta, alpha)
    _check_batches("addbmm", batch1, batch2)
    _check_input(input, (batch1.shape[1], batch2.shape[2]))
    if batch1.shape[0] == 0:  # no batches: torch returns input * beta, of any batches' dtype, even empty
        _check_product_dtype("addmm_impl_cpu_", input, beta, alpha, 1, 0)
        batch1, batch2 = batch1.to(input.dtype), batch2.to(input.dtype)
    elif input._dtype is D.bool_ and batch1.shape[0] > 1 and batch1.shape[2] == 0 and input.numel():
        # several batches of no products are summed as integers (one batch is an addmm)
        raise RuntimeError("result type Long can't be cast to the desired output type Bool")
    _check_same_dtypes("addbmm", input, batch1, batch2)
    _check_product_dtype("addmm_impl_cpu_", input, beta, alpha, batch1.shape[1] * batch2.shape[2],
                         batch1.shape[0] * batch1.shape[2])
    return Addbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha)


# ---- cross product and trace ------------------------------------------------------------------

class LinalgCross(Primitive):
    """a × b along dim (of size 3); grad_a = b × grad, grad_b = grad × a."""

    formula = "grad_self = other × grad, grad_other = grad × self"
    saved_names = ("self", "other")
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, a, b, *, dim, given_dim=None):
        ctx.dim, ctx.given_dim = dim, dim if given_dim is None else given_dim
        ctx.save_for_backward(a, b)
        return ctx.xp.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (LinalgCross.apply(b, g, dim=ctx.dim) if na[0] else None,
                LinalgCross.apply(g, a, dim=ctx.dim) if na[1] else None)


def linalg_cross(input: Tensor, other: Tensor, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along `dim`, the inputs broadcast against each other."""
    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, input.dim())
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    broadcast_shapes(tuple(input.shape), tuple(other.shape))  # torch's error for shapes that do not broadcast
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected scalar type {type_word(input._dtype)} but found {type_word(other._dtype)}")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    return LinalgCross.apply(input, other, dim=d, given_dim=dim)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """torch.cross: linalg.cross along `dim`, or along the first dim of size 3 (deprecated) when None."""
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(broadcast_shapes(tuple(input.shape), tuple(other.shape))) if s == 3), -1)
    return linalg_cross(input, other, dim)


class Trace(Primitive):
    """Σ_i A_ii of a matrix; the gradient is grad times the identity."""

    formula = "grad_self = grad · I"
    saved_values = {"self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        out = ctx.xp.trace(a)
        return ctx.xp.asarray(out, dtype=ctx.xp.int64 if a.dtype.kind in "biu" else a.dtype)

    @staticmethod
    def backward(ctx, g):
        from .matrix_functions import diag_embed
        n, m = ctx.shape
        eye = diag_embed(g.expand(min(n, m)))
        if n != m:
            from .resample import pad
            eye = pad(eye, (0, m - min(n, m), 0, n - min(n, m)))
        return eye


def trace(input: Tensor) -> Tensor:
    if input._dtype.name == "bool":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return Trace.apply(input)


# ---- cdist ----------------------------------------------------------------------------------

_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


class Cdist(Primitive):
    """d_pr = ‖x1_p − x2_r‖_p over the last dim, for every row p of x1 and r of x2 (batched)."""

    formula = "grad_x1 = Σ_r grad_pr ∂d_pr/∂x1_p, grad_x2 = −Σ_p grad_pr ∂d_pr/∂x1_p"
    saved_names = ("x1", "x2", "result")
    saved_values = {"p": attribute("p")}

    @staticmethod
    def forward(ctx, x1, x2, *, p):
        xp = ctx.xp
        ctx.p = p
        diff = xp.abs(x1[..., :, None, :] - x2[..., None, :, :])
        if p == 0:
            d = (diff != 0).sum(-1).astype(x1.dtype)
        elif p == 1:
            d = diff.sum(-1)
        elif p == 2:
            d = xp.sqrt((diff * diff).sum(-1))
        elif math.isinf(p):
            d = diff.max(-1) if diff.shape[-1] else xp.zeros(diff.shape[:-1], x1.dtype)
        else:
            d = (diff ** p).sum(-1) ** (1.0 / p)
        d = d.astype(x1.dtype, copy=False)
        ctx.save_for_backward(x1, x2, d)
        return d

    @staticmethod
    def backward(ctx, g):
        x1, x2, d = ctx.saved_tensors
        p = ctx.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)          # (..., P, R, M)
        dk, gk = d.unsqueeze(-1), g.unsqueeze(-1)
        if p == 0:
            slope = diff * 0
        elif p == 1:
            slope = diff.sign()
        elif p == 2:
            slope = (diff / dk).masked_fill(dk == 0, 0)
        elif math.isinf(p):
            slope = diff.sign() * (diff.abs() == dk)
        else:
            slope = (diff * diff.abs() ** (p - 2) / dk ** (p - 1)).masked_fill(dk == 0, 0)
        part = gk * slope
        na = ctx.needs_input_grad
        return (part.sum(-2) if na[0] else None), (-part.sum(-3) if na[1] else None)


class EuclideanDist(Primitive):
    """torch._euclidean_dist: ‖x1_p − x2_r‖ for rows of x1 (…, P, M) and x2 (…, R, M) through one matrix product,
    as torch's fast path computes it: √max([−2 x1, ‖x1‖², 1] · [x2, 1, ‖x2‖²]ᵀ, 0) (so near rows carry the
    product's cancellation).

    Backward, with ratio = grad / result (0 where the result is 0): grad_x1 = x1 · Σ_r ratio − ratio · x2,
    grad_x2 = x2 · Σ_p ratio − ratioᵀ · x1."""

    node_name = "EuclideanDistBackward0"
    saved_names = ("x1", "x2", "result")

    @staticmethod
    def forward(ctx, x1, x2):
        xp = ctx.xp
        ones1, ones2 = (xp.ones(x.shape[:-1] + (1,), x.dtype) for x in (x1, x2))
        left = xp.concatenate([x1 * x1.dtype.type(-2), (x1 * x1).sum(-1, keepdims=True), ones1], -1)
        right = xp.concatenate([x2, ones2, (x2 * x2).sum(-1, keepdims=True)], -1)
        d = xp.sqrt(xp.maximum(left @ right.swapaxes(-1, -2), 0))
        ctx.save_for_backward(x1, x2, d)
        return d

    @staticmethod
    def backward(ctx, g):
        x1, x2, d = ctx.saved_tensors
        ratio = (g / d).masked_fill(d == 0, 0)
        na = ctx.needs_input_grad
        return ((x1 * ratio.sum(-1, keepdim=True) - ratio @ x2) if na[0] else None,
                (x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT @ x1) if na[1] else None)


def _euclidean_dist(x1: Tensor, x2: Tensor) -> Tensor:
    """torch._euclidean_dist."""
    return EuclideanDist.apply(x1, x2)


def _euclidean_cdist(x1: Tensor, x2: Tensor) -> Tensor:
    """cdist for p = 2 through one product, as torch arranges it: the batch dims broadcast and flattened into one
    (x.expand(…).contiguous().view(B, rows, M)) unless there is a single batch, and the result viewed in the output's shape."""
    batch = tuple(broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    count = math.prod(batch)
    output = batch + (x1.shape[-2], x2.shape[-2])
    if count == 1:
        return EuclideanDist.apply(x1, x2).view(output)
    flat1, flat2 = (x.expand(batch + tuple(x.shape[-2:])).contiguous().view(count, *x.shape[-2:]) for x in (x1, x2))
    return EuclideanDist.apply(flat1, flat2).view(output)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of x1 (…, P, M) and each row of x2 (…, R, M): (…, P, R)."""
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if x1.dim() < 2 else 2} got: "
                           f"{(x1 if x1.dim() < 2 else x2).dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if not x1._dtype.is_floating_point or not x2._dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X{1 if not x1._dtype.is_floating_point else 2}"
                           f" got: {type_word((x1 if not x1._dtype.is_floating_point else x2)._dtype)}")
    if x1._dtype is not x2._dtype:
        raise RuntimeError(f"X1 and X2 must have the same dtype, X1 got: {type_word(x1._dtype)} X2 got: "
                           f"{type_word(x2._dtype)}")
    p = float(check_number("cdist", "p", p))
    if not p >= 0:  # NaN too
        raise RuntimeError("cdist only supports non-negative p values")
    broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))  # the batch dims broadcast in forward
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                         compute_mode == _COMPUTE_MODES[0] and (x1.shape[-2] > 25 or x2.shape[-2] > 25))
    if use_mm and x1.numel() and x2.numel():  # empty inputs take the other kernel, as in torch
        return _euclidean_cdist(x1, x2)
    return Cdist.apply(x1, x2, p=p)
