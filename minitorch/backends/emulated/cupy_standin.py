"""A stand-in for CuPy on machines without a GPU, so the CUDA backend's own code runs in tests.

`xp` answers like the `cupy` module, backed by NumPy: its functions return `ndarray`, a NumPy
array subclass that marks memory as "on the device". The emulation is strict where CuPy is:

- a NumPy function called directly on a device array raises (CuPy arrays do not take part in
  NumPy's dispatch), so a stray `np.` call in an op is caught here rather than on a GPU;
- mixing device arrays with host NumPy arrays in one operation raises CuPy's TypeError;
- names NumPy has and CuPy 13 lacks are missing here too (`CUPY_LACKS`), and so are keyword
  arguments CuPy's functions do not take (`cupy_signatures`);
- where CuPy's arithmetic differs from NumPy's, it gives CuPy's answer: float floor division is
  floor(a / b) and the float remainder a - floor(a / b) * b, so 3 % 0.2 is -4.5e-8 on the device
  where NumPy (and torch) give 0.2; and float to integer casts saturate, as the GPU's conversion
  instructions do, where NumPy's (x86's) give the lowest integer for any value out of range.

Host transfers are explicit, as in CuPy: `xp.asarray(host)`, `xp.asnumpy(a)` or `a.get()`.
"""
from __future__ import annotations

import types
import weakref

import numpy as np

from . import cuda_standin as cuda
from .cupy_signatures import SIGNATURES

# NumPy names CuPy 13.6 does not provide (read off cupy-cuda12x 13.6.0), top level and ndarray.
CUPY_LACKS = frozenset((
    "acos acosh apply_over_axes asin asinh asmatrix astype atan atan2 atanh bitwise_count bitwise_invert "
    "bitwise_left_shift bitwise_right_shift block bmat busday_count busday_offset concat cumulative_prod "
    "cumulative_sum einsum_path errstate frompyfunc fromregex geomspace getbufsize geterr geterrcall "
    "histogram_bin_edges insert isdtype isnat matrix_transpose matvec memmap nanpercentile nanquantile "
    "ndenumerate nditer nested_iters permute_dims polyder polydiv polyint pow put_along_axis setbufsize "
    "seterr seterrcall spacing trapezoid unique_all unique_counts unique_inverse unique_values unstack "
    "vecdot vecmat").split())
NDARRAY_LACKS = ("byteswap", "ctypes", "getfield", "mT", "resize", "setfield", "setflags", "to_device")
LINALG_LACKS = frozenset(("cond cross diagonal eig eigvals matmul matrix_norm matrix_transpose multi_dot outer "
                          "svdvals tensordot trace vecdot vector_norm").split())

_inside = 0  # > 0 while an `xp` function runs: NumPy internals may then mix arrays freely

# CuPy's float kernels for these ufuncs (NumPy's round through fmod instead); the GPU fuses the
# remainder's multiply and subtract, which float64 arithmetic reproduces for float32 and float16
_CUPY_FLOAT_ROUNDING = {np.floor_divide: lambda a, b: np.floor(a / b),
                        np.remainder: lambda a, b: a - np.floor(a / b).astype(np.float64) * b}


def _device(value):
    """NumPy results as device arrays (0-d for scalars, as CuPy returns)."""
    if isinstance(value, np.ndarray):
        if type(value) is ndarray:
            return value
        if value.base is None:  # a fresh allocation: count it as device memory while it lives
            memory_pool.track(value)
        return value.view(ndarray)
    if isinstance(value, np.generic):
        return np.asarray(value).view(ndarray)
    if isinstance(value, tuple):
        return tuple(_device(v) for v in value)
    if isinstance(value, list):
        return [_device(v) for v in value]
    return value


def _reject_host(name, values):
    for v in values:
        if isinstance(v, np.ndarray) and type(v) is not ndarray:
            raise TypeError(f"Unsupported type {type(v)} in {name}: a host NumPy array met a device array "
                            "(move it with xp.asarray first)")


