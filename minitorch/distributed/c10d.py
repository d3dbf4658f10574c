"""torch.distributed's functions: the default process group, groups, and the collectives on tensors.

Each collective checks its arguments as torch does, checks across ranks that every rank passed
tensors of the same dtype and shape (a mismatch raises the same clear error on every rank instead
of hanging or corrupting memory), stages the tensors into the engine's buffers, and returns a
`Work` when `async_op=True` (otherwise it waits). `src`/`dst` are global ranks, `group_src`/
`group_dst` ranks within the group, as in torch.
"""
from __future__ import annotations

import os
import pickle
import warnings
from datetime import timedelta

import numpy as np

from .process_group import (Backend, GroupMember, ProcessGroup, ReduceOp, Work, as_reduce_op,
                            completed_work, default_pg_timeout)

_state = {"default": None, "store": None, "groups": []}


# ---- the default group ------------------------------------------------------------------
def is_initialized() -> bool:
    return _state["default"] is not None


def _env_int(name: str, given: int) -> int:
    if given is not None and given >= 0:
        return given
    if name not in os.environ:
        raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment "
                         f"variable {name} expected, but not set")
    return int(os.environ[name])


def _make_store(init_method: str, rank: int, world_size: int, timeout: timedelta):
    """The rendezvous store: the launcher's (MINITORCH_AGENT_STORE=1) or one served by rank 0."""
    from .store import TCPStore
    if init_method.startswith("tcp://"):
        host, _, port = init_method[len("tcp://"):].rpartition(":")
    elif init_method == "env://":
        host, port = os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT")
        if host is None or port is None:
            missing = "MASTER_ADDR" if host is None else "MASTER_PORT"
            raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment "
                             f"variable {missing} expected, but not set")
    else:
        raise ValueError(f"init_method {init_method!r} is not supported: use 'env://' or 'tcp://HOST:PORT'")
    served = os.environ.get("MINITORCH_AGENT_STORE") == "1"
    return TCPStore(host, int(port), world_size, is_master=(rank == 0 and not served), timeout=timeout,
                    wait_for_workers=not served)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None, device_id=None) -> None:
    """Join the default process group.

    backend "mpi" (the default): the ranks are those of MPI's world (`mpiexec -n N` or
    `minitorch distributed run`); several launcher nodes are joined into one world through the
    rendezvous store. backend "nccl": CUDA tensors through NCCL, ranks from `rank`/`world_size` or
    the RANK/WORLD_SIZE variables, the NCCL id shared through the store.
    """
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    if pg_options is not None:
        raise ValueError("pg_options is not supported by minitorch's backends")
    backend = Backend(backend or Backend.MPI)
    timeout = timeout or default_pg_timeout
    if device_id is not None:  # bind this process to its GPU, as torch does
        from .. import cuda
        from ..device import as_device
        device = as_device(device_id) if not isinstance(device_id, int) else as_device(f"cuda:{device_id}")
        if device.type != "cuda":
            raise ValueError(f"device_id must be a CUDA device, got {device}")
        cuda.set_device(device)
    if store is not None and init_method is not None:
        raise ValueError("Cannot specify both init_method and store.")
    init_method = init_method or "env://"
    if backend == Backend.MPI:
        from .mpi import MPIEngine, join_nodes, load_mpi
        MPI = load_mpi()
        comm = MPI.COMM_WORLD
        wanted = int(os.environ.get("WORLD_SIZE", comm.Get_size())) if world_size < 0 else world_size
        if wanted > comm.Get_size():  # launched on several nodes: join their MPI worlds
            node_size = int(os.environ.get("LOCAL_WORLD_SIZE", comm.Get_size()))
            store = store or _make_store(init_method, _env_int("RANK", rank), wanted, timeout)
            comm = join_nodes(store, int(os.environ.get("GROUP_RANK", 0)), wanted // node_size)
        engine = MPIEngine(comm, timeout)
        if world_size >= 0 and world_size != engine.size:
            raise ValueError(f"world_size={world_size} does not match MPI's world of {engine.size} processes")
        if rank >= 0 and rank != engine.rank:
            raise ValueError(f"rank={rank} does not match this process's MPI rank {engine.rank}")
        if "RANK" in os.environ and int(os.environ["RANK"]) != engine.rank:
            raise RuntimeError(f"RANK={os.environ['RANK']} but MPI placed this process at rank {engine.rank}")
    elif backend == Backend.NCCL:
        from .nccl import NCCLEngine
        rank, world_size = _env_int("RANK", rank), _env_int("WORLD_SIZE", world_size)
        store = store or _make_store(init_method, rank, world_size, timeout)
        engine = NCCLEngine.rendezvous(store, rank, world_size, timeout)
    elif backend == Backend.GLOO:
        raise ValueError("minitorch has no gloo backend: backend='mpi' serves CPU tensors (and CUDA tensors "
                         "through host copies), backend='nccl' CUDA tensors")
    else:
        raise ValueError(f"Invalid backend: '{backend}'")
    _state["store"] = store
    _state["default"] = GroupMember.WORLD = ProcessGroup(engine, list(range(engine.size)), backend, timeout)


def destroy_process_group(group=None) -> None:
    pg = _group(group)
    if pg is _state["default"]:
        for g in _state["groups"]:
            g.engine.destroy()
        _state.update(default=None, groups=[])
        GroupMember.WORLD = None
        store, _state["store"] = _state["store"], None
        if store is not None:
            store.close()
    else:
        pg.engine.destroy()
        _state["groups"].remove(pg)


def _group(group) -> ProcessGroup:
    if _state["default"] is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _state["default"] if group is None else group


def _outside(group) -> bool:
    """True (with torch's warning) when this rank is not in `group`: the call does nothing."""
    if group is GroupMember.NON_GROUP_MEMBER:
        warnings.warn("Running a collective on a group this rank is not part of: it does nothing.")
        return True
    return False


def get_rank(group=None) -> int:
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).rank()


