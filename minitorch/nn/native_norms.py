"""torch.native_batch_norm, native_layer_norm and native_group_norm: the normalisations with the statistics they
computed (the mean and the reciprocal standard deviation), as torch's kernels return them for their backward.

The normalised output is the functional form's node, reached past the checks torch makes in Python only; the
statistics come from the input's values. Batch and layer norm's statistics do not require grad, as in torch; group
norm's are outputs of its node and differentiable, as torch's.
"""
from __future__ import annotations

import math

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ..ops.arguments import c_parser
from ..ops.fused import Fused
from ..ops.normalization import batch_statistics
from .functional import group_norm_saved_values, group_statistics


def _statistics(x: Tensor, dims, eps: float, keepdim: bool):
    """The mean and 1/√(biased variance + eps) of x over dims."""
    return x.mean(dims, keepdim=keepdim), (x.var(dims, correction=0, keepdim=keepdim) + eps).rsqrt()


@c_parser("native_batch_norm")
def _batch_norm_arguments(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                          running_var: Tensor | None, training: bool, momentum: float, eps: float):
    """torch.native_batch_norm's parameters."""


def native_batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float,
                      eps: float):
    """(output, save_mean, save_invstd): batch_norm's output and, in training, the batch's per-channel statistics
    (empty in evaluation)."""
    from .functional import _assert_vectors, batch_norm_core
    if (running_mean is None) != (running_var is None) and all(
            v is None or isinstance(v, Tensor) for v in (running_mean, running_var)):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    given = (input, weight, bias, running_mean, running_var)
    contiguous = all(t.is_contiguous() for t in given if isinstance(t, Tensor))
    if input.dim() >= 2 and contiguous:  # torch's contiguous kernel reads the first C values of a longer weight
        weight, bias = (v.reshape(-1)[:input.shape[1]] if isinstance(v, Tensor) and v.numel() > input.shape[1]
                        else v for v in (weight, bias))
    elif not contiguous:  # its strided path views them along the channels, asserting they are vectors
        _assert_vectors(*(v for v in (weight, bias) if isinstance(v, Tensor)))
    _batch_norm_arguments(input, weight, bias, running_mean, running_var, training, momentum, eps)
    if input.dim() < 2:  # torch reads the channel count from dim 1
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.dim(), 1)}, "
                         f"{max(input.dim(), 1) - 1}], but got 1)")
    out = batch_norm_core(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = input.detach().new_empty((0,))
        return out, empty, empty.clone()
    x = input.detach()
    if x.dtype.name == "float16":  # statistics in float32, as the kernel takes them, handed back in float16
        x = x.float()
    mean, _, invstd = batch_statistics(x._device.backend, x._data, eps)
    return out, *(Tensor._wrap(s.astype(input._data.dtype), input.device) for s in (mean, invstd))


def native_layer_norm(input: Tensor, normalized_shape, weight, bias, eps: float):
    """(output, mean, rstd): layer_norm's output and the statistics over the normalised dims (kept as size 1)."""
    from .functional import layer_norm
    out = layer_norm(input, normalized_shape, weight, bias, eps)
    dims = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    with no_grad():
        mean, rstd = _statistics(input.detach(), dims, eps, keepdim=True)
    return out, mean, rstd


def _group_norm_with_statistics(input, weight, bias, n, c, hxw, group, eps):
    from .functional import NativeGroupNorm as GroupNormNode
    out = GroupNormNode.definition(input, group, weight, bias, eps)
    mean, rstd = group_statistics(input.reshape(n, group, (c // group) * hxw), eps)
    return out, mean.squeeze(-1), rstd.squeeze(-1)


class NativeGroupNorm(Fused):
    node_name = "NativeGroupNormBackward0"
    definition = staticmethod(_group_norm_with_statistics)
    saved_values = group_norm_saved_values({"input": 0, "weight": 1, "group": 6, "eps": 7})


@c_parser("native_group_norm")
def _group_norm_arguments(input: Tensor, weight: Tensor | None, bias: Tensor | None, N: int, C: int, HxW: int,
                          group: int, eps: float):
    """torch.native_group_norm's parameters."""


def native_group_norm(input: Tensor, weight, bias, N: int, C: int, HxW: int, group: int, eps: float):
    """(output, mean, rstd): group_norm's output and each sample's statistics per group, (N, group)."""
    from .functional import _check_parameter_dtypes, check_groups, floats_only
    _group_norm_arguments(input, weight, bias, N, C, HxW, group, eps)
    if input.numel() != N * C * HxW or input.dim() < 2 or tuple(input.shape[:2]) != (N, C):
        raise RuntimeError(f"Expected input of shape ({N}, {C}, ...) with {N * C * HxW} elements, but got "
                           f"{list(input.shape)}")
    floats_only(input, "GroupNormKernelImpl")
    if group <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {group}")
    check_groups(input, group)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    _check_parameter_dtypes(input, weight, bias)
    if not input.is_contiguous():  # torch's kernel reads the input's memory as (N, C, H·W)
        raise RuntimeError("Expected X.is_contiguous(memory_format) to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to PyTorch.)")
    if math.prod(input.shape[2:]) != HxW:
        raise RuntimeError(f"Expected HxW = {HxW}, got {math.prod(input.shape[2:])}")
    return NativeGroupNorm.apply(input, weight, bias, N, C, HxW, group, eps)
