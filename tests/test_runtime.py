"""Process-wide settings and custom-Function details that are real, not stubs: thread counts,
the deterministic-algorithms flag, and `ctx.mark_dirty`, each against torch."""
import numpy as np
import pytest
import torch

import minitorch as mt


@pytest.fixture
def threads_restored():
    before = mt.get_num_threads()
    yield
    mt.set_num_threads(before)


def blas_threads() -> int:
    from threadpoolctl import threadpool_info
    return min(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")


def test_set_num_threads_sets_the_splits_and_blas(threads_restored):
    from minitorch.backends import numpy_backend
    mt.set_num_threads(1)
    assert mt.get_num_threads() == 1 and blas_threads() == 1
    parts = numpy_backend._run_split(lambda start, stop: (start, stop), 10)
    assert parts == [(0, 10)]  # one thread: one part
    mt.set_num_threads(3)
    assert mt.get_num_threads() == 3 and blas_threads() == 3
    assert numpy_backend._run_split(lambda start, stop: (start, stop), 9) == [(0, 3), (3, 6), (6, 9)]
    x = mt.ones(1 << 22)
    assert x.sum().item() == 1 << 22  # the split sum still adds up


@pytest.mark.parametrize("value", [0, -1, 1.5, "2"])
def test_set_num_threads_refuses_what_torch_refuses(value):
    with pytest.raises(RuntimeError) as theirs:
        torch.set_num_threads(value)
    with pytest.raises(RuntimeError) as ours:
        mt.set_num_threads(value)
    assert str(ours.value) == str(theirs.value)


def test_deterministic_algorithms_flag_is_kept():
    try:
        mt.use_deterministic_algorithms(True, warn_only=True)
        assert mt.are_deterministic_algorithms_enabled() and mt.is_deterministic_algorithms_warn_only_enabled()
    finally:
        mt.use_deterministic_algorithms(False)
    assert not mt.are_deterministic_algorithms_enabled()


def double_in_place(lib):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Double


@pytest.mark.parametrize("lib", [mt, torch], ids=["minitorch", "torch"])
def test_mark_dirty_makes_the_input_the_output(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    version = b._version
    c = double_in_place(lib).apply(b)
    assert c is b and b._version == version + 2  # mul_ and mark_dirty each count
    assert c.grad_fn.name() == "DoubleBackward" and c.tolist() == [2.0, 4.0]
    c.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("lib", [mt, torch], ids=["minitorch", "torch"])
def test_mark_dirty_errors(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place"):
        double_in_place(lib).apply(a)

    class NotReturned(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g
    with pytest.raises(RuntimeError, match="Some elements marked as dirty during the forward method were not"):
        NotReturned.apply(a * 1)


@pytest.mark.parametrize("lib", [mt, torch], ids=["minitorch", "torch"])
def test_a_stale_saved_tensor_is_caught_after_mark_dirty(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    y = b * b  # saves b
    double_in_place(lib).apply(b)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    assert np.isfinite(b.detach().numpy()).all()
