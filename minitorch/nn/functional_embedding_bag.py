"""embedding_bag: the sum, mean or maximum of the embeddings in each bag of indices."""
from __future__ import annotations

import warnings

import numpy as np

from .. import dtypes as D
from ..autograd import batched
from ..autograd.saved_values import given
from ..ops._helpers import refuse_sparse_gradient
from ..ops.arguments import c_parser
from ..ops.fused import Fused, saved_argument
from ..tensor import Tensor

MODES = ("sum", "mean", "max")


@c_parser("embedding_bag")
def _embedding_bag_arguments(weight: Tensor, indices: Tensor, offsets: Tensor, scale_grad_by_freq: bool, mode: int,
                             sparse: bool, per_sample_weights: Tensor | None, include_last_offset: bool,
                             padding_idx: int | None):
    """torch.embedding_bag's parameters."""


def _bags(offsets, n_indices, include_last_offset):
    """Each bag's [start, end) in the flat indices."""
    starts = [int(o) for o in offsets]
    if include_last_offset:
        return list(zip(starts[:-1], starts[1:]))
    return list(zip(starts, starts[1:] + [n_indices]))


def _embedding_bag(weight, input, bounds, mode, per_sample_weights, padding_idx):
    """Each bag's rows of `weight` (padding_idx skipped), weighted, then summed, averaged or maximised."""
    from ..ops.creation import tensor
    host = input.cpu().numpy()
    kept = host != padding_idx if padding_idx is not None else np.ones(host.shape, bool)
    rows = weight.index_select(0, input)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.unsqueeze(1)
    empty = weight.new_zeros((weight.shape[1],))
    if mode == "max":
        out = [rows[start:end][tensor(kept[start:end], device=weight.device)].max(0).values
               if kept[start:end].any() else empty for start, end in bounds]
        from ..ops.shape import stack
        return stack(out) if out else weight.new_zeros((0, weight.shape[1]))
    bag_of = np.zeros(len(host), np.int64)
    counts = np.zeros(len(bounds), np.int64)
    for b, (start, end) in enumerate(bounds):
        bag_of[start:end] = b
        counts[b] = kept[start:end].sum()
    rows = rows * tensor(kept, dtype=weight.dtype, device=weight.device).unsqueeze(1)
    total = weight.new_zeros((len(bounds), weight.shape[1])).index_add(0, tensor(bag_of, device=weight.device), rows)
    if mode == "mean":
        total = total / tensor(np.maximum(counts, 1), dtype=weight.dtype, device=weight.device).unsqueeze(1)
    return total


def _bag_buffers(node):
    """What torch's CPU kernel returns besides the bags, and its node keeps (computed when read): offset2bag (each
    index's bag; left empty on its fast sum path: float32 or float16 rows, no padding_idx), bag_size (each bag's
    count of indices other than padding_idx; zeros for sums) and max_indices (for max, each bag's weight row of each
    feature's first maximum, zeros for an empty bag; otherwise bag_size again), in the indices' dtype."""
    from ..ops.creation import tensor
    weight, per_sample_weights = saved_argument(0)(node), saved_argument(4)(node)
    bounds, mode, padding_idx = node.args[2], node.args[3], node.args[5]
    indices = node.given["indices"]
    host = indices.cpu().numpy().astype(np.int64)
    bags = len(bounds)
    offset2bag = np.zeros(len(host), np.int64)
    for b, (start, end) in enumerate(bounds):
        offset2bag[start:end] = b
    fast_sum = mode == "sum" and padding_idx is None and weight.dtype in (D.float32, D.float16) and \
        weight.stride(1) == 1 and (per_sample_weights is None or per_sample_weights.stride(0) == 1)
    counted = host != padding_idx if padding_idx is not None else np.ones(len(host), bool)
    bag_size = np.zeros(bags, np.int64)
    if mode != "sum":
        for b, (start, end) in enumerate(bounds):
            bag_size[b] = counted[start:end].sum()
    max_indices = bag_size
    if mode == "max":
        rows = weight.detach().cpu().numpy()
        max_indices = np.zeros((bags, weight.shape[1]), np.int64)
        for b, (start, end) in enumerate(bounds):
            best = None
            for word in host[start:end][counted[start:end]]:
                if best is None:
                    best, max_indices[b] = rows[word].copy(), word
                    continue
                larger = rows[word] > best  # strictly: the first maximum stays
                best[larger], max_indices[b][larger] = rows[word][larger], word
    buffers = (offset2bag[:0] if fast_sum else offset2bag), bag_size, max_indices
    return [tensor(b, dtype=indices.dtype, device=indices.device) for b in buffers]


