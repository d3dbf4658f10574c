"""A stand-in for `cupy.cuda.nccl` on the emulated CUDA device, so the NCCL engine's own code
(pointers, counts, NCCL's type and operation codes, grouped sends) runs in tests without a GPU.

Emulated device arrays are host memory, so each call reads and writes the memory at the device
pointers it is given and moves it between processes with MPI (the ranks run under mpiexec). Calls
complete at once: the recorded "events" are always done. A communicator spans MPI's whole world,
as NCCL's world communicators do; NCCL sub-groups are not emulated.
"""
from __future__ import annotations

import ctypes
import secrets

import numpy as np

NCCL_INT8, NCCL_UINT8, NCCL_INT32, NCCL_UINT32, NCCL_INT64, NCCL_UINT64 = 0, 1, 2, 3, 4, 5
NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64 = 6, 7, 8
NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN, NCCL_AVG = 0, 1, 2, 3, 4
available = True

_TYPES = {NCCL_INT8: np.int8, NCCL_UINT8: np.uint8, NCCL_INT32: np.int32, NCCL_UINT32: np.uint32,
          NCCL_INT64: np.int64, NCCL_UINT64: np.uint64, NCCL_FLOAT16: np.float16, NCCL_FLOAT32: np.float32,
          NCCL_FLOAT64: np.float64}


def _at(ptr: int, count: int, datatype: int) -> np.ndarray:
    """The `count` elements of type `datatype` at address `ptr`, as a writable NumPy array."""
    dtype = np.dtype(_TYPES[datatype])
    raw = (ctypes.c_char * (count * dtype.itemsize)).from_address(ptr)
    return np.frombuffer(raw, dtype)


def _mpi_op(MPI, op):
    return {NCCL_SUM: MPI.SUM, NCCL_AVG: MPI.SUM, NCCL_PROD: MPI.PROD, NCCL_MAX: MPI.MAX, NCCL_MIN: MPI.MIN}[op]


def get_unique_id():
    return tuple(secrets.randbits(8) for _ in range(128))


_group_calls = []  # sends and receives queued between groupStart and groupEnd


def groupStart():
    _group_calls.append([])


def groupEnd():
    calls = _group_calls.pop()
    requests = [start() for start in calls]
    from mpi4py import MPI
    MPI.Request.Waitall(requests)


class NcclCommunicator:
    def __init__(self, ndev: int, commId, rank: int):
        from mpi4py import MPI
        self.MPI = MPI
        if ndev != MPI.COMM_WORLD.Get_size() or rank != MPI.COMM_WORLD.Get_rank():
            raise RuntimeError("the emulated NCCL spans MPI's whole world: start the ranks with mpiexec")
        self.comm = MPI.COMM_WORLD.Dup()
        self.size = ndev

    def allReduce(self, sendbuf, recvbuf, count, datatype, op, stream):
        send, recv = _at(sendbuf, count, datatype), _at(recvbuf, count, datatype)
        self.comm.Allreduce(self.MPI.IN_PLACE if sendbuf == recvbuf else send, recv, _mpi_op(self.MPI, op))
        if op == NCCL_AVG:
            recv[...] = recv / self.size if recv.dtype.kind == "f" else np.trunc(recv / self.size)

    def reduce(self, sendbuf, recvbuf, count, datatype, op, root, stream):
        send, recv = _at(sendbuf, count, datatype), _at(recvbuf, count, datatype)
        mine = self.comm.Get_rank() == root
        self.comm.Reduce(self.MPI.IN_PLACE if mine and sendbuf == recvbuf else send, recv if mine else None,
                         _mpi_op(self.MPI, op), root=root)
        if mine and op == NCCL_AVG:
            recv[...] = recv / self.size if recv.dtype.kind == "f" else np.trunc(recv / self.size)

    def bcast(self, buff, count, datatype, root, stream):
        self.comm.Bcast(_at(buff, count, datatype), root=root)

    def allGather(self, sendbuf, recvbuf, count, datatype, stream):
        self.comm.Allgather(_at(sendbuf, count, datatype), _at(recvbuf, count * self.size, datatype))

    def reduceScatter(self, sendbuf, recvbuf, recvcount, datatype, op, stream):
        recv = _at(recvbuf, recvcount, datatype)
        self.comm.Reduce_scatter_block(_at(sendbuf, recvcount * self.size, datatype), recv, _mpi_op(self.MPI, op))
        if op == NCCL_AVG:
            recv[...] = recv / self.size if recv.dtype.kind == "f" else np.trunc(recv / self.size)

    def send(self, sendbuf, count, datatype, peer, stream):
        self._queue(lambda: self.comm.Isend(_at(sendbuf, count, datatype), dest=peer))

    def recv(self, recvbuf, count, datatype, peer, stream):
        self._queue(lambda: self.comm.Irecv(_at(recvbuf, count, datatype), source=peer))

    def _queue(self, start):
        if _group_calls:
            _group_calls[-1].append(start)
        else:
            start().Wait()

    def destroy(self):
        self.comm.Free()


class _DoneEvent:
    done = True

    def synchronize(self):
        pass


class Streams:
    """The emulated device's streams: one, synchronous; every event is already done."""

    def __init__(self):
        from .cupy_standin import xp
        self.cupy = xp

    def stream(self):
        return 0

    def event(self):
        return _DoneEvent()
