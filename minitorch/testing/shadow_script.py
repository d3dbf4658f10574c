"""Shadow-torch for a whole training script: run it with torch and with minitorch (through the
`import torch` alias) for a few optimizer steps, recording every op of each, and report the first
op where minitorch leaves torch.

    minitorch shadow train.py --steps 2 -- --epochs 1

Each run is its own process (`python -m minitorch.testing.shadow_script torch|minitorch ...`),
so the two libraries never share one: each writes its records to a file, then the parent aligns
them as `shadow()` does. The script must seed its random numbers (`torch.manual_seed`), which
minitorch reproduces, so both runs start from the same weights and batches.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile

from .shadow_torch import OpRecord, ShadowReport, align, to_numpy


class _StopScript(Exception):
    """Raised by the step counter once the script has taken the steps asked for."""


def _count_steps(limit: int, records: list, recording) -> tuple:
    """Optimizer hooks: keep the optimizer's own ops out of the records, record the parameters after
    each step, and stop the script after `limit` steps."""
    taken = [0]

    def before_step(optimizer, args, kwargs):
        recording(False)

    def after_step(optimizer, args, kwargs):
        recording(True)
        taken[0] += 1
        params = [p for g in optimizer.param_groups for p in g["params"]]
        records.append(OpRecord("forward", f"{type(optimizer).__name__}.step", [to_numpy(p) for p in params]))
        if taken[0] >= limit:
            raise _StopScript
    return before_step, after_step


def _name_parameters(optimizer_class, names: dict) -> None:
    """Name every parameter an optimizer is built with ("param 0", ...): both runs build the same
    optimizers in the same order, so the names pair the gradients that reach them."""
    original = optimizer_class.__init__

    def __init__(self, params, *args, **kwargs):
        original(self, params, *args, **kwargs)
        for group in self.param_groups:
            for p in group["params"]:
                names.setdefault(id(p), f"param {len(names)}")
    optimizer_class.__init__ = __init__


def _record_torch(script: str, argv: list, steps: int) -> dict:
    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook
    from .shadow_torch import _torch_recorders, record_torch_backward

    recorder = _torch_recorders()([])
    backward_records: list = []
    names: dict = {}
    original_backward = torch.autograd.backward

    def backward(tensors, *args, **kwargs):
        roots = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
        recorder.active = False
        try:
            backward_records.extend(record_torch_backward(
                roots[0], names, lambda: original_backward(tensors, *args, **kwargs)))
        finally:
            recorder.active = True

    def recording(on):
        recorder.active = on

    torch.autograd.backward = backward
    _name_parameters(torch.optim.Optimizer, names)
    before, after = _count_steps(steps, recorder.records, recording)
    register_optimizer_step_pre_hook(before)
    register_optimizer_step_post_hook(after)
    with recorder:
        _run(script, argv)
    return {"forward": recorder.records, "backward": backward_records}


def _record_minitorch(script: str, argv: list, steps: int) -> dict:
    import minitorch
    from minitorch.autograd import events
    from .shadow_torch import _MinitorchRecorder

    names: dict = {}
    recorder = _MinitorchRecorder(names, [])
    original_step = minitorch.optim.Optimizer.step

    def recording(on):
        (events.add_observer if on else events.remove_observer)(recorder)

    before, after = _count_steps(steps, recorder.forward, recording)

    def step(self, *args, **kwargs):
        before(self, args, kwargs)
        result = original_step(self, *args, **kwargs)
        after(self, args, kwargs)
        return result

    minitorch.optim.Optimizer.step = step
    _name_parameters(minitorch.optim.Optimizer, names)
    minitorch.as_torch()
    with events.listen(recorder):
        _run(script, argv)
    return {"forward": recorder.forward, "backward": recorder.backward}


def _run(script: str, argv: list) -> None:
    import runpy
    sys.argv = [script, *argv]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except _StopScript:
        pass


def shadow_script(script: str, argv=(), steps: int = 1, rtol: float = 1e-4, atol: float = 1e-5) -> ShadowReport:
    """Run `script` with torch and with minitorch for `steps` optimizer steps and compare every op."""
    if not os.path.isfile(script):
        raise FileNotFoundError(f"no such script: {script}")
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for library in ("torch", "minitorch"):
            out = os.path.join(tmp, f"{library}.pkl")
            cmd = [sys.executable, "-m", "minitorch.testing.shadow_script", library, script, out, str(steps), *argv]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"the script failed under {library} (exit code {done.returncode}):\n"
                                   + done.stderr[-3000:])
            with open(out, "rb") as f:
                runs[library] = pickle.load(f)
    ours, theirs = runs["minitorch"], runs["torch"]
    rows = align(ours["forward"], theirs["forward"], "forward", rtol, atol)
    rows += align(ours["backward"], theirs["backward"], "backward", rtol, atol)
    return ShadowReport(rows, ours, theirs, rtol, atol)


def main(argv=None) -> int:
    library, script, out, steps, *script_argv = argv if argv is not None else sys.argv[1:]
    record = _record_torch if library == "torch" else _record_minitorch
    records = record(script, script_argv, int(steps))
    with open(out, "wb") as f:
        pickle.dump(records, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
