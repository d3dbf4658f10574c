"""nn and optim against torch: default initialisation, Module API, training from identical weights."""
import numpy as np
import pytest
import torch

import minitorch as mt


def _mlp(lib, sizes=(8, 16, 4)):
    return lib.nn.Sequential(lib.nn.Linear(sizes[0], sizes[1]), lib.nn.ReLU(), lib.nn.Linear(sizes[1], sizes[2]))


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (64, 30), (784, 256), (10, 256)])
def test_linear_default_init_equals_torch(shape):
    mt.manual_seed(7)
    torch.manual_seed(7)
    a, b = mt.nn.Linear(*shape), torch.nn.Linear(*shape)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())


def test_module_api_matches_torch():
    m, t = _mlp(mt), _mlp(torch)
    assert repr(m) == repr(t)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(m.state_dict()) == list(t.state_dict())
    assert [type(c).__name__ for c in m.children()] == [type(c).__name__ for c in t.children()]
    assert len(list(m.modules())) == len(list(t.modules())) == 4
    result = m.load_state_dict(t.state_dict())
    assert repr(result) == repr(t.load_state_dict(t.state_dict())) == "<All keys matched successfully>"
    for a, b in zip(m.parameters(), t.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert isinstance(m[0].weight, mt.nn.Parameter) and m[0].weight.requires_grad
    assert repr(m[0].bias).startswith("Parameter containing:\ntensor(")
    m.eval()
    assert not m.training and not m[1].training
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        m.load_state_dict({**t.state_dict(), "0.weight": torch.zeros(2, 2)})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        m.load_state_dict({**t.state_dict(), "extra": torch.zeros(1)})
    keys = m.load_state_dict({k: v for k, v in t.state_dict().items() if k != "2.bias"}, strict=False)
    assert keys.missing_keys == ["2.bias"] and keys.unexpected_keys == []


def test_buffers_hooks_and_zero_grad():
    class Net(mt.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = mt.nn.Linear(2, 2)
            self.register_buffer("count", mt.zeros(1))
            self.register_buffer("scratch", mt.zeros(1), persistent=False)

        def forward(self, x):
            self.count += 1
            return self.fc(x)

    net = Net()
    tnet = torch.nn.Module()
    tnet.fc = torch.nn.Linear(2, 2)
    tnet.register_buffer("count", torch.zeros(1))
    tnet.register_buffer("scratch", torch.zeros(1), persistent=False)
    assert list(net.state_dict()) == list(tnet.state_dict()) == ["count", "fc.weight", "fc.bias"]
    seen = []
    handle = net.register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    net(mt.ones(3, 2)).sum().backward()
    assert seen == [(3, 2)] and net.count.item() == 1
    handle.remove()
    net(mt.ones(1, 2))
    assert len(seen) == 1
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.double()
    assert net.fc.weight.dtype is mt.float64


def _train(lib, make_opt, steps=6, seed=3):
    lib.manual_seed(seed)
    model = _mlp(lib)
    opt = make_opt(lib, model.parameters())
    x = lib.randn(32, 8)
    y = lib.randint(0, 4, (32,))
    loss_fn = lib.nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


OPTIMIZERS = {
    "sgd": lambda L, p: L.optim.SGD(p, lr=0.1),
    "sgd_momentum_wd": lambda L, p: L.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-2, dampening=0.1),
    "sgd_nesterov": lambda L, p: L.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda L, p: L.optim.Adam(p, lr=1e-2),
    "adam_amsgrad_wd": lambda L, p: L.optim.Adam(p, lr=1e-2, weight_decay=0.1, amsgrad=True),
    "adamw": lambda L, p: L.optim.AdamW(p, lr=1e-2),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_follows_torch_step_for_step(name):
    m_losses, m_params = _train(mt, OPTIMIZERS[name])
    t_losses, t_params = _train(torch, OPTIMIZERS[name])
    np.testing.assert_allclose(m_losses, t_losses, rtol=1e-5, atol=1e-6)
    for a, b in zip(m_params, t_params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_optimizer_state_dict_round_trip():
    model = _mlp(mt)
    opt = mt.optim.Adam(model.parameters(), lr=1e-3)
    model(mt.ones(2, 8)).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["params"] == [0, 1, 2, 3] and state["state"][0]["step"] == 1
    opt2 = mt.optim.Adam(model.parameters(), lr=5.0)
    opt2.load_state_dict(state)
    assert opt2.param_groups[0]["lr"] == 1e-3 and opt2.state[model[0].weight]["step"] == 1
    with pytest.raises(ValueError, match="empty parameter list"):
        mt.optim.SGD([], lr=0.1)


def test_layer_reprs_match_torch():
    for name, args in [("LeakyReLU", ()), ("ELU", ()), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()),
                       ("Softplus", ()), ("Hardtanh", ()), ("Dropout", (0.2,)), ("Flatten", ()), ("Softmax", (1,)),
                       ("MSELoss", ()), ("CrossEntropyLoss", ()), ("BCEWithLogitsLoss", ()), ("Identity", ())]:
        assert repr(getattr(mt.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_dropout_module_train_and_eval():
    mt.manual_seed(4)
    torch.manual_seed(4)
    x = np.random.default_rng(0).standard_normal((6, 7)).astype(np.float32)
    m, t = mt.nn.Dropout(0.3), torch.nn.Dropout(0.3)
    np.testing.assert_array_equal(m(mt.tensor(x)).numpy(), t(torch.tensor(x)).numpy())
    m.eval()
    assert m(mt.tensor(x)).tolist() == mt.tensor(x).tolist()


def test_clip_grad_and_vector_utils_match_torch():
    mt.manual_seed(1)
    torch.manual_seed(1)
    m, t = _mlp(mt), _mlp(torch)
    m(mt.ones(3, 8)).pow(2).sum().backward()
    t(torch.ones(3, 8)).pow(2).sum().backward()
    for norm_type in (2.0, 1.0, float("inf")):
        a = mt.nn.utils.clip_grad_norm_(m.parameters(), 0.5, norm_type)
        b = torch.nn.utils.clip_grad_norm_(t.parameters(), 0.5, norm_type)
        np.testing.assert_allclose(a.item(), b.item(), rtol=1e-5)
    for p, q in zip(m.parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
    vec = mt.nn.utils.parameters_to_vector(m.parameters())
    np.testing.assert_array_equal(vec.detach().numpy(),
                                  torch.nn.utils.parameters_to_vector(t.parameters()).detach().numpy())
    mt.nn.utils.vector_to_parameters(vec * 0, m.parameters())
    assert all(p.abs().sum().item() == 0 for p in m.parameters())
