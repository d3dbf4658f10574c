"""A forward tracer: each op as it runs, with shapes, dtypes and device (tinygrad's `DEBUG=`).

    with minitorch.autograd.trace(level=2) as t:
        loss = model(x).sum()
    t.records            # one TraceRecord per op

Levels: 1 names each op with its input and output shapes, dtypes and device; 2 adds the time
and the backend that ran it; 3 adds the user's line that called it. `MINITORCH_DEBUG=1..3`
in the environment traces the whole program to stderr.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from . import events


@dataclass
class TraceRecord:
    name: str                 # torch's op name, e.g. "aten::mul"
    node_name: str            # the graph node its output gets, e.g. "MulBackward0"
    input_shapes: list
    input_dtypes: list
    output_shapes: list
    output_dtypes: list
    device: str
    depth: int                # 0 for an op the user called, 1 for one it called, ...
    time_us: float
    kernel: str | None
    source: tuple | None      # (filename, lineno, function, line)

    def format(self, level: int = 1) -> str:
        def sig(shapes, dtypes):
            return ", ".join(f"{tuple(s)} {str(d).replace('torch.', '')}" for s, d in zip(shapes, dtypes))
        text = f"{'  ' * self.depth}{self.name:<24} {sig(self.input_shapes, self.input_dtypes)} -> " \
               f"{sig(self.output_shapes, self.output_dtypes)}  {self.device}"
        if level >= 2:
            text += f"  {self.time_us:9.1f} us  {self.kernel}"
        if level >= 3 and self.source is not None:
            filename, lineno, function, line = self.source
            text += f"\n{'  ' * self.depth}    at {os.path.basename(filename)}:{lineno} in {function}: {line}"
        return text


def record_of(event) -> TraceRecord:
    ins, outs = event.input_tensors(), event.output_tensors()
    return TraceRecord(
        event.name, event.node_name,
        [tuple(t.shape) for t in ins], [t.dtype for t in ins],
        [tuple(t.shape) for t in outs], [t.dtype for t in outs],
        str(event.device) if event.device is not None else "-", event.depth,
        event.duration_ns / 1e3, event.kernel, event.source)


class trace:
    """Record (and by default print) every forward op inside the block."""

    def __init__(self, level: int = 1, file=None, print_records: bool = True):
        if level not in (1, 2, 3):
            raise ValueError(f"trace level must be 1, 2 or 3, got {level}")
        self.level = level
        self.with_stack = level >= 3
        self.file = file
        self.print_records = print_records
        self.records: list[TraceRecord] = []

    def begin(self, event):
        pass

    def end(self, event):
        if event.kind != "op":
            return
        record = record_of(event)
        self.records.append(record)
        if self.print_records:
            print(record.format(self.level), file=self.file or sys.stderr)

    def __enter__(self):
        events.add_observer(self)
        return self

    def __exit__(self, *exc):
        events.remove_observer(self)
        return False


def trace_from_environment() -> trace | None:
    """Start a program-long tracer when MINITORCH_DEBUG is 1, 2 or 3."""
    value = os.environ.get("MINITORCH_DEBUG", "").strip()
    if not value or value == "0":
        return None
    if value not in ("1", "2", "3"):
        raise ValueError(f"MINITORCH_DEBUG must be 0, 1, 2 or 3, got {value!r}")
    tracer = trace(int(value))
    events.add_observer(tracer)
    return tracer
