"""Parity specs for activations and nn.functional losses."""
from hypothesis import strategies as st

from ..registry import Arg, FLOATS, register
from ..strategies import nonempty_shapes, shapes, tensor_arg

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
