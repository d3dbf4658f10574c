"""Graph nodes and `Function`: an op's forward and backward side by side.

Calling `SomeFunction.apply(...)` runs `forward` and, when grad is on and an input
requires it, returns outputs whose `grad_fn` is a node of type `SomeFunctionBackward`.
That node *is* the `ctx` that forward saw: it holds the saved tensors, the edges to the
inputs' nodes (`next_functions`) and is what the engine calls `backward` on.

Two flavours share this machinery:
- `Function` (public, as `torch.autograd.Function`): forward receives Tensors.
- `Primitive` (minitorch's own ops): forward receives backend arrays, which keeps the
  hot path free of Tensor wrapping; `ctx.xp` is the array module (numpy or cupy).
Backward always receives and returns Tensors, so it can be differentiated again.
"""
from __future__ import annotations

import functools
import itertools
import traceback
import weakref

from .. import dtypes as D
from ..dtypes import _FLOAT
from ..device import check_same_device
from . import batched, forward_ad
from .grad_mode import state as _mode

Tensor = None  # minitorch.tensor sets this once the class exists (the modules import each other)
_seq = itertools.count()
_FREED = object()
# ids of arrays handed to leaves as .grad during the current backward (the engine clears it)
handed_arrays: set = set()


class RemovableHandle:
    """Returned by `register_hook`; `remove()` takes the hook out again."""

    __slots__ = ("_hooks", "_key")
    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self._key = next(self._ids)

    @property
    def id(self) -> int:
        return self._key

    def remove(self):
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(hooks: dict, fn, prepend: bool = False) -> RemovableHandle:
    """Register `fn` in `hooks` (an ordered dict), last or, with `prepend`, first."""
    handle = RemovableHandle(hooks)
    hooks[handle._key] = fn
    if prepend:
        hooks.move_to_end(handle._key, last=False)
    return handle


