"""What every backend provides: an array module `xp` and the named kernels ops call.

`ArrayBackend` writes each kernel once, in array operations that NumPy and CuPy share; it is the
CPU backend's implementation and the reference every hand-written CUDA kernel is tested against.
A backend subclass replaces a kernel where it has a faster one (threads on the CPU, `kernels/*.cu`
on a GPU) and falls back to these composites everywhere else.
"""
from __future__ import annotations

import math

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def window_view(xp, x, k, s, d, out_hw):
    """(N, C, kh, kw, Ho, Wo) view of the padded input x (N, C, H, W) without copying."""
    sn, sc, sh, sw = x.strides
    shape = x.shape[:2] + tuple(k) + tuple(out_hw)
    strides = (sn, sc, sh * d[0], sw * d[1], sh * s[0], sw * s[1])
    return xp.lib.stride_tricks.as_strided(x, shape, strides)  # read-only by convention (CuPy has no flag)


def channel_axes(ndim):
    """The axes a channel's statistics run over in (N, C, *), and the shape of a per-channel vector."""
    return (0,) + tuple(range(2, ndim)), (1, -1) + (1,) * (ndim - 2)


def pad_spatial(xp, x, p, value=0.0, extra=(0, 0)):
    """x (N, C, H, W) padded by p on both sides of H and W, plus `extra` more at the bottom/right."""
    if tuple(p) == (0, 0) and tuple(extra) == (0, 0):
        return x
    widths = ((0, 0), (0, 0), (p[0], p[0] + extra[0]), (p[1], p[1] + extra[1]))
    return xp.pad(x, widths, constant_values=value)


def overhang(hw, k, s, p, d, out_hw):
    """Rows/columns the last window reaches beyond the padded input (ceil_mode), per axis."""
    return tuple(max((o - 1) * si + di * (ki - 1) + 1 - size - 2 * pi, 0)
                 for size, ki, si, pi, di, o in zip(hw, k, s, p, d, out_hw))


