"""The int8 screen of an exact top-k: integer dot products of byte codes, bounded, filtered.

An int8 table stores each row as byte codes ``c`` (0..255) with a scale and a
bias: the decoded row is ``scale * c + bias``. A query ``q`` is cut into
signed bytes the same way, ``q = sq * qi + rho`` (``qi`` in -127..127, the
rest ``rho`` known exactly), so that for any ``m``

    q . d = scale * (sq * (qi . c) + m * sum(rho) + rho . (c - m)) + bias * sum(q)

The integer ``qi . c`` is computed exactly (:mod:`.int8_dots`: VNNI, AVX2's
byte products, or a plain loop; the query bytes within
:data:`.int8_dots.QUERY_CODE_MAX`). With ``m`` the row's mean code, the last term
is within ``scale * |rho| |c - m|``: each estimate has a bound, to which the
bound of the decoded row against the float row is added
(:func:`sparsedense._topk_compressed.row_bounds`).

The corpus is multiplied in panels of 32 rows, :data:`GROUP` queries with a
panel at once (:mod:`.int8_dots`); the panels are rearranged from the table's
rows as the screen reaches them (:func:`.int8_dots.build_panel`), so the
screen keeps nothing of the size of the table beside it: by each task for
every query group when the queries' state fits its L2, else a block at a
time shared by the groups' tasks; a few queries multiply the rows as they
are stored (:func:`.int8_dots.row_dots1`), the same int32 sums.

Each query's rows are screened in ascending order, as in :mod:`.exact_topk`:
a panel's estimates are first tested together against the query's k-th
largest lower bound with the panel's largest error bound, then, in the few
panels that pass, each row with its own; a row still in reach is refined
with ``rho`` cut into bytes again (one more product of the panel with the
query, ``rho = sq2 * qi2 + rho2``, leaving ``|rho2| |c - m|``, 127 times
smaller), which gives the decoded score within about the decoded row's own
bound. Rows whose refined upper bound reaches the k-th lower bound are the
candidates the caller scores canonically from the float table.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._prefetch import prefetch_row
from ._simd import align_frame, float32_step
from ._simd_codes import pair_offset
from ._tasks import next_task
from .exact_topk import _lb_push, _score_candidates
from .int8_dots import (GROUP, PANEL, ROW_REFINE_MAX, build_panel, panel_dots, panel_dots1,
                        row_dot, row_dots1)
from .quantized import KIND_INT8

# columns of the per-query scalars (float64): see the module of the caller
Q_SQ, Q_SRHO, Q_SUMQ, Q_H, Q_ALPHA, Q_CQ, Q_ACCMAX, Q_SUM, Q_SQ2, Q_SRHO2, Q_H2, Q_SRHO2_ERR = \
    range(12)
# rows of the per-row bound terms (float32, rounded up)
R_A, R_B, R_F, R_G = range(4)
#: the float32 decoding's error per unit of ``255 |A| + |B|`` (two roundings of half a
#: unit in the last place), before :func:`_delta`'s and :func:`_delta32`'s inflations
_DELTA_UNIT = 2.0 ** -23


@njit(**JIT_OPTIONS)
def cut_queries(Qs, alpha, top_code, words, words2, qs, spread, finite_rows):
    """Each query cut into bytes twice, ``q = sq * qi + sq2 * qi2 + rho2``, one row at a
    time (the caller's numpy definitions, element by element in the same float64
    operations; the sums in order, which the bounds' allowance for a sum's rounding
    covers whatever the order).

    Writes ``words[q, :dim]`` (``qi``), ``words2[q, :dim]`` (``qi2``), the ``Q_*``
    columns of ``qs[q]`` but ``Q_CQ``, before the bounds' adjustments, ``spread[q]`` =
    ``sum |rho|`` and ``finite_rows[q]``. A row with NaN or inf, or ``alpha[q] < 0``,
    gets zero bytes and scalars but its ``Q_ALPHA``.
    """
    n_q, dim = Qs.shape
    for q in range(n_q):
        finite = alpha[q] >= 0
        top = 0.0
        total = 0.0
        for j in range(dim):
            x = np.float64(Qs[q, j])
            finite &= np.isfinite(x)
            top = max(top, abs(x))
            total += x
        if not finite:
            top = total = 0.0
        sq = np.float64(np.float32(top / top_code))
        s_rho = s_rho2 = rr = rr2 = abs_codes = a_rho = a_rho2 = 0.0
        top2 = 0.0
        for j in range(dim):
            c = 0.0
            r = 0.0
            if finite:
                x = np.float64(Qs[q, j])
                if sq > 0:
                    c = min(max(np.rint(x / sq), -top_code), top_code)
                r = x - sq * c  # exact: sq has 24 bits, c 7
            words[q, j] = np.int8(c)
            abs_codes += abs(c)
            s_rho += r
            rr += r * r
            a_rho += abs(r)
            top2 = max(top2, abs(r))
        sq2 = np.float64(np.float32(top2 / top_code))
        for j in range(dim):
            r = 0.0
            if finite:
                x = np.float64(Qs[q, j])
                r = x - sq * np.float64(words[q, j])
            c2 = 0.0
            if sq2 > 0:
                c2 = min(max(np.rint(r / sq2), -top_code), top_code)
            r2 = r - sq2 * c2
            words2[q, j] = np.int8(c2)
            s_rho2 += r2
            rr2 += r2 * r2
            a_rho2 += abs(r2)
        qs[q, Q_SQ] = sq
        qs[q, Q_SRHO] = s_rho
        qs[q, Q_SUMQ] = total
        qs[q, Q_H] = np.sqrt(rr) * (1 + 2.0 ** -30)
        qs[q, Q_ALPHA] = alpha[q]
        qs[q, Q_ACCMAX] = 255 * abs_codes
        qs[q, Q_SUM] = total
        qs[q, Q_SQ2] = sq2
        qs[q, Q_SRHO2] = s_rho2
        qs[q, Q_H2] = np.sqrt(rr2) * (1 + 2.0 ** -30)
        qs[q, Q_SRHO2_ERR] = 2.0 ** -40 * a_rho2  # the float64 sum's rounding
        spread[q] = a_rho
        finite_rows[q] = finite


@njit(inline="always", **JIT_OPTIONS)
def _up32(x):
    """float64 ``x`` as the nearest float32 at or above it."""
    y = np.float32(x)
    if np.float64(y) < x:  # (then y is not NaN nor +inf)
        y = float32_step(y, True)
    return y


@njit(inline="always", **JIT_OPTIONS)
def _down32(x):
    """float64 ``x`` as the nearest float32 at or below it."""
    y = np.float32(x)
    if np.float64(y) > x:
        y = float32_step(y, False)
    return y


@njit(inline="always", **JIT_OPTIONS)
def _delta(fa, fb):
    """A bound on the float32 decoding's error per unit of ``alpha`` (two roundings of
    ``255 scale + |bias|``, over the row's norm), from the row's float32 factors ``A``
    and ``B`` (within 2**-23 of ``scale / norm`` and ``bias / norm``), in float64, so
    that every test's float32 form of it (:func:`_delta32`) is not below it."""
    return _DELTA_UNIT * (255.0 * abs(np.float64(fa)) + abs(np.float64(fb))) * (1 + 2.0 ** -21)


