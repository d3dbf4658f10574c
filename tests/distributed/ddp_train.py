"""Train a model with DistributedDataParallel on every rank of the job, and write, from rank 0, the
per-step losses (averaged over ranks) and the final parameters, and every rank's final buffers, to the .npz path given.

usage: ddp_train.py {mlp,tinyvgg} OUT.npz [--steps N] [--accumulate K] [--unused] [--batch B] [--lib torch]

With `--lib torch` the same script trains with torch's own DDP on gloo (start it with torchrun).

The data is a fixed tensor dataset; `DistributedSampler` splits it, so rank r's batch at step s is
rank r's share of the global batch s. tests/test_distributed.py replays the same training on one
process over the combined batches and compares.
"""
import argparse
import importlib
import sys

import numpy as np

from models import dataset, make_model

LIB = "torch" if "--lib" in sys.argv and sys.argv[sys.argv.index("--lib") + 1] == "torch" else "minitorch"
torch = importlib.import_module(LIB)
dist = importlib.import_module(f"{LIB}.distributed")
nn = torch.nn
DDP = importlib.import_module(f"{LIB}.nn.parallel").DistributedDataParallel
DataLoader = torch.utils.data.DataLoader
DistributedSampler = importlib.import_module(f"{LIB}.utils.data.distributed").DistributedSampler

parser = argparse.ArgumentParser()
parser.add_argument("--lib", default="minitorch")
parser.add_argument("model")
parser.add_argument("out")
parser.add_argument("--steps", type=int, default=3)
parser.add_argument("--batch", type=int, default=4, help="per-rank batch")
parser.add_argument("--accumulate", type=int, default=1, help="micro-batches per step, all but the last in no_sync")
parser.add_argument("--unused", action="store_true", help="add a layer the forward never uses")
parser.add_argument("--device", default="cpu")
parser.add_argument("--backend", default=None, help="mpi or nccl (default: mpi; gloo for torch)")
args = parser.parse_args()

dist.init_process_group(args.backend or ("gloo" if LIB == "torch" else "mpi"))
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(rank)  # different initial weights on each rank: DDP must copy rank 0's
model = make_model(args.model, unused=args.unused, lib=torch).to(args.device)
ddp = DDP(model, device_ids=[0] if args.device == "cuda" else None, find_unused_parameters=args.unused,
          bucket_cap_mb=0.01)  # small buckets: several in flight
opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
data = dataset(args.model, lib=torch)
sampler = DistributedSampler(data, shuffle=True, seed=3)
loader = DataLoader(data, batch_size=args.batch // args.accumulate, sampler=sampler)
loss_fn = nn.CrossEntropyLoss()
losses, batches = [], iter(loader)
for step in range(args.steps):
    opt.zero_grad()
    total = 0.0
    for micro in range(args.accumulate):
        x, y = next(batches)
        y = y.to(args.device)  # DDP moves the inputs of forward to device_ids[0]; the targets are ours
        if micro < args.accumulate - 1:
            with ddp.no_sync():
                loss = loss_fn(ddp(x), y) / args.accumulate
                loss.backward()
        else:
            loss = loss_fn(ddp(x), y) / args.accumulate
            loss.backward()
        total += loss.item()
    opt.step()
    mean = torch.tensor([total], device=args.device)
    dist.all_reduce(mean, op=dist.ReduceOp.AVG)
    losses.append(mean.item())
state = {k: v.detach().cpu().numpy() for k, v in ddp.state_dict().items()}
gathered = [None] * world
dist.all_gather_object(gathered, state)
if rank == 0:
    params = {name for name, _ in ddp.named_parameters()}
    for r in range(1, world):  # every rank ends with the same parameters (buffers hold each rank's last batch)
        for k in params:
            np.testing.assert_array_equal(gathered[r][k], state[k], err_msg=f"rank {r} differs at {k}")
    buffers = {f"rank{r}:{k}": gathered[r][k] for r in range(world) for k in state if k not in params}
    np.savez(args.out, losses=np.array(losses), **{f"param:{k}": state[k] for k in params}, **buffers)
dist.barrier()
dist.destroy_process_group()
