"""The op families, and the Tensor methods and operators that delegate to them."""
from __future__ import annotations

import inspect

import numpy as np

from .. import dtypes as D
from ..tensor import Tensor
from . import (activation, convert, creation, indexing, inplace, inplace_views, linalg, out, pointwise, reduction,
               shape)
from .arguments import checked
from .inplace import make_inplace

# torch functions that are also Tensor methods (first argument = self), by family
METHODS = {
    pointwise: """neg negative abs absolute sign exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square
        reciprocal sin cos tan asin acos atan arcsin arccos arctan sinh cosh tanh sigmoid logit erf erfinv floor ceil
        round trunc fix frac clamp clip clamp_min clamp_max add sub subtract mul multiply div divide
        true_divide floor_divide remainder fmod pow float_power maximum minimum fmax fmin atan2 arctan2 xlogy lerp
        addcmul addcdiv masked_fill nan_to_num isnan isinf isfinite isposinf isneginf signbit eq ne lt
        le gt ge greater greater_equal less less_equal not_equal isclose allclose equal logical_and
        logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not rsub acosh asinh atanh
        arccosh arcsinh arctanh deg2rad rad2deg sinc erfc lgamma digamma sgn positive""",
    reduction: """sum mean nansum nanmean prod max min amax amin argmax argmin var std logsumexp norm all
        any cumsum cumprod median""",
    shape: """view view_as reshape_as flatten unflatten unsqueeze transpose swapaxes swapdims t movedim
        moveaxis repeat_interleave expand expand_as chunk unsafe_chunk unsafe_split unsafe_split_with_sizes
        tensor_split unbind fliplr flipud roll narrow tril
        triu""",
    indexing: """gather scatter scatter_add index_select select index_add take_along_dim take masked_select
        nonzero argwhere sort argsort msort topk kthvalue unique bincount""",
    linalg: "matmul mm bmm mv dot outer ger inner tensordot",
    convert: """to float double half long int short bool byte char cpu cuda type type_as clone
        contiguous""",
    creation: """new_tensor new_zeros new_ones new_empty new_full uniform_ normal_ bernoulli_
        exponential_ random_ cauchy_ log_normal_ geometric_""",
    inplace: "copy_ fill_ zero_ fill_diagonal_ float_power_",
    inplace_views: "unsqueeze_ transpose_ swapdims_ swapaxes_ t_ as_strided_",
    activation: "relu softmax log_softmax",
}

# Tensor methods torch writes in Python: its parser's NumPy-named keywords (axis=, ...) do not apply
PYTHON_METHODS = {"unique", "norm", "split"}
for _module, _names in METHODS.items():
    for _name in _names.split():  # a tensor parameter given anything else raises torch's TypeError
        setattr(Tensor, _name, checked(getattr(_module, _name), method=True, aliases=_name not in PYTHON_METHODS))

# methods that also take their sizes as separate arguments: x.permute(1, 0), x.permute((1, 0)), x.permute(dims=...)
for _fn, _keyword in ((shape.reshape, "shape"), (shape.permute, "dims"), (shape.repeat, "repeats"),
                      (shape.tile, "dims"), (shape.flip, "dims"), (shape.broadcast_to, "size"),
                      (shape.sum_to_size, "size")):
    setattr(Tensor, _fn.__name__, shape.sizes_method(_fn, _keyword))
Tensor.squeeze = shape.sizes_method(shape.squeeze, "dim", optional=True)
Tensor.count_nonzero = shape.sizes_method(reduction.count_nonzero, "dim", optional=True)
Tensor.split = lambda self, split_size, dim=0: shape.split(self, split_size, dim)
Tensor.split.__name__ = Tensor.split.__qualname__ = "split"


