"""The CUDA backend: CuPy as `xp`, with the hand-written kernels of `kernels/*.cu`.

Every kernel of `ArrayBackend` runs here unchanged on CuPy arrays (the composite path); where a
hand-written kernel exists and applies (float32, contiguous), it runs instead:

    softmax / log_softmax (+ backward)   softmax.cu        one block per row
    gelu (+ backward)                    gelu.cu           grid-stride
    layer_norm (+ backward)              layer_norm.cu     one block per row; a column pass for
                                                           the weight and bias gradients
    nll_loss (+ backward)                nll_loss.cu       grid-stride over rows / over elements
    adam_step                            adam.cu           grid-stride, in place
    im2col / col2im                      im2col.cu         one thread per column entry / pixel
    max_pool2d / avg_pool2d (+ backward) pool.cu           one thread per output / pixel
    embedding_backward                   embedding.cu      atomic scatter-add
    bernoulli draws (dropout)            philox.cu         grid-stride over blocks of four numbers

`MINITORCH_KERNELS=off` turns the hand-written kernels off (the composites then run everywhere).
With `MINITORCH_EMULATE_CUDA=1` the backend runs on the emulated device: `xp` is
`emulated.cupy_standin.xp` (NumPy arrays that behave as device memory) and the kernels are the CPU builds
of the same sources, launched with the same grid and block sizes.
"""
from __future__ import annotations

import math
import os

import numpy as np

from .base import ArrayBackend
from .kernel_sources import kernels_enabled

ROW_THREADS = 256      # most threads of a one-block-per-row kernel (a power of two, for the tree)
THREADS = 256          # threads of a grid-stride kernel's block
MOST_BLOCKS = 1024     # grid-stride kernels loop, so a few waves of blocks fill any GPU
LN_TILE, LN_LANES = 32, 8  # layer-norm parameter gradients: columns and row lanes of a block (layer_norm.cu)
LN_MIN_CHUNK = 64      # rows a block of it sums at least


def emulated() -> bool:
    """Whether the CUDA device is the CPU emulation (MINITORCH_EMULATE_CUDA set)."""
    return os.environ.get("MINITORCH_EMULATE_CUDA", "").lower() not in ("", "0", "false", "off")


