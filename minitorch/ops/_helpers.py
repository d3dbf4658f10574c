"""Small helpers shared by the op families: operands, dims, dtype checks."""
from __future__ import annotations

import math

from .. import dtypes as D
from ..device import check_same_device
from ..autograd import batched
from ..autograd.grad_mode import state as _mode
from ..tensor import Tensor, _check_dim_type, _wrap_dim

wrap_dim = _wrap_dim


class _NotGiven:
    """The default of a parameter that some of torch's overloads leave out (max's dim, std's unbiased):
    leaving it out picks that overload, while an explicit None is refused, as torch's parser refuses it."""

    def __repr__(self) -> str:
        return "<not given>"


NOT_GIVEN = _NotGiven()


def refuse_none(fn: str, name: str, value) -> None:
    """torch's TypeError for an explicit None where an overload's parameter takes none."""
    if value is None:
        raise TypeError(f"{fn}() received an invalid combination of arguments - got {name}=NoneType: leave "
                        f"'{name}' out instead")


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def scalar_tensor(value, dt, device) -> Tensor:
    """A 0-d tensor holding Python scalar `value` as dtype `dt` (integers wrap like torch's)."""
    return Tensor._wrap(device.backend.scalar(value, dt.np), device)


def wrapped_number(value, dt, device) -> Tensor:
    """A Python number as an op's 0-d operand of dtype `dt`. The op's node shows it as torch saves it: as a
    "wrapped number", a 0-d tensor of the number's own type (int64, float64 or bool)."""
    t = scalar_tensor(value, dt, device)
    t._cast_from = value
    return t


def computed_from(data, device, *inputs) -> Tensor:
    """A new tensor around `data`, an op's result computed from `inputs` without a Function (a comparison, an
    index): batched inside vmap when one of them is (what Function.apply marks for the others)."""
    out = Tensor._wrap(data, device)
    if _mode.vmap:
        batched.mark([t for t in inputs if isinstance(t, Tensor)], (out,))
    return out


def zeros_like_grad(g: Tensor) -> Tensor:
    """A zero gradient shaped like `g`: real zeros, not `g * 0`, which is NaN where g is infinite."""
    return Tensor._wrap(g._device.backend.xp.zeros_like(g._data), g._device)


def cast(x, dt, device) -> Tensor:
    """`x` (tensor or scalar) as a tensor of dtype `dt` on `device` (a 0-d CPU tensor moves there, as
    torch lets it mix with tensors on any device); the cast of a tensor is differentiable."""
    if isinstance(x, Tensor):
        if x._device is not device:
            x = x.to(device)
        if x._dtype is dt:
            return x
        if x._requires_grad and _mode.enabled and not _mode.forward_ad:
            return _promoted(x, dt)
        converted = x.to(dt)
        converted._cast_from = x._cast_from or x  # what the op's node shows as saved: the operand it was given
        return converted
    if x.__class__ not in (int, float, bool):
        D._scalar_dtype(x)  # torch's TypeError for what is not a number
    return wrapped_number(x, dt, device)


def _promoted(x: Tensor, dt) -> Tensor:
    """x's values in dtype `dt` for one op, standing for x in its graph (the op's node links to x's and hands
    x its gradient in x's dtype), as torch promotes inside an op rather than through a cast node."""
    p = computed_from(x._data.astype(dt.np), x._device, x)
    p._requires_grad = True
    p._cast_from = x._cast_from or x
    return p


def common_device(*xs):
    tensors = [x for x in xs if isinstance(x, Tensor)]
    # zero-dim CPU tensors may mix with tensors on any device, as in torch
    dims = [t for t in tensors if t._data.ndim or t._device.type != "cpu"]
    return check_same_device(*(dims or tensors))


def check_broadcast(*shapes):
    """Raise torch's error when tensor shapes do not broadcast together."""
    ndim = max(len(s) for s in shapes)
    for i in range(1, ndim + 1):
        size = None
        for s in shapes:
            if i <= len(s) and s[-i] != 1:
                if size is None:
                    size = s[-i]
                elif s[-i] != size:
                    raise RuntimeError(f"The size of tensor a ({size}) must match the size of tensor b ({s[-i]}) "
                                       f"at non-singleton dimension {ndim - i}")


