"""Specs whose backward graph does not carry torch's node names yet.

The parity harness checks, for every spec with a gradient, that each output's `grad_fn.name()`
is torch's (`SumBackward1` for a sum over dims, `SelectBackward0` for `x[0]`, ...). The specs
below are the ones still to bring in line; each entry says which node torch has and which one
minitorch builds instead. Entries leave as their ops get torch's nodes.
"""

PENDING: dict = {}

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

# Specs whose forward-mode tangents are not compared with torch's, because torch's own rule is not the
# derivative of the function (its tangent disagrees with finite differences and with its own backward);
# minitorch's tangent is checked against finite differences instead (tests/test_linalg.py).
FORWARD_AD_DIFFERS = {
    # torch's cholesky_inverse_jvp computes −X dL X L (+ transpose) where the derivative of X = (L Lᵀ)⁻¹
    # is −X (dL Lᵀ + L dLᵀ) X
    "cholesky_inverse": "torch's tangent multiplies in the wrong order",
}
