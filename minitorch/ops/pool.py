"""Pooling over sliding windows (strided views, no Python loop over pixels)."""
from __future__ import annotations

import functools

from .. import dtypes as D
from ..autograd.forward_ad import LINEAR
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, given as _given
from ..tensor import Tensor
from ._helpers import _pair, check_flag, check_window, floats_only, out_size
from .fused import Fused


def _int_array(value, n: int = 2) -> tuple:
    """A pooling size argument as torch's node keeps it: an int for each of the n dims, a sequence as given,
    None as ()."""
    if value is None:
        return ()
    return (value,) * n if isinstance(value, int) else tuple(value)


def _saved_indices(node):
    """The window maxima's flat input positions (torch's `_saved_result1`), from what the forward kept."""
    return Tensor._wrap(node.backend.max_pool2d_indices(node.kept, node.shape), node._saved_self.device)


class MaxPool2d(Primitive):
    """Window maxima, and optionally their flat input positions; the gradient of each maximum goes back
    to its position. The backend picks how (`max_pool2d`: 2x2 pools by halvings, others by windows,
    a CUDA kernel on the GPU) and keeps what its backward needs."""

    node_name = "MaxPool2DWithIndicesBackward0"
    saved_names = ("self",)
    saved_values = {"result1": _saved_indices,
                    **_given(("kernel_size", "stride", "padding", "dilation", "ceil_mode"))}

    @staticmethod
    def forward(ctx, x, *, k, s, p, d, out_hw, with_indices=True, given=None):
        vals, ctx.kept = ctx.backend.max_pool2d(x, k, s, p, d, out_hw)
        ctx.shape, ctx.given = x.shape, given  # the arguments as given, which torch's node shows
        ctx.save_for_backward(x)
        if not with_indices:
            return vals
        idx = ctx.backend.max_pool2d_indices(ctx.kept, x.shape)
        ctx.mark_non_differentiable(idx)
        return vals, idx

    @classmethod
    def backward(cls, ctx, gy, gi=None):  # torch's gradient op, whose node shows in the graph of a gradient
        (x,) = ctx.saved_tensors
        return cls.gradient.apply(gy, x, kept=ctx.kept, indices=_saved_indices(ctx))

    @staticmethod
    def backward_arrays(ctx, gy, gi=None):
        return ctx.backend.max_pool2d_backward(gy, ctx.kept, ctx.shape)


class MaxPool2dGrad(Primitive):
    """torch's max_pool2d_with_indices_backward(grad, x, indices): each output gradient added at the input
    position its maximum came from. Its derivatives are torch's: in grad, the gradient gathered back from those
    positions (max_pool_double_backward); in x, zeros (x only gives the shape)."""

    node_name = "MaxPool2DWithIndicesBackwardBackward0"
    saved_values = {"indices": attribute("indices")}

    @staticmethod
    def forward(ctx, gy, x, *, kept, indices):
        ctx.indices = indices
        return ctx.backend.max_pool2d_backward(gy, kept, x.shape)

    @classmethod
    def backward(cls, ctx, gg):
        indices = ctx.indices
        na = ctx.needs_input_grad
        grad_gy = gg.flatten(-2).gather(-1, indices.flatten(-2)).view(indices.shape) if na[0] else None
        return grad_gy, (gg.new_zeros(gg.shape) if na[1] else None)


class AdaptiveMaxPool2dGrad(MaxPool2dGrad):
    node_name = "AdaptiveMaxPool2DBackwardBackward0"


MaxPool2d.gradient = MaxPool2dGrad


