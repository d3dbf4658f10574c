"""The NCCL engine: collectives on CUDA arrays through CuPy's NCCL bindings (`cupy.cuda.nccl`).

Operations are queued on the current CUDA stream; the returned `Work` waits on an event recorded
after them. Rank 0 makes NCCL's unique id and shares it through the rendezvous store. NCCL has
no gather, scatter or barrier: gather and scatter are grouped sends and receives, the barrier a
one-element all-reduce, as torch's NCCL backend does. NCCL refuses two ranks on one GPU.
"""
from __future__ import annotations

import json

import numpy as np

from .process_group import RedOpType, Work


def nccl_module():
    """`cupy.cuda.nccl` (or the emulated device's stand-in), or None when there is none."""
    from ..backends.cupy_backend import emulated
    if emulated():
        from ..backends.emulated import nccl_standin
        return nccl_standin
    try:
        from cupy.cuda import nccl
    except Exception:  # no CuPy, or CuPy built without NCCL
        return None
    return nccl if getattr(nccl, "available", True) else None


class CupyStreams:
    """The CUDA runtime calls the engine needs: the current stream and events recorded on it."""

    def __init__(self):
        import cupy
        self.cupy = cupy

    def stream(self):
        return self.cupy.cuda.get_current_stream().ptr

    def event(self):
        event = self.cupy.cuda.Event(disable_timing=True)
        event.record()
        return event


