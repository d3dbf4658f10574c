"""Lazy modules against torch's: before the first call (repr, uninitialized state_dict entries, errors), the
first call (the same weights from the same seed, the same outputs and gradients, the class they become), a
state_dict loaded before any call, and an optimiser built before the parameters had a shape."""
import copy

import numpy as np
import pytest
import torch

import minitorch as mt

F32 = dict(rtol=1e-4, atol=1e-5)  # float32 results of differently ordered sums, as in test_modules

CASES = {
    "LazyLinear": (lambda nn: nn.LazyLinear(3), (2, 4)),
    "LazyLinear-nobias-3d": (lambda nn: nn.LazyLinear(2, bias=False), (2, 3, 5)),
    "LazyConv1d": (lambda nn: nn.LazyConv1d(4, 3, stride=2, padding=1), (2, 3, 9)),
    "LazyConv2d-groups": (lambda nn: nn.LazyConv2d(4, 3, groups=2, bias=False), (2, 4, 6, 6)),
    "LazyConv2d-unbatched": (lambda nn: nn.LazyConv2d(2, 2, padding_mode="reflect", padding=1), (3, 5, 5)),
    "LazyConv3d": (lambda nn: nn.LazyConv3d(2, 2), (1, 3, 4, 4, 4)),
    "LazyConvTranspose1d": (lambda nn: nn.LazyConvTranspose1d(4, 3, stride=2, output_padding=1), (2, 3, 5)),
    "LazyConvTranspose2d": (lambda nn: nn.LazyConvTranspose2d(6, 3, stride=2, groups=2, dilation=2), (1, 4, 4, 4)),
    "LazyConvTranspose3d": (lambda nn: nn.LazyConvTranspose3d(2, 2), (1, 3, 3, 3, 3)),
    "LazyBatchNorm1d": (lambda nn: nn.LazyBatchNorm1d(), (5, 3)),
    "LazyBatchNorm2d-untracked": (lambda nn: nn.LazyBatchNorm2d(track_running_stats=False), (2, 3, 4, 4)),
    "LazyBatchNorm3d-nobias": (lambda nn: nn.LazyBatchNorm3d(momentum=None, bias=False), (2, 2, 3, 3, 3)),
    "LazyInstanceNorm1d": (lambda nn: nn.LazyInstanceNorm1d(affine=True), (2, 3, 6)),
    "LazyInstanceNorm2d": (lambda nn: nn.LazyInstanceNorm2d(track_running_stats=True), (2, 3, 4, 4)),
    "LazyInstanceNorm3d": (lambda nn: nn.LazyInstanceNorm3d(affine=True, track_running_stats=True), (1, 2, 3, 3, 3)),
}


def _input(shape, lib, requires_grad=True):
    a = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    return lib.tensor(a, requires_grad=requires_grad)


def _state(module):
    return [(k, v.detach().numpy() if isinstance(v, torch.Tensor) else v.detach().cpu().numpy())
            for k, v in module.state_dict().items()]