def _method_without(fn, *names):
    """`fn` as a Tensor method without the parameters only torch's namespace function has (out=,
    out_dtype=): calling the method with them raises TypeError, as in torch."""
    sig = inspect.signature(fn)
    kept = [p for p in sig.parameters.values() if p.name not in names]
    n_positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in kept)

    def method(*args, **kwargs):
        bad = [n for n in names if n in kwargs]
        if bad or len(args) > n_positional:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument '{bad[0]}'" if bad else
                            f"{fn.__name__}() takes {n_positional - 1} positional arguments but {len(args) - 1} "
                            f"were given")
        return fn(*args, **kwargs)
    method.__signature__ = sig.replace(parameters=kept)
    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


Tensor.norm = _method_without(reduction.norm, "out")
Tensor.mm = _method_without(linalg.mm, "out_dtype")
Tensor.bmm = _method_without(linalg.bmm, "out_dtype")
for _name in ("add", "sub", "mul", "floor_divide", "true_divide"):  # torch's methods of these take out=
    setattr(Tensor, _name, checked(out.with_out(getattr(pointwise, _name)), method=True))
Tensor.resize_ = out.resize_
Tensor.resize_as_ = out.resize_as_
Tensor._legacy_new = staticmethod(creation.legacy_new)
Tensor._rebuild = staticmethod(creation._rebuild)


def _where(self, condition: Tensor, other) -> Tensor:
    """x.where(condition, y): x where condition holds, else y."""
    return pointwise.where(condition, self, other)


Tensor.where = checked(_where, method=True)


def _polygamma(self, n: int) -> Tensor:
    """x.polygamma(n): the n-th derivative of the digamma function at x."""
    return pointwise.polygamma(n, self)


Tensor.polygamma = _polygamma


def _backward1_node(op_class, differentiable: bool = True):
    """The node of an in-place form that torch numbers 1: AcoshBackward1 for acosh_ (whose derivative torch
    has not implemented: its backward raises torch's error), PolygammaBackward1 for polygamma_."""
    body = {"node_name": op_class.__name__ + "Backward1", "__module__": op_class.__module__}
    if not differentiable:
        word = op_class.__name__.lower()

        def backward(ctx, *grads):
            raise NotImplementedError(f"the derivative for 'inplace version of {word}' is not implemented.")
        body["backward"] = staticmethod(backward)
        body["backward_arrays"] = None
        body["saved_names"], body["saved_values"] = (), {}  # nothing kept, as torch's node keeps nothing
    return type(op_class.__name__ + "Inplace", (op_class,), body)


def _float_inplace(self: Tensor, op) -> Tensor:
    from .inplace import apply_inplace
    if not self._dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {self._dtype.word}")
    return apply_inplace(self, op)


for _name, _cls in (("acosh", pointwise.Acosh), ("asinh", pointwise.Asinh), ("atanh", pointwise.Atanh)):
    def _unary_inplace(self: Tensor, _node=_backward1_node(_cls, differentiable=False)) -> Tensor:
        return _float_inplace(self, _node.apply)
    _unary_inplace.__name__ = _unary_inplace.__qualname__ = _name + "_"
    setattr(Tensor, _name + "_", _unary_inplace)
    setattr(Tensor, "arc" + _name[1:] + "_", _unary_inplace)  # arccosh_ is acosh_
_PolygammaInplace = _backward1_node(pointwise.Polygamma)


def _polygamma_inplace(self: Tensor, n: int) -> Tensor:
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _float_inplace(self, lambda x: _PolygammaInplace.apply(x, n=n))


Tensor.polygamma_ = checked(_polygamma_inplace, method=True)
Tensor.bernoulli = creation.bernoulli
Tensor.multinomial = creation.multinomial
Tensor.diag = creation.diag
Tensor.diagonal = creation.diagonal_
Tensor.T = property(shape.T)
Tensor.mT = property(shape.mT)
Tensor.H = property(shape.T)
Tensor.mH = property(shape.mT)
Tensor.__getitem__ = indexing.getitem
Tensor.__setitem__ = indexing.setitem