class HalvingChoices:
    """A 2x2 max-pool as two halvings: within each row the pair of columns (`colsel`: the right one wins
    only if greater, or NaN), then between the two rows' winners (`rowsel`), so ties keep the earlier
    position as torch's does. The choices route the gradient back."""

    def __init__(self, rowsel, colsel):
        self.rowsel, self.colsel = rowsel, colsel

    def indices(self, xp, shape):
        n, c, h, w = shape
        halves = self.colsel.reshape(n, c, h // 2, 2, w // 2)
        col = xp.where(self.rowsel, halves[:, :, :, 1], halves[:, :, :, 0])
        r = 2 * xp.arange(h // 2).reshape(-1, 1) + self.rowsel
        return (r * w + 2 * xp.arange(w // 2) + col).astype(xp.int64)

    def backward(self, xp, gy, shape):
        n, c, h, w = shape
        by_row = xp.empty((n, c, h // 2, 2, w // 2), dtype=gy.dtype)    # each gradient to its row ...
        xp.multiply(gy, ~self.rowsel, out=by_row[:, :, :, 0])
        xp.multiply(gy, self.rowsel, out=by_row[:, :, :, 1])
        by_row = by_row.reshape(n, c, h, w // 2)
        gx = xp.empty((n, c, h, w // 2, 2), dtype=gy.dtype)              # ... then to its column
        xp.multiply(by_row, ~self.colsel, out=gx[..., 0])
        xp.multiply(by_row, self.colsel, out=gx[..., 1])
        return gx.reshape(n, c, h, w)


def _max_pool_2x2(xp, x):
    """2x2/stride-2 max-pool by reshapes and elementwise maxima (no window gather)."""
    n, c, h, w = x.shape
    pairs = x.reshape(n, c, h, w // 2, 2)
    left, right = pairs[..., 0], pairs[..., 1]
    colsel = (right > left) | (right != right)                       # (N, C, H, W/2)
    rows = xp.maximum(left, right).reshape(n, c, h // 2, 2, w // 2)
    top_row, bottom_row = rows[:, :, :, 0], rows[:, :, :, 1]
    rowsel = (bottom_row > top_row) | (bottom_row != bottom_row)     # (N, C, H/2, W/2)
    return xp.maximum(top_row, bottom_row), HalvingChoices(rowsel, colsel)


class ArrayBackend:
    """Kernels written in array operations on `self.xp` (NumPy or CuPy)."""

    name = "array"
    xp = None
    uses_custom_kernels = False

    @property
    def ndarray(self):
        return self.xp.ndarray

    def as_scalar(self, value, dtype):
        """A 0-d array of Python float `value` in float `dtype` (the hot `tensor * 0.5` path: NumPy's backend
        binds NumPy's asarray itself, with no Python frame)."""
        return self.xp.asarray(value, dtype)

    def matmul(self, a, b):
        """a @ b for the products of linear layers and convolutions (a device routes them through its own
        GEMM, which CUDA graphs can capture)."""
        return a @ b

    def scalar(self, value, dtype):
        """A 0-d array of Python number `value` cast to `dtype` (integers wrap, as torch's do)."""
        return self.xp.array(value).astype(dtype)

    def to_host(self, a):
        return a

    def check_device_asserts(self) -> None:
        """Raise for a device-side assertion that failed since the last check (a device's; the host checks at once)."""

    def from_host(self, a):
        return a

    def scratch(self, shape, dtype):
        """An uninitialised array for a large temporary that its user will `release`."""
        return self.xp.empty(shape, dtype=dtype)

    def release(self, array):
        """`array` (from `scratch`) is no longer used: a backend may reuse its memory."""

    def scatter_add(self, target, index, source):
        """target[index] += source, with repeated indices adding up (unbuffered)."""
        self.xp.add.at(target, index, source)
        return target

    def erf(self, x):
        raise NotImplementedError

    def erfinv(self, x):
        raise NotImplementedError

    # ---- rounded division of floats, as torch rounds it ----------------------------------------------
    # torch (like NumPy) takes the quotient from the exact remainder fmod(a, b), so 3 // 0.2 is 14.0
    # and 3 % 0.2 is 0.2 (0.2 is 0.2000000030 in float32); floor(a / b) would round 3 / 0.2 up to 15.

    def floor_divide(self, a, b):
        """a // b: floor((a - fmod(a, b)) / b), one less where the remainder's sign differs from b's."""
        xp = self.xp
        if a.dtype.kind != "f":
            return xp.floor_divide(a, b)
        mod = xp.fmod(a, b)
        div = (a - mod) / b
        div = div - ((mod != 0) & ((b < 0) != (mod < 0)))
        q = xp.floor(div)
        q = q + (div - q > 0.5)  # (a - mod) / b is an integer up to rounding: take the nearest
        q = xp.where(div != 0, q, xp.copysign(xp.zeros_like(q), a / b))
        return xp.where(b == 0, a / b, q)

    def remainder(self, a, b):
        """a % b with the sign of b: fmod(a, b), plus b where the signs differ."""
        xp = self.xp
        if a.dtype.kind != "f":
            return xp.remainder(a, b)
        mod = xp.fmod(a, b)
        return xp.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)

    # ---- work splitting (a backend may run these in parallel) -----------------------------------

    def elementwise(self, f, *arrays):
        """f(*arrays) for an elementwise f of same-shape arrays."""
        return f(*arrays)

    def silu(self, x):
        """x σ(x), computed as torch's kernel computes it: x / (1 + e^-x)."""
        return x / (1 + self.xp.exp(-x))

    def silu_backward(self, gy, x):
        """gy σ(x) (1 + x (1 - σ(x)))."""
        s = 1 / (1 + self.xp.exp(-x))
        return gy * s * (1 + x * (1 - s))

    def relu(self, x):
        """max(x, 0) (not x * (x > 0): that gives NaN at -inf and -0.0 for negatives)."""
        return self.xp.maximum(x, 0)

    def relu_backward(self, gy, y):
        """gy where y > 0, else +0 (not gy * 0: that is -0 for a negative gy, NaN for an infinite one)."""
        return self.xp.where(y > 0, gy, 0)

    def unary(self, f, x):
        """f(xp, x) for an elementwise f (split as `elementwise` splits)."""
        return self.elementwise(lambda a: f(self.xp, a), x)

    def reduce(self, op, x, axes, keepdims, dtype=None):
        """sum/max/min of x over `axes`."""
        if op == "sum":
            return x.sum(axis=axes, keepdims=keepdims, dtype=dtype)
        return (x.max if op == "max" else x.min)(axis=axes, keepdims=keepdims)

    def rowwise(self, kernel, axis, *arrays):
        """kernel(*arrays, axis) for a kernel that works row by row along `axis`."""
        return kernel(*arrays, axis)

    # ---- fused kernels: softmax, log_softmax, GELU, layer norm, Adam, cross-entropy -----------------
    # Rows are reduced along `axis`.

    def softmax(self, x, axis):
        """exp(x - max) / sum(exp(x - max)) along axis."""
        e = x - x.max(axis=axis, keepdims=True)
        self.xp.exp(e, out=e)
        e /= e.sum(axis=axis, keepdims=True)
        return e


    def log_softmax(self, x, axis):
        """x - max - log(sum(exp(x - max))) along axis."""
        shifted = x - x.max(axis=axis, keepdims=True)
        shifted -= self.xp.log(self.xp.exp(shifted).sum(axis=axis, keepdims=True))
        return shifted


    def softmax_backward(self, gy, y, axis):
        """dL/dx = y * (gy - sum(gy * y))."""
        gx = gy * y
        gx -= y * gx.sum(axis=axis, keepdims=True)
        return gx


    def log_softmax_backward(self, gy, y, axis):
        """dL/dx = gy - exp(y) * sum(gy)."""
        return gy - self.xp.exp(y) * gy.sum(axis=axis, keepdims=True)



    def gelu(self, x, approximate):
        """x * Phi(x) with Phi the normal CDF (erf form) or torch's tanh approximation of it."""
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
            return 0.5 * x * (1 + self.xp.tanh(inner))
        return 0.5 * x * (1 + self.erf(x * (1 / math.sqrt(2))))


    def gelu_backward(self, gy, x, approximate):
        """gy * d/dx gelu(x)."""
        if approximate == "tanh":
            x2 = x * x
            t = self.xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x2 * x))
            return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x2))
        cdf = 0.5 * (1 + self.erf(x * (1 / math.sqrt(2))))
        return gy * (cdf + x * self.xp.exp(-0.5 * x * x) * _INV_SQRT_2PI)


    def layer_norm(self, x, weight, bias, n, eps):
        """Normalise the last n dims of x by their mean and biased variance; returns (y, mean, rstd)."""
        axes = tuple(range(x.ndim - n, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if bool((var <= (mean * 2.0 ** -16) ** 2).any()):  # a spread within rounding: maybe a constant row
            mean, centred, var = self._exact_constant_rows(x, n, mean, centred, var)
        rstd = 1 / self.xp.sqrt(var + eps)
        y = centred
        y *= rstd
        if weight is not None:
            y *= weight
        if bias is not None:
            y += bias
        return y, mean, rstd


    def _exact_constant_rows(self, x, n, mean, centred, var):
        """A row of equal values has its value as mean and no spread, as torch's Welford moments give,
        where a rounded sum / n can miss the value by an ulp and leave a tiny nonzero spread."""
        xp = self.xp
        rows = x.reshape(x.shape[:x.ndim - n] + (-1,))
        constant = (rows == rows[..., :1]).all(-1).reshape(mean.shape)
        mean = xp.where(constant, rows[..., :1].reshape(mean.shape), mean)
        return mean, xp.where(constant, 0, centred).astype(x.dtype), xp.where(constant, 0, var).astype(var.dtype)

    def layer_norm_backward(self, gy, x, mean, rstd, weight, n):
        """Gradients of layer_norm w.r.t. x, weight and bias (the latter two summed over the leading dims)."""
        axes = tuple(range(x.ndim - n, x.ndim))
        lead = tuple(range(x.ndim - n))
        xhat = (x - mean) * rstd
        g = gy * weight if weight is not None else gy
        gx = g - g.mean(axis=axes, keepdims=True)
        gx -= xhat * (g * xhat).mean(axis=axes, keepdims=True)
        gx *= rstd
        gw = (gy * xhat).sum(axis=lead) if weight is not None else None
        return gx, gw, gy.sum(axis=lead)


    def batch_norm_stats(self, x):
        """Per channel c of x (N, C, *), as torch's CPU kernel takes them: mean_c = Σ x / count summed in float64 and
        rounded to x's dtype, and var_sum_c = Σ (x - mean_c)², each difference and square in x's dtype, summed in
        float64 (the second pass centred)."""
        axes, shape = channel_axes(x.ndim)
        count = x.size // x.shape[1]
        mean = (x.sum(axis=axes, dtype=self.xp.float64) / count).astype(x.dtype)
        centred = x - mean.reshape(shape)
        return mean, (centred * centred).sum(axis=axes, dtype=self.xp.float64).astype(x.dtype)

    def multiply_add(self, a, b, c):
        """a · b + c elementwise (the NumPy backend rounds it once, as the fused multiply-add of torch's CPU kernels)."""
        return a * b + c

    def batch_norm_apply(self, x, alpha, beta):
        """x · α_c + β_c per channel c of x (N, C, *)."""
        _, shape = channel_axes(x.ndim)
        y = x * alpha.reshape(shape)
        y += beta.reshape(shape)
        return y

    def batch_norm_backward(self, g, x, mean, rstd, scale, batch_stats, input_grad):
        """(grad_input or None, Σ g, Σ g · x̂) per channel, x̂ = (x - μ) · rstd; grad_input = scale · (g - Σ g / M -
        x̂ · Σ g x̂ / M) with the batch's statistics (M elements per channel), or scale · g with running ones."""
        axes, shape = channel_axes(x.ndim)
        xhat = x - mean.reshape(shape)
        xhat *= rstd.reshape(shape)
        g_sum = g.sum(axis=axes)
        gxhat_sum = (g * xhat).sum(axis=axes)
        if not input_grad:
            return None, g_sum, gxhat_sum
        if not batch_stats:
            return g * scale.reshape(shape), g_sum, gxhat_sum
        m = x.size // x.shape[1] if x.ndim > 1 else x.size
        xhat *= (gxhat_sum / m).reshape(shape)
        gx = g - (g_sum / m).reshape(shape)
        gx -= xhat
        gx *= scale.reshape(shape)
        return gx, g_sum, gxhat_sum

    def adam_step(self, p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
        """One Adam (or AdamW, decoupled=True) update of arrays p, m, v (and vmax for amsgrad) in place.

        The arithmetic is torch's single-tensor Adam step, operation by operation, in p's dtype.
        """
        t = p.dtype.type
        v = self._adam_moments(p, g, m, v, vmax, beta1, beta2, lr, weight_decay, decoupled, maximize)
        denom = self.xp.sqrt(v) / t(math.sqrt(1 - beta2 ** step))
        denom += t(eps)
        p += (m * t(-lr / (1 - beta1 ** step))) / denom

    def adam_step_capturable(self, p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
        """adam_step with `step` a 0-d array on the device (already advanced), as torch's capturable Adam: the bias
        corrections are computed from it on the device, so a captured step replays with the right count."""
        xp = self.xp
        v = self._adam_moments(p, g, m, v, vmax, beta1, beta2, lr, weight_decay, decoupled, maximize)
        bias1 = 1 - xp.power(step.dtype.type(beta1), step)
        bias2 = 1 - xp.power(step.dtype.type(beta2), step)
        step_size_neg = -(lr / bias1)
        denom = xp.sqrt(v) / (xp.sqrt(bias2) * step_size_neg)
        denom += eps / step_size_neg
        p += m / denom

    def _adam_moments(self, p, g, m, v, vmax, beta1, beta2, lr, weight_decay, decoupled, maximize):
        """Adam's weight decay and moment updates in place (torch's order); returns the second moment to divide by."""
        t = p.dtype.type
        if maximize:
            g = -g
        if weight_decay:
            if decoupled:
                p *= t(1 - lr * weight_decay)
            else:
                g = g + p * t(weight_decay)
        w = t(1 - beta1)
        d = g - m
        if abs(w) < 0.5:  # lerp from the nearer end, as torch's lerp
            m += w * d
        else:
            m[...] = g - d * (t(1) - w)
        v *= t(beta2)
        v += (g * t(1 - beta2)) * g
        if vmax is not None:
            self.xp.maximum(vmax, v, out=vmax)
            v = vmax
        return v


    def nll_loss(self, logp, target, weight, ignore_index):
        """Each row's negative log-probability of its target class times that class's weight, and the
        weights (0 where the target is ignore_index), for (rows, C) log-probabilities."""
        keep = target != ignore_index
        safe = self.xp.where(keep, target, 0)
        w = keep.astype(logp.dtype) if weight is None else weight[safe] * keep
        return -logp[self.xp.arange(logp.shape[0]), safe] * w, w


    def nll_loss_backward(self, g, target, w, ignore_index, cols):
        """d/dlogp of Σ_r g_r nll_r: -g_r w_r at row r's target class, 0 elsewhere (and in ignored rows)."""
        gx = self.xp.zeros((target.shape[0], cols), dtype=w.dtype)
        keep = target != ignore_index
        gx[self.xp.arange(target.shape[0])[keep], target[keep]] = -(g * w)[keep]
        return gx

    # ---- convolution: how to compute it is the backend's choice -------------------------------------

    @staticmethod
    def pointwise(w, s, p, groups) -> bool:
        """Whether a convolution is 1 × 1, stride 1, unpadded and ungrouped: per image one GEMM, W (O, C)
        times x (C, H·W), in the image's own layout (no columns, no transposes)."""
        return groups == 1 and w.shape[2:] == (1, 1) and s == (1, 1) and p == (0, 0)

    def conv2d_pointwise(self, x, w, b):
        n, c, h, wd = x.shape
        o = w.shape[0]
        out = self.matmul(w.reshape(o, c), self.xp.ascontiguousarray(x).reshape(n, c, h * wd))   # (N, O, H·W)
        if b is not None:
            out += b.reshape(1, o, 1)
        return out.reshape(n, o, h, wd)

    def conv2d(self, x, w, b, s, p, d, groups, out_hw):
        """Cross-correlation of x (N, C, H, W) with w (O, C/g, kh, kw) (+ b): one GEMM per group over
        im2col columns. Returns the (N, O, Ho, Wo) output and what the backward needs (the columns)."""
        if self.pointwise(w, s, p, groups):
            return self.conv2d_pointwise(x, w, b), None
        n = x.shape[0]
        o, cg, kh, kw = w.shape
        columns = self.im2col(x, (kh, kw), s, p, d, out_hw)
        cols = columns.reshape(groups, cg * kh * kw, n * out_hw[0] * out_hw[1])
        out = self.matmul(w.reshape(groups, o // groups, cg * kh * kw), cols)               # (g, O/g, N*L)
        if b is not None:
            out += b.reshape(groups, o // groups, 1)
        # batch-major again, contiguous: every later op (activation, pooling) then streams through memory
        return self.xp.ascontiguousarray(out.reshape(o, n, *out_hw).transpose(1, 0, 2, 3)), columns

    def conv2d_backward(self, gy, x, w, kept, s, p, d, groups, needs):
        """(input gradient, weight gradient) of conv2d for the output gradient gy (N, O, Ho, Wo), each
        None unless `needs` asks; `kept` is what the forward returned beside its output."""
        gw = self.conv2d_weight_grad(gy, x, w, kept, s, p, d, groups) if needs[1] else None
        gx = self.conv2d_input_grad(gy, x.shape, w, s, p, d, groups) if needs[0] else None
        return gx, gw

    def conv2d_bias_grad(self, gy):
        """The bias gradient of conv2d: gy (N, O, Ho, Wo) summed over all but the channels."""
        return gy.sum(axis=(0, 2, 3))

    def conv2d_weight_grad(self, gy, x, w, columns, s, p, d, groups):
        """Σ over positions of gy times the input's window: the output gradient against the columns."""
        if self.pointwise(w, s, p, groups):  # Σ over images of gy (O, H·W) times xᵀ (H·W, C)
            n, c = x.shape[:2]
            flat = self.xp.ascontiguousarray(x).reshape(n, c, -1)
            per_image = self.matmul(self.xp.ascontiguousarray(gy).reshape(n, gy.shape[1], -1), flat.swapaxes(1, 2))
            return per_image.sum(axis=0).reshape(w.shape)
        o, cg = w.shape[:2]
        gy_t = gy.transpose(1, 0, 2, 3).reshape(groups, o // groups, -1)        # (g, O/g, N*L)
        cols = columns.reshape(groups, cg * w.shape[2] * w.shape[3], -1)
        return self.matmul(gy_t, cols.transpose(0, 2, 1)).reshape(w.shape)

    def conv2d_input_grad(self, gy, shape, w, s, p, d, groups):
        """The input gradient: for stride 1 (padding within the kernel's reach) a convolution of gy
        with the flipped, channel-swapped kernel; otherwise columns summed back by col2im."""
        if self.pointwise(w, s, p, groups):  # per image Wᵀ (C, O) times gy (O, H·W)
            n, c, h, wd = shape
            o = w.shape[0]
            return self.matmul(w.reshape(o, c).T, self.xp.ascontiguousarray(gy).reshape(n, o, h * wd)).reshape(shape)
        k = w.shape[2:]
        if s == (1, 1) and groups == 1 and all(di * (ki - 1) >= pi for ki, pi, di in zip(k, p, d)):
            flipped = self.xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, O, kh, kw)
            pad = tuple(di * (ki - 1) - pi for ki, pi, di in zip(k, p, d))
            return self.conv2d_stride1(gy, flipped, pad, d, shape[2:])
        o = w.shape[0]
        gy_t = gy.transpose(1, 0, 2, 3).reshape(groups, o // groups, -1)
        gcols = self.matmul(w.reshape(groups, o // groups, -1).transpose(0, 2, 1), gy_t)    # (g, C/g*kh*kw, N*L)
        return self.col2im(gcols.reshape(shape[1] * k[0] * k[1], -1), shape, k, s, p, d, gy.shape[2:])

    def conv2d_stride1(self, x, w, p, d, out_hw):
        """A stride-1, ungrouped convolution without bias, its columns released at once: the output
        gradient's columns have the output's channels, so nothing as large as the input's columns
        is written and no col2im is needed."""
        xp = self.xp
        o, c, kh, kw = w.shape
        cols = self.im2col(xp.ascontiguousarray(x), (kh, kw), (1, 1), p, d, out_hw)   # (C*kh*kw, N*Ho*Wo)
        out = self.matmul(w.reshape(o, c * kh * kw), cols)
        self.release(cols)
        return xp.ascontiguousarray(out.reshape(o, x.shape[0], *out_hw).transpose(1, 0, 2, 3))

    # ---- windows: im2col / col2im, pooling -----------------------------------------------------

    def im2col(self, x, k, s, p, d, out_hw):
        """(N, C, H, W) -> (C*kh*kw, N*Ho*Wo) columns, channel-major: row (c, i, j) holds input pixel
        (c, ho*s + i*d - p, wo*s + j*d - p) of every image and window, zero outside the input."""
        n, c = x.shape[:2]
        win = window_view(self.xp, pad_spatial(self.xp, x, p), k, s, d, out_hw)    # (N, C, kh, kw, Ho, Wo)
        cols = self.scratch((c * k[0] * k[1], n * out_hw[0] * out_hw[1]), x.dtype)
        self.xp.copyto(cols.reshape(c, k[0], k[1], n, *out_hw), win.transpose(1, 2, 3, 0, 4, 5))
        return cols

    def col2im(self, cols, shape, k, s, p, d, out_hw):
        """The adjoint of im2col: (C*kh*kw, N*Ho*Wo) columns summed back into an (N, C, H, W) image;
        each kernel offset is one strided add of a contiguous (C, N, Ho, Wo) block."""
        xp = self.xp
        n, c, h, w = shape
        ho, wo = out_hw
        parts = cols.reshape(c, k[0], k[1], n, ho, wo)
        img = xp.zeros((c, n, h + 2 * p[0], w + 2 * p[1]), dtype=cols.dtype)
        for i in range(k[0]):
            for j in range(k[1]):
                img[:, :, i * d[0]:i * d[0] + s[0] * ho:s[0], j * d[1]:j * d[1] + s[1] * wo:s[1]] += parts[:, i, j]
        return xp.ascontiguousarray(img[:, :, p[0]:p[0] + h, p[1]:p[1] + w].transpose(1, 0, 2, 3))

    def max_pool2d(self, x, k, s, p, d, out_hw):
        """Window maxima of (N, C, H, W) x, and what the backward needs: the flat input positions of the
        maxima, or, for the common 2x2/stride-2 pool of an even-sized input, the two halving choices."""
        if k == s == (2, 2) and p == (0, 0) and d == (1, 1) and not x.shape[2] % 2 and not x.shape[3] % 2 \
                and x.size:
            return _max_pool_2x2(self.xp, x)
        return self._max_pool2d_windows(x, k, s, p, d, out_hw)

    def _max_pool2d_windows(self, x, k, s, p, d, out_hw):
        """Window maxima of (N, C, H, W) x and their flat positions h*W + w in the input plane; a NaN
        wins (the last one in the window, as torch's scan keeps it), otherwise the first maximum."""
        xp = self.xp
        if x.dtype.kind in "iu" and x.dtype != xp.int64:  # widened, the padding lies below every value (no ties)
            vals, kept = self._max_pool2d_windows(x.astype(xp.int64), k, s, p, d, out_hw)
            return vals.astype(x.dtype), kept
        n, c, h, w = x.shape
        ho, wo = out_hw
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        padded = pad_spatial(xp, x, p, fill, overhang((h, w), k, s, p, d, out_hw))
        flat = window_view(xp, padded, k, s, d, out_hw).reshape(n, c, k[0] * k[1], ho, wo)
        arg = self.nan_argmax(flat, 2)
        vals = xp.take_along_axis(flat, arg[:, :, None], axis=2)[:, :, 0]
        rows = xp.arange(ho)[:, None] * s[0] + (arg // k[1]) * d[0] - p[0]
        cols = xp.arange(wo)[None, :] * s[1] + (arg % k[1]) * d[1] - p[1]
        return vals, (rows * w + cols).astype(xp.int64)

    def nan_argmax(self, a, axis):
        """argmax along axis where a NaN wins (the last one)."""
        xp = self.xp
        arg = a.argmax(axis=axis)
        if a.dtype.kind == "f":
            nan = xp.flip(xp.isnan(a), axis=axis)
            last = a.shape[axis] - 1 - nan.argmax(axis=axis)
            arg = xp.where(nan.any(axis=axis), last, arg)
        return arg

    def max_pool2d_indices(self, kept, shape):
        """The flat input position of each maximum, from what max_pool2d kept."""
        return kept.indices(self.xp, shape) if isinstance(kept, HalvingChoices) else kept

    def max_pool2d_backward(self, gy, kept, shape):
        """Each output gradient added to the input position its maximum came from (windows may overlap)."""
        if isinstance(kept, HalvingChoices):
            return kept.backward(self.xp, gy, shape)
        xp = self.xp
        n, c, h, w = shape
        gx = xp.zeros((n * c, h * w), dtype=gy.dtype)
        self.scatter_add(gx, (xp.arange(n * c)[:, None], kept.reshape(n * c, -1)), gy.reshape(n * c, -1))
        return gx.reshape(shape)

    def _avg_divisor(self, hw, k, s, p, out_hw, count_include_pad, divisor_override, dtype):
        """(Ho, Wo) window sizes torch divides by: clipped to the padded input, or to the input alone."""
        xp = self.xp
        if divisor_override:
            return xp.full(out_hw, divisor_override, dtype=dtype)
        extents = []
        for o, si, ki, size, pi in zip(out_hw, s, k, hw, p):
            start = xp.arange(o) * si - pi
            end = xp.minimum(start + ki, size + pi)
            extents.append(end - start if count_include_pad else xp.minimum(end, size) - xp.maximum(start, 0))
        return (extents[0][:, None] * extents[1][None, :]).astype(dtype)

    def avg_pool2d(self, x, k, s, p, out_hw, count_include_pad, divisor_override):
        """Window means of (N, C, H, W) x: window sums over the zero-padded input / torch's divisor."""
        xp = self.xp
        padded = pad_spatial(xp, x, p, 0, overhang(x.shape[2:], k, s, p, (1, 1), out_hw))
        sums = window_view(xp, padded, k, s, (1, 1), out_hw).sum(axis=(2, 3))
        divisor = self._avg_divisor(x.shape[2:], k, s, p, out_hw, count_include_pad, divisor_override, x.dtype)
        if x.dtype.kind in "iu":  # torch's integer kernel divides as C does, truncating towards zero
            return (xp.sign(sums) * (xp.abs(sums) // divisor)).astype(x.dtype)
        return sums / divisor

    def avg_pool2d_backward(self, gy, shape, k, s, p, count_include_pad, divisor_override):
        """Each output gradient / its divisor, spread over its window (one strided add per offset)."""
        xp = self.xp
        n, c, h, w = shape
        ho, wo = gy.shape[2:]
        g = gy / self._avg_divisor((h, w), k, s, p, (ho, wo), count_include_pad, divisor_override, gy.dtype)
        extra = overhang((h, w), k, s, p, (1, 1), (ho, wo))
        img = xp.zeros((n, c, h + 2 * p[0] + extra[0], w + 2 * p[1] + extra[1]), dtype=gy.dtype)
        for i in range(k[0]):
            for j in range(k[1]):
                img[:, :, i:i + s[0] * ho:s[0], j:j + s[1] * wo:s[1]] += g
        return img[:, :, p[0]:p[0] + h, p[1]:p[1] + w].copy()

    def embedding_backward(self, gy, idx, num_weights, padding_idx, scale_grad_by_freq):
        """The (num_weights, D) weight gradient of an embedding lookup: each row of gy added to the row
        it was read from; nothing to padding_idx; with scale_grad_by_freq, divided by that index's count."""
        xp = self.xp
        flat = idx.reshape(-1)
        g = gy.reshape(flat.size, gy.shape[-1])
        if scale_grad_by_freq:
            counts = xp.bincount(flat, minlength=num_weights)
            g = g / counts[flat][:, None].astype(g.dtype)
        gw = xp.zeros((num_weights, g.shape[1]), dtype=gy.dtype)
        self.scatter_add(gw, flat, g)
        if padding_idx is not None:
            gw[padding_idx] = 0
        return gw
