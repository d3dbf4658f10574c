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
    "rmsprop": lambda L, p: L.optim.RMSprop(p, lr=1e-2),
    "rmsprop_centered_momentum": lambda L, p: L.optim.RMSprop(p, lr=1e-2, momentum=0.9, centered=True,
                                                              weight_decay=1e-3),
    "adagrad": lambda L, p: L.optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "sgd_maximize": lambda L, p: L.optim.SGD(p, lr=0.01, maximize=True),
    "radam": lambda L, p: L.optim.RAdam(p, lr=1e-2),
    "radam_decoupled_wd": lambda L, p: L.optim.RAdam(p, lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True),
    "nadam": lambda L, p: L.optim.NAdam(p, lr=1e-2),
    "nadam_wd_maximize": lambda L, p: L.optim.NAdam(p, lr=1e-2, weight_decay=0.01, momentum_decay=0.01,
                                                    maximize=True),
    "adamax": lambda L, p: L.optim.Adamax(p, lr=1e-2, weight_decay=0.01),
    "adadelta": lambda L, p: L.optim.Adadelta(p),
    "adadelta_wd": lambda L, p: L.optim.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.01),
    "asgd": lambda L, p: L.optim.ASGD(p, lr=0.05, t0=2),
    "asgd_wd": lambda L, p: L.optim.ASGD(p, lr=0.05, lambd=0.01, weight_decay=0.01),
    "rprop": lambda L, p: L.optim.Rprop(p, lr=1e-3),
    "rprop_bounds": lambda L, p: L.optim.Rprop(p, lr=1e-2, etas=(0.3, 1.5), step_sizes=(1e-4, 0.02), maximize=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_follows_torch_step_for_step(name):
    m_losses, m_params = _train(mt, OPTIMIZERS[name])
    t_losses, t_params = _train(torch, OPTIMIZERS[name])
    np.testing.assert_allclose(m_losses, t_losses, rtol=1e-5, atol=1e-6)
    for a, b in zip(m_params, t_params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_asgd_average_matches_torch():
    """ASGD's running average of the iterates (`ax`), which only starts at step t0."""
    results = []
    for lib in (mt, torch):
        made = []
        _train(lib, lambda L, p: made.append(OPTIMIZERS["asgd"](L, p)) or made[0])
        results.append([made[0].state[p]["ax"].numpy().copy() for p in made[0].param_groups[0]["params"]])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_follows_torch(line_search_fn):
    """Three L-BFGS steps (up to 20 inner iterations each) on a small regression, with and without the
    strong-Wolfe line search: the losses and weights stay torch's."""
    results = []
    for lib in (mt, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1)).double()
        x = lib.tensor(np.random.default_rng(0).standard_normal((16, 4)))
        y = lib.tensor(np.random.default_rng(1).standard_normal((16, 1)))
        opt = lib.optim.LBFGS(model.parameters(), lr=0.5, history_size=5, line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss

        losses = [float(opt.step(closure)) for _ in range(3)]
        state = opt.state[next(iter(model.parameters()))]
        results.append((losses, state["func_evals"], state["n_iter"],
                        [p.detach().numpy().copy() for p in model.parameters()]))
    (m_losses, m_evals, m_iters, m_params), (t_losses, t_evals, t_iters, t_params) = results
    assert (m_evals, m_iters) == (t_evals, t_iters)
    np.testing.assert_allclose(m_losses, t_losses, rtol=1e-9)
    # up to 60 inner iterations amplify float64 rounding, whose summation order differs between BLAS kernels
    # (CPU generations): the weights agree to about 1e-7 relative, so 1e-6 leaves room for the next machine
    for a, b in zip(m_params, t_params):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("make, error", [
    (lambda L, p: L.optim.RAdam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda L, p: L.optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda L, p: L.optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda L, p: L.optim.Rprop(p, etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    (lambda L, p: L.optim.ASGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda L, p: L.optim.LBFGS([{"params": p[:1]}, {"params": p[1:]}]),
     "LBFGS doesn't support per-parameter options (parameter groups)"),
])
def test_new_optimizer_errors_match_torch(make, error):
    for lib in (mt, torch):
        with pytest.raises(ValueError) as e:
            make(lib, list(_mlp(lib).parameters()))
        assert str(e.value) == error


def test_new_optimizer_param_groups_match_torch():
    for name in ("radam", "nadam", "adamax", "adadelta", "asgd", "rprop"):
        groups = [OPTIMIZERS[name](lib, _mlp(lib).parameters()).param_groups[0] for lib in (mt, torch)]
        assert sorted(k for k in groups[0] if k != "params") == sorted(k for k in groups[1] if k != "params"), name
    m = mt.optim.LBFGS(_mlp(mt).parameters()).param_groups[0]
    t = torch.optim.LBFGS(_mlp(torch).parameters()).param_groups[0]
    assert {k: v for k, v in m.items() if k != "params"} == {k: v for k, v in t.items() if k != "params"}


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


def test_old_container_names_its_keyword_modules_as_torch():
    def build(lib):
        lib.manual_seed(3)
        return lib.nn.Container(encoder=lib.nn.Linear(3, 2), act=lib.nn.ReLU())
    with pytest.warns(FutureWarning, match="nn.Container` is deprecated"):
        ours = build(mt)
    theirs = build(torch)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    for (k, m), (j, t) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == j and m.tolist() == t.tolist()
    with pytest.raises(NotImplementedError):
        ours(mt.ones(3))
    with pytest.raises(KeyError), pytest.warns(FutureWarning):
        mt.nn.Container(**{"a.b": mt.nn.ReLU()})


def test_convert_sync_batchnorm_swaps_every_batch_norm_as_torch():
    def build(lib):
        lib.manual_seed(2)
        net = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4), lib.nn.ReLU(),
                                lib.nn.Sequential(lib.nn.BatchNorm1d(5, affine=False)))
        net[1].running_mean.add_(0.5)
        net.eval()
        return net
    original = build(mt)
    ours, theirs = mt.nn.SyncBatchNorm.convert_sync_batchnorm(original), \
        torch.nn.SyncBatchNorm.convert_sync_batchnorm(build(torch))
    assert repr(ours) == repr(theirs)
    assert ours[1].weight is original[1].weight and ours[1].running_mean is original[1].running_mean
    assert not ours[1].training and not ours[3][0].affine
    for (k, m), (j, t) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == j and np.allclose(m.numpy(), t.numpy())
    with pytest.raises(ValueError, match="expected at least 2D input"):
        mt.nn.SyncBatchNorm(3)(mt.ones(3))
    with pytest.raises(ValueError, match="number of input channels should be non-zero"):
        mt.nn.SyncBatchNorm(0)(mt.ones(2, 0))


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


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(padding="same"), dict(dilation=2, padding=2),
                                dict(groups=2, bias=False), dict(kernel_size=(2, 3), stride=(1, 2))])
