"""The hand-written CPU kernels of `kernels/cpu/*.c` (GELU, SiLU, ReLU, float32 sums and rows' max/min,
stride-1 and depthwise convolution, batch normalisation, max pooling, Adam's step), built on first use with the
system C compiler, cached by source hash and called through ctypes, which releases the GIL so that the parts of
a split array run on several threads at once (the reductions split their own work with OpenMP, see `_OPENMP`).

Each kernel has a NumPy reference it is tested against, and everything works without them: `load` gives
None when there is no C compiler, the build fails, or `MINITORCH_KERNELS=off`, and the NumPy backend then
runs its NumPy code.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess

from .kernel_sources import KERNEL_SOURCES, build_shared_library, kernels_enabled

_FLOAT_P = ctypes.c_void_p  # float* parameters, passed as addresses
_SIGNATURES = {  # kernel: (result type, argument types)
    "adam_step_f32": (None, (_FLOAT_P,) * 5 + (ctypes.c_longlong,) + (ctypes.c_float,) * 8 + (ctypes.c_int,) * 3),
    "gelu_f32": (None, (_FLOAT_P, _FLOAT_P, ctypes.c_longlong)),
    "gelu_backward_f32": (None, (_FLOAT_P, _FLOAT_P, _FLOAT_P, ctypes.c_longlong)),
    "sum_blocks": (ctypes.c_longlong, (ctypes.c_longlong,)),
    "sum_f32": (ctypes.c_double, (_FLOAT_P, ctypes.c_longlong, _FLOAT_P, ctypes.c_int)),
    "sum_rows_f32": (None, (_FLOAT_P, _FLOAT_P, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_int)),
    "extreme_rows_f32": (None, (_FLOAT_P, _FLOAT_P, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_int, ctypes.c_int)),
    "relu_f32": (None, (_FLOAT_P, _FLOAT_P, ctypes.c_longlong)),
    "relu_backward_f32": (None, (_FLOAT_P, _FLOAT_P, _FLOAT_P, ctypes.c_longlong)),
    "silu_f32": (None, (_FLOAT_P, _FLOAT_P, ctypes.c_longlong)),
    "silu_backward_f32": (None, (_FLOAT_P, _FLOAT_P, _FLOAT_P, ctypes.c_longlong)),
    "batch_norm_stats_f32": (None, (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 5),
    "batch_norm_stats_rows_f32": (None, (_FLOAT_P,) * 4 + (ctypes.c_longlong,) * 3),
    "batch_norm_apply_f32": (None, (_FLOAT_P,) * 4 + (ctypes.c_longlong,) * 5),
    "batch_norm_backward_reduce_f32": (None, (_FLOAT_P,) * 6 + (ctypes.c_longlong,) * 5),
    "batch_norm_backward_input_f32": (None, (_FLOAT_P,) * 8 + (ctypes.c_int,) + (ctypes.c_longlong,) * 5),
    "max_pool2d_f32": (None, (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 14),
    "max_pool2d_backward_f32": (None, (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 4),
    "conv2d_direct_f32": (ctypes.c_int, (_FLOAT_P, ctypes.c_longlong) + (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 9),
    "conv2d_direct_spare": (ctypes.c_longlong, ()),
    "conv2d_weight_direct_f32": (ctypes.c_int, (_FLOAT_P,) * 4 + (ctypes.c_longlong,) * 8),
    "conv2d_weight_direct_lanes": (ctypes.c_longlong, ()),
    "conv2d_weight_direct_tile": (ctypes.c_longlong, ()),
    "conv2d_bias_grad_f32": (None, (_FLOAT_P, _FLOAT_P) + (ctypes.c_longlong,) * 3),
    "depthwise_conv2d_f32": (ctypes.c_int, (_FLOAT_P,) * 4 + (ctypes.c_longlong,) * 15),
    "depthwise_conv2d_input_grad_f32": (None, (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 15),
    "depthwise_conv2d_weight_grad_cl_f32": (None, (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 16),
    "depthwise_conv2d_input_grad_cl_f32": (None, (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 16),
    "depthwise_conv2d_weight_grad_f32": (None, (_FLOAT_P,) * 3 + (ctypes.c_longlong,) * 15),
}
# Vectorised for this machine, in its widest vectors (gcc keeps to 256-bit ones on AVX-512 machines unless
# asked: GELU then runs at half the speed; the width changes no result, as no sum is reassociated); no fused
# multiply-adds unless a kernel writes them, so each step rounds as NumPy's would; no trapping math, which is
# what lets gcc vectorise the selects of the NaN and saturation cases.
_FLAGS = ["-std=c11", "-O3", "-march=native", "-mprefer-vector-width=512", "-fno-trapping-math", "-ffp-contract=off",
          "-Wall", "-Werror", "-shared", "-fPIC"]
# Kernels whose loops share their work between threads with OpenMP: a call's threads start in C, without the
# hand-over of a Python thread pool (tens of microseconds). Where the compiler lacks OpenMP they build without
# it and run on the calling thread. GNU OpenMP cannot run a team in a child forked after the parent ran one,
# so a forked child passes one thread (see numpy_backend.kernel_threads).
_OPENMP = {"sum"}
_loaded: dict[str, object] = {}


def compiler() -> str | None:
    """The C compiler kernels are built with (CC, else cc), or None when there is none."""
    return shutil.which(os.environ.get("CC", "cc"))


def load(name: str):
    """kernels/cpu/<name>.c as a loaded library with typed functions, or None when it cannot be had."""
    if name not in _loaded:
        _loaded[name] = _build(name) if kernels_enabled() and compiler() else None
    return _loaded[name]


def _build(name: str):
    folder = KERNEL_SOURCES / "cpu"
    source = folder / f"{name}.c"
    # its own headers, and those it shares with the CUDA kernels (kernels/*.h)
    headers = b"".join(h.read_bytes() for h in sorted([*folder.glob("*.h"), *KERNEL_SOURCES.glob("*.h")]))
    command = [compiler(), *_FLAGS, f"-I{folder}", f"-I{KERNEL_SOURCES}", str(source)]
    tries = [command + ["-fopenmp"], command + ["-Wno-unknown-pragmas"]] if name in _OPENMP else [command]
    for flags in tries:
        try:
            path = build_shared_library(f"cpu-{name}", source.read_bytes() + headers, flags)
            break
        except (OSError, subprocess.CalledProcessError):  # an odd compiler: the NumPy code still runs
            continue
    else:
        return None
    library = ctypes.CDLL(str(path))  # CDLL, not PyDLL: each call releases the GIL
    for kernel, (restype, argtypes) in _SIGNATURES.items():
        if hasattr(library, kernel):
            getattr(library, kernel).restype = restype
            getattr(library, kernel).argtypes = argtypes
    return library


def pointer(array, offset: int = 0) -> int:
    """The address of element `offset` of a C-contiguous float32 array, or of the start of any array
    (what a pointer parameter takes; read from the array interface, the cheapest of NumPy's ways to it)."""
    return array.__array_interface__["data"][0] + 4 * offset
