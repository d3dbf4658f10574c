"""minitorch's public signatures against torch's, and torch-style calls of the common ops.

The first test compares every public callable that minitorch and torch both have (the torch
namespace, Tensor methods, nn.functional, module constructors and forwards, nn.init, nn.utils,
optimisers, schedulers, utils.data, autograd) with torch's signatures; see
minitorch/testing/signatures.py for what "agree" means. The second calls a set of factories and
common ops all-positionally, all by keyword and mixed, in each of torch's overloads, and checks
that minitorch returns what torch returns.
"""
import inspect
import warnings

import numpy as np
import pytest

import minitorch
from minitorch.testing import assert_close, signatures

torch = pytest.importorskip("torch")

# Divergences that stay, each with the reason.
EXEMPT = {
    # torch.result_type has overloads for two Python numbers whose parameters are named scalar1/scalar2
    # (and scalar for a number first); minitorch takes numbers in the same positions under the
    # tensor/other names, so every positional call behaves the same.
    "torch.result_type",
}


def test_public_signatures_match_torch():
    found = signatures.divergences()
    unexpected = [str(d) for d in found if d.name not in EXEMPT]
    assert not unexpected, "signatures that differ from torch's:\n" + "\n".join(unexpected)


def test_exemptions_are_still_needed():
    names = {d.name for d in signatures.divergences()}
    assert not EXEMPT - names, f"exempt but now matching torch: {sorted(EXEMPT - names)}"


def test_the_comparison_covers_the_surface():
    labels = [label for label, *_ in signatures.public_pairs()]
    assert len(labels) > 900
    for expected in ("torch.rand", "Tensor.view", "F.cross_entropy", "nn.Conv2d", "nn.Module.register_forward_hook",
                     "optim.Adam", "utils.data.DataLoader", "autograd.grad", "nn.init.kaiming_uniform_"):
        assert expected in labels


def test_the_comparison_finds_divergences():
    """A signature with a renamed, a missing and an extra parameter is reported for each."""
    def theirs(input, dim=0, *, keepdim=False, out=None):
        pass

    def mine(input, axis=0, *, keepdim=True, extra=None):
        pass
    problems = {d.problem for d in signatures.compare("f", inspect.signature(mine), [inspect.signature(theirs)])}
    assert "positional 1 is 'axis', torch calls it 'dim'" in problems
    assert "missing parameter 'out'" in problems
    assert "'keepdim' defaults to True, torch's to False" in problems
    assert "extra parameter 'extra' (torch has none of that name)" in problems


# ---- torch-style calls -------------------------------------------------------------------------

A = np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5
B = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
IDX = np.array([[0, 2], [1, 0]])

