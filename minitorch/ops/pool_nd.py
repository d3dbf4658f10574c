"""Pooling in one and three dimensions, power-average pooling and max-unpooling.

The 1-d pools are torch's: the 2-d pool over a height of one (the graph shows the Unsqueeze, the 2-d
node and the Squeeze). The 3-d pools walk the kernel's offsets (a loop over kd·kh·kw strided views,
never over pixels): max pooling keeps the first maximum of each window as torch's CPU kernel does (a
NaN wins), average pooling divides by torch's divisor (the window clipped to the padded input, or to
the input with count_include_pad=False, or divisor_override).
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import dtypes as D
from ..autograd import batched
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, torch_ints
from ..tensor import Tensor
from ._helpers import check_flag, floats_only, host_array, out_size
from .fused import Fused
from .pool import (_bins, _given, _int_array, adaptive_max_pool2d, avg_pool2d, check_avg_pool_dtype, max_pool2d,
                   refuse_bool_max_pool)


def _tuple(v, n: int, name: str = "kernel_size"):
    """An int, or a sequence of n ints, as an n-tuple (torch's TypeError and RuntimeError otherwise)."""
    values = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    for x in values:
        if isinstance(x, (bool, float, str)) or (x is not None and not hasattr(x, "__index__")):
            raise TypeError(f"argument must be tuple of ints, but found element of type {type(x).__name__}")
    if len(values) == 1 and n > 1:
        values = values * n
    if len(values) != n:
        raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints")
    return tuple(int(x) for x in values)


def _check_window(k, s, p, d) -> None:
    for name, v, least in (("kernel_size", k, 1), ("stride", s, 1), ("dilation", d, 1), ("padding", p, 0)):
        if min(v) < least:
            raise RuntimeError(f"{name} should be {'non-negative' if least == 0 else 'greater than zero'}, "
                               f"but got {name}: {list(v)}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"padding = {list(p)} and kernel_size = {list(k)}")


def _spatial(input: Tensor, n: int, name: str):
    """An (N, C, *spatial) input with n spatial dims (a batch of one for (C, *spatial)), and whether to squeeze."""
    if input.dim() == n + 1:
        return input.unsqueeze(0), True
    if input.dim() != n + 2:
        raise RuntimeError(f"{name}: Expected {n + 1}D or {n + 2}D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: {list(input.shape)}")
    if any(s == 0 for s in input.shape[1:]):
        raise RuntimeError(f"{name}: Expected input's non-batch dimensions to have positive length, but input has "
                           f"a shape of {list(input.shape)}")
    return input, False


def _geometry(input, kernel_size, stride, padding, dilation, ceil_mode, n, name):
    k = _tuple(kernel_size, n)
    s = _tuple(stride if stride not in (None, ()) else kernel_size, n, "stride")
    p, d = _tuple(padding, n, "padding"), _tuple(dilation, n, "dilation")
    _check_window(k, s, p, d)
    out = tuple(out_size(size, *args, ceil_mode) for size, args in zip(input.shape[2:], zip(k, s, p, d)))
    if min(out) < 1:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, input.shape[1:]))}). Calculated output size: "
                           f"({'x'.join(map(str, (input.shape[1],) + out))}). Output size is too small")
    return k, s, p, d, out


def _kept_indices(node):
    """The window maxima's flat input positions (torch's `_saved_result1`), as the forward kept them."""
    return Tensor._wrap(node.kept, node._saved_self.device)


