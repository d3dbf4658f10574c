# %% [markdown]
# # Benchmark report: minitorch's time against torch's, and against a baseline
#
# `benchmarks/` times each workload in minitorch and in torch in one run (pytest-benchmark; 2 threads
# each), and `minitorch bench` turns a run into a report of ratios, minitorch's time over torch's. This
# notebook runs a small set of those benchmarks now (briefly: a few rounds each), charts the ratios
# against their targets, and compares this run with the saved full run (`benchmarks/results/latest.json`),
# marking where minitorch got slower. Wall times on a shared machine swing; the ratio, measured in one
# run, is what to read.

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import minitorch
from minitorch import bench

repo = Path(minitorch.__file__).resolve().parents[1]
baseline = bench.load_run(repo / "benchmarks" / "results" / "latest.json")
print("baseline:", len(baseline["benchmarks"]), "timings;", baseline.get("minitorch_machine", {}).get("cpu", ""))

# %%
selection = "tiny_op_chain or (test_elementwise and relu) or test_reduction or test_layer_norm"
out = Path(tempfile.mkdtemp()) / "now.json"
# timings only: the per-op instruction counts (`minitorch bench` takes them under valgrind) are left to full runs
run = bench.run_suite(str(repo / "benchmarks"), str(out), ["-k", selection, "--benchmark-min-rounds=3",
                                                            "--benchmark-max-time=0.05", "--benchmark-warmup=off", "--color=no"],
                      instructions=False)
table = [r for r in bench.rows(run, baseline) if r["ratio"] is not None]
print(f"{'workload':40s} {'minitorch':>10s} {'torch':>10s} {'ratio':>6s} {'target':>6s} {'vs baseline':>11s}")
for r in table:
    change = "" if r["change"] is None else f"{r['change']:.2f}x" + ("  slower" if r["change"] > 1.3 else "")
    print(f"{r['workload']:40s} {r['minitorch'] * 1e6:8.1f}µs {r['torch'] * 1e6:8.1f}µs {r['ratio']:6.2f} "
          f"{'' if r['target'] is None else r['target']:>6} {change:>11s}")
assert table and all(r["minitorch"] > 0 and r["torch"] > 0 for r in table)

# %% [markdown]
# Ratios with their targets (black ticks), and minitorch's time now against the baseline's: a bar above
# 1.3 (the dashed line) is a slowdown worth an A/B rerun in one process before calling it a regression.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.35 * len(table) + 1.5), sharey=True)
names = [r["workload"] for r in table]
left.barh(names, [r["ratio"] for r in table],
          color=["#2a9d8f" if r["met"] else "#e76f51" if r["met"] is False else "#8d99ae" for r in table])
for i, r in enumerate(table):
    if r["target"] is not None:
        left.plot([r["target"]] * 2, [i - 0.4, i + 0.4], color="black", lw=2)
left.axvline(1.0, color="grey", ls="--"); left.set_xlabel("minitorch / torch"); left.invert_yaxis()
changes = [r["change"] or 0 for r in table]
right.barh(names, changes, color=["#e76f51" if c > 1.3 else "#2a9d8f" for c in changes])
right.axvline(1.3, color="grey", ls="--"); right.set_xlabel("now / baseline (minitorch's time)")
fig.tight_layout();

# %% [markdown]
# The same comparison as a report file, as `minitorch bench compare` writes it:

# %%
print(bench.markdown(run, baseline)[:1500])
