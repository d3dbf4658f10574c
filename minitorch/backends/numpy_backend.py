"""The CPU backend: NumPy as `xp` plus the named kernels ops may call."""
import math

import numpy as xp

name = "numpy"
ndarray = xp.ndarray

# torch computes inf/nan silently; NumPy would warn on every such element.
xp.seterr(all="ignore")


def to_host(a):
    return a


def from_host(a):
    return a


def scatter_add(target, index, source):
    """target[index] += source, with repeated indices adding up (unbuffered)."""
    xp.add.at(target, index, source)
    return target


try:  # SciPy's erf and erfinv are fast and exact; they are optional
    from scipy.special import erf as _scipy_erf
    from scipy.special import erfinv as _scipy_erfinv
except ImportError:  # pragma: no cover - exercised through erf_numpy/erfinv_numpy in the tests
    _scipy_erf = _scipy_erfinv = None


def erf_numpy(x):
    """erf in pure NumPy, to double precision: a Taylor series for |x| < 2.5 and the
    continued fraction of erfc beyond, evaluated in float64 and cast back."""
    z = xp.asarray(x, dtype=xp.float64)
    a = xp.abs(z)
    small = a < 2.5
    s = xp.where(small, z, 0.0)
    term = s.copy()
    total = s.copy()
    s2 = -s * s
    for n in range(1, 60):
        term *= s2 / n
        total += term / (2 * n + 1)
    series = total * (2.0 / math.sqrt(math.pi))
    b = xp.where(small, 3.0, a)
    f = b.copy()
    for k in range(80, 0, -1):
        f = b + (k / 2.0) / f
    erfc = xp.exp(-b * b) / (math.sqrt(math.pi) * f)
    tail = xp.sign(z) * (1.0 - erfc)
    out = xp.where(small, series, tail)
    out = xp.where(xp.isnan(z), xp.nan, out)
    return out.astype(xp.asarray(x).dtype, copy=False)


def erf(x):
    """The error function, elementwise."""
    if _scipy_erf is not None:
        return _scipy_erf(x).astype(x.dtype, copy=False)
    return erf_numpy(x)


# Giles' single-precision erfinv: a polynomial in w = -log(1 - x^2), one for the centre, one for the tails
_ERFINV_CENTRE = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def erfinv_numpy(y):
    """erfinv in pure NumPy: Giles' approximation refined by two Newton steps on erf, in float64."""
    z = xp.asarray(y, dtype=xp.float64)
    inside = xp.abs(z) < 1
    zc = xp.where(inside, z, 0.0)
    w = -xp.log((1 - zc) * (1 + zc))
    centre, tail = w - 2.5, xp.sqrt(w) - 3
    p = xp.where(w < 5, _ERFINV_CENTRE[0], _ERFINV_TAIL[0])
    for a, b in zip(_ERFINV_CENTRE[1:], _ERFINV_TAIL[1:]):
        p = xp.where(w < 5, a + p * centre, b + p * tail)
    x = p * zc
    for _ in range(2):
        x = x - (erf_numpy(x) - zc) / (2 / math.sqrt(math.pi) * xp.exp(-x * x))
    out = xp.where(inside, x, xp.where(xp.abs(z) == 1, xp.sign(z) * xp.inf, xp.nan))
    return out.astype(xp.asarray(y).dtype, copy=False)


def erfinv(x):
    """The inverse error function, elementwise (nan outside [-1, 1])."""
    if _scipy_erfinv is not None:
        return _scipy_erfinv(x).astype(x.dtype, copy=False)
    return erfinv_numpy(x)


# ---- fused kernels: softmax, log_softmax, GELU, layer norm (forward and backward) ----------------
# Each is the reference the CUDA kernels are tested against; rows are reduced along `axis`.

def softmax(x, axis):
    """exp(x - max) / sum(exp(x - max)) along axis."""
    e = x - x.max(axis=axis, keepdims=True)
    xp.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(x, axis):
    """x - max - log(sum(exp(x - max))) along axis."""
    shifted = x - x.max(axis=axis, keepdims=True)
    shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def softmax_backward(gy, y, axis):
    """dL/dx = y * (gy - sum(gy * y))."""
    gx = gy * y
    gx -= y * gx.sum(axis=axis, keepdims=True)
    return gx


def log_softmax_backward(gy, y, axis):
    """dL/dx = gy - exp(y) * sum(gy)."""
    return gy - xp.exp(y) * gy.sum(axis=axis, keepdims=True)


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def gelu(x, approximate):
    """x * Phi(x) with Phi the normal CDF (erf form) or torch's tanh approximation of it."""
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + xp.tanh(inner))
    return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))


def gelu_backward(gy, x, approximate):
    """gy * d/dx gelu(x)."""
    if approximate == "tanh":
        x2 = x * x
        t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x2 * x))
        return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x2))
    cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
    return gy * (cdf + x * xp.exp(-0.5 * x * x) * _INV_SQRT_2PI)


