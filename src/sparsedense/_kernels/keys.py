"""Key-store kernels: byte strings stored back to back, found by an open-addressing index.

The keys of a :class:`~sparsedense.vectors.QuantizedVectors` live in one
``uint8`` buffer (key ``i`` is ``buf[offsets[i]:offsets[i + 1]]``, UTF-8) and
an ``int32`` array of ``size`` slots (``-1`` empty, else a key number): linear
probing, load factor at most 7/10. A key's home slot is its CRC-32 (the one
``zlib.crc32`` computes, so Python finds a key without a kernel call) mixed by
Fibonacci hashing and mapped onto ``0..size-1`` by a multiply and shift
(``(mix * size) >> 32``), which lets ``size`` be any number, not a power of two.

The state is owned by ``sparsedense.vectors._keys.KeyStore``, which grows the
arrays; the kernels write into what they are given.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches


def crc32_table() -> np.ndarray:
    """The 256-entry table of the reflected CRC-32 (polynomial 0xEDB88320)."""
    c = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        c = np.where(c & 1, np.uint32(0xEDB88320) ^ (c >> np.uint32(1)), c >> np.uint32(1))
    return c.astype(np.uint32)


@njit(**JIT_OPTIONS)
def _home_slot(buf, start, end, size, table):
    """The home slot of ``buf[start:end]``: ``zlib.crc32`` of the bytes, mixed, in 0..size-1."""
    c = np.uint32(0xFFFFFFFF)
    for k in range(start, end):
        c = table[(c ^ np.uint32(buf[k])) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    c ^= np.uint32(0xFFFFFFFF)
    mixed = (np.uint64(c) * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
    return np.int64((mixed * np.uint64(size)) >> np.uint64(32))


@njit(**JIT_OPTIONS)
def _same(buf, a0, a1, b0, b1):
    """Whether ``buf[a0:a1]`` and ``buf[b0:b1]`` hold the same bytes."""
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0):
        if buf[a0 + k] != buf[b0 + k]:
            return False
    return True


@njit(**JIT_OPTIONS)
def _index_keys(buf, offsets, lo, hi, slots, table):
    """Enter keys ``lo..hi-1`` into ``slots``; the first that repeats an entered key is not
    entered. Returns the first such key number and the one it repeats (``-1, -1``: none).
    ``slots`` must have room: more slots than keys."""
    size = slots.shape[0]
    repeat, first = -1, -1
    for i in range(lo, hi):
        a0, a1 = offsets[i], offsets[i + 1]
        s = _home_slot(buf, a0, a1, size, table)
        while True:
            j = slots[s]
            if j < 0:
                slots[s] = i
                break
            if _same(buf, a0, a1, offsets[j], offsets[j + 1]):
                if repeat < 0:
                    repeat, first = i, j
                break
            s += 1
            if s == size:
                s = 0
    return repeat, first


@njit(**JIT_OPTIONS)
def _append_ranges(src, starts, ends, buf, pos, offsets, n):
    """Copy the byte ranges ``src[starts[r]:ends[r]]`` to ``buf`` from ``pos`` on, as keys
    ``n, n + 1...`` (``offsets[n]`` is ``pos``); returns the end of the last one."""
    for r in range(starts.shape[0]):
        for k in range(starts[r], ends[r]):
            buf[pos] = src[k]
            pos += 1
        offsets[n + r + 1] = pos
    return pos


harden_caches(globals())
