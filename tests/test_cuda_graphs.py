"""CUDA streams and graphs as torch users know them: capture a training step once, replay it; on the emulated
device (MINITORCH_EMULATE_CUDA=1) when no GPU is present, which refuses during capture what a GPU refuses."""
import warnings

import numpy as np
import pytest

import minitorch as mt
from minitorch import cuda
from minitorch.backends import gemm as gemm_module
from minitorch.backends.emulated import cublas_standin, cupy_standin


@pytest.fixture
def gpu(cuda_device):
    return cuda_device


def _emulated_only():
    if cuda._cupy() is not None:
        pytest.skip("checks the emulated device's own rules")


# ---- streams and events -------------------------------------------------------------------------------------------

def test_streams_become_current_in_a_with_block_and_order_themselves_with_events(gpu):
    default = cuda.current_stream()
    assert default == cuda.default_stream() and default.cuda_stream == 0
    side = cuda.Stream()
    assert side != default and hash(side) == hash(cuda.Stream(_raw=side._raw))
    with cuda.stream(side):
        assert cuda.current_stream() == side
        y = mt.ones(3, device="cuda") * 2
    assert cuda.current_stream() == default
    default.wait_stream(side)
    start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
    start.record()
    (y * y).sum()
    end.record(side)
    end.wait()
    end.synchronize()
    assert start.query() and side.query() and start.elapsed_time(end) >= 0
    with pytest.raises(RuntimeError, match="Both events must be created with argument 'enable_timing=True'"):
        cuda.Event().elapsed_time(end)
    with cuda.stream(None):  # torch's no-op form
        assert cuda.current_stream() == default
    assert "cuda_stream=" in repr(side)


# ---- capture and replay -------------------------------------------------------------------------------------------

def test_a_captured_block_runs_nothing_until_replayed_then_reruns_on_new_inputs(gpu):
    x = mt.arange(4.0, device="cuda")
    counter = mt.zeros((), device="cuda")
    g = cuda.CUDAGraph()
    assert not cuda.is_current_stream_capturing()
    with cuda.graph(g):
        assert cuda.is_current_stream_capturing()
        y = (x * 2 + 1).tanh() * 0.5
        counter.add_(1)
    assert not cuda.is_current_stream_capturing()
    assert counter.item() == 0  # capture records; it changes no memory that existed before
    g.replay()
    assert counter.item() == 1
    np.testing.assert_allclose(y.cpu().numpy(), np.tanh(np.arange(4.0) * 2 + 1) * 0.5, rtol=1e-6)
    x.copy_(mt.tensor([5.0, 6.0, 7.0, 8.0]))
    g.replay()
    assert counter.item() == 2
    np.testing.assert_allclose(y.cpu().numpy(), np.tanh(np.array([5.0, 6, 7, 8]) * 2 + 1) * 0.5, rtol=1e-6)
    g.reset()
    with pytest.raises(RuntimeError, match="Called CUDAGraph::replay without a preceding successful capture"):
        g.replay()


def test_capture_refuses_what_a_gpu_refuses(gpu):
    x = mt.ones(4, device="cuda")
    g = cuda.CUDAGraph()
    with pytest.raises(RuntimeError, match="CUDA graphs must be captured on a non-default stream"):
        g.capture_begin()
    for flag in ("enable_annotations", "check_input_liveness"):  # debugging aids minitorch lacks: refused
        with pytest.raises(NotImplementedError, match=f"{flag}=True: minitorch's CUDA graphs have no"):
            cuda.graph(cuda.CUDAGraph(), **{flag: True})
    with pytest.raises(RuntimeError, match="Unknown capture error mode"):
        with cuda.graph(cuda.CUDAGraph(), capture_error_mode="loose"):
            pass
    refused = [lambda: x.sum().item(), lambda: print(x), lambda: x.cpu(), lambda: mt.tensor([1.0], device="cuda"),
               lambda: x[x > 0], lambda: cuda.synchronize()]
    for call in refused:  # a host read, a copy either way, a data-dependent shape, a synchronisation
        with pytest.raises(RuntimeError, match="operation not permitted when stream is capturing"):
            with cuda.graph(cuda.CUDAGraph()):
                call()
    assert not cuda.is_current_stream_capturing()  # the failed captures were closed
    with cuda.graph(g):
        y = x + 1
    with pytest.raises(RuntimeError, match="already owns a captured graph"):
        g.capture_begin()
    g.replay()
    assert y.tolist() == [2.0] * 4


