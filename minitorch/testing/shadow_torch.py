"""Shadow-torch: run minitorch code and its torch twin side by side and find the first op where
they part.

    report = minitorch.testing.shadow(model, x, y_target)      # or shadow(fn, *inputs)
    print(report)                 # the first divergence, then the per-op table
    report.first                  # None when every op matched

Both runs are recorded op by op: minitorch's through the event stream every instrument shares,
torch's through a `TorchDispatchMode` (forward) and hooks on every node of its graph (backward).
The two op sequences are aligned by name (a fused op on one side is compared with the last op
of the other side's block), each aligned pair's outputs are compared, and the first pair outside
tolerance is the divergence: forward ops first, in the order they ran, then backward nodes in the
order the engines ran them. Backward compares each node's returned gradients and, per parameter,
what reached it.
"""
from __future__ import annotations

import difflib
import itertools
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..autograd import events
from .twin import to_numpy, to_torch, twin_function, twin_module

# ops torch's dispatcher shows that compute nothing a user wrote
_TORCH_NOISE = {"aten::detach", "aten::lift_fresh", "aten::alias", "aten::_to_copy"}
_ORDER = itertools.count()  # records are numbered as they are made: one library's run in time order


@dataclass
class OpRecord:
    """One op (forward) or graph node (backward) as one library ran it."""

    phase: str                      # "forward" or "backward"
    name: str                       # aten op name, or the node's name
    outputs: list                   # NumPy copies of the output tensors (backward: returned gradients)
    inputs: list = field(default_factory=list)   # NumPy copies of the input tensors (incoming gradients)
    source: tuple | None = None     # (file, line, function, text) of the user's call
    module: str = ""                # the innermost named module running, e.g. "block_2.0"
    param: str = ""                 # backward sink: the parameter the gradient reached
    seq: int = field(default_factory=lambda: next(_ORDER))

    @property
    def key(self) -> str:
        """The name both libraries agree on: `aten::_log_softmax` and `aten::log_softmax` are one op."""
        name = re.sub(r"^aten::_?", "", self.name)
        return re.sub(r"_forward$", "", name)


@dataclass
class Comparison:
    """One aligned pair of records and how far apart their outputs are."""

    phase: str
    index: int
    ours: OpRecord
    theirs: OpRecord
    max_abs: float
    max_rel: float
    ok: bool
    note: str = ""

    @property
    def where(self) -> str:
        if self.ours.source is None:
            return ""
        filename, lineno, function, text = self.ours.source
        return f"{os.path.basename(filename)}:{lineno} in {function}: {text}"


def _arrays(tensors) -> list:
    return [to_numpy(t) for t in tensors]


def _errors(a: np.ndarray, b: np.ndarray):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    diff = np.abs(a64 - b64)
    if diff.size == 0:
        return 0.0, 0.0
    same = (a64 == b64) | (np.isnan(a64) & np.isnan(b64))  # equal infinities and NaN against NaN agree
    diff = np.where(same, 0.0, diff)
    diff = np.where(np.isnan(diff), np.inf, diff)  # NaN against a number: as far apart as can be
    nonzero = b64 != 0  # relative error where torch's value is not zero (the absolute error covers zeros)
    rel = np.divide(diff, np.abs(b64), out=np.zeros_like(diff), where=nonzero)
    return float(diff.max()), float(rel.max())


