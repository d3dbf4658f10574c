# %% [markdown]
# # Parity report: minitorch against torch, op by op
#
# Every public op has a spec in `minitorch.testing` (its call, a sampler of inputs, its dtypes). The
# generic check `run_spec` runs one sampled call through torch and through minitorch and asserts:
#
# - **values**: the same shape, dtype, device and values (within the dtype's tolerance), or, when torch
#   raises, minitorch raises the same exception class;
# - **the graph**: the output's `grad_fn.name()` is torch's node name;
# - **gradients**: for a random output gradient, the input gradients agree (or both backwards refuse);
# - **forward mode**: with random tangents on the inputs, the outputs' tangents agree with torch's
#   forward AD (where torch has it).
#
# The test suite draws a hundred or so cases per spec with hypothesis; here a chosen set of ops gets
# a few dozen cases each, and the outcomes are tabled and charted.

# %%
import collections
import time

import matplotlib.pyplot as plt
from hypothesis import HealthCheck, given, settings, strategies as st

from minitorch.testing import load_all, run_spec

SPECS = load_all()
print(len(SPECS), "specs in the registry")
chosen = ["add", "mul", "matmul", "sum", "softmax", "tanh", "where", "gather", "cat", "max",
          "nn.functional.conv2d", "nn.functional.cross_entropy", "nn.functional.layer_norm",
          "nn.functional.gelu", "nn.functional.max_pool2d", "Tensor.view"]
chosen = [name for name in chosen if name in SPECS]

# %%
def check(name, examples=25):
    """Run `examples` sampled calls of one spec; count how each ended (run_spec's outcome, or a failure)."""
    spec, outcomes = SPECS[name], collections.Counter()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one(data):
        dtype = data.draw(st.sampled_from(spec.dtypes))
        args, kwargs = spec.sample(data.draw, dtype)
        try:
            outcomes[run_spec(spec, args, kwargs, dtype, seed=data.draw(st.integers(0, 2 ** 16)))] += 1
        except AssertionError as failure:
            outcomes[f"FAILED: {str(failure).splitlines()[0][:80]} with {args!r} {kwargs!r}"] += 1
    start = time.perf_counter()
    one()
    return outcomes, time.perf_counter() - start

results = {name: check(name) for name in chosen}
print(f"{'op':32s} {'cases':>5s} {'gradient':>8s} {'forward':>8s} {'error':>6s} {'failed':>6s} {'time':>7s}")
for name, (outcomes, seconds) in results.items():
    failed = sum(v for k, v in outcomes.items() if k.startswith("FAILED"))
    print(f"{name:32s} {sum(outcomes.values()):5d} {outcomes['grad']:8d} {outcomes['forward']:8d} "
          f"{outcomes['error'] + outcomes['backward error']:6d} {failed:6d} {seconds:6.2f}s")
failures = {name: [k for k in o if k.startswith("FAILED")] for name, (o, _) in results.items()}
assert not any(failures.values()), failures

# %% [markdown]
# "gradient": values, node name, gradients and forward-mode tangents compared; "forward": values and node
# name (integer inputs, or nothing differentiable); "error": torch raised, and minitorch raised the same
# class.

# %%
names = list(results)
kinds = [("grad", "gradient checked"), ("forward", "values only"), ("error", "same error")]
bottom = [0] * len(names)
plt.figure(figsize=(9, 3.5))
for key, label in kinds:
    counts = [results[n][0][key] + (results[n][0]["backward error"] if key == "error" else 0) for n in names]
    plt.bar(names, counts, bottom=bottom, label=label)
    bottom = [b + c for b, c in zip(bottom, counts)]
plt.xticks(rotation=60, ha="right", fontsize=8); plt.ylabel("sampled calls"); plt.legend(fontsize=8)
plt.title("parity outcomes per op (all agreed with torch)"); plt.tight_layout();
