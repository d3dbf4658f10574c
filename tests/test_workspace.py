"""The CPU backend's workspace: large scratch buffers reused across training steps."""
import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.backends import workspace
from minitorch.backends.numpy_backend import backend
from minitorch.backends.workspace import MIN_BYTES, MOST_KEPT, Workspace

BIG = (MIN_BYTES // 4,)  # float32 elements filling the smallest kept size


def test_a_given_back_buffer_serves_the_next_request_of_its_size():
    ws = Workspace()
    a = ws.empty(BIG, np.float32)
    ws.give_back(a)
    b = ws.empty((2, BIG[0] // 2), np.float32)  # same bytes, another shape
    assert np.shares_memory(a, b) and b.shape == (2, BIG[0] // 2) and b.dtype == np.float32
    c = ws.empty(BIG, np.float32)  # the kept buffer is in use: a fresh one
    assert not np.shares_memory(b, c)


def test_views_give_back_their_buffer_and_small_or_borrowed_arrays_are_not_kept():
    ws = Workspace()
    a = ws.empty((4, BIG[0] // 4), np.float32)
    ws.give_back(a[1:])  # a view: its whole buffer returns
    assert np.shares_memory(ws.empty(BIG, np.float32), a)
    small = np.empty(10, np.float32)
    ws.give_back(small)
    borrowed = np.frombuffer(bytearray(MIN_BYTES), dtype=np.float32)  # memory NumPy does not own
    ws.give_back(borrowed)
    assert not ws._free


def test_at_most_a_few_buffers_are_kept():
    ws = Workspace()
    arrays = [np.empty(BIG, np.float32) for _ in range(MOST_KEPT + 2)]
    for a in arrays:
        ws.give_back(a)
        ws.give_back(a)  # twice: kept once
    assert len(ws._free) == MOST_KEPT
    assert np.shares_memory(ws.empty(BIG, np.float32), arrays[2])  # the oldest two were let go


def close(got, want, what):
    """Equal up to float32 rounding on the scale of the largest value (the gradients reach 1e6)."""
    want = want.numpy()
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6 * np.abs(want).max(), err_msg=what)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("blocked", [False, True], ids=["columns", "blocked"])
def test_convolution_steps_reusing_columns_match_torch(stride, blocked, monkeypatch):
    """Columns above the kept size go back to the workspace after each backward and serve the next
    convolution's forward and input gradient: three stacked convolutions whose columns have one size
    (after the first, strided one) must still match torch at every step. With the CPU's blocked
    stride-1 convolution only strided ones build full columns."""
    monkeypatch.setattr(workspace, "MIN_BYTES", 1 << 16)  # small test tensors take the large-buffer path
    monkeypatch.setattr(backend, "blocked_conv", blocked)
    backend.workspace.clear()
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((4, 4, 3, 3)).astype(np.float32) for _ in range(3)]

    def model(lib):
        convs = [lib.nn.Conv2d(4, 4, 3, stride=stride if i == 0 else 1, padding=1) for i in range(3)]
        with lib.no_grad():
            for conv, w in zip(convs, weights):
                conv.weight.copy_(lib.tensor(w))
                conv.bias.zero_()
        return lib.nn.Sequential(*convs)
    ours, theirs = model(mt), model(torch)
    for step in range(3):
        x = rng.standard_normal((8, 4, 40, 40)).astype(np.float32)
        mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (ours(mx) ** 2).sum().backward()
        (theirs(tx) ** 2).sum().backward()
        close(mx.grad, tx.grad, f"input gradient, step {step}")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            close(a.weight.grad, b.weight.grad, f"weight gradient {i}, step {step}")
            a.weight.grad = b.weight.grad = None
    assert bool(backend.workspace._free) == (not blocked or stride > 1)  # the columns came back
