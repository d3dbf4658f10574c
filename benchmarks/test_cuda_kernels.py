"""Each hand-written CUDA kernel against the plain-CuPy composite it replaces and against torch on
CUDA, forward and backward, in one group per kernel: `minitorch` runs with the kernels,
`minitorch-composite` with MINITORCH_KERNELS's composite path, `torch` on the GPU.

On a GPU the sizes are realistic. On the emulated device (MINITORCH_EMULATE_CUDA=1, as `make test`
runs it) the sizes are tiny: the cases run once there so that they never rot, and their times mean
nothing. Without a CUDA device there is nothing to compare and the module is skipped.
"""
import numpy as np
import pytest

import minitorch
from harness import Framework, run, torch
from minitorch.backends import cupy_backend

if not minitorch.cuda.is_available():
    pytest.skip("no CUDA device (a GPU, or MINITORCH_EMULATE_CUDA=1)", allow_module_level=True)

ON_GPU = not cupy_backend.emulated()
CASES = [("minitorch", "cuda"), ("minitorch-composite", "cuda")]
if torch is not None and torch.cuda.is_available():
    CASES.append(("torch", "cuda"))


def size(gpu, emulated):
    return gpu if ON_GPU else emulated


@pytest.fixture(params=CASES, ids=lambda case: f"{case[0]}-{case[1]}")
def kfw(request):
    name, device = request.param
    backend = minitorch.device("cuda").backend
    backend.uses_custom_kernels = name == "minitorch" and cupy_backend.kernels_enabled()
    yield Framework(name, device)
    backend.uses_custom_kernels = cupy_backend.kernels_enabled()


def _fwd_bwd(fn, *inputs):
    """fn(*inputs) and the backward of its sum."""
    def call():
        out = fn(*inputs)
        (out[0] if isinstance(out, tuple) else out).sum().backward()
    return call


def test_softmax_kernel(benchmark, kfw):
    rows, cols = size((4096, 1024), (8, 33))
    x = kfw.randn(rows, cols, requires_grad=True)
    run(benchmark, kfw, f"cuda kernel softmax {rows}x{cols} fwd+bwd",
        _fwd_bwd(lambda a: kfw.lib.nn.functional.log_softmax(a, -1), x))


def test_gelu_kernel(benchmark, kfw):
    n = size(10**7, 1000)
    x = kfw.randn(n, requires_grad=True)
    run(benchmark, kfw, f"cuda kernel gelu {n:.0e} fwd+bwd", _fwd_bwd(kfw.lib.nn.functional.gelu, x))


def test_layer_norm_kernel(benchmark, kfw):
    rows, cols = size((8192, 1024), (6, 17))
    x = kfw.randn(rows, cols, requires_grad=True)
    w, b = kfw.randn(cols, seed=1, requires_grad=True), kfw.randn(cols, seed=2, requires_grad=True)
    run(benchmark, kfw, f"cuda kernel layer_norm {rows}x{cols} fwd+bwd",
        _fwd_bwd(lambda a: kfw.lib.nn.functional.layer_norm(a, (cols,), w, b), x))


def test_cross_entropy_kernels(benchmark, kfw):
    """log_softmax's and nll_loss's kernels, forward and backward."""
    rows, classes = size((4096, 1000), (8, 5))
    x = kfw.randn(rows, classes, requires_grad=True)
    y = kfw.tensor(np.random.default_rng(0).integers(0, classes, rows))
    run(benchmark, kfw, f"cuda kernel cross_entropy {rows}x{classes} fwd+bwd",
        _fwd_bwd(lambda a: kfw.lib.nn.functional.cross_entropy(a, y, label_smoothing=0.1), x))


def test_conv2d_kernels(benchmark, kfw):
    """im2col (forward, weight gradient) and col2im (input gradient) around the GEMMs."""
    n, c, hw = size((32, 10, 64), (2, 3, 6))
    x, w = kfw.randn(n, c, hw, hw, requires_grad=True), kfw.randn(10, c, 3, 3, seed=1, requires_grad=True)
    run(benchmark, kfw, f"cuda kernel conv2d b{n}x{c}x{hw}x{hw} fwd+bwd",
        _fwd_bwd(lambda a: kfw.lib.nn.functional.conv2d(a, w, padding=1), x))


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_kernels(benchmark, kfw, kind):
    n, c, hw = size((32, 10, 64), (2, 3, 7))
    x = kfw.randn(n, c, hw, hw, requires_grad=True)
    pool = getattr(kfw.lib.nn.functional, f"{kind}_pool2d")
    run(benchmark, kfw, f"cuda kernel {kind}_pool2d 3x3/2 b{n}x{c}x{hw}x{hw} fwd+bwd",
        _fwd_bwd(lambda a: pool(a, 3, 2, 1), x))


def test_embedding_kernel(benchmark, kfw):
    vocab, dim, lookups = size((50000, 512, 8192), (20, 4, 30))
    weight = kfw.randn(vocab, dim, requires_grad=True)
    idx = kfw.tensor(np.random.default_rng(0).integers(0, vocab, lookups))
    run(benchmark, kfw, f"cuda kernel embedding {vocab}x{dim} {lookups} lookups fwd+bwd",
        _fwd_bwd(lambda wt: kfw.lib.nn.functional.embedding(idx, wt), weight))


def test_adam_kernel(benchmark, kfw):
    n = size(10**7, 1000)
    p = kfw.lib.nn.Parameter(kfw.randn(n))
    p.grad = kfw.randn(n, seed=1)
    optimizer = kfw.lib.optim.AdamW([p], lr=1e-3)
    run(benchmark, kfw, f"cuda kernel AdamW step {n:.0e} params", optimizer.step)
