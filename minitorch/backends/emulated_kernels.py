"""The hand-written CUDA kernels of `kernels/*.cu`, built for the CPU with the system C++ compiler
through `kernels/cuda_compat.h` and launched with ctypes, so the emulated CUDA device runs them on
machines without a GPU. Builds are cached by source hash.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from . import KERNEL_SOURCES as KERNELS
_LOADED: dict[str, ctypes.CDLL] = {}


def available() -> bool:
    """Whether the kernel sources and a C++20 compiler are present."""
    return KERNELS.is_dir() and shutil.which(os.environ.get("CXX", "g++")) is not None


def _cache_dir() -> Path:
    root = Path(os.environ.get("MINITORCH_KERNEL_CACHE", Path(tempfile.gettempdir()) / "minitorch-kernels"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def library(name: str) -> ctypes.CDLL:
    """kernels/<name>.cu built as a shared library for the CPU (compiled once per source version)."""
    if name in _LOADED:
        return _LOADED[name]
    source = KERNELS / f"{name}.cu"
    headers = b"".join(h.read_bytes() for h in sorted(KERNELS.glob("*.h")))
    digest = hashlib.sha256(source.read_bytes() + headers).hexdigest()[:16]
    target = _cache_dir() / f"{name}-{digest}.so"
    if not target.exists():
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        cmd = [os.environ.get("CXX", "g++"), "-std=c++20", "-O2", "-Wall", "-Werror", "-pthread", "-x", "c++",
               "-shared", "-fPIC", f"-I{KERNELS}", str(source), "-o", str(partial)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        os.replace(partial, target)
    # PyDLL keeps the GIL during a launch: the emulated grid's state is global, one launch at a time
    _LOADED[name] = ctypes.PyDLL(str(target))
    return _LOADED[name]


_C_TYPES = {np.int32: ctypes.c_int, np.int64: ctypes.c_longlong, np.uint32: ctypes.c_uint,
            np.float32: ctypes.c_float, np.float64: ctypes.c_double}


def _c_argument(value):
    """A kernel argument for ctypes: arrays by their data pointer, NumPy scalars by their C type."""
    if isinstance(value, np.ndarray):
        return ctypes.c_void_p(value.__array_interface__["data"][0])
    return _C_TYPES[type(value)](value)


def launch(source: str, kernel: str, grid: int, block: int, args) -> None:
    """Run `kernel` of kernels/<source>.cu over `grid` blocks of `block` threads, as CuPy launches it
    (the same argument tuple: device arrays and NumPy scalars)."""
    getattr(library(source), "launch_" + kernel)(ctypes.c_uint(grid), ctypes.c_uint(block),
                                                 *[_c_argument(a) for a in args])
