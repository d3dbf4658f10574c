"""Parity specs for factories and random streams (minitorch.ops.creation, minitorch.random).

Random ops are compared exactly (rtol = atol = 0): after the same seed they must give
torch's CPU values bit for bit.
"""
import numpy as np
from hypothesis import strategies as st

from ..registry import CPU_LAYOUT, FLOATS, TORCH_CPU_STREAM, Arg, register
from ..strategies import shapes, tensor_arg

FAMILY = "creation"
EXACT = dict(rtol=0.0, atol=0.0, reason="torch's CPU generator reproduced bit for bit")


def _lib_dtype(lib, name):
    return None if name is None else getattr(lib, name)


def _size_sample(draw, dtype):
    return [draw(shapes(max_dims=3, max_side=6))], {"dtype": draw(st.sampled_from([None, dtype]))}


def _factory(name):
    return lambda lib, size, dtype=None: getattr(lib, name)(size, dtype=_lib_dtype(lib, dtype))


for _name in ("zeros", "ones"):
    register(_name, _factory(_name), _size_sample, dtypes=FLOATS + ("int64", "bool", "uint8"), grad=None,
             family=FAMILY)
register("empty", lambda lib, size, dtype=None: lib.empty(size, dtype=_lib_dtype(lib, dtype)).shape,
         _size_sample, dtypes=FLOATS, grad=None, family=FAMILY)


def _full_sample(draw, dtype):
    return [draw(shapes(max_dims=3)), draw(st.sampled_from([1.5, 2, True, -3]))], \
        {"dtype": draw(st.sampled_from([None, dtype]))}


register("full", lambda lib, s, v, dtype=None: lib.full(s, v, dtype=_lib_dtype(lib, dtype)), _full_sample,
         dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)


def _like_sample(draw, dtype):
    return [tensor_arg(draw, draw(shapes()), dtype)], {}


for _name in ("zeros_like", "ones_like"):
    register(_name, lambda lib, x, _n=_name: getattr(lib, _n)(x), _like_sample,
             dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)
register("empty_like", lambda lib, x: lib.empty_like(x).shape, _like_sample, dtypes=FLOATS, grad=None,
         family=FAMILY)
register("full_like", lambda lib, x: lib.full_like(x, 7), _like_sample, dtypes=FLOATS + ("int64", "bool"),
         grad=None, family=FAMILY)


def _arange_sample(draw, dtype):
    kind = draw(st.sampled_from(["end", "start_end", "step", "float", "neg"]))
    args = {"end": [draw(st.integers(0, 20))], "start_end": [draw(st.integers(-5, 5)), draw(st.integers(-5, 15))],
            "step": [0, draw(st.integers(1, 20)), draw(st.integers(1, 4))],
            "float": [draw(st.sampled_from([0.0, -1.5, 0.1])), draw(st.sampled_from([1.0, 3.3, 2, 0.0])),
                      draw(st.sampled_from([0.1, 0.25, 0.3]))],
            "neg": [5, 0, -1]}[kind]
    return args, {"dtype": draw(st.sampled_from([None, None, dtype]))}


register("arange", lambda lib, *a, dtype=None: lib.arange(*a, dtype=_lib_dtype(lib, dtype)), _arange_sample,
         dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)
register("range", lambda lib, *a, dtype=None: lib.range(*a, dtype=_lib_dtype(lib, dtype)),
         lambda draw, dt: ([0, draw(st.integers(0, 9)), 1], {"dtype": draw(st.sampled_from([None, dt]))}),
         dtypes=FLOATS, grad=None, family=FAMILY)


def _linspace_sample(draw, dtype):
    return [draw(st.sampled_from([0, -1.5, 3, 0.1])), draw(st.sampled_from([1, 10, -2.5, 0.7])),
            draw(st.integers(0, 30))], {"dtype": draw(st.sampled_from([None, dtype]))}


register("linspace", lambda lib, a, b, n, dtype=None: lib.linspace(a, b, n, dtype=_lib_dtype(lib, dtype)),
         _linspace_sample, dtypes=FLOATS, grad=None, family=FAMILY)
register("logspace", lambda lib, a, b, n, dtype=None: lib.logspace(a, b, n, dtype=_lib_dtype(lib, dtype)),
         _linspace_sample, dtypes=("float64",), grad=None, family=FAMILY, rtol=1e-6,
         reason="power computed in float64 then rounded")
