"""The hand-written CPU kernels of kernels/cpu/*.c against their NumPy references and torch.

- GELU's forward and ReLU's backward take the reference's steps in the reference's order, so they must
  equal it bit for bit; ReLU's forward must equal torch's bit for bit (-0.0 and NaN pass through).
- GELU's backward has an exp polynomial of its own, so it must stay within two float32 ulps of the
  reference (of the incoming gradient where the derivative's two terms cancel) and no further from the
  float64 truth than torch's kernel. SiLU and its derivative stay within a few ulps of their NumPy
  composite and of torch.
- The float32 sums add float64 partials, so they must be the float64 sum rounded once (to within one
  rounding of it), at least as close to the exact sum as torch's, and the same bits on any number of
  threads. The rows' max and min must equal torch's amax/amin (NaN propagates).
- The kernels built with OpenMP run in a child forked after the parent ran them (one thread there, as GNU
  OpenMP would hang with more), and build and give the same results without OpenMP.
- Depthwise convolution and its gradients must agree with the im2col GEMMs they replace and train as
  torch's layer does.
- Batch normalisation's statistics (summed in float64, as torch's kernel sums them) must be at least as
  accurate as the NumPy reference's, its x · α + β equal it bit for bit and its gradients agree with it.
- Max pooling must equal torch's kernel bit for bit: values, indices (NaN and ties) and gradients.
- Stride-1 convolution (the direct kernels) must equal torch's on one thread bit for bit where torch's
  kernel is the one it follows (the course's 3 x 3 layers: output, both gradients and the bias's), stay
  within float32 rounding of the float64 convolution elsewhere, and not depend on the thread count.
- Adam's fused step must equal the NumPy step bit for bit, for every flag (AdamW, amsgrad, maximize).
- Without the kernels (`MINITORCH_KERNELS=off`, or no C compiler) the same calls run the NumPy code.
"""
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import minitorch
from minitorch.backends import cpu_kernels
from minitorch.backends import numpy_backend as nb
from minitorch.fma import fma

needs_compiler = pytest.mark.skipif(cpu_kernels.compiler() is None, reason="no C compiler for the CPU kernels")
SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 4 * math.sqrt(2), -4 * math.sqrt(2), 1e-40, -1e-40,
                    3e38, -3e38, 1e-3, -9.5, 9.5], dtype=np.float32)


def _inputs(n, seed=0):
    x = np.random.default_rng(seed).standard_normal(n).astype(np.float32) * 4
    return np.concatenate([SPECIAL, x])


@pytest.fixture
def gelu_kernels():
    library = cpu_kernels.load("gelu")
    assert library is not None, "the C compiler is there, so the kernel must build"
    return library


@needs_compiler
@pytest.mark.parametrize("n", [0, 1, 15, 17, 1000, (1 << 21) + 3])  # the last one is split between threads
def test_gelu_forward_equals_the_numpy_reference_bit_for_bit(gelu_kernels, n):
    x = _inputs(n)
    ours = nb._native_elementwise(gelu_kernels.gelu_f32, x)
    reference = nb._blocks(nb._gelu_float32, x)
    assert ours.dtype == np.float32 and ours.shape == x.shape
    assert np.array_equal(ours, reference, equal_nan=True)
    assert np.isnan(ours[0]) and np.isnan(ours[1]) and np.isnan(ours[2])  # +-inf and NaN give NaN, as in torch


@needs_compiler
def test_gelu_backward_is_within_two_ulps_and_as_accurate_as_torch(gelu_kernels):
    from scipy.special import erf
    x = _inputs(200_000, seed=1)
    gy = np.random.default_rng(2).uniform(0.5, 2, x.size).astype(np.float32)
    ours = nb._native_elementwise(gelu_kernels.gelu_backward_f32, gy, x)
    reference = nb._blocks(nb._gelu_backward_float32, gy, x)
    # Phi(x) and x phi(x) cancel where the derivative crosses zero (x near -0.75): there an ulp of a term
    # is many ulps of the result, so the distance is measured in ulps of the larger of result and gy
    scale = np.maximum(np.abs(reference), np.where(np.isnan(reference), 0, gy))
    assert np.all((np.abs(ours - reference) <= 2 * np.spacing(scale)) | (np.isnan(ours) & np.isnan(reference)))
    finite = np.isfinite(x) & (np.abs(x) < 1e30)
    xd, gd = x[finite].astype(np.float64), gy[finite].astype(np.float64)
    truth = gd * (0.5 * (1 + erf(xd / math.sqrt(2))) + xd * np.exp(-0.5 * xd * xd) / math.sqrt(2 * math.pi))
    tx = torch.from_numpy(x[finite]).requires_grad_()
    torch.nn.functional.gelu(tx).backward(torch.from_numpy(gy[finite]))
    torch_error = np.abs(tx.grad.numpy() - truth).max()
    assert np.abs(ours[finite] - truth).max() <= torch_error * 1.5  # torch's own error is about 3e-7 here


