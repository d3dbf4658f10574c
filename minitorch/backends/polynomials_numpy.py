"""The classical orthogonal polynomials of torch.special in NumPy: Chebyshev T, U, V, W (and shifted to [0, 1]),
the physicists' and probabilists' Hermite H and He, Laguerre L and Legendre P, of degree n at x.

x and n are arrays of one float dtype, broadcast together; n is truncated to an integer and a negative degree
gives 0, as torch's kernels read it. Each follows torch's kernel: its closed forms at the interval's ends, the
trigonometric form for high degrees inside the interval where it has one, and otherwise the three-term recurrence,
run here for all elements at once up to the largest degree (each element keeps the value of its own degree).
The arithmetic is in the arrays' dtype, so float32 rounds as torch's float32 kernels do.
"""
from __future__ import annotations

import numpy as np


def _degrees(n, hermite: bool = False):
    """n as integer degrees; Hermite reads ±∞ and NaN as −1 (so 0)."""
    if hermite:
        n = np.where(np.isfinite(n), n, -1)
    with np.errstate(invalid="ignore"):
        return np.trunc(n).astype(np.int64)


def _recurrence(first, second, step, degrees):
    """pₖ = step(k, pₖ₋₁, pₖ₋₂) from p₀ = `first` and p₁ = `second`, each element taking p at its own degree. The
    loop runs to the largest degree and stops early once every element still climbing is NaN (as torch's loop
    stops at a NaN)."""
    result = np.where(degrees == 1, second, first)
    p, q = first, second
    climbing = degrees >= 2
    for k in range(2, int(degrees.max(initial=1)) + 1):
        p, q = q, step(k, q, p)
        result = np.where(degrees == k, q, result)
        climbing &= degrees > k
        if not climbing.any() or np.isnan(q[climbing]).all():
            return np.where(climbing, np.nan, result)
    return result


def _chebyshev(x, n, start, at_one, at_minus_one, trig, trig_from: int, shifted: bool):
    """The four Chebyshev kinds: p₀ = 1, p₁ = `start`, pₖ₊₁ = 2y pₖ − pₖ₋₁ with y = x (or 2x − 1 when shifted)."""
    one = x.dtype.type(1)
    y = x + x - one if shifted else x
    k = _degrees(n)
    with np.errstate(all="ignore"):
        value = _recurrence(np.ones_like(x), start(y), lambda _, q, p: (y + y) * q - p, k)
        value = np.where((k > trig_from) & (np.abs(y) < one), trig(y, k.astype(x.dtype)), value)
    ends = (x == one, x == 0) if shifted else (y == one, y == -one)
    value = np.where(ends[1], at_minus_one(k), value)
    value = np.where(ends[0], at_one(k), value)
    return np.where(k < 0, 0, value).astype(x.dtype, copy=False)


def _sign(k):
    return np.where(k % 2 == 0, 1.0, -1.0)


def _t_trig(y, k):
    return np.cos(k * np.arccos(y))


def _u_trig(y, k):
    theta = np.arccos(y)
    return np.where(np.sin(theta) != 0, np.sin((k + 1) * theta) / np.sin(theta), (k + 1) * np.cos((k + 1) * theta) / y)


def _v_trig(y, k):
    theta = np.arccos(y)
    return np.where(np.sin(theta / 2) != 1, np.cos((k + 0.5) * theta) / np.cos(theta / 2), _sign(k) * (k + k + 1))


def _w_trig(y, k, x_positive):
    theta = np.arccos(y)
    return np.where(np.cos(theta / 2) != 1, np.sin((k + 0.5) * theta) / np.sin(theta / 2),
                    np.where(x_positive, k + k + 1, _sign(k)))


def chebyshev_polynomial_t(x, n, shifted: bool = False):
    """Tₙ(x) = cos(n θ) with x = cos θ."""
    return _chebyshev(x, n, lambda y: y, lambda k: 1.0, _sign, _t_trig, 6, shifted)


