"""Parity specs for activations and nn.functional losses."""
import math

from hypothesis import strategies as st

from ..registry import Arg, FLOATS, TORCH_CPU_STREAM, register
from ..strategies import shapes, tensor_arg

FAMILY = "nn"


def _x(draw, dtype, shape=None, **kw):
    return tensor_arg(draw, draw(shapes()) if shape is None else shape, dtype, **kw)


register("relu", lambda lib, x: lib.relu(x), lambda draw, dt: ([_x(draw, dt, domain="nonzero", edge=True)], {}),
         dtypes=FLOATS + ("int64",), family=FAMILY)


def _softmax_sample(draw, dtype):
    x = _x(draw, dtype, edge=True)
    n = max(x.array.ndim, 1)
    return [x, draw(st.integers(-n, n - 1))], {}


register("softmax", lambda lib, x, d: lib.softmax(x, d), _softmax_sample, dtypes=FLOATS, family=FAMILY)
register("log_softmax", lambda lib, x, d: lib.log_softmax(x, d), _softmax_sample, dtypes=FLOATS, family=FAMILY)


def _pair_sample(draw, dtype, weighted=False):
    """Input and target of one shape; a reduction, or torch's deprecated size_average/reduce flags;
    with `weighted`, sometimes a per-element weight."""
    shape = draw(shapes())
    kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    if weighted and draw(st.booleans()):
        kw["weight"] = _x(draw, dtype, shape, domain="positive", requires_grad=False)
    elif weighted and draw(st.integers(0, 3)) == 0:
        kw = {"size_average": draw(st.sampled_from([None, True, False])),
              "reduce": draw(st.sampled_from([True, False]))}
    return [_x(draw, dtype, shape), _x(draw, dtype, shape)], kw


def _weighted_pair_sample(draw, dtype):
    return _pair_sample(draw, dtype, weighted=True)


register("nn.functional.mse_loss", lambda lib, a, b, **k: lib.nn.functional.mse_loss(a, b, **k),
         _weighted_pair_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY)
register("nn.functional.l1_loss", lambda lib, a, b, **k: lib.nn.functional.l1_loss(a, b, **k), _weighted_pair_sample,
         dtypes=FLOATS, grad=(0, 1), family=FAMILY)


def _implicit_softmax(lib, x, inplace_relu):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated implicit dim
        y = lib.nn.functional.softmax(x) + lib.nn.functional.log_softmax(x * 2)
    z = lib.nn.functional.relu(y.clone(), inplace=inplace_relu)
    return y, z


register("nn.functional.softmax(implicit dim)", _implicit_softmax,
         lambda draw, dt: ([_x(draw, dt, edge=False), draw(st.booleans())], {}), dtypes=FLOATS, family=FAMILY)


def _ce_sample(draw, dtype):
    import numpy as np
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=1)))
    x = _x(draw, dtype, (n, c) + extra)
    kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    if draw(st.integers(0, 3)) == 0:  # class probabilities
        p = rng.random((n, c) + extra)
        target = Arg((p / p.sum(1, keepdims=True)).astype(dtype), "contiguous", False)
    else:
        t = rng.integers(0, c, size=(n,) + extra)
        if draw(st.booleans()):
            kw["ignore_index"] = int(t.flat[0])
        target = Arg(t.astype(np.int64), "contiguous", False)
    if draw(st.booleans()):
        kw["weight"] = Arg(rng.random(c).astype(dtype) + 0.1, "contiguous", False)
    if draw(st.booleans()):
        kw["label_smoothing"] = draw(st.sampled_from([0.1, 0.3]))
    return [x, target], kw


register("nn.functional.cross_entropy", lambda lib, x, t, **k: lib.nn.functional.cross_entropy(x, t, **k),
         _ce_sample, dtypes=FLOATS, grad=(0,), family=FAMILY, rtol=1e-5,
         reason="log-softmax, weights and smoothing combine in a different order than torch's fused kernel")


def _nll_sample(draw, dtype):
    args, kw = _ce_sample(draw, dtype)
    kw.pop("label_smoothing", None)
    if args[1].array.dtype.kind == "f":
        args[1] = Arg(args[1].array.argmax(1), "contiguous", False)
    return args, kw


