"""`cupy.cuda`'s streams and CUDA graphs on the emulated device.

The emulated device runs every operation at once, so a stream is only a name for where work goes.
Stream capture is emulated faithfully where it matters to a graphed training step:

- while the current stream captures, each device operation is appended to the capture's tape: the
  function, its arguments (device arrays by reference, as a kernel holds pointers), and the buffers
  it returned. As on a GPU, capturing changes no memory that existed before: an operation that
  writes into existing memory (`out=`, item assignment, a kernel launch) is only recorded, while one
  that returns new buffers runs, so that its result has a shape and a dtype (its values, like a
  GPU's uninitialised memory during capture, are not to be read, and reading them is refused);
- `Graph.launch()` replays the tape in order, writing each operation's new result into the buffers
  the capture returned, so later operations, and the caller holding those buffers, read them: the
  fixed addresses of a CUDA graph. Python scalars and shapes are baked in, as a kernel's parameters
  are;
- what a GPU refuses during capture is refused here with the same exceptions: reading device memory
  from the host (`get`, `item`, `float(...)`, `bool(...)`), copying host data to the device,
  synchronising, operations whose result shape depends on the data, and calls into the CUDA
  libraries CuPy disables while capturing (cuBLAS, cuRAND, cuSOLVER).

One capture runs at a time, as torch requires.
"""
from __future__ import annotations

import contextlib

import numpy as np


class CUDARuntimeError(RuntimeError):
    """cupy_backends.cuda.api.runtime.CUDARuntimeError."""


CAPTURE_UNSUPPORTED = "cudaErrorStreamCaptureUnsupported: operation not permitted when stream is capturing"


class Stream:
    """cupy.cuda.Stream: `with stream:` makes it current; `null` is the legacy default stream."""

    null: "Stream"

    def __init__(self, null=False, non_blocking=False, ptr=None):
        self.is_null = null
        self.non_blocking = non_blocking
        self.ptr = 0 if null else id(self)
        self._previous = []
        self._tape = None

    def __enter__(self):
        self._previous.append(state.current)
        state.current = self
        return self

    def __exit__(self, *exc):
        state.current = self._previous.pop()

    def use(self):
        state.current = self
        return self

    def synchronize(self):
        refuse_while_capturing()

    def record(self, event=None):
        return event or Event()

    def wait_event(self, event):
        pass

    @property
    def done(self):
        return True

    def is_capturing(self) -> bool:
        return self._tape is not None

    def begin_capture(self, mode=None):
        if self.is_null:
            raise CUDARuntimeError("cudaErrorStreamCaptureUnsupported: operation not permitted when stream is "
                                   "capturing (the legacy default stream cannot capture)")
        if state.capturing is not None:
            raise CUDARuntimeError("cudaErrorStreamCaptureImplicit: another stream is capturing")
        self._tape = []
        state.capturing = self

    def end_capture(self) -> "Graph":
        if self._tape is None:
            raise CUDARuntimeError("cudaErrorIllegalState: the stream is not capturing")
        tape, self._tape = self._tape, None
        state.capturing = None
        return Graph(tape)

    def __repr__(self):
        return f"<Stream {self.ptr} (device 0)>"


Stream.null = Stream(null=True)


class Event:
    """cupy.cuda.Event: work on the emulated device is done when it is queued."""

    def __init__(self, block=False, disable_timing=False, interprocess=False):
        pass

    def record(self, stream=None):
        pass

    def synchronize(self):
        refuse_while_capturing()

    @property
    def done(self):
        return True


class _State:
    def __init__(self):
        self.current = Stream.null   # the current stream
        self.capturing = None        # the stream capturing now, if any
        self.replaying = False


state = _State()


def get_current_stream() -> Stream:
    return state.current


def tape():
    """The tape to append an operation to: the capture's, when the current stream is capturing."""
    capturing = state.capturing
    if capturing is None or state.replaying:
        return None
    if state.current is not capturing:
        if state.current.is_null:  # the legacy stream synchronises with every stream: refused mid-capture
            raise CUDARuntimeError(CAPTURE_UNSUPPORTED)
        return None
    return capturing._tape


