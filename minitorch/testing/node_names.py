"""Specs whose backward graph does not carry torch's node names yet.

The parity harness checks, for every spec with a gradient, that each output's `grad_fn.name()`
is torch's (`SumBackward1` for a sum over dims, `SelectBackward0` for `x[0]`, ...). The specs
below are the ones still to bring in line; each entry says which node torch has and which one
minitorch builds instead. Entries leave as their ops get torch's nodes.
"""

PENDING: dict = {}

# Nodes whose saved attributes (torch's `_saved_*`: the tensors and values its derivative formula keeps) are not
# torch's yet: {node name: the names torch's node saves}. The parity harness checks every other node's names and
# values against torch's; entries leave as their ops save what torch's save.
SAVED_PENDING: dict = {
    "AdaptiveMaxPool3DBackward0": ['result1', 'self'],
    "AffineGridGeneratorBackward0": ['align_corners', 'size'],
    "AminmaxBackward0": ['dim', 'keepdim', 'max', 'min', 'self'],
    "AsStridedScatterBackward0": ['size', 'storage_offset', 'stride'],
    "AvgPool3DBackward0": ['ceil_mode', 'count_include_pad', 'divisor_override', 'kernel_size', 'padding', 'self', 'stride'],
    "CholeskyBackward0": ['result', 'upper'],
    "CholeskyInverseBackward0": ['result', 'self', 'upper'],
    "CholeskySolveBackward0": ['input2', 'result', 'self', 'upper'],
    "Col2ImBackward0": ['dilation', 'kernel_size', 'padding', 'stride'],
    "CtcLossBackward0": ['blank', 'input_lengths', 'log_probs', 'result0', 'result1', 'target_lengths', 'targets', 'zero_infinity'],
    "EmbeddingBackward0": ['indices', 'padding_idx', 'scale_grad_by_freq', 'sparse', 'weight_sym_argsize_0'],
    "EmbeddingBagBackward0": ['indices', 'mode', 'offsets', 'padding_idx', 'per_sample_weights', 'result1', 'result2', 'result3', 'scale_grad_by_freq', 'sparse', 'weight', 'weight_sym_argsize_0'],
    "FractionalMaxPool2DBackward0": ['kernel_size', 'output_size', 'result1', 'self'],
    "FractionalMaxPool3DBackward0": ['kernel_size', 'output_size', 'result1', 'self'],
    "GridSampler2DBackward0": ['align_corners', 'grid', 'input', 'interpolation_mode', 'padding_mode'],
    "GridSampler3DBackward0": ['align_corners', 'grid', 'input', 'interpolation_mode', 'padding_mode'],
    "Im2ColBackward0": ['dilation', 'kernel_size', 'padding', 'self_sym_argsize_minus_1', 'self_sym_argsize_minus_2', 'stride'],
    "IndexAddBackward0": ['alpha', 'dim', 'index', 'source', 'source_dim'],
    "IndexBackward0": ['indices', 'self_sym_sizes'],
    "IndexCopyBackward0": ['dim', 'index', 'source', 'source_dim'],
    "IndexPutBackward0": ['accumulate', 'indices'],
    "IndexReduceBackward0": ['dim', 'include_self', 'index', 'reduce', 'result', 'self', 'source'],
    "LinalgCholeskyExBackward0": ['L', 'upper'],
    "LinalgCrossBackward0": ['dim', 'other', 'self'],
    "LinalgDetBackward0": ['A', 'LU', 'pivots', 'result'],
    "LinalgEighBackward0": ['eigenvalues', 'eigenvectors'],
    "LinalgHouseholderProductBackward0": ['input', 'result', 'tau'],
    "LinalgLstsqBackward0": ['b', 'self', 'solution'],
    "LinalgLuBackward0": ['L', 'P', 'U', 'pivot'],
    "LinalgLuFactorExBackward0": ['LU', 'pivot', 'pivots'],
    "LinalgLuSolveBackward0": ['LU', 'adjoint', 'left', 'pivots', 'result'],
    "LinalgPinvBackward0": ['result', 'self'],
    "LinalgQrBackward0": ['Q', 'R', 'mode'],
    "LinalgSlogdetBackward0": ['A', 'LU', 'pivots', 'sign'],
    "LinalgSolveExBackward0": ['A', 'LU', 'left', 'pivots', 'result'],
    "LinalgSolveTriangularBackward0": ['left', 'result', 'self', 'unitriangular', 'upper'],
    "LinalgSvdBackward0": ['S', 'S_sym_argsize_minus_1', 'U', 'Vh', 'full_matrices'],
    "LuUnpackBackward0": ['LU_data_sym_argsize_minus_1', 'LU_data_sym_argsize_minus_2'],
    "MaskedScatterBackward0": ['mask', 'source_sym_sizes'],
    "MaskedSelectBackward0": ['mask', 'self'],
    "MaxPool3DWithIndicesBackward0": ['ceil_mode', 'dilation', 'kernel_size', 'padding', 'result1', 'self', 'stride'],
    "MeanBackward1": ['dim', 'keepdim', 'self_sym_numel', 'self_sym_sizes'],
    "MmBackward0": ['mat2', 'mat2_sym_sizes', 'mat2_sym_strides', 'self', 'self_sym_sizes', 'self_sym_strides'],
    "OrmqrBackward0": ['input2', 'input3', 'left', 'result', 'self', 'transpose'],
    "PutBackward0": ['accumulate', 'index', 'source'],
    "RreluWithNoiseBackward0": ['lower', 'noise', 'self', 'training', 'upper'],
    "RreluWithNoiseBackward1": ['lower', 'noise', 'result', 'training', 'upper'],
    "ScaledDotProductFlashAttentionForCpuBackward0": ['attn_mask', 'dropout_p', 'is_causal', 'key', 'logsumexp', 'output', 'query', 'scale', 'value'],
    "ScatterReduceBackward0": ['dim', 'include_self', 'index', 'reduce', 'result', 'self', 'src'],
    "SliceBackward0": ['dim', 'end', 'self_sym_sizes', 'start', 'step'],
    "SqueezeBackward1": ['dim', 'self_sym_sizes'],
    "TakeBackward0": ['index', 'self'],
    "TriangularSolveBackward0": ['A', 'self', 'solution', 'transpose', 'unitriangular', 'upper'],
    "WhereBackward0": ['condition'],
}