register("nn.functional.nll_loss", lambda lib, x, t, **k: lib.nn.functional.nll_loss(x, t, **k), _nll_sample,
         dtypes=FLOATS, grad=(0,), family=FAMILY, rtol=1e-5, reason="weighted mean summed in another order")
register("nn.functional.linear", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
         lambda draw, dt: ([_x(draw, dt, (3, 4)), _x(draw, dt, (2, 4)), _x(draw, dt, (2,))], {}),
         dtypes=FLOATS, grad=(0, 1, 2), family=FAMILY, rtol=1e-5, reason="BLAS summation order")


def _act(name, **kw):
    return lambda lib, x: getattr(lib.nn.functional, name)(x, **kw)


for _name, _kw in [("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("gelu", {}),
                   ("gelu", {"approximate": "tanh"}), ("silu", {}), ("softplus", {}),
                   ("softplus", {"beta": 2.0, "threshold": 5.0}), ("hardtanh", {}), ("logsigmoid", {}), ("relu6", {}),
                   ("hardswish", {}), ("hardsigmoid", {})]:
    register(f"nn.functional.{_name}({','.join(f'{k}={v}' for k, v in _kw.items())})", _act(_name, **_kw),
             lambda draw, dt: ([_x(draw, dt, domain="nonzero", edge=True)], {}), dtypes=FLOATS, family=FAMILY,
             rtol=1e-5, reason="composed from exp/erf/tanh: torch's fused kernels round differently")


def _bce_sample(draw, dtype, logits):
    import numpy as np
    shape = draw(shapes())
    x = _x(draw, dtype, shape, domain="any" if logits else "prob")
    t = _x(draw, dtype, shape, domain="prob", requires_grad=draw(st.booleans()))
    kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    if draw(st.booleans()):
        kw["weight"] = Arg(np.random.default_rng(0).random(shape[-1:] if shape else ()).astype(dtype), "contiguous",
                           False)
    if logits and draw(st.booleans()):
        kw["pos_weight"] = Arg(np.full(shape[-1:] if shape else (), 2.0, dtype=dtype), "contiguous", False)
    return [x, t], kw


register("nn.functional.binary_cross_entropy",
         lambda lib, x, t, **k: lib.nn.functional.binary_cross_entropy(x, t, **k),
         lambda draw, dt: _bce_sample(draw, dt, False), dtypes=FLOATS, family=FAMILY, rtol=1e-5, grad=(0, 1),
         reason="composed from log; torch's fused kernel rounds differently")
register("nn.functional.binary_cross_entropy_with_logits",
         lambda lib, x, t, **k: lib.nn.functional.binary_cross_entropy_with_logits(x, t, **k),
         lambda draw, dt: _bce_sample(draw, dt, True), dtypes=FLOATS, family=FAMILY, rtol=1e-5, grad=(0, 1),
         reason="composed from exp/log1p; torch's fused kernel rounds differently")
for _name, _kw in [("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {}),
                   ("huber_loss", {"delta": 2.0})]:
    register(f"nn.functional.{_name}({','.join(f'{k}={v}' for k, v in _kw.items())})",
             lambda lib, a, b, _n=_name, _k=_kw, **k: getattr(lib.nn.functional, _n)(a, b, **_k, **k),
             _pair_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY)


def _huber_weighted_sample(draw, dtype):
    args, kw = _pair_sample(draw, dtype)
    kw["weight"] = _x(draw, dtype, args[0].array.shape, domain="positive", requires_grad=False)
    return args, kw


register("nn.functional.huber_loss(weight)", lambda lib, a, b, **k: lib.nn.functional.huber_loss(a, b, **k),
         _huber_weighted_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY)


def _dropout(lib, seed, x, p):
    lib.manual_seed(seed)
    return lib.nn.functional.dropout(x, p, training=True)


register("nn.functional.dropout", _dropout,
         lambda draw, dt: ([draw(st.integers(0, 2**31)), _x(draw, dt, draw(shapes(max_side=9))),
                            draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))], {}),
         dtypes=FLOATS, grad=(1,), family=FAMILY, extra={"note": "the dropout mask equals torch's after the same seed"},
         cpu_only=TORCH_CPU_STREAM)


