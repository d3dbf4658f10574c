"""The hand-written CUDA kernels of kernels/*.cu.

Every source compiles to PTX with nvcc (warnings as errors). The same sources, built for the CPU
through kernels/cuda_compat.h, run through the CUDA backend's own methods on the emulated device
(the very launch code a GPU runs, with the same grid and block sizes) and must give the NumPy
backend's results on awkward sizes: single rows, sizes that are no multiple of the block, rows
longer than the block, empty inputs. Each case also checks that the kernel really ran, and that the
composite path (MINITORCH_KERNELS=off) gives the same values.
"""
import shutil
import subprocess

import numpy as np
import pytest

from minitorch.backends import cupy_backend
from minitorch.backends.emulated import kernels as emulated_kernels
from minitorch.backends.base import ArrayBackend
from minitorch.backends.numpy_backend import backend as ref

SOURCES = sorted(p.name for p in emulated_kernels.KERNELS.glob("*.cu"))
# CUDA 13's nvcc no longer targets sm_70 (Volta); sm_75 is the oldest architecture it builds
ARCHS = ["sm_75", "sm_80", "sm_90"]


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("source", SOURCES)
def test_kernels_compile_to_ptx(tmp_path, source, arch):
    out = tmp_path / f"{source}.{arch}.ptx"
    result = subprocess.run(["nvcc", f"-arch={arch}", "-ptx", "-Werror", "all-warnings",
                             str(emulated_kernels.KERNELS / source), "-o", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert ".entry" in out.read_text()


needs_cpu_build = pytest.mark.skipif(not emulated_kernels.available(),
                                     reason="no C++ compiler for the CPU build of the kernels")


class Device:
    """The CUDA backend with kernels on, counting launches, and its composite twin: on the GPU with
    --device cuda where one is present, else on the emulated device."""

    def __init__(self, real):
        make = cupy_backend._real_backend if real else cupy_backend._emulated_backend
        self.kernels = make()
        self.kernels.uses_custom_kernels = True
        self.composite = make()
        self.composite.uses_custom_kernels = False
        self.launched = []
        launch = self.kernels.launch
        self.kernels.launch = lambda source, kernel, *rest: (self.launched.append(kernel), launch(source, kernel, *rest))
        self.xp = self.kernels.xp

    def run(self, method, *args, expect=None):
        """method on both paths with host arrays moved to the device; results back on the host.
        `expect` names the kernel that must have launched (None: the method's own name)."""
        to_device = lambda a: self.xp.asarray(a) if isinstance(a, np.ndarray) else a  # noqa: E731
        results = []
        for backend in (self.kernels, self.composite):
            self.launched.clear()
            out = getattr(backend, method)(*[to_device(a) for a in args])
            if backend is self.kernels:
                assert (expect or method) in self.launched, f"{method} did not launch its kernel"
            else:
                assert not self.launched
            results.append(_host(self.xp, out))
        return results


def _host(xp, out):
    if isinstance(out, tuple):
        return tuple(_host(xp, o) for o in out)
    return None if out is None else xp.asnumpy(out)


@pytest.fixture
def gpu(request):
    from minitorch import cuda
    return Device(real=request.config.getoption("--device") == "cuda" and cuda._cupy() is not None)


def close(got, want, rtol=1e-5, atol=1e-6):
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w, rtol, atol)
    elif want is None:
        assert got is None
    else:
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def both(results, want, **tol):
    """The kernel's and the composite's result each equal the reference."""
    for got in results:
        close(got, want, **tol)


# rows x cols: single rows, sizes that are not multiples of the block, rows longer than the block
SHAPES = [(1, 1), (1, 7), (3, 5), (5, 33), (2, 300), (4, 64)]
rng = np.random.default_rng(0)


def randn(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


@needs_cpu_build
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("row_threads", [1, 32, 256])  # one thread per row, fewer threads than columns, more
def test_softmax(gpu, monkeypatch, shape, log, row_threads):
    monkeypatch.setattr(cupy_backend, "ROW_THREADS", row_threads)
    x, gy = randn(*shape, scale=4), randn(*shape)
    name = "log_softmax" if log else "softmax"
    want = getattr(ref, name)(x, 1)
    both(gpu.run(name, x, 1, expect="softmax_forward"), want, rtol=2e-6)
    both(gpu.run(name + "_backward", gy, want, 1, expect="softmax_backward"),
         getattr(ref, name + "_backward")(gy, want, 1))


@needs_cpu_build
def test_softmax_rows_with_infinities(gpu):
    x = np.array([[0.0, -np.inf, 1.0], [np.inf, 0.0, 0.0], [-np.inf, -np.inf, -np.inf]], dtype=np.float32)
    want = ref.softmax(x, 1)
    for got in gpu.run("softmax", x, 1, expect="softmax_forward"):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)


@needs_cpu_build
@pytest.mark.parametrize("n", [1, 63, 64, 1000, 4097])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("threads,blocks", [(1, 4), (64, 8), (256, 1024)])  # grid-stride loops of every kind
def test_gelu(gpu, monkeypatch, n, approximate, threads, blocks):
    monkeypatch.setattr(cupy_backend, "THREADS", threads)
    monkeypatch.setattr(cupy_backend, "MOST_BLOCKS", blocks)
    x, gy = randn(n, scale=3), randn(n)
    # the tanh form cancels in 1 + tanh(.) for x below about -3: a one-ulp difference between the C
    # library's tanhf and NumPy's float32 tanh then shows as up to ~2e-6 absolute, hence its atol
    atol = 5e-6 if approximate == "tanh" else 1e-6
    # the reference is the composite with SciPy's erf (the CPU backend's float32 GELU trades erf's last
    # ulps for speed; the kernel uses CUDA's erff)
    exact = ArrayBackend
    both(gpu.run("gelu", x, approximate, expect="gelu_forward"), exact.gelu(ref, x, approximate), atol=atol)
    both(gpu.run("gelu_backward", gy, x, approximate), exact.gelu_backward(ref, gy, x, approximate), atol=atol)


@needs_cpu_build
@pytest.mark.parametrize("shape,n", [((1, 1), 1), ((3, 5), 1), ((2, 300), 1), ((2, 3, 5), 2), ((7, 33), 1),
                                     ((300, 40), 1), ((5, 26, 3), 1)])  # the last two: several row chunks
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(gpu, shape, n, affine):
    x, gy = randn(*shape, scale=3), randn(*shape)
    w, b = (randn(*shape[-n:]), randn(*shape[-n:])) if affine else (None, None)
    want = ref.layer_norm(x, w, b, n, 1e-5)
    both(gpu.run("layer_norm", x, w, b, n, 1e-5, expect="layer_norm_forward"), want, atol=3e-6)
    _, mean, rstd = want
    both(gpu.run("layer_norm_backward", gy, x, mean, rstd, w, n, expect="layer_norm_backward_input"),
         ref.layer_norm_backward(gy, x, mean, rstd, w, n), rtol=2e-5, atol=1e-5)


@needs_cpu_build
@pytest.mark.parametrize("rows,classes", [(1, 1), (1, 7), (9, 5), (4, 300), (300, 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(gpu, rows, classes, weighted):
    logp = randn(rows, classes, scale=3)
    target = rng.integers(0, classes, rows).astype(np.int64)
    target[::3] = -100 if rows > 1 else target[::3]  # ignored rows (ignore_index = -100)
    weight = (rng.random(classes) + 0.5).astype(np.float32) if weighted else None
    want = ref.nll_loss(logp, target, weight, -100)
    both(gpu.run("nll_loss", logp, target, weight, -100, expect="nll_loss_forward"), want)
    g = randn(rows)
    both(gpu.run("nll_loss_backward", g, target, want[1], -100, classes),
         ref.nll_loss_backward(g, target, want[1], -100, classes))


@needs_cpu_build
@pytest.mark.parametrize("n", [1, 1000, 4097])
@pytest.mark.parametrize("options", [dict(weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False),
                                     dict(weight_decay=0.01, decoupled=True, amsgrad=True, maximize=False),
                                     dict(weight_decay=0.1, decoupled=False, amsgrad=False, maximize=True)])
def test_adam_step(gpu, n, options):
    options = dict(options)
    amsgrad = options.pop("amsgrad")
    host = [randn(n), np.zeros(n, np.float32), np.zeros(n, np.float32), np.zeros(n, np.float32) if amsgrad else None]
    state = {backend: [None if a is None else gpu.xp.asarray(a) for a in host] for backend in (gpu.kernels, gpu.composite)}
    for step in range(1, 4):
        grad = randn(n)
        ref.adam_step(*host[:1], grad, *host[1:], step, 1e-3, 0.9, 0.999, 1e-8, **options)
        for backend, (p, m, v, vmax) in state.items():
            gpu.launched.clear()
            backend.adam_step(p, gpu.xp.asarray(grad), m, v, vmax, step, 1e-3, 0.9, 0.999, 1e-8, **options)
            assert ("adam_step" in gpu.launched) == (backend is gpu.kernels)
    for arrays in state.values():
        for got, want in zip(arrays, host):
            if want is not None:
                np.testing.assert_allclose(gpu.xp.asnumpy(got), want, rtol=1e-6, atol=1e-7)


GEOMETRIES = [  # (N, C, H, W), kernel, stride, padding, dilation
    ((2, 3, 7, 6), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((1, 2, 9, 5), (2, 3), (2, 1), (1, 0), (1, 2)),
    ((3, 1, 5, 5), (1, 1), (2, 2), (0, 0), (1, 1)),
    ((1, 4, 8, 8), (3, 3), (3, 2), (1, 1), (2, 1)),
]


def _out_hw(shape, k, s, p, d, ceil_mode=False):
    from minitorch.ops._helpers import out_size
    return tuple(out_size(n, *a, ceil_mode) for n, a in zip(shape[2:], zip(k, s, p, d)))


@needs_cpu_build
@pytest.mark.parametrize("shape,k,s,p,d", GEOMETRIES)
def test_im2col_and_col2im(gpu, shape, k, s, p, d):
    x = randn(*shape)
    out_hw = _out_hw(shape, k, s, p, d)
    cols = ref.im2col(x, k, s, p, d, out_hw)
    both(gpu.run("im2col", x, k, s, p, d, out_hw), np.ascontiguousarray(cols))
    g = randn(*cols.shape)
    both(gpu.run("col2im", g, shape, k, s, p, d, out_hw), ref.col2im(g, shape, k, s, p, d, out_hw), atol=3e-6)


@needs_cpu_build
@pytest.mark.parametrize("shape,k,s,p,d", GEOMETRIES)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool2d(gpu, shape, k, s, p, d, ceil_mode):
    p = tuple(min(pi, ki // 2) for pi, ki in zip(p, k))  # pooling pads at most half the kernel
    x = randn(*shape)
    x.reshape(-1)[::7] = x.reshape(-1)[1::7]  # ties: the first maximum wins
    x.reshape(-1)[::11] = np.nan              # NaNs: the last one in the window wins
    out_hw = _out_hw(shape, k, s, p, d, ceil_mode)
    vals, idx = ref.max_pool2d(x, k, s, p, d, out_hw)
    for got_vals, got_idx in gpu.run("max_pool2d", x, k, s, p, d, out_hw, expect="max_pool2d_forward"):
        np.testing.assert_array_equal(got_vals, vals)
        np.testing.assert_array_equal(got_idx, idx)
    gy = randn(*vals.shape)
    both(gpu.run("max_pool2d_backward", gy, idx, shape), ref.max_pool2d_backward(gy, idx, shape))


@needs_cpu_build
@pytest.mark.parametrize("shape,k,s,p,d", [g for g in GEOMETRIES if g[4] == (1, 1)])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("count_include_pad,divisor", [(True, None), (False, None), (True, 5)])
def test_avg_pool2d(gpu, shape, k, s, p, d, ceil_mode, count_include_pad, divisor):
    p = tuple(min(pi, ki // 2) for pi, ki in zip(p, k))
    x = randn(*shape)
    out_hw = _out_hw(shape, k, s, p, d, ceil_mode)
    y = ref.avg_pool2d(x, k, s, p, out_hw, count_include_pad, divisor)
    both(gpu.run("avg_pool2d", x, k, s, p, out_hw, count_include_pad, divisor, expect="avg_pool2d_forward"), y)
    gy = randn(*y.shape)
    both(gpu.run("avg_pool2d_backward", gy, shape, k, s, p, count_include_pad, divisor),
         ref.avg_pool2d_backward(gy, shape, k, s, p, count_include_pad, divisor))


@needs_cpu_build
@pytest.mark.parametrize("lookups,dim,num", [(1, 1, 1), (40, 3, 5), (7, 33, 100)])
@pytest.mark.parametrize("padding_idx", [None, 0])
@pytest.mark.parametrize("scale", [False, True])
def test_embedding_backward(gpu, lookups, dim, num, padding_idx, scale):
    idx = rng.integers(0, num, (lookups,)).astype(np.int64)  # repeated indices: concurrent atomic adds
    gy = randn(lookups, dim)
    both(gpu.run("embedding_backward", gy, idx, num, padding_idx, scale),
         ref.embedding_backward(gy, idx, num, padding_idx, scale), atol=3e-6)


@needs_cpu_build
def test_kernels_skip_what_they_do_not_cover(gpu):
    """float64, a reduction along another axis and empty inputs take the composite path."""
    x = rng.standard_normal((3, 4))
    gpu.launched.clear()
    np.testing.assert_allclose(gpu.xp.asnumpy(gpu.kernels.softmax(gpu.xp.asarray(x), 1)), ref.softmax(x, 1))
    np.testing.assert_allclose(gpu.xp.asnumpy(gpu.kernels.softmax(gpu.xp.asarray(x.astype(np.float32)), 0)),
                               ref.softmax(x.astype(np.float32), 0), rtol=1e-6)
    assert gpu.kernels.gelu(gpu.xp.zeros((0, 3), dtype=np.float32), "none").shape == (0, 3)
    assert gpu.launched == []


@needs_cpu_build
def test_launch_arguments_must_match_the_kernel_as_a_gpu_packs_them():
    """Every launch is checked against the kernel's C parameters: a GPU packs them by size, so an
    int64 given for an int, or an array of the wrong dtype, would corrupt it silently."""
    x = np.zeros((2, 3), np.float32)
    y = np.empty_like(x)
    emulated_kernels.check_arguments("softmax", "softmax_forward", (x, y, np.int32(3), np.int32(0)))
    for bad, message in [((x, y, np.int64(3), np.int32(0)), "argument 2: expected int32, got int64"),
                         ((x, y, 3, np.int32(0)), "argument 2: expected int32, got int"),
                         ((x.astype(np.float64), y, np.int32(3), np.int32(0)), "argument 0: expected array of float32"),
                         ((x, y, np.int32(3)), "takes 4 arguments, got 3")]:
        with pytest.raises(TypeError, match=message):
            emulated_kernels.check_arguments("softmax", "softmax_forward", bad)
    params = emulated_kernels.signatures("pool")["max_pool2d_backward"]
    assert params[:4] == (("pointer", np.float32), ("pointer", np.int64), ("pointer", np.float32),
                          ("scalar", np.int64))


def test_gpu_launches_compile_each_source_once_through_cupy_rawmodule():
    """The GPU launcher, with a stand-in for CuPy: NVRTC gets the source and the kernels folder as
    include path, each module compiles once, each kernel is looked up once, and kernels launch as
    kernel((grid,), (block,), args)."""
    calls = {"modules": [], "launches": [], "lookups": []}

    class Module:
        def __init__(self, code, options):
            calls["modules"].append((code, options))

        def get_function(self, name):
            calls["lookups"].append(name)
            return lambda grid, block, args: calls["launches"].append((name, grid, block, args))

    fake_cupy = type("cupy", (), {"RawModule": Module})
    launch = cupy_backend.RawKernels(fake_cupy)
    args = (np.zeros(4, np.float32), np.zeros(4, np.float32), np.int32(4), np.int32(0))
    launch("softmax", "softmax_forward", 3, 32, args)
    launch("softmax", "softmax_backward", 5, 64, args)
    launch("softmax", "softmax_forward", 3, 32, args)
    assert len(calls["modules"]) == 1 and calls["lookups"] == ["softmax_forward", "softmax_backward"]
    code, options = calls["modules"][0]
    assert code == (emulated_kernels.KERNELS / "softmax.cu").read_text() and '#include "block_reduce.h"' in code
    assert f"-I{emulated_kernels.KERNELS}" in options
    assert calls["launches"] == [("softmax_forward", (3,), (32,), args), ("softmax_backward", (5,), (64,), args),
                                 ("softmax_forward", (3,), (32,), args)]


def philox_uniform_reference(seed: int, offset: int, n: int) -> np.ndarray:
    """philox.cu in NumPy: Philox4x32-10 of counter offset + block under key seed, four numbers a block, each
    number's top 24 bits as a float in [0, 1)."""
    mask = np.uint64(0xFFFFFFFF)
    blocks = np.arange(-(-n // 4), dtype=np.uint64) + np.uint64(offset)
    c0, c1 = blocks & mask, blocks >> np.uint64(32)
    c2 = c3 = np.zeros_like(blocks)
    k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
    for _ in range(10):
        p0, p1 = np.uint64(0xD2511F53) * c0, np.uint64(0xCD9E8D57) * c2
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & mask, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & mask
        k0, k1 = (k0 + np.uint64(0x9E3779B9)) & mask, (k1 + np.uint64(0xBB67AE85)) & mask
    words = np.stack([c0, c1, c2, c3], axis=1).reshape(-1)[:n]
    return (words >> np.uint64(8)).astype(np.float32) * np.float32(2.0 ** -24)


def test_philox_reference_gives_random123s_known_answer():
    # Random123's known-answer vector for philox4x32-10 with a zero key and counter
    words = [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    expected = np.array([w >> 8 for w in words], np.float32) * np.float32(2.0 ** -24)
    np.testing.assert_array_equal(philox_uniform_reference(0, 0, 4), expected)


@needs_cpu_build
@pytest.mark.parametrize("seed, sizes", [(0, [4, 7, 1]), (2**40 + 12345, [4097, 3])])
def test_philox_uniform(gpu, seed, sizes):
    """The kernel draws the reference's numbers, and each draw moves the offset on the device past the blocks it
    used, so the next draw continues the stream."""
    generator = gpu.kernels.generator
    generator.manual_seed(seed)
    generator._philox_state[0] = seed  # manual_seed keeps 32 bits, as torch's CUDA seed does; test 64 here
    offset = 0
    for n in sizes:
        got = gpu.xp.asnumpy(generator._philox_uniform(n))
        np.testing.assert_array_equal(got, philox_uniform_reference(seed, offset, n))
        offset += -(-n // 4)
        assert int(gpu.xp.asnumpy(generator._philox_state)[1]) == offset
    draws = gpu.xp.asnumpy(generator._philox_uniform(100_000))
    assert 0 <= draws.min() and draws.max() < 1 and abs(draws.mean() - 0.5) < 0.01
