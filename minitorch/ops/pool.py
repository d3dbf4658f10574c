"""Pooling over sliding windows (strided views, no Python loop over pixels)."""
from __future__ import annotations

from ..autograd.function import Primitive
from ..tensor import Tensor
from .conv import Im2Col, _pad, _pair, out_size, window_view


class MaxPool2d(Primitive):
    """Window maxima and their flat input positions; the gradient goes to those positions."""

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, *, k, s, p, d, ceil_mode):
        xp = ctx.xp
        n, c, h, w = x.shape
        ho, wo = out_size(h, k[0], s[0], p[0], d[0], ceil_mode), out_size(w, k[1], s[1], p[1], d[1], ceil_mode)
        need = ((ho - 1) * s[0] + d[0] * (k[0] - 1) + 1 - h - 2 * p[0], (wo - 1) * s[1] + d[1] * (k[1] - 1) + 1 - w - 2 * p[1])
        extra = (max(need[0], 0), max(need[1], 0))
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        win = window_view(xp, _pad(xp, x, p, fill, extra), k, s, d, (ho, wo))   # (N, C, kh, kw, Ho, Wo)
        flat = win.reshape(n, c, k[0] * k[1], ho, wo)
        arg = flat.argmax(axis=2)
        if x.dtype.kind == "f":  # NaN wins, as in torch
            nan = xp.isnan(flat)
            arg = xp.where(nan.any(axis=2), nan.argmax(axis=2), arg)
        vals = xp.take_along_axis(flat, arg[:, :, None], axis=2)[:, :, 0]
        ki, kj = arg // k[1], arg % k[1]
        rows = xp.arange(ho)[:, None] * s[0] + ki * d[0] - p[0]
        cols = xp.arange(wo)[None, :] * s[1] + kj * d[1] - p[1]
        idx = (rows * w + cols).astype(xp.int64)
        ctx.shape = x.shape
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, gy, gi):
        (idx,) = ctx.saved_tensors
        n, c, h, w = ctx.shape
        from .creation import zeros
        flat = zeros(n, c, h * w, dtype=gy.dtype, device=gy.device)
        return flat.scatter_add(2, idx.reshape(n, c, -1), gy.reshape(n, c, -1)).reshape(n, c, h, w)


def _batched(fn):
    """Accept (C, H, W) inputs as a batch of one, as torch's pooling does."""
    def wrapper(input: Tensor, *args, **kwargs):
        if input.dim() == 3:
            out = fn(input.unsqueeze(0), *args, **kwargs)
            return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
        if input.dim() != 4:
            raise RuntimeError(f"non-empty 3D or 4D (batch mode) tensor expected for input")
        return fn(input, *args, **kwargs)
    wrapper.__name__ = wrapper.__qualname__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@_batched
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over each window; with return_indices, also the flat position in each input plane."""
    k = _pair(kernel_size)
    s = _pair(stride if stride not in (None, ()) else kernel_size)
    p, d = _pair(padding), _pair(dilation)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[0]}, "
                           f"kernel_size={k[0]} and dilation={d[0]}")
    vals, idx = MaxPool2d.apply(input, k=k, s=s, p=p, d=d, ceil_mode=ceil_mode)
    return (vals, idx) if return_indices else vals


@_batched
def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """Mean over each window (padding counted, as torch's default)."""
    if ceil_mode or not count_include_pad:
        raise NotImplementedError("avg_pool2d with ceil_mode or count_include_pad=False is not supported")
    k = _pair(kernel_size)
    s = _pair(stride if stride not in (None, ()) else kernel_size)
    p = _pair(padding)
    n, c, h, w = input.shape
    ho, wo = out_size(h, k[0], s[0], p[0], 1), out_size(w, k[1], s[1], p[1], 1)
    cols = Im2Col.apply(input, k=k, s=s, p=p, d=(1, 1)).reshape(n, c, k[0] * k[1], ho, wo)
    if divisor_override:
        return cols.sum(2) / divisor_override
    return cols.mean(2)


@_batched
def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average over the bins [floor(i*H/out), ceil((i+1)*H/out)) of each output cell."""
    from .shape import stack
    n, c, h, w = input.shape
    oh, ow = _pair(output_size)
    oh, ow = oh or h, ow or w
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow))
    rows = []
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        rows.append(stack([input[:, :, r0:r1, (j * w) // ow:-(-((j + 1) * w) // ow)].mean((2, 3))
                           for j in range(ow)], -1))
    return stack(rows, -2)