class NCCLEngine:
    """Collectives of one NCCL communicator, on contiguous device arrays."""

    host_buffers = False

    def __init__(self, nccl, comm, rank: int, size: int, timeout=None, store=None):
        self.nccl, self.comm = nccl, comm
        self.rank, self.size, self.timeout = rank, size, timeout
        self.store = store
        self.streams = nccl.Streams() if hasattr(nccl, "Streams") else CupyStreams()
        self.xp = self.streams.cupy
        self._splits = 0

    @classmethod
    def rendezvous(cls, store, rank: int, size: int, timeout, key: str = "nccl_id"):
        nccl = nccl_module()
        if nccl is None:
            raise RuntimeError("the NCCL backend needs CuPy with NCCL on a CUDA machine: "
                               "pip install 'minitorch[cuda]' (and the nvidia-nccl wheel)")
        if rank == 0:
            store.set(key, json.dumps(list(nccl.get_unique_id())))
        uid = tuple(json.loads(store.get(key)))
        return cls(nccl, nccl.NcclCommunicator(size, uid, rank), rank, size, timeout, store)

    # ---- plumbing -------------------------------------------------------------------------
    def _dtype(self, array):
        n = self.nccl
        table = {"float16": n.NCCL_FLOAT16, "float32": n.NCCL_FLOAT32, "float64": n.NCCL_FLOAT64,
                 "int8": n.NCCL_INT8, "uint8": n.NCCL_UINT8, "bool": n.NCCL_UINT8, "int32": n.NCCL_INT32,
                 "int64": n.NCCL_INT64}
        try:
            return table[array.dtype.name]
        except KeyError:
            raise TypeError(f"NCCL has no {array.dtype.name} type: cast the tensor (e.g. to int32) first") from None

    def _op(self, op: RedOpType, array):
        n = self.nccl
        if array.dtype == np.bool_:  # as uint8: MAX is or, MIN is and
            return n.NCCL_MIN if op in (RedOpType.MIN, RedOpType.PRODUCT, RedOpType.BAND) else n.NCCL_MAX
        table = {RedOpType.SUM: n.NCCL_SUM, RedOpType.AVG: n.NCCL_AVG, RedOpType.PRODUCT: n.NCCL_PROD,
                 RedOpType.MIN: n.NCCL_MIN, RedOpType.MAX: n.NCCL_MAX}
        if op not in table:
            raise ValueError(f"NCCL does not support {op.name}")
        return table[op]

    def _stream(self):
        return self.streams.stream()

    def _work(self, what):
        """A Work that completes when the stream has run everything queued so far."""
        event = self.streams.event()
        return Work(lambda: event.done, event.synchronize, None, self.timeout, what)

    def check_device(self, t):
        if t._device.type != "cuda":
            raise ValueError(f"Tensors must be CUDA and dense for the NCCL backend, got {t._device}")

    # ---- collectives ----------------------------------------------------------------------
    def allreduce(self, buf, op):
        ptr = buf.data.ptr
        self.comm.allReduce(ptr, ptr, buf.size, self._dtype(buf), self._op(op, buf), self._stream())
        return self._work("all_reduce")

    def reduce(self, buf, root, op):
        ptr = buf.data.ptr
        self.comm.reduce(ptr, ptr, buf.size, self._dtype(buf), self._op(op, buf), root, self._stream())
        return self._work("reduce")

    def broadcast(self, buf, root):
        self.comm.bcast(buf.data.ptr, buf.size, self._dtype(buf), root, self._stream())
        return self._work("broadcast")

    def allgather(self, out, inp):
        self.comm.allGather(inp.data.ptr, out.data.ptr, inp.size, self._dtype(inp), self._stream())
        return self._work("all_gather")

    def reduce_scatter(self, out, inp, op):
        self.comm.reduceScatter(inp.data.ptr, out.data.ptr, out.size, self._dtype(out), self._op(op, out),
                                self._stream())
        return self._work("reduce_scatter")

    def gather(self, out, inp, root):
        nccl, stream, dt = self.nccl, self._stream(), self._dtype(inp)
        nccl.groupStart()
        if self.rank == root:
            for r in range(self.size):
                if r == root:
                    out[r] = inp
                else:
                    self.comm.recv(out[r].data.ptr, inp.size, dt, r, stream)
        else:
            self.comm.send(inp.data.ptr, inp.size, dt, root, stream)
        nccl.groupEnd()
        return self._work("gather")

    def scatter(self, out, inp, root):
        nccl, stream, dt = self.nccl, self._stream(), self._dtype(out)
        nccl.groupStart()
        if self.rank == root:
            for r in range(self.size):
                if r == root:
                    out[...] = inp[r]
                else:
                    self.comm.send(inp[r].data.ptr, out.size, dt, r, stream)
        else:
            self.comm.recv(out.data.ptr, out.size, dt, root, stream)
        nccl.groupEnd()
        return self._work("scatter")

    def send(self, buf, dst, tag):
        self.comm.send(buf.data.ptr, buf.size, self._dtype(buf), dst, self._stream())
        return self._work("send")

    def recv(self, buf, src, tag):
        if src is None:
            raise ValueError("the NCCL backend cannot receive from any source: name `src`")
        self.comm.recv(buf.data.ptr, buf.size, self._dtype(buf), src, self._stream())
        work = self._work("recv")
        work.source = lambda: src
        return work

    def gather_signatures(self, sig):
        xp = self.xp
        rows = xp.empty((self.size,) + sig.shape, sig.dtype)
        self.allgather(rows, xp.asarray(sig)).wait()
        return xp.asnumpy(rows)

    def barrier(self):
        xp = self.xp
        return self.allreduce(xp.zeros(1, np.float32), RedOpType.SUM)

    def split(self, ranks):
        """A communicator over `ranks`: its first member makes a new id, shared through the store."""
        self._splits += 1  # every rank calls new_group in the same order: the count names the group
        if self.rank not in ranks:
            return None
        key, mine = f"nccl_id/group{self._splits}", ranks.index(self.rank)
        if mine == 0:
            self.store.set(key, json.dumps(list(self.nccl.get_unique_id())))
        uid = tuple(json.loads(self.store.get(key)))
        return NCCLEngine(self.nccl, self.nccl.NcclCommunicator(len(ranks), uid, mine), mine, len(ranks),
                          self.timeout, self.store)

    def destroy(self):
        self.comm.destroy()
