"""Per-op overhead: chains of ops on 2x2 tensors, where dispatch and autograd bookkeeping are the cost."""
import pytest

from harness import run

CHAIN = 100  # ops per chain


def _chain(x, w):
    for _ in range(CHAIN // 4):
        x = ((x * w + w) - x).tanh()
    return x


@pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
def test_tiny_op_chain(benchmark, fw, backward):
    x, w = fw.randn(2, 2, requires_grad=backward), fw.randn(2, 2, seed=1, requires_grad=backward)
    fn = (lambda: _chain(x, w).sum().backward()) if backward else (lambda: _chain(x, w))
    run(benchmark, fw, f"tiny-op chain ({CHAIN} ops, 2x2) {'fwd+bwd' if backward else 'fwd'}", fn, ops=CHAIN)


def test_scalar_operand(benchmark, fw):
    a = fw.randn(2, 2)
    run(benchmark, fw, "a * 0.5 (2x2, no grad)", lambda: a * 0.5)
