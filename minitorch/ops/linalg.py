"""Matrix products: matmul with torch's 1-D/2-D/batched rules, mm, bmm, mv, dot, outer,
and tensordot (einsum is in einsum.py). The heavy lifting is one BLAS call per product."""
from __future__ import annotations

import math

from .. import dtypes as D
from ..autograd.function import Primitive
from ..autograd.saved_values import layout, layouts
from ..autograd.grad_mode import state as _mode
from ..tensor import Tensor
from ._helpers import c_type_name, check_broadcast, common_device, wrap_dim
from .shape import ReshapeCopy, SqueezeDimInPlace, broadcast_shapes


def _empty_product_operand(input: Tensor, mat2: Tensor, sizes) -> Tensor:
    """torch's batched product returns an empty or all-zero result (batch, rows, inner or columns of size 0)
    before it compares dtypes, in mat2's dtype: input cast to it there."""
    return input.to(mat2._dtype) if input._dtype is not mat2._dtype and 0 in sizes else input


def _refuse_bool_bmm(a: Tensor, b: Tensor, sizes) -> None:
    """torch's batched product has no bool kernel (checked before the operands' dtypes are compared, and
    never reached for an empty or all-zero result)."""
    if D.bool_ in (a._dtype, b._dtype) and 0 not in sizes:
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")


def _same_dtype(a: Tensor, b: Tensor):
    common_device(a, b)
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {c_type_name(a._dtype)} != "
                           f"{c_type_name(b._dtype)}")


class Mm(Primitive):
    formula = "grad_self = grad · otherᵀ, grad_other = selfᵀ · grad"
    saved_names = ("self", "mat2")
    saved_values = layouts("self", "mat2")

    @staticmethod
    def forward(ctx, a, b):
        na = ctx.needs_input_grad
        if na:  # each factor is kept only for the other's gradient, as torch keeps them
            ctx.layouts = (layout(a), layout(b))
            ctx.save_for_backward(a if na[1] else None, b if na[0] else None)
        return ctx.backend.matmul(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (gy @ b.mT if na[0] else None), (a.mT @ gy if na[1] else None)

    @staticmethod
    def backward_arrays(ctx, gy):
        a, b = ctx.saved_arrays
        na = ctx.needs_input_grad
        mm = ctx.backend.matmul
        return (mm(gy, b.swapaxes(-1, -2)) if na[0] else None), (mm(a.swapaxes(-1, -2), gy) if na[1] else None)


class Bmm(Mm):
    saved_values = {}


def _out_dtype(name, input, out_dtype):
    if out_dtype is not None and input._device.type == "cpu":
        raise NotImplementedError(f"{name}(): out_dtype is not supported on the CPU (torch runs 'aten::{name}.dtype' "
                                  f"on CUDA only)")


def mm(input: Tensor, mat2: Tensor, out_dtype=None) -> Tensor:
    """The matrix product of two 2-D tensors; on CUDA, `out_dtype` widens half inputs' result."""
    _out_dtype("mm", input, out_dtype)
    if out_dtype is not None:
        return mm(input.to(out_dtype), mat2.to(out_dtype))
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _same_dtype(input, mat2)
    (n, k), (k2, m) = input._data.shape, mat2._data.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")
    if input._dtype is D.bool_ and 0 not in (n, k, m):  # an empty or all-zero result never reaches the kernel
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return Mm.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor, out_dtype=None) -> Tensor:
    """Batched matrix products of two 3-D tensors."""
    _out_dtype("bmm", input, out_dtype)
    if out_dtype is not None:
        return bmm(input.to(out_dtype), mat2.to(out_dtype))
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, n, k = input._data.shape
    _refuse_bool_bmm(input, mat2, (b, n, k, mat2._data.shape[-1]))
    input = _empty_product_operand(input, mat2, (b, n, k, mat2._data.shape[-1]))
    common_device(input, mat2)
    if input._dtype is not mat2._dtype:
        raise RuntimeError(f"expected scalar type {input._dtype.word} but found {mat2._dtype.word}")
    if mat2._data.shape[:2] != (b, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: "
                           f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    return Bmm.apply(input, mat2)


class Dot(Primitive):
    saved_names = ("self", "tensor")
    saved_if_grad = {"self": (1,), "tensor": (0,)}  # each vector is read by the other's gradient

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.dot(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return gy * b, gy * a


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    _check_vectors("dot", input, tensor)
    return Dot.apply(input, tensor)


class Vdot(Dot):
    """Σ conj(a) b: the dot product for real tensors, with torch's node VdotBackward0."""
    saved_names = ("self", "other")
    saved_if_grad = {"self": (1,), "other": (0,)}


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """Σ conj(input) · other over two vectors (dot for real tensors)."""
    _check_vectors("vdot", input, other)
    return Vdot.apply(input, other)


def _check_vectors(name: str, input: Tensor, other: Tensor) -> None:
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found {_word(input)} and "
                           f"{_word(other)}")
    n, m = input._data.shape[0], other._data.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number "
                           f"of elements, but got {n} and {m} elements respectively")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")


