"""jit.trace: a traced module or function replays the ops it recorded, against the eager model and
against torch's own trace of the same model."""
import copy
import warnings

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.demo import tiny_vgg_class


def _twins(train: bool):
    """The course's TinyVGG (with a dropout before the classifier and batch norm) in both libraries, same weights."""
    def build(lib):
        model = tiny_vgg_class(lib.nn)(3, 4, 3, 8)
        model.conv_block_1.insert(1, lib.nn.BatchNorm2d(4))
        model.classifier.insert(1, lib.nn.Dropout(0.3))
        return model.train(train)
    ours, theirs = build(mt), build(torch)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def _inputs(seed):
    return np.random.default_rng(seed).standard_normal((2, 3, 8, 8)).astype(np.float32)


def test_a_traced_module_replays_the_model_as_torchs_trace_does():
    ours, theirs = _twins(train=False)
    traced = mt.jit.trace(ours, mt.tensor(_inputs(0)))
    their_trace = torch.jit.trace(theirs, torch.tensor(_inputs(0)))
    assert isinstance(traced, mt.jit.ScriptModule) and isinstance(their_trace, torch.jit.ScriptModule)
    assert list(traced.state_dict()) == list(their_trace.state_dict()) == list(ours.state_dict())
    for seed in (1, 2):  # new inputs: the recorded ops run again
        got = traced(mt.tensor(_inputs(seed))).detach().numpy()
        np.testing.assert_allclose(got, ours(mt.tensor(_inputs(seed))).detach().numpy(), rtol=0, atol=0)
        np.testing.assert_allclose(got, their_trace(torch.tensor(_inputs(seed))).detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    assert "_0 = torch.convolution(x, self.conv_block_1.0.weight" in traced.code


def test_a_traced_module_shares_the_originals_parameters_and_trains():
    ours, _ = _twins(train=True)
    eager = copy.deepcopy(ours)
    traced = mt.jit.trace(ours, mt.tensor(_inputs(0)), check_trace=False)
    ours.load_state_dict(eager.state_dict())  # undo the running statistics the tracing call updated
    x, y = mt.tensor(_inputs(1)), mt.tensor([0, 2])
    mt.manual_seed(5)
    loss = mt.nn.functional.cross_entropy(traced(x), y)
    mt.manual_seed(5)
    want = mt.nn.functional.cross_entropy(eager(x), y)
    assert loss.item() == want.item()  # dropout draws again, from the same stream
    loss.backward()
    want.backward()
    for (name, p), q in zip(ours.named_parameters(), eager.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy(), err_msg=name)
    for name in ("running_mean", "running_var", "num_batches_tracked"):  # buffers updated as eagerly
        np.testing.assert_array_equal(getattr(ours.conv_block_1[1], name).numpy(),
                                      getattr(eager.conv_block_1[1], name).numpy(), err_msg=name)
    mt.optim.SGD(ours.parameters(), lr=0.1).step()  # the trace reads the module's parameters at each call
    ours.eval()
    assert mt.equal(mt.jit.trace(ours, x)(x), ours(x))


def test_a_traced_function_and_what_it_says():
    def f(a, b):
        assert mt.jit.is_tracing()
        return (a * b).sum() + a.exp().mean()
    a, b = mt.randn(3), mt.randn(3)
    traced = mt.jit.trace(f, (a, b))
    assert not mt.jit.is_tracing()
    c, d = mt.randn(3), mt.randn(3)
    with pytest.raises(AssertionError):
        f(c, d)  # not tracing now: the assertion in f fails, while the trace never runs f again
    assert mt.allclose(traced(c, d), (c * d).sum() + c.exp().mean())
    assert traced.code.splitlines()[:3] == ["def f(a: Tensor,", "    b: Tensor) -> Tensor:",
                                            "  _0 = torch.mul(a, b)"]


def test_trace_refuses_what_it_cannot_replay():
    model = mt.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="cannot be traced"):
        mt.jit.trace(model, 3.0)
    traced = mt.jit.trace(model, mt.randn(4, 3))
    with pytest.raises(RuntimeError, match="traced as \\[4, 3\\]"):
        traced(mt.randn(5, 3))
    with pytest.raises(RuntimeError, match="expected 1 arguments"):
        traced(mt.randn(4, 3), mt.randn(4, 3))


def test_check_trace_warns_where_python_control_flow_was_frozen():
    def f(x):
        return x * 2 if bool(x.sum() > 0) else x * 3
    with pytest.warns(mt.jit.TracerWarning, match="does not match"):
        mt.jit.trace(f, mt.ones(2), check_inputs=[(-mt.ones(2),)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.jit.trace(f, mt.ones(2))  # the example itself checks out
