"""torch.jit.trace: run a function or a module once on example inputs, recording the ops it calls; the
traced object replays those ops on new inputs.

As in torch, what the trace records is what ran: Python control flow and Python numbers read from
tensors are frozen at their traced values, tensors made inside the function (factories) become
constants, and a module's parameters and buffers are read from the module at each call (so training
the original updates the trace). Ops that torch records as one op made of others (dropout, cross-entropy)
are recorded as that one call, so their random draws are made again at each call. Unlike torch's trace,
which records sizes symbolically, minitorch's records the ops with the sizes they ran with: a trace
replays inputs of its traced shapes and dtypes, and refuses others with a clear error."""
from __future__ import annotations

import inspect
import warnings

from .. import nn
from ..autograd import events
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

_state = {"tracing": 0}


class TracerWarning(Warning):
    """What torch warns about a trace: results that may not generalise to other inputs."""


class _Ref:
    """Where a tensor of the trace comes from: an input, a step's output, a module attribute, a constant."""

    __slots__ = ("kind", "key")

    def __init__(self, kind: str, key):
        self.kind, self.key = kind, key


class _Recorder:
    """Follows the values of one call: which tensor each op received and which step made it."""

    def __init__(self, inputs, attributes: dict):
        self.refs, self.arrays, self.keep, self.steps = {}, {}, [], []
        self.attributes = attributes  # id(parameter or buffer) -> its qualified name
        self.inside = 0               # depth inside a composite op recorded as one step
        for i, t in enumerate(inputs):
            self._bind(t, _Ref("input", i))

    def _bind(self, t, ref):
        self.refs[id(t)] = ref
        self.arrays[id(t._data)] = ref  # a tensor made around the same array (detach, .data) is the same value
        self.keep.append(t)  # alive while tracing, so that ids are not reused

    def ref(self, value):
        """The reference standing for `value` (containers mapped element by element)."""
        if isinstance(value, Tensor):
            ref = self.refs.get(id(value)) or self.arrays.get(id(value._data))
            if ref is None:
                name = self.attributes.get(id(value))
                ref = (_Ref("attribute", name) if name is not None else  # a snapshot of a constant, made without an op
                       _Ref("constant", Tensor._wrap(value._data.copy(), value._device)))
                self._bind(value, ref)
            return ref
        if isinstance(value, (list, tuple)):
            return type(value)(self.ref(v) for v in value)
        if isinstance(value, dict):
            return {k: self.ref(v) for k, v in value.items()}
        return value

    def _record(self, call, name, args, kwargs, outputs):
        k = len(self.steps)
        self.steps.append((call, name, self.ref(tuple(args)), self.ref(dict(kwargs)), outputs))
        if isinstance(outputs, (tuple, list)):
            for j, o in enumerate(outputs):
                if isinstance(o, Tensor):
                    self._bind(o, _Ref("step", (k, j)))
        elif isinstance(outputs, Tensor):
            self._bind(outputs, _Ref("step", (k, None)))

    # ---- the event stream -------------------------------------------------------------------

    def begin(self, event):
        if event.kind == "composite" and event.op is not None:
            self.inside += 1

    def end(self, event):
        if event.kind == "composite" and event.op is not None:
            self.inside -= 1
            if not self.inside:
                self._record(event.op, event.name, event.inputs, event.params, event.outputs)
        elif event.kind == "op" and event.depth == 0 and not self.inside:
            self._record(_Apply(event.op), event.name, event.inputs, event.params, event.outputs)

    def rebind(self, tensor, now_holds):
        if self.inside:
            return
        value = self.ref(now_holds)
        name = self.attributes.get(id(tensor))
        if name is not None:  # a buffer updated in place (running statistics): written again at each call
            self.steps.append((_Assign(name), "assign", (value,), {}, None))
        self._bind(tensor, value)

    def view_write(self, view, base):
        if self.inside:
            return
        ref = self.refs.get(id(base))
        if ref is not None and ref.kind != "constant":
            raise NotImplementedError("jit.trace: an in-place write into a view of a traced tensor cannot be "
                                      "replayed by minitorch's tracer; write the op out of place")
        self.refs.pop(id(base), None)  # a constant written to: taken again at its next use
        self.refs.pop(id(view), None)