def test_conv2d_forward_backward_and_init_match_torch(kw):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    mt.manual_seed(0)
    torch.manual_seed(0)
    a, b = mt.nn.Conv2d(4, 6, k, **kw), torch.nn.Conv2d(4, 6, k, **kw)
    assert repr(a) == repr(b)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    x = np.random.default_rng(0).standard_normal((2, 4, 9, 8)).astype(np.float32)
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = a(xm), b(xt)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
    ym.backward(mt.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a.weight.grad.numpy(), b.weight.grad.numpy(), rtol=1e-5, atol=1e-4)


def test_conv_has_second_derivatives():
    x = mt.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 5)), requires_grad=True)
    w = mt.tensor(np.random.default_rng(1).standard_normal((3, 2, 3, 3)), requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda a, b: mt.nn.functional.conv2d(a, b, padding=1, stride=2), (x, w))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, dilation=2)])
def test_max_pool_matches_torch(kw):
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32)
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, im = mt.nn.functional.max_pool2d(xm, return_indices=True, **kw)
    yt, it = torch.nn.functional.max_pool2d(xt, return_indices=True, **kw)
    (ym * ym).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_array_equal(ym.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(im.numpy(), it.numpy())
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())


def test_avg_and_adaptive_pool_match_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32)
    for f, args in [("avg_pool2d", (3, 2, 1)), ("avg_pool2d", (2,)), ("adaptive_avg_pool2d", ((4, 3),)),
                    ("adaptive_avg_pool2d", (1,))]:
        xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ym, yt = getattr(mt.nn.functional, f)(xm, *args), getattr(torch.nn.functional, f)(xt, *args)
        ym.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def _tiny_vgg(nn, hidden=10, classes=3):
    block = lambda cin: nn.Sequential(nn.Conv2d(cin, hidden, 3, padding=1), nn.ReLU(),  # noqa: E731
                                      nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    return nn.Sequential(block(3), block(hidden), nn.Flatten(), nn.Linear(hidden * 8 * 8, classes))


def test_tiny_vgg_trains_like_torch():
    losses = {}
    for lib in (mt, torch):
        lib.manual_seed(0)
        model = _tiny_vgg(lib.nn)
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        x, y = lib.rand(8, 3, 32, 32), lib.randint(0, 3, (8,))
        losses[lib.__name__] = []
        for _ in range(4):
            opt.zero_grad()
            loss = lib.nn.CrossEntropyLoss()(model(x), y)
            loss.backward()
            opt.step()
            losses[lib.__name__].append(loss.item())
    np.testing.assert_allclose(losses["minitorch"], losses["torch"], rtol=1e-5)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_training_and_eval_match_torch(momentum):
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype(np.float32)
    a, b = mt.nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
    assert repr(a) == repr(b)
    for step in range(3):
        xm, xt = mt.tensor(x * (step + 1), requires_grad=True), torch.tensor(x * (step + 1), requires_grad=True)
        ym, yt = a(xm), b(xt)
        (ym ** 2).sum().backward()
        (yt ** 2).sum().backward()
        np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert list(a.state_dict()) == list(b.state_dict())
    for k in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(a.state_dict()[k].numpy(), b.state_dict()[k].numpy(), rtol=1e-5)
    a.eval()
    b.eval()
    np.testing.assert_allclose(a(mt.tensor(x)).detach().numpy(), b(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-5)


def test_layer_group_norm_and_embedding_match_torch():
    x = np.random.default_rng(0).standard_normal((4, 6, 5)).astype(np.float32)
    for make in (lambda nn: nn.LayerNorm(5), lambda nn: nn.LayerNorm((6, 5), bias=False), lambda nn: nn.GroupNorm(3, 6)):
        a, b = make(mt.nn), make(torch.nn)
        assert repr(a) == repr(b)
        xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (a(xm) ** 3).sum().backward()
        (b(xt) ** 3).sum().backward()
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(a.weight.grad.numpy(), b.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    mt.manual_seed(0)
    torch.manual_seed(0)
    a, b = mt.nn.Embedding(10, 4, padding_idx=1), torch.nn.Embedding(10, 4, padding_idx=1)
    assert repr(a) == repr(b)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    idx = [[1, 2, 1], [3, 1, 9]]
    a(mt.tensor(idx)).sum().backward()
    b(torch.tensor(idx)).sum().backward()
    np.testing.assert_array_equal(a.weight.grad.numpy(), b.weight.grad.numpy())
    assert mt.nn.functional.one_hot(mt.tensor([0, 2]), 4).tolist() == \
        torch.nn.functional.one_hot(torch.tensor([0, 2]), 4).tolist()


@pytest.mark.parametrize("make", [
    lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
    lambda S, o: S.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.3),
    lambda S, o: S.ExponentialLR(o, gamma=0.9),
    lambda S, o: S.LambdaLR(o, lambda e: 1 / (e + 1)),
    lambda S, o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
    lambda S, o: S.MultiplicativeLR(o, lambda e: 0.95),
    lambda S, o: S.LinearLR(o, start_factor=0.25, total_iters=6),
    lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=3),
    lambda S, o: S.PolynomialLR(o, total_iters=8, power=2.0),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=20),
    lambda S, o: S.OneCycleLR(o, max_lr=[0.5], epochs=4, steps_per_epoch=5, anneal_strategy="linear",
                              three_phase=True),
    lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.ExponentialLR(o, gamma=0.8)],
                                milestones=[4]),
    lambda S, o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2),
                                    S.CosineAnnealingLR(o, T_max=5), S.StepLR(o, 2)], milestones=[3, 7]),
    lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5),
    lambda S, o: S.CyclicLR(o, base_lr=[0.01], max_lr=0.2, step_size_up=2, mode="triangular2", base_momentum=0.7),
    lambda S, o: S.CyclicLR(o, base_lr=0.05, max_lr=0.3, step_size_up=4, mode="exp_range", gamma=0.9),
    lambda S, o: S.CyclicLR(o, base_lr=0.05, max_lr=0.3, step_size_up=2, scale_fn=lambda x: 0.5 ** x,
                            scale_mode="iterations", cycle_momentum=False),
    lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4), S.ExponentialLR(o, gamma=0.9)]),
    lambda S, o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.2, total_iters=5), S.StepLR(o, 3, 0.5)], o),
    lambda S, o: S.ReduceLROnPlateau(o, patience=1, factor=0.5, cooldown=1),
    lambda S, o: S.ReduceLROnPlateau(o, mode="max", threshold=0.1, threshold_mode="abs", patience=0, min_lr=0.02),
])
def test_lr_schedulers_match_torch(make):
    lrs = {}
    metrics = [1.0, 0.9, 0.95, 0.97, 0.8, 0.85, 0.86, 0.87, 0.7, 0.71, 0.72, 0.73, 0.74, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]
    for lib in (mt, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        sched = make(lib.optim.lr_scheduler, opt)
        seen = [opt.param_groups[0]["lr"]]
        for metric in metrics:
            opt.step()
            sched.step(metric) if isinstance(sched, lib.optim.lr_scheduler.ReduceLROnPlateau) else sched.step()
            seen.append((sched.get_last_lr()[0], opt.param_groups[0]["momentum"]))
        lrs[lib.__name__] = seen
    np.testing.assert_allclose(np.array(lrs["minitorch"][1:]), np.array(lrs["torch"][1:]), rtol=1e-12)
    assert lrs["minitorch"][0] == pytest.approx(lrs["torch"][0], rel=1e-12)


def _hooked_linear(lib, input_grad=True):
    lib.manual_seed(0)
    m = lib.nn.Linear(3, 2)
    seen = []

    def pre(module, grad_output):
        seen.append(("pre", [g.tolist() for g in grad_output]))
        return (grad_output[0] * 2,)

    def hook(module, grad_input, grad_output):
        seen.append(("hook", [None if g is None else g.tolist() for g in grad_input], [g.tolist() for g in grad_output]))
        return (grad_input[0] * 10,) if input_grad else None

    m.register_full_backward_pre_hook(pre)
    handle = m.register_full_backward_hook(hook)
    x = lib.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], requires_grad=input_grad)
    (m(x) * lib.tensor([1.0, -1.0])).sum().backward()
    handle.remove()
    (m(x) * lib.tensor([1.0, -1.0])).sum().backward()   # only the pre-hook is left
    return seen, None if x.grad is None else x.grad.tolist(), m.weight.grad.tolist()


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("input_grad", [True, False])
def test_full_backward_hooks_match_torch(input_grad):
    assert _hooked_linear(mt, input_grad) == _hooked_linear(torch, input_grad)