for _name in ("dropout1d", "dropout2d", "dropout3d"):
    def _feature_dropout(lib, seed, x, p, _name=_name):
        lib.manual_seed(seed)
        return getattr(lib.nn.functional, _name)(x, p, training=True)

    _dims = int(_name[-2])
    register("nn.functional." + _name, _feature_dropout,
             lambda draw, dt, _d=_dims: ([draw(st.integers(0, 2**31)),
                                          _x(draw, dt, draw(shapes(min_dims=_d + 1, max_dims=_d + 2, min_side=1))),
                                          draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))], {}),
             dtypes=FLOATS, grad=(1,), family=FAMILY, extra={"note": "one mask draw per channel, torch's stream"},
             cpu_only=TORCH_CPU_STREAM)


def _vector_pair_sample(draw, dtype, domain="any"):
    shape = draw(shapes(min_dims=1, min_side=1))
    other = shape if draw(st.booleans()) else (1,) + shape[1:]
    return [_x(draw, dtype, shape, domain=domain), _x(draw, dtype, other, domain=domain)], {}


def _dim_kw(draw, ndim):
    return draw(st.integers(-ndim, ndim - 1))


def _normalize_sample(draw, dtype):
    x = _x(draw, dtype, draw(shapes(min_dims=1, min_side=1)))
    return [x], {"p": draw(st.sampled_from([1.0, 2.0, 3.0])), "dim": _dim_kw(draw, x.array.ndim)}


register("nn.functional.normalize", lambda lib, x, **k: lib.nn.functional.normalize(x, **k), _normalize_sample,
         dtypes=FLOATS, family=FAMILY, rtol=1e-5, reason="norms reduce in a different order")


def _cosine_sample(draw, dtype):
    (a, b), _ = _vector_pair_sample(draw, dtype)
    return [a, b], {"dim": _dim_kw(draw, a.array.ndim)}


register("nn.functional.cosine_similarity", lambda lib, a, b, **k: lib.nn.functional.cosine_similarity(a, b, **k),
         _cosine_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="norms reduce in a different order")
register("nn.functional.pairwise_distance",
         lambda lib, a, b, **k: lib.nn.functional.pairwise_distance(a, b, **k),
         lambda draw, dt: (_vector_pair_sample(draw, dt)[0], {"p": draw(st.sampled_from([1.0, 2.0, 3.5])),
                                                             "keepdim": draw(st.booleans())}),
         dtypes=FLOATS, grad=(0, 1), family=FAMILY, rtol=1e-5, atol=1e-5, reason="norms reduce in a different order")


def _kl_sample(draw, dtype):
    shape = draw(shapes(min_dims=1, min_side=1))
    log_target = draw(st.booleans())
    target = _x(draw, dtype, shape, domain="any" if log_target else "prob")
    return [_x(draw, dtype, shape), target], {"reduction": draw(st.sampled_from(["batchmean", "sum", "none"])),
                                              "log_target": log_target}


register("nn.functional.kl_div", lambda lib, x, t, **k: lib.nn.functional.kl_div(x, t, **k), _kl_sample,
         dtypes=FLOATS, grad=(0, 1), family=FAMILY)


def _bilinear_sample(draw, dtype):
    batch = draw(shapes(min_dims=0, max_dims=2, min_side=1))
    i1, i2, o = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    bias = _x(draw, dtype, (o,)) if draw(st.booleans()) else None
    return [_x(draw, dtype, batch + (i1,)), _x(draw, dtype, batch + (i2,)), _x(draw, dtype, (o, i1, i2)), bias], {}


register("nn.functional.bilinear", lambda lib, a, b, w, bias: lib.nn.functional.bilinear(a, b, w, bias),
         _bilinear_sample, dtypes=FLOATS, grad=(0, 1, 2, 3), family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="a two-sided contraction sums in a different order")


def _norm_input(draw, dtype, min_dims=2):
    return _x(draw, dtype, draw(shapes(min_dims=min_dims, max_dims=4, min_side=1)))


