# %% [markdown]
# # 05 · Going modular: the same scripts, run by torch and by minitorch
#
# Chapter 05 turns the notebook code into scripts: `data_setup.py` (DataLoaders from image folders),
# `model_builder.py` (TinyVGG), `engine.py` (train and test steps), `utils.py` (saving) and `train.py`.
# They live in `examples/going_modular/` written with `import torch`, as the course writes them.
# `minitorch run train.py` runs a script with minitorch standing in for `torch` and `torchvision`;
# here both runs print the same epochs.

# %%
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import minitorch
from minitorch.testing.stand_in_data import food_images

repo = Path(minitorch.__file__).resolve().parents[1]
scripts = repo / "examples" / "going_modular"
print(sorted(p.name for p in scripts.glob("*.py")))
print((scripts / "engine.py").read_text()[:900])

# %% [markdown]
# A stand-in `pizza_steak_sushi` folder, then `train.py` twice: with the real torch, and through
# `minitorch run` (the same file, unchanged).

# %%
work = Path(tempfile.mkdtemp())
data = food_images(work / "pizza_steak_sushi", train_per_class=8, test_per_class=4, size=48)
# the real torchvision needs its operator schemas declared first (see minitorch.testing.reference)
with_torch = ("import runpy, sys; from minitorch.testing.reference import import_torchvision; import_torchvision(); "
              "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
args = ["--data", str(data), "--epochs", "3", "--batch_size", "4"]
env = {"DETERMINISTIC": "1", "PATH": "/usr/bin:/bin"}

def run(command, out):
    done = subprocess.run(command + args + ["--out", str(work / out)], capture_output=True, text=True,
                          env={**__import__("os").environ, **env}, timeout=600)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("Epoch")]

torch_lines = run([sys.executable, "-c", with_torch, str(scripts / "train.py")], "torch")
minitorch_lines = run([sys.executable, "-m", "minitorch.cli", "run", str(scripts / "train.py")], "minitorch")
print("torch:\n" + "\n".join(torch_lines))
print("minitorch:\n" + "\n".join(minitorch_lines))

# %%
numbers = lambda line: [float(v) for v in re.findall(r"\d+\.\d+", line)]  # noqa: E731
for ours, theirs in zip(minitorch_lines, torch_lines):
    assert all(abs(a - b) <= 1e-4 * abs(b) + 2e-6 for a, b in zip(numbers(ours), numbers(theirs)))
assert len(minitorch_lines) == len(torch_lines) == 3
saved = sorted(p.name for p in (work / "minitorch").iterdir())
print(saved)