@needs_compiler
@pytest.mark.parametrize("n", [17, 4099, (1 << 21) + 5])
def test_silu_agrees_with_its_composite_and_with_torch(n):
    from minitorch.backends.base import ArrayBackend
    x = np.concatenate([SPECIAL, np.float32([-88.5, -89.5, 88.5, -103.0, -110.0]), _inputs(n, seed=9) * 5])
    gy = np.random.default_rng(10).uniform(0.5, 2, x.size).astype(np.float32)
    y, gx = nb.backend.silu(x), nb.backend.silu_backward(gy, x)
    composite = ArrayBackend.silu(nb.backend, x), ArrayBackend.silu_backward(nb.backend, gy, x)
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ty = torch.nn.functional.silu(tx)
    ty.backward(torch.from_numpy(gy))
    # exp is within an ulp of NumPy's and torch's: the forward stays within 4 ulps. The derivative's
    # 1 - s cancels for large x (torch's formula too), turning an ulp of s into several of the result, and
    # its terms cancel near x = -1.28: there 16 ulps, of the result or of gy. Subnormals agree to 1e-44.
    for ours, other, ulps in ((y, composite[0], 4), (y, ty.detach().numpy(), 4), (gx, composite[1], 16),
                              (gx, tx.grad.numpy(), 16)):
        assert ours.dtype == np.float32 and np.array_equal(np.isnan(ours), np.isnan(other))
        both = ~np.isnan(ours)
        scale = np.maximum(np.abs(other[both]), np.where(np.isinf(gy[both]), 0, gy[both]) * (ours is gx))
        close = np.abs(ours[both] - other[both]) <= ulps * np.spacing(scale.astype(np.float32)) + 1e-44
        assert np.all(close | (ours[both] == other[both]))  # (infinities are equal, not close)


@needs_compiler
@pytest.mark.parametrize("n", [4099, (1 << 21) + 5])
def test_relu_equals_torchs_bit_for_bit(n):
    x = _inputs(n, seed=11)[:n]
    x[:3] = [-0.0, np.nan, -np.inf]
    ours = nb.backend.relu(x)
    theirs = torch.relu(torch.from_numpy(x)).numpy()
    assert ours.dtype == np.float32 and np.array_equal(ours, theirs, equal_nan=True)
    assert np.array_equal(np.signbit(ours), np.signbit(theirs))  # -0.0 stays -0.0, as torch's clamp_min


@needs_compiler
@pytest.mark.parametrize("n", [1, 31, 4099, (1 << 21) + 5])
def test_relu_backward_equals_the_numpy_reference_bit_for_bit(n):
    assert cpu_kernels.load("relu") is not None
    y = np.maximum(_inputs(n, seed=5)[:n], 0)  # NaN stays NaN: it blocks the gradient, as y > 0 is false
    gy = np.random.default_rng(6).standard_normal(n).astype(np.float32)
    gy[: min(n, 4)] = np.array([-np.inf, np.inf, -0.0, np.nan], dtype=np.float32)[: min(n, 4)]
    ours = nb.backend.relu_backward(gy, y)
    reference = np.where(y > 0, gy, 0).astype(np.float32)
    assert ours.dtype == np.float32 and np.array_equal(ours, reference, equal_nan=True)
    assert not np.signbit(ours[y <= 0]).any()  # +0 where blocked, never -0