register("eye", lambda lib, n, m=None, dtype=None: lib.eye(n, dtype=_lib_dtype(lib, dtype)) if m is None else
         lib.eye(n, m, dtype=_lib_dtype(lib, dtype)),
         lambda draw, dt: ([draw(st.integers(0, 5)), draw(st.sampled_from([None, 0, 3, 6]))],
                           {"dtype": draw(st.sampled_from([None, dt]))}),
         dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)


def _tensor_data(draw, dtype):
    kind = draw(st.sampled_from(["floats", "ints", "bools", "mixed", "nested", "scalar", "numpy", "empty"]))
    data = {"floats": [1.5, -2.0, 3.25], "ints": [1, 2, -3], "bools": [True, False], "mixed": [1, 2.5, True],
            "nested": [[1, 2], [3, 4]], "scalar": draw(st.sampled_from([3, 2.5, True])),
            "numpy": np.arange(6, dtype=np.float64).reshape(2, 3), "empty": []}[kind]
    return [data], {"dtype": draw(st.sampled_from([None, None, dtype]))}


register("tensor", lambda lib, d, dtype=None: lib.tensor(d, dtype=_lib_dtype(lib, dtype)), _tensor_data,
         dtypes=FLOATS + ("int64", "bool"), grad=None, family=FAMILY)
register("as_tensor", lambda lib, d, dtype=None: lib.as_tensor(d, dtype=_lib_dtype(lib, dtype)), _tensor_data,
         dtypes=FLOATS + ("int64",), grad=None, family=FAMILY)
register("asarray", lambda lib, d, dtype=None: lib.asarray(d, dtype=_lib_dtype(lib, dtype)), _tensor_data,
         dtypes=FLOATS, grad=None, family=FAMILY)
register("scalar_tensor", lambda lib, v, dtype=None: lib.scalar_tensor(v, dtype=_lib_dtype(lib, dtype)),
         lambda draw, dt: ([draw(st.sampled_from([1.5, 3, -2]))], {"dtype": draw(st.sampled_from([None, dt]))}),
         dtypes=FLOATS, grad=None, family=FAMILY)
register("from_numpy", lambda lib, a: lib.from_numpy(np.array(a)),
         lambda draw, dt: ([np.random.default_rng(draw(st.integers(0, 9))).random(draw(shapes())).astype(dt)], {}),
         dtypes=FLOATS + ("float16", "int64", "int32", "uint8", "bool"), grad=None, family=FAMILY, cpu_only=CPU_LAYOUT)


# ---- random streams: exact -----------------------------------------------------------------

def _seeded(fn):
    def call(lib, seed, *args, **kw):
        lib.manual_seed(seed)
        return fn(lib, *args, **kw)
    return call


def _seed(draw):
    return draw(st.sampled_from([0, 1, 42, 2**31 + 5, draw(st.integers(0, 2**32 - 1))]))


def _random_size(draw, dtype):
    size = draw(shapes(max_dims=3, max_side=9))
    return [_seed(draw), size], {"dtype": dtype}


register("rand", _seeded(lambda lib, s, dtype: lib.rand(s, dtype=getattr(lib, dtype))), _random_size,
         dtypes=FLOATS, grad=None, family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)
register("randn", _seeded(lambda lib, s, dtype: lib.randn(s, dtype=getattr(lib, dtype))), _random_size,
         dtypes=FLOATS, grad=None, family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)


def _randn_twice(lib, s, dtype):
    return lib.randn(s, dtype=getattr(lib, dtype)), lib.randn(3, dtype=getattr(lib, dtype))


register("randn_sequence", _seeded(_randn_twice), _random_size, dtypes=FLOATS, grad=None, family=FAMILY,
         **EXACT, cpu_only=TORCH_CPU_STREAM)
register("rand_like", _seeded(lambda lib, x: lib.rand_like(x)),
         lambda draw, dt: ([_seed(draw), tensor_arg(draw, draw(shapes()), dt)], {}), dtypes=FLOATS, grad=None,
         family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)
register("randn_like", _seeded(lambda lib, x: lib.randn_like(x)),
         lambda draw, dt: ([_seed(draw), tensor_arg(draw, draw(shapes(max_side=9)), dt)], {}), dtypes=FLOATS,
         grad=None, family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)


