"""Parity specs for Tensor attributes, conversions, operators, in-place methods and printing."""
import operator

from hypothesis import strategies as st

from ..registry import ALL_DTYPES, CPU_CASTS, CPU_LAYOUT, FLOATS, INTS, register
from ..strategies import broadcast_pair, shapes, tensor_arg
from .pointwise import binary

FAMILY = "tensor"


def _one(draw, dtype, domain="any", shape=None, edge=True):
    return [tensor_arg(draw, draw(shapes()) if shape is None else shape, dtype, domain, edge)], {}


def _scalar_one(draw, dtype):
    return _one(draw, dtype, shape=draw(st.sampled_from([(), (1,), (1, 1), (2,)])))


# ---- attributes and conversions --------------------------------------------------------------
# host arrays, printing and type names: torch's CUDA versions differ from its CPU ones by design
_HOST_ONLY = {"Tensor.stride", "Tensor.is_contiguous", "Tensor.to", "Tensor.type", "Tensor.cpu", "Tensor.numpy", "Tensor.__array__",
              "Tensor.__format__", "Tensor.__repr__", "Tensor.__repr__(grad)", "Tensor.__repr__(large)",
              "Tensor.__repr__(values)"}
_EDGE_CASTS = {"Tensor.long", "Tensor.int"}  # their samples include inf and NaN