@needs_compiler
@pytest.mark.parametrize("shape", [(4096,), (3, 5000), (1 << 21,), (64, 1 << 15), (4, 1 << 19)])
def test_float32_sums_are_the_float64_sum_rounded_once(shape):
    x = (np.random.default_rng(3).standard_normal(shape) * 10 + 1).astype(np.float32)
    exact_all = x.astype(np.float64).sum()
    total = nb._reduce("sum", x, tuple(range(x.ndim)), False)
    assert total.dtype == np.float32 and total.shape == ()
    assert abs(float(total) - exact_all) <= np.spacing(np.float32(abs(exact_all)))
    assert abs(float(total) - exact_all) <= abs(float(torch.from_numpy(x).sum()) - exact_all)
    rows = nb._reduce("sum", x, (x.ndim - 1,), True)
    exact_rows = x.astype(np.float64).sum(-1, keepdims=True)
    assert rows.dtype == np.float32 and rows.shape == shape[:-1] + (1,)
    assert np.all(np.abs(rows - exact_rows) <= np.spacing(np.abs(exact_rows).astype(np.float32)))


@needs_compiler
def test_sums_the_kernel_does_not_cover_go_to_numpy():
    x = np.arange(10_000, dtype=np.float32).reshape(100, 100)
    assert nb._native_reduce("sum", x.T, True, False) is None              # not contiguous
    assert nb._native_reduce("sum", x[:10, :10].copy(), True, False) is None  # below NATIVE_SUM_MIN
    assert nb._reduce("sum", x.T, (1,), False).tolist() == x.sum(0).tolist()
    assert nb._reduce("sum", x, (0,), False).tolist() == x.sum(0).tolist()  # not the last axis
    assert nb._reduce("sum", x.astype(np.float64), (1,), False).dtype == np.float64


@needs_compiler
def test_whole_sums_give_the_same_bits_on_any_number_of_threads():
    x = (np.random.default_rng(7).standard_normal(3 << 20) * 100).astype(np.float32)
    library, partial = cpu_kernels.load("sum"), np.empty(cpu_kernels.load("sum").sum_blocks(x.size))
    totals = {library.sum_f32(cpu_kernels.pointer(x), x.size, cpu_kernels.pointer(partial), t) for t in (1, 2, 3)}
    assert len(totals) == 1


@needs_compiler
@pytest.mark.parametrize("shape", [(4096,), (3, 5000), (100, 41), (5000, 1), (64, 1 << 15), (10**4, 10**3)])
@pytest.mark.parametrize("op", ["max", "min"])
def test_rows_max_and_min_are_torchs(shape, op):
    rng = np.random.default_rng(8)
    x = (rng.standard_normal(shape) * 10).astype(np.float32)
    flat = x.reshape(-1)
    flat[rng.integers(0, x.size, 5)] = np.inf if op == "max" else -np.inf
    flat[rng.integers(0, x.size, 5)] = np.nan
    for keepdim in (False, True):
        ours = nb._reduce(op, x, (x.ndim - 1,), keepdim)
        theirs = getattr(torch.from_numpy(x), "a" + op)(-1, keepdim=keepdim).numpy()
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        assert np.array_equal(ours, theirs, equal_nan=True)
    assert nb._native_reduce(op, x, True, False) is None  # over everything: NumPy's reduction, split between threads


AFTER_FORK = """
import os, numpy as np
from minitorch.backends import numpy_backend as nb
from minitorch.fma import fma
x = np.ones((1 << 12, 1 << 9), np.float32)
assert nb._reduce("sum", x, (1,), False)[0] == 512  # the parent runs a team of threads first
pid = os.fork()
if pid == 0:
    rows, whole = nb._reduce("sum", x, (1,), False), nb._reduce("sum", x, (0, 1), False)
    ok = nb.kernel_threads() == 1 and rows[0] == 512 and whole == x.size
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status))
"""