def worst_element(a: np.ndarray, b: np.ndarray) -> str:
    """Where two same-shaped arrays differ most, and both values there."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    diff = np.where((a64 == b64) | (np.isnan(a64) & np.isnan(b64)), 0.0, np.abs(a64 - b64))
    diff = np.where(np.isnan(diff), np.inf, diff)
    at = np.unravel_index(int(np.argmax(diff)), a.shape) if a.ndim else ()
    return f"at {list(map(int, at))}: minitorch {a64[at]:.6g}, torch {b64[at]:.6g}"


def compare_outputs(ours: list, theirs: list, rtol: float, atol: float, by_shape: bool = False):
    """(max abs error, max rel error, within tolerance, note) over the outputs both records have.

    by_shape pairs each of our outputs with the other side's first unused output of the same
    shape (backward nodes may order their inputs differently); otherwise outputs pair by position."""
    worst_abs = worst_rel = 0.0
    ok, compared, notes = True, 0, []
    unused = list(range(len(theirs)))
    for i, a in enumerate(ours):
        if a is None:
            continue
        if by_shape:
            j = next((j for j in ([i] if i in unused else []) + unused
                      if theirs[j] is not None and theirs[j].shape == a.shape), None)
            if j is None:
                continue
            unused.remove(j)
        elif i >= len(theirs) or theirs[i] is None:
            continue
        else:
            j = i
        b = theirs[j]
        if a.shape != b.shape:
            ok = False
            notes.append(f"output {i}: shape {list(a.shape)} vs torch's {list(b.shape)}")
            continue
        compared += 1
        if a.dtype.kind == "b" or b.dtype.kind == "b":
            same = np.array_equal(a, b)
            e_abs = e_rel = 0.0 if same else 1.0
        else:
            e_abs, e_rel = _errors(a, b)
            same = bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True))
        worst_abs, worst_rel = max(worst_abs, e_abs), max(worst_rel, e_rel)
        ok = ok and same
    if not compared and not notes:
        notes.append("no outputs to compare")
    return worst_abs, worst_rel, ok, "; ".join(notes)


def align(ours: list, theirs: list, phase: str, rtol: float, atol: float) -> list:
    """Pair our records with torch's by name and compare each pair; a block of differently named
    ops on each side (a fused op against its parts) compares the blocks' last outputs."""
    rows = []
    if phase == "backward":  # gradients reaching parameters pair by parameter, whatever order the sinks ran in
        sinks, seen = {}, {}
        for r in theirs:  # the k-th gradient reaching a parameter (one per backward pass)
            if r.param:
                sinks[(r.param, seen.setdefault(r.param, 0))] = r
                seen[r.param] += 1
        seen = {}
        for i, a in enumerate(ours):
            if a.param:
                b = sinks.get((a.param, seen.setdefault(a.param, 0)))
                seen[a.param] += 1
                if b is not None:
                    rows.append(Comparison(phase, i, a, b, *compare_outputs(a.outputs, b.outputs, rtol, atol)))
        ours_index = [i for i, r in enumerate(ours) if not r.param]
        theirs = [r for r in theirs if not r.param]
    else:
        ours_index = list(range(len(ours)))
    records = [ours[i] for i in ours_index]
    matcher = difflib.SequenceMatcher(None, [r.key for r in records], [r.key for r in theirs], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = []
        if tag == "equal":
            pairs = list(zip(range(i1, i2), range(j1, j2)))
        elif tag == "replace":
            pairs = [(i2 - 1, j2 - 1)]
        for i, j in pairs:
            a, b = records[i], theirs[j]
            by_shape = phase == "backward"
            e_abs, e_rel, ok, note = compare_outputs(a.outputs, b.outputs, rtol, atol, by_shape)
            if tag == "replace":
                if note and not ok:  # a fused block whose outputs are not comparable: not a divergence
                    continue
                note = (note + "; " if note else "") + "fused: " + " + ".join(r.name for r in theirs[j1:j2])
            rows.append(Comparison(phase, ours_index[i], a, b, e_abs, e_rel, ok, note))
    return sorted(rows, key=lambda r: r.index)


class ShadowReport:
    """The aligned comparison of one run: `first` divergence (or None), `rows`, `table()`, `draw()`."""

    def __init__(self, rows: list, ours: dict, theirs: dict, rtol: float, atol: float, graph_root=None,
                 node_of=None, params=None):
        self.rows = sorted(rows, key=lambda r: r.ours.seq)  # in the order minitorch ran them
        self.ours, self.theirs = ours, theirs
        self.rtol, self.atol = rtol, atol
        self.first = next((r for r in self.rows if not r.ok), None)
        self._graph_root = graph_root
        self._node_of = node_of or {}
        self._params = params

    @property
    def matched(self) -> bool:
        return self.first is None

    def table(self, limit: int | None = None) -> str:
        lines = [f"{'#':>4}  {'phase':<8}  {'op':<34}  {'module/param':<16}  {'shape':<16}  {'max abs':>9}  "
                 f"{'max rel':>9}  result"]
        for r in self.rows[:limit]:
            first = next((o for o in r.ours.outputs if o is not None), None)
            shape = "-" if first is None else str(list(first.shape))
            where = r.ours.param or r.ours.module
            where = where if len(where) <= 16 else "…" + where[-15:]
            lines.append(f"{r.index:>4}  {r.phase:<8}  {r.ours.name[:34]:<34}  {where:<16}  {shape[:16]:<16}  "
                         f"{r.max_abs:9.2e}  {r.max_rel:9.2e}  {'ok' if r.ok else 'DIVERGES'}")
        return "\n".join(lines)

    def summary(self) -> str:
        counts = {p: sum(1 for r in self.rows if r.phase == p) for p in ("forward", "backward")}
        head = (f"shadow-torch: {counts['forward']} forward ops and {counts['backward']} backward nodes compared "
                f"(rtol={self.rtol:g}, atol={self.atol:g})")
        if self.first is None:
            return head + "\nevery op matched torch"
        r = self.first
        lines = [head, f"first divergence: {r.phase} op #{r.index} {r.ours.name}"
                       + (f" (gradient reaching {r.ours.param})" if r.ours.param else "")]
        if r.ours.module:
            lines.append(f"  in module   {r.ours.module}")
        if r.where:
            lines.append(f"  called at   {r.where}")
        shapes = ", ".join(f"{list(o.shape)} {o.dtype}" for o in r.ours.outputs if o is not None)
        lines.append(f"  outputs     {shapes}")
        lines.append(f"  max error   abs {r.max_abs:.3e}, rel {r.max_rel:.3e}" + (f"  ({r.note})" if r.note else ""))
        pair = next(((a, b) for a, b in zip(r.ours.outputs, r.theirs.outputs)
                     if a is not None and b is not None and a.shape == b.shape and a.size), None)
        if pair is not None:
            lines.append(f"  worst       {worst_element(*pair)}")
        lines.append(f"  torch's op  {r.theirs.name}")
        for label, rec in (("minitorch", r.ours), ("torch", r.theirs)):
            inputs = "; ".join(_summarise(a) for a in rec.inputs if a is not None)
            lines.append(f"  {label + ' in':<11} {inputs or '-'}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary() + "\n\n" + self.table()

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def draw(self, **kwargs):
        """Our graph with each node coloured by its error: green within tolerance, red beyond."""
        from ..autograd.graph import draw
        if self._graph_root is None:
            raise RuntimeError("this run left no graph to draw (no output required grad)")
        colours = {}
        for r in self.rows:
            node = self._node_of.get(id(r.ours))
            if node is not None:
                worst = colours.get(node, "palegreen")
                colours[node] = "salmon" if not r.ok or worst == "salmon" else "palegreen"
        first = self._node_of.get(id(self.first.ours)) if self.first is not None else None
        kwargs.setdefault("params", self._params)
        return draw(self._graph_root, node_colors=colours, highlight=first, **kwargs)


def _summarise(a: np.ndarray) -> str:
    flat = a.reshape(-1)
    values = np.array2string(flat[:4], precision=4, separator=", ")
    return f"{list(a.shape)} {values[:-1]}{', ...]' if flat.size > 4 else ']'}"


class _MinitorchRecorder:
    """Records minitorch's top-level forward ops and its backward nodes from the event stream."""

    with_stack = True

    def __init__(self, names: dict, module_stack: list):
        self.forward, self.backward = [], []
        self.names, self.module_stack = names, module_stack
        self.node_of: dict = {}       # id(record) -> our graph node (for the coloured picture)
        self.made_by: dict = {}       # graph node -> the forward record that created it

    def begin(self, event):
        pass

    def end(self, event):
        if event.kind == "op" and event.depth == 0:
            outs = event.output_tensors()
            rec = OpRecord("forward", event.name, _arrays(outs), _arrays(event.input_tensors()),
                           event.source, self.module_stack[-1] if self.module_stack else "")
            self.forward.append(rec)
            node = next((t.grad_fn for t in outs if t.grad_fn is not None), None)
            if node is not None:
                self.node_of[id(rec)] = node
                self.made_by[node] = rec
        elif event.kind == "backward":
            node = event.op
            grads_in = [None if g is None else to_numpy(g) for g in event.inputs]
            variable = getattr(node, "variable", None)
            if variable is not None:  # a leaf's sink: what reached the parameter
                rec = OpRecord("backward", event.name, grads_in[:1], [], None, "", self.names.get(id(variable), "leaf"))
            else:
                outs = [None if g is None else to_numpy(g) for g in (event.outputs or ())]
                made_by = self.made_by.get(node)  # the forward op whose node this is: its module and line
                rec = OpRecord("backward", event.name, outs, grads_in, made_by and made_by.source,
                               made_by.module if made_by else "")
            self.backward.append(rec)
            self.node_of[id(rec)] = node


def _track_modules(model, stack: list) -> list:
    """Forward hooks that keep `stack` holding the names of the modules now running."""
    def enter(name):
        def hook(module, args):
            stack.append(name)
        return hook

    def leave(module, args, output):
        stack.pop()

    handles = []
    for name, m in model.named_modules():
        if name:
            handles.append(m.register_forward_pre_hook(enter(name)))
            handles.append(m.register_forward_hook(leave))
    return handles


def _names(models: list, inputs) -> dict:
    """Names for the leaves: parameter names (prefixed by the model's place when there are several),
    and "input i" for the inputs."""
    names = {}
    for k, model in enumerate(models):
        prefix = f"model{k}." if len(models) > 1 else ""
        names.update({id(p): prefix + n for n, p in model.named_parameters()})
    names.update({id(t): f"input {i}" for i, t in enumerate(inputs) if hasattr(t, "requires_grad")})
    return names


def _track_all(models: list, stack: list) -> list:
    return [h for model in models for h in _track_modules(model, stack)]


def _run_minitorch(fn, inputs, models: list, backward: bool):
    stack: list = []
    handles = _track_all(models, stack)
    recorder = _MinitorchRecorder(_names(models, inputs), stack)
    try:
        with events.listen(recorder):
            out = fn(*inputs)
            root = _backward_root(out)
            if backward and root is not None:
                _run_backward(root)
    finally:
        for h in handles:
            h.remove()
    return recorder, root


def _backward_root(out):
    """The tensor backward starts from: the output itself, or the first tensor output that needs grad."""
    candidates = out if isinstance(out, (tuple, list)) else [out]
    return next((t for t in candidates if getattr(t, "requires_grad", False) and t.grad_fn is not None), None)


def _run_backward(root):
    """backward() from `root`: a scalar as is, anything else with a gradient of ones."""
    if root.numel() == 1:
        root.backward()
    else:
        library = __import__(type(root).__module__.split(".")[0])  # minitorch or torch
        root.backward(library.ones_like(root))


def _torch_recorders():
    """A dispatch mode recording torch's forward aten ops, and a backward that records every node."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    class ForwardRecorder(TorchDispatchMode):
        def __init__(self, stack):
            super().__init__()
            self.records, self.stack, self.active = [], stack, True

        def __torch_dispatch__(self, func, types_, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            name = func._schema.name
            if self.active and name not in _TORCH_NOISE:
                flat_out = out if isinstance(out, (tuple, list)) else [out]
                tensors_out = [t for t in flat_out if isinstance(t, torch.Tensor)]
                tensors_in = [a for a in args if isinstance(a, torch.Tensor)]
                self.records.append(OpRecord("forward", name, _arrays(tensors_out), _arrays(tensors_in),
                                             None, self.stack[-1] if self.stack else ""))
            return out

    return ForwardRecorder


def record_torch_backward(root, names: dict, run=None) -> list:
    """Run torch's backward from `root` (by `run()`, or from `root` alone), recording every node it runs
    (in order) through node hooks."""
    records, handles, seen, todo = [], [], set(), [root.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        variable = getattr(node, "variable", None)

        def hook(grad_inputs, grad_outputs, node=node, variable=variable):
            ins = [None if g is None else to_numpy(g) for g in grad_outputs]
            if variable is not None:
                records.append(OpRecord("backward", node.name(), ins[:1], [], None, "",
                                        names.get(id(variable), "leaf")))
            else:
                outs = [None if g is None else to_numpy(g) for g in grad_inputs]
                records.append(OpRecord("backward", node.name(), outs, ins))
        handles.append(node.register_hook(hook))
        todo.extend(n for n, _ in node.next_functions)
    try:
        run() if run is not None else _run_backward(root)
    finally:
        for h in handles:
            h.remove()
    return records


def _run_torch(fn, inputs, models: list, backward: bool):
    stack: list = []
    handles = _track_all(models, stack)
    recorder = _torch_recorders()(stack)
    try:
        with recorder:
            out = fn(*inputs)
        root = _backward_root(out)
        backward_records = record_torch_backward(root, _names(models, inputs)) if backward and root is not None else []
    finally:
        for h in handles:
            h.remove()
    return recorder.records, backward_records


def shadow(fn_or_model, *inputs, torch_model=None, rtol: float = 1e-4, atol: float = 1e-5,
           backward: bool = True) -> ShadowReport:
    """Run `fn_or_model(*inputs)` in minitorch and its torch twin, and report the first op (forward)
    or graph node (backward) whose values leave `rtol`/`atol`.

    fn_or_model: a minitorch nn.Module, or a function written against minitorch's torch API.
    torch_model: the torch module to compare with (our weights are loaded into it); by default the
        twin is built from the model's own code (see `minitorch.testing.twin`).
    backward: also run backward from the output (a scalar; otherwise with a gradient of ones).
    """
    import minitorch
    if isinstance(fn_or_model, minitorch.nn.Module):
        model = fn_or_model
        if torch_model is None:
            torch_model = twin_module(model)
        else:
            import torch
            torch_model.load_state_dict({k: torch.from_numpy(to_numpy(v)) for k, v in model.state_dict().items()})
        torch_fn, pairs = torch_model, [(model, torch_model)]
    elif callable(fn_or_model):
        if torch_model is not None:
            raise TypeError("torch_model is for shadowing a model; a function's twin is the function itself on torch")
        twins: dict = {}
        torch_fn = twin_function(fn_or_model, twins)
        pairs = [v for k, v in twins.items() if isinstance(k, int)]  # the models the function uses, and twins
    else:
        raise TypeError(f"shadow() needs a minitorch nn.Module or a function, got {type(fn_or_model).__name__}")
    torch_inputs = [to_torch(x) for x in inputs]
    ours, root = _run_minitorch(fn_or_model, inputs, [p[0] for p in pairs], backward)
    theirs_forward, theirs_backward = _run_torch(torch_fn, torch_inputs, [p[1] for p in pairs], backward)
    rows = align(ours.forward, theirs_forward, "forward", rtol, atol)
    rows += align(ours.backward, theirs_backward, "backward", rtol, atol)
    params = {name: p for model, _ in pairs for name, p in model.named_parameters()} if len(pairs) == 1 else None
    return ShadowReport(rows, {"forward": ours.forward, "backward": ours.backward},
                        {"forward": theirs_forward, "backward": theirs_backward}, rtol, atol,
                        graph_root=root, node_of=ours.node_of, params=params)
