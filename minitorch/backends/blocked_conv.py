"""Stride-1 convolution on the CPU in blocks of output positions, without a full column matrix.

The input is stored channel-major and padded, (C, N*Hp*Wp) flat: then the pixels that kernel
offset (i, j) meets, for a run of consecutive output positions, are one contiguous slice starting
i*d*Wp + j*d further on. A block of columns (C*kh*kw, B) is copied from such slices and multiplied
at once, so it stays in cache, where a full im2col would write and read back C*kh*kw*N*Ho*Wo
values (47 MB for one TinyVGG layer). Positions in the padding ("wide" outputs) are computed too
and dropped at the end; they are a few percent of the work.
"""
from __future__ import annotations

import numpy as np

BLOCK_BYTES = 3 << 20  # one block of columns: stays in a core's cache
MIN_BLOCK = 256        # output positions per block at least, however many rows the columns have


def _layout(x, k, p, d):
    """x (N, C, H, W) padded by p, channel-major and flat, plus zeros for the last offset's overrun;
    with the padded width, the output height and width, and the number of wide positions."""
    n, c, h, w = x.shape
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    reach = (k[0] - 1) * d[0] * wp + (k[1] - 1) * d[1]
    flat = np.zeros((c, n * hp * wp + reach), dtype=x.dtype)
    flat[:, :n * hp * wp].reshape(c, n, hp, wp)[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x.transpose(1, 0, 2, 3)
    return flat, wp, (hp - d[0] * (k[0] - 1), wp - d[1] * (k[1] - 1)), n * hp * wp


def _column_blocks(flat, k, d, wp, length):
    """(start, stop, columns) for consecutive blocks of the `length` wide output positions; the
    columns (C*kh*kw, stop - start) are rewritten in one buffer from block to block."""
    c = flat.shape[0]
    rows = c * k[0] * k[1]
    size = max(MIN_BLOCK, BLOCK_BYTES // (rows * flat.itemsize))
    buffer = np.empty((rows, min(size, length)), dtype=flat.dtype)
    step = flat.strides[1]
    for start in range(0, length, size):
        stop = min(start + size, length)
        cols = buffer[:, :stop - start]
        windows = np.lib.stride_tricks.as_strided(flat[:, start:], (c, k[0], k[1], stop - start),
                                                  (flat.strides[0], d[0] * wp * step, d[1] * step, step))
        np.copyto(cols.reshape(c, k[0], k[1], stop - start), windows)
        yield start, stop, cols


def conv2d(x, w, p, d):
    """Stride-1 convolution of x (N, C, H, W) with w (O, C, kh, kw): (N, O, Ho, Wo)."""
    n, o, k = x.shape[0], w.shape[0], w.shape[2:]
    flat, wp, (ho, wo), length = _layout(x, k, p, d)
    wide = np.empty((o, length), dtype=x.dtype)
    weights = w.reshape(o, -1)
    for start, stop, cols in _column_blocks(flat, k, d, wp, length):
        np.matmul(weights, cols, out=wide[:, start:stop])
    hp = x.shape[2] + 2 * p[0]
    return np.ascontiguousarray(wide.reshape(o, n, hp, wp)[:, :, :ho, :wo].transpose(1, 0, 2, 3))


def conv2d_weight(x, gy, k, p, d):
    """The weight gradient of a stride-1 convolution: sum over positions of gy (N, O, Ho, Wo) times
    the input window there, (O, C, kh, kw)."""
    n, o, ho, wo = gy.shape
    flat, wp, _, length = _layout(x, k, p, d)
    grad = np.zeros((o, n, x.shape[2] + 2 * p[0], wp), dtype=gy.dtype)  # zero at the wide positions
    grad[:, :, :ho, :wo] = gy.transpose(1, 0, 2, 3)
    grad = grad.reshape(o, length)
    gw = np.zeros((o, flat.shape[0] * k[0] * k[1]), dtype=gy.dtype)
    for start, stop, cols in _column_blocks(flat, k, d, wp, length):
        gw += grad[:, start:stop] @ cols.T
    return gw.reshape(o, flat.shape[0], *k)
