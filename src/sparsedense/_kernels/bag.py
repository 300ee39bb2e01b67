"""Embedding-bag kernels: weighted sums, means and maxima of table rows per bag.

A bag is a slice ``indices[offsets[b]:offsets[b + 1]]`` (a CSR row: its
column ids and stored values); the kernels here compute, for every bag,

* ``sum``:  ``out[b] = sum_p w_p * weight[i_p]``  (``X @ weight`` for a CSR ``X``)
* ``mean``: the sum divided by ``sum_p w_p`` (0 for an empty bag)
* ``max``:  ``out[b, j] = max_p w_p * weight[i_p, j]`` (0 for an empty bag)

They are gathers of table rows, bound by memory traffic. Threads own whole
bags (output rows), so nothing races and results do not depend on the
thread count. Sums and means run :func:`._simd.weighted_row_sum`: the
partial sums of up to 104 columns stay in vector registers for the whole
bag (an LLVM intrinsic; a plain loop keeps them in the output row, a load
and a store per table row), and the same columns of the row 8 positions
ahead are prefetched, as torch's fbgemm kernel does. Padding entries are
removed by the caller (:func:`_drop_padding`) before these kernels run.

The backward pass (table gradient ``X.T @ G`` and the sample weights'
gradient ``g_b . weight[i_p]``) reads a gradient row per position. For a row
indexed in many bags those reads are scattered over the whole gradient,
which is larger than the caches; so the most indexed rows (their gradient
rows held in cache, the tuned ``FREQUENT_ROWS_BYTES``)
are built by streaming the bags in order (:func:`_bag_frequent_rows_grad`),
and only the others row by row (:func:`_bag_weight_grad`): their positions
bucketed by row with the bag and scale of each (:func:`_bucket_bag_positions`),
then summed by the forward kernel's register-blocked, prefetching
:func:`._simd.weighted_row_sum` with the gradient as the table. Both compute
the sample weights' gradient right after the rows are read, while they are
in cache: the table row is then read once per row, not once per position as
a separate pass would. Both index in two dimensions instead of taking a row
view per position (each view updates a shared reference count), and the
row-by-row path writes its dot products in sequence, not each to a random
cache line (the caller moves them to their positions). Each gradient row
sums its positions in ascending order in one thread (the same ``fmuladd``
chain on both paths), and which rows are frequent depends only on the data,
so results do not depend on the thread count.

Figures for these choices: docs/howto/benchmarks.rst, "Kernel design notes".
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import FASTMATH, JIT_OPTIONS, harden_caches, parallel_kernel
from ._tasks import next_task, task_range
from ._prefetch import prefetch_row
from ._simd import align_frame, fmuladd, weighted_row_sum



@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _bag_sum_row(indices, weights, start, end, weight, out, b, mean):
    # mean: the sum divided by the bag's total weight (0 when that is 0), in the
    # same pass (the division is applied to the registers before they are stored)
    divisor = out.dtype.type(1)
    if mean:
        total = 0.0
        for p in range(start, end):
            total += weights[p]
        if total == 0.0:
            for j in range(out.shape[1]):
                out[b, j] = 0
            return
        divisor = out.dtype.type(total)
    if weight.strides[1] == weight.itemsize and out.strides[1] == out.itemsize:
        weighted_row_sum(weight, indices, weights, start, end, out, b, divisor)
        return
    # a table whose rows are strided (a column slice, Fortran order): plain loops,
    # the same operations in the same order as the vector code
    o = out[b]
    for j in range(o.shape[0]):
        o[j] = 0
    for p in range(start, end):
        r = weight[indices[p]]
        w = out.dtype.type(weights[p])
        for j in range(o.shape[0]):
            o[j] = fmuladd(w, r[j], o[j])
    if divisor != 1:
        for j in range(o.shape[0]):
            o[j] = o[j] / divisor


@njit(**JIT_OPTIONS)
def _bag_max_row(indices, weights, start, end, weight, out, b, other):
    # o[j] is replaced only where w * r[j] > o[j] (NaN never replaces). Written in
    # place, LLVM turns the select into masked stores (microcoded, so slow, on AMD);
    # alternating between the output row and the scratch row ``other`` (the row's
    # length, the caller's) makes every store unconditional (vmaxps). 1-D row views
    # keep it vectorized.
    o = out[b]
    dim = o.shape[0]
    if end == start:
        for j in range(dim):
            o[j] = 0
        return
    r0 = weight[indices[start]]
    w0 = weights[start]
    for j in range(dim):
        o[j] = w0 * r0[j]
    src = o
    dst = other
    for p in range(start + 1, end):
        r = weight[indices[p]]
        w = weights[p]
        for j in range(dim):
            v = w * r[j]
            dst[j] = max(src[j], v)
        src, dst = dst, src
    if end - start - 1 & 1:  # an odd number of steps: the result is in the scratch row
        for j in range(dim):
            o[j] = other[j]


@njit(inline="always", **JIT_OPTIONS)
def _bag_range(offsets, indices, weights, mode, weight, out, first, last):
    # bags [first, last), one scratch row for all of them (max mode)
    other = np.empty(out.shape[1] if mode == 2 else 0, out.dtype)
    for b in range(first, last):
        start = offsets[b]
        end = offsets[b + 1]
        if mode == 2:
            _bag_max_row(indices, weights, start, end, weight, out, b, other)
        else:
            _bag_sum_row(indices, weights, start, end, weight, out, b, mode == 1)


@parallel_kernel
def _embedding_bag(offsets, indices, weights, mode, weight, out, n_tasks, n_workers, counter):
    """All bags at once; ``mode`` 0 = sum, 1 = mean, 2 = max. ``weights`` has one entry per index.

    ``n_tasks`` equal ranges of bags (max mode: a scratch row each) taken one
    at a time by ``n_workers`` threads (:mod:`._tasks`); bags are independent,
    so the result does not depend on who runs them.
    """
    n_bags = offsets.shape[0] - 1
    for _ in prange(n_workers):
        align_frame()
        t = next_task(counter)
        while t < n_tasks:
            first, last = task_range(t, n_bags, n_tasks)
            _bag_range(offsets, indices, weights, mode, weight, out, first, last)
            t = next_task(counter)


@njit(**JIT_OPTIONS)
def _drop_padding(offsets, indices, weights, padding_idx):
    """Remove the entries equal to ``padding_idx``: new ``(offsets, indices, weights, kept)``.

    ``kept[k]`` is the original position of new entry ``k``.
    """
    n_bags = offsets.shape[0] - 1
    new_offsets = np.empty(n_bags + 1, dtype=np.int64)
    new_indices = np.empty(indices.shape[0], dtype=np.int64)
    new_weights = np.empty(indices.shape[0], dtype=weights.dtype)
    kept = np.empty(indices.shape[0], dtype=np.int64)
    k = 0
    new_offsets[0] = 0
    for b in range(n_bags):
        for p in range(offsets[b], offsets[b + 1]):
            if indices[p] != padding_idx:
                new_indices[k] = indices[p]
                new_weights[k] = weights[p]
                kept[k] = p
                k += 1
        new_offsets[b + 1] = k
    return new_offsets, new_indices[:k], new_weights[:k], kept[:k]


@njit(**JIT_OPTIONS)
def _bucket_bag_positions(offsets, indices, scale, row_ptr, part_of):
    """The positions of the rows the streamed pass does not own, sorted by row.

    Rows ``r`` with ``part_of[r] < 0``, by a stable counting sort into the
    buckets ``row_ptr`` (which count only those rows; see
    ``scatter._row_ptr``), with the bag and the scale of each:
    ``(positions, seq_bag, seq_scale)``, the per-row kernel's input, read in
    sequence.

    Every position belongs to a bag (the caller drops the entries after the
    last bag's end).
    """
    n = row_ptr[row_ptr.shape[0] - 1]
    fill = row_ptr[:-1].copy()
    positions = np.empty(n, dtype=np.int64)
    seq_bag = np.empty(n, dtype=np.int64)
    seq_scale = np.empty(n, dtype=scale.dtype)
    for b in range(offsets.shape[0] - 1):
        for p in range(offsets[b], offsets[b + 1]):
            r = indices[p]
            if part_of[r] >= 0:
                continue
            s = fill[r]
            fill[r] = s + 1
            positions[s] = p
            seq_bag[s] = b
            seq_scale[s] = scale[p]
    return positions, seq_bag, seq_scale


@parallel_kernel
def _zero_rows(out, n_tasks, n_workers, counter):
    """``out[:] = 0``, both threads in row ranges.

    A fresh gradient array's pages are first touched (and zeroed by the
    operating system, 2 MB at a time with transparent huge pages) here, in
    one streaming pass, not in the middle of the gradient kernels' gathers,
    where the page faults would stall them (``np.zeros`` defers exactly
    those faults to the gathers).
    """
    n_rows = out.shape[0]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            first, last = task_range(t, n_rows, n_tasks)
            for r in range(first, last):
                for j in range(out.shape[1]):
                    out[r, j] = 0
            t = next_task(counter)


@njit(**JIT_OPTIONS)
def _bag_position_scales(offsets, weights, mean, n):
    """Factor of each position in its bag's output: ``w_p`` (sum) or ``w_p / sum(w)`` (mean)."""
    scale = np.zeros(n, dtype=np.float64)
    for b in range(offsets.shape[0] - 1):
        start = offsets[b]
        end = offsets[b + 1]
        if mean:
            total = 0.0
            for p in range(start, end):
                total += weights[p]
            if total != 0.0:
                for p in range(start, end):
                    scale[p] = weights[p] / total
        else:
            for p in range(start, end):
                scale[p] = weights[p]
    return scale


