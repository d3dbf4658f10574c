"""Benchmarks of minitorch against torch, side by side: one pytest-benchmark group per workload,
one case per framework and device, so each pair sits together in the report.

Run with `minitorch bench` (or `make bench`); CI runs every case once with --benchmark-disable.
"""
import time

import pytest

from harness import Framework, frameworks

_last = {"name": None}


@pytest.fixture(params=frameworks(), ids=lambda case: f"{case[0]}-{case[1]}")
def fw(request):
    framework = Framework(*request.param)
    if _last["name"] not in (None, framework.name):
        # OpenBLAS and torch's OpenMP threads spin for a while after a call: let the other
        # library's threads go idle before timing this one
        time.sleep(0.2)
    _last["name"] = framework.name
    return framework