def _bins(size, out):
    """Adaptive pooling's bin i: [floor(i*size/out), ceil((i+1)*size/out))."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


class AdaptiveMaxPool2d(MaxPool2d):
    """Maxima over adaptive bins, with flat input positions; the backward is max-pooling's."""

    node_name = "AdaptiveMaxPool2DBackward0"
    saved_values = {"result1": _saved_indices}
    gradient = AdaptiveMaxPool2dGrad

    @staticmethod
    def forward(ctx, x, *, out_hw):
        xp = ctx.xp
        n, c, h, w = x.shape
        vals = xp.empty((n, c) + out_hw, dtype=x.dtype)
        idx = xp.empty((n, c) + out_hw, dtype=xp.int64)
        for i, (r0, r1) in enumerate(_bins(h, out_hw[0])):
            for j, (c0, c1) in enumerate(_bins(w, out_hw[1])):
                block = x[:, :, r0:r1, c0:c1].reshape(n, c, -1)
                arg = ctx.backend.nan_argmax(block, 2)
                vals[:, :, i, j] = xp.take_along_axis(block, arg[:, :, None], axis=2)[:, :, 0]
                idx[:, :, i, j] = (r0 + arg // (c1 - c0)) * w + c0 + arg % (c1 - c0)
        ctx.shape, ctx.kept = x.shape, idx
        ctx.save_for_backward(x)
        ctx.mark_non_differentiable(idx)
        return vals, idx


class AvgPool2d(Primitive):
    """Window means; its backward spreads each gradient over its window (AvgPool2dGrad), and the two
    are each other's adjoint, so every derivative order exists."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    node_name = "AvgPool2DBackward0"
    saved_names = ("self",)
    saved_values = {**_given(("kernel_size", "stride", "padding", "ceil_mode")),
                    "count_include_pad": lambda node: node.options[3], "divisor_override": lambda node: node.options[4]}

    @staticmethod
    def forward(ctx, x, *, k, s, p, out_hw, count_include_pad, divisor_override, given=None):
        ctx.shape, ctx.options, ctx.given = x.shape, (k, s, p, count_include_pad, divisor_override), given
        ctx.save_for_backward(x)
        return ctx.backend.avg_pool2d(x, k, s, p, out_hw, count_include_pad, divisor_override)

    @staticmethod
    def backward_arrays(ctx, gy):
        return ctx.backend.avg_pool2d_backward(gy, ctx.shape, *ctx.options)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return AvgPool2dGrad.apply(gy, x, options=ctx.options, given=ctx.given)


class AvgPool2dGrad(Primitive):
    """torch's avg_pool2d_backward(grad, x): the gradient of avg_pool2d with respect to its input, as an op of the
    output gradient (x only gives the shape: its derivative there is zeros, as torch's)."""

    node_name = "AvgPool2DBackwardBackward0"
    saved_values = {k: v for k, v in AvgPool2d.saved_values.items()}

    @staticmethod
    def forward(ctx, gy, x, *, options, given):
        ctx.out_hw, ctx.options, ctx.given, ctx.in_shape = gy.shape[2:], options, given, x.shape
        return ctx.backend.avg_pool2d_backward(gy, x.shape, *options)

    @staticmethod
    def backward_arrays(ctx, g):
        k, s, p, count_include_pad, divisor_override = ctx.options
        return (ctx.backend.avg_pool2d(g, k, s, p, ctx.out_hw, count_include_pad, divisor_override),
                ctx.xp.zeros(ctx.in_shape, g.dtype) if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward(ctx, g):
        k, s, p, count_include_pad, divisor_override = ctx.options
        na = ctx.needs_input_grad
        return (AvgPool2d.apply(g, k=k, s=s, p=p, out_hw=ctx.out_hw, count_include_pad=count_include_pad,
                                divisor_override=divisor_override, given=ctx.given) if na[0] else None,
                g.new_zeros(ctx.in_shape) if na[1] else None)


def _check_output_size(input, ho, wo):
    if ho < 1 or wo < 1:
        n, c, h, w = input.shape
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{ho}x{wo}). "
                           "Output size is too small")


def _batched(fn):
    """Accept (C, H, W) inputs as a batch of one, as torch's pooling does."""
    @functools.wraps(fn)
    def wrapper(input: Tensor, *args, **kwargs):
        if input.dim() == 3:
            out = fn(input.unsqueeze(0), *args, **kwargs)
            return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
        if input.dim() != 4:
            raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
        return fn(input, *args, **kwargs)
    return wrapper


@_batched
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over each window; with return_indices, also the flat position in each input plane."""
    check_flag("max_pool2d_with_indices", "ceil_mode", ceil_mode)
    k = _pair(kernel_size)
    s = _pair(stride if stride not in (None, ()) else kernel_size)
    p, d = _pair(padding), _pair(dilation)
    check_window(k, s, p, d)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[0]}, "
                           f"kernel_size={k[0]} and dilation={d[0]}")
    out_hw = tuple(out_size(size, *args, ceil_mode) for size, args in zip(input.shape[2:], zip(k, s, p, d)))
    _check_output_size(input, *out_hw)
    refuse_bool_max_pool(input, "max_pool2d")
    given = {"kernel_size": _int_array(kernel_size), "stride": _int_array(stride), "padding": _int_array(padding),
             "dilation": _int_array(dilation), "ceil_mode": ceil_mode}
    return MaxPool2d.apply(input, k=k, s=s, p=p, d=d, out_hw=out_hw, with_indices=return_indices, given=given)


def refuse_bool_max_pool(input: Tensor, kernel: str) -> None:
    """torch's max pools run on every dtype but bool."""
    if input.dtype is D.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def check_avg_pool_dtype(input: Tensor, kernel: str) -> None:
    """torch's average pools run on floats and int64 only (its kernel's name in the error)."""
    if not (input.dtype.is_floating_point or input.dtype is D.int64):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype.word}'")


