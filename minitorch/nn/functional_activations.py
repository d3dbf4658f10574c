"""The functional activations beyond the everyday ones: SELU, CELU, Mish, GLU, PReLU, RReLU, the
shrinks, threshold, softsign and softmin, with torch's argument checks, node names and in-place forms.
nn.functional re-exports them."""
from __future__ import annotations

import math
import warnings

from ..autograd import batched
from .. import dtypes as D
from ..ops import activation as _act
from ..ops._helpers import check_number, check_scalar_fits, floats_only, wrap_dim
from ..ops.out import with_out
from ..tensor import Tensor

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input: Tensor, op, inplace: bool) -> Tensor:
    """op(input), or with inplace=True written into input, which takes op's node in the graph (as torch's
    in-place activations, saving the values from before the write)."""
    if not inplace:
        return op(input)
    from ..ops.inplace import apply_inplace
    return apply_inplace(input, op)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale · elu(x, alpha) with SELU's fixed alpha ≈ 1.6733 and scale ≈ 1.0507 (self-normalising)."""
    floats_only(input, "elu_cpu")
    op = _act.EluInplace if inplace else _act.Elu
    return _maybe_inplace(input, lambda x: op.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) − 1))."""
    alpha = check_number("celu_" if inplace else "celu", "alpha", alpha, 2)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    floats_only(input, "elu_cpu")
    op = _act.CeluInplace if inplace else _act.Celu
    return _maybe_inplace(input, lambda x: op.apply(x, alpha=alpha, input_scale=1 / alpha), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · tanh(softplus(x))."""
    floats_only(input, "mish_cpu")
    return _maybe_inplace(input, _act.Mish.apply, inplace)


class ThresholdInplace(_act.Threshold):
    node_name = "ThresholdBackward1"


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value (integer tensors too)."""
    name = "threshold_" if inplace else "threshold"
    threshold, value = check_number(name, "threshold", threshold, 2), check_number(name, "value", value, 3)
    if input._dtype is D.bool_:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    if not input._dtype.is_floating_point:  # float kernels compute in float32 or wider: no range check
        check_scalar_fits(threshold, input._dtype)
        check_scalar_fits(value, input._dtype)
    op = ThresholdInplace if inplace else _act.Threshold
    return _maybe_inplace(input, lambda x: op.apply(x, threshold=threshold, value=value), inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


def _hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    floats_only(input, "hardshrink_cpu")
    return _act.Hardshrink.apply(input, lambd=lambd)


hardshrink = with_out(_hardshrink)
hardshrink.__name__ = hardshrink.__qualname__ = "hardshrink"


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x shrunk towards 0 by lambd, and 0 within [−lambd, lambd]."""
    floats_only(input, "softshrink_check")
    if not 0 <= lambd <= D.finfo(input._dtype).max:
        raise RuntimeError(f"lambda must be in range [0, {D.finfo(input._dtype).max:g}] for input dtype "
                           f"{input._dtype.word}, but found {lambd:g}")
    return _act.Softshrink.apply(input, lambd=lambd)


def tanhshrink(input: Tensor) -> Tensor:
    """x − tanh(x)."""
    return input - input.tanh()


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(−x) along `dim`: the smallest entries get the most weight."""
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the call to include "
                      "dim=X as an argument.", stacklevel=_stacklevel)
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return _act.softmax(-input, dim, dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a · σ(b), where a and b are the first and second halves of the input along `dim`."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.dim())
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    floats_only(input, "glu_cpu")
    return _act.Glu.apply(input, dim=d, given_dim=dim)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight · x, with one weight per channel (dim 1) or one for all."""
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    if weight.numel() not in (1, channels):
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {channels}.")
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input._dtype.word} and {weight._dtype.word}")
    floats_only(input, "prelu_cpu")
    if input.dim() != weight.dim():  # as torch: the weight reshaped to broadcast along dim 1 (else taken as it is)
        shape = [1] * input.dim()
        if input.dim() >= 2:
            shape[1] = weight.numel()
        weight = weight.reshape(shape)
    return _act.PreluKernel.apply(input, weight)


class RreluWithNoiseInplace(_act.RreluWithNoise):
    node_name = "RreluWithNoiseBackward1"
    saved_names = ("result", "noise")
    saves_output = True


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """x where x > 0, else a · x with a ~ U(lower, upper) drawn per element in training (torch's CPU
    stream), and a = (lower + upper) / 2 in evaluation."""
    return _rrelu(input, lower, upper, training, inplace)


def _rrelu(input, lower, upper, training, inplace, generator=None):
    name = "rrelu_" if inplace else "rrelu"
    lower, upper = check_number(name, "lower", lower, 2), check_number(name, "upper", upper, 3)
    if not isinstance(training, bool):
        raise TypeError(f"{name}(): argument 'training' (position 4) must be bool, not {type(training).__name__}")
    for bound, value in (("lower", lower), ("upper", upper)):
        if not math.isfinite(value):
            raise RuntimeError(f"rrelu: {bound} bound must be finite, got {value}")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    floats_only(input, "leaky_relu_cpu")
    if batched.is_batched(input):
        raise RuntimeError(f"vmap: we do not yet support aten::{name}. Please file an issue")
    op = RreluWithNoiseInplace if inplace else _act.RreluWithNoise
    return _maybe_inplace(input, lambda x: op.apply(x, _rrelu_noise(x, lower, upper, training, generator), lower=lower,
                                                   upper=upper, training=training), inplace)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator=None) -> Tensor:
    return _rrelu(input, lower, upper, training, True, generator)


def _rrelu_noise(x: Tensor, lower: float, upper: float, training: bool, generator) -> Tensor:
    """The slope of each element: 1 where x > 0; below, one uniform double per element in memory order
    (torch's uniform_real_distribution on the default generator), or the mean slope out of training."""
    import numpy as np

    from ..random import _gen
    host = x.detach().cpu().numpy()
    slope = np.ones(host.shape, dtype=np.float64)
    below = host <= 0  # NaN keeps the slope 1, as torch's kernel tests x <= 0
    if training:
        draws = _gen(generator)._uniform(int(below.sum()), np.float64)
        slope[below] = draws * (upper - lower) + lower
    else:
        slope[below] = (lower + upper) / 2
    return Tensor._wrap(x._device.backend.xp.asarray(slope.astype(host.dtype)), x._device)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)