@needs_compiler
def test_a_forked_child_runs_the_openmp_kernels():
    out = subprocess.run([sys.executable, "-c", AFTER_FORK], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "child 0"


@needs_compiler
def test_without_openmp_the_kernels_build_and_agree(monkeypatch, tmp_path):
    built = []

    def build_without_openmp(name, inputs, command):
        if "-fopenmp" in command:
            raise subprocess.CalledProcessError(1, command)
        built.append(command)
        return original(name, inputs, command)
    original = cpu_kernels.build_shared_library
    monkeypatch.setattr(cpu_kernels, "build_shared_library", build_without_openmp)
    library = cpu_kernels._build("sum")
    assert library is not None and "-Wno-unknown-pragmas" in built[0]
    x = np.random.default_rng(9).standard_normal((300, 700)).astype(np.float32)
    ours, partial = np.empty(300, np.float32), np.empty(library.sum_blocks(x.size))
    library.sum_rows_f32(cpu_kernels.pointer(x), cpu_kernels.pointer(ours), 300, 700, 2)
    assert np.array_equal(ours, nb._reduce("sum", x, (1,), False))
    library.extreme_rows_f32(cpu_kernels.pointer(x), cpu_kernels.pointer(ours), 300, 700, 1, 2)
    assert np.array_equal(ours, x.max(1))
    assert library.sum_f32(cpu_kernels.pointer(x), x.size, cpu_kernels.pointer(partial), 2) == \
        cpu_kernels.load("sum").sum_f32(cpu_kernels.pointer(x), x.size, cpu_kernels.pointer(partial), 1)


@needs_compiler
def test_the_ops_give_the_kernels_accuracy_and_agree_with_torch():
    x = np.random.default_rng(4).standard_normal((300, 400)).astype(np.float32)
    mx, tx = minitorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    exact = torch.tensor(x, dtype=torch.float64)
    for f in (lambda t: t.sum(), lambda t: t.mean(), lambda t: t.sum(-1), lambda t: t.mean(-1, keepdim=True)):
        ours, truth = f(mx).detach().numpy(), f(exact).numpy()
        # a sum rounded once; a mean rounded twice (the sum, then the quotient)
        assert np.all(np.abs(ours - truth) <= 2 * np.spacing(np.abs(truth).astype(np.float32)))
        np.testing.assert_allclose(ours, f(tx).detach().numpy(), rtol=1e-5, atol=1e-5)  # torch: float32 partials
    minitorch.nn.functional.gelu(mx).sum().backward()
    torch.nn.functional.gelu(tx).sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@needs_compiler
@pytest.mark.parametrize("n, c, hw, k, s, p, d", [
    (2, 3, (9, 10), 3, 1, 1, 1), (2, 4, (10, 11), 5, 2, 2, 1), (1, 2, (7, 7), 3, 2, 0, 2), (1, 5, (3, 4), 5, 1, 3, 1),
    (3, 2, (12, 9), (3, 1), (2, 1), (1, 0), (1, 2)), (4, 64, (40, 40), 3, 1, 1, 1),  # this one is split
    # rows of whole and partial 16-column blocks, at stride 2 (even and odd columns apart) and dilated
    (2, 3, (37, 41), 3, 2, 1, 1), (1, 2, (33, 35), 5, 2, 4, 2), (1, 3, (7, 7), 5, 1, 2, 1)])
def test_depthwise_convolution_and_its_gradients_agree_with_the_im2col_gemms(n, c, hw, k, s, p, d):
    from minitorch.backends.base import ArrayBackend
    k, s, p, d = ((v, v) if isinstance(v, int) else v for v in (k, s, p, d))
    rng = np.random.default_rng(7)
    x = rng.standard_normal((n, c) + hw).astype(np.float32)
    w, b = rng.standard_normal((c, 1) + k).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    out_hw = tuple((size + 2 * pi - di * (ki - 1) - 1) // si + 1 for size, ki, si, pi, di in zip(hw, k, s, p, d))
    for bias in (b, None):
        ours, kept = nb.backend.conv2d(x, w, bias, s, p, d, c, out_hw)
        reference, columns = ArrayBackend.conv2d(nb.backend, x, w, bias, s, p, d, c, out_hw)
        assert kept is None and ours.shape == reference.shape and ours.dtype == np.float32
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)  # the taps summed in another order
    gy = rng.standard_normal(reference.shape).astype(np.float32)
    gx = nb.backend.conv2d_input_grad(gy, x.shape, w, s, p, d, c)
    gw = nb.backend.conv2d_weight_grad(gy, x, w, None, s, p, d, c)
    np.testing.assert_allclose(gx, ArrayBackend.conv2d_input_grad(nb.backend, gy, x.shape, w, s, p, d, c),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gw, ArrayBackend.conv2d_weight_grad(nb.backend, gy, x, w, columns, s, p, d, c),
                               rtol=1e-4, atol=1e-4)
    assert gx.shape == x.shape and gw.shape == w.shape


@needs_compiler
def test_a_depthwise_layer_trains_as_torch_s():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 6, 11, 11)).astype(np.float32)
    layers = [lib.nn.Conv2d(6, 6, 5, stride=2, padding=2, groups=6) for lib in (minitorch, torch)]
    layers[0].load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in layers[1].state_dict().items()})
    outs = [layer(lib.tensor(x, requires_grad=True)) for layer, lib in zip(layers, (minitorch, torch))]
    np.testing.assert_allclose(outs[0].detach().numpy(), outs[1].detach().numpy(), rtol=1e-5, atol=1e-5)
    for out in outs:
        (out * out).sum().backward()
    for name in ("weight", "bias"):
        np.testing.assert_allclose(getattr(layers[0], name).grad.numpy(), getattr(layers[1], name).grad.numpy(),
                                   rtol=1e-4, atol=1e-4)


