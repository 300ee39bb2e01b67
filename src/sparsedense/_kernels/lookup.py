"""Lookup kernels: gather rows of an embedding table, renormalize rows (max_norm).

A lookup is a gather, memory-bound: its limit is the speed of copying its
output. The kernels write into an output the caller allocated (``np.empty``
in Python reuses freed memory, where an allocation inside Numba page-faults
afresh on every call) and split the rows between threads; a gather has no
reduction, so the result does not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._pages import page_task_range, touch_page_ends
from ._prefetch import prefetch_row
from ._simd import PREFETCH_DISTANCE
from ._tasks import next_task, task_range
from .norms import row_sum_squares


#: positions between the row copied and the row whose lines are prefetched (the bags')
_ROWS_AHEAD = PREFETCH_DISTANCE


@njit(inline="always", **JIT_OPTIONS)
def _gather_range(indices, weight, out, start, end, lead, page):
    dim = weight.shape[1]
    reach = start * dim  # (pages from here on not yet touched: see _pages)
    for i in range(start, end):
        reach = touch_page_ends(out, reach, (i + 1) * dim - 1, end * dim, lead, page)
        if i + _ROWS_AHEAD < end:  # rows in random order: keep the next fetches in flight
            prefetch_row(weight, indices[i + _ROWS_AHEAD])
        r = indices[i]
        for j in range(dim):
            out[i, j] = weight[r, j]


@parallel_kernel
def _embedding_gather(indices, weight, out, n_tasks, n_workers, counter):
    """``out[i] = weight[indices[i]]`` for a flat int64 ``indices``: an output in the caches.

    The rows are cut into ``n_tasks`` equal ranges that the ``n_workers``
    threads take one at a time (:mod:`._tasks`): a paused thread holds up one
    range, not half of the output.
    """
    n = indices.shape[0]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            start, end = task_range(t, n, n_tasks)
            _gather_range(indices, weight, out, start, end, 0, 0)
            t = next_task(counter)


@parallel_kernel
def _embedding_gather_pages(indices, weight, out, lead, page, span, n_tasks, n_workers, counter):
    """:func:`_embedding_gather` into a large output, maybe of fresh pages: each task is
    ``span`` elements of whole huge pages of ``page`` elements (the first boundary
    ``lead`` elements into ``out``), each page touched first at its end (:mod:`._pages`)."""
    n, dim = indices.shape[0], weight.shape[1]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            start, end = page_task_range(t, n, dim, lead, span)
            _gather_range(indices, weight, out, start, end, lead, page)
            t = next_task(counter)


@njit(**JIT_OPTIONS)
def _renorm_rows(weight, rows, max_norm, norm_type):
    """Scale each listed row whose ``norm_type``-norm exceeds ``max_norm`` down to it.

    torch's rule (``embedding_renorm_``): ``scale = max_norm / (norm + 1e-7)``,
    applied in place to rows whose norm is strictly greater than ``max_norm``.
    ``rows`` must be distinct. The norm is accumulated in float64 (the l2 norm
    is :func:`.norms.row_sum_squares`'s). Returns the number of rows changed.
    """
    dim = weight.shape[1]
    changed = 0
    for k in range(rows.shape[0]):
        r = rows[k]
        s = 0.0
        if norm_type == 2.0:
            norm = np.sqrt(row_sum_squares(weight, r))
        elif norm_type == 1.0:
            for j in range(dim):
                s += abs(np.float64(weight[r, j]))
            norm = s
        elif np.isinf(norm_type):
            for j in range(dim):
                s = max(s, abs(np.float64(weight[r, j])))
            norm = s
        else:
            for j in range(dim):
                s += abs(np.float64(weight[r, j])) ** norm_type
            norm = s ** (1.0 / norm_type)
        if norm > max_norm:
            scale = max_norm / (norm + 1e-7)
            for j in range(dim):
                weight[r, j] = weight[r, j] * scale
            changed += 1
    return changed


harden_caches(globals())
