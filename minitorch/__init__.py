"""minitorch: a from-scratch tensor and autograd library that follows PyTorch.

`import minitorch as torch` runs course code unchanged: the names, signatures, dtype
rules, printing and errors are torch's. Arrays live in NumPy (CPU) or CuPy (CUDA).
"""
from __future__ import annotations

import inspect as _inspect

from . import autograd, backends, cuda, dtypes
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from .device import device, get_default_device, set_default_device
from .dtypes import (bool_ as bool, can_cast, dtype, finfo, float16, float32, float64, get_default_dtype,
                     iinfo, int8, int16, int32, int64, promote_types, set_default_dtype, uint8)
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor
from . import ops
from ._tensor_str import set_printoptions
from .ops.convert import clone
from .ops.creation import (arange, as_tensor, asarray, bernoulli, diag, empty, empty_like, eye, from_numpy,
                           full, full_like, linspace, logspace, multinomial, normal, ones, ones_like, rand,
                           rand_like, randint, randint_like, randn, randn_like, randperm, scalar_tensor,
                           tensor, zeros, zeros_like)
from .ops.creation import range  # noqa: A004  (torch.range, deprecated but present)
from .ops.indexing import (argsort, argwhere, bincount, gather, index_add, index_select, kthvalue,
                           masked_select, msort, nonzero, scatter, scatter_add, select, sort,
                           take, take_along_dim, topk, unique)
from .ops.linalg import bmm, dot, ger, inner, matmul, mm, mv, outer, tensordot, vdot
from .ops.einsum import einsum
from .ops.linalg_products import addbmm, addmm, addmv, addr, baddbmm, cdist, cross, trace
from .ops.trilinear import _trilinear
from .ops.matrix_functions import diag_embed, diagonal
from .ops.pointwise import (abs, absolute, acos, add, addcdiv, addcmul, allclose, arccos, arcsin, arctan,
                            arctan2, asin, atan, atan2, bitwise_and, bitwise_not, bitwise_or, bitwise_xor,
                            ceil, clamp, clamp_max, clamp_min, clip, cos, cosh, div, divide, eq, equal, erf, erfinv,
                            exp, exp2, expm1, fix, float_power, floor, floor_divide, fmax, fmin, fmod, frac,
                            ge, greater, greater_equal, gt, isclose, isfinite, isinf, isnan, isneginf,
                            isposinf, le, lerp, less, less_equal, log, log1p, log2, log10, logical_and,
                            logical_not, logical_or, logical_xor, logit, lt, masked_fill, maximum, minimum,
                            mul, multiply, nan_to_num, ne, neg, negative, not_equal, pow, reciprocal,
                            remainder, round, rsqrt, rsub, sigmoid, sign, signbit, sin, sinh, sqrt, square,
                            sub, subtract, tan, tanh, true_divide, trunc, where, xlogy, acosh, asinh, atanh,
                            arccosh, arcsinh, arctanh, deg2rad, rad2deg, sinc, erfc, lgamma, digamma, polygamma,
                            sgn, positive)
from .ops.reduction import (all, amax, amin, any, argmax, argmin, count_nonzero, cumprod, cumsum, logsumexp,
                            max, mean, median, min, nanmean, nansum, norm, prod, std, std_mean, sum, var,
                            var_mean)
from .ops.shape import (atleast_1d, atleast_2d, broadcast_shapes, broadcast_tensors, broadcast_to, cat, chunk,
                        column_stack, concat, concatenate, dstack, expand_copy, flatten, flip, fliplr, flipud,
                        hstack, moveaxis, movedim, narrow, permute, repeat_interleave, reshape, roll,
                        row_stack, split, squeeze, stack, swapaxes, swapdims, t, tensor_split, tile,
                        transpose, tril, triu, unbind, unflatten, unsafe_chunk, unsafe_split,
                        unsafe_split_with_sizes, unsqueeze, vstack)