def _reference():
    from minitorch.backends.base import ArrayBackend
    reference = ArrayBackend.__new__(ArrayBackend)
    reference.xp = np
    return reference


@needs_compiler
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (4, 5), (3, 2, 4), (8, 96, 40, 40)])  # the last is split
def test_batch_norm_kernels_agree_with_the_numpy_reference(shape):
    """Statistics summed in float64 (as torch's kernel sums them): the mean within one float32 rounding of the
    NumPy code's (which sums in another order), the sum of squares within float32 rounding, both at least as
    close to the float64 truth as the composite backend's; x · α + β as one fused multiply-add, bit for bit; the
    gradients within float32 rounding."""
    rng = np.random.default_rng(9)
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    reference, ours = _reference(), nb.backend
    axes = (0,) + tuple(range(2, x.ndim))
    count = x.size // shape[1]
    exact_mean, exact_var = x.astype(np.float64).mean(axes), x.astype(np.float64).var(axes)
    mean, var_sum = ours.batch_norm_stats(x)
    ref_mean, ref_var_sum = nb._plane_statistics(x, shape[0], shape[1], count // shape[0])
    assert mean.dtype == var_sum.dtype == np.float32 and mean.shape == (shape[1],)
    np.testing.assert_allclose(mean, ref_mean, rtol=2 ** -23, atol=1e-12)
    np.testing.assert_allclose(var_sum, ref_var_sum, rtol=1e-6)
    composite_mean, composite_var_sum = reference.batch_norm_stats(x)
    assert np.abs(mean - exact_mean).max() <= np.abs(composite_mean - exact_mean).max() + 1e-12
    assert np.abs(var_sum / count - exact_var).max() <= np.abs(composite_var_sum / count - exact_var).max() + 1e-12
    var = var_sum / np.float32(count)
    rstd = (1 / np.sqrt(var + 1e-5)).astype(np.float32)
    alpha = (rstd * rng.uniform(0.5, 2, shape[1])).astype(np.float32)
    beta = (rng.standard_normal(shape[1]) - mean * alpha).astype(np.float32)
    channel = (-1,) + (1,) * (x.ndim - 2)
    assert np.array_equal(ours.batch_norm_apply(x, alpha, beta),
                          fma(x, alpha.reshape(channel), beta.reshape(channel), np.float32))
    for batch_stats in (True, False):
        got = ours.batch_norm_backward(g, x, mean, rstd, alpha, batch_stats, True)
        want = reference.batch_norm_backward(g, x, mean, rstd, alpha, batch_stats, True)
        for a, b in zip(got, want):
            assert a.dtype == np.float32 and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())
    assert ours.batch_norm_backward(g, x, mean, rstd, alpha, True, False)[0] is None