def _word(t):
    from ._helpers import type_word
    return type_word(t._dtype)


class Mv(Primitive):
    saved_names = ("self", "vec")
    saved_if_grad = {"self": (1,), "vec": (0,)}  # each operand is read by the other's gradient

    @staticmethod
    def forward(ctx, a, v):
        ctx.save_for_backward(a, v)
        return a @ v

    @staticmethod
    def backward(ctx, gy):
        a, v = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (outer(gy, v) if na[0] else None), (a.mT @ gy if na[1] else None)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    common_device(input, vec)
    if input._dtype is not vec._dtype:  # torch's mv is addmv into a result of vec's dtype
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {vec._dtype.word}, "
                           f"{input._dtype.word}, and {vec._dtype.word}")
    (n, k), (k2,) = input._data.shape, vec._data.shape
    if k != k2:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{k}), vec ({k2})")
    if input._dtype is D.bool_ and n and k:  # an empty or all-zero result never reaches the kernel
        raise NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'")
    return Mv.apply(input, vec)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with torch's rules (1-D operands are vectors, batch dims broadcast), composed as
    torch's matmul composes it, so its graph has torch's nodes: dot, mv or mm for 1-D and 2-D operands;
    a batch against a matrix or vector folded into one mm or mv; other batches expanded to a common batch
    and folded into one bmm."""
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:  # a row times the matrix, squeezed in place as torch does (SqueezeBackward4)
        row = mm(input.unsqueeze(0), other)
        return SqueezeDimInPlace.apply(row, shape=row._data.shape[1:], must_view=True, dim=0)
    if da == 2 and db == 2:
        return mm(input, other)
    if not (_mode.enabled and (input._requires_grad or other._requires_grad)) and not _mode.forward_ad \
            and _well_formed(input, other):
        return Tensor._wrap(input._device.backend.xp.matmul(input._data, other._data), input._device)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _well_formed(input: Tensor, other: Tensor) -> bool:
    """Batched operands whose product needs no graph and raises nothing: one array product computes what
    the composition computes. (Any other pair goes through the composition, whose checks are torch's.)"""
    a, b = input._data, other._data
    if input._dtype is not other._dtype or input._dtype not in (D.float32, D.float64) or \
            input._device != other._device:
        return False
    if a.shape[-1] != (b.shape[-2] if b.ndim > 1 else b.shape[0]):
        return False
    batch1, batch2 = a.shape[:-2], b.shape[:-2]
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(batch1), reversed(batch2)))


def _unsafe_view(input: Tensor, shape) -> Tensor:
    """torch's _unsafe_view: a reshape of a fresh result, recorded as UnsafeViewBackward0."""
    return ReshapeCopy.apply(input, shape=tuple(shape), must_view=False)


def _should_fold(input: Tensor, other: Tensor) -> bool:
    """torch's rule for folding the larger operand's batch into rows: one side at least 3-D, the other at
    most 2-D, and either the smaller side requires grad, or the larger side's batch dims (other's
    transposed, when other is the larger) read as one run of rows without a copy."""
    larger_first = input._data.ndim >= other._data.ndim
    big = input._data if larger_first else other._data.swapaxes(-1, -2)
    small = other if larger_first else input
    if not (big.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if input._data.ndim == 2:
        return False
    if big.size == 0:
        return True
    shape, strides = big.shape, big.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))


