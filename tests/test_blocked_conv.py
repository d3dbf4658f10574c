"""The CPU's stride-1 convolution in blocks of output positions, against torch (in float64)."""
import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.backends import blocked_conv

CASES = [  # (N, C, H, W), (O, kh, kw), padding, dilation
    ((2, 3, 7, 9), (4, 3, 3), (1, 1), (1, 1)),
    ((1, 2, 5, 6), (3, 3, 2), (0, 1), (2, 1)),    # uneven kernel, padding and dilation
    ((3, 1, 4, 4), (2, 1, 1), (0, 0), (1, 1)),    # 1x1 kernel
    ((2, 2, 5, 5), (2, 3, 3), (2, 2), (1, 1)),    # padding beyond the kernel's reach
    ((1, 1, 1, 1), (1, 1, 1), (0, 0), (1, 1)),
]


@pytest.mark.parametrize("block_bytes", [64, 1 << 20], ids=["many-blocks", "one-block"])
@pytest.mark.parametrize("shape,kernel,padding,dilation", CASES)
def test_blocked_convolution_matches_torch(shape, kernel, padding, dilation, block_bytes, monkeypatch):
    monkeypatch.setattr(blocked_conv, "BLOCK_BYTES", block_bytes)
    monkeypatch.setattr(blocked_conv, "MIN_BLOCK", 5)  # with 64 bytes: blocks of 5 positions, a last short one
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((kernel[0], shape[1]) + kernel[1:])
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    want = torch.nn.functional.conv2d(tx, tw, padding=padding, dilation=dilation)
    gy = rng.standard_normal(tuple(want.shape))
    want.backward(torch.tensor(gy))

    np.testing.assert_allclose(blocked_conv.conv2d(x, w, padding, dilation), want.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(blocked_conv.conv2d_weight(x, gy, kernel[1:], padding, dilation),
                               tw.grad.numpy(), rtol=1e-12, atol=1e-12)
    mx, mw = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)  # the op, input gradient too
    mt.nn.functional.conv2d(mx, mw, padding=padding, dilation=dilation).backward(mt.tensor(gy))
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mw.grad.numpy(), tw.grad.numpy(), rtol=1e-12, atol=1e-12)
