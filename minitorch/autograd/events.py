"""The one event stream the instruments share: every op dispatched and every backward node run.

The tracer, the profiler, shadow-torch and the stepper's views all listen here. Nothing is
watched until an instrument calls `listen(observer)`: only then are `Function.apply`,
`Primitive.apply` and the nodes' `_run_backward` wrapped, so an unobserved op pays nothing.

An observer has two methods, `begin(event)` and `end(event)`; an `Event` is one op call
(`kind == "op"`: inputs and outputs are the call's tensors) or one backward node
(`kind == "backward"`: inputs are the node's incoming gradients, outputs what it returns).
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import threading
import time

from . import function as F

_observers: list = []
_patched: list = []          # (owner class, attribute, original) while observed
_local = threading.local()   # depth of nested events on this thread
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Event:
    """One op call or one backward node, with its timing (ns) and where the user called it."""

    __slots__ = ("kind", "name", "node_name", "op", "inputs", "params", "outputs", "depth",
                 "start_ns", "end_ns", "source", "device", "kernel", "extra")

    def __init__(self, kind, name, node_name, op, inputs, params, depth):
        self.kind, self.name, self.node_name, self.op = kind, name, node_name, op
        self.inputs, self.params, self.depth = inputs, params, depth
        self.outputs = None
        self.start_ns = self.end_ns = 0
        self.source = None      # (filename, lineno, function, line text) of the user's call
        self.device = None
        self.kernel = None      # which backend ran it: "numpy", "cupy", "emulated", ...
        self.extra = {}         # what observers attach (CUDA events, memory)

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns

    def output_tensors(self) -> list:
        """The outputs that are tensors, in order."""
        return _tensors(self.outputs)

    def input_tensors(self) -> list:
        return _tensors(self.inputs)

    def __repr__(self):
        return f"Event({self.kind}, {self.name})"


def _tensors(items) -> list:
    if items is None:
        return []
    if isinstance(items, F.Tensor):
        return [items]
    if isinstance(items, (tuple, list)):
        return [t for t in items if isinstance(t, F.Tensor)]
    return []


def aten_name(cls) -> str:
    """The name torch's profiler gives this op: `aten::` and the snake-cased node name
    (`MaxPool2DWithIndicesBackward0` -> `aten::max_pool2d_with_indices`), or the op's
    own `aten` attribute. A user's own `Function` keeps its class name, as in torch."""
    own = cls.__dict__.get("aten")
    if own:
        return own
    if not getattr(cls, "named_like_torch", False):
        return cls.__name__
    node = re.sub(r"(\d)D", r"\1d", re.sub(r"Backwards?\d*$", "", cls._node_cls.__name__))
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", node).lower()
    return "aten::" + snake


