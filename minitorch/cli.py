"""The `minitorch` command: demo (train and compare with torch), parity (per-op table), bench, graph,
distributed run (start training processes), doctor (what this installation can use)."""
from __future__ import annotations

import argparse
import sys


def demo(args) -> int:
    from .demo import run
    return run(args.epochs)


def parity(args) -> int:
    """Run every registry spec against torch and print a per-op table."""
    from hypothesis import given, settings, strategies as st

    from minitorch.testing import load_all, run_spec
    specs = load_all()
    names = [n for n in sorted(specs) if not args.op or any(o in n for o in args.op)]
    failures = 0
    print(f"{'op':<28} {'family':<10} {'cases':>5} {'forward':>8} {'grad':>5} {'error':>6}  result")
    for name in names:
        spec = specs[name]
        counts = {"forward": 0, "grad": 0, "error": 0}

        @settings(max_examples=args.examples, deadline=None, database=None)
        @given(st.data())
        def check(data):
            dtype = data.draw(st.sampled_from(spec.dtypes))
            a, kw = spec.sample(data.draw, dtype)
            counts[run_spec(spec, a, kw, dtype, seed=data.draw(st.integers(0, 2**16)))] += 1

        try:
            check()
            result = "ok"
        except Exception as e:  # noqa: BLE001 - reported in the table
            failures += 1
            result = f"FAIL: {str(e).splitlines()[0][:60]}"
        total = sum(counts.values())
        print(f"{name:<28} {spec.family:<10} {total:>5} {counts['forward']:>8} {counts['grad']:>5} "
              f"{counts['error']:>6}  {result}")
    print(f"{len(names)} specs, {failures} failing")
    return 1 if failures else 0


def graph(args) -> int:
    """Show the graph of a small expression and step through its backward pass."""
    import minitorch as torch
    from minitorch.autograd.graph import Stepper, describe, to_dot
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss = ((x * w).tanh().sum() - 1) ** 2
    print("loss =", loss)
    if args.dot:
        print(to_dot(loss))
        return 0
    for step in Stepper(loss):
        print(describe(step))
    print("x.grad =", x.grad)
    print("w.grad =", w.grad)
    return 0


def doctor(args) -> int:
    from .doctor import main
    return main()


def distributed_run(args) -> int:
    from .distributed.run import run
    return run(args)


def main(argv=None) -> int:
    from .version import __version__
    parser = argparse.ArgumentParser(prog="minitorch", description=__doc__)
    parser.add_argument("--version", action="version", version=f"minitorch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train the course's TinyVGG in minitorch and in torch and compare")
    p.add_argument("--epochs", type=int, default=5)
    p.set_defaults(func=demo)
    p = sub.add_parser("parity", help="check every op against torch and print a table")
    p.add_argument("op", nargs="*", help="only specs whose name contains one of these")
    p.add_argument("--examples", type=int, default=20)
    p.set_defaults(func=parity)
    from .bench import add_parser as add_bench_parser
    add_bench_parser(sub)
    p = sub.add_parser("graph", help="print a small graph and step through its backward pass")
    p.add_argument("--dot", action="store_true", help="print Graphviz DOT instead")
    p.set_defaults(func=graph)
    p = sub.add_parser("doctor", help="versions, BLAS and threads, devices, and which optional tools work")
    p.set_defaults(func=doctor)
    p = sub.add_parser("distributed", help="start training processes (torchrun's options)")
    dsub = p.add_subparsers(dest="action", required=True)
    from .distributed.run import add_arguments
    p = dsub.add_parser("run", help="run a script on --nproc-per-node MPI ranks (and --nnodes nodes)")
    add_arguments(p)
    p.set_defaults(func=distributed_run)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
