"""Co-occurrence kernels: a chunk of sentences to a CSR of word x context sums, and merges.

How a chunk becomes a CSR, without materialising pairs
------------------------------------------------------
A chunk is ``ids`` (word ids of whole sentences, back to back) and ``ends``
(where each sentence ends). :func:`chunk_index` sorts the token positions by
word (a counting sort, one pass): ``positions[word_ptr[w]:word_ptr[w + 1]]``
are the occurrences of word ``w`` in corpus order, each with the bounds of
its window in its sentence. Row ``w`` of the chunk's matrix is then computed
on its own, by visiting the window of each occurrence of ``w`` -- a few
contiguous ids, one cache line or two -- and summing the weights of each
distinct context in an accumulator of the vocabulary's size, while a bitset
(``n_words / 8`` bytes, in L1 cache) records which contexts the row has met
(:func:`chunk_reduce_count` counts them, :func:`chunk_reduce_write` sums and
writes them). The distinct contexts of a row are put in order by reading
the bitset over their span (dense rows), an insertion sort (a few) or a sort.
No (word, context) pair is ever stored: the memory of a chunk is four
integers per token plus its CSR. Rows are independent, so they run in
parallel, each written by one thread, in an order that balances the
Zipf-skewed work.

Exact sums
----------
Weights are integers: ``weight[d]`` is ``L / d`` (harmonic) or ``1``
(uniform) for ``L = lcm(1..window)``, so every sum is an exact int64 and the
result does not depend on the order of the additions -- not on threads, and
not on how the corpus is cut into chunks. The caller divides by ``L`` once
at the end. (For windows whose ``L`` is too large the caller passes float64
weights ``1 / d``; the kernels are the same.)

Merging
-------
:func:`merge_count` and :func:`merge_write` add two CSRs with sorted column
indices, row by row (a two-way merge per row, parallel over rows).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from .counting import insertion_sort


@njit(**JIT_OPTIONS)
def chunk_index(ids, ends, window, symmetric, word_ptr, positions, win_lo, win_hi):
    """Occurrences of every word in corpus order, each with the bounds of its window.

    ``word_ptr`` (length ``n_words + 1``) holds the start of each word's
    occurrences (the cumulative counts). Occurrence ``p`` of the sorted list
    is at position ``positions[p]``; its context is ``ids[win_lo[p]:win_hi[p]]``
    without the position itself (the window clipped to the sentence; the
    left side only unless ``symmetric``).
    """
    n_words = word_ptr.shape[0] - 1
    nxt = word_ptr[:n_words].copy()
    start = 0
    for s in range(ends.shape[0]):
        stop = ends[s]
        for t in range(start, stop):
            w = ids[t]
            p = nxt[w]
            nxt[w] = p + 1
            positions[p] = t
            win_lo[p] = max(start, t - window)
            win_hi[p] = min(stop, t + window + 1) if symmetric else t
        start = stop


@njit(**JIT_OPTIONS)
def _popcount(x):
    """Set bits of a uint64 (SWAR)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(**JIT_OPTIONS)
def _dense_row(word_ptr, win_lo, win_hi, r, n_bit_words):
    """Whether row ``r`` has enough visits to mark its contexts without branches.

    Dense rows set bits blindly and read the whole bitset at the end
    (``n_bit_words`` words); sparse rows list their contexts as met.
    """
    visits = 0
    for p in range(word_ptr[r], word_ptr[r + 1]):
        visits += win_hi[p] - win_lo[p]
        if visits >= 2 * n_bit_words:
            return True
    return False


