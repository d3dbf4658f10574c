"""torch.layout and torch.memory_format: the constants factories and conversions take.

minitorch stores every tensor as a dense (strided) array in NumPy's or CuPy's layout, so the
only layout is `strided`. A memory format is honoured where the array layout can follow it
(`preserve_format`, `contiguous_format`); `channels_last` would need NHWC-strided storage under
NCHW indexing, which the backends do not keep, so asking for it raises NotImplementedError
naming the deviation (listed in the README's deviations).
"""
from __future__ import annotations


class _Constant:
    """A named torch constant: prints as torch.<name> and pickles by name."""

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name


class layout(_Constant):
    """A tensor's storage layout; minitorch has `torch.strided` only."""


class memory_format(_Constant):
    """How a tensor's elements are ordered in memory."""


strided = layout("strided")
preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def check_layout(fn: str, value) -> None:
    if value is None or value is strided:
        return
    if not isinstance(value, layout):
        raise TypeError(f"{fn}(): argument 'layout' must be torch.layout, not {type(value).__name__}")


def check_memory_format(fn: str, value, *, allow_preserve: bool = True) -> None:
    """Accept the formats minitorch's dense arrays honour; refuse the rest clearly."""
    if value is None or value is contiguous_format or (allow_preserve and value is preserve_format):
        return
    if not isinstance(value, memory_format):
        raise TypeError(f"{fn}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(value).__name__}")
    if value is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    raise NotImplementedError(f"{fn}(): memory_format={value!r} is not supported: minitorch keeps every "
                              f"tensor in contiguous (row-major) order (see the README's deviations)")


def check_pin_memory(value) -> None:
    """pin_memory=True needs an accelerator's pinned allocator, as in torch; on the CUDA device it is
    accepted (CuPy copies from pageable memory)."""
    if value:
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no pinned memory "
                               "allocator is available on this system.")


def check_factory_options(fn: str, layout=None, pin_memory=False, memory_format=None) -> None:
    """The options every factory takes besides dtype and device."""
    check_layout(fn, layout)
    check_pin_memory(pin_memory)
    check_memory_format(fn, memory_format, allow_preserve=False)
