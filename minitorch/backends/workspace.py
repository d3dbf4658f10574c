"""Large scratch arrays kept for reuse on the CPU.

Memory fresh from the operating system costs a page fault and the zeroing of every page, each
time it is touched first: about 6 ms for the 47 MB of columns one TinyVGG convolution writes, on
the machines minitorch is benchmarked on. glibc's malloc hands arrays above 32 MB straight back
to the system when they are freed, so without a workspace every training step would pay that
again. Buffers return here only when their user says they are done (`give_back`); anything not
given back is simply garbage-collected.
"""
from __future__ import annotations

import threading

import numpy as np

MIN_BYTES = 1 << 25   # smaller arrays: malloc already reuses freed memory for them
MOST_KEPT = 4         # buffers kept at once; beyond that the oldest is let go


class Workspace:
    def __init__(self):
        self._free: list[np.ndarray] = []  # raw uint8 buffers, oldest first
        self._lock = threading.Lock()

    def empty(self, shape, dtype) -> np.ndarray:
        """An uninitialised array, in a kept buffer of the same size where there is one."""
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if nbytes >= MIN_BYTES:
            with self._lock:
                for i, raw in enumerate(self._free):
                    if raw.nbytes == nbytes:
                        del self._free[i]
                        return raw.view(dtype).reshape(shape)
        return np.empty(shape, dtype)

    def give_back(self, array: np.ndarray) -> None:
        """Keep `array`'s memory for a later `empty`; the caller must hold no other view of it."""
        raw = array if array.base is None else array.base
        if not isinstance(raw, np.ndarray) or not raw.flags.owndata or raw.nbytes < MIN_BYTES:
            return
        with self._lock:
            if any(kept.base is raw for kept in self._free):
                return
            self._free.append(raw.reshape(-1).view(np.uint8))
            del self._free[:-MOST_KEPT]

    def clear(self) -> None:
        with self._lock:
            self._free.clear()
