"""Data-parallel training across processes: torch.distributed's API on MPI (CPU tensors, through
mpi4py) and NCCL (CUDA tensors, through CuPy). The `distributed` extra installs mpi4py and MPICH;
`import minitorch` never needs them. Start processes with `minitorch distributed run` (torchrun's
options) or `mpiexec -n N python script.py`.
"""
from importlib.util import find_spec

from .c10d import (all_gather, all_gather_into_tensor, all_gather_object, all_reduce, barrier, broadcast,
                   broadcast_object_list, destroy_process_group, gather, get_backend, get_process_group_ranks,
                   get_rank, get_world_size, init_process_group, irecv, is_initialized, isend, new_group, recv,
                   reduce, reduce_scatter, reduce_scatter_tensor, scatter, send)
from .process_group import (Backend, DistBackendError, GroupMember, ProcessGroup, ReduceOp, Work,
                            default_pg_timeout, group)
from .store import DistStoreError, TCPStore


def is_mpi_available() -> bool:
    """Whether mpi4py (and so an MPI library) can be imported."""
    return find_spec("mpi4py") is not None


def is_nccl_available() -> bool:
    """Whether CuPy with its NCCL bindings can be imported."""
    from .nccl import nccl_module
    return nccl_module() is not None


def is_gloo_available() -> bool:
    return False


def is_available() -> bool:
    """Whether some backend can run: MPI, or NCCL on a GPU."""
    return is_mpi_available() or is_nccl_available()


__all__ = ["Backend", "DistBackendError", "DistStoreError", "GroupMember", "ProcessGroup", "ReduceOp",
           "TCPStore", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce",
           "barrier", "broadcast", "broadcast_object_list", "default_pg_timeout", "destroy_process_group",
           "gather", "get_backend", "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_available", "is_gloo_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "isend", "new_group", "recv", "reduce", "reduce_scatter",
           "reduce_scatter_tensor", "scatter", "send"]