def test_the_emulated_device_refuses_cuda_libraries_during_capture_as_cupy_does(gpu):
    _emulated_only()
    xp = cupy_standin.xp
    a = xp.ones((3, 3), dtype=np.float32)
    stream = xp.cuda.Stream(non_blocking=True)
    with stream:
        stream.begin_capture()
        try:
            for call, library in ((lambda: a @ a, "cuBLAS"), (lambda: xp.dot(a, a), "cuBLAS"),
                                  (lambda: xp.linalg.inv(a), "cuSOLVER"), (lambda: xp.random.rand(3), "cuRAND")):
                with pytest.raises(NotImplementedError, match=f"calling {library} API during stream capture"):
                    call()
            b = a * 2  # elementwise work is captured
        finally:
            graph = stream.end_capture()
    assert len(graph) == 1 and b.get().tolist() == [[2.0] * 3] * 3
    with pytest.raises(RuntimeError, match="cudaErrorStreamCaptureUnsupported"):
        xp.cuda.Stream.null.begin_capture()


def test_debug_dump_writes_the_captured_operations_as_dot(gpu, tmp_path):
    _emulated_only()
    x = mt.ones(3, device="cuda")
    g = cuda.CUDAGraph()
    with pytest.warns(UserWarning, match="CUDA Graphs debug not enabled"):
        g.debug_dump(str(tmp_path / "none.dot"))
    g.enable_debug_mode()
    with cuda.graph(g):
        (x * 3).exp()
    g.debug_dump(str(tmp_path / "g.dot"))
    text = (tmp_path / "g.dot").read_text()
    assert text.startswith("digraph") and "multiply" in text and "exp" in text and "n0 -> n1" in text


# ---- whole training steps -----------------------------------------------------------------------------------------

def _batches(n, shape, classes):
    rng = np.random.default_rng(1)
    return [(mt.tensor(rng.standard_normal(shape), dtype=mt.float32, device="cuda"),
             mt.tensor(rng.integers(0, classes, shape[0]), device="cuda")) for _ in range(n)]


def _mlp():
    return mt.nn.Sequential(mt.nn.Linear(8, 16), mt.nn.ReLU(), mt.nn.Dropout(0.3), mt.nn.Linear(16, 4))


def _tiny_cnn():
    return mt.nn.Sequential(mt.nn.Conv2d(3, 4, 3, padding=1), mt.nn.ReLU(), mt.nn.MaxPool2d(2),
                            mt.nn.Conv2d(4, 4, 3, stride=2, padding=1), mt.nn.ReLU(), mt.nn.Flatten(),
                            mt.nn.Linear(16, 3))


def _losses(build, optimizer, batches, graphed):
    """The losses of one training step per batch, eagerly or (graphed) as torch's whole-network capture: three
    warm-up steps on a side stream, one captured step, then a replay per remaining batch."""
    mt.manual_seed(0)
    cuda.manual_seed(0)
    model = build().cuda()
    opt = optimizer(model.parameters())
    loss_fn = mt.nn.CrossEntropyLoss()
    if not graphed:
        losses = []
        for x, t in batches:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), t)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.cpu() for p in model.parameters()]
    static_x, static_t = batches[0][0].clone(), batches[0][1].clone()
    side = cuda.Stream()
    side.wait_stream(cuda.current_stream())
    losses = []
    with cuda.stream(side):
        for x, t in batches[:3]:
            static_x.copy_(x)
            static_t.copy_(t)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(static_x), static_t)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    cuda.current_stream().wait_stream(side)
    g = cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with cuda.graph(g):
        static_loss = loss_fn(model(static_x), static_t)
        static_loss.backward()
        opt.step()
    for x, t in batches[3:]:
        static_x.copy_(x)
        static_t.copy_(t)
        g.replay()
        losses.append(static_loss.item())
    return losses, [p.cpu() for p in model.parameters()]


@pytest.mark.parametrize("build, shape, classes", [(_mlp, (5, 8), 4), (_tiny_cnn, (2, 3, 8, 8), 3)])
@pytest.mark.parametrize("optimizer", [lambda p: mt.optim.SGD(p, lr=0.1, momentum=0.9),
                                       lambda p: mt.optim.Adam(p, lr=0.01, capturable=True),
                                       lambda p: mt.optim.AdamW(p, lr=0.01, amsgrad=True, capturable=True)],
                         ids=["sgd", "adam", "adamw-amsgrad"])
