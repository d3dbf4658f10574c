"""Hypothesis strategies for parity tests: shapes (0-d and empty included), broadcastable
pairs, values by domain and dtype (with edge values), and memory layouts."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .registry import Arg

# value domains: (low, high) for floats
DOMAINS = {
    "any": (-10.0, 10.0),
    "positive": (0.05, 10.0),
    "unit": (-0.95, 0.95),           # open (-1, 1): asin, acos, atanh
    "prob": (0.02, 0.98),            # open (0, 1): logit
    "nonzero": (0.2, 10.0),          # magnitude, random sign: divisors
    "small": (-3.0, 3.0),            # exp, sinh, cosh, pow
    "acosh": (1.05, 10.0),           # (1, inf): acosh
}

EDGE = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 1e-30]


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=5):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def nonempty_shapes(min_dims=1, max_dims=4, max_side=5):
    return shapes(min_dims, max_dims, 1, max_side)


@st.composite
def broadcast_pair(draw, min_dims=0, max_dims=4, mismatch=True):
    """Two shapes that broadcast (and, rarely, two that do not)."""
    out = draw(shapes(min_dims, max_dims))
    other = []
    for s in out[draw(st.integers(0, len(out))):]:
        other.append(draw(st.sampled_from([s, 1])) if s != 1 else draw(st.sampled_from([1, 1, 3])))
    a, b = out, tuple(other)
    if draw(st.booleans()):
        a, b = b, a
    if mismatch and draw(st.integers(0, 19)) == 0 and a and a[-1] > 1:
        b = b[:-1] + (a[-1] + 1,) if b else (a[-1] + 1,)
    return a, b


def values(draw, shape, dtype, domain="any", edge=False):
    """A NumPy array of `shape` and `dtype` with values in `domain`."""
    dt = np.dtype("bool" if dtype == "bool" else dtype)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = (1, 9) if domain in ("positive", "nonzero") else (max(info.min, -9), min(info.max, 9))
        a = rng.integers(lo, hi + 1, size=shape).astype(dt)
        if domain == "nonzero" and dt.kind == "i":
            a = a * rng.choice(np.array([-1, 1], dtype=dt), size=shape)
        return a
    lo, hi = DOMAINS[domain]
    a = rng.uniform(lo, hi, size=shape)
    if domain == "nonzero":
        a = a * rng.choice([-1.0, 1.0], size=shape)
    if draw(st.integers(0, 3)) == 0 and a.size:  # repeated values: ties for max/sort/median
        a = np.round(a)
        if domain in ("positive", "nonzero"):
            a = np.where(np.abs(a) < lo, lo * np.sign(a + 0.5), a)
    if edge and a.size and draw(st.integers(0, 4)) == 0:
        flat = a.reshape(-1)
        for _ in range(draw(st.integers(1, 3))):
            flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from(EDGE))
    return a.astype(dt)


def layouts():
    return st.sampled_from(["contiguous", "contiguous", "transposed", "strided"])


def tensor_arg(draw, shape, dtype, domain="any", edge=False, requires_grad=True):
    return Arg(values(draw, shape, dtype, domain, edge), draw(layouts()), requires_grad)