def get_world_size(group=None) -> int:
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).size()


def get_backend(group=None) -> Backend:
    if group is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    return _group(group).backend


def get_process_group_ranks(group) -> list[int]:
    return list(_group(group).ranks)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None, sort_ranks=True):
    """A group of the given global ranks (in that order with sort_ranks=False). Every rank of the
    default group must call it."""
    world = _group(None)
    if use_local_synchronization:
        raise NotImplementedError("new_group(use_local_synchronization=True): with minitorch's backends every "
                                  "rank of the default group takes part in making a group")
    if pg_options is not None:
        raise ValueError("pg_options is not supported by minitorch's backends")
    ranks = list(range(world.size())) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        ranks.sort()
    for r in ranks:
        if not 0 <= r < world.size():
            raise ValueError(f"The new group's rank should be within the world_size set by "
                             f"init_process_group, got rank {r} for world size {world.size()}")
    if backend is not None and Backend(backend) != world.backend:
        raise ValueError(f"new_group: backend {backend!r} differs from the default group's {world.backend!r}")
    engine = world.engine.split(ranks)
    if engine is None:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(engine, ranks, world.backend, timeout or world.timeout)
    _state["groups"].append(pg)
    return pg


# ---- turning tensors into buffers ------------------------------------------------------------
def _check_tensor(t, name: str):
    from ..tensor import Tensor
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
                        f"             but got {type(t)} instead.")


def _check_tensor_list(ts, name: str):
    from ..tensor import Tensor
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        "List[torch.Tensor]\n             but got " f"{type(ts)} instead.")


def _stage(pg: ProcessGroup, t):
    """A contiguous buffer holding `t`'s values that the engine can use, and a function that
    writes the buffer back into `t` (None when `t`'s own memory is the buffer)."""
    data = t._data
    if pg.engine.host_buffers:
        if t._device.type == "cpu" and data.flags.c_contiguous and data.flags.writeable:
            return data, None
        buf = np.ascontiguousarray(t._device.backend.to_host(data))
        return buf, lambda: _write(t, t._device.backend.from_host(buf))
    pg.engine.check_device(t)
    if data.flags.c_contiguous:
        return data, None
    buf = data.copy()
    return buf, lambda: _write(t, buf)


def _write(t, values):
    t._data[...] = values


def _empty_like_stack(pg, t, n):
    """A buffer for n tensors shaped like `t`, in the engine's memory."""
    shape = (n,) + tuple(t._data.shape)
    if pg.engine.host_buffers:
        return np.empty(shape, t._data.dtype)
    return t._device.backend.xp.empty(shape, t._data.dtype)


def _stack(pg, ts):
    if pg.engine.host_buffers:
        return np.stack([t._device.backend.to_host(t._data) for t in ts])
    return ts[0]._device.backend.xp.stack([t._data for t in ts])


def _unstack(pg, stacked, ts):
    """A function that copies stacked[i] into ts[i] (once the collective has filled `stacked`)."""
    def write_each():
        for t, part in zip(ts, stacked):
            _write(t, t._device.backend.from_host(part) if pg.engine.host_buffers else part)
    return write_each