class Node:
    """A node of the backward graph."""

    next_functions: tuple = ()
    _hooks = None          # node hooks: fn(grad_inputs, grad_outputs)
    _pre_hooks = None      # node pre-hooks: fn(grad_outputs)
    _tensor_hooks = None   # {output_nr: {key: fn(grad)}} from Tensor.register_hook
    _is_sink = False       # AccumulateGrad: where gradients leave the graph
    _retained = None       # {output_nr: weakref to a tensor that retains its grad}
    _trace = None          # forward stack, kept in anomaly mode
    _seq_nr = 0
    _has_hooks = False     # set once any of the four above is: the engine's array path skips such nodes
    backward_arrays = None  # or an op's backward on backend arrays (see FunctionCtx)

    _torch_name = None     # torch's name where it is qualified ("torch::autograd::CopySlices"); the type's is short

    def name(self) -> str:
        return self._torch_name or type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn) -> RemovableHandle:
        """fn(grad_inputs, grad_outputs) runs after this node's backward."""
        if self._hooks is None:
            self._hooks = {}
        self._has_hooks = True
        return _add_hook(self._hooks, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """fn(grad_outputs) runs before this node's backward and may replace them."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        self._has_hooks = True
        return _add_hook(self._pre_hooks, fn)

    def _add_tensor_hook(self, output_nr: int, fn) -> RemovableHandle:
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        self._has_hooks = True
        return _add_hook(self._tensor_hooks.setdefault(output_nr, {}), fn)

    def _retain(self, output_nr: int, tensor) -> None:
        if self._retained is None:
            self._retained = {}
        self._has_hooks = True
        self._retained[output_nr] = weakref.ref(tensor)

    # the engine's interface
    def _n_outputs(self) -> int:
        return 1

    def _free(self) -> None:
        """Drop what backward saved (nodes that save nothing have nothing to drop)."""

    def _tensors_saved(self) -> list:
        return []

    def _run_backward(self, grads):
        raise NotImplementedError


class AccumulateGrad(Node):
    """Sink node of a leaf tensor: adds the incoming gradient into `variable.grad`."""

    _is_sink = True
    _post_hooks = None  # {key: fn(leaf)} from Tensor.register_post_accumulate_grad_hook

    # torch's AccumulateGrad has the largest sequence number: a leaf's gradient is stored as soon as it is ready
    _seq_nr = 2**64 - 1

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def _run_backward(self, grads):
        (grad,) = grads
        leaf = self.variable
        hooks = self._tensor_hooks and self._tensor_hooks.get(0)
        if hooks:
            for fn in list(hooks.values()):
                out = fn(grad)
                if out is not None:
                    grad = out
        if _mode.enabled:  # create_graph: keep the graph of the gradient
            leaf.grad = grad if leaf._grad is None else leaf._grad + grad
        elif leaf._grad is None:
            data = grad._data
            # A leaf must own its .grad: copy views, read-only broadcasts, and arrays that
            # another leaf (or the caller's `gradient`) already holds.
            # (CuPy arrays have no read-only flag: there, broadcasts are views with a base)
            if data.base is not None or not getattr(data.flags, "writeable", True) or id(data) in handed_arrays:
                data = data.copy()
            handed_arrays.add(id(data))
            leaf._grad = Tensor._wrap(data, leaf._device)
        else:
            g = leaf._grad
            if g._requires_grad:
                leaf._grad = g.detach() + grad
            else:
                g._data += grad._data
        if self._post_hooks:
            for fn in list(self._post_hooks.values()):
                fn(leaf)
        return ()


class SavedTensor:
    """A tensor kept for backward, with the version it had when saved.

    Outputs are saved as their array only and re-wrapped on unpacking: storing the
    output Tensor itself would make a reference cycle output -> node -> output.
    """

    __slots__ = ("tensor", "data", "box", "version", "output_nr", "tangent")

    def __init__(self, tensor=None, data=None, box=None, output_nr=None):
        self.tangent = None  # a saved output's forward-mode tangent, given back on unpacking
        self.tensor = tensor
        self.data = data
        self.output_nr = output_nr
        if tensor is not None:
            box = tensor._version_box
        self.box = box
        self.version = box[0] if box is not None else 0

    def unpack_array(self, node):
        """The saved tensor's backend array (what a backward on arrays reads), version-checked."""
        if self.box is not None and self.box[0] != self.version:
            self.unpack(node)  # raises torch's error about the in-place change
        return self.data if self.output_nr is not None else self.tensor._data

    def unpack(self, node):
        if self.box is not None and self.box[0] != self.version:
            from ..dtypes import from_numpy_dtype
            data = self.tensor._data if self.tensor is not None else self.data
            shape, dt = list(data.shape), from_numpy_dtype(data.dtype)
            where = "" if self.output_nr is None else f", which is output {self.output_nr} of {node.name()},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{_type_name(dt)} {shape}]{where} is at version {self.box[0]}; "
                f"expected version {self.version} instead. Hint: the backtrace further above can "
                "show the operation that failed to compute its gradient. The variable in question "
                "was changed in there or anywhere later. Good luck!")
        if self.output_nr is None:
            return self.tensor
        out = Tensor._wrap(self.data, node._out_meta[self.output_nr][2])
        out._version_box = self.box
        out._grad_fn = node
        out._output_nr = self.output_nr
        out._requires_grad = True
        if self.tangent is not None and _mode.forward_ad:
            forward_ad.set_tangent(out, self.tangent)
        return out


class PackedTensor:
    """A saved tensor that went through a pack hook (saved_tensors_hooks, or a raw saved tensor's
    register_hooks): backward gets back whatever the unpack hook makes of the packed value."""

    __slots__ = ("packed", "unpack_hook")

    def __init__(self, packed, unpack_hook):
        self.packed, self.unpack_hook = packed, unpack_hook

    def unpack(self, node):
        return self.unpack_hook(self.packed)

    def unpack_array(self, node):
        tensor = self.unpack(node)
        return None if tensor is None else tensor._data


class RawSavedTensor:
    """A node's saved tensor itself (torch's `_raw_saved_*`): `register_hooks(pack, unpack)` packs it now
    and unpacks it whenever backward reads it."""

    def __init__(self, node, index):
        self.node, self.index = node, index

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        node = self.node
        if node._saved is _FREED:
            node.saved_tensors  # raises torch's error about a freed graph
        saved = list(node._saved)
        entry = saved[self.index]
        if entry is None:
            raise RuntimeError("None is forbidden")
        if isinstance(entry, PackedTensor):
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. "
                               "Hint: only one pair of hooks is allowed at a time.")
        saved[self.index] = PackedTensor(pack_hook(entry.unpack(node)), unpack_hook)
        node._saved = tuple(saved)


