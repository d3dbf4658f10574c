"""Forward-mode AD (torch.autograd.forward_ad): a dual tensor carries a tangent ẋ beside its value, and
every op pushes tangents forward through its Jacobian, ẏ = J_f(x) · ẋ, as it computes y = f(x).

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)
        y = f(x)
        value, jvp = forward_ad.unpack_dual(y)

Each op finds its output's tangent by the first of these that applies:
- its own rule `jvp(ctx, *tangents)`, with what forward saved (the unary table's ẏ = dy/dx · ẋ; torch's
  custom Functions write theirs with `ctx.save_for_forward`);
- `jvp = LINEAR` for ops linear in their float inputs (views, sums, cat, pooling by averages, ...): ẏ = f(ẋ);
- otherwise the transpose of its backward: backward maps an output gradient u to Jᵀu and is linear in u,
  so J·ẋ = d/du ⟨Jᵀu, ẋ⟩ -- one more backward pass, through the first one (the "double vjp").
One level at a time, as torch (nested forward mode is refused with torch's error).
"""
from __future__ import annotations

import contextlib
import weakref
from typing import NamedTuple, Optional

from ..dtypes import _FLOAT
from .grad_mode import state as _mode



class Linear:
    """An op's `jvp` when the op is linear in its float inputs (or in those at `positions`, the others being
    constants to it): its tangent is the op applied to the tangents."""

    def __init__(self, positions=None):
        self.positions = positions

    def takes(self, i: int) -> bool:
        return self.positions is None or i in self.positions


LINEAR = Linear()


def linear_in(*positions) -> Linear:
    return Linear(positions)

_duals = weakref.WeakValueDictionary()   # id -> tensor holding a tangent at the open level (dropped when it closes)


class UnpackedDualTensor(NamedTuple):
    """What `unpack_dual` returns: the primal (a view without the tangent) and the tangent (or None)."""
    primal: object
    tangent: Optional[object]


def enter_dual_level() -> int:
    """Open a level for dual tensors (torch numbers it 0; only one may be open)."""
    if _mode.forward_ad:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _mode.forward_ad = True
    return 0


def exit_dual_level(*, level: Optional[int] = None) -> None:
    """Close the level: every tangent made in it is dropped."""
    if level is None:
        if not _mode.forward_ad:
            raise RuntimeError("Dual level must be a positive number.")
        level = 0
    if level != 0 or not _mode.forward_ad:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.")
    for t in list(_duals.values()):
        t.__dict__.pop("_fw_grad", None)
    _duals.clear()
    _mode.forward_ad = False


class dual_level(contextlib.ContextDecorator):
    """`with dual_level():` opens a level and closes it after (also a decorator)."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _is_tensor(value) -> bool:
    from . import function  # the Tensor class is set there once it exists (autograd sits below tensor)
    return isinstance(value, function.Tensor)


def tangent_of(t):
    """The tangent a tensor carries at the open level, or None."""
    return t.__dict__.get("_fw_grad")


def set_tangent(t, tangent) -> None:
    t.__dict__["_fw_grad"] = tangent
    _duals[id(t)] = t


def make_dual(tensor, tangent, *, level: Optional[int] = None):
    """A view of `tensor` that carries `tangent` (same shape, floating point) at the open level."""
    if not _mode.forward_ad:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    for name, t in (("tensor", tensor), ("tangent", tangent)):
        if not _is_tensor(t):
            raise TypeError(f"make_dual(): argument '{name}' must be Tensor, not {type(t).__name__}")
    for name, t in (("primal", tensor), ("tangent", tangent)):
        if not t._dtype.is_floating_point:
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {t._dtype!r}")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if tangent_of(tensor) is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the "
                           "same level 0 is not supported.")
    dual = _view_without_tangent(tensor)
    set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor, *, level: Optional[int] = None) -> UnpackedDualTensor:
    """(primal, tangent): a view of `tensor` without its tangent, and the tangent (None when it has none)."""
    if not _is_tensor(tensor):
        raise TypeError(f"unpack_dual(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    tangent = tangent_of(tensor) if _mode.forward_ad else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_view_without_tangent(tensor), tangent)


def _view_without_tangent(tensor):
    """tensor.view_as(tensor) with tangents not pushed: a view in the backward graph (ViewBackward0), as torch's."""
    prev, _mode.forward_ad = _mode.forward_ad, False
    try:
        return tensor.view_as(tensor)
    finally:
        _mode.forward_ad = prev


