"""minitorch's version (the one place it is written; the package metadata reads `__version__` here), and
the torch and torchvision API levels it follows.

`minitorch.__version__` is `<torch API level>+minitorch.<own version>` ("2.13.0+minitorch.0.1.0"), and
`minitorch.vision.__version__` likewise, so code that checks torch's version (the course asserts torch
≥ 1.12 and torchvision ≥ 0.13) runs when minitorch stands in for torch; `minitorch --version` and
`minitorch.version.__version__` give minitorch's own version.
"""
__version__ = "0.1.0"
torch_api_version = "2.13.0"
torchvision_api_version = "0.28.0"


def as_local(api_version: str) -> str:
    """The API level with minitorch's own version as its local label."""
    return f"{api_version}+minitorch.{__version__}"
