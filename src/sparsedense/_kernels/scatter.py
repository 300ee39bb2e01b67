"""Scatter-add kernels: the gradient of a lookup, dense or row-sparse, deterministic.

The gradient of ``out = weight[indices]`` with respect to ``weight`` adds each
row of ``grad_output`` into the row its index points at. Several positions
may point at the same row, so a parallel loop over positions would race and
make the float sums depend on scheduling. Instead the positions are first
bucketed by row (a counting sort, stable: ascending positions within a row),
then threads own disjoint sets of rows and add each row's positions in
ascending order. The summation order is fixed, so the result is bit-identical
for any number of threads and from run to run.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._prefetch import prefetch_row
from ._tasks import next_task, task_range

#: positions ahead whose gradient rows are prefetched
PREFETCH_DISTANCE = 2


@njit(**JIT_OPTIONS)
def _row_ptr(indices, num_embeddings, padding_idx):
    """Row buckets of the positions: those pointing at row ``r`` go to
    ``row_ptr[r]:row_ptr[r + 1]``. Positions at ``padding_idx`` (if >= 0) are not counted."""
    row_ptr = np.zeros(num_embeddings + 1, dtype=np.int64)
    for i in range(indices.shape[0]):
        r = indices[i]
        if r != padding_idx:
            row_ptr[r + 1] += 1
    for r in range(num_embeddings):
        row_ptr[r + 1] += row_ptr[r]
    return row_ptr


@njit(**JIT_OPTIONS)
def _bucket_by_row(indices, num_embeddings, padding_idx):
    """Counting sort of positions by row: ``(row_ptr, positions)``.

    The positions pointing at row ``r`` are
    ``positions[row_ptr[r]:row_ptr[r + 1]]``, ascending. Positions at
    ``padding_idx`` (if >= 0) are left out.
    """
    n = indices.shape[0]
    row_ptr = _row_ptr(indices, num_embeddings, padding_idx)
    fill = row_ptr[:-1].copy()
    positions = np.empty(row_ptr[num_embeddings], dtype=np.int64)
    for i in range(n):
        r = indices[i]
        if r != padding_idx:
            positions[fill[r]] = i
            fill[r] += 1
    return row_ptr, positions


@njit(**JIT_OPTIONS)
def _bucket_by_row_sorted(indices, order, padding_idx):
    """Like :func:`_bucket_by_row` but without an array of ``num_embeddings`` counts.

    For a huge table and a small batch: ``order`` is a stable argsort of the
    indices (numpy's, about 3x faster than Numba's mergesort on 1,000 ids;
    a stable order is unique, so the result is the same), then the distinct
    rows. Returns ``(rows, row_ptr, positions)`` where ``rows`` are the
    distinct rows, ascending, and the positions of ``rows[k]`` are
    ``positions[row_ptr[k]:row_ptr[k + 1]]``.
    """
    n = 0
    for i in range(order.shape[0]):
        if indices[order[i]] != padding_idx:
            n += 1
    positions = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(order.shape[0]):
        if indices[order[i]] != padding_idx:
            positions[k] = order[i]
            k += 1
    n_rows = 0
    prev = -1
    for i in range(n):
        r = indices[positions[i]]
        if r != prev:
            n_rows += 1
            prev = r
    rows = np.empty(n_rows, dtype=np.int64)
    row_ptr = np.empty(n_rows + 1, dtype=np.int64)
    prev = -1
    k = -1
    for i in range(n):
        r = indices[positions[i]]
        if r != prev:
            k += 1
            rows[k] = r
            row_ptr[k] = i
            prev = r
    row_ptr[n_rows] = n
    return rows, row_ptr, positions


@njit(**JIT_OPTIONS)
def _nonempty_rows(row_ptr):
    """Rows with at least one position, ascending, and their slice starts/ends."""
    v = row_ptr.shape[0] - 1
    n = 0
    for r in range(v):
        if row_ptr[r + 1] > row_ptr[r]:
            n += 1
    rows = np.empty(n, dtype=np.int64)
    ptr = np.empty(n + 1, dtype=np.int64)
    k = 0
    for r in range(v):
        if row_ptr[r + 1] > row_ptr[r]:
            rows[k] = r
            ptr[k] = row_ptr[r]
            k += 1
    ptr[n] = row_ptr[v]
    return rows, ptr


@njit(**JIT_OPTIONS)
def _sum_one_row(grad, start, end, positions, scale_by_count, out, r):
    o = out[r]
    dim = grad.shape[1]
    for j in range(dim):
        o[j] = 0
    scale = 1.0 / max(end - start, 1)
    for q in range(start, end):
        if q + PREFETCH_DISTANCE < end:
            prefetch_row(grad, positions[q + PREFETCH_DISTANCE])
        g = grad[positions[q]]
        if scale_by_count:
            for j in range(dim):
                o[j] += g[j] * scale
        else:
            for j in range(dim):
                o[j] += g[j]


@parallel_kernel
def _segment_sum_rows(grad, row_ptr, positions, scale_by_count, order, target_rows, out,
                      n_tasks, n_workers, counter):
    """``out[target_rows[i]] = sum(grad[p] for p in positions[row_ptr[k]:row_ptr[k+1]])``
    for ``k = order[i]``.

    Terms are added in the order of ``positions`` (ascending). With
    ``scale_by_count`` each term is multiplied by ``1 / count`` (torch's
    ``scale_grad_by_freq``). ``order`` only decides which thread does which
    row (``_dispatch.balanced_order``): ``n_tasks`` equal ranges of it, taken
    one at a time by ``n_workers`` threads (:mod:`._tasks`); each thread owns
    whole output rows, so nothing races and the sums do not depend on the
    number of threads.
    """
    n = order.shape[0]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            first, last = task_range(t, n, n_tasks)
            for i in range(first, last):
                k = order[i]
                _sum_one_row(grad, row_ptr[k], row_ptr[k + 1], positions, scale_by_count, out,
                             target_rows[i])
            t = next_task(counter)


harden_caches(globals())
