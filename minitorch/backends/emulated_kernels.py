"""The hand-written CUDA kernels of `kernels/*.cu`, built for the CPU with the system C++ compiler
through `kernels/cuda_compat.h` and called with ctypes, so they run (and are tested against the
NumPy backend) on machines without a GPU. Builds are cached by source hash.
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

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
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
    digest = hashlib.sha256(source.read_bytes() + (KERNELS / "cuda_compat.h").read_bytes()).hexdigest()[:16]
    target = _cache_dir() / f"{name}-{digest}.so"
    if not target.exists():
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        cmd = [os.environ.get("CXX", "g++"), "-std=c++20", "-O2", "-Wall", "-Werror", "-pthread", "-x", "c++",
               "-shared", "-fPIC", f"-I{KERNELS}", str(source), "-o", str(partial)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        os.replace(partial, target)
    _LOADED[name] = ctypes.CDLL(str(target))
    return _LOADED[name]


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.c_void_p)


def block_size(cols: int, largest: int = 256) -> int:
    """Threads per block: a power of two (the tree reductions need one) no larger than the row."""
    size = 1
    while size < min(cols, largest):
        size *= 2
    return size


def _rows(x: np.ndarray):
    return np.ascontiguousarray(x, dtype=np.float32).reshape(-1, x.shape[-1])


def softmax(x: np.ndarray, log: bool = False, block: int | None = None) -> np.ndarray:
    """Row-wise (log-)softmax of float32 x over its last axis, by kernels/softmax.cu."""
    rows = _rows(x)
    out = np.empty_like(rows)
    if rows.size:
        lib = library("softmax")
        lib.launch_softmax_forward(ctypes.c_uint(rows.shape[0]), ctypes.c_uint(block or block_size(rows.shape[1])),
                                   _ptr(rows), _ptr(out), ctypes.c_int(rows.shape[1]), ctypes.c_int(int(log)))
    return out.reshape(x.shape)


def softmax_backward(gy: np.ndarray, y: np.ndarray, log: bool = False, block: int | None = None) -> np.ndarray:
    """The gradient of (log-)softmax from its output y, by kernels/softmax.cu."""
    g, out = _rows(gy), _rows(y)
    gx = np.empty_like(g)
    if g.size:
        lib = library("softmax")
        lib.launch_softmax_backward(ctypes.c_uint(g.shape[0]), ctypes.c_uint(block or block_size(g.shape[1])),
                                    _ptr(g), _ptr(out), _ptr(gx), ctypes.c_int(g.shape[1]), ctypes.c_int(int(log)))
    return gx.reshape(gy.shape)


def _grid(n: int, block: int, most: int = 8) -> int:
    """Blocks for a grid-stride loop over n elements (few: on the CPU each block is a round of threads)."""
    return max(1, min(most, -(-n // block)))


def gelu(x: np.ndarray, approximate: str = "none", block: int = 64) -> np.ndarray:
    """GELU of float32 x by kernels/gelu.cu."""
    flat = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    out = np.empty_like(flat)
    if flat.size:
        library("gelu").launch_gelu_forward(ctypes.c_uint(_grid(flat.size, block)), ctypes.c_uint(block), _ptr(flat),
                                            _ptr(out), ctypes.c_longlong(flat.size),
                                            ctypes.c_int(int(approximate == "tanh")))
    return out.reshape(x.shape)


def gelu_backward(gy: np.ndarray, x: np.ndarray, approximate: str = "none", block: int = 64) -> np.ndarray:
    """The gradient of GELU by kernels/gelu.cu."""
    g = np.ascontiguousarray(gy, dtype=np.float32).reshape(-1)
    v = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    out = np.empty_like(g)
    if g.size:
        library("gelu").launch_gelu_backward(ctypes.c_uint(_grid(g.size, block)), ctypes.c_uint(block), _ptr(g),
                                             _ptr(v), _ptr(out), ctypes.c_longlong(g.size),
                                             ctypes.c_int(int(approximate == "tanh")))
    return out.reshape(gy.shape)
