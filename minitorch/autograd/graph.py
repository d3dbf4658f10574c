"""Seeing a graph: walk it, draw it, and step through backward node by node.

`draw` returns a `graphviz.Digraph` (the picture torchviz draws for torch): op nodes by torch's
names, leaves by their parameter names, shapes and dtypes, and on request saved tensors, values
and gradients. `Stepper` runs the very engine that `backward()` uses (`engine.steps`), one node
per call, and shows what each node received, used, returned and accumulated.
"""
from __future__ import annotations

import linecache

from . import engine
from . import function as F
from .function import AccumulateGrad

# torchviz's colours: ops grey, leaves blue, outputs green, saved tensors orange
_COLOURS = {"op": "lightgrey", "leaf": "lightblue", "output": "darkolivegreen1", "saved": "orange"}


def _as_roots(tensor_or_tensors) -> list:
    if isinstance(tensor_or_tensors, (tuple, list)):
        return list(tensor_or_tensors)
    return [tensor_or_tensors]


def nodes(root):
    """All nodes reachable from `root` (tensors or nodes), each once, parents first."""
    starts = []
    for r in _as_roots(root):
        start = r.grad_fn if hasattr(r, "grad_fn") else r
        if start is not None and start not in starts:
            starts.append(start)
    seen, order, stack = set(starts), [], list(reversed(starts))
    while stack:
        node = stack.pop()
        order.append(node)
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return order


def formula_of(node) -> str:
    """What a node computes: its op's `formula` (the backward rule), else its op's docstring's first line."""
    for cls in type(node).__mro__:
        formula = cls.__dict__.get("formula")
        if formula:
            return formula
        doc = cls.__dict__.get("__doc__")
        if doc and cls not in (F.Primitive, F.Function, F.FunctionCtx, F.Node):
            return doc.strip().splitlines()[0]
    return ""


def values(t, max_elements: int = 6) -> str:
    """Up to `max_elements` of a tensor's values, flattened: "[1, 2.5, …]"."""
    data = t.detach().cpu().numpy().reshape(-1)
    shown = ", ".join(f"{v:.4g}" if data.dtype.kind == "f" else str(v) for v in data[:max_elements])
    return f"[{shown}{', …' if data.size > max_elements else ''}]"


def summarize(t, max_elements: int = 6) -> str:
    """A tensor in one line: shape, dtype and up to `max_elements` values."""
    if t is None:
        return "None"
    return f"{_shape_dtype(t)} {values(t, max_elements)}"


def _shape_dtype(t) -> str:
    return f"{tuple(t.shape)} {str(t.dtype).replace('torch.', '')}"


def _missing_dot_error(exc):
    return RuntimeError(
        "Graphviz's `dot` program is needed to render the graph picture and was not found "
        f"({exc}). Install it (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`, "
        "conda: `conda install graphviz`); the DOT source is in `.source` meanwhile.")


def _digraph_class():
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing graphs needs the `graphviz` Python package: pip install graphviz "
                          "(and Graphviz's `dot` program to render: apt-get install graphviz)") from None

    class Picture(graphviz.Digraph):
        """A graphviz.Digraph whose rendering explains how to get `dot` when it is missing."""

        def pipe(self, *args, **kwargs):
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound as exc:
                raise _missing_dot_error(exc) from None

        def render(self, *args, **kwargs):
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as exc:
                raise _missing_dot_error(exc) from None

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except (graphviz.ExecutableNotFound, RuntimeError):
                return {"text/plain": self.source}
    return Picture