@_batched
def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each window. The divisor is torch's: the window clipped to the padded input, or to
    the input itself with count_include_pad=False, or divisor_override."""
    check_flag("avg_pool2d", "ceil_mode", ceil_mode)
    check_flag("avg_pool2d", "count_include_pad", count_include_pad)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    k = _pair(kernel_size)
    s = _pair(stride if stride not in (None, ()) else kernel_size)
    p = _pair(padding)
    check_window(k, s, p)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[0]}, "
                           f"kernel_size={k[0]} and dilation=1")
    n, c, h, w = input.shape
    out_hw = out_size(h, k[0], s[0], p[0], 1, ceil_mode), out_size(w, k[1], s[1], p[1], 1, ceil_mode)
    _check_output_size(input, *out_hw)
    given = {"kernel_size": _int_array(kernel_size), "stride": _int_array(stride), "padding": _int_array(padding),
             "ceil_mode": ceil_mode}
    check_avg_pool_dtype(input, "avg_pool2d")
    return AvgPool2d.apply(input, k=k, s=s, p=p, out_hw=out_hw, count_include_pad=count_include_pad,
                           divisor_override=divisor_override, given=given)


def _adaptive_size(fn: str, output_size, shape, n: int = 2, signed: bool = True):
    """An adaptive pool's output size, as torch reads it: Python's `_list_with_default` (None entries
    keep the input's size), then the C++ parser (ints only) and size checks (n entries, none negative
    unless `signed` is False, where the caller reports negatives its own way)."""
    sizes = _list_with_default(output_size, shape)
    if isinstance(sizes, bool) or not isinstance(sizes, (int, list)) or \
            (isinstance(sizes, list) and not all(isinstance(k, int) and not isinstance(k, bool) for k in sizes)):
        _int_list_error(fn, "output_size", sizes)
    sizes = (sizes,) * n if isinstance(sizes, int) else tuple(sizes)
    if len(sizes) != n:
        raise RuntimeError(f"{fn}(): internal error: output_size.size() must be {n}" if not signed else
                           f"{fn}: output_size must be {n}")
    if signed and min(sizes) < 0:
        received = ", ".join(map(str, sizes[:2])) + "".join(f",{k}" for k in sizes[2:])  # torch's spacing
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{received}}}")
    return sizes


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average over the bins [floor(i*H/out), ceil((i+1)*H/out)) of each output cell."""
    oh, ow = _adaptive_size("adaptive_avg_pool2d", output_size, input.shape)
    if (oh, ow) == (1, 1):  # a global average: torch takes the mean (MeanBackward1)
        return input.mean((-1, -2), keepdim=True)  # in the order torch names them
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    _check_nonempty("adaptive_avg_pool2d", input, (input.dim() - 2, input.dim() - 1))
    floats_only(input, "adaptive_avg_pool2d")
    if 0 in (oh, ow) or input.numel() == 0:
        return EmptyAdaptiveAvgPool2d.apply(input, sizes=(oh, ow))
    return AdaptiveAvgPool2d.apply(input, oh, ow)


def _check_nonempty(fn: str, input: Tensor, dims) -> None:
    for d in dims:
        if input.shape[d] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {d} being empty")


class EmptyAdaptiveAvgPool2d(Primitive):
    """Adaptive average pooling to an empty size: an empty output whose gradient torch refuses."""

    node_name = "AdaptiveAvgPool2DBackward0"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x, *, sizes):
        ctx.save_for_backward(x)
        ctx.fn, ctx.shape = f"adaptive_avg_pool{len(sizes)}d_backward", x.shape
        return ctx.xp.zeros(x.shape[:x.ndim - len(sizes)] + tuple(sizes), dtype=x.dtype)

    @staticmethod
    def backward_arrays(ctx, gy):
        empty = next((i for i, n in enumerate(gy.shape) if i and not n), None)
        if empty is None:  # only the batch is empty
            return ctx.xp.zeros(ctx.shape, dtype=gy.dtype)
        raise RuntimeError(f"{ctx.fn}(): Expected grad_output to have non-zero size for non-batch dimensions, but "
                           f"grad_output has sizes {list(gy.shape)} with dimension {empty} being empty")

    backward = backward_arrays