from .dtypes import float16 as half, float32 as float, float64 as double, int16 as short, int32 as int, \
    int64 as long
from .ops.convert import result_type
from .ops.view_copies import (alias_copy, as_strided_copy, diagonal_copy, narrow_copy, permute_copy, select_copy,
                              slice_copy, split_copy, split_with_sizes_copy, squeeze_copy, t_copy, transpose_copy,
                              unbind_copy, unfold_copy, unsqueeze_copy, view_copy)

from .formats import channels_last, channels_last_3d, contiguous_format, layout, memory_format, preserve_format, strided
from .version import as_local as _as_local, torch_api_version as _torch_api  # noqa: E402
__version__ = _as_local(_torch_api)  # torch's API level, minitorch's own version as the local label

# the math constants torch re-exports, and None as torch.newaxis for indexing
import math as _math  # noqa: E402
pi, e, inf, nan, newaxis = _math.pi, _math.e, _math.inf, _math.nan, None


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


def _legacy_type(name, dt):
    """minitorch.FloatTensor & co: usable in `.type(...)` and as constructors."""
    def __new__(cls, *args):
        if len(args) == 1 and not isinstance(args[0], type(1)):
            return tensor(args[0], dtype=dt)
        return empty(*args, dtype=dt)
    return type(name, (), {"__new__": __new__, "_legacy_dtype": dt,
                           "__doc__": f"Legacy constructor for {dt!r} tensors."})


FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor = (
    _legacy_type(f"{dt.word}Tensor", dt) for dt in (float32, float64, float16, int64, int32, int16, int8, uint8, bool))


