# %% [markdown]
# # Inside autograd
#
# minitorch builds torch's backward graph: the same nodes under the same names, with the same saved
# tensors and hooks. This notebook draws a graph, reads what its nodes saved, steps through backward
# one node at a time, and puts the same computation through torch beside it. Then it goes further:
# gradients of gradients, forward mode, `torch.func`, checkpointing, anomaly mode, the profiler and
# shadow-torch. Every claim that minitorch does what torch does is an `assert`.

# %%
import numpy as np

import minitorch as torch            # the library under study, under the name the course uses
import torch as pytorch              # the real torch, for comparison

def same(ours, theirs, tol=1e-6):
    """minitorch's tensor and torch's hold the same values."""
    return np.allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)

# %% [markdown]
# ## A small graph, drawn
# `y = tanh(w · x + b)` summed. Each op records a node; `draw` shows them (leaves by name, saved tensors
# on request) the way torchviz draws torch's graphs.

# %%
from minitorch.autograd.graph import draw

x = torch.tensor([0.5, -1.0, 2.0])
w = torch.tensor([0.3, 0.8, -0.5], requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
y = torch.tanh(w * x + b).sum()
draw(y, params={"w": w, "b": b}, show_saved=True)

# %% [markdown]
# The nodes' names are torch's. Walk both graphs from the output and compare:

# %%
def node_names(output):
    names, frontier, seen = [], [output.grad_fn], set()
    while frontier:
        node = frontier.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name())
        frontier += [n for n, _ in node.next_functions]
    return sorted(names)

tx, tw, tb = pytorch.tensor([0.5, -1.0, 2.0]), pytorch.tensor([0.3, 0.8, -0.5], requires_grad=True), \
    pytorch.tensor(0.1, requires_grad=True)
ty = pytorch.tanh(tw * tx + tb).sum()
print(node_names(y))
assert node_names(y) == node_names(ty)

# %% [markdown]
# ## What the nodes saved
# torch exposes each node's saved tensors as `_saved_<name>`: `TanhBackward0` keeps its own output
# (d tanh = 1 - y²), `MulBackward0` keeps only the factor that another input's gradient needs.

# %%
tanh_node = y.grad_fn.next_functions[0][0]
print(tanh_node.name(), tanh_node._saved_result)
assert same(tanh_node._saved_result, ty.grad_fn.next_functions[0][0]._saved_result)
mul_node = tanh_node.next_functions[0][0].next_functions[0][0]
torch_mul = ty.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
print(mul_node.name(), "saved self:", mul_node._saved_self, " saved other:", mul_node._saved_other)
# w's gradient needs x (other); x needs no gradient, so w (self) is not kept -- in torch neither
assert mul_node._saved_self is None and torch_mul._saved_self is None
assert same(mul_node._saved_other, torch_mul._saved_other)

# %% [markdown]
# Saved-tensor hooks see each tensor as it is saved and as backward reads it back:

# %%
from minitorch.autograd.graph import saved_tensors_hooks

packed = []
with saved_tensors_hooks(lambda t: packed.append(tuple(t.shape)) or t, lambda t: t):
    z = (torch.tanh(w * x + b) * w).sum()
print("saved:", packed)
tpacked = []
with pytorch.autograd.graph.saved_tensors_hooks(lambda t: tpacked.append(tuple(t.shape)) or t, lambda t: t):
    tz = (pytorch.tanh(tw * tx + tb) * tw).sum()
assert packed == tpacked

# %% [markdown]
# ## Stepping through backward
# `Stepper` runs the engine `backward()` runs, one node at a time, showing what each node received,
# what it saved and what it sent on.

# %%
from minitorch.autograd.graph import Stepper

stepper = Stepper(y, params={"w": w, "b": b})
for _ in range(3):
    print(stepper.step())
    print()

# %%
stepper.run()                      # the rest of the graph: the gradients arrive in .grad as backward() puts them
ty.backward()
print("w.grad", w.grad, "\ntorch ", tw.grad)
assert same(w.grad, tw.grad) and same(b.grad, tb.grad)

# %% [markdown]
# ## Gradients of gradients: Newton's method
# With `create_graph=True` the backward pass is itself recorded, so a derivative can be
# differentiated again. Newton's method finds a root of f(x) = x³ - 2x - 5 with f' from autograd,
# and the minimum of g(x) = x⁴ - 3x² + x with g' and g'' from autograd.

# %%
def newton(lib, f, x0, steps=8):
    x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
    path = [x0]
    for _ in range(steps):
        (slope,) = lib.autograd.grad(f(x), x)
        with lib.no_grad():
            x -= f(x) / slope
        path.append(x.item())
    return path

ours = newton(torch, lambda x: x ** 3 - 2 * x - 5, 2.0)
theirs = newton(pytorch, lambda x: x ** 3 - 2 * x - 5, 2.0)
print(ours[-1])
assert ours == theirs and abs(ours[-1] ** 3 - 2 * ours[-1] - 5) < 1e-12

