"""Tensor: one backend array plus dtype, device and autograd state.

Ops live in `minitorch.ops`; the methods and operators here delegate to them (most are
attached at the bottom of `minitorch/ops/__init__.py`). Views share the array memory
and the version counter of their base, as in torch.
"""
from __future__ import annotations

import numbers
import weakref

from . import dtypes as D
from .autograd import batched, engine
from .autograd import function as function_module
from .autograd.function import AccumulateGrad
from .autograd.saved_values import strides_of
from .device import CPU


class Size(tuple):
    """torch.Size: a tuple of dimensions that prints as `torch.Size([2, 3])`."""

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        for i, s in enumerate(sizes):
            if not isinstance(s, numbers.Integral) and not (hasattr(s, "numel") and hasattr(s, "item")):
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{type(s).__name__}')")
        return tuple.__new__(cls, (int(s) for s in sizes))

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return _as_size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def __reduce__(self):
        return Size, (tuple(self),)


def _as_size(shape: tuple) -> Size:
    """A Size of a shape already known to hold ints (an array's shape): no checks, it is on hot paths."""
    return tuple.__new__(Size, shape)


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    __slots__ = ("_data", "_dtype", "_device", "_requires_grad", "_grad", "_grad_fn",
                 "_output_nr", "_version_box", "_base", "_acc_ref", "_retains", "__weakref__",
                 "__dict__")

    # A copy promoted to another dtype for one op stands in the graph for the tensor it was cast from
    # (set on the copy only): torch promotes inside the op, so its graph has no cast node.
    _cast_from = None
    # Inside vmap: the depth of the vmap whose slice this tensor is or was computed from (0: not batched).
    _vmap_level = 0
    # A view's version when its history was last set: an in-place write to its base since then (a higher
    # version) means its history is stale, and it is regenerated from the base's, as torch does.
    _view_version = 0
    _regenerate_view = None  # set by minitorch.ops (copy_slices): regenerate_view(view)

    # Set by minitorch.ops, which builds tensors (this module stays below it): the legacy
    # constructor, and the function that unpickles a tensor.
    _legacy_new = None
    _rebuild = None

    # ---- construction -------------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        # Legacy constructor: Tensor([1, 2]) holds data, Tensor(2, 3) is uninitialised.
        if cls is not Tensor:  # subclasses (Parameter) build themselves
            return object.__new__(cls)
        return Tensor._legacy_new(*args, **kwargs)

    @staticmethod
    def _wrap(data, device=CPU):
        """A new tensor around backend array `data` (no copy); NumPy scalars become 0-d."""
        t = object.__new__(Tensor)
        if data.__class__ is not device._array_type and data.__class__ is not device.backend.ndarray:
            data = device.backend.xp.asarray(data)
        t._data = data
        t._dtype = D._BY_NP[data.dtype]
        t._device = device
        t._requires_grad = False
        t._grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._version_box = [0]
        t._base = None
        t._acc_ref = None
        t._retains = False
        return t

    def _view_of(self, base) -> "Tensor":
        """Mark self as a view of `base`: share its version counter (and, inside vmap, its batching)."""
        self._version_box = base._version_box
        self._base = base if base._base is None else base._base
        version = base._version_box[0]
        if version:
            self._view_version = version
        if base._vmap_level:
            self._vmap_level = base._vmap_level
        return self

    def _alias(self) -> "Tensor":
        """A new tensor object sharing data and version counter (no autograd history)."""
        return Tensor._wrap(self._data, self._device)._view_of(self)

    def _accumulator(self) -> AccumulateGrad:
        """The AccumulateGrad node of this leaf (one per leaf, kept while the graph uses it)."""
        acc = self._acc_ref() if self._acc_ref is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._acc_ref = weakref.ref(acc)
        return acc

    def _bump(self) -> None:
        """Record an in-place change (saved copies of this tensor become stale)."""
        self._version_box[0] += 1

    # ---- attributes ---------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return _as_size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _as_size(self._data.shape)
        if not self._data.ndim:
            if dim.__class__ is not int:
                _check_dim_type(dim)
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    # the other devices and layouts torch has: a minitorch tensor is a dense, strided one on the CPU or CUDA
    is_mps = is_xla = is_meta = is_xpu = is_ipu = is_maia = is_mtia = is_vulkan = is_mkldnn = False
    is_quantized = is_sparse = is_sparse_csr = is_nested = False

    def is_signed(self) -> bool:
        return self._dtype.is_signed

    def is_nonzero(self) -> bool:
        """The single element's truth (torch's errors for none or several)."""
        return bool(self)

    def is_same_size(self, other) -> bool:
        return self._data.shape == other._data.shape

    def is_set_to(self, tensor) -> bool:
        """Whether both tensors view the same memory with the same sizes and strides."""
        a, b = self._data, tensor._data
        return (self._device == tensor._device and a.dtype == b.dtype and a.shape == b.shape
                and a.strides == b.strides and self.data_ptr() == tensor.data_ptr())

    def is_pinned(self, device=None) -> bool:
        """False: minitorch's host memory is never page-locked (`pin_memory` is accepted and does nothing)."""
        batched.refuse_without_rule("aten::is_pinned", self)
        return False

    def is_coalesced(self) -> bool:
        raise RuntimeError("is_coalesced expected sparse coordinate tensor layout but got Strided")

    def get_device(self) -> int:
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self):
        if self._grad_fn is not None and self._base is not None and self._view_version != self._version_box[0]:
            Tensor._regenerate_view(self)
        return self._grad_fn

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if self._grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                               "use a computed variable in a subgraph that doesn't require differentiation "
                               "use var_no_grad = var.detach().")
        if value and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        batched.refuse_requires_grad()
        return self._set_requires_grad(requires_grad)

    def _set_requires_grad(self, requires_grad: bool = True) -> "Tensor":
        """requires_grad_ for minitorch's own code, which vmap lets run (it refuses the user's call)."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def data(self) -> "Tensor":
        """The same memory without autograd history (as torch's `.data`)."""
        return self._alias()

    @data.setter
    def data(self, value: "Tensor"):
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    @property
    def _version(self) -> int:
        return self._version_box[0]

    @property
    def is_shared(self):
        return False

    def stride(self, dim=None):
        strides = strides_of(self._data)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self) -> int:
        base = self._base._data if self._base is not None else self._data
        return (self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // self._data.itemsize \
            if self._device.type == "cpu" and self._data.size and base.size else 0

    def data_ptr(self) -> int:
        if self._vmap_level:
            batched.refuse_storage(self)
        return self._data.__array_interface__["data"][0] if self._device.type == "cpu" else int(self._data.data.ptr)

    def untyped_storage(self):
        return _StorageRef(self)

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return False

    @property
    def layout(self):
        return "torch.strided"

    # ---- autograd -----------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the leaves' `.grad`."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None and not self._retains:
            self._grad_fn._retain(self._output_nr, self)
            self._retains = True

    @property
    def retains_grad(self) -> bool:
        return self._retains

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self._grad_fn if self._grad_fn is not None else self._accumulator()
        if self._grad_fn is None:
            self.__dict__.setdefault("_acc_keepalive", node)  # hooks must outlive graphs
        return node._add_tensor_hook(self._output_nr, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) runs after this leaf's gradient has been accumulated into `.grad`."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        node = self.__dict__.setdefault("_acc_keepalive", self._accumulator())
        if node._post_hooks is None:
            node._post_hooks = {}
        return function_module._add_hook(node._post_hooks, hook)

    def detach(self) -> "Tensor":
        return self._alias()

    def detach_(self) -> "Tensor":
        self._grad_fn = None
        self._requires_grad = False
        return self

    # ---- conversions --------------------------------------------------------------
    def item(self):
        if self._vmap_level:
            batched.refuse_item(self)
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        self._device.backend.check_device_asserts()
        return self._data.reshape(()).item()

    def tolist(self):
        if self._vmap_level:
            batched.refuse_storage(self)
        self._device.backend.check_device_asserts()
        return self._data.tolist()

    def numpy(self, *, force: bool = False):
        """The tensor's memory as a NumPy array; force=True copies from any device and drops the graph."""
        if force:
            return self.detach().cpu()._data
        if self._vmap_level:
            batched.refuse_storage(self)
        self._check_host("numpy")
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def _check_host(self, what: str) -> None:
        if self._device.type != "cpu":
            raise TypeError(f"can't convert {self._device} device type tensor to {what}. Use Tensor.cpu() "
                            "to copy the tensor to host memory first.")

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()  # as torch: refused for a tensor that requires grad
        return a if dtype is None else a.astype(dtype, copy=False)

    def __dlpack__(self, stream=None):
        return self._data.__dlpack__()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # as torch: each element a view, with UnbindBackward0 as its node

    def _scalar_check(self, kind):
        if self._data.size != 1:
            if kind == "bool":
                raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
            raise ValueError("only one element tensors can be converted to Python scalars")
        if self._vmap_level:
            (batched.refuse_control_flow if kind == "bool" else batched.refuse_item)(self)
        self._device.backend.check_device_asserts()
        return self._data.reshape(()).item()

    def __bool__(self):
        if self._vmap_level:
            batched.refuse_control_flow(self)
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        return bool(self._scalar_check("bool"))

    def __float__(self):
        return float(self._scalar_check("float"))

    def __int__(self):
        return int(self._scalar_check("int"))

    def __complex__(self):
        return complex(self._scalar_check("complex"))

    def __index__(self):
        if self._dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        if self._vmap_level:
            batched.refuse_item(self)
        return int(self._data.reshape(()).item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, protocol):
        return (Tensor._rebuild, (self.detach().cpu()._data.copy(), str(self._device), self._requires_grad))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.  If you were attempting to deepcopy a "
                               "module, this may be because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = Tensor._wrap(self._data.copy(), self._device)
        new._requires_grad = self._requires_grad
        if type(self) is not Tensor:
            obj = type(self).__new__(type(self), new, self._requires_grad)
            obj.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_acc")})
            new = obj
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __str__(self):
        return self.__repr__()


function_module.Tensor = Tensor


class _StorageRef:
    """Just enough of an untyped storage to compare whether two tensors share memory, and to count its
    bytes (`sys.getsizeof`, as torchinfo counts a model's input)."""

    def __init__(self, t):
        base = t._data
        while base.base is not None and hasattr(base.base, "ctypes"):
            base = base.base
        self._root = base

    def data_ptr(self):
        return self._root.__array_interface__["data"][0]

    def nbytes(self):
        return self._root.nbytes

    def __sizeof__(self):  # as torch's storages count themselves: the object and its bytes
        return object.__sizeof__(self) + self.nbytes()


def _check_dim_type(dim) -> None:
    """torch's parser takes a dim as anything with __index__ but a bool."""
    if dim.__class__ is not int and (isinstance(dim, (bool, float, str)) or not hasattr(dim, "__index__")):
        raise TypeError(f"argument 'dim' must be int, not {type(dim).__name__}")


def _wrap_dim(dim: int, ndim: int) -> int:
    """Resolve a possibly negative dim, with torch's IndexError text when out of range."""
    n = max(ndim, 1)
    if dim.__class__ is not int:
        _check_dim_type(dim)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim

