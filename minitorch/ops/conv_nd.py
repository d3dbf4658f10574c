"""3-d convolution, and transposed convolution in one and three dimensions.

conv3d is a sum over the kernel's depth of 2-d convolutions of the input's frames (the frames a depth
offset reaches, stacked into the batch). A transposed convolution is the convolution that is its
adjoint: the input spread out by the stride (zeros between its elements), padded by
dilation·(k − 1) − padding, convolved with stride 1 by the kernel flipped and with its in and out
channels exchanged. Each is one fused op under torch's ConvolutionBackward0.
"""
from __future__ import annotations

from ..tensor import Tensor
from .conv import check_bias_dtype, conv1d, conv2d, convolution_saved_values, empty_transposed_output
from .fused import Fused


def _ntuple(v, n: int, name: str):
    values = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    for x in values:
        if isinstance(x, (bool, float, str)) or not hasattr(x, "__index__"):
            raise TypeError(f"{name} must be tuple of ints, but found element of type {type(x).__name__}")
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(values)}")
    return tuple(int(x) for x in values)


def _check(input: Tensor, weight: Tensor, bias, n: int, name: str, transposed: bool, groups: int):
    if weight.dim() != n + 2:
        raise RuntimeError(f"{name}() expects a {n + 2}-dimensional weight, but got weight of size "
                           f"{list(weight.shape)}")
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(input.shape)}")
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    channels = input.shape[-n - 1]
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if channels != expected:
        kind = "Given transposed=1, weight" if transposed else f"Given groups={groups}, weight"
        raise RuntimeError(f"{kind} of size {list(weight.shape)}, expected input{list(input.shape)} to have "
                           f"{expected} channels, but got {channels} channels instead")
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given {'transposed=1, ' if transposed else ''}weight of size {list(weight.shape)}, "
                           f"expected bias to be 1-dimensional with {out_channels} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same")
    if not transposed:
        check_bias_dtype(input, bias)
    elif n == 3 and bias is not None and bias.dtype is not input.dtype:  # transposed 1-d reads it in input's dtype
        raise RuntimeError(f"expected scalar type {input.dtype.word} but found {bias.dtype.word}")


def _conv3d(input, weight, bias, s, p, d, groups):
    """Σ over depth offsets i of conv2d(frames i·d, i·d + s, ...; weight[:, :, i])."""
    from .resample import pad
    x = pad(input, (0, 0, 0, 0, p[0], p[0])) if p[0] else input
    n, c, depth, h, w = x.shape
    kd = weight.shape[2]
    out_d = (depth - d[0] * (kd - 1) - 1) // s[0] + 1
    total = None
    for i in range(kd):
        frames = x[:, :, i * d[0]: i * d[0] + (out_d - 1) * s[0] + 1: s[0]]
        planes = frames.transpose(1, 2).reshape(n * out_d, c, h, w)
        y = conv2d(planes, weight[:, :, i], None, s[1:], p[1:], d[1:], groups)
        total = y if total is None else total + y
    out = total.reshape((n, out_d) + tuple(total.shape[1:])).transpose(1, 2)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1, 1)


class Convolution3d(Fused):
    node_name = "ConvolutionBackward0"
    definition = staticmethod(_conv3d)
    saved_names = ("input", "weight", "")
    saved_values = convolution_saved_values(3, False, {"stride": 3, "padding": 4, "dilation": 5, "groups": 6})


