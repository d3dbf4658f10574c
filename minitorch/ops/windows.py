"""torch's window factories: hann_window, hamming_window, bartlett_window, blackman_window, kaiser_window.

Each computes its window of N points in the requested float dtype, step by step as torch's kernel does (so float32
rounds alike); `periodic=True` (the default, for spectral analysis) computes N + 1 points and drops the last.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as D
from ..backends import special_numpy as S
from ..formats import check_factory_options
from .creation import _finish


def _hamming(t, n, alpha=0.54, beta=0.46):
    return np.cos(np.arange(n, dtype=t) * t(2 * math.pi / (n - 1))) * t(-beta) + t(alpha)


def _bartlett(t, n):
    w = np.arange(n, dtype=t) * t(2.0 / (n - 1))
    half = ((n - 1) >> 1) + 1
    w[half:] = -w[half:] + t(2)
    return w


def _blackman(t, n):
    w = np.arange(n, dtype=t) * t(math.pi / (n - 1))
    return np.cos(w * t(4)) * t(0.08) - np.cos(w * t(2)) * t(0.5) + t(0.42)


def _kaiser(t, n, beta=12.0):
    alpha = (n - 1) / 2.0
    a = np.arange(n, dtype=np.float64)
    return (S.i0(beta * np.sqrt(1 - ((a - alpha) / alpha) ** 2)) / S.i0(np.float64(beta))).astype(t)


def _window(name: str, body, window_length, periodic, dtype, layout, device, pin_memory, requires_grad, *params):
    check_factory_options(name, layout, pin_memory)
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dt = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype={dt.c_name}, "
                           "device=cpu, layout=Strided (default), requires_grad=false (default), "
                           "pinned_memory=false, memory_format=(nullopt))")
    t = np.dtype(dt.np).type
    if window_length <= 1:
        values = np.ones(window_length, dtype=t)
    else:
        values = body(t, window_length + 1 if periodic else window_length, *params)[:window_length]
    return _finish(np.ascontiguousarray(values, dtype=t), device, requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None, pin_memory: bool = False,
                requires_grad: bool | None = False):
    """The Hann window ½ − ½ cos(2πn / (N − 1)) (N + 1 points, the last dropped, when periodic)."""
    return _window("hann_window", _hamming, window_length, periodic, dtype, layout, device, pin_memory, requires_grad,
                   0.5, 0.5)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *, dtype=None,
                   layout=None, device=None, pin_memory: bool = False, requires_grad: bool | None = False):
    """The Hamming window α − β cos(2πn / (N − 1))."""
    return _window("hamming_window", _hamming, window_length, periodic, dtype, layout, device, pin_memory,
                   requires_grad, alpha, beta)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    pin_memory: bool = False, requires_grad: bool | None = False):
    """The triangular window 1 − |2n / (N − 1) − 1|."""
    return _window("bartlett_window", _bartlett, window_length, periodic, dtype, layout, device, pin_memory,
                   requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    pin_memory: bool = False, requires_grad: bool | None = False):
    """The Blackman window 0.42 − ½ cos(2πn / (N − 1)) + 0.08 cos(4πn / (N − 1))."""
    return _window("blackman_window", _blackman, window_length, periodic, dtype, layout, device, pin_memory,
                   requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, pin_memory: bool = False, requires_grad: bool | None = False):
    """The Kaiser window I₀(β √(1 − ((n − α)/α)²)) / I₀(β), α = (N − 1)/2."""
    return _window("kaiser_window", _kaiser, window_length, periodic, dtype, layout, device, pin_memory,
                   requires_grad, beta)
