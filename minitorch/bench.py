"""Benchmark reports: run the side-by-side suite in benchmarks/, or read its pytest-benchmark JSON,
and write a Markdown table (minitorch/torch ratio per workload, target, change against a baseline)
plus PNG charts. `minitorch bench`, `minitorch bench report RUN.json`, `minitorch bench compare NEW BASE` (which exits
with status 1 when a per-op instruction count regressed: those repeat exactly, unlike timings).
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import defaultdict

from . import bench_instructions

# (pattern on the workload name, target ratio minitorch/torch on the CPU)
TARGETS = [
    (r"^tiny-op chain .* fwd\+bwd$", 0.8),
    (r"^a \* 0\.5 ", 0.9),
    (r"^MLP ", 1.0),
    (r"^matmul (512|1024|2048)x\d+$", 1.05),
    (r"^TinyVGG ", 1.2),
    (r"^ViT block ", 1.1),
    (r"^(resnet18|efficientnet_b0) training step ", 1.5),
    (r"^relu 1e\+07$", 1.5),
    (r"^(add|mul|exp) 1e\+07$", 1.2),
    (r"^gelu 1e\+07$", 1.0),
    (r"^(sum|mean)(\(-1\))? 1e7$", 1.1),
    (r"^max(\(-1\))? 1e7$", 1.2),
]
REGRESSION = 1.10  # slower than the baseline by more than this factor is flagged


def target_for(workload: str):
    for pattern, ratio in TARGETS:
        if re.search(pattern, workload):
            return ratio
    return None


# ---- the machine --------------------------------------------------------------------------------

def machine_info() -> dict:
    """What makes timings comparable or not: CPU, cores, BLAS and its kernel, versions, BLAS env, load."""
    import numpy
    info = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version(), "numpy": numpy.__version__,
            "load average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        from threadpoolctl import threadpool_info
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        info["blas"] = ", ".join(f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')} kernels, "
                                 f"{p.get('num_threads')} threads)" for p in blas) or "unknown"
    except ImportError:
        info["blas"] = "unknown (threadpoolctl not installed)"
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        info[var] = os.environ.get(var, "not set")
    try:
        import torch
        info["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        info["torch"] = "not installed"
    from . import cuda
    from .version import __version__
    info["minitorch"] = __version__
    info["cuda device"] = cuda.get_device_name() if cuda.is_available() else "none"
    if cuda.is_available():
        from .backends import cupy_backend
        info["cuda kernels"] = "on" if cupy_backend.kernels_enabled() else "off (MINITORCH_KERNELS=off)"
        if not cupy_backend.emulated():
            import cupy
            info["cupy"] = cupy.__version__
    return info


# ---- reading a run ------------------------------------------------------------------------------

def load_run(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def medians(run: dict) -> dict:
    """{(workload, framework, device): median seconds}."""
    out = {}
    for b in run["benchmarks"]:
        extra = b.get("extra_info", {})
        out[(b["group"], extra.get("framework", "?"), extra.get("device", "cpu"))] = b["stats"]["median"]
    return out


def rows(run: dict, baseline: dict | None = None) -> list[dict]:
    """One row per (workload, device) with both frameworks' medians, the ratio and the target."""
    times = medians(run)
    base = medians(baseline) if baseline else {}
    keys = sorted({(w, d) for w, _, d in times}, key=lambda k: (k[1], k[0]))
    table = []
    for workload, device in keys:
        ours, theirs = times.get((workload, "minitorch", device)), times.get((workload, "torch", device))
        ratio = ours / theirs if ours and theirs else None
        target = target_for(workload) if device == "cpu" else None
        before = base.get((workload, "minitorch", device))
        table.append({"workload": workload, "device": device, "minitorch": ours, "torch": theirs, "ratio": ratio,
                      "target": target, "met": None if target is None or ratio is None else ratio <= target,
                      "change": ours / before if ours and before else None,
                      "composite": times.get((workload, "minitorch-composite", device))})
    return table