class MaxPool3d(Primitive):
    """Window maxima over (D, H, W) with their flat input positions; each gradient goes to its position."""

    node_name = "MaxPool3DWithIndicesBackward0"
    saved_names = ("self",)
    saved_values = {"result1": _kept_indices, **_given(("kernel_size", "stride", "padding", "dilation", "ceil_mode"))}

    @staticmethod
    def forward(ctx, x, *, k, s, p, d, out, given=None):
        xp = ctx.xp
        ctx.given = given  # the arguments as given, which torch's node shows
        ctx.save_for_backward(x)
        spatial = x.shape[2:]
        best = xp.full(x.shape[:2] + out, -np.inf, dtype=x.dtype)
        idx = first = None  # first: the cells that have met no position inside the input yet
        for offsets in itertools.product(*(range(ki) for ki in k)):
            positions = [xp.arange(o) * si + off * di - pi for o, si, off, di, pi in zip(out, s, offsets, d, p)]
            inside = [(q >= 0) & (q < size) for q, size in zip(positions, spatial)]
            clipped = [xp.clip(q, 0, size - 1) for q, size in zip(positions, spatial)]
            window = x[:, :, clipped[0][:, None, None], clipped[1][None, :, None], clipped[2][None, None, :]]
            valid = inside[0][:, None, None] & inside[1][None, :, None] & inside[2][None, None, :]
            flat = (clipped[0][:, None, None] * spatial[1] + clipped[1][None, :, None]) * spatial[2] + \
                clipped[2][None, None, :]
            if idx is None:
                idx = xp.broadcast_to(flat, best.shape).copy()
                first = xp.ones(best.shape, dtype=bool)
            # torch's kernel takes a window's first position inside the input, then any larger value or a NaN
            take = valid & (first | (window > best) | xp.isnan(window))
            first = first & ~valid
            best = xp.where(take, window, best)
            idx = xp.where(take, flat, idx)
        ctx.shape, ctx.kept = x.shape, idx
        ctx.mark_non_differentiable(idx)
        return best.astype(x.dtype, copy=False), idx.astype(xp.int64, copy=False)

    @staticmethod
    def backward(ctx, gy, gi=None):
        from .creation import zeros
        n, c = ctx.shape[:2]
        idx = Tensor._wrap(ctx.kept, gy.device).reshape(n, c, -1)
        flat = zeros(n, c, math.prod(ctx.shape[2:]), dtype=gy.dtype, device=gy.device)
        return flat.scatter_add(2, idx, gy.reshape(n, c, -1)).reshape(ctx.shape)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over each (kd, kh, kw) window; with return_indices, also its flat position in each input volume."""
    check_flag("max_pool3d_with_indices", "ceil_mode", ceil_mode)
    x, unbatched = _spatial(input, 3, "max_pool3d")
    k, s, p, d, out = _geometry(x, kernel_size, stride, padding, dilation, ceil_mode, 3, "max_pool3d")
    refuse_bool_max_pool(x, "max_pool3d")
    given = {"kernel_size": _int_array(kernel_size, 3), "stride": _int_array(stride, 3),
             "padding": _int_array(padding, 3), "dilation": _int_array(dilation, 3), "ceil_mode": ceil_mode}
    values, indices = MaxPool3d.apply(x, k=k, s=s, p=p, d=d, out=out, given=given)
    if unbatched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


def _avg_divisor(spatial, k, s, p, out, count_include_pad, divisor_override, xp, dtype):
    """torch's divisor for each output cell of an average pool."""
    if divisor_override:
        return xp.asarray(float(divisor_override), dtype=dtype)
    sizes = []
    for size, ki, si, pi, o in zip(spatial, k, s, p, out):
        start = np.arange(o) * si - pi
        end = np.minimum(start + ki, size + pi)
        span = end - start if count_include_pad else np.minimum(end, size) - np.maximum(start, 0)
        sizes.append(span)
    grid = np.ix_(*sizes)
    divisor = grid[0]
    for g in grid[1:]:
        divisor = divisor * g
    return xp.asarray(divisor.astype(dtype))