@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _dot64(a, b):
    s = 0.0
    for j in range(a.shape[0]):
        s += np.float64(a[j]) * np.float64(b[j])
    return s


@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _add_position(out, r, s, grad_output, b, weight, i, dots, p, want_dots, zero):
    """``out[r] += s * grad_output[b]`` for position ``p`` (of row ``i``), and with
    ``want_dots`` ``dots[p] = grad_output[b] . weight[i]``.

    Two-dimensional indexing, no row views: a view per position costs a
    reference count update of its array (an atomic operation, on a cache
    line both threads write).
    """
    if want_dots:
        d = zero
        for j in range(grad_output.shape[1]):
            out[r, j] += s * grad_output[b, j]
            d += grad_output[b, j] * weight[i, j]
        dots[p] = d
    else:
        for j in range(grad_output.shape[1]):
            out[r, j] += s * grad_output[b, j]


#: rows of the per-row kernel ahead whose table row (for the dot products) is prefetched
_TABLE_ROWS_AHEAD = 2


@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _row_dots(grad_output, seq_bag, start, end, weight, i, seq_dots, zero):
    """``seq_dots[q] = grad_output[seq_bag[q]] . weight[i]`` for q in [start, end), four
    terms per pass over the table row (one reduction alone waits on its adds)."""
    dim = grad_output.shape[1]
    q = start
    while q + 4 <= end:
        b0 = seq_bag[q]
        b1 = seq_bag[q + 1]
        b2 = seq_bag[q + 2]
        b3 = seq_bag[q + 3]
        d0 = zero
        d1 = zero
        d2 = zero
        d3 = zero
        for j in range(dim):
            w = weight[i, j]
            d0 += grad_output[b0, j] * w
            d1 += grad_output[b1, j] * w
            d2 += grad_output[b2, j] * w
            d3 += grad_output[b3, j] * w
        seq_dots[q] = d0
        seq_dots[q + 1] = d1
        seq_dots[q + 2] = d2
        seq_dots[q + 3] = d3
        q += 4
    while q < end:
        b = seq_bag[q]
        d = zero
        for j in range(dim):
            d += grad_output[b, j] * weight[i, j]
        seq_dots[q] = d
        q += 1