for _name, _fn, _sampler, _dtypes, _grad in [
    ("Tensor.shape", lambda lib, x: tuple(x.shape), _one, ALL_DTYPES, None),
    ("Tensor.size", lambda lib, x: (tuple(x.size()), x.size(-1) if x.dim() else None), _one, FLOATS, None),
    ("Tensor.dim", lambda lib, x: (x.dim(), x.ndim, x.ndimension()), _one, FLOATS, None),
    ("Tensor.numel", lambda lib, x: (x.numel(), x.nelement()), _one, FLOATS, None),
    ("Tensor.stride", lambda lib, x: x.stride() if x.numel() else None, _one, FLOATS, None),
    ("Tensor.is_contiguous", lambda lib, x: x.is_contiguous() if all(s > 1 for s in x.shape) else None, _one,
     FLOATS, None),
    ("Tensor.contiguous", lambda lib, x: x.contiguous(), _one, FLOATS, (0,)),
    ("Tensor.clone", lambda lib, x: x.clone(), _one, ALL_DTYPES, (0,)),
    ("Tensor.detach", lambda lib, x: x.detach(), _one, FLOATS, None),
    ("Tensor.item", lambda lib, x: x.item(), _scalar_one, ALL_DTYPES, None),
    ("Tensor.tolist", lambda lib, x: x.tolist(), _one, FLOATS + INTS + ("bool",), None),
    ("Tensor.float", lambda lib, x: x.float(), _one, ALL_DTYPES, (0,)),
    ("Tensor.double", lambda lib, x: x.double(), _one, ALL_DTYPES, (0,)),
    ("Tensor.half", lambda lib, x: x.half(), _one, FLOATS, (0,)),
    ("Tensor.long", lambda lib, x: x.long(), _one, FLOATS + INTS, None),
    ("Tensor.int", lambda lib, x: x.int(), _one, FLOATS + INTS, None),
    ("Tensor.long/int/byte(in range)", lambda lib, x: (x.long(), x.int(), x.byte()),
     lambda draw, dt: _one(draw, dt, edge=False), FLOATS, None),
    ("Tensor.short", lambda lib, x: x.short(), _one, INTS, None),
    ("Tensor.bool", lambda lib, x: x.bool(), _one, ALL_DTYPES, None),
    ("Tensor.byte", lambda lib, x: x.byte(), _one, INTS + ("bool",), None),
    ("Tensor.char", lambda lib, x: x.char(), _one, INTS, None),
    ("Tensor.to", lambda lib, x: (x.to(lib.float64), x.to("cpu"), x.to(lib.int64), x.to(x)), _one, FLOATS, (0,)),
    ("Tensor.type", lambda lib, x: (x.type(), x.type(lib.float64), x.type("torch.LongTensor")), _one,
     FLOATS + ("int64",), None),
    ("Tensor.type_as", lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.float64)), _one, FLOATS, (0,)),
    ("Tensor.cpu", lambda lib, x: x.cpu(), _one, FLOATS, (0,)),
    ("Tensor.T", lambda lib, x: x.T if x.dim() == 2 else x.permute(*range(x.dim() - 1, -1, -1)), _one, FLOATS, (0,)),
    ("Tensor.mT", lambda lib, x: x.mT, _one, FLOATS, (0,)),
    ("Tensor.__len__", lambda lib, x: len(x), _one, FLOATS, None),
    ("Tensor.__iter__", lambda lib, x: list(x), _one, FLOATS, (0,)),
    ("Tensor.__bool__", lambda lib, x: bool(x), _scalar_one, ALL_DTYPES, None),
    ("Tensor.__float__", lambda lib, x: float(x), _scalar_one, FLOATS + INTS, None),
    ("Tensor.__int__", lambda lib, x: int(x) if abs(float(x)) < 1e18 else None, _scalar_one, FLOATS + INTS, None),
    ("Tensor.__index__", lambda lib, x: [10, 20, 30][x] if x.numel() == 1 and 0 <= int(x) < 3 else operator.index(x),
     lambda draw, dt: _one(draw, dt, "positive", shape=draw(st.sampled_from([(), (1,), (2,)]))),
     ("int64", "float32"), None),
    ("Tensor.__format__", lambda lib, x: (f"{x:.3f}", f"{x}") if x.dim() == 0 else f"{x}", _scalar_one,
     FLOATS + ("int64",), None),
    ("Tensor.__repr__", lambda lib, x: repr(x), lambda draw, dt: _one(draw, dt, shape=draw(shapes(max_side=6))),
     ALL_DTYPES, None),
    ("Tensor.__repr__(grad)", lambda lib, x: (repr(x), repr(x * 2), repr(-x)),
     lambda draw, dt: _one(draw, dt, shape=draw(shapes(max_side=4))), FLOATS, (0,)),
    ("Tensor.__repr__(large)", lambda lib, x: repr(x),
     lambda draw, dt: _one(draw, dt, shape=draw(st.sampled_from([(1001,), (40, 30), (3, 400), (2, 3, 200)]))),
     FLOATS + ("int64",), None),
    ("Tensor.__repr__(values)", lambda lib, x: (repr(x), repr(x * 1e-5), repr(x * 1e9), repr(x.round())),
     lambda draw, dt: _one(draw, dt, shape=draw(shapes(max_side=4)), edge=True), FLOATS, None),
    ("Tensor.numpy", lambda lib, x: x.numpy().tolist(), _one, FLOATS + INTS, None),
    ("Tensor.__array__", lambda lib, x: __import__("numpy").asarray(x).tolist(), _one, FLOATS, None),
    ("Tensor.element_size", lambda lib, x: (x.element_size(), x.nbytes, x.itemsize), _one, ALL_DTYPES, None),
    ("Tensor.is_floating_point", lambda lib, x: (x.is_floating_point(), lib.is_floating_point(x)), _one,
     ALL_DTYPES, None),
    ("Tensor.requires_grad_", lambda lib, x: x.detach().requires_grad_().requires_grad, _one, ALL_DTYPES, None),
    ("Tensor.new_zeros", lambda lib, x: (x.new_zeros(2, 3), x.new_ones((2,)), x.new_full((2,), 3),
                                         x.new_tensor([1, 2]), x.new_empty(2).shape), _one, FLOATS + ("int64",),
     None),
    ("is_tensor", lambda lib, x: (lib.is_tensor(x), lib.is_tensor(3), lib.numel(x)), _one, FLOATS, None),
    ("Tensor.is_signed", lambda lib, x: x.is_signed(), _one, ALL_DTYPES, None),
    ("Tensor.is_nonzero", lambda lib, x: x.is_nonzero(), lambda draw, dt: _one(
        draw, dt, shape=draw(st.sampled_from([(), (1,), (1, 1), (2,), (0,)]))), ALL_DTYPES, None),
    ("Tensor.is_same_size", lambda lib, x: (x.is_same_size(x.clone()), x.is_same_size(x.reshape(-1)),
                                            x.is_same_size(lib.zeros(3))), _one, FLOATS, None),
    ("Tensor.is_set_to", lambda lib, x: (x.is_set_to(x), x.is_set_to(x.view(x.shape)), x.is_set_to(x.clone()),
                                         x.is_set_to(x.reshape(-1)) if x.dim() != 1 else None), _one, FLOATS, None),
    ("Tensor.is_pinned", lambda lib, x: x.is_pinned(), _one, FLOATS, None),
    ("Tensor.is_coalesced", lambda lib, x: x.is_coalesced(), _one, FLOATS, None),
] + [(f"Tensor.{_p}", lambda lib, x, _p=_p: getattr(x, _p), _one, FLOATS, None) for _p in (
        "is_mps is_xla is_meta is_xpu is_ipu is_maia is_mtia is_vulkan is_mkldnn is_quantized is_sparse "
        "is_sparse_csr is_nested").split()]:
    register(_name, _fn, _sampler, dtypes=_dtypes, grad=_grad, family=FAMILY,
             cpu_only=CPU_LAYOUT if _name in _HOST_ONLY else CPU_CASTS if _name in _EDGE_CASTS else "")


