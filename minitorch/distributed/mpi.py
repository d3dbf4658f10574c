"""The MPI engine: collectives on host arrays through mpi4py (the `distributed` extra).

Every operation is MPI's non-blocking form (`Iallreduce`, `Ibcast`, ...), so each returns a
`Work` at once. MPI has no average: AVG is a sum divided afterwards, as NCCL does for integers
(truncating). Booleans reduce as logical or/and. CUDA tensors reach this engine as host copies.
"""
from __future__ import annotations

import numpy as np

from .process_group import RedOpType, Work


def load_mpi():
    """mpi4py's MPI module (importing it starts MPI), or a clear error naming the extra."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError("the MPI backend needs mpi4py and an MPI library: "
                           "pip install 'minitorch[distributed]' (mpi4py and the mpich wheel)") from e
    return MPI


def _mpi_op(MPI, op: RedOpType, dtype):
    if dtype == np.bool_:
        return MPI.LAND if op in (RedOpType.MIN, RedOpType.PRODUCT, RedOpType.BAND) else MPI.LOR
    return {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD,
            RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND,
            RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}[op]


def divide_for_average(array, size: int) -> None:
    """AVG's last step, in place: floats divide, integers truncate as C (and NCCL) do."""
    if array.dtype.kind == "f":
        array /= array.dtype.type(size)
    elif array.dtype.kind in "iu":
        array[...] = np.trunc(array / size).astype(array.dtype)


class MPIEngine:
    """Collectives of one MPI communicator, on contiguous host arrays."""

    host_buffers = True  # tensors are staged through host memory

    def __init__(self, comm, timeout=None):
        self.MPI = load_mpi()
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.timeout = timeout

    def _work(self, requests, finish=None, what="collective"):
        MPI = self.MPI
        return Work(lambda: MPI.Request.Testall(requests), lambda: MPI.Request.Waitall(requests),
                    finish, self.timeout, what)

    def allreduce(self, buf, op: RedOpType):
        req = self.comm.Iallreduce(self.MPI.IN_PLACE, buf, _mpi_op(self.MPI, op, buf.dtype))
        finish = (lambda: divide_for_average(buf, self.size)) if op == RedOpType.AVG else None
        return self._work([req], finish, "all_reduce")

    def reduce(self, buf, root: int, op: RedOpType):
        mop = _mpi_op(self.MPI, op, buf.dtype)
        if self.rank == root:
            req = self.comm.Ireduce(self.MPI.IN_PLACE, buf, mop, root=root)
            finish = (lambda: divide_for_average(buf, self.size)) if op == RedOpType.AVG else None
        else:
            req, finish = self.comm.Ireduce(buf, None, mop, root=root), None
        return self._work([req], finish, "reduce")

    def broadcast(self, buf, root: int):
        return self._work([self.comm.Ibcast(buf, root=root)], what="broadcast")

    def allgather(self, out, inp):
        """out: (size, *inp.shape) contiguous."""
        return self._work([self.comm.Iallgather(inp, out)], what="all_gather")

    def reduce_scatter(self, out, inp, op: RedOpType):
        """inp: (size, *out.shape) contiguous; rank r gets the reduction of every rank's inp[r]."""
        req = self.comm.Ireduce_scatter_block(inp, out, _mpi_op(self.MPI, op, inp.dtype))
        finish = (lambda: divide_for_average(out, self.size)) if op == RedOpType.AVG else None
        return self._work([req], finish, "reduce_scatter")

    def gather(self, out, inp, root: int):
        """out: (size, *inp.shape) on the root, None elsewhere."""
        return self._work([self.comm.Igather(inp, out, root=root)], what="gather")

    def scatter(self, out, inp, root: int):
        """inp: (size, *out.shape) on the root, None elsewhere."""
        return self._work([self.comm.Iscatter(inp, out, root=root)], what="scatter")

    def send(self, buf, dst: int, tag: int):
        return self._work([self.comm.Isend(buf, dest=dst, tag=tag)], what="send")

    def recv(self, buf, src: int | None, tag: int):
        """src None: from any rank; the Work's `source()` then says which."""
        if src is None:
            return self._recv_any(buf, tag)
        status = self.MPI.Status()
        req = self.comm.Irecv(buf, source=src, tag=tag)
        work = Work(lambda: req.Test(status), lambda: req.Wait(status), None, self.timeout, "recv")
        work.source = lambda: src
        return work

    def _recv_any(self, buf, tag: int):
        """A receive from any rank, as a probe for the first sender followed by a receive from it:
        MPICH never matches a posted any-source receive to a message from a node joined through
        `Connect`/`Accept`, while a probe finds it."""
        MPI, status, posted = self.MPI, self.MPI.Status(), []

        def test():
            if not posted:
                if not self.comm.Iprobe(MPI.ANY_SOURCE, tag, status):
                    return False
                posted.append(self.comm.Irecv(buf, source=status.Get_source(), tag=tag))
            return posted[0].Test()

        def block():
            while not test():
                pass
        work = Work(test, block, None, self.timeout, "recv")
        work.source = status.Get_source
        return work

    def gather_signatures(self, sig):
        """Every rank's int64 vector `sig`, one row per rank (a blocking check before a collective)."""
        rows = np.empty((self.size,) + sig.shape, sig.dtype)
        self.comm.Allgather(sig, rows)
        return rows

    def barrier(self):
        return self._work([self.comm.Ibarrier()], what="barrier")

    def split(self, ranks: list[int]):
        """A new engine over `ranks` (all ranks of this one must call); None where not a member."""
        member = self.rank in ranks
        comm = self.comm.Split(0 if member else self.MPI.UNDEFINED, ranks.index(self.rank) if member else 0)
        return MPIEngine(comm, self.timeout) if member else None

    def destroy(self):
        if self.comm != self.MPI.COMM_WORLD:
            self.comm.Free()


def join_nodes(store, node_rank: int, nnodes: int):
    """One communicator over several separately started MPI jobs (one per node, as the launcher
    starts them): node 0's ranks open a port and publish its name in the store, every later node
    connects in turn and the joined ranks merge, node by node, in node order."""
    MPI = load_mpi()
    world = MPI.COMM_WORLD
    comm = world
    port = None
    if node_rank == 0:
        if world.Get_rank() == 0:
            port = MPI.Open_port()
            store.set("mpi_port", port)
    else:
        name = store.get("mpi_port").decode()
        comm = world.Connect(name, root=0).Merge(high=True)
    for _ in range(node_rank + 1, nnodes):  # accept the nodes after ours, one at a time
        name = store.get("mpi_port").decode() if comm.Get_rank() == 0 else None
        inter = comm.Accept(name, root=0)
        comm = inter.Merge(high=False)
    if port is not None:
        MPI.Close_port(port)
    return comm
