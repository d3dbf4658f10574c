"""Whole training steps (forward, backward, optimiser step) of the course's models."""
import numpy as np

from harness import run


def _step(model, loss_fn, optimizer, x, y):
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def _labels(fw, n, classes):
    return fw.tensor(np.random.default_rng(0).integers(0, classes, n))


def test_mlp_step(benchmark, fw):
    nn = fw.lib.nn
    fw.lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)).to(fw.device)
    optimizer = fw.lib.optim.SGD(model.parameters(), lr=0.01)
    run(benchmark, fw, "MLP 784-256-10 b128 SGD step",
        _step(model, nn.CrossEntropyLoss(), optimizer, fw.randn(128, 784), _labels(fw, 128, 10)))


def test_tiny_vgg_step(benchmark, fw):
    from minitorch.demo import tiny_vgg_class
    fw.lib.manual_seed(0)
    model = tiny_vgg_class(fw.lib.nn)(3, 10, 3, 64).to(fw.device)
    optimizer = fw.lib.optim.Adam(model.parameters(), lr=1e-3)
    run(benchmark, fw, "TinyVGG 3x64x64 b32 Adam step",
        _step(model, fw.lib.nn.CrossEntropyLoss(), optimizer, fw.randn(32, 3, 64, 64), _labels(fw, 32, 3)))


def test_vit_block_step(benchmark, fw):
    nn = fw.lib.nn
    fw.lib.manual_seed(0)
    block = nn.TransformerEncoderLayer(64, 4, dim_feedforward=256, dropout=0.1, activation="gelu",
                                       batch_first=True, norm_first=True).to(fw.device)
    optimizer = fw.lib.optim.AdamW(block.parameters(), lr=1e-3)
    x = fw.randn(32, 17, 64)
    run(benchmark, fw, "ViT block d64 h4 t17 mlp256 b32 AdamW step",
        _step(block, lambda out, _: out.pow(2).mean(), optimizer, x, None))
