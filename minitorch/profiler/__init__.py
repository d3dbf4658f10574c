"""torch.profiler: profile a block or a training loop, with torch's API, table and trace format.

    from minitorch.profiler import profile, record_function, ProfilerActivity, schedule
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                 schedule=schedule(wait=1, warmup=1, active=2), on_trace_ready=handler) as prof:
        for batch in loader:
            train_step(batch)
            prof.step()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")    # open in ui.perfetto.dev or chrome://tracing

The recording itself is `minitorch.autograd.profiler`'s; this module adds activities, the
step schedule and trace handlers.
"""
from __future__ import annotations

import enum
import gzip
import os
import socket
import time

from ..autograd import profiler as _autograd_profiler
from ..autograd.profiler import record_function

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "supported_activities", "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 2


def supported_activities() -> set:
    from .. import cuda
    return {ProfilerActivity.CPU, ProfilerActivity.CUDA} if cuda.is_available() else {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0):
    """Which steps to record: skip `skip_first`, then cycles of `wait` idle, `warmup` and `active`
    recorded steps (the last one saves the trace), `repeat` times (0: until the end)."""
    for name, value in (("wait", wait), ("warmup", warmup), ("active", active), ("repeat", repeat),
                        ("skip_first", skip_first)):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"schedule(): {name} must be a non-negative int, got {value!r}")
    if active <= 0:
        raise ValueError("Invalid profiler schedule arguments: active must be positive")

    def schedule_fn(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        at = step % cycle
        if at < wait:
            return ProfilerAction.NONE
        if at < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if at < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False):
    """An `on_trace_ready` that writes each saved trace to `dir_name` as
    `{worker}.{time in ms}.pt.trace.json` (gzipped with `use_gzip`), where TensorBoard's profiler
    plugin and Perfetto find it."""
    def handler(prof) -> None:
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{worker}.{int(time.time() * 1000)}.pt.trace.json")
        if use_gzip:
            prof.export_chrome_trace(path)
            with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
                dst.write(src.read())
            os.remove(path)
        else:
            prof.export_chrome_trace(path)
    return handler


class profile:
    """torch.profiler.profile: records while its schedule says so; `step()` marks a training step."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False):
        activities = set(activities) if activities is not None else supported_activities()
        for a in activities:
            if not isinstance(a, ProfilerActivity):
                raise TypeError(f"activities must be ProfilerActivity values, got {a!r}")
        if ProfilerActivity.CUDA in activities and ProfilerActivity.CUDA not in supported_activities():
            raise RuntimeError("ProfilerActivity.CUDA was asked for but no CUDA device is available")
        if ProfilerActivity.CPU not in activities:
            raise ValueError("minitorch's profiler times the CPU side of every op: include ProfilerActivity.CPU")
        self.activities = activities
        self.schedule = schedule if schedule is not None else _always_record
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.step_num = 0
        self.current_action = ProfilerAction.NONE
        self.profiler = None        # the recording in progress, or the last one saved
        self._step_span = None
        self._has_schedule = schedule is not None

    def _new_recording(self):
        use_device = "cuda" if ProfilerActivity.CUDA in self.activities else None
        return _autograd_profiler.profile(use_device=use_device, record_shapes=self.record_shapes,
                                          profile_memory=self.profile_memory, with_stack=self.with_stack)

    def _recording(self, action) -> bool:
        return action in (ProfilerAction.WARMUP, ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def _transit(self, new_action) -> None:
        """Start, keep or save the recording as the schedule moves from one action to the next."""
        old = self.current_action
        if old == ProfilerAction.RECORD_AND_SAVE or (self._recording(old) and not self._recording(new_action)):
            self._end_step_span()
            self.profiler.__exit__(None, None, None)
            if old in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE) and self.on_trace_ready:
                self.on_trace_ready(self)
        if self._recording(new_action) and (old == ProfilerAction.RECORD_AND_SAVE or not self._recording(old)):
            self.profiler = self._new_recording()
            self.profiler.__enter__()
        self.current_action = new_action

    def _start_step_span(self):
        if self._has_schedule and self._recording(self.current_action):
            self._step_span = record_function(f"ProfilerStep#{self.step_num}")
            self._step_span.__enter__()

    def _end_step_span(self):
        if self._step_span is not None:
            self._step_span.__exit__(None, None, None)
            self._step_span = None

    def start(self) -> None:
        self._transit(self.schedule(self.step_num))
        self._start_step_span()

    def stop(self) -> None:
        self._end_step_span()
        self._transit(ProfilerAction.NONE)

    def step(self) -> None:
        """Mark the end of a training step: the schedule moves on."""
        self._end_step_span()
        self.step_num += 1
        self._transit(self.schedule(self.step_num))
        self._start_step_span()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _finished(self):
        if self.profiler is None or self.profiler.function_events is None:
            raise RuntimeError("no finished recording: the profiler's schedule recorded no step yet")
        return self.profiler

    def events(self):
        """The last saved recording's events (`FunctionEvent`s)."""
        return self._finished().function_events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0):
        return self._finished().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str) -> None:
        self._finished().export_chrome_trace(path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write `stack;frames value` lines (flame-graph input) from a `with_stack` profile."""
        if not self.with_stack:
            raise RuntimeError("export_stacks needs with_stack=True")
        if metric not in ("self_cpu_time_total", "self_cuda_time_total", "self_device_time_total"):
            raise ValueError(f"metric must be a self time, got {metric!r}")
        attr = metric.replace("cuda", "device")
        with open(path, "w") as f:
            for e in self.events():
                if e.stack:
                    f.write(";".join(reversed(e.stack)) + ";" + e.name + f" {int(getattr(e, attr))}\n")

