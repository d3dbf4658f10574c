"""Backends: an array module (`xp`) plus a few named kernels per device kind.

Also torch's `torch.backends` flags: no MPS here; cuDNN flags are accepted and ignored.
"""
from .kernel_sources import KERNEL_SOURCES  # noqa: F401  (minitorch.backends.KERNEL_SOURCES)


class mps:
    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def is_built() -> bool:
        return False


class cudnn:
    deterministic = False
    benchmark = False
    enabled = True


def kernels_for(xp):
    """The backend whose array module is `xp`."""
    from . import numpy_backend
    if xp is numpy_backend.xp:
        return numpy_backend.backend
    from . import cupy_backend
    return cupy_backend.backend()
