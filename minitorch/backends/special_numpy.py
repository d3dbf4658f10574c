"""Special functions on NumPy arrays, in float64 (cast back to the input's dtype): erfc, log Γ, the
digamma and polygamma functions and the Hurwitz zeta function. CuPy's backend takes them from
cupyx.scipy.special instead."""
from __future__ import annotations

import math

import numpy as np

# Lanczos's approximation of Γ (g = 7, 9 terms): relative error below 1e-15 for x ≥ 0.5
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
# B_2k / (2k) for the asymptotic series of ψ(x) = ln x − 1/(2x) − Σ B_2k / (2k x^2k)
_DIGAMMA_TAIL = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
# (2k)! / B_2k, as in Cephes' zeta: the Euler-Maclaurin correction terms
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def erfc(x):
    """1 − erf(x) without cancellation for large x: the Taylor series of erf below 2.5, the continued
    fraction of erfc above (and 2 − erfc(−x) for negative x)."""
    from .numpy_backend import erf_numpy
    z = _f64(x)
    a = np.abs(z)
    b = np.where(a < 2.5, 3.0, a)
    f = b.copy()
    for k in range(80, 0, -1):
        f = b + (k / 2.0) / f
    tail = np.exp(-b * b) / (math.sqrt(math.pi) * f)
    out = np.where(a < 2.5, 1.0 - erf_numpy(z), np.where(z > 0, tail, 2.0 - tail))
    return out.astype(np.asarray(x).dtype, copy=False)


def lgamma(x):
    """log |Γ(x)|: Lanczos above 0.5, the reflection log(π / |sin πx|) − log|Γ(1 − x)| below; +inf at the
    poles (0, −1, −2, ...)."""
    z = _f64(x)
    reflect = z < 0.5
    w = np.where(reflect, 1.0 - z, z) - 1.0
    series = np.full_like(w, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], start=1):
        series = series + c / (w + i)
    t = w + _LANCZOS_G + 0.5
    with np.errstate(all="ignore"):
        big = 0.5 * math.log(2 * math.pi) + (w + 0.5) * np.log(t) - t + np.log(series)
        sin = np.abs(np.sin(math.pi * (z - np.floor(z))))  # sin(πz) computed on the fractional part
        out = np.where(reflect, math.log(math.pi) - np.log(sin) - big, big)
        out = np.where((z <= 0) & (z == np.floor(z)), np.inf, out)
        out = np.where(np.isinf(z), np.inf, out)
    return out.astype(np.asarray(x).dtype, copy=False)


def digamma(x):
    """ψ(x) = d log Γ(x) / dx: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic
    series; the reflection ψ(1 − x) − π / tan(πx) for x < 0; −inf at +0 (+inf at −0), NaN at negative
    integers, as torch."""
    z = _f64(x)
    with np.errstate(all="ignore"):
        neg = z < 0
        w = np.where(neg, 1.0 - z, z)
        acc = np.zeros_like(w)
        for _ in range(10):
            small = w < 10
            acc = acc - np.where(small, 1.0 / np.where(small, w, 1.0), 0.0)
            w = np.where(small, w + 1.0, w)
        inv2 = 1.0 / (w * w)
        tail = np.zeros_like(w)
        for c in reversed(_DIGAMMA_TAIL):
            tail = (tail + c) * inv2
        psi = acc + np.log(w) - 0.5 / w - tail
        frac = z - np.floor(z)
        psi = np.where(neg, psi - math.pi / np.tan(math.pi * frac), psi)
        psi = np.where(neg & (frac == 0), np.nan, psi)
        psi = np.where(z == 0, np.copysign(np.inf, -z), psi)
        psi = np.where(z == np.inf, np.inf, psi)
    return psi.astype(np.asarray(x).dtype, copy=False)


def zeta(s, q):
    """The Hurwitz zeta function Σ_k (k + q)^(−s) for s > 1 (Euler-Maclaurin summation, as Cephes); for
    q ≤ 0 and integer s, shifted up with the recurrence; +inf at the poles q = 0, −1, ..."""
    s, q = np.broadcast_arrays(_f64(s), _f64(q))
    out = np.zeros(s.shape)
    with np.errstate(all="ignore"):
        shift = np.where(q < 1, np.ceil(1 - q), 0.0)
        too_far = ~(shift <= 10_000)  # q below -10000 (or NaN): not computed, NaN
        shift = np.where(too_far, 0.0, shift)
        for k in range(int(shift.max(initial=0))):
            term = np.where(k < shift, (q + k) ** -s, 0.0)
            out = out + term
        q1 = q + shift
        total = np.zeros(s.shape)
        for k in range(10):  # the first terms, (q + k)^(-s) for k = 0 .. 9
            total = total + (q1 + k) ** -s
        a = q1 + 9
        b = a ** -s
        total = total + b * a / (s - 1) - 0.5 * b  # the integral of the tail, less half its first term
        prod, k = np.ones(s.shape), 0.0
        for coeff in _ZETA_A:  # Euler-Maclaurin: B_2j / (2j)! · s (s+1) ... (s+2j-2) a^(-s-2j+1)
            prod = prod * (s + k)
            b = b / a
            total = total + prod * b / coeff
            k += 1
            prod = prod * (s + k)
            b = b / a
            k += 1
        out = out + total
        out = np.where(too_far, np.nan, out)
        out = np.where((q <= 0) & (q == np.floor(q)), np.inf, out)
        out = np.where(s == 1, np.inf, out)
        out = np.where(s < 1, np.nan, out)
    return out


def polygamma(n: int, x):
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function: ψ itself for n = 0, else
    (−1)ⁿ⁺¹ n! ζ(n + 1, x)."""
    if n == 0:
        return digamma(x)
    dt = np.asarray(x).dtype
    z = _f64(x)
    # as torch: n! as exp(log Γ(n + 1)) and the product in the input's precision (so a float32 n! overflows)
    with np.errstate(all="ignore"):
        factor = dt.type((-1.0) ** (n + 1) * math.exp(min(math.lgamma(n + 1.0), 1000.0)))
        return (factor * zeta(np.full(z.shape, n + 1.0), z).astype(dt)).astype(dt, copy=False)