def _randint_sample(draw, dtype):
    low = draw(st.sampled_from([0, -5, 3]))
    high = low + draw(st.sampled_from([1, 2, 10, 1000, 2**33]))
    return [_seed(draw), low, high, draw(shapes(max_dims=3, max_side=6))], {}


register("randint", _seeded(lambda lib, lo, hi, s: lib.randint(lo, hi, s)), _randint_sample,
         dtypes=("int64",), grad=None, family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)
register("randint_like", _seeded(lambda lib, lo, hi, s: lib.randint_like(lib.zeros(s, dtype=lib.int64), lo, hi)), _randint_sample,
         dtypes=("int64",), grad=None, family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)
register("randperm", _seeded(lambda lib, n: lib.randperm(n)),
         lambda draw, dt: ([_seed(draw), draw(st.integers(0, 60))], {}), dtypes=("int64",), grad=None,
         family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)


def _normal_sample(draw, dtype):
    kind = draw(st.sampled_from(["scalars", "tensors", "mean_tensor"]))
    if kind == "scalars":
        return [_seed(draw), draw(st.sampled_from([0.0, 1.5])), draw(st.sampled_from([1.0, 0.3])),
                draw(shapes(max_dims=2, max_side=9))], {}
    mean = tensor_arg(draw, draw(shapes(max_dims=2, max_side=9)), dtype, requires_grad=False)
    std = tensor_arg(draw, mean.array.shape, dtype, "positive", requires_grad=False) if kind == "tensors" else 1.0
    return [_seed(draw), mean, std], {}


register("normal", _seeded(lambda lib, m, s, *size: lib.normal(m, s, *size)), _normal_sample, dtypes=FLOATS,
         grad=None, family=FAMILY, rtol=1e-6, atol=1e-6, cpu_only=TORCH_CPU_STREAM,
         reason="scaling by std/mean: torch fuses the multiply-add in float32 on some paths")


def _inplace_random(name, *args):
    def fn(lib, shape, dtype):
        return getattr(lib.empty(shape, dtype=getattr(lib, dtype)), name)(*args)
    return fn


for _name, _args, _tol in [("uniform_", (), EXACT), ("uniform_", (-2.0, 3.0), EXACT), ("normal_", (), EXACT),
                           ("normal_", (1.0, 0.5), dict(rtol=1e-6, atol=1e-6, reason="fused multiply-add")),
                           ("bernoulli_", (0.3,), EXACT), ("bernoulli_", (), EXACT)]:
    register(f"{_name}({','.join(map(str, _args))})", _seeded(_inplace_random(_name, *_args)), _random_size,
             dtypes=FLOATS, grad=None, family=FAMILY, cpu_only=TORCH_CPU_STREAM, **_tol)


def _bernoulli_sample(draw, dtype):
    return [_seed(draw), tensor_arg(draw, draw(shapes(max_side=9)), dtype, "prob", requires_grad=False)], {}


register("bernoulli", _seeded(lambda lib, p: lib.bernoulli(p)), _bernoulli_sample, dtypes=FLOATS, grad=None,
         family=FAMILY, **EXACT, cpu_only=TORCH_CPU_STREAM)
register("manual_seed_state", lambda lib, seed: (lib.manual_seed(seed), lib.initial_seed())[1],
         lambda draw, dt: ([_seed(draw)], {}), dtypes=("int64",), grad=None, family=FAMILY)


def _triangle_indices_sample(draw, dtype):
    return [draw(st.integers(0, 6)), draw(st.integers(0, 6)), draw(st.integers(-7, 7))], \
        {"dtype": draw(st.sampled_from([None, dtype]))}


for _name in ("tril_indices", "triu_indices"):
    register(_name, lambda lib, r, c, o, dtype=None, _n=_name: getattr(lib, _n)(r, c, o, dtype=_lib_dtype(lib, dtype)),
             _triangle_indices_sample, dtypes=("int64", "int32", "float32"), grad=None, family=FAMILY)


def _unravel_sample(draw, dtype):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    size = int(np.prod(shape))
    flat = draw(st.lists(st.integers(0, size - 1), min_size=0, max_size=6))
    return [Arg(np.asarray(flat, dtype=dtype), "contiguous", False),
            draw(st.sampled_from([shape, list(shape)])) if len(shape) > 1 or draw(st.booleans()) else shape[0]], {}


register("unravel_index", lambda lib, i, s: lib.unravel_index(i, s), _unravel_sample,
         dtypes=("int64", "int32", "float32"), grad=None, family=FAMILY)