def _root_list(pg, root, ts, name, role) -> bool:
    """Whether this rank is the root: there `ts` must be one tensor per rank, elsewhere absent."""
    mine = pg.rank() == root
    if mine:
        _check_tensor_list(ts, name)
        _same_length(ts, pg, name)
    elif ts:
        raise ValueError(f"Argument ``{name}`` must NOT be specified on non-{role} ranks.")
    return mine


def _signature(t) -> np.ndarray:
    shape = list(t._data.shape)[:8]
    return np.array([np.dtype(t._data.dtype).num, t._data.size, t._data.ndim] + shape + [0] * (8 - len(shape)),
                    np.int64)


_DTYPE_NAMES = {np.dtype(c).num: np.dtype(c).name for c in "?bBhHiIlLqQefd"}


def _describe(sig) -> str:
    return f"{_DTYPE_NAMES.get(int(sig[0]), int(sig[0]))} {[int(n) for n in sig[3:3 + int(sig[2])]]}"


def _check_consistent(pg: ProcessGroup, what: str, t) -> None:
    """Raise on every rank when the ranks disagree on the tensor's dtype or shape."""
    if pg.size() == 1:
        return
    sigs = pg.engine.gather_signatures(_signature(t))
    if not (sigs == sigs[0]).all():
        ranks = ", ".join(f"rank {pg.ranks[i]} has {_describe(s)}" for i, s in enumerate(sigs))
        raise RuntimeError(f"{what}: the ranks passed tensors of different dtypes or shapes ({ranks})")


def _finish(work: Work, async_op: bool, outputs=(), after=None):
    """Attach the write-backs to the work; wait unless async. Outputs get their versions bumped."""
    inner = work._finish

    def done():
        if inner is not None:
            inner()
        if after is not None:
            after()
        for t in outputs:
            t._bump()
    work._finish = done
    if async_op:
        return work
    work.wait()
    return None


def _root(pg, rank, group_rank, name):
    if rank is not None and group_rank is not None:
        raise ValueError(f"Can not specify both {name} and group_{name}")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
        return group_rank
    return pg.group_rank(0 if rank is None else int(rank))


def _check_world_multiple(pg, what, big, small):
    """The (name, tensor) `big` must hold world_size times the elements of `small`, in its dtype."""
    (big_name, b), (small_name, t) = big, small
    if b.numel() != t.numel() * pg.size() or b.dtype != t.dtype:
        raise ValueError(f"{what}: {big_name} tensor must have world_size ({pg.size()}) times the {small_name}'s "
                         f"elements and its dtype, got {list(b.shape)} {b.dtype} for {small_name} "
                         f"{list(t.shape)} {t.dtype}")


def _same_length(ts, pg, name):
    if len(ts) != pg.size():
        raise ValueError(f"{name} has {len(ts)} tensors: it must have one per rank ({pg.size()})")