# Module parity cases whose whole backward graph (the multiset of node names) is not torch's yet.
MODULE_PENDING: dict = {}


def graph_node_names(tensor):
    """How many nodes of each name the backward graph behind `tensor` has (torch or minitorch)."""
    from collections import Counter
    seen, todo, names = set(), [tensor.grad_fn], Counter()
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names[node.name()] += 1
        todo.extend(n for n, _ in node.next_functions)
    return names

# Specs whose second derivatives (the create_graph backward, differentiated again) part from torch's on some
# sampled inputs; each says where. The parity harness checks the others' second derivatives.
SECOND_ORDER_PENDING = {
    # a product of reflectors differentiated twice: in float32 torch's orgqr/ormqr double backward (its own formula)
    # and ours (the product's) part by up to a few percent in single elements where terms cancel; in float64 they
    # agree to 1e-12
    "linalg.householder_product": "in float32, single elements of the second derivative",
    "orgqr": "in float32, single elements of the second derivative",
    "ormqr": "in float32, single elements of the second derivative",
}

# Specs on which torch's vmap raises where no refusal of vmap's applies (its batching rule fails on a case each
# slice runs fine): the vmap test compares minitorch with the slices run one by one instead. Each says where.
VMAP_REFUSES_WRONGLY = {
    # the in-place batching rule wraps the dim against the batched tensor's own rank (0-d slices: "expected to be
    # in range of [-1, 0], but got [-1]"), while the slice is 0-d and squeeze_(-1) leaves it as it is
    "squeeze_": "a 0-d slice squeezed at dim -1",
    # the batching rule reduces the slices' flattened values over a dim that is empty, and raises IndexError, where
    # the whole-tensor median of an empty slice is NaN (floats) or the lowest integer
    "nanmedian": "an empty slice",
    "median": "an empty slice",
}

# Specs whose forward-mode tangents are not compared with torch's, because torch's own rule is not the
# derivative of the function (its tangent disagrees with finite differences and with its own backward);
# minitorch's tangent is checked against finite differences instead (tests/test_linalg.py).
FORWARD_AD_DIFFERS = {
    # torch's cholesky_inverse_jvp computes −X dL X L (+ transpose) where the derivative of X = (L Lᵀ)⁻¹
    # is −X (dL Lᵀ + L dLᵀ) X
    "cholesky_inverse": "torch's tangent multiplies in the wrong order",
}
