"""Views by explicit strides: as_strided, Tensor.unfold, and the strided factories empty_strided and
new_empty_strided. Strides count elements, as torch's do (NumPy's count bytes)."""
from __future__ import annotations

from ..autograd.function import Primitive
from ..autograd.saved_values import torch_int
from ..tensor import Tensor
from ._helpers import wrap_dim


def _address(a) -> int:
    return a.data.ptr if hasattr(a.data, "ptr") else a.__array_interface__["data"][0]


def _storage(a):
    """The flat array that `a` views (its root base, when that is contiguous), and a's offset in it, in elements."""
    root = a
    while getattr(root, "base", None) is not None and type(root.base) is type(a):  # the same kind of array
        root = root.base
    if not root.flags.c_contiguous:
        root = a
    offset = (_address(a) - _address(root)) // a.itemsize
    return root.reshape(-1), offset


def _strided_view(xp, storage, shape, strides, offset):
    item = storage.itemsize
    return xp.lib.stride_tricks.as_strided(storage[offset:], shape=tuple(shape),
                                           strides=tuple(s * item for s in strides))


class AsStrided(Primitive):
    """A view of input's storage with the given sizes, strides and offset; the gradient adds each output
    gradient into the storage position it came from, and reads input's own positions back."""

    formula = "grad_self = (zeros of the storage, with grad added at the viewed positions) read at self's positions"
    saved_values = {"size": lambda node: node.geometry[4], "stride": lambda node: node.geometry[5],
                    "storage_offset": lambda node: node.given_offset}

    @staticmethod
    def forward(ctx, x, *, size, stride, storage_offset, given_offset=None):
        xp = ctx.xp
        ctx.given_offset = given_offset  # None when the call left it out, as torch saves it
        storage, own_offset = _storage(x)
        positions = xp.arange(storage.size)
        own = tuple(s // x.itemsize for s in x.strides)
        ctx.geometry = (storage.size, tuple(x.shape), own, own_offset, tuple(size), tuple(stride), storage_offset)
        ctx.positions = (_strided_view(xp, positions, x.shape, own, own_offset).copy(),
                         _strided_view(xp, positions, size, stride, storage_offset).copy())
        return _strided_view(xp, storage, size, stride, storage_offset)

    @staticmethod
    def backward(ctx, gy):
        from .creation import zeros
        n = ctx.geometry[0]
        own, viewed = (Tensor._wrap(p, gy.device) for p in ctx.positions)
        storage = zeros(n, dtype=gy.dtype, device=gy.device).index_add(0, viewed.reshape(-1), gy.reshape(-1))
        return storage.index_select(0, own.reshape(-1)).reshape(ctx.geometry[1])


class AsStridedInPlace(AsStrided):
    node_name = "AsStridedBackward1"    # x.as_strided_(...)


def as_strided(input: Tensor, size: list[int], stride: list[int], storage_offset: int | None = None) -> Tensor:
    """A view of input's storage with the given sizes and strides, starting storage_offset elements in."""
    return as_strided_with(input, size, stride, storage_offset, AsStrided, "as_strided")


def _ints(fn: str, name: str, position: int, values) -> tuple:
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be tuple of ints, not "
                        f"{type(values).__name__}")
    for i, v in enumerate(values):
        if isinstance(v, (bool, float)) or not hasattr(v, "__index__"):
            raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be tuple of ints, but found "
                            f"element of type {type(v).__name__} at pos {i}")
    return tuple(int(v) for v in values)


def as_strided_with(input: Tensor, size, stride, storage_offset, node, fn: str) -> Tensor:
    """as_strided recorded under `node` (AsStridedBackward0, or 1 for as_strided_); `fn` names the call in
    torch's errors."""
    size, stride = _ints(fn, "size", 1, size), _ints(fn, "stride", 2, stride)
    if storage_offset is not None and (isinstance(storage_offset, (bool, float)) or
                                       not hasattr(storage_offset, "__index__")):
        raise TypeError(f"{fn}(): argument 'storage_offset' (position 3) must be int, not "
                        f"{type(storage_offset).__name__}")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    storage, own_offset = _storage(input._data)
    offset = own_offset if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    needed = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0  # empty: none
    if needed > storage.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {input._data.itemsize} requiring a storage size of {needed * input._data.itemsize} "
                           f"are out of bounds for storage of size {storage.size * input._data.itemsize}")
    given = None if storage_offset is None else offset
    return node.apply(input, size=size, stride=stride, storage_offset=offset, given_offset=given)._view_of(input)


class Unfold(Primitive):
    """The windows of `size` elements every `step` along `dim`, as a new last dim of a view; the gradient adds
    each window's gradient back over the elements it covers."""

    formula = "grad_self = Σ over windows w of grad[w] placed at w's elements"
    saved_values = {"dimension": lambda node: torch_int(node.given_dim), "size": lambda node: torch_int(node.size),
                    "step": lambda node: torch_int(node.step), "self_sym_sizes": lambda node: tuple(node.in_shape)}

    @staticmethod
    def forward(ctx, x, *, dim, size, step, given_dim=None):
        xp = ctx.xp
        ctx.given_dim, ctx.in_shape = (dim if given_dim is None else given_dim), x.shape  # as torch saves them
        if x.ndim == 0:  # one element: (size,), the single window or none
            ctx.dim, ctx.size, ctx.step, ctx.shape, ctx.count = None, size, step, x.shape, 1
            return xp.broadcast_to(x, (size,))
        strides = tuple(s // x.itemsize for s in x.strides)
        count = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        view_strides = strides[:dim] + (strides[dim] * step,) + strides[dim + 1:] + (strides[dim],)
        ctx.dim, ctx.size, ctx.step, ctx.shape, ctx.count = dim, size, step, x.shape, count
        return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=tuple(s * x.itemsize for s in view_strides))

    @staticmethod
    def backward(ctx, gy):
        from .creation import arange, zeros
        if ctx.dim is None:
            return gy.sum().reshape(())
        grad = zeros(*ctx.shape, dtype=gy.dtype, device=gy.device)
        starts = arange(ctx.count, device=gy.device) * ctx.step
        for j in range(ctx.size):
            grad = grad.index_add(ctx.dim, starts + j, gy.select(-1, j))
        return grad


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """x.unfold(dim, size, step): every window of `size` elements, `step` apart, along `dim`, as a last dim."""
    d = wrap_dim(dimension, max(self.dim(), 1))
    length = self.shape[d] if self.dim() else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return Unfold.apply(self, dim=d, size=size, step=step, given_dim=dimension)._view_of(self)


def empty_strided(size: list[int], stride: list[int], *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor with the given sizes and strides (in elements)."""
    from .creation import empty
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    span = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    storage = empty(max(span, 0), dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)
    xp = storage._device.backend.xp
    data = _strided_view(xp, storage._data, size, stride, 0) if span else xp.empty(size, dtype=storage._data.dtype)
    out = Tensor._wrap(data, storage._device)
    return out._set_requires_grad(requires_grad) if requires_grad else out


def new_empty_strided(self: Tensor, size: list[int], stride: list[int], *, dtype=None, layout=None, device=None,
                      requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """empty_strided with self's dtype and device unless given."""
    return empty_strided(size, stride, dtype=dtype or self.dtype, layout=layout, device=device or self.device,
                         requires_grad=requires_grad, pin_memory=pin_memory)

