"""The CUDA device as torch users know it, on the emulated device (MINITORCH_EMULATE_CUDA=1) when no
GPU is present, and torch's CPU-only behaviour without either."""
import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch import cuda
from minitorch.backends import cupy_backend
from minitorch.testing.node_names import graph_node_names


@pytest.fixture
def no_cuda(monkeypatch):
    """A machine without CUDA: no emulation and no GPU."""
    if torch.cuda.is_available():
        pytest.skip("torch sees a GPU here, so it cannot show its CPU-only answers")
    monkeypatch.delenv("MINITORCH_EMULATE_CUDA", raising=False)
    monkeypatch.setattr(cuda, "_cupy", lambda: None)


@pytest.fixture
def gpu(cuda_device):
    return cuda_device


def test_without_cuda_every_query_answers_as_a_cpu_only_torch(no_cuda):
    assert not cuda.is_available() and cuda.device_count() == 0
    cuda.manual_seed_all(0)  # harmless, as in torch
    for call in (lambda lib: lib.zeros(2, device="cuda"), lambda lib: lib.ones(2).cuda(),
                 lambda lib: lib.cuda.current_device(), lambda lib: lib.cuda.synchronize()):
        with pytest.raises(AssertionError) as theirs:
            call(torch)
        with pytest.raises(AssertionError) as ours:
            call(mt)
        assert str(ours.value) == str(theirs.value)


def test_device_queries(gpu):
    assert cuda.device_count() >= 1 and cuda.current_device() == 0
    assert isinstance(cuda.get_device_name(), str) and len(cuda.get_device_capability()) == 2
    cuda.set_device(0)
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        cuda.set_device(cuda.device_count())
    with cuda.device(0):
        assert cuda.current_device() == 0
    cuda.synchronize()


def test_tensors_move_between_devices_and_keep_their_values(gpu):
    x = mt.arange(6.0).reshape(2, 3)
    y = x.cuda()
    assert y.device == mt.device("cuda:0") and y.is_cuda and y.get_device() == 0 and str(y.device) == "cuda:0"
    assert mt.zeros(2, device="cuda").device == y.device == x.to("cuda").device == x.to(mt.device("cuda", 0)).device
    assert y.cpu().tolist() == x.tolist() and y.tolist() == x.tolist() and y.sum().item() == 15.0
    assert "device='cuda:0'" in repr(y) and y.type() == "torch.cuda.FloatTensor"
    assert x.to("cuda") is not x and y.to("cuda") is y


def test_gradients_travel_back_across_devices(gpu):
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x.cuda() ** 2).sum()
    assert loss.device.type == "cuda" and loss.grad_fn.name() == "SumBackward0"
    loss.backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [2.0, 4.0, 6.0]


def test_torch_errors_for_device_mistakes(gpu):
    a, b = mt.ones(2, device="cuda"), mt.ones(2)
    for op in (lambda: a + b, lambda: b * a, lambda: mt.nn.functional.linear(mt.ones(3, 2), a.reshape(1, 2)),
               lambda: mt.cat([a, b])):
        with pytest.raises(RuntimeError, match=r"^Expected all tensors to be on the same device, but found at least "
                                               r"two devices, cuda:0 and cpu!$"):
            op()
    assert (a + mt.tensor(2.0)).tolist() == [3.0, 3.0]  # a 0-d CPU tensor mixes with any device, as in torch
    for to_numpy in (a.numpy, lambda: np.asarray(a)):
        with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu\(\)"):
            to_numpy()
    assert a.numpy(force=True).tolist() == [1.0, 1.0]  # force copies to the host, as torch's does


def test_random_numbers_come_from_the_device_generator(gpu):
    cuda.manual_seed(3)
    first = mt.randn(5, device="cuda")
    mask = mt.nn.functional.dropout(mt.ones(100, device="cuda"), 0.5)
    cuda.manual_seed(3)
    assert mt.equal(mt.randn(5, device="cuda"), first)
    assert mt.equal(mt.nn.functional.dropout(mt.ones(100, device="cuda"), 0.5), mask)
    assert first.device.type == mask.device.type == "cuda" and set(mask.cpu().tolist()) == {0.0, 2.0}
    assert cuda.initial_seed() == 3
    assert mt.randint(0, 5, (4,), device="cuda").device.type == "cuda"
    assert sorted(mt.randperm(6, device="cuda").tolist()) == list(range(6))


