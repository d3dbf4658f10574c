"""The `_copy` forms of torch's view ops: permute_copy, view_copy, unbind_copy, ... give the view's values in new
memory, and differentiate as the view does.

Each is one Fused op over its view: the definition is the view followed by a clone, so the gradient is the view's
own. torch names the node after the view's with `_copy` appended (`PermuteBackward0_copy`; narrow_copy's is
`NarrowCopyBackward0`).
"""
from __future__ import annotations

from ..autograd import batched
from ..autograd.saved_values import torch_int, torch_ints
from ..tensor import Tensor
from .fused import Fused
from ._helpers import NOT_GIVEN, wrap_dim


def _fused(name: str, node: str, view, **saved):
    """The Fused op `name` whose node is `node`: view(*args), each output cloned into its own memory. `saved`:
    the attributes torch's node keeps (the view node's), each a function of the node."""
    def definition(*args, **kwargs):
        out = view(*args, **kwargs)
        return tuple(o.clone() for o in out) if isinstance(out, (tuple, list)) else out.clone()
    return type(name, (Fused,), {"node_name": node, "definition": staticmethod(definition), "saved_values": saved,
                                 "__doc__": f"{view.__name__} into new memory."})


def _arg(position: int, convert=lambda v: v):
    """The view's argument at `position` (after the input) as torch's node keeps it."""
    return lambda node: convert(node.args[position])


def _int_or_none(value):
    return None if value is None else torch_int(value)


def _ints(value):
    return torch_ints(value if isinstance(value, (tuple, list)) else (value,))


def _input_sizes(node):
    return tuple(node.shapes[0])


def _view(method: str):
    def view(input, *args, **kwargs):
        return getattr(input, method)(*args, **kwargs)
    view.__name__ = method
    return view


def _slice(input, dim, start, end, step):
    dim = wrap_dim(dim, input.dim())
    index = [slice(None)] * input.dim()
    index[dim] = slice(start, end, step)
    return input[tuple(index)]


def _alias(input):
    return input.view(input.shape)


_AliasCopy = _fused("AliasCopy", "AliasBackward0_copy", _alias)
_AsStridedCopy = _fused("AsStridedCopy", "AsStridedBackward0_copy", _view("as_strided"), size=_arg(1, tuple),
                        stride=_arg(2, tuple), storage_offset=_arg(3, _int_or_none))
_DiagonalCopy = _fused("DiagonalCopy", "DiagonalBackward0_copy", _view("diagonal"), offset=_arg(1, torch_int),
                       dim1=_arg(2, torch_int), dim2=_arg(3, torch_int), self_sym_sizes=_input_sizes)
_NarrowCopy = _fused("NarrowCopy", "NarrowCopyBackward0", _view("narrow"), dim=_arg(1, torch_int),
                     start=_arg(2, torch_int), length=_arg(3, torch_int), self_sym_sizes=_input_sizes)
_PermuteCopy = _fused("PermuteCopy", "PermuteBackward0_copy", _view("permute"), dims=_arg(1, _ints))
_SelectCopy = _fused("SelectCopy", "SelectBackward0_copy", _view("select"), dim=_arg(1, torch_int),
                     index=_arg(2, torch_int), self_sym_sizes=_input_sizes)
_SliceCopy = _fused("SliceCopy", "SliceBackward0_copy", _slice, dim=_arg(1, torch_int), start=_arg(2, _int_or_none),
                    end=_arg(3, _int_or_none), step=_arg(4, torch_int), self_sym_sizes=_input_sizes)
_SplitCopy = _fused("SplitCopy", "SplitBackward0_copy", _view("split"), split_size=_arg(1, torch_int),
                    dim=_arg(2, torch_int), self_sym_sizes=_input_sizes)
_SplitWithSizesCopy = _fused("SplitWithSizesCopy", "SplitWithSizesBackward0_copy", _view("split_with_sizes"),
                             split_sizes=_arg(1, _ints), dim=_arg(2, torch_int), self_sym_sizes=_input_sizes)
_SqueezeCopy = _fused("SqueezeCopy", "SqueezeBackward0_copy", _view("squeeze"), self_sym_sizes=_input_sizes)
_SqueezeDimCopy = _fused("SqueezeDimCopy", "SqueezeBackward1_copy", _view("squeeze"), dim=_arg(1, torch_int),
                         self_sym_sizes=_input_sizes)
_SqueezeDimsCopy = _fused("SqueezeDimsCopy", "SqueezeBackward2_copy", _view("squeeze"), dim=_arg(1, _ints),
                          self_sym_sizes=_input_sizes)