class ndarray(np.ndarray):
    """Memory on the emulated device: a NumPy array that refuses NumPy's own functions."""

    def __array_finalize__(self, obj):
        if self.base is None:  # a new buffer made by a method (copy, astype, ...): device memory
            memory_pool.track(self)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if not _inside:
            _reject_host(ufunc.__name__, inputs + (out or ()))
            if cuda.state.capturing is not None:
                steps = cuda.tape()
                if steps is not None:
                    return _captured_ufunc(steps, ufunc, method, inputs, out, kwargs)
        return _ufunc_call(ufunc, method, inputs, out, kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        if not _inside:
            raise TypeError(f"numpy.{func.__name__} was called on a device array; CUDA code must use the "
                            "backend's xp (cupy) instead")
        return super().__array_function__(func, types_, args, kwargs)

    def astype(self, dtype, *args, **kwargs):
        if self.dtype.kind == "f" and np.dtype(dtype).kind in "iu":
            return _device(_gpu_float_to_int(self.view(np.ndarray), np.dtype(dtype)))
        return super().astype(dtype, *args, **kwargs)

    def get(self):
        """A host copy (cupy.ndarray.get)."""
        cuda.refuse_while_capturing("a copy to the host")
        return np.array(self.view(np.ndarray))

    def __repr__(self):
        return repr(self.view(np.ndarray)).replace("array(", "device array(", 1)

    @property
    def device(self):
        return _DEVICE

    @property
    def flags(self):
        """CuPy's flags: contiguity and ownership only (no writeable, aligned, ...)."""
        flags = np.ndarray.flags.__get__(self)
        return _Flags(flags.c_contiguous, flags.f_contiguous, self.base is None)

    @property
    def data(self):
        """CuPy's device pointer holder: `.data.ptr` is the address of the first element."""
        return _Memory(self.__array_interface__["data"][0])


def _ufunc_call(ufunc, method, inputs, out, kwargs):
    """`ufunc.method(*inputs, out=out, **kwargs)` on the arrays' memory, with CuPy's rounding."""
    host = [i.view(np.ndarray) if type(i) is ndarray else i for i in inputs]
    if out is not None:
        kwargs = dict(kwargs, out=tuple(o.view(np.ndarray) if type(o) is ndarray else o for o in out))
    result = getattr(ufunc, method)(*host, **kwargs)
    if method == "__call__" and ufunc in _CUPY_FLOAT_ROUNDING and result.dtype.kind == "f":
        result = _as_cupy_rounds(ufunc, result, *host)
    if out is not None and method != "at":
        return out[0] if len(out) == 1 else out
    return _device(result)


def _captured_ufunc(steps, ufunc, method, inputs, out, kwargs):
    """A ufunc while the stream captures: a float matrix product is cuBLAS's (refused, as CuPy refuses it);
    a write into `out` (or `at`) is recorded only; anything else runs and is recorded."""
    if ufunc is np.matmul and any(getattr(i, "dtype", np.dtype(int)).kind in "fc" for i in inputs):
        cuda.refuse_library_while_capturing("cuBLAS")
    writes = out is not None or method == "at"
    result = cuda.run(steps, _ufunc_call, (ufunc, method, inputs, out, kwargs), writes=writes)
    if out is not None and method != "at":
        return out[0] if len(out) == 1 else out
    return result


def _gpu_float_to_int(values, dtype):
    """Float to integer as a GPU converts: truncate, saturate at the 32-bit (or 64-bit) limits, NaN to
    0 (to the lowest value for 64 bits), then keep the low bits for 8- and 16-bit types."""
    wide = np.dtype(dtype.kind + "8") if dtype.itemsize == 8 else np.dtype(dtype.kind + "4")
    low, high = np.iinfo(wide).min, np.iinfo(wide).max
    with np.errstate(invalid="ignore"):
        v = np.trunc(values.astype(np.float64))
        nan, above, below = np.isnan(v), v >= float(high), v <= float(low)
        out = np.where(nan | above | below, 0, v).astype(wide)
    out[above], out[below] = high, low
    out[nan] = low if wide.itemsize == 8 and wide.kind == "i" else 0
    return out.astype(dtype)


def _as_cupy_rounds(ufunc, result, a, b):
    """`result` of a float floor_divide/remainder recomputed as CuPy's kernels compute it."""
    with np.errstate(all="ignore"):
        value = _CUPY_FLOAT_ROUNDING[ufunc](np.asarray(a, result.dtype), np.asarray(b, result.dtype))
    if isinstance(result, np.ndarray):
        result[...] = value
        return result
    return result.dtype.type(value)


class _Flags:
    def __init__(self, c_contiguous, f_contiguous, owndata):
        self.c_contiguous, self.f_contiguous, self.owndata = c_contiguous, f_contiguous, owndata


class _Memory:
    def __init__(self, ptr):
        self.ptr = ptr


# ndarray methods by what they do to a capturing stream: reads on the host (refused), writes into the
# array (recorded only), and computations (run and recorded; a result that is a view needs no replay)
_HOST_READS = ("item", "tolist", "tobytes", "__float__", "__int__", "__bool__", "__index__", "__complex__")
_WRITES = ("__setitem__", "fill", "sort", "put", "partition")
_COMPUTES = ("__getitem__", "copy", "astype", "argmax", "argmin", "argsort", "argpartition", "take", "repeat",
             "cumsum", "cumprod", "clip", "round", "ravel", "flatten", "reshape", "max", "min", "sum", "mean", "prod",
             "any", "all", "std", "var", "searchsorted", "trace", "dot", "nonzero", "compress")
# results whose shape depends on the data: the host must read the device to size them
_DATA_DEPENDENT = frozenset(("nonzero", "compress", "argwhere", "flatnonzero", "unique", "extract", "bincount",
                             "trim_zeros"))
# functions writing into an argument
_WRITING_FUNCTIONS = frozenset(("copyto", "putmask", "place", "fill_diagonal", "put", "put_along_axis"))
# functions CuPy runs through cuBLAS
_CUBLAS_FUNCTIONS = frozenset(("dot", "vdot", "inner", "outer", "tensordot", "einsum", "matmul", "kron"))


def _inside_call(fn, args, kwargs):
    """fn(*args, **kwargs) as one device operation (NumPy's own calls within it are not operations)."""
    global _inside
    _inside += 1
    try:
        return _device(fn(*args, **kwargs))
    finally:
        _inside -= 1


def _boolean_index(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray) and k.dtype == bool for k in keys)