class EmptyAdaptiveAvgPool3d(EmptyAdaptiveAvgPool2d):
    node_name = "AdaptiveAvgPool3DBackward0"


def _adaptive_avg_pool2d(input, oh, ow):
    from .shape import stack
    h, w = input.shape[-2:]
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow))
    return stack([stack([input[..., r0:r1, c0:c1].mean((-2, -1)) for c0, c1 in _bins(w, ow)], -1)
                  for r0, r1 in _bins(h, oh)], -2)


class AdaptiveAvgPool2d(Fused):
    node_name = "AdaptiveAvgPool2DBackward0"
    definition = staticmethod(_adaptive_avg_pool2d)
    saved_names = ("self",)


def adaptive_avg_pool1d(input: Tensor, output_size: int | list[int]) -> Tensor:
    """Average over the bins [floor(i*L/out), ceil((i+1)*L/out)): the 2-d pool over a height of one."""
    sizes = (output_size,) if not isinstance(output_size, (tuple, list)) else output_size
    if len(sizes) != 1:
        raise RuntimeError(f"adaptive_avg_pool1d() argument 'output_size' should contain one int (got {len(sizes)})")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for adaptive_avg_pool1d)")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, int(sizes[0]))).squeeze(-2)


def _list_with_default(output_size, defaults):
    """torch's reading of an adaptive pool's output size: an int as is, None entries as the input's sizes."""
    if isinstance(output_size, int):
        return output_size
    if len(defaults) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return [d if v is None else v for v, d in zip(output_size, defaults[-len(output_size):])]


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average over the bins [floor(i*D/out), ceil((i+1)*D/out)) × (same for H) × (same for W)."""
    sizes = _adaptive_size("adaptive_avg_pool3d", output_size, input.shape, 3)
    if sizes == (1, 1, 1):  # a global average: torch takes the mean (MeanBackward1)
        return input.mean((-1, -2, -3), keepdim=True)
    _check_nonempty("adaptive_avg_pool3d", input, range(1, input.dim()))
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {list(input.shape)}")
    floats_only(input, "adaptive_avg_pool3d_cpu")
    if 0 in sizes or input.numel() == 0:
        return EmptyAdaptiveAvgPool3d.apply(input, sizes=sizes)
    return AdaptiveAvgPool3d.apply(input, sizes)


def _int_list_error(fn: str, name: str, value):
    """torch's parser refusing a value where it wants a tuple of ints."""
    if isinstance(value, list):
        i, bad = next((i, n) for i, n in enumerate(value) if isinstance(n, bool) or not isinstance(n, int))
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be tuple of ints, but found element of type "
                        f"{type(bad).__name__} at pos {i}")
    raise TypeError(f"{fn}(): argument '{name}' (position 2) must be tuple of ints, not {type(value).__name__}")


def _adaptive_avg_pool3d(input, sizes):
    # A box's average is the average over its depth bins of the averages over its rows of the averages
    # over its columns, so the three spatial dims reduce one at a time.
    from .shape import stack
    out = input
    for axis, o in zip((-3, -2, -1), sizes):
        n = out.shape[axis]
        if n % o == 0:
            out = out.unflatten(axis, (o, n // o)).mean(axis)
        else:
            out = stack([out.narrow(axis, a, b - a).mean(axis) for a, b in _bins(n, o)], axis)
    return out


class AdaptiveAvgPool3d(Fused):
    node_name = "AdaptiveAvgPool3DBackward0"
    definition = staticmethod(_adaptive_avg_pool3d)
    saved_names = ("self",)


@_batched
def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Maximum over the adaptive bins of each output cell (and, with return_indices, its position)."""
    floats_only(input, "adaptive_max_pool2d")
    oh, ow = _adaptive_size("adaptive_max_pool2d", output_size, input.shape, signed=False)
    if min(oh, ow) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(oh, ow)}: "
                           f"{list(input.shape[:-2]) + [oh, ow]}")
    if 0 in (oh, ow):
        n, c = input.shape[:2]
        vals, idx = input.new_zeros((n, c, oh, ow)), input.new_zeros((n, c, oh, ow), dtype=D.int64)
        return (vals, idx) if return_indices else vals
    vals, idx = AdaptiveMaxPool2d.apply(input, out_hw=(oh, ow))
    return (vals, idx) if return_indices else vals
