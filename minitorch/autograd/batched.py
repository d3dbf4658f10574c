"""Which tensors inside `vmap` are batched, and what torch's vmap refuses to do with them.

minitorch's vmap calls the function once per slice of the mapped inputs (torch's for-loop fallback, for every
op). Each slice carries `_vmap_level`, the depth of the vmap it was cut by, and so does every tensor an op
computes from one (`mark`, run by the ops' apply while a vmap is open); a tensor the function makes from
nothing batched keeps level 0, as torch's unbatched tensors do. Where torch's vmap refuses an operation on a
batched tensor (it would read the values, or give each slice a result of another shape), minitorch refuses it
with torch's error, though the slice in hand could answer: what runs under minitorch's vmap runs under torch's.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

from .grad_mode import state

_ISSUES = "https://github.com/pytorch/pytorch/issues"


def level_of(values) -> int:
    """The deepest vmap level among the tensors in `values` (nested in lists and tuples; other values are
    skipped): 0 when none is batched."""
    return max((t._vmap_level for t in _tensors_in(values)), default=0)


def mark(inputs, outputs) -> None:
    """Outputs computed from a batched input are batched at its level."""
    level = level_of(inputs)
    if level:
        for o in outputs:
            o._vmap_level = level


def _tensors_in(values):
    for v in values:
        if hasattr(v, "_vmap_level"):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _tensors_in(v)
        elif isinstance(v, dict):
            yield from _tensors_in(v.values())


def as_one_op(fn):
    """`fn`, an op written in other ops that reads its inputs' values along the way (an index check through
    .item(), a write into a fresh tensor), run under vmap as one op, as torch runs its kernel: the refusals in
    this module are for what the user's function does, not for how minitorch computes an op torch batches.
    Its results are batched when an input is."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if not state.vmap:
            return fn(*args, **kwargs)
        depth, state.vmap = state.vmap, 0
        try:
            result = fn(*args, **kwargs)
        finally:
            state.vmap = depth
        level = level_of((args, kwargs))
        if level:
            for out in _tensors_in((result,)):
                out._vmap_level = max(out._vmap_level, level)
        return result
    return op


def is_batched(t) -> bool:
    return bool(state.vmap and t._vmap_level)


def refuse_item(t) -> None:
    """.item() and the conversions built on it (float(), int(), format())."""
    if is_batched(t):
        raise RuntimeError("vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over "
                           "calling .item() on a Tensor, please try to rewrite what you're doing with other "
                           "operations. If error is occurring somewhere inside PyTorch internals, please file a "
                           "bug report.")


def refuse_control_flow(t) -> None:
    """bool(t): a branch on a batched value."""
    if is_batched(t):
        raise RuntimeError("vmap: It looks like you're attempting to use a Tensor in some data-dependent control "
                           f"flow. We don't support that yet, please file an issue at {_ISSUES} .")


def refuse_storage(t) -> None:
    """numpy(), tolist(), data_ptr(): a batched tensor has no memory of its own to read."""
    if is_batched(t):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")


def refuse_dynamic_shape(op: str, *tensors) -> None:
    """Ops whose result's shape depends on the values (nonzero, unique, ...): it would differ between slices."""
    if state.vmap and level_of(tensors):
        raise RuntimeError("vmap: We do not support batching operators that can output dynamic shape. Attempted to "
                           f"vmap over {op}. Please file an issue at {_ISSUES} if you need this feature.")


def refuse_boolean_mask(*masks) -> None:
    """Indexing with a batched boolean mask (x[mask], x[mask] = v)."""
    if state.vmap and level_of(masks):
        raise RuntimeError("vmap: We do not support batching operators that can support dynamic shape. Attempting "
                           "to batch over indexing with a boolean mask.")


def refuse_masked_select(mask) -> None:
    """masked_select with a batched mask: each slice would select a different number of elements."""
    if is_batched(mask):
        raise RuntimeError("vmap: Attempted to vmap over `mask` in torch.masked_select(self, mask) We cannot support "
                           "this because for each batch this would return a differently shaped Tensor. Please file "
                           f"an issue at {_ISSUES} if you need this feature.")


def refuse_unbatched_self(self, operands, what: str = "inplace arithmetic") -> None:
    """An in-place op writing batched values into a tensor that is not batched (as deeply)."""
    if state.vmap and level_of(operands) > self._vmap_level:
        raise RuntimeError(
            f"vmap: {what}(self, *extra_args) is not possible because there exists a Tensor `other` in extra_args "
            "that has more elements than `self`. This happened due to `other` being vmapped over but `self` not "
            "being vmapped over in a vmap. Please try to use out-of-place operators instead of "
            f"{what}. If said operator is being called inside the PyTorch framework, please file a bug report "
            "instead.")


