"""Counting kernels: id streams to CSR count matrices, document frequencies, n-grams.

An *id stream* is a flat int64 array of feature ids with ``doc_offsets``
(``n_docs + 1`` entries) telling which slice belongs to which document; id -1
means "drop this occurrence" (an unknown word, a stop word, a pruned feature).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches


@njit(inline="always", **JIT_OPTIONS)
def insertion_sort(a, lo, hi):
    """Sort ``a[lo:hi]`` in place by insertion: fast for short or almost sorted runs."""
    for i in range(lo + 1, hi):
        v = a[i]
        j = i - 1
        while j >= lo and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@njit(**JIT_OPTIONS)
def _sort_small(a, n):
    """Sort ``a[:n]`` in place (insertion sort for short rows, else an in-place quicksort)."""
    if n <= 32:
        insertion_sort(a, 0, n)
    else:
        a[:n].sort()


@njit(**JIT_OPTIONS)
def _count_csr(ids, doc_offsets, n_features, out_indices, out_data):
    """Per-document counts of each feature id, as canonical CSR.

    Writes sorted column indices and their counts into ``out_indices`` /
    ``out_data`` (each at least ``len(ids)`` long) and returns ``indptr``
    (int64, ``n_docs + 1``). Ids equal to -1 are skipped.
    """
    n_docs = doc_offsets.shape[0] - 1
    acc = np.zeros(n_features, dtype=np.int64)
    cols = np.empty(1024, dtype=np.int64)
    indptr = np.empty(n_docs + 1, dtype=np.int64)
    indptr[0] = 0
    nnz = 0
    for d in range(n_docs):
        k = 0
        for t in range(doc_offsets[d], doc_offsets[d + 1]):
            c = ids[t]
            if c < 0:
                continue
            if acc[c] == 0:
                if k == cols.shape[0]:
                    bigger = np.empty(2 * k, dtype=np.int64)
                    bigger[:k] = cols
                    cols = bigger
                cols[k] = c
                k += 1
            acc[c] += 1
        _sort_small(cols, k)
        for i in range(k):
            c = cols[i]
            out_indices[nnz] = c
            out_data[nnz] = acc[c]
            acc[c] = 0
            nnz += 1
        indptr[d + 1] = nnz
    return indptr


@njit(**JIT_OPTIONS)
def _hashed_csr(indptr, indices, data, col_of, sign_of, n_cols, out_indptr, out_indices,
                out_data):
    """Fold local feature counts into hashed columns, as canonical CSR.

    Entry ``(r, f)`` with count ``x`` adds ``x * sign_of[f]`` to column
    ``col_of[f]`` of row ``r``; several features may share a column (hash
    collisions), and a column whose sum is 0 stays stored, as
    ``scipy.sparse``'s ``sum_duplicates`` leaves it. Returns the number of
    stored entries.
    """
    n_rows = indptr.shape[0] - 1
    acc = np.zeros(n_cols, dtype=np.float64)
    seen = np.zeros(n_cols, dtype=np.bool_)
    cols = np.empty(1024, dtype=np.int64)
    out_indptr[0] = 0
    nnz = 0
    for r in range(n_rows):
        k = 0
        for p in range(indptr[r], indptr[r + 1]):
            f = indices[p]
            c = col_of[f]
            if not seen[c]:
                seen[c] = True
                if k == cols.shape[0]:
                    bigger = np.empty(2 * k, dtype=np.int64)
                    bigger[:k] = cols
                    cols = bigger
                cols[k] = c
                k += 1
            acc[c] += data[p] * sign_of[f]
        _sort_small(cols, k)
        for i in range(k):
            c = cols[i]
            out_indices[nnz] = c
            out_data[nnz] = acc[c]
            acc[c] = 0.0
            seen[c] = False
            nnz += 1
        out_indptr[r + 1] = nnz
    return nnz


@njit(**JIT_OPTIONS)
def _column_stats(indices, data, n_features):
    """Document frequency (stored entries per column) and total count per column."""
    df = np.zeros(n_features, dtype=np.int64)
    tf = np.zeros(n_features, dtype=np.int64)
    for i in range(indices.shape[0]):
        c = indices[i]
        df[c] += 1
        tf[c] += data[i]
    return df, tf


@njit(**JIT_OPTIONS)
def _remap_csr(indptr, indices, data, new_col, out_indptr, out_indices, out_data):
    """Rename columns through ``new_col`` (-1 drops the entry), re-sorting each row.

    Rows whose old columns were sorted stay consistent: the output is
    canonical CSR (sorted, no duplicates since ``new_col`` is injective on the
    kept columns). Returns the number of stored entries written.
    """
    n_rows = indptr.shape[0] - 1
    order = np.empty(1024, dtype=np.int64)
    nnz = 0
    out_indptr[0] = 0
    for r in range(n_rows):
        start = indptr[r]
        end = indptr[r + 1]
        k = 0
        for p in range(start, end):
            c = new_col[indices[p]]
            if c >= 0:
                if k == order.shape[0]:
                    bigger = np.empty(2 * k, dtype=np.int64)
                    bigger[:k] = order
                    order = bigger
                # pack (new column, position) so one integer sort orders both
                order[k] = c * (end - start) + (p - start)
                k += 1
        _sort_small(order, k)
        width = end - start
        for i in range(k):
            c = order[i] // width
            p = start + order[i] - c * width
            out_indices[nnz] = c
            out_data[nnz] = data[p]
            nnz += 1
        out_indptr[r + 1] = nnz
    return nnz


@njit(**JIT_OPTIONS)
def _filter_stream(ids, doc_offsets, drop):
    """Remove every occurrence whose id is flagged in ``drop`` (stop words).

    Returns the compacted ``(ids, doc_offsets)``.
    """
    n_docs = doc_offsets.shape[0] - 1
    out = np.empty(ids.shape[0], dtype=np.int64)
    offsets = np.empty(n_docs + 1, dtype=np.int64)
    offsets[0] = 0
    n = 0
    for d in range(n_docs):
        for t in range(doc_offsets[d], doc_offsets[d + 1]):
            v = ids[t]
            if not drop[v]:
                out[n] = v
                n += 1
        offsets[d + 1] = n
    return out[:n], offsets


@njit(**JIT_OPTIONS)
def _ngram_windows(doc_offsets, min_n, max_n):
    """Start and length of every word n-gram, in scikit-learn's order.

    Per document: for n from ``min_n`` to ``max_n``, every window of n
    consecutive tokens of that document (never across documents). Returns
    ``(starts, lengths, ngram_doc_offsets)``.
    """
    n_docs = doc_offsets.shape[0] - 1
    total = 0
    for d in range(n_docs):
        m = doc_offsets[d + 1] - doc_offsets[d]
        for n in range(min_n, max_n + 1):
            if m >= n:
                total += m - n + 1
    starts = np.empty(total, dtype=np.int64)
    lengths = np.empty(total, dtype=np.int64)
    offsets = np.empty(n_docs + 1, dtype=np.int64)
    offsets[0] = 0
    k = 0
    for d in range(n_docs):
        s = doc_offsets[d]
        m = doc_offsets[d + 1] - s
        for n in range(min_n, max_n + 1):
            for i in range(m - n + 1):
                starts[k] = s + i
                lengths[k] = n
                k += 1
        offsets[d + 1] = k
    return starts, lengths, offsets


harden_caches(globals())
