"""The CPU backend: NumPy as `xp`, SciPy's erf when present, and large elementwise ops, reductions
and row-wise kernels split between threads. Everything else is `ArrayBackend`'s composite."""
import math
import os
import threading

import numpy as np
import numpy as xp

from . import blocked_conv as _blocked_conv
from . import cpu_kernels
from ..fma import fma
from .base import ArrayBackend, channel_axes
from .workspace import Workspace

# torch computes inf/nan silently; NumPy would warn on every such element.
xp.seterr(all="ignore")


from . import special_numpy as _special  # noqa: E402

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


def _erf(x):
    """The error function, elementwise."""
    if _scipy_erf is not None:
        return _scipy_erf(x).astype(x.dtype, copy=False)
    return erf_numpy(x)


# A float32 rational approximation of erf on [-4, 4] (the one Eigen and XLA use): erf(x) = x P(x^2) / Q(x^2),
# at most 4.5e-7 from the true value, and +-1 beyond. It is several times faster than SciPy's
# double-precision erf, so float32 GELU uses it (fused with the rest of GELU, block by block);
# the erf op itself keeps SciPy's correctly rounded values.
_ERF_P = np.array([-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
                   -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02], dtype=np.float32)
_ERF_Q = np.array([-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
                   -1.42647390514189e-02], dtype=np.float32)
_ERF_BLOCK = 1 << 15  # elements per pass: the temporaries stay in the core's cache


def _erf_block(v, out, p, q, x2):
    """out = erf(v) for one float32 block (p, q, x2: scratch of v's size)."""
    np.clip(v, -4, 4, out=out)
    np.multiply(out, out, out=x2)
    p.fill(_ERF_P[0])
    for a in _ERF_P[1:]:
        p *= x2
        p += a
    q.fill(_ERF_Q[0])
    for b in _ERF_Q[1:]:
        q *= x2
        q += b
    p *= out
    np.divide(p, q, out=out)
    np.copyto(out, np.sign(v), where=np.abs(v) >= 4)  # +-1 exactly, as float32's erf rounds there
    np.copyto(out, v, where=v != v)                    # NaN stays NaN


def _blocks(fn, x, *others):
    """fn(out, scratch, x_block, *other_blocks) over cache-sized blocks of float32 arrays shaped like x."""
    flats = [np.ascontiguousarray(a).reshape(-1) for a in (x,) + others]
    out = np.empty_like(flats[0])
    scratch = np.empty((4, min(out.size, _ERF_BLOCK)), dtype=np.float32)
    for start in range(0, out.size, _ERF_BLOCK):
        stop = min(start + _ERF_BLOCK, out.size)
        fn(out[start:stop], scratch[:, :stop - start], *[f[start:stop] for f in flats])
    return out.reshape(x.shape)


def _gelu_float32(out, tmp, v):
    """out = 0.5 v (1 + erf(v / sqrt 2))."""
    np.multiply(v, np.float32(1 / math.sqrt(2)), out=tmp[3])
    _erf_block(tmp[3], out, tmp[0], tmp[1], tmp[2])
    out += 1
    out *= v
    out *= np.float32(0.5)
    np.copyto(out, np.float32("nan"), where=v == np.inf)  # torch's float32 kernel gives NaN at +inf


def _gelu_backward_float32(out, tmp, g, v):
    """out = g (Phi(v) + v phi(v)), Phi the normal CDF by erf, phi its density."""
    np.multiply(v, np.float32(1 / math.sqrt(2)), out=tmp[3])
    _erf_block(tmp[3], out, tmp[0], tmp[1], tmp[2])
    out += 1
    out *= np.float32(0.5)                       # Phi(v)
    np.multiply(v, v, out=tmp[0])
    tmp[0] *= np.float32(-0.5)
    np.exp(tmp[0], out=tmp[0])
    tmp[0] *= v
    tmp[0] *= np.float32(1 / math.sqrt(2 * math.pi))  # v phi(v)
    out += tmp[0]
    out *= g


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


def _erfinv(x):
    """The inverse error function, elementwise (nan outside [-1, 1])."""
    if _scipy_erfinv is not None:
        return _scipy_erfinv(x).astype(x.dtype, copy=False)
    return erfinv_numpy(x)


# ---- two-thread splits for large arrays ----------------------------------------------------------
# NumPy runs one ufunc or reduction on one core; it releases the GIL meanwhile, so halves of a
# large array can be computed by two threads at once (torch likewise splits such work over cores).
# The helper threads are kept waiting between calls (starting one costs about 100 µs, a twentieth
# of a 1e7-element sum); a forked child (a DataLoader worker) starts its own when it needs them.

