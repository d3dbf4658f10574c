"""The `minitorch` command, the front door to the instruments.

demo      train the course's TinyVGG in minitorch and in torch and compare
parity    check ops against torch and print (or write) a per-op table
bench     time the benchmarks against torch; `bench compare` marks regressions
graph     draw an expression's graph; step through its backward pass
trace     run a script printing every op
profile   run a script under the profiler: torch's table, a Chrome trace
shadow    run a torch script with torch and with minitorch: the first op that differs
run       run a torch script on minitorch
doctor    versions, BLAS and threads, devices, and which optional tools work
distributed run   start data-parallel training processes
"""
from __future__ import annotations

import argparse
import collections
import os
import sys


def demo(args) -> int:
    from .demo import run
    return run(args.epochs)


def parity(args) -> int:
    """Run every registry spec (or those named) against torch and print a per-op table."""
    from hypothesis import given, settings, strategies as st

    from minitorch.testing import load_all, run_spec
    specs = load_all()
    wanted = list(args.op) + list(args.ops or [])
    names = [n for n in sorted(specs) if not wanted or any(o in n for o in wanted)]
    if not names:
        print(f"no spec matches {wanted}", file=sys.stderr)
        return 2
    rows, failures = [], 0
    header = f"{'op':<28} {'family':<10} {'cases':>5} {'forward':>8} {'grad':>5} {'error':>6}  result"
    print(header)
    for name in names:
        spec = specs[name]
        counts = collections.Counter()  # "forward", "grad", "error", "backward error" (torch's backward refuses)

        @settings(max_examples=args.examples, deadline=None, database=None)
        @given(st.data())
        def check(data):
            dtype = data.draw(st.sampled_from(spec.dtypes))
            a, kw = spec.sample(data.draw, dtype)
            counts[run_spec(spec, a, kw, dtype, seed=data.draw(st.integers(0, 2**16)), device=args.device)] += 1

        try:
            check()
            result = "ok"
        except Exception as e:  # noqa: BLE001 - reported in the table
            failures += 1
            result = f"FAIL: {str(e).splitlines()[0][:60]}"
        errors = counts["error"] + counts["backward error"]
        rows.append((name, spec.family, sum(counts.values()), counts["forward"], counts["grad"], errors, result))
        print(f"{name:<28} {spec.family:<10} {rows[-1][2]:>5} {counts['forward']:>8} {counts['grad']:>5} "
              f"{errors:>6}  {result}")
    print(f"{len(names)} specs, {failures} failing")
    if args.report:
        _write_parity_report(args.report, rows, args)
        print(f"report written to {args.report}")
    return 1 if failures else 0