def test_load_state_dict_assign_adopts_the_tensors():
    model = mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.BatchNorm1d(2))
    state = {k: v.clone() + 1 for k, v in model.state_dict().items()}
    model[0].weight.requires_grad_(False)
    result = model.load_state_dict(state, assign=True)
    assert str(result) == "<All keys matched successfully>"
    assert model[0].bias is not state["0.bias"] and isinstance(model[0].bias, mt.nn.Parameter)
    assert model[0].bias.tolist() == state["0.bias"].tolist() and not model[0].weight.requires_grad
    assert model[1].running_mean is state["1.running_mean"]
    assert model.get_submodule("1") is model[1]
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        model.get_submodule("nope")


INITS = [("uniform_", dict(a=-0.5, b=2.0)), ("normal_", dict(mean=1.0, std=0.5)), ("constant_", dict(val=0.3)),
         ("zeros_", {}), ("ones_", {}), ("eye_", {}), ("xavier_uniform_", dict(gain=2.0)), ("xavier_normal_", {}),
         ("kaiming_uniform_", dict(a=0.1)), ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu")),
         ("trunc_normal_", dict(std=0.02, a=-0.04, b=0.03)), ("trunc_normal_", dict(a=1.0, b=2.5)),
         ("orthogonal_", dict(gain=1.5))]


