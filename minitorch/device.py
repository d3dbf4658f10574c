"""Devices, and which backend serves each one.

A device is `cpu` or `cuda[:N]`; `backend_for(device)` returns the array module and
named kernels that compute on it. Ops never import numpy or cupy themselves.
"""
from __future__ import annotations


class device:
    """torch.device: `device("cpu")`, `device("cuda:0")`, `device("cuda", 1)`."""

    __slots__ = ("type", "index", "_backend")

    def __init__(self, type, index: int | None = None):
        self._backend = None
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "cuda", type
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, mps, meta device type at start of device string: " + type)
        self.type = type
        self.index = index

    @property
    def backend(self):
        """The backend module computing on this device (cached)."""
        if self._backend is None:
            self._backend = backend_for(self)
        return self._backend

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")


def as_device(d) -> device:
    """Normalise a device argument; `None` means the CPU."""
    if d is None or d == "cpu":
        return CPU
    if isinstance(d, device):
        return CPU if d.type == "cpu" else d
    return device(d)


def backend_for(d: device):
    """The backend (array module and kernels) that computes on device `d`."""
    if d.type == "cpu":
        from .backends import numpy_backend
        return numpy_backend
    from . import cuda
    return cuda.backend(d)


def check_same_device(*tensors) -> device:
    """Device shared by all tensor operands; raises torch's error when they differ."""
    first = None
    for t in tensors:
        d = t._device
        if first is None:
            first = d
        elif d != first:
            a, b = sorted((str(first), str(d)), key=lambda s: s == "cpu")
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{a} and {b}!")
    return first