# name -> the value of each parameter by name (arrays become tensors); a leading "Tensor." calls the
# method on `input`. Random factories run after the same seed in both libraries.
CALLS = {
    "zeros": {"size": (2, 3), "dtype": "float64"},
    "ones": {"size": (3,), "dtype": "int32"},
    "empty": {"size": (0, 2)},
    "full": {"size": (2, 2), "fill_value": 1.5},
    "arange": {"start": 1, "end": 8, "step": 3},
    "linspace": {"start": -1.0, "end": 1.0, "steps": 5},
    "logspace": {"start": 0.0, "end": 2.0, "steps": 3, "base": 2.0},
    "eye": {"n": 3, "m": 2},
    "rand": {"size": (2, 3)},
    "randn": {"size": (4,)},
    "randint": {"low": 2, "high": 9, "size": (5,)},
    "randperm": {"n": 6},
    "zeros_like": {"input": A, "dtype": "float64"},
    "full_like": {"input": A, "fill_value": 7},
    "add": {"input": A, "other": B, "alpha": 2},
    "sub": {"input": A, "other": B, "alpha": 0.5},
    "mul": {"input": A, "other": B},
    "div": {"input": A, "other": B, "rounding_mode": "floor"},
    "pow": {"input": A, "exponent": 2},
    "clamp": {"input": A, "min": -0.2, "max": 0.3},
    "sum": {"input": A, "dim": 1, "keepdim": True},
    "mean": {"input": A, "dim": 0, "keepdim": False},
    "max": {"input": A, "dim": 1, "keepdim": True},
    "min": {"input": A, "other": B},
    "argmax": {"input": A, "dim": 0, "keepdim": True},
    "cumsum": {"input": A, "dim": 1},
    "topk": {"input": A, "k": 2, "dim": 1, "largest": False, "sorted": True},
    "sort": {"input": A, "dim": 0, "descending": True, "stable": True},
    "cat": {"tensors": [A, B], "dim": 1},
    "stack": {"tensors": [A, B], "dim": 0},
    "reshape": {"input": A, "shape": (3, 2)},
    "permute": {"input": A, "dims": (1, 0)},
    "transpose": {"input": A, "dim0": 0, "dim1": 1},
    "swapaxes": {"input": A, "axis0": 0, "axis1": 1},
    "squeeze": {"input": A[None], "dim": 0},
    "unsqueeze": {"input": A, "dim": 1},
    "flatten": {"input": A, "start_dim": 0, "end_dim": -1},
    "flip": {"input": A, "dims": (0, 1)},
    "tile": {"input": A, "dims": (2, 1)},
    "split": {"tensor": A, "split_size_or_sections": 1, "dim": 0},
    "tensor_split": {"input": A, "sections": 2, "dim": 1},
    "chunk": {"input": A, "chunks": 2, "dim": 0},
    "gather": {"input": A, "dim": 1, "index": IDX},
    "where": {"condition": A > 0, "input": A, "other": B},
    "matmul": {"input": A, "other": B.T.copy()},
    "dot": {"input": A[0], "tensor": B[0]},
    "softmax": {"input": A, "dim": 1},
    "Tensor.view": {"input": A, "size": (3, 2)},
    "Tensor.reshape": {"input": A, "shape": (6,)},
    "Tensor.permute": {"input": A, "dims": (1, 0)},
    "Tensor.expand": {"input": A[:1], "size": (4, 3)},
    "Tensor.repeat": {"input": A, "repeats": (1, 2)},
    "Tensor.tile": {"input": A, "dims": (2,)},
    "Tensor.flip": {"input": A, "dims": (1,)},
    "Tensor.squeeze": {"input": A[None, :, None], "dim": (0, 2)},
    "Tensor.split": {"input": A, "split_size": 2, "dim": 1},
    "Tensor.sum": {"input": A, "dim": (0, 1), "keepdim": True},
    "Tensor.max": {"input": A, "other": B},
    "Tensor.new_zeros": {"input": A, "size": (2,)},
    "Tensor.to": {"input": A, "dtype": "float64"},
    "F.cross_entropy": {"input": A, "target": np.array([2, 0]), "reduction": "sum", "label_smoothing": 0.1},
    "F.mse_loss": {"input": A, "target": B, "reduction": "none"},
    "F.softmax": {"input": A, "dim": 0},
    "F.relu": {"input": A, "inplace": False},
    "F.pad": {"input": A, "pad": (1, 1), "mode": "constant", "value": 2.0},
    "F.normalize": {"input": A, "p": 1.0, "dim": 1},
}


def _value(lib, v):
    if isinstance(v, np.ndarray):
        return lib.from_numpy(v.copy())
    if isinstance(v, list):
        return [_value(lib, x) for x in v]
    if isinstance(v, str) and hasattr(lib, v) and v in ("float64", "int32"):
        return getattr(lib, v)
    return v


def _target(lib, name):
    if name.startswith("Tensor."):
        return getattr(lib.Tensor, name[7:])
    if name.startswith("F."):
        return getattr(lib.nn.functional, name[2:])
    return getattr(lib, name)


