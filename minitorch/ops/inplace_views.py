"""In-place view ops (`x.squeeze_()`, `x.unsqueeze_(0)`, `x.t_()`, `x.transpose_(0, 1)`, `x.as_strided_(...)`):
the tensor itself takes the view's sizes and strides over the same memory.

As in torch, its version counter moves on, and while recording it takes the view's node in the graph, under
torch's number for the in-place form (UnsqueezeBackward1, TBackward1, ...); a leaf that requires grad refuses.
"""
from __future__ import annotations

from ..autograd.forward_ad import has_tangent, set_tangent, tangent_of
from ..autograd.grad_mode import state as _mode
from ..tensor import Tensor
from .inplace import _leaf_check
from ._helpers import NOT_GIVEN, refuse_none
from .shape import (SQUEEZE_IN_PLACE_NODES, MatrixTransposeInPlace, TransposeInPlace, UnsqueezeInPlace,
                    squeeze_with, t_with, transpose_with, unsqueeze_with)
from .strided import AsStridedInPlace, as_strided_with


def take_view(self: Tensor, view: Tensor) -> Tensor:
    """Make `self` hold `view` (a view of self's memory): its array, its history and its tangent."""
    self._data = view._data
    if view._grad_fn is not None:
        self._grad_fn, self._output_nr = view._grad_fn, view._output_nr
        if self._base is not None:  # its history is current: no regeneration from the base
            self._view_version = self._version_box[0] + 1
    if _mode.forward_ad and has_tangent((self,)):
        set_tangent(self, tangent_of(view))
    self._bump()
    return self


def squeeze_(self: Tensor, dim=NOT_GIVEN) -> Tensor:
    """Drop size-1 dims (all, or those among `dim`) of this tensor itself."""
    refuse_none("squeeze_", "dim", dim)
    _leaf_check(self)
    return take_view(self, squeeze_with(self, None if dim is NOT_GIVEN else dim, SQUEEZE_IN_PLACE_NODES))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    _leaf_check(self)
    return take_view(self, unsqueeze_with(self, dim, UnsqueezeInPlace))


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    _leaf_check(self)
    return take_view(self, transpose_with(self, dim0, dim1, TransposeInPlace))


def swapdims_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose_ under another name."""
    return transpose_(self, dim0, dim1)


def swapaxes_(self: Tensor, axis0: int, axis1: int) -> Tensor:
    """transpose_ under NumPy's name."""
    return transpose_(self, axis0, axis1)


def t_(self: Tensor) -> Tensor:
    _leaf_check(self)
    return take_view(self, t_with(self, MatrixTransposeInPlace, "t_"))


def as_strided_(self: Tensor, size, stride, storage_offset=None) -> Tensor:
    _leaf_check(self)
    return take_view(self, as_strided_with(self, size, stride, storage_offset, AsStridedInPlace, "as_strided_"))
