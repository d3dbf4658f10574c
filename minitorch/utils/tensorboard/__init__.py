"""torch.utils.tensorboard: `SummaryWriter` writing TensorBoard event files (needs the `tensorboard`
package, the `tensorboard` extra)."""
from .writer import SummaryWriter  # noqa: F401

__all__ = ["SummaryWriter"]
