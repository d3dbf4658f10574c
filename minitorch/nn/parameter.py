"""nn.Parameter: a leaf tensor that a Module registers as a learnable parameter."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def _leaf_of(cls, data: Tensor, requires_grad: bool) -> Tensor:
    """A new leaf of class `cls` sharing `data`'s storage."""
    t = object.__new__(cls)
    base = data.detach()
    for slot in ("_data", "_dtype", "_device", "_version_box", "_base"):
        setattr(t, slot, getattr(base, slot))
    t._grad, t._grad_fn, t._output_nr, t._acc_ref, t._retains = None, None, 0, None, False
    t._requires_grad = False
    t._set_requires_grad(requires_grad)
    return t


class Parameter(Tensor):
    """A tensor that requires grad (by default) and that Modules collect in parameters()."""

    def __new__(cls, data=None, requires_grad: bool = True):
        from ..ops.creation import empty
        if data is None:
            data = empty(0)
        return _leaf_of(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._wrap(self._data.copy(), self._device), self._requires_grad))


# ---- parameters and buffers whose shape is not known yet (lazy modules) ----------------------------------------

def _use_message(kind: str, what: str) -> str:
    return (f"Attempted to use an uninitialized parameter in {what}. This error happens when you are using a "
            f"`LazyModule` or explicitly manipulating `torch.nn.parameter.{kind}` objects. When using LazyModules "
            "Call `forward` with a dummy batch to initialize the parameters before calling torch functions")


class _NoStorage(np.ndarray):
    """The empty array an uninitialized tensor holds: NumPy refuses to compute with it, so an op reached before
    `materialize` raises ValueError (as torch's own check) rather than computing on zero elements. Methods
    that only convert it (astype, for `.to(dtype)`) keep it uninitialized."""

    def __array_finalize__(self, obj):
        self.kind = getattr(obj, "kind", "UninitializedParameter")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise ValueError(_use_message(self.kind, f"numpy.{ufunc.__name__}"))

    def __array_function__(self, func, types, args, kwargs):
        raise ValueError(_use_message(self.kind, f"numpy.{func.__name__}"))


class UninitializedTensorMixin:
    """A tensor with a dtype and a device but no shape yet, until `materialize(shape)` gives it storage and
    turns it into `cls_to_become` (the same object, so optimisers and references holding it follow)."""

    __slots__ = ()
    cls_to_become: type

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Storage of `shape` (uninitialized values) on this tensor's device and dtype, or those given."""
        from ..ops.creation import empty
        data = empty(tuple(shape), device=self._device if device is None else device,
                     dtype=self._dtype if dtype is None else dtype)
        self._data, self._dtype, self._device = data._data, data._dtype, data._device
        self.__class__ = self.cls_to_become

    def _take_dtype_and_device(self, like: Tensor) -> None:
        """Module.to on a lazy module: `like`'s dtype and device, still without storage."""
        fresh = _uninitialized(type(self), False, like._device, like._dtype)
        self._data, self._dtype, self._device = fresh._data, fresh._dtype, fresh._device

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize "
                           "the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self._device, self._dtype)
        return memo[id(self)]


def _uninitialized(cls, requires_grad: bool, device, dtype):
    """A leaf of class `cls` holding no elements: on the CPU, an array NumPy refuses to compute with."""
    from ..ops.creation import empty
    t = _leaf_of(cls, empty(0, device=device, dtype=dtype), requires_grad)
    if isinstance(t._data, np.ndarray):  # a GPU array has no such hook
        t._data = t._data.view(_NoStorage)
        t._data.kind = cls.__name__
    return t


def is_lazy(param) -> bool:
    """Whether `param` is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape a lazy module infers from its first input; it becomes a Parameter then."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return _uninitialized(cls, requires_grad, device, dtype)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape a lazy module infers from its first input; it becomes a Tensor then."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        return _uninitialized(cls, requires_grad, device, dtype)

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        pass
