"""The models and data of the DDP tests, written once for minitorch and torch (`lib` is either)."""
import numpy as np


def make_model(name, unused=False, lib=None):
    if lib is None:
        import minitorch as lib
    nn = lib.nn
    if name == "mlp":
        layers = [nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)]
    elif name == "mlp_bn":  # buffers: DDP broadcasts rank 0's running statistics before each forward
        layers = [nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3)]
    else:  # the course's TinyVGG, small
        layers = [nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                  nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1),
                  nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)]
    body = nn.Sequential(*layers)
    if not unused:
        return body

    class WithSpare(nn.Module):
        """The body plus a layer that forward never calls (find_unused_parameters' case)."""

        def __init__(self):
            super().__init__()
            self.body = body
            self.spare = nn.Linear(3, 3)

        def forward(self, x):
            return self.body(x)
    return WithSpare()


def arrays(name, n=32):
    rng = np.random.default_rng(0)
    shape = (n, 8) if name.startswith("mlp") else (n, 3, 16, 16)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, 3, n).astype(np.int64)


def dataset(name, lib=None):
    if lib is None:
        import minitorch as lib
    x, y = arrays(name)
    return lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y))