@njit(inline="always", **JIT_OPTIONS)
def _delta32(fa, fb):
    """:func:`_delta` in float32 for the row tests: three roundings (3 x 2**-24) stay
    inside the wider inflation, and 2**-140 covers them where the values are
    subnormal, so it is never below the float64 one."""
    return (np.float32(_DELTA_UNIT) * (np.float32(255) * abs(fa) + abs(fb))
            * np.float32(1 + 2.0 ** -20) + np.float32(2.0 ** -140))


@njit(inline="always", **JIT_OPTIONS)
def _estimate(acc, fa, fm, fb, mul, srho, sumq):
    """A row's estimate from its int32 sum: the same float32 operations wherever computed."""
    return np.float32(acc) * (mul * fa) + (srho * fm + sumq * fb)


@njit(inline="always", **JIT_OPTIONS)
def _panel_hits(out, j, rowv, qs32, q, qerr, perr, pslope, p, tau):
    """1 if a row of panel ``p`` (sums ``out[j]``) may reach ``tau`` for query ``q``
    with the panel's largest bound, else 0 (one vectorised pass); -1 when that
    bound is not finite (then every row is looked at)."""
    err = _panel_error(qerr, q, perr, p)
    if not (err <= 1e30):
        return -1
    return int(_hits(out, j, rowv, p * PANEL, qs32[q, Q_SQ], qs32[q, Q_SRHO],
                     qs32[q, Q_SUMQ], pslope[p], np.float32(err), tau))


