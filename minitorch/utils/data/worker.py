"""DataLoader worker processes: the loop each one runs, its seeds, and get_worker_info()."""
from __future__ import annotations

import queue
import random
import traceback
from dataclasses import dataclass

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """Inside a worker process: its id, the worker count, its seed and its copy of the dataset; else None."""
    return _worker_info


def numpy_seed_state(base_seed: int, worker_id: int) -> list[int]:
    """torch's per-worker NumPy seed: a hash of (worker_id, base_seed) mixed into four 32-bit words."""
    mask = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    hash_const = [0x43B0D7E5]

    def hash32(value):
        value = (value ^ hash_const[0]) & mask
        hash_const[0] = (hash_const[0] * mult_a) & mask
        value = (value * hash_const[0]) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x, y):
        result = (((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)) & mask
        return (result ^ (result >> 16)) & mask

    pool = [hash32(v) for v in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hash32(pool[src]))
    state, const_b = [], 0x8B51F9DD
    for value in pool:
        value = (value ^ const_b) & mask
        const_b = (const_b * mult_b) & mask
        value = (value * const_b) & mask
        state.append((value ^ (value >> 16)) & mask)
    return state


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, exc: BaseException, where: str):
        self.exc_type = type(exc)
        self.msg = f"Caught {type(exc).__name__} {where}.\nOriginal {traceback.format_exc()}"

    def reraise(self):
        try:
            exc = self.exc_type(self.msg)
        except Exception:
            exc = RuntimeError(self.msg)
        raise exc


class IterableExhausted:
    """Sent by a worker whose copy of an IterableDataset has run out."""


def fetch(source, is_iterable, indices, auto_collation, collate_fn, drop_last):
    """One batch (or one sample without auto-collation): indexed from a map-style dataset, or the next
    items of an iterable dataset's stream (a short last batch unless drop_last; StopIteration when empty)."""
    if not is_iterable:
        return collate_fn([source[i] for i in indices] if auto_collation else source[indices])
    if not auto_collation:
        return collate_fn(next(source))
    data = []
    for _ in indices:
        try:
            data.append(next(source))
        except StopIteration:
            break
    if not data or (drop_last and len(data) < len(indices)):
        raise StopIteration
    return collate_fn(data)


def worker_loop(dataset, is_iterable, index_queue, result_queue, collate_fn, auto_collation, drop_last,
                base_seed, worker_id, num_workers, worker_init_fn, done_event):
    """Fetch (task_id, indices) from index_queue, put (task_id, batch) on result_queue; None stops."""
    global _worker_info
    import numpy as np

    from ...random import manual_seed
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(numpy_seed_state(base_seed, worker_id))
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    stream = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        if is_iterable:
            stream = iter(dataset)
    except Exception as e:
        result_queue.put((None, ExceptionWrapper(e, f"in DataLoader worker process {worker_id}")))
        return
    while not done_event.is_set():
        try:
            task = index_queue.get(timeout=0.1)
        except queue.Empty:
            continue
        if task is None:
            break
        task_id, indices = task
        if task_id == "restart":
            stream = iter(dataset)
            continue
        try:
            data = fetch(stream if is_iterable else dataset, is_iterable, indices, auto_collation, collate_fn,
                         drop_last)
        except StopIteration:
            data = IterableExhausted()
        except Exception as e:
            data = ExceptionWrapper(e, f"in DataLoader worker process {worker_id}")
        result_queue.put((task_id, data))