def _call_forms(sig, values):
    """(args, kwargs) for each way torch code can call `sig` with `values`: all positional, all by
    keyword, and the first argument positional with the rest by keyword; None if `values` does not
    fit this overload."""
    params = list(sig.parameters.values())
    P = inspect.Parameter
    names = {p.name for p in params}
    if not set(values) <= names | {"input"} or any(
            p.default is P.empty and p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD) and p.name not in values
            for p in params):
        return None
    slots = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    last = max((i for i, p in enumerate(slots) if p.name in values), default=-1)
    positional = slots[:last + 1]  # up to the last one given; those between take their defaults
    if any(p.name not in values and not _plain_default(p) for p in positional):
        return None
    filled = {p.name: values.get(p.name, p.default) for p in positional}
    keyword_only = {p.name: values[p.name] for p in params if p.kind is P.KEYWORD_ONLY and p.name in values}
    star = next((p for p in params if p.kind is P.VAR_POSITIONAL), None)
    forms = []
    all_positional = [filled[p.name] for p in positional]
    if star is not None and star.name in values:
        all_positional += list(values[star.name])
    forms.append((all_positional, keyword_only))
    by_name = [p for p in positional if p.kind is P.POSITIONAL_OR_KEYWORD]
    if len(by_name) == len(positional) and star is None:
        forms.append(([], {**{n: values[n] for n in filled if n in values}, **keyword_only}))
        if positional:
            first = positional[0].name
            forms.append(([filled[first]], {**{n: values[n] for n in filled if n in values and n != first},
                                            **keyword_only}))
    return forms


def _plain_default(p) -> bool:
    return p.default is not inspect.Parameter.empty and p.default is not signatures.UNKNOWN


def _torch_overloads(name):
    label = name if name.startswith(("Tensor.", "F.")) else "torch." + name
    fn = _target(torch, name)
    method = name.startswith("Tensor.")
    sigs = signatures.corrected_overloads(label) or signatures.torch_overloads(fn, name.rsplit(".", 1)[-1], method)
    if method:  # the tensor the method is called on counts as `input`
        P = inspect.Parameter
        sigs = [s.replace(parameters=[P("input", P.POSITIONAL_ONLY)] + list(s.parameters.values())) for s in sigs]
    return sigs


def _run(lib, name, args, kwargs):
    args = [_value(lib, a) for a in args]
    kwargs = {k: _value(lib, v) for k, v in kwargs.items()}
    lib.manual_seed(0)
    fn = _target(lib, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name.startswith("Tensor."):
            self = kwargs.pop("input", None)
            return fn(self, *args, **kwargs) if self is not None else fn(*args, **kwargs)
        return fn(*args, **kwargs)


def _as_arrays(result):
    if isinstance(result, (tuple, list)):
        return [_as_arrays(r) for r in result]
    return np.asarray(result.detach().numpy()) if hasattr(result, "detach") else result


@pytest.mark.parametrize("name", sorted(CALLS))
def test_torch_style_calls(name):
    values = CALLS[name]
    forms = [f for sig in _torch_overloads(name) for f in (_call_forms(sig, values) or [])]
    assert forms, f"no torch overload of {name} takes {sorted(values)}"
    for args, kwargs in forms:
        expected = _as_arrays(_run(torch, name, args, kwargs))
        got = _as_arrays(_run(minitorch, name, args, kwargs))
        for g, e in zip(got, expected) if isinstance(got, list) else [(got, expected)]:
            assert_close(g, e, msg=f"{name}(*{args}, **{kwargs})")


@pytest.mark.parametrize("call", [
    "rand(2, 3)", "rand((2, 3))", "rand([2, 3])", "rand(size=(2, 3))", "zeros(2, 3, dtype=torch.int64)",
    "ones(size=[2])", "randn(2, 3, generator=None)", "empty(0)", "full([2], 3)", "zeros(())",
])
def test_factory_size_forms(call):
    torch.manual_seed(0)
    expected = eval("torch." + call)
    minitorch.manual_seed(0)
    got = eval("minitorch." + call, {"minitorch": minitorch, "torch": minitorch})
    assert tuple(got.shape) == tuple(expected.shape) and str(got.dtype) == str(expected.dtype)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("call", [
    "rand(2, size=(2,))", "zeros(2, pin_memory=True)", "empty(2, memory_format=torch.preserve_format)",
    "zeros(2, layout='strided')", "ones(2).view(2, size=(2,))", "ones(2).exp(out=ones(2))",
    "ones(2).permute(0, dims=(0,))", "zeros(2, dtype=torch.float64, out=ones(2))",
])
def test_invalid_size_and_option_forms_raise_torchs_class(call):
    def run(lib):
        env = {"torch": lib, "ones": lib.ones}
        try:
            eval("torch." + call, env)
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return type(e)
        return None
    expected = run(torch)
    assert expected is not None
    assert run(minitorch) is expected
