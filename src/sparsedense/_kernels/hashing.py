"""Hashing kernels: MurmurHash3 (x86, 32-bit) of UTF-8 byte strings.

The same function scikit-learn's ``HashingVectorizer`` uses (signed result,
seed 0), so hashed columns and signs agree with it bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from .counting import insertion_sort

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


@njit(inline="always", **JIT_OPTIONS)
def _column_and_sign(u, n_features):
    """``(abs(h) % n_features, h < 0)`` for the signed view ``h`` of the unsigned hash ``u``.

    scikit-learn's rule for ``h == -2**31`` (whose ``abs`` overflows int32) included.
    """
    h = np.int64(u)
    if h >= 2147483648:
        h -= 4294967296
    if h == -2147483648:
        return (2147483647 - (n_features - 1)) % n_features, True
    return abs(h) % n_features, h < 0


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
        cols[i], negative = _column_and_sign(u, n_features)
        signs[i] = -1.0 if alternate_sign and negative else 1.0
    return cols, signs


# --- hashing tokens straight from code points (no intermediate strings) -----

@njit(inline="always", **JIT_OPTIONS)
def _mix_block(h, k):
    k = (k * np.uint64(0xCC9E2D51)) & _M32
    k = _rotl32(k, 15)
    k = (k * np.uint64(0x1B873593)) & _M32
    h ^= k
    h = _rotl32(h, 13)
    return (h * np.uint64(5) + np.uint64(0xE6546B64)) & _M32


@njit(inline="always", **JIT_OPTIONS)
def _feed_byte(h, k, n, byte):
    """One more byte into a streaming MurmurHash3: state ``(h, partial block k, length n)``."""
    k |= np.uint64(byte) << np.uint64(8 * (n & 3))
    n += 1
    if n & 3 == 0:
        h = _mix_block(h, k)
        k = np.uint64(0)
    return h, k, n


@njit(inline="always", **JIT_OPTIONS)
def _feed_code_point(h, k, n, c):
    """The UTF-8 bytes of code point ``c`` (surrogates as 3 bytes, like 'surrogatepass')."""
    c = np.uint64(c)
    if c < 0x80:
        return _feed_byte(h, k, n, c)
    if c < 0x800:
        h, k, n = _feed_byte(h, k, n, np.uint64(0xC0) | (c >> np.uint64(6)))
        return _feed_byte(h, k, n, np.uint64(0x80) | (c & np.uint64(0x3F)))
    if c < 0x10000:
        h, k, n = _feed_byte(h, k, n, np.uint64(0xE0) | (c >> np.uint64(12)))
        h, k, n = _feed_byte(h, k, n, np.uint64(0x80) | ((c >> np.uint64(6)) & np.uint64(0x3F)))
        return _feed_byte(h, k, n, np.uint64(0x80) | (c & np.uint64(0x3F)))
    h, k, n = _feed_byte(h, k, n, np.uint64(0xF0) | (c >> np.uint64(18)))
    h, k, n = _feed_byte(h, k, n, np.uint64(0x80) | ((c >> np.uint64(12)) & np.uint64(0x3F)))
    h, k, n = _feed_byte(h, k, n, np.uint64(0x80) | ((c >> np.uint64(6)) & np.uint64(0x3F)))
    return _feed_byte(h, k, n, np.uint64(0x80) | (c & np.uint64(0x3F)))


@njit(inline="always", **JIT_OPTIONS)
def _hash_word_ngram(codes, starts, lengths, first, n_words, seed):
    """Unsigned MurmurHash3 of words ``first .. first + n_words - 1`` joined by spaces (UTF-8)."""
    h = np.uint64(seed) & _M32
    k = np.uint64(0)
    n = 0
    for w in range(first, first + n_words):
        if w > first:
            h, k, n = _feed_byte(h, k, n, np.uint64(0x20))
        s = starts[w]
        for i in range(s, s + lengths[w]):
            h, k, n = _feed_code_point(h, k, n, codes[i])
    if n & 3:
        k = (k * np.uint64(0xCC9E2D51)) & _M32
        k = _rotl32(k, 15)
        k = (k * np.uint64(0x1B873593)) & _M32
        h ^= k
    h ^= np.uint64(n) & _M32
    return _fmix32(h)


@njit(**JIT_OPTIONS)
def _ngram_counts(doc_offsets, min_n, max_n):
    """Features per document (word n-grams of every length in the range); first entry 0."""
    n_docs = doc_offsets.shape[0] - 1
    out = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        m = doc_offsets[d + 1] - doc_offsets[d]
        total = 0
        for n in range(min_n, max_n + 1):
            if m >= n:
                total += m - n + 1
        out[d + 1] = out[d] + total
    return out


@njit(inline="always", **JIT_OPTIONS)
def _bit_length(x):
    n = 0
    while x > 0:
        x >>= 1
        n += 1
    return n


#: a row's keys are first dealt into this many buckets by their top bits
_SORT_BUCKETS = 256


@njit(**JIT_OPTIONS)
def _sort_keys(keys, a, b, key_bits):
    """Sort ``keys[a:b]`` (non-negative, below ``2**key_bits``) in place.

    Hashed keys are spread evenly, so one pass of bucketing by the top 8 bits
    leaves an almost sorted array that an insertion sort finishes in linear
    time, where a comparison sort's comparisons of random keys are coin flips
    for the branch predictor. Short rows go straight to the insertion sort,
    very long ones to a quicksort.
    """
    n = b - a
    if n > 32 and n <= 16 * _SORT_BUCKETS:
        shift = max(0, key_bits - 8)
        count = np.zeros(_SORT_BUCKETS + 1, np.int64)
        for q in range(a, b):
            count[(keys[q] >> shift) + 1] += 1
        for i in range(_SORT_BUCKETS):
            count[i + 1] += count[i]
        tmp = np.empty(n, np.int64)
        for q in range(a, b):
            v = keys[q]
            bucket = v >> shift
            tmp[count[bucket]] = v
            count[bucket] += 1
        for i in range(n):
            keys[a + i] = tmp[i]
    elif n > 32:
        keys[a:b].sort()
        return
    insertion_sort(keys, a, b)


@njit(**JIT_OPTIONS)
def _hash_doc(codes, starts, lengths, doc_offsets, min_n, max_n, n_features, alternate_sign,
              seed, key_offsets, keys, key_bits, d):
    """Document ``d``'s features as sorted keys ``2 * column + negative``, each column once."""
    t0 = doc_offsets[d]
    m = doc_offsets[d + 1] - t0
    p = key_offsets[d]
    for n in range(min_n, max_n + 1):
        for first in range(t0, t0 + m - n + 1):
            u = _hash_word_ngram(codes, starts, lengths, first, n, seed)
            col, negative = _column_and_sign(u, n_features)
            keys[p] = 2 * col + (1 if alternate_sign and negative else 0)
            p += 1
    a = key_offsets[d]
    _sort_keys(keys, a, p, key_bits)
    distinct = 0
    last = -1
    for q in range(a, p):
        c = keys[q] >> 1
        if c != last:
            distinct += 1
            last = c
    return distinct


