"""torch's `out=` argument: a function's result written into a tensor the caller gives.

torch's rules: the result's dtype must be castable to out's (`can_cast`); out is resized to the
result's shape (with torch's deprecation warning when it held elements); the function returns
out itself (a tuple of outs for functions that return several tensors); and autograd refuses,
since the write cannot be differentiated. A factory called with out= takes out's dtype and
device unless it was given its own (which must then agree).

`with_out(fn)` gives the torch-namespace function; the Tensor method stays `fn`, which has no
out= in torch either.
"""
from __future__ import annotations

import functools
import inspect
import warnings

from .. import dtypes as D
from ..autograd import batched
from ..autograd.grad_mode import no_grad
from ..autograd.grad_mode import state as _mode
from ..tensor import Tensor
from ._helpers import check_cast, type_word


def with_out(fn, factory: bool = False):
    """`fn` with torch's keyword-only `out=None` added to its signature."""
    @functools.wraps(fn)
    def op(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if factory:
            return _factory_into(fn, args, kwargs, out)
        return compute_into(fn, args, kwargs, out)

    op.__signature__ = _signature_with_out(fn)
    op.without_out = fn
    return op


def _signature_with_out(fn) -> inspect.Signature:
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    at = next((i for i, p in enumerate(params) if p.kind is p.VAR_KEYWORD), len(params))
    params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    return sig.replace(parameters=params)


def _tensors(values):
    for v in values:
        if isinstance(v, Tensor):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _tensors(v)


def compute_into(fn, args, kwargs, out):
    """fn(*args, **kwargs) written into `out` by torch's rules."""
    name = fn.__name__
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    if _mode.vmap:
        batched.refuse_no_fallback(f"aten::{name}.out", *_tensors((*args, *kwargs.values(), *outs)))
    differentiable = getattr(fn, "differentiable", True)  # an op without a gradient writes into out= freely
    if differentiable and _mode.enabled and any(t._requires_grad for t in _tensors((*args, *kwargs.values(), *outs))):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")
    with no_grad():
        result = fn(*args, **kwargs)
    several = isinstance(result, tuple)
    if several != isinstance(out, (tuple, list)) or len(outs) != (len(result) if several else 1) or not all(
            isinstance(o, Tensor) for o in outs):
        wanted = f"tuple of {len(result)} Tensors" if several else "Tensor"
        raise TypeError(f"{name}(): argument 'out' must be {wanted}, not {type(out).__name__}")
    for o, r in zip(outs, result if several else (result,)):
        write_into(o, r)
    return type(result)(*outs) if several else out


def write_into(out: Tensor, result: Tensor, warn: bool = True) -> Tensor:
    """Resize `out` to `result`'s shape if needed and copy `result` into it (torch's out= write)."""
    if result._device != out._device:
        raise RuntimeError(f"Expected out tensor to have device {result._device}, but got {out._device} instead")
    check_cast(result._dtype, out._dtype)
    if out._data.shape != result._data.shape:
        if warn and out._data.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._data.shape)}, which does not match the required output shape "
                          f"{list(result._data.shape)}. This behavior is deprecated, and in a future PyTorch "
                          f"release outputs will not be resized unless they have zero elements. You can "
                          f"explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                          f"t.resize_(0).", UserWarning, stacklevel=4)
        resize_(out, result._data.shape)
    from .inplace import _write
    _write(out, result._data.astype(out._data.dtype, copy=False))
    out._bump()
    return out


def _factory_into(fn, args, kwargs, out):
    name = fn.__name__
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    dtype = kwargs.get("dtype")
    if dtype is not None and D.as_dtype(dtype) is not out._dtype:
        raise RuntimeError(f"dtype {type_word(D.as_dtype(dtype))} does not match dtype of out parameter "
                           f"({type_word(out._dtype)})")
    kwargs = {**kwargs, "dtype": out._dtype, "device": kwargs.get("device") or out._device}
    if kwargs.get("requires_grad"):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")
    return write_into(out, fn(*args, **kwargs), warn=False)


def resize_(self: Tensor, *args, size=None, memory_format=None) -> Tensor:
    """Give self the shape `size`, keeping its first elements in memory order. torch leaves new elements
    uninitialised; here they are zero (what fresh memory usually holds), so that results repeat."""
    from .creation import _size_form, _sizes
    from ..formats import check_memory_format
    check_memory_format("resize_", memory_format)
    shape = _sizes(_size_form("resize_", args, size))
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if tuple(shape) == self._data.shape:
        return self
    xp = self._device.backend.xp
    new = xp.zeros(shape, dtype=self._data.dtype)
    keep = min(new.size, self._data.size)
    new.reshape(-1)[:keep] = self._data.reshape(-1)[:keep]
    self._data = new
    self._bump()
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    """self resized in place to the template's shape (see resize_)."""
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' (position 1) must be Tensor, not "
                        f"{type(the_template).__name__}")
    return resize_(self, the_template._data.shape, memory_format=memory_format)
