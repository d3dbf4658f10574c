"""minitorch.cuda: the CUDA device namespace.

Without CuPy or without a GPU every query answers as torch does on a CPU-only build,
and moving a tensor to "cuda" raises torch's error.
"""
from __future__ import annotations


def _cupy():
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:
        return None
    return None


def is_available() -> bool:
    return _cupy() is not None


def device_count() -> int:
    cp = _cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def _lazy_init():
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def current_device() -> int:
    _lazy_init()
    return _cupy().cuda.runtime.getDevice()


def synchronize(device=None) -> None:
    _lazy_init()
    _cupy().cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed the CUDA generator; harmless (and lazy, as in torch) without a GPU."""
    cp = _cupy()
    if cp is not None:
        cp.random.seed(int(seed))


manual_seed_all = manual_seed


def backend(device):
    _lazy_init()
    raise NotImplementedError("the CUDA backend is not part of this build")
