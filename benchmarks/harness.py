"""The benchmark harness: frameworks (a library on a device) and the timing helper."""
import time

import numpy as np
import pytest

import minitorch

try:
    import torch
except ImportError:  # the benchmarks still run for minitorch alone
    torch = None


def frameworks():
    cases = [("minitorch", "cpu")]
    if minitorch.cuda.is_available():
        cases.append(("minitorch", "cuda"))
    if torch is not None:
        cases.append(("torch", "cpu"))
        if torch.cuda.is_available():
            cases.append(("torch", "cuda"))
    return cases


class Framework:
    """One library on one device, with helpers that make the same inputs in either."""

    def __init__(self, name, device):
        self.name, self.device = name, device
        self.lib = torch if name == "torch" else minitorch

    def __repr__(self):
        return f"{self.name}-{self.device}"

    def tensor(self, array, requires_grad=False):
        t = self.lib.tensor(np.asarray(array), device=self.device)
        return t.requires_grad_(requires_grad) if requires_grad else t

    def randn(self, *shape, requires_grad=False, seed=0):
        array = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
        return self.tensor(array, requires_grad)

    def sync(self):
        if self.device == "cuda":
            self.lib.cuda.synchronize()


def run(benchmark, fw, group, fn, **extra):
    """Time `fn` in `group` for framework `fw` (synchronising GPU work before the clock is read)."""
    benchmark.group = group
    benchmark.extra_info.update(framework=fw.name, device=fw.device, **extra)

    def call():
        out = fn()
        fw.sync()
        return out

    call()  # warm-up: first-call costs (imports, allocator growth) are not what we compare
    return benchmark(call)