def _captured_method(name, original):
    """ndarray.<name> with its behaviour on a capturing stream."""
    if name in _HOST_READS:
        def method(self, *args, **kwargs):
            cuda.refuse_while_capturing(f"ndarray.{name} reads device memory on the host")
            return original(self, *args, **kwargs)
    else:
        writes = name in _WRITES

        def method(self, *args, **kwargs):
            if not _inside and cuda.state.capturing is not None:
                steps = cuda.tape()
                if steps is not None:
                    if name in _DATA_DEPENDENT or (name == "__getitem__" and _boolean_index(args[0])):
                        cuda.refuse_while_capturing(f"the shape of ndarray.{name}'s result depends on the data")
                    if name == "dot" and self.dtype.kind in "fc":
                        cuda.refuse_library_while_capturing("cuBLAS")
                    return cuda.run(steps, _inside_call, (original, (self,) + args, kwargs), writes=writes)
            return original(self, *args, **kwargs)
    method.__name__ = name
    return method


for _name in _HOST_READS + _WRITES + _COMPUTES:
    setattr(ndarray, _name, _captured_method(_name, getattr(ndarray, _name)))


def _hide(name):
    def missing(self):
        raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
    return property(missing)


for _name in NDARRAY_LACKS:
    setattr(ndarray, _name, _hide(_name))


def device_function(fn, params=None, library=None):
    """fn as a device function: run inside the emulation, results as device arrays. `params`, when
    given, are CuPy's parameter names for it: other keywords, or more positional arguments, raise.
    `library` names the CUDA library CuPy calls for it (refused while a stream captures)."""
    name = getattr(fn, "__name__", "function")
    if library is None and name in _CUBLAS_FUNCTIONS:
        library = "cuBLAS"

    def call(*args, **kwargs):
        if params is not None:
            _check_arguments(call.__name__, params, args, kwargs)
        if not _inside:
            _reject_host(name, args)
            if cuda.state.capturing is not None:
                steps = cuda.tape()
                if steps is not None:
                    return _captured_function(steps, name, library, fn, args, kwargs)
        return _inside_call(fn, args, kwargs)
    call.__name__ = name
    call.__doc__ = getattr(fn, "__doc__", None)
    return call


def _captured_function(steps, name, library, fn, args, kwargs):
    if library is not None:
        cuda.refuse_library_while_capturing(library)
    if name in _DATA_DEPENDENT:
        cuda.refuse_while_capturing(f"the shape of {name}'s result depends on the data")
    return cuda.run(steps, _inside_call, (fn, args, kwargs), writes=name in _WRITING_FUNCTIONS)


def _check_arguments(name, params, args, kwargs):
    unknown = [k for k in kwargs if k not in params]
    if unknown:
        raise TypeError(f"cupy.{name}() got an unexpected keyword argument '{unknown[0]}'")
    if len(args) > len(params) and not any(p.startswith("*") for p in params):
        raise TypeError(f"cupy.{name}() takes at most {len(params)} arguments ({len(args)} given)")


class _Ufunc:
    """A NumPy ufunc as CuPy's: called on host arrays alone it raises, as cupy's ufuncs do."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        if not _inside and not any(type(a) is ndarray for a in args):
            _reject_host(self.__name__, args)
        return _device(self._ufunc(*args, **kwargs))

    def __getattr__(self, name):  # reduce, accumulate, at, outer, nin, ...
        return getattr(self._ufunc, name)


class _Namespace(types.ModuleType):
    """A module whose functions are NumPy's (from `source`) run on the device."""

    def __init__(self, name, source, lacks=frozenset(), library=None):
        super().__init__(name)
        self._source, self._lacks, self._library = source, lacks, library
        self._prefix = name[len("cupy."):] + "." if "." in name else ""

    def __getattr__(self, name):
        if name.startswith("__") or name in self._lacks or not hasattr(self._source, name):
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        value = getattr(self._source, name)
        if isinstance(value, types.ModuleType):
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        if isinstance(value, np.ufunc):
            value = _Ufunc(value)
        elif callable(value) and not isinstance(value, type):
            value = device_function(value, SIGNATURES.get(self._prefix + name), self._library)
        setattr(self, name, value)
        return value