@needs_compiler
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("rows, channels", [(2, 5), (2, 40), (3, 40), (97, 3), (128, 2500)])
def test_batch_norm_row_statistics_agree_with_the_numpy_reference(rows, channels, threads, monkeypatch):
    """Planes of one element, as torch's kernel reads them (channels-last): the C kernel and its NumPy reference
    take the same steps in the same order, for each branch (row ranges per thread, or one float32 or float64 sum)."""
    monkeypatch.setattr(nb, "get_num_threads", lambda: threads)
    x = (np.random.default_rng(rows).standard_normal((rows, channels)) * 7 + 3).astype(np.float32)
    x[:, 0] = np.float32(0.1)
    mean, var_sum = nb.backend.batch_norm_stats(x)
    want_mean, want_var_sum = nb._row_statistics(x, threads)
    assert np.array_equal(mean, want_mean) and np.array_equal(var_sum, want_var_sum)


@pytest.fixture
def torch_threads():
    """Set torch's thread count for one test (the suite runs torch on one thread), restoring it after."""
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kernels", [True, False], ids=["C kernels", "NumPy code"])
def test_batch_norm_is_torch_s_bit_for_bit_in_float32(kernels, threads, torch_threads, monkeypatch):
    """torch's kernel's arithmetic, step for step: outputs and running statistics equal torch's to the bit, also
    for a constant channel (whose output is the rounding left by x · α + β) and for planes of one element (whose
    sums, as torch's, depend on the thread count)."""
    if not kernels:
        monkeypatch.setitem(cpu_kernels._loaded, "batch_norm", None)
    elif cpu_kernels.compiler() is None:
        pytest.skip("no C compiler for the CPU kernels")
    torch_threads(threads)
    monkeypatch.setattr(nb, "get_num_threads", lambda: threads)
    rng = np.random.default_rng(12)
    for shape in [(4, 3, 5, 6), (2, 3, 7), (64, 20), (2, 40), (5, 3, 1, 1)]:
        x = (rng.standard_normal(shape) * 20 + 9).astype(np.float32)
        x[:, 1] = np.float32(3.7)
        c = shape[1]
        params = [rng.standard_normal(c).astype(np.float32) for _ in range(3)] + [rng.uniform(0.5, 2, c).astype(np.float32)]
        for training in (True, False):
            got = []
            for lib in (minitorch, torch):
                weight, bias, running_mean, running_var = (lib.tensor(p) for p in params)
                y = lib.nn.functional.batch_norm(lib.tensor(x), running_mean, running_var, weight, bias,
                                                 training=training, momentum=0.3)
                got.append([y.numpy(), running_mean.numpy(), running_var.numpy()])
            for ours, theirs in zip(*got):
                assert np.array_equal(ours, theirs), (shape, training)


@needs_compiler
def test_batch_norm_layers_train_as_torch_s():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 6, 9, 9)).astype(np.float32)
    layers = [lib.nn.BatchNorm2d(6) for lib in (minitorch, torch)]
    outs = [layer(lib.tensor(x, requires_grad=True)) for layer, lib in zip(layers, (minitorch, torch))]
    np.testing.assert_allclose(outs[0].detach().numpy(), outs[1].detach().numpy(), rtol=1e-5, atol=1e-5)
    for out in outs:
        (out * out.detach().sin()).sum().backward()
    for name in ("weight", "bias"):
        np.testing.assert_allclose(getattr(layers[0], name).grad.numpy(), getattr(layers[1], name).grad.numpy(),
                                   rtol=1e-4, atol=1e-4)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(layers[0], name).numpy(), getattr(layers[1], name).numpy(), rtol=1e-6)


@needs_compiler
@pytest.mark.parametrize("shape, k, s, p, d", [
    ((8, 64, 56, 56), (3, 3), (2, 2), (1, 1), (1, 1)),  # ResNet's stem pool, split between threads
    ((2, 3, 9, 7), (3, 2), (2, 1), (1, 0), (1, 2)), ((1, 2, 5, 5), (2, 2), (1, 1), (1, 1), (2, 1)),
    ((2, 2, 6, 6), (3, 3), (3, 3), (0, 0), (1, 1))])
