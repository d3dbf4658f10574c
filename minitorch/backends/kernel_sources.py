"""Where the hand-written kernels live and how they are built for the CPU: the CUDA kernels in
`minitorch/kernels/*.cu` and their headers, the CPU kernels in `minitorch/kernels/cpu/*.c`, shipped as
package data so that an installed minitorch finds them. `MINITORCH_KERNELS=off` turns all of them off
(the NumPy and CuPy composites they are checked against then run everywhere)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

KERNEL_SOURCES = Path(__file__).resolve().parents[1] / "kernels"


def kernels_enabled() -> bool:
    """Whether hand-written kernels may run (MINITORCH_KERNELS=off turns them off)."""
    return os.environ.get("MINITORCH_KERNELS", "on").lower() not in ("0", "false", "off")


def cache_dir() -> Path:
    """Where built kernels are kept (MINITORCH_KERNEL_CACHE, or a folder in the temporary directory)."""
    root = Path(os.environ.get("MINITORCH_KERNEL_CACHE", Path(tempfile.gettempdir()) / "minitorch-kernels"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def build_shared_library(name: str, inputs: bytes, command: list[str]) -> Path:
    """The shared library `command + ["-o", path]` builds, compiled once per version of `inputs` (the
    sources it reads) and command, kept in `cache_dir()`; concurrent builders each write their own file
    and the last rename wins."""
    digest = hashlib.sha256(inputs + "\0".join(command).encode()).hexdigest()[:16]
    target = cache_dir() / f"{name}-{digest}.so"
    if not target.exists():
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run(command + ["-o", str(partial)], check=True, capture_output=True, text=True)
        os.replace(partial, target)
    return target