def _time(seconds) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def markdown(run: dict, baseline: dict | None = None, charts=()) -> str:
    table = rows(run, baseline)
    lines = ["# minitorch vs torch benchmark report", ""]
    info = run.get("minitorch_machine") or {}
    if info:
        lines += ["Machine (figures from different machines are not comparable):", ""]
        lines += [f"- {k}: {v}" for k, v in info.items()]
        lines.append("")
    met = [r for r in table if r["met"] is not None]
    lines.append(f"Targets met: {sum(r['met'] for r in met)} of {len(met)}. Ratio = minitorch median / torch "
                 "median (below 1: minitorch is faster).")
    lines.append("")
    head = "| workload | device | minitorch | torch | ratio | target | met |"
    sep = "|---|---|---:|---:|---:|---:|:---:|"
    if baseline:
        head += " vs baseline |"
        sep += "---:|"
    lines += [head, sep]
    for r in table:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        target = f"≤ {r['target']:.2f}" if r["target"] is not None else ""
        met_mark = {True: "yes", False: "**no**", None: ""}[r["met"]]
        line = (f"| {r['workload']} | {r['device']} | {_time(r['minitorch'])} | {_time(r['torch'])} | {ratio} | "
                f"{target} | {met_mark} |")
        if baseline:
            change = r["change"]
            note = "" if change is None else f"{(change - 1) * 100:+.0f}%"
            if change is not None and change > REGRESSION:
                note = f"**{note} regression**"
            line += f" {note} |"
        lines.append(line)
    if run.get("minitorch_instructions"):
        lines += [""] + bench_instructions.markdown(run["minitorch_instructions"],
                                                    (baseline or {}).get("minitorch_instructions"))
    kernels = [r for r in table if r["composite"] and r["minitorch"]]
    if kernels:
        lines += ["", "Hand-written CUDA kernels against the plain-CuPy composites they replace "
                  "(speed-up = composite time / kernel time):", "",
                  "| workload | kernels | composite | speed-up | torch |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {r['workload']} | {_time(r['minitorch'])} | {_time(r['composite'])} | "
                  f"{r['composite'] / r['minitorch']:.2f} | {_time(r['torch'])} |" for r in kernels]
    for chart in charts:
        lines += ["", f"![{os.path.basename(chart)}]({os.path.basename(chart)})"]
    return "\n".join(lines) + "\n"


# ---- charts -------------------------------------------------------------------------------------

