"""minitorch.vision: datasets (bundled digits, IDX files such as MNIST/FashionMNIST) and transforms."""
from . import datasets, transforms  # noqa: F401