@njit(inline="always", **JIT_OPTIONS)
def _hits(out, j, rowv, base, mul, srho, sumq, slope, err, tau):
    """Whether any of a panel's rows (from ``base``) may reach ``tau``, each estimate
    within ``|s| slope + err`` (one vectorised pass: a flag, not a count, keeps it in
    vector registers). The row index is unsigned: a signed one would be wrapped
    (negative from the end), which LLVM can only vectorise as gathers."""
    hit = False
    first = np.uint64(base)
    for lane in range(PANEL):
        r = first + np.uint64(lane)
        s = _estimate(out[j, lane], rowv[0, r], rowv[1, r], rowv[2, r], mul, srho, sumq)
        hit |= s + abs(s) * slope + err > tau
    return hit


@njit(inline="always", **JIT_OPTIONS)
def _lane_hits(out, j, rowv, rows32, base, qs, qs32, q, tau, mask):
    """Which of a panel's rows (from ``base``, sums ``out[j]``) may reach ``tau`` for
    query ``q``, each with its own bound (float32, its terms rounded up and the total
    inflated: never below the bound of :func:`_refined`), in ``mask``; returns how many
    (row indices unsigned, as in :func:`_hits`)."""
    mul, srho, sumq = qs32[q, Q_SQ], qs32[q, Q_SRHO], qs32[q, Q_SUMQ]
    h, alpha, cq = qs32[q, Q_H], qs32[q, Q_ALPHA], qs32[q, Q_CQ]
    c_amul = np.float32(2.0 ** -21 * qs[q, Q_ACCMAX] * qs[q, Q_SQ])
    c_m = np.float32(2.0 ** -21 * qs[q, Q_SRHO])
    c_b = np.float32(2.0 ** -21 * qs[q, Q_SUMQ])
    first = np.uint64(base)
    for lane in range(PANEL):
        r = first + np.uint64(lane)
        fa, fm, fb = rowv[0, r], rowv[1, r], rowv[2, r]
        s = _estimate(out[j, lane], fa, fm, fb, mul, srho, sumq)
        x = (h * rows32[R_G, r] + alpha * _delta32(fa, fb) + c_amul * abs(fa)
             + c_m * abs(fm) + c_b * abs(fb))
        e = (x + rows32[R_B, r] * (abs(s) + x) + alpha * rows32[R_A, r]
             + cq * rows32[R_F, r]) * np.float32(1 + 2.0 ** -16)
        mask[lane] = s + abs(s) * np.float32(2.0 ** -20) + e > tau
    wanted = 0
    for lane in range(PANEL):
        wanted += mask[lane]
    return wanted


@njit(inline="always", **JIT_OPTIONS)
def _panel_error(qerr, q, perr, p):
    """A bound on the error of every row of panel ``p`` for query ``q`` but the ``|s| b``
    part: the dot product of the query's and the panel's six terms (see the caller),
    inflated for its own rounding."""
    e = 0.0
    for t in range(6):
        e += qerr[q, t] * perr[p, t]
    return e * (1 + 2.0 ** -16)


