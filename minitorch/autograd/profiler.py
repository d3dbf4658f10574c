"""torch.autograd.profiler: time every op and backward node of a block, as torch's profiler does.

    with minitorch.autograd.profiler.profile(record_shapes=True) as prof:
        loss = model(x).sum(); loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))

Forward ops are named as torch names them (`aten::mul`, `aten::convolution`), backward nodes as
`autograd::engine::evaluate_function: MulBackward0` around a `MulBackward0` span, and
`record_function("name")` adds a span of the user's own. On a CUDA device each op is also timed
with CUDA events, which gives the device columns. `minitorch.profiler` builds on this.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time

from . import events
from .profiler_util import EventList, FunctionEvent

_BACKWARD_PREFIX = "autograd::engine::evaluate_function: "


def _now_us() -> float:
    return time.perf_counter_ns() / 1e3


def _shape_of(value) -> list:
    shape = getattr(value, "shape", None)
    return list(shape) if shape is not None and not isinstance(value, (int, float)) else []


def _python_stack(limit: int = 16) -> list:
    """torch's `with_stack` entries ("file.py(12): function"), innermost first, minitorch's own frames left out."""
    frame, stack = sys._getframe(3), []
    while frame is not None and len(stack) < limit:
        code = frame.f_code
        if not code.co_filename.startswith(events._PACKAGE_DIR):
            stack.append(f"{code.co_filename}({frame.f_lineno}): {code.co_name}")
        frame = frame.f_back
    return stack


class _Recorder:
    """The event-stream observer behind a profile: one FunctionEvent per op, node or span."""

    def __init__(self, record_shapes, profile_memory, with_stack, use_device):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.use_device = use_device
        self.events: list[FunctionEvent] = []
        self._stacks: dict = {}           # thread -> open FunctionEvents
        self._device_marks: list = []     # (FunctionEvent, start CUDA event, end CUDA event)
        self._origin = None               # a CUDA event at the start: the device clock's zero
        self._origin_us = _now_us()

    def _open(self, name, thread, shapes, stack, user=False, sequence_nr=-1):
        open_events = self._stacks.setdefault(thread, [])
        fe = FunctionEvent(len(self.events), name, thread, _now_us(), 0.0, shapes, stack,
                           sequence_nr=sequence_nr, is_user_annotation=user, use_device=self.use_device)
        if open_events:
            fe.cpu_parent = open_events[-1]
            open_events[-1].cpu_children.append(fe)
        open_events.append(fe)
        self.events.append(fe)
        return fe

    def begin(self, event):
        thread = threading.get_ident()
        stack = _python_stack() if self.with_stack else None
        if event.kind == "backward":
            shapes = [_shape_of(g) for g in event.inputs] if self.record_shapes else None
            seq = getattr(event.op, "_seq_nr", -1)
            self._open(_BACKWARD_PREFIX + event.name, thread, shapes, stack, sequence_nr=seq)
            fe = self._open(event.name, thread, shapes, stack, sequence_nr=seq)
        else:
            shapes = [_shape_of(a) for a in event.inputs] if self.record_shapes and event.kind == "op" else None
            fe = self._open(event.name, thread, shapes, stack, user=event.kind == "user")
            if event.kind == "user" and event.params.get("args") is not None:
                fe.args = event.params["args"]
        if self.use_device == "cuda" and event.device is not None and event.device.type == "cuda":
            from .. import cuda
            if self._origin is None:
                self._origin = cuda.Event(enable_timing=True)
                self._origin.record()
            start = cuda.Event(enable_timing=True)
            start.record()
            event.extra["cuda_start"] = (fe, start)

    def end(self, event):
        thread = threading.get_ident()
        open_events = self._stacks[thread]
        fe = open_events.pop()
        fe.time_range = (fe.time_range[0], _now_us())
        if self.profile_memory:
            self._count_memory(fe, event)
        if event.kind == "backward":
            outer = open_events.pop()
            outer.time_range = (outer.time_range[0], fe.time_range[1])
            if self.profile_memory:
                _add_children_memory(outer)
        marks = event.extra.pop("cuda_start", None)
        if marks is not None:
            from .. import cuda
            stop = cuda.Event(enable_timing=True)
            stop.record()
            self._device_marks.append((marks[0], marks[1], stop))

    def _count_memory(self, fe, event):
        inputs = [t._data for t in event.input_tensors()]
        for t in event.output_tensors():
            data = t._data
            xp = t._device.backend.xp
            if not any(xp.may_share_memory(data, i) for i in inputs):  # a view of an input allocates nothing
                if t._device.type == "cuda":
                    fe.self_device_memory_usage += data.nbytes
                else:
                    fe.self_cpu_memory_usage += data.nbytes
        _add_children_memory(fe)

    def finish(self) -> None:
        """Read the CUDA events (after the device has finished) into device times."""
        if self._device_marks:
            from .. import cuda
            cuda.synchronize()
            for fe, start, stop in self._device_marks:
                fe.device_time_total = start.elapsed_time(stop) * 1e3
                fe.device_start_us = fe.time_range[0] if self._origin is None else \
                    self._origin_us + self._origin.elapsed_time(start) * 1e3
            self._device_marks = []
        for fe in self.events:  # a parent's device time covers its children's
            if fe.cpu_parent is None:
                _sum_device_time(fe)


def _add_children_memory(fe) -> None:
    fe.cpu_memory_usage = fe.self_cpu_memory_usage + sum(c.cpu_memory_usage for c in fe.cpu_children)
    fe.device_memory_usage = fe.self_device_memory_usage + sum(c.device_memory_usage for c in fe.cpu_children)


def _sum_device_time(fe) -> float:
    children = sum(_sum_device_time(c) for c in fe.cpu_children)
    fe.device_time_total = max(fe.device_time_total, children)
    return fe.device_time_total


class profile:
    """Profile the block (torch.autograd.profiler.profile): `key_averages()`, `table()`,
    `function_events`, `export_chrome_trace(path)`."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device=None,
                 record_shapes: bool = False, profile_memory: bool = False, with_stack: bool = False,
                 use_cpu: bool = True):
        if use_device is not None and use_device != "cuda":
            raise ValueError(f"use_device must be 'cuda' or None, got {use_device!r}")
        if not use_cpu:
            raise ValueError("minitorch's profiler times the CPU side of every op: use_cpu=False is not supported")
        self.enabled = enabled
        self.use_device = "cuda" if use_cuda else use_device
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.function_events: EventList | None = None
        self._recorder = None
        self.entered = False

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._recorder = _Recorder(self.record_shapes, self.profile_memory, self.with_stack, self.use_device)
        events.add_observer(self._recorder)
        return self

    def __exit__(self, *exc):
        if not self.enabled:
            return False
        recorder = self._recorder
        events.remove_observer(recorder)
        recorder.finish()
        self.function_events = EventList(recorder.events, use_device=self.use_device,
                                          profile_memory=self.profile_memory)
        self.entered = False
        return False

    def _check_finish(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0):
        self._check_finish()
        if group_by_input_shape and not self.record_shapes:
            raise AssertionError("group_by_input_shape needs record_shapes=True")
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by=None, row_limit=100, **kwargs) -> str:
        self._check_finish()
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def export_chrome_trace(self, path: str) -> None:
        self._check_finish()
        self.function_events.export_chrome_trace(path)

    @property
    def self_cpu_time_total(self) -> float:
        self._check_finish()
        return self.function_events.self_cpu_time_total

    def __str__(self):
        return self.table() if self.function_events is not None else "<unfinished minitorch.autograd.profile>"


class record_function(contextlib.ContextDecorator):
    """Mark a block (or, as a decorator, a function) as a named span in the profile."""

    def __init__(self, name: str, args: str | None = None):
        if not isinstance(name, str):
            raise TypeError(f"record_function(): argument 'name' must be str, not {type(name).__name__}")
        self.name = name
        self.args = args
        self._span = None

    def __enter__(self):
        self._span = events.span(self.name, self.args)
        self._span.__enter__()
        return self

    def __exit__(self, *exc):
        self._span.__exit__(*exc)
        return False
