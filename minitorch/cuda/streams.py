"""CUDA streams and events (torch.cuda.Stream, Event, current_stream, stream, ...).

A stream is a queue of device work; work on one stream runs in order, and streams order themselves
against each other with events (`wait_stream`, `wait_event`). Each minitorch Stream wraps a CuPy
stream (on the emulated device, its stand-in: work runs at once, so waiting is immediate, but the
current stream still decides where CUDA-graph capture records).
"""
from __future__ import annotations

import time

from ..backends import cupy_backend
from ..device import device as _device


def _cuda():
    """The backend's `cupy.cuda` (CuPy's, or the emulated device's)."""
    return cupy_backend.backend().xp.cuda


class Stream:
    """A CUDA stream (torch.cuda.Stream): `with minitorch.cuda.stream(s):` queues work on it."""

    def __init__(self, device=None, priority: int = 0, **kwargs):
        cupy_backend.check_available()
        raw = kwargs.pop("_raw", None)
        if kwargs:
            raise TypeError(f"Stream() got an unexpected keyword argument '{next(iter(kwargs))}'")
        self._raw = raw if raw is not None else _cuda().Stream(non_blocking=True)
        self.priority = priority

    @property
    def cuda_stream(self) -> int:
        return self._raw.ptr

    @property
    def device(self):
        return _device("cuda", 0)

    def wait_event(self, event: "Event") -> None:
        """Make later work on this stream wait for `event`."""
        if event._raw is not None:
            self._raw.wait_event(event._raw)

    def wait_stream(self, stream: "Stream") -> None:
        """Make later work on this stream wait for the work queued on `stream` so far."""
        self.wait_event(stream.record_event())

    def record_event(self, event: "Event | None" = None) -> "Event":
        event = Event() if event is None else event
        event.record(self)
        return event

    def query(self) -> bool:
        return bool(self._raw.done)

    def synchronize(self) -> None:
        self._raw.synchronize()

    def __eq__(self, other):
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream

    def __hash__(self):
        return hash(("cuda", self.cuda_stream))

    def __repr__(self):
        return f"<minitorch.cuda.Stream device=cuda:0 cuda_stream={self.cuda_stream:#x}>"


def current_stream(device=None) -> Stream:
    """The stream work is queued on now."""
    return Stream(_raw=_cuda().get_current_stream())


def default_stream(device=None) -> Stream:
    """The device's default (legacy) stream."""
    return Stream(_raw=_cuda().Stream.null)


def set_stream(stream: Stream) -> None:
    if stream is not None:
        stream._raw.use()


class StreamContext:
    """Context manager that makes `stream` current for a block (None: no change)."""

    def __init__(self, stream: Stream | None):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream._raw.__enter__()
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream._raw.__exit__(*exc)


def stream(stream: Stream | None) -> StreamContext:
    """`with minitorch.cuda.stream(s):` queues the block's work on `s`."""
    return StreamContext(stream)


class Event:
    """A marker in a stream's queue (torch.cuda.Event): `record()` it, `wait()` for it from another stream,
    `elapsed_time(other)` between two recorded events in milliseconds. On the emulated device, work runs when it
    is queued, so the host clock at `record()` is the device's time."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False):
        if interprocess:
            raise RuntimeError("minitorch's CUDA events cannot be shared between processes (interprocess=True)")
        cupy_backend.check_available()
        self.enable_timing = enable_timing
        self._recorded_at = None
        self._raw = _cuda().Event(block=blocking, disable_timing=not enable_timing)

    def record(self, stream: Stream | None = None) -> None:
        raw_stream = (stream or current_stream())._raw
        self._raw.record(raw_stream)
        self._recorded_at = time.perf_counter()

    def wait(self, stream: Stream | None = None) -> None:
        (stream or current_stream()).wait_event(self)

    def synchronize(self) -> None:
        self._raw.synchronize()

    def query(self) -> bool:
        return bool(self._raw.done)

    def elapsed_time(self, end_event: "Event") -> float:
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._recorded_at is None or end_event._recorded_at is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        if cupy_backend.emulated():
            return (end_event._recorded_at - self._recorded_at) * 1e3
        return float(cupy_backend.backend().xp.cuda.get_elapsed_time(self._raw, end_event._raw))
