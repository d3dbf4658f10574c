"""minitorch.cuda: the CUDA device namespace.

The device is a real GPU through CuPy, or, with MINITORCH_EMULATE_CUDA=1, the emulated device
(the CUDA backend's code on NumPy arrays and CPU builds of the kernels). Without either, every
query answers as torch does on a CPU-only build, and moving a tensor to "cuda" raises torch's error.
"""
from __future__ import annotations

from ..device import current_cuda_index as _current, device as _device_class, set_current_cuda_index
from ..backends import cupy_backend as _cupy_backend
from ..backends.cupy_backend import check_available as _lazy_init, check_index as _check_index, device_count
from ..backends.cupy_backend import emulated as _emulated, gpu_cupy as _cupy

_peak = 0


def is_available() -> bool:
    return _cupy_backend.available()


def is_initialized() -> bool:
    return _cupy_backend._BACKEND is not None


def _index(device) -> int:
    """The device index of `device` (None: the current device)."""
    if device is None:
        return _current()
    if isinstance(device, int):
        return device
    d = _device_class(device) if isinstance(device, str) else device
    return _current() if d.index is None else d.index


def current_device() -> int:
    _lazy_init()
    return _current()


def set_device(device) -> None:
    """Make `device` the current CUDA device ("cuda" then means it)."""
    _lazy_init()
    index = _check_index(_index(device))
    cp = _cupy()
    if cp is not None and not _emulated():
        cp.cuda.Device(index).use()
    set_current_cuda_index(index)


class device:
    """Context manager that makes a CUDA device current for a block (torch.cuda.device)."""

    def __init__(self, device):
        self.index = _index(device)

    def __enter__(self):
        self.previous = _current()
        set_device(self.index)

    def __exit__(self, *exc):
        set_device(self.previous)


def get_device_name(device=None) -> str:
    _lazy_init()
    if _emulated():
        return "minitorch emulated CUDA device (CPU)"
    cp = _cupy()
    return cp.cuda.runtime.getDeviceProperties(_check_index(_index(device)))["name"].decode()


def get_device_capability(device=None) -> tuple:
    _lazy_init()
    if _emulated():
        return (9, 0)
    cp = _cupy()
    props = cp.cuda.runtime.getDeviceProperties(_check_index(_index(device)))
    return (props["major"], props["minor"])


def synchronize(device=None) -> None:
    """Wait for all work queued on the device (not allowed while a stream captures a graph)."""
    _lazy_init()
    backend = _cupy_backend.backend()
    backend.xp.cuda.Device(_index(device)).synchronize()
    backend.check_device_asserts()


def manual_seed(seed: int) -> None:
    """Seed the CUDA generator; harmless (and lazy, as in torch) without a GPU."""
    if is_available():
        _cupy_backend.backend().generator.manual_seed(int(seed))


manual_seed_all = manual_seed


def initial_seed() -> int:
    _lazy_init()
    return _cupy_backend.backend().generator.initial_seed()


def _pool():
    _lazy_init()
    return _cupy_backend.backend().memory_pool


def memory_allocated(device=None) -> int:
    """Bytes held by live tensors (CuPy's memory pool: bytes in use)."""
    global _peak
    used = _pool().used_bytes()
    _peak = max(_peak, used)
    return used


def max_memory_allocated(device=None) -> int:
    """The most bytes in use since the start or the last reset_peak_memory_stats()."""
    pool = _pool()
    peak = getattr(pool, "peak", None)
    return max(_peak, pool.used_bytes(), peak or 0)


def reset_peak_memory_stats(device=None) -> None:
    global _peak
    pool = _pool()
    _peak = pool.used_bytes()
    if hasattr(pool, "peak"):
        pool.peak = pool.used_bytes()


def memory_reserved(device=None) -> int:
    """Bytes the pool holds from the driver, in use or cached."""
    return _pool().total_bytes()


def empty_cache() -> None:
    """Return cached, unused blocks of the memory pool to the device."""
    if is_available():
        _pool().free_all_blocks()


from .streams import Event, Stream, StreamContext, current_stream, default_stream, set_stream, stream  # noqa: E402
from .graphs import CUDAGraph, graph, graph_pool_handle, is_current_stream_capturing  # noqa: E402
