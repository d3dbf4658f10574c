"""torch.signal.windows: tapering windows of length M, symmetric (sym=True, for filter design) or periodic
(sym=False, for spectral analysis), each computed from minitorch ops as torch computes it (so a window that
requires grad has a graph behind it)."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import dtypes as D
from ..formats import strided
from .. import linspace  # the checked public form: torch's windows call torch.linspace, whose checks they show
from ..ops.creation import arange, empty, ones, tensor
from ..ops.special_functions import i0


def _prepare(name: str, M: int, dtype, layout):
    """The window's dtype, after torch's checks of its length, layout and dtype."""
    dtype = D.get_default_dtype() if dtype is None else dtype
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (D.float32, D.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _trivial(M: int, dtype, device, requires_grad, ones_too: bool = True):
    """The empty window (M = 0) and, where torch shortcuts it, the one-point window [1]."""
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1 and ones_too:
        return ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def _periodic(M: int, sym: bool) -> bool:
    return not sym and M > 1


def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True, dtype=None,
                layout=strided, device=None, requires_grad: bool = False):
    """w_n = exp(−|n − c| / τ) (the Poisson window), centred at c."""
    dtype = _prepare("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return _trivial(M, dtype, device, requires_grad)
    center = (M if _periodic(M, sym) else M - 1) / 2.0 if center is None else center
    k = linspace(-center / tau, (-center + (M - 1)) / tau, M, dtype=dtype, device=device, requires_grad=requires_grad)
    return (-k.abs()).exp()


def cosine(M: int, *, sym: bool = True, dtype=None, layout=strided, device=None, requires_grad: bool = False):
    """w_n = sin(π (n + ½) / M) (the sine window)."""
    dtype = _prepare("cosine", M, dtype, layout)
    if M == 0:
        return _trivial(M, dtype, device, requires_grad)
    constant = math.pi / (M + 1 if _periodic(M, sym) else M)
    k = linspace(0.5 * constant, (0.5 + (M - 1)) * constant, M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    return k.sin()


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=strided, device=None,
             requires_grad: bool = False):
    """w_n = exp(−(n − c)² / (2σ²)), centred on the window."""
    dtype = _prepare("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return _trivial(M, dtype, device, requires_grad)
    start = -(M if _periodic(M, sym) else M - 1) / 2.0
    constant = 1 / (std * math.sqrt(2))
    k = linspace(start * constant, (start + (M - 1)) * constant, M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    return (-(k ** 2)).exp()


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=strided, device=None,
           requires_grad: bool = False):
    """w_n = I₀(β √(1 − (2n/(M−1) − 1)²)) / I₀(β)."""
    dtype = _prepare("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    t = np.dtype(dtype.np).type  # the ends computed in the window's dtype, as torch computes them on tensors
    constant = t(2.0) * t(beta) / t(M if not sym else M - 1)
    end = min(t(beta), -t(beta) + t(M - 1) * constant)
    k = linspace(float(-t(beta)), float(end), M, dtype=dtype, device=device, requires_grad=requires_grad)
    b = tensor(beta, dtype=dtype, device=device)
    return i0((b * b - k.pow(2)).sqrt()) / i0(b)


def general_cosine(M, *, a: Iterable, sym: bool = True, dtype=None, layout=strided, device=None,
                   requires_grad: bool = False):
    """w_n = Σᵢ (−1)ⁱ aᵢ cos(2π i n / (M − 1)) (M in place of M − 1 when periodic)."""
    dtype = _prepare("general_cosine", M, dtype, layout)
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    constant = 2 * math.pi / (M if not sym else M - 1)
    k = linspace(0, (M - 1) * constant, M, dtype=dtype, device=device, requires_grad=requires_grad)
    a_i = tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device, requires_grad=requires_grad)
    i = arange(a_i.shape[0], dtype=a_i.dtype, device=a_i.device, requires_grad=a_i.requires_grad)
    return (a_i.unsqueeze(-1) * (i.unsqueeze(-1) * k).cos()).sum(0)


def general_hamming(M, *, alpha: float = 0.54, sym: bool = True, dtype=None, layout=strided, device=None,
                    requires_grad: bool = False):
    """w_n = α − (1 − α) cos(2π n / (M − 1))."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype=None, layout=strided, device=None, requires_grad: bool = False):
    """The Hamming window: general_hamming with α = 0.54."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype=None, layout=strided, device=None, requires_grad: bool = False):
    """The Hann window: general_hamming with α = ½."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype=None, layout=strided, device=None, requires_grad: bool = False):
    """The Blackman window: general_cosine with a = (0.42, 0.5, 0.08)."""
    dtype = _prepare("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def bartlett(M: int, *, sym: bool = True, dtype=None, layout=strided, device=None, requires_grad: bool = False):
    """The triangular window w_n = 1 − |2n / (M − 1) − 1|."""
    dtype = _prepare("bartlett", M, dtype, layout)
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    constant = 2 / (M if not sym else M - 1)
    k = linspace(-1, -1 + (M - 1) * constant, M, dtype=dtype, device=device, requires_grad=requires_grad)
    return 1 - k.abs()


def nuttall(M: int, *, sym: bool = True, dtype=None, layout=strided, device=None, requires_grad: bool = False):
    """The minimum 4-term Blackman-Harris window of Nuttall: general_cosine with his four coefficients."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming", "hamming",
           "hann", "kaiser", "nuttall"]
