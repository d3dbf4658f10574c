"""Run on 2 ranks (on the CUDA device): SyncBatchNorm against BatchNorm on the whole batch in one process.

Rank 0 holds 5 samples and rank 1 holds 3, so the combined statistics must weight each rank by its
count. Every rank checks its outputs, input gradients, the running statistics and (summed over ranks)
the parameter gradients against the single-process reference, then that a CPU input is refused.
Prints `rank R: N checks passed`.
"""
import sys

import numpy as np

import minitorch as torch
import minitorch.distributed as dist
from minitorch import nn

BACKEND = sys.argv[1] if len(sys.argv) > 1 else "nccl"
dist.init_process_group(BACKEND)
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2
rows = [slice(0, 5), slice(5, 8)][rank]
checks = 0

rng = np.random.default_rng(0)
x = (rng.standard_normal((8, 3, 2, 2)) * 2 + 1).astype(np.float32)
dy = rng.standard_normal((8, 3, 2, 2)).astype(np.float32)


def layer(kind):
    m = kind(3, momentum=0.3).to("cuda")
    with torch.no_grad():
        m.weight.copy_(torch.tensor([1.5, -0.5, 2.0]))
        m.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    return m


def close(got, want, what):
    global checks
    np.testing.assert_allclose(got.detach().cpu().numpy(), want, rtol=1e-5, atol=1e-5, err_msg=what)
    checks += 1


reference = layer(nn.BatchNorm2d)
xr = torch.tensor(x, device="cuda", requires_grad=True)
out_r = reference(xr)
out_r.backward(torch.tensor(dy, device="cuda"))

synced = layer(nn.SyncBatchNorm)
xs = torch.tensor(x[rows], device="cuda", requires_grad=True)
out = synced(xs)
assert out.grad_fn.name() == "SyncBatchNormBackward", out.grad_fn.name()
out.backward(torch.tensor(dy[rows], device="cuda"))
close(out, out_r.detach().cpu().numpy()[rows], "output")
close(xs.grad, xr.grad.cpu().numpy()[rows], "input gradient")
close(synced.running_mean, reference.running_mean.cpu().numpy(), "running mean")
close(synced.running_var, reference.running_var.cpu().numpy(), "running variance")
for name in ("weight", "bias"):  # each rank's gradient is its own samples' part: their sum is the whole
    total = getattr(synced, name).grad.clone()
    dist.all_reduce(total)
    close(total, getattr(reference, name).grad.cpu().numpy(), f"{name} gradient summed over ranks")

# evaluation mode normalises with the running statistics, without communicating
synced.eval(), reference.eval()
with torch.no_grad():
    close(synced(torch.tensor(x[rows], device="cuda")), reference(torch.tensor(x, device="cuda")).cpu().numpy()[rows],
          "evaluation output")

try:
    nn.SyncBatchNorm(3)(torch.ones(4, 3))
except ValueError as e:
    assert "SyncBatchNorm expected input tensor to be on GPU" in str(e), e
    checks += 1
else:
    raise AssertionError("a CPU input was synchronised")

print(f"rank {rank}: {checks} checks passed", flush=True)
dist.destroy_process_group()