# in-place forms: the generic ones run the op and write the result back
for _name in """neg abs sign exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square reciprocal sin cos tan
        asin acos atan sinh cosh tanh sigmoid logit erf erfinv floor ceil round trunc frac clamp clip clamp_min
        clamp_max pow remainder fmod lerp addcmul addcdiv masked_fill nan_to_num logical_not
        bitwise_and bitwise_or bitwise_xor bitwise_not eq ne lt le gt ge tril triu atan2 xlogy floor_divide deg2rad
        rad2deg sinc erfc lgamma digamma sgn""".split():
    setattr(Tensor, _name + "_", make_inplace(getattr(Tensor, _name), _name + "_"))
Tensor.relu_ = make_inplace(Tensor.relu, "relu_")
Tensor.cumsum_, Tensor.cumprod_ = reduction.scan_inplace(reduction.cumsum), reduction.scan_inplace(reduction.cumprod)
for _name in ("logical_and", "logical_or", "logical_xor"):
    setattr(Tensor, _name + "_", make_inplace(getattr(Tensor, _name), _name + "_"))
Tensor.squeeze_ = shape.sizes_method(inplace_views.squeeze_, "dim", optional=True)
for _name in ("scatter", "scatter_add", "index_add"):  # index and source need not broadcast to self
    setattr(Tensor, _name + "_", make_inplace(getattr(Tensor, _name), _name + "_", elementwise=False))
Tensor.add_ = inplace._arith_inplace(pointwise.add, "add", "add_")
Tensor.sub_ = inplace._arith_inplace(pointwise.sub, "subtract", "sub_")
Tensor.mul_ = inplace._arith_inplace(pointwise.mul, "multiply", "mul_")
Tensor.div_ = inplace._arith_inplace(pointwise.div, "true_divide", "div_", true_div=True)
Tensor.true_divide_ = inplace._arith_inplace(pointwise.true_divide, "true_divide", "true_divide_", true_div=True)
Tensor.subtract_, Tensor.multiply_, Tensor.divide_ = Tensor.sub_, Tensor.mul_, Tensor.div_
# in-place forms under torch's other names for the op
for _alias, _name in {"absolute_": "abs_", "negative_": "neg_", "fix_": "trunc_", "arcsin_": "asin_",
                      "arccos_": "acos_", "arctan_": "atan_", "arctan2_": "atan2_",
                      "greater_": "gt_", "greater_equal_": "ge_", "less_": "lt_", "less_equal_": "le_",
                      "not_equal_": "ne_"}.items():
    setattr(Tensor, _alias, getattr(Tensor, _name))


def _reflected(fn):
    def method(self, other):
        return fn(other, self)
    method.__name__ = f"__r{fn.__name__}__"
    return method


def _matrix_operator(fn):
    """@ takes tensors; a number gives NotImplemented, so TypeError."""
    def method(self, other):
        if isinstance(other, (int, float, bool)) or other is None:
            return NotImplemented
        return fn(self, other)
    method.__name__ = fn.__name__
    return method


def _operator_result(fn, arrays: str = "refuse"):
    """Operators return NotImplemented for operands they do not understand, as torch's do. A NumPy array
    is one of them, except for `==` (`arrays="convert"`) and where `fn` takes it (`arrays="pass"`): Python
    then asks the array's reflected operator, and NumPy computes the result on the tensor's memory with
    NumPy's promotion (`__array__`, refused for a tensor that requires grad) and gives it back as a tensor
    (`__array_wrap__`)."""
    def method(self, other):
        if other.__class__ is np.ndarray and arrays != "pass":
            if arrays == "refuse":
                return NotImplemented
            other = creation.from_numpy(other).to(self._device)
        elif not isinstance(other, (Tensor, int, float, bool)) and not hasattr(other, "dtype"):
            return NotImplemented
        return fn(self, other)
    method.__name__ = fn.__name__
    return method


Tensor.__array_priority__ = 1000  # NumPy leaves `array <op> tensor` to the tensor's reflected operator