def user_frame():
    """(filename, lineno, function, line) of the innermost caller outside minitorch."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    import linecache
    code = frame.f_code
    line = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return (code.co_filename, frame.f_lineno, code.co_name, line)


def _depth() -> int:
    return getattr(_local, "depth", 0)


def _want_source() -> bool:
    return any(getattr(o, "with_stack", False) for o in _observers)


def _run(event, call):
    """Tell the observers, run `call()`, time it, tell them again."""
    _local.depth = event.depth + 1
    if _want_source():
        event.source = user_frame()
    for o in _observers:
        o.begin(event)
    event.start_ns = time.perf_counter_ns()
    try:
        out = call()
    finally:
        event.end_ns = time.perf_counter_ns()
        _local.depth = event.depth
    event.outputs = out
    for o in reversed(_observers):
        o.end(event)
    return out


def _device_of(tensors):
    for t in tensors:
        if isinstance(t, F.Tensor):
            return t._device
    return None


def _observed_apply(original):
    def apply(cls, *args, **kwargs):
        node_cls = getattr(cls, "_node_cls", cls)
        event = Event("op", aten_name(cls), node_cls.__name__, cls, args, kwargs, _depth())
        event.device = device = _device_of(args)
        if device is not None:
            backend = device._backend or device.backend
            event.kernel = backend.name + (" (emulated)" if getattr(backend.xp, "emulated", False) else "")
        return _run(event, lambda: original.__func__(cls, *args, **kwargs))
    return classmethod(apply)


def _observed_backward(original):
    def _run_backward(node, grads):
        event = Event("backward", node.name(), node.name(), node, grads, {}, _depth())
        event.device = _device_of(grads)
        return _run(event, lambda: original(node, grads))
    return _run_backward


def _node_classes():
    seen, stack = [], [F.Node]
    while stack:
        cls = stack.pop()
        if "_run_backward" in cls.__dict__:
            seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def _patch():
    for cls in (F.Function, F.Primitive):
        original = cls.__dict__["apply"]
        _patched.append((cls, "apply", original))
        setattr(cls, "apply", _observed_apply(original))
    for cls in _node_classes():
        original = cls.__dict__["_run_backward"]
        _patched.append((cls, "_run_backward", original))
        setattr(cls, "_run_backward", _observed_backward(original))


def _unpatch():
    while _patched:
        cls, name, original = _patched.pop()
        setattr(cls, name, original)


def add_observer(observer) -> None:
    if not _observers:
        _patch()
    _observers.append(observer)


def remove_observer(observer) -> None:
    _observers.remove(observer)
    if not _observers:
        _unpatch()


@contextlib.contextmanager
def listen(observer):
    """Send every op and backward node to `observer` inside the block."""
    add_observer(observer)
    try:
        yield observer
    finally:
        remove_observer(observer)


def observing() -> bool:
    return bool(_observers)


class span:
    """A user-named span (`record_function`) as an event of kind "user": a context manager.

    kind="composite" marks an op torch composes from others (`aten::cross_entropy_loss` around its
    log_softmax and nll_loss): the profiler shows it as an op around its parts, and the ops inside
    keep their depth, so that tools reading the top-level ops still see each part."""

    def __init__(self, name: str, args: str | None = None, kind: str = "user"):
        self.event = Event(kind, name, name, None, (), {"args": args}, 0)

    def __enter__(self):
        ev = self.event
        ev.depth = _depth()
        if ev.kind != "composite":
            _local.depth = ev.depth + 1
        for o in _observers:
            o.begin(ev)
        ev.start_ns = time.perf_counter_ns()
        return self

    def __exit__(self, *exc):
        ev = self.event
        ev.end_ns = time.perf_counter_ns()
        _local.depth = ev.depth
        for o in reversed(_observers):
            o.end(ev)
        return False


def composite(name: str):
    """Decorate a function that torch runs as one named op made of others (see `span`): it is
    announced to observers as that op, the event carrying the call (the function, its arguments, and its
    result once it returns); without observers it runs as it is."""
    def wrap(fn):
        @functools.wraps(fn)
        def observed(*args, **kwargs):
            if not _observers:
                return fn(*args, **kwargs)
            whole = span(name, kind="composite")
            whole.event.op, whole.event.inputs, whole.event.params = fn, args, kwargs
            with whole:
                out = fn(*args, **kwargs)
                whole.event.outputs = out
                return out
        return observed
    return wrap


def note_rebinding(tensor, now_holds) -> None:
    """Tell the observers that `tensor` now holds the value `now_holds` holds: an in-place op wrote it there
    (or `tensor` is a stand-in made to hold that value). Observers that follow values (a tracer) define
    `rebind(tensor, now_holds)`."""
    for o in _observers:
        rebind = getattr(o, "rebind", None)
        if rebind is not None:
            rebind(tensor, now_holds)


def note_view_write(view, base) -> None:
    """Tell the observers that an in-place op is about to write through `view` into `base`; observers that
    follow values define `view_write(view, base)` (a tracer refuses what it cannot replay)."""
    for o in _observers:
        hook = getattr(o, "view_write", None)
        if hook is not None:
            hook(view, base)