def _folded_matmul(input: Tensor, other: Tensor) -> Tensor:
    """The larger operand's batch folded into the rows of one mm (or mv); when other is the larger, the
    product is computed transposed, (otherᵀ inputᵀ)ᵀ, as torch computes it."""
    transpose = other._data.ndim > input._data.ndim
    rows = other.mT if transpose else input
    right = (input.t() if input._data.ndim == 2 else input) if transpose else other
    lead = rows._data.shape[:-1]
    folded = rows.reshape(math.prod(lead), rows._data.shape[-1])
    if right._data.ndim == 1:
        return _unsafe_view(mv(folded, right), lead)
    out = _unsafe_view(mm(folded, right), lead + right._data.shape[1:])
    return out.mT.contiguous() if transpose else out


def _batched_matmul(input: Tensor, other: Tensor) -> Tensor:
    """Both operands expanded to the broadcast batch, each batch folded into one dim, and one bmm."""
    da, db = input._data.ndim, other._data.ndim
    a_shape, b_shape = input._data.shape, other._data.shape
    n = a_shape[-2] if da > 1 else 1
    m1 = a_shape[-1]
    m2, p = (b_shape[-2], b_shape[-1]) if db > 1 else (b_shape[0], 1)
    batch1, batch2 = a_shape[:max(da - 2, 0)], b_shape[:max(db - 2, 0)]
    if da == 3 and db == 3 and batch1[0] != batch2[0]:  # a batch of one that requires grad: torch squeezes it
        if batch1[0] == 1 and input._requires_grad:
            return matmul(input.squeeze(0), other)
        if batch2[0] == 1 and other._requires_grad:
            return matmul(input, other.squeeze(0))
    check_broadcast(batch1, batch2)
    batch = broadcast_shapes(batch1, batch2)
    count = math.prod(batch)
    left = input.expand(batch + (n, m1)).reshape(count, n, m1)
    if db == 1:
        right = other.expand(batch + (m2,)).reshape(count, m2).unsqueeze(2)
    else:
        right = other.expand(batch + (m2, p)).reshape(count, m2, p)
    out_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    out = bmm(left, right)
    return _unsafe_view(out.squeeze(-1) if db == 1 else out, out_shape)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """input[i] * vec2[j]."""
    for name, v in (("self", input), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    return input.reshape(-1, 1) * vec2  # vec2 as given, which torch's MulBackward0 keeps


ger = outer


def inner(input: Tensor, other: Tensor) -> Tensor:
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


# ---- tensordot ---------------------------------------------------------------------

def _distinct_dims(dims, ndim: int) -> list:
    """The dims wrapped, each at most once (torch's dim_list_to_bitset)."""
    seen = []
    for d in dims:
        d = wrap_dim(d, ndim)
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.append(d)
    return seen


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract the last `dims` axes of a with the first of b (or the listed axes pairs)."""
    if not isinstance(dims, (int, tuple, list, Tensor)):
        raise RuntimeError(f"tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
                           f"containing two lists, but got dims={dims}")
    if out is not None:  # torch's tensordot takes out positionally too
        from .out import compute_into
        return compute_into(tensordot, (a, b, dims), {}, out)
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.dim(), b.dim()):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da = list(range(a.dim() - dims, a.dim()))
        db = list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    for x, y in zip(da, db):  # torch reads each pair's sizes in turn, then the dims as sets
        sa, sb = a.shape[wrap_dim(x, a.dim())], b.shape[wrap_dim(y, b.dim())]
        if sa != sb and 1 not in (sa, sb):
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} in dim {x} and second "
                               f"has size {sb} in dim {y}")
    da, db = _distinct_dims(da, a.dim()), _distinct_dims(db, b.dim())
    for x, y in zip(da, db):  # a contracted dim of size 1 on one side: the other side's is summed right away
        if b.shape[y] == 1:
            a = a.sum(x, keepdim=True, dtype=a.dtype)
        elif a.shape[x] == 1:
            b = b.sum(y, keepdim=True, dtype=b.dtype)
    free_a = [d for d in range(a.dim()) if d not in da]
    free_b = [d for d in range(b.dim()) if d not in db]
    rows, cols = math.prod(a.shape[d] for d in free_a), math.prod(b.shape[d] for d in free_b)
    sizes = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    a, b = a.permute(free_a + da), b.permute(db + free_b)
    if rows == 1 and cols == 1:  # one number: torch contracts with dot (or, for strided operands, mul and sum)
        if a.is_contiguous() and b.is_contiguous():
            return dot(a.flatten(), b.flatten()).reshape(sizes)
        return (a.squeeze() * b.squeeze()).sum(dtype=a.dtype).reshape(sizes)
    k = math.prod(a.shape[len(free_a):])
    return mm(a.reshape(rows, k), b.reshape(k, cols)).reshape(sizes)


class Addmm(Primitive):
    """y = b + x · m for a matrix x (rows) and m; linear layers pass m = Wᵀ, a transposed view of the weight."""

    formula = "grad_x = grad · mᵀ, grad_m = xᵀ · grad, grad_b = Σ_rows grad"
    saved_names = ("mat1", "mat2")
    saved_values = {"alpha": lambda node: 1, "beta": lambda node: 1, **layouts("mat1", "mat2", first=1)}

    @staticmethod
    def forward(ctx, b, x, m):
        na = ctx.needs_input_grad
        if na:  # each factor is kept only for the other's gradient, as torch keeps them
            ctx.layouts = (layout(x), layout(m))
            ctx.save_for_backward(x if na[2] else None, m if na[1] else None)
        y = ctx.backend.matmul(x, m)
        y += b
        return y

    @staticmethod
    def backward(ctx, gy):
        x, m = ctx.saved_tensors
        na = ctx.needs_input_grad
        return (gy.sum(0) if na[0] else None, gy @ m.t() if na[1] else None, x.t() @ gy if na[2] else None)

    @staticmethod
    def backward_arrays(ctx, gy):
        x, m = ctx.saved_arrays
        na = ctx.needs_input_grad
        mm = ctx.backend.matmul
        # m is usually Wᵀ: its gradient is computed in W's layout, so TBackward0 hands W an array of its own
        return (gy.sum(0) if na[0] else None, mm(gy, m.T) if na[1] else None, mm(gy.T, x).T if na[2] else None)


def _check_linear_dtypes(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """torch's matrix kernels take one dtype: the input's, the weight's and the bias's."""
    if weight._dtype is not input._dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {input._dtype.word} and "
                           f"{weight._dtype.word}")
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {bias._dtype.word} and "
                           f"{input._dtype.word}")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, built as torch builds it: addmm (or mm) on the weight's transpose, with
    the leading dims of a batch of rows flattened into one matrix and restored after."""
    if input.dim() == 0 or weight.dim() != 2:
        if weight.dim() == 1 and bias is not None:  # torch's addmm takes a matrix only
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        out = input @ weight.t()
        return out if bias is None else out + bias
    if input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    _check_linear_dtypes(input, weight, bias)
    wt = weight.t()
    if bias is not None:
        out_shape = tuple(input.shape[:-1]) + (weight.shape[0],)
        if bias.dim() > len(out_shape) or any(b not in (1, o) for b, o in zip(bias.shape[::-1], out_shape[::-1])):
            raise RuntimeError(f"The expanded size of the tensor ({out_shape[-1]}) must match the existing size "
                               f"({bias.shape[-1]}) at non-singleton dimension 1.  Target sizes: "
                               f"{list(out_shape)}.  Tensor sizes: {list(bias.shape)}")
    if bias is None or input._device is not weight._device or bias.dim() > 1 or \
            bias._device is not input._device:
        out = input @ wt
        return out if bias is None else out + bias
    if input.dim() == 2:
        return Addmm.apply(bias, input, wt)
    if input.dim() > 2 and not input._data.flags.c_contiguous:  # torch: matmul, then the bias added
        return input @ wt + bias
    rows = input.reshape(math.prod(input.shape[:-1]), input.shape[-1])
    return Addmm.apply(bias, rows, wt).view(*input.shape[:-1], weight.shape[0])