_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record torch's deterministic-algorithms flag. On the CPU every minitorch algorithm gives the same
    result on every run (thread splits combine their parts in a fixed order), so none refuses; the
    CUDA kernels that add with atomics (embedding backward, scatter_add) do not consult it."""
    if type(mode) is not type(True) or type(warn_only) is not type(True):  # `bool` here is the dtype
        raise TypeError("use_deterministic_algorithms(): argument 'mode' must be bool")
    _deterministic.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic["warn_only"]


from .backends.numpy_backend import get_num_threads, set_num_threads  # noqa: E402

from .ops.activation import log_softmax, relu, softmax  # noqa: E402
from .ops.arguments import checked as _checked  # noqa: E402
from .ops.out import with_out as _with_out  # noqa: E402

# A tensor parameter given anything else raises torch's TypeError, naming it.
_public_ops = [n for n, f in globals().items() if not n.startswith("_") and _inspect.isfunction(f)
               and f.__module__.startswith("minitorch.ops")]
# torch's functions written in Python (torch.functional) take no NumPy-named keywords (axis=, ...)
_PYTHON_IN_TORCH = {"atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors", "einsum",
                    "norm", "split", "tensordot", "unique"}
for _name in _public_ops + ["is_floating_point", "numel"]:
    globals()[_name] = _checked(globals()[_name], aliases=_name not in _PYTHON_IN_TORCH)

# The torch functions that take out= (their Tensor methods do not). Factories take out's dtype and device.
for _name in """abs absolute acos add addcdiv addcmul all amax amin any arccos arcsin arctan arctan2 argmax argmin
        argsort asin atan atan2 bernoulli bitwise_and bitwise_not bitwise_or bitwise_xor bmm cat ceil clamp
        clamp_max clamp_min clip column_stack concat concatenate cos cosh cumprod cumsum diag div divide dot dstack
        eq erf erfinv exp exp2 expand_copy expm1 fix float_power floor floor_divide fmax fmin fmod frac gather ge
        ger greater greater_equal gt hstack index_add index_select inner isneginf isposinf kthvalue le lerp less
        less_equal log log10 log1p log2 log_softmax logical_and logical_not logical_or logical_xor logit logsumexp
        lt masked_select matmul max maximum mean median min minimum mm msort mul multinomial multiply mv
        nan_to_num nanmean nansum ne neg negative nonzero not_equal outer pow prod reciprocal remainder round
        row_stack rsqrt scatter scatter_add sigmoid sign signbit sin sinh softmax sort sqrt square stack std sub
        subtract sum take take_along_dim tan tanh topk tril triu true_divide trunc var vstack where
        xlogy addmm addmv addr baddbmm addbmm vdot cross acosh asinh atanh arccosh arcsinh arctanh deg2rad rad2deg
        sinc erfc lgamma digamma polygamma sgn alias_copy as_strided_copy diagonal_copy narrow_copy permute_copy
        select_copy slice_copy split_copy split_with_sizes_copy squeeze_copy t_copy transpose_copy unbind_copy
        unfold_copy unsqueeze_copy view_copy""".split():
    globals()[_name] = _with_out(globals()[_name])
for _name in "arange empty eye full linspace logspace normal ones rand randint randn randperm range zeros".split():
    globals()[_name] = _with_out(globals()[_name], factory=True)
from . import _C, distributed, func, hub, jit, nn, optim, utils, vision  # noqa: E402
from .utils.graphed_callables import make_graphed_callables as _make_graphed_callables  # noqa: E402
cuda.make_graphed_callables = _make_graphed_callables  # torch.cuda's name; it builds on autograd, above cuda
from . import distributions, linalg, special  # noqa: E402
from .linalg import chain_matmul, cholesky_inverse, cholesky_solve, logdet, lu_unpack, pinverse  # noqa: E402
from .linalg import triangular_solve  # noqa: E402
from .linalg import torch_det as det, torch_inverse as inverse, torch_matrix_exp as matrix_exp  # noqa: E402
from .linalg import torch_matrix_power as matrix_power, torch_slogdet as slogdet  # noqa: E402
from .linalg import cholesky_legacy as cholesky, lu_solve_legacy as lu_solve, qr_legacy as qr  # noqa: E402
from .linalg import svd_legacy as svd  # noqa: E402
from .linalg import lu_legacy as lu  # noqa: E402
from .lowrank import pca_lowrank, svd_lowrank  # noqa: E402
from .ops.linalg_methods import install as _install_linalg_methods  # noqa: E402

_install_linalg_methods(globals())
from .ops import family as _family, float_binary as _float_binary  # noqa: E402

_FLOAT_BINARY = "copysign hypot logaddexp logaddexp2 ldexp nextafter heaviside frexp"
_family.install(globals(), _float_binary, functions=_FLOAT_BINARY, methods=_FLOAT_BINARY,
                in_place="copysign hypot ldexp nextafter", with_out_names=_FLOAT_BINARY)
Tensor.heaviside_ = _checked(_float_binary.heaviside_, method=True)
from .ops import arrange as _arrange, numerical as _numerical, scatter_ops as _scatter_ops  # noqa: E402
from .ops import statistics as _statistics, strided as _strided  # noqa: E402

_family.install(globals(), _arrange,
                functions="""rot90 ravel atleast_3d hsplit vsplit dsplit split_with_sizes diagflat block_diag cartesian_prod
                combinations meshgrid kron isin unique_consecutive""",
                methods="rot90 ravel hsplit vsplit dsplit split_with_sizes diagflat kron unique_consecutive",
                with_out_names="kron isin")
_family.install(globals(), _scatter_ops,
                functions="""index_put index_fill index_copy index_reduce put masked_scatter scatter_reduce select_scatter
                slice_scatter diagonal_scatter as_strided_scatter fill""",
                methods="""index_put index_fill index_copy index_reduce put masked_scatter scatter_reduce select_scatter
                slice_scatter diagonal_scatter as_strided_scatter""",
                in_place="index_put index_fill index_copy index_reduce put masked_scatter scatter_reduce", elementwise=False,
                with_out_names="index_copy index_reduce scatter_reduce slice_scatter")
from .ops import special_functions as _special_functions  # noqa: E402

_family.install(globals(), _special_functions, functions="i0 igamma igammac mvlgamma",
                methods="i0 igamma igammac mvlgamma", in_place="i0 igamma igammac mvlgamma",
                with_out_names="i0 igamma igammac mvlgamma")
_family.install(globals(), _strided, functions="as_strided empty_strided", methods="as_strided unfold new_empty_strided")
from .ops import index_builders as _index_builders, integer_bits as _integer_bits  # noqa: E402
from .ops import real_parts as _real_parts  # noqa: E402

_INTEGER_BITS = "bitwise_left_shift bitwise_right_shift gcd lcm"
_family.install(globals(), _integer_bits, functions=_INTEGER_BITS, methods=_INTEGER_BITS, in_place=_INTEGER_BITS,
                with_out_names=_INTEGER_BITS)
for _dunder, _name in (("lshift", "bitwise_left_shift"), ("rshift", "bitwise_right_shift")):
    setattr(Tensor, f"__{_dunder}__", ops._operator_result(getattr(_integer_bits, _name)))
    setattr(Tensor, f"__r{_dunder}__", ops._operator_result(ops._reflected(getattr(_integer_bits, _name))))
    setattr(Tensor, f"__i{_dunder}__", ops._operator_result(getattr(Tensor, _name + "_")))
_family.install(globals(), _real_parts,
                functions="real conj conj_physical conj_physical_ resolve_conj resolve_neg is_conj is_neg isreal angle",
                methods="conj conj_physical conj_physical_ resolve_conj resolve_neg is_conj is_neg isreal angle",
                with_out_names="conj_physical angle")
_family.install(globals(), _index_builders, functions="tril_indices triu_indices unravel_index")
from .ops import householder as _householder, windows as _windows  # noqa: E402

_family.install(globals(), _householder, functions="geqrf orgqr ormqr", methods="geqrf orgqr ormqr",
                with_out_names="geqrf orgqr ormqr")

_family.install(globals(), _windows, functions="bartlett_window blackman_window hamming_window hann_window kaiser_window")
from . import signal  # noqa: E402
from .ops import lower_forms as _lower_forms  # noqa: E402

_family.install(globals(), _lower_forms, functions="""constant_pad_nd nonzero_static empty_permuted grid_sampler
                grid_sampler_2d grid_sampler_3d""", with_out_names="nonzero_static")
from .nn.native_norms import native_batch_norm, native_group_norm, native_layer_norm  # noqa: E402

native_batch_norm = _with_out(_checked(native_batch_norm))


def fill_(input: Tensor, value) -> Tensor:
    """torch.fill_: every element of input set to value, in place."""
    return input.fill_(value)


def zero_(input: Tensor) -> Tensor:
    """torch.zero_: input set to zeros, in place."""
    return input.zero_()


fill_, zero_ = _checked(fill_), _checked(zero_)

_family.install(globals(), _statistics,
                functions="nanmedian mode aminmax cummax cummin logcumsumexp quantile nanquantile",
                methods="nanmedian mode aminmax cummax cummin logcumsumexp quantile nanquantile",
                with_out_names="nanmedian mode aminmax cummax cummin logcumsumexp quantile nanquantile")
_family.install(globals(), _numerical,
                functions="""diff gradient trapezoid trapz cumulative_trapezoid cov corrcoef dist renorm histc histogram
                bucketize searchsorted histogramdd""",
                methods="diff cov corrcoef dist renorm histc histogram", in_place="renorm", elementwise=False,
                with_out_names="diff renorm histc histogram bucketize searchsorted")
from .serialization import load, save  # noqa: E402
from . import profiler  # noqa: E402
from .torch_alias import as_torch  # noqa: E402
from .autograd.tracer import trace_from_environment as _trace_from_environment  # noqa: E402

_trace_from_environment()  # MINITORCH_DEBUG=1..3 traces every op to stderr
