"""The package as a user installs it: a wheel built from this tree, installed (not editable) into a
folder of its own, must carry the CUDA and CPU kernels and run a fused op on the emulated CUDA device from
there, and `minitorch --version` must report the package's version."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import minitorch

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import os, numpy as np, minitorch
from minitorch.backends import KERNEL_SOURCES
assert os.path.realpath(minitorch.__file__).startswith(os.path.realpath(os.environ["SITE"])), minitorch.__file__
assert KERNEL_SOURCES.is_dir() and str(KERNEL_SOURCES).startswith(os.environ["SITE"]), KERNEL_SOURCES
from minitorch.backends import cupy_backend
assert cupy_backend.backend().uses_custom_kernels  # the kernels build from the installed sources
x = minitorch.randn(6, 10)
y = minitorch.softmax(x.to("cuda"), dim=-1).cpu()  # the fused softmax kernel
np.testing.assert_allclose(y.numpy(), minitorch.softmax(x, dim=-1).numpy(), rtol=1e-6, atol=1e-7)
from minitorch.backends import cpu_kernels
assert cpu_kernels.load("gelu") is not None  # the CPU kernels build from the installed sources too
print("installed", minitorch.__version__, sorted(p.name for p in KERNEL_SOURCES.glob("*.cu"))[:2])
"""


def test_the_wheel_installs_and_runs_its_kernels(tmp_path):
    source, wheels, site = tmp_path / "source", tmp_path / "wheels", tmp_path / "site"
    # a copy of the tracked sources: a build folder left in the work tree cannot leak into the wheel
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "minitorch", source / "minitorch", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels)], check=True, capture_output=True)
    (wheel,) = wheels.glob("minitorch-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(site), SITE=str(site), MINITORCH_EMULATE_CUDA="1",
               MINITORCH_KERNEL_CACHE=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"installed {minitorch.__version__} ['adam.cu', 'embedding.cu']")


def test_version_from_one_place():
    from minitorch.version import __version__
    out = subprocess.run([sys.executable, "-m", "minitorch.cli", "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == f"minitorch {__version__}"
    # the torch API level, for code that checks torch's version, with minitorch's own as the local label
    assert minitorch.__version__ == f"2.13.0+minitorch.{__version__}"
    assert minitorch.vision.__version__ == f"0.28.0+minitorch.{__version__}"
    assert int(minitorch.__version__.split(".")[1]) >= 12 and int(minitorch.vision.__version__.split(".")[1]) >= 13


def test_doctor_reports_what_this_installation_can_use():
    out = subprocess.run([sys.executable, "-m", "minitorch.cli", "doctor"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.stdout.splitlines())
    assert rows["minitorch"] == minitorch.version.__version__
    assert rows["threads"].startswith(str(minitorch.get_num_threads()))
    assert "threads" in rows["blas"]
    kernels = sorted((ROOT / "minitorch" / "kernels").glob("*.cu"))
    assert rows["cuda kernel sources"].startswith(f"{len(kernels)} in ")
    assert rows["distributed (MPI)"].startswith("mpi4py installed")  # make test installs the distributed extra
