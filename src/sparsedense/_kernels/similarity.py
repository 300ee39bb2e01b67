"""Similarity kernels: row norms, top-k selection per row, sparse x sparse^T into dense.

The row norms are :mod:`.norms`'s float64 sums of squares, computed per row in parallel.

Top-k selection keeps, for each row of a score block, the k best columns in
a small binary heap (worst on top): ``O(N log k)`` per row, one pass over the
scores, no sort of the whole row. Order: higher score first, and for equal
scores the lower column index first — the same total order in every thread,
so the result does not depend on how rows are split between threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import FASTMATH, JIT_OPTIONS, harden_caches, parallel_kernel
from ._tasks import next_task, task_range
from .norms import row_sum_squares


@parallel_kernel
def _row_norms(X, out):
    """l2 norm of each row of a dense 2-D array (:func:`.norms.row_sum_squares`, float64)."""
    for i in prange(X.shape[0]):
        out[i] = np.sqrt(row_sum_squares(X, i))


@njit(**JIT_OPTIONS)
def _worse(s1, i1, s2, i2):
    """True when (s1, i1) ranks below (s2, i2): lower score, or equal score and higher index.

    NaN scores rank below every number.
    """
    if s1 != s1:
        return not (s2 != s2) or i1 > i2
    if s2 != s2:
        return False
    return s1 < s2 or (s1 == s2 and i1 > i2)


@njit(**JIT_OPTIONS)
def _sift_down(hs, hi, n, pos):
    while True:
        left = 2 * pos + 1
        if left >= n:
            return
        w = left
        right = left + 1
        if right < n and _worse(hs[right], hi[right], hs[left], hi[left]):
            w = right
        if _worse(hs[w], hi[w], hs[pos], hi[pos]):
            hs[pos], hs[w] = hs[w], hs[pos]
            hi[pos], hi[w] = hi[w], hi[pos]
            pos = w
        else:
            return


#: scores counted together against the current k-th best before any heap work: a
#: fixed trip count that LLVM turns into whole vector compares with one reduction
#: per block; a block with a candidate is counted again in sub-blocks, and only a
#: sub-block with one is scanned score by score (on random data most blocks of the
#: first tiles hold a candidate, few sub-blocks do)
_BLOCK = 512
_SUB_BLOCK = 64


@njit(inline="always", **JIT_OPTIONS)
def _offer(hs, hi, k, s, c):
    if _worse(hs[0], hi[0], s, c):
        hs[0] = s
        hi[0] = c
        _sift_down(hs, hi, k, 0)


@njit(**JIT_OPTIONS)
def _topk_row(scores, row, k, col_offset, skip, out_idx, out_score, q):
    """Merge the best ``k`` columns of ``scores[row]`` into the running top-k of query ``q``.

    ``out_idx[q]`` / ``out_score[q]`` hold the current best (any order, -1 =
    empty slot) and are kept as a heap; columns get ``col_offset`` added;
    column ``skip`` (global) is ignored. Columns must reach a query in
    ascending order over successive calls (tiles left to right): then a score
    can only enter a full heap by being strictly greater than the worst kept
    one, so a block of scores none of which beats it is ruled out by one
    vectorized count, and the heap is touched only in the few blocks that
    hold a candidate (about ``k log(N/k)`` scores per row on random data).
    The scores that enter, and so the result, are those of a plain scan.
    """
    hs = out_score[q]
    hi = out_idx[q]
    n = 0
    for t in range(k):
        if hi[t] >= 0:
            n += 1
    # heapify what is there (slots 0..n-1 are filled first by construction)
    for pos in range(n // 2 - 1, -1, -1):
        _sift_down(hs, hi, n, pos)
    srow = scores[row]
    m = srow.shape[0]
    j = 0
    while j < m and n < k:
        c = j + col_offset
        if c != skip:
            hs[n] = srow[j]
            hi[n] = c
            n += 1
            if n == k:
                for pos in range(k // 2 - 1, -1, -1):
                    _sift_down(hs, hi, k, pos)
        j += 1
    while j < m:
        top = hs[0]
        if top == top and j + _BLOCK <= m:  # (a NaN on top: every number beats it)
            block = srow[j:j + _BLOCK]
            hits = 0
            for t in range(_BLOCK):
                hits += block[t] > top
            if hits:
                for u in range(0, _BLOCK, _SUB_BLOCK):
                    sub = block[u:u + _SUB_BLOCK]
                    top = hs[0]  # (the worst kept score rises as the block goes)
                    hits = 0
                    for t in range(_SUB_BLOCK):
                        hits += sub[t] > top
                    if hits:
                        for t in range(_SUB_BLOCK):
                            if sub[t] > hs[0]:
                                c = j + u + t + col_offset
                                if c != skip:
                                    _offer(hs, hi, k, sub[t], c)
            j += _BLOCK
        else:
            c = j + col_offset
            if c != skip:
                _offer(hs, hi, k, srow[j], c)
            j += 1


@parallel_kernel
def _topk_block(scores, k, col_offset, row_offset, exclude_self, out_idx, out_score):
    """Update the running top-k of queries ``row_offset + r`` with a tile of scores."""
    for r in prange(scores.shape[0]):
        q = row_offset + r
        skip = q if exclude_self else -1
        _topk_row(scores, r, k, col_offset, skip, out_idx, out_score, q)


@parallel_kernel
def _sort_topk(out_idx, out_score):
    """Order each row's top-k: score descending, ties by index ascending; empty slots last."""
    k = out_idx.shape[1]
    for q in prange(out_idx.shape[0]):
        # insertion sort: k is small
        for a in range(1, k):
            s = out_score[q, a]
            i = out_idx[q, a]
            b = a - 1
            while b >= 0 and (out_idx[q, b] < 0 or (i >= 0 and _worse(out_score[q, b],
                                                                       out_idx[q, b], s, i))):
                out_score[q, b + 1] = out_score[q, b]
                out_idx[q, b + 1] = out_idx[q, b]
                b -= 1
            out_score[q, b + 1] = s
            out_idx[q, b + 1] = i


