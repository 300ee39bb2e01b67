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
ahead are prefetched. Measured here (100,000 x 300 float32 table, 20,000
bags, 1.6 M stored values, lower quartile of 15-31 interleaved runs): 67-76
ms against 97-100 ms for the eight-rows-at-a-time loop it replaced, level
with torch's fbgemm kernel (69-79 ms in the same runs), which works the same
way. Padding entries are removed by the caller
(:func:`_drop_padding`) before these kernels run.

The backward pass (table gradient ``X.T @ G`` and the sample weights'
gradient ``g_b . weight[i_p]``) reads a gradient row per position. For a row
indexed in many bags those reads are scattered over the whole gradient,
which is larger than the caches; so the most indexed rows (their gradient
rows held in cache, :data:`sparsedense.functional._bag.FREQUENT_ROWS_BYTES`)
are built by streaming the bags in order (:func:`_bag_frequent_rows_grad`),
and only the others row by row (:func:`_bag_weight_grad`). Both compute the
sample weights' gradient in the same pass, while the gradient row is in L1:
the table row is then read once per row, not once per position as a
separate pass would (measured: the separate pass cost as much as the table
gradient). Each gradient row sums its positions in ascending order in one
thread, and which rows are frequent depends only on the data, so results do
not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import FASTMATH, JIT_OPTIONS, harden_caches
from ._simd import fmuladd, weighted_row_sum


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
    # place, LLVM turns the select into masked stores (microcoded on AMD: 4x
    # slower, measured); alternating between the output row and the scratch row
    # ``other`` (the row's length, the caller's) makes every store unconditional
    # (vmaxps). 1-D row views keep it vectorized.
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


#: tasks of the parallel loop, equal ranges of bags (max mode: a scratch row each); a
#: power of two, so that Numba's equal split of the tasks among the threads is even
_N_TASKS = 64


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