def _same_padding(input, weight, d, n):
    """padding='same': dilation·(k − 1) in total, split evenly with the odd element at the end (as torch)."""
    from .resample import pad
    total = [di * (ki - 1) for di, ki in zip(d, weight.shape[2:])]
    extra = []
    for t in reversed(total):
        extra += [0, t % 2]
    return (pad(input, tuple(extra)) if any(extra) else input), tuple(t // 2 for t in total)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """Cross-correlation of (N, C, D, H, W) input with (O, C/groups, kd, kh, kw) weight."""
    _check(input, weight, bias, 3, "conv3d", False, groups)
    s, d = _ntuple(stride, 3, "stride"), _ntuple(dilation, 3, "dilation")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and s != (1, 1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        input, p = (input, (0, 0, 0)) if padding == "valid" else _same_padding(input, weight, d, 3)
    else:
        p = _ntuple(padding, 3, "padding")
    if min(s) < 1 or min(d) < 1 or min(p) < 0:
        raise RuntimeError("non-positive stride is not supported" if min(s) < 1 else
                           "dilation should be greater than zero" if min(d) < 1 else "negative padding is not supported")
    unbatched = input.dim() == 4
    x = input.unsqueeze(0) if unbatched else input
    for size, k, pi, di in zip(x.shape[2:], weight.shape[2:], p, d):
        if size + 2 * pi < di * (k - 1) + 1:
            padded = " x ".join(str(si + 2 * pj) for si, pj in zip(x.shape[2:], p))
            kernel = " x ".join(str(dj * (kj - 1) + 1) for kj, dj in zip(weight.shape[2:], d))
            raise RuntimeError(f"Calculated padded input size per channel: ({padded}). Kernel size: ({kernel}). "
                               "Kernel size can't be greater than actual input size")
    out = Convolution3d.apply(x, weight, bias, s, p, d, groups)
    return out.squeeze(0) if unbatched else out


def _spread(x: Tensor, dim: int, stride: int) -> Tensor:
    """x with stride − 1 zeros between consecutive elements along `dim`."""
    from .shape import stack
    if stride == 1:
        return x
    length = x.shape[dim]
    spread = stack([x] + [x.new_zeros(x.shape)] * (stride - 1), dim + 1).flatten(dim, dim + 1)
    return spread.narrow(dim, 0, (length - 1) * stride + 1)


def _transposed_sizes(spatial, kernel, s, p, op, d) -> tuple:
    """A transposed convolution's output size along each spatial dim."""
    return tuple((i - 1) * si - 2 * pi + di * (k - 1) + o + 1 for i, k, si, pi, o, di in zip(spatial, kernel, s, p, op, d))


def _conv_transpose(input, weight, bias, s, p, op, groups, d):
    """The adjoint of a convolution with the same geometry, as a stride-1 convolution."""
    from .resample import pad
    n_dims = weight.dim() - 2
    bias = bias if bias is None else bias.to(input.dtype)  # torch reads it in the input's dtype
    sizes = _transposed_sizes(input.shape[2:], weight.shape[2:], s, p, op, d)
    if min(sizes) == 0:  # nothing to compute (see empty_transposed_output); each operand's gradient is zeros
        none = sum(t.flatten()[:0].sum() for t in (input, weight, bias) if t is not None)
        return none.expand((input.shape[0], weight.shape[1] * groups) + sizes)
    x = input
    for i in range(n_dims):
        x = _spread(x, 2 + i, s[i])
    widths = []
    for i in reversed(range(n_dims)):
        lo = d[i] * (weight.shape[2 + i] - 1) - p[i]
        widths += [max(lo, 0), max(lo, 0) + op[i]]
    x = pad(x, tuple(widths))
    for i in range(n_dims):  # padding beyond the kernel's reach crops the spread input instead
        lo = d[i] * (weight.shape[2 + i] - 1) - p[i]
        if lo < 0:
            x = x.narrow(2 + i, -lo, x.shape[2 + i] + 2 * lo)
    cin, og = weight.shape[:2]
    kernel = weight.reshape((groups, cin // groups, og) + tuple(weight.shape[2:])).transpose(1, 2)
    kernel = kernel.reshape((groups * og, cin // groups) + tuple(weight.shape[2:])).flip(tuple(range(2, 2 + n_dims)))
    if n_dims == 1:
        return conv1d(x, kernel, bias, 1, 0, d[0], groups)
    return _conv3d(x, kernel, bias, (1, 1, 1), (0, 0, 0), d, groups)


class ConvolutionTranspose(Fused):
    node_name = "ConvolutionBackward0"
    definition = staticmethod(_conv_transpose)
    saved_names = ("input", "weight", "")
    saved_values = convolution_saved_values(0, True, {"stride": 3, "padding": 4, "output_padding": 5, "groups": 6,
                                                      "dilation": 7})


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, n, name):
    _check(input, weight, bias, n, name, True, groups)
    s, p = _ntuple(stride, n, "stride"), _ntuple(padding, n, "padding")
    op, d = _ntuple(output_padding, n, "output_padding"), _ntuple(dilation, n, "dilation")
    if min(s) < 1 or min(d) < 1 or min(p) < 0 or min(op) < 0:
        raise RuntimeError("non-positive stride is not supported" if min(s) < 1 else
                           "dilation should be greater than zero" if min(d) < 1 else
                           "negative padding is not supported" if min(p) < 0 else
                           "negative output_padding is not supported")
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding: {list(op)} stride: {list(s)} dilation: {list(d)}")
    unbatched = input.dim() == n + 1
    x = input.unsqueeze(0) if unbatched else input
    sizes = _transposed_sizes(x.shape[2:], weight.shape[2:], s, p, op, d)
    if min(sizes) < 1 and not empty_transposed_output(x.shape[0], sizes):
        lead = (1,) if n == 1 else ()  # torch's 1-d transposed convolution is a 2-d one of height 1
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, lead + x.shape[2:]))}). Calculated "
                           f"output size per channel: ({' x '.join(map(str, lead + sizes))}). Output size is too small")
    out = ConvolutionTranspose.apply(x, weight, bias, s, p, op, groups, d)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv1d; weight is (C_in, C_out/groups, k)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                              "conv_transpose1d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv3d; weight is (C_in, C_out/groups, kd, kh, kw)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                              "conv_transpose3d")