# the (pack, unpack) hooks of the saved_tensors_hooks blocks now open, innermost last
saved_tensors_hooks_stack: list = []


def _type_name(dt) -> str:
    return f"torch.{dt.word}Tensor"


class FunctionCtx(Node):
    """What `forward` and `backward` see as `ctx` (and the graph sees as `grad_fn`)."""

    _saved = ()
    _to_save = ()
    needs_input_grad: tuple = ()
    materialize_grads = True
    _non_differentiable = ()
    _out_meta = None
    # `backward_arrays(ctx, *grad_arrays)`, when an op defines it (Node's default is None): the backward
    # on backend arrays, used when no graph of the gradient is wanted -- the common case, and the fast one.

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        """Keep tensors for the op's `jvp` (forward mode), where `ctx.saved_tensors` returns them."""
        self._fw_saved = tensors

    @property
    def saved_tensors(self):
        if self.__dict__.get("_in_jvp"):
            return tuple(self.__dict__.get("_fw_saved", ()))
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward.")
        return tuple(None if s is None else s.unpack(self) for s in saved)

    @property
    def saved_arrays(self):
        """The saved tensors' backend arrays (version-checked like saved_tensors, without wrapping)."""
        saved = self._saved
        if saved is _FREED or self.__dict__.get("_in_jvp"):
            return tuple(None if t is None else t._data for t in self.saved_tensors)
        arrays = []
        for s in saved:  # a loop, not a comprehension: this runs for every node of every backward
            arrays.append(None if s is None else s.unpack_array(self))
        return arrays

    def _tensors_saved(self) -> list:
        """(name, tensor) for each tensor saved for backward, in saving order (empty once freed).
        A tensor changed in place since it was saved is listed with None."""
        saved = self._saved
        if saved is _FREED or not saved:
            return []
        names = getattr(type(self), "saved_names", None) or [f"saved[{i}]" for i in range(len(saved))]
        items = []
        for name, s in zip(names, saved):
            if s is None or not name:  # an optional input not given (a missing weight), or one torch does not keep
                continue
            try:
                items.append((name, s.unpack(self)))
            except RuntimeError:  # modified in place since: backward would refuse it too
                items.append((name, None))
        return items

    # torch's saved attributes that are not tensors (`_saved_dim`, `_saved_keepdim`, `_saved_alpha`,
    # `_saved_self_sym_sizes`, ...): {name: function of the node giving the value torch shows}
    saved_values: dict = {}
    # saved tensors torch keeps only when some input's gradient reads them: {name: those inputs' positions}
    saved_if_grad: dict = {}

    def __getattr__(self, name):
        """torch's saved attributes: `_saved_self` (the tensor saved as "self"), `_raw_saved_self` (it,
        unpacked lazily, with register_hooks), for the names the op gives its saved tensors; and the saved
        values that are not tensors (`_saved_dim`, ...)."""
        for prefix, raw in (("_raw_saved_", True), ("_saved_", False)):
            if name.startswith(prefix):
                cls = type(self)
                names = getattr(cls, "saved_names", None) or ()
                key = name[len(prefix):]
                if key and key in names:
                    index = names.index(key)
                    needed_for = cls.saved_if_grad.get(key)
                    if needed_for is not None and not any(self.needs_input_grad[i] for i in needed_for):
                        return None  # torch keeps it only for the gradients that read it
                    if raw:
                        return RawSavedTensor(self, index)
                    if self._saved is _FREED:
                        return self.saved_tensors  # raises torch's error about a freed graph
                    entry = self._saved[index] if index < len(self._saved) else None
                    if entry is None:
                        return None
                    value = entry.unpack(self)
                    source = getattr(value, "_cast_from", None)  # promoted for the op: torch keeps the source
                    if source is None or isinstance(source, Tensor):
                        return value if source is None else source
                    return _wrapped_number(source, value)
                if not raw and key in cls.saved_values:
                    return cls.saved_values[key](self)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self):
        """With the saved attributes, as dir() of a torch node lists them."""
        cls = type(self)
        tensors = getattr(cls, "saved_names", None) or ()
        tensors = [n for n in tensors if n]  # "": a tensor kept for backward that torch's node does not show
        return sorted(set(super().__dir__()) | {f"_saved_{n}" for n in (*tensors, *cls.saved_values)}
                      | {f"_raw_saved_{n}" for n in tensors})

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable = outputs

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = value

    def mark_dirty(self, *tensors):
        """Declare inputs that forward changed in place (and returns): their versions are bumped and
        they take this node as their history, as torch's in-place ops do."""
        self._dirty = tensors

    def _n_outputs(self):
        return len(self._out_meta)

    def _free(self):
        if self._saved:
            self._saved = _FREED

    def _run_backward_arrays(self, fast, grads):
        if len(grads) == 1 and grads[0] is not None:  # the common single-output op
            out = _wrap_grads(self, fast(self, grads[0]._data))
        else:
            if _has_none(grads):
                grads = tuple([self._out_meta[i][2].backend.xp.zeros(m[0], m[1].np) if g is None else g._data
                               for i, (g, m) in enumerate(zip(grads, self._out_meta))])
            else:
                grads = tuple([g._data for g in grads])
            out = _wrap_grads(self, fast(self, *grads))
        n = len(self.next_functions)
        return out if len(out) == n else out[:n]

    def _run_backward(self, grads):
        fast = self.backward_arrays
        if fast is not None and not _mode.enabled:
            return self._run_backward_arrays(fast, grads)
        if self.materialize_grads and _has_none(grads):
            grads = tuple(zeros_for(*m) if g is None else g for g, m in zip(grads, self._out_meta))
        out = type(self).backward(self, *grads)
        if not isinstance(out, tuple):
            out = (out,)
        n = len(self.next_functions)
        if len(out) != n:
            if len(out) > n and all(g is None for g in out[n:]):
                out = out[:n]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {n}, got {len(out)})")
        return out