def test_default_device(gpu):
    mt.set_default_device("cuda")
    assert mt.get_default_device() == mt.device("cuda:0")
    assert mt.zeros(2).device.type == mt.tensor([1.0]).device.type == mt.rand(2).device.type == "cuda"
    mt.set_default_device(None)
    assert mt.zeros(2).device.type == "cpu"


def test_modules_and_optimizer_state_follow_their_parameters(gpu, tmp_path):
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.BatchNorm1d(8), mt.nn.ReLU(), mt.nn.Linear(8, 2))
    cpu_state = {k: v.clone() for k, v in model.state_dict().items()}
    params = list(model.parameters())
    assert model.cuda() is model and all(p.device.type == "cuda" for p in model.state_dict().values())
    assert list(model.parameters())[0] is params[0]  # moved in place: optimisers keep their references
    opt = mt.optim.Adam(model.parameters(), lr=0.01)
    x, y = mt.randn(16, 4, device="cuda"), mt.randint(0, 2, (16,), device="cuda")
    for _ in range(3):
        opt.zero_grad()
        mt.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    state = opt.state[params[0]]
    assert state["exp_avg"].device.type == "cuda" and state["exp_avg_sq"].device.type == "cuda"

    mt.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.pt")
    saved = mt.load(tmp_path / "ckpt.pt")
    assert saved["model"]["0.weight"].device.type == "cuda"
    on_cpu = mt.load(tmp_path / "ckpt.pt", map_location="cpu")
    assert on_cpu["model"]["0.weight"].device.type == "cpu"
    assert mt.equal(on_cpu["model"]["0.weight"], model[0].weight.detach().cpu())
    assert not mt.equal(on_cpu["model"]["0.weight"], cpu_state["0.weight"])  # it trained
    theirs = torch.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(theirs["model"]["3.bias"].numpy(), model[3].bias.detach().cpu().numpy())

    fresh = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.BatchNorm1d(8), mt.nn.ReLU(), mt.nn.Linear(8, 2))
    fresh_opt = mt.optim.Adam(fresh.parameters(), lr=0.01)
    fresh_opt.load_state_dict(on_cpu["opt"])
    fresh.cuda()
    fresh_opt = mt.optim.Adam(fresh.parameters(), lr=0.01)
    fresh_opt.load_state_dict(on_cpu["opt"])  # state moves to the parameters' device, as torch casts it
    assert fresh_opt.state[next(fresh.parameters())]["exp_avg"].device.type == "cuda"
    assert model.cpu()[0].weight.device.type == "cpu"


def test_memory_statistics(gpu):
    cuda.empty_cache()
    cuda.reset_peak_memory_stats()
    before = cuda.memory_allocated()
    x = mt.zeros(1000, 1000, device="cuda")
    held = cuda.memory_allocated()
    assert held - before >= 4_000_000 and cuda.max_memory_allocated() >= held
    y = x.clone()  # a copy made by an array method counts too
    assert cuda.memory_allocated() - held >= 4_000_000
    del x, y
    assert cuda.memory_allocated() <= held - 4_000_000 and cuda.max_memory_allocated() >= held + 4_000_000
    assert cuda.memory_reserved() >= cuda.memory_allocated()