class _Device:
    """cupy.cuda.Device stand-in: one device, synchronous."""

    id = 0

    def synchronize(self):
        cuda.refuse_while_capturing("a device synchronisation")

    def use(self):
        pass

    def __repr__(self):
        return "<CUDA Device 0>"


_DEVICE = _Device()


class _MemoryPool:
    """Device memory in use, as CuPy's memory pool reports it: the bytes of every live buffer the
    emulated device allocated (tracked until the buffer is freed), and the most ever in use."""

    def __init__(self):
        self.used = 0
        self.peak = 0

    def track(self, buffer):
        self.used += buffer.nbytes
        self.peak = max(self.peak, self.used)
        weakref.finalize(buffer, self._release, buffer.nbytes)

    def _release(self, nbytes):
        self.used -= nbytes

    def used_bytes(self):
        return self.used

    def total_bytes(self):
        return self.used

    def free_all_blocks(self):
        pass  # nothing is cached: freed buffers return to the host allocator at once


memory_pool = _MemoryPool()


def _make_xp():
    xp = _Namespace("cupy", np, CUPY_LACKS)
    xp.ndarray = ndarray
    xp.asarray = _copy_to_device
    xp.array = _array
    xp.broadcast_to = _typed_first_argument(xp.broadcast_to)
    xp.asnumpy = _to_host
    xp.linalg = _Namespace("cupy.linalg", np.linalg, LINALG_LACKS, library="cuSOLVER")
    xp.fft = _Namespace("cupy.fft", np.fft)
    xp.random = _Namespace("cupy.random", np.random, library="cuRAND")
    xp.cuda = _cuda_namespace()
    lib = types.ModuleType("cupy.lib")
    lib.stride_tricks = _Namespace("cupy.lib.stride_tricks", np.lib.stride_tricks)
    xp.lib = lib
    xp.emulated = True
    return xp


def _typed_first_argument(fn):
    """fn as CuPy compiles it, with its first parameter typed as a device array (no scalars)."""
    def call(array, *args, **kwargs):
        if type(array) is not ndarray:
            raise TypeError(f"Argument 'array' has incorrect type (expected cupy._core.core._ndarray_base, "
                            f"got {type(array).__name__})")
        return fn(array, *args, **kwargs)
    call.__name__ = fn.__name__
    return call


def _copy_to_device(a, dtype=None, order=None):
    """cupy.asarray: host data copied to the device; device arrays pass through (cast if asked)."""
    if type(a) is ndarray:
        return a if dtype is None or a.dtype == np.dtype(dtype) else a.astype(dtype)
    cuda.refuse_while_capturing("a copy from the host")
    return _device(np.array(a, dtype=dtype, order=order or "K"))


def _array(a, dtype=None, copy=True, order="K", ndmin=0):
    """cupy.array: a copy on the device (of host data: a transfer)."""
    if type(a) is not ndarray:
        cuda.refuse_while_capturing("a copy from the host")
        return _device(np.array(a, dtype=dtype, order=order, ndmin=ndmin))
    call = (np.array, (a.view(np.ndarray),), dict(dtype=dtype, order=order, ndmin=ndmin))
    steps = None if _inside else cuda.tape()
    return _inside_call(*call) if steps is None else cuda.run(steps, _inside_call, call)


def _to_host(a, *args, **kwargs):
    """cupy.asnumpy: a host copy."""
    cuda.refuse_while_capturing("a copy to the host")
    return np.array(a.view(np.ndarray) if isinstance(a, ndarray) else a)


def _cuda_namespace():
    """cupy.cuda: the device, streams, events and graphs of the emulated device."""
    namespace = types.ModuleType("cupy.cuda")
    namespace.Device = lambda index=0: _DEVICE
    namespace.Stream, namespace.Event = cuda.Stream, cuda.Event
    namespace.get_current_stream = cuda.get_current_stream
    namespace.graph = types.SimpleNamespace(Graph=cuda.Graph)
    namespace.MemoryPool, namespace.using_allocator = cuda.MemoryPool, cuda.using_allocator
    namespace.runtime = types.SimpleNamespace(CUDARuntimeError=cuda.CUDARuntimeError)
    return namespace


xp = _make_xp()

