"""Module full backward hooks: gradients with respect to a module's inputs and outputs.

The module's tensor inputs and outputs pass through an identity Function. A pre-hook on the
output identity's node sees the gradients w.r.t. the outputs (and lets backward pre-hooks
replace them); a hook on the input identity's node sees the gradients w.r.t. the inputs and
calls `hook(module, grad_input, grad_output)`, whose return value replaces grad_input.
"""
from __future__ import annotations

from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor


class BackwardHookFunction(Function):
    """The identity on its tensor arguments."""

    @staticmethod
    def forward(ctx, *tensors):
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _through_identity(tensors):
    return BackwardHookFunction.apply(*tensors)


class BackwardHook:
    """The hooks of one module call."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = None

    def _call_hooks(self, grad_input):
        for hook in self.hooks:
            out = hook(self.module, grad_input, self.grad_outputs)
            if out is None:
                continue
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            if len(out) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(out)}, but "
                                   f"expected {len(grad_input)}")
            grad_input = out
        return grad_input

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not is_grad_enabled() or not any(args[i].requires_grad for i in positions):
            return args
        self.input_positions = positions
        wrapped = _through_identity([args[i] for i in positions])
        node = next(t.grad_fn for t in wrapped if t.grad_fn is not None)
        node.register_hook(self._on_input_grads)
        args = list(args)
        for i, t in zip(positions, wrapped):
            args[i] = t
        return tuple(args)

    def _on_input_grads(self, grad_inputs, _grad_outputs):
        full = [None] * self.n_inputs
        for i, g in zip(self.input_positions, grad_inputs):
            full[i] = g
        new = self._call_hooks(tuple(full))
        return tuple(new[i] for i in self.input_positions)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not is_grad_enabled() or not isinstance(outputs, tuple):
            return result
        positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return result
        wrapped = _through_identity([outputs[i] for i in positions])
        wrapped[0].grad_fn.register_prehook(self._on_output_grads)
        outputs = list(outputs)
        for i, t in zip(positions, wrapped):
            outputs[i] = t
        return outputs[0] if single else tuple(outputs)

    def _on_output_grads(self, grad_outputs):
        for hook in self.pre_hooks:
            out = hook(self.module, grad_outputs)
            if out is not None:
                grad_outputs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        self.grad_outputs = grad_outputs
        if self.input_positions is None:  # no input needs a gradient: hooks see None for every input
            got = self._call_hooks((None,) * self.n_inputs)
            if any(g is not None for g in got):
                raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                   "return None or None for all gradients.")
        return grad_outputs
