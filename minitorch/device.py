"""Devices, and which backend serves each one.

A device is `cpu` or `cuda[:N]`; `backend_for(device)` returns the array module and
named kernels that compute on it. Ops never import numpy or cupy themselves.
"""
from __future__ import annotations


class device:
    """torch.device: `device("cpu")`, `device("cuda:0")`, `device("cuda", 1)`."""

    __slots__ = ("type", "index", "_backend", "_array_type")

    def __init__(self, type, index: int | None = None):
        self._backend = None
        self._array_type = None  # the backend's array class, once known (Tensor._wrap's fast check)
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
            self._array_type = self._backend.ndarray
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


_INTERNED: dict = {}
_default = CPU
_current_cuda = 0  # the index a bare "cuda" means (torch.cuda.set_device changes it)


def current_cuda_index() -> int:
    return _current_cuda


def set_current_cuda_index(index: int) -> None:
    global _current_cuda
    _current_cuda = index


def set_default_device(device) -> None:
    """The device factory functions use when none is given (torch.set_default_device)."""
    global _default
    _default = CPU if device is None else as_device(device)


def get_default_device() -> device:
    return _default


def as_device(d) -> device:
    """Normalise a device argument to one shared instance per device; `None` means the default
    device (the CPU unless set_default_device changed it) and a bare "cuda" the current CUDA device
    (tensors always carry an index, as torch's do)."""
    if d is None:
        return _default
    if d == "cpu":
        return CPU
    found = _INTERNED.get(d) if isinstance(d, (str, int)) else None
    if found is not None:
        return found
    dev = d if isinstance(d, device) else device(d)
    if dev.type == "cpu":
        return CPU
    if dev.type == "cuda" and dev.index is None:
        dev = device("cuda", _current_cuda)
    dev = _INTERNED.setdefault((dev.type, dev.index), dev)
    if isinstance(d, int) or (isinstance(d, str) and ":" in d):
        _INTERNED[d] = dev  # "cuda" alone follows set_device, so it is not cached
    return dev


def backend_for(d: device):
    """The backend (array module and kernels) that computes on device `d`."""
    if d.type == "cpu":
        from .backends import numpy_backend
        return numpy_backend.backend
    from .backends import cupy_backend
    return cupy_backend.backend_for_index(d.index)


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