# ---- operators ---------------------------------------------------------------------------------

OPS = {
    "__add__": operator.add, "__sub__": operator.sub, "__mul__": operator.mul, "__truediv__": operator.truediv,
    "__floordiv__": operator.floordiv, "__mod__": operator.mod, "__pow__": operator.pow,
    "__lt__": operator.lt, "__le__": operator.le, "__gt__": operator.gt, "__ge__": operator.ge,
    "__eq__": operator.eq, "__ne__": operator.ne,
}
for _name, _op in OPS.items():
    _domain_b = "nonzero" if _name in ("__truediv__", "__floordiv__", "__mod__") else "any"
    _domain_a = "positive" if _name == "__pow__" else "any"
    _grad = None if _name in ("__floordiv__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__") else (0, 1)
    # pow's base stays positive: at -0.0 the sign of torch's infinite gradient is not C's
    register(_name, lambda lib, a, b, _op=_op: _op(a, b), binary(_domain_a, _domain_b, other_dtypes=("float64",
             "int64"), edge=_name != "__pow__"), dtypes=FLOATS + ("int64",), grad=_grad, family=FAMILY)
    _rname = "__r" + _name[2:]
    if _name not in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        register(_rname, lambda lib, a, b, _op=_op: _op(b if not hasattr(b, "shape") else 2, a),
                 binary(_domain_b if _name != "__pow__" else "small", "positive" if _name == "__pow__" else "any"),
                 dtypes=FLOATS + ("int64",), grad=(0,) if _grad and _name not in ("__mod__",) else None,
                 family=FAMILY)

for _name, _op in {"__and__": operator.and_, "__or__": operator.or_, "__xor__": operator.xor}.items():
    register(_name, lambda lib, a, b, _op=_op: _op(a, b), binary(other_dtypes=("bool",)),
             dtypes=INTS + ("bool",), grad=None, family=FAMILY)
    register("__r" + _name[2:], lambda lib, a, b, _op=_op: _op(True, a), binary(), dtypes=("bool", "int64"),
             grad=None, family=FAMILY)

