"""Instance, RMS and local response normalisation (composed as torch composes them)."""
from __future__ import annotations

import math

from .. import dtypes as D
from ..tensor import Tensor


def _verify_spatial_size(size) -> None:
    if math.prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")


def instance_norm(input: Tensor, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channels by their own statistics: batch norm of the input viewed as one sample of
    N·C channels (parameters and running statistics repeated N times; the running statistics then take the
    mean over the samples)."""
    from .functional import batch_norm
    if use_input_stats:
        _verify_spatial_size(input.size())
    # then torch's C function parses the optional tensors (numbered as in its signature)
    for position, name, value in ((2, "weight", weight), (3, "bias", bias), (4, "running_mean", running_mean),
                                  (5, "running_var", running_var)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"instance_norm(): argument '{name}' (position {position}) must be Tensor, not "
                            f"{type(value).__name__}")
    n, c = input.shape[:2]
    reshaped = input.contiguous().view((1, n * c) + tuple(input.shape[2:]))
    repeated = [t.repeat(n) if t is not None else None for t in (weight, bias, running_mean, running_var)]
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    if running_mean is not None and running_var is not None and running_mean.dtype is input.dtype and \
            running_var.dtype is not input.dtype:  # what torch's kernel refuses (a mean of another dtype is read cast)
        raise RuntimeError(f"expected scalar type {input.dtype.word} but found {running_var.dtype.word}")
    # running statistics of another dtype are read and updated in the input's, as torch's are here
    repeated[2:] = [t.to(input.dtype) if t is not None else t for t in repeated[2:]]
    out = batch_norm(reshaped, repeated[2], repeated[3], repeated[0], repeated[1], use_input_stats, momentum, eps)
    from ..autograd.grad_mode import no_grad
    if use_input_stats:  # the running statistics moved: each takes the mean of its N copies (else they stay)
        with no_grad():
            for stat, moved in ((running_mean, repeated[2]), (running_var, repeated[3])):
                if stat is not None:
                    stat.copy_(moved.view(n, c).mean(0))
    return out.view(input.shape)


def rms_norm(input: Tensor, normalized_shape: list[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / √(mean(x²) + eps) over the trailing `normalized_shape` dims, times weight (eps: the dtype's machine
    epsilon when None). The result has input's dtype, in contiguous memory."""
    from ..ops.pointwise import add_by_number
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    if input.dim() < len(shape):
        raise ValueError(f"Input tensor must have at least {len(shape)} dimensions, but got {input.dim()}")
    if tuple(input.shape[input.dim() - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"expected a floating-point input, got {input.dtype}")
    eps = D.finfo(input.dtype).eps if eps is None else eps
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    result = input * add_by_number(input.pow(2).mean(dims, keepdim=True), eps).rsqrt()
    if weight is not None:
        result = result * weight
    if result.dtype is not input.dtype:
        result = result.to(input.dtype)
    return result if result.is_contiguous() else result.contiguous()


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + α · mean of x² over `size` neighbouring channels)^β."""
    from ..ops.pool import avg_pool2d
    from ..ops.pool_nd import avg_pool3d
    from ..ops.resample import pad
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.size()
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).view(sizes)
    return input / div.mul(alpha).add(k).pow(beta)
