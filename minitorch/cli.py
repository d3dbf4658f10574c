"""The `minitorch` command: demo (train and compare with torch), parity (per-op table), graph."""
from __future__ import annotations

import argparse
import sys
import time


def _digits():
    from sklearn.datasets import load_digits
    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    return x, data.target.astype("int64")


def train_mlp(lib, x_np, y_np, epochs=5, batch=64, hidden=32, lr=0.5, seed=0):
    """A 64-32-10 MLP written with raw tensors: the same code runs on minitorch and torch.

    Weights come from `randn` after `manual_seed(seed)` and batches from `randperm`, so
    both libraries start from the same numbers and see the same batches.
    """
    lib.manual_seed(seed)
    w1 = (lib.randn(64, hidden) * 0.1).requires_grad_()
    b1 = lib.zeros(hidden, requires_grad=True)
    w2 = (lib.randn(hidden, 10) * 0.1).requires_grad_()
    b2 = lib.zeros(10, requires_grad=True)
    params = [w1, b1, w2, b2]
    x, y = lib.from_numpy(x_np), lib.from_numpy(y_np)
    n = x.shape[0]
    losses = []
    for _ in range(epochs):
        order = lib.randperm(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            xb, yb = x[idx], y[idx]
            logits = (xb @ w1 + b1).tanh() @ w2 + b2
            logp = logits - logits.logsumexp(dim=1, keepdim=True)
            loss = -logp.gather(1, yb.unsqueeze(1)).mean()
            for p in params:
                p.grad = None
            loss.backward()
            with lib.no_grad():
                for p in params:
                    p.sub_(p.grad * lr)
            losses.append(loss.item())
    with lib.no_grad():
        pred = ((x @ w1 + b1).tanh() @ w2 + b2).argmax(dim=1)
        accuracy = (pred == y).float().mean().item()
    return losses, accuracy


def demo(args) -> int:
    import minitorch
    x, y = _digits()
    t0 = time.perf_counter()
    losses, acc = train_mlp(minitorch, x, y, epochs=args.epochs)
    t_mt = time.perf_counter() - t0
    print(f"minitorch: MLP 64-32-10 on scikit-learn's digits ({len(x)} images), {args.epochs} epochs, "
          f"{len(losses)} SGD steps in {t_mt:.2f}s; train accuracy {acc:.3f}")
    try:
        import torch
    except ImportError:
        print("torch is not installed: skipping the comparison (pip install 'minitorch[test]')")
        return 0
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    t_losses, t_acc = train_mlp(torch, x, y, epochs=args.epochs)
    t_th = time.perf_counter() - t0
    print(f"torch {torch.__version__}: same code, same seed: {t_th:.2f}s; train accuracy {t_acc:.3f}")
    print(f"{'step':>6} {'minitorch loss':>15} {'torch loss':>12} {'|diff|':>10}")
    every = max(len(losses) // 10, 1)
    for i in list(range(0, len(losses), every)) + [len(losses) - 1]:
        print(f"{i:6d} {losses[i]:15.6f} {t_losses[i]:12.6f} {abs(losses[i] - t_losses[i]):10.2e}")
    worst = max(abs(a - b) for a, b in zip(losses, t_losses))
    ok = worst < 1e-4 and abs(acc - t_acc) < 1e-3
    print(f"largest loss difference over {len(losses)} steps: {worst:.2e} -> "
          f"{'losses match torch' if ok else 'MISMATCH'}")
    return 0 if ok else 1


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="minitorch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train a small model in minitorch and in torch and compare the losses")
    p.add_argument("--epochs", type=int, default=5)
    p.set_defaults(func=demo)
    p = sub.add_parser("parity", help="check every op against torch and print a table")
    p.add_argument("op", nargs="*", help="only specs whose name contains one of these")
    p.add_argument("--examples", type=int, default=20)
    p.set_defaults(func=parity)
    p = sub.add_parser("graph", help="print a small graph and step through its backward pass")
    p.add_argument("--dot", action="store_true", help="print Graphviz DOT instead")
    p.set_defaults(func=graph)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