def draw(tensor_or_tensors, params=None, show_saved: bool = False, show_values: bool = False,
         show_grads: bool = False, max_elements: int = 6, *, node_colors=None, highlight=None):
    """The backward graph behind `tensor_or_tensors` as a `graphviz.Digraph`.

    params: names for leaves, e.g. `dict(model.named_parameters())`.
    show_saved: each op's saved tensors (name, shape, dtype, version), as orange nodes.
    show_values / show_grads: up to `max_elements` values of leaves and outputs / leaves' `.grad`.
    node_colors: {node: fill colour} over the defaults (the stepper marks nodes run, shadow its errors).
    highlight: a node (or nodes) to outline in red.
    Displays inline in Jupyter; `.render("graph", format="svg")` writes a file.
    """
    if max_elements < 0:
        raise ValueError(f"max_elements must be non-negative, got {max_elements}")
    roots = _as_roots(tensor_or_tensors)
    for r in roots:
        if not isinstance(r, F.Tensor):
            raise TypeError(f"draw() expects tensors, got {type(r).__name__}")
    names = {id(p): n for n, p in (params or {}).items()}
    node_colors = node_colors or {}
    highlighted = set(_as_roots(highlight)) if highlight is not None else set()
    dot = _digraph_class()(name="autograd", format="svg", node_attr={
        "style": "filled", "shape": "box", "align": "left", "fontsize": "10", "ranksep": "0.1",
        "height": "0.2", "fontname": "monospace"}, graph_attr={"size": "12,12"})

    def tensor_label(t, title):
        lines = [title, _shape_dtype(t)]
        if show_values:
            lines.append("data " + values(t, max_elements))
        if show_grads and t.grad is not None:
            lines.append("grad " + values(t.grad, max_elements))
        return "\n".join(lines)

    def style(node, default):
        attrs = {"fillcolor": node_colors.get(node, default)}
        if node in highlighted:
            attrs.update(color="red", penwidth="3")
        return attrs

    for node in nodes(roots):
        if isinstance(node, AccumulateGrad):
            v = node.variable
            title = names.get(id(v), "leaf")
            dot.node(str(id(node)), tensor_label(v, title), **style(node, _COLOURS["leaf"]))
        else:
            dot.node(str(id(node)), node.name(), **style(node, _COLOURS["op"]))
            if show_saved:
                for name, t in node._tensors_saved():
                    sid = f"{id(node)}_{name}"
                    label = f"{name}\n" + ("(modified in place)" if t is None else
                                           f"{_shape_dtype(t)}\nversion {t._version}")
                    dot.node(sid, label, fillcolor=_COLOURS["saved"])
                    dot.edge(sid, str(id(node)), style="dashed", dir="none")
        for nxt, _ in node.next_functions:
            if nxt is not None:
                dot.edge(str(id(nxt)), str(id(node)))
    for i, r in enumerate(roots):
        oid = f"out{i}_{id(r)}"
        title = names.get(id(r), "output" if len(roots) == 1 else f"output {i}")
        dot.node(oid, tensor_label(r, title), fillcolor=_COLOURS["output"])
        if r.grad_fn is not None:
            dot.edge(str(id(r.grad_fn)), oid)
    return dot


def to_dot(root, show_saved: bool = False, **kwargs) -> str:
    """The DOT source of `draw(root, ...)`."""
    return draw(root, show_saved=show_saved, **kwargs).source


# ---- stepping through backward ---------------------------------------------------------------

class Stepper:
    """Step through `tensor.backward()` one node at a time: a debugger for the backward pass.

    >>> s = Stepper(loss, params=dict(model.named_parameters()))
    >>> print(s.step())     # runs one node: what it received, used, returned and accumulated
    >>> s.where()           # the frontier: nodes ready to run and their pending gradients
    >>> s.run_to("MulBackward0"); s.step(3); s.run()
    >>> s.history           # every step so far
    """

    def __init__(self, tensor, gradient=None, retain_graph: bool = False, params=None):
        grads = engine._make_grads([tensor], [gradient])
        self._root = tensor
        self._seed = grads[0]
        self._gen = engine.steps([tensor], grads, retain_graph=retain_graph)
        self.names = {id(p): n for n, p in (params or {}).items()}
        self.history: list[StepView] = []
        self.done = False

    def _next(self):
        if self.done:
            return None
        try:
            s = next(self._gen)
        except StopIteration:
            self.done = True
            return None
        view = StepView(s, len(self.history), self.names)
        self.history.append(view)
        return view

    def step(self, n: int = 1):
        """Run the next `n` nodes; return the last one's StepView (None once backward is complete)."""
        if n < 1:
            raise ValueError(f"step() needs n >= 1, got {n}")
        view = None
        for _ in range(n):
            view = self._next()
            if view is None:
                break
        return view

    def run(self):
        """Run backward to the end; return the whole history."""
        while self._next() is not None:
            pass
        return self.history

    def run_to(self, target) -> bool:
        """Run until `target` (a node, or a node name such as "MulBackward0") is the next to run.
        Returns True when stopped there, False when backward finished without meeting it."""
        def matches(node):
            return node is target or (isinstance(target, str) and node.name() == target)
        while not self.done:
            ready = self.where()["ready"]
            if ready and matches(ready[0][0]):
                return True
            self._next()
        return False

    def where(self) -> dict:
        """{"ready": [(node, gradients)], "waiting": [(node, gradients)]}: what runs next, in order,
        and the nodes that have some of their gradients but wait for more."""
        if self.history:
            last = self.history[-1].step
            return {"ready": list(last.ready), "waiting": list(last.waiting)}
        if self.done:
            return {"ready": [], "waiting": []}
        root = self._root
        node = root.grad_fn if root.grad_fn is not None else root._accumulator()
        return {"ready": [(node, (self._seed,))], "waiting": []}

    def __iter__(self):
        while True:
            s = self._next()
            if s is None:
                return
            yield s