def _avg_pool3d(input, k, s, p, out, count_include_pad, divisor_override):
    from .resample import pad
    spatial = input.shape[2:]
    need = [(o - 1) * si + ki - (size + 2 * pi) for o, si, ki, size, pi in zip(out, s, k, spatial, p)]
    widths = []
    for pi, extra in reversed(list(zip(p, need))):
        widths += [pi, pi + max(extra, 0)]
    padded = pad(input, tuple(widths)) if any(widths) else input
    total = None
    for offsets in itertools.product(*(range(ki) for ki in k)):
        window = padded[(slice(None), slice(None)) + tuple(slice(off, off + (o - 1) * si + 1, si)
                                                           for off, o, si in zip(offsets, out, s))]
        total = window if total is None else total + window
    xp = input._device.backend.xp
    divisor = Tensor._wrap(_avg_divisor(spatial, k, s, p, out, count_include_pad, divisor_override, xp,
                                        input._data.dtype), input._device)
    if not total.dtype.is_floating_point:  # torch's int64 kernel divides as C does, truncating towards zero
        from .pointwise import div
        return div(total, divisor, rounding_mode="trunc")
    return total / divisor


class AvgPool3d(Fused):
    """Window means over (D, H, W) with torch's divisor."""

    node_name = "AvgPool3DBackward0"
    definition = staticmethod(_avg_pool3d)
    saved_names = ("self",)
    saved_values = {**_given(("kernel_size", "stride", "padding", "ceil_mode")),
                    "count_include_pad": lambda node: node.args[5], "divisor_override": lambda node: node.args[6]}


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each (kd, kh, kw) window."""
    check_flag("avg_pool3d", "ceil_mode", ceil_mode)
    check_flag("avg_pool3d", "count_include_pad", count_include_pad)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, unbatched = _spatial(input, 3, "avg_pool3d")
    k, s, p, _, out = _geometry(x, kernel_size, stride, padding, 1, ceil_mode, 3, "avg_pool3d")
    t, h, w = x.shape[2:]
    if t < k[0] or h < k[1] or w < k[2]:
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {k[0]} kH: {k[1]} "
                           f"kW: {k[2]})")
    given = {"kernel_size": _int_array(kernel_size, 3), "stride": _int_array(stride, 3),
             "padding": _int_array(padding, 3), "ceil_mode": ceil_mode}
    check_avg_pool_dtype(x, "avg_pool3d_out_frame")
    y = AvgPool3d.apply(x, k, s, p, out, count_include_pad, divisor_override, given=given)
    return y.squeeze(0) if unbatched else y


class AdaptiveMaxPool3d(MaxPool3d):
    """Maxima over adaptive bins of (D, H, W), with flat input positions; the backward is max-pooling's."""

    node_name = "AdaptiveMaxPool3DBackward0"
    saved_values = {"result1": _kept_indices}

    @staticmethod
    def forward(ctx, x, *, out):
        xp = ctx.xp
        ctx.save_for_backward(x)
        n, c, depth, h, w = x.shape
        vals = xp.empty((n, c) + out, dtype=x.dtype)
        idx = xp.empty((n, c) + out, dtype=xp.int64)
        for (i, (d0, d1)), (j, (r0, r1)), (m, (c0, c1)) in itertools.product(
                enumerate(_bins(depth, out[0])), enumerate(_bins(h, out[1])), enumerate(_bins(w, out[2]))):
            block = x[:, :, d0:d1, r0:r1, c0:c1].reshape(n, c, -1)
            arg = ctx.backend.nan_argmax(block, 2)
            vals[:, :, i, j, m] = xp.take_along_axis(block, arg[:, :, None], axis=2)[:, :, 0]
            rows, cols = (r1 - r0), (c1 - c0)
            idx[:, :, i, j, m] = ((d0 + arg // (rows * cols)) * h + r0 + (arg // cols) % rows) * w + c0 + arg % cols
        ctx.shape, ctx.kept = x.shape, idx
        ctx.mark_non_differentiable(idx)
        return vals, idx


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Maximum over the adaptive bins of each output cell of a volume."""
    from .pool import _adaptive_size
    x, unbatched = _spatial(input, 3, "adaptive_max_pool3d")
    floats_only(x, "adaptive_max_pool3d")
    out = _adaptive_size("adaptive_max_pool3d", output_size, x.shape, n=3)
    values, indices = AdaptiveMaxPool3d.apply(x, out=tuple(out))
    if unbatched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


# ---- one dimension: the 2-d pool over a height of one ------------------------------------------------

def _as_2d(input: Tensor, name: str) -> Tensor:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{name}() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    return input.unsqueeze(-2)


def _one(v, name="kernel_size"):
    return _tuple(v, 1, name)[0]


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over each window of a sequence (and, with return_indices, its position)."""
    k = _one(kernel_size)
    s = _one(stride, "stride") if stride not in (None, ()) else k
    out = max_pool2d(_as_2d(input, "max_pool1d"), (1, k), (1, s), (0, _one(padding, "padding")),
                     (1, _one(dilation, "dilation")), ceil_mode, return_indices)
    return tuple(o.squeeze(-2) for o in out) if return_indices else out.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over each window of a sequence."""
    k = _one(kernel_size)
    s = _one(stride, "stride") if stride not in (None, ()) else k
    return avg_pool2d(_as_2d(input, "avg_pool1d"), (1, k), (1, s), (0, _one(padding, "padding")), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Maximum over the adaptive bins of a sequence."""
    size = _one(output_size, "output_size")
    out = adaptive_max_pool2d(_as_2d(input, "adaptive_max_pool1d"), (1, size), return_indices)
    return tuple(o.squeeze(-2) for o in out) if return_indices else out.squeeze(-2)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool1d's values and indices (whatever return_indices says, as torch)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool2d's values and indices (whatever return_indices says, as torch)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool3d's values and indices (whatever return_indices says, as torch)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices=False):
    """adaptive_max_pool1d's values and indices (whatever return_indices says, as torch)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices=False):
    """adaptive_max_pool2d's values and indices (whatever return_indices says, as torch)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices=False):
    """adaptive_max_pool3d's values and indices (whatever return_indices says, as torch)."""
    return adaptive_max_pool3d(input, output_size, True)


# ---- power-average pooling ----------------------------------------------------------------------------

def _lp(pooled: Tensor, norm_type, window: int) -> Tensor:
    """(Σ xᵖ)^(1/p) from the window mean of xᵖ, as torch writes it (sign · relu(|·|) keeps the root real)."""
    from .activation import relu
    return (pooled.sign() * relu(pooled.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(Σ over each window of xᵖ)^(1/p)."""
    pooled = avg_pool1d(input.pow(norm_type), kernel_size, stride if stride is not None else None, 0, ceil_mode)
    return _lp(pooled, norm_type, _one(kernel_size))


def _unpack_kernel(kernel_size, n: int) -> tuple:
    """torch's lp_pool unpacks kernel_size into n values: a string of another length fails as unpacking does."""
    if isinstance(kernel_size, str) and len(kernel_size) != n:
        raise ValueError(f"not enough values to unpack (expected {n}, got {len(kernel_size)})"
                         if len(kernel_size) < n else f"too many values to unpack (expected {n})")
    return _tuple(kernel_size, n)


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    kh, kw = _unpack_kernel(kernel_size, 2)
    pooled = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(pooled, norm_type, kh * kw)


def lp_pool3d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    kd, kh, kw = _unpack_kernel(kernel_size, 3)
    pooled = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(pooled, norm_type, kd * kh * kw)


# ---- max-unpooling ------------------------------------------------------------------------------------

def _unpool(input, indices, size):
    """Zeros of `size` per plane with each input value written at its flat index."""
    n, c = input.shape[:2]
    flat = input.new_zeros((n, c, math.prod(size)))
    return flat.scatter(2, indices.reshape(n, c, -1), input.reshape(n, c, -1)).reshape((n, c) + tuple(size))


class MaxUnpool2d(Fused):
    node_name = "MaxUnpool2DBackward0"
    definition = staticmethod(_unpool)
    saved_names = ("", "indices")


class MaxUnpool3d(MaxUnpool2d):
    node_name = "MaxUnpool3DBackward0"


def _unpool_size(input, kernel_size, stride, padding, output_size, n):
    k = _tuple(kernel_size, n)
    s = _tuple(stride if stride not in (None, ()) else kernel_size, n, "stride")
    p = _tuple(padding, n, "padding")
    default = tuple((input.shape[-n + i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(n))
    if output_size is None:
        return default
    size = tuple(output_size)
    if len(size) == n + 2:
        size = size[2:]
    if len(size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length "
                         f"of '{len(tuple(output_size))}'")
    for i in range(n):
        lo, hi = default[i] - s[i], default[i] + s[i]
        if not lo < size[i] < hi:
            raise ValueError(f'invalid output_size "{list(size)}" (dim {i} must be between {lo} and {hi})')
    return size


def _max_unpool(input, indices, size, node, name):
    if indices.dtype is not D.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype.word}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    floats_only(input, name)
    planes = math.prod(size)
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= planes):
        bad = int(indices.max()) if int(indices.max()) >= planes else int(indices.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))}")
    unbatched = input.dim() == len(size) + 1
    if unbatched:
        input, indices = input.unsqueeze(0), indices.unsqueeze(0)
    out = node.apply(input, indices, size)
    return out.squeeze(0) if unbatched else out


@batched.as_one_op
def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: each value back at its index, zeros elsewhere."""
    size = _unpool_size(input, kernel_size, stride, padding, output_size, 2)
    return _max_unpool(input, indices, size, MaxUnpool2d, "max_unpool2d")


@batched.as_one_op
def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    size = _unpool_size(input, kernel_size, stride, padding, output_size, 3)
    return _max_unpool(input, indices, size, MaxUnpool3d, "max_unpool3d")


@batched.as_one_op
def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """max_unpool2d over a width of one, as torch computes it (unsqueezed at the end, squeezed back)."""
    (length,) = _unpool_size(input, kernel_size, stride, padding, output_size, 1)
    k = _one(kernel_size)
    s = _one(stride, "stride") if stride not in (None, ()) else k
    return max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), (k, 1), (s, 1), (_one(padding, "padding"), 0),
                        (length, 1)).squeeze(-1)


# ---- fractional max pooling -------------------------------------------------------------------------------

def _intervals(sample, input_size: int, output_size: int, pool_size: int, dtype):
    """torch's window starts for fractional pooling: ⌊(i + u)·α⌋ − ⌊u·α⌋ with α = (in − k)/(out − 1), computed in
    the input's dtype, and the last window ending at the input's end."""
    t = np.dtype(dtype).type
    starts = np.zeros(output_size, np.int64)
    if output_size > 1:
        alpha = t(input_size - pool_size) / t(output_size - 1)
        starts[:] = [int(t(t(i) + t(sample)) * alpha) - int(t(sample) * alpha) for i in range(output_size)]
    if output_size > 0:
        starts[-1] = input_size - pool_size
    return starts


class FractionalMaxPool2d(MaxPool3d):
    """Maxima over windows of `k` placed at pseudo-random fractional strides (one sample per plane); the first
    maximum (or a NaN) wins, as in torch's kernel. The backward is max-pooling's."""

    node_name = "FractionalMaxPool2DBackward0"
    saved_values = {"result1": _kept_indices, "kernel_size": attribute("k", torch_ints),
                    "output_size": attribute("out", torch_ints)}

    @staticmethod
    def forward(ctx, x, samples, *, k, out):
        """x: (N, C, *spatial), or (C, *spatial) unbatched (the samples then are (1, C, dims))."""
        xp = ctx.xp
        ctx.k, ctx.out = k, out
        ctx.save_for_backward(x)
        ctx.shape = x.shape
        host = host_array(x)
        unbatched = host.ndim == len(k) + 1
        if unbatched:
            host = host[None]
        draws = host_array(samples)
        n, c = host.shape[:2]
        spatial = host.shape[2:]
        values = np.empty((n, c) + tuple(out), host.dtype)
        indices = np.empty((n, c) + tuple(out), np.int64)
        flat_index = np.arange(int(np.prod(spatial))).reshape(spatial)
        for b in range(n):
            for ch in range(c):
                # the samples place the dims' windows in the order (W, H) in 2-d and (T, H, W) in 3-d, as torch's
                order = (1, 0) if len(spatial) == 2 else (0, 1, 2)
                starts = [_intervals(draws[b, ch, order[d]], spatial[d], out[d], k[d], host.dtype)
                          for d in range(len(spatial))]
                best = np.full(tuple(out), -np.inf, host.dtype)
                where = np.full(tuple(out), -1, np.int64)
                for offsets in itertools.product(*(range(kd) for kd in k)):
                    grid = np.ix_(*[s + o for s, o in zip(starts, offsets)])
                    window = host[b, ch][grid]
                    take = (window > best) | np.isnan(window)
                    best = np.where(take, window, best)
                    where = np.where(take, flat_index[grid], where)
                values[b, ch], indices[b, ch] = best, where
        if unbatched:
            values, indices = values[0], indices[0]
        ctx.kept = xp.asarray(indices)
        ctx.mark_non_differentiable(ctx.kept)
        return xp.asarray(values), ctx.kept

    @staticmethod
    def backward(ctx, gy, gi=None):
        """Each output's gradient added at its maximum's flat position in its plane; the samples take none."""
        from .creation import zeros
        planes = ctx.shape[:-len(ctx.k)]  # (N, C), or (C,) unbatched
        idx = Tensor._wrap(ctx.kept, gy.device).reshape(*planes, -1)
        flat = zeros(*planes, math.prod(ctx.shape[len(planes):]), dtype=gy.dtype, device=gy.device)
        return flat.scatter_add(len(planes), idx, gy.reshape(*planes, -1)).reshape(ctx.shape), None


class FractionalMaxPool3d(FractionalMaxPool2d):
    node_name = "FractionalMaxPool3DBackward0"


def _fractional_max_pool(n: int, input: Tensor, kernel_size, output_size, output_ratio, return_indices,
                         _random_samples):
    from .creation import rand
    name = f"fractional_max_pool{n}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    # torch's functional form reads the sizes it needs first (an input of too few dims: its IndexError), then
    # draws the samples, then its kernel checks the input
    if output_size is None:
        if len(output_ratio) > n:  # a bare number has no len(): TypeError, as torch's functional form
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = tuple(output_ratio) * (n if len(output_ratio) == 1 else 1)
        output_size = [int(input.size(d - n) * r) for d, r in enumerate(ratio)]
    if _random_samples is None:  # drawn from the CPU generator, for any device (as the Gamma sampler's draws)
        batch = 1 if input.dim() == n + 1 else input.size(0)
        _random_samples = rand(batch, input.size(-n - 1), n, dtype=input.dtype).to(input.device)
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(input.shape)}")
    spatial = tuple(input.shape[-n:])
    k, out = _tuple(kernel_size, n), _tuple(output_size, n, "output_size")
    for size, kd, od in zip(spatial, k, out):
        # torch's 3-d kernel asks for room to spare (a strict bound), its 2-d kernel does not
        if od + kd - 1 > size or (n == 3 and od + kd - 1 == size):
            raise RuntimeError(f"{name}_out(): pool size {kd} too large relative to input size {size} (output "
                               f"size {od})")
    node = FractionalMaxPool2d if n == 2 else FractionalMaxPool3d
    values, indices = node.apply(input, _random_samples, k=k, out=out)
    return (values, indices) if return_indices else values


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """Max pooling with pseudo-random, fractional strides: output_size (or output_ratio of the input) windows of
    kernel_size per dim, placed by one uniform draw per plane (torch's draws after the same seed)."""
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """fractional_max_pool2d over volumes."""
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None):
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None):
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, True, _random_samples)
