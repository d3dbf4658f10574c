"""torch.utils.hooks: the handle that hook registrations return (`handle.remove()`, or a `with` block)."""
from ..autograd.function import RemovableHandle  # noqa: F401

__all__ = ["RemovableHandle"]
