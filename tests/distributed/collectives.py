"""Run on 2+ ranks: every collective, dtype and ReduceOp against a NumPy reference.

Each rank's input is a known function of its rank, so the reference is computed locally.
Prints one line per rank: `rank R: N checks passed`.
"""
import sys

import numpy as np

import minitorch as torch
import minitorch.distributed as dist

DEVICE = sys.argv[1] if len(sys.argv) > 1 else "cpu"
BACKEND = sys.argv[2] if len(sys.argv) > 2 else "mpi"
dist.init_process_group(BACKEND)
rank, world = dist.get_rank(), dist.get_world_size()
checks = 0


def data(r, dtype, shape=(2, 3)):
    """Rank r's input: small values that sum, multiply and compare exactly in every dtype."""
    base = (np.arange(int(np.prod(shape))).reshape(shape) % 3) + r + 1
    if dtype == "bool":
        return ((base + r) % 2).astype(bool)
    return base.astype(dtype)


def check(got, want):
    global checks
    got = got.cpu().numpy()
    assert got.dtype == np.asarray(want).dtype, (got.dtype, np.asarray(want).dtype)
    np.testing.assert_array_equal(got, want)
    checks += 1


def t(array):
    return torch.from_numpy(np.ascontiguousarray(array)).to(DEVICE)


every = np.stack([data(r, "float32") for r in range(world)])
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "uint8", "int8", "bool"]
if BACKEND == "nccl":
    DTYPES.remove("int16")  # NCCL has no 16-bit integers (checked below)
REFS = {dist.ReduceOp.SUM: lambda a: a.sum(0), dist.ReduceOp.PRODUCT: lambda a: a.prod(0),
        dist.ReduceOp.MIN: lambda a: a.min(0), dist.ReduceOp.MAX: lambda a: a.max(0)}
BITWISE = {dist.ReduceOp.BAND: np.bitwise_and.reduce, dist.ReduceOp.BOR: np.bitwise_or.reduce,
           dist.ReduceOp.BXOR: np.bitwise_xor.reduce}
for dtype in DTYPES:
    stacked = np.stack([data(r, dtype) for r in range(world)])
    for op, ref in REFS.items():
        x = t(data(rank, dtype))
        dist.all_reduce(x, op=op)
        if dtype == "bool":
            want = stacked.all(0) if op in (dist.ReduceOp.MIN, dist.ReduceOp.PRODUCT) else stacked.any(0)
        else:
            want = ref(stacked).astype(dtype)
        check(x, want)
    if dtype != "bool":
        x = t(data(rank, dtype))
        dist.all_reduce(x, op=dist.ReduceOp.AVG)
        total = stacked.sum(0)
        want = (total / world).astype(dtype) if dtype.startswith("float") else np.trunc(total / world).astype(dtype)
        check(x, want)
    if dtype[0] in "iu" and BACKEND == "mpi":
        for op, ref in BITWISE.items():
            x = t(data(rank, dtype))
            dist.all_reduce(x, op=op)
            check(x, ref(stacked, axis=0).astype(dtype))
    # the data-moving collectives in every dtype
    for src in range(world):
        x = t(data(rank, dtype))
        dist.broadcast(x, src=src)
        check(x, data(src, dtype))
    outs = [t(np.zeros((2, 3), dtype)) for _ in range(world)]
    dist.all_gather(outs, t(data(rank, dtype)))
    for r, o in enumerate(outs):
        check(o, data(r, dtype))
    root = world - 1
    lst = [t(np.zeros((2, 3), dtype)) for _ in range(world)] if rank == root else None
    dist.gather(t(data(rank, dtype)), lst, dst=root)
    if rank == root:
        for r, o in enumerate(lst):
            check(o, data(r, dtype))
    out = t(np.zeros((2, 3), dtype))
    dist.scatter(out, [t(data(r, dtype)) for r in range(world)] if rank == root else None, src=root)
    check(out, data(rank, dtype))
    if dtype != "bool":
        out = t(np.zeros((2, 3), dtype))
        dist.reduce_scatter(out, [t(data(rank, dtype) + k) for k in range(world)], op=dist.ReduceOp.MAX)
        check(out, (stacked + rank).max(0).astype(dtype))

if BACKEND == "nccl":
    for bad, message in ((lambda: dist.all_reduce(t(np.ones(2, np.int16))), "NCCL has no int16"),
                         (lambda: dist.all_reduce(t(np.ones(2, np.int32)), op=dist.ReduceOp.BXOR),
                          "NCCL does not support BXOR")):
        try:
            bad()
        except (TypeError, ValueError) as e:
            assert message in str(e), e
            checks += 1
        else:
            raise AssertionError(message)

# non-contiguous tensors are reduced in place through a staging copy
x = t(data(rank, "float32", (3, 2))).t()
dist.all_reduce(x)
check(x, np.stack([data(r, "float32", (3, 2)) for r in range(world)]).sum(0).T)

