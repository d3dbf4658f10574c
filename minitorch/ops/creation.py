"""Tensor factories (tensor, zeros, arange, rand, ...) and random in-place fills."""
from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from .. import dtypes as D
from ..device import CPU, as_device
from ._helpers import NOT_GIVEN, check_broadcast, check_number, check_scalar_fits, refuse_none
from ..fma import fma
from ..formats import check_factory_options, check_layout, check_memory_format, check_pin_memory
from ..random import _gen
from ..tensor import Tensor


def _size_form(fn: str, args: tuple, size) -> tuple:
    """The sizes a factory was given, in torch's forms: zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{fn}() got multiple values for argument 'size'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    return (tuple(size),)


def _sizes(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for s in size:
        if not isinstance(s, numbers.Integral) and not (isinstance(s, Tensor) and s.numel() == 1):
            raise TypeError(f"empty(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__} at pos 0")
        if int(s) < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {int(s)}: {list(map(int, size))}")
    return tuple(int(s) for s in size)


def _finish(array, device, requires_grad: bool) -> Tensor:
    """Wrap a host array as a tensor on `device`, optionally requiring grad."""
    return _build(lambda xp: array, device, requires_grad, from_host=True)


def _build(make, device, requires_grad: bool, from_host: bool = False) -> Tensor:
    """The tensor of array `make(xp)` made with `device`'s array module (on a GPU: allocated, or filled by a
    kernel, there, with no copy from the host), or, `from_host`, a host array copied to the device."""
    device = as_device(device)
    if device.type != "cpu":
        from .. import cuda
        cuda._lazy_init()
    array = make(device.backend.xp)
    if from_host and device.type != "cpu":
        array = device.backend.from_host(array)
    t = Tensor._wrap(array, device)
    if requires_grad:
        t._set_requires_grad(True)
    return t


def _float_dtype(dtype, name, numel=1):
    """The dtype of a floating-point sampler; torch's kernel refuses others (it never runs for no elements)."""
    dt = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    if not dt.is_floating_point and numel:
        from ._helpers import type_word
        raise NotImplementedError(f"\"{name}\" not implemented for '{type_word(dt)}'")
    return dt


# ---- from data ----------------------------------------------------------------------------

def _plain(data, nested: bool = False):
    """Nested data with tensors replaced by their values. A tensor inside a sequence is one number there, as
    in torch, which refuses one of more or fewer elements with the error of its integer or float conversion."""
    if isinstance(data, Tensor):
        if nested and data.numel() != 1:
            if data.dtype.is_floating_point:
                raise ValueError("only one element tensors can be converted to Python scalars")
            raise TypeError("only integer tensors of a single element can be converted to an index")
        values = data.detach().cpu()._data
        return values.reshape(()) if nested else values
    if isinstance(data, (list, tuple)):
        return [_plain(d, True) for d in data]
    return data


def _infer_array(data, narrow_floats: bool = True):
    """`data` as a NumPy array with torch's inferred dtype. Python floats parse as doubles; they are
    narrowed to the default dtype unless `narrow_floats` is off (a dtype was asked for: cast once, to it)."""
    if isinstance(data, np.ndarray):
        D.from_numpy_dtype(data.dtype)
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    plain = _plain(data)
    if plain is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    try:
        arr = np.array(plain)
    except ValueError:  # ragged nesting: torch's message for it
        _check_nesting(plain)
        raise
    if arr.dtype.kind in "USO":
        _check_nesting(plain)
    if arr.dtype == np.float64 and narrow_floats and not _has_float64_numpy(plain):
        arr = arr.astype(D.get_default_dtype().np)
    elif arr.dtype.kind in "iu" and arr.dtype != np.int64:
        arr = arr.astype(np.int64) if arr.dtype.kind == "i" or arr.max(initial=0) < 2**63 else arr
    elif arr.dtype.kind in "USO":
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    elif arr.dtype.kind == "c":
        raise TypeError("complex tensors are not supported")
    return arr


