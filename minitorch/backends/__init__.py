"""Backends: an array module (`xp`) plus a few named kernels per device kind.

Code reaches a backend one way, through a device: inside an op as `ctx.backend` (set from the
inputs' device by `Primitive.apply`), elsewhere as `tensor.device.backend`.

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