@njit(parallel=True, **JIT_OPTIONS)
def _embedding_bag(offsets, indices, weights, mode, weight, out):
    """All bags at once; ``mode`` 0 = sum, 1 = mean, 2 = max. ``weights`` has one entry per index."""
    n_bags = offsets.shape[0] - 1
    n_tasks = min(n_bags, _N_TASKS)
    for t in prange(n_tasks):
        _bag_range(offsets, indices, weights, mode, weight, out, t * n_bags // n_tasks,
                   (t + 1) * n_bags // n_tasks)


@njit(**JIT_OPTIONS)
def _embedding_bag_serial(offsets, indices, weights, mode, weight, out):
    """Single-threaded :func:`_embedding_bag` (bit-identical results)."""
    _bag_range(offsets, indices, weights, mode, weight, out, 0, offsets.shape[0] - 1)


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
def _normalize_row_l2(src, out, r):
    s = 0.0
    for j in range(src.shape[1]):
        s += np.float64(src[r, j]) * src[r, j]
    if s > 0.0:
        inv = 1.0 / np.sqrt(s)
        for j in range(src.shape[1]):
            out[r, j] = src[r, j] * inv
    else:  # zeros (or NaN) are copied as they are
        for j in range(src.shape[1]):
            out[r, j] = src[r, j]


@njit(parallel=True, **JIT_OPTIONS)
def _normalize_rows_l2(src, out):
    """``out`` = the rows of ``src`` scaled to unit l2 norm (rows of zeros stay zero).

    ``out`` may be ``src`` (in place); otherwise it has ``src``'s shape and
    dtype, and the copy and the scaling are one pass over memory.
    """
    for r in prange(src.shape[0]):
        _normalize_row_l2(src, out, r)


@njit(**JIT_OPTIONS)
def _normalize_rows_l2_serial(src, out):
    """Single-threaded :func:`_normalize_rows_l2` (bit-identical results)."""
    for r in range(src.shape[0]):
        _normalize_row_l2(src, out, r)


@njit(**JIT_OPTIONS)
def _bag_of_positions(offsets, n):
    """Bag id of each of the ``n`` positions (positions after the last offset get -1)."""
    bag = np.full(n, -1, dtype=np.int64)
    for b in range(offsets.shape[0] - 1):
        for p in range(offsets[b], offsets[b + 1]):
            bag[p] = b
    return bag


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
def _add_position(o, s, g, w, dots, p, want_dots, zero):
    """``o += s * g`` for position ``p``, and with ``want_dots`` ``dots[p] = g . w``."""
    if want_dots:
        d = zero
        for j in range(o.shape[0]):
            o[j] += s * g[j]
            d += g[j] * w[j]
        dots[p] = d
    else:
        for j in range(o.shape[0]):
            o[j] += s * g[j]


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def _bag_grad_one_row(grad_output, bag_of, scale, start, end, positions, out, r, w, dots,
                      want_dots, zero):
    """Row ``r`` of the table gradient from its positions ``positions[start:end]``.

    With ``want_dots``, also ``dots[p] = grad_output[bag(p)] . w`` for each of
    these positions ``p`` (``w`` is the table row they index), summed in the
    gradient's precision (``zero``'s type, as torch): the sample weights'
    gradient, computed in the same pass over the gradient rows, so that the
    table row is read once per row instead of once per position.
    """
    dim = grad_output.shape[1]
    o = out[r]
    for j in range(dim):
        o[j] = 0
    q = start
    while q + 4 <= end:  # four positions per pass, as in the forward kernel
        p0 = positions[q]
        p1 = positions[q + 1]
        p2 = positions[q + 2]
        p3 = positions[q + 3]
        g0 = grad_output[bag_of[p0]]
        g1 = grad_output[bag_of[p1]]
        g2 = grad_output[bag_of[p2]]
        g3 = grad_output[bag_of[p3]]
        s0 = scale[p0]
        s1 = scale[p1]
        s2 = scale[p2]
        s3 = scale[p3]
        if want_dots:
            d0 = zero
            d1 = d0
            d2 = d0
            d3 = d0
            for j in range(dim):
                a0 = g0[j]
                a1 = g1[j]
                a2 = g2[j]
                a3 = g3[j]
                o[j] += (s0 * a0 + s1 * a1) + (s2 * a2 + s3 * a3)
                wj = w[j]
                d0 += a0 * wj
                d1 += a1 * wj
                d2 += a2 * wj
                d3 += a3 * wj
            dots[p0] = d0
            dots[p1] = d1
            dots[p2] = d2
            dots[p3] = d3
        else:
            for j in range(dim):
                o[j] += (s0 * g0[j] + s1 * g1[j]) + (s2 * g2[j] + s3 * g3[j])
        q += 4
    while q < end:
        p = positions[q]
        g = grad_output[bag_of[p]]
        _add_position(o, scale[p], g, w, dots, p, want_dots, zero)
        q += 1


@njit(parallel=True, **JIT_OPTIONS)
def _bag_weight_grad(grad_output, bag_of, scale, row_ptr, positions, order, target_rows, out,
                     rows, weight, dots, want_dots):
    """``out[target_rows[i]] = sum_p scale[p] * grad_output[bag_of[p]]`` over the positions
    of row ``k = order[i]`` (``positions[row_ptr[k]:row_ptr[k + 1]]``, ascending); with
    ``want_dots`` also ``dots[p] = grad_output[bag_of[p]] . weight[rows[k]]`` for the
    same positions.

    ``order`` only decides which thread does which row (see
    ``_dispatch.balanced_order``); threads own output rows (and the positions
    of their rows), so the results do not depend on the number of threads.
    """
    zero = np.zeros(1, grad_output.dtype)[0]
    for i in prange(order.shape[0]):
        k = order[i]
        _bag_grad_one_row(grad_output, bag_of, scale, row_ptr[k], row_ptr[k + 1], positions,
                          out, target_rows[i], weight[rows[k]], dots, want_dots, zero)


@njit(**JIT_OPTIONS)
def _bag_weight_grad_serial(grad_output, bag_of, scale, row_ptr, positions, order, target_rows,
                            out, rows, weight, dots, want_dots):
    """Single-threaded :func:`_bag_weight_grad` (bit-identical results)."""
    zero = np.zeros(1, grad_output.dtype)[0]
    for i in range(order.shape[0]):
        k = order[i]
        _bag_grad_one_row(grad_output, bag_of, scale, row_ptr[k], row_ptr[k + 1], positions,
                          out, target_rows[i], weight[rows[k]], dots, want_dots, zero)


@njit(fastmath=FASTMATH, **JIT_OPTIONS)
def _frequent_rows_part(grad_output, offsets, indices, scale, slot_of, targets, out, weight,
                        dots, want_dots, t, n_parts, zero):
    """Part ``t`` of :func:`_bag_frequent_rows_grad`: the frequent rows ``h`` with
    ``h % n_parts == t``."""
    dim = grad_output.shape[1]
    n_slots = targets.shape[0]
    for h in range(t, n_slots, n_parts):
        o = out[targets[h]]
        for j in range(dim):
            o[j] = 0
    for b in range(offsets.shape[0] - 1):
        g = grad_output[b]
        for p in range(offsets[b], offsets[b + 1]):
            h = slot_of[indices[p]]
            if h < 0 or h % n_parts != t:
                continue
            _add_position(out[targets[h]], scale[p], g, weight[indices[p]], dots, p, want_dots,
                          zero)


@njit(parallel=True, **JIT_OPTIONS)
def _bag_frequent_rows_grad(grad_output, offsets, indices, scale, slot_of, targets, out, weight,
                            dots, want_dots, n_parts):
    """The table gradient of the frequent rows, the bags streamed in order.

    A row indexed in many bags would read the gradient rows of those bags in
    random order (one cache miss each, the gradient being larger than the
    caches); here the bags' gradient rows are read once, in sequence, and each
    is added to the frequent rows its bag indexes (``slot_of[i]`` >= 0 for a
    frequent row ``i``; its output row is ``targets[slot_of[i]]``), which stay
    in cache. Each row sums its positions in ascending order, one at a time,
    and belongs to one part (``slot % n_parts``): the result does not depend
    on the number of parts or threads. With ``want_dots``, ``dots[p] =
    grad_output[b] . weight[indices[p]]`` for the positions of frequent rows.
    """
    zero = np.zeros(1, grad_output.dtype)[0]
    for t in prange(n_parts):
        _frequent_rows_part(grad_output, offsets, indices, scale, slot_of, targets, out, weight,
                            dots, want_dots, t, n_parts, zero)


@njit(**JIT_OPTIONS)
def _bag_frequent_rows_grad_serial(grad_output, offsets, indices, scale, slot_of, targets, out,
                                   weight, dots, want_dots, n_parts):
    """Single-threaded :func:`_bag_frequent_rows_grad` (bit-identical results)."""
    zero = np.zeros(1, grad_output.dtype)[0]
    for t in range(n_parts):
        _frequent_rows_part(grad_output, offsets, indices, scale, slot_of, targets, out, weight,
                            dots, want_dots, t, n_parts, zero)


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


@njit(parallel=True, **JIT_OPTIONS)
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
