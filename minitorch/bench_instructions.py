"""Per-op overhead counted in instructions with valgrind's callgrind: deterministic where wall times on a
shared machine swing by tens of percent, so a regression of a few percent shows.

The measured program (run as `python -m minitorch.bench_instructions LIBRARY PHASE N`) builds a chain of
tiny ops on 2x2 float32 tensors, `((x * w + w) - x).tanh()` repeated, and runs it a few times as
warm-up, then under callgrind counts N iterations twice (only the second count is used: caches and
interned objects have settled by then). Phases, per op:

- `forward`: the chain without grad;  `scalar`: `a * 0.5` without grad (a Python-scalar operand);
- `record`: the chain with grad (forward plus graph recording), reported as recording = record - forward;
- `backward`: the chain with grad and `.sum().backward()`, reported per backward node = backward - record.

torch runs on one thread, as minitorch's tiny ops do. Counts exclude interpreter start-up and imports.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

CHAIN = 100          # ops per iteration of the chain (25 repeats of 4 ops)
SCALAR_OPS = 100     # `a * 0.5` calls per iteration of the scalar phase
PHASES = ("forward", "scalar", "record", "backward")
ITERATIONS = 20
# An instruction count this much above the baseline's is a regression. Counts repeat exactly for one
# version of the code, but a change elsewhere (a new class, a new method name) can move them by a few
# percent through CPython's caches keyed by type versions: adding SiLU's class moved the chain's
# recording by 5% and its backward by 4%, with no change to the code they run.
REGRESSION = 1.06


def available() -> bool:
    """Whether valgrind and the callgrind markers (valgrind's header, a C compiler) are there."""
    from .backends import cpu_kernels
    return shutil.which("valgrind") is not None and cpu_kernels.load("callgrind_marks") is not None


def count(library: str, phase: str, iterations: int = ITERATIONS) -> int:
    """Instructions for `iterations` iterations of `phase` in `library` (minitorch or torch)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p",
                        sys.executable, "-m", "minitorch.bench_instructions", library, phase, str(iterations)],
                       check=True, capture_output=True, env=env)
        dumps = {}
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name)) as f:
                text = f.read()
            trigger = re.search(r"^desc: Trigger: Client Request: (\w+)", text, re.M)
            if trigger:
                dumps[trigger.group(1)] = int(re.search(r"^summary: (\d+)", text, re.M).group(1))
    return dumps["second"]


def per_op(counts: dict) -> dict:
    """Thousands of instructions per op from the counts of each phase (for ITERATIONS iterations)."""
    def k(phase, ops=CHAIN):
        return counts[phase] / ITERATIONS / ops / 1000
    return {"forward, no grad (chain)": k("forward"),
            "a * 0.5, no grad": k("scalar", SCALAR_OPS),
            "graph recording": k("record") - k("forward"),
            "backward per node (backward()'s fixed cost spread over the chain)": k("backward") - k("record"),
            "total per op (forward + backward)": k("backward")}


def measure(libraries=("minitorch", "torch")) -> dict:
    """{library: {measure: thousands of instructions per op}}, for the libraries that are installed."""
    result = {}
    for library in libraries:
        if importlib.util.find_spec(library) is None:
            continue
        result[library] = per_op({phase: count(library, phase) for phase in PHASES})
    return result


def rows(measured: dict, baseline: dict | None = None) -> list[dict]:
    """One row per measure: both libraries' counts, their ratio and the change against a baseline."""
    ours, theirs, before = measured.get("minitorch", {}), measured.get("torch", {}), (baseline or {}).get("minitorch", {})
    table = []
    for name, value in ours.items():
        other, old = theirs.get(name), before.get(name)
        table.append({"measure": name, "minitorch": value, "torch": other,
                      "ratio": value / other if other else None, "change": value / old if old else None})
    return table


def regressions(measured: dict, baseline: dict | None) -> list[str]:
    """The measures whose minitorch count rose more than REGRESSION against the baseline."""
    return [r["measure"] for r in rows(measured, baseline) if r["change"] is not None and r["change"] > REGRESSION]


def markdown(measured: dict, baseline: dict | None = None) -> list[str]:
    lines = ["Per-op overhead in instructions (callgrind, thousands per op, 2x2 float32; deterministic, so "
             f"a rise of more than {(REGRESSION - 1) * 100:.0f}% against the baseline is a regression):", ""]
    head, sep = "| measure | minitorch | torch | ratio |", "|---|---:|---:|---:|"
    if baseline:
        head, sep = head + " vs baseline |", sep + "---:|"
    lines += [head, sep]
    for r in rows(measured, baseline):
        torch_count = "-" if r["torch"] is None else f"{r['torch']:.1f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        line = f"| {r['measure']} | {r['minitorch']:.1f} | {torch_count} | {ratio} |"
        if baseline:
            change = r["change"]
            note = "" if change is None else f"{(change - 1) * 100:+.1f}%"
            line += f" {'**' + note + ' regression**' if change and change > REGRESSION else note} |"
        lines.append(line)
    return lines


# ---- the measured program -----------------------------------------------------------------------

def _program(library: str, phase: str, iterations: int) -> None:
    import numpy as np

    from .backends import cpu_kernels
    if library == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        import minitorch as lib
    grad = phase in ("record", "backward")
    x = lib.tensor(np.full((2, 2), 0.3, np.float32), requires_grad=grad)
    w = lib.tensor(np.full((2, 2), 0.7, np.float32), requires_grad=grad)

    def chain():
        y = x
        for _ in range(CHAIN // 4):
            y = ((y * w + w) - y).tanh()
        return y

    def scalar():
        for _ in range(SCALAR_OPS):
            x * 0.5

    def backward():
        chain().sum().backward()
    step = {"forward": chain, "scalar": scalar, "record": chain, "backward": backward}[phase]
    marks = cpu_kernels.load("callgrind_marks")
    for _ in range(3):
        step()
    marks.start_instrumentation()
    for name in (b"first", b"second"):
        marks.zero_stats()
        for _ in range(iterations):
            step()
        marks.dump_stats(name)


if __name__ == "__main__":
    _program(sys.argv[1], sys.argv[2], int(sys.argv[3]))
