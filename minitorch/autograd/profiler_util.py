"""What a profile holds, and torch's table of it: `FunctionEvent` (one op, backward node or
`record_function` span), `FunctionEventAvg` (the events of one name summed) and `EventList`.

Times are in microseconds. An event's *total* time runs from its start to its end; its *self*
time is the total less its children's totals (an op that calls other ops; a backward node
that runs ops). The table's columns and formats are torch's (`torch.autograd.profiler_util`).
"""
from __future__ import annotations

import json
import os


class FunctionEvent:
    """One recorded call: its name, time range, shapes, memory, children and device time."""

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None, stack=None,
                 device_type="CPU", sequence_nr=-1, is_user_annotation=False, use_device=None):
        self.id, self.name, self.key = id, name, name
        self.thread = thread
        self.time_range = (start_us, end_us)
        self.input_shapes = input_shapes or []
        self.stack = stack or []
        self.device_type = device_type
        self.sequence_nr = sequence_nr
        self.is_user_annotation = is_user_annotation
        self.use_device = use_device
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.device_time_total = 0.0       # this event's time on the device (CUDA events)
        self.device_start_us = None        # when it began on the device, on the profile's clock
        self.cpu_memory_usage = 0          # bytes its outputs allocated, its children's included
        self.self_cpu_memory_usage = 0
        self.device_memory_usage = 0
        self.self_device_memory_usage = 0
        self.count = 1
        self.is_async = False
        self.overload_name = ""
        self.node_id = -1
        self.args = None                   # record_function's `args` string

    @property
    def cpu_time_total(self) -> float:
        return self.time_range[1] - self.time_range[0]

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total

    @property
    def self_device_time_total(self) -> float:
        return max(self.device_time_total - sum(c.device_time_total for c in self.cpu_children), 0.0)

    @property
    def device_time(self) -> float:
        return self.device_time_total

    # torch's older names
    cuda_time_total = property(lambda self: self.device_time_total)
    self_cuda_time_total = property(lambda self: self.self_device_time_total)

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"start_us={self.time_range[0]:.3f} end_us={self.time_range[1]:.3f} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events sharing a key (a name, and with `group_by_input_shape` its input shapes), summed."""

    def __init__(self, key, input_shapes=None, stack=None, use_device=None):
        self.key = key
        self.input_shapes = input_shapes
        self.stack = stack or []
        self.use_device = use_device
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.device_time_total = self.self_device_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.device_memory_usage = self.self_device_memory_usage = 0
        self.cpu_parent = None
        self.is_async = False
        self.is_user_annotation = False
        self.device_type = "CPU"
        self.overload_name = ""
        self.node_id = -1

    def add(self, event) -> "FunctionEventAvg":
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        self.device_time_total += event.device_time_total
        self.self_device_time_total += event.self_device_time_total
        self.cpu_memory_usage += event.cpu_memory_usage
        self.self_cpu_memory_usage += event.self_cpu_memory_usage
        self.device_memory_usage += event.device_memory_usage
        self.self_device_memory_usage += event.self_device_memory_usage
        self.is_user_annotation = event.is_user_annotation
        if event.cpu_parent is not None:
            self.cpu_parent = event.cpu_parent
        return self

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def device_time(self) -> float:
        return self.device_time_total / self.count if self.count else 0.0

    cuda_time_total = property(lambda self: self.device_time_total)
    self_cuda_time_total = property(lambda self: self.self_device_time_total)

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events with torch's summaries: `table`, `key_averages`, `export_chrome_trace`."""

    def __init__(self, *args, use_device=None, profile_memory=False, with_flops=False):
        super().__init__(*args)
        self._use_device = use_device
        self._profile_memory = profile_memory

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> "EventList":
        groups: dict = {}
        for e in self:
            key = (e.key,)
            if group_by_input_shape:
                key += (str(e.input_shapes),)
            if group_by_stack_n:
                key += tuple(e.stack[:group_by_stack_n])
            if key not in groups:
                groups[key] = FunctionEventAvg(
                    e.key, e.input_shapes if group_by_input_shape else None,
                    e.stack[:group_by_stack_n] if group_by_stack_n else None, self._use_device)
            groups[key].add(e)
        return EventList(groups.values(), use_device=self._use_device, profile_memory=self._profile_memory)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None) -> str:
        return build_table(self, sort_by=sort_by, row_limit=row_limit, header=header,
                           max_src_column_width=max_src_column_width,
                           max_name_column_width=max_name_column_width,
                           max_shapes_column_width=max_shapes_column_width,
                           profile_memory=self._profile_memory, use_device=self._use_device,
                           top_level_events_only=top_level_events_only, time_unit=time_unit)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as Chrome trace JSON ("X" events in microseconds), which
        chrome://tracing and ui.perfetto.dev open."""
        trace = []
        pid = os.getpid()
        for e in self:
            if not isinstance(e, FunctionEvent):
                raise RuntimeError("export_chrome_trace needs the profile's events, not their averages")
            args = {"External id": e.id}
            if e.input_shapes:
                args["Input Dims"] = e.input_shapes
            if e.sequence_nr >= 0:
                args["Sequence number"] = e.sequence_nr
            if e.args is not None:
                args["Record function args"] = e.args
            if e.stack:
                args["Call stack"] = ";".join(e.stack)
            start, end = e.time_range
            trace.append({"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
                          "name": e.name, "pid": pid, "tid": e.thread, "ts": start, "dur": end - start,
                          "args": args})
            if e.device_start_us is not None and e.device_time_total > 0:
                trace.append({"ph": "X", "cat": "kernel", "name": e.name, "pid": f"{e.use_device} 0",
                              "tid": "stream 0", "ts": e.device_start_us, "dur": e.device_time_total,
                              "args": {"External id": e.id}})
        with open(path, "w") as f:
            json.dump({"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace}, f)


def _format_time(time_us: float) -> str:
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us: float, total_us: float) -> str:
    if total_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_us:.2f}%"


