"""The CPU backend: NumPy as `xp` plus the named kernels ops may call."""
import math

import numpy as xp

name = "numpy"
ndarray = xp.ndarray

# torch computes inf/nan silently; NumPy would warn on every such element.
xp.seterr(all="ignore")


def to_host(a):
    return a


def from_host(a):
    return a


def scatter_add(target, index, source):
    """target[index] += source, with repeated indices adding up (unbuffered)."""
    xp.add.at(target, index, source)
    return target


try:  # SciPy's erf is fast and exact; it is optional
    from scipy.special import erf as _scipy_erf
except ImportError:  # pragma: no cover - exercised through erf_numpy in the tests
    _scipy_erf = None


def erf_numpy(x):
    """erf in pure NumPy, to double precision: a Taylor series for |x| < 2.5 and the
    continued fraction of erfc beyond, evaluated in float64 and cast back."""
    z = xp.asarray(x, dtype=xp.float64)
    a = xp.abs(z)
    small = a < 2.5
    s = xp.where(small, z, 0.0)
    term = s.copy()
    total = s.copy()
    s2 = -s * s
    for n in range(1, 60):
        term *= s2 / n
        total += term / (2 * n + 1)
    series = total * (2.0 / math.sqrt(math.pi))
    b = xp.where(small, 3.0, a)
    f = b.copy()
    for k in range(80, 0, -1):
        f = b + (k / 2.0) / f
    erfc = xp.exp(-b * b) / (math.sqrt(math.pi) * f)
    tail = xp.sign(z) * (1.0 - erfc)
    out = xp.where(small, series, tail)
    out = xp.where(xp.isnan(z), xp.nan, out)
    return out.astype(xp.asarray(x).dtype, copy=False)


def erf(x):
    """The error function, elementwise."""
    if _scipy_erf is not None:
        return _scipy_erf(x).astype(x.dtype, copy=False)
    return erf_numpy(x)
