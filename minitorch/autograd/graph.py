"""Tools to look at a graph: walk it, step through backward node by node, draw it.

`Stepper` runs the very engine that `backward()` uses (`engine.steps`), one node per
call; `to_dot` renders the graph in Graphviz's DOT language with shapes (and, after a
backward, gradients) on the leaves.
"""
from __future__ import annotations

from . import engine
from .function import AccumulateGrad


def nodes(root):
    """All nodes reachable from `root` (a tensor or a node), each once, parents first."""
    start = root.grad_fn if hasattr(root, "grad_fn") else root
    if start is None:
        return []
    seen, order, stack = {start}, [], [start]
    while stack:
        node = stack.pop()
        order.append(node)
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return order


class Stepper:
    """Step through `loss.backward()` one node at a time.

    >>> s = Stepper(loss)
    >>> step = s.step()     # runs one node: step.node, step.grad_outputs, step.grad_inputs
    >>> s.run()             # the rest
    """

    def __init__(self, tensor, gradient=None, retain_graph=False):
        grads = engine._make_grads([tensor], [gradient])
        self._gen = engine.steps([tensor], grads, retain_graph=retain_graph)
        self.history = []
        self.done = False

    def step(self):
        """Run the next node and return its Step, or None when backward is complete."""
        if self.done:
            return None
        try:
            s = next(self._gen)
        except StopIteration:
            self.done = True
            return None
        self.history.append(s)
        return s

    def run(self):
        while self.step() is not None:
            pass
        return self.history

    def __iter__(self):
        while True:
            s = self.step()
            if s is None:
                return
            yield s


def describe(step) -> str:
    """One line per step: node name, incoming and outgoing gradient shapes."""
    def shapes(gs):
        return ", ".join("None" if g is None else str(list(g.shape)) for g in gs)
    return f"{step.node.name()}: grad_outputs [{shapes(step.grad_outputs)}] -> grad_inputs [{shapes(step.grad_inputs)}]"


def trace(tensor, gradient=None, print_fn=print):
    """Run backward while printing each step."""
    for s in Stepper(tensor, gradient):
        print_fn(describe(s))


def to_dot(root, show_saved: bool = False) -> str:
    """The graph under `root` in Graphviz DOT: op nodes, leaf tensors with shape and grad."""
    lines = ["digraph autograd {", '  node [shape=box, fontname="monospace"];']
    for node in nodes(root):
        label = node.name()
        if isinstance(node, AccumulateGrad):
            v = node.variable
            label = f"leaf {list(v.shape)}"
            if v.grad is not None:
                label += f"\\ngrad {list(v.grad.shape)}"
            lines.append(f'  n{id(node)} [label="{label}", style=filled, fillcolor=lightblue];')
        else:
            if show_saved and getattr(node, "_saved", None) and isinstance(node._saved, tuple):
                label += "\\nsaved: " + ", ".join(str(list((s.tensor._data if s.tensor is not None else s.data).shape))
                                                 for s in node._saved if s is not None)
            lines.append(f'  n{id(node)} [label="{label}"];')
        for nxt, _ in node.next_functions:
            if nxt is not None:
                lines.append(f"  n{id(nxt)} -> n{id(node)};")
    lines.append("}")
    return "\n".join(lines)