def zeros_for(shape, dtype, device):
    """Zeros of a given shape, dtype and device (a missing gradient, materialised)."""
    return Tensor._wrap(device.backend.xp.zeros(shape, dtype=dtype.np), device)


def full_like(t, value):
    """A tensor of `t`'s shape, dtype and device filled with `value` (no graph)."""
    return Tensor._wrap(t._device.backend.xp.full(t._data.shape, value, dtype=t._data.dtype), t._device)


def _has_none(items) -> bool:
    """`None in items` without `==` (which on tensors would compare elementwise)."""
    for item in items:
        if item is None:
            return True
    return False


def _wrap_grads(node, arrays):
    device = node._out_meta[0][2]
    if type(arrays) is not tuple:
        return (None if arrays is None else Tensor._wrap(arrays, device),)
    return tuple([None if a is None else Tensor._wrap(a, device) for a in arrays])


class Function(FunctionCtx):
    """Base class of differentiable operations, as `torch.autograd.Function`.

    Subclasses define `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` as
    static methods and are called through `apply`. Forward runs with grad off.
    """

    _node_suffix = "Backward"
    _is_node = False
    # minitorch's own ops built as Functions stand for torch's native ops: the rules for a user's Function under
    # torch.func transforms (check_function) are not theirs
    _builtin = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.__dict__.get("_is_node"):
            return
        # The graph node of this op is an instance of a subclass named like torch's.
        node_name = cls.__dict__.get("node_name") or cls.__name__ + cls._node_suffix
        short = node_name.rsplit("::", 1)[-1]
        cls._node_cls = type(short, (cls,), {"_is_node": True, "__module__": cls.__module__,
                                             "_torch_name": node_name if short != node_name else None})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode: the outputs' tangents from the inputs' (`grad_inputs`), with what forward kept by
        `ctx.save_for_forward`. Built-in ops without one transpose their backward (see forward_ad)."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override (with a forward that takes no ctx) to save what backward needs from the inputs and output."""
        raise NotImplementedError("setup_context is not implemented.")

    # under vmap: run forward on each slice as it is (torch vmaps forward and backward), or the vmap staticmethod
    generate_vmap_rule = False

    @staticmethod
    def vmap(info, in_dims, *args):
        """Override to say how the op maps over a batch: given `info` (batch_size, randomness), each input's batch
        dim (`in_dims`, None where unbatched) and the batched inputs, return the outputs and their batch dims."""
        raise NotImplementedError("To use autograd.Function with vmap, you must either override the vmap "
                                  "staticmethod or set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        if (_mode.vmap or _mode.transforms) and not cls._builtin:
            batched.check_function(cls, Function)
            if _mode.vmap and cls.vmap is not Function.vmap:
                return batched.run_vmap_rule(cls, args, kwargs)
        if _mode.forward_ad and forward_ad.has_tangent(args):
            return forward_ad.apply(cls, args, kwargs)
        ctx = cls._node_cls.__new__(cls._node_cls)
        inputs = [a if isinstance(a, Tensor) else None for a in args]
        record = _mode.enabled and any(t is not None and t._requires_grad for t in inputs)
        ctx.needs_input_grad = tuple(t is not None and t._requires_grad for t in inputs)
        prev = _mode.enabled
        _mode.enabled = False
        try:
            if cls.setup_context is Function.setup_context:
                result = cls.forward(ctx, *args, **kwargs)
            else:  # torch 2's style: forward without ctx, then setup_context(ctx, inputs, output)
                result = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, result)
        finally:
            _mode.enabled = prev
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        dirty = ctx.__dict__.get("_dirty", ())
        if dirty:
            _take_dirty(dirty, outs, record)
        input_ids = {id(t) for t in inputs if t is not None}
        dirty_ids = {id(t) for t in dirty}
        wrapped = []
        for o in outs:
            if isinstance(o, Tensor) and id(o) in input_ids and id(o) not in dirty_ids:
                o = o._alias()  # an input returned as is becomes a new output sharing memory
            wrapped.append(o)
        if record:
            _connect(ctx, inputs, [o for o in wrapped if isinstance(o, Tensor)])
        if _mode.vmap:
            batched.mark(inputs, [o for o in wrapped if isinstance(o, Tensor)])
        return wrapped[0] if single else tuple(wrapped)