@pytest.mark.parametrize("name,kw", INITS, ids=[f"{n}{i}" for i, (n, _) in enumerate(INITS)])
@pytest.mark.parametrize("shape", [(7, 5), (4, 12), (3, 2, 2, 2)])
def test_init_functions_match_torch(name, kw, shape):
    if name == "eye_" and len(shape) != 2:
        shape = shape[:2]
    results = []
    for lib in (mt, torch):
        lib.manual_seed(3)
        t = lib.empty(shape)
        out = getattr(lib.nn.init, name)(t, **kw)
        assert out is t
        results.append(t.numpy())
    # the random streams are torch's bit for bit; orthogonal_ goes through a QR factorisation,
    # whose last bits depend on the LAPACK computing it
    exact = name != "orthogonal_"
    np.testing.assert_allclose(results[0], results[1], rtol=0 if exact else 1e-5, atol=0 if exact else 1e-6)
    assert mt.nn.init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain("leaky_relu", 0.2)


def test_parameter_containers_match_torch():
    """ParameterDict and ParameterList: the same entries, order, wrapping into Parameters, reprs and errors."""
    import numpy as np
    import torch
    values = {"w": np.ones((2, 3), np.float32), "b": np.zeros(3, np.float32)}
    made = []
    for lib in (torch, mt):
        d = lib.nn.ParameterDict({k: lib.tensor(v) for k, v in values.items()})
        d["extra"] = lib.nn.Parameter(lib.randn(1, dtype=lib.float64))
        d.update([("pair", lib.zeros(2))])
        popped = d.pop("pair")
        merged = d | lib.nn.ParameterDict({"z": lib.ones(1)})
        plist = lib.nn.ParameterList([lib.zeros(2), lib.nn.Parameter(lib.ones(3, 2, dtype=lib.float64))])
        plist.append(lib.ones(1))
        plist[0] = lib.full((2,), 5.0)
        made.append((repr(d), list(d.keys()), type(d["b"]).__name__, repr(merged), tuple(popped.shape),
                     repr(plist), [n for n, _ in plist.named_parameters()], len(plist), float(plist[0].sum()),
                     sorted(d.state_dict().keys()), "w" in d, d.get("missing", 7)))
        with pytest.raises(TypeError):
            d[0] = lib.zeros(1)
        with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
            d(lib.zeros(1))
    assert made[1] == made[0]