def refuse_while_capturing(what: str = "") -> None:
    """Raise as the GPU does for an operation a capturing stream does not allow."""
    if state.capturing is not None and not state.replaying:
        raise CUDARuntimeError(CAPTURE_UNSUPPORTED + (f" ({what})" if what else ""))


def refuse_library_while_capturing(library: str) -> None:
    """Raise as CuPy does for a CUDA library call while the current stream captures."""
    if tape() is not None:
        raise NotImplementedError(f"calling {library} API during stream capture is currently unsupported")


def _arrays(values):
    for v in values:
        if isinstance(v, np.ndarray):
            yield v
        elif isinstance(v, (tuple, list)):
            yield from _arrays(v)


def _fresh(result, inputs) -> list:
    """The arrays among `result` that are new buffers (not views of an input): a replay refills them."""
    results = result if isinstance(result, tuple) else (result,)
    inputs = [a.view(np.ndarray) for a in inputs]
    return [(i, r) for i, r in enumerate(results) if isinstance(r, np.ndarray)
            and not any(np.may_share_memory(r.view(np.ndarray), a) for a in inputs)]


class Step:
    """One captured operation: `fn(*args, **kwargs)` and the buffers of its result to refill."""

    __slots__ = ("fn", "args", "kwargs", "fresh")

    def __init__(self, fn, args, kwargs, result):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.fresh = _fresh(result, list(_arrays(args)) + list(_arrays(kwargs.values())))

    def replay(self):
        result = self.fn(*self.args, **self.kwargs)
        if not self.fresh:
            return
        results = result if isinstance(result, tuple) else (result,)
        for i, buffer in self.fresh:
            new = np.asarray(results[i])
            if new.shape != buffer.shape:
                raise CUDARuntimeError(f"a captured operation's result changed shape on replay ({buffer.shape} to "
                                       f"{new.shape}): CUDA graphs need shapes that do not depend on the data")
            np.copyto(buffer.view(np.ndarray), new.view(np.ndarray), casting="unsafe")


def run(steps, fn, args, kwargs=None, writes=False):
    """`fn(*args, **kwargs)` captured on the tape `steps`: run (when it makes new buffers) and recorded,
    or only recorded when it `writes` into existing memory (then None is returned)."""
    kwargs = kwargs or {}
    result = None if writes else fn(*args, **kwargs)
    steps.append(Step(fn, args, kwargs, result))
    return result


class Graph:
    """cupy.cuda.graph.Graph: the captured operations, replayed in order by `launch()`."""

    def __init__(self, steps):
        self._steps = steps

    def launch(self, stream=None):
        previous, state.replaying = state.replaying, True
        try:
            for step in self._steps:
                step.replay()
        finally:
            state.replaying = previous

    def __len__(self):
        return len(self._steps)

    def debug_dot_print(self, path: str) -> None:
        """The graph as Graphviz DOT: one node per captured operation, in launch order."""
        lines = ["digraph captured {", "  node [shape=box];"]
        for i, step in enumerate(self._steps):
            lines.append(f'  n{i} [label="{_step_label(step)}"];')
            if i:
                lines.append(f"  n{i - 1} -> n{i};")
        lines.append("}")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")


def _step_label(step) -> str:
    """What a captured operation is, in a word or two (a ufunc's name, a kernel's, a function's)."""
    fn, args = step.fn, step.args
    if getattr(fn, "__name__", "") == "_ufunc_call":
        ufunc, method = args[0], args[1]
        return ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    if getattr(fn, "__name__", "") == "_launch":
        return f"kernel {args[1]}"
    if getattr(fn, "__name__", "") == "_inside_call":
        return getattr(args[0], "__name__", "operation")
    return getattr(fn, "__name__", "operation")


class MemoryPool:
    """cupy.cuda.MemoryPool: the emulated device allocates from the host, so a pool only names one."""

    def malloc(self, size):
        raise NotImplementedError("the emulated device allocates NumPy arrays, not raw memory")

    def used_bytes(self):
        return 0


@contextlib.contextmanager
def using_allocator(allocator=None):
    """cupy.cuda.using_allocator: allocations on the emulated device never reuse memory, so there is no
    allocator to switch to (a capture's buffers stay alive because its tape holds them)."""
    yield
