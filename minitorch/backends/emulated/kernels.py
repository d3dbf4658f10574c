"""The hand-written CUDA kernels of `kernels/*.cu`, built for the CPU with the system C++ compiler
through `kernels/cuda_compat.h` and launched with ctypes, so the emulated CUDA device runs them on
machines without a GPU. Builds are cached by source hash.
"""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess

import numpy as np

from . import cuda_standin
from ..kernel_sources import KERNEL_SOURCES as KERNELS
from ..kernel_sources import build_shared_library
_LOADED: dict[str, ctypes.CDLL] = {}


def available() -> bool:
    """Whether the kernel sources and a C++20 compiler are present."""
    return KERNELS.is_dir() and shutil.which(os.environ.get("CXX", "g++")) is not None


def library(name: str) -> ctypes.CDLL:
    """kernels/<name>.cu built as a shared library for the CPU (compiled once per source version)."""
    if name in _LOADED:
        return _LOADED[name]
    source = KERNELS / f"{name}.cu"
    headers = b"".join(h.read_bytes() for h in sorted(KERNELS.glob("*.h")))
    target = build_shared_library(name, source.read_bytes() + headers, [
        os.environ.get("CXX", "g++"), "-std=c++20", "-O2", "-Wall", "-Werror", "-pthread", "-x", "c++",
        "-shared", "-fPIC", f"-I{KERNELS}", str(source)])
    # PyDLL keeps the GIL during a launch: the emulated grid's state is global, one launch at a time
    _LOADED[name] = ctypes.PyDLL(str(target))
    return _LOADED[name]


_C_TYPES = {np.int32: ctypes.c_int, np.int64: ctypes.c_longlong, np.uint32: ctypes.c_uint,
            np.float32: ctypes.c_float, np.float64: ctypes.c_double}
_NUMPY_OF_C = {"int": np.int32, "long long": np.int64, "unsigned int": np.uint32, "float": np.float32,
               "double": np.float64}
_SIGNATURES: dict[str, dict] = {}


def _c_type(param: str):
    """('scalar' | 'pointer', NumPy type) of one C parameter such as `const float* __restrict x`."""
    words = param.replace("*", " * ").replace("const", " ").replace("__restrict", " ").split()[:-1]
    pointer = "*" in words
    return ("pointer" if pointer else "scalar"), _NUMPY_OF_C[" ".join(w for w in words if w != "*")]


def signatures(name: str) -> dict:
    """{kernel: parameter types} of kernels/<name>.cu, read from its preprocessed source; each
    exported launcher must take exactly its kernel's parameters."""
    if name not in _SIGNATURES:
        text = subprocess.run([os.environ.get("CXX", "g++"), "-std=c++20", "-E", "-P", "-x", "c++", f"-I{KERNELS}",
                               str(KERNELS / f"{name}.cu")], check=True, capture_output=True, text=True).stdout
        found = {kernel: tuple(_c_type(p) for p in params.split(","))
                 for kernel, params in re.findall(r'extern "C" void (\w+)\(([^)]*)\)', text)}
        kernels = {k: v for k, v in found.items() if not k.startswith("launch_")}
        for kernel, types in kernels.items():
            launcher = found.get("launch_" + kernel)
            if launcher is None or launcher[2:] != types:
                raise TypeError(f"kernels/{name}.cu: launch_{kernel} does not take {kernel}'s parameters")
        _SIGNATURES[name] = kernels
    return _SIGNATURES[name]


def check_arguments(name: str, kernel: str, args) -> None:
    """Raise TypeError unless `args` match the kernel's parameters one for one, as a GPU launch needs:
    arrays of the pointee's dtype for pointers, NumPy scalars of the exact C type for values (a GPU
    packs parameters by size, so an int64 given for an int would shift every later parameter)."""
    params = signatures(name)[kernel]
    if len(args) != len(params):
        raise TypeError(f"{kernel} takes {len(params)} arguments, got {len(args)}")
    for i, (arg, (kind, dtype)) in enumerate(zip(args, params)):
        ok = (isinstance(arg, np.ndarray) and arg.dtype == dtype) if kind == "pointer" else type(arg) is dtype
        if not ok:
            got = f"array of {arg.dtype}" if isinstance(arg, np.ndarray) else type(arg).__name__
            raise TypeError(f"{kernel} argument {i}: expected {'array of ' if kind == 'pointer' else ''}"
                            f"{np.dtype(dtype).name}, got {got}")


def _c_argument(value):
    """A kernel argument for ctypes: arrays by their data pointer, NumPy scalars by their C type."""
    if isinstance(value, np.ndarray):
        return ctypes.c_void_p(value.__array_interface__["data"][0])
    return _C_TYPES[type(value)](value)


def launch(source: str, kernel: str, grid: int, block: int, args) -> None:
    """Run `kernel` of kernels/<source>.cu over `grid` blocks of `block` threads, as CuPy launches it
    (the same argument tuple: device arrays and NumPy scalars)."""
    check_arguments(source, kernel, args)
    steps = cuda_standin.tape()
    if steps is not None:  # a capturing stream: the launch is recorded (its writes happen on replay)
        cuda_standin.run(steps, _launch, (source, kernel, grid, block, args), writes=True)
    else:
        _launch(source, kernel, grid, block, args)


def _launch(source, kernel, grid, block, args):
    getattr(library(source), "launch_" + kernel)(ctypes.c_uint(grid), ctypes.c_uint(block),
                                                 *[_c_argument(a) for a in args])
