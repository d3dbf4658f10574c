"""minitorch.vision: datasets (bundled digits, IDX files such as MNIST/FashionMNIST), transforms,
torchvision's classification models with their weights, and the blocks they are built from (ops)."""
from . import datasets, io, models, ops, transforms  # noqa: F401