register("__neg__", lambda lib, x: -x, _one, dtypes=FLOATS + INTS + ("bool",), family=FAMILY)
register("__pos__", lambda lib, x: +x, _one, dtypes=FLOATS, family=FAMILY)
register("__abs__", lambda lib, x: abs(x), lambda draw, dt: _one(draw, dt, "nonzero"), dtypes=FLOATS + ("int64",),
         family=FAMILY)
register("__invert__", lambda lib, x: ~x, _one, dtypes=INTS + ("bool",), grad=None, family=FAMILY)


# ---- in-place methods: run on a clone so the leaf stays untouched ---------------------------------

def _inplace(name, n_tensor_args=1, **kw):
    def fn(lib, x, *args):
        y = x.clone()
        out = getattr(y, name)(*args, **kw)
        assert out is y
        return y
    return fn


INPLACE_BINARY = ["add_", "sub_", "mul_", "div_", "pow_", "remainder_", "fmod_", "atan2_", "xlogy_", "__iadd__",
                  "__isub__", "__imul__", "__itruediv__", "subtract_", "multiply_", "divide_", "floor_divide_",
                  "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "arctan2_", "true_divide_", "greater_",
                  "greater_equal_", "less_", "less_equal_", "not_equal_"]
NO_GRAD_INPLACE = {"floor_divide_", "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_",
                   "less_equal_", "not_equal_"}
for _name in INPLACE_BINARY:
    _domain_b = "nonzero" if _name in ("div_", "remainder_", "fmod_", "atan2_", "arctan2_", "__itruediv__",
                                       "true_divide_") else "any"

    def _sample(draw, dtype, _db=_domain_b, _name=_name):
        shape_a, shape_b = draw(broadcast_pair())
        a = tensor_arg(draw, shape_a, dtype, "positive" if _name == "pow_" else "any")
        if draw(st.booleans()) and _name not in ("atan2_", "arctan2_"):
            return [a, draw(st.sampled_from([2, 0.5]))], {}
        return [a, tensor_arg(draw, shape_b, draw(st.sampled_from([dtype, dtype, "float64"])),
                              "small" if _name == "pow_" else _db)], {}
    register(_name, _inplace(_name), _sample, dtypes=FLOATS + ("int64",),
             grad=None if _name in NO_GRAD_INPLACE else (0, 1), family=FAMILY)

for _name in ("bitwise_and_", "bitwise_or_", "bitwise_xor_"):
    register(_name, _inplace(_name), binary(other_dtypes=("bool",)), dtypes=INTS + ("bool",), grad=None,
             family=FAMILY)
register("bitwise_not_", _inplace("bitwise_not_"), _one, dtypes=INTS + ("bool",), grad=None, family=FAMILY)
register("logical_not_", _inplace("logical_not_"), _one, dtypes=FLOATS + ("int64", "bool"), grad=None,
         family=FAMILY)

INPLACE_UNARY = {"neg_": "any", "abs_": "any", "exp_": "small", "log_": "positive", "sqrt_": "positive",
                 "sigmoid_": "any", "tanh_": "any", "sin_": "any", "cos_": "any", "reciprocal_": "nonzero",
                 "floor_": "any", "ceil_": "any", "round_": "any", "trunc_": "any", "frac_": "any",
                 "sign_": "any", "square_": "any", "rsqrt_": "positive", "exp2_": "small", "expm1_": "small",
                 "log2_": "positive", "log10_": "positive", "log1p_": "positive", "tan_": "unit",
                 "asin_": "unit", "acos_": "unit", "atan_": "any", "sinh_": "small", "cosh_": "small",
                 "erf_": "small", "erfinv_": "unit", "logit_": "prob", "nan_to_num_": "any", "zero_": "any",
                 "clamp_min_": "any", "clamp_max_": "any", "relu_": "nonzero", "acosh_": "acosh", "arccosh_": "acosh",
                 "asinh_": "any", "arcsinh_": "any", "atanh_": "unit", "arctanh_": "unit", "deg2rad_": "any",
                 "rad2deg_": "any", "sinc_": "any", "erfc_": "any", "sgn_": "any", "absolute_": "any",
                 "negative_": "any", "fix_": "any", "arcsin_": "unit", "arccos_": "unit", "arctan_": "any"}
