"""`minitorch doctor`: what this installation can use, and what is missing and how to get it."""
from __future__ import annotations

import importlib.util
import shutil


def _found(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _cpu_kernels_state(cpu_kernels) -> str:
    if cpu_kernels.load("gelu") is not None:
        return "built (C compiler found)"
    if cpu_kernels.compiler() is None:
        return "NumPy code (no C compiler: install gcc)"
    return "NumPy code (MINITORCH_KERNELS=off or the build failed)"


def report() -> list[tuple[str, str]]:
    """(item, state) rows: versions, BLAS and threads, devices, and each optional tool."""
    from . import get_num_threads
    from .backends import cpu_kernels
    from .backends.emulated import kernels as emulated_kernels
    from .backends.kernel_sources import KERNEL_SOURCES
    from .bench import machine_info
    info = machine_info()
    rows = [(name, str(info[name])) for name in ("minitorch", "python", "numpy", "torch", "cpu", "cores", "blas")]
    rows.append(("threads", f"{get_num_threads()} (minitorch.set_num_threads changes them)"))
    rows.append(("cuda device", info["cuda device"] + ("" if info["cuda device"] != "none" else
                 " (a GPU with `pip install 'minitorch[cuda]'`, or MINITORCH_EMULATE_CUDA=1)")))
    sources = sorted(p.name for p in KERNEL_SOURCES.glob("*.cu"))
    rows.append(("cuda kernel sources", f"{len(sources)} in {KERNEL_SOURCES}" if sources else "missing"))
    rows.append(("kernels on the emulated device",
                 "buildable (C++ compiler found)" if emulated_kernels.available() else "no C++ compiler: install g++"))
    rows.append(("cpu kernels (gelu, silu, relu, sums, stride-1 and depthwise conv, batch norm, max pool, adam)",
                 _cpu_kernels_state(cpu_kernels)))
    rows.append(("nvcc", shutil.which("nvcc") or "not found (only needed to check the kernels compile to PTX)"))
    rows.append(("cupy", "installed" if _found("cupy") else "not installed (pip install 'minitorch[cuda]')"))
    from .distributed.run import mpiexec_path
    mpi, mpiexec = _found("mpi4py"), mpiexec_path()
    rows.append(("distributed (MPI)", f"mpi4py installed, mpiexec {mpiexec}" if mpi and mpiexec else
                 "not installed (pip install 'minitorch[distributed]')"))
    dot = shutil.which("dot")
    rows.append(("graphviz", ("python package installed" if _found("graphviz") else "python package missing") +
                 (f", dot at {dot}" if dot else ", no `dot` program (apt-get install graphviz)")))
    return rows


def main() -> int:
    rows = report()
    width = max(len(name) for name, _ in rows)
    for name, state in rows:
        print(f"{name:<{width}}  {state}")
    return 0
