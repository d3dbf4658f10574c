"""The main demo: the course's TinyVGG trained on scikit-learn's digits, in minitorch and in torch.

The same code runs with either library standing in as `torch`: from the same seed both build
the same weights, split and shuffle the data the same way and so follow the same loss curve.
"""
from __future__ import annotations

import sys
import time


def tiny_vgg_class(nn):
    """The course's TinyVGG for the given `nn` namespace (minitorch.nn or torch.nn)."""

    class TinyVGG(nn.Module):
        """Two blocks of (conv 3x3, ReLU, conv 3x3, ReLU, max-pool 2x2), then a linear classifier."""

        def __init__(self, input_shape: int, hidden_units: int, output_shape: int, image_size: int):
            super().__init__()
            self.conv_block_1 = nn.Sequential(
                nn.Conv2d(input_shape, hidden_units, kernel_size=3, stride=1, padding=1), nn.ReLU(),
                nn.Conv2d(hidden_units, hidden_units, kernel_size=3, stride=1, padding=1), nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2))
            self.conv_block_2 = nn.Sequential(
                nn.Conv2d(hidden_units, hidden_units, 3, padding=1), nn.ReLU(),
                nn.Conv2d(hidden_units, hidden_units, 3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Flatten(),
                                            nn.Linear(hidden_units * (image_size // 4) ** 2, output_shape))

        def forward(self, x):
            return self.classifier(self.conv_block_2(self.conv_block_1(x)))

    return TinyVGG


class ProgressBar:
    """A one-line text progress bar (redrawn in place on a terminal, printed once per epoch otherwise)."""

    def __init__(self, total: int, label: str, out=sys.stdout, width: int = 24):
        self.total, self.label, self.out, self.width = total, label, out, width
        self.live = hasattr(out, "isatty") and out.isatty()

    def show(self, done: int, note: str = "", final: bool = False) -> None:
        if not (self.live or final):
            return
        filled = self.width * done // max(self.total, 1)
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {note}"
        self.out.write(("\r" if self.live else "") + line + ("\n" if final else ""))
        self.out.flush()


def train_tiny_vgg(lib, images, labels, epochs=5, batch_size=32, lr=0.001, seed=42, progress=True):
    """Train TinyVGG with Adam on an 80/20 split; returns per-step losses, test accuracies, epoch times."""
    data = lib.utils.data.TensorDataset(lib.tensor(images), lib.tensor(labels))
    train, test = lib.utils.data.random_split(data, [0.8, 0.2], generator=lib.manual_seed(seed))
    lib.manual_seed(seed)
    model = tiny_vgg_class(lib.nn)(images.shape[1], 10, 10, images.shape[-1])
    train_loader = lib.utils.data.DataLoader(train, batch_size=batch_size, shuffle=True)
    test_loader = lib.utils.data.DataLoader(test, batch_size=batch_size)
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=lr)
    losses, accuracies, times = [], [], []
    name = lib.__name__
    for epoch in range(epochs):
        bar = ProgressBar(len(train_loader), f"{name:>9} epoch {epoch + 1}/{epochs}")
        start = time.perf_counter()
        model.train()
        for step, (X, y) in enumerate(train_loader, 1):
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if progress:
                bar.show(step, f"loss {losses[-1]:.4f}")
        times.append(time.perf_counter() - start)
        model.eval()
        correct = 0
        with lib.inference_mode():
            for X, y in test_loader:
                correct += (model(X).argmax(dim=1) == y).sum().item()
        accuracies.append(correct / len(test))
        if progress:
            bar.show(len(train_loader), f"loss {losses[-1]:.4f}  test accuracy {accuracies[-1]:.3f}  "
                                        f"{times[-1]:.2f}s", final=True)
    return losses, accuracies, times


def run(epochs: int = 5) -> int:
    """The `minitorch demo` command."""
    import minitorch
    from minitorch.vision.datasets import Digits
    digits = Digits()
    images = digits.data.numpy().astype("float32")[:, None] / 255.0
    labels = digits.targets.numpy()
    print(f"TinyVGG (course chapter 03/04) on scikit-learn's digits: {len(images)} images 1x8x8, "
          f"80/20 split, batch 32, Adam lr 0.001, {epochs} epochs")
    losses, accs, times = train_tiny_vgg(minitorch, images, labels, epochs)
    print(f"minitorch: test accuracy {accs[-1]:.3f}, {sum(times) / len(times):.2f}s per epoch")
    try:
        import torch
    except ImportError:
        print("torch is not installed, so the comparison with torch is skipped "
              "(pip install 'minitorch[test]' to include it)")
        return 0
    # One thread: torch's multi-threaded kernels sum in a different order on each run, and Adam turns
    # rounding noise on near-zero gradients into whole steps, so torch on several threads drifts
    # from torch on one thread by up to 1e-1 over these steps. On one thread it is deterministic.
    torch.set_num_threads(1)
    t_losses, t_accs, t_times = train_tiny_vgg(torch, images, labels, epochs)
    print(f"torch {torch.__version__} (1 thread): test accuracy {t_accs[-1]:.3f}, {sum(t_times) / len(t_times):.2f}s per epoch")
    print(f"\n{'step':>6} {'minitorch loss':>15} {'torch loss':>12} {'|diff|':>10}")
    every = max(len(losses) // 10, 1)
    for i in list(range(0, len(losses), every)) + [len(losses) - 1]:
        print(f"{i:6d} {losses[i]:15.6f} {t_losses[i]:12.6f} {abs(losses[i] - t_losses[i]):10.2e}")
    worst = max(abs(a - b) / max(abs(b), 1e-6) for a, b in zip(losses, t_losses))
    ok = worst < 1e-3 and abs(accs[-1] - t_accs[-1]) <= 2 / len(images)
    print(f"largest relative loss difference over {len(losses)} steps: {worst:.1e}; test accuracy "
          f"{accs[-1]:.3f} vs {t_accs[-1]:.3f}; epoch time ratio minitorch/torch "
          f"{sum(times) / sum(t_times):.2f} -> {'minitorch follows torch' if ok else 'MISMATCH'}")
    return 0 if ok else 1
