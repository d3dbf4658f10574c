"""Fused ops: one graph node for what torch computes as one kernel, with the math written once.

torch's graph shows `MseLossBackward0`, `SiluBackward0`, `LogsumexpBackward0`, ... where a
composition of smaller ops would show a chain of elementwise nodes. A `Fused` op keeps torch's
graph and the readable definition: `definition(*args, **params)` is the op in minitorch ops.
Forward runs it without recording; backward differentiates the same definition (recomputing
it with a graph, as activation checkpointing does), so no derivative is written a second time,
and a `create_graph=True` backward is itself differentiable. Where torch's kernel rounds fewer
times than the definition's ops (a fused multiply-add), `evaluate` gives the forward's values.
"""
from __future__ import annotations

from ..autograd import engine
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, state as _mode
from ..tensor import Tensor

_TENSOR = object()  # marks the positions of tensor arguments (saved for backward)


def saved_argument(position: int):
    """A saved_values entry: the tensor the op was given at argument `position`, or None where it was given
    none (for optional tensor arguments, which keep positional saved_names from lining up)."""
    def read(node):
        if node.args[position] is not _TENSOR:
            return None
        saved = node.saved_tensors[sum(a is _TENSOR for a in node.args[:position])]
        source = saved._cast_from  # promoted for the op: torch's node shows the operand it was given
        return saved if not isinstance(source, Tensor) else source
    return read


class Fused(Function):
    """Subclasses set `node_name` (torch's) and `definition`, a staticmethod on tensors and options. `apply`
    also takes `given=`: the call's arguments as the user gave them (a stride of None, a dim of -1), which the
    node's saved_values read and the definition does not see."""

    _node_suffix = "Backward0"
    _builtin = True
    named_like_torch = True   # profiler and tracer: aten::<snake-cased node name>
    definition = None
    evaluate = None           # the forward's values, where torch's kernel rounds otherwise than `definition`'s ops
    saves_result = False      # torch's node also keeps the outputs (`_saved_result`, `_saved_indices`, ...)

    @classmethod
    def forward(cls, ctx, *args, given=None, **params):
        ctx.args = [_TENSOR if isinstance(a, Tensor) else a for a in args]  # the constants, by position
        ctx.params = params
        ctx.given = given  # the arguments as the call gave them, for the saved values torch's node shows
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.shapes = [t._data.shape for t in tensors]  # the inputs' sizes (torch saves some: `self_sym_sizes`)
        out = (cls.evaluate or cls.definition)(*args, **params)
        if cls.saves_result:  # after the inputs, each output
            tensors += list(out) if isinstance(out, tuple) else [out]
        ctx.save_for_backward(*tensors)
        return out

    @classmethod
    def backward(cls, ctx, *grads):
        saved = iter(ctx.saved_tensors)
        create_graph = _mode.enabled  # the engine turns grad mode on for a create_graph backward
        args, wanted = [], []
        for i, a in enumerate(ctx.args):
            if a is not _TENSOR:
                args.append(a)
                continue
            t = next(saved)
            if ctx.needs_input_grad[i]:
                # each input its own start: a gradient must not also flow into an input through another input
                # computed from it. Without a graph, a fresh copy; with one, an alias tied to the original
                t = t.view_as(t) if create_graph else t.detach()._set_requires_grad(True)
                wanted.append(i)
            args.append(t)
        with enable_grad():
            out = cls.definition(*args, **ctx.params)
        outs = out if isinstance(out, tuple) else (out,)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad and g is not None]
        result = [None] * len(args)
        if pairs and wanted:
            got = engine.grad([o for o, _ in pairs], [args[i] for i in wanted], [g for _, g in pairs],
                              create_graph=create_graph, allow_unused=True)
            for i, g in zip(wanted, got):
                result[i] = g
        return tuple(result)