def _take_dirty(dirty, outs, record):
    """Check the tensors a custom Function marked dirty and record their in-place change."""
    if not all(any(d is o for o in outs) for d in dirty):
        raise RuntimeError("Some elements marked as dirty during the forward method were not returned as output. "
                           "The inputs that are modified inplace must all be outputs of the Function.")
    for d in dirty:
        if record and d._requires_grad and d._grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        if record and d._base is not None and d._base._requires_grad:
            raise RuntimeError("minitorch does not support in-place operations on a view of a tensor that "
                               "requires grad; use the out-of-place op instead")
        d._bump()


class Primitive(Function):
    """A built-in op: `forward(ctx, *arrays, **params)` computes on backend arrays.

    Positional arguments of `apply` are Tensors (or None); everything else is a keyword
    parameter. Forward returns an array or a tuple of arrays.
    """

    _builtin = True

    _node_suffix = "Backward0"
    named_like_torch = True  # the profiler's name: aten::<snake-cased node name>

    @classmethod
    def apply(cls, *inputs, **params):
        if _mode.forward_ad and forward_ad.has_tangent(inputs):
            return forward_ad.apply(cls, inputs, params)
        ctx = cls._node_cls.__new__(cls._node_cls)
        first = inputs[0]
        device = first._device
        n = len(inputs)
        if n == 1:  # the common shapes of a call, spelled out: this runs for every op
            arrays = (first._data,)
            record = first._requires_grad and _mode.enabled
            if record:
                ctx.needs_input_grad = (True,)
        elif n == 2 and inputs[1] is not None:
            second = inputs[1]
            if second._device is not device:
                check_same_device(first, second)
            arrays = (first._data, second._data)
            record = (first._requires_grad or second._requires_grad) and _mode.enabled
            if record:
                ctx.needs_input_grad = (first._requires_grad, second._requires_grad)
        else:
            arrays, record = _arrays_of(inputs, device)
            if record:
                ctx.needs_input_grad = tuple([t is not None and t._requires_grad for t in inputs])
        ctx.backend = backend = device._backend or device.backend
        ctx.xp = backend.xp
        result = cls.forward(ctx, *arrays, **params)
        wrap = Tensor._wrap
        if type(result) is tuple:
            outs = tuple([wrap(r, device) for r in result])
            if record:
                _connect(ctx, inputs, outs, result)
            if _mode.vmap:
                batched.mark(inputs, outs)
            return outs
        out = wrap(result, device)
        if record:
            _connect(ctx, inputs, (out,), (result,))
        if _mode.vmap:
            batched.mark(inputs, (out,))
        return out


