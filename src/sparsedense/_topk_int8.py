"""The screen of ``topk_similar(Q, int8_table, k, rerank=W)`` on integer dot products.

A float screen decodes the compressed rows and multiplies them by BLAS,
which costs as much as the float product it should spare. Here the queries
are cut into signed bytes too and the screen multiplies bytes by bytes
(:mod:`sparsedense._kernels.int8_dots`: AVX-512 VNNI, AVX2's byte products, or AMX
tiles by :mod:`sparsedense._kernels.int8_tiles`),
on the table's codes, rearranged into panels a block at a time as the screen
reaches them: what a table keeps for its screen is a few float32 terms per
row, not a second copy of its codes. Each estimate comes with a
bound on its distance to the canonical float score: the bound of the decoded
row against the float one (:func:`sparsedense._topk_compressed.row_bounds`),
plus the query's rounding to bytes, plus the float32 arithmetic of the
estimate. The rows whose bound reaches a query's k-th lower bound are scored
canonically from ``W`` as in the float screen, so the answer is again that
of ``topk_similar(Q, W, k)``. Used where the CPU has byte products (the
tuning constant ``INT8_SCREEN``); with a plain loop the float screen is faster.
"""

from __future__ import annotations

import weakref

import numpy as np

from .quantized import QuantizedTable

#: each table's row terms, per metric (a table's rows never change)
_PREPARED: "weakref.WeakKeyDictionary[QuantizedTable, dict]" = weakref.WeakKeyDictionary()
#: candidates a worker holds before they are scored (20 bytes each)
_CANDIDATES = 1 << 18


