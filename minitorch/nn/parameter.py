"""nn.Parameter: a leaf tensor that a Module registers as a learnable parameter."""
from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad (by default) and that Modules collect in parameters()."""

    def __new__(cls, data=None, requires_grad: bool = True):
        from ..ops.creation import empty
        if data is None:
            data = empty(0)
        p = object.__new__(cls)
        base = data.detach()
        for slot in ("_data", "_dtype", "_device", "_version_box", "_base"):
            setattr(p, slot, getattr(base, slot))
        p._grad, p._grad_fn, p._output_nr, p._acc_ref, p._retains = None, None, 0, None, False
        p._requires_grad = False
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._wrap(self._data.copy(), self._device), self._requires_grad))