def test_a_graphed_training_step_gives_the_eager_steps_losses_bit_for_bit(gpu, build, shape, classes, optimizer):
    batches = _batches(7, shape, classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # capturable=True run without capture warns (tested below)
        eager, eager_params = _losses(build, optimizer, batches, graphed=False)
        graphed, graphed_params = _losses(build, optimizer, batches, graphed=True)
    assert graphed == eager  # exactly: the replays compute what the eager steps computed, dropout masks included
    assert len(set(eager)) == len(eager)  # and every step trained on its own batch
    for a, b in zip(graphed_params, eager_params):
        assert mt.equal(a, b)


def test_optimisers_refuse_a_capture_they_could_not_replay(gpu):
    w = mt.nn.Parameter(mt.ones(3, device="cuda"))
    w.grad = mt.ones(3, device="cuda")
    for opt, error, match in ((mt.optim.Adam([w]), RuntimeError, "Attempting CUDA graph capture of step\\(\\) for an "
                               "instance of Adam but param_groups' capturable is False"),
                              (mt.optim.RMSprop([w], capturable=True), NotImplementedError,
                               "keeps RMSprop's step count on the host")):
        with pytest.raises(error, match=match):
            with cuda.graph(cuda.CUDAGraph()):
                opt.step()
    cpu = mt.nn.Parameter(mt.ones(3))
    cpu.grad = mt.ones(3)
    with pytest.raises(AssertionError, match=r"If capturable=True, params and state_steps must be on supported "
                                             r"devices: \['cuda'\]"):
        mt.optim.Adam([cpu], capturable=True).step()


def test_capturable_adam_keeps_its_step_on_the_device_and_matches_the_host_step(gpu):
    def run(capturable, device):
        w = mt.nn.Parameter(mt.linspace(-1, 1, 6, device=device))
        opt = mt.optim.Adam([w], lr=0.1, capturable=capturable)
        for i in range(4):
            w.grad = mt.sin(w.detach() * (i + 1))
            opt.step()
        return w.detach().cpu(), opt.state[w]["step"]
    with pytest.warns(UserWarning, match="capturable=True can impair performance"):
        on_device, step = run(True, "cuda")
    on_host, host_step = run(False, "cpu")
    assert step.device.type == "cuda" and step.dtype == mt.float32 and step.item() == host_step == 4
    # the device computes 1 - 0.999^t in float32 from a float32 step, as torch's capturable Adam does: the
    # cancellation leaves it about 1e-5 off the host's float64 value, which bounds the difference
    np.testing.assert_allclose(on_device.numpy(), on_host.numpy(), rtol=5e-5, atol=1e-7)


# ---- partial-network capture ----------------------------------------------------------------------------------

def test_make_graphed_callables_replays_forward_and_backward_as_the_eager_module_computes_them(gpu):
    def make():
        mt.manual_seed(0)
        return mt.nn.Sequential(mt.nn.Linear(6, 8), mt.nn.GELU(), mt.nn.Linear(8, 3)).cuda()
    eager, graphed = make(), make()
    graphed = cuda.make_graphed_callables(graphed, (mt.randn(4, 6, device="cuda", requires_grad=True),))
    square = cuda.make_graphed_callables(lambda a: a * a, (mt.randn(4, 3, device="cuda", requires_grad=True),))
    for i in range(3):
        x = mt.randn(4, 6, device="cuda")
        xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
        ya, yb = eager(xa), graphed(xb)
        assert yb.grad_fn.name() == "GraphedBackward"
        (ya * ya).sum().backward()
        square(yb).sum().backward()
        assert mt.equal(ya, yb) and mt.equal(xa.grad, xb.grad)
        for p, q in zip(eager.parameters(), graphed.parameters()):
            assert mt.equal(p.grad, q.grad)  # accumulated over the calls, as eager gradients are
    graphed.eval()  # the other training state runs the eager forward
    assert mt.equal(graphed(x), eager.eval()(x))
    with pytest.raises(AssertionError, match="sample_args for each callable must contain only Tensors"):
        cuda.make_graphed_callables(make(), (3,))


# ---- no host synchronisation inside a step --------------------------------------------------------------------

def test_class_targets_are_checked_on_the_device_and_reported_at_the_next_synchronisation(gpu):
    scores = mt.randn(3, 4, device="cuda")
    loss = mt.nn.functional.cross_entropy(scores, mt.tensor([0, 7, 1], device="cuda"))  # no error yet
    with pytest.raises(RuntimeError, match=r"device-side assert triggered \(nll_loss: Assertion `t >= 0 && "
                                           r"t < n_classes` failed\)"):
        loss.item()
    assert mt.nn.functional.cross_entropy(scores, mt.tensor([0, 3, 1], device="cuda")).item() > 0
    static_t = mt.tensor([0, 1, 2], device="cuda")
    g = cuda.CUDAGraph()
    with cuda.graph(g):
        out = mt.nn.functional.cross_entropy(scores, static_t)
    g.replay()
    assert out.item() > 0
    static_t.copy_(mt.tensor([0, 1, -3]))
    g.replay()  # the captured check runs on every replay
    with pytest.raises(RuntimeError, match="device-side assert triggered"):
        cuda.synchronize()
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):  # the CPU checks at once, as torch's does
        mt.nn.functional.cross_entropy(scores.cpu(), mt.tensor([0, 7, 1]))


