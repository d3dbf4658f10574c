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


def trigamma(x):
    """ψ′(x) as torch's CPU kernel computes it, in x's precision (float16 in float32): for x < ½ the
    reflection −π² / sin²(πx) (finite at the poles, where sin(πx) rounds away from 0), then six steps of the
    recurrence ψ′(x) = ψ′(x + 1) + 1/x², then the asymptotic series."""
    dt = np.asarray(x).dtype
    work = np.dtype(np.float32) if dt == np.float16 else dt
    t = work.type
    z = np.array(x, dtype=work)
    with np.errstate(all="ignore"):
        reflect = z < t(0.5)
        pi = t(math.pi)
        sin_pi_x = np.sin(pi * z)
        result = np.where(reflect, -(pi * pi) / (sin_pi_x * sin_pi_x), t(0)).astype(work)
        z = np.where(reflect, t(1) - z, z).astype(work)
        for _ in range(6):
            result = result + t(1) / (z * z)
            z = z + t(1)
        ixx = t(1) / (z * z)
        series = t(1) / t(6) - ixx * (t(1) / t(30) - ixx * (t(1) / t(42)))
        result = result + (t(1) + t(1) / (t(2) * z) + ixx * series) / z
        return np.where(reflect, -result, result).astype(dt)


def polygamma(n: int, x):
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function: ψ itself for n = 0, torch's trigamma for
    n = 1, else (−1)ⁿ⁺¹ n! ζ(n + 1, x)."""
    if n == 0:
        return digamma(x)
    if n == 1:
        return trigamma(x)
    dt = np.asarray(x).dtype
    z = _f64(x)
    # as torch: n! as exp(log Γ(n + 1)) and the product in the input's precision (so a float32 n! overflows)
    with np.errstate(all="ignore"):
        factor = dt.type((-1.0) ** (n + 1) * math.exp(min(math.lgamma(n + 1.0), 1000.0)))
        return (factor * zeta(np.full(z.shape, n + 1.0), z).astype(dt)).astype(dt, copy=False)


# ---- modified Bessel functions of the first kind -----------------------------------------------------------

_BESSEL_SWITCH = 30.0   # below: the power series; above: the asymptotic expansion


def _bessel_scaled(order: int, x):
    """e^(−|x|) I_order(|x|) for order 0 or 1: Σ (x/2)^(2k+order) / (k! (k+order)!) below the switch,
    e^(−|x|) e^|x| / √(2π|x|) · Σ (−1)^k a_k / |x|^k above, a_k = Π_{j≤k} (4·order² − (2j − 1)²) / (k! 8^k)."""
    a = np.abs(_f64(x))
    small = np.minimum(a, _BESSEL_SWITCH)
    half_sq = (small / 2) ** 2
    term = (small / 2) ** order / math.factorial(order)
    total = term.copy()
    for k in range(1, 120):
        term = term * half_sq / (k * (k + order))
        total = total + term
    series = total * np.exp(-small)
    large = np.maximum(a, _BESSEL_SWITCH)
    mu = 4.0 * order * order
    coefficient, tail = 1.0, np.ones_like(large)
    for k in range(1, 30):
        coefficient *= -(mu - (2 * k - 1) ** 2) / (k * 8.0)
        tail = tail + coefficient / large ** k
    asymptotic = tail / np.sqrt(2 * math.pi * large)
    with np.errstate(all="ignore"):
        return np.where(a <= _BESSEL_SWITCH, series, asymptotic)


def _same_dtype(out, x):
    return out.astype(np.asarray(x).dtype, copy=False)


def i0e(x):
    """e^(−|x|) I₀(x)."""
    return _same_dtype(_bessel_scaled(0, x), x)


def i0(x):
    """I₀(x), the modified Bessel function of the first kind of order 0 (even)."""
    with np.errstate(over="ignore"):
        return _same_dtype(_bessel_scaled(0, x) * np.exp(np.abs(_f64(x))), x)


def i1e(x):
    """e^(−|x|) I₁(x) (odd)."""
    return _same_dtype(np.sign(_f64(x)) * _bessel_scaled(1, x), x)


def i1(x):
    """I₁(x), the modified Bessel function of the first kind of order 1 (odd)."""
    z = _f64(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return _same_dtype(np.sign(z) * _bessel_scaled(1, x) * np.exp(np.abs(z)), x)


# ---- the normal distribution's tails ------------------------------------------------------------------------

_SQRT_PI = math.sqrt(math.pi)


def erfcx(x):
    """e^(x²) erfc(x): the product where it is finite and accurate, the asymptotic series 1/(x√π) ·
    Σ (−1)^k (2k−1)!! / (2x²)^k for large x (and 2e^(x²) − erfcx(−x) below zero)."""
    z = _f64(x)
    a = np.abs(z)
    with np.errstate(all="ignore"):
        direct = np.exp(a * a) * erfc(a)
        inv = 1.0 / (2 * a * a)
        term, tail = np.ones_like(a), np.ones_like(a)
        for k in range(1, 12):
            term = term * -(2 * k - 1) * inv
            tail = tail + term
        asymptotic = tail / (a * _SQRT_PI)
        positive = np.where(a < 12, direct, asymptotic)
        out = np.where(z >= 0, positive, 2 * np.exp(z * z) - positive)
        out = np.where(np.isnan(z), np.nan, np.where(z == np.inf, 0.0, out))
    return _same_dtype(out, x)


def log_ndtr(x):
    """log Φ(x): log1p(−Φ(−x)) above zero, log(erfcx(−x/√2) / 2) − x²/2 below (no underflow)."""
    z = _f64(x)
    with np.errstate(all="ignore"):
        upper = np.log1p(-0.5 * erfc(z / math.sqrt(2)))
        lower = np.log(erfcx(-z / math.sqrt(2)) / 2) - z * z / 2
        out = np.where(z > 0, upper, lower)
    return _same_dtype(out, x)


def ndtri(p):
    """Φ⁻¹(p): a first guess from erfinv (or the tail's √(−2 log p)), then Halley steps on
    Φ(x) − p with Φ computed through erfc, so the tails keep their relative precision."""
    from .numpy_backend import erfinv_numpy
    q = _f64(p)
    with np.errstate(all="ignore"):
        tail = np.minimum(q, 1 - q)
        guess = math.sqrt(2) * erfinv_numpy(2 * q - 1)
        far = tail < 1e-8
        t = np.sqrt(-2 * np.log(np.where(far, tail, 0.5)))
        guess = np.where(far, np.sign(q - 0.5) * (t - (np.log(t) + math.log(4 * math.pi)) / (2 * t)), guess)
        x = np.where(np.isfinite(guess), guess, 0.0)
        for _ in range(4):  # Halley on the smaller tail: Φ(x) − p for x < 0, (1 − Φ(x)) − (1 − p) above
            lower = x < 0
            cdf = 0.5 * erfc(np.where(lower, -x, x) / math.sqrt(2))
            err = np.where(lower, cdf - q, (1 - q) - cdf)
            pdf = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
            step = err / pdf
            x = x - step / (1 + x * step / 2)
        out = np.where(q == 0, -np.inf, np.where(q == 1, np.inf, x))
        out = np.where((q < 0) | (q > 1) | np.isnan(q), np.nan, out)
    return _same_dtype(out, p)


# ---- the regularised incomplete gamma functions ---------------------------------------------------------------

def _gammainc_pair(a, x):
    """(P(a, x), Q(a, x)): the series of P for x < a + 1, the continued fraction of Q otherwise (Lentz)."""
    a, x = np.broadcast_arrays(_f64(a), _f64(x))
    with np.errstate(all="ignore"):
        log_front = a * np.log(x) - x - lgamma(a)
        # series: P = e^(a log x − x − lgamma a) Σ x^n / (a (a+1) ... (a+n))
        term = 1.0 / a
        total = term.copy()
        for n in range(1, 400):
            term = term * x / (a + n)
            total = total + term
        p_series = np.exp(log_front) * total
        # continued fraction for Q (modified Lentz)
        tiny = 1e-300
        b = x + 1 - a
        c = np.full_like(b, 1 / tiny)
        d = 1 / np.where(b == 0, tiny, b)
        h = d.copy()
        for n in range(1, 400):
            an = -n * (n - a)
            b = b + 2
            d = an * d + b
            d = 1 / np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / np.where(np.abs(c) < tiny, tiny, c)
            h = h * d * c
        q_fraction = np.exp(log_front) * h
        use_series = x < a + 1
        p = np.where(use_series, p_series, 1 - q_fraction)
        q = np.where(use_series, 1 - p_series, q_fraction)
        zero_x = x == 0
        p, q = np.where(zero_x, 0.0, p), np.where(zero_x, 1.0, q)
        inf_x = np.isinf(x) & (x > 0)
        p, q = np.where(inf_x, 1.0, p), np.where(inf_x, 0.0, q)
        bad = (a < 0) | (x < 0) | np.isnan(a) | np.isnan(x) | ((a == 0) & (x == 0))
        zero_a = (a == 0) & (x > 0)
        p, q = np.where(zero_a, 1.0, p), np.where(zero_a, 0.0, q)
        p, q = np.where(bad, np.nan, p), np.where(bad, np.nan, q)
        inf_a = np.isinf(a) & (a > 0) & ~np.isinf(x)
        p, q = np.where(inf_a, 0.0, p), np.where(inf_a, 1.0, q)
    return p, q


def gammainc(a, x):
    """P(a, x) = γ(a, x) / Γ(a), the regularised lower incomplete gamma function."""
    return _same_dtype(_gammainc_pair(a, x)[0], np.result_type(np.asarray(a), np.asarray(x)).type(0))


def gammaincc(a, x):
    """Q(a, x) = 1 − P(a, x), the regularised upper incomplete gamma function."""
    return _same_dtype(_gammainc_pair(a, x)[1], np.result_type(np.asarray(a), np.asarray(x)).type(0))