# async work handles
x = t(data(rank, "float64"))
work = dist.all_reduce(x, async_op=True)
assert work.wait() is True and work.is_completed()
check(x, np.stack([data(r, "float64") for r in range(world)]).sum(0))

# reduce to every destination: only the destination's tensor changes
for dst in range(world):
    x = t(data(rank, "float32"))
    dist.reduce(x, dst=dst, op=dist.ReduceOp.MAX)
    check(x, every.max(0) if rank == dst else data(rank, "float32"))

# all_gather and all_gather_into_tensor
outs = [t(np.zeros((2, 3), np.float32)) for _ in range(world)]
dist.all_gather(outs, t(data(rank, "float32")))
for r, o in enumerate(outs):
    check(o, data(r, "float32"))
out = t(np.zeros((2 * world, 3), np.float32))
dist.all_gather_into_tensor(out, t(data(rank, "float32")))
check(out, every.reshape(2 * world, 3))

# reduce_scatter (list and tensor forms): rank r gets the sum of everyone's r-th part
parts = [t(data(rank, "float32") * (k + 1)) for k in range(world)]
out = t(np.zeros((2, 3), np.float32))
dist.reduce_scatter(out, parts)
check(out, every.sum(0) * (rank + 1))
big = t(np.concatenate([data(rank, "float32") * (k + 1) for k in range(world)]))
out = t(np.zeros((2, 3), np.float32))
dist.reduce_scatter_tensor(out, big, op=dist.ReduceOp.AVG)
check(out, (every.sum(0) * (rank + 1) / world).astype(np.float32))

# gather and scatter with every root
for root in range(world):
    lst = [t(np.zeros((2, 3), np.float32)) for _ in range(world)] if rank == root else None
    dist.gather(t(data(rank, "float32")), lst, dst=root)
    if rank == root:
        for r, o in enumerate(lst):
            check(o, data(r, "float32"))
    out = t(np.zeros((2, 3), np.float32))
    lst = [t(data(r, "float32") * 10) for r in range(world)] if rank == root else None
    dist.scatter(out, lst, src=root)
    check(out, data(rank, "float32") * 10)

# point to point, blocking and async, around a ring
nxt, prv = (rank + 1) % world, (rank - 1) % world
if BACKEND == "mpi":
    sent = dist.isend(t(data(rank, "int32")), dst=nxt)
    got = t(np.zeros((2, 3), np.int32))
    assert dist.recv(got, src=prv) == prv
    sent.wait()
    check(got, data(prv, "int32"))
    if rank == 0:
        for _ in range(world - 1):
            got = t(np.zeros((2, 3), np.int32))
            sender = dist.recv(got)  # from any rank
            check(got, data(sender, "int32"))
    else:
        dist.send(t(data(rank, "int32")), dst=0)

# objects
objs = [{"rank": rank}, "x" * rank] if rank == 0 else [None, None]
dist.broadcast_object_list(objs, src=0)
assert objs == [{"rank": 0}, ""], objs
gathered = [None] * world
dist.all_gather_object(gathered, ("rank", rank, list(range(rank))))
assert gathered == [("rank", r, list(range(r))) for r in range(world)], gathered
checks += 2

# groups: the even ranks, and a group this rank is outside of
if BACKEND == "mpi":
    evens = dist.new_group([r for r in range(world) if r % 2 == 0])
    if rank % 2 == 0:
        x = t(data(rank, "float32"))
        dist.all_reduce(x, group=evens)
        check(x, every[::2].sum(0))
        assert dist.get_world_size(evens) == len(range(0, world, 2))
        assert dist.get_process_group_ranks(evens) == list(range(0, world, 2))
    else:
        assert evens is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(evens) == -1
    checks += 1
    # sort_ranks=False keeps the given order: global rank 1 is group rank 0
    flipped = dist.new_group([1, 0], sort_ranks=False)
    if rank in (0, 1):
        assert dist.get_process_group_ranks(flipped) == [1, 0] and dist.get_rank(flipped) == 1 - rank
        x = t(data(rank, "int64"))
        dist.broadcast(x, group=flipped, group_src=0)
        check(x, data(1, "int64"))

# wrongly sized outputs are refused before anything is sent
for bad in (lambda: dist.all_gather_into_tensor(t(np.zeros(5, np.float32)), t(np.zeros(3, np.float32))),
            lambda: dist.reduce_scatter_tensor(t(np.zeros(2, np.float32)), t(np.zeros(3, np.float32)))):
    try:
        bad()
    except ValueError as e:
        assert "times the" in str(e), e
        checks += 1
    else:
        raise AssertionError("a wrongly sized tensor was accepted")

# a mismatch between ranks is a clear error on every rank, not a hang
x = t(np.zeros(3 + rank, np.float32))
try:
    dist.all_reduce(x)
except RuntimeError as e:
    assert "different dtypes or shapes" in str(e) and "rank 0 has float32 [3]" in str(e), e
    checks += 1
else:
    raise AssertionError("a shape mismatch went through")

dist.barrier()
assert dist.get_backend() == BACKEND and dist.is_initialized()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank}: {checks} checks passed", flush=True)
