"""Fused multiply-add on arrays: a * b + c with one rounding, as the FMA instruction computes it.

torch's CPU kernels are compiled with FMA contraction, so an expression such as `start + step * i` rounds
once there; NumPy rounds the product and the sum separately. float32 (and float16) are exact through
float64, whose 53 bits hold any product of two float32s; float64 uses error-free transformations
(Dekker's product and Knuth's sum), correctly rounded but for ties at the last bit of both error terms.
"""
from __future__ import annotations

import numpy as np

_SPLIT = 134217729.0  # 2**27 + 1: splits a double into two halves of 26 bits


def _split(a):
    c = _SPLIT * a
    high = c - (c - a)
    return high, a - high


def _two_product(a, b):
    """(p, e) with p = fl(a * b) and p + e = a * b exactly."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e = a + b exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fma(a, b, c, dtype) -> np.ndarray:
    """a * b + c in `dtype` (float16, float32 or float64), rounded once."""
    dtype = np.dtype(dtype)
    if dtype != np.float64:
        return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(dtype)
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    with np.errstate(all="ignore"):
        p, pe = _two_product(a, b)
        s, se = _two_sum(p, c)
        out = s + (pe + se)
    plain = a * b + c
    return np.where(np.isfinite(out), out, plain)  # infinities and NaNs: as the plain expression gives them
