"""minitorch.vision: datasets (bundled digits, IDX files such as MNIST/FashionMNIST), transforms,
torchvision's classification models with their weights, and the blocks they are built from (ops)."""
from . import datasets, io, models, ops, transforms  # noqa: F401
from ..version import as_local as _as_local, torchvision_api_version as _api  # noqa: E402

__version__ = _as_local(_api)  # torchvision's API level, minitorch's own version as the local label
