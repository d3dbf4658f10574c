"""Parity specs for 1-d and 3-d convolution and pooling, unpooling, shuffles, pdist, the newer normalisations,
alpha dropout and embedding_bag (nn.functional)."""
import numpy as np
from hypothesis import strategies as st

from ..registry import Arg, FLOATS, TORCH_CPU_STREAM, register
from ..strategies import shapes, tensor_arg
from .spatial import SUMS, _conv_sample, _image, _volume

FAMILY = "nn"
F = "nn.functional."


def _F(name, **fixed):
    return lambda lib, *a, **k: getattr(lib.nn.functional, name)(*a, **fixed, **k)


# ---- convolution ---------------------------------------------------------------------------------------

def _conv3d_sample(draw, dtype, transposed=False):
    groups = draw(st.sampled_from([1, 1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 2)) for _ in range(3))
    n = draw(st.integers(1, 2))
    x = tensor_arg(draw, (n, cin) + tuple(draw(st.integers(2, 4)) for _ in range(3)), dtype)
    weight_shape = (cin, cout // groups) + k if transposed else (cout, cin // groups) + k
    args = [x, tensor_arg(draw, weight_shape, dtype), tensor_arg(draw, (cout,), dtype) if draw(st.booleans()) else None]
    stride = draw(st.sampled_from([1, 2, (1, 2, 1)]))
    kw = {"stride": stride, "dilation": draw(st.sampled_from([1, 1, 2])), "groups": groups}
    if transposed:
        kw["padding"] = draw(st.sampled_from([0, 1]))
        if draw(st.booleans()):
            kw["output_padding"] = 1
    else:
        kw["padding"] = draw(st.sampled_from([0, 1, (1, 0, 0), "valid"] + (["same"] if stride == 1 else [])))
    return args, kw


def _conv_transpose1d_sample(draw, dtype):
    (x, w, b), kw = _conv_sample(draw, dtype, transposed=True)
    x.array, w.array = x.array[:, :, 0], w.array[:, :, 0]
    return [x, w, b], {k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}


register(F + "conv3d", _F("conv3d"), _conv3d_sample, grad=(0, 1, 2), family=FAMILY, **SUMS)
register(F + "conv_transpose3d", _F("conv_transpose3d"), lambda draw, dt: _conv3d_sample(draw, dt, transposed=True),
         grad=(0, 1, 2), family=FAMILY, **SUMS)
register(F + "conv_transpose1d", _F("conv_transpose1d"), _conv_transpose1d_sample, grad=(0, 1, 2), family=FAMILY,
         **SUMS)


# ---- pooling ---------------------------------------------------------------------------------------------

def _sequence(draw, dtype, min_len=3):
    return tensor_arg(draw, (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(min_len, 8))), dtype)


