"""Optimizer base: parameter groups with per-group options, per-parameter state, state_dict."""
from __future__ import annotations

import warnings
from collections import defaultdict

from ..autograd import events
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


_WORDS = {"lr": "learning rate", "eps": "epsilon value"}


def check_non_negative(**values) -> None:
    """torch's ValueError for a negative hyperparameter: "Invalid learning rate: -1", "Invalid momentum value: -1"."""
    for name, value in values.items():
        if value < 0.0:
            raise ValueError(f"Invalid {_WORDS.get(name, name + ' value')}: {value}")


def check_betas(betas) -> None:
    """torch's check of Adam-style (beta1, beta2): each in [0, 1)."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


_ABSENT = object()


def implementation_flags(foreach=None, fused=_ABSENT, capturable=None, differentiable=False) -> dict:
    """torch's switches among implementations of one update, checked as torch checks them.

    `foreach` and `fused` choose among kernels that compute the same update; minitorch has one
    (NumPy's whole-array operations, a fused kernel on CUDA), so every choice gives the same
    numbers. `capturable` keeps the step on the device for CUDA graphs; minitorch's step is the
    same either way. `differentiable` asks autograd to record the update itself, which
    minitorch's in-place updates do not do: it raises. Only the switches an optimiser has in
    torch are passed (None leaves one out), and they land in its param_groups as in torch.
    """
    for name, value in (("foreach", foreach), ("fused", fused)):
        if value is not None and value is not _ABSENT and not isinstance(value, bool):
            raise TypeError(f"{name} must be a bool or None, not {type(value).__name__}")
    if foreach and fused and fused is not _ABSENT:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported: minitorch's optimisers update parameters "
                                  "in place without recording the update for autograd")
    flags = {"foreach": foreach, "differentiable": differentiable}
    if fused is not _ABSENT:
        flags["fused"] = fused
    if capturable is not None:
        flags["capturable"] = capturable
    return flags


class Optimizer:
    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + type(params).__name__)
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group: dict) -> None:
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _span(self, method: str):
        """The span the profiler shows for this call, named as torch's: Optimizer.step#SGD.step."""
        return events.span(f"Optimizer.{method}#{type(self).__name__}.{method}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        with self._span("zero_grad"):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        if set_to_none:
                            p.grad = None
                        else:
                            p.grad.zero_()

    # whether step() checks, as torch's does for optimisers with a step count, that a CUDA-graph capture of it
    # has capturable=True; and whether minitorch keeps that count on the device (so a captured step can be replayed)
    _checks_capture = False
    _steps_on_device = False

    def _graph_capture_health_check(self) -> None:
        from .. import cuda
        capturing = cuda.is_current_stream_capturing()
        name = type(self).__name__
        capturable = all(group.get("capturable") for group in self.param_groups)
        if capturing and not capturable:
            raise RuntimeError(f"Attempting CUDA graph capture of step() for an instance of {name} but "
                               "param_groups' capturable is False.")
        if capturing and not self._steps_on_device:
            raise NotImplementedError(f"minitorch keeps {name}'s step count on the host, so its step cannot be "
                                      "captured in a CUDA graph (Adam, AdamW and SGD steps can be)")
        if capturable and not capturing and not getattr(self, "_warned_capturable_if_run_uncaptured", False) \
                and any(p.device.type == "cuda" for group in self.param_groups for p in group["params"]):
            warnings.warn("This instance was constructed with capturable=True or some of all the param_groups came "
                          "with capturable=True, but step() is running without CUDA graph capture. If you never "
                          "intend to graph-capture this instance, capturable=True can impair performance, and you "
                          "should set capturable=False.", stacklevel=3)
            self._warned_capturable_if_run_uncaptured = True

    def step(self, closure=None):
        if self._checks_capture:
            self._graph_capture_health_check()
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        with no_grad(), self._span("step"):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, p.grad, self.state[p], group)
        return loss

    def _update(self, p, grad, state, group):
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Like torch's: state keyed by parameter index, groups listing indices."""
        index, packed, groups = {}, {}, []
        for group in self.param_groups:
            g = {k: v for k, v in group.items() if k != "params"}
            g["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                g["params"].append(index[id(p)])
                if p in self.state and self.state[p]:
                    packed[index[id(p)]] = {k: (v.clone() if isinstance(v, Tensor) else v)
                                            for k, v in self.state[p].items()}
            groups.append(g)
        return {"state": packed, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        by_index = {}
        for mine, saved in zip(self.param_groups, groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
            for p, i in zip(mine["params"], saved["params"]):
                by_index[i] = p
            mine.update({k: v for k, v in saved.items() if k != "params"})
        self.state = defaultdict(dict)
        for i, st in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {k: (_follow(v, p) if isinstance(v, Tensor) else v) for k, v in st.items()}

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in group if k != "params"):
                lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _follow(value: Tensor, param: Tensor) -> Tensor:
    """A loaded state tensor moved to its parameter's device (and, when floating, its dtype), as torch
    casts optimizer state on load."""
    dtype = param.dtype if value.is_floating_point() else None
    return value.to(device=param.device, dtype=dtype, copy=True)
