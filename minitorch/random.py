"""Random numbers that reproduce torch's CPU generator bit for bit.

torch's CPU generator is mt19937 seeded like NumPy's legacy `MT19937` seeding, so the
same 32-bit stream is available from NumPy. On top of it torch builds:
- uniform float32: (u32 & 0xFFFFFF) * 2**-24; float64: 53 bits of two draws (first is high);
- normal, fewer than 16 elements: Box-Muller in double on two 53-bit uniforms, caching
  the second value in the generator; 16 or more: fill with uniforms, then transform
  blocks of 16 (and the last 16 again from fresh uniforms when the size is not a
  multiple of 16); in float32 with the AVX Cephes log/sincos (see `_cephes32`);
- randint: u32 % range + low (u64 when the range needs 64 bits);
- randperm: a Fisher-Yates shuffle drawing u32 % (n - i);
- bernoulli(p scalar): 53-bit uniform < p; bernoulli(p tensor): 24-bit uniform < p.
"""
from __future__ import annotations

import math

import numpy as np

from . import _cephes32

DEFAULT_SEED = 67280421310721
refuse_draws = None  # an error message while random draws are refused (vmap's randomness="error")
_M24 = 0xFFFFFF
_M53 = np.uint64((1 << 53) - 1)


class Generator:
    """A CPU random generator (torch.Generator): mt19937 plus torch's normal cache."""

    def __init__(self, device="cpu"):
        from .device import as_device
        self.device = as_device(device)
        self._mt = np.random.MT19937()
        self._words = np.random.Generator(self._mt)  # the same stream, drawn as uint32 arrays
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        if not 0 <= seed < (1 << 64):
            raise RuntimeError(f"Overflow when unpacking long long")
        self._mt._legacy_seeding(seed & 0xFFFFFFFF)
        self._initial_seed = seed
        self._next_normal = None   # Box-Muller's second value (double path)
        return self

    def seed(self) -> int:
        s = int.from_bytes(np.random.SeedSequence().entropy.to_bytes(16, "little")[:8], "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self):
        """The full state as a uint8 tensor (round-trips through set_state)."""
        from .tensor import Tensor
        st = self._mt.state["state"]
        extra = np.array([st["pos"], self._initial_seed & 0xFFFFFFFF, self._initial_seed >> 32,
                          self._next_normal is not None], dtype=np.uint64)
        cache = np.array([self._next_normal or 0.0], dtype=np.float64)
        blob = np.concatenate([st["key"].astype(np.uint32).view(np.uint8), extra.view(np.uint8), cache.view(np.uint8)])
        return Tensor._wrap(blob)

    def set_state(self, new_state) -> "Generator":
        blob = np.asarray(new_state._data if hasattr(new_state, "_data") else new_state, dtype=np.uint8)
        key = blob[:624 * 4].view(np.uint32)
        pos, lo, hi, has = blob[624 * 4:624 * 4 + 32].view(np.uint64)
        cache = blob[624 * 4 + 32:].view(np.float64)[0]
        self._mt.state = {"bit_generator": "MT19937", "state": {"key": key.copy(), "pos": int(pos)}}
        self._initial_seed = int(lo) | (int(hi) << 32)
        self._next_normal = float(cache) if has else None
        return self

    # ---- raw draws --------------------------------------------------------------------
    def _u32(self, n: int):
        if refuse_draws:
            raise RuntimeError(refuse_draws)
        return self._mt.random_raw(n)  # uint64 values below 2**32

    def _u64(self, n: int):
        a = self._u32(2 * n)
        return (a[0::2] << np.uint64(32)) | a[1::2]

    def _bernoulli(self, n: int, p: float):
        """n draws of (53-bit uniform < p) as torch's scalar-p bernoulli_ makes them, compared as
        integers: u * 2**-53 < p exactly when u < T = ceil(p * 2**53). With u = hi * 2**32 + lo
        (hi: the low 21 bits of the first word, lo: the second word) that is a comparison of uint32
        pairs, which costs a quarter of building the 64-bit values."""
        if refuse_draws:
            raise RuntimeError(refuse_draws)
        threshold = min(math.ceil(p * 2.0 ** 53), 1 << 53)
        words = self._words.integers(0, 1 << 32, size=2 * n, dtype=np.uint32).reshape(n, 2)
        hi, lo = words[:, 0] & np.uint32(0x1FFFFF), words[:, 1]
        t_hi, t_lo = np.uint32(threshold >> 32), np.uint32(threshold & 0xFFFFFFFF)
        return (hi < t_hi) | ((hi == t_hi) & (lo < t_lo))

    def _uniform(self, n: int, np_dtype):
        """n uniforms in [0, 1) drawn the way torch draws them for this dtype."""
        if np_dtype == np.float64:
            return (self._u64(n) & _M53).astype(np.float64) * 2.0 ** -53
        return (self._u32(n) & _M24).astype(np.float64) * 2.0 ** -24

    def _normal_pair_double(self):
        u1, u2 = self._uniform(2, np.float64)
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        return r * math.cos(theta), r * math.sin(theta)

    def _normal(self, n: int, np_dtype, mean=0.0, std=1.0, contiguous=True):
        """n normals as torch's CPU normal kernel makes them (its vectorised fill serves
        contiguous outputs of 16+ elements; anything else draws one Box-Muller value at a time)."""
        if n >= 16 and contiguous:
            return self._normal_fill(n, np_dtype, mean, std)
        out = np.empty(n, dtype=np.float64)
        for i in range(n):
            out[i] = self._standard_normal_double() * std + mean
        return out.astype(np_dtype)

    def _standard_normal_double(self) -> float:
        """One N(0, 1) double: Box-Muller's second value kept for the next call, as torch's generator keeps it."""
        if self._next_normal is not None:
            z, self._next_normal = self._next_normal, None
            return z
        z, self._next_normal = self._normal_pair_double()
        return z

    def _normal_fill(self, n, np_dtype, mean, std):
        single = np_dtype != np.float64
        work = np.float32 if single else np.float64
        data = self._uniform(n, work).astype(work)
        blocks = data[: n - n % 16].reshape(-1, 16)
        blocks[:] = _box_muller16(blocks, single, mean, std)
        if n % 16:
            tail = self._uniform(16, work).astype(work).reshape(1, 16)
            data[n - 16:] = _box_muller16(tail, single, mean, std)[0]
        return data.astype(np_dtype, copy=False)

    def _randint(self, n: int, low: int, high: int):
        span = high - low
        draws = self._u64(n) if span >= (1 << 32) else self._u32(n)
        return (draws % np.uint64(span)).astype(np.int64) + low

    def _randperm(self, n: int):
        perm = np.arange(n, dtype=np.int64)
        draws = self._u32(n - 1) if n > 1 else []
        for i, r in enumerate(draws):
            z = i + int(r) % (n - i)
            perm[i], perm[z] = perm[z], perm[i]
        return perm


def _box_muller16(blocks, single: bool, mean, std):
    """torch's normal_fill_16 on rows of 16 uniforms: [cos half | sin half]."""
    u1 = 1 - blocks[:, :8]
    u2 = blocks[:, 8:]
    if single:
        f32 = np.float32
        radius = np.sqrt(f32(-2.0) * _cephes32.log(u1))
        sin, cos = _cephes32.sincos(f32(2.0 * math.pi) * u2)
        out = np.concatenate([radius * cos, radius * sin], axis=1)
        if std != 1.0 or mean != 0.0:  # one rounding, like the fused multiply-add
            out = (out.astype(np.float64) * f32(std) + f32(mean)).astype(f32)
        return out
    # glibc's log, as torch's kernel calls it: NumPy's vectorised float64 log differs in the last bit
    # for a few inputs in a thousand
    radius = np.sqrt(-2.0 * np.fromiter(map(math.log, u1.ravel()), np.float64, u1.size).reshape(u1.shape))
    theta = 2.0 * math.pi * u2
    return np.concatenate([radius * np.cos(theta) * std + mean, radius * np.sin(theta) * std + mean], axis=1)


default_generator = Generator()


def _gen(generator, device=None) -> Generator:
    """The generator to draw from: the one given, else the default one of `device` (CUDA devices
    draw from the CUDA backend's generator, on the device)."""
    if refuse_draws:  # inside vmap(randomness="error"): a random op is refused before it looks at anything else
        raise RuntimeError(refuse_draws)
    if generator is not None:
        return generator
    from .device import as_device
    device = as_device(device)
    return default_generator if device.type == "cpu" else device.backend.generator


def manual_seed(seed) -> Generator:
    """Seed the default CPU generator (and CUDA's, where there is one)."""
    from . import cuda
    cuda.manual_seed_all(int(seed))
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)