def _apply_with_number(cls, tensor, number, **params):
    """cls.apply(tensor, number) for a float `tensor` and a Python float `number` taken in its dtype, as torch
    wraps one (a 0-d tensor that the node keeps as the number it was). Where nothing would see that tensor
    (no graph to record, no forward-mode tangent, no vmap, no observer of the ops) the op runs on the arrays."""
    device = tensor._device
    backend = device._backend or device.backend
    scalar = backend.as_scalar(number, tensor._dtype.np)
    if (tensor._requires_grad and _mode.enabled) or _mode.forward_ad or _mode.vmap or cls.apply.__func__ is not _APPLY:
        wrapped = Tensor._wrap(scalar, device)
        wrapped._cast_from = number  # saved as torch's wrapped number (see ops._helpers.wrapped_number)
        return cls.apply(tensor, wrapped, **params)
    ctx = cls._node_cls.__new__(cls._node_cls)
    ctx.backend, ctx.xp = backend, backend.xp
    return Tensor._wrap(cls.forward(ctx, tensor._data, scalar, **params), device)


Primitive.apply_with_number = classmethod(_apply_with_number)
_APPLY = Primitive.apply.__func__


class WithoutDerivative(Primitive):
    """A built-in op torch defines no derivative for: it records a node named NotImplemented
    (torch::autograd::NotImplemented), whose backward raises torch's error naming the aten op."""

    node_name = "torch::autograd::NotImplemented"
    aten_name = ""

    def __init_subclass__(cls, **kw):
        cls.node_name = "torch::autograd::NotImplemented"  # every such op's node, in-place forms included
        super().__init_subclass__(**kw)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(f"derivative for aten::{ctx.aten_name} is not implemented")


def _arrays_of(inputs, device):
    """The inputs' arrays (None for None), after torch's check that they share a device, and whether
    the op is recorded (grad mode on and an input requiring grad)."""
    arrays = []
    record = False
    for t in inputs:
        if t is None:
            arrays.append(None)
            continue
        if t._device is not device:
            check_same_device(*[t for t in inputs if t is not None])
        arrays.append(t._data)
        if t._requires_grad:
            record = True
    return arrays, record and _mode.enabled


_NO_EDGE = (None, 0)


def _connect(ctx, inputs, outputs, raw=()):
    """Make `ctx` the grad_fn of `outputs`, with edges to the inputs' nodes and, for the inputs that
    take a gradient, the shape and dtype it must have."""
    edges, in_meta = [], []
    for t in inputs:
        if t is None or not t._requires_grad:
            edges.append(_NO_EDGE)
            in_meta.append(None)
            continue
        if t._cast_from is not None:  # promoted for this op: the edge and the gradient's dtype are the source's
            t = t._cast_from
        fn = t._grad_fn
        if fn is None:
            edges.append((t._accumulator(), 0))
        else:
            if t._base is not None and t._view_version != t._version_box[0]:
                Tensor._regenerate_view(t)  # a view whose base was written to since: its history from the base's
                fn = t._grad_fn
            edges.append((fn, t._output_nr))
        in_meta.append((t._data.shape, t._dtype))
    ctx.next_functions = tuple(edges)
    ctx._in_meta = tuple(in_meta)
    ctx._seq_nr = next(_seq)
    if _mode.anomaly:
        ctx._trace = "".join(traceback.format_stack()[:-3])
    nondiff = ctx._non_differentiable
    if len(outputs) == 1 and not nondiff:  # the common op, spelled out
        o = outputs[0]
        ctx._out_meta = ((o._data.shape, o._dtype, o._device),)
        if o._dtype.category == _FLOAT:
            o._grad_fn = ctx
            o._output_nr = 0
            o._requires_grad = True
    else:
        out_meta = []
        for nr, o in enumerate(outputs):
            out_meta.append((o._data.shape, o._dtype, o._device))
            if nondiff and any(o is n or o._data is n for n in nondiff):
                continue
            if o._dtype.category != _FLOAT:
                continue
            o._grad_fn = ctx
            o._output_nr = nr
            o._requires_grad = True
        ctx._out_meta = tuple(out_meta)
    to_save = ctx._to_save
    if to_save:
        saved = []
        for item in to_save:
            saved.append(_saved_entry(item, inputs, outputs, raw))
        saved = tuple(saved)
        if saved_tensors_hooks_stack:
            saved = _pack_all(ctx, saved)
        ctx._saved = saved
        ctx._to_save = ()


