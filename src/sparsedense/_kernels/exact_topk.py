"""Exact top-k: candidates found on fast scores with an error bound, ranked by canonical scores.

A BLAS product's rounding depends on the product's shape, the thread count
and the BLAS build, so two products that hold the same pair of rows can give
scores that differ in the last bit, and a near tie can rank either way. The
top-k of :func:`sparsedense.similarity.topk_similar` is therefore defined on
**canonical scores**: :func:`canonical_dot`, a float64 sum of the products in
a fixed order, rounded to the result's dtype. The fast scores (a BLAS tile, or
a tile of a compressed table's decoded rows) only find the candidates: every
score comes with a bound ``delta`` on its distance to the canonical one, a
row whose fast score cannot reach the running k-th best is ruled out, and the
rows that can are scored canonically and kept in a second heap. The answer
depends only on the rows' values, whichever path found the candidates.

Both heaps hold a query's ``k`` best in its slots of the caller's arrays; a
per-query count says how many slots are filled. Columns reach a query in
ascending order (tiles left to right), which the tie rule relies on: a row
ruled out at a tie ranks below the ``k`` earlier rows that beat it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches
from ._prefetch import prefetch_row
from ._simd import align_frame
from .dots import canonical_dot
from .norms import row_sum_squares
from .similarity import _offer, _sift_down

#: scores counted together against the threshold before any per-score work (as in
#: :mod:`.similarity`): a block without a candidate costs one vectorised pass
_BLOCK = 512
_SUB_BLOCK = 64
#: sets of columns (column mod this, or more for a large k) whose maxima fill an empty
#: heap (:func:`_fill_from_maxima`)
_LANES = 64
#: candidates ahead whose float row is prefetched while one is scored
_ROWS_AHEAD = 4


@njit(inline="always", **JIT_OPTIONS)
def _heapify(hs, hi, k):
    for pos in range(k // 2 - 1, -1, -1):
        _sift_down(hs, hi, k, pos)


@njit(inline="always", **JIT_OPTIONS)
def _fill_both(hs, hi, cs, ci, k, n, s, c, qrow, row):
    """Entry ``n`` (< k) of both heaps: fast score ``s`` and the canonical one of column
    ``c`` (``row``); both heapified once full. Returns the entries held."""
    hs[n] = s
    hi[n] = c
    cs[n] = canonical_dot(qrow, row)
    ci[n] = c
    if n + 1 == k:
        _heapify(hs, hi, k)
        _heapify(cs, ci, k)
    return n + 1


@njit(inline="always", **JIT_OPTIONS)
def _row_of(rows, j, normalize, buf, scales):
    """Row ``j`` of a tile as it is scored canonically: ``rows[j]``, or with ``normalize``
    its copy scaled to unit norm in ``buf`` (:func:`_prepared_row`: the values
    ``normalize_rows`` gives; the factor kept in ``scales[j]``)."""
    if normalize:
        return _prepared_row(rows, j, True, buf, scales)
    return rows[j]


@njit(inline="always", **JIT_OPTIONS)
def _offer_canonical(cs, ci, k, v, c, one):
    """Offer canonical score ``v`` (float64), rounded to the heap's dtype through ``one``."""
    one[0] = v
    _offer(cs, ci, k, one[0], c)


@njit(inline="always", **JIT_OPTIONS)
def _keep(hs, hi, k, n, v, c, one):
    """Put (``v``, ``c``) into a heap holding ``n`` entries: filled first, then offered.

    Returns the entries held. ``v`` is rounded to the heap's dtype (``one``).
    """
    if n < k:
        hs[n] = v
        hi[n] = c
        if n + 1 == k:
            _heapify(hs, hi, k)
        return n + 1
    _offer_canonical(hs, hi, k, v, c, one)
    return n


@njit(inline="always", **JIT_OPTIONS)
def _below(x, like):
    """The largest value of ``like``'s dtype at most ``x`` (a float64 threshold, rounded down).

    A count against it in the scores' own dtype (twice the lanes of float64)
    lets through every score above ``x``, and perhaps a few equal to it,
    which the exact test that follows sorts out.
    """
    y = like.dtype.type(x)
    if np.float64(y) > x:
        y = np.nextafter(y, like.dtype.type(-np.inf))
    return y


