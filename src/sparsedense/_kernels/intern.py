"""Interning kernels: map sequences of integers (code points, token ids) to dense ids.

A hash table with open addressing (linear probing, power-of-two capacity,
load factor at most 1/2) whose keys are variable-length integer sequences
stored back to back in a growing ``pool``. It is the Numba counterpart of the
``defaultdict(vocabulary.__len__)`` scikit-learn fills token by token: the first
distinct key gets id 0, the next id 1, and so on, in order of first appearance.

The state lives in plain arrays owned by the caller (see
``sparsedense.text._intern.Interner``) and is returned, possibly reallocated,
by every call, so a corpus can be interned chunk by chunk.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(**JIT_OPTIONS)
def _hash_seq(values, start, length):
    """FNV-1a over the 64-bit values ``values[start:start + length]``."""
    h = _FNV_OFFSET
    for i in range(start, start + length):
        h ^= np.uint64(values[i])
        h *= _FNV_PRIME
    # final avalanche so that low bits depend on every input bit
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    return h


@njit(**JIT_OPTIONS)
def _rehash(slots, key_hash, n_keys, capacity):
    new_slots = np.full(capacity, -1, dtype=np.int64)
    mask = np.uint64(capacity - 1)
    for k in range(n_keys):
        pos = np.int64(key_hash[k] & mask)
        while new_slots[pos] != -1:
            pos = (pos + 1) & (capacity - 1)
        new_slots[pos] = k
    return new_slots


@njit(**JIT_OPTIONS)
def _intern_sequences(
    values, starts, lengths, slots, key_start, key_len, key_hash, pool, n_keys,
    pool_len, insert,
):
    """Give each sequence ``values[starts[i]:starts[i] + lengths[i]]`` its id.

    Returns ``(ids, slots, key_start, key_len, key_hash, pool, n_keys,
    pool_len)``; with ``insert=False`` unknown sequences get id -1 and the
    table is left unchanged.
    """
    n = starts.shape[0]
    ids = np.empty(n, dtype=np.int64)
    capacity = slots.shape[0]
    for i in range(n):
        s = starts[i]
        ln = lengths[i]
        h = _hash_seq(values, s, ln)
        pos = np.int64(h & np.uint64(capacity - 1))
        found = -1
        while True:
            k = slots[pos]
            if k == -1:
                break
            if key_hash[k] == h and key_len[k] == ln:
                ks = key_start[k]
                same = True
                for j in range(ln):
                    if pool[ks + j] != values[s + j]:
                        same = False
                        break
                if same:
                    found = k
                    break
            pos = (pos + 1) & (capacity - 1)
        if found == -1 and insert:
            found = n_keys
            if n_keys == key_start.shape[0]:
                grow = max(16, 2 * n_keys)
                key_start = np.concatenate((key_start, np.empty(grow - n_keys, np.int64)))
                key_len = np.concatenate((key_len, np.empty(grow - n_keys, np.int64)))
                key_hash = np.concatenate((key_hash, np.empty(grow - n_keys, np.uint64)))
            if pool_len + ln > pool.shape[0]:
                new_pool = np.empty(max(2 * pool.shape[0], pool_len + ln, 64), pool.dtype)
                new_pool[:pool_len] = pool[:pool_len]
                pool = new_pool
            for j in range(ln):
                pool[pool_len + j] = values[s + j]
            key_start[n_keys] = pool_len
            key_len[n_keys] = ln
            key_hash[n_keys] = h
            pool_len += ln
            n_keys += 1
            slots[pos] = found
            if 2 * n_keys > capacity:
                capacity *= 2
                slots = _rehash(slots, key_hash, n_keys, capacity)
        ids[i] = found
    return ids, slots, key_start, key_len, key_hash, pool, n_keys, pool_len


harden_caches(globals())