@njit(inline="always", **JIT_OPTIONS)
def _refined(qs, q, rowv, rows32, r, acc, acc2):
    """Row ``r``'s decoded score for query ``q`` from both byte sums (``acc`` of the
    query's bytes, ``acc2`` of the bytes of what they leave out), and the bound of its
    distance to the canonical score (float64).

    ``q . c = sq acc + sq2 acc2 + m sum(rho2) + rho2 . (c - m)``, the last term
    within ``|rho2| |c - m|``: the decoded score but for the float32 decoding of
    the values (:func:`_delta`), float64 roundings and the float32 rounding of the
    row's factors ``A, M, B`` (``scale m`` and ``bias``, over the norm: 2**-23 of
    each term, with the float64 ones); the bound adds the decoded row's against the
    float row (``a, b, f``).
    """
    fa, fm, fb = np.float64(rowv[0, r]), np.float64(rowv[1, r]), np.float64(rowv[2, r])
    sq, sq2, total, alpha = qs[q, Q_SQ], qs[q, Q_SQ2], qs[q, Q_SUM], qs[q, Q_ALPHA]
    codes = sq * np.float64(acc) + sq2 * np.float64(acc2)
    rest = fm * qs[q, Q_SRHO2]
    shift = fb * total
    v = fa * codes + rest + shift
    # |A| (1 + 2**-22) bounds scale / norm, |B| (1 + 2**-22) bias / norm
    x = (qs[q, Q_H2] * np.float64(rows32[R_G, r]) + alpha * _delta(rowv[0, r], rowv[2, r])
         + abs(fb) * 2.0 ** -39 * alpha + abs(fa) * 256 * qs[q, Q_SRHO2_ERR]
         + 2.0 ** -22 * (abs(fa) * (sq * abs(np.float64(acc)) + sq2 * abs(np.float64(acc2)))
                         + abs(rest) + abs(shift)))
    d = (x + alpha * np.float64(rows32[R_A, r]) + np.float64(rows32[R_B, r]) * (abs(v) + x)
         + qs[q, Q_CQ] * np.float64(rows32[R_F, r]))
    return v, d * (1 + 2.0 ** -30)


@njit(**JIT_OPTIONS)
def panel_flags(out, q0, n_j, p, rowv, qs, qs32, qerr, perr, pslope, lower, filled, k, flags):
    """The panel test of queries ``q0 .. q0 + n_j - 1``, their sums in ``out[j]``
    (:func:`_panel_hits`), into ``flags``; whether any is not 0. A function of its own,
    not inlined: inside the kernel's larger loop LLVM vectorises it worse
    (docs/howto/benchmarks.rst)."""
    looked = False
    for j in range(n_j):
        q = q0 + j
        tau = lower[q, 0] if filled[q] == k else -np.inf
        hit = _panel_hits(out, j, rowv, qs32, q, qerr, perr, pslope, p, tau)
        if qs[q, Q_ALPHA] < 0:  # NaN or inf: every row, unbounded
            hit = -1
        flags[j] = hit
        looked |= hit != 0
    return looked


@njit(inline="always", **JIT_OPTIONS)
def refine_panel(out, out2, both, codes, block, b, p, qcodes2, q0, n_j, qs, qs32, rowv, rows32, k,
                 exclude_self, lower, filled, flags, mask, cand_q, cand_c, cand_ub, w, held):
    """Panel ``p`` (``block[b]``, or its rows in ``codes`` when ``b < 0``: int8 rows of
    ``dim`` codes and 8 bytes of scale and bias) for the queries ``q0 .. q0 + n_j - 1`` that
    :func:`panel_flags` flagged (their sums in ``out[j]``): the candidates appended to
    row ``w`` of ``cand_*`` (``held`` there), the lower bounds pushed; returns
    ``(held, hits, refined)``.

    The sums of what the queries' bytes leave out are ``out2[j]`` when ``both``
    (computed with the first), else computed here for the queries whose rows are
    refined: each row's from its stored codes when at most
    :data:`.int8_dots.ROW_REFINE_MAX` are (or there is no panel), else the
    panel's into ``out2[0]`` (see :func:`_int8_screen` for the arguments).
    """
    hits = refined = 0
    n_c, dim = codes.shape[0], pair_offset(KIND_INT8, codes)
    for j in range(n_j):
        q = q0 + j
        full = filled[q] == k
        alpha = qs[q, Q_ALPHA]
        every = alpha < 0 or not full or flags[j] < 0
        if flags[j] == 0 and not every:
            continue
        tau = lower[q, 0] if full else -np.inf
        base = p * PANEL
        hits += 1
        # each row's own bound, all together: few rows are left to refine
        wanted = PANEL
        if not every:
            wanted = _lane_hits(out, j, rowv, rows32, base, qs, qs32, q, tau, mask)
            if wanted == 0:
                continue
        j2 = j
        # the second sums: of the few rows left, each from its stored codes (with no panel,
        # b < 0, of every row that way); else of the whole panel
        own = False
        if not both and alpha >= 0:
            j2 = 0
            own = b < 0 or wanted <= ROW_REFINE_MAX
            if not own:
                panel_dots1(block, b, qcodes2, q, out2)
        n = filled[q]
        for lane in range(PANEL):
            r = base + lane
            if r >= n_c:
                break
            if (exclude_self and r == q) or not (every or mask[lane]):
                continue
            if alpha < 0:
                cand_q[w, held], cand_c[w, held], cand_ub[w, held] = q, r, np.inf
                held += 1
                continue
            refined += 1
            acc2 = row_dot(codes, dim, r, qcodes2, q) if own else out2[j2, lane]
            v, d = _refined(qs, q, rowv, rows32, r, out[j, lane], acc2)
            ub = _up32(v + d)
            if n < k or ub > lower[q, 0]:
                cand_q[w, held], cand_c[w, held], cand_ub[w, held] = q, r, ub
                held += 1
                n = _lb_push(lower, q, n, k, _down32(v - d))
        filled[q] = n
    return held, hits, refined


