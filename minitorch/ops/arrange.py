"""Rearranging and combining tensors: rot90, ravel, atleast_3d, hsplit/vsplit/dsplit, split_with_sizes,
diagflat, block_diag, cartesian_prod, combinations, meshgrid, kron, and the sets isin and
unique_consecutive. Each is composed as torch composes it, or is one fused node under torch's name."""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from .. import dtypes as D
from ..autograd import batched
from ..autograd.saved_values import torch_int, torch_ints
from ..tensor import Tensor
from ._helpers import host_values, is_tensor, wrap_dim
from .fused import Fused
from .shape import ReshapeCopy, Split, _split_sizes, cat, check_split_indices, stack, tensor_split


def _rot90(input, k, dims):
    k %= 4
    d0, d1 = (wrap_dim(d, input.dim()) for d in dims)
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip((d0, d1))
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


class Rot90(Fused):
    node_name = "Rot90Backward0"
    definition = staticmethod(_rot90)
    saved_values = {"k": lambda node: torch_int(node.args[1]), "dims": lambda node: torch_ints(node.args[2])}


def rot90(input: Tensor, k: int = 1, dims: list[int] = (0, 1)) -> Tensor:
    """Rotate by 90° k times in the plane of `dims` (from the first dim towards the second)."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    if dims[0] == dims[1] or abs(dims[0] - dims[1]) == input.dim():
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    for i, d in enumerate(dims):
        if not -input.dim() <= d < input.dim():
            raise RuntimeError(f"Rotation dim{i} out of range, dim{i} = {d}")
    return Rot90.apply(input, k, tuple(dims))


def ravel(input: Tensor) -> Tensor:
    """All elements as one contiguous dim (a view where input is contiguous)."""
    return input.contiguous().view(-1)


def _atleast_3d(t: Tensor) -> Tensor:
    if t.dim() == 0:
        return t.reshape(1, 1, 1)
    if t.dim() == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    if t.dim() == 2:
        return t.unsqueeze(-1)
    return t


def atleast_3d(*tensors):
    """Each tensor with at least three dims: (1, 1, 1), (1, n, 1), (m, n, 1)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        _tensors_only(tensors[0])
        return tuple(_atleast_3d(t) for t in tensors[0])
    if len(tensors) == 1:
        if not is_tensor(tensors[0]):
            raise TypeError(f"atleast_3d() received an invalid combination of arguments - got "
                            f"({type(tensors[0]).__name__}), but expected one of: (Tensor input), (tuple of Tensors)")
        return _atleast_3d(tensors[0])
    _tensors_only(tensors)
    return tuple(_atleast_3d(t) for t in tensors)


def _directional_split(name: str, dim: int, least: int, input: Tensor, indices_or_sections):
    if not (is_tensor(indices_or_sections) or isinstance(indices_or_sections, (int, list, tuple))) or \
            isinstance(indices_or_sections, bool):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(indices_or_sections).__name__}), but expected one of: (Tensor input, int sections), "
                        "(Tensor input, tuple of ints indices)")
    check_split_indices(name, indices_or_sections)
    if input.dim() < least:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension{'s' * (least > 1)}, but "
                           f"got a tensor with {input.dim()} dimensions!")
    if isinstance(indices_or_sections, int) and not isinstance(indices_or_sections, bool):
        size = input.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{size} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections):
    """Split along the columns (dim 1; dim 0 of a 1-d tensor)."""
    return _directional_split("hsplit", 0 if input.dim() == 1 else 1, 1, input, indices_or_sections)


def vsplit(input: Tensor, indices_or_sections):
    """Split along the rows (dim 0)."""
    return _directional_split("vsplit", 0, 2, input, indices_or_sections)


def dsplit(input: Tensor, indices_or_sections):
    """Split along the depth (dim 2)."""
    return _directional_split("dsplit", 2, 3, input, indices_or_sections)


def split_with_sizes(input: Tensor, split_sizes: list[int], dim: int = 0):
    """Views of consecutive pieces of the given sizes along `dim`."""
    sizes, d = _split_sizes(input, list(split_sizes), dim)
    return tuple(o._view_of(input) for o in Split.apply(input, sizes=tuple(sizes), dim=d, given=(split_sizes, dim)))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the flattened input on its `offset` diagonal."""
    from .matrix_functions import diag_embed
    return diag_embed(input.contiguous().view(-1), offset)


def _block_diag(*blocks):
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out, r, c = [], 0, 0
    for b in blocks:
        left = b.new_zeros((b.shape[0], c))
        right = b.new_zeros((b.shape[0], cols - c - b.shape[1]))
        out.append(cat([left, b, right], 1))
        r, c = r + b.shape[0], c + b.shape[1]
    return cat(out, 0) if out else blocks[0].new_zeros((rows, cols))


class BlockDiag(Fused):
    node_name = "BlockDiagBackward0"
    definition = staticmethod(_block_diag)


def block_diag(*tensors) -> Tensor:
    """The tensors (as matrices: a number is 1×1, a vector a row) along the diagonal of one matrix."""
    from .creation import zeros
    if not tensors:
        return zeros(1, 0)
    _tensors_only(tensors)
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.dim()} dimensions")
    dt = D.result_type(*tensors)
    blocks = [t.to(dt).reshape((1, 1) if t.dim() == 0 else (1, -1) if t.dim() == 1 else tuple(t.shape))
              for t in tensors]
    return BlockDiag.apply(*blocks)


def _tensors_only(tensors) -> None:
    """torch's parser takes tensor lists of tensors only."""
    for i, t in enumerate(tensors):
        if not is_tensor(t):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")