class _Apply:
    """A recorded op's Function, applied again at replay (through whatever `apply` it has then)."""

    __slots__ = ("function",)

    def __init__(self, function):
        self.function = function

    def __call__(self, *args, **kwargs):
        return self.function.apply(*args, **kwargs)


class _Assign:
    """A module attribute written in place (a buffer's update), written again at replay."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __call__(self, value, owner):
        _attribute(owner, self.name)._data[...] = value._data


class _Trace:
    """The recorded steps and the output's structure, replayable on new inputs."""

    def __init__(self, steps, output, arg_names, inputs):
        self.steps, self.output, self.arg_names = steps, output, arg_names
        self.signature = [(tuple(x.shape), x.dtype) for x in inputs]

    def check(self, inputs) -> None:
        """The replay is the traced ops with their sizes: inputs must have the traced shapes and dtypes."""
        if len(inputs) != len(self.arg_names):
            raise RuntimeError(f"forward() expected {len(self.arg_names)} arguments but received {len(inputs)}")
        for name, x, (shape, dtype) in zip(self.arg_names, inputs, self.signature):
            if not isinstance(x, Tensor) or tuple(x.shape) != shape or x.dtype is not dtype:
                got = f"{type(x).__name__}" if not isinstance(x, Tensor) else f"{list(x.shape)} {x.dtype}"
                raise RuntimeError(f"jit.trace: minitorch replays a trace for its traced input shapes and dtypes; "
                                   f"'{name}' was traced as {list(shape)} {dtype} and got {got} (trace again "
                                   f"with an example of this shape)")

    def run(self, inputs, owner=None):
        values = []

        def get(ref):
            if isinstance(ref, _Ref):
                if ref.kind == "input":
                    return inputs[ref.key]
                if ref.kind == "step":
                    k, j = ref.key
                    return values[k] if j is None else values[k][j]
                if ref.kind == "attribute":
                    return _attribute(owner, ref.key)
                return ref.key
            if isinstance(ref, (list, tuple)):
                return type(ref)(get(r) for r in ref)
            if isinstance(ref, dict):
                return {k: get(v) for k, v in ref.items()}
            return ref
        for call, _, args, kwargs, _ in self.steps:
            values.append(call(*get(args), owner) if isinstance(call, _Assign) else call(*get(args), **get(kwargs)))
        return get(self.output)

    def code(self, name: str, owner_prefix: str = "self") -> str:
        """The trace as Python: one line per op, in torch's style of traced code."""
        def show(ref):
            if isinstance(ref, _Ref):
                if ref.kind == "input":
                    return self.arg_names[ref.key]
                if ref.kind == "step":
                    k, j = ref.key
                    return f"_{k}" if j is None else f"_{k}[{j}]"
                if ref.kind == "attribute":
                    return f"{owner_prefix}.{ref.key}"
                return f"CONSTANTS.c{id(ref.key) % 10000}"
            if hasattr(ref, "shape") and hasattr(ref, "dtype"):  # an array among an op's parameters
                return f"<array {list(ref.shape)}>"
            if isinstance(ref, (list, tuple)):
                inner = ", ".join(show(r) for r in ref)
                return f"[{inner}]" if isinstance(ref, list) else f"({inner}{',' if len(ref) == 1 else ''})"
            if isinstance(ref, dict):
                return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in ref.items()) + "}"
            return repr(ref)
        params = ",\n    ".join(f"{a}: Tensor" for a in self.arg_names)
        lines = [f"def {name}({'self,' + chr(10) + '    ' if owner_prefix == 'self' else ''}{params}) -> Tensor:"]
        for k, (call, op, args, kwargs, _) in enumerate(self.steps):
            if isinstance(call, _Assign):
                lines.append(f"  {owner_prefix}.{call.name}.copy_({show(args[0])})")
                continue
            parts = [show(a) for a in args] + [f"{key}={show(v)}" for key, v in kwargs.items()]
            lines.append(f"  _{k} = torch.{op.split('::')[-1]}({', '.join(parts)})")
        lines.append(f"  return {show(self.output)}")
        return "\n".join(lines) + "\n"


def _attribute(owner, name: str):
    module_path, _, attr = name.rpartition(".")
    return getattr(owner.get_submodule(module_path) if module_path else owner, attr)


