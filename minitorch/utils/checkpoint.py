"""torch.utils.checkpoint: trade compute for memory by recomputing a block's saved tensors in backward.

    out = checkpoint(block, x, use_reentrant=False)

Non-reentrant (use_reentrant=False, what torch recommends): the block runs normally, but every
tensor its ops save for backward is replaced by a ticket (saved_tensors_hooks); the first time
backward needs one, the block runs again with the same random-number state, and its saved
tensors, in the same order, answer the tickets. The graph is the block's own graph.

Reentrant (use_reentrant=True, torch's old default): the block runs without a graph inside one
`CheckpointFunctionBackward` node; that node's backward reruns the block with a graph and runs
backward through it.
"""
from __future__ import annotations

import contextlib
import warnings

from .. import random as _random
from ..autograd import engine
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import saved_tensors_hooks
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "noop_context_fn"]


class CheckpointError(RuntimeError):
    """The recomputation did not save what the first run saved (torch's error class)."""


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


class _StopRecomputation(Exception):
    """Raised inside the rerun once every ticket has its tensor (torch's early stop)."""


def _warn_use_reentrant(name: str):
    warnings.warn(f"torch.utils.checkpoint{name}: the use_reentrant parameter should be passed explicitly. "
                  "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
                  "you can pass use_reentrant=True.", stacklevel=3)


def checkpoint(function, *args, use_reentrant: bool | None = None, context_fn=noop_context_fn,
               determinism_check: str = "default", debug: bool = False, early_stop: bool = True, **kwargs):
    """`function(*args, **kwargs)` without keeping its saved tensors: they are recomputed in backward.
    As in torch, `preserve_rng_state` (default True) travels in kwargs and is taken out of them."""
    preserve_rng_state = kwargs.pop("preserve_rng_state", True)
    if use_reentrant is None:
        _warn_use_reentrant("")
        use_reentrant = True
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    if debug:
        raise NotImplementedError("checkpoint(debug=True) is not supported: minitorch's determinism errors name "
                                  "the saved tensor that differs, without an operator trace")
    if use_reentrant:
        if context_fn is not noop_context_fn:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _checkpoint_without_reentry(function, args, kwargs, context_fn, determinism_check, early_stop,
                                       preserve_rng_state)


def _checkpoint_without_reentry(function, args, kwargs, context_fn, determinism_check, early_stop,
                                preserve_rng_state):
    rng = _random.get_rng_state() if preserve_rng_state else None
    forward_context, recompute_context = context_fn()
    firsts: list = []        # (shape, dtype) of each saved tensor in the first run
    recomputed: dict = {}    # ticket -> tensor from the rerun

    def pack(tensor):
        firsts.append((tuple(tensor.shape), tensor.dtype))
        return len(firsts) - 1

    def unpack(ticket):
        if ticket not in recomputed:
            _recompute(function, args, kwargs, rng, recompute_context, firsts, recomputed, early_stop,
                       determinism_check, wanted=ticket)
        return recomputed[ticket]

    with saved_tensors_hooks(pack, unpack), forward_context:
        return function(*args, **kwargs)


def _recompute(function, args, kwargs, rng, context, firsts, recomputed, early_stop, determinism_check, wanted):
    """Run the block again (same random numbers, same inputs, a graph of its own) to collect its saved tensors."""
    inputs = [a.detach()._set_requires_grad(a.requires_grad) if isinstance(a, Tensor) else a for a in args]
    count = [0]

    def pack(tensor):
        i = count[0]
        count[0] += 1
        if i >= len(firsts):
            raise CheckpointError("torch.utils.checkpoint: trying to save more tensors during recomputation than "
                                  f"during the original forward pass ({len(firsts)}).")
        if determinism_check == "default" and (tuple(tensor.shape), tensor.dtype) != firsts[i]:
            raise CheckpointError(f"torch.utils.checkpoint: Recomputed values for the following tensors have "
                                  f"different metadata than during the forward pass.\ntensor at position {i}:\n"
                                  f"saved metadata: {firsts[i]}\nrecomputed metadata: "
                                  f"{(tuple(tensor.shape), tensor.dtype)}")
        recomputed[i] = tensor.detach()
        if early_stop and i == len(firsts) - 1:
            raise _StopRecomputation
        return i

    state = _random.get_rng_state()
    if rng is not None:
        _random.set_rng_state(rng)
    try:
        with enable_grad(), context, saved_tensors_hooks(pack, lambda i: recomputed[i]):
            function(*inputs, **kwargs)
    except _StopRecomputation:
        pass
    finally:
        if rng is not None:
            _random.set_rng_state(state)
    if wanted not in recomputed:
        raise CheckpointError("torch.utils.checkpoint: recomputation saved fewer tensors than the original "
                              f"forward pass ({count[0]} of {len(firsts)}).")


class CheckpointFunction(Function):
    """The reentrant checkpoint: one node whose backward reruns the block and backpropagates through it."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.rng = _random.get_rng_state() if preserve_rng_state else None
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        saved = iter(ctx.saved_tensors)
        inputs = [a if a is not None else next(saved) for a in ctx.inputs]
        inputs = [a.detach()._set_requires_grad(a.requires_grad) if isinstance(a, Tensor) else a for a in inputs]
        state = _random.get_rng_state()
        if ctx.rng is not None:
            _random.set_rng_state(ctx.rng)
        try:
            with enable_grad():
                outputs = ctx.run_function(*inputs)
        finally:
            if ctx.rng is not None:
                _random.set_rng_state(state)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        engine.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None for a in inputs)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Run a sequence of modules in `segments` chunks, checkpointing all but the last chunk."""
    if use_reentrant is None:
        _warn_use_reentrant(".checkpoint_sequential")
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)

    def run(start, end):
        def forward(x):
            for layer in functions[start:end + 1]:
                x = layer(x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
