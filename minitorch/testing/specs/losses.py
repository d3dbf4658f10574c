"""Parity specs for the margin, embedding and likelihood losses (minitorch.nn.functional_losses)."""
import numpy as np
from hypothesis import strategies as st

from ..registry import Arg, register
from ..strategies import shapes, tensor_arg

FAMILY = "nn"


def _F(name):
    return lambda lib, *a, **k: getattr(lib.nn.functional, name)(*a, **k)


def _reduction(draw, legacy=True):
    """A reduction, or now and then torch's deprecated size_average/reduce flags."""
    if legacy and draw(st.integers(0, 4)) == 0:
        return {"size_average": draw(st.sampled_from([None, True, False])), "reduce": draw(st.booleans())}
    return {"reduction": draw(st.sampled_from(["mean", "sum", "none", "mean", "batchmean"]
                                                if draw(st.integers(0, 9)) == 0 else ["mean", "sum", "none"]))}


def _signs(draw, shape, dtype, zeros=False):
    """Labels ±1 (and, with `zeros`, some 0: neither class), without gradient."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    labels = rng.choice([-1.0, 1.0, 0.0] if zeros else [-1.0, 1.0], size=shape)
    return Arg(labels.astype(draw(st.sampled_from([dtype, dtype, dtype, "float64"]))), requires_grad=False)


def _labels(draw, shape, high, low=0):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Arg(rng.integers(low, high, size=shape).astype(np.int64), requires_grad=False)


def _ranking_sample(draw, dtype):
    shape = draw(shapes(max_dims=2))
    target_shape = shape if draw(st.integers(0, 9)) else shape[:-1]  # a target of fewer dims: torch's error
    return ([tensor_arg(draw, shape, dtype, "small"), tensor_arg(draw, shape, dtype, "small"),
             _signs(draw, target_shape, dtype)], {"margin": draw(st.sampled_from([0.0, 0.5])), **_reduction(draw)})


register("nn.functional.margin_ranking_loss", _F("margin_ranking_loss"), _ranking_sample, grad=(0, 1), family=FAMILY)


def _triplet_sample(draw, dtype, with_distance=False):
    shape = draw(st.sampled_from([(3, 4), (5,), (2, 3)]))
    other = shape if draw(st.integers(0, 9)) else shape[1:]  # fewer dims: torch's error
    args = [tensor_arg(draw, shape, dtype, "small"), tensor_arg(draw, shape, dtype, "small"),
            tensor_arg(draw, other, dtype, "small")]
    kw = {"margin": draw(st.sampled_from([1.0, 0.5, 2.0, 0.0])), "swap": draw(st.booleans())}
    if with_distance:
        return args, {**kw, "reduction": draw(st.sampled_from(["mean", "sum", "none", "max"]))}
    return args, {**kw, "p": draw(st.sampled_from([2.0, 1.0, 3.0])), **_reduction(draw)}


register("nn.functional.triplet_margin_loss", _F("triplet_margin_loss"), _triplet_sample, grad=(0, 1, 2),
         family=FAMILY)
register("nn.functional.triplet_margin_with_distance_loss", _F("triplet_margin_with_distance_loss"),
         lambda draw, dt: _triplet_sample(draw, dt, with_distance=True), grad=(0, 1, 2), family=FAMILY)


def _cosine_embedding_sample(draw, dtype):
    batched = draw(st.booleans())
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4))) if batched else (draw(st.integers(1, 4)),)
    target = _signs(draw, shape[:1] if batched else (), dtype, zeros=True)
    second = shape if draw(st.integers(0, 9)) else shape[1:]  # dims that do not fit the target: torch's error
    return ([tensor_arg(draw, shape, dtype, "small"), tensor_arg(draw, second, dtype, "small"), target],
            {"margin": draw(st.sampled_from([0.0, 0.3, -0.2])), **_reduction(draw)})


register("nn.functional.cosine_embedding_loss", _F("cosine_embedding_loss"), _cosine_embedding_sample, grad=(0, 1),
         family=FAMILY)


def _input_and_signs(draw, dtype, zeros=False):
    shape = draw(shapes(max_dims=3))
    return [tensor_arg(draw, shape, dtype, "small"), _signs(draw, shape, dtype, zeros)]


register("nn.functional.hinge_embedding_loss", _F("hinge_embedding_loss"),
         lambda draw, dt: (_input_and_signs(draw, dt, zeros=True), {"margin": draw(st.sampled_from([1.0, 0.5])),
                                                                     **_reduction(draw)}),
         grad=(0,), family=FAMILY)
register("nn.functional.soft_margin_loss", _F("soft_margin_loss"),
         lambda draw, dt: (_input_and_signs(draw, dt), _reduction(draw)), grad=(0,), family=FAMILY)


def _poisson_sample(draw, dtype):
    shape = draw(shapes(max_dims=3))
    log_input = draw(st.booleans())
    x = tensor_arg(draw, shape, dtype, "small" if log_input else "positive")
    target = tensor_arg(draw, shape, dtype, "positive", requires_grad=False)
    return [x, target], {"log_input": log_input, "full": draw(st.booleans()), **_reduction(draw)}


register("nn.functional.poisson_nll_loss", _F("poisson_nll_loss"), _poisson_sample, grad=(0,), family=FAMILY,
         rtol=1e-6, reason="a float32 exp(input) in a float64 loss (a float64 target): NumPy's float32 exp and "
                           "torch's may differ in the last bit, which float64's tolerance sees")


def _gaussian_sample(draw, dtype):
    shape = draw(st.sampled_from([(3, 4), (2, 3, 2), (4,)]))
    var_shape = draw(st.sampled_from([shape, shape[:-1], shape[:-1] + (1,), (7,)]))  # (7,): torch's error
    var = draw(st.sampled_from(["tensor", "tensor", "float"]))
    var = tensor_arg(draw, var_shape, dtype, "positive") if var == "tensor" else draw(st.sampled_from([0.5, 2.0]))
    return ([tensor_arg(draw, shape, dtype, "small"), tensor_arg(draw, shape, dtype, "small"), var],
            {"full": draw(st.booleans()), "eps": draw(st.sampled_from([1e-6, 0.3])),
             "reduction": draw(st.sampled_from(["mean", "sum", "none"]))})


register("nn.functional.gaussian_nll_loss", _F("gaussian_nll_loss"), _gaussian_sample, grad=(0, 1, 2), family=FAMILY)


def _multilabel_soft_sample(draw, dtype):
    shape = draw(st.sampled_from([(3, 4), (5,), (2, 3)]))
    kw = _reduction(draw)
    if draw(st.booleans()):
        kw["weight"] = tensor_arg(draw, shape[-1:], dtype, "positive", requires_grad=False)
    target = tensor_arg(draw, shape, dtype, "prob", requires_grad=False)
    return [tensor_arg(draw, shape, dtype, "small"), target], kw


register("nn.functional.multilabel_soft_margin_loss", _F("multilabel_soft_margin_loss"), _multilabel_soft_sample,
         grad=(0,), family=FAMILY)


def _multilabel_sample(draw, dtype):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    batched = draw(st.booleans())
    shape = (n, c) if batched else (c,)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    target = rng.integers(-1, c, size=shape)
    if draw(st.integers(0, 9)) == 0:
        target.reshape(-1)[0] = c  # a class out of range: torch's error
    return [tensor_arg(draw, shape, dtype, "small"), Arg(target.astype(np.int64), requires_grad=False)], \
        _reduction(draw)


register("nn.functional.multilabel_margin_loss", _F("multilabel_margin_loss"), _multilabel_sample, grad=(0,),
         family=FAMILY)


def _multi_margin_sample(draw, dtype):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    batched = draw(st.booleans())
    x = tensor_arg(draw, (n, c) if batched else (c,), dtype, "small")
    target = _labels(draw, (n,) if batched else draw(st.sampled_from([(), (1,)])), c + (draw(st.integers(0, 9)) == 0))
    kw = {"p": draw(st.sampled_from([1, 2, 1, 3])), "margin": draw(st.sampled_from([1.0, 0.5])), **_reduction(draw)}
    if draw(st.booleans()):
        kw["weight"] = tensor_arg(draw, (c,), dtype, "positive", requires_grad=False)
    return [x, target], kw


register("nn.functional.multi_margin_loss", _F("multi_margin_loss"), _multi_margin_sample, grad=(0,), family=FAMILY)


def _ctc_sample(draw, dtype):
    """log_softmax outputs (T, N, C) with targets padded or concatenated, some too long to align (infinite
    losses, or zeros with zero_infinity)."""
    steps, batch, classes = draw(st.integers(1, 6)), draw(st.integers(1, 3)), draw(st.integers(2, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    logits = rng.standard_normal((steps, batch, classes))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    blank = draw(st.integers(0, classes - 1))
    input_lengths = rng.integers(0, steps + 1, batch)
    target_lengths = rng.integers(0, 4, batch)
    labels = [[c for c in rng.integers(0, classes, 4) if c != blank][:n] for n in target_lengths]
    target_lengths = np.array([len(t) for t in labels])
    if draw(st.booleans()):
        targets = np.array([t + [blank] * (4 - len(t)) for t in labels], np.int64).reshape(batch, 4)
    else:
        targets = np.array([c for t in labels for c in t], np.int64)
    lengths_as = draw(st.sampled_from(["tensor", "tuple"]))
    pack = (lambda v: Arg(np.asarray(v, np.int64), requires_grad=False)) if lengths_as == "tensor" else \
        (lambda v: tuple(int(x) for x in v))
    return [Arg(log_probs.astype(dtype)), Arg(targets, requires_grad=False), pack(input_lengths),
            pack(target_lengths)], {"blank": blank, "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
                                     "zero_infinity": draw(st.booleans())}


register("nn.functional.ctc_loss", _F("ctc_loss"), _ctc_sample, grad=(0,), family=FAMILY, rtol=1e-5, atol=1e-5,
         reason="the forward-backward recursions in float64 (torch's in the input's dtype)")


def _linear_cross_entropy_sample(draw, dtype):
    """input (N, in) or (in,); W (C, in) or (C, d, in) for a K-dimensional loss; class or probability targets."""
    n, features, classes = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(2, 4))
    batched = draw(st.integers(0, 3)) > 0
    extra = (draw(st.integers(1, 3)),) if batched and draw(st.booleans()) else ()
    # inputs within ±3 and weights within ±1: logits of a few units, where the softmax is not saturated (its
    # second derivatives there are float32 noise)
    x = tensor_arg(draw, (n, features) if batched else (features,), dtype, "small")
    w = tensor_arg(draw, (classes,) + extra + (features,), dtype, "unit")
    batch = (n,) if batched else ()
    kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    if draw(st.booleans()):
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        target = Arg(rng.dirichlet(np.ones(classes), size=batch + extra).astype(dtype) if batch + extra else
                     rng.dirichlet(np.ones(classes)).astype(dtype), "contiguous", False)
        target.array = np.moveaxis(target.array, -1, len(batch)) if target.array.ndim > 1 else target.array
    else:
        target = tensor_arg(draw, batch + extra, "int64", requires_grad=False)
        target.array = np.abs(target.array) % classes
        if draw(st.booleans()):
            kw["ignore_index"] = int(target.array.reshape(-1)[0]) if target.array.size else 0
    if draw(st.booleans()):
        kw["linear_bias"] = tensor_arg(draw, (classes,) + extra, dtype)
    if draw(st.booleans()):
        kw["weight"] = tensor_arg(draw, (classes,), dtype, "positive", requires_grad=False)
    if draw(st.booleans()):
        kw["label_smoothing"] = draw(st.sampled_from([0.1, 0.5]))
    return [x, w, target], kw


register("nn.functional.linear_cross_entropy",
         lambda lib, x, w, t, **k: lib.nn.functional.linear_cross_entropy(x, w, t, **k), _linear_cross_entropy_sample,
         grad=(0, 1), family=FAMILY, rtol=1e-5, atol=1e-6, reason="log-softmax sums in a different order")