for _name, _domain in INPLACE_UNARY.items():
    _args = {"clamp_min_": (0.1,), "clamp_max_": (0.1,)}.get(_name, ())
    register(_name, lambda lib, x, _n=_name, _a=_args: _inplace(_n)(lib, x, *_a),
             lambda draw, dt, _d=_domain: _one(draw, dt, _d), dtypes=FLOATS + (("int64",) if _name in (
                 "neg_", "abs_", "exp_", "zero_", "absolute_", "negative_") else ()), family=FAMILY)

for _name, _args in {"clamp_": ((), {"min": -0.5, "max": 0.5}), "clip_": ((), {"min": -0.5, "max": 0.5}),
                     "fill_": ((1.5,), {}), "masked_fill_": (("mask", 2.0), {}), "lerp_": (("t", 0.3), {}),
                     "addcmul_": (("t", "t"), {"value": 0.5}), "addcdiv_": (("t", "pos"), {"value": 0.5}),
                     "copy_": (("t",), {}), "tril_": ((0,), {}), "triu_": ((1,), {})}.items():
    def _sample(draw, dtype, _args=_args, _name=_name):
        shape = draw(shapes(min_dims=2 if _name in ("tril_", "triu_") else 0))
        x = tensor_arg(draw, shape, dtype)
        args = []
        for a in _args[0]:
            if a == "t":
                args.append(tensor_arg(draw, shape, dtype))
            elif a == "pos":
                args.append(tensor_arg(draw, shape, dtype, "positive"))
            elif a == "mask":
                args.append(tensor_arg(draw, shape, "bool", requires_grad=False))
            else:
                args.append(a)
        return [x] + args, _args[1]

    def _fn(lib, x, *args, _name=_name, **kw):
        y = x.clone()
        assert getattr(y, _name)(*args, **kw) is y
        return y
    register(_name, _fn, _sample, dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY)


for _name in ("logical_and_", "logical_or_", "logical_xor_"):
    register(_name, _inplace(_name), binary(other_dtypes=("bool", "int64")), dtypes=FLOATS + ("int64", "bool"),
             grad=None, family=FAMILY)


def _scan_inplace_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes()), dtype, "small")
    nd = max(x.array.ndim, 1)
    result_dtype = draw(st.sampled_from([None, None, dtype, "float64"]))  # torch refuses one not self's
    return [x, draw(st.integers(-nd, nd - 1))], {} if result_dtype is None else {"dtype": result_dtype}


def _scan_inplace(name):
    def fn(lib, x, d, dtype=None):
        return _inplace(name, **({} if dtype is None else {"dtype": getattr(lib, dtype)}))(lib, x, d)
    return fn


for _name in ("cumsum_", "cumprod_"):
    register(_name, _scan_inplace(_name), _scan_inplace_sample, dtypes=FLOATS + ("int64", "bool"), family=FAMILY)


def _float_power_sample(draw, dtype):
    shape = draw(shapes())
    x = tensor_arg(draw, shape, dtype, "positive")
    if draw(st.booleans()):
        return [x, draw(st.sampled_from([2, 0.5, -1.5]))], {}
    return [x, tensor_arg(draw, shape, draw(st.sampled_from(["float64", "float32"])), "small")], {}


register("float_power_", _inplace("float_power_"), _float_power_sample, dtypes=FLOATS, family=FAMILY)


def _fill_diagonal_sample(draw, dtype):
    if draw(st.booleans()):
        shape = (draw(st.integers(0, 9)), draw(st.integers(0, 5)))
    else:
        shape = (draw(st.integers(1, 3)),) * draw(st.integers(1, 4))  # all sides equal; 1-d refused
    return [tensor_arg(draw, shape, dtype), draw(st.sampled_from([2.5, -1, 0]))], {"wrap": draw(st.booleans())}