PARALLEL_MIN = 1 << 21  # elements: below this a second thread costs more than it saves
_WORKER_NAME = "minitorch-split"
_workers = None
_thread_count = None  # set by set_num_threads; None: the default below


def _threads() -> int:
    return _thread_count or min(os.cpu_count() or 1, 4)


def set_num_threads(num: int) -> None:
    """Threads for the CPU's work: the parts a large array is split into, and BLAS's thread pool
    (matmul, convolution), as torch.set_num_threads sets its intra-op pool."""
    global _thread_count, _workers
    n = num
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    if _workers is not None and n != _threads():
        _workers.shutdown(wait=False)  # the kept helpers were sized for the old count
        _workers = None
    _thread_count = n
    from threadpoolctl import threadpool_limits
    threadpool_limits(n, user_api="blas")


def get_num_threads() -> int:
    return _threads()


def _pool():
    global _workers
    if _workers is None:
        from concurrent.futures import ThreadPoolExecutor
        _workers = ThreadPoolExecutor(_threads() - 1, thread_name_prefix=_WORKER_NAME)
    return _workers


_forked = False  # in a child forked from this process


def _forget_workers():
    global _workers, _forked
    _workers = None  # the parent's threads do not exist in a forked child
    _forked = True


def kernel_threads() -> int:
    """Threads an OpenMP kernel may run (`cpu_kernels._OPENMP`): one in a forked child (GNU OpenMP hangs
    there if the parent ran a team; a DataLoader worker runs on one thread, as torch's do) and inside a
    part of a split, the configured count elsewhere."""
    if _forked or threading.current_thread().name.startswith(_WORKER_NAME):
        return 1
    return _threads()


os.register_at_fork(after_in_child=_forget_workers)