def _batch_norm_sample(draw, dtype):
    import numpy as np
    x = _norm_input(draw, dtype)
    c = x.array.shape[1]
    training = draw(st.booleans())
    if training and x.array.size // c < 2:
        x.array = np.concatenate([x.array, x.array + 1], 0)
    stats = draw(st.booleans()) or not training
    running = [Arg(np.zeros(c, dtype), "contiguous", False), Arg(np.ones(c, dtype), "contiguous", False)] \
        if stats else [None, None]
    affine = [_x(draw, dtype, (c,)), _x(draw, dtype, (c,))] if draw(st.booleans()) else [None, None]
    for a in affine:  # torch's CPU eval-mode backward misreads a non-contiguous weight (returns garbage)
        if a is not None:
            a.layout = "contiguous"
    return [x, *running, *affine], {"training": training, "momentum": draw(st.sampled_from([0.1, 0.5])),
                                    "eps": draw(st.sampled_from([1e-5, 1e-3]))}


register("nn.functional.batch_norm",
         lambda lib, x, rm, rv, w, b, **k: (lib.nn.functional.batch_norm(x, rm, rv, w, b, **k), rm, rv),
         _batch_norm_sample, dtypes=FLOATS, grad=(0, 3, 4), family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="batch statistics reduce in a different order", extra={"note": "running stats updated in place"})


def _layer_norm_sample(draw, dtype):
    x = _norm_input(draw, dtype, min_dims=1)
    shape = x.array.shape[-draw(st.integers(1, x.array.ndim)):]
    affine = [_x(draw, dtype, shape), _x(draw, dtype, shape)] if draw(st.booleans()) else [None, None]
    return [x, shape, *affine], {"eps": draw(st.sampled_from([1e-5, 1e-3]))}


register("nn.functional.layer_norm", lambda lib, x, s, w, b, **k: lib.nn.functional.layer_norm(x, s, w, b, **k),
         _layer_norm_sample, dtypes=FLOATS, grad=(0, 2, 3), family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="statistics reduce in a different order")


def _group_norm_sample(draw, dtype):
    groups = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), groups * draw(st.integers(1, 2))) + draw(shapes(max_dims=2, min_side=1))
    if math.prod(shape[1:]) // groups < 3:
        # groups of one or two values normalise to constants (0, or -1 and 1): the output is then rounding
        # noise amplified by 1/sqrt(eps) and the true gradient is zero, so compare where statistics mean something
        shape += (3,)
    c = shape[1]
    affine = [_x(draw, dtype, (c,)), _x(draw, dtype, (c,))] if draw(st.booleans()) else [None, None]
    return [_x(draw, dtype, shape), groups, *affine], {}


register("nn.functional.group_norm", lambda lib, x, g, w, b: lib.nn.functional.group_norm(x, g, w, b),
         _group_norm_sample, dtypes=FLOATS, grad=(0, 2, 3), family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="statistics reduce in a different order")


def _embedding_sample(draw, dtype):
    import numpy as np
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    idx = np.random.default_rng(draw(st.integers(0, 99))).integers(0, n, size=draw(shapes(max_dims=2)))
    kw = {"padding_idx": draw(st.sampled_from([None, 0, -1])), "scale_grad_by_freq": draw(st.booleans()),
          "max_norm": draw(st.sampled_from([None, 1.0]))}
    return [Arg(idx.astype(np.int64), "contiguous", False), _x(draw, dtype, (n, d))], kw


register("nn.functional.embedding", lambda lib, i, w, **k: lib.nn.functional.embedding(i, w, **k),
         _embedding_sample, dtypes=FLOATS, grad=(1,), family=FAMILY)


def _one_hot_sample(draw, dtype):
    import numpy as np
    idx = np.random.default_rng(draw(st.integers(0, 99))).integers(0, 4, size=draw(shapes(max_dims=3)))
    return [Arg(idx.astype(np.int64), "contiguous", False)], {"num_classes": draw(st.sampled_from([-1, 4, 6]))}


register("nn.functional.one_hot", lambda lib, i, **k: lib.nn.functional.one_hot(i, **k), _one_hot_sample,
         dtypes=("int64",), grad=None, family=FAMILY)