# ---- collectives ------------------------------------------------------------------------
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Every rank's `tensor` becomes the reduction (`op`) of all ranks' tensors, in place."""
    _check_tensor(tensor, "tensor")
    op = as_reduce_op(op)
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    _check_consistent(pg, "all_reduce", tensor)
    buf, back = _stage(pg, tensor)
    return _finish(pg.engine.allreduce(buf, op), async_op, [tensor], back)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op: bool = False, group_dst=None):
    """The reduction of all ranks' `tensor` lands in `dst`'s tensor."""
    _check_tensor(tensor, "tensor")
    op = as_reduce_op(op)
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    root = _root(pg, dst, group_dst, "dst")
    _check_consistent(pg, "reduce", tensor)
    buf, back = _stage(pg, tensor)
    mine = pg.rank() == root
    return _finish(pg.engine.reduce(buf, root, op), async_op, [tensor] if mine else [], back if mine else None)


def broadcast(tensor, src=None, group=None, async_op: bool = False, group_src=None):
    """Every rank's `tensor` becomes a copy of `src`'s."""
    _check_tensor(tensor, "tensor")
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    root = _root(pg, src, group_src, "src")
    _check_consistent(pg, "broadcast", tensor)
    buf, back = _stage(pg, tensor)
    mine = pg.rank() == root
    return _finish(pg.engine.broadcast(buf, root), async_op, [] if mine else [tensor], None if mine else back)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] becomes rank r's `tensor`, on every rank."""
    _check_tensor_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    _same_length(tensor_list, pg, "tensor_list")
    for t in tensor_list:
        if t.shape != tensor.shape or t.dtype != tensor.dtype:
            raise ValueError("all_gather: every tensor of tensor_list must have the input tensor's dtype and shape")
    _check_consistent(pg, "all_gather", tensor)
    out = _empty_like_stack(pg, tensor, pg.size())
    inp, _ = _stage(pg, tensor)
    return _finish(pg.engine.allgather(out, inp), async_op, tensor_list, _unstack(pg, out, tensor_list))


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """output_tensor (world_size * n elements, ranks' inputs concatenated along dim 0, or stacked)."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    _check_world_multiple(pg, "all_gather_into_tensor", ("output", output_tensor), ("input", input_tensor))
    _check_consistent(pg, "all_gather_into_tensor", input_tensor)
    out, back = _stage(pg, output_tensor)
    inp, _ = _stage(pg, input_tensor)
    return _finish(pg.engine.allgather(out.reshape((pg.size(),) + inp.shape), inp), async_op,
                   [output_tensor], back)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """output on rank r becomes the reduction of every rank's input_list[r]."""
    _check_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    op = as_reduce_op(op)
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    _same_length(input_list, pg, "input_list")
    for t in input_list:
        if t.shape != output.shape or t.dtype != output.dtype:
            raise ValueError("reduce_scatter: every tensor of input_list must have the output's dtype and shape")
    _check_consistent(pg, "reduce_scatter", output)
    out, back = _stage(pg, output)
    return _finish(pg.engine.reduce_scatter(out, _stack(pg, input_list), op), async_op, [output], back)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """output on rank r becomes the reduction of every rank's r-th chunk of `input` along dim 0."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    op = as_reduce_op(op)
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    _check_world_multiple(pg, "reduce_scatter_tensor", ("input", input), ("output", output))
    _check_consistent(pg, "reduce_scatter_tensor", output)
    out, back = _stage(pg, output)
    inp, _ = _stage(pg, input)
    return _finish(pg.engine.reduce_scatter(out, inp.reshape((pg.size(),) + out.shape), op), async_op,
                   [output], back)


def gather(tensor, gather_list=None, dst=None, group=None, async_op: bool = False, group_dst=None):
    """gather_list[r] on `dst` becomes rank r's tensor; other ranks pass no list."""
    _check_tensor(tensor, "tensor")
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    root = _root(pg, dst, group_dst, "dst")
    mine = _root_list(pg, root, gather_list, "gather_list", "destination")
    _check_consistent(pg, "gather", tensor)
    out = _empty_like_stack(pg, tensor, pg.size()) if mine else None
    inp, _ = _stage(pg, tensor)
    return _finish(pg.engine.gather(out, inp, root), async_op, gather_list if mine else [],
                   _unstack(pg, out, gather_list) if mine else None)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op: bool = False, group_src=None):
    """Rank r's tensor becomes `src`'s scatter_list[r]; other ranks pass no list."""
    _check_tensor(tensor, "tensor")
    if _outside(group):
        return completed_work() if async_op else None
    pg = _group(group)
    root = _root(pg, src, group_src, "src")
    mine = _root_list(pg, root, scatter_list, "scatter_list", "source")
    _check_consistent(pg, "scatter", tensor)
    out, back = _stage(pg, tensor)
    inp = _stack(pg, scatter_list) if mine else None
    return _finish(pg.engine.scatter(out, inp, root), async_op, [tensor], back)


def _peer(pg, rank, group_rank, name):
    if rank is None and group_rank is None:
        raise ValueError(f"Must specify either {name} or group_{name}")
    peer = _root(pg, rank, group_rank, name)
    if peer == pg.rank():
        raise ValueError(f"Invalid {name} rank: {name} must not be the same as the current process's rank")
    return peer


def isend(tensor, dst=None, group=None, tag: int = 0, group_dst=None):
    """Send `tensor` to `dst` without waiting; returns a Work."""
    _check_tensor(tensor, "tensor")
    if _outside(group):
        return None
    pg = _group(group)
    buf, _ = _stage(pg, tensor)
    if buf is tensor._data:  # the caller may change the tensor before the send completes
        buf = buf.copy()
    return pg.engine.send(buf, _peer(pg, dst, group_dst, "dst"), tag)


def irecv(tensor, src=None, group=None, tag: int = 0, group_src=None):
    """Receive into `tensor` from `src` (any rank when None) without waiting; returns a Work."""
    _check_tensor(tensor, "tensor")
    if _outside(group):
        return None
    pg = _group(group)
    peer = None if src is None and group_src is None else _peer(pg, src, group_src, "src")
    buf, back = _stage(pg, tensor)
    work = pg.engine.recv(buf, peer, tag)
    _finish(work, True, [tensor], back)
    return work


