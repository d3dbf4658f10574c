"""`minitorch distributed run` (also `python -m minitorch.distributed.run`): torchrun for minitorch.

It starts `--nproc-per-node` copies of a script as the ranks of one MPI job, through the `mpiexec`
of the MPI library that mpi4py uses, each with torchrun's variables (RANK, LOCAL_RANK, WORLD_SIZE,
LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT). With `--nnodes M`, one launcher runs on
each node: node 0's serves the rendezvous store at --master-addr:--master-port, and
`init_process_group` joins the nodes' MPI jobs into one world. When a rank fails, MPI stops the
others on its node, the launcher marks the failure in the store so the other nodes stop too, and it
exits non-zero; `--timeout` stops the whole run after that many seconds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta

from ._linux import die_with_parent
from .store import TCPStore

EXIT_TIMEOUT = 124  # what `timeout(1)` returns


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1, help="ranks on this node")
    p.add_argument("--nnodes", type=int, default=1, help="number of nodes (one launcher each)")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0, help="this node's index")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1", help="node 0's address")
    p.add_argument("--master-port", "--master_port", type=int, default=None,
                   help="the rendezvous port on node 0 (default: 29500 with several nodes, a free port with one)")
    p.add_argument("--timeout", type=float, default=None, help="stop every rank after this many seconds")
    p.add_argument("script", help="the training script")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")


def mpiexec_path() -> str | None:
    """MPI's launcher: next to this Python (the mpich wheel puts it there), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


def find_mpiexec() -> str:
    found = mpiexec_path()
    if found is None:
        raise SystemExit("minitorch distributed run: no mpiexec found; pip install 'minitorch[distributed]' "
                         "(mpi4py and the mpich wheel)")
    return found


def rank_env(args, master_port: int, local_rank: int) -> dict:
    """torchrun's variables for one rank."""
    world = args.nnodes * args.nproc_per_node
    return {"RANK": args.node_rank * args.nproc_per_node + local_rank, "LOCAL_RANK": local_rank,
            "WORLD_SIZE": world, "LOCAL_WORLD_SIZE": args.nproc_per_node, "GROUP_RANK": args.node_rank,
            "GROUP_WORLD_SIZE": args.nnodes, "MASTER_ADDR": args.master_addr, "MASTER_PORT": master_port,
            "MINITORCH_AGENT_STORE": 1}


def mpiexec_command(args, master_port: int) -> list[str]:
    """One mpiexec, one section per rank (MPMD form), so each rank gets its own variables."""
    cmd = [find_mpiexec()]
    if args.nproc_per_node > 1:
        cmd += ["-genv", "OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1")]
    for local_rank in range(args.nproc_per_node):
        if local_rank:
            cmd.append(":")
        cmd += ["-n", "1"]
        for name, value in rank_env(args, master_port, local_rank).items():
            cmd += ["-env", name, str(value)]
        cmd += [sys.executable, "-m", "minitorch.distributed.worker", args.script, *args.script_args]
    return cmd


def run(args) -> int:
    if args.nproc_per_node < 1 or args.nnodes < 1 or not 0 <= args.node_rank < args.nnodes:
        raise SystemExit("minitorch distributed run: need --nproc-per-node >= 1, --nnodes >= 1 and "
                         "0 <= --node-rank < --nnodes")
    port = args.master_port if args.master_port is not None else (29500 if args.nnodes > 1 else 0)
    try:
        store = TCPStore(args.master_addr, port, is_master=args.node_rank == 0, timeout=timedelta(seconds=300),
                         wait_for_workers=False)
    except OSError as e:
        raise SystemExit(f"minitorch distributed run: cannot serve the rendezvous store at "
                         f"{args.master_addr}:{port}: {e} (choose another --master-port)") from None
    if args.nproc_per_node > 1 and "OMP_NUM_THREADS" not in os.environ:
        print(f"minitorch distributed run: setting OMP_NUM_THREADS=1 for each of the {args.nproc_per_node} "
              "ranks, as torchrun does", file=sys.stderr)
    # mpiexec dies with this launcher even when it is killed outright; a TERM stops the ranks first
    job = subprocess.Popen(mpiexec_command(args, store.port), start_new_session=True,
                           preexec_fn=lambda: die_with_parent(signal.SIGKILL))
    signal.signal(signal.SIGTERM, _terminated)
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    code = None
    try:
        while code is None:
            code = _poll(job, store, args, deadline)
    finally:
        if job.poll() is None:
            _stop(job)
    if code != 0:
        _mark_failed(store, args.node_rank)
        time.sleep(0.5 if args.node_rank == 0 and args.nnodes > 1 else 0)  # let the other nodes read it
    store.close()
    return code


def _terminated(signum, frame):
    raise SystemExit(128 + signum)  # run()'s `finally` stops the ranks


def _poll(job, store, args, deadline):
    """The run's exit code once it is over, else None (after a short wait)."""
    try:
        code = job.wait(timeout=0.2)
        return code if code >= 0 else 128 - code
    except subprocess.TimeoutExpired:
        pass
    if deadline is not None and time.monotonic() > deadline:
        print(f"minitorch distributed run: timed out after {args.timeout:g} s, stopping every rank", file=sys.stderr)
        _stop(job)
        return EXIT_TIMEOUT
    if args.nnodes > 1:
        try:
            failed = store.check(["failed"])
        except Exception:  # node 0's store is gone: node 0 has ended, so this run cannot go on
            failed = True
        if failed:
            print("minitorch distributed run: another node failed, stopping this node's ranks", file=sys.stderr)
            _stop(job)
            return 1
    return None


def _mark_failed(store, node_rank) -> None:
    try:
        store.set("failed", str(node_rank))
    except Exception:  # the store went down with node 0: the other nodes see that instead
        pass


def _stop(job) -> None:
    """Stop mpiexec and every rank it started: TERM, then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(job.pid, sig)
        except ProcessLookupError:
            return
        try:
            job.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            continue


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="minitorch distributed run", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