@njit(inline="always", **JIT_OPTIONS)
def screen_panel(out, out2, both, codes, block, b, p, qcodes2, q0, n_j, qs, qs32, qerr, rowv, perr,
                 pslope, rows32, k, exclude_self, lower, filled, flags, mask, cand_q, cand_c,
                 cand_ub, w, held, tally):
    """Panel ``p`` (``block[b]``, or its rows in ``codes`` when ``b < 0``) for queries
    ``q0 .. q0 + n_j - 1`` (sums ``out[j]``): the panel test
    (:func:`panel_flags`), then the rows of the queries that pass
    (:func:`refine_panel`); returns ``held``, adds to the worker's ``tally`` (queries
    tested, hits, rows refined)."""
    tally[0] += n_j
    if not panel_flags(out, q0, n_j, p, rowv, qs, qs32, qerr, perr, pslope, lower, filled, k,
                       flags):
        return held
    held, hits, refined = refine_panel(out, out2, both, codes, block, b, p, qcodes2, q0, n_j, qs,
                                       qs32, rowv, rows32, k, exclude_self, lower, filled, flags,
                                       mask, cand_q, cand_c, cand_ub, w, held)
    tally[1] += hits
    tally[2] += refined
    return held


@njit(inline="always", **JIT_OPTIONS)
def worker_done(n_cand, counts, w, held, tally):
    """A worker's candidates held and its tally, written back once (kept by the worker
    meanwhile: the workers' slots share cache lines, which would bounce between the
    cores at every increment)."""
    n_cand[w] = held
    for i in range(3):
        counts[w, i] += tally[i]


@njit(inline="always", **JIT_OPTIONS)
def task_panels(t, n_parts, group, n_q, p_lo, p_hi, done, starts, ends):
    """Task ``t`` of a screen: ``(q0, n_j, part, p, hi, b)``, its queries ``q0 .. q0 + n_j - 1``
    (group ``t // n_parts``), its part of the corpus (``t % n_parts``: panels ``starts[t]
    .. ends[t] - 1``), the panels ``p .. hi - 1`` it screens in this call: those from
    ``p_lo`` to ``p_hi`` past its part's start, from where it stopped (``done[t]``),
    and where panel ``p`` is in the call's block (:func:`build_block_panel`)."""
    g = t // n_parts
    q0 = g * group
    part = t - g * n_parts
    base = starts[t]
    p = max(base + p_lo, done[t])
    return (q0, min(group, n_q - q0), part, p, min(ends[t], base + p_hi),
            part * (p_hi - p_lo) + p - (base + p_lo))