class StepView:
    """One step of a Stepper: the engine's Step with names, the formula, and the leaf's new `.grad`."""

    def __init__(self, step, index: int, names: dict):
        self.step = step
        self.index = index
        self.names = names
        node = step.node
        self.accumulated = None
        if isinstance(node, AccumulateGrad) and node.variable.grad is not None:
            self.accumulated = node.variable.grad.detach().clone()

    # the engine's fields, so a view reads like a Step
    node = property(lambda self: self.step.node)
    grad_outputs = property(lambda self: self.step.grad_outputs)
    grad_inputs = property(lambda self: self.step.grad_inputs)
    saved = property(lambda self: self.step.saved)

    @property
    def formula(self) -> str:
        return formula_of(self.node)

    def _target(self, i) -> str:
        nxt, nr = self.node.next_functions[i]
        if isinstance(nxt, AccumulateGrad):
            return f"{nxt.name()} ({self.names.get(id(nxt.variable), 'leaf')})"
        return nxt.name() if nxt is not None else "None"

    def format(self, max_elements: int = 6) -> str:
        node = self.node
        lines = [f"step {self.index}: {node.name()}" + (f"    {self.formula}" if self.formula else "")]
        for i, g in enumerate(self.grad_outputs):
            lines.append(f"  grad in [{i}]   {summarize(g, max_elements)}")
        for name, t in self.saved:
            lines.append(f"  saved {name}: {'(modified in place)' if t is None else summarize(t, max_elements)}")
        for i, g in enumerate(self.grad_inputs):
            if i < len(node.next_functions) and node.next_functions[i][0] is not None:
                lines.append(f"  grad out [{i}] -> {self._target(i)}: {summarize(g, max_elements)}")
        if self.accumulated is not None:
            name = self.names.get(id(node.variable), "leaf")
            lines.append(f"  {name}.grad = {summarize(self.accumulated, max_elements)}")
        return "\n".join(lines)

    def __str__(self):
        return self.format()

    def __repr__(self):
        return f"<StepView {self.index}: {self.node.name()}>"


def describe(step) -> str:
    """One line per step: node name, incoming and outgoing gradient shapes."""
    def shapes(gs):
        return ", ".join("None" if g is None else str(list(g.shape)) for g in gs)
    return f"{step.node.name()}: grad_outputs [{shapes(step.grad_outputs)}] -> grad_inputs [{shapes(step.grad_inputs)}]"


def trace(tensor, gradient=None, print_fn=print):
    """Run backward while printing each step."""
    for s in Stepper(tensor, gradient):
        print_fn(s.format())


# ---- hooks on saved tensors (torch.autograd.graph) -------------------------------------------------