def send(tensor, dst=None, group=None, tag: int = 0, group_dst=None) -> None:
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(tensor, src=None, group=None, tag: int = 0, group_src=None) -> int:
    """Receive into `tensor`; returns the sender's global rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    pg = _group(group)
    return pg.ranks[work.source()] if hasattr(work, "source") else pg.ranks[_root(pg, src, group_src, "src")]


def barrier(group=None, async_op: bool = False, device_ids=None, timeout: timedelta | None = None):
    """Wait until every rank of the group has reached the barrier."""
    if _outside(group):
        return completed_work() if async_op else None
    work = _group(group).engine.barrier()
    if async_op:
        return work
    work.wait(timeout)
    return None


# ---- Python objects (pickled; trusted peers only, as in torch) -----------------------------------
def _object_tensor(obj):
    from ..ops.creation import tensor as make_tensor
    return make_tensor(np.frombuffer(pickle.dumps(obj), np.uint8).copy())


def _load_object(t, size):
    return pickle.loads(t._device.backend.to_host(t._data)[:size].tobytes())


def _object_device(pg, device):
    from ..device import as_device
    if device is not None:
        return as_device(device)
    return as_device("cuda") if not pg.engine.host_buffers else as_device("cpu")


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None) -> None:
    """Every rank's object_list becomes `src`'s (objects travel pickled)."""
    if _outside(group):
        return
    pg = _group(group)
    root = _root(pg, src, group_src, "src")
    from ..ops.creation import zeros
    dev = _object_device(pg, device)
    mine = pg.rank() == root
    payload = _object_tensor(list(object_list)).to(dev) if mine else None
    size = zeros(1, dtype=_int64(), device=dev)
    if mine:
        size.fill_(payload.numel())
    broadcast(size, group=group, group_src=root)
    if not mine:
        payload = zeros(int(size.item()), dtype=_uint8(), device=dev)
    broadcast(payload, group=group, group_src=root)
    if not mine:
        object_list[:] = _load_object(payload, int(size.item()))


def all_gather_object(object_list, obj, group=None) -> None:
    """object_list[r] becomes rank r's `obj` on every rank."""
    if _outside(group):
        return
    pg = _group(group)
    _same_length(object_list, pg, "object_list")
    from ..ops.creation import zeros
    dev = _object_device(pg, None)
    payload = _object_tensor(obj).to(dev)
    size = zeros(1, dtype=_int64(), device=dev).fill_(payload.numel())
    sizes = [zeros(1, dtype=_int64(), device=dev) for _ in range(pg.size())]
    all_gather(sizes, size, group=group)
    longest = max(int(s.item()) for s in sizes)
    padded = zeros(longest, dtype=_uint8(), device=dev)
    padded[:payload.numel()] = payload
    parts = [zeros(longest, dtype=_uint8(), device=dev) for _ in range(pg.size())]
    all_gather(parts, padded, group=group)
    object_list[:] = [_load_object(p, int(s.item())) for p, s in zip(parts, sizes)]


def _int64():
    from .. import dtypes
    return dtypes.int64


def _uint8():
    from .. import dtypes
    return dtypes.uint8


# ---- helpers for DistributedDataParallel (torch's dist._broadcast_coalesced) -----------------------
def _broadcast_coalesced(group, tensors, src: int = 0) -> None:
    """Copy `src`'s values into `tensors` on every rank: one broadcast per dtype and device, each of
    all those tensors flattened together (every rank must pass tensors of the same shapes)."""
    pg = _group(group)
    by_kind: dict = {}
    for t in tensors:
        by_kind.setdefault((t._device, t._data.dtype), []).append(t)
    for (device, dtype), ts in by_kind.items():
        xp = np if pg.engine.host_buffers else device.backend.xp
        to = (lambda a: device.backend.to_host(a)) if pg.engine.host_buffers else (lambda a: a)
        flat = xp.concatenate([to(t._data).reshape(-1) for t in ts]) if ts else xp.empty(0, dtype)
        pg.engine.broadcast(flat, pg.group_rank(src)).wait()
        if pg.rank() != pg.group_rank(src):
            start = 0
            for t in ts:
                part = flat[start:start + t._data.size].reshape(t._data.shape)
                _write(t, device.backend.from_host(part) if pg.engine.host_buffers else part)
                start += t._data.size
