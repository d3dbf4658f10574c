"""minitorch.utils: data loading (minitorch.utils.data)."""
from . import data  # noqa: F401
