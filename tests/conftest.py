"""Test session set-up: hypothesis profiles and one compute thread per test worker.

Profiles: `ci` (default, fast), `ci-device` (the emulated CUDA pass of `make test`) and `thorough`
(MINITORCH_HYPOTHESIS=thorough). The suite runs
in several pytest-xdist workers, so torch and NumPy's BLAS each get one thread per worker;
otherwise their thread pools oversubscribe the cores and tiny ops wait on each other.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# the second pass of `make test` on the (emulated) CUDA device: the same specs with fewer examples, as it checks
# the device's code paths, whose values the CPU pass has already compared at full length (8 examples reach each
# spec's dtypes and layouts; the pass keeps the whole suite within its time budget on two cores)
settings.register_profile("ci-device", max_examples=8, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("MINITORCH_HYPOTHESIS", "ci"))


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true",
                     help="also run the tests marked slow (more MPI ranks than this machine has cores)")
    parser.addoption("--device", default="cpu", choices=("cpu", "cuda"),
                     help="device the parity and module suites run minitorch on (cuda: a GPU, or the "
                          "emulated device with MINITORCH_EMULATE_CUDA=1)")


@pytest.fixture(scope="session")
def device(request):
    """The device under test (--device); cuda needs a GPU or the emulated device."""
    name = request.config.getoption("--device")
    if name == "cuda":
        import minitorch
        if not minitorch.cuda.is_available():
            pytest.fail("--device cuda needs a GPU with CuPy, or MINITORCH_EMULATE_CUDA=1")
    return name


@pytest.fixture
def cuda_device(monkeypatch):
    """The CUDA device: the real one when present, else the emulated one (left with no capture open)."""
    from minitorch import cuda
    from minitorch.backends.emulated import cuda_standin
    if cuda._cupy() is None:
        monkeypatch.setenv("MINITORCH_EMULATE_CUDA", "1")
    assert cuda.is_available()
    yield "cuda"
    import minitorch
    minitorch.set_default_device(None)
    if cuda_standin.state.capturing is not None:  # a test that failed mid-capture
        cuda_standin.state.capturing.end_capture()
    cuda_standin.state.current = cuda_standin.Stream.null


@pytest.fixture(scope="session")
def torchvision():
    """torchvision's Python code (models, transforms), the reference for minitorch.vision."""
    from minitorch.testing.reference import import_torchvision
    return import_torchvision()


def pytest_collection_modifyitems(config, items):
    """Tests marked slow run only with --slow: left out of the default run, not skipped."""
    if config.getoption("--slow"):
        return
    kept = [item for item in items if "slow" not in item.keywords]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if "slow" in item.keywords])
        items[:] = kept


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs only with --slow (e.g. 4-rank MPI jobs)")
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
