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
SAVED_PENDING: dict = {}

# Saved vectors defined only up to sign, whose signs LAPACK builds choose differently (torch's MKL and NumPy's OpenBLAS
# disagree on about half of random matrices): {node: {attribute: the dim along which each vector lies}}; each of ours
# is compared after taking the sign of torch's.
SAVED_UP_TO_SIGN: dict = {
    "LinalgEighBackward0": {"eigenvectors": -2},   # the columns
    "LinalgSvdBackward0": {"U": -2, "Vh": -1},     # U's columns, Vh's rows
}


def _ctc_log_alpha_unwritten(node):
    """The cells of CTC's log α that torch's kernel leaves as allocated: after the first step (a row it fills with
    -inf first), those at or past a sample's input length, or past 2·its target length + 1."""
    import numpy as np
    n, steps, width = node._saved_result1.shape
    t, s = np.arange(steps)[None, :, None], np.arange(width)[None, None, :]
    inputs = np.array(node._saved_input_lengths)[:, None, None]
    targets = np.array(node._saved_target_lengths)[:, None, None]
    return (t >= 1) & ((t >= inputs) | (s >= 2 * targets + 1))


# Saved tensors torch allocates and leaves unwritten in some calls (their values are whatever the memory held):
# {node: {attribute: a test on torch's node}}, which says True where the whole tensor is unwritten, or gives a
# boolean array of the unwritten elements; the name is compared, the value where it was written.
SAVED_UNWRITTEN: dict = {
    # out of training rrelu is leaky_relu with the mean slope, and torch never fills the noise it saved
    "RreluWithNoiseBackward0": {"noise": lambda node: not node._saved_training},
    "RreluWithNoiseBackward1": {"noise": lambda node: not node._saved_training},
    "CtcLossBackward0": {"result1": _ctc_log_alpha_unwritten},
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
    # the batching rule adds the product with add's alpha, which refuses a float alpha for integer tensors; addmm
    # itself converts it to the integer dtype
    "addmm": "integer operands with a float alpha",
    # the batching rule scans the batched bool tensor, which has elements, where each slice is 0-d (a copy)
    "cumsum": "a bool slice of 0 dims",
    "cumprod": "a bool slice of 0 dims",
}

# Specs whose forward-mode tangents are not compared with torch's, because torch's own rule is not the
# derivative of the function (its tangent disagrees with finite differences and with its own backward);
# minitorch's tangent is checked against finite differences instead (tests/test_linalg.py).
FORWARD_AD_DIFFERS = {
    # torch's cholesky_inverse_jvp computes −X dL X L (+ transpose) where the derivative of X = (L Lᵀ)⁻¹
    # is −X (dL Lᵀ + L dLᵀ) X
    "cholesky_inverse": "torch's tangent multiplies in the wrong order",
}