@njit(inline="always", **JIT_OPTIONS)
def _kth_largest(x, k):
    """The k-th largest value of ``x`` (no NaN), found in place by quickselect (``x`` is
    reordered; no allocation, where ``np.partition`` copies)."""
    lo = 0
    hi = x.shape[0] - 1
    want = k - 1  # its position once x is in descending order
    while lo < hi:
        pivot = x[(lo + hi) // 2]
        i = lo
        j = hi
        while i <= j:
            while x[i] > pivot:
                i += 1
            while x[j] < pivot:
                j -= 1
            if i <= j:
                x[i], x[j] = x[j], x[i]
                i += 1
                j -= 1
        if want <= j:
            hi = j
        elif want >= i:
            lo = i
        else:
            return x[want]
    return x[want]


@njit(inline="always", **JIT_OPTIONS)
def _lane_maxima(srow, full, lanes, maxima):
    """``maxima[t] = max(maxima[t], srow[t::lanes][:full // lanes])``, NaN ignored: elementwise
    maxima of whole vectors, no reduction."""
    for base in range(0, full, lanes):
        for t in range(lanes):
            v = srow[base + t]
            maxima[t] = v if v > maxima[t] else maxima[t]


@njit(inline="always", **JIT_OPTIONS)
def _count_above(srow, lo, width, thr):
    """How many of ``srow[lo:lo + width]`` exceed ``thr``."""
    hits = 0
    for t in range(lo, lo + width):
        hits += srow[t] > thr
    return hits


@njit(**JIT_OPTIONS)
def _fill_from_maxima(srow, rows, qrow, c0, k, skip, margin, hs, hi, cs, ci, one, pending,
                      normalize, buf, scales):
    """Fill both heaps of a query from a whole row of scores; returns ``(n, n_pending)``.

    The row's columns are dealt into ``lanes`` sets (column mod ``lanes``, at
    least ``2 k`` of them) and ``low``, the k-th largest of the sets' maxima,
    is found in one vectorised pass: k sets each hold a score at least
    ``low``, so a score below ``low - margin`` ranks canonically below k rows
    and is never looked at (a stretch of ``_SUB_BLOCK`` scores without one is
    ruled out by one count). The scores left fill the heaps in column order,
    as :func:`_exact_row`'s scan would: the first k scored canonically at
    once, the rest offered to the fast heap and kept in ``pending``. This
    replaces a heap that climbs through the first tile, offering about
    ``k log(m / k)`` scores one by one. A NaN score ranks below every number
    (as in the scan), so it is ruled out like one below ``low``. ``(0, 0)``,
    nothing written, when the row has fewer than ``lanes`` columns or fewer
    than k sets hold a number above ``-inf`` (or ``low`` is ``inf``: no
    float32 threshold lets a score by, and the plain fill runs).
    """
    align_frame()
    m = srow.shape[0]
    lanes = _LANES
    while lanes < 2 * k:
        lanes *= 2
    if lanes > m:
        return 0, 0
    maxima = np.full(lanes, -np.inf, dtype=srow.dtype)
    full = m - m % lanes
    if lanes == _LANES:  # (a constant trip count: whole vectors)
        _lane_maxima(srow, full, _LANES, maxima)
    else:
        _lane_maxima(srow, full, lanes, maxima)
    own = skip - c0
    if 0 <= own < full:  # the query's own column does not count towards low
        top = -np.inf
        for t in range(own % lanes, full, lanes):
            if t != own and srow[t] > top:
                top = np.float64(srow[t])
        maxima[own % lanes] = top
    low = np.float64(_kth_largest(maxima, k))
    if low == -np.inf:
        return 0, 0
    floor = low - margin
    thr = _below(floor, srow)
    n = 0
    n_pending = 0
    for lo in range(0, m, _SUB_BLOCK):
        width = min(_SUB_BLOCK, m - lo)
        if width == _SUB_BLOCK:  # (a constant trip count: whole vectors)
            hits = _count_above(srow, lo, _SUB_BLOCK, thr)
        else:
            hits = _count_above(srow, lo, width, thr)
        j = lo - 1
        while hits:  # up to the last score above thr
            j += 1
            s = srow[j]
            if not s > thr:
                continue
            hits -= 1
            c = j + c0
            if c == skip or np.float64(s) < floor:
                continue
            if n < k:
                n = _fill_both(hs, hi, cs, ci, k, n, s, c, qrow,
                               _row_of(rows, j, normalize, buf, scales))
            elif np.float64(s) > np.float64(hs[0]) - margin:
                _offer(hs, hi, k, s, c)
                pending[n_pending] = j
                n_pending += 1
    return n, n_pending


@njit(**JIT_OPTIONS)
def _exact_row(srow, rows, qrow, c0, k, skip, margin, hs, hi, cs, ci, n, one, pending,
               normalize, buf, scales):
    """One query's tile: fast scores ``srow`` of the prepared corpus rows ``rows``.

    ``hs``/``hi`` is the heap of the k best fast scores, ``cs``/``ci`` that of
    the k best canonical ones, both holding ``n`` entries (returned, updated).
    A score that exceeds the fast k-th best minus ``margin`` (twice the bound
    of a fast score's error) when it is met is kept in ``pending`` (scratch,
    a tile's width); after the tile those still at or above the k-th best
    minus ``margin`` are scored canonically (below that, the k rows in the
    fast heap all rank strictly above them canonically). Scored after the
    tile, a query pays for about k canonical scores, not for every score
    that climbed its fast heap.
    """
    align_frame()
    m = srow.shape[0]
    j = 0
    n_pending = 0
    if n == 0:
        n, n_pending = _fill_from_maxima(srow, rows, qrow, c0, k, skip, margin, hs, hi, cs,
                                         ci, one, pending, normalize, buf, scales)
        if n == k:
            j = m
    while j < m and n < k:
        c = j + c0
        if c != skip:
            n = _fill_both(hs, hi, cs, ci, k, n, srow[j], c, qrow,
                           _row_of(rows, j, normalize, buf, scales))
        j += 1
    tail_counted = False
    while j < m:
        top = hs[0]
        if top == top and j + _BLOCK <= m:  # (a NaN on top: every score is looked at)
            block = srow[j:j + _BLOCK]
            thr = _below(np.float64(top) - margin, block)  # (compared in the scores' dtype)
            hits = _count_above(block, 0, _BLOCK, thr)
            # the block's scores above thr, found sub-block by sub-block until all are met;
            # each is offered if it still beats the k-th best, which rises as they enter
            u = 0
            while hits:
                sub = block[u:u + _SUB_BLOCK]
                found = _count_above(sub, 0, _SUB_BLOCK, thr)
                t = 0
                while found:
                    s = sub[t]
                    if s > thr:
                        found -= 1
                        hits -= 1
                        c = j + u + t + c0
                        if c != skip and np.float64(s) > np.float64(hs[0]) - margin:
                            _offer(hs, hi, k, s, c)
                            pending[n_pending] = j + u + t
                            n_pending += 1
                    t += 1
                u += _SUB_BLOCK
            j += _BLOCK
        elif top == top and not tail_counted:  # the tail shorter than a block: one count
            tail_counted = True
            rest = srow[j:]
            thr = _below(np.float64(top) - margin, rest)
            if not _count_above(rest, 0, m - j, thr):
                j = m
        else:
            s = srow[j]
            c = j + c0
            if c != skip and (not (top == top) or np.float64(s) > np.float64(top) - margin):
                _offer(hs, hi, k, s, c)
                pending[n_pending] = j
                n_pending += 1
            j += 1
    top = hs[0]
    for p in range(n_pending):
        jj = pending[p]
        if not (top == top) or np.float64(srow[jj]) >= np.float64(top) - margin:
            _offer_canonical(cs, ci, k, canonical_dot(
                qrow, _row_of(rows, jj, normalize, buf, scales)), jj + c0, one)
    return n


@njit(**JIT_OPTIONS)
def _exact_tile(scores, rows, queries, q0, c0, k, exclude_self, margins, fast_s, fast_i,
                filled, out_idx, out_score, one, normalize, buf, scales):
    """Update the exact top-k of queries ``q0 ..`` with a tile of fast scores.

    ``scores[i, j]`` is the fast score of ``queries[q0 + i]`` and ``rows[j]``
    (corpus row ``c0 + j``); ``margins[q]`` is twice the bound on its error
    for query ``q``. ``fast_*`` are scratch heaps, ``out_*`` the canonical
    ones, ``filled[q]`` the entries both hold, ``one`` a scratch array of the
    scores' dtype (a canonical score is rounded to it before it is compared). With
    ``normalize``, ``rows`` are the corpus rows as stored and each candidate is
    scaled to unit norm when it is scored (into ``buf``, its factor kept in
    ``scales``, which holds a tile's width). Runs on the calling thread.
    """
    pending = np.empty(scores.shape[1], dtype=np.int64)
    if normalize:
        scales[:scores.shape[1]] = np.nan  # (no factor known yet)
    for i in range(scores.shape[0]):
        q = q0 + i
        skip = q if exclude_self else -1
        filled[q] = _exact_row(scores[i], rows, queries[q], c0, k, skip, margins[q],
                               fast_s[q], fast_i[q], out_score[q], out_idx[q], filled[q], one,
                               pending, normalize, buf, scales)


# -- screening a compressed table, re-ranking with the float rows --------------------

@njit(inline="always", **JIT_OPTIONS)
def _prepared_row(table, r, normalize, buf, scales):
    """Row ``r`` of the float table in ``buf``'s dtype, scaled to unit norm when ``normalize``.

    The arithmetic of :func:`.norms._normalize_row_l2` on a copy of the row
    (``x * (1 / sqrt(sum of squares))``, a row of zeros or NaN copied as it
    is), so the values are those of the float path's prepared rows. The
    factor is kept in ``scales[r]`` (NaN: not known yet, -1: copy as is): a
    row that meets many queries has its sum of squares, a chain of dependent
    additions, computed once.
    """
    dim = table.shape[1]
    for j in range(dim):
        buf[0, j] = table[r, j]
    if normalize:
        inv = scales[r]
        if inv != inv:
            s = row_sum_squares(buf, 0)
            inv = 1.0 / np.sqrt(s) if s > 0.0 else -1.0
            scales[r] = inv
        if inv >= 0.0:  # (an infinite sum: a factor of 0, as _scale_row_l2 gives)
            for j in range(dim):
                buf[0, j] = buf[0, j] * inv
    return buf[0]


@njit(inline="always", **JIT_OPTIONS)
def _lb_push(lower, q, n, k, v):
    """Value-only min-heap of the k largest lower bounds in ``lower[q]`` (``n`` held);
    returns the new n. (The 2-D array and its row, not a view of the row: a view's
    reference count is shared by the threads.)"""
    if n < k:
        lower[q, n] = v
        n += 1
        if n == k:
            for start in range(k // 2 - 1, -1, -1):
                _lb_down(lower, q, k, start)
        return n
    if v > lower[q, 0]:
        lower[q, 0] = v
        _lb_down(lower, q, k, 0)
    return n


@njit(inline="always", **JIT_OPTIONS)
def _lb_down(lh, q, k, pos):
    while True:
        left = 2 * pos + 1
        if left >= k:
            return
        w = left
        if left + 1 < k and lh[q, left + 1] < lh[q, left]:
            w = left + 1
        if lh[q, w] < lh[q, pos]:
            lh[q, pos], lh[q, w] = lh[q, w], lh[q, pos]
            pos = w
        else:
            return


@njit(**JIT_OPTIONS)
def _screen_row(srow, j, c0, k, skip, q, alpha, cq, a, b, f, a_blk, b_blk, f_blk, lower, n,
                cand_q, cand_c, cand_ub, n_cand):
    """One query's tile of screen scores from column ``j``; returns ``(n, j)``.

    Each score ``s`` stands for a canonical score within ``delta = alpha *
    a[c] + |s| * b[c] + cq * f[c]``. ``lower[q]`` keeps the k largest lower bounds
    ``s - delta`` (``n`` held); a row whose upper bound ``s + delta`` exceeds
    the k-th of them (before its own is added) becomes a candidate ``(q, c,
    upper bound)`` in ``cand_*`` (``n_cand[0]`` held). Stops early, at a block
    boundary, when the buffer may not hold another block (the caller scores
    the candidates and calls again from the returned ``j``). ``alpha < 0`` (a
    query holding NaN or inf, whose scores have no bound): every row.
    """
    m = srow.shape[0]
    cap = cand_q.shape[0]
    while j < m:
        if n_cand[0] + _BLOCK > cap:
            return n, j
        if n == k and alpha >= 0 and j % _BLOCK == 0 and j + _BLOCK <= m:
            # the block's largest a, b, f bound every delta in it: vectorised counts of
            # the block, then of its sub-blocks; a score whose upper bound does not
            # exceed the k-th lower bound changes nothing (its lower bound is below too)
            blk = j // _BLOCK
            base = alpha * a_blk[blk] + cq * f_blk[blk]
            slope = b_blk[blk]
            block = srow[j:j + _BLOCK]
            if _upper_hits(block, slope, base, lower[q, 0]):
                for u in range(0, _BLOCK, _SUB_BLOCK):
                    sub = block[u:u + _SUB_BLOCK]
                    if _upper_hits(sub, slope, base, lower[q, 0]):
                        for t in range(_SUB_BLOCK):
                            c = j + u + t + c0
                            s = sub[t]
                            d = alpha * a[c] + abs(s) * b[c] + cq * f[c]
                            if c != skip and s + d > lower[q, 0]:
                                _add_candidate(cand_q, cand_c, cand_ub, n_cand, q, c, s + d)
                                n = _lb_push(lower, q, n, k, s - d)
            j += _BLOCK
            continue
        c = j + c0
        if c != skip:
            s = srow[j]
            d = alpha * a[c] + abs(s) * b[c] + cq * f[c]
            if n < k or alpha < 0 or s + d > lower[q, 0]:
                _add_candidate(cand_q, cand_c, cand_ub, n_cand, q, c, s + d)
            n = _lb_push(lower, q, n, k, s - d)
        j += 1
    return n, j


@njit(inline="always", **JIT_OPTIONS)
def _upper_hits(scores, slope, base, tau):
    """How many of ``scores`` have an upper bound ``s + |s| slope + base`` above ``tau``."""
    hits = 0
    for t in range(scores.shape[0]):
        s = scores[t]
        hits += s + abs(s) * slope + base > tau
    return hits


@njit(inline="always", **JIT_OPTIONS)
def _add_candidate(cand_q, cand_c, cand_ub, n_cand, q, c, ub):
    p = n_cand[0]
    cand_q[p] = q
    cand_c[p] = c
    cand_ub[p] = ub
    n_cand[0] = p + 1


@njit(**JIT_OPTIONS)
def _score_candidates(cand_q, cand_c, cand_ub, n_cand, lower, filled, k, table, normalize,
                      buf, scales, queries, out_idx, out_score, scored, seen, stats, one):
    """Score the candidates still in reach canonically, each float row read once.

    A candidate whose upper bound is below its query's current k-th lower
    bound is dropped (k rows rank above it: the bound only rises). The rest
    are taken in row order, so each row of ``table`` is read and prepared
    once (and the reads go forward through a file on disk), then scored
    against every query that wants it into that query's heap
    (``scored[q]`` entries held). ``stats``: scores computed, rows read.
    """
    m = n_cand[0]
    keep = np.empty(m, dtype=np.int64)
    n_keep = 0
    for p in range(m):
        q = cand_q[p]
        if filled[q] < k or not (cand_ub[p] < lower[q, 0]):
            keep[n_keep] = p
            n_keep += 1
    keep = keep[:n_keep]
    order = keep[np.argsort(cand_c[keep], kind="mergesort")]
    row = buf[0]
    last = -1
    n_order = order.shape[0]
    for i in range(n_order):
        p = order[i]
        c = cand_c[p]
        if i + _ROWS_AHEAD < n_order:  # rows from memory (or a file): keep reads in flight
            prefetch_row(table, cand_c[order[i + _ROWS_AHEAD]])
        if c != last:
            row = _prepared_row(table, c, normalize, buf, scales)
            last = c
            if not seen[c]:
                seen[c] = True
                stats[1] += 1
        q = cand_q[p]
        stats[0] += 1
        scored[q] = _keep(out_score[q], out_idx[q], k, scored[q],
                          canonical_dot(queries[q], row), c, one)
    n_cand[0] = 0


@njit(**JIT_OPTIONS)
def _screen_tile(scores, q0, c0, k, exclude_self, alpha, cq, a, b, f, lower, filled, cand_q,
                 cand_c, cand_ub, n_cand, table, normalize, buf, scales, queries, out_idx,
                 out_score, scored, seen, stats, one):
    """Screen a tile of decoded-row scores for queries ``q0 ..`` (see :func:`_screen_row`).

    Candidates gather in ``cand_*``; when the buffer fills they are scored
    (:func:`_score_candidates`), and the caller scores the rest at the end.
    """
    n_blocks = scores.shape[1] // _BLOCK
    a_blk = np.empty(n_blocks, dtype=a.dtype)
    b_blk = np.empty(n_blocks, dtype=b.dtype)
    f_blk = np.empty(n_blocks, dtype=f.dtype)
    for blk in range(n_blocks):
        lo = c0 + blk * _BLOCK
        a_blk[blk] = a[lo:lo + _BLOCK].max()
        b_blk[blk] = b[lo:lo + _BLOCK].max()
        f_blk[blk] = f[lo:lo + _BLOCK].max()
    m = scores.shape[1]
    for i in range(scores.shape[0]):
        q = q0 + i
        skip = q if exclude_self else -1
        j = 0
        while j < m:
            n, j = _screen_row(scores[i], j, c0, k, skip, q, alpha[q], cq[q], a, b, f, a_blk,
                               b_blk, f_blk, lower, filled[q], cand_q, cand_c, cand_ub,
                               n_cand)
            filled[q] = n
            if j < m:
                _score_candidates(cand_q, cand_c, cand_ub, n_cand, lower, filled, k, table,
                                  normalize, buf, scales, queries, out_idx, out_score, scored,
                                  seen, stats, one)


harden_caches(globals())
