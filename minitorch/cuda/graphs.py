"""CUDA graphs (torch.cuda.CUDAGraph, graph, graph_pool_handle, is_current_stream_capturing).

Capturing records the device work a block of code queues on a stream, instead of running it; replaying
launches the whole recording at once, with one host call, on the same memory. Everything a captured step
reads or writes therefore stays at fixed addresses: inputs are copied into the tensors the capture used
(`static_input.copy_(batch)`), outputs are read from the tensors it returned, and nothing in between may
make the host wait for the device (no `.item()`, no printing a tensor, no data-dependent shapes).

Memory allocated during a capture comes from the graph's own memory pool, which the graph keeps, so that
the addresses a replay writes to are not handed to other tensors; graphs captured with the same `pool`
share one, as torch's do.
"""
from __future__ import annotations

import itertools

from ..backends import cupy_backend
from . import streams

_CAPTURE_MODES = ("global", "thread_local", "relaxed")
_pool_ids = itertools.count(1)


def _cuda():
    return cupy_backend.backend().xp.cuda


class _PoolHandle(tuple):
    """An opaque token for a graph memory pool (torch's is a pair of ids)."""

    def __new__(cls):
        handle = super().__new__(cls, (0, next(_pool_ids)))
        handle._pool = None
        return handle

    def memory_pool(self):
        if self._pool is None:
            self._pool = _cuda().MemoryPool()
        return self._pool


def graph_pool_handle() -> _PoolHandle:
    """A new graph memory pool's token, for `CUDAGraph.capture_begin(pool=...)` or `graph(..., pool=...)`."""
    cupy_backend.check_available()
    return _PoolHandle()


def is_current_stream_capturing() -> bool:
    """Whether the current CUDA stream is capturing a graph (False, without starting CUDA, when it is not in use)."""
    if cupy_backend._BACKEND is None:
        return False
    return bool(_cuda().get_current_stream().is_capturing())


def _refuse_unsupported(**flags) -> None:
    """torch's graph debugging aids minitorch does not have: asked for, they raise rather than do nothing."""
    what = {"enable_annotations": "kernel annotations (CUDA 13.1's graph node annotations)",
            "check_input_liveness": "tracking of the capture's external inputs until replay"}
    for name, value in flags.items():
        if value:
            raise NotImplementedError(f"{name}=True: minitorch's CUDA graphs have no {what[name]}")


