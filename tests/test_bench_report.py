"""The benchmark report: ratios, targets, baseline changes and charts from pytest-benchmark JSON."""
import json

from minitorch import bench


def _run(times):
    benchmarks = [{"group": group, "name": f"test[{fw}]", "extra_info": {"framework": fw, "device": "cpu"},
                   "stats": {"median": t}} for (group, fw), t in times.items()]
    return {"benchmarks": benchmarks, "minitorch_machine": {"cpu": "test cpu", "OPENBLAS_CORETYPE": "not set"}}


def test_report_table_targets_and_regressions(tmp_path):
    run = _run({("matmul 512x512", "minitorch"): 2e-3, ("matmul 512x512", "torch"): 2.5e-3,
                ("MLP 784-256-10 b128 SGD step", "minitorch"): 3e-3, ("MLP 784-256-10 b128 SGD step", "torch"): 2e-3,
                ("add 1e+07", "minitorch"): 10e-3, ("add 1e+07", "torch"): 9e-3})
    base = _run({("matmul 512x512", "minitorch"): 1e-3, ("MLP 784-256-10 b128 SGD step", "minitorch"): 3e-3})
    rows = {r["workload"]: r for r in bench.rows(run, base)}
    assert rows["matmul 512x512"]["ratio"] == 0.8 and rows["matmul 512x512"]["met"] is True
    assert rows["MLP 784-256-10 b128 SGD step"]["met"] is False and rows["MLP 784-256-10 b128 SGD step"]["target"] == 1.0
    assert rows["add 1e+07"]["target"] == 1.2 and rows["matmul 512x512"]["change"] == 2.0
    text = bench.markdown(run, base)
    assert "| matmul 512x512 | cpu | 2 ms | 2.5 ms | 0.80 | ≤ 1.05 | yes | **+100% regression** |" in text
    assert "Targets met: 2 of 3" in text and "- OPENBLAS_CORETYPE: not set" in text
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run))
    report = bench.write_report(bench.load_run(str(path)), str(tmp_path / "report"))
    content = open(report).read()
    assert "![ratio.png](ratio.png)" in content and (tmp_path / "report" / "ratio.png").stat().st_size > 1000
    assert bench.target_for("tiny-op chain (100 ops, 2x2) fwd+bwd") == 1.0 and bench.target_for("matmul 256x256") is None


def test_machine_info_names_what_makes_timings_comparable():
    info = bench.machine_info()
    for key in ("cpu", "cores", "blas", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "numpy", "torch", "minitorch"):
        assert key in info