def _check_nesting(plain) -> None:
    """torch's errors for nested data that is not a grid of numbers: it reads the sizes from the first elements
    (a string there nests without end), then checks every sequence's length and every element's type."""
    sizes, first = [], plain
    while isinstance(first, (list, tuple)):
        sizes.append(len(first))
        if not first:
            break
        first = first[0]
        if isinstance(first, str):
            raise ValueError("too many dimensions 'str'")

    def walk(obj, dim):
        if dim == len(sizes):
            if obj is None:
                raise RuntimeError("Could not infer dtype of NoneType")
            if isinstance(obj, (str, list, tuple)):
                raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
            return
        if not isinstance(obj, (list, tuple)) or len(obj) != sizes[dim]:
            got = len(obj) if isinstance(obj, (list, tuple)) else type(obj).__name__
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {got})")
        for item in obj:
            walk(item, dim + 1)
    walk(plain, 0)


def _has_float64_numpy(plain):
    if isinstance(plain, np.ndarray):
        return plain.dtype == np.float64
    if isinstance(plain, np.float64):
        return False  # a NumPy float64 scalar inside a list is treated like a Python float
    if isinstance(plain, list):
        return builtins.any(_has_float64_numpy(p) for p in plain)
    return False


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, scalars, arrays or tensors)."""
    if data is None and dtype is not None:  # torch converts to the dtype first
        raise TypeError("must be real number, not NoneType")
    if isinstance(data, Tensor) and device is None:
        device = data._device
    arr = _infer_array(data, narrow_floats=dtype is None)
    if dtype is not None and not isinstance(data, (Tensor, np.ndarray)):
        _check_python_numbers(arr, D.as_dtype(dtype))
    arr = arr.astype(D.as_dtype(dtype).np) if dtype is not None else arr.copy()
    return _finish(arr, device, requires_grad)


def _check_python_numbers(arr, dt) -> None:
    """torch converts each Python number into an integer dtype with c10's range check (NaN, infinities and
    values past the range refused; an unsigned type takes negatives down to minus its maximum)."""
    if dt.is_floating_point or dt is D.bool_ or arr.size == 0 or arr.dtype.kind not in "fiu":
        return
    finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
    fits = finite.size == arr.size
    for v in (finite.min(), finite.max()) if fits else ():
        try:
            check_scalar_fits(v.item(), dt)
        except RuntimeError:
            fits = False
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like `tensor`, but shares memory with a tensor or ndarray when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (dtype is None or D.as_dtype(dtype).np == data.dtype) and \
            as_device(device).type == "cpu":
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """`obj` as a tensor: shared memory when possible (copy=None), always (copy=False, which raises
    when a copy is needed) or never (copy=True)."""
    if copy:
        result = tensor(obj, dtype=dtype, device=device)
    else:
        result = as_tensor(obj, dtype=dtype, device=device)
        if copy is False and not _shares(obj, result):
            raise ValueError("can't alias the given object: a copy is needed (its dtype or device differs, or it "
                             "is not an array)")
    if requires_grad:
        result = result.detach()._set_requires_grad(True) if result is obj else result._set_requires_grad(True)
    return result


def _shares(obj, result: Tensor) -> bool:
    if isinstance(obj, Tensor):
        return obj._data is result._data or np.shares_memory(obj._data, result._data)
    return isinstance(obj, np.ndarray) and np.shares_memory(obj, result._data)


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with `ndarray`."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    if builtins.any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    return Tensor._wrap(ndarray, CPU)


def legacy_new(*args, device=None):
    """Tensor(data) holds data (in the default float dtype unless it is a tensor); Tensor(2, 3) is
    uninitialised, as torch's legacy constructor."""
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        return tensor(args[0], dtype=D.get_default_dtype() if not isinstance(args[0], Tensor) else None,
                      device=device)
    return empty(*args, device=device)


def _rebuild(array, device, requires_grad):
    return _finish(array, device, requires_grad)


# ---- filled ---------------------------------------------------------------------------------

def _filled(size, value, dtype, device, requires_grad, default=None):
    dt = D.as_dtype(dtype) if dtype is not None else (default or D.get_default_dtype())
    value = np.asarray(value).astype(dt.np)[()]  # C's conversion: -3 wraps to 253 in uint8, 2.7 truncates to 2
    shape = _sizes(size)
    return _build(lambda xp: xp.full(shape, value, dtype=dt.np), device, requires_grad)