def _pool1d_sample(draw, dtype, dilation=True):
    k = draw(st.sampled_from([1, 2, 3]))
    kw = {"kernel_size": k, "stride": draw(st.sampled_from([None, 1, 2])), "padding": draw(st.integers(0, k // 2)),
          "ceil_mode": draw(st.booleans())}
    if dilation:
        kw["dilation"] = draw(st.sampled_from([1, 2]))
    return [_sequence(draw, dtype)], kw


def _pool3d_sample(draw, dtype, dilation=True):
    k = draw(st.sampled_from([1, 2, (2, 1, 2)]))
    kmin = min(k) if isinstance(k, tuple) else k
    kw = {"kernel_size": k, "stride": draw(st.sampled_from([None, 1, 2])), "padding": draw(st.integers(0, kmin // 2)),
          "ceil_mode": draw(st.booleans())}
    if dilation:
        kw["dilation"] = draw(st.sampled_from([1, 2]))
    x = tensor_arg(draw, (draw(st.integers(1, 2)), 2) + tuple(draw(st.integers(2, 4)) for _ in range(3)), dtype)
    return [x], kw


def _with_counting(sample):
    def counted(draw, dtype):
        args, kw = sample(draw, dtype, dilation=False)
        kw["count_include_pad"] = draw(st.booleans())
        return args, kw
    return counted


MAX_POOL_DTYPES = FLOATS + ("int64", "uint8", "bool")  # torch's max pools run on every dtype but bool
register(F + "max_pool1d", _F("max_pool1d", return_indices=True), _pool1d_sample, family=FAMILY,
         dtypes=MAX_POOL_DTYPES, compare_indices=False)
register(F + "max_pool1d_with_indices", _F("max_pool1d_with_indices"), _pool1d_sample, family=FAMILY,
         dtypes=MAX_POOL_DTYPES, compare_indices=False)
register(F + "max_pool2d_with_indices", _F("max_pool2d_with_indices"),
         lambda draw, dt: ([_image(draw, dt, min_side=3)], {"kernel_size": draw(st.sampled_from([2, 3]))}),
         family=FAMILY, dtypes=MAX_POOL_DTYPES, compare_indices=False)
register(F + "max_pool3d", _F("max_pool3d", return_indices=True), _pool3d_sample, family=FAMILY,
         dtypes=MAX_POOL_DTYPES, compare_indices=False)
register(F + "max_pool3d_with_indices", _F("max_pool3d_with_indices"), _pool3d_sample, family=FAMILY,
         dtypes=MAX_POOL_DTYPES, compare_indices=False)
register(F + "avg_pool1d", _F("avg_pool1d"), _with_counting(_pool1d_sample), family=FAMILY, **SUMS)


def _avg3d_sample(draw, dtype):
    args, kw = _with_counting(_pool3d_sample)(draw, dtype)
    if draw(st.integers(0, 3)) == 0:
        kw["divisor_override"] = draw(st.integers(1, 5))
    return args, kw


register(F + "avg_pool3d", _F("avg_pool3d"), _avg3d_sample, family=FAMILY, **SUMS)


def _adaptive_sample(n):
    def sample(draw, dtype):
        x = _sequence(draw, dtype, 1) if n == 1 else _volume(draw, dtype)
        size = draw(st.sampled_from([1, 2, 3] + ([(2, None, 1), (1, 2, 3)] if n == 3 else [])))
        return [x], {"output_size": size}
    return sample


for _n in (1, 3):
    register(F + f"adaptive_max_pool{_n}d", _F(f"adaptive_max_pool{_n}d", return_indices=True), _adaptive_sample(_n),
             family=FAMILY, compare_indices=False)
for _n in (1, 2, 3):
    register(F + f"adaptive_max_pool{_n}d_with_indices", _F(f"adaptive_max_pool{_n}d_with_indices"),
             _adaptive_sample(_n) if _n != 2 else (lambda draw, dt: ([_image(draw, dt)], {"output_size": 2})),
             family=FAMILY, compare_indices=False)


def _lp_sample(n):
    def sample(draw, dtype):
        x = {1: _sequence(draw, dtype), 2: _image(draw, dtype, min_side=2), 3: _volume(draw, dtype)}[n]
        x.array = np.abs(x.array) + 0.1  # a power of a negative base: NaN for a fractional p, in both
        k = draw(st.sampled_from([1, 2]))
        return [x], {"norm_type": draw(st.sampled_from([1.0, 2.0, 3.0, 1.5])), "kernel_size": k,
                     "stride": draw(st.sampled_from([None, 1])), "ceil_mode": draw(st.booleans())}
    return sample


for _n in (1, 2, 3):
    register(F + f"lp_pool{_n}d", _F(f"lp_pool{_n}d"), _lp_sample(_n), family=FAMILY, rtol=1e-5, atol=1e-5,
             reason="the root of a window sum accumulated in a different order than torch's")


def _unpool(n):
    """max_unpool of max_pool's output and indices: each maximum back at its place."""
    def fn(lib, x, k, **kw):
        values, indices = getattr(lib.nn.functional, f"max_pool{n}d")(x, k, return_indices=True)
        return getattr(lib.nn.functional, f"max_unpool{n}d")(values, indices, k, **kw)
    return fn


def _unpool_sample(n):
    def sample(draw, dtype):
        x = {1: _sequence(draw, dtype, 4), 2: _image(draw, dtype, min_side=4), 3: _volume(draw, dtype)}[n]
        order = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).permutation(x.array.size)
        x.array = (order * 0.25).reshape(x.array.shape).astype(x.array.dtype)  # distinct: one maximum per window
        kw = {}
        if draw(st.booleans()):
            kw["output_size"] = [s + draw(st.integers(0, 1)) for s in x.array.shape[2:]]  # one larger: allowed
        return [x, 2], kw
    return sample


for _n in (1, 2, 3):
    register(F + f"max_unpool{_n}d", _unpool(_n), _unpool_sample(_n), family=FAMILY)


# ---- rearrangement and distance -------------------------------------------------------------------------

register(F + "pixel_shuffle", _F("pixel_shuffle"),
         lambda draw, dt: ([tensor_arg(draw, (draw(st.integers(1, 2)), draw(st.sampled_from([4, 8, 6])),
                                              draw(st.integers(1, 3)), draw(st.integers(1, 3))), dt),
                            draw(st.sampled_from([1, 2]))], {}), dtypes=FLOATS + ("int64",), family=FAMILY)
register(F + "pixel_unshuffle", _F("pixel_unshuffle"),
         lambda draw, dt: ([tensor_arg(draw, (draw(st.integers(1, 2)), draw(st.integers(1, 2)),
                                              draw(st.sampled_from([2, 4, 3])), draw(st.sampled_from([2, 4]))), dt),
                            draw(st.sampled_from([1, 2]))], {}), dtypes=FLOATS + ("int64",), family=FAMILY)
register(F + "channel_shuffle", _F("channel_shuffle"),
         lambda draw, dt: ([tensor_arg(draw, (2, draw(st.sampled_from([4, 6, 3])), draw(st.integers(1, 3))), dt),
                            draw(st.sampled_from([1, 2, 3]))], {}), dtypes=FLOATS + ("int64",), family=FAMILY)
register(F + "pdist", _F("pdist"),
         lambda draw, dt: ([tensor_arg(draw, (draw(st.integers(1, 5)), draw(st.integers(1, 4))), dt)],
                           {"p": draw(st.sampled_from([2.0, 1.0, 3.0, 0.5]))}),
         family=FAMILY, rtol=1e-5, atol=1e-6, reason="norms of differences, summed in a different order")


# ---- normalisation -----------------------------------------------------------------------------------------

def _instance_norm_sample(draw, dtype):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 2))))
    kw = {}
    if draw(st.booleans()):
        kw["weight"] = tensor_arg(draw, (c,), dtype)
        kw["bias"] = tensor_arg(draw, (c,), dtype)
    if draw(st.booleans()):
        kw["running_mean"] = tensor_arg(draw, (c,), dtype, requires_grad=False)
        kw["running_var"] = tensor_arg(draw, (c,), dtype, "positive", requires_grad=False)
        kw["use_input_stats"] = draw(st.booleans())
    return [tensor_arg(draw, (n, c) + spatial, dtype)], kw