def gpu_cupy():
    """The cupy module when a GPU is usable, else None."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:  # no CuPy, no driver, or no device
        return None
    return None


def available() -> bool:
    """Whether a CUDA device can be used: a GPU through CuPy, or the emulated device."""
    return emulated() or gpu_cupy() is not None


def device_count() -> int:
    if emulated():
        return 1
    cp = gpu_cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def check_available() -> None:
    if not available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def check_index(index: int) -> int:
    if not 0 <= index < device_count():
        raise RuntimeError("CUDA error: invalid device ordinal")
    return index


def backend_for_index(index: int | None):
    """The backend computing on CUDA device `index` (torch's errors when there is none)."""
    check_available()
    check_index(index or 0)
    return backend()


def row_block(cols: int) -> int:
    """Threads for one row: the smallest power of two covering it, at most ROW_THREADS."""
    size = 1
    while size < min(cols, ROW_THREADS):
        size *= 2
    return size


def stride_grid(n: int) -> int:
    """Blocks of THREADS for a grid-stride loop over n elements."""
    return max(1, min(MOST_BLOCKS, -(-n // THREADS)))


class RawKernels:
    """`kernels/<name>.cu` compiled by NVRTC through cupy.RawModule, once per source, and each kernel's
    function looked up once (a launch then costs one dictionary read before the driver call)."""

    def __init__(self, cupy):
        self._cupy = cupy
        self._modules = {}
        self._functions = {}

    def __call__(self, source, kernel, grid, block, args):
        function = self._functions.get((source, kernel))
        if function is None:
            function = self._functions[(source, kernel)] = self._module(source).get_function(kernel)
        function((grid,), (block,), args)

    def _module(self, source):
        module = self._modules.get(source)
        if module is None:
            from .kernel_sources import KERNEL_SOURCES
            code = (KERNEL_SOURCES / f"{source}.cu").read_text()
            module = self._cupy.RawModule(code=code, options=("--std=c++17", f"-I{KERNEL_SOURCES}"))
            self._modules[source] = module
        return module


class DeviceGenerator:
    """The CUDA device's random numbers (torch's CUDA streams are not reproduced): Bernoulli draws, which
    dropout makes in every training step, come from the Philox kernel (`kernels/philox.cu`) with its seed and
    offset in device memory, so they need no host and a CUDA graph can capture them; the rest from CuPy's
    generator."""

    def __init__(self, xp, seed: int = 0, launch=None):
        self._xp = xp
        self._launch = launch
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self._seed = int(seed) % (1 << 32)
        self._state = self._xp.random.RandomState(self._seed)
        self._philox_state = self._xp.asarray(np.array([self._seed, 0], dtype=np.int64))  # seed, offset
        return self

    def _philox_uniform(self, n):
        """n float32 uniforms in [0, 1) from Philox, advancing the offset on the device by the blocks used."""
        u = self._xp.empty(n, dtype=np.float32)
        if n:
            self._launch("philox", "philox_uniform", stride_grid(-(-n // 4)), THREADS,
                         (u, np.int64(n), self._philox_state))
            self._philox_state[1:] += -(-n // 4)
        return u

    def initial_seed(self) -> int:
        return self._seed

    def _device(self, values, dtype):
        return self._xp.asarray(values).astype(dtype, copy=False)

    def _uniform(self, n, dtype):
        return self._device(self._state.random_sample(n), dtype)

    def _normal(self, n, dtype, mean=0.0, std=1.0, contiguous=True):
        return self._device(self._state.standard_normal(n) * std + mean, dtype)

    def _randint(self, n, low, high):
        return self._device(self._state.randint(low, high, size=n, dtype=np.int64), np.int64)

    def _randperm(self, n):
        return self._device(self._state.permutation(n), np.int64)

    def _bernoulli(self, n, p):
        if self._launch is None:  # kernels off: CuPy's generator through the host
            return self._device(self._state.random_sample(n) < p, np.float64)
        return (self._philox_uniform(n) < p).astype(np.float64)


class CupyBackend(ArrayBackend):
    """CuPy arrays; hand-written kernels where they apply."""

    name = "cupy"

    def __init__(self, xp, launch, special, memory_pool, gemm=None):
        self.xp = xp
        self.launch = launch                 # launch(source, kernel, grid, block, args)
        self.gemm = gemm                     # matrix products on minitorch's cuBLAS handle (backends/gemm.py)
        self.special = special               # erf / erfinv
        self.memory_pool = memory_pool
        self.uses_custom_kernels = kernels_enabled()
        self.generator = DeviceGenerator(xp, launch=launch if self.uses_custom_kernels else None)
        self.device_asserts = []             # (failed: a 0-d device bool, what) read at the next synchronisation

    # ---- device-side assertions ------------------------------------------------------------------

    def device_assert(self, failed, what: str) -> None:
        """torch's device-side assertion: a check on device data (a class index in range, ...) that does not stop
        the host to read the answer. `failed` is read at the next synchronisation (an `.item()`, a copy to the
        host, `cuda.synchronize()`), which then raises, as a CUDA kernel's failed assertion surfaces."""
        self.device_asserts.append((failed, what))

    def check_device_asserts(self) -> None:
        pending, self.device_asserts = self.device_asserts, []
        for failed, what in pending:
            if bool(failed):
                raise RuntimeError(f"CUDA error: device-side assert triggered ({what}). CUDA kernel errors might be "
                                   "asynchronously reported at some other API call, so the stacktrace below might "
                                   "be incorrect.")

    def matmul(self, a, b):
        gemm = self.gemm
        return gemm.matmul(a, b) if gemm is not None and gemm.applies(a, b) else a @ b

    def as_scalar(self, value, dtype):
        return self.xp.full((), value, dtype=dtype)

    def scalar(self, value, dtype):
        """A 0-d device array of `value` in `dtype`: filled by a kernel with the value as its parameter (a copy
        from the host would synchronise, and cannot be captured in a CUDA graph); the cast wraps on the host."""
        return self.xp.full((), np.array(value).astype(dtype)[()], dtype=dtype)

    def to_host(self, a):
        self.check_device_asserts()
        return self.xp.asnumpy(a)

    def from_host(self, a):
        return self.xp.asarray(a)

    def erf(self, x):
        return self.special.erf(x).astype(x.dtype, copy=False)

    def erfinv(self, x):
        return self.special.erfinv(x).astype(x.dtype, copy=False)

    def erfc(self, x):
        return self.special.erfc(x).astype(x.dtype, copy=False)

    def lgamma(self, x):
        return self.special.gammaln(x).astype(x.dtype, copy=False)

    def digamma(self, x):
        return self.special.digamma(x).astype(x.dtype, copy=False)

    def polygamma(self, n, x):
        return self.special.polygamma(n, x).astype(x.dtype, copy=False)

    def zeta(self, s, q):
        return self.special.zeta(s, q)

    # ---- helpers -----------------------------------------------------------------------------

    def _fits(self, *arrays) -> bool:
        """Whether the float32 kernels apply: kernels on and every (non-None) array float32."""
        return self.uses_custom_kernels and all(a is None or a.dtype == np.float32 for a in arrays)

    def _dense(self, a):
        return None if a is None else self.xp.ascontiguousarray(a)

    # ---- softmax / log_softmax ---------------------------------------------------------------

    def _softmax(self, x, axis, log):
        if not (self._fits(x) and axis == x.ndim - 1 and x.size):
            return (super().log_softmax if log else super().softmax)(x, axis)
        x = self._dense(x)
        y = self.xp.empty_like(x)
        cols = x.shape[-1]
        self.launch("softmax", "softmax_forward", x.size // cols, row_block(cols),
                    (x, y, np.int32(cols), np.int32(log)))
        return y

    def softmax(self, x, axis):
        return self._softmax(x, axis, False)

    def log_softmax(self, x, axis):
        return self._softmax(x, axis, True)

    def _softmax_backward(self, gy, y, axis, log):
        if not (self._fits(gy, y) and axis == y.ndim - 1 and y.size):
            return (super().log_softmax_backward if log else super().softmax_backward)(gy, y, axis)
        gy, y = self._dense(gy), self._dense(y)
        gx = self.xp.empty_like(y)
        cols = y.shape[-1]
        self.launch("softmax", "softmax_backward", y.size // cols, row_block(cols),
                    (gy, y, gx, np.int32(cols), np.int32(log)))
        return gx

    def softmax_backward(self, gy, y, axis):
        return self._softmax_backward(gy, y, axis, False)

    def log_softmax_backward(self, gy, y, axis):
        return self._softmax_backward(gy, y, axis, True)

    # ---- GELU ----------------------------------------------------------------------------------

    def gelu(self, x, approximate):
        if not (self._fits(x) and x.size):
            return super().gelu(x, approximate)
        x = self._dense(x)
        y = self.xp.empty_like(x)
        self.launch("gelu", "gelu_forward", stride_grid(x.size), THREADS,
                    (x, y, np.int64(x.size), np.int32(approximate == "tanh")))
        return y

    def gelu_backward(self, gy, x, approximate):
        if not (self._fits(gy, x) and x.size):
            return super().gelu_backward(gy, x, approximate)
        gy, x = self._dense(gy), self._dense(x)
        gx = self.xp.empty_like(x)
        self.launch("gelu", "gelu_backward", stride_grid(x.size), THREADS,
                    (gy, x, gx, np.int64(x.size), np.int32(approximate == "tanh")))
        return gx

    # ---- layer norm ----------------------------------------------------------------------------

    def layer_norm(self, x, weight, bias, n, eps):
        cols = math.prod(x.shape[x.ndim - n:])
        if not (self._fits(x, weight, bias) and x.size):
            return super().layer_norm(x, weight, bias, n, eps)
        xp = self.xp
        x, w, b = self._dense(x), self._dense(weight), self._dense(bias)
        rows = x.size // cols
        y = xp.empty_like(x)
        stats = x.shape[:x.ndim - n] + (1,) * n
        mean, rstd = xp.empty(stats, dtype=x.dtype), xp.empty(stats, dtype=x.dtype)
        self.launch("layer_norm", "layer_norm_forward", rows, row_block(cols),
                    (x, x if w is None else w, x if b is None else b, y, mean, rstd, np.int32(cols),
                     np.float32(eps), np.int32(w is not None), np.int32(b is not None)))
        return y, mean, rstd

    def layer_norm_backward(self, gy, x, mean, rstd, weight, n):
        if not (self._fits(gy, x, mean, rstd, weight) and x.size):
            return super().layer_norm_backward(gy, x, mean, rstd, weight, n)
        xp = self.xp
        gy, x, w = self._dense(gy), self._dense(x), self._dense(weight)
        mean, rstd = self._dense(mean), self._dense(rstd)
        cols = math.prod(x.shape[x.ndim - n:])
        rows = x.size // cols
        gx = xp.empty_like(x)
        self.launch("layer_norm", "layer_norm_backward_input", rows, row_block(cols),
                    (gy, x, x if w is None else w, mean, rstd, gx, np.int32(cols), np.int32(w is not None)))
        # weight and bias gradients: column sums over chunks of rows, enough blocks to fill the GPU
        tiles = -(-cols // LN_TILE)
        rows_per_chunk = max(LN_MIN_CHUNK, -(-rows // max(1, MOST_BLOCKS // tiles)))
        chunks = -(-rows // rows_per_chunk)
        partial = xp.empty((2, chunks, cols), dtype=x.dtype)
        self.launch("layer_norm", "layer_norm_backward_params", tiles * chunks, LN_TILE * LN_LANES,
                    (gy, x, mean, rstd, partial, np.int64(rows), np.int32(cols), np.int32(rows_per_chunk)))
        gw, gb = partial.sum(axis=1).reshape((2,) + x.shape[x.ndim - n:])
        return gx, (gw if weight is not None else None), gb

    # ---- negative log-likelihood -----------------------------------------------------------------

    def nll_loss(self, logp, target, weight, ignore_index):
        if not (self._fits(logp, weight) and target.dtype == np.int64 and logp.size):
            return super().nll_loss(logp, target, weight, ignore_index)
        xp = self.xp
        logp, target, weight = self._dense(logp), self._dense(target), self._dense(weight)
        rows, cols = logp.shape
        nll, w = xp.empty(rows, dtype=logp.dtype), xp.empty(rows, dtype=logp.dtype)
        self.launch("nll_loss", "nll_loss_forward", stride_grid(rows), THREADS,
                    (logp, target, logp if weight is None else weight, nll, w, np.int64(rows), np.int32(cols),
                     np.int64(ignore_index), np.int32(weight is not None)))
        return nll, w

    def nll_loss_backward(self, g, target, w, ignore_index, cols):
        if not (self._fits(g, w) and target.dtype == np.int64 and target.size and cols):
            return super().nll_loss_backward(g, target, w, ignore_index, cols)
        xp = self.xp
        g, target, w = self._dense(g), self._dense(target), self._dense(w)
        gx = xp.empty((target.shape[0], cols), dtype=w.dtype)
        self.launch("nll_loss", "nll_loss_backward", stride_grid(gx.size), THREADS,
                    (g, target, w, gx, np.int64(target.shape[0]), np.int32(cols), np.int64(ignore_index)))
        return gx

    # ---- Adam ----------------------------------------------------------------------------------

    def adam_step(self, p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
        arrays = (p, g, m, v, vmax)
        if not (self._fits(*arrays) and all(a is None or a.flags.c_contiguous for a in arrays)):
            return super().adam_step(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled,
                                     maximize)
        f = np.float32
        self.launch("adam", "adam_step", stride_grid(p.size), THREADS,
                    (p, g, m, v, m if vmax is None else vmax, np.int64(p.size), f(1 - beta1), f(beta2),
                     f(1 - beta2), f(eps), f(weight_decay), f(1 - lr * weight_decay), f(-lr / (1 - beta1 ** step)),
                     f(math.sqrt(1 - beta2 ** step)), np.int32(decoupled), np.int32(maximize),
                     np.int32(vmax is not None)))

    # ---- convolution windows -------------------------------------------------------------------

    def im2col(self, x, k, s, p, d, out_hw):
        if not (self._fits(x) and x.size):
            return super().im2col(x, k, s, p, d, out_hw)
        x = self._dense(x)
        n, c, h, w = x.shape
        cols = self.xp.empty((c * k[0] * k[1], n * out_hw[0] * out_hw[1]), dtype=x.dtype)
        if cols.size:
            self.launch("im2col", "im2col", stride_grid(cols.size), THREADS,
                        (x, cols, *map(np.int32, (n, c, h, w, *k, *s, *p, *d, *out_hw))))
        return cols

    def col2im(self, cols, shape, k, s, p, d, out_hw):
        if not (self._fits(cols) and math.prod(shape)):
            return super().col2im(cols, shape, k, s, p, d, out_hw)
        cols = self._dense(cols)
        img = self.xp.empty(shape, dtype=cols.dtype)
        self.launch("im2col", "col2im", stride_grid(img.size), THREADS,
                    (cols, img, *map(np.int32, (*shape, *k, *s, *p, *d, *out_hw))))
        return img

    # ---- pooling -------------------------------------------------------------------------------

    def _pool_geometry(self, shape, k, s, p, d, out_hw):
        n, c, h, w = shape
        return (np.int64(n * c), *map(np.int32, (h, w, *k, *s, *p, *d, *out_hw)))

    def max_pool2d(self, x, k, s, p, d, out_hw):
        if not (self._fits(x) and x.size):
            return super().max_pool2d(x, k, s, p, d, out_hw)
        xp = self.xp
        x = self._dense(x)
        y = xp.empty(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
        idx = xp.empty(y.shape, dtype=np.int64)
        self.launch("pool", "max_pool2d_forward", stride_grid(y.size), THREADS,
                    (x, y, idx, *self._pool_geometry(x.shape, k, s, p, d, out_hw)))
        return y, idx

    def max_pool2d_backward(self, gy, idx, shape):
        if not (self._fits(gy) and gy.size) or not isinstance(idx, self.xp.ndarray):  # kept halving choices
            return super().max_pool2d_backward(gy, idx, shape)
        gy, idx = self._dense(gy), self._dense(idx)
        gx = self.xp.zeros(shape, dtype=gy.dtype)
        n, c, h, w = shape
        self.launch("pool", "max_pool2d_backward", stride_grid(gy.size), THREADS,
                    (gy, idx, gx, np.int64(n * c), np.int32(h * w), np.int32(gy.shape[2] * gy.shape[3])))
        return gx

    def avg_pool2d(self, x, k, s, p, out_hw, count_include_pad, divisor_override):
        if not (self._fits(x) and x.size):
            return super().avg_pool2d(x, k, s, p, out_hw, count_include_pad, divisor_override)
        x = self._dense(x)
        y = self.xp.empty(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
        self.launch("pool", "avg_pool2d_forward", stride_grid(y.size), THREADS,
                    (x, y, *self._pool_geometry(x.shape, k, s, p, (1, 1), out_hw), np.int32(count_include_pad),
                     np.int32(divisor_override or 0)))
        return y

    def avg_pool2d_backward(self, gy, shape, k, s, p, count_include_pad, divisor_override):
        if not (self._fits(gy) and gy.size):
            return super().avg_pool2d_backward(gy, shape, k, s, p, count_include_pad, divisor_override)
        gy = self._dense(gy)
        gx = self.xp.empty(shape, dtype=gy.dtype)
        self.launch("pool", "avg_pool2d_backward", stride_grid(gx.size), THREADS,
                    (gy, gx, *self._pool_geometry(shape, k, s, p, (1, 1), gy.shape[2:]), np.int32(count_include_pad),
                     np.int32(divisor_override or 0)))
        return gx

    # ---- embedding -----------------------------------------------------------------------------

    def embedding_backward(self, gy, idx, num_weights, padding_idx, scale_grad_by_freq):
        if not (self._fits(gy) and idx.dtype == np.int64 and gy.size):
            return super().embedding_backward(gy, idx, num_weights, padding_idx, scale_grad_by_freq)
        xp = self.xp
        gy, flat = self._dense(gy), self._dense(idx).reshape(-1)
        counts = xp.bincount(flat, minlength=num_weights) if scale_grad_by_freq else flat
        gw = xp.zeros((num_weights, gy.shape[-1]), dtype=gy.dtype)
        self.launch("embedding", "embedding_backward", stride_grid(gy.size), THREADS,
                    (gy, flat, counts.astype(np.int64, copy=False), gw, np.int64(flat.size), np.int32(gy.shape[-1]),
                     np.int64(-1 if padding_idx is None else padding_idx), np.int32(scale_grad_by_freq)))
        return gw


_BACKEND = None


def backend() -> CupyBackend:
    """The CUDA backend (real or emulated), built on first use."""
    global _BACKEND
    if _BACKEND is None:
        _BACKEND = _emulated_backend() if emulated() else _real_backend()
    return _BACKEND


def _real_backend() -> CupyBackend:
    import cupy
    import cupyx.scipy.special
    from .gemm import real_gemm
    return CupyBackend(cupy, RawKernels(cupy), cupyx.scipy.special, cupy.get_default_memory_pool(), real_gemm(cupy))


def _emulated_backend() -> CupyBackend:
    from types import SimpleNamespace

    from . import numpy_backend
    from .emulated import cublas_standin, cupy_standin as emulated_cupy, kernels as emulated_kernels
    from .gemm import Gemm
    host = numpy_backend.backend
    special = SimpleNamespace(**{name: emulated_cupy.device_function(getattr(host, ours)) for name, ours in (
        ("erf", "erf"), ("erfinv", "erfinv"), ("erfc", "erfc"), ("gammaln", "lgamma"), ("digamma", "digamma"),
        ("polygamma", "polygamma"), ("zeta", "zeta"))})
    launch = emulated_kernels.launch if emulated_kernels.available() else None
    result = CupyBackend(emulated_cupy.xp, launch, special, emulated_cupy.memory_pool,
                         Gemm(emulated_cupy.xp, cublas_standin.Library()))
    result.uses_custom_kernels = result.uses_custom_kernels and launch is not None
    return result