def operands(*xs, dtype=None, numbers=False):
    """Cast every operand to their promoted dtype (or `dtype`); return (tensors..., dtype). Without a
    tensor among them, torch's arithmetic (`numbers`) computes on the numbers; its other ops refuse."""
    if dtype is None and len(xs) == 2:
        fast = _same_kind_pair(*xs)
        if fast is not None:
            return fast
    if not any(isinstance(x, Tensor) for x in xs):
        if not numbers:
            raise TypeError(f"expected at least one Tensor operand, got ({', '.join(type(x).__name__ for x in xs)})")
        from ..device import get_default_device
        xs = (scalar_tensor(xs[0], D.result_type(xs[0]), get_default_device()),) + xs[1:]
    dt = dtype or D.result_type(*xs)
    device = common_device(*xs)
    out = tuple(cast(x, dt, device) for x in xs)
    first = out[0]._data.shape
    for t in out[1:]:
        if t._data.shape != first:
            check_broadcast(*(o._data.shape for o in out))
            break
    return out + (dt,)


def _same_kind_pair(a, b):
    """The common case without promotion: two tensors of one dtype on one device, or a float tensor
    and a Python float/int (which never changes a float dtype). None when the general path is needed."""
    if type(a) is Tensor:
        tb = type(b)
        if tb is Tensor:
            if a._dtype is b._dtype and a._device is b._device:
                if a._data.shape != b._data.shape:
                    check_broadcast(a._data.shape, b._data.shape)
                return a, b, a._dtype
        elif (tb is float or tb is int) and a._dtype.category == D._FLOAT:
            return a, wrapped_number(b, a._dtype, a._device), a._dtype
    elif type(b) is Tensor and (type(a) is float or type(a) is int) and b._dtype.category == D._FLOAT:
        return wrapped_number(a, b._dtype, b._device), b, b._dtype
    return None


def check_dim_types(dim) -> None:
    """torch's parser check of a dim argument (an int or a sequence of ints), before any range check."""
    for d in dim if isinstance(dim, (list, tuple)) else () if dim is None else (dim,):
        _check_dim_type(d)


def dims(dim, ndim: int):
    """Normalise a `dim` argument (None, int, or sequence) to a sorted tuple of axes.

    A 0-d tensor accepts dim 0 or -1 but has no axis to reduce: the result is ().
    """
    if ndim == 0:
        for d in (dim if isinstance(dim, (list, tuple)) else () if dim is None else (dim,)):
            _wrap_dim(d, 0)
        return ()
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        axes = tuple(sorted(_wrap_dim(d, ndim) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
        return axes if axes or ndim == 0 else tuple(range(ndim))
    return (_wrap_dim(dim, ndim),)


def size_at(t, d: int) -> int:
    """torch's `t.size(d)`: a 0-d tensor has no sizes to read (IndexError)."""
    if t.dim() == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    return t.shape[_wrap_dim(d, t.dim())]


_SCALAR_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "uint8": "uint8_t",
                 "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t"}


def check_scalar_fits(value, dt) -> None:
    """torch's checked conversion of a Python number to a tensor's dtype: a float target takes infinities
    and NaN but no finite value past its range; an integer target takes no NaN, infinity or value past
    its range (a negative one wraps into an unsigned type down to -max)."""
    import numpy as np
    if dt.name == "bool" or isinstance(value, (bool, np.bool_)):
        return
    if dt.is_floating_point:
        limit = np.finfo(dt.np)
        fits = not math.isfinite(value) or limit.min <= value <= limit.max
    else:
        limit = np.iinfo(dt.np)
        if isinstance(value, float) and not math.isfinite(value):
            fits = False
        elif limit.min == 0 and value < 0:
            fits = -value <= limit.max
        else:
            fits = limit.min <= value <= limit.max
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_SCALAR_NAMES[dt.name]} without overflow")


def floats_only(input: Tensor, kernel: str) -> None:
    """torch's kernels that exist for floating dtypes only: NotImplementedError naming the kernel."""
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input._dtype.word}'")