@njit(inline="always", **JIT_OPTIONS)
def build_block_panel(codes, dim, block, i, p_lo, p_hi, starts, ends):
    """Panel ``i`` of a screen call's ``block``: the panels ``p_lo .. p_hi - 1`` past each
    part's start (those of the call's tasks, :func:`task_panels`), part by part
    (tasks ``0 .. n_parts - 1`` hold the parts' ranges), rearranged from the table's
    rows (:func:`.int8_dots.build_panel`); nothing past a part's end."""
    span = p_hi - p_lo
    part = i // span
    p = starts[part] + p_lo + (i - part * span)
    if p < ends[part]:
        build_panel(codes, dim, p, block, i)


@njit(inline="always", **JIT_OPTIONS)
def prefetch_panel(codes, p, span, q0, group, n_q):
    """Ask early for the rows of the panel ``span`` past ``p``, a share of its rows in each
    query group's task (``q0 // group`` of ``n_q`` queries' groups): a panel is built
    from main memory, and so its rows arrive while the products run."""
    first = (p + span) * PANEL
    n_groups = (n_q + group - 1) // group
    for r in range(first + q0 // group, min(first + PANEL, codes.shape[0]), n_groups):
        prefetch_row(codes, r)


@parallel_kernel
def _int8_screen(codes, block, build, qcodes, qcodes2, qs, qs32, qerr, rowv, perr, pslope, rows32,
                 n_q, p_lo, p_hi, k, exclude_self, lower, filled, done, cand_q, cand_c, cand_ub,
                 n_cand, counts, n_tasks, n_parts, starts, ends, n_workers, counter):
    """Screen panels ``p_lo .. p_hi - 1`` of each part of the corpus for every query: a
    task is a group of :data:`GROUP` queries and one of ``n_parts`` consecutive parts
    of the panels (:func:`task_panels`).

    ``codes`` are the int8 table's rows (codes, then scale and bias), rearranged
    into panels as the tasks need them: with ``build`` 1 the call's panels are
    built into ``block`` first (:func:`build_block_panel`), where every task
    reads them; 0 when they are there already (a call that resumes them after
    its candidates were scored); 2 when a task is a part (``n_tasks`` =
    ``n_parts``) that builds each of its panels into its worker's ``block[w]``
    and screens it for every query group there; 3 for a few queries
    (:data:`.int8_dots.ROW_DOTS_QUERIES`, one group), whose products read the
    rows as they are (:func:`.int8_dots.row_dots1`).
    ``qs`` (float64)
    and ``qs32`` (float32) hold each query's scalars (``Q_*`` columns), ``rowv``
    (float32, 3 x rows) each row's ``A, M, B`` (the estimate is ``acc * (sq A) +
    (sum(rho) M + sum(q) B)``); a panel's bound is ``qerr[q] . perr[p] + |s|
    pslope[p]`` (each panel's largest terms), ``rows32`` holds each row's own
    (``R_*`` rows, float32 rounded up). A query's k largest lower bounds from
    the rows of part ``i`` are in ``lower[i, q]`` (``filled[i, q]`` held): a part's
    rows are screened in ascending order, and a row is dropped only by the
    bounds of rows before it, which rank first in a tie. Workers take tasks one
    at a time (:mod:`._tasks`: a paused thread holds up one task), worker ``w``
    appends candidates ``(query, row, upper bound)`` to row ``w`` of ``cand_*`` and
    stops a task when its row might overflow; ``done[t]`` is the next panel task
    ``t`` needs (the caller scores the candidates and calls again). A query with
    ``alpha < 0`` (NaN or inf) takes every row.
    """
    dim = pair_offset(KIND_INT8, codes)
    if build == 1:  # (each panel written by one thread)
        for i in prange(n_parts * (p_hi - p_lo)):
            build_block_panel(codes, dim, block, i, p_lo, p_hi, starts, ends)
    cap = cand_q.shape[1]
    for w in prange(n_workers):
        align_frame()
        out = np.empty((GROUP, PANEL), dtype=np.int32)
        mask = np.empty(PANEL, dtype=np.bool_)
        out2 = np.empty((1, PANEL), dtype=np.int32)
        flags = np.empty(GROUP, dtype=np.int64)
        held = n_cand[w]
        tally = np.zeros(3, dtype=np.int64)  # (see worker_done)
        t = next_task(counter)
        while t < n_tasks:
            q0, n_j, part, p, hi, b = task_panels(t, n_parts, GROUP, n_q, p_lo, p_hi, done,
                                                  starts, ends)
            part_lower, part_filled = lower[part], filled[part]
            # build 2: the task is its part, every query group on each panel it builds
            n_g = (n_q + GROUP - 1) // GROUP if build == 2 else 1
            while p < hi and held + n_g * GROUP * PANEL <= cap:
                if build == 2:
                    b = w
                    build_panel(codes, dim, p, block, w)
                    prefetch_panel(codes, p, 1, 0, GROUP, GROUP)  # (the part's next)
                for g in range(n_g):
                    if build == 2:
                        q0 = g * GROUP
                        n_j = min(GROUP, n_q - q0)
                    if build == 3:
                        b = -1
                        for j in range(n_j):
                            row_dots1(codes, dim, p, qcodes, q0 + j, out, j)
                    else:
                        if build != 2:
                            prefetch_panel(codes, p, p_hi - p_lo, q0, GROUP, n_q)
                        panel_dots(block, b, qcodes, q0, out)
                    held = screen_panel(out, out2, False, codes, block, b, p, qcodes2, q0, n_j,
                                        qs, qs32, qerr, rowv, perr, pslope, rows32, k,
                                        exclude_self, part_lower, part_filled, flags, mask,
                                        cand_q, cand_c, cand_ub, w, held, tally)
                p += 1
                b += 1
            done[t] = p
            t = next_task(counter)
        worker_done(n_cand, counts, w, held, tally)


@njit(**JIT_OPTIONS)
def merged_bounds(lower, filled, k):
    """Each query's k largest lower bounds over the parts (``lower[i, q]``, ``filled[i, q]``
    held, as :func:`_int8_screen` leaves them): ``(lower, filled)`` of one part,
    ascending (a valid heap)."""
    n_parts, n_q = filled.shape
    low = np.empty((n_q, k), dtype=lower.dtype)
    full = np.zeros(n_q, dtype=np.int64)
    pool = np.empty(n_parts * k, dtype=lower.dtype)
    for q in range(n_q):
        m = 0
        for i in range(n_parts):
            for j in range(filled[i, q]):
                pool[m] = lower[i, q, j]
                m += 1
        top = np.sort(pool[:m])
        n = min(m, k)
        low[q, :n] = top[m - n:]
        full[q] = n
    return low, full


@parallel_kernel
def _score_workers(cand_q, cand_c, cand_ub, n_cand, lower, filled, k, table, normalize, bufs,
                   scales, queries, out_idx, out_score, scored, seen, stats, ones):
    """The candidates every screen worker holds (row ``w`` of ``cand_*``, ``n_cand[w]``
    of them) scored by :func:`.exact_topk._score_candidates` on as many threads as
    ``bufs`` has rows: thread ``t`` those of the queries ``q % threads == t`` (a query's
    heap is written by one thread), with ``bufs[t]``, ``seen[t]``, ``stats[t]``,
    ``ones[t]``; the parts' bounds merged first (:func:`merged_bounds`). Two threads may
    prepare the same float row and write the same factor to ``scales``."""
    low, full = merged_bounds(lower, filled, k)
    n_threads = bufs.shape[0]
    for t in prange(n_threads):
        align_frame()
        m = 0
        for w in range(cand_q.shape[0]):
            for i in range(n_cand[w]):
                m += cand_q[w, i] % n_threads == t
        mine_q = np.empty(m, dtype=np.int64)
        mine_c = np.empty(m, dtype=np.int64)
        mine_ub = np.empty(m, dtype=np.float32)
        m = 0
        for w in range(cand_q.shape[0]):
            for i in range(n_cand[w]):
                if cand_q[w, i] % n_threads == t:
                    mine_q[m], mine_c[m], mine_ub[m] = cand_q[w, i], cand_c[w, i], cand_ub[w, i]
                    m += 1
        _score_candidates(mine_q, mine_c, mine_ub, np.full(1, m), low, full, k, table, normalize,
                          bufs[t], scales, queries, out_idx, out_score, scored, seen[t], stats[t],
                          ones[t])
    n_cand[:] = 0


harden_caches(globals())