def _write_parity_report(path: str, rows: list, args) -> None:
    """The parity table as Markdown: one row per spec, the cases by outcome, and the result."""
    from .version import __version__
    lines = [f"# minitorch {__version__} against torch: parity on {args.device}", "",
             f"{len(rows)} specs, {args.examples} sampled cases each; a case checks values and dtypes (forward), "
             "also gradients (grad), or that both libraries raise the same exception class (error).", "",
             "| op | family | cases | forward | grad | error | result |", "|---|---|---:|---:|---:|---:|---|"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {r[6].replace('|', '/')} |" for r in rows]
    failing = sum(1 for r in rows if r[6] != "ok")
    lines += ["", f"**{len(rows) - failing} of {len(rows)} specs pass.**", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def graph(args) -> int:
    """Draw an expression's graph (text, DOT or a picture) and step through its backward pass."""
    from .graph_cli import run
    return run(args)


def _script_runner(args):
    """Run the user's script as `python SCRIPT ARGS` would, with `import torch` giving minitorch."""
    from .torch_alias import run_script
    return lambda: run_script(args.script, args.script_args)


def trace(args) -> int:
    """Run a script printing every op it runs (the forward tracer)."""
    from .autograd.tracer import trace as tracer
    with tracer(level=args.level, file=sys.stdout):
        _script_runner(args)()
    return 0


def profile(args) -> int:
    """Run a script under the profiler and print torch's table of it."""
    from .profiler import ProfilerActivity, profile as profiler
    with profiler(activities=[ProfilerActivity.CPU], record_shapes=args.record_shapes) as prof:
        _script_runner(args)()
    averages = prof.key_averages(group_by_input_shape=args.record_shapes)
    print(averages.table(sort_by=args.sort_by, row_limit=args.row_limit))
    if args.chrome_trace:
        prof.export_chrome_trace(args.chrome_trace)
        print(f"Chrome trace written to {args.chrome_trace} (open it in ui.perfetto.dev or chrome://tracing)")
    return 0


def shadow(args) -> int:
    """Run a torch training script with torch and with minitorch; report the first op that differs."""
    from .testing.shadow_script import shadow_script
    report = shadow_script(args.script, args.script_args, steps=args.steps, rtol=args.rtol, atol=args.atol)
    print(report if args.table else report.summary())
    return 0 if report.matched else 1


def run(args) -> int:
    _script_runner(args)()
    return 0


def _add_script_arguments(p) -> None:
    p.add_argument("script", help="a Python script (`import torch` in it gives minitorch)")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")


def doctor(args) -> int:
    from .doctor import main
    return main()


def distributed_run(args) -> int:
    from .distributed.run import run
    return run(args)


def main(argv=None) -> int:
    from .version import __version__
    parser = argparse.ArgumentParser(prog="minitorch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"minitorch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train the course's TinyVGG in minitorch and in torch and compare")
    p.add_argument("--epochs", type=int, default=5)
    p.set_defaults(func=demo)
    p = sub.add_parser("parity", help="check every op against torch and print a table")
    p.add_argument("ops", nargs="*", help="only specs whose name contains one of these")
    p.add_argument("--op", action="append", default=[], help="only specs whose name contains this (repeatable)")
    p.add_argument("--device", default="cpu", help="run minitorch on this device (cpu or cuda)")
    p.add_argument("--report", help="also write the table as Markdown to this file")
    p.add_argument("--examples", type=int, default=20)
    p.set_defaults(func=parity)
    from .bench import add_parser as add_bench_parser
    add_bench_parser(sub)
    p = sub.add_parser("graph", help="draw an expression's graph and step through its backward pass")
    from .graph_cli import add_arguments as add_graph_arguments
    add_graph_arguments(p)
    p.set_defaults(func=graph)
    p = sub.add_parser("trace", help="run a script printing every op (shapes, dtypes, device; time; line)")
    p.add_argument("--level", type=int, choices=(1, 2, 3), default=1)
    _add_script_arguments(p)
    p.set_defaults(func=trace)
    p = sub.add_parser("profile", help="run a script under the profiler and print torch's table")
    p.add_argument("--sort-by", default="self_cpu_time_total")
    p.add_argument("--row-limit", type=int, default=20)
    p.add_argument("--record-shapes", action="store_true", help="one row per op and input shapes")
    p.add_argument("--chrome-trace", help="also write a Chrome/Perfetto trace to this file")
    _add_script_arguments(p)
    p.set_defaults(func=profile)
    p = sub.add_parser("shadow", help="run a torch script with torch and with minitorch; name the first op that differs")
    p.add_argument("--steps", type=int, default=1, help="optimizer steps to run (default 1)")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--table", action="store_true", help="also print the per-op error table")
    _add_script_arguments(p)
    p.set_defaults(func=shadow)
    p = sub.add_parser("run", help="run a torch script on minitorch (`import torch` gives minitorch)")
    _add_script_arguments(p)
    p.set_defaults(func=run)
    p = sub.add_parser("doctor", help="versions, BLAS and threads, devices, and which optional tools work")
    p.set_defaults(func=doctor)
    p = sub.add_parser("distributed", help="start training processes (torchrun's options)")
    dsub = p.add_subparsers(dest="action", required=True)
    from .distributed.run import add_arguments
    p = dsub.add_parser("run", help="run a script on --nproc-per-node MPI ranks (and --nnodes nodes)")
    add_arguments(p)
    p.set_defaults(func=distributed_run)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (`minitorch trace ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