def charts(run: dict, out_dir: str) -> list[str]:
    """ratio.png (ratio per workload) and scaling.png (time against size); none without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    paths = []
    table = [r for r in rows(run) if r["ratio"] is not None]
    if table:
        fig, ax = plt.subplots(figsize=(9, 0.28 * len(table) + 1.5))
        colors = ["#2a9d8f" if r["met"] else "#e76f51" if r["met"] is False else "#8d99ae" for r in table]
        ax.barh(range(len(table)), [r["ratio"] for r in table], color=colors)
        for i, r in enumerate(table):
            if r["target"] is not None:
                ax.plot([r["target"]] * 2, [i - 0.4, i + 0.4], color="black", lw=1.5)
        ax.axvline(1.0, color="grey", ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yticks(range(len(table)), [f"{r['workload']} [{r['device']}]" for r in table], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("minitorch time / torch time (log scale; black ticks: targets; green: met)")
        fig.tight_layout()
        paths.append(os.path.join(out_dir, "ratio.png"))
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    series = defaultdict(list)
    for (workload, framework, device), t in medians(run).items():
        m = re.match(r"^(matmul) (\d+)x\d+$", workload) or re.match(r"^(add|mul|exp|relu|gelu) (1e\+\d+)$", workload)
        if m:
            series[(m.group(1), framework, device)].append((float(m.group(2)), t))
    if series:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for (op, framework, device), points in sorted(series.items()):
            ax = axes[0] if op == "matmul" else axes[1]
            points.sort()
            ax.plot(*zip(*points), marker="o", ls="-" if framework == "minitorch" else "--",
                    label=f"{op} {framework} {device}")
        for ax, title, xlabel in ((axes[0], "matmul", "n (n x n)"), (axes[1], "elementwise", "elements")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("median time (s)")
            if ax.lines:
                ax.legend(fontsize=6)
        fig.tight_layout()
        paths.append(os.path.join(out_dir, "scaling.png"))
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths


def write_report(run: dict, out_dir: str, baseline: dict | None = None) -> str:
    os.makedirs(out_dir, exist_ok=True)
    images = charts(run, out_dir)
    path = os.path.join(out_dir, "REPORT.md")
    with open(path, "w") as f:
        f.write(markdown(run, baseline, images))
    return path


# ---- running ------------------------------------------------------------------------------------

def run_suite(bench_dir: str, json_path: str, extra_args=(), instructions: bool = True) -> dict:
    """Run the benchmarks serially (timings need the whole machine) and store the machine with them, and
    the per-op instruction counts when `instructions` and valgrind is there."""
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    cmd = [sys.executable, "-m", "pytest", bench_dir, "-p", "no:xdist", "-p", "no:cacheprovider", "-q",
           f"--benchmark-json={json_path}", "--benchmark-columns=median,iqr,rounds", *extra_args]
    started = time.time()
    # a clean pytest: none of a calling pytest's settings (an xdist worker's variables would disable the timings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    subprocess.run(cmd, check=True, env=env)
    run = load_run(json_path)
    for b in run["benchmarks"]:  # keep the statistics, not every round's raw time (megabytes of it)
        b["stats"].pop("data", None)
    if instructions and bench_instructions.available():
        run["minitorch_instructions"] = bench_instructions.measure()
    run["minitorch_machine"] = dict(machine_info(), **{"run took": f"{time.time() - started:.0f} s"})
    with open(json_path, "w") as f:
        json.dump(run, f, indent=1)
    return run


def main(args) -> int:
    if args.action == "run":
        run = run_suite(args.benchmarks, args.json, args.pytest_args, instructions=args.instructions)
        baseline = load_run(args.baseline) if args.baseline else None
    elif args.action == "report":
        run, baseline = load_run(args.run), (load_run(args.baseline) if args.baseline else None)
    else:  # compare
        run, baseline = load_run(args.run), load_run(args.baseline)
    path = write_report(run, args.out, baseline)
    print(open(path).read())
    print(f"report written to {path}")
    regressed = bench_instructions.regressions(run.get("minitorch_instructions") or {},
                                               (baseline or {}).get("minitorch_instructions"))
    if regressed:  # instruction counts repeat exactly, so a rise is real (timings are only marked)
        print(f"instruction count regressions against the baseline: {', '.join(regressed)}")
        return 1
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="run the benchmarks against torch and write a report with charts")
    actions = p.add_subparsers(dest="action")
    p.set_defaults(func=main, action="run", benchmarks="benchmarks", json="benchmarks/results/latest.json",
                   out="benchmarks/report", baseline=None, pytest_args=[], instructions=True)
    r = actions.add_parser("run", help="run the suite (the default) and write the report")
    r.add_argument("--benchmarks", default="benchmarks", help="the benchmark suite's folder")
    r.add_argument("--json", default="benchmarks/results/latest.json", help="where to save the run")
    r.add_argument("--baseline", help="an earlier run's JSON to compare against")
    r.add_argument("--out", default="benchmarks/report")
    r.add_argument("--no-instructions", dest="instructions", action="store_false",
                   help="skip the per-op instruction counts under callgrind (about 5 minutes)")
    r.add_argument("pytest_args", nargs="*", help="extra pytest arguments, e.g. -k matmul")
    r = actions.add_parser("report", help="write the report of a saved run")
    r.add_argument("run")
    r.add_argument("--baseline")
    r.add_argument("--out", default="benchmarks/report")
    r = actions.add_parser("compare", help="report a run against a baseline run, marking regressions")
    r.add_argument("run")
    r.add_argument("baseline")
    r.add_argument("--out", default="benchmarks/report")
