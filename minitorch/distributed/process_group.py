"""The objects of torch.distributed's model: reduce operations, backend names, process groups and
the work handles that asynchronous collectives return.

A `ProcessGroup` is a set of ranks plus the engine that moves their data (`mpi.MPIEngine` or
`nccl.NCCLEngine`). Engines work on buffers (host arrays for MPI, device arrays for NCCL) and
return a `Work`; `c10d` turns tensors into buffers and back.
"""
from __future__ import annotations

import enum
import time
from datetime import timedelta

default_pg_timeout = timedelta(minutes=30)
SPIN_SECONDS = 0.002  # how long a wait polls without sleeping (small collectives finish well within it)


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    """torch.distributed.ReduceOp: how `all_reduce`, `reduce` and `reduce_scatter` combine ranks."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR


def as_reduce_op(op) -> RedOpType:
    if isinstance(op, RedOpType):
        return op
    raise TypeError(f"op must be a torch.distributed.ReduceOp, got {op!r}")


class Backend(str):
    """torch.distributed.Backend: a backend's lower-case name (`Backend.MPI == "mpi"`)."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name}")
        return str.__new__(cls, name.lower())


class DistBackendError(RuntimeError):
    """A collective failed or timed out in the backend (torch.distributed.DistBackendError)."""


class Work:
    """The handle of a collective in flight (torch's `Work`): `wait()` blocks until it is done and
    its results are in the tensors; `is_completed()` asks without blocking.

    test: () -> bool, polls the engine; block: () -> None, waits on it; finish: runs once after
    completion (copies results back to the tensors, divides for AVG).
    """

    def __init__(self, test, block, finish=None, timeout: timedelta | None = None, what: str = "collective"):
        self._test, self._block, self._finish = test, block, finish
        self._timeout, self._what = timeout, what
        self._done = False

    def is_completed(self) -> bool:
        if not self._done and self._test():
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def wait(self, timeout: timedelta | None = None) -> bool:
        if self._done:
            return True
        timeout = timeout if timeout is not None else self._timeout
        if timeout is None:
            self._block()
        else:
            start = time.monotonic()
            deadline = start + timeout.total_seconds()
            pause = 0.0
            while not self._test():  # polling drives MPI's progress, as its own Wait does
                now = time.monotonic()
                if now > deadline:
                    raise DistBackendError(f"{self._what} timed out after {timeout}: another rank did not "
                                           "take part (it may have failed or be waiting in another collective)")
                if now - start > SPIN_SECONDS:  # a long wait: give the core to the ranks still working
                    time.sleep(pause)
                    pause = min(2 * pause + 1e-5, 1e-3)
        self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def result(self):
        return []


def completed_work() -> Work:
    """A Work that is already done (what a rank outside a group gets)."""
    work = Work(lambda: True, lambda: None)
    work._done = True
    return work


class ProcessGroup:
    """A set of ranks (their global ranks in group order) and the engine that serves them."""

    def __init__(self, engine, ranks: list[int], backend: str, timeout: timedelta):
        self.engine = engine
        self.ranks = list(ranks)
        self.backend = Backend(backend)
        self.timeout = timeout

    def rank(self) -> int:
        return self.engine.rank

    def size(self) -> int:
        return self.engine.size

    def name(self) -> str:
        return self.backend

    def group_rank(self, global_rank: int) -> int:
        try:
            return self.ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"Global rank {global_rank} is not part of group {self}") from None

    def __repr__(self):
        return f"<ProcessGroup {self.backend} ranks={self.ranks}>"


class _NonGroupMember:
    def __repr__(self):
        return "<NON_GROUP_MEMBER>"


class GroupMember:
    """torch's sentinels: `WORLD` (the default group once initialised) and `NON_GROUP_MEMBER` (what
    `new_group` gives a rank it does not include)."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = _NonGroupMember()


group = GroupMember
