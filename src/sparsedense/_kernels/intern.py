"""Interning kernels: map sequences of integers (code points, token ids) to dense ids.

A hash table with open addressing (linear probing, power-of-two capacity,
load factor at most 1/2) whose keys are variable-length integer sequences
stored back to back in a growing ``pool``. It is the Numba counterpart of the
``defaultdict(vocabulary.__len__)`` scikit-learn fills token by token: the first
distinct key gets id 0, the next id 1, and so on, in order of first appearance.

The state lives in plain arrays owned by the caller (see
``sparsedense._base.intern.Interner``), which grows them when the kernel
stops for room, so a corpus can be interned chunk by chunk.
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


@njit(inline="always", **JIT_OPTIONS)
def _slot_entry(h, k):
    """A slot's content: the hash's top 31 bits (a fingerprint) above the key id."""
    return (np.int64(h >> np.uint64(33)) << 32) | k


@njit(**JIT_OPTIONS)
def _rehash(slots, key_hash, n_keys, capacity):
    new_slots = np.full(capacity, -1, dtype=np.int64)
    mask = np.uint64(capacity - 1)
    for k in range(n_keys):
        pos = np.int64(key_hash[k] & mask)
        while new_slots[pos] != -1:
            pos = (pos + 1) & (capacity - 1)
        new_slots[pos] = _slot_entry(key_hash[k], k)
    return new_slots


@njit(**JIT_OPTIONS)
def _intern_sequences(values, starts, lengths, first, ids, slots, key_span, key_hash, pool,
                      n_keys, pool_len, insert):
    """Give sequences ``values[starts[i]:starts[i] + lengths[i]]``, ``i >= first``, their ids.

    Writes ``ids[i]``; with ``insert=False`` unknown sequences get -1 and the
    table is left unchanged. Returns ``(stop, n_keys, pool_len)``: ``stop``
    is ``len(starts)`` when every sequence is done, or the first one whose
    insertion needs more room (a fuller slot table than half, or full key or
    pool arrays): the caller grows the arrays and calls again from there. No
    array is reallocated in here, so the loop keeps its pointers in registers.

    A slot holds a fingerprint of the key's hash above its id, and
    ``key_span[k]`` its (start, length) in ``pool`` side by side, so a lookup
    touches three places in memory (slot, span, key).
    """
    n = starts.shape[0]
    capacity = slots.shape[0]
    mask = capacity - 1
    for i in range(first, n):
        s = starts[i]
        ln = lengths[i]
        h = _hash_seq(values, s, ln)
        fp = np.int64(h >> np.uint64(33))
        pos = np.int64(h & np.uint64(mask))
        found = -1
        while True:
            e = slots[pos]
            if e == -1:
                break
            if (e >> 32) == fp:
                k = e & 0xFFFFFFFF
                if key_span[k, 1] == ln:
                    ks = key_span[k, 0]
                    same = True
                    for j in range(ln):
                        if pool[ks + j] != values[s + j]:
                            same = False
                            break
                    if same:
                        found = k
                        break
            pos = (pos + 1) & mask
        if found == -1 and insert:
            if (n_keys == key_span.shape[0] or pool_len + ln > pool.shape[0]
                    or 2 * (n_keys + 1) > capacity):
                return i, n_keys, pool_len
            found = n_keys
            for j in range(ln):
                pool[pool_len + j] = values[s + j]
            key_span[n_keys, 0] = pool_len
            key_span[n_keys, 1] = ln
            key_hash[n_keys] = h
            pool_len += ln
            n_keys += 1
            slots[pos] = _slot_entry(h, found)
        ids[i] = found
    return n, n_keys, pool_len

harden_caches(globals())