def refuse_no_fallback(op: str, *tensors) -> None:
    """out= (and a few view overloads) with a batched tensor in the call: torch's vmap has no rule for them, and
    its for-loop fallback does not serve them."""
    if state.vmap and level_of(tensors):
        raise RuntimeError(f"Batching rule not implemented for {op}; the fallback path doesn't work on out= or view "
                           "ops.")


def refuse_without_rule(op: str, *tensors) -> None:
    """Ops torch's vmap has neither a batching rule nor its for-loop fallback for (torch.equal, nonzero's
    as_tuple form, ...): minitorch's loop could run them, but a function that calls them fails under torch."""
    if state.vmap and level_of(tensors):
        raise RuntimeError(f"Batching rule not implemented for {op}. We could not generate a fallback.")


def refuse_requires_grad() -> None:
    """requires_grad_() inside the function vmap transforms, on any tensor."""
    if state.vmap:
        raise RuntimeError("You are attempting to call Tensor.requires_grad_() (or perhaps using "
                           "torch.autograd.functional.* APIs) inside of a function being transformed by a functorch "
                           "transform. This is unsupported, please attempt to use the functorch transforms (e.g. "
                           "grad, vjp, jacrev, jacfwd, hessian) or call requires_grad_() outside of a function being "
                           "transformed instead.")


def refuse_unbatched_running_stats(input, running_mean, running_var) -> None:
    """Batch norm in training on a batched input would update unbatched running statistics in place."""
    if is_batched(input) and any(t is not None and not t._vmap_level for t in (running_mean, running_var)):
        raise RuntimeError(
            "Batch norm got a batched tensor as input while the running_mean or running_var, which will be updated "
            "in place, were not batched.\nIf you are using a module and do not need eval mode, please set "
            "`track_running_stats` to be False.If you are using a prebuilt module and do not need eval mode, please "
            "see the functorch website for resources on how to patch your module to work with vmap")


# ---- custom autograd.Functions --------------------------------------------------------------------------------

_EXTENDING = "https://pytorch.org/docs/main/notes/extending.func.html"
randomness: list = []  # the open vmaps' randomness modes, innermost last


class VmapInfo(NamedTuple):
    """What a Function's vmap staticmethod is told of the vmap it runs under."""
    batch_size: int
    randomness: str


def refuse_legacy_function() -> None:
    """A Function in the old style (forward with ctx) under a torch.func transform: what torch's own legacy
    Functions (CrossMapLRN2d's) raise there, as a user's would."""
    if state.vmap or state.transforms:
        raise RuntimeError("In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, jacrev, "
                           f"...), it must override the setup_context staticmethod. For more details, please see "
                           f"{_EXTENDING}")


def check_function(cls, base) -> None:
    """torch's rules for a custom Function under torch.func transforms: torch 2's style (forward without ctx,
    setup_context), and under vmap a vmap staticmethod or generate_vmap_rule=True. (`base`: autograd.Function,
    whose own setup_context and vmap say the subclass did not define them.)"""
    if cls.setup_context is base.setup_context:
        refuse_legacy_function()
    if state.vmap and not cls.generate_vmap_rule and cls.vmap is base.vmap:
        raise RuntimeError(f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please "
                           "override and implement the vmap staticmethod or set generate_vmap_rule=True. For more "
                           f"details, please see {_EXTENDING}")


def run_vmap_rule(cls, args, kwargs):
    """cls.vmap(info, in_dims, *args) on the slice in hand, as a batch of one: the slice's inputs get a batch dim 0
    (in_dim 0), the rule returns the batched outputs and their out_dims, and each batched output loses its batch
    dim again. The rule (which calls cls.apply on plain tensors) runs outside this vmap."""
    level = state.vmap
    mapped = [hasattr(a, "_vmap_level") and a._vmap_level >= level for a in args]
    in_dims = tuple(0 if m else None for m in mapped)
    batch = [a.unsqueeze(0) if m else a for a, m in zip(args, mapped)]
    depth, state.vmap = state.vmap, 0
    try:
        outputs, out_dims = cls.vmap(VmapInfo(1, randomness[-1]), in_dims, *batch, **kwargs)
    finally:
        state.vmap = depth
    single = not isinstance(outputs, tuple)
    outs, dims = ((outputs,), (out_dims,)) if single else (outputs, out_dims)
    if not isinstance(dims, tuple):
        dims = (dims,) * len(outs)
    sliced = tuple(o if d is None else o.select(d, 0) for o, d in zip(outs, dims))
    mark(args, [o for o in sliced if hasattr(o, "_vmap_level")])
    return sliced[0] if single else sliced