@njit(**JIT_OPTIONS)
def _merge_doc(keys, a, b, out_indices, out_data, o):
    last = -1
    o -= 1
    for q in range(a, b):
        c = keys[q] >> 1
        v = -1.0 if keys[q] & 1 else 1.0
        if c != last:
            o += 1
            out_indices[o] = c
            out_data[o] = v
            last = c
        else:
            out_data[o] += v


@njit(**JIT_OPTIONS)
def _csr_arrays(distinct):
    """``(indptr, indices, data)`` sized for ``distinct[d]`` entries in row ``d``."""
    n = distinct.shape[0]
    indptr = np.zeros(n + 1, dtype=np.int64)
    for d in range(n):
        indptr[d + 1] = indptr[d] + distinct[d]
    return indptr, np.empty(indptr[n], dtype=np.int64), np.empty(indptr[n], dtype=np.float64)


@njit(**JIT_OPTIONS)
def _hash_setup(doc_offsets, min_n, max_n, n_features):
    """``(n_docs, key_offsets, keys, key_bits, distinct)``: the arrays both hashing loops fill."""
    n_docs = doc_offsets.shape[0] - 1
    key_offsets = _ngram_counts(doc_offsets, min_n, max_n)
    keys = np.empty(key_offsets[n_docs], dtype=np.int64)
    key_bits = _bit_length(2 * n_features - 1)
    return n_docs, key_offsets, keys, key_bits, np.empty(n_docs, dtype=np.int64)


@parallel_kernel
def _hashed_word_csr(codes, starts, lengths, doc_offsets, min_n, max_n, n_features,
                     alternate_sign, seed):
    """Canonical CSR ``(indptr, indices, data)`` of hashed word n-gram counts per document.

    Each feature (a token, or ``n`` consecutive tokens joined by one space)
    is hashed from its code points directly (UTF-8 made on the fly), so no
    feature string is built; its column and sign follow :func:`_hash_features`.
    A document's ``2 * column + negative`` keys are sorted and merged: signed
    counts per column, zero sums kept. Documents are independent (parallel),
    each written by one thread, so the result does not depend on the thread count.
    """
    n_docs, key_offsets, keys, key_bits, distinct = _hash_setup(doc_offsets, min_n, max_n,
                                                                n_features)
    for d in prange(n_docs):
        distinct[d] = _hash_doc(codes, starts, lengths, doc_offsets, min_n, max_n, n_features,
                                alternate_sign, seed, key_offsets, keys, key_bits, d)
    indptr, indices, data = _csr_arrays(distinct)
    for d in prange(n_docs):
        _merge_doc(keys, key_offsets[d], key_offsets[d + 1], indices, data, indptr[d])
    return indptr, indices, data


harden_caches(globals())
