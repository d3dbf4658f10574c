"""The generic parity test: every registry spec against torch, forward and backward.

torch always runs on the CPU; minitorch runs on the device under test (`--device`, see conftest), so
the same suite checks the NumPy backend and the CUDA backend (a GPU, or the emulated device)."""
from hypothesis import given, note, strategies as st

from minitorch.testing import load_all, run_spec
from minitorch.testing.invalid import mutate

SPECS = load_all()


def pytest_generate_tests(metafunc):
    """Every spec on the CPU; on CUDA, every spec that applies to CUDA tensors (see OpSpec.cpu_only)."""
    if "name" in metafunc.fixturenames:
        on_cpu = metafunc.config.getoption("--device") == "cpu"
        metafunc.parametrize("name", sorted(n for n, s in SPECS.items() if on_cpu or not s.cpu_only))


@given(data=st.data())
def test_parity(name, data, device):
    spec = SPECS[name]
    dtype = data.draw(st.sampled_from(spec.dtypes), label="dtype")
    args, kwargs = spec.sample(data.draw, dtype)
    note(f"args={args!r} kwargs={kwargs!r}")
    run_spec(spec, args, kwargs, dtype, seed=data.draw(st.integers(0, 2**16), label="seed"), device=device)


@given(data=st.data())
def test_invalid_arguments(name, data, device):
    """A valid sample with one argument changed the way a user gets it wrong (see testing/invalid.py):
    minitorch raises torch's exception class, or returns torch's result."""
    spec = SPECS[name]
    dtype = data.draw(st.sampled_from(spec.dtypes), label="dtype")
    args, kwargs = spec.sample(data.draw, dtype)
    args, kwargs, change = data.draw(mutate(args, kwargs), label="change")
    note(f"{change}: args={args!r} kwargs={kwargs!r}")
    try:
        run_spec(spec, args, kwargs, dtype, check_grad=False, device=device)
    except AssertionError as e:
        if not _numpy_needs_host(device, change, e):
            raise


def _numpy_needs_host(device, change, error) -> bool:
    """torch leaves `tensor <op> array` to NumPy, which reads the tensor's memory: on a GPU torch raises
    TypeError ("can't convert cuda:0 device type tensor to numpy") where torch on the CPU, the oracle
    here, computes. minitorch on its CUDA device raises that TypeError, as torch does there."""
    return device != "cpu" and "NumPy array" in change and "can't convert cuda" in str(error)

