"""Train the course's TinyVGG on scikit-learn's digits with DistributedDataParallel.

    minitorch distributed run --nproc-per-node 2 examples/ddp_tinyvgg.py --epochs 3

Each process trains on its share of every batch (DistributedSampler); DDP averages the gradients
during backward, so every process takes the same optimiser steps. Rank 0 reports progress and the
test accuracy.
"""
import argparse
import time

import minitorch as torch
import minitorch.distributed as dist
from minitorch.demo import ProgressBar, tiny_vgg_class
from minitorch.nn.parallel import DistributedDataParallel as DDP
from minitorch.utils.data import DataLoader, DistributedSampler, TensorDataset
from minitorch.vision.datasets import Digits

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=32, help="the global batch, split between the ranks")
parser.add_argument("--lr", type=float, default=0.003)
args = parser.parse_args()

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()

digits = Digits()
images = (digits.data.float() / 255.0).unsqueeze(1)
data = TensorDataset(images, digits.targets)
train, test = torch.utils.data.random_split(data, [0.8, 0.2], generator=torch.manual_seed(42))
sampler = DistributedSampler(train, shuffle=True, seed=42)
loader = DataLoader(train, batch_size=args.batch_size // world, sampler=sampler)

torch.manual_seed(42)
model = DDP(tiny_vgg_class(torch.nn)(1, 10, 10, images.shape[-1]))
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
loss_fn = torch.nn.CrossEntropyLoss()

for epoch in range(args.epochs):
    sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
    model.train()
    bar = ProgressBar(len(loader), f"epoch {epoch + 1}/{args.epochs}")
    start = time.perf_counter()
    for step, (X, y) in enumerate(loader, 1):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if rank == 0:
            bar.show(step, f"loss {loss.item():.4f}")
    seconds = time.perf_counter() - start
    model.eval()
    correct = 0
    with torch.inference_mode():
        for X, y in DataLoader(test, batch_size=64):
            correct += (model(X).argmax(dim=1) == y).sum().item()
    if rank == 0:
        bar.show(len(loader), f"loss {loss.item():.4f}  test accuracy {correct / len(test):.3f}  "
                              f"{seconds:.2f}s on {world} processes", final=True)

dist.barrier()
dist.destroy_process_group()
