"""Data-parallel speed on this machine: all-reduce bandwidth and a DDP TinyVGG training step.

    python benchmarks/distributed_bench.py [--quick] [--out benchmarks/report/DISTRIBUTED.md]

It times a single-process TinyVGG step here (the machine's threads), then starts 2 ranks with
`minitorch distributed run` (one thread each) that time `dist.all_reduce` against mpi4py's own
Allreduce for sizes from 1e3 to 1e7 float32 elements, and a DDP step with the same per-rank batch.
Bus bandwidth follows nccl-tests' convention: 2(n-1)/n times the bytes over the time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [10**3, 10**4, 10**5, 10**6, 10**7]


def timed(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tinyvgg_step(batch, ddp=False):
    """A function running one TinyVGG (3x64x64, 10 hidden units, Adam) training step."""
    import minitorch as torch
    from minitorch.demo import tiny_vgg_class
    torch.manual_seed(0)
    model = tiny_vgg_class(torch.nn)(3, 10, 3, 64)
    if ddp:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 3, 64, 64)
    y = torch.randint(0, 3, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def worker(args):
    import minitorch as torch
    import minitorch.distributed as dist
    from mpi4py import MPI
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    result = {"world": dist.get_world_size(), "allreduce": []}
    repeat = 3 if args.quick else 20
    for n in SIZES[:3] if args.quick else SIZES:
        t = torch.ones(n)
        raw = np.ones(n, np.float32)

        def ours():
            dist.barrier()
            dist.all_reduce(t)

        def theirs():
            comm.Barrier()
            comm.Allreduce(MPI.IN_PLACE, raw, MPI.SUM)
        barrier = timed(lambda: comm.Barrier(), repeat)
        result["allreduce"].append({"n": n, "minitorch": timed(ours, repeat) - barrier,
                                    "mpi4py": timed(theirs, repeat) - barrier})
    step = tinyvgg_step(args.batch, ddp=True)
    dist.barrier()
    result["ddp_step"] = timed(step, 2 if args.quick else 10)
    if dist.get_rank() == 0:
        with open(args.json, "w") as f:
            json.dump(result, f)
    dist.barrier()
    dist.destroy_process_group()


def report(single, multi, batch) -> str:
    world = multi["world"]
    lines = ["# Data-parallel training on this machine", "",
             f"{world} MPI ranks on one machine (`minitorch distributed run`, one thread each); the single "
             "process uses the machine's threads.", "",
             "## all_reduce of float32 tensors (sum)", "",
             "| elements | minitorch | mpi4py Allreduce | minitorch bus bandwidth |", "|---:|---:|---:|---:|"]
    for row in multi["allreduce"]:
        seconds = max(row["minitorch"], 1e-9)
        bus = 2 * (world - 1) / world * row["n"] * 4 / seconds / 1e9
        lines.append(f"| {row['n']:.0e} | {row['minitorch'] * 1e6:.0f} us | {row['mpi4py'] * 1e6:.0f} us | "
                     f"{bus:.2f} GB/s |")
    lines += ["", f"## TinyVGG training step (3x64x64, Adam), batch {batch} per process", "",
              "| run | step time | images per second |", "|---|---:|---:|",
              f"| 1 process, batch {batch} | {single[batch] * 1e3:.1f} ms | {batch / single[batch]:.0f} |",
              f"| 1 process, batch {world * batch} | {single[world * batch] * 1e3:.1f} ms | "
              f"{world * batch / single[world * batch]:.0f} |",
              f"| DDP on {world} ranks, batch {batch} each | {multi['ddp_step'] * 1e3:.1f} ms | "
              f"{world * batch / multi['ddp_step']:.0f} |", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few sizes and repeats (proves it runs)")
    parser.add_argument("--out", default=os.path.join(HERE, "report", "DISTRIBUTED.md"))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    repeat = 2 if args.quick else 10
    single = {b: timed(tinyvgg_step(b), repeat) for b in (args.batch, 2 * args.batch)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "multi.json")
        cmd = [sys.executable, "-m", "minitorch.distributed.run", "--nproc-per-node", "2", __file__, "--worker",
               "--json", path, "--batch", str(args.batch)] + (["--quick"] if args.quick else [])
        subprocess.run(cmd, check=True)
        with open(path) as f:
            multi = json.load(f)
    text = report(single, multi, args.batch)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