_TCopy = _fused("TCopy", "TBackward0_copy", _view("t"))
_TransposeCopy = _fused("TransposeCopy", "TransposeBackward0_copy", _view("transpose"), dim0=_arg(1, torch_int),
                        dim1=_arg(2, torch_int))
_UnbindCopy = _fused("UnbindCopy", "UnbindBackward0_copy", _view("unbind"), dim=_arg(1, torch_int))
_UnfoldCopy = _fused("UnfoldCopy", "UnfoldBackward0_copy", _view("unfold"), dimension=_arg(1, torch_int),
                     size=_arg(2, torch_int), step=_arg(3, torch_int), self_sym_sizes=_input_sizes)
_UnsqueezeCopy = _fused("UnsqueezeCopy", "UnsqueezeBackward0_copy", _view("unsqueeze"), dim=_arg(1, torch_int))
_ViewCopy = _fused("ViewCopy", "ViewBackward0_copy", _view("view"), self_sym_sizes=_input_sizes)


def alias_copy(input: Tensor) -> Tensor:
    """A copy of input (torch.alias's values in new memory)."""
    return _AliasCopy.apply(input)


def as_strided_copy(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """as_strided(input, size, stride, storage_offset) in new memory."""
    return _AsStridedCopy.apply(input, size, stride, storage_offset)


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """diagonal(input, offset, dim1, dim2) in new memory."""
    return _DiagonalCopy.apply(input, offset, dim1, dim2)


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """narrow(input, dim, start, length) in new memory."""
    if dim >= max(input.dim(), 1):  # torch's kernel asserts (a negative dim is wrapped, with IndexError)
        raise RuntimeError("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got false.")
    return _NarrowCopy.apply(input, dim, start, length)


def permute_copy(input: Tensor, dims) -> Tensor:
    """permute(input, dims) in new memory."""
    return _PermuteCopy.apply(input, dims)


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    """select(input, dim, index) in new memory."""
    return _SelectCopy.apply(input, dim, index)


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1) -> Tensor:
    """input[..., start:end:step, ...] along dim, in new memory."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    wrap_dim(dim, input.dim())  # torch's error for a bad dim, before the node
    return _SliceCopy.apply(input, dim, start, end, step)


def split_copy(input: Tensor, split_size: int, dim: int = 0):
    """split(input, split_size, dim), each piece in new memory."""
    batched.refuse_without_rule("aten::split_copy.Tensor", input)
    return _SplitCopy.apply(input, split_size, dim)


def split_with_sizes_copy(input: Tensor, split_sizes, dim: int = 0):
    """split_with_sizes(input, split_sizes, dim), each piece in new memory."""
    return _SplitWithSizesCopy.apply(input, split_sizes, dim)


def squeeze_copy(input: Tensor, dim=NOT_GIVEN) -> Tensor:
    """squeeze(input[, dim]) in new memory."""
    if dim is NOT_GIVEN:
        return _SqueezeCopy.apply(input)
    return (_SqueezeDimsCopy if isinstance(dim, (tuple, list)) else _SqueezeDimCopy).apply(input, dim)


def t_copy(input: Tensor) -> Tensor:
    """t(input) in new memory."""
    return _TCopy.apply(input)


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose(input, dim0, dim1) in new memory."""
    return _TransposeCopy.apply(input, dim0, dim1)


def unbind_copy(input: Tensor, dim: int = 0):
    """unbind(input, dim), each slice in new memory."""
    return _UnbindCopy.apply(input, dim)


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """input.unfold(dimension, size, step) in new memory."""
    return _UnfoldCopy.apply(input, dimension, size, step)


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    """unsqueeze(input, dim) in new memory."""
    return _UnsqueezeCopy.apply(input, dim)


def view_copy(input: Tensor, size=NOT_GIVEN, *, dtype=NOT_GIVEN) -> Tensor:
    """input.view(size) (or input.view(dtype)) in new memory."""
    if (size is NOT_GIVEN) == (dtype is NOT_GIVEN):
        raise TypeError("view_copy() missing 1 required positional argument: \"size\" (or dtype)")
    return _ViewCopy.apply(input, dtype if size is NOT_GIVEN else size)


__all__ = ["alias_copy", "as_strided_copy", "diagonal_copy", "narrow_copy", "permute_copy", "select_copy", "slice_copy",
           "split_copy", "split_with_sizes_copy", "squeeze_copy", "t_copy", "transpose_copy", "unbind_copy",
           "unfold_copy", "unsqueeze_copy", "view_copy"]