def _check_vectors(name: str, tensors) -> None:
    _tensors_only(tensors)
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids: grid i holds tensor i along dim i (indexing='ij'); with indexing='xy' (NumPy's), the
    first two tensors run along dims 1 and 0."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    _tensors_only(tensors)
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype.")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = tuple(t.numel() for t in order)
    grids = []
    for i, t in enumerate(order):
        view = [1] * len(order)
        view[i] = -1
        grids.append(t.view(view).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors) -> Tensor:
    """Every tuple of one element from each 1-d tensor, as rows (a single tensor is returned as it is)."""
    _check_vectors("cartesian_prod", tensors)
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.flatten() for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of the elements of a 1-d tensor (with repeats when with_replacement), as rows
    in lexicographic order of positions."""
    from .creation import tensor
    _check_vectors("combinations", (input,))
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    columns = [input.index_select(0, tensor(rows[:, k], device=input.device)) for k in range(r)]
    return stack(columns, 1)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: every element of input times the whole of other, as a block."""
    n = max(input.dim(), other.dim())
    a_shape = (1,) * (n - input.dim()) + tuple(input.shape)
    b_shape = (1,) * (n - other.dim()) + tuple(other.shape)
    a = input.reshape(tuple(s for size in a_shape for s in (size, 1)))
    b = other.reshape(tuple(s for size in b_shape for s in (1, size)))
    product = a * b
    return ReshapeCopy.apply(product, shape=tuple(x * y for x, y in zip(a_shape, b_shape)), must_view=False)


# ---- sets -----------------------------------------------------------------------------------------------

def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element is among test_elements (either may be a number)."""
    from .creation import tensor
    for t in (elements, test_elements):
        if not is_tensor(t) and not isinstance(t, (int, float)):
            raise TypeError(f"isin() received an invalid combination of arguments - got ({type(t).__name__}, ...), "
                            "but expected one of: (Tensor elements, Tensor test_elements), (Number elements, Tensor "
                            "test_elements), (Tensor elements, Number test_element)")
        if (is_tensor(t) and t.dtype is D.bool_) or isinstance(t, bool):  # a Python bool is a Bool scalar to torch
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    if not is_tensor(elements) and not is_tensor(test_elements):
        raise TypeError("isin() received an invalid combination of arguments - got (number, number)")
    device = elements.device if is_tensor(elements) else test_elements.device
    if is_tensor(test_elements):
        count = elements.numel() if is_tensor(elements) else 1
        # torch's brute-force kernel (few test elements: fewer than 10 · count^0.145, else it sorts) views them flat
        # (after a cast that keeps their strides): its error where that cannot be a view
        if test_elements.numel() < 10.0 * count ** 0.145:
            test_elements.view(-1)
    a = host_values(elements) if is_tensor(elements) else np.asarray(elements)
    b = host_values(test_elements) if is_tensor(test_elements) else np.asarray(test_elements)
    return tensor(np.isin(a, b, invert=invert), device=device)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """input with each run of equal consecutive elements (or slices along `dim`) reduced to one; with
    return_inverse, the run of each element; with return_counts, each run's length."""
    from .creation import tensor
    batched.refuse_dynamic_shape("aten::unique_consecutive", input)
    host = host_values(input)
    if dim is None:
        flat = host.reshape(-1)
        starts = np.ones(flat.size, bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        inverse = (np.cumsum(starts) - 1).reshape(host.shape)
    else:
        d = wrap_dim(dim, host.ndim)
        zero_dims = [i for i, n in enumerate(host.shape) if n == 0]
        if zero_dims == [d]:  # nothing along the selected dim: nothing to merge
            return (input.clone(), *([input.new_zeros((0,), dtype=D.int64)] * (return_inverse + return_counts))) \
                if return_inverse or return_counts else input.clone()
        if len(zero_dims) > 1:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique cannot be applied ")
        if zero_dims and zero_dims[0] != d:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
        moved = np.moveaxis(host, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        starts = np.ones(rows.shape[0], bool)
        starts[1:] = (rows[1:] != rows[:-1]).any(1)
        values = np.moveaxis(moved[starts], 0, d)
        inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), starts.size))
    out = tensor(values, dtype=input.dtype, device=input.device)
    extra = [tensor(inverse.astype(np.int64), device=input.device)] if return_inverse else []
    if return_counts:
        extra.append(tensor(counts.astype(np.int64), device=input.device))
    return (out, *extra) if extra else out