def lapack_only(input: Tensor, kernel: str, empty_too: bool = True) -> None:
    """torch's LAPACK kernels exist for float32 and float64 only: another dtype (float16 too) gets
    NotImplementedError naming the kernel. Some kernels are never reached for an empty input."""
    if input._dtype not in (D.float32, D.float64) and (empty_too or input._data.size):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input._dtype.word}'")


def check_cast(result_dtype, out_dtype) -> None:
    """torch's rule for writing a result into a tensor of another dtype: no lower category (float to int)."""
    if not D.can_cast(result_dtype, out_dtype):
        raise RuntimeError(f"result type {result_dtype.word} can't be cast to the desired output type "
                           f"{out_dtype.word}")


def check_flag(fn: str, name: str, value) -> None:
    """torch's C functions take a bool flag as a bool only."""
    if type(value) is not bool:
        raise TypeError(f"{fn}(): argument '{name}' must be bool, not {type(value).__name__}")


def flatten_batch(a, core: int):
    """`a` with its leading dims made one, the last `core` dims kept (reshape's -1 cannot size an empty batch)."""
    return a.reshape((math.prod(a.shape[:a.ndim - core]),) + tuple(a.shape[a.ndim - core:]))


def host_array(a):
    """A NumPy or device (CuPy) array's values as a NumPy array in host memory."""
    import numpy as np
    return np.asarray(a.get() if hasattr(a, "get") else a)


def host_values(t: Tensor):
    """t's values as a NumPy array in host memory (detached): for the ops computed on the host."""
    return host_array(t._data)


def type_word(dt) -> str:
    """The word torch's messages use for a dtype ("Long")."""
    return dt.word


def c_type_name(dt) -> str:
    """The C++ name torch prints for a dtype in some messages ("long int")."""
    return dt.c_name


# ---- sliding windows (convolution, pooling) ---------------------------------------------------

def check_number(fn: str, name: str, value, position=None):
    """torch's Number parameters take Python numbers, NumPy scalars and 0-d tensors; the value as a number."""
    if value.__class__ in (int, float, bool):
        return value
    import numbers

    import numpy as np
    if isinstance(value, Tensor) and value._data.ndim == 0:
        return value.item()
    if isinstance(value, (numbers.Number, np.generic)):
        return value
    where = "" if position is None else f" (position {position})"
    raise TypeError(f"{fn}(): argument '{name}'{where} must be Number, not {type(value).__name__}")


def _pair(v):
    """An int, or a sequence of two ints (None allowed, for adaptive pools), as a pair; torch's
    TypeError for other types and RuntimeError for another count."""
    values = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    for x in values:
        if isinstance(x, (bool, float, str)) or (x is not None and not hasattr(x, "__index__")):
            raise TypeError(f"argument must be tuple of ints, but found element of type {type(x).__name__}")
    if len(values) != 2:
        raise RuntimeError(f"It is expected the size equals to 2, but got size {len(values)}")
    return values


def check_window(kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1)) -> None:
    """torch's checks of a sliding window (pairs of ints): kernel size, stride and dilation at least one,
    padding at least zero."""
    for name, short, v, least in (("kernel size", "kernel", kernel_size, 1), ("stride", "stride", stride, 1),
                                  ("dilation", "dilation", dilation, 1), ("padding", "pad", padding, 0)):
        if min(v) < least:
            what = "non-negative" if least == 0 else "greater than zero"
            raise RuntimeError(f"{name} should be {what}, but got {short}_height: {v[0]} {short}_width: {v[1]}")


def out_size(size, k, s, p, d, ceil_mode=False):
    """Output length of a sliding window (torch's formula, ceil_mode included)."""
    span = size + 2 * p - d * (k - 1) - 1
    n = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (n - 1) * s >= size + p:  # the last window must start inside the input
        n -= 1
    return n


def refuse_sparse_gradient(fn: str, flag: str, value) -> None:
    """A sparse gradient needs torch's sparse layouts, which minitorch does not have: say so rather than
    hand back a dense one."""
    if value:
        raise NotImplementedError(f"{fn}({flag}=True) gives a sparse gradient, and minitorch has no sparse layouts "
                                  f"(see the README's deviations): leave {flag}=False")
