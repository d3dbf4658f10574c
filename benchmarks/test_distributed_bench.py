"""The data-parallel benchmark runs end to end (quick mode: few sizes and repeats)."""
import subprocess
import sys
from pathlib import Path


def test_distributed_benchmark_writes_its_report(tmp_path):
    out = tmp_path / "DISTRIBUTED.md"
    script = Path(__file__).parent / "distributed_bench.py"
    subprocess.run([sys.executable, str(script), "--quick", "--batch", "4", "--out", str(out)], check=True,
                   timeout=300)
    text = out.read_text()
    assert "| 1e+03 |" in text and "mpi4py Allreduce" in text
    assert "| DDP on 2 ranks, batch 4 each |" in text