def chebyshev_polynomial_u(x, n, shifted: bool = False):
    """Uₙ(x) = sin((n+1) θ) / sin θ with x = cos θ."""
    return _chebyshev(x, n, lambda y: y + y, lambda k: k + 1.0, lambda k: _sign(k) * (k + 1), _u_trig,
                      6 if shifted else 8, shifted)


def chebyshev_polynomial_v(x, n, shifted: bool = False):
    """Vₙ(x) = cos((n+½) θ) / cos(θ/2) with x = cos θ."""
    return _chebyshev(x, n, lambda y: y + y - 1, lambda k: 1.0, lambda k: _sign(k) * (k + k + 1), _v_trig,
                      6 if shifted else 8, shifted)


def chebyshev_polynomial_w(x, n, shifted: bool = False):
    """Wₙ(x) = sin((n+½) θ) / sin(θ/2) with x = cos θ."""
    positive = np.zeros_like(x, dtype=bool) if shifted else x > 0  # the shifted kernel falls back to ±1 alone
    return _chebyshev(x, n, lambda y: y + y + 1, lambda k: k + k + 1.0, _sign,
                      lambda y, k: _w_trig(y, k, positive), 4 if shifted else 8, shifted)


def hermite_polynomial_h(x, n):
    """Hₙ(x): H₀ = 1, H₁ = 2x, Hₖ₊₁ = 2x Hₖ − 2k Hₖ₋₁ (NaN above degree 128 in float32, 512 in float64)."""
    k = _degrees(n, hermite=True)
    with np.errstate(all="ignore"):
        value = _recurrence(np.ones_like(x), x + x, lambda j, q, p: (x + x) * q - (2 * j - 2) * p, k)
    limit = 128 if x.dtype == np.float32 else 512
    return np.where(k < 0, 0, np.where(k > limit, np.nan, value)).astype(x.dtype, copy=False)


def hermite_polynomial_he(x, n):
    """Heₙ(x): He₀ = 1, He₁ = x, Heₖ₊₁ = x Heₖ − k Heₖ₋₁ (NaN above degree 128 in float32, 512 in float64)."""
    k = _degrees(n)
    with np.errstate(all="ignore"):
        value = _recurrence(np.ones_like(x), x.copy(), lambda j, q, p: x * q - (j - 1) * p, k)
    limit = 128 if x.dtype == np.float32 else 512
    return np.where(k < 0, 0, np.where(k > limit, np.nan, value)).astype(x.dtype, copy=False)


def laguerre_polynomial_l(x, n):
    """Lₙ(x): L₀ = 1, L₁ = 1 − x, (k+1) Lₖ₊₁ = (2k + 1 − x) Lₖ − k Lₖ₋₁ (1 at x = 0)."""
    one = x.dtype.type(1)
    k = _degrees(n)

    def step(j, q, p):
        j -= 1  # torch's k: the degree being left
        return (((j + j) + (one - x)) * q - j * p) / (j + 1)
    with np.errstate(all="ignore"):
        value = _recurrence(np.ones_like(x), one - x, step, k)
    return np.where(k < 0, 0, np.where(x == 0, 1, value)).astype(x.dtype, copy=False)


def legendre_polynomial_p(x, n):
    """Pₙ(x): P₀ = 1, P₁ = x, (k+1) Pₖ₊₁ = (2k+1) x Pₖ − k Pₖ₋₁ (±1 at x = ±1)."""
    k = _degrees(n)

    def step(j, q, p):
        j -= 1
        return ((j + j + 1) * x * q - j * p) / (j + 1)
    with np.errstate(all="ignore"):
        value = _recurrence(np.ones_like(x), x.copy(), step, k)
    value = np.where(np.abs(x) == 1, np.where((x > 0) | (k % 2 == 0), 1.0, -1.0), value)
    return np.where(k < 0, 0, value).astype(x.dtype, copy=False)
