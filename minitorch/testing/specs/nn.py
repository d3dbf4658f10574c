"""Parity specs for activations and nn.functional losses."""
from hypothesis import strategies as st

from ..registry import Arg, FLOATS, register
from ..strategies import shapes, tensor_arg

FAMILY = "nn"


def _x(draw, dtype, shape=None, **kw):
    return tensor_arg(draw, draw(shapes()) if shape is None else shape, dtype, **kw)


register("relu", lambda lib, x: lib.relu(x), lambda draw, dt: ([_x(draw, dt, domain="nonzero")], {}),
         dtypes=FLOATS + ("int64",), family=FAMILY)


def _softmax_sample(draw, dtype):
    x = _x(draw, dtype, edge=True)
    n = max(x.array.ndim, 1)
    return [x, draw(st.integers(-n, n - 1))], {}


register("softmax", lambda lib, x, d: lib.softmax(x, d), _softmax_sample, dtypes=FLOATS, family=FAMILY)
register("log_softmax", lambda lib, x, d: lib.log_softmax(x, d), _softmax_sample, dtypes=FLOATS, family=FAMILY)


def _pair_sample(draw, dtype):
    shape = draw(shapes())
    return [_x(draw, dtype, shape), _x(draw, dtype, shape)], {"reduction": draw(st.sampled_from(["mean", "sum",
                                                                                                "none"]))}


register("nn.functional.mse_loss", lambda lib, a, b, **k: lib.nn.functional.mse_loss(a, b, **k), _pair_sample,
         dtypes=FLOATS, grad=(0, 1), family=FAMILY)
register("nn.functional.l1_loss", lambda lib, a, b, **k: lib.nn.functional.l1_loss(a, b, **k), _pair_sample,
         dtypes=FLOATS, grad=(0, 1), family=FAMILY)


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
                   ("softplus", {"beta": 2.0, "threshold": 5.0}), ("hardtanh", {})]:
    register(f"nn.functional.{_name}({','.join(f'{k}={v}' for k, v in _kw.items())})", _act(_name, **_kw),
             lambda draw, dt: ([_x(draw, dt, domain="nonzero", edge=True)], {}), dtypes=FLOATS, family=FAMILY,
             rtol=1e-5, reason="composed from exp/erf/tanh: torch's fused kernels round differently")


def _bce_sample(draw, dtype, logits):
    import numpy as np
    shape = draw(shapes())
    x = _x(draw, dtype, shape, domain="any" if logits else "prob")
    t = _x(draw, dtype, shape, domain="prob", requires_grad=False)
    kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    if draw(st.booleans()):
        kw["weight"] = Arg(np.random.default_rng(0).random(shape[-1:] if shape else ()).astype(dtype), "contiguous",
                           False)
    if logits and draw(st.booleans()):
        kw["pos_weight"] = Arg(np.full(shape[-1:] if shape else (), 2.0, dtype=dtype), "contiguous", False)
    return [x, t], kw


register("nn.functional.binary_cross_entropy",
         lambda lib, x, t, **k: lib.nn.functional.binary_cross_entropy(x, t, **k),
         lambda draw, dt: _bce_sample(draw, dt, False), dtypes=FLOATS, family=FAMILY, rtol=1e-5,
         reason="composed from log; torch's fused kernel rounds differently")
register("nn.functional.binary_cross_entropy_with_logits",
         lambda lib, x, t, **k: lib.nn.functional.binary_cross_entropy_with_logits(x, t, **k),
         lambda draw, dt: _bce_sample(draw, dt, True), dtypes=FLOATS, family=FAMILY, rtol=1e-5,
         reason="composed from exp/log1p; torch's fused kernel rounds differently")
for _name, _kw in [("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {}),
                   ("huber_loss", {"delta": 2.0})]:
    register(f"nn.functional.{_name}({','.join(f'{k}={v}' for k, v in _kw.items())})",
             lambda lib, a, b, _n=_name, _k=_kw, **k: getattr(lib.nn.functional, _n)(a, b, **_k, **k),
             _pair_sample, dtypes=FLOATS, grad=(0, 1), family=FAMILY)


def _dropout(lib, seed, x, p):
    lib.manual_seed(seed)
    return lib.nn.functional.dropout(x, p, training=True)


register("nn.functional.dropout", _dropout,
         lambda draw, dt: ([draw(st.integers(0, 2**31)), _x(draw, dt, draw(shapes(max_side=9))),
                            draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))], {}),
         dtypes=FLOATS, grad=(1,), family=FAMILY, extra={"note": "the dropout mask equals torch's after the same seed"})