def test_python_scalars_and_factories_are_made_on_the_device(gpu):
    _emulated_only()
    stream = cuda.Stream()
    g = cuda.CUDAGraph()
    with cuda.stream(stream):
        g.capture_begin()
        try:  # none of these copies from the host, which capture would refuse
            a = mt.zeros(3, device="cuda") + mt.ones(3, device="cuda") * 0.5 + mt.full((3,), 2.0, device="cuda")
            b = mt.empty(3, device="cuda").fill_(1.0) + a.new_ones(3) + mt.zeros_like(a)
        except RuntimeError:
            g.capture_end()
            raise
        g.capture_end()
    g.replay()
    assert a.tolist() == [2.5] * 3 and b.tolist() == [2.0] * 3
    with pytest.raises(RuntimeError, match="operation not permitted when stream is capturing"):
        with cuda.graph(cuda.CUDAGraph()):
            mt.tensor(3.0).to("cuda")  # a copy from the host is refused, as on a GPU


# ---- the GEMM on minitorch's own cuBLAS handle --------------------------------------------------------------------

@pytest.mark.parametrize("a_shape, b_shape, a_t, b_t", [((5, 7), (7, 3), False, False), ((5, 7), (7, 3), True, True),
                                                         ((2, 5, 7), (2, 7, 3), True, False),
                                                         ((1, 5, 7), (4, 7, 3), False, True),
                                                         ((4, 1, 7), (4, 7, 1), False, False),
                                                         ((1, 1), (1, 6), False, True)])
def test_gemm_reads_row_and_column_major_operands_in_place(a_shape, b_shape, a_t, b_t):
    """cuBLAS's column-major call for row-major C = A B, with operands stored either way and batches broadcast,
    computed by the emulated library from the raw layout the call describes."""
    xp = cupy_standin.xp
    rng = np.random.default_rng(0)

    def stored(shape, transposed):
        host = rng.standard_normal(shape).astype(np.float32)
        if not transposed:
            return host, xp.asarray(host)
        return host, xp.asarray(np.ascontiguousarray(host.swapaxes(-1, -2))).swapaxes(-1, -2)
    (ha, a), (hb, b) = stored(a_shape, a_t), stored(b_shape, b_t)
    gemm = gemm_module.Gemm(xp, cublas_standin.Library())
    assert gemm.applies(a, b)
    np.testing.assert_allclose(gemm.matmul(a, b).get(), ha @ hb, rtol=1e-5, atol=1e-5)
    if a_t and a.shape[-2] > 1 and a.shape[-1] > 1:
        assert gemm_module.operand(a)[0] == gemm_module.OP_T  # read transposed, not copied
    bad = xp.asarray(np.ones((3, 4), np.float32))
    with pytest.raises(ValueError, match="CUBLAS_STATUS_INVALID_VALUE"):
        cublas_standin.Library.sgemm_strided_batched(0, 0, 4, 3, 4, 1.0, bad, 2, 0, bad, 4, 0, 0.0, bad, 4, 0, 1)