def test_a_training_run_on_cuda_equals_the_cpu_run(gpu):
    """TinyVGG-style steps (conv, max-pool, cross-entropy, Adam): the kernels' results equal the CPU's."""
    def run(device):
        mt.manual_seed(0)
        model = mt.nn.Sequential(mt.nn.Conv2d(3, 6, 3, padding=1), mt.nn.ReLU(), mt.nn.MaxPool2d(2),
                                 mt.nn.Flatten(), mt.nn.LayerNorm(6 * 4 * 4), mt.nn.Linear(6 * 4 * 4, 3)).to(device)
        opt = mt.optim.AdamW(model.parameters(), lr=0.01)
        x = mt.randn(8, 3, 8, 8).to(device)
        y = mt.tensor([0, 1, 2, 0, 1, 2, 0, 1]).to(device)
        losses = []
        for _ in range(5):
            opt.zero_grad()
            loss = mt.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.detach().cpu().numpy() for p in model.parameters()]
    (cpu_losses, cpu_params), (gpu_losses, gpu_params) = run("cpu"), run("cuda")
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5)
    for a, b in zip(gpu_params, cpu_params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_the_emulated_device_is_as_strict_as_cupy():
    """NumPy functions on device arrays, host arrays mixed into device ops, and names CuPy lacks all
    raise, so code that would fail on a GPU fails on the emulated device too."""
    from minitorch.backends.emulated.cupy_standin import xp
    a = xp.asarray(np.arange(6.0))
    with pytest.raises(TypeError, match="numpy.sum was called on a device array"):
        np.sum(a)
    with pytest.raises(TypeError, match="host NumPy array met a device array"):
        a + np.ones(6)
    with pytest.raises(TypeError, match="host NumPy array"):
        xp.exp(np.ones(3))
    with pytest.raises(AttributeError):
        xp.errstate
    with pytest.raises(AttributeError):
        a.ctypes
    assert type(a.sum()) is type(a) and a.sum().shape == ()  # reductions give 0-d device arrays, as CuPy's do
    assert type(xp.asnumpy(a)) is np.ndarray and xp.asnumpy(a).tolist() == a.get().tolist()
    with pytest.raises(TypeError, match="Argument 'array' has incorrect type"):
        xp.broadcast_to(0, (2,))  # CuPy's broadcast_to takes device arrays only
    # CuPy's float remainder is a - floor(a / b) * b (with a fused multiply-add), not NumPy's fmod form
    three, fifth = xp.asarray(np.float32([3.0])), xp.asarray(np.float32([0.2]))
    assert (three % fifth).item() == np.float32(-4.4703484e-08) and (three // fifth).item() == 15.0


def test_float_floor_division_and_remainder_round_as_torch(gpu):
    """torch rounds the quotient through fmod(a, b): 3 // 0.2 is 14 and 3 % 0.2 is 0.2 (in float32),
    infinite divisors leave the dividend, and the remainder takes the divisor's sign."""
    a = np.float32([3.0, 3.0, 2.0, -2.0, 2.0, 0.0, 7.5, -7.5, 1.0])
    b = np.float32([0.2, np.inf, -np.inf, np.inf, 0.0, -3.0, 2.0, 2.0, -0.0])
    for op in ("remainder", "floor_divide", "fmod"):
        for x, y in ((a, b), (b, a)):
            want = getattr(torch, op)(torch.from_numpy(x), torch.from_numpy(y)).numpy()
            got = getattr(mt, op)(mt.tensor(x, device=gpu), mt.tensor(y, device=gpu)).cpu().numpy()
            np.testing.assert_array_equal(got, want, err_msg=op)
    x = mt.tensor(a, device=gpu)
    np.testing.assert_array_equal((3.0 % x).cpu().numpy(), (3.0 % torch.from_numpy(a)).numpy())
    np.testing.assert_array_equal((x // -0.3).cpu().numpy(), (torch.from_numpy(a) // -0.3).numpy())


# torch 2.11 on an H100: float to integer casts out of range saturate on CUDA (C leaves them undefined;
# torch's CPU gives the lowest integer), and uint8 goes through int64 on both devices
OUT_OF_RANGE = [np.inf, -np.inf, np.nan, 1e20, -1e20, 3e9, -3e9, 300.0, -1.5]
TORCH_CUDA_CASTS = {
    "int64": [2**63 - 1, -2**63, -2**63, 2**63 - 1, -2**63, 3000000000, -3000000000, 300, -1],
    "int32": [2**31 - 1, -2**31, 0, 2**31 - 1, -2**31, 2**31 - 1, -2**31, 300, -1],
    "int16": [-1, 0, 0, -1, 0, -1, 0, 300, -1],
    "int8": [-1, 0, 0, -1, 0, -1, 0, 44, -1],
    "uint8": [255, 0, 0, 255, 0, 0, 0, 44, 255],
}


def test_out_of_range_casts_follow_torch_on_cuda(gpu):
    x = mt.tensor(OUT_OF_RANGE, device=gpu)
    for name, want in TORCH_CUDA_CASTS.items():
        if torch.cuda.is_available():  # on a GPU, ask torch itself
            want = torch.tensor(OUT_OF_RANGE).cuda().to(getattr(torch, name)).tolist()
        assert x.to(getattr(mt, name)).tolist() == want, name
    # on the CPU both libraries give x86's answer: the lowest integer
    assert mt.tensor(OUT_OF_RANGE).long().tolist() == torch.tensor(OUT_OF_RANGE).long().tolist()
    assert mt.tensor(OUT_OF_RANGE).byte().tolist() == torch.tensor(OUT_OF_RANGE).byte().tolist()


def test_kernel_switch(monkeypatch):
    monkeypatch.setenv("MINITORCH_KERNELS", "off")
    assert not cupy_backend.kernels_enabled()
    monkeypatch.setenv("MINITORCH_KERNELS", "on")
    assert cupy_backend.kernels_enabled()


def test_module_to_accepts_every_form_torch_does(gpu):
    m = mt.nn.BatchNorm1d(3)
    assert m.to(0).weight.device == mt.device("cuda:0")
    m.to(mt.ones(1, dtype=mt.float64))  # a tensor: its device and dtype
    assert m.weight.device.type == "cpu" and m.weight.dtype == mt.float64
    m.to("cuda", mt.float32)
    assert m.weight.device.type == "cuda" and m.weight.dtype == mt.float32
    assert m.num_batches_tracked.dtype == mt.int64 and m.num_batches_tracked.device.type == "cuda"


def test_profiler_times_cuda_ops_with_cuda_events(gpu):
    x = mt.randn(64, 64, device="cuda", requires_grad=True)
    with mt.profiler.profile(activities=[mt.profiler.ProfilerActivity.CPU, mt.profiler.ProfilerActivity.CUDA]) as prof:
        (x @ x).relu().sum().backward()
    mm = next(e for e in prof.events() if e.name == "aten::mm")
    assert mm.device_time_total > 0 and mm.self_device_time_total > 0 and mm.device_start_us is not None
    table = prof.key_averages().table(sort_by="cuda_time_total", row_limit=5)
    assert "Self CUDA" in table.splitlines()[1] and "Self CUDA time total:" in table
    start, end = mt.cuda.Event(enable_timing=True), mt.cuda.Event(enable_timing=True)
    start.record()
    x @ x
    end.record()
    end.synchronize()
    assert start.elapsed_time(end) >= 0
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        mt.cuda.Event().elapsed_time(end)


def _parallel_model(lib):
    lib.manual_seed(5)
    return lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 2))


def test_data_parallel_without_cuda_runs_the_module_as_it_is(no_cuda):
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    ours, theirs = mt.nn.DataParallel(_parallel_model(mt)), torch.nn.DataParallel(_parallel_model(torch))
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.device_ids == theirs.device_ids == []
    want = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mt.nn.parallel.data_parallel(ours.module, mt.tensor(x)).detach().numpy(), want,
                               rtol=1e-5, atol=1e-6)


def test_data_parallel_splits_the_batch_and_sums_gradients_like_one_module(gpu):
    """Two replicas (both on device 0, the only one here) compute what the module computes on the whole
    batch: the same outputs, input gradients and parameter gradients, through torch's nodes."""
    x = np.random.default_rng(1).standard_normal((7, 4)).astype(np.float32)
    single, model = _parallel_model(mt).to(gpu), _parallel_model(mt).to(gpu)
    parallel = mt.nn.DataParallel(model, device_ids=[0, "cuda:0"])
    xs, xp = mt.tensor(x, device=gpu, requires_grad=True), mt.tensor(x, device=gpu, requires_grad=True)
    want, got = single(xs), parallel(xp)
    assert got.device.type == "cuda" and got.grad_fn.name() == "GatherBackward"
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().cpu().numpy(), rtol=1e-5, atol=1e-6)
    names = graph_node_names(got)
    assert names["ScatterBackward"] == 1 and names["BroadcastBackward"] == 1
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(xp.grad.cpu().numpy(), xs.grad.cpu().numpy(), rtol=1e-5, atol=1e-6)
    for p, q in zip(model.parameters(), single.parameters()):
        np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.cpu().numpy(), rtol=1e-5, atol=1e-6)
    parallel.eval()  # replicas of an evaluating module are detached copies, as torch's
    assert "BroadcastBackward" not in graph_node_names(parallel(mt.tensor(x, device=gpu)))
    with pytest.raises(AssertionError, match="Invalid device id"):
        mt.nn.DataParallel(_parallel_model(mt), device_ids=[0, 1])
    with pytest.raises(RuntimeError, match="module must have its parameters and buffers on device cuda:0"):
        mt.nn.parallel.data_parallel(_parallel_model(mt), mt.tensor(x), device_ids=[0, 0])
