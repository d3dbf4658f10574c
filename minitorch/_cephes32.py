"""Float32 log and sincos exactly as the AVX "mathfun" routines compute them.

torch's CPU `randn`/`normal_` turns uniforms into normals (Box-Muller) with these
Cephes-derived polynomials when the CPU has AVX2; reproducing them operation by
operation in float32 gives bit-identical normals.
"""
import numpy as np

from .fma import fma

f32 = np.float32


def _fma(a, b, c):
    """a * b + c rounded once to float32 (the compiler fuses these pairs into FMA)."""
    return fma(a, b, c, f32)
_SQRTHF = f32(0.707106781186547524)
_LOG_P = [f32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                           1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                           3.3333331174e-1)]
_LOG_Q1, _LOG_Q2 = f32(-2.12194440e-4), f32(0.693359375)
_MIN_NORM = np.array(0x00800000, dtype=np.uint32).view(np.float32)


def log(x):
    """Natural log of float32 `x` (> 0) as avx_mathfun's log256_ps."""
    x = np.asarray(x, dtype=f32)
    invalid = x <= 0
    x = np.maximum(x, _MIN_NORM)
    bits = x.view(np.uint32)
    e = ((bits >> 23).astype(np.int32) - 0x7F).astype(f32) + f32(1.0)
    m = ((bits & np.uint32(~0x7F800000 & 0xFFFFFFFF)) | np.uint32(0x3F000000)).view(f32)
    mask = m < _SQRTHF
    tmp = np.where(mask, m, f32(0))
    m = m - f32(1.0)
    e = e - np.where(mask, f32(1.0), f32(0))
    m = m + tmp
    z = m * m
    y = _LOG_P[0]
    for c in _LOG_P[1:]:
        y = _fma(y, m, c)
    y = y * m
    y = _fma(y, z, e * _LOG_Q1)
    y = _fma(-z, f32(0.5), y)
    m = m + y
    m = _fma(e, _LOG_Q2, m)
    return np.where(invalid, f32(np.nan), m).astype(f32)


_DP1, _DP2, _DP3 = f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8)
_FOPI = f32(1.27323954473516)
_COS = [f32(c) for c in (2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002)]
_SIN = [f32(c) for c in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]


def sincos(x):
    """(sin x, cos x) of float32 `x` as avx_mathfun's sincos256_ps."""
    x = np.asarray(x, dtype=f32)
    sign_sin = x.view(np.uint32) & np.uint32(0x80000000)
    x = np.abs(x)
    y = x * _FOPI
    j = y.astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(f32)
    swap_sin = ((j & 4) << 29).astype(np.uint32)
    poly = (j & 2) == 0
    sign_cos = ((~(j - 2)) & 4).astype(np.uint32) << np.uint32(29)
    sign_sin = sign_sin ^ swap_sin
    x = _fma(y, _DP1, x)
    x = _fma(y, _DP2, x)
    x = _fma(y, _DP3, x)
    z = x * x
    c = _fma(_COS[0], z, _COS[1])
    c = _fma(c, z, _COS[2])
    c = c * z
    c = _fma(c, z, -(z * f32(0.5)))
    c = c + f32(1.0)
    s = _fma(_SIN[0], z, _SIN[1])
    s = _fma(s, z, _SIN[2])
    s = s * z
    s = _fma(s, x, x)
    sin = np.where(poly, s, c).astype(f32)
    cos = np.where(poly, c, s).astype(f32)
    sin = (sin.view(np.uint32) ^ sign_sin).view(f32)
    cos = (cos.view(np.uint32) ^ sign_cos).view(f32)
    return sin, cos
