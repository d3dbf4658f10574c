"""Run on 2 ranks: DDP's refusals and its gradient_as_bucket_view, checked on every rank.

Prints `rank R: N checks passed`.
"""
import minitorch as torch
import minitorch.distributed as dist
from minitorch import nn
from minitorch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
rank = dist.get_rank()
checks = 0

# a different model on one rank: refused on every rank at construction
try:
    DDP(nn.Linear(4, 3 + rank))
except RuntimeError as e:
    assert "DDP expects same model across all ranks" in str(e), e
    checks += 1
else:
    raise AssertionError("DDP accepted different models")


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.spare = nn.Linear(4, 2), nn.Linear(4, 2)

    def forward(self, x):
        return self.used(x)


# a parameter without a gradient, without find_unused_parameters: torch's error at the next forward
model = DDP(TwoHeads())
x = torch.ones(3, 4) * (rank + 1)
model(x).sum().backward()
try:
    model(x)
except RuntimeError as e:
    assert "Expected to have finished reduction in the prior iteration" in str(e) and "2 3" in str(e), e
    checks += 1
else:
    raise AssertionError("an unfinished reduction went unnoticed")

# gradient_as_bucket_view: .grad is a view into the bucket and holds the average over ranks
torch.manual_seed(0)
lin = nn.Linear(4, 2)
model = DDP(lin, gradient_as_bucket_view=True)
model(x).sum().backward()
expected_weight_grad = torch.ones(2, 4) * 3 * 1.5  # rows of x are rank+1: mean over ranks of 3*(rank+1)
assert torch.equal(lin.weight.grad, expected_weight_grad), lin.weight.grad
assert lin.weight.grad._base is not None  # a view (of the bucket's flat tensor)
model(x).sum().backward()  # accumulates in the bucket itself, then averages again
assert torch.equal(lin.weight.grad, expected_weight_grad * 2), lin.weight.grad
checks += 2

# no_sync: gradients stay local until a synchronised backward
lin.weight.grad = None
with model.no_sync():
    model(x).sum().backward()
assert torch.equal(lin.weight.grad, torch.ones(2, 4) * 3 * (rank + 1))
checks += 1

dist.barrier()
dist.destroy_process_group()
print(f"rank {rank}: {checks} checks passed", flush=True)