def _array_wrap(self, array, context=None, return_scalar=False):
    """NumPy's result of a ufunc on tensors, as a tensor (torch's rule: a bool result becomes uint8)."""
    return creation.from_numpy(array.astype("uint8") if array.dtype == bool else array)


Tensor.__array_wrap__ = _array_wrap


for _dunder, _fn in {"add": pointwise.add, "sub": pointwise.sub, "mul": pointwise.mul,
                     "truediv": pointwise.div, "floordiv": pointwise.floor_divide, "mod": pointwise.remainder,
                     "pow": pointwise.pow, "matmul": _matrix_operator(linalg.matmul), "and": pointwise.bitwise_and,
                     "or": pointwise.bitwise_or, "xor": pointwise.bitwise_xor}.items():
    setattr(Tensor, f"__{_dunder}__", _operator_result(_fn))
    # `number + x` and `number * x` are torch's add(x, number) and mul(x, number): the tensor stays first
    setattr(Tensor, f"__r{_dunder}__", _operator_result(_fn if _dunder in ("add", "mul") else _reflected(_fn)))


def _arithmetic_fast_path(node, general, **params):
    """`tensor <op> other` straight to the op's node in the common case the general function would reach
    only after its promotion and broadcasting checks: a float tensor with a tensor of its dtype, device and
    shape, or with a Python float. Everything else goes through `general`, as do reflected operands."""
    def method(self, other):
        dt = self._dtype
        if dt.category == D._FLOAT:
            if isinstance(other, Tensor):
                if other._dtype is dt and other._device is self._device and other._data.shape == self._data.shape:
                    return node.apply(self, other, **params)
            elif other.__class__ is float:
                return node.apply_with_number(self, other, **params)
        return general(self, other)
    method.__name__ = general.__name__
    return method


for _dunder, _node, _params in (("add", pointwise.Add, {"alpha": 1}), ("sub", pointwise.Sub, {"alpha": 1}),
                                ("mul", pointwise.Mul, {}), ("truediv", pointwise.Div, {})):
    setattr(Tensor, f"__{_dunder}__", _arithmetic_fast_path(_node, getattr(Tensor, f"__{_dunder}__"), **_params))
for _dunder, _fn in {"lt": pointwise.lt, "le": pointwise.le, "gt": pointwise.gt, "ge": pointwise.ge,
                     "ne": pointwise.ne}.items():
    setattr(Tensor, f"__{_dunder}__", _operator_result(_fn))
Tensor.__eq__ = _operator_result(pointwise.eq, arrays="convert")
for _dunder, _name in {"iadd": "add_", "isub": "sub_", "imul": "mul_", "itruediv": "div_",
                       "ifloordiv": "floor_divide_", "imod": "remainder_", "ipow": "pow_",
                       "iand": "bitwise_and_", "ior": "bitwise_or_", "ixor": "bitwise_xor_"}.items():
    # NotImplemented for what they do not take, so Python falls back to `x = x <op> other` (as with torch)
    setattr(Tensor, f"__{_dunder}__", _operator_result(getattr(Tensor, _name)))
Tensor.__neg__ = pointwise.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = pointwise.abs


def _invert(self):
    if self._dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return pointwise.bitwise_not(self)


Tensor.__invert__ = _invert
Tensor.__hash__ = lambda self: id(self)
Tensor.__rsub__ = _operator_result(lambda self, other: pointwise.rsub(self, other))


def _rtruediv(self, other):
    """other / self is the tensor's reciprocal times other, as torch computes it (so an array divides
    in NumPy, as `reciprocal * array` does)."""
    if other.__class__ is np.ndarray:
        return np.multiply(other, pointwise.reciprocal(self))
    return pointwise.mul(pointwise.reciprocal(self), other)


Tensor.__rtruediv__ = _operator_result(_rtruediv, arrays="pass")
Tensor.__rpow__ = _operator_result(lambda self, other: pointwise.pow(other, self))
Tensor.__rmatmul__ = _operator_result(_matrix_operator(lambda self, other: linalg.matmul(other, self)))
