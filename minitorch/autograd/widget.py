"""A Jupyter widget for stepping through backward: Next, Previous, Run to, Reset, with the graph
picture redrawn at every step (nodes run so far shaded, the last one outlined in red, leaves with
their gradients so far) and the step's details underneath.

    from minitorch.autograd.widget import StepperWidget
    StepperWidget(loss, params=dict(model.named_parameters()))

Previous re-runs the walk from the start up to the step before (the engine is deterministic), so
the graph is kept (`retain_graph=True`) and the leaves' `.grad` are put back as they were.
"""
from __future__ import annotations

import html

from .function import AccumulateGrad
from .graph import Stepper, draw, nodes

_RUN_COLOUR = "khaki"


class StepperWidget:
    def __init__(self, tensor, gradient=None, params=None, show_values: bool = True, max_elements: int = 6):
        try:
            import ipywidgets as w
        except ImportError:
            raise ImportError("the stepper widget needs ipywidgets: pip install ipywidgets") from None
        self.tensor, self.gradient, self.params = tensor, gradient, params or {}
        self.show_values, self.max_elements = show_values, max_elements
        self._leaves = [n.variable for n in nodes(tensor) if isinstance(n, AccumulateGrad)]
        self._start_grads = [None if v.grad is None else v.grad.detach().clone() for v in self._leaves]
        self.position = 0
        self._stepper = self._new_stepper()
        self.previous_button = w.Button(description="◀ Previous")
        self.next_button = w.Button(description="Next ▶")
        self.reset_button = w.Button(description="Reset")
        names = []
        for n in nodes(tensor):
            if n.name() not in names:
                names.append(n.name())
        self.target = w.Dropdown(options=names, description="Run to")
        self.run_to_button = w.Button(description="Run to ▶▶")
        self.picture = w.HTML()
        self.details = w.HTML()
        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self.reset_button.on_click(lambda _: self.go_to(0))
        self.run_to_button.on_click(lambda _: self.run_to(self.target.value))
        self.widget = w.VBox([w.HBox([self.previous_button, self.next_button, self.target, self.run_to_button,
                                      self.reset_button]), self.picture, self.details])
        self._refresh()

    def _new_stepper(self):
        for leaf, grad in zip(self._leaves, self._start_grads):
            leaf.grad = None if grad is None else grad.clone()
        return Stepper(self.tensor, self.gradient, retain_graph=True, params=self.params)

    @property
    def history(self):
        return self._stepper.history

    def next(self):
        """Run one more node."""
        if self._stepper.step() is not None:
            self.position += 1
        self._refresh()

    def previous(self):
        """Back one node: replay from the start to the step before."""
        self.go_to(max(self.position - 1, 0))

    def go_to(self, position: int):
        """Replay from the start until `position` nodes have run."""
        self._stepper = self._new_stepper()
        self.position = 0
        for _ in range(position):
            if self._stepper.step() is None:
                break
            self.position += 1
        self._refresh()

    def run_to(self, name: str):
        """Run until a node called `name` is the next to run."""
        self._stepper.run_to(name)
        self.position = len(self._stepper.history)
        self._refresh()

    def _refresh(self):
        history = self._stepper.history
        colours = {view.node: _RUN_COLOUR for view in history}
        current = history[-1].node if history else None
        picture = draw(self.tensor, params=self.params, show_values=self.show_values, show_grads=True,
                       max_elements=self.max_elements, node_colors=colours, highlight=current)
        try:
            self.picture.value = picture.pipe(format="svg").decode()
        except RuntimeError as exc:  # no Graphviz `dot`: show the DOT source and how to get dot
            self.picture.value = f"<p>{html.escape(str(exc))}</p><pre>{html.escape(picture.source)}</pre>"
        if history:
            text = history[-1].format(self.max_elements)
        else:
            text = "backward has not started: Next runs the first node"
        if self._stepper.done or (history and not self._stepper.where()["ready"]):
            text += "\n\nbackward is complete"
        self.details.value = f"<pre>{html.escape(text)}</pre>"
        self.previous_button.disabled = self.position == 0

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