@njit(fastmath=FASTMATH, inline="always", **JIT_OPTIONS)
def _bag_grad_rows(grad_output, seq_bag, seq_scale, row_ptr, ks, first, last, target_rows,
                   out, weight, seq_dots, want_dots):
    """Rows ``ks[first:last]`` of the table gradient (see :func:`_bag_weight_grad`)."""
    zero = np.zeros(1, grad_output.dtype)[0]
    one = out.dtype.type(1)
    for x in range(first, last):
        i = ks[x]
        start = row_ptr[i]
        end = row_ptr[i + 1]
        if want_dots and x + _TABLE_ROWS_AHEAD < last:
            prefetch_row(weight, ks[x + _TABLE_ROWS_AHEAD])
        weighted_row_sum(grad_output, seq_bag, seq_scale, start, end, out, target_rows[x], one)
        if want_dots:  # the gradient rows just summed are still in cache
            _row_dots(grad_output, seq_bag, start, end, weight, i, seq_dots, zero)


@njit(parallel=True, fastmath=FASTMATH, **JIT_OPTIONS)
def _bag_weight_grad(grad_output, seq_bag, seq_scale, row_ptr, ks, bounds, target_rows, out,
                     weight, seq_dots, want_dots, n_workers, counter):
    """``out[target_rows[x]] = sum_q seq_scale[q] * grad_output[seq_bag[q]]`` over the
    terms ``q`` in ``[row_ptr[i], row_ptr[i + 1])`` of table row ``i = ks[x]``; with
    ``want_dots`` also ``seq_dots[q] = grad_output[seq_bag[q]] . weight[i]``.

    The terms come in the order of the row buckets (``seq_bag``: the bag of
    each, ``seq_scale``: its factor; :func:`_bucket_bag_positions`), so a
    row's terms are contiguous: :func:`._simd.weighted_row_sum` sums them in
    registers and prefetches the gradient rows ahead, as the forward kernel
    does with the table. The dot products are written in the same order
    (contiguous; written at their positions, each would be a store to a
    random cache line) and moved to the positions by the caller. Tasks are the
    ranges ``ks[bounds[t]:bounds[t + 1]]`` (the caller makes them about equal
    in terms), taken one at a time by ``n_workers`` threads (:mod:`._tasks`);
    each row is summed by one thread, its terms in ascending position order,
    so the results do not depend on the number of threads.
    """
    n_tasks = bounds.shape[0] - 1
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            _bag_grad_rows(grad_output, seq_bag, seq_scale, row_ptr, ks, bounds[t],
                           bounds[t + 1], target_rows, out, weight, seq_dots, want_dots)
            t = next_task(counter)


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def _bag_weight_grad_serial(grad_output, seq_bag, seq_scale, row_ptr, ks, bounds, target_rows,
                            out, weight, seq_dots, want_dots, n_workers, counter):
    """Single-threaded :func:`_bag_weight_grad` (bit-identical results)."""
    _bag_grad_rows(grad_output, seq_bag, seq_scale, row_ptr, ks, 0, ks.shape[0], target_rows,
                   out, weight, seq_dots, want_dots)


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def _frequent_rows_part(grad_output, offsets, indices, scale, part_of, target_of, out, weight,
                        dots, want_dots, t, zero):
    """Part ``t`` of :func:`_bag_frequent_rows_grad`: the frequent rows ``i`` with
    ``part_of[i] == t``, added into their output rows (zero on entry)."""
    for b in range(offsets.shape[0] - 1):
        for p in range(offsets[b], offsets[b + 1]):
            i = indices[p]
            if part_of[i] != t:
                continue
            _add_position(out, target_of[i], scale[p], grad_output, b, weight, i, dots, p,
                          want_dots, zero)