class EmbeddingBag(Fused):
    node_name = "EmbeddingBagBackward0"
    definition = staticmethod(_embedding_bag)
    # torch keeps each of weight and per_sample_weights only for the other's gradient
    saved_values = {"weight": lambda node: saved_argument(0)(node) if node.needs_input_grad[4] else None,
                    "per_sample_weights": lambda node: saved_argument(4)(node) if node.needs_input_grad[0] else None,
                    "weight_sym_argsize_0": lambda node: node.shapes[0][0],
                    **{f"result{i + 1}": (lambda node, i=i: _bag_buffers(node)[i]) for i in range(3)},
                    **given(("indices", "offsets", "mode", "padding_idx", "scale_grad_by_freq", "sparse"))}


@batched.as_one_op
def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """One row per bag: a 2-D input is one bag per row; a 1-D input is cut into bags at `offsets`."""
    from ..ops.creation import arange
    from .functional import _embedding_renorm_
    if weight.dtype is D.int64 and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, "
                      "input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
                      stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2 and input.dtype is D.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        offsets = arange(0, input.numel(), input.size(1), dtype=input.dtype, device=input.device)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    _embedding_bag_arguments(weight, input, offsets, scale_grad_by_freq, MODES.index(mode), sparse,
                             per_sample_weights, include_last_offset, padding_idx)
    refuse_sparse_gradient("embedding_bag", "sparse", sparse)
    _check_indices(input, offsets, weight, include_last_offset)
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{weight.shape[0]} through "
                               f"{weight.shape[0] - 1}, but got {padding_idx}")
        padding_idx %= weight.shape[0]
    bounds = _bags(offsets.cpu().numpy(), input.numel(), include_last_offset)
    index_dtype = D.int32 if input.dtype is offsets.dtype is D.int32 else D.int64  # torch's common index type
    arguments = {"indices": input.to(index_dtype), "offsets": offsets.to(index_dtype), "mode": MODES.index(mode),
                 # torch's node shows a missing padding_idx (-1) as an unsigned 64-bit number
                 "padding_idx": (1 << 64) - 1 if padding_idx is None else padding_idx,
                 "scale_grad_by_freq": scale_grad_by_freq, "sparse": sparse}
    return EmbeddingBag.apply(weight, input.long(), bounds, mode, per_sample_weights, padding_idx, given=arguments)


def _check_indices(input, offsets, weight, include_last_offset) -> None:
    if not weight.dtype.is_floating_point:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have one of the following scalar types: Half, "
                           f"BFloat16, Float, Double; but got {weight.type()} instead (while checking arguments for "
                           "embedding_bag)")
    for name, t in (("indices", input), ("offsets", offsets)):
        if t.dtype not in (D.int64, D.int32, D.bool_):
            raise RuntimeError(f"Expected tensor for argument #1 '{name}' to have one of the following scalar types: "
                               f"Long, Int; but got {t.type()} instead (while checking arguments for embedding_bag)")
    if offsets.numel() and int(offsets[0]) != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(offsets[0])}")
    if offsets.numel() and int(offsets[-1]) > input.numel():
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {input.numel()}, but got "
                           f"{int(offsets[-1])}")
    if input.numel() and (int(input.min()) < 0 or int(input.max()) >= weight.shape[0]):
        raise IndexError("index out of range in self")
