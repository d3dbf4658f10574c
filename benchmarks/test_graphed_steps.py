"""Training steps on CUDA, eager and captured in a CUDA graph (torch's whole-network recipe: three warm-up
steps on a side stream, one captured step, then replays), for minitorch and torch: one group per model and
mode, so a graphed step compares with torch's graphed step.

On the emulated device (MINITORCH_EMULATE_CUDA=1, as `make test` runs it) the batches are small and the cases
run once, so that the capture of each model keeps working; their times mean nothing there. Without a CUDA
device the module is skipped.
"""
import numpy as np
import pytest

import minitorch
from harness import Framework, run, torch
from minitorch.backends import cupy_backend

if not minitorch.cuda.is_available():
    pytest.skip("no CUDA device (a GPU, or MINITORCH_EMULATE_CUDA=1)", allow_module_level=True)

ON_GPU = not cupy_backend.emulated()
CASES = [("minitorch", "cuda")] + ([("torch", "cuda")] if torch is not None and torch.cuda.is_available() else [])


@pytest.fixture(params=CASES, ids=lambda case: f"{case[0]}-{case[1]}")
def gfw(request):
    return Framework(*request.param)


def _mlp(fw):
    nn = fw.lib.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return model, lambda p: fw.lib.optim.SGD(p, lr=0.01), (128 if ON_GPU else 8, 784), 10


def _tiny_vgg(fw):
    from minitorch.demo import tiny_vgg_class
    hw = 64 if ON_GPU else 8
    model = tiny_vgg_class(fw.lib.nn)(3, 10, 3, hw)
    return model, lambda p: fw.lib.optim.Adam(p, lr=1e-3, capturable=True), (32 if ON_GPU else 2, 3, hw, hw), 3


def _vit_block(fw):
    nn = fw.lib.nn
    d, heads, hidden, tokens = (64, 4, 256, 17) if ON_GPU else (16, 2, 32, 5)
    block = nn.Sequential(nn.TransformerEncoderLayer(d, heads, dim_feedforward=hidden, dropout=0.1, activation="gelu",
                                                     batch_first=True, norm_first=True), nn.Flatten(),
                          nn.Linear(tokens * d, 10))
    return block, lambda p: fw.lib.optim.AdamW(p, lr=1e-3, capturable=True), (32 if ON_GPU else 2, tokens, d), 10


MODELS = {"MLP 784-256-10 SGD": _mlp, "TinyVGG Adam": _tiny_vgg, "ViT block AdamW": _vit_block}
# (on the emulated device the ViT block is d16, 2 heads, MLP 32, 5 tokens: the CPU builds of the kernels run a
# block's threads as real threads, which costs seconds at full size)


def _captured(fw, model, loss_fn, optimizer, x, y):
    """The step captured in a CUDA graph after three eager warm-up steps on a side stream; returns its replay."""
    cuda = fw.lib.cuda
    side = cuda.Stream()
    side.wait_stream(cuda.current_stream())
    with cuda.stream(side):
        for _ in range(3):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            optimizer.step()
    cuda.current_stream().wait_stream(side)
    graph = cuda.CUDAGraph()
    optimizer.zero_grad(set_to_none=True)
    with cuda.graph(graph):
        loss_fn(model(x), y).backward()
        optimizer.step()
    return graph.replay


@pytest.mark.parametrize("mode", ["eager", "graphed"])
@pytest.mark.parametrize("name", list(MODELS))
def test_cuda_training_step(benchmark, gfw, name, mode):
    gfw.lib.manual_seed(0)
    model, make_optimizer, shape, classes = MODELS[name](gfw)
    model = model.to("cuda")
    optimizer = make_optimizer(model.parameters())
    loss_fn = gfw.lib.nn.CrossEntropyLoss()
    x = gfw.randn(*shape)
    y = gfw.tensor(np.random.default_rng(0).integers(0, classes, shape[0]))

    def eager():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()
    step = eager if mode == "eager" else _captured(gfw, model, loss_fn, optimizer, x, y)
    run(benchmark, gfw, f"cuda {name} step b{shape[0]} {mode}", step)