# ---- pushing tangents through an op ---------------------------------------------------

def has_tangent(inputs) -> bool:
    return any(_is_tensor(t) and "_fw_grad" in t.__dict__ for t in inputs)


def apply(cls, args, kwargs):
    """Run op `cls` on `args` (some dual) and give its float outputs their tangents."""
    tangents = [tangent_of(a) if _is_tensor(a) else None for a in args]
    grad_wanted = _mode.enabled and (
        any(_is_tensor(a) and a._requires_grad for a in args)
        or any(t is not None and t._requires_grad for t in tangents))
    prev_fw, prev_grad = _mode.forward_ad, _mode.enabled
    _mode.forward_ad = False
    try:
        rule = getattr(cls, "jvp", None)
        if isinstance(rule, Linear):
            result = cls.apply(*args, **kwargs)
            outs = result if isinstance(result, tuple) else (result,)
            out_tangents = _linear_jvp(cls, rule, args, tangents, kwargs)
        elif getattr(cls, "definition", None) is not None:  # a fused op: through its definition in smaller ops
            result = cls.apply(*args, **kwargs)
            outs = result if isinstance(result, tuple) else (result,)
            out_tangents = _definition_jvp(cls, args, kwargs, grad_wanted)
        else:
            tracked = _tracked_inputs(args, tangents)
            _mode.enabled = True
            result = cls.apply(*tracked, **kwargs)
            outs = result if isinstance(result, tuple) else (result,)
            ctx = next((o._grad_fn for o in outs if _is_tensor(o) and o._grad_fn is not None), None)
            _mode.enabled = prev_grad
            if ctx is None:  # no float output depends on the inputs: nothing to push
                out_tangents = (None,) * len(outs)
            elif _own_rule(cls):
                out_tangents = _call_rule(cls, ctx, args, tangents)
            else:
                out_tangents = _transposed_backward(ctx, outs, tangents, grad_wanted)
            if not grad_wanted:
                outs = tuple(o.detach() if _is_tensor(o) else o for o in outs)
                result = outs if isinstance(result, tuple) else outs[0]
    finally:
        _mode.forward_ad, _mode.enabled = prev_fw, prev_grad
    for o, t in zip(outs, out_tangents):
        if _is_tensor(o) and t is not None and o._dtype.category == _FLOAT:
            set_tangent(o, t if grad_wanted else t.detach())
            _give_saved_output(o)
    return result


def _give_saved_output(o) -> None:
    """A node keeps its saved outputs as arrays and re-wraps them for backward: give the tangent to that
    copy too, so that a backward run inside the level (forward over reverse) pushes it."""
    from .function import SavedTensor
    saved = getattr(o._grad_fn, "_saved", None) if o._grad_fn is not None else None
    if isinstance(saved, tuple):
        for entry in saved:
            if isinstance(entry, SavedTensor) and entry.output_nr == o._output_nr and entry.data is o._data:
                entry.tangent = tangent_of(o)


def _own_rule(cls) -> bool:
    """Whether `cls.jvp` is the op's own rule. minitorch's ops without one are transposed; a user's custom
    Function without one reaches Function.jvp, which raises torch's error."""
    from .function import Function
    return cls.jvp is not Function.jvp or not cls.__module__.startswith("minitorch.")