@parallel_kernel
def _bag_frequent_rows_grad(grad_output, offsets, indices, scale, part_of, target_of, out, weight,
                            dots, want_dots, n_parts):
    """The table gradient of the frequent rows, the bags streamed in order.

    A row indexed in many bags would read the gradient rows of those bags in
    random order (one cache miss each, the gradient being larger than the
    caches); here the bags' gradient rows are read once, in sequence, and each
    is added to the frequent rows its bag indexes (``part_of[i]`` >= 0 for a
    frequent row ``i``, the part that owns it; its output row is
    ``target_of[i]``, zero on entry), which stay in cache. Each row sums its
    positions in ascending order, one at a time, and belongs to one part: the
    result does not depend on the number of parts or threads. With
    ``want_dots``, ``dots[p] = grad_output[b] . weight[indices[p]]`` for the
    positions of frequent rows.
    """
    zero = np.zeros(1, grad_output.dtype)[0]
    for t in prange(n_parts):
        _frequent_rows_part(grad_output, offsets, indices, scale, part_of, target_of, out, weight,
                            dots, want_dots, t, zero)


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def _bag_mean_weight_grad(offsets, weights, grad_output, forward, dots):
    """Mean mode: turn ``dots[p] = g_b . weight[i_p]`` into the gradient of sample weight ``p``.

    ``d out_b / d w_p = (weight[i_p] - forward_b) / sum(w_b)``, so the gradient
    is ``(dots[p] - g_b . forward_b) / sum(w_b)`` (0 for a bag whose weights
    sum to 0). In place, float64.
    """
    for b in range(offsets.shape[0] - 1):
        start = offsets[b]
        end = offsets[b + 1]
        total = 0.0
        for p in range(start, end):
            total += weights[p]
        if total == 0.0:
            for p in range(start, end):
                dots[p] = 0.0
            continue
        at = _dot64(grad_output[b], forward[b])
        for p in range(start, end):
            dots[p] = (dots[p] - at) / total


@parallel_kernel
def _bag_max_grad(offsets, indices, weights, grad_output, weight, slot_of, out):
    """Max mode: ``grad_output[b, j]`` (times the weight) goes to the arg-max row of (b, j).

    The arg-max is the first position reaching the maximum (torch's rule).
    Threads own columns ``j``, and bags are visited in ascending order, so
    the sums do not depend on the number of threads. ``slot_of[p]`` is the
    output row of position ``p``.
    """
    dim = weight.shape[1]
    for j in prange(dim):
        for b in range(offsets.shape[0] - 1):
            start = offsets[b]
            end = offsets[b + 1]
            if end == start:
                continue
            best = start
            best_v = weights[start] * weight[indices[start], j]
            for p in range(start + 1, end):
                v = weights[p] * weight[indices[p], j]
                if v > best_v:
                    best_v = v
                    best = p
            out[slot_of[best], j] += grad_output[b, j] * weights[best]


harden_caches(globals())
