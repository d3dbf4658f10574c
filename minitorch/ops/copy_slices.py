"""An in-place op on a view, recorded as torch records it: the base tensor takes a CopySlices node.

`v = x[1:3]; v.mul_(2)` changes x too, so x's history must continue. torch wraps the in-place op's own
node (here MulBackward0) in a CopySlices node on x: in backward, the gradient reaching x is cut at the
view's positions, the op's node turns that piece into its inputs' gradients, and the gradient for the
view itself goes back into those positions; the rest flows on to x's old history unchanged. The view
then reads as an as_strided view of x's new history (AsStridedBackward0), as in torch.
"""
from __future__ import annotations

from ..autograd import function as F
from ..autograd.grad_mode import state as _mode


class ViewInput(F.Node):
    """The view's old values as the in-place op's input. Passes its gradient to the view's old history;
    it stays in the graph only where the op was a composition of several nodes, not one to wrap."""

    def __init__(self, view):
        self.next_functions = ((view._grad_fn, view._output_nr) if view._grad_fn is not None else
                               ((view._accumulator(), 0) if view._requires_grad else (None, 0)),)
        self._in_meta = ((view._data.shape, view._dtype),)
        self._out_meta = ((view._data.shape, view._dtype, view._device),)
        self._seq_nr = next(F._seq)

    def name(self) -> str:
        return "AliasBackward0"

    def _run_backward(self, grads):
        return (grads[0],)


class _Passes(F.Node):
    """Stands for a composite op in CopySlices: the view's gradient is the result's, nothing goes to the view."""

    def __init__(self, result):
        self.next_functions = ((None, 0), (result._grad_fn, result._output_nr))
        self._in_meta = (None, (result._data.shape, result._dtype))

    def _run_backward(self, grads):
        return (None, grads[0])


class CopySlices(F.Node):
    """base_new = base_old with the view's positions (size, stride, storage_offset) holding fn's result."""

    def __init__(self, base_edge, base, fn, geometry):
        self.fn, self.geometry = fn, geometry
        self.next_functions = (base_edge,) + tuple(fn.next_functions[1:])
        self._in_meta = ((base._data.shape, base._dtype),) + tuple(fn._in_meta[1:])
        self._out_meta = ((base._data.shape, base._dtype, base._device),)
        self._seq_nr = next(F._seq)

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def _run_backward(self, grads):
        from ..autograd.engine import _check_grad
        from .strided import as_strided
        grad = grads[0]
        size, stride, offset = self.geometry
        region = as_strided(grad.contiguous(), size, stride, offset).clone()
        out = self.fn._run_backward((region,))
        view_grad = out[0]
        if view_grad is not None and self.fn._in_meta[0] is not None:
            view_grad = _check_grad(self.fn, 0, view_grad, self.fn._in_meta[0])
        base_grad = grad.contiguous().clone()  # the view's positions replaced by the view's own gradient
        if view_grad is None:
            as_strided(base_grad, size, stride, offset).zero_()
        else:
            as_strided(base_grad, size, stride, offset).copy_(view_grad)
        return (base_grad,) + tuple(out[1:])

    def _free(self):
        self.fn._free()


def write_through_view(view, base, out_of_place, geometry):
    """Run `out_of_place` on the view's values; return its result and the CopySlices node `base` takes
    (None where nothing needs a gradient)."""
    from ..autograd import events
    old = F.Tensor._wrap(view._data.copy(), view._device)
    old._grad_fn, old._requires_grad = ViewInput(view), True
    if events.observing():
        events.note_rebinding(old, view)
    result = out_of_place(old)
    fn = result._grad_fn
    if fn is None or not fn.next_functions or fn.next_functions[0][0] is not old._grad_fn:
        fn = _Passes(result) if result._requires_grad else None
    base_edge = ((base._grad_fn, base._output_nr) if base._grad_fn is not None else (None, 0))
    return result, (None if fn is None else CopySlices(base_edge, base, fn, geometry))


def take_history(view, base, node, geometry, keep_base=False):
    """After the write: base's history is `node`, and the view reads as an as_strided view of it."""
    from .strided import AsStrided
    if not keep_base:
        base._grad_fn, base._output_nr, base._requires_grad = node, 0, True
    alias = F.Tensor._wrap(base._data, base._device)
    alias._grad_fn, alias._output_nr, alias._requires_grad = base._grad_fn, base._output_nr, True
    if base._grad_fn is None:  # a leaf base: the view's history starts at its accumulator
        alias._acc_ref = lambda: base._accumulator()
    size, stride, offset = geometry
    prev, _mode.enabled = _mode.enabled, True
    try:
        regenerated = AsStrided.apply(alias, size=size, stride=stride, storage_offset=offset)
    finally:
        _mode.enabled = prev
    view._grad_fn, view._output_nr, view._requires_grad = regenerated._grad_fn, 0, True


def regenerate_view(view) -> None:
    """A view whose base was written to in place since its history was set: its history becomes an
    as_strided view of the base's current one (torch regenerates it the same way)."""
    from .inplace import _geometry
    base = view._base
    geometry = _geometry(view, base) if base._requires_grad else None
    if geometry is not None:
        take_history(view, base, base._grad_fn, geometry, keep_base=True)
    view._view_version = view._version_box[0]


F.Tensor._regenerate_view = staticmethod(regenerate_view)
