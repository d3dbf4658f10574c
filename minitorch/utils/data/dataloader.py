"""DataLoader: batches from a dataset through a sampler, collated into tensors, in this process
or in worker processes (results come back in sampler order either way)."""
from __future__ import annotations

import collections.abc
import itertools
import multiprocessing
import numbers
import queue
import time
import warnings

import numpy as np

from ...ops.creation import empty, tensor
from ...ops.shape import stack
from ...tensor import Tensor
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from .worker import ExceptionWrapper, IterableExhausted, fetch, worker_loop


def default_convert(data):
    """Without batching: NumPy arrays and scalars become tensors, containers are converted inside."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OUS":
        return tensor(data)
    if isinstance(data, np.generic):
        return tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data


def default_collate(batch):
    """torch's collation: stack tensors and arrays, turn numbers into a tensor (float64 for floats),
    keep strings as a list, and recurse into dicts, named tuples, tuples and lists."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch, 0)
    if isinstance(first, np.ndarray) and first.dtype.kind not in "OUS":
        return stack([tensor(b) for b in batch], 0)
    if isinstance(first, np.generic):
        return tensor(np.array(batch))
    if isinstance(first, float):
        return tensor(batch, dtype="float64")
    if isinstance(first, (bool, numbers.Integral)):
        return tensor(batch)
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return type(first)({k: default_collate([b[k] for b in batch]) for k in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(items)) for items in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(items)) for items in zip(*batch)]
        return tuple(columns) if isinstance(first, tuple) else columns
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(first)}")


class _InfiniteConstantSampler(Sampler):
    """The index sampler of an iterable dataset: placeholders, forever."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader:
    """Iterate over a dataset in batches, as torch.utils.data.DataLoader.

    With `shuffle=True` the order equals torch's after the same seed. `num_workers > 0` runs that
    many worker processes (each seeded as torch seeds them); `pin_memory` is accepted and has no
    effect on the CPU.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                     f"but got {name}={value}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            else:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=2)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context, self.generator = (worker_init_fn, multiprocessing_context,
                                                                             generator)
        self.prefetch_factor = 2 if num_workers and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order  # False: with workers, batches go out as they arrive
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)
        self._workers = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _draw_base_seed(self) -> int:
        # torch draws a base seed for worker seeding whenever an iteration starts, workers or not;
        # drawing it too keeps a shuffled order equal to torch's
        return int(empty((), dtype="int64").random_(generator=self.generator).item())

    def __iter__(self):
        if self.num_workers == 0:
            return self._single_process_batches()
        if self.persistent_workers and self._workers is not None:
            self._workers.reset(self._draw_base_seed())
            return self._workers
        workers = _WorkerPoolIterator(self)
        if self.persistent_workers:
            self._workers = workers
        return workers

    def _single_process_batches(self):
        self._draw_base_seed()
        source = iter(self.dataset) if self._is_iterable else self.dataset
        for indices in self._index_sampler:
            try:
                yield fetch(source, self._is_iterable, indices, self._auto_collation, self.collate_fn,
                            self.drop_last)
            except StopIteration:
                return

    def __len__(self):
        if self._is_iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)


class _WorkerPoolIterator:
    """Tasks go round-robin to worker processes, `prefetch_factor` per worker in flight; results are
    reordered into sampler order. Workers are stopped when the epoch ends (unless persistent)."""

    def __init__(self, loader: DataLoader):
        ctx = loader.multiprocessing_context
        ctx = multiprocessing.get_context(ctx) if isinstance(ctx, str) else (ctx or multiprocessing)
        self._loader = loader
        self._done = ctx.Event()
        self._results = ctx.Queue()
        self._index_queues, self._processes = [], []
        base_seed = loader._draw_base_seed()
        for worker_id in range(loader.num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            process = ctx.Process(target=worker_loop, daemon=True, args=(
                loader.dataset, loader._is_iterable, index_queue, self._results, loader.collate_fn,
                loader._auto_collation, loader.drop_last, base_seed, worker_id, loader.num_workers,
                loader.worker_init_fn, self._done))
            process.start()
            self._index_queues.append(index_queue)
            self._processes.append(process)
        self._shut = False
        self._start_epoch()

    def _start_epoch(self):
        self._sampler_iter = iter(self._loader._index_sampler)
        self._send_idx = self._rcvd_idx = self._taken = 0
        self._owner, self._buffer = {}, {}
        self._active = [True] * len(self._processes)
        self._turn = itertools.cycle(range(len(self._processes)))
        for _ in range(self._loader.prefetch_factor * len(self._processes)):
            self._put_task()

    def reset(self, base_seed):
        """A new epoch on persistent workers (iterable datasets restart their streams)."""
        if self._loader._is_iterable:
            for q in self._index_queues:
                q.put(("restart", None))
        self._start_epoch()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def _put_task(self):
        if not any(self._active):
            return
        try:
            indices = next(self._sampler_iter)
        except StopIteration:
            return
        worker = next(w for w in self._turn if self._active[w])
        self._index_queues[worker].put((self._send_idx, indices))
        self._owner[self._send_idx] = worker
        self._send_idx += 1

    def _ready(self):
        """The task whose result goes out next: the next in sampler order, or with in_order=False the
        earliest that has arrived."""
        if self._rcvd_idx in self._buffer:
            return self._rcvd_idx
        if not self._loader.in_order and self._buffer:
            return min(self._buffer)
        return None

    def __next__(self):
        while True:
            key = self._ready()
            if key is not None:
                data = self._buffer.pop(key)
                self._taken += 1
                if key == self._rcvd_idx:
                    self._rcvd_idx += 1
                self._put_task()
                if isinstance(data, IterableExhausted):
                    continue
                if isinstance(data, ExceptionWrapper):
                    self._shutdown()
                    data.reraise()
                return data
            if self._taken >= self._send_idx:
                if not self._loader.persistent_workers:
                    self._shutdown()
                raise StopIteration
            task_id, data = self._get_result()
            if task_id is None:  # a worker failed before taking tasks
                self._shutdown()
                data.reraise()
            if isinstance(data, IterableExhausted):
                self._active[self._owner[task_id]] = False
            self._buffer[task_id] = data

    def _get_result(self):
        timeout = self._loader.timeout
        start = time.monotonic()
        while True:
            try:
                return self._results.get(timeout=min(timeout, 1.0) if timeout else 1.0)
            except queue.Empty:
                dead = [str(p.pid) for p in self._processes if not p.is_alive()]
                if dead:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(dead)}) exited unexpectedly") from None
                if timeout and time.monotonic() - start > timeout:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None

    def _shutdown(self):
        if self._shut:
            return
        self._shut = True
        self._done.set()
        for q in self._index_queues:
            q.put(None)
        for p in self._processes:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
        for q in (*self._index_queues, self._results):
            q.cancel_join_thread()
            q.close()
        if self._loader._workers is self:
            self._loader._workers = None

    def __del__(self):
        self._shutdown()