def _record(func, inputs, owner):
    attributes = {}
    if owner is not None:
        attributes = {id(t): n for n, t in (*owner.named_parameters(), *owner.named_buffers())}
    recorder = _Recorder(inputs, attributes)
    _state["tracing"] += 1
    try:
        with events.listen(recorder):
            output = func(*inputs)
    finally:
        _state["tracing"] -= 1
    return recorder, output


class ScriptModule(nn.Module):
    """The type of compiled modules; `trace` of a module gives one (a TracedModule)."""


class ScriptFunction:
    """The type of compiled functions; `trace` of a function gives one."""


class TracedModule(ScriptModule):
    """A module's forward as its trace: the same submodules, parameters and buffers (shared with the
    original, so state_dict keys are the original's), with `forward` replaying the recorded ops."""

    def __init__(self, original, trace: _Trace):
        super().__init__()
        self.__dict__["_trace"] = trace
        self.__dict__["original_name"] = type(original).__name__
        self._parameters, self._buffers, self._modules = original._parameters, original._buffers, original._modules
        self.training = original.training

    def forward(self, *inputs):
        self._trace.check(inputs)
        return self._trace.run(inputs, self)

    @property
    def code(self) -> str:
        return self._trace.code("forward")

    @property
    def graph(self):
        return _Graph(self._trace.code("forward"))

    def extra_repr(self) -> str:
        return f"original_name={self.original_name}"


class TracedFunction(ScriptFunction):
    """A traced function: calling it replays the recorded ops on new inputs."""

    def __init__(self, fn, trace: _Trace):
        self._trace, self.__name__ = trace, getattr(fn, "__name__", "fn")

    def __call__(self, *inputs):
        self._trace.check(inputs)
        return self._trace.run(inputs)

    @property
    def code(self) -> str:
        return self._trace.code(self.__name__, owner_prefix="")

    @property
    def graph(self):
        return _Graph(self.code)


class _Graph:
    """What `.graph` prints: the traced ops, one per line."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self):
        return self.text

    __repr__ = __str__


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None, example_kwarg_inputs=None,
          _store_inputs=True):
    """Trace `func` (a function or a module) on `example_inputs` (a tensor or a tuple of them)."""
    if example_kwarg_inputs is not None:
        raise NotImplementedError("jit.trace: example_kwarg_inputs is not supported by minitorch's tracer; pass "
                                  "the inputs positionally")
    if example_inputs is None:
        raise RuntimeError("example_kwarg_inputs or example_inputs should be provided")
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise RuntimeError(f"Type '{type(x).__name__}' cannot be traced. Only Tensors and (possibly nested) "
                               f"Lists, Dicts, and Tuples of Tensors can be traced (input {i})")
    is_module = isinstance(func, nn.Module)
    target = func.forward if is_module else func
    try:
        names = list(inspect.signature(target).parameters)[:len(inputs)]
    except (TypeError, ValueError):
        names = []
    names = names if len(names) == len(inputs) else [f"input_{i}" for i in range(len(inputs))]
    with no_grad():
        recorder, output = _record(func, inputs, func if is_module else None)
    traced_trace = _Trace(recorder.steps, recorder.ref(output), names, inputs)
    traced = TracedModule(func, traced_trace) if is_module else TracedFunction(func, traced_trace)
    if check_trace:
        _check(traced, check_inputs or [inputs], func, check_tolerance)
    return traced


def _check(traced, check_inputs, func, tolerance):
    """torch's check_trace: the trace, replayed, must give what the function gives (a TracerWarning if not)."""
    for inputs in check_inputs:
        inputs = inputs if isinstance(inputs, tuple) else (inputs,)
        with no_grad():  # as torch, the function is traced again on the check inputs
            want, got = _record(func, inputs, func if isinstance(func, nn.Module) else None)[1], traced(*inputs)
        for i, (w, g) in enumerate(zip(_flat(want), _flat(got))):
            if w.shape != g.shape or not bool(((w - g).abs() <= tolerance + tolerance * w.abs()).all()):
                warnings.warn(f"Output nr {i + 1}. of the traced function does not match the corresponding output "
                              "of the Python function.", TracerWarning, stacklevel=3)


def _flat(value) -> list:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flat(v)]
    return []


def is_tracing() -> bool:
    """True while `trace` runs the function it records."""
    return bool(_state["tracing"])