def test_ctc_loss_module_trains_like_torch():
    """CTCLoss from log_softmax outputs: the losses and the logits' gradients over three SGD steps equal torch's."""
    import numpy as np
    import torch
    rng = np.random.default_rng(3)
    logits0 = rng.standard_normal((7, 2, 5)).astype(np.float32)
    targets = np.array([[1, 2, 2], [3, 4, 0]])
    runs = []
    for lib in (torch, mt):
        logits = lib.tensor(logits0, requires_grad=True)
        loss_fn, opt = lib.nn.CTCLoss(blank=0), lib.optim.SGD([logits], lr=0.5)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = loss_fn(logits.log_softmax(-1), lib.tensor(targets), (7, 5), (3, 2))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        runs.append((np.array(losses), logits.detach().numpy()))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-5)
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-5, atol=1e-6)


def test_module_containers_match_torch():
    """ModuleDict, ModuleList and Sequential: entries, order, indexing, updates, reprs, state_dict keys and errors."""
    import torch
    made = []
    for lib in (torch, mt):
        nn = lib.nn
        d = nn.ModuleDict({"conv": nn.Conv2d(1, 2, 3), "act": nn.ReLU()})
        d["pool"] = nn.MaxPool2d(2)
        d.update([("drop", nn.Dropout(0.1)), ("act", nn.Tanh())])
        popped = d.pop("drop")
        layers = nn.ModuleList([nn.Linear(2, 2), nn.GELU()])
        layers.append(nn.Identity())
        layers.insert(0, nn.Flatten())
        layers.extend([nn.Sigmoid()])
        seq = nn.Sequential(*layers[1:3])
        seq.append(nn.Linear(2, 1))
        seq.insert(-1, nn.ReLU())
        longer = (seq + nn.Sequential(nn.Tanh())) * 2
        del longer[1:3]
        longer.pop(0)
        repeated = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)] + [nn.ReLU()] * 2 + [nn.Linear(3, 3)])
        del repeated[-1]
        made.append((repr(d), list(d.keys()), type(popped).__name__, "conv" in d, len(d), repr(layers), len(layers),
                     type(layers[-1]).__name__, repr(layers[1:3]), repr(seq), list(seq.state_dict().keys()),
                     list(d.state_dict().keys()), [n for n, _ in d.named_children()], repr(longer),
                     repr(repeated), list(repeated.state_dict().keys())))
        with pytest.raises(KeyError):
            d["missing"]
        with pytest.raises(IndexError):
            layers[10]
        for bad, error in [(lambda: nn.ModuleList([lib.zeros(1)]), TypeError),
                           (lambda: nn.ModuleDict({"a.b": nn.ReLU()}), KeyError),
                           (lambda: nn.ModuleDict({"training": nn.ReLU()}), KeyError),
                           (lambda: nn.ModuleDict({1: nn.ReLU()}), TypeError),
                           (lambda: nn.ModuleDict([("a", nn.ReLU(), 1)]), ValueError),
                           (lambda: nn.ModuleList(3), TypeError),
                           (lambda: nn.Sequential(nn.ReLU()) + nn.ModuleList(), ValueError),
                           (lambda: nn.Sequential(nn.ReLU()) * 0, ValueError)]:
            with pytest.raises(error) as info:
                bad()
            made[-1] += (str(info.value).replace("minitorch.", "torch."),)  # class paths name the library
    assert made[1] == made[0]