def _groups(table: QuantizedTable) -> int:
    """Groups of four columns in a panel: the codes' and zeros to whole tiles where the
    screen may take its sums from them."""
    from ._kernels._tiles import tiles_usable
    from ._kernels.int8_tiles import TILE_GROUPS

    groups = -(-table.shape[1] // 4)
    if tiles_usable("INT8_TILES"):
        groups = -(-groups // TILE_GROUPS) * TILE_GROUPS
    return groups


def _panels(table: QuantizedTable) -> np.ndarray:
    """All the codes as int32 ``(panels, groups, PANEL)``, as the screen builds them one
    at a time (:func:`sparsedense._kernels.int8_dots.build_panel`): per group of four
    columns, the panel's rows' four codes side by side (zero codes pad the rows and
    columns). The whole layout at once, for the tests of the screen's parts."""
    from ._kernels._tiles import aligned
    from ._kernels.int8_dots import PANEL, build_panel

    out = aligned((-(-table.shape[0] // PANEL), _groups(table), PANEL), np.int32)
    for p in range(out.shape[0]):
        build_panel(table.data, table.shape[1], p, out, p)
    return out


def _row_terms(table: QuantizedTable, metric: str) -> tuple[np.ndarray, ...]:
    """``(rowv, rows32, perr, pslope)``: each row's estimate factors (float32 ``A, M, B``),
    its bound terms (``a, b, f, g``, rounded up to float32) and each panel's largest
    ones (28 bytes a row and 52 a panel; the norms and means they come from are not
    kept)."""
    from ._kernels.int8_dots import PANEL
    from ._topk_compressed import decoded_norms, row_bounds, up32

    n, dim = table.shape
    n_pad = -(-n // PANEL) * PANEL
    scale, bias = (x.astype(np.float64) for x in table._scale_bias())
    norms = decoded_norms(table, keep=False)
    if metric == "cosine":
        inv = np.divide(1.0, norms, out=np.zeros(n), where=norms > 0)
    else:
        inv = np.ones(n)
    rowv = np.zeros((3, n_pad), dtype=np.float32)
    rows32 = np.zeros((4, n_pad), dtype=np.float32)
    step = 1 << 13
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        c = table.data[lo:hi, :dim].astype(np.float64)
        mean = c.mean(axis=1) if dim else np.zeros(hi - lo)
        spread = np.sqrt(((c - mean[:, None]) ** 2).sum(axis=1))  # |c - mean|_2
        rowv[0, lo:hi] = scale[lo:hi] * inv[lo:hi]
        rowv[1, lo:hi] = mean * scale[lo:hi] * inv[lo:hi]
        rowv[2, lo:hi] = bias[lo:hi] * inv[lo:hi]
        rows32[3, lo:hi] = up32(scale[lo:hi] * inv[lo:hi] * spread * (1 + 2.0 ** -30))
    rows32[:3, :n] = row_bounds(table, metric, norms)
    # the float32 decoding's bound per row, from A and B as the kernels take it
    # (int8_screen._delta, inflated a little more: a panel's covers its rows' own)
    A, B = (np.abs(x.astype(np.float64)) for x in (rowv[0], rowv[2]))
    delta = 2.0 ** -23 * (255 * A + B) * (1 + 2.0 ** -20)
    # each panel's largest terms, combined as the query's terms multiply them (see
    # _query_terms's qerr): alpha, cq, |rho|, 255 |qi|_1 sq, |sum(rho)|, |sum(q)|
    a_p, b_p, f_p, g_p = rows32.astype(np.float64).reshape(4, -1, PANEL).max(axis=2)
    d_p = delta.reshape(-1, PANEL).max(axis=1)
    am, mm, bm = np.abs(rowv.astype(np.float64)).reshape(3, -1, PANEL).max(axis=2)
    grow = 1 + b_p
    perr = np.stack([a_p + grow * d_p, f_p, grow * g_p, grow * am * 2.0 ** -21,
                     grow * mm * 2.0 ** -21, grow * bm * 2.0 ** -21], axis=1)
    pslope = up32(b_p * (1 + 2.0 ** -20) + 2.0 ** -20)
    return rowv, rows32, np.ascontiguousarray(perr), pslope


def _prepared(table: QuantizedTable, metric: str) -> tuple[np.ndarray, ...]:
    """:func:`_row_terms`, made once per table and metric."""
    entry = _PREPARED.setdefault(table, {})
    if metric not in entry:
        entry[metric] = _row_terms(table, metric)
    return entry[metric]


def _query_terms(Qs: np.ndarray, alpha: np.ndarray, cq: np.ndarray, groups: int,
                 n_pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(qcodes, qcodes2, qs, qs32, qerr)``: the queries as signed bytes (int32 words
    of four), what those leave out as bytes again, their scalars (``Q_*`` columns;
    float64 for the bounds, float32 for the estimate) and the six terms of a
    panel's bound."""
    from ._kernels._tiles import aligned
    from ._kernels.int8_dots import QUERY_CODE_MAX as top_code
    from ._kernels.int8_screen import cut_queries
    from ._topk_compressed import up32

    n_q = Qs.shape[0]
    words = aligned((n_pad, groups * 4), np.int8, zero=True)
    words2 = aligned((n_pad, groups * 4), np.int8, zero=True)
    qs = np.zeros((n_pad, 12))
    spread = np.empty(n_q)  # sum |rho| of each query
    finite = np.empty(n_q, dtype=np.bool_)
    cut_queries(Qs, alpha, top_code, words, words2, qs, spread, finite)
    qs[:n_q, 5] = cq
    qs32 = qs.astype(np.float32)
    qs32[:, 3:6] = up32(qs[:, 3:6])  # the bound's factors, rounded up
    # the bounds take |sum| plus the float64 sums' rounding (relative to the sum of |x|)
    qs[:n_q, 1] = np.abs(qs[:n_q, 1]) + 2.0 ** -19 * spread
    qs[:n_q, 2] = np.abs(qs[:n_q, 2]) + 2.0 ** -19 * np.where(finite, alpha, 0.0)
    qerr = np.zeros((n_pad, 6))
    qerr[:, 0], qerr[:, 1], qerr[:, 2] = qs[:, 4], qs[:, 5], qs[:, 3]
    qerr[:, 3], qerr[:, 4], qerr[:, 5] = qs[:, 6] * qs[:, 0], qs[:, 1], qs[:, 2]
    return words.view(np.int32), words2.view(np.int32), qs, qs32, qerr


def int8_screen(Qs: np.ndarray, table: QuantizedTable, metric: str, alpha: np.ndarray,
                cq: np.ndarray, k: int, exclude_self: bool, W: np.ndarray, Qc: np.ndarray,
                out_idx: np.ndarray, out_score: np.ndarray) -> tuple[int, int]:
    """Screen every query against the int8 ``table`` and score the candidates from ``W``
    canonically into ``out_idx``/``out_score`` (heaps); returns ``(rescored, rows_read)``.

    ``Qs`` are the screen's float32 queries (``alpha``: their l1 norms rounded up,
    negative for NaN or inf; ``cq`` as in :func:`sparsedense._topk_compressed.row_bounds`),
    ``Qc`` the canonical ones.
    """
    from ._kernels import _tiles, _tuning
    from ._kernels._dispatch import choose, is_parallel, task_args, workers
    from ._kernels.int8_dots import GROUP, PANEL, ROW_DOTS_QUERIES
    from ._kernels.int8_screen import _int8_screen, _score_workers
    from ._kernels.int8_tiles import TGROUP, TILE_GROUPS, _int8_tile_screen

    n_q, n_c = Qs.shape[0], table.shape[0]
    if n_q == 0:
        return 0, 0
    rowv, rows32, perr, pslope = _prepared(table, metric)
    groups = _groups(table)
    tiles = (_tiles.tiles_usable("INT8_TILES") and groups % TILE_GROUPS == 0
             and n_q * n_c >= _tuning.get("INT8_TILES_FROM_PAIRS"))
    group = TGROUP if tiles else GROUP
    n_groups = -(-n_q // group)
    qcodes, qcodes2, qs, qs32, qerr = _query_terms(Qs, alpha, cq, groups, n_groups * group)
    n_panels = pslope.shape[0]
    # the tasks: a few queries multiply the rows as they are (build 3); queries whose
    # bytes, scalars and bounds (per query, below) fit half an L2 screen the parts of
    # the rows, each task building its panels and running every group on them, the
    # queries' state read from its L2 for each panel (build 2); more share blocks of
    # panels, a task per group (build 1)
    query_bytes = 2 * groups * 4 + qs.shape[1] * 12 + qerr.shape[1] * 8 + 4 * k
    rows_only = not tiles and n_q <= ROW_DOTS_QUERIES
    stationary = (not tiles and not rows_only
                  and n_q * query_bytes <= _tuning.machine().l2 // 2)
    per_part = 1 if stationary else n_groups
    n_parts = min(n_panels, -(-workers() // per_part))
    work = n_q * n_c * max(1, table.shape[1] // 16)
    allow = per_part * n_parts > 1
    kernel = (choose(_int8_tile_screen, work, allow) if tiles
              else choose(_int8_screen, work, allow))
    if not is_parallel(kernel):
        n_parts = 1
    n_tasks, n_workers, _ = task_args(kernel, per_part * n_parts)
    n_workers = max(1, min(n_workers, n_tasks))
    part = np.arange(n_tasks) % n_parts
    starts = part * n_panels // n_parts
    ends = (part + 1) * n_panels // n_parts
    # room for every candidate of a panel's groups twice (a task stops before a panel
    # that might not fit)
    cap = max(_CANDIDATES, 2 * (n_groups if stationary else 1) * group * PANEL)
    cand_q = np.empty((n_workers, cap), dtype=np.int64)
    cand_c = np.empty((n_workers, cap), dtype=np.int64)
    cand_ub = np.empty((n_workers, cap), dtype=np.float32)
    n_cand = np.zeros(n_workers, dtype=np.int64)
    counts = np.zeros((n_workers, 3), dtype=np.int64)
    done = starts.copy()
    # each query's k largest lower bounds, from the rows of each part
    lower = np.empty((n_parts, n_q, k), dtype=np.float32)
    filled = np.zeros((n_parts, n_q), dtype=np.int64)
    scored = np.zeros(n_q, dtype=np.int64)
    dtype = out_score.dtype
    bufs = np.empty((n_workers, 1, table.shape[1]), dtype=dtype)
    ones = np.empty((n_workers, 1), dtype=dtype)
    seen = np.zeros((n_workers, n_c), dtype=np.bool_)
    stats = np.zeros((n_workers, 2), dtype=np.int64)
    scales = np.full(n_c, np.nan)  # each read row's 1 / norm, once known

    def score_all():
        choose(_score_workers, int(n_cand.sum()) * table.shape[1], n_workers > 1)(
            cand_q, cand_c, cand_ub, n_cand, lower, filled, k, W, metric == "cosine", bufs,
            scales, Qc, out_idx, out_score, scored, seen, stats, ones)

    # build 1: panels of each part screened by one call, half an L2 of codes built once
    # into a block that every query group reads (with tiles, a worker's sums of them
    # beside); else one call, each task building its own panels or none
    panel_bytes = groups * PANEL * 4 + (2 * TGROUP * PANEL * 4 if tiles else 0)
    longest = int((ends - starts).max())
    own = rows_only or stationary
    step = longest if own else min(longest, max(1, _tuning.machine().l2 // 2 // panel_bytes))
    block = _tiles.aligned((1 if rows_only else n_workers if own else n_parts * step, groups,
                            PANEL), np.int32)
    extra = ()
    if tiles:
        extra = (_tiles.tile_config(),
                 _tiles.aligned((n_workers, step, 2, TGROUP, PANEL), np.int32))
    mode = 3 if rows_only else 2 if stationary else 1  # (the kernel's build)
    for p_lo in range(0, longest, step):
        p_hi = p_lo + step
        reach = np.minimum(ends, starts + p_hi)
        build = mode
        while True:
            kernel(table.data, block, build, qcodes, qcodes2, qs, qs32, qerr, rowv, perr,
                   pslope, rows32, n_q, p_lo, p_hi, k, bool(exclude_self), lower, filled, done,
                   cand_q, cand_c, cand_ub, n_cand, counts, *extra, n_tasks, n_parts, starts,
                   ends, n_workers, np.zeros(2, dtype=np.int64))
            if (done >= reach).all() and (n_cand <= cap // 2).all():
                break
            score_all()  # a buffer is half full, or a task stopped short: make room
            build = 0 if mode == 1 else mode  # (a shared block still holds its panels)
    score_all()
    return int(stats[:, 0].sum()), int(seen.any(axis=0).sum())