def zeros(*args, size=None, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False) -> Tensor:
    check_factory_options("zeros", layout, pin_memory)
    return _filled(_size_form("zeros", args, size), 0, dtype, device, requires_grad)


def ones(*args, size=None, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False) -> Tensor:
    check_factory_options("ones", layout, pin_memory)
    return _filled(_size_form("ones", args, size), 1, dtype, device, requires_grad)


def empty(*args, size=None, memory_format=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False) -> Tensor:
    check_factory_options("empty", layout, pin_memory, memory_format)
    dt = D.as_dtype(dtype) if dtype is not None else D.get_default_dtype()
    shape = _sizes(_size_form("empty", args, size))
    return _build(lambda xp: xp.empty(shape, dtype=dt.np), device, requires_grad)


def full(size, fill_value, *, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False) -> Tensor:
    """A tensor of `size` filled with `fill_value` (its dtype inferred from the value)."""
    check_factory_options("full", layout, pin_memory)
    check_number("full", "fill_value", fill_value, 2)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = D.bool_ if isinstance(fill_value, bool) else (
        D.int64 if isinstance(fill_value, numbers.Integral) else D.get_default_dtype())
    check_scalar_fits(fill_value, D.as_dtype(dtype) if dtype is not None else default)
    return _filled((tuple(size) if not isinstance(size, int) else (size,),), fill_value, dtype, device,
                   requires_grad, default)