def layer_norm(x, weight, bias, n, eps):
    """Normalise the last n dims of x by their mean and biased variance; returns (y, mean, rstd)."""
    axes = tuple(range(x.ndim - n, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    rstd = 1 / xp.sqrt((centred * centred).mean(axis=axes, keepdims=True) + eps)
    y = centred
    y *= rstd
    if weight is not None:
        y *= weight
    if bias is not None:
        y += bias
    return y, mean, rstd


def layer_norm_backward(gy, x, mean, rstd, weight, n):
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


def adam_step(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
    """One Adam (or AdamW, decoupled=True) update of arrays p, m, v (and vmax for amsgrad) in place.

    The arithmetic is torch's single-tensor Adam step, operation by operation, in p's dtype.
    """
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
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    denom = xp.sqrt(v) / t(math.sqrt(1 - beta2 ** step))
    denom += t(eps)
    p += (m * t(-lr / (1 - beta1 ** step))) / denom


def cross_entropy(x, target, weight, ignore_index, smoothing):
    """Per-sample cross-entropy parts of (rows, C) logits: the NLL term, the smoothing term, and each
    sample's weight (0 where ignored); also the softmax, kept for the backward."""
    rows = xp.arange(x.shape[0])
    logp = log_softmax(x, -1)
    keep = target != ignore_index
    safe = xp.where(keep, target, 0)
    w = keep.astype(x.dtype) if weight is None else weight[safe] * keep
    nll = -logp[rows, safe] * w
    smooth = None
    if smoothing:
        smooth = -(logp.sum(-1) if weight is None else (logp * weight).sum(-1)) * keep
    return nll, smooth, w, logp


def cross_entropy_backward(g, logp, target, weight, w, ignore_index, smoothing):
    """d/dx of sum_i g_i [(1-s) nll_i + s/C smooth_i] for per-sample upstream gradients g (rows,)."""
    c = logp.shape[-1]
    p = xp.exp(logp)
    keep = target != ignore_index
    safe = xp.where(keep, target, 0)
    rows = xp.arange(logp.shape[0])
    gx = p * ((1 - smoothing) * w * g)[:, None]
    gx[rows, safe] -= (1 - smoothing) * w * g
    if smoothing:
        total = float(c) if weight is None else weight.sum()
        k = (smoothing / c) * keep * g
        gx += p * (k * total)[:, None]
        gx -= k[:, None] * (1 if weight is None else weight)
    return gx


# ---- two-thread splits for large arrays ----------------------------------------------------------
# NumPy runs one ufunc or reduction on one core; it releases the GIL meanwhile, so halves of a
# large array can be computed by two threads at once (torch likewise splits such work over cores).
# Threads are started per call and joined before returning, so nothing outlives a fork.

PARALLEL_MIN = 1 << 21  # elements: below this a second thread costs more than it saves


def _threads() -> int:
    import os
    return min(os.cpu_count() or 1, 4)


def _run_split(fn, n):
    """fn(start, stop) over `_threads()` contiguous ranges of range(n), in parallel; their results in order."""
    import threading
    parts = _threads()
    bounds = [n * i // parts for i in range(parts + 1)]
    results = [None] * parts

    def work(i):
        results[i] = fn(bounds[i], bounds[i + 1])
    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, parts)]
    for t in threads:
        t.start()
    work(0)
    for t in threads:
        t.join()
    return results


def _splittable(x) -> bool:
    return x.size >= PARALLEL_MIN and x.flags.c_contiguous and _threads() > 1


def elementwise(f, *arrays):
    """f(*arrays) for an elementwise f of same-shape arrays, computed on parts in parallel when large."""
    x = arrays[0]
    if x.ndim == 0 or not all(_splittable(a) and a.shape == x.shape for a in arrays):
        return f(*arrays)
    flats = [a.reshape(-1) for a in arrays]
    out = xp.empty(x.size, dtype=f(*[a[:1] for a in flats]).dtype)

    def part(a, b):
        out[a:b] = f(*[flat[a:b] for flat in flats])
    _run_split(part, x.size)
    return out.reshape(x.shape)


_REDUCERS = {"sum": xp.add.reduce, "max": xp.maximum.reduce, "min": xp.minimum.reduce}


def reduce(op, x, axes, keepdims, dtype=None):
    """sum/max/min of x over `axes`: over everything or over the last axis, large inputs are split
    between threads (partial results are then combined)."""
    whole = axes == tuple(range(x.ndim))
    last = axes == (x.ndim - 1,)
    if x.ndim == 0 or not (whole or last) or not _splittable(x) or (not whole and x.shape[0] < 2 * _threads()):
        if op == "sum":
            return x.sum(axis=axes, keepdims=keepdims, dtype=dtype)
        return (x.max if op == "max" else x.min)(axis=axes, keepdims=keepdims)
    reducer = _REDUCERS[op]
    if whole:
        flat = x.reshape(-1)
        parts = _run_split(lambda a, b: reducer(flat[a:b], dtype=dtype) if op == "sum" else reducer(flat[a:b]),
                           flat.size)
        total = reducer(xp.asarray(parts))
        return total.reshape((1,) * x.ndim) if keepdims else total
    rows = x.reshape(-1, x.shape[-1])
    out = xp.empty(rows.shape[0], dtype=dtype or x.dtype)

    def part(a, b):
        if op == "sum":
            reducer(rows[a:b], axis=1, dtype=dtype, out=out[a:b])
        else:
            reducer(rows[a:b], axis=1, out=out[a:b])
    _run_split(part, rows.shape[0])
    out = out.reshape(x.shape[:-1])
    return out[..., None] if keepdims else out


def rowwise(kernel, axis, *arrays):
    """kernel(*arrays, axis) for a kernel that works row by row along `axis`: when that is the last
    axis of large inputs, blocks of rows go to threads in parallel."""
    x = arrays[0]
    if axis != x.ndim - 1 or x.ndim < 2 or not all(_splittable(a) and a.shape == x.shape for a in arrays):
        return kernel(*arrays, axis)
    blocks = [a.reshape(-1, x.shape[-1]) for a in arrays]
    if blocks[0].shape[0] < 2 * _threads():
        return kernel(*arrays, axis)
    out = xp.empty(blocks[0].shape, dtype=x.dtype)

    def part(a, b):
        out[a:b] = kernel(*[blk[a:b] for blk in blocks], 1)
    _run_split(part, blocks[0].shape[0])
    return out.reshape(x.shape)