def _fill_diagonal(lib, x, v, wrap):
    """fill_diagonal_ on a row-major copy: it writes through the strides, and torch's clone of a transposed
    tensor keeps them where minitorch's is row-major (a README deviation), so a wrap can leave the storage."""
    y = x.clone(memory_format=lib.contiguous_format)
    assert y.fill_diagonal_(v, wrap=wrap) is y
    return y


register("fill_diagonal_", _fill_diagonal, _fill_diagonal_sample, dtypes=FLOATS + ("int64",), family=FAMILY)


# ---- in-place views: the tensor itself takes the view's sizes and strides ------------------------
def _dim_args(draw, nd, extra=0):
    return draw(st.integers(-max(nd, 1) - extra, max(nd, 1) - 1 + extra))


def _squeeze_inplace_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(max_side=2)), dtype)
    nd = x.array.ndim
    form = draw(st.sampled_from(["none", "dim", "dims"]))
    if form == "none":
        return [x], {}
    if form == "dim":
        return [x, _dim_args(draw, nd)], {}
    return [x, tuple(sorted({_dim_args(draw, nd) % max(nd, 1) for _ in range(draw(st.integers(1, 2)))}))], {}


def _unsqueeze_inplace_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes()), dtype)
    return [x, draw(st.integers(-x.array.ndim - 1, x.array.ndim))], {}


def _transpose_inplace_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes()), dtype)
    nd = x.array.ndim
    return [x, _dim_args(draw, nd), _dim_args(draw, nd)], {}


def _t_inplace_sample(draw, dtype):
    return [tensor_arg(draw, draw(shapes(max_dims=3)), dtype)], {}  # 3-d: torch's error


def _as_strided_inplace_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=1, min_side=1)), dtype)
    n = x.array.size
    offset = draw(st.integers(0, n - 1))
    stride = draw(st.integers(1, 2))
    size = draw(st.integers(0, (n - 1 - offset) // stride + 1))
    return [x, (size,), (stride,), offset], {}


for _name, _sampler in (("squeeze_", _squeeze_inplace_sample), ("unsqueeze_", _unsqueeze_inplace_sample),
                        ("transpose_", _transpose_inplace_sample), ("swapdims_", _transpose_inplace_sample),
                        ("swapaxes_", _transpose_inplace_sample), ("t_", _t_inplace_sample)):
    register(_name, lambda lib, x, *a, _n=_name: _inplace(_n)(lib, x, *a), _sampler, dtypes=FLOATS + ("int64",),
             family=FAMILY)
# as_strided_ reads the storage, so it starts from row-major memory: torch's clone keeps a transposed layout,
# minitorch's is row-major (the README's memory-format deviation)
register("as_strided_", lambda lib, x, *a: _inplace("as_strided_")(lib, x.contiguous(), *a),
         _as_strided_inplace_sample, dtypes=FLOATS + ("int64",), family=FAMILY)


def _index_inplace(name):
    def fn(lib, x, d, i, s):
        y = x.clone()
        return getattr(y, name)(d, i, s)
    return fn


def _scatter_add_sample(draw, dtype):
    from .indexing import _scatter_sample
    return _scatter_sample(draw, dtype)


def _index_add_sample(draw, dtype):
    from .indexing import _index_add_sample as s
    args, _ = s(draw, dtype)
    return args, {}


register("scatter_add_", _index_inplace("scatter_add_"), _scatter_add_sample, dtypes=FLOATS, grad=(0, 3),
         family=FAMILY)
register("index_add_", _index_inplace("index_add_"), _index_add_sample, dtypes=FLOATS, grad=(0, 3), family=FAMILY)


def _scatter_sample_(draw, dtype):
    from .indexing import _unique_scatter_sample
    return _unique_scatter_sample(draw, dtype)


register("scatter_", _index_inplace("scatter_"), _scatter_sample_, dtypes=FLOATS, grad=(0, 3), family=FAMILY)


# ---- resizing and out= -------------------------------------------------------------------------
def _resize_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes()), dtype, requires_grad=False)
    n = 1
    for s in x.array.shape:
        n *= s
    # shrinking (or keeping the count) keeps the first elements, which both define; growing reads
    # uninitialised memory, so only the new shape is comparable there
    shape = draw(shapes(max_dims=3).filter(lambda s: _prod(s) <= n))
    return [x, shape], {}


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _resize(lib, x, shape):
    """The new shapes, and the elements kept from x (those past x's count are uninitialised in torch).
    resize_ keeps elements in memory order, and torch's clone keeps a transposed layout where minitorch's
    is row-major (a deviation the README lists): the clones start from a contiguous x."""
    x = x.contiguous()
    y = x.clone()
    assert y.resize_(shape) is y
    z = x.clone()
    z.resize_as_(lib.empty(shape))
    kept = min(x.numel(), y.numel())
    return (y.reshape(-1)[:kept], z.reshape(-1)[:kept], lib.tensor(list(y.shape), dtype=lib.int64),
            lib.tensor(list(z.shape), dtype=lib.int64))


