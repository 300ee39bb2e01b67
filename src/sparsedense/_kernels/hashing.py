"""Hashing kernels: MurmurHash3 (x86, 32-bit) of UTF-8 byte strings.

The same function scikit-learn's ``HashingVectorizer`` uses (signed result,
seed 0), so hashed columns and signs agree with it bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches

_M32 = np.uint64(0xFFFFFFFF)


@njit(**JIT_OPTIONS)
def _rotl32(x, r):
    return ((x << np.uint64(r)) | (x >> np.uint64(32 - r))) & _M32


@njit(**JIT_OPTIONS)
def _fmix32(h):
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _M32
    h ^= h >> np.uint64(16)
    return h


@njit(**JIT_OPTIONS)
def _murmurhash3_32(buf, start, length, seed):
    """Unsigned MurmurHash3_x86_32 of ``buf[start:start + length]`` (uint8)."""
    c1 = np.uint64(0xCC9E2D51)
    c2 = np.uint64(0x1B873593)
    h = np.uint64(seed) & _M32
    nblocks = length // 4
    for b in range(nblocks):
        p = start + 4 * b
        k = (np.uint64(buf[p]) | (np.uint64(buf[p + 1]) << np.uint64(8))
             | (np.uint64(buf[p + 2]) << np.uint64(16)) | (np.uint64(buf[p + 3]) << np.uint64(24)))
        k = (k * c1) & _M32
        k = _rotl32(k, 15)
        k = (k * c2) & _M32
        h ^= k
        h = _rotl32(h, 13)
        h = (h * np.uint64(5) + np.uint64(0xE6546B64)) & _M32
    tail = start + 4 * nblocks
    rem = length & 3
    k = np.uint64(0)
    if rem >= 3:
        k ^= np.uint64(buf[tail + 2]) << np.uint64(16)
    if rem >= 2:
        k ^= np.uint64(buf[tail + 1]) << np.uint64(8)
    if rem >= 1:
        k ^= np.uint64(buf[tail])
        k = (k * c1) & _M32
        k = _rotl32(k, 15)
        k = (k * c2) & _M32
        h ^= k
    h ^= np.uint64(length) & _M32
    return _fmix32(h)


@njit(**JIT_OPTIONS)
def _hash_features(buf, offsets, n_features, alternate_sign, seed):
    """Column and sign of each feature ``buf[offsets[i]:offsets[i + 1]]``.

    Column = ``abs(h) % n_features`` for the signed 32-bit hash ``h`` (with
    scikit-learn's rule for ``h == -2**31``); sign = +1 if ``h >= 0`` else -1
    (always +1 without ``alternate_sign``).
    """
    n = offsets.shape[0] - 1
    cols = np.empty(n, dtype=np.int64)
    signs = np.empty(n, dtype=np.float64)
    for i in range(n):
        u = _murmurhash3_32(buf, offsets[i], offsets[i + 1] - offsets[i], seed)
        h = np.int64(u)
        if h >= 2147483648:
            h -= 4294967296
        if h == -2147483648:
            cols[i] = (2147483647 - (n_features - 1)) % n_features
        else:
            cols[i] = abs(h) % n_features
        if alternate_sign and h < 0:
            signs[i] = -1.0
        else:
            signs[i] = 1.0
    return cols, signs


harden_caches(globals())