def _format_memory(nbytes: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


def _in_unit(time_us: float, time_unit) -> str:
    scale = {"s": 1e6, "ms": 1e3, "us": 1.0}
    if time_unit is None:
        return _format_time(time_us)
    if time_unit not in scale:
        raise ValueError(f"time_unit must be one of 's', 'ms' or 'us', got {time_unit!r}")
    return f"{time_us / scale[time_unit]:.3f}{time_unit}"


_SORT_KEYS = ("cpu_time", "cuda_time", "device_time", "cpu_time_total", "cuda_time_total", "device_time_total",
              "self_cpu_time_total", "self_cuda_time_total", "self_device_time_total", "count",
              "cpu_memory_usage", "self_cpu_memory_usage", "cuda_memory_usage", "device_memory_usage",
              "self_cuda_memory_usage", "self_device_memory_usage")


def build_table(events, sort_by=None, row_limit=100, header=None, max_src_column_width=75,
                max_name_column_width=55, max_shapes_column_width=80, profile_memory=False,
                use_device=None, top_level_events_only=False, time_unit=None) -> str:
    """torch's profiler table: one row per event (or averaged key), sorted by `sort_by`."""
    if not events:
        return ""
    if sort_by is not None:
        if sort_by not in _SORT_KEYS:
            raise AttributeError(f"'FunctionEventAvg' object has no attribute '{sort_by}'")
        attr = sort_by.replace("cuda", "device")
        events = sorted(events, key=lambda e: getattr(e, attr), reverse=True)
    has_device_time = any(e.self_device_time_total > 0 for e in events)
    has_device_mem = any(e.self_device_memory_usage != 0 for e in events)
    has_shapes = any(e.input_shapes for e in events)
    has_stack = any(e.stack for e in events)

    name_width = min(max(len(e.key) for e in events) + 4, max_name_column_width)
    shapes_width = min(max(len(str(e.input_shapes)) for e in events) + 4, max_shapes_column_width)
    src_width = min(max((len(s) for e in events for s in e.stack), default=0) + 4, max_src_column_width)
    device = (use_device or "cuda").upper()
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if has_device_time:
        headers += [f"Self {device}", f"Self {device} %", f"{device} total", f"{device} time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        if has_device_mem:
            headers += [f"{device} Mem", f"Self {device} Mem"]
    headers.append("# of Calls")
    widths = [name_width] + [12] * (len(headers) - 1)
    aligns = [">"] * len(headers)
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
        aligns.append(">")
    if has_stack:
        headers.append("Source Location")
        widths.append(src_width)
        aligns.append("<")
    row_format = "".join("{: " + a + str(w) + "}  " for a, w in zip(aligns, widths))
    separator = "".join("-" * w + "  " for w in widths)
    line_length = sum(w + 2 for w in widths) - 2

    self_cpu_total = sum(e.self_cpu_time_total for e in events)
    self_device_total = sum(e.self_device_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key if len(e.key) < name_width - 3 else e.key[:name_width - 3] + "..."
        row = [name, _format_time_share(e.self_cpu_time_total, self_cpu_total), _in_unit(e.self_cpu_time_total, time_unit),
               _format_time_share(e.cpu_time_total, self_cpu_total), _in_unit(e.cpu_time_total, time_unit),
               _in_unit(e.cpu_time, time_unit)]
        if has_device_time:
            row += [_in_unit(e.self_device_time_total, time_unit),
                    _format_time_share(e.self_device_time_total, self_device_total),
                    _in_unit(e.device_time_total, time_unit), _in_unit(e.device_time, time_unit)]
        if profile_memory:
            row += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
            if has_device_mem:
                row += [_format_memory(e.device_memory_usage), _format_memory(e.self_device_memory_usage)]
        row.append(e.count)
        if has_shapes:
            row.append(str(e.input_shapes)[:shapes_width])
        if has_stack:
            row.append(_trim_path(e.stack[0], src_width) if e.stack else "")
        lines.append(row_format.format(*row))
        if has_stack:
            blanks = [""] * (len(headers) - 1)
            lines += [row_format.format(*blanks, _trim_path(s, src_width)) for s in e.stack[1:]]
            lines.append(row_format.format(*blanks, ""))
    lines.append(separator)
    lines.append(f"Self CPU time total: {_in_unit(self_cpu_total, time_unit)}")
    if has_device_time:
        lines.append(f"Self {device} time total: {_in_unit(self_device_total, time_unit)}")
    return "\n".join(lines) + "\n"


def _trim_path(path: str, width: int) -> str:
    if len(path) > width:
        path = "..." + path[len(path) - width + 3:]
    return path

