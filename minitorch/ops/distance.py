"""pdist: the distances between every pair of rows."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .fused import Fused


def _pdist(input, p):
    """‖xᵢ − xⱼ‖_p for i < j, in row-major order of the pairs."""
    from .reduction import norm_dim
    n = input.shape[0]
    rows, cols = np.triu_indices(n, 1)
    device = input._device
    i = Tensor._wrap(device.backend.xp.asarray(rows.astype(np.int64)), device)
    j = Tensor._wrap(device.backend.xp.asarray(cols.astype(np.int64)), device)
    return norm_dim(input.index_select(0, i) - input.index_select(0, j), p, 1, False)


class Pdist(Fused):
    node_name = "PdistBackward0"
    definition = staticmethod(_pdist)
    saves_result, saved_names = True, ("self", "result")
    saved_values = {"p": lambda node: float(node.args[1])}


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distance between each pair of the N rows of an (N, M) input: N(N − 1)/2 values."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if not p >= 0:  # NaN too
        raise RuntimeError("pdist only supports non-negative p values")
    return Pdist.apply(input, p)
