"""Single ops, forward and forward+backward, at the sizes the course's models use."""
import pytest

from harness import run

MATMUL_SIZES = [64, 128, 256, 512, 1024, 2048]
ELEMENTWISE_SIZES = [10**3, 10**5, 10**7]


@pytest.mark.parametrize("n", MATMUL_SIZES)
def test_matmul(benchmark, fw, n):
    a, b = fw.randn(n, n), fw.randn(n, n, seed=1)
    run(benchmark, fw, f"matmul {n}x{n}", lambda: a @ b, size=n)


@pytest.mark.parametrize("n", [64, 256])
def test_batched_matmul(benchmark, fw, n):
    a, b = fw.randn(32, n, n), fw.randn(32, n, n, seed=1)
    run(benchmark, fw, f"bmm 32x{n}x{n}", lambda: a @ b, size=n)


@pytest.mark.parametrize("n", [256, 1024])
def test_matmul_backward(benchmark, fw, n):
    a, b = fw.randn(n, n, requires_grad=True), fw.randn(n, n, seed=1, requires_grad=True)
    run(benchmark, fw, f"matmul {n}x{n} fwd+bwd", lambda: (a @ b).sum().backward(), size=n)


CONV_SHAPES = {"3->10 64x64": (3, 64), "10->10 64x64": (10, 64), "10->10 32x32": (10, 32)}


@pytest.mark.parametrize("shape", list(CONV_SHAPES))
@pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
def test_conv2d(benchmark, fw, shape, backward):
    cin, hw = CONV_SHAPES[shape]
    F = fw.lib.nn.functional
    x, w = fw.randn(32, cin, hw, hw, requires_grad=backward), fw.randn(10, cin, 3, 3, seed=1, requires_grad=backward)
    b = fw.randn(10, seed=2, requires_grad=backward)
    if backward:
        fn = lambda: F.conv2d(x, w, b, padding=1).sum().backward()  # noqa: E731
    else:
        fn = lambda: F.conv2d(x, w, b, padding=1)  # noqa: E731
    run(benchmark, fw, f"conv2d b32 {shape} {'fwd+bwd' if backward else 'fwd'}", fn)


@pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
def test_max_pool2d(benchmark, fw, backward):
    x = fw.randn(32, 10, 64, 64, requires_grad=backward)
    F = fw.lib.nn.functional
    fn = (lambda: F.max_pool2d(x, 2).sum().backward()) if backward else (lambda: F.max_pool2d(x, 2))
    run(benchmark, fw, f"max_pool2d 2x2 b32x10x64x64 {'fwd+bwd' if backward else 'fwd'}", fn)


ELEMENTWISE = {
    "add": lambda lib, a, b: a + b,
    "mul": lambda lib, a, b: a * b,
    "exp": lambda lib, a, b: a.exp(),
    "relu": lambda lib, a, b: lib.relu(a),
    "gelu": lambda lib, a, b: lib.nn.functional.gelu(a),
}


@pytest.mark.parametrize("n", ELEMENTWISE_SIZES)
@pytest.mark.parametrize("op", list(ELEMENTWISE))
def test_elementwise(benchmark, fw, op, n):
    a, b = fw.randn(n), fw.randn(n, seed=1)
    run(benchmark, fw, f"{op} {n:.0e}", lambda: ELEMENTWISE[op](fw.lib, a, b), size=n, op=op)


@pytest.mark.parametrize("op", ["add", "gelu"])
def test_elementwise_backward(benchmark, fw, op):
    n = 10**5
    a, b = fw.randn(n, requires_grad=True), fw.randn(n, seed=1, requires_grad=True)
    run(benchmark, fw, f"{op} {n:.0e} fwd+bwd", lambda: ELEMENTWISE[op](fw.lib, a, b).sum().backward())


REDUCTIONS = {
    "sum": lambda x: x.sum(), "mean": lambda x: x.mean(), "max": lambda x: x.max(),
    "sum(-1)": lambda x: x.sum(-1), "mean(-1)": lambda x: x.mean(-1), "max(-1)": lambda x: x.amax(-1),
}


@pytest.mark.parametrize("op", list(REDUCTIONS))
def test_reduction(benchmark, fw, op):
    x = fw.randn(10**4, 10**3)  # 1e7 elements
    run(benchmark, fw, f"{op} 1e7", lambda: REDUCTIONS[op](x), op=op)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
def test_softmax(benchmark, fw, op, backward):
    x = fw.randn(4096, 1024, requires_grad=backward)
    f = getattr(fw.lib.nn.functional, op)
    fn = (lambda: f(x, dim=-1).sum().backward()) if backward else (lambda: f(x, dim=-1))
    run(benchmark, fw, f"{op} 4096x1024 {'fwd+bwd' if backward else 'fwd'}", fn)


@pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
def test_layer_norm(benchmark, fw, backward):
    x = fw.randn(32, 17, 64, requires_grad=backward)
    w, b = fw.randn(64, seed=1, requires_grad=backward), fw.randn(64, seed=2, requires_grad=backward)
    f = fw.lib.nn.functional.layer_norm
    fn = (lambda: f(x, (64,), w, b).sum().backward()) if backward else (lambda: f(x, (64,), w, b))
    run(benchmark, fw, f"layer_norm 32x17x64 {'fwd+bwd' if backward else 'fwd'}", fn)


@pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
def test_cross_entropy(benchmark, fw, backward):
    import numpy as np
    x = fw.randn(128, 10, requires_grad=backward)
    y = fw.tensor(np.random.default_rng(0).integers(0, 10, 128))
    f = fw.lib.nn.functional.cross_entropy
    fn = (lambda: f(x, y).backward()) if backward else (lambda: f(x, y))
    run(benchmark, fw, f"cross_entropy 128x10 {'fwd+bwd' if backward else 'fwd'}", fn)


@pytest.mark.parametrize("backward", [False, True], ids=["fwd", "fwd+bwd"])
def test_attention(benchmark, fw, backward):
    q, k, v = (fw.randn(32, 4, 17, 16, seed=s, requires_grad=backward) for s in range(3))
    f = fw.lib.nn.functional.scaled_dot_product_attention
    fn = (lambda: f(q, k, v).sum().backward()) if backward else (lambda: f(q, k, v))
    run(benchmark, fw, f"sdpa b32 h4 t17 d16 {'fwd+bwd' if backward else 'fwd'}", fn)
