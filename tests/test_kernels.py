"""The hand-written CUDA kernels: every .cu compiles to PTX with nvcc (warnings as errors), and the
same sources built for the CPU give the NumPy backend's results on awkward sizes."""
import shutil
import subprocess

import numpy as np
import pytest

from minitorch.backends import emulated_kernels as K
from minitorch.backends import numpy_backend as ref

SOURCES = sorted(p.name for p in K.KERNELS.glob("*.cu"))
# CUDA 13's nvcc no longer targets sm_70 (Volta); sm_75 is the oldest architecture it builds
ARCHS = ["sm_75", "sm_80", "sm_90"]


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("source", SOURCES)
def test_kernels_compile_to_ptx(tmp_path, source, arch):
    out = tmp_path / f"{source}.{arch}.ptx"
    result = subprocess.run(["nvcc", f"-arch={arch}", "-ptx", "-Werror", "all-warnings", str(K.KERNELS / source),
                             "-o", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert ".entry" in out.read_text()


needs_cpu_build = pytest.mark.skipif(not K.available(), reason="no C++ compiler for the CPU build of the kernels")

# rows x cols: single rows, sizes that are not multiples of the block, rows longer than the block, empty
SHAPES = [(1, 1), (1, 7), (3, 5), (5, 33), (2, 300), (0, 4), (4, 64)]


@needs_cpu_build
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("log", [False, True])
def test_softmax_kernels_match_the_numpy_backend(shape, log):
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    gy = rng.standard_normal(shape).astype(np.float32)
    want = ref.log_softmax(x, -1) if log else ref.softmax(x, -1)
    for block in (None, 1, 32):  # the chosen size, a single thread, a block wider or narrower than the row
        got = K.softmax(x, log=log, block=block)
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)
        grad_want = (ref.log_softmax_backward if log else ref.softmax_backward)(gy, want, -1)
        np.testing.assert_allclose(K.softmax_backward(gy, want, log=log, block=block), grad_want, rtol=1e-5,
                                   atol=1e-6)


@needs_cpu_build
def test_softmax_kernel_rows_with_infinities():
    x = np.array([[0.0, -np.inf, 1.0], [np.inf, 0.0, 0.0], [-np.inf, -np.inf, -np.inf]], dtype=np.float32)
    got, want = K.softmax(x), ref.softmax(x, -1)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)


@needs_cpu_build
@pytest.mark.parametrize("n", [0, 1, 63, 64, 1000, 4097])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_kernels_match_the_numpy_backend(n, approximate):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    gy = rng.standard_normal(n).astype(np.float32)
    # the tanh form cancels in 1 + tanh(.) for x below about -3: a one-ulp difference between the C
    # library's tanhf and NumPy's float32 tanh then shows as up to ~2e-6 absolute, hence its atol
    atol = 5e-6 if approximate == "tanh" else 1e-6
    for block in (1, 64, 256):  # grid-stride loops with fewer threads than elements, and more
        np.testing.assert_allclose(K.gelu(x, approximate, block), ref.gelu(x, approximate), rtol=1e-5, atol=atol)
        np.testing.assert_allclose(K.gelu_backward(gy, x, approximate, block), ref.gelu_backward(gy, x, approximate),
                                   rtol=1e-5, atol=atol)