class saved_tensors_hooks:
    """Inside the block, every tensor an op saves for backward goes through `pack_hook(tensor)`, and
    backward gets `unpack_hook(packed)` back instead (to compress, offload or log saved tensors)."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if _disabled_messages:
            raise RuntimeError(_disabled_messages[-1])
        F.saved_tensors_hooks_stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        F.saved_tensors_hooks_stack.pop()
        return False


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept as copies in host memory and moved back to their device for backward."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        def pack(tensor):
            return tensor.device, tensor.detach().to("cpu", copy=True)

        def unpack(packed):
            device, tensor = packed
            return tensor.to(device)
        super().__init__(pack, unpack)


_disabled_messages: list = []


class disable_saved_tensors_hooks:
    """Inside the block, opening a saved_tensors_hooks raises RuntimeError(error_message)."""

    def __init__(self, error_message: str):
        self.error_message = error_message

    def __enter__(self):
        _disabled_messages.append(self.error_message)
        return self

    def __exit__(self, *exc):
        _disabled_messages.pop()
        return False


# ---- nodes, edges and sources --------------------------------------------------------------------

Node = F.Node  # every graph node is one (isinstance(y.grad_fn, Node)), as torch.autograd.graph.Node


class GradientEdge(tuple):
    """(node, output_nr): where a tensor's gradient enters the graph (torch.autograd.graph.GradientEdge)."""

    def __new__(cls, node, output_nr: int):
        return super().__new__(cls, (node, output_nr))

    node = property(lambda self: self[0])
    output_nr = property(lambda self: self[1])


def get_gradient_edge(tensor) -> GradientEdge:
    """The edge a tensor's gradient flows along: its grad_fn (a leaf's AccumulateGrad) and output number."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require "
                           "gradients")
    if tensor.grad_fn is None:
        return GradientEdge(tensor._accumulator(), 0)
    return GradientEdge(tensor.grad_fn, tensor._output_nr)


def increment_version(tensor) -> None:
    """Mark `tensor` as changed in place (backward then refuses the copies of it saved before)."""
    tensor._bump()


class Source(tuple):
    """Where a node's op is written: its file, and the first line of its forward and of its backward."""

    def __new__(cls, file: str, forward_line: int, backward_line: int):
        return super().__new__(cls, (file, forward_line, backward_line))

    file = property(lambda self: self[0])
    forward_line = property(lambda self: self[1])
    backward_line = property(lambda self: self[2])

    def __str__(self):
        return f"{self.file}:{self.forward_line} (forward), {self.file}:{self.backward_line} (backward)"


def source(node) -> Source:
    """The file and lines of the op behind a node: for TanhBackward0 the unary ops' forward and the line
    that defines tanh's derivative; for a fused op its one definition; for a leaf's sink, AccumulateGrad."""
    if isinstance(node, AccumulateGrad):
        code = AccumulateGrad._run_backward.__code__
        return Source(code.co_filename, code.co_firstlineno, code.co_firstlineno)
    op = next(c for c in type(node).__mro__ if not c.__dict__.get("_is_node"))

    def where(*names):
        for name in names:
            fn = getattr(getattr(op, name, None), "__func__", getattr(op, name, None))
            code = getattr(fn, "__code__", None)
            if code is not None:
                line = code.co_firstlineno
                while linecache.getline(code.co_filename, line).lstrip().startswith("@"):
                    line += 1  # past decorators, to the def itself
                return code.co_filename, line
        return None
    forward = where("definition", "forward")
    backward = where("df", "definition", "backward") or forward
    return Source(forward[0], forward[1], backward[1])


class _MultiHandle:
    def __init__(self, handles):
        self.handles = handles

    def remove(self):
        for h in self.handles:
            h.remove()


def register_multi_grad_hook(tensors, fn, *, mode: str = "all"):
    """One hook on several tensors. mode="all": after a backward pass, fn(grads) with each tensor's
    gradient of that pass (None for those it did not reach); mode="any": fn(grad) once per pass, with the
    first of their gradients computed. Returns a handle whose remove() takes it off."""
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    state = {"grads": None, "fired": False}

    def finish():
        grads, state["grads"], state["fired"] = state["grads"], None, False
        if mode == "all" and grads is not None:
            fn(tuple(grads))

    def hook_for(i):
        def hook(grad):
            if state["grads"] is None and not state["fired"]:
                state["grads"] = [None] * len(tensors)
                engine.queue_callback(finish)
            if mode == "any":
                if not state["fired"]:
                    state["fired"] = True
                    fn(grad)
            else:
                state["grads"][i] = grad
        return hook
    return _MultiHandle([t.register_hook(hook_for(i)) for i, t in enumerate(tensors) if t.requires_grad])
