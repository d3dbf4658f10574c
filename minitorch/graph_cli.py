"""`minitorch graph`: the graph of the user's own expression, as text, DOT or a picture, and a
walk through its backward pass.

    minitorch graph "((x * w).tanh().sum() - 1) ** 2" --var x=[1,2,3] --var w=randn(3)
    minitorch graph "F.relu(x @ w).sum()" --var "x=randn(2, 3)" --var "w=randn(3, 4)" --out graph.svg
    minitorch graph model.py --root loss --step        # a small Python file; Enter steps, q quits

Variables are evaluated with minitorch's names in scope (`randn(3)`, `tensor(...)`, `torch.*`,
`F.*`); lists and numbers become float tensors. Every floating variable requires grad.
"""
from __future__ import annotations

import os
import sys

_EXAMPLE = ("((x * w).tanh().sum() - 1) ** 2", ["x=[1.0, 2.0, 3.0]", "w=[0.5, -1.0, 2.0]"])


def add_arguments(p) -> None:
    p.add_argument("expression", nargs="?", help="an expression, or a .py file (default: a small example)")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a variable of the expression")
    p.add_argument("--root", default=None, help="in a file: the variable whose graph to draw (default: loss)")
    p.add_argument("--out", help="render the picture to this file (.svg, .png, .pdf)")
    p.add_argument("--dot", action="store_true", help="print the Graphviz DOT source")
    p.add_argument("--step", action="store_true", help="walk backward interactively (Enter: next, q: quit)")
    p.add_argument("--show-saved", action="store_true", help="draw each op's saved tensors")
    p.add_argument("--show-values", action="store_true", help="draw values and gradients")


def _namespace() -> dict:
    import minitorch
    names = {k: getattr(minitorch, k) for k in dir(minitorch) if not k.startswith("_")}
    names.update(torch=minitorch, F=minitorch.nn.functional, nn=minitorch.nn)
    return names


def _as_variable(value):
    import minitorch
    if isinstance(value, (int, float, list, tuple)):
        value = minitorch.tensor(value, dtype=minitorch.float32)
    if isinstance(value, minitorch.Tensor) and value.is_floating_point() and value.is_leaf:
        value.requires_grad_(True)
    return value


def build(expression: str, var_specs: list, root: str | None = None):
    """(output tensor, {name: leaf tensor}) for an expression or a Python file."""
    import minitorch
    scope = _namespace()
    params = {}
    for spec in var_specs:
        name, sep, text = spec.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ValueError(f"--var takes NAME=VALUE, got {spec!r}")
        scope[name] = params[name] = _as_variable(eval(text, scope))  # the user's own expression
    if expression.endswith(".py"):
        if not os.path.isfile(expression):
            raise FileNotFoundError(f"no such file: {expression}")
        with open(expression) as f:
            code = compile(f.read(), expression, "exec")
        exec(code, scope)
        name = root or "loss"
        if name not in scope:
            raise NameError(f"{expression} defines no variable {name!r} (choose one with --root)")
        output = scope[name]
        for key, value in scope.items():
            if isinstance(value, minitorch.nn.Module):
                params.update({f"{key}.{n}": p for n, p in value.named_parameters()})
            elif isinstance(value, minitorch.Tensor) and value.is_leaf and value.requires_grad:
                params.setdefault(key, value)
    else:
        output = eval(expression, scope)
    if not isinstance(output, minitorch.Tensor):
        raise TypeError(f"the expression gives {type(output).__name__}, not a tensor")
    if output.grad_fn is None:
        raise ValueError("the result has no graph: give it an input that requires grad (a floating --var)")
    return output, params


def run(args) -> int:
    from .autograd.graph import Stepper, draw, summarize
    expression, var_specs = (args.expression, args.var) if args.expression else _EXAMPLE
    try:
        output, params = build(expression, var_specs, args.root)
    except (ValueError, TypeError, NameError, SyntaxError, FileNotFoundError, RuntimeError) as exc:
        print(f"minitorch graph: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(f"{expression} = {summarize(output)}")
    names = {id(p): n for n, p in params.items()}
    if args.dot or args.out:
        picture = draw(output, params=params, show_saved=args.show_saved, show_values=args.show_values,
                       show_grads=args.show_values)
        if args.dot:
            print(picture.source)
        if args.out:
            base, ext = os.path.splitext(args.out)
            try:
                written = picture.render(base, format=ext.lstrip(".") or "svg", cleanup=True)
            except RuntimeError as exc:
                print(f"minitorch graph: {exc}", file=sys.stderr)
                return 1
            print(f"picture written to {written}")
        return 0
    stepper = Stepper(output, params=params)
    for node_name in _node_list(output, names):
        print("  " + node_name)
    print()
    for view in stepper:
        print(view.format())
        if args.step:
            answer = input("[Enter: next, q: quit] ")
            if answer.strip().lower().startswith("q"):
                return 0
    for name, p in params.items():
        if p.grad is not None:
            print(f"{name}.grad = {summarize(p.grad)}")
    return 0


def _node_list(output, names) -> list:
    """The graph as text: each node with the nodes it sends gradients to."""
    from .autograd.function import AccumulateGrad
    from .autograd.graph import nodes

    def label(node):
        if isinstance(node, AccumulateGrad):
            return f"{node.name()} ({names.get(id(node.variable), 'leaf')})"
        return node.name()
    lines = ["graph (each node -> where its gradients go):"]
    for node in nodes(output):
        targets = [label(n) for n, _ in node.next_functions if n is not None]
        if not isinstance(node, AccumulateGrad):
            lines.append(f"{label(node)} -> {', '.join(targets) or '(nothing)'}")
    return lines