def test_max_pool_equals_torchs_bit_for_bit(shape, k, s, p, d):
    """Values, indices (the last NaN, else the first maximum of a window) and gradients, as torch's kernel."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape).astype(np.float32)
    x.reshape(-1)[::37] = np.nan
    x.reshape(-1)[::41] = 0.5  # ties
    x.reshape(-1)[::43] = -np.inf
    tx, mx = torch.tensor(x, requires_grad=True), minitorch.tensor(x, requires_grad=True)
    ty, ti = torch.nn.functional.max_pool2d(tx, k, s, p, d, return_indices=True)
    my, mi = minitorch.nn.functional.max_pool2d(mx, k, s, p, d, return_indices=True)
    assert np.array_equal(my.detach().numpy(), ty.detach().numpy(), equal_nan=True)
    assert np.array_equal(mi.numpy(), ti.numpy())
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(g))
    my.backward(minitorch.tensor(g))
    assert np.array_equal(mx.grad.numpy(), tx.grad.numpy())


DIRECT_CONV_EXACT = [  # (N, C, H, W), (O, kh, kw), padding: torch's kernel sums as the direct kernels do
    ((2, 3, 7, 9), (4, 3, 3), (1, 1)),
    ((2, 1, 28, 28), (10, 3, 3), (1, 1)),      # TinyVGG's first layer on FashionMNIST
    ((3, 10, 40, 45), (13, 3, 3), (1, 1)),     # whole and partial 32-column blocks; 8 + 4 + 1 output channels
    ((2, 2, 5, 5), (2, 3, 3), (2, 2)),         # padding as far as the kernel reaches
    ((1, 1, 1, 1), (1, 1, 1), (0, 0)),
    ((32, 10, 64, 64), (10, 3, 3), (1, 1)),    # TinyVGG's second layer: split between threads
]
DIRECT_CONV_OTHERS = [  # (N, C, H, W), (O, kh, kw), padding, dilation: torch takes another kernel for these
    ((1, 2, 5, 6), (3, 3, 2), (0, 1), (2, 1)),
    ((2, 5, 9, 11), (9, 5, 3), (2, 1), (1, 2)),
    ((1, 12, 6, 70), (17, 1, 2), (0, 1), (1, 1)),
]


def _conv_both(shape, kernel, padding, dilation=(1, 1), seed=3):
    """(minitorch's, torch's) output, input, weight and bias gradients of one float32 conv2d, torch on one thread."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((kernel[0], shape[1]) + kernel[1:]).astype(np.float32)
    b = rng.standard_normal(kernel[0]).astype(np.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
        ty = torch.nn.functional.conv2d(tx, tw, tb, padding=padding, dilation=dilation)
        gy = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
        ty.backward(torch.tensor(gy))
    finally:
        torch.set_num_threads(threads)
    mx, mw, mb = (minitorch.tensor(v, requires_grad=True) for v in (x, w, b))
    my = minitorch.nn.functional.conv2d(mx, mw, mb, padding=padding, dilation=dilation)
    my.backward(minitorch.tensor(gy))
    return ([a.detach().numpy() for a in (my, mx.grad, mw.grad, mb.grad)],
            [a.detach().numpy() for a in (ty, tx.grad, tw.grad, tb.grad)], (x, w, b, gy))


@needs_compiler
@pytest.mark.parametrize("shape, kernel, padding", DIRECT_CONV_EXACT)
def test_direct_convolution_is_torchs_on_one_thread_bit_for_bit(shape, kernel, padding):
    assert cpu_kernels.load("conv") is not None, "the C compiler is there, so the kernel must build"
    ours, theirs, _ = _conv_both(shape, kernel, padding)
    for name, a, b in zip(("output", "input gradient", "weight gradient", "bias gradient"), ours, theirs):
        assert a.shape == b.shape and a.dtype == np.float32
        assert np.array_equal(a, b), f"{name}: {np.abs(a - b).max()}"


def _float64_conv(x, w, b, gy, padding, dilation):
    """The float64 output, input, weight and bias gradients of conv2d(x, w, b) with output gradient gy."""
    tx, tw, tb = (torch.tensor(v.astype(np.float64), requires_grad=True) for v in (x, w, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, padding=padding, dilation=dilation)
    ty.backward(torch.tensor(gy.astype(np.float64)))
    return [a.detach().numpy() for a in (ty, tx.grad, tw.grad, tb.grad)]


@needs_compiler
@pytest.mark.parametrize("shape, kernel, padding, dilation", DIRECT_CONV_OTHERS)
def test_direct_convolution_is_within_rounding_where_torch_sums_otherwise(shape, kernel, padding, dilation):
    ours, theirs, (x, w, b, gy) = _conv_both(shape, kernel, padding, dilation)
    truth = _float64_conv(x, w, b, gy, padding, dilation)
    magnitude = _float64_conv(np.abs(x), np.abs(w), np.abs(b), np.abs(gy), padding, dilation)  # Σ|term| of each sum
    terms = [x.shape[1] * kernel[1] * kernel[2] + 1, kernel[0] * kernel[1] * kernel[2], gy[:, 0].size, gy[:, 0].size]
    for a, b, exact, size, n in zip(ours, theirs, truth, magnitude, terms):
        # a float32 sum of n terms, each with one rounding, is within n·2⁻²⁴·Σ|term| of the exact sum; so
        # is torch's, so the two are within twice that of each other
        bound = n * 2.0 ** -24 * np.abs(size) + 1e-30
        assert np.all(np.abs(a - exact) <= bound) and np.all(np.abs(a - b) <= 2 * bound)


@needs_compiler
def test_direct_convolution_gives_the_same_bits_on_any_number_of_threads():
    results = []
    for threads in (1, 2, 3):
        previous = minitorch.get_num_threads()
        minitorch.set_num_threads(threads)
        try:
            results.append(_conv_both((32, 10, 64, 64), (10, 3, 3), (1, 1))[0])
        finally:
            minitorch.set_num_threads(previous)
    for other in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(results[0], other))


@needs_compiler
@pytest.mark.parametrize("weight_decay, decoupled", [(0.0, False), (0.01, False), (0.1, True)])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("n", [20, (1 << 19) + 7])  # the second is split between threads
def test_adam_step_equals_the_numpy_step_bit_for_bit(weight_decay, decoupled, amsgrad, maximize, n):
    assert cpu_kernels.load("adam") is not None
    rng = np.random.default_rng(4)
    state = [rng.standard_normal(n).astype(np.float32) for _ in range(3)] + [rng.random(n).astype(np.float32)]
    state[1][:len(SPECIAL)] = SPECIAL  # infinities and NaN in the gradient
    state.append(rng.random(n).astype(np.float32) if amsgrad else None)
    state[-1 if amsgrad else 0][1] = np.nan
    ours, reference = [None if a is None else a.copy() for a in state], [None if a is None else a.copy() for a in state]
    for step in (1, 2, 7):
        args = (step, 1e-3, 0.9, 0.999, 1e-8, weight_decay, decoupled, maximize)
        nb.backend.adam_step(*ours, *args)
        _reference().adam_step(*reference, *args)
    for a, b in zip(ours, reference):
        assert (a is None and b is None) or np.array_equal(a, b, equal_nan=True)


SWITCHED_OFF = """
import numpy as np, minitorch
from minitorch.backends import cpu_kernels, numpy_backend as nb
assert all(cpu_kernels.load(name) is None for name in ("gelu", "sum", "batch_norm", "max_pool", "conv"))
x4 = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
w4 = np.ones((2, 3, 3, 3), np.float32)
y4 = minitorch.nn.functional.conv2d(minitorch.tensor(x4), minitorch.tensor(w4), padding=1).numpy()
assert np.allclose(y4[:, 0, 2, 2], x4[:, :, 1:4, 1:4].sum(axis=(1, 2, 3)), rtol=1e-5)
x = np.linspace(-6, 6, 5001, dtype=np.float32)
y = minitorch.nn.functional.gelu(minitorch.tensor(x)).numpy()
assert np.array_equal(y, nb._blocks(nb._gelu_float32, x))
assert float(minitorch.tensor(x).sum()) == float(x.sum())
print("numpy code")
"""


@pytest.mark.parametrize("env", [{"MINITORCH_KERNELS": "off"}, {"CC": "/nonexistent/cc"}],
                         ids=["switched off", "no compiler"])
def test_without_the_kernels_the_numpy_code_runs(env):
    out = subprocess.run([sys.executable, "-c", SWITCHED_OFF], env=dict(os.environ, **env),
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "numpy code"