@parallel_kernel
def _csr_dot_csr_t_dense(a_indptr, a_indices, a_data, bt_indptr, bt_indices, bt_data, out):
    """``out = A @ B.T`` (dense) from CSR ``A`` and the CSR of ``B.T`` (features x rows of B).

    Row ``i`` of the result adds ``a_ik * (B.T)[k]`` over the stored ``a_ik``:
    each thread owns output rows, so the sums do not depend on the thread count.
    """
    n_cols = out.shape[1]
    for i in prange(out.shape[0]):
        o = out[i]
        for j in range(n_cols):
            o[j] = 0
        for p in range(a_indptr[i], a_indptr[i + 1]):
            k = a_indices[p]
            v = a_data[p]
            for q in range(bt_indptr[k], bt_indptr[k + 1]):
                o[bt_indices[q]] += v * bt_data[q]


@njit(**JIT_OPTIONS)
def _gram_upper_row(indptr, indices, data, t_indptr, t_indices, t_data, out, i, zero, skip):
    n = out.shape[1]
    o = out[i]
    if zero:
        for j in range(i, n):
            o[j] = 0
    for p in range(indptr[i], indptr[i + 1]):
        k = indices[p]
        if skip[k]:  # a column multiplied densely
            continue
        v = data[p]
        start = t_indptr[k]
        end = t_indptr[k + 1]
        # rows of column k are sorted: skip those before i (lower triangle)
        lo, hi = start, end
        while lo < hi:
            mid = (lo + hi) // 2
            if t_indices[mid] < i:
                lo = mid + 1
            else:
                hi = mid
        for q in range(lo, end):
            o[t_indices[q]] += v * t_data[q]


@njit(**JIT_OPTIONS)
def _dense_columns(indptr, indices, data, position, D):
    """``D[i, position[k]] = A[i, k]`` for the columns with ``position[k] >= 0`` (D zeroed)."""
    for i in range(D.shape[0]):
        for p in range(indptr[i], indptr[i + 1]):
            c = position[indices[p]]
            if c >= 0:
                D[i, c] += data[p]


@njit(inline="always", **JIT_OPTIONS)
def _paired_row(step, n):
    """Row of ``step`` in the order 0, n - 1, 1, n - 2, ...: each short row of an upper
    triangle beside a long one, so equal ranges of steps cost about the same."""
    return step // 2 if step % 2 == 0 else n - 1 - step // 2


@njit(inline="always", **JIT_OPTIONS)
def _dense_upper_row(D, out, i):
    a = D[i]
    for j in range(i, D.shape[0]):
        b = D[j]
        s = 0.0
        for t in range(D.shape[1]):
            s += a[t] * b[t]
        out[i, j] = s


@parallel_kernel(fastmath=FASTMATH)
def _dense_gram_upper(D, out, n_tasks, n_workers, counter):
    """``out[i, j] = D[i] . D[j]`` for ``j >= i`` (the upper triangle).

    For the few frequent columns of a small matrix (a BLAS product there
    costs more to wake its threads than it computes). The rows in
    :func:`_paired_row`'s order, cut into ``n_tasks`` ranges taken by
    ``n_workers`` threads (:mod:`._tasks`). Each dot product is vectorised (its
    additions reordered, the same order on every call and every thread).
    """
    n = D.shape[0]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            first, last = task_range(t, n, n_tasks)
            for step in range(first, last):
                _dense_upper_row(D, out, _paired_row(step, n))
            t = next_task(counter)


@njit(inline="always", **JIT_OPTIONS)
def _mirror_row(out, i):
    for j in range(i):
        out[i, j] = out[j, i]


@parallel_kernel
def _csr_gram_dense(indptr, indices, data, t_indptr, t_indices, t_data, zero, skip, out,
                    n_tasks, n_workers, counter):
    """``out (+)= A @ A.T`` (dense, symmetric): only the upper triangle, then mirrored.

    ``t_*`` is the CSR of ``A.T`` with sorted indices. With ``zero=False`` the
    products are added to the upper triangle already in ``out``. The rows in
    :func:`_paired_row`'s order, so steps cost about the same; ``n_tasks``
    ranges of steps are taken one at a time by ``n_workers`` threads
    (:mod:`._tasks`, ``counter`` of two slots: the triangle, then the mirror).
    Each row is computed by one thread, so the result does not depend on the
    thread count.
    """
    n = out.shape[0]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            first, last = task_range(t, n, n_tasks)
            for step in range(first, last):
                _gram_upper_row(indptr, indices, data, t_indptr, t_indices, t_data, out,
                                _paired_row(step, n), zero, skip)
            t = next_task(counter)
    mirror = counter[1:]
    for _ in prange(n_workers):
        t = next_task(mirror)
        while t < n_tasks:
            first, last = task_range(t, n, n_tasks)
            for step in range(first, last):
                _mirror_row(out, _paired_row(step, n))
            t = next_task(mirror)


harden_caches(globals())
