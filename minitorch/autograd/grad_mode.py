"""Grad modes: whether ops record a graph. Context managers and decorators, as in torch."""
from __future__ import annotations

import functools


class _State:
    # Set on the instance, not the class: every op reads some of these, and CPython specialises reads of an
    # instance's own attributes (a class attribute read through an instance takes the slow generic lookup).
    def __init__(self):
        self.enabled = True      # ops record the graph
        self.anomaly = False     # detect_anomaly: remember forward traces
        self.check_nan = True    # ... and check backward's results for NaN
        self.inference = False
        self.forward_ad = False  # a forward-AD dual level is open: ops push tangents
        self.vmap = 0            # how many vmaps are open: ops mark what they compute from a batched slice (batched.py)
        self.transforms = 0      # how many torch.func derivative transforms (grad, vjp, jvp, ...) are running


state = _State()


def is_grad_enabled() -> bool:
    return state.enabled


class _GradModeBase:
    """Base for grad-mode switches usable both as `with` blocks and as decorators."""

    _target = True

    def __new__(cls, orig_func=None):
        # `@no_grad` without parentheses decorates directly, as torch allows.
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            return self(orig_func)
        return self

    def __init__(self) -> None:
        pass

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._target

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradModeBase):
    """Ops inside record nothing; results never require grad."""

    _target = False


class enable_grad(_GradModeBase):
    """Re-enable recording inside a `no_grad` block."""

    _target = True


class inference_mode(_GradModeBase):
    """Like `no_grad` (minitorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self.mode = mode

    def __enter__(self):
        self._prev = state.enabled
        self._prev_inf = state.inference
        if self.mode:
            state.enabled = False
            state.inference = True

    def __exit__(self, *exc):
        state.enabled = self._prev
        state.inference = self._prev_inf
        return False

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError("inference_mode decorator expects a function")
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled() -> bool:
    return state.inference


class set_grad_enabled(_GradModeBase):
    """Switch recording on or off: takes effect at once, or as a `with` block / decorator."""

    def __init__(self, mode: bool):
        self._prev = state.enabled
        self._target = bool(mode)
        state.enabled = self._target

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        state.enabled = self._prev
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(target):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return set_grad_enabled(self._target)


class detect_anomaly:
    """Record where each node was created and (with check_nan) raise, naming it, when backward yields NaN."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = state.anomaly, state.check_nan
        state.anomaly, state.check_nan = True, self.check_nan

    def __exit__(self, *exc):
        state.anomaly, state.check_nan = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off now; as a `with` block, restore the previous setting after."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = state.anomaly, state.check_nan
        state.anomaly, state.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc):
        state.anomaly, state.check_nan = self._prev
        return False


def is_anomaly_enabled() -> bool:
    return state.anomaly
