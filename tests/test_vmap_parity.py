"""The generic vmap test: every registry spec under minitorch.func.vmap against torch.func.vmap.

Each sampled tensor is stacked along a new first dim and the spec's function is vmapped over them: the result is
torch's, or the call raises torch's exception class (what torch's vmap refuses: .item() on a batched tensor,
data-dependent control flow, ops with a value-dependent shape, in-place writes of batched values into unbatched
tensors, random ops in randomness="error" mode, ...). minitorch's vmap runs the function once per slice on any
device, so the CPU pass checks it; the layers of the module test run under vmap here too."""
import pytest
import torch
from hypothesis import given, note, settings, strategies as st
from test_modules import CASES, F32, _first, _inputs

import minitorch as mt
from minitorch.testing import load_all
from minitorch.testing.registry import Arg, OpSpec, check_vmap

SPECS = load_all()

# a fraction of the profile's examples: each one runs both vmaps, and the parity test samples the same specs fully
EXAMPLES = max(6, settings().max_examples // 4)


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_vmap(name, data):
    spec = SPECS[name]
    dtype = data.draw(st.sampled_from(spec.dtypes), label="dtype")
    args, kwargs = spec.sample(data.draw, dtype)
    note(f"args={args!r} kwargs={kwargs!r}")
    check_vmap(spec, args, kwargs, dtype)


def pytest_generate_tests(metafunc):
    if "name" in metafunc.fixturenames:
        metafunc.parametrize("name", sorted(SPECS))


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("layer", sorted(CASES))
def test_module_under_vmap(layer, mode):
    """The layer vmapped over its inputs stacked twice: torch's result, or torch's exception class (batch norm's
    running statistics in training, dropout's random draws, the recurrent layers torch's vmap has no rule for)."""
    make, specs = CASES[layer]
    theirs, ours = make(torch.nn, torch), make(mt.nn, mt)
    ours.load_state_dict(theirs.state_dict())
    getattr(theirs, mode)(), getattr(ours, mode)()
    modules = {torch: theirs, mt: ours}
    spec = OpSpec(layer, lambda lib, *a: _first(modules[lib](*a)), sample=None, **F32)
    check_vmap(spec, [Arg(a, requires_grad=False) for a, _ in _inputs(specs, seed=len(layer))], {}, "float32")