def _like(fn, input, dtype, device, layout=None, pin_memory=False, memory_format=None):
    """The dtype and device of a *_like factory's result (input's unless given), options checked."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    check_layout(fn, layout)
    check_pin_memory(pin_memory)
    check_memory_format(fn, memory_format)
    return (input._dtype if dtype is None else D.as_dtype(dtype)), (input._device if device is None else device)


def zeros_like(input, *, memory_format=None, dtype=None, layout=None, device=None, pin_memory=False,
               requires_grad=False) -> Tensor:
    dt, dev = _like("zeros_like", input, dtype, device, layout, pin_memory, memory_format)
    return zeros(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input, *, memory_format=None, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False) -> Tensor:
    dt, dev = _like("ones_like", input, dtype, device, layout, pin_memory, memory_format)
    return ones(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input, *, memory_format=None, dtype=None, layout=None, device=None, pin_memory=False,
               requires_grad=False) -> Tensor:
    dt, dev = _like("empty_like", input, dtype, device, layout, pin_memory, memory_format)
    return empty(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, *, memory_format=None, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False) -> Tensor:
    dt, dev = _like("full_like", input, dtype, device, layout, pin_memory, memory_format)
    return full(input.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return tensor(data, dtype=dtype or self._dtype, device=device or self._device, requires_grad=requires_grad)


def _new(factory):
    def method(self, *args, size=None, dtype=None, layout=None, device=None, pin_memory=False,
               requires_grad=False) -> Tensor:
        return factory(*_size_form(method.__name__, args, size), dtype=dtype or self._dtype, layout=layout,
                       device=device or self._device, pin_memory=pin_memory, requires_grad=requires_grad)
    method.__name__ = "new_" + factory.__name__
    method.__doc__ = f"`{factory.__name__}` with this tensor's dtype and device by default."
    return method


new_zeros = _new(zeros)
new_ones = _new(ones)
new_empty = _new(empty)


def new_full(self, size, fill_value, *, dtype=None, layout=None, device=None, pin_memory=False,
             requires_grad=False) -> Tensor:
    return full(size, fill_value, dtype=dtype or self._dtype, layout=layout, device=device or self._device,
                pin_memory=pin_memory, requires_grad=requires_grad)


# ---- ranges ---------------------------------------------------------------------------------

def arange(start=0, end=NOT_GIVEN, step=1, *, dtype=None, layout=None, device=None, pin_memory=False,
           requires_grad=False) -> Tensor:
    """Values start, start + step, ... below end (int64 for integer arguments)."""
    check_factory_options("arange", layout, pin_memory)
    refuse_none("arange", "end", end)
    if end is NOT_GIVEN:
        start, end = 0, start
    vals = [check_number("arange", name, v) for name, v in (("start", start), ("end", end), ("step", step))]
    if dtype is None:
        dt = D.get_default_dtype() if builtins.any(isinstance(v, float) for v in vals) else D.int64
    else:
        dt = D.as_dtype(dtype)
    if not all(math.isfinite(v) for v in vals):
        raise RuntimeError(f"unsupported range: {vals[0]} -> {vals[1]}")
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if not dt.is_floating_point:  # torch computes an integer range from the truncated bounds and step
        if not int(step):
            raise ValueError("step must be nonzero")
        start, end, step = int(start), int(end), int(step)
    n = builtins.max(math.ceil((end - start) / step), 0)
    if dt.is_floating_point:
        data = _arange_values(start, step, n, dt.np)
    else:
        data = (start + np.arange(n, dtype=np.int64) * step).astype(dt.np)
    return _finish(data, device, requires_grad)


_GRAIN_SIZE = 32768  # torch's at::internal::GRAIN_SIZE: the least work parallel_for gives a thread


def _parallel_chunks(n: int) -> list[tuple[int, int]]:
    """The ranges at::parallel_for(0, n, GRAIN_SIZE) hands its threads, with torch's thread count taken to be
    minitorch's (set_num_threads sets both alike)."""
    from ..backends.numpy_backend import get_num_threads
    threads = builtins.max(builtins.min(get_num_threads(), -(-n // _GRAIN_SIZE)), 1)
    size = builtins.max(-(-n // threads), 1)  # n = 0: no ranges
    return [(b, builtins.min(b + size, n)) for b in builtins.range(0, n, size)]


def _arange_values(start, step, n: int, dtype) -> np.ndarray:
    """torch's CPU kernel for floats: start + step * i in float64 (float32 for float16) with one rounding; each
    thread's range in blocks of two 256-bit vectors, where each vector's first value is rounded to the dtype
    and the others step on from it; past the range's last whole block, value by value."""
    dtype = np.dtype(dtype)
    acc = np.dtype(np.float32 if dtype == np.float16 else np.float64)
    start, step = acc.type(start), acc.type(step)
    out = fma(step, np.arange(n, dtype=acc), start, acc)
    lanes = 32 // dtype.itemsize
    for begin, end in _parallel_chunks(n):
        whole = (end - begin) // (2 * lanes) * 2 * lanes
        if whole:
            block = slice(begin, begin + whole)
            firsts = out[block][::lanes].astype(dtype).astype(acc)
            out[block] = fma(np.arange(lanes, dtype=acc)[None, :], step, firsts[:, None], acc).reshape(-1)
    return out.astype(dtype)


def range(start, end, step=1, *, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False) -> Tensor:
    """Deprecated torch.range: like arange but including `end`, float by default."""
    check_factory_options("range", layout, pin_memory)
    for name, position, v in (("start", 1, start), ("end", 2, end), ("step", 3, step)):
        check_number("range", name, v, position)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.floor((end - start) / step)) + 1
    dt = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    return _finish((start + np.arange(n, dtype=np.float64) * step).astype(dt.np), device, requires_grad)


def _linspace_bound(fn: str, name: str, value):
    """A number, or a 0-d tensor's value (torch refuses larger tensors)."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{fn} only supports 0-dimensional start and end tensors, but got {name} with "
                               f"{value._data.ndim} dimension(s).")
        return value.item()
    check_number(fn, name, value)
    return value


def linspace(start, end, steps: int, *, dtype=None, layout=None, device=None, pin_memory=False,
             requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from start to end, computed from both ends as torch does."""
    check_factory_options("linspace", layout, pin_memory)
    start, end = _linspace_bound("linspace", "start", start), _linspace_bound("linspace", "end", end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    if steps == 1:
        return _finish(np.array([start], dtype=dt.np if dt.is_floating_point else np.float64).astype(dt.np), device,
                       requires_grad)
    return _finish(_linspace_values(start, end, steps, dt.np), device, requires_grad)


def _linspace_values(start, end, steps: int, dtype) -> np.ndarray:
    """torch's CPU kernel: the ends in the result's dtype, step = (end - start) / (steps - 1) (in float64 for
    integers), the first half start + step * i and the rest end - step * (steps - 1 - i), each with one
    rounding (the compiled kernel fuses them) except float16, whose every operation rounds to float16."""
    dtype = np.dtype(dtype)
    idx = np.arange(steps)
    below = idx < steps // 2
    if dtype == np.float16:
        s, e = dtype.type(start), dtype.type(end)
        step = (e - s) / dtype.type(steps - 1)
        return np.where(below, s + step * idx.astype(dtype), e - step * (steps - 1 - idx).astype(dtype))
    if dtype.kind == "f":
        s, e = dtype.type(start), dtype.type(end)
        step, work = (e - s) / dtype.type(steps - 1), dtype
    else:  # integers: the ends truncated to the dtype, the values in float64, truncated back
        s, e = (np.float64(np.array(v).astype(dtype)) for v in (start, end))
        step, work = (e - s) / np.float64(steps - 1), np.dtype(np.float64)
    data = np.where(below, fma(step, idx.astype(work), s, work), fma(-step, (steps - 1 - idx).astype(work), e, work))
    return data.astype(dtype)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False) -> Tensor:
    """base ** linspace(start, end, steps): the ends converted to the result's dtype, the exponents and
    powers in double precision with libm's pow (exactly torch's values in float64; torch's vectorised
    float32 kernel can differ from these in the last bit)."""
    check_factory_options("logspace", layout, pin_memory)
    dt = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    _linspace_bound("logspace", "end", end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if steps == 1:  # torch fills the start's power, the start unconverted, checked against the dtype
        value = math.pow(base, float(_linspace_bound("logspace", "start", start)))
        check_scalar_fits(value, dt)
        return _finish(np.array([value]).astype(dt.np), device, requires_grad)
    start, end = (float(dt.np.type(_linspace_bound("logspace", name, v)))
                  for name, v in (("start", start), ("end", end)))
    # each exponent from the nearer end, in double (torch's float32/float16 kernels can differ in the last bits)
    step = (end - start) / (steps - 1)
    half, i = steps // 2, np.arange(steps)
    lin = np.where(i < half, start + step * i, end - step * (steps - i - 1))
    powers = np.fromiter((math.pow(base, x) for x in lin.tolist()), np.float64, lin.size)
    return _finish(powers.astype(dt.np), device, requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, layout=None, device=None, pin_memory=False,
        requires_grad=False) -> Tensor:
    check_factory_options("eye", layout, pin_memory)
    dt = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _finish(np.eye(n, n if m is None else m, dtype=dt.np), device, requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False) -> Tensor:
    """A 0-d tensor holding the number `s`."""
    check_factory_options("scalar_tensor", layout, pin_memory)
    check_number("scalar_tensor", "s", s, 1)
    dt = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    return _finish(np.array(s, dtype=dt.np), device, requires_grad)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """Vector -> matrix with it on a diagonal; matrix -> its diagonal (differentiable)."""
    if input.dim() == 1:
        n = input.shape[0] + builtins.abs(diagonal)
        out = zeros(n, n, dtype=input.dtype, device=input.device)
        rows = arange(input.shape[0]) + builtins.max(-diagonal, 0)
        cols = arange(input.shape[0]) + builtins.max(diagonal, 0)
        from .indexing import IndexPut
        return IndexPut.apply(out, input, key=(rows._data, cols._data))
    if input.dim() == 2:
        return diagonal_(input, diagonal)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.dim()}D")


def diagonal_(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    n, m = input.shape[dim1], input.shape[dim2]
    rows = np.arange(builtins.max(builtins.min(n, m - offset) if offset >= 0 else builtins.min(n + offset, m), 0))
    r = rows + builtins.max(-offset, 0)
    c = rows + builtins.max(offset, 0)
    return input[(r, c)] if (dim1, dim2) == (0, 1) else input.movedim((dim1, dim2), (0, 1))[(r, c)].movedim(0, -1)


# ---- random ---------------------------------------------------------------------------------

def rand(*args, size=None, generator=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples; after manual_seed they equal torch's CPU values."""
    check_factory_options("rand", layout, pin_memory)
    dt = _float_dtype(dtype, "check_uniform_bounds")
    shape = _sizes(_size_form("rand", args, size))
    data = _gen(generator, device)._uniform(math.prod(shape), dt.np).astype(dt.np).reshape(shape)
    return _finish(data, device, requires_grad)


def randn(*args, size=None, generator=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, _contiguous=True) -> Tensor:
    """Standard normal samples; after manual_seed they equal torch's CPU values."""
    check_factory_options("randn", layout, pin_memory)
    shape = _sizes(_size_form("randn", args, size))
    dt = _float_dtype(dtype, "normal_kernel_cpu", math.prod(shape))
    data = _gen(generator, device)._normal(math.prod(shape), dt.np, contiguous=_contiguous).reshape(shape)
    return _finish(data, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, layout=None, device=None,
            pin_memory=False, requires_grad=False) -> Tensor:
    """Integers uniform in [low, high); randint(high, size) also works."""
    check_factory_options("randint", layout, pin_memory)
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if isinstance(size, int):
        raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, not int")
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, (bool, float, str)) or v is None:
            raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _sizes((size,))
    dt = D.int64 if dtype is None else D.as_dtype(dtype)
    data = _gen(generator, device)._randint(math.prod(shape), int(low), int(high)).reshape(shape).astype(dt.np)
    return _finish(data, device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, layout=None, device=None, pin_memory=False,
             requires_grad=False) -> Tensor:
    """A random permutation of 0..n-1 (torch's CPU shuffle)."""
    check_factory_options("randperm", layout, pin_memory)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = D.int64 if dtype is None else D.as_dtype(dtype)
    return _finish(_gen(generator, device)._randperm(n).astype(dt.np), device, requires_grad)


def _memory_order(input):
    """Axes from outermost to innermost in memory when `input` is dense (torch's *_like
    keeps such a layout, so random values land in memory order), else None."""
    a = input._data
    if a.ndim < 2 or a.flags.c_contiguous:
        return None
    order = sorted(builtins.range(a.ndim), key=lambda i: -a.strides[i])
    expected = a.itemsize
    for i in reversed(order):
        if a.shape[i] != 1 and a.strides[i] != expected:
            return None
        expected *= a.shape[i]
    return order


def _random_like(factory, input, dtype, device, requires_grad, layout=None, pin_memory=False, memory_format=None,
                 **kw):
    dt, dev = _like(getattr(factory, "__name__", "rand") + "_like", input, dtype, device, layout, pin_memory, memory_format)
    order = _memory_order(input)
    if order is None:
        return factory(input.shape, dtype=dt, device=dev, requires_grad=requires_grad, **kw)
    if factory is randn:  # torch fills a non-contiguous result one value at a time
        kw["_contiguous"] = False
    out = factory(tuple(input.shape[i] for i in order), dtype=dt, device=dev, **kw)
    inverse = sorted(builtins.range(len(order)), key=lambda i: order[i])
    out = Tensor._wrap(out._data.transpose(inverse), out._device)
    return out._set_requires_grad(requires_grad)


def rand_like(input, *, generator=None, memory_format=None, dtype=None, layout=None, device=None,
              pin_memory=False, requires_grad=False) -> Tensor:
    return _random_like(rand, input, dtype, device, requires_grad, layout, pin_memory, memory_format,
                        generator=generator)


def randn_like(input, *, generator=None, memory_format=None, dtype=None, layout=None, device=None,
               pin_memory=False, requires_grad=False) -> Tensor:
    return _random_like(randn, input, dtype, device, requires_grad, layout, pin_memory, memory_format,
                        generator=generator)


def randint_like(input, low=0, high=NOT_GIVEN, *, generator=None, memory_format=None, dtype=None, layout=None,
                 device=None, pin_memory=False, requires_grad=False) -> Tensor:
    refuse_none("randint_like", "high", high)
    if high is NOT_GIVEN:
        low, high = 0, low

    def randint_between(shape, **kw):
        return randint(low, high, shape, **kw)
    randint_between.__name__ = "randint"
    return _random_like(randint_between, input, dtype, device, requires_grad, layout, pin_memory, memory_format,
                        generator=generator)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, layout=None, device=None, pin_memory=False,
           requires_grad=False) -> Tensor:
    """Normal samples: tensors of means/stds broadcast, or scalars with `size`."""
    check_factory_options("normal", layout, pin_memory)
    for name, v in (("mean", mean), ("std", std)):
        if not isinstance(v, Tensor):
            check_number("normal", name, v)
    out_like = mean if isinstance(mean, Tensor) else std  # torch samples into a tensor like this one
    if isinstance(out_like, Tensor) and out_like._data.size and not out_like.is_floating_point():
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{out_like._dtype.word}'")
    if not isinstance(std, Tensor) and not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        factory = {"size": size, "dtype": dtype, "layout": layout, "device": device}
        extra = [k for k, v in factory.items() if v is not None] + (["requires_grad"] if requires_grad else [])
        if extra:  # torch's tensor forms of normal take no size and no factory options
            raise TypeError(f"normal() received an invalid combination of arguments - got ({type(mean).__name__}, "
                            f"{type(std).__name__}, {', '.join(extra)}): give a size only with two numbers")
        ref = mean if isinstance(mean, Tensor) else std
        if isinstance(std, Tensor) and (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shapes = [t._data.shape for t in (mean, std) if isinstance(t, Tensor)]
        check_broadcast(*shapes)
        shape = np.broadcast_shapes(*shapes)
        out_t = empty(shape, dtype=ref._dtype, device=ref._device)
        normal_(out_t, 0.0, 1.0, generator=generator)
        out_t._data[...] = out_t._data * _value(std) + _value(mean)
        return out_t
    if size is None:
        raise TypeError("normal() missing required argument 'size' for scalar mean and std")
    out_t = empty(size, dtype=dtype, device=device)
    normal_(out_t, mean, std, generator=generator)
    return out_t._set_requires_grad(requires_grad)


def _value(x):
    return x._data if isinstance(x, Tensor) else x


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 samples with probabilities `input` (or a scalar `p`)."""
    if p is not None:
        p = check_number("bernoulli", "p", p)
    elif input._data.size:  # no kernel runs for no elements
        from ._helpers import floats_only
        floats_only(input, "bernoulli_tensor_cpu_p_")
    out_t = empty_like(input)
    return bernoulli_(out_t, input if p is None else p, generator=generator)


# ---- random in-place fills ------------------------------------------------------------------

def _fill_random(self: Tensor, values) -> Tensor:
    """self filled with `values`, drawn in order: torch fills a dense tensor in its memory order."""
    from .inplace import fill_with
    from ..autograd.grad_mode import no_grad
    values = self._device.backend.xp.asarray(values).astype(self._data.dtype)
    order = _memory_order(self)
    if order is None:
        values = values.reshape(self.shape)
    else:
        values = values.reshape(tuple(self.shape[i] for i in order)).transpose(
            sorted(builtins.range(len(order)), key=lambda i: order[i]))
    with no_grad():
        return fill_with(self, values)


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None) -> Tensor:
    """Fill with uniform samples from [from_, to) (torch's keyword is `from`, a Python keyword)."""
    a, b = from_, to
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    u = _gen(generator, self._device)._uniform(self.numel(), self._data.dtype)
    # torch computes u * (b - a) + a in the tensor's dtype with one rounding (a fused multiply-add)
    if self._data.dtype == np.float64 and self._device.type == "cpu":
        return _fill_random(self, fma(u, b - a, a, np.float64))
    t = np.dtype(self._data.dtype).type if self._dtype.is_floating_point else np.float64
    lo, span = t(a), t(t(b) - t(a))
    return _fill_random(self, u * np.float64(span) + np.float64(lo))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill_random(self, _gen(generator, self._device)._normal(self.numel(), self._data.dtype, mean, std))


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    g = _gen(generator, self._device)
    if isinstance(p, Tensor):
        xp = self._device.backend.xp
        probs = xp.broadcast_to(p.detach().to(self._device)._data, self.shape).reshape(-1)
        u = g._uniform(self.numel(), self._data.dtype)
        return _fill_random(self, u < probs)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill_random(self, g._bernoulli(self.numel(), p))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Exp(lambd) draws, −log(1 − u)/λ (torch's stream)."""
    _continuous(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    u = _gen(generator, self._device)._uniform(self.numel(), np.float64)
    return _fill_random(self, -self._device.backend.xp.log1p(-u) / lambd)


def _continuous(self: Tensor, name: str, c_names: bool = False) -> None:
    """torch's refusal of an integer tensor (naming its dtype as torch's word, or its C type for cauchy_)."""
    if not self._dtype.is_floating_point:
        word = self._dtype.c_name if c_names else self._dtype.word
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {word}")


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy(median, sigma) draws, median + sigma tan(π (u − ½)) from double uniforms (torch's stream)."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    _continuous(self, "Cauchy", c_names=True)
    u = _gen(generator, self._device)._uniform(self.numel(), np.float64)
    return _fill_random(self, median + sigma * np.tan(math.pi * (u - 0.5)))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with exp(N(mean, std²)) draws, one Box-Muller double at a time as torch's serial kernel draws them."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    if not self._dtype.is_floating_point and self.numel():  # the kernel's dispatch: an empty tensor skips it
        raise NotImplementedError(f"\"log_normal_cpu\" not implemented for '{self._dtype.word}'")
    g = _gen(generator, self._device)
    normals = np.fromiter((g._standard_normal_double() for _ in builtins.range(self.numel())), np.float64,
                          self.numel())
    return _fill_random(self, np.exp(normals * std + mean))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success, ⌈log u / log(1 − p)⌉ (integers too)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    if self._dtype is D.bool_ and self.numel():  # the kernel's dispatch: an empty tensor skips it
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    u = _gen(generator, self._device)._uniform(self.numel(), np.float64)
    return _fill_random(self, np.ceil(np.log(u) / math.log1p(-p)))


def random_(self: Tensor, from_=0, to=None, *, generator=None) -> Tensor:
    if to is None:
        from_, to = 0, (from_ if from_ else (2 ** 24 if self._dtype.is_floating_point else
                                               int(np.iinfo(self._data.dtype).max) + 1))
    return _fill_random(self, _gen(generator, self._device)._randint(self.numel(), int(from_), int(to)))


def _check_multinomial(input: Tensor, num_samples: int, replacement: bool) -> None:
    """torch's checks of a multinomial draw: float rows of finite, non-negative weights with a positive sum."""
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input._dtype.word}")
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input._data.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    probs = input.detach().cpu()._data
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (probs.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn with probabilities proportional to `input` rows, by torch's CPU algorithms (the same draws
    after the same seed): without replacement, or for one sample, the exponential race argmax/topk of
    p / E with E ~ Exp(1); with replacement, a binary search of the normalised cumulative sums for each
    uniform draw."""
    _check_multinomial(input, num_samples, replacement)
    if not replacement or num_samples == 1:
        race = input.detach() / empty_like(input, dtype=input.dtype).exponential_(1, generator=generator)
        if num_samples == 1:
            return race.argmax(-1, keepdim=True)
        return race.topk(num_samples).indices
    probs = input.detach().cpu()._data.astype(np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    g = _gen(generator)
    cumulative = np.cumsum(rows / rows.sum(-1, keepdims=True), axis=-1)
    picks = np.empty((len(rows), num_samples), np.int64)
    for r, cdf in enumerate(cumulative):
        for k in builtins.range(num_samples):
            picks[r, k] = builtins.min(int(np.searchsorted(cdf, g._uniform(1, np.float64)[0], side="right")),
                                       len(cdf) - 1)
    return _finish(picks.reshape(probs.shape[:-1] + (num_samples,)), input.device, False)