def test_sparse_gradients_are_refused_not_made_dense():
    """torch gives these gradients as sparse tensors; minitorch, without sparse layouts, says so."""
    weight = mt.randn(5, 3, requires_grad=True)
    for call in (lambda: mt.nn.functional.embedding(mt.tensor([1, 2]), weight, sparse=True),
                 lambda: mt.nn.Embedding(5, 3, sparse=True)(mt.tensor([1, 2])),
                 lambda: mt.nn.functional.embedding_bag(mt.tensor([1, 2]), weight, mt.tensor([0]), sparse=True),
                 lambda: mt.gather(weight, 1, mt.tensor([[0], [2]]), sparse_grad=True)):
        with pytest.raises(NotImplementedError, match="sparse"):
            call()
    assert mt.nn.functional.embedding(mt.tensor([1, 2]), weight, sparse=False).shape == (2, 3)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("height", [(3, 2), (2, 5), (5, 3)])
def test_antialias_into_one_column_equals_torch_on_the_transpose(mode, height):
    """Antialiased resizing into one column: torch's CPU kernel gives every output row the first row's value
    there, so the oracle is torch on the transposed problem (one row, resized along the width), which it gets
    right; by hand, [[3], [-5], [-9]] to two rows is [[0], [-7.5]]."""
    rows, out_rows = height
    x = np.random.default_rng(rows * 10 + out_rows).standard_normal((1, 2, rows, 1)).astype(np.float32)
    kw = {"mode": mode, "align_corners": False, "antialias": True}
    ours = mt.nn.functional.interpolate(mt.from_numpy(x), size=(out_rows, 1), **kw).numpy()
    theirs = torch.nn.functional.interpolate(torch.from_numpy(x.swapaxes(2, 3).copy()), size=(1, out_rows), **kw)
    np.testing.assert_allclose(ours, theirs.numpy().swapaxes(2, 3), rtol=1e-5, atol=1e-6)
    by_hand = mt.nn.functional.interpolate(mt.tensor([[[[3.0], [-5.0], [-9.0]]]]), size=(2, 1), mode="bilinear",
                                           antialias=True)
    np.testing.assert_allclose(by_hand.numpy().ravel(), [0.0, -7.5], atol=1e-6)