def minimise(lib, g, x0, steps=8):
    x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
    for _ in range(steps):
        (d1,) = lib.autograd.grad(g(x), x, create_graph=True)
        (d2,) = lib.autograd.grad(d1, x)
        with lib.no_grad():
            x -= d1 / d2
    return x.item()

g = lambda x: x ** 4 - 3 * x ** 2 + x  # noqa: E731
assert minimise(torch, g, -1.5) == minimise(pytorch, g, -1.5)
print("minimum near", minimise(torch, g, -1.5))

# %% [markdown]
# A whole Hessian, with `autograd.functional` (reverse over reverse) and with `torch.func`
# (forward over reverse):

# %%
def energy(v):
    return (v.sin() * v.roll(1)).sum() + (v ** 4).sum() / 4

v = torch.tensor([0.3, -1.2, 0.8], dtype=torch.float64)
H = torch.autograd.functional.hessian(energy, v)
H_func = torch.func.hessian(energy)(v)
H_torch = pytorch.autograd.functional.hessian(energy, pytorch.tensor([0.3, -1.2, 0.8], dtype=pytorch.float64))
print(H)
assert same(H, H_torch) and same(H_func, H_torch)

# %% [markdown]
# ## Forward mode
# A dual tensor carries a tangent ẋ; each op pushes it forward, ẏ = J·ẋ, as it computes y. One pass
# gives a Jacobian-vector product, where reverse mode gives vector-Jacobian products.

# %%
import minitorch.autograd.forward_ad as fwAD

def jvp_of(lib, fw):
    with fw.dual_level():
        dual = fw.make_dual(lib.tensor([0.3, -1.2, 0.8], dtype=lib.float64),
                            lib.tensor([1.0, 0.0, 2.0], dtype=lib.float64))
        out = (dual.exp() * dual.sin()).cumsum(0)
        return fw.unpack_dual(out)

ours, theirs = jvp_of(torch, fwAD), jvp_of(pytorch, pytorch.autograd.forward_ad)
print(ours)
assert same(ours.tangent, theirs.tangent)

# %% [markdown]
# ## torch.func: per-sample gradients
# `vmap(grad(loss))` gives each sample's gradient of a model's loss; their mean is the batch gradient.

# %%
from minitorch.func import functional_call, grad, vmap

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
params = {k: p.detach() for k, p in model.named_parameters()}
inputs, targets = torch.randn(6, 4), torch.tensor([0, 1, 2, 2, 1, 0])

def sample_loss(params, x, t):
    logits = functional_call(model, params, (x.unsqueeze(0),))
    return torch.nn.functional.cross_entropy(logits, t.unsqueeze(0))

per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, inputs, targets)
print({k: tuple(g.shape) for k, g in per_sample.items()})
torch.nn.functional.cross_entropy(model(inputs), targets).backward()
assert same(per_sample["0.weight"].mean(0), model[0].weight.grad, 1e-5)

# %% [markdown]
# ## Checkpointing
# `checkpoint` keeps only a block's inputs and recomputes the block during backward, replaying the
# same random numbers, so dropout masks and gradients come out as without it.

# %%
from minitorch.utils.checkpoint import checkpoint

block = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.GELU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1))
data = torch.randn(5, 4)
torch.manual_seed(7)
block(data).sum().backward()
plain = block[0].weight.grad.clone()
block.zero_grad()
torch.manual_seed(7)
checkpoint(block, data, use_reentrant=False).sum().backward()
assert torch.equal(block[0].weight.grad, plain)
print("same gradient through the recomputed block")

# %% [markdown]
# ## Anomaly mode
# x·log(x) at x = 0 is 0, but its gradient is NaN. In anomaly mode backward stops at the node that
# produced the NaN and names it, as torch does.

# %%
def first_nan(lib):
    t = lib.tensor([0.0, 1.0], requires_grad=True)
    try:
        with lib.autograd.detect_anomaly():
            (t * t.log()).sum().backward()
    except RuntimeError as error:
        return str(error)

print(first_nan(torch))
assert first_nan(torch) == first_nan(pytorch)

# %% [markdown]
# ## The profiler
# torch's profiler API and table: forward ops as torch names them, backward nodes as the engine ran them.

# %%
with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
    loss = torch.nn.functional.cross_entropy(model(inputs), targets)
    loss.backward()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))
assert any(e.key == "aten::addmm" for e in prof.key_averages())

# %% [markdown]
# ## Shadow-torch: the first op where a model leaves torch
# `shadow` runs a model in minitorch and its torch twin from the same weights and names the first op
# whose values part. To see it work, plant a bug: make minitorch's tanh off by 1e-3.

# %%
from minitorch.ops.pointwise import Tanh
from minitorch.testing import shadow

print(shadow(lambda a, t: torch.nn.functional.cross_entropy(model(a), t), inputs, targets).first)

original = Tanh.f
Tanh.f = staticmethod(lambda xp, a: xp.tanh(a) + 1e-3)
try:
    report = shadow(lambda a, t: torch.nn.functional.cross_entropy(model(a), t), inputs, targets)
finally:
    Tanh.f = original
print(report)
assert report.first is not None and "tanh" in report.first.ours.name
