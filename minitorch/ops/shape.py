"""Shape ops. Views (reshape/view, permute, expand, squeeze, narrow, split...) share
memory and the version counter with their input; the rest (cat, repeat, flip...) copy."""
from __future__ import annotations

import builtins
import itertools
import numbers
import math

from ..autograd import batched
from .. import dtypes as D
from ..autograd.forward_ad import LINEAR
from ..autograd.function import Primitive
from ..autograd.saved_values import attribute, sizes, torch_int, torch_ints
from ..tensor import Tensor
from ._helpers import NOT_GIVEN, _check_dim_type, common_device, dims as _dims, refuse_none, wrap_dim


def _owner(a):
    return a if a.base is None else a.base


def as_view(out: Tensor, base: Tensor) -> Tensor:
    """Mark `out` as a view of `base` when their arrays share memory."""
    if _owner(out._data) is _owner(base._data):
        out._view_of(base)
    return out


def _sizes(args):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(6) as torch does; anything but ints is a TypeError."""
    if isinstance(args, (tuple, list)) and len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    if not isinstance(args, (tuple, list)):
        if isinstance(args, (str, float, bool)) or args is None:
            raise TypeError(f"argument must be tuple of ints, not {type(args).__name__}")
        args = (args,)
    for i, a in enumerate(args):
        if isinstance(a, (bool, float, str)) or a is None or not hasattr(a, "__index__"):
            raise TypeError(f"argument must be tuple of ints, but found element of type {type(a).__name__} at pos {i}")
    return tuple(int(a) for a in args)


def sizes_method(fn, keyword: str, optional: bool = False):
    """The Tensor-method form of `fn(input, sizes)`, which torch also lets take the sizes as separate
    arguments: x.f(2, 3), x.f((2, 3)) and x.f(keyword=(2, 3)) all call fn(x, sizes)."""
    import inspect
    name = fn.__name__

    def method(self, *args, **kwargs):
        value = kwargs.pop(keyword, NOT_GIVEN)
        if kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if args and value is not NOT_GIVEN:
            raise TypeError(f"{name}() got multiple values for argument '{keyword}'")
        if args:
            value = args[0] if len(args) == 1 else args
        if value is NOT_GIVEN:
            if optional:
                return fn(self)
            raise TypeError(f'{name}() missing 1 required positional arguments: "{keyword}"')
        return fn(self, value)

    P = inspect.Parameter
    method.__signature__ = inspect.Signature([
        P("self", P.POSITIONAL_OR_KEYWORD), P("args", P.VAR_POSITIONAL),
        P(keyword, P.KEYWORD_ONLY, default=None)])
    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


def infer_shape(shape, numel: int):
    """Resolve one -1 in `shape` against `numel`, with torch's errors."""
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{_fmt(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{_fmt(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _fmt(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


class View(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = grad viewed in the input's shape"
    saved_values = {"self_sym_sizes": sizes("in_shape")}

    @staticmethod
    def forward(ctx, x, *, shape, must_view, dim=None):
        ctx.in_shape, ctx.dim = x.shape, dim  # dim: the squeezed or unsqueezed dim(s) as given, which torch saves
        if must_view:
            try:
                return x.reshape(shape, copy=False)
            except (ValueError, TypeError, AttributeError):
                raise RuntimeError(
                    "view size is not compatible with input tensor's size and stride (at least one dimension "
                    "spans across two contiguous subspaces). Use .reshape(...) instead.") from None
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.in_shape)

    backward_arrays = backward


# Views that torch records under their own node names: the same reshape, named for the call.
class Squeeze(View):
    node_name = "SqueezeBackward0"      # x.squeeze()


class SqueezeDim(View):
    node_name = "SqueezeBackward1"      # x.squeeze(dim)
    saved_values = {"dim": attribute("dim", torch_int), "self_sym_sizes": sizes("in_shape")}


class SqueezeDims(View):
    node_name = "SqueezeBackward2"      # x.squeeze((dim0, dim1))
    saved_values = {"dim": attribute("dim", torch_ints), "self_sym_sizes": sizes("in_shape")}


# The in-place forms (x.squeeze_(), ...) are the same views under torch's numbers for them.
class SqueezeInPlace(View):
    node_name = "SqueezeBackward3"      # x.squeeze_()


class SqueezeDimInPlace(View):
    node_name = "SqueezeBackward4"      # x.squeeze_(dim), and where torch's composites end with it
    saved_values = SqueezeDim.saved_values


class SqueezeDimsInPlace(View):
    node_name = "SqueezeBackward5"      # x.squeeze_((dim0, dim1))
    saved_values = SqueezeDims.saved_values


class Unsqueeze(View):
    node_name = "UnsqueezeBackward0"
    saved_values = {"dim": attribute("dim", torch_int)}


class UnsqueezeInPlace(Unsqueeze):
    node_name = "UnsqueezeBackward1"    # x.unsqueeze_(dim)


class Alias(View):
    node_name = "AliasBackward0"        # an op that gives back its input, as a view
    saved_values = {}


def view(self: Tensor, *args, size=None, dtype=None) -> Tensor:
    """Same memory, new shape (or the same bytes read as another dtype of that width); raises
    (pointing to reshape) when the layout does not allow it."""
    if len(args) == 1 and isinstance(args[0], D.dtype):
        args, dtype = (), args[0]
    if dtype is not None:
        if args or size is not None:
            raise TypeError("view() received an invalid combination of arguments: give a dtype or a size")
        return _view_dtype(self, D.as_dtype(dtype))
    if size is not None and args:
        raise TypeError("view() got multiple values for argument 'size'")
    shape = infer_shape(_sizes(args if size is None else size), self._data.size)
    return View.apply(self, shape=shape, must_view=True)._view_of(self)


def _view_dtype(self, dt):
    if dt.itemsize != self._dtype.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported")
    return Tensor._wrap(self._data.view(dt.np), self._device)._view_of(self)


class ReshapeAlias(View):
    node_name = "ReshapeAliasBackward0"  # reshape of a non-contiguous tensor that still allows a view


class ReshapeCopy(View):
    node_name = "UnsafeViewBackward0"    # reshape that has to copy: torch clones, then _unsafe_views the copy


def reshape(input: Tensor, shape) -> Tensor:
    """A view when the layout allows it, otherwise a copy."""
    shape = infer_shape(_sizes(shape), input._data.size)
    data = input._data
    if data.flags.c_contiguous:
        node = View
    else:
        try:
            data.reshape(shape, copy=False)
            node = ReshapeAlias
        except (ValueError, TypeError, AttributeError):
            from .convert import Clone
            return ReshapeCopy.apply(Clone.apply(input), shape=shape, must_view=False)
    return as_view(node.apply(input, shape=shape, must_view=False), input)


def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, other.shape)


def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    nd = input._data.ndim
    s, e = wrap_dim(start_dim, max(nd, 1)), wrap_dim(end_dim, max(nd, 1))  # a 0-d tensor has dims 0 and -1
    if nd == 0:
        return reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:  # nothing to merge: torch returns the tensor itself
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """`dim` split into several dims of the given `sizes` (one may be -1)."""
    if input._data.ndim == 0:
        raise RuntimeError("unflatten got an unexpected error: Dimension specified as 0 but tensor has no "
                           "dimensions")
    d = wrap_dim(dim, input._data.ndim)
    shape = input._data.shape
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflatten(): argument 'sizes' must be tuple of ints, not {type(sizes).__name__}")
    sizes = _sizes(tuple(sizes)) if sizes else ()
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 in sizes:
        sizes = infer_shape(sizes, shape[d])
    elif math.prod(sizes) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {_fmt(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + sizes + shape[d + 1:])


SQUEEZE_NODES = (Squeeze, SqueezeDim, SqueezeDims)  # no dim, one dim, a list of dims
SQUEEZE_IN_PLACE_NODES = (SqueezeInPlace, SqueezeDimInPlace, SqueezeDimsInPlace)


def squeeze(input: Tensor, dim=NOT_GIVEN) -> Tensor:
    """Drop size-1 dims (all of them, or those among `dim`)."""
    refuse_none("squeeze", "dim", dim)
    return squeeze_with(input, None if dim is NOT_GIVEN else dim, SQUEEZE_NODES)


def squeeze_with(input: Tensor, dim, nodes) -> Tensor:
    """squeeze recorded under `nodes` (its out-of-place or in-place node family)."""
    shape = input._data.shape
    if isinstance(dim, (tuple, list)) and not dim:
        axes = ()  # an empty list of dims squeezes none
    else:
        axes = range(len(shape)) if dim is None else _dims(dim, len(shape))
    keep = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    node = nodes[0] if dim is None else nodes[2] if isinstance(dim, (tuple, list)) else nodes[1]
    return node.apply(input, shape=keep, must_view=True, dim=dim)._view_of(input)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    return unsqueeze_with(input, dim, Unsqueeze)


def unsqueeze_with(input: Tensor, dim: int, node) -> Tensor:
    """unsqueeze recorded under `node` (UnsqueezeBackward0, or 1 for unsqueeze_)."""
    d = wrap_dim(dim, input._data.ndim + 1)
    shape = input._data.shape
    return node.apply(input, shape=shape[:d] + (1,) + shape[d:], must_view=True, dim=dim)._view_of(input)


class Permute(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = grad permuted back by the inverse permutation"

    saved_values = {"dims": attribute("given", torch_ints)}

    @staticmethod
    def forward(ctx, x, *, axes, given=None):
        ctx.axes = axes
        ctx.given = axes if given is None else given  # the dims as the call named them (torch saves those)
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, gy):
        return gy.permute(Permute._inverse(ctx.axes))

    @staticmethod
    def backward_arrays(ctx, gy):
        out = gy.transpose(Permute._inverse(ctx.axes))
        base = out.base
        if base is not None and out.flags.c_contiguous and base.shape == out.shape and base.strides == out.strides:
            return base  # the view is its whole base, laid out alike: pass the array itself (a leaf can keep it)
        return out

    @staticmethod
    def _inverse(axes):
        inverse = [0] * len(axes)
        for i, a in enumerate(axes):
            inverse[a] = i
        return inverse


class Transpose(Permute):
    node_name = "TransposeBackward0"
    saved_values = {"dim0": lambda node: torch_int(node.given[0]), "dim1": lambda node: torch_int(node.given[1])}


class MatrixTranspose(Permute):
    node_name = "TBackward0"            # x.t(): the transpose of a matrix (a vector or scalar as it is)
    saved_values = {}


class TransposeInPlace(Transpose):
    node_name = "TransposeBackward1"    # x.transpose_(dim0, dim1)


class MatrixTransposeInPlace(MatrixTranspose):
    node_name = "TBackward1"            # x.t_()


def permute(input: Tensor, dims) -> Tensor:
    nd = input._data.ndim
    order = _sizes(dims)
    if len(order) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
                           f"to len(dims) = {len(order)}")
    axes = tuple(wrap_dim(d, nd) for d in order)
    if len(set(axes)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, axes=axes, given=tuple(order))._view_of(input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return transpose_with(input, dim0, dim1, Transpose)


def transpose_with(input: Tensor, dim0: int, dim1: int, node) -> Tensor:
    """transpose recorded under `node` (TransposeBackward0, or 1 for transpose_)."""
    nd = input._data.ndim
    a, b = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    axes = list(range(nd))
    if nd:
        axes[a], axes[b] = axes[b], axes[a]
    return node.apply(input, axes=tuple(axes), given=(dim0, dim1))._view_of(input)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """transpose under NumPy's name."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose under another name."""
    return transpose(input, dim0, dim1)


def t(input: Tensor) -> Tensor:
    return t_with(input, MatrixTranspose, "t")


def t_with(input: Tensor, node, name: str) -> Tensor:
    """t recorded under `node` (TBackward0, or 1 for t_); `name` is the call torch's error names."""
    if input._data.ndim > 2:
        raise RuntimeError(f"{name}() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return node.apply(input, axes=tuple(range(input._data.ndim))[::-1])._view_of(input)


def T(self: Tensor) -> Tensor:
    nd = self._data.ndim
    if nd == 0:
        return self
    return permute(self, tuple(range(nd - 1, -1, -1)))


def mT(self: Tensor) -> Tensor:
    if self._data.ndim == 0:
        return self
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


def movedim(input: Tensor, source, destination) -> Tensor:
    nd = input._data.ndim
    if nd == 0:
        for d in (source if isinstance(source, (tuple, list)) else [source]) + \
                (destination if isinstance(destination, (tuple, list)) else [destination]):
            wrap_dim(d, 1)  # a 0-d tensor has dims 0 and -1
        return Alias.apply(input, shape=(), must_view=True)._view_of(input)
    src = [wrap_dim(s, nd) for s in (source if isinstance(source, (tuple, list)) else [source])]
    dst = [wrap_dim(d, nd) for d in (destination if isinstance(destination, (tuple, list)) else [destination])]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain "
                           f"the same number of dims as destination ({dst} dims)")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(a for a in range(nd) if a not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(input, order)


def moveaxis(input: Tensor, source, destination) -> Tensor:
    """movedim under NumPy's name."""
    if isinstance(source, int) and isinstance(destination, int):  # the overload torch's vmap has no rule for
        batched.refuse_no_fallback("aten::moveaxis.int", input)
    return movedim(input, source, destination)


def sum_to_size(input: Tensor, size) -> Tensor:
    """Sum `input` down to `size` (the reverse of expand), composed as torch's sum_to: one sum with keepdim over
    the leading dims and the dims `size` holds at 1, then a view dropping the leading dims."""
    shape = _sizes(size)
    if input._data.shape == shape:
        return input
    if not _expandable(shape, input._data.shape):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(input.shape)}}}.")
    if not shape:
        return input.sum()
    lead = input._data.ndim - len(shape)
    dims = [*range(lead), *(lead + i for i, s in enumerate(shape) if s == 1 and input._data.shape[lead + i] != 1)]
    summed = input.sum(dims, keepdim=True) if dims else input
    return summed.view(shape) if lead else summed


def _expandable(small, big) -> bool:
    if len(small) > len(big):
        return False
    for s, b in zip(reversed(small), reversed(big)):
        if s != b and s != 1:
            return False
    return True


class Expand(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    formula = "grad_self = grad summed over the expanded dims"
    saved_values = {"self_sym_sizes": sizes("in_shape")}

    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.in_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return sum_to_size(gy, ctx.in_shape)

    @staticmethod
    def backward_arrays(ctx, gy):
        from ..autograd.engine import _sum_to_shape
        return _sum_to_shape(gy, ctx.in_shape)


def expand(self: Tensor, *args, size=None, implicit: bool = False) -> Tensor:
    """A broadcast view: size-1 dims repeat without copying; -1 keeps a size."""
    if size is not None and args:
        raise TypeError("expand() got multiple values for argument 'size'")
    sizes = _sizes(args if size is None else size)
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({_type_name(self)}{{{_fmt(shape)}}}, size={_fmt(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        cur = shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            s = cur
        elif cur is not None and cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {_fmt(sizes)}.  Tensor sizes: "
                               f"{_fmt(shape)}")
        target.append(s)
    return Expand.apply(self, shape=tuple(target))._view_of(self)


def _type_name(t):
    from ..autograd.function import _type_name as tn
    return tn(t._dtype)


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return expand(self, other.shape)


def broadcast_shapes(*shapes):
    """The shape all `shapes` broadcast to, with torch's error when they do not."""
    out = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for i, s in enumerate(reversed(shape)):
            if i >= len(out):
                out.append(s)
            elif out[i] == 1:
                out[i] = s
            elif s != 1 and s != out[i]:
                raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch "
                                   "is between arg 0 and arg 1.")
    from ..tensor import Size
    return Size(reversed(out))


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (views)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


class Repeat(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"repeats": attribute("reps"), "self_sym_sizes": sizes("in_shape")}

    @staticmethod
    def forward(ctx, x, *, reps):
        ctx.in_shape, ctx.reps = x.shape, reps
        return ctx.xp.tile(x.reshape((1,) * (len(reps) - x.ndim) + x.shape), reps)

    @staticmethod
    def backward(ctx, gy):
        reps = ctx.reps
        base = (1,) * (len(reps) - len(ctx.in_shape)) + tuple(ctx.in_shape)
        split = []
        for r, s in zip(reps, base):
            split += [r, s]
        g = gy.reshape(split).sum(tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(ctx.in_shape)


def repeat(self: Tensor, repeats) -> Tensor:
    reps = _sizes(repeats)
    if len(reps) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return Repeat.apply(self, reps=reps)


def tile(input: Tensor, dims) -> Tensor:
    reps = _sizes(dims)
    reps = (1,) * (input._data.ndim - len(reps)) + reps
    return repeat(input, reps)


class Cat(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, *xs, dim, given_dim=None):
        # a legacy empty (0,) tensor takes no part (its size None): its gradient is empty too
        ctx.sizes, ctx.dim = [None if x.ndim == 0 or _skippable(x) else x.shape[dim] for x in xs], dim
        ctx.given_dim = dim if given_dim is None else given_dim
        return ctx.xp.concatenate([x for x in xs if not _skippable(x)] or [xs[0]], axis=dim)

    @staticmethod
    def backward(ctx, gy):
        grads, start = [], 0
        for n in ctx.sizes:
            grads.append(gy.new_zeros((0,)) if n is None else gy.narrow(ctx.dim, start, n))
            start += n or 0
        return tuple(grads)


def _skippable(a):
    return a.ndim == 1 and a.shape[0] == 0


def cat(tensors: list[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim (dtypes promote, as in torch)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    common_device(*tensors)
    dt = D.result_type(*tensors) if len({t._dtype for t in tensors}) > 1 else tensors[0]._dtype
    tensors = [t if t._dtype is dt else t.to(dt) for t in tensors]
    ref = next((t for t in tensors if not _skippable(t._data)), tensors[0])
    if ref._data.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    if all(_skippable(t._data) for t in tensors):  # only legacy empty tensors: torch never reads the dim
        _check_dim_type(dim)
        d = 0
    else:
        d = wrap_dim(dim, ref._data.ndim)
    for i, t in enumerate(tensors):
        if _skippable(t._data) and t is not ref:
            continue
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} and {t._data.ndim}")
        for a, (s, r) in enumerate(zip(t._data.shape, ref._data.shape)):
            if a != d and s != r:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {r} but "
                                   f"got size {s} for tensor number {i} in the list.")
    return Cat.apply(*tensors, dim=d, given_dim=dim)


concat = concatenate = cat


def stack(tensors: list[Tensor], dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    d = wrap_dim(dim, tensors[0]._data.ndim + 1)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {_fmt(tensors[0].shape)} at "
                               f"entry 0 and {_fmt(t.shape)} at entry {i}")
    common_device(*tensors)
    dt = D.result_type(*tensors) if len({t._dtype for t in tensors}) > 1 else tensors[0]._dtype
    return Stack.apply(*[t if t._dtype is dt else t.to(dt) for t in tensors], dim=d, given_dim=dim)


class Stack(Primitive):
    """Join equal-shaped tensors along a new dim; each gradient is the matching slice."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    formula = "grad_tensors[i] = grad.select(dim, i)"
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, *xs, dim, given_dim=None):
        ctx.dim = dim
        ctx.given_dim = dim if given_dim is None else given_dim
        return ctx.xp.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return gy.unbind(ctx.dim)

    @staticmethod
    def backward_arrays(ctx, gy):
        return tuple(ctx.xp.moveaxis(gy, ctx.dim, 0))


def _each(one):
    """torch's atleast_*d(*tensors): one tensor gives a tensor; several, or a sequence, give a tuple."""
    def fn(*tensors):
        single = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
        if len(tensors) == 1 and not single:
            tensors = tensors[0]
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"{fn.__name__}(): expected Tensor arguments, got {type(t).__name__}")
        return one(tensors[0]) if single else tuple(one(t) for t in tensors)
    fn.__name__ = fn.__qualname__ = one.__name__.lstrip("_")
    fn.__doc__ = one.__doc__
    return fn


def _atleast_1d(t: Tensor) -> Tensor:
    """A 0-d tensor viewed as one element; others as they are."""
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _atleast_2d(t: Tensor) -> Tensor:
    """A 0-d tensor viewed as 1x1, a vector unsqueezed to one row (the nodes torch records for each)."""
    nd = t._data.ndim
    return view(t, (1, 1)) if nd == 0 else unsqueeze(t, 0) if nd == 1 else t


atleast_1d, atleast_2d = _each(_atleast_1d), _each(_atleast_2d)


def hstack(tensors: list[Tensor]) -> Tensor:
    _non_empty("hstack", tensors)
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def _non_empty(name: str, tensors) -> None:
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")


def vstack(tensors: list[Tensor]) -> Tensor:
    _non_empty("vstack", tensors)
    return cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def dstack(tensors: list[Tensor]) -> Tensor:
    _non_empty("dstack", tensors)
    ts = []
    for t in tensors:
        t = atleast_2d(t)
        ts.append(unsqueeze(t, -1) if t._data.ndim == 2 else t)
    return cat(ts, 2)


def column_stack(tensors: list[Tensor]) -> Tensor:
    _non_empty("column_stack", tensors)
    batched.refuse_without_rule("aten::column_stack", *tensors)
    return hstack([reshape(t, (-1, 1)) if t._data.ndim <= 1 else t for t in tensors])


class Split(Primitive):
    """Views of consecutive pieces along `dim`; backward joins the gradients."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)

    node_name = "SplitWithSizesBackward0"
    saved_values = {"split_sizes": lambda node: torch_ints(node.given[0]), "dim": lambda node: torch_int(node.given[1]),
                    "self_sym_sizes": sizes("shape")}

    @staticmethod
    def forward(ctx, x, *, sizes, dim, given=None):
        ctx.sizes, ctx.dim, ctx.shape = sizes, dim, x.shape
        ctx.given = (sizes, dim) if given is None else given  # (split size or sizes, dim) as the call gave them
        out, start = [], 0
        index = [slice(None)] * x.ndim
        for n in sizes:
            index[dim] = slice(start, start + n)
            out.append(x[tuple(index)])
            start += n
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(list(grads), ctx.dim)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0):
    """Pieces of `split_size` (the last may be smaller), or of the given section sizes."""
    sizes, d = _split_sizes(tensor, split_size_or_sections, dim)
    node = SplitEqual if isinstance(split_size_or_sections, int) else Split
    given = (split_size_or_sections, dim)
    return tuple(o._view_of(tensor) for o in node.apply(tensor, sizes=tuple(sizes), dim=d, given=given))


def _split_sizes(tensor: Tensor, split_size_or_sections, dim: int):
    """The sizes of the pieces split() makes, and the dim wrapped, with torch's checks."""
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, bool):
        raise TypeError("split() received an invalid combination of arguments - got (Tensor, bool, int): "
                        "split_size is an int or a list of ints")
    if not isinstance(split_size_or_sections, int):
        split_size_or_sections = _sizes(tuple(split_size_or_sections))
    d = wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        return ([builtins.min(step, n - s) for s in range(0, n, step)] if n else [0]), d
    sizes = list(split_size_or_sections)
    if builtins.sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                           f"at dimension {d}), but got split_sizes={sizes}")
    return sizes, d


class SplitEqual(Split):
    node_name = "SplitBackward0"        # split(tensor, an int size)
    saved_values = {"split_size": lambda node: torch_int(node.given[0]), "dim": lambda node: torch_int(node.given[1]),
                    "self_sym_sizes": sizes("shape")}


def chunk(input: Tensor, chunks: int, dim: int = 0):
    """`chunks` pieces of equal size along `dim` (the last may be smaller, and there may be fewer)."""
    return split(input, _chunk_size(input, chunks, dim), dim)


def _chunk_size(input: Tensor, chunks: int, dim: int) -> int:
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._data.shape[wrap_dim(dim, input._data.ndim)]
    return builtins.max(-(-n // chunks), 1) if n else 1


class UnsafeSplit(Split):
    node_name = "UnsafeSplitBackward0"    # the pieces are not tracked as views: writing to one is not checked
    saved_values = SplitEqual.saved_values


class UnsafeSplitWithSizes(Split):
    node_name = "UnsafeSplitWithSizesBackward0"


def unsafe_split(input: Tensor, split_size: int, dim: int = 0):
    """split() whose pieces autograd does not track as views of the input (torch's recurrent cells use it)."""
    sizes, d = _split_sizes(input, split_size, dim)
    return UnsafeSplit.apply(input, sizes=tuple(sizes), dim=d, given=(split_size, dim))


def unsafe_split_with_sizes(input: Tensor, split_sizes: list[int], dim: int = 0):
    batched.refuse_without_rule("aten::unsafe_split_with_sizes", input)
    sizes, d = _split_sizes(input, list(split_sizes), dim)
    return UnsafeSplitWithSizes.apply(input, sizes=tuple(sizes), dim=d, given=(split_sizes, dim))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0):
    return unsafe_split(input, _chunk_size(input, chunks, dim), dim)


def check_split_indices(name: str, indices) -> None:
    """torch's argument parsing: a list or tuple of split indices holds integers only."""
    if isinstance(indices, (list, tuple)) and not all(isinstance(i, numbers.Integral) for i in indices):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(indices).__name__} with a non-integer), but expected one of: (Tensor input, tuple of "
                        "ints indices, int dim = 0), (Tensor input, int sections, int dim = 0)")


def tensor_split(input: Tensor, tensor_indices_or_sections=None, dim: int = 0, *, sections=None, indices=None):
    """Split into `sections` near-equal pieces, or at the given `indices`, along `dim`."""
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    given = [v for v in (tensor_indices_or_sections, sections, indices) if v is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() needs exactly one of tensor_indices_or_sections, sections or indices")
    indices_or_sections = given[0]
    if isinstance(indices_or_sections, (bool, float, str)):
        raise TypeError(f"tensor_split() received an invalid combination of arguments - got "
                        f"{type(indices_or_sections).__name__}: give sections (int) or indices")
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    check_split_indices("tensor_split", indices_or_sections)
    if isinstance(indices_or_sections, int) and indices_or_sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {indices_or_sections}")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        ends = list(itertools.accumulate(sizes))
        bounds = list(zip([0] + ends[:-1], ends))
    else:  # from each index to the next, as given (a slice clamps them, and is empty where they decrease)
        cuts = [int(i) for i in indices_or_sections]
        bounds = list(zip([0] + cuts, cuts + [n]))
    # torch slices each piece on its own: one SliceBackward0 per output, saving the bounds it was given
    return tuple(Slice.apply(input, dim=d, start=a, stop=b, step=1)._view_of(input) for a, b in bounds)


class Unbind(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"dim": attribute("given_dim", torch_int)}

    @staticmethod
    def forward(ctx, x, *, dim, given_dim=None):
        ctx.dim = dim
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        return tuple(x[(slice(None),) * dim + (i,)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(list(grads), ctx.dim)


def unbind(input: Tensor, dim: int = 0):
    d = wrap_dim(dim, input._data.ndim)
    return tuple(o._view_of(input) for o in Unbind.apply(input, dim=d, given_dim=dim))


class Flip(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"dims": attribute("given", torch_ints)}

    @staticmethod
    def forward(ctx, x, *, axes, given=None):
        ctx.axes = axes
        ctx.given = axes if given is None else given  # the dims as the call named them (torch saves those)
        return ctx.xp.flip(x, axes).copy()

    @staticmethod
    def backward(ctx, gy):
        return gy.flip(ctx.axes)


def flip(input: Tensor, dims) -> Tensor:
    """The elements in reverse order along each of `dims` (none for an empty list)."""
    dims = dims if isinstance(dims, (list, tuple)) else [dims]
    axes = _dims(dims, input._data.ndim) if len(dims) else ()
    return Flip.apply(input, axes=axes, given=tuple(dims))


def fliplr(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input: Tensor) -> Tensor:
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


class Roll(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"dims": attribute("given_dims", torch_ints), "shifts": attribute("given_shifts", torch_ints)}

    @staticmethod
    def forward(ctx, x, *, shifts, axes, given_shifts=(), given_dims=()):
        ctx.shifts, ctx.axes = shifts, axes
        ctx.given_shifts, ctx.given_dims = given_shifts, given_dims  # as the call gave them (torch saves those)
        return ctx.xp.roll(x, shifts, axes)

    @staticmethod
    def backward(ctx, gy):
        return gy.roll(tuple(-s for s in ctx.shifts) if ctx.axes is not None else -ctx.shifts, ctx.axes)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Elements shifted along `dims` (or over the flattened tensor), wrapping around."""
    _sizes(shifts if isinstance(shifts, (tuple, list)) else (shifts,))  # torch's TypeError for non-ints
    given = tuple(shifts) if isinstance(shifts, (list, tuple)) else (shifts,)
    if dims is None:  # roll the flattened elements, keeping the shape
        return Roll.apply(input, shifts=shifts if isinstance(shifts, int) else builtins.sum(shifts), axes=None,
                          given_shifts=given)
    shifts = given
    dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(wrap_dim(d, input._data.ndim) for d in dims)
    return Roll.apply(input, shifts=shifts, axes=axes, given_shifts=shifts, given_dims=dims)


_INT64_MAX = (1 << 63) - 1  # an open end, as torch saves it


class Slice(Primitive):
    """x[start:stop:step] along one dim, as a view."""
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"dim": attribute("given_dim", torch_int), "self_sym_sizes": sizes("shape"),
                    "start": lambda node: torch_int(node.index[-1].start or 0),
                    "end": lambda node: torch_int(_INT64_MAX if node.index[-1].stop is None else node.index[-1].stop),
                    "step": lambda node: node.index[-1].step or 1}

    @staticmethod
    def forward(ctx, x, *, dim, start, stop, step, given_dim=None):
        ctx.shape, ctx.index = x.shape, (slice(None),) * dim + (slice(start, stop, step),)
        ctx.given_dim = dim if given_dim is None else given_dim  # as the call named it (torch saves that)
        return x[ctx.index]

    @staticmethod
    def backward(ctx, gy):
        from .indexing import index_put_zeros
        return index_put_zeros(gy, ctx.shape, ctx.index)


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """The `length` elements from `start` along `dim`, as a view."""
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(start, (str, float, bool)) or start is None:
        raise TypeError(f"narrow(): argument 'start' must be int or Tensor, not {type(start).__name__}")
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if not (0 <= start <= n) or start + length > n or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return Slice.apply(input, dim=d, start=start, stop=start + length, step=1, given_dim=dim)._view_of(input)


class _Triangle(Primitive):
    jvp = LINEAR  # forward mode: the op is linear in its float inputs, so ẏ = f(ẋ)
    saved_values = {"diagonal": attribute("diagonal", torch_int)}

    @classmethod
    def forward(cls, ctx, x, *, diagonal):
        ctx.diagonal = diagonal
        return (ctx.xp.tril if cls.lower else ctx.xp.triu)(x, diagonal)

    @classmethod
    def backward(cls, ctx, gy):
        return gy.tril(ctx.diagonal) if cls.lower else gy.triu(ctx.diagonal)


class Tril(_Triangle):
    lower = True


class Triu(_Triangle):
    lower = False


def _triangle(cls, name):
    def op(input: Tensor, diagonal: int = 0) -> Tensor:
        if input._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return cls.apply(input, diagonal=diagonal)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Zero the elements {'above' if name == 'tril' else 'below'} the `diagonal`-th diagonal."
    return op


tril = _triangle(Tril, "tril")
triu = _triangle(Triu, "triu")


class ExpandCopy(Expand):
    node_name = "ExpandBackward0_copy"  # torch's name for expand_copy's node

    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.in_shape = x.shape
        return ctx.xp.broadcast_to(x, shape).copy()


def expand_copy(input: Tensor, size, *, implicit: bool = False) -> Tensor:
    """expand(input, size) with its own memory."""
    return ExpandCopy.apply(input, shape=tuple(expand(input.detach(), tuple(size)).shape))


def repeat_interleave(input: Tensor, repeats=NOT_GIVEN, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element `repeats` times (along `dim`, or of the flattened input);
    repeat_interleave(counts) alone repeats each index i counts[i] times."""
    from .indexing import index_select
    if isinstance(repeats, (bool, float, str, type(None))):
        raise TypeError(f"repeat_interleave(): argument 'repeats' must be int or Tensor, not {type(repeats).__name__}")
    if repeats is NOT_GIVEN:  # the index form
        counts = input
        return repeat_interleave(Tensor._wrap(counts._device.backend.xp.arange(counts._data.shape[0]), counts._device),
                                 counts, 0, output_size=output_size)
    if not isinstance(repeats, Tensor):
        return _repeat_each(input, int(repeats), dim, output_size)
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if (repeats._data < 0).any():
        raise RuntimeError("repeats can not be negative")
    if output_size is not None and int(repeats._data.sum() if repeats._data.ndim else repeats._data * n) != output_size:
        raise RuntimeError("allocated size does not match required size")
    xp = input._device.backend.xp
    idx = xp.repeat(xp.arange(n), repeats._data)
    return index_select(input, d, Tensor._wrap(idx.astype(xp.int64), input._device))


def _repeat_each(input: Tensor, repeats: int, dim, output_size) -> Tensor:
    """repeat_interleave with one count, as torch composes it: unsqueeze after `dim`, expand that new dim to
    `repeats`, then a contiguous clone flattened back (torch's UnsqueezeBackward0, ExpandBackward0,
    CloneBackward0 and ViewBackward0 nodes)."""
    d = wrap_dim(0 if dim is None else dim, input._data.ndim)
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    flat = input if dim is not None else input.flatten()
    spread = flat.unsqueeze(d + 1)
    sizes = list(spread.shape)
    sizes[d + 1] = repeats
    if output_size is not None and output_size != repeats * sizes[d]:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {repeats * sizes[d]} "
                           f"but got {output_size}")
    return spread.expand(sizes).clone().flatten(d, d + 1)
