# %% [markdown]
# # 07 · Experiment tracking with TensorBoard's event files
#
# Several experiments (here: TinyVGGs of two widths, each for a few epochs), each recorded by a
# `SummaryWriter` in its own run folder: losses and accuracies with `add_scalars`, the model with
# `add_graph`. The files are TensorBoard's own (written through tensorboard's writer), so TensorBoard
# reads them; here they are read back with its event reader and plotted. torch's `SummaryWriter`,
# given the same runs, records the same values.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

import minitorch
import torch as pytorch
import torch.utils.tensorboard
from minitorch.testing.reference import import_torchvision
from minitorch.testing.stand_in_data import food_images
from minitorch.utils.tensorboard import SummaryWriter

torchvision = import_torchvision()
work = Path(tempfile.mkdtemp())
data = food_images(work / "pizza_steak_sushi", train_per_class=8, test_per_class=4, size=32)

# %%
def experiment(torch, vision, writer_class, hidden, logs, epochs=3):
    torch.manual_seed(42)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, hidden, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(hidden * 8 * 8, 3))
    tf = vision.transforms.ToTensor()
    train_loader = torch.utils.data.DataLoader(vision.datasets.ImageFolder(data / "train", transform=tf),
                                               batch_size=8, shuffle=True)
    test_loader = torch.utils.data.DataLoader(vision.datasets.ImageFolder(data / "test", transform=tf), batch_size=12)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    writer = writer_class(log_dir=str(logs / f"tinyvgg_{hidden}"))
    for epoch in range(epochs):
        model.train()
        train_loss = 0.0
        for X, y in train_loader:
            loss = torch.nn.functional.cross_entropy(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            train_loss += loss.item() / len(train_loader)
        model.eval()
        with torch.inference_mode():
            X, y = next(iter(test_loader))
            logits = model(X)
            test_loss = torch.nn.functional.cross_entropy(logits, y).item()
            test_acc = (logits.argmax(1) == y).float().mean().item()
        writer.add_scalars("Loss", {"train_loss": train_loss, "test_loss": test_loss}, global_step=epoch)
        writer.add_scalars("Accuracy", {"test_acc": test_acc}, global_step=epoch)
    writer.add_graph(model, torch.randn(1, 3, 32, 32))
    writer.close()

for hidden in (4, 8):
    experiment(minitorch, minitorch.vision, SummaryWriter, hidden, work / "minitorch")
    experiment(pytorch, torchvision, torch.utils.tensorboard.SummaryWriter, hidden, work / "torch")
print(sorted(str(p.relative_to(work)) for p in work.glob("minitorch/**/events.*")))

# %% [markdown]
# TensorBoard's reader sees the same runs, tags, steps and values in both libraries' files:

# %%
def read(logs):
    mux = EventMultiplexer()
    mux.AddRunsFromDirectory(str(logs))
    mux.Reload()
    scalars = {run: {tag: [(e.step, e.value) for e in mux.Scalars(run, tag)]
                     for tag in mux.GetAccumulator(run).Tags()["scalars"]} for run in mux.Runs()}
    graphs = sorted(run for run in mux.Runs() if mux.GetAccumulator(run).Tags()["graph"])
    return scalars, graphs

ours, our_graphs = read(work / "minitorch")
theirs, their_graphs = read(work / "torch")
print(sorted(ours))
assert sorted(ours) == sorted(theirs) and our_graphs == their_graphs == ["tinyvgg_4", "tinyvgg_8"]
for run in theirs:
    for tag, points in theirs[run].items():
        got = ours[run][tag]
        assert [s for s, _ in got] == [s for s, _ in points]
        assert np.allclose([v for _, v in got], [v for _, v in points], rtol=1e-4, atol=2e-6), (run, tag)

# %%
plt.figure(figsize=(7, 3))
for i, key in enumerate(("Loss_test_loss", "Accuracy_test_acc")):
    plt.subplot(1, 2, i + 1)
    for run in sorted(ours):
        if run.endswith(key):
            steps, values = zip(*ours[run][key.split("_", 1)[0]])
            plt.plot(steps, values, marker="o", label=run.split("/")[0])
    plt.title(key.split("_", 1)[1]); plt.xlabel("epoch"); plt.legend()