register(F + "instance_norm", _F("instance_norm"), _instance_norm_sample, family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="statistics summed in a different order than torch's")


def _rms_sample(draw, dtype):
    x = tensor_arg(draw, draw(shapes(min_dims=1, max_dims=3, min_side=1)), dtype)
    n = draw(st.integers(1, x.array.ndim))
    shape = list(x.array.shape[x.array.ndim - n:])
    kw = {"eps": draw(st.sampled_from([None, 1e-3]))}
    if draw(st.booleans()):
        kw["weight"] = tensor_arg(draw, tuple(shape), dtype)
    return [x, shape], kw


register(F + "rms_norm", _F("rms_norm"), _rms_sample, family=FAMILY, rtol=1e-5, atol=1e-6,
         reason="a mean of squares summed in a different order")


def _lrn_sample(draw, dtype):
    x = tensor_arg(draw, (draw(st.integers(1, 2)), draw(st.integers(1, 5))) + tuple(
        draw(st.integers(1, 3)) for _ in range(draw(st.integers(1, 2)))), dtype)
    return [x, draw(st.integers(1, 4))], {"alpha": draw(st.sampled_from([1e-4, 0.1])),
                                          "beta": draw(st.sampled_from([0.75, 0.5])), "k": draw(st.sampled_from([1.0, 2.0]))}


register(F + "local_response_norm", _F("local_response_norm"), _lrn_sample, family=FAMILY, rtol=1e-5, atol=1e-6,
         reason="a windowed mean of squares summed in a different order")


# ---- alpha dropout ------------------------------------------------------------------------------------------

for _name in ("alpha_dropout", "feature_alpha_dropout"):
    def _seeded(lib, seed, x, p, _name=_name):
        lib.manual_seed(seed)
        return getattr(lib.nn.functional, _name)(x, p, training=True)

    register(F + _name, _seeded,
             lambda draw, dt: ([draw(st.integers(0, 2**31)), tensor_arg(draw, draw(shapes(min_dims=2, min_side=1)), dt),
                                draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))], {}),
             dtypes=FLOATS, grad=(1,), family=FAMILY, cpu_only=TORCH_CPU_STREAM,
             extra={"note": "the keep mask equals torch's after the same seed"})


# ---- embedding_bag ---------------------------------------------------------------------------------------------

