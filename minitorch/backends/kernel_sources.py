"""Where the hand-written CUDA kernels live: `minitorch/kernels/*.cu` and their headers, shipped as
package data so that an installed minitorch finds them."""
from pathlib import Path

KERNEL_SOURCES = Path(__file__).resolve().parents[1] / "kernels"