def _run_split(fn, n):
    """fn(start, stop) over `_threads()` contiguous ranges of range(n), in parallel; their results in order."""
    parts = _threads()
    if threading.current_thread().name.startswith(_WORKER_NAME):
        parts = 1  # already a part of a split: never wait on the pool from inside it
    bounds = [n * i // parts for i in range(parts + 1)]
    results = [None] * parts

    def work(i):
        results[i] = fn(bounds[i], bounds[i + 1])
    pending = [_pool().submit(work, i) for i in range(1, parts)]
    work(0)
    for p in pending:
        p.result()
    return results


def _splittable(x) -> bool:
    return x.size >= PARALLEL_MIN and x.flags.c_contiguous and _threads() > 1


def _elementwise(f, *arrays):
    """f(*arrays) for an elementwise f of same-shape arrays, computed on parts in parallel when large."""
    x = arrays[0]
    if x.size < PARALLEL_MIN or x.ndim == 0 or not all(_splittable(a) and a.shape == x.shape for a in arrays):
        return f(*arrays)
    flats = [a.reshape(-1) for a in arrays]
    out = xp.empty(x.size, dtype=f(*[a[:1] for a in flats]).dtype)

    def part(a, b):
        out[a:b] = f(*[flat[a:b] for flat in flats])
    _run_split(part, x.size)
    return out.reshape(x.shape)


_REDUCERS = {"sum": xp.add.reduce, "max": xp.maximum.reduce, "min": xp.minimum.reduce}


# elements from which ReLU's kernels beat NumPy: below, the ctypes call costs more than they save
# (GELU's kernel always wins: its NumPy form is thirty passes)
NATIVE_ELEMENTWISE_MIN = 1 << 12


# elements from which a C kernel's work is split between threads: its calls release the GIL, so the split
# pays off sooner than for NumPy code (the pool's hand-over costs about 60 µs)
NATIVE_PARALLEL_MIN = 1 << 19


def _native_elementwise(kernel, *arrays):
    """A C kernel(*inputs, out, n) over same-shape float32 arrays, on parts in parallel when large."""
    dense = [np.ascontiguousarray(a) for a in arrays]
    out = np.empty(arrays[0].shape, dtype=np.float32)
    n = out.size
    if n < NATIVE_PARALLEL_MIN or _threads() == 1:  # one call: no closure, no split
        kernel(*[cpu_kernels.pointer(a) for a in dense], cpu_kernels.pointer(out), n)
        return out

    def part(a, b):
        kernel(*[cpu_kernels.pointer(d, a) for d in dense], cpu_kernels.pointer(out, a), b - a)
    _run_split(part, n)
    return out


def _batch_norm_library(x, *others):
    """The batch-norm kernels for a non-empty row-major float32 (N, C, *) x and float32 companions, else None."""
    if x.dtype != np.float32 or x.ndim < 2 or x.size == 0 or not x.flags.c_contiguous:
        return None
    if any(a.dtype != np.float32 or (a.ndim and not a.flags.c_contiguous) for a in others):
        return None
    return cpu_kernels.load("batch_norm")


def _plane_statistics(x, n: int, c: int, m: int):
    """batch_norm_stats as torch's kernel takes them for planes of more than one element: each channel's values
    summed one after another in float64 (so that float64 input rounds as in torch), the differences and squares in
    x's dtype."""
    per_channel = x.reshape(n, c, m).transpose(1, 0, 2).reshape(c, n * m)
    mean = (np.cumsum(per_channel, axis=1, dtype=np.float64)[:, -1] / (n * m)).astype(x.dtype)
    centred = per_channel - mean[:, None]
    centred *= centred
    return mean, np.cumsum(centred, axis=1, dtype=np.float64)[:, -1].astype(x.dtype)


def _row_statistics(x, threads: int):
    """batch_norm_stats of an (N, C) array as torch's kernel takes it when each plane is one element (the NumPy
    reference of kernels/cpu/batch_norm.c's batch_norm_stats_rows_f32, which says how): row ranges summed in x's
    dtype, Σ (x - mean)² as fused multiply-adds, the ranges' sums added in float64."""
    n, c = x.shape
    if n <= threads and not (threads == 1 or c <= 16 or c > 2048):
        return _plane_statistics(x, n, c, 1)
    ranges = n > threads
    chunk = -(-n // threads) if ranges else n
    parts = [x[start:start + chunk] for start in range(0, n, chunk)]
    sums = np.stack([np.cumsum(part, axis=0, dtype=x.dtype)[-1] for part in parts])  # cumsum: in row order
    mean = (sums.sum(axis=0, dtype=np.float64) / n).astype(x.dtype) if ranges else sums[0] / x.dtype.type(n)
    squares = np.zeros((len(parts), c), x.dtype)
    for k, part in enumerate(parts):
        for row in part:
            d = row - mean
            squares[k] = fma(d, d, squares[k], x.dtype)
    return mean, squares.sum(axis=0, dtype=np.float64).astype(x.dtype)


def _channel_layout(x):
    """(N, C, M) of an (N, C, *) array, M the elements of a channel's plane."""
    n, c = x.shape[:2]
    return n, c, x.size // (n * c)


def _over_range(part, count: int, work: int) -> None:
    """part(first, last) over range(count) (channels, planes, rows), split between threads when the
    work (elements touched) is large."""
    if work < NATIVE_PARALLEL_MIN or _threads() == 1 or count < 2:
        part(0, count)
    else:
        _run_split(part, count)


def _is_depthwise(x, w, b, groups) -> bool:
    """A float32 convolution of each channel with a kernel of its own (groups = channels = outputs)."""
    return (groups == x.shape[1] == w.shape[0] and w.shape[1] == 1 and x.dtype == np.float32
            and w.dtype == np.float32 and (b is None or b.dtype == np.float32))


def _over_planes(kernel, planes, work, pointers, sizes):
    """kernel(*pointers, first, last, *sizes) over the (n, c) planes, split between threads when the
    work (elements touched) is large. A kernel returning nonzero could not allocate its buffers."""
    def part(first, last):
        if kernel(*pointers, first, last, *sizes):
            raise MemoryError("the depthwise convolution kernel could not allocate its working buffers")
    _over_range(part, planes, work)


def _depthwise_sizes(shape, w, s, p, d, out_hw):
    """The kernels' size arguments after the plane range: channels, the input's height and width, the
    kernel's, then stride, padding, dilation and the output's height and width."""
    return (shape[1], *shape[2:], *w.shape[2:], *s, *p, *d, *out_hw)


def _depthwise_conv2d(library, x, w, b, s, p, d, out_hw):
    """The C kernel's depthwise convolution (bias included)."""
    ptr = cpu_kernels.pointer
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    bias = None if b is None else ptr(np.ascontiguousarray(b))
    y = np.empty(x.shape[:2] + tuple(out_hw), dtype=np.float32)
    _over_planes(library.depthwise_conv2d_f32, x.shape[0] * x.shape[1], y.size * w[0].size,
                 (ptr(x), ptr(w), bias, ptr(y)), _depthwise_sizes(x.shape, w, s, p, d, out_hw))
    return y


DEPTHWISE_CHANNELS_LAST_MAX_PLANE = 16 * 16  # output positions per plane at most for the channels-last gradients


def _channels_last_padded(a, cp):
    """a (N, C, H, W) as (N, H, W, cp), its channels padded with zeros to cp."""
    out = np.zeros(a.shape[:1] + a.shape[2:] + (cp,), np.float32)
    out[..., :a.shape[1]] = a.transpose(0, 2, 3, 1)
    return out


def _depthwise_channels_last(kernel, first, second, out_shape, w, s, p, d, out_hw, input_shape):
    """kernel over the vectors of 16 channels of channels-last copies of `first` and `second` (N, C, *), into a
    zeroed `out_shape` (the channel count replaced by the padded one), split between threads."""
    cp = -(-input_shape[1] // 16) * 16
    a, b = _channels_last_padded(first, cp), second if second.ndim == 2 else _channels_last_padded(second, cp)
    out = np.zeros(out_shape[:-1] + (cp,), np.float32)
    ptr = cpu_kernels.pointer
    sizes = (input_shape[0], cp, *input_shape[2:], *w.shape[2:], *s, *p, *d, *out_hw)
    _over_range(lambda v0, v1: kernel(ptr(a), ptr(b), ptr(out), v0, v1, *sizes), cp // 16,
                math.prod(out_hw) * input_shape[0] * cp * w[0].size)
    return out


def _depthwise_input_grad(library, gy, shape, w, s, p, d):
    if gy.shape[2] * gy.shape[3] <= DEPTHWISE_CHANNELS_LAST_MAX_PLANE:
        cp = -(-shape[1] // 16) * 16
        taps = np.zeros((w.shape[2] * w.shape[3], cp), np.float32)
        taps[:, :shape[1]] = w.reshape(shape[1], -1).T
        gx = _depthwise_channels_last(library.depthwise_conv2d_input_grad_cl_f32, gy, taps,
                                      (shape[0], shape[2], shape[3], 0), w, s, p, d, gy.shape[2:], shape)
        return np.ascontiguousarray(gx[..., :shape[1]].transpose(0, 3, 1, 2))
    ptr = cpu_kernels.pointer
    gy, w = np.ascontiguousarray(gy), np.ascontiguousarray(w)
    gx = np.empty(shape, dtype=np.float32)
    _over_planes(library.depthwise_conv2d_input_grad_f32, shape[0] * shape[1], gy.size * w[0].size,
                 (ptr(gy), ptr(w), ptr(gx)), _depthwise_sizes(shape, w, s, p, d, gy.shape[2:]))
    return gx


def _depthwise_weight_grad(library, gy, x, w, s, p, d):
    if gy.shape[2] * gy.shape[3] <= DEPTHWISE_CHANNELS_LAST_MAX_PLANE:
        gw = _depthwise_channels_last(library.depthwise_conv2d_weight_grad_cl_f32, x, gy,
                                      (w.shape[2] * w.shape[3], 0), w, s, p, d, gy.shape[2:], x.shape)
        return np.ascontiguousarray(gw[:, :x.shape[1]].T).reshape(w.shape)
    ptr = cpu_kernels.pointer
    gy, x = np.ascontiguousarray(gy), np.ascontiguousarray(x)
    n, c = x.shape[:2]
    per_plane = np.empty((n, c) + w.shape[2:], dtype=np.float32)
    _over_planes(library.depthwise_conv2d_weight_grad_f32, n * c, gy.size * w[0].size,
                 (ptr(x), ptr(gy), ptr(per_plane)), _depthwise_sizes(x.shape, w, s, p, d, gy.shape[2:]))
    return per_plane.sum(axis=0).reshape(w.shape)


def _tap_offsets(k, d, wp, reverse=False):
    """The offsets in a flat input (_image_planes') of a (kh, kw) kernel's taps, row by row
    (last first when `reverse`)."""
    offsets = [i * d[0] * wp + j * d[1] for i in range(k[0]) for j in range(k[1])]
    return np.array(offsets[::-1] if reverse else offsets, dtype=np.int64)


def _image_planes(x, k, p, d, spare=0):
    """x (N, C, H, W) padded by p, each image's channel planes flat, (N, C, Hp*Wp + tail): zeros after each
    plane for the last tap's reach and `spare` more; with Wp and the output height and width."""
    n, c, h, w = x.shape
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    reach = (k[0] - 1) * d[0] * wp + (k[1] - 1) * d[1]
    flat = np.zeros((n, c, hp * wp + reach + spare), dtype=np.float32)
    flat[:, :, :hp * wp].reshape(n, c, hp, wp)[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    return flat, wp, (hp - d[0] * (k[0] - 1), wp - d[1] * (k[1] - 1))


def _direct_conv2d(library, x, weights, k, p, d, reverse=False):
    """The C kernel's stride-1, ungrouped float32 convolution (no bias) of x (N, C, H, W) padded by p, for
    weights (kh*kw, C, O) at the taps of a (kh, kw) kernel dilated by d, taken in order (in reverse
    for a flipped kernel's, which the input gradient reads); split by blocks of output positions."""
    flat, wp, (ho, wo) = _image_planes(x, k, p, d, spare=library.conv2d_direct_spare())
    n, o = x.shape[0], weights.shape[2]
    weights, offsets = np.ascontiguousarray(weights), _tap_offsets(k, d, wp, reverse)
    y = np.empty((n, o, ho, wo), np.float32)
    ptr = cpu_kernels.pointer
    sizes = (x.shape[1], o, len(offsets), flat[0].size, wp, ho, wo)
    def part(i0, i1):
        if library.conv2d_direct_f32(ptr(flat), flat.shape[2], ptr(weights), ptr(offsets), ptr(y), *sizes, i0, i1):
            raise MemoryError("the convolution kernel could not allocate its buffer of sums")
    block = library.conv2d_direct_spare()
    _over_range(part, n * -(-(ho * wp) // block), y.size * weights[..., 0].size)
    return y


def _direct_conv2d_weight(library, x, gy, k, p, d):
    """The C kernel's weight gradient of a stride-1, ungrouped float32 convolution, (O, C, kh, kw): each
    weight's sum over the output positions in order, as torch's kernel takes it on one thread; split
    between threads by tiles of weights, so the result does not depend on the thread count."""
    flat, wp, (ho, wo) = _image_planes(x, k, p, d)
    gy = np.ascontiguousarray(gy)
    n, o, c = gy.shape[0], gy.shape[1], x.shape[1]
    lanes, tile = library.conv2d_weight_direct_lanes(), library.conv2d_weight_direct_tile()
    offsets = (np.arange(c, dtype=np.int64)[:, None] * flat.shape[2] + _tap_offsets(k, d, wp)).reshape(-1)
    taps = len(offsets)
    gw = np.empty((taps, -(-o // lanes) * lanes), np.float32)  # (taps, O padded to whole vectors)
    ptr = cpu_kernels.pointer

    def part(t0, t1):
        if library.conv2d_weight_direct_f32(ptr(flat), ptr(offsets), ptr(gy), ptr(gw), o, n, flat[0].size,
                                            wp, ho, wo, t0 * tile, min(t1 * tile, taps)):
            raise MemoryError("the convolution weight-gradient kernel could not allocate its row buffer")
    _over_range(part, -(-taps // tile), gy.size * taps)
    return np.ascontiguousarray(gw[:, :o].T).reshape(o, c, *k)


NATIVE_SUM_MIN = 1 << 12  # elements: below this NumPy's sum costs less than a ctypes call


def _native_reduce(op, x, whole, keepdims):
    """A float32 sum over everything or over the last axis of contiguous x, or the rows' max or min, with the C
    kernels (sums in float64 partials, rounded once; NaN propagates to max and min), or None where they do not
    apply. Large inputs are shared between threads inside the kernel."""
    library = cpu_kernels.load("sum")
    if library is None or x.size < NATIVE_SUM_MIN or not x.flags.c_contiguous or (op != "sum" and whole):
        return None
    threads = kernel_threads() if x.size >= NATIVE_PARALLEL_MIN else 1
    if whole:
        partial = np.empty(library.sum_blocks(x.size))
        total = np.float32(library.sum_f32(cpu_kernels.pointer(x), x.size, cpu_kernels.pointer(partial), threads))
        return np.full((1,) * x.ndim, total) if keepdims else total
    cols = x.shape[-1]
    out = np.empty(x.shape[:-1] + (1,) if keepdims else x.shape[:-1], dtype=np.float32)
    rows = out.size
    if op == "sum":
        library.sum_rows_f32(cpu_kernels.pointer(x), cpu_kernels.pointer(out), rows, cols, threads)
    else:
        library.extreme_rows_f32(cpu_kernels.pointer(x), cpu_kernels.pointer(out), rows, cols, op == "max", threads)
    return out


def _reduce(op, x, axes, keepdims, dtype=None):
    """sum/max/min of x over `axes`: over everything or over the last axis, float32 inputs go to the C
    kernels and other large inputs are split between threads (partial results are then combined)."""
    whole = axes == tuple(range(x.ndim))
    last = axes == (x.ndim - 1,)
    if x.dtype == np.float32 and dtype in (None, np.float32) and x.ndim and (whole or last):
        native = _native_reduce(op, x, whole, keepdims)
        if native is not None:
            return native
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


def _rowwise(kernel, axis, *arrays):
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


class NumpyBackend(ArrayBackend):
    """The CPU backend."""

    name = "numpy"
    xp = xp
    ndarray = xp.ndarray
    as_scalar = staticmethod(xp.asarray)
    matmul = staticmethod(xp.matmul)

    erf = staticmethod(_erf)
    erfc = staticmethod(_special.erfc)
    lgamma = staticmethod(_special.lgamma)
    digamma = staticmethod(_special.digamma)
    polygamma = staticmethod(_special.polygamma)
    zeta = staticmethod(_special.zeta)

    def __init__(self):
        self.workspace = Workspace()

    def scratch(self, shape, dtype):
        return self.workspace.empty(shape, dtype)

    def release(self, array):
        self.workspace.give_back(array)

    # Stride-1, ungrouped convolutions straight from the padded input, never holding a full column matrix:
    # float32 through the direct C kernels (kernels/cpu/conv.c, torch's roundings for the course's layers),
    # other dtypes in cache-sized blocks of output positions (blocked_conv.py); False falls back to the
    # columns of the base backend.
    blocked_conv = True
    # ... when a window holds fewer values than this (input channels × kernel taps), or, for the C kernels,
    # when the weights fit in a core's L2 cache: the kernels stream all of a layer's weights once per block
    # of output positions, which keeps pace from L2 but not from further out. Otherwise one GEMM over im2col
    # columns is faster: for wide windows in NumPy's blocks (3 × 3 layers of 64 to 512 channels: 1.1-1.5x
    # forward, 1.3-1.6x backward), and for the C kernels with ResNet's 256- and 512-channel layers (2.4 and
    # 9.4 MB of weights: 2-6x). ResNet's 64- and 128-channel layers run 1.3-1.6x faster direct than as GEMMs.
    BLOCKED_CONV_MAX_WINDOW = 128
    DIRECT_CONV_MAX_WEIGHT_BYTES = 1 << 20

    def _blocked(self, x, w, s, groups) -> bool:
        """Whether a convolution runs without im2col columns (see above)."""
        if not (self.blocked_conv and s == (1, 1) and groups == 1):
            return False
        if w.shape[1] * w.shape[2] * w.shape[3] < self.BLOCKED_CONV_MAX_WINDOW:
            return True
        return self._direct_library(x, w) is not None and w.nbytes <= self.DIRECT_CONV_MAX_WEIGHT_BYTES

    def conv2d(self, x, w, b, s, p, d, groups, out_hw):
        if groups > 1 and _is_depthwise(x, w, b, groups):
            library = cpu_kernels.load("depthwise_conv")
            if library:
                return _depthwise_conv2d(library, x, w, b, s, p, d, out_hw), None  # no columns kept
        if not self._blocked(x, w, s, groups) or self.pointwise(w, s, p, groups):
            return super().conv2d(x, w, b, s, p, d, groups, out_hw)
        out = self._stride1_conv2d(x, w, p, d)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out, None  # no columns: the weight gradient is blocked too

    def conv2d_weight_grad(self, gy, x, w, columns, s, p, d, groups):
        if self.pointwise(w, s, p, groups):
            return super().conv2d_weight_grad(gy, x, w, columns, s, p, d, groups)
        if columns is None and groups == 1:
            library = self._direct_library(x, gy)
            if library:
                return _direct_conv2d_weight(library, x, gy, w.shape[2:], p, d)
            return _blocked_conv.conv2d_weight(x, gy, w.shape[2:], p, d)
        if columns is None:  # from the depthwise kernel, which kept no columns
            library = cpu_kernels.load("depthwise_conv")
            if library and gy.dtype == np.float32:
                return _depthwise_weight_grad(library, gy, x, w, s, p, d)
            columns = self.im2col(x, w.shape[2:], s, p, d, gy.shape[2:])
        return super().conv2d_weight_grad(gy, x, w, columns, s, p, d, groups)

    def conv2d_bias_grad(self, gy):
        library = cpu_kernels.load("conv") if gy.dtype == np.float32 else None
        if library is None:
            return super().conv2d_bias_grad(gy)
        gy, gb = np.ascontiguousarray(gy), np.empty(gy.shape[1], np.float32)  # summed in order, as torch sums it
        library.conv2d_bias_grad_f32(cpu_kernels.pointer(gy), cpu_kernels.pointer(gb), gy.shape[0], gy.shape[1],
                                     gy[0, 0].size)
        return gb

    def conv2d_input_grad(self, gy, shape, w, s, p, d, groups):
        k = w.shape[2:]
        library = self._direct_library(gy, w)
        within_reach = all(di * (ki - 1) >= pi for ki, pi, di in zip(k, p, d))
        if library and within_reach and self._blocked(gy, w, s, groups) and not self.pointwise(w, s, p, groups):
            # the flipped kernel's convolution of gy, its taps taken as torch takes them: last first
            c, o = shape[1], w.shape[0]
            pad = tuple(di * (ki - 1) - pi for ki, pi, di in zip(k, p, d))
            return _direct_conv2d(library, gy, w.transpose(2, 3, 0, 1).reshape(-1, o, c), k, pad, d, reverse=True)
        if groups > 1 and groups == shape[1] == w.shape[0] and w.shape[1] == 1 and w.dtype == np.float32 \
                and gy.dtype == np.float32:
            library = cpu_kernels.load("depthwise_conv")
            if library:
                return _depthwise_input_grad(library, gy, shape, w, s, p, d)
        return super().conv2d_input_grad(gy, shape, w, s, p, d, groups)

    def conv2d_stride1(self, x, w, p, d, out_hw):
        if not self._blocked(x, w, (1, 1), 1):
            return super().conv2d_stride1(x, w, p, d, out_hw)
        return self._stride1_conv2d(x, w, p, d)

    @staticmethod
    def _direct_library(x, w):
        """The direct convolution kernels for float32 x and w, else None."""
        return cpu_kernels.load("conv") if x.dtype == w.dtype == np.float32 else None

    def _stride1_conv2d(self, x, w, p, d):
        """A stride-1, ungrouped convolution without bias: the C kernel for float32, else NumPy's blocks."""
        library = self._direct_library(x, w)
        if library is None:
            return _blocked_conv.conv2d(x, w, p, d)
        return _direct_conv2d(library, x, w.transpose(2, 3, 1, 0).reshape(-1, w.shape[1], w.shape[0]), w.shape[2:], p, d)

    def unary(self, f, x):
        if x.size < PARALLEL_MIN:  # the common small case: no closure, no split
            return f(xp, x)
        return _elementwise(lambda a: f(xp, a), x)

    def relu(self, x):
        if x.dtype == np.float32 and x.size >= NATIVE_ELEMENTWISE_MIN:
            library = cpu_kernels.load("relu")
            if library:
                return _native_elementwise(library.relu_f32, x)
        return super().relu(x)

    def relu_backward(self, gy, y):
        if y.dtype == np.float32 and gy.dtype == np.float32 and gy.shape == y.shape \
                and y.size >= NATIVE_ELEMENTWISE_MIN:
            library = cpu_kernels.load("relu")
            if library:
                return _native_elementwise(library.relu_backward_f32, gy, y)
        return super().relu_backward(gy, y)

    def adam_step(self, p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
        arrays = [a for a in (p, g, m, v, vmax) if a is not None]
        library = cpu_kernels.load("adam")
        if library is None or not all(a.dtype == np.float32 and a.flags.c_contiguous for a in arrays):
            return super().adam_step(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, maximize)
        constants = (1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay,
                     -lr / (1 - beta1 ** step), math.sqrt(1 - beta2 ** step))
        flags = (int(decoupled), int(maximize), int(vmax is not None))
        ptr = cpu_kernels.pointer

        def part(a, b):
            library.adam_step_f32(ptr(p, a), ptr(g, a), ptr(m, a), ptr(v, a), None if vmax is None else ptr(vmax, a),
                                  b - a, *constants, *flags)
        _over_range(part, p.size, p.size)

    def batch_norm_stats(self, x):
        library = _batch_norm_library(x)
        n, c, m = _channel_layout(x) if x.ndim > 1 else (0, 0, 0)
        if m == 1 and x.flags.c_contiguous:  # one element per plane: torch reads x as channels-last
            rows = x.reshape(n, c)
            if library is None:
                return _row_statistics(rows, get_num_threads())
            mean, var_sum = np.empty(c, np.float32), np.empty(c, np.float32)
            buffer = np.empty((get_num_threads(), c), np.float32)
            library.batch_norm_stats_rows_f32(*map(cpu_kernels.pointer, (rows, mean, var_sum, buffer)), n, c,
                                              get_num_threads())
            return mean, var_sum
        if library is None:
            return _plane_statistics(x, n, c, m)
        mean, var_sum = np.empty(c, np.float32), np.empty(c, np.float32)
        _over_range(lambda c0, c1: library.batch_norm_stats_f32(
            cpu_kernels.pointer(x), cpu_kernels.pointer(mean), cpu_kernels.pointer(var_sum), n, c, m, c0, c1), c,
            x.size)
        return mean, var_sum

    def multiply_add(self, a, b, c):
        return fma(a, b, c, np.result_type(a, b, c))

    def batch_norm_apply(self, x, alpha, beta):
        library = _batch_norm_library(x, alpha, beta)
        if library is None:
            _, shape = channel_axes(x.ndim)
            return fma(x, alpha.reshape(shape), beta.reshape(shape), x.dtype)
        n, c, m = _channel_layout(x)
        y = np.empty(x.shape, np.float32)
        alpha, beta = np.ascontiguousarray(alpha), np.ascontiguousarray(beta)
        _over_range(lambda c0, c1: library.batch_norm_apply_f32(
            cpu_kernels.pointer(x), cpu_kernels.pointer(y), cpu_kernels.pointer(alpha), cpu_kernels.pointer(beta),
            n, c, m, c0, c1), c, x.size)
        return y

    def batch_norm_backward(self, g, x, mean, rstd, scale, batch_stats, input_grad):
        library = _batch_norm_library(x, g, mean, rstd, scale)
        if library is None:
            return super().batch_norm_backward(g, x, mean, rstd, scale, batch_stats, input_grad)
        n, c, m = _channel_layout(x)
        p = cpu_kernels.pointer
        mean, rstd, scale = (np.ascontiguousarray(a) for a in (mean, rstd, scale))
        g_sum, gxhat_sum = np.empty(c, np.float64), np.empty(c, np.float64)
        _over_range(lambda c0, c1: library.batch_norm_backward_reduce_f32(
            p(g), p(x), p(mean), p(rstd), p(g_sum), p(gxhat_sum), n, c, m, c0, c1), c, x.size)
        gx = None
        if input_grad:
            count = n * m
            kg = (g_sum / count).astype(np.float32)
            kx = (gxhat_sum / count).astype(np.float32)
            gx = np.empty(x.shape, np.float32)
            _over_range(lambda c0, c1: library.batch_norm_backward_input_f32(
                p(g), p(x), p(gx), p(mean), p(rstd), p(scale), p(kg), p(kx), int(bool(batch_stats)), n, c, m, c0,
                c1), c, x.size)
        return gx, g_sum.astype(np.float32), gxhat_sum.astype(np.float32)

    def _max_pool2d_windows(self, x, k, s, p, d, out_hw):
        library = cpu_kernels.load("max_pool") if x.dtype == np.float32 and x.size else None
        if library is None:
            return super()._max_pool2d_windows(x, k, s, p, d, out_hw)
        x = np.ascontiguousarray(x)
        n, c, h, w = x.shape
        vals = np.empty((n, c) + tuple(out_hw), np.float32)
        idx = np.empty((n, c) + tuple(out_hw), np.int64)
        _over_range(lambda p0, p1: library.max_pool2d_f32(
            cpu_kernels.pointer(x), cpu_kernels.pointer(vals), idx.ctypes.data, h, w, *out_hw, *k, *s, *p, *d, p0, p1),
            n * c, x.size)
        return vals, idx

    def max_pool2d_backward(self, gy, kept, shape):
        library = cpu_kernels.load("max_pool") if gy.dtype == np.float32 and isinstance(kept, np.ndarray) else None
        if library is None or not gy.size:
            return super().max_pool2d_backward(gy, kept, shape)
        gy, kept = np.ascontiguousarray(gy), np.ascontiguousarray(kept)
        gx = np.empty(shape, np.float32)
        hw, howo = shape[2] * shape[3], gy.shape[2] * gy.shape[3]
        _over_range(lambda p0, p1: library.max_pool2d_backward_f32(
            cpu_kernels.pointer(gy), kept.ctypes.data, cpu_kernels.pointer(gx), hw, howo, p0, p1),
            shape[0] * shape[1], gx.size)
        return gx

    def silu(self, x):
        library = cpu_kernels.load("silu") if x.dtype == np.float32 else None
        return _native_elementwise(library.silu_f32, x) if library else _elementwise(super().silu, x)

    def silu_backward(self, gy, x):
        library = cpu_kernels.load("silu") if x.dtype == np.float32 and gy.dtype == np.float32 else None
        if library and gy.shape == x.shape:
            return _native_elementwise(library.silu_backward_f32, gy, x)
        return super().silu_backward(gy, x)

    def gelu(self, x, approximate):
        """float32 erf-GELU by the C kernel (NumPy blocks without it), the rest by the composite; split
        between threads when large."""
        if approximate == "none" and x.dtype == np.float32:
            library = cpu_kernels.load("gelu")
            if library:
                return _native_elementwise(library.gelu_f32, x)
            return _elementwise(lambda v: _blocks(_gelu_float32, v), x)
        return _elementwise(lambda v: super(NumpyBackend, self).gelu(v, approximate), x)

    def gelu_backward(self, gy, x, approximate):
        if approximate == "none" and x.dtype == np.float32 and gy.dtype == np.float32:
            library = cpu_kernels.load("gelu")
            if library:
                return _native_elementwise(library.gelu_backward_f32, gy, x)
            return _elementwise(lambda g, v: _blocks(_gelu_backward_float32, g, v), gy, x)
        return _elementwise(lambda g, v: super(NumpyBackend, self).gelu_backward(g, v, approximate), gy, x)
    erfinv = staticmethod(_erfinv)
    floor_divide = staticmethod(xp.floor_divide)  # NumPy rounds through fmod as torch does
    remainder = staticmethod(xp.remainder)
    elementwise = staticmethod(_elementwise)
    reduce = staticmethod(_reduce)
    rowwise = staticmethod(_rowwise)


backend = NumpyBackend()