def _assert_same_state(ours, theirs):
    mine, reference = _state(ours), _state(theirs)
    assert [k for k, _ in mine] == [k for k, _ in reference]
    for (k, m), (_, t) in zip(mine, reference):
        np.testing.assert_allclose(m, t, **F32, err_msg=k)


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_call_matches_torch(name):
    make, shape = CASES[name]
    theirs, ours = make(torch.nn), make(mt.nn)
    assert repr(ours) == repr(theirs)
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    lazy = [(k, torch.nn.parameter.is_lazy(v)) for k, v in theirs.state_dict().items()]
    assert [(k, mt.nn.parameter.is_lazy(v)) for k, v in ours.state_dict().items()] == lazy
    assert [repr(v) for v in ours.state_dict().values()] == [repr(v) for v in theirs.state_dict().values()]
    torch.manual_seed(3), mt.manual_seed(3)
    t_in, m_in = _input(shape, torch), _input(shape, mt)
    t_out, m_out = theirs(t_in), ours(m_in)
    assert type(ours).__name__ == type(theirs).__name__ == type(theirs).__name__.removeprefix("Lazy")
    assert not any(mt.nn.parameter.is_lazy(v) for v in ours.state_dict().values()) and repr(ours) == repr(theirs)
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), **F32)
    _assert_same_state(ours, theirs)
    weights = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(np.float32)
    (t_out * torch.tensor(weights)).sum().backward(), (m_out * mt.tensor(weights)).sum().backward()
    np.testing.assert_allclose(m_in.grad.numpy(), t_in.grad.numpy(), **F32)
    for (k, tp), (_, mp) in zip(theirs.named_parameters(), ours.named_parameters()):
        np.testing.assert_allclose(mp.grad.numpy(), tp.grad.numpy(), **F32, err_msg=k)


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_dict_loaded_before_the_first_call(name):
    """The checkpoint's shapes materialize the parameters; the first call then only checks and converts."""
    make, shape = CASES[name]
    torch.manual_seed(5)
    trained = make(torch.nn)
    trained(_input(shape, torch, False))  # a torch layer with weights
    theirs, ours = make(torch.nn), make(mt.nn)
    assert str(ours.load_state_dict(trained.state_dict())) == str(theirs.load_state_dict(trained.state_dict()))
    assert type(ours).__name__ == type(theirs).__name__ == name.split("-")[0]  # still lazy until called
    _assert_same_state(ours, theirs)
    # the call reads num_features / in_channels, which loading left at 0: an affine instance norm then refuses
    # its input, as torch's does
    t_out, t_err = _call(theirs, _input(shape, torch))
    m_out, m_err = _call(ours, _input(shape, mt))
    assert (type(m_err), str(m_err)) == (type(t_err), str(t_err))
    if t_err is None:
        np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), **F32)
    assert repr(ours) == repr(theirs)


def _call(module, input):
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a non-affine instance norm warns that num_features is not the input's
            return module(input), None
    except ValueError as e:
        return None, e


def test_optimiser_built_before_the_first_call_steps_the_materialized_parameters():
    results = []
    for lib in (torch, mt):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.LazyLinear(4), lib.nn.ReLU(), lib.nn.LazyLinear(1))
        optimiser = lib.optim.Adam(model.parameters(), lr=0.1)
        x = _input((8, 3), lib, False)
        for _ in range(3):
            optimiser.zero_grad()
            model(x).pow(2).mean().backward()
            optimiser.step()
        results.append([p.detach().numpy().copy() for p in model.parameters()])
    for m, t in zip(results[1], results[0]):
        np.testing.assert_allclose(m, t, **F32)


def test_to_and_deepcopy_before_the_first_call():
    for lib in (torch, mt):
        module = lib.nn.LazyConv2d(2, 3).double()
        clone = copy.deepcopy(module)
        assert module.weight.dtype == clone.weight.dtype == lib.float64
        assert type(clone.weight).__name__ == "UninitializedParameter"
        clone(lib.ones(1, 2, 4, 4, dtype=lib.float64))
        assert tuple(clone.weight.shape) == (2, 2, 3, 3) and clone.weight.dtype == lib.float64
        assert lib.nn.parameter.is_lazy(module.weight)


ERRORS = [
    lambda nn, lib: nn.LazyConv2d(4, 3)(lib.ones(3, 3)),
    lambda nn, lib: nn.LazyConv2d(4, 3, groups=2)(lib.ones(1, 3, 4, 4)),
    lambda nn, lib: nn.LazyConvTranspose1d(4, 3, groups=3)(lib.ones(1, 2, 5)),
    lambda nn, lib: nn.LazyLinear(3).weight.shape,
    lambda nn, lib: nn.LazyLinear(3).weight + 1,
    lambda nn, lib: nn.LazyLinear(3).weight.share_memory_(),
    lambda nn, lib: nn.LazyBatchNorm2d()(lib.ones(2, 3)),
    lambda nn, lib: nn.Linear(2, 3).load_state_dict(nn.LazyLinear(3).state_dict()),
    lambda nn, lib: nn.LazyLinear(3).initialize_parameters(),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_torch(case):
    raised = []
    for lib in (torch, mt):
        with pytest.raises(Exception) as info:
            ERRORS[case](lib.nn, lib)
        raised.append(info.value)
    theirs, ours = raised
    assert type(ours) is type(theirs)
    if not isinstance(theirs, ValueError) or "uninitialized" not in str(theirs):
        assert str(ours) == str(theirs)
    else:  # the op is named in each library's own terms (torch's method, NumPy's function)
        assert str(ours).split(" in ")[0] == str(theirs).split(" in ")[0]
