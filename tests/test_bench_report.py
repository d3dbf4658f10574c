"""The benchmark report: ratios, targets, baseline changes and charts from pytest-benchmark JSON."""
import json

import pytest

from minitorch import bench, bench_instructions


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
    assert bench.target_for("tiny-op chain (100 ops, 2x2) fwd+bwd") == 0.8 and bench.target_for("matmul 256x256") is None


def test_machine_info_names_what_makes_timings_comparable():
    info = bench.machine_info()
    for key in ("cpu", "cores", "blas", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "numpy", "torch", "minitorch"):
        assert key in info


def test_instruction_table_marks_regressions_and_compare_fails_on_them(tmp_path, capsys):
    from minitorch import bench_instructions as bi
    counts = {p: 1000 * bi.ITERATIONS * bi.CHAIN * k for p, k in
              (("forward", 30), ("record", 50), ("backward", 100), ("scalar", 0))}
    counts["scalar"] = 1000 * bi.ITERATIONS * bi.SCALAR_OPS * 25
    ours = bi.per_op(counts)
    assert ours["graph recording"] == 20 and ours["total per op (forward + backward)"] == 100
    assert ours["a * 0.5, no grad"] == 25
    theirs = {name: value / 2 for name, value in ours.items()}
    worse = {name: value * (1.1 if name == "graph recording" else 1.0) for name, value in ours.items()}
    measured, baseline = {"minitorch": worse, "torch": theirs}, {"minitorch": ours}
    assert bi.regressions(measured, baseline) == ["graph recording"]
    text = "\n".join(bi.markdown(measured, baseline))
    assert "| graph recording | 22.0 | 10.0 | 2.20 | **+10.0% regression** |" in text
    assert "| forward, no grad (chain) | 30.0 | 15.0 | 2.00 | +0.0% |" in text
    run, base = _run({("add 1e+07", "minitorch"): 1.0}), _run({("add 1e+07", "minitorch"): 1.0})
    run["minitorch_instructions"], base["minitorch_instructions"] = measured, baseline
    (tmp_path / "new.json").write_text(json.dumps(run))
    (tmp_path / "base.json").write_text(json.dumps(base))
    args = type("Args", (), {"action": "compare", "run": str(tmp_path / "new.json"),
                             "baseline": str(tmp_path / "base.json"), "out": str(tmp_path / "report")})
    assert bench.main(args) == 1
    assert "instruction count regressions against the baseline: graph recording" in capsys.readouterr().out
    base["minitorch_instructions"] = measured
    (tmp_path / "base.json").write_text(json.dumps(base))
    assert bench.main(args) == 0


@pytest.mark.skipif(not bench_instructions.available(), reason="valgrind or valgrind/callgrind.h is not installed")
def test_instruction_counts_exclude_start_up_and_scale_with_the_work():
    two, four = (bench_instructions.count("minitorch", "scalar", n) for n in (2, 4))
    per_op = (four - two) / 2 / bench_instructions.SCALAR_OPS
    assert abs(four - 2 * two) < 0.01 * four   # no start-up in either count: twice the work, twice the count
    assert 5_000 < per_op < 200_000            # one small multiply: thousands of instructions, not millions