def _embedding_bag_sample(draw, dtype):
    num, dim = draw(st.integers(2, 6)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    mode = draw(st.sampled_from(["sum", "mean", "max"]))
    kw = {"mode": mode, "padding_idx": draw(st.sampled_from([None, None, 0, -1]))}
    if draw(st.booleans()):
        indices = Arg(rng.integers(0, num, (draw(st.integers(1, 3)), draw(st.integers(1, 3)))).astype(np.int64),
                      requires_grad=False)
    else:
        length = draw(st.integers(0, 6))
        indices = Arg(rng.integers(0, num, length).astype(np.int64), requires_grad=False)
        cuts = sorted(rng.integers(0, length + 1, draw(st.integers(0, 3))).tolist())
        include_last = draw(st.booleans())
        offsets = [0] + cuts + ([length] if include_last else [])
        kw["offsets"] = Arg(np.array(offsets, np.int64), requires_grad=False)
        kw["include_last_offset"] = include_last
        if mode == "sum" and draw(st.booleans()):
            kw["per_sample_weights"] = tensor_arg(draw, (length,), dtype)
    return [indices, tensor_arg(draw, (num, dim), dtype)], kw


register(F + "embedding_bag", _F("embedding_bag"), _embedding_bag_sample, grad=(1,), family=FAMILY, rtol=1e-5,
         atol=1e-6, reason="bag sums accumulated in a different order")
register(F + "upsample_nearest", _F("upsample_nearest"),
         lambda draw, dt: ([_image(draw, dt)], {"scale_factor": draw(st.sampled_from([2, 3]))}), family=FAMILY)
register(F + "upsample_bilinear", _F("upsample_bilinear"),
         lambda draw, dt: ([_image(draw, dt)], {"size": (draw(st.integers(1, 8)), draw(st.integers(1, 8)))}),
         family=FAMILY, rtol=1e-5, atol=1e-6, reason="bilinear weights, rounded as torch's kernel rounds them")


# ---- spatial transformers -----------------------------------------------------------------------------------

def _affine_grid_sample(draw, dtype):
    three = draw(st.booleans())
    n = draw(st.integers(1, 2))
    theta = tensor_arg(draw, (n, 3, 4) if three else (n, 2, 3), dtype, "small")
    size = [n, 2] + [draw(st.integers(1, 4)) for _ in range(3 if three else 2)]
    return [theta, size], {"align_corners": draw(st.booleans())}


register(F + "affine_grid", _F("affine_grid"), _affine_grid_sample, family=FAMILY, rtol=1e-5, atol=1e-6,
         reason="the grid's coordinates times theta, summed in a different order")


def _grid_sample_sample(draw, dtype):
    three = draw(st.integers(0, 3)) == 0
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    x = tensor_arg(draw, (n, c) + tuple(draw(st.integers(1, 4)) for _ in range(3 if three else 2)), dtype)
    out = tuple(draw(st.integers(1, 3)) for _ in range(3 if three else 2))
    grid = tensor_arg(draw, (n,) + out + (3 if three else 2,), dtype)
    # coordinates within ±1.2, off the pixel grid: at an exact pixel boundary the corner weights' derivative
    # is one-sided, and torch and minitorch may take different sides
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    grid.array = (rng.uniform(-1.2, 1.2, grid.array.shape) + 1e-3).astype(grid.array.dtype)
    modes = ["bilinear", "nearest"] + (["bicubic"] * (not three or draw(st.integers(0, 5)) == 0))  # 3-d: refused
    return [x, grid], {"mode": draw(st.sampled_from(modes)),
                       "padding_mode": draw(st.sampled_from(["zeros", "border", "reflection"])),
                       "align_corners": draw(st.booleans())}


register(F + "grid_sample", _F("grid_sample"), _grid_sample_sample, grad=(0, 1), family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="bilinear weights computed from unnormalised coordinates in a different order")


def _fractional_sample(n):
    def sample(draw, dtype):
        spatial = tuple(draw(st.integers(3, 6)) for _ in range(n))
        batch = (draw(st.integers(1, 2)),) if draw(st.booleans()) else ()  # unbatched: (C, *spatial)
        x = tensor_arg(draw, batch + (draw(st.integers(1, 2)),) + spatial, dtype)
        k = draw(st.sampled_from([1, 2]))
        # a tuple: torch reads outside the input for a negative kernel size (undefined behaviour, not an error)
        kw = {"kernel_size": (k,) * n}
        if draw(st.booleans()):
            kw["output_size"] = tuple(draw(st.integers(1, s - k + 1)) for s in spatial)
        else:
            kw["output_ratio"] = tuple(draw(st.sampled_from([0.5, 0.7])) for _ in range(n))
        return [draw(st.integers(0, 2**31)), x], kw
    return sample


for _n in (2, 3):
    for _suffix in ("", "_with_indices"):
        def _seeded_pool(lib, seed, x, _name=f"fractional_max_pool{_n}d{_suffix}", **kw):
            lib.manual_seed(seed)
            return getattr(lib.nn.functional, _name)(x, return_indices=True, **kw)

        register(F + f"fractional_max_pool{_n}d{_suffix}", _seeded_pool, _fractional_sample(_n), grad=(1,),
                 family=FAMILY, cpu_only=TORCH_CPU_STREAM, extra={"note": "the windows' placement is drawn from "
                                                                           "torch's stream after the same seed"})