def _call_rule(cls, ctx, args, tangents):
    """An op's own `jvp(ctx, *tangents)`; missing tangents are zeros (torch materialises them)."""
    full = [t if t is not None or not _is_tensor(a) or a._dtype.category != _FLOAT else a.new_zeros(a.shape)
            for a, t in zip(args, tangents)]
    from .function import Primitive
    ctx._in_jvp = not issubclass(cls, Primitive)  # a custom Function's jvp reads what save_for_forward kept
    ctx.jvp_inputs = args  # the op's inputs, for rules needing one that backward did not save
    try:
        out = cls.jvp(ctx, *full)
    finally:
        ctx._in_jvp = False
        ctx.jvp_inputs = None
    return out if isinstance(out, tuple) else (out,)


def _linear_jvp(cls, rule, args, tangents, kwargs):
    """ẏ = f(ẋ) for an op linear in its float inputs (integer inputs, such as indices, and the constants the
    rule names stay as they are)."""
    lin = [a if not _is_tensor(a) or a._dtype.category != _FLOAT or not rule.takes(i) else
           (t if t is not None else a.new_zeros(a.shape)) for i, (a, t) in enumerate(zip(args, tangents))]
    out = cls.apply(*lin, **kwargs)
    return out if isinstance(out, tuple) else (out,)


def _definition_jvp(cls, args, kwargs, grad_wanted):
    """A fused op's tangents: its definition run again on the dual inputs, each smaller op pushing them."""
    prev_fw, prev_grad = _mode.forward_ad, _mode.enabled
    _mode.forward_ad, _mode.enabled = True, grad_wanted
    kwargs = {name: value for name, value in kwargs.items() if name != "given"}  # the node's, not the definition's
    try:
        out = cls.definition(*args, **kwargs)
    finally:
        _mode.forward_ad, _mode.enabled = prev_fw, prev_grad
    return tuple(tangent_of(o) if _is_tensor(o) else None for o in (out if isinstance(out, tuple) else (out,)))


def _tracked_inputs(args, tangents):
    """The inputs, with each dual one that does not require grad replaced by a detached copy that does:
    the op then records a node whose backward can be transposed. One copy per tensor object."""
    copies = {}
    tracked = []
    for a, t in zip(args, tangents):
        if _is_tensor(a) and t is not None and not a._requires_grad:
            if id(a) not in copies:
                copies[id(a)] = a.detach()._set_requires_grad()
            a = copies[id(a)]
        tracked.append(a)
    return tracked


def _transposed_backward(ctx, outs, tangents, create_graph):
    """J·ẋ = d/du ⟨Jᵀu, ẋ⟩: the node's own backward once, with a stand-in output gradient u that requires
    grad, then the inner product of its input gradients with the tangents differentiated with respect to u.
    (The node's backward, not autograd.grad to its inputs: an input upstream of another would add paths
    through the graph that are not this op's Jacobian.)"""
    from .engine import _check_grad, grad
    from .grad_mode import enable_grad
    diff_outs = {o._output_nr: o for o in outs if _is_tensor(o) and o._grad_fn is ctx}
    with enable_grad():
        # u's value does not matter to a linear map, but a backward may treat a zero gradient as "nothing to
        # send" (xlogy(grad, y) is 0 at grad = 0 whatever y): ones stay clear of that
        us = {nr: o.new_ones(o.shape)._set_requires_grad() for nr, o in diff_outs.items()}
        grads = ctx._run_backward(tuple(us.get(nr) for nr in range(ctx._n_outputs())))
        total = None
        for i, (g, t) in enumerate(zip(grads, tangents)):
            if g is not None and t is not None and g._requires_grad:
                term = (_check_grad(ctx, i, g, ctx._in_meta[i]) * t).sum()
                total = term if total is None else total + term
        jvps = (None,) * len(us) if total is None else \
            grad([total], list(us.values()), create_graph=create_graph, allow_unused=True)
    by_nr = {nr: (j if j is not None else diff_outs[nr].new_zeros(diff_outs[nr].shape)) for nr, j in zip(us, jvps)}
    return tuple(by_nr.get(o._output_nr) if _is_tensor(o) and o._grad_fn is ctx else None for o in outs)