@njit(**JIT_OPTIONS)
def _count_part(ids, word_ptr, positions, win_lo, win_hi, order, q_lo, q_hi, nuniq):
    n_words = word_ptr.shape[0] - 1
    bits = np.zeros((n_words + 63) // 64, np.uint64)
    seen = np.empty(n_words, np.int32)
    one = np.uint64(1)
    n_bit_words = bits.shape[0]
    for q in range(q_lo, q_hi):
        r = order[q]
        u = 0
        if _dense_row(word_ptr, win_lo, win_hi, r, n_bit_words):
            for p in range(word_ptr[r], word_ptr[r + 1]):
                t = positions[p]
                for v in range(win_lo[p], t):
                    j = ids[v]
                    bits[j >> 6] |= one << np.uint64(j & 63)
                for v in range(t + 1, win_hi[p]):
                    j = ids[v]
                    bits[j >> 6] |= one << np.uint64(j & 63)
            for b in range(n_bit_words):
                u += _popcount(bits[b])
                bits[b] = 0
        else:
            for p in range(word_ptr[r], word_ptr[r + 1]):
                t = positions[p]
                for v in range(win_lo[p], win_hi[p]):
                    if v == t:
                        continue
                    j = ids[v]
                    b = j >> 6
                    m = one << np.uint64(j & 63)
                    if (bits[b] & m) == 0:
                        bits[b] |= m
                        seen[u] = j
                        u += 1
            for k in range(u):
                bits[seen[k] >> 6] = 0
        nuniq[r] = u


@parallel_kernel
def chunk_reduce_count(ids, word_ptr, positions, win_lo, win_hi, order, bounds,
                       nuniq):
    """``nuniq[r]``: distinct contexts of word ``r``.

    Part ``p`` counts the rows ``order[bounds[p]:bounds[p + 1]]``.
    """
    for p in prange(bounds.shape[0] - 1):
        _count_part(ids, word_ptr, positions, win_lo, win_hi, order,
                    bounds[p], bounds[p + 1], nuniq)


@njit(**JIT_OPTIONS)
def _ctz(x):
    """Index of the lowest set bit of a non-zero uint64."""
    n = 0
    if (x & np.uint64(0xFFFFFFFF)) == 0:
        n += 32
        x >>= np.uint64(32)
    if (x & np.uint64(0xFFFF)) == 0:
        n += 16
        x >>= np.uint64(16)
    if (x & np.uint64(0xFF)) == 0:
        n += 8
        x >>= np.uint64(8)
    if (x & np.uint64(0xF)) == 0:
        n += 4
        x >>= np.uint64(4)
    if (x & np.uint64(0x3)) == 0:
        n += 2
        x >>= np.uint64(2)
    if (x & np.uint64(0x1)) == 0:
        n += 1
    return n


@njit(**JIT_OPTIONS)
def _write_part(ids, word_ptr, positions, win_lo, win_hi, weight, order, q_lo, q_hi,
                out_indptr, out_cols, out_vals):
    """Rows ``order[q_lo:q_hi]``: contexts marked in a bitset, summed in ``acc``, put in order.

    Dense rows (many visits) mark and sum without a branch and read the
    bitset in order at the end; sparse rows list their contexts as they meet
    them and sort the list (insertion sort when short). ``acc`` and the
    bitset are zero again after each row.
    """
    n_words = word_ptr.shape[0] - 1
    bits = np.zeros((n_words + 63) // 64, np.uint64)
    acc = np.zeros(n_words, out_vals.dtype)
    one = np.uint64(1)
    n_bit_words = bits.shape[0]
    for q in range(q_lo, q_hi):
        r = order[q]
        o = out_indptr[r]
        if _dense_row(word_ptr, win_lo, win_hi, r, n_bit_words):
            for p in range(word_ptr[r], word_ptr[r + 1]):
                t = positions[p]
                for v in range(win_lo[p], t):
                    j = ids[v]
                    bits[j >> 6] |= one << np.uint64(j & 63)
                    acc[j] += weight[t - v]
                for v in range(t + 1, win_hi[p]):
                    j = ids[v]
                    bits[j >> 6] |= one << np.uint64(j & 63)
                    acc[j] += weight[v - t]
            k = o
            for b in range(n_bit_words):
                x = bits[b]
                if x == 0:
                    continue
                bits[b] = 0
                while x != 0:
                    j = b * 64 + _ctz(x)
                    out_cols[k] = j
                    out_vals[k] = acc[j]
                    acc[j] = 0
                    k += 1
                    x &= x - one
            continue
        u = 0
        for p in range(word_ptr[r], word_ptr[r + 1]):
            t = positions[p]
            for v in range(win_lo[p], win_hi[p]):
                if v == t:
                    continue
                j = ids[v]
                b = j >> 6
                m = one << np.uint64(j & 63)
                if (bits[b] & m) == 0:
                    bits[b] |= m
                    out_cols[o + u] = j
                    u += 1
                acc[j] += weight[t - v if v < t else v - t]
        if u <= 16:
            insertion_sort(out_cols, o, o + u)
        else:
            out_cols[o:o + u].sort()
        for k in range(o, o + u):
            j = out_cols[k]
            bits[j >> 6] = 0
            out_vals[k] = acc[j]
            acc[j] = 0


@parallel_kernel
def chunk_reduce_write(ids, word_ptr, positions, win_lo, win_hi, weight, order,
                       bounds, out_indptr, out_cols, out_vals):
    """Sum each word's contexts into ``out_*`` (sorted columns), rows in parallel."""
    for p in prange(bounds.shape[0] - 1):
        _write_part(ids, word_ptr, positions, win_lo, win_hi, weight, order,
                    bounds[p], bounds[p + 1], out_indptr, out_cols, out_vals)


@njit(**JIT_OPTIONS)
def _merge_row_len(a_ptr, a_idx, b_ptr, b_idx, r):
    i = a_ptr[r]
    ie = a_ptr[r + 1]
    j = b_ptr[r]
    je = b_ptr[r + 1]
    n = 0
    while i < ie and j < je:
        x = a_idx[i]
        y = b_idx[j]
        if x <= y:
            i += 1
        if y <= x:
            j += 1
        n += 1
    return n + (ie - i) + (je - j)


@njit(**JIT_OPTIONS)
def _merge_row(a_ptr, a_idx, a_val, b_ptr, b_idx, b_val, r, o, out_idx, out_val):
    i = a_ptr[r]
    ie = a_ptr[r + 1]
    j = b_ptr[r]
    je = b_ptr[r + 1]
    while i < ie and j < je:
        x = a_idx[i]
        y = b_idx[j]
        if x < y:
            out_idx[o] = x
            out_val[o] = a_val[i]
            i += 1
        elif y < x:
            out_idx[o] = y
            out_val[o] = b_val[j]
            j += 1
        else:
            out_idx[o] = x
            out_val[o] = a_val[i] + b_val[j]
            i += 1
            j += 1
        o += 1
    while i < ie:
        out_idx[o] = a_idx[i]
        out_val[o] = a_val[i]
        i += 1
        o += 1
    while j < je:
        out_idx[o] = b_idx[j]
        out_val[o] = b_val[j]
        j += 1
        o += 1


@parallel_kernel
def merge_count(a_ptr, a_idx, b_ptr, b_idx, lens):
    """``lens[r]``: stored entries of row ``r`` of ``A + B`` (sorted-index CSRs)."""
    for r in prange(lens.shape[0]):
        lens[r] = _merge_row_len(a_ptr, a_idx, b_ptr, b_idx, r)


@parallel_kernel
def merge_write(a_ptr, a_idx, a_val, b_ptr, b_idx, b_val, out_ptr, out_idx, out_val):
    """Write ``A + B`` into ``out_*`` (``out_ptr`` from :func:`merge_count`), rows in parallel."""
    for r in prange(out_ptr.shape[0] - 1):
        _merge_row(a_ptr, a_idx, a_val, b_ptr, b_idx, b_val, r, out_ptr[r], out_idx, out_val)


@njit(**JIT_OPTIONS)
def _ppmi_row(indptr, indices, data, log_row, log_col, alpha, offset, r, vals):
    kept = 0
    lr = log_row[r]
    for k in range(indptr[r], indptr[r + 1]):
        v = np.log(np.float64(data[k])) + offset - lr - alpha * log_col[indices[k]]
        vals[k] = v
        if v > 0.0:
            kept += 1
    return kept


@parallel_kernel
def ppmi_values(indptr, indices, data, log_row, log_col, alpha, offset, vals, kept):
    """``vals[k]``: PMI of stored entry ``k`` (float64); ``kept[r]``: entries of row ``r`` > 0.

    PMI of ``(i, j)`` is ``log(C[i, j]) + offset - log_row[i] - alpha * log_col[j]``
    with ``offset = log(sum_c col_c**alpha) - log(shift)``. Every stored entry is > 0.
    """
    for r in prange(kept.shape[0]):
        kept[r] = _ppmi_row(indptr, indices, data, log_row, log_col, alpha, offset, r, vals)


@njit(**JIT_OPTIONS)
def _keep_positive_row(indptr, indices, vals, r, o, out_indices, out_data):
    for k in range(indptr[r], indptr[r + 1]):
        if vals[k] > 0.0:
            out_indices[o] = indices[k]
            out_data[o] = vals[k]
            o += 1


@parallel_kernel
def keep_positive(indptr, indices, vals, out_indptr, out_indices, out_data):
    """Copy the entries with ``vals > 0`` into the CSR ``out_*`` (rows in parallel)."""
    for r in prange(out_indptr.shape[0] - 1):
        _keep_positive_row(indptr, indices, vals, r, out_indptr[r], out_indices, out_data)


harden_caches(globals())