def _pack_all(ctx, saved):
    """Each saved tensor through the innermost pack hook, which runs with no hooks and no grad (as in torch)."""
    pack, unpack = saved_tensors_hooks_stack[-1]
    hooks = saved_tensors_hooks_stack[:]
    saved_tensors_hooks_stack.clear()
    prev, _mode.enabled = _mode.enabled, False
    try:
        return tuple([None if s is None else PackedTensor(pack(s.unpack(ctx)), unpack) for s in saved])
    finally:
        _mode.enabled = prev
        saved_tensors_hooks_stack.extend(hooks)


def _wrapped_number(number, operand) -> Tensor:
    """A Python number an op took as `operand`, as torch's node keeps it: a 0-d tensor of the number's type."""
    dt = D.bool_ if number.__class__ is bool else D.int64 if number.__class__ is int else D.float64
    return Tensor._wrap(operand._device.backend.scalar(number, dt.np), operand._device)


def _saved_entry(item, inputs, outputs, raw=()):
    """How forward's saved item is kept: an output by its array (the forward's own result object, `raw`,
    counts too: a 0-d result is a NumPy scalar that wrapping turns into a new array), an input as itself."""
    if item is None:
        return None
    nr = 0
    for o in outputs:
        if item is o._data or (nr < len(raw) and item is raw[nr]) or item is o:
            return _saved_output(o, nr) if o._grad_fn is not None else _saved_tensor(o)
        nr += 1
    for t in inputs:
        if t is not None and (item is t._data or item is t):
            return _saved_tensor(t)
    if isinstance(item, Tensor):
        return _saved_tensor(item)
    return _saved_tensor(Tensor._wrap(item, outputs[0]._device))


_new_object = object.__new__


def _saved_tensor(t) -> SavedTensor:
    """SavedTensor(tensor=t), made without the keyword call (graph recording runs this for every op)."""
    s = _new_object(SavedTensor)
    s.tensor, s.data, s.output_nr, s.tangent = t, None, None, None
    s.box = box = t._version_box
    s.version = box[0]
    return s


def _saved_output(o, nr) -> SavedTensor:
    """Output `nr` kept as its array and version box only (no reference cycle through the node)."""
    s = _new_object(SavedTensor)
    s.tensor, s.data, s.output_nr, s.tangent = None, o._data, nr, None
    s.box = box = o._version_box
    s.version = box[0]
    return s


def once_differentiable(backward):
    """Mark a backward as computed outside autograd: differentiating it again raises."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        prev = _mode.enabled
        _mode.enabled = False
        try:
            out = backward(ctx, *grads)
        finally:
            _mode.enabled = prev
        if not prev or not any(ctx.needs_input_grad):
            return out
        # create_graph: the results stand on a node that refuses to be differentiated
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        node = _DelayedError("trying to differentiate twice a function that was marked with "
                             "@once_differentiable", ctx.next_functions, len(outs))
        wrapped = []
        for i, g in enumerate(outs):
            if g is not None:
                g = g.detach()
                g._grad_fn, g._output_nr, g._requires_grad = node, i, True
            wrapped.append(g)
        return wrapped[0] if single else tuple(wrapped)
    return wrapper


class _DelayedError(Node):
    """Stands in for a once-differentiable backward: its own backward raises."""

    def __init__(self, msg, edges, n_outputs):
        self.msg = msg
        self.next_functions = edges
        self._n = n_outputs
        self._seq_nr = next(_seq)
        self._in_meta = tuple(None for _ in edges)

    def name(self):
        return "DelayedError"

    def _n_outputs(self):
        return self._n

    def _run_backward(self, grads):
        raise RuntimeError(self.msg)