register("resize_", _resize, _resize_sample, dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)
register("resize_as_", _resize, _resize_sample, dtypes=("float32",), grad=None, family=FAMILY)


def _out_sample(draw, dtype):
    """A binary op's operands and an out tensor of any shape (resized when it differs) and of the same
    or another dtype (which must be castable from the result's)."""
    a, b = draw(broadcast_pair(mismatch=False))
    out_shape = draw(st.sampled_from([None, (0,), (3,)]))
    out_dtype = draw(st.sampled_from([dtype, "float64", "int64", "bool"]))
    return [tensor_arg(draw, a, dtype, requires_grad=False), tensor_arg(draw, b, dtype, requires_grad=False),
            out_shape, out_dtype], {}


def _with_out(name):
    def call(lib, a, b, out_shape, out_dtype):
        import warnings
        shape = tuple(lib.broadcast_shapes(a.shape, b.shape)) if out_shape is None else out_shape
        out = lib.zeros(shape, dtype=getattr(lib, out_dtype))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the resize warning
            r = getattr(lib, name)(a, b, out=out)
        assert r is out
        return out
    return call


for _name in ("add", "mul", "maximum", "atan2", "eq"):
    register(f"{_name}(out)", _with_out(_name), _out_sample, dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)


def _factory_out_sample(draw, dtype):
    return [draw(shapes(max_dims=3)), draw(st.sampled_from([(0,), (2, 2)])), dtype], {}


def _factory_out(lib, shape, out_shape, dtype):
    out = lib.empty(out_shape, dtype=getattr(lib, dtype))
    assert lib.zeros(shape, out=out) is out
    full = lib.full(shape, 7, out=lib.empty(0, dtype=getattr(lib, dtype)))
    return out, full, lib.arange(5, out=lib.empty(0, dtype=getattr(lib, dtype)))


register("zeros(out)", _factory_out, _factory_out_sample, dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)

for _name in ("lgamma_", "digamma_"):  # away from the poles, where torch's float32 series give arbitrary values
    register(_name, _inplace(_name), lambda draw, dt: ([tensor_arg(draw, draw(shapes()), dt, "positive")], {}),
             dtypes=FLOATS, family=FAMILY, rtol=1e-5, atol=1e-5, reason="log Γ and ψ by series")
register("polygamma_", lambda lib, x, n: _inplace("polygamma_")(lib, x, n),
         lambda draw, dt: ([tensor_arg(draw, draw(shapes()), dt, "positive"), draw(st.integers(0, 3))], {}),
         dtypes=FLOATS, family=FAMILY, rtol=1e-5, atol=1e-5, reason="ψ⁽ⁿ⁾ by series")