class CUDAGraph:
    """A captured CUDA graph: `capture_begin()` ... `capture_end()` on a side stream, then `replay()`."""

    def __init__(self, keep_graph: bool = False):
        cupy_backend.check_available()
        self.keep_graph = keep_graph
        self._graph = None
        self._capturing = None     # (stream, allocator context) during capture
        self._pool = None
        self._debug = False
        self._asserts = []         # the device-side assertions of the captured work

    def capture_begin(self, pool=None, capture_error_mode: str = "global", check_input_liveness: bool = False) -> None:
        """Start capturing the work queued on the current stream."""
        _refuse_unsupported(check_input_liveness=check_input_liveness)
        if capture_error_mode not in _CAPTURE_MODES:
            raise RuntimeError(f"Unknown capture error mode. Expected `global`, `thread_local`, or `relaxed`, got "
                               f"{capture_error_mode}")
        if self._graph is not None or self._capturing is not None:
            raise RuntimeError("This CUDAGraph instance already owns a captured graph. To capture a new graph, "
                               "create a new instance.")
        stream = _cuda().get_current_stream()
        if stream.ptr == _cuda().Stream.null.ptr:
            raise RuntimeError("CUDA graphs must be captured on a non-default stream. (However, after capture, it's "
                               "ok to replay them on the default stream.)")
        if pool is not None and not isinstance(pool, _PoolHandle):
            raise TypeError("pool must be a handle from minitorch.cuda.graph_pool_handle() or CUDAGraph.pool()")
        self._pool = pool if pool is not None else _PoolHandle()
        allocator = _cuda().using_allocator(self._pool.memory_pool().malloc)
        allocator.__enter__()
        try:
            stream.begin_capture()
        except BaseException:
            allocator.__exit__(None, None, None)
            raise
        self._capturing = (stream, allocator, len(cupy_backend.backend().device_asserts))

    def capture_end(self) -> None:
        """Stop capturing; the graph is then ready to replay."""
        if self._capturing is None:
            raise RuntimeError("Called CUDAGraph::capture_end without a preceding capture_begin.")
        stream, allocator, asserts_before = self._capturing
        if _cuda().get_current_stream().ptr != stream.ptr:
            raise RuntimeError("Capture must end on the same stream it began on.")
        self._capturing = None
        try:
            self._graph = stream.end_capture()
        finally:
            allocator.__exit__(None, None, None)
        # the device-side assertions the capture made are read after each replay (their capture-time values
        # mean nothing: a capture computes nothing)
        backend = cupy_backend.backend()
        self._asserts = backend.device_asserts[asserts_before:]
        del backend.device_asserts[asserts_before:]

    def instantiate(self) -> None:
        """Prepare the captured graph for launching (done by capture_end already)."""
        self._check_captured("instantiate")

    def replay(self) -> None:
        """Launch the captured work on the current stream."""
        self._check_captured("replay")
        self._graph.launch(_cuda().get_current_stream())
        cupy_backend.backend().device_asserts.extend(self._asserts)

    def reset(self) -> None:
        """Drop the captured graph (and, when no other graph shares it, its memory)."""
        self._graph = None

    def pool(self) -> _PoolHandle:
        """The token of this graph's memory pool, to share it with another capture."""
        if self._pool is None:
            self._pool = _PoolHandle()
        return self._pool

    def enable_debug_mode(self) -> None:
        """Keep what `debug_dump` needs."""
        self._debug = True

    def debug_dump(self, debug_path: str) -> None:
        """Write the captured graph as a Graphviz DOT file (after enable_debug_mode())."""
        if not self._debug:
            import warnings
            warnings.warn("CUDA Graphs debug not enabled, set with [graph].enable_debug_mode()")
            return
        self._check_captured("debug_dump")
        self._graph.debug_dot_print(debug_path)

    def _check_captured(self, what: str) -> None:
        if self._graph is None:
            raise RuntimeError(f"Called CUDAGraph::{what} without a preceding successful capture.")


class graph:
    """Context manager that captures the block's CUDA work into `cuda_graph` (torch.cuda.graph).

    Unless `stream` is given, the capture runs on a side stream shared by all `graph` blocks.
    """

    default_capture_stream = None

    def __init__(self, cuda_graph: CUDAGraph, pool=None, stream=None, capture_error_mode: str = "global",
                 enable_annotations: bool = False, check_input_liveness: bool = False):
        _refuse_unsupported(enable_annotations=enable_annotations, check_input_liveness=check_input_liveness)
        if stream is None and graph.default_capture_stream is None:
            graph.default_capture_stream = streams.Stream()
        self.pool = () if pool is None else (pool,)
        self.capture_stream = stream if stream is not None else graph.default_capture_stream
        self.stream_ctx = streams.stream(self.capture_stream)
        self.cuda_graph = cuda_graph
        self.capture_error_mode = capture_error_mode

    def __enter__(self):
        from . import empty_cache, synchronize
        synchronize()
        empty_cache()
        self.stream_ctx.__enter__()
        try:
            self.cuda_graph.capture_begin(*self.pool, capture_error_mode=self.capture_error_mode)
        except BaseException:
            self.stream_ctx.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        try:
            self.cuda_graph.capture_end()
        except BaseException:
            if exc[0] is None:
                raise  # an error inside the block propagates instead (the capture is abandoned)
        finally:
            self.stream_ctx.__exit__(*exc)
