"""`minitorch.cuda.make_graphed_callables`: a module's (or function's) forward and backward, each captured
as a CUDA graph, behind one autograd node, so that it drops into an eager training loop (torch's
partial-network capture).

Each callable runs a few warm-up iterations on a side stream, then its forward is captured on the sample
arguments, then its backward (the gradients of the outputs with respect to the tensor arguments and the
module's parameters, from gradient buffers filled at call time). Calling the result copies the arguments
into the captured inputs, replays the forward graph and returns the captured outputs; its backward copies
the incoming gradients in, replays the backward graph and hands back the captured gradients.
"""
from __future__ import annotations

from .. import cuda
from ..autograd import grad as autograd_grad
from ..autograd.function import Function, once_differentiable
from ..nn.modules.module import Module
from ..ops.creation import empty_like
from ..tensor import Tensor


def _leaves(tree) -> list:
    """The tensors of nested tuples and lists, in order."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


def _rebuild(tree, leaves):
    """`tree` with its tensors replaced, in order, by `leaves` (an iterator)."""
    if isinstance(tree, (tuple, list)):
        return type(tree)(_rebuild(item, leaves) for item in tree)
    return next(leaves)


def _check(callables, sample_args):
    for c, args in zip(callables, sample_args):
        if isinstance(c, Module):
            if c._forward_hooks or c._forward_pre_hooks or c._backward_hooks:
                raise AssertionError("Modules must not have hooks registered at the time they are passed. However, "
                                     "registering hooks on modules after passing them through make_graphed_callables "
                                     "is allowed.")
            if not all(b.requires_grad is False for b in c.buffers()):
                raise AssertionError("In any :class:`~torch.nn.Module` passed to :func:`~make_graphed_callables`, "
                                     "only parameters may be trainable. All buffers must have "
                                     "``requires_grad=False``.")
        if not all(isinstance(a, Tensor) for a in _leaves(args)):
            raise AssertionError("In the beta API, sample_args for each callable must contain only Tensors. Other "
                                 "types are not allowed.")


def _grads(outputs, inputs, grad_outputs, allow_unused):
    wanted = [o for o in outputs if o.requires_grad]
    if not wanted:
        return None
    return autograd_grad(wanted, [i for i in inputs if i.requires_grad], grad_outputs=grad_outputs,
                         only_inputs=True, allow_unused=allow_unused)


class _Captured:
    """One callable's two graphs and the static tensors they read and write."""

    def __init__(self, fn, args, pool, allow_unused):
        self.params = tuple(fn.parameters()) if isinstance(fn, Module) else ()
        self.args = tuple(_leaves(args))
        self.surface = self.args + self.params  # what the backward differentiates with respect to
        self.forward_graph, self.backward_graph = cuda.CUDAGraph(), cuda.CUDAGraph()
        with cuda.graph(self.forward_graph, pool=pool):
            out = fn(*args)
        self.outputs, self.structure = tuple(_leaves(out)), out
        self.allow_unused = allow_unused

    def capture_backward(self, pool):
        self.grad_outputs = tuple(empty_like(o) if o.requires_grad else None for o in self.outputs)
        grads = None
        if any(o.requires_grad for o in self.outputs):
            with cuda.graph(self.backward_graph, pool=pool):
                grads = _grads(self.outputs, self.surface, [g for g in self.grad_outputs if g is not None],
                               self.allow_unused)
        found = iter(grads or ())
        self.grad_inputs = tuple(next(found) if grads is not None and t.requires_grad else None for t in self.surface)

    def function(self):
        captured = self

        class Graphed(Function):
            @staticmethod
            def forward(ctx, *inputs):
                for static, given in zip(captured.args, inputs):
                    if static.data_ptr() != given.data_ptr():
                        static.copy_(given)
                captured.forward_graph.replay()
                return tuple(o.detach() for o in captured.outputs)

            @staticmethod
            @once_differentiable
            def backward(ctx, *grads):
                for static, given in zip(captured.grad_outputs, grads):
                    if static is not None and given is not None and static.data_ptr() != given.data_ptr():
                        static.copy_(given)
                captured.backward_graph.replay()
                return tuple(None if g is None else g.detach() for g in captured.grad_inputs)

        def graphed(*user_args):
            out = Graphed.apply(*(tuple(_leaves(user_args)) + captured.params))
            return _rebuild(captured.structure, iter(out))

        return graphed


def make_graphed_callables(callables, sample_args, num_warmup_iters: int = 3, allow_unused_input: bool = False,
                           pool=None):
    """Graphed versions of `callables` (a module or function, or a tuple of them, run in that order), captured
    on `sample_args` (a tuple of tensors each, or one tuple for one callable). A graphed module's forward
    replays its graphs while the module is in the training state it was captured in, and runs eagerly in the
    other."""
    single = not isinstance(callables, tuple)
    if single:
        callables, sample_args = (callables,), (sample_args,)
    _check(callables, sample_args)
    pool = cuda.graph_pool_handle() if pool is None else pool
    cuda.synchronize()
    with cuda.stream(cuda.Stream()):  # warm-up on a side stream, as the capture will run
        for fn, args in zip(callables, sample_args):
            surface = tuple(_leaves(args)) + (tuple(fn.parameters()) if isinstance(fn, Module) else ())
            for _ in range(num_warmup_iters):
                outputs = _leaves(fn(*args))
                _grads(outputs, surface, [empty_like(o) for o in outputs if o.requires_grad], allow_unused_input)
    cuda.synchronize()
    captured = [_Captured(fn, args, pool, allow_unused_input) for fn, args in zip(callables, sample_args)]
    for c in reversed(captured):  # backward graphs in the order a backward pass runs them
        c.capture_backward(pool)
    result = []
    for fn, c in zip(callables, captured):
        graphed = c.function()
        if isinstance(fn, Module):
            fn.forward = _graphed_forward(fn, fn.training, graphed, fn.forward)
            result.append(fn)
        else:
            result.append(graphed)
    return result[0] if single else tuple(result)


def _graphed_forward(module, training, graphed, eager):
    def forward(*args, **kwargs):
        return graphed(*args, **kwargs) if module.training == training else eager(*args, **kwargs)
    return forward
