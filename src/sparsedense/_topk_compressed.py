"""Top-k over a compressed corpus: exact for its decoded rows, or re-ranked with the float rows.

Without ``rerank`` the table is decoded a tile at a time and the top-k is the
exact one (canonical scores, :mod:`sparsedense._kernels.exact_topk`) of its
decoded rows: ``topk_similar(Q, table.dequantize())``. With ``rerank=W`` (the
float table the compressed one was made from) the decoded rows only screen:
each decoded score is within a bound of the float row's canonical score — the
format's error per value (half a code step, plus the rounding of the scale and
bias) carried through the dot product and the normalisation — and the rows
whose bound can reach the running k-th best are read from ``W`` and scored
canonically. The answer is then that of ``topk_similar(Q, W)``.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp

from ._base.validation import check_topk, result_dtype
from ._kernels import _tuning, family
from ._kernels._dispatch import choose
from .quantized import QuantizedTable, quantize
from .similarity import (
    TILE_QUERIES,
    UNIT_NORM_MAX,
    dense_tiles,
    exact_select,
    tile_cols,
    normalize_rows,
)

#: decoded-row norms of each table, computed once (a table's rows never change)
_NORMS: "weakref.WeakKeyDictionary[QuantizedTable, np.ndarray]" = weakref.WeakKeyDictionary()


def decoded_norms(table: QuantizedTable, keep: bool = True) -> np.ndarray:
    """float64 l2 norms of the decoded rows, decoded a chunk at a time (cached per table,
    unless not ``keep``: what needs them once need not hold 8 bytes a row)."""
    norms = _NORMS.get(table)
    if norms is None:
        n, dim = table.shape
        norms = np.empty(n, dtype=np.float64)
        step = max(1, (1 << 22) // max(dim, 1))
        buf = np.empty((min(step, n), dim), dtype=np.float32)
        for lo in range(0, n, step):
            rows = np.arange(lo, min(lo + step, n), dtype=np.int64)
            part = table.take(rows, buf[:rows.shape[0]])
            choose(family("similarity")._row_norms, part.size)(part, norms[lo:lo + rows.shape[0]])
        if keep:
            _NORMS[table] = norms
    return norms


def topk_compressed(Q, table: QuantizedTable, k: int, exclude_self: bool,
                    block_size: int | None, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~sparsedense.similarity.topk_similar` over a compressed corpus, decoded rows.

    The corpus is decoded tile by tile into one buffer, then normalised (for
    cosine) as the float path normalises its tiles: the result equals
    ``topk_similar(queries, table.dequantize(), ...)`` bit for bit.
    """
    Q, k, block_size = _check(Q, table, k, exclude_self, block_size)
    n_q, n_c = Q.shape[0], table.shape[0]
    Qn = normalize_rows(Q, np.float32) if metric == "cosine" else \
        np.ascontiguousarray(Q, dtype=np.float32)
    out_idx = np.full((n_q, k), -1, dtype=np.int64)
    out_score = np.full((n_q, k), -np.inf, dtype=np.float32)
    tiles = dense_tiles(Qn, table, block_size, tile_cols(n_c, block_size, 4 * table.shape[1]),
                        normalize=metric == "cosine", late_scaling=True)
    cmax = UNIT_NORM_MAX if metric == "cosine" else \
        float(decoded_norms(table).max(initial=0.0)) * UNIT_NORM_MAX
    exact_select(tiles, Qn, cmax, k, bool(exclude_self), out_idx, out_score)
    choose(family("similarity")._sort_topk, out_idx.size)(out_idx, out_score)
    return out_idx, out_score


def _check(Q, table: QuantizedTable, k, exclude_self, block_size):
    if sp.issparse(Q):
        Q = Q.toarray()
    if Q.shape[1] != table.shape[1]:
        raise ValueError(f"queries have {Q.shape[1]} columns but the corpus table has "
                         f"{table.shape[1]}")
    k = check_topk(k, block_size, exclude_self, Q.shape, table.shape, corpus_is_queries=False)
    n_q = Q.shape[0]
    block_size = max(1, min(int(block_size or min(n_q, TILE_QUERIES)), n_q))
    return Q, k, block_size


# -- exact top-k of the float rows: screen on the compressed ones, re-rank ---------

#: candidates (query, row, upper bound) held before they are scored: 20 bytes each
_CANDIDATES = 1 << 19
#: a row whose decoded norm does not exceed its error bound gets this bound (every
#: score of it is a candidate); finite, so that a zero query times it stays 0
_BIG = np.float32(1e30)


def value_error(table: QuantizedTable) -> np.ndarray:
    """Per row, a bound on ``|w - d|`` for every value ``w`` of the float row and ``d`` decoded.

    From the format: half a code step (``scale / 2``), plus for int4 the
    float16 rounding of the bias and of the scale (whose codes are clipped to
    0..15), plus the float32 rounding of packing and decoding (a few units of
    roundoff of the row's largest value, counted sixteen times over). float16
    rows: half a unit in the last place of the row's largest value, twice.
    Valid for a float table whose packing is ``table`` (``quantize(W)``, or
    torch's packing of the same values).
    """
    if table.dtype == "float16":
        halves = table.data
        err = np.empty(table.shape[0], dtype=np.float64)
        step = 1 << 14
        for lo in range(0, halves.shape[0], step):
            part = np.abs(halves[lo:lo + step].astype(np.float32))
            err[lo:lo + step] = part.max(axis=1, initial=0.0)
        return err * 2.0 ** -10 + 2.0 ** -24
    scale, bias = (x.astype(np.float64) for x in table._scale_bias())
    bias = np.abs(bias)
    roundoff = 2.0 ** -20
    if table.dtype == "int8":
        return 0.5 * scale + 1e-8 + roundoff * (bias + 255 * scale)
    return (0.5 * scale + (bias * 2.0 ** -10 + 2.0 ** -24)
            + 15 * (scale * 2.0 ** -10 + 2.0 ** -24) + roundoff * (bias + 15 * scale))


def up32(x: np.ndarray) -> np.ndarray:
    """float64 values as float32, rounded up (a bound stays a bound)."""
    y = np.asarray(x, dtype=np.float64).astype(np.float32)
    return np.where(y.astype(np.float64) < x, np.nextafter(y, np.float32(np.inf)), y)


def row_bounds(table: QuantizedTable, metric: str,
               norms: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """``(a, b, f)`` per row: a decoded score is within ``alpha a + |s| b + cq f`` of the float one.

    ``alpha`` is the query's l1 norm, ``cq`` 1 (cosine) or its l2 norm (dot).
    Cosine: ``|q.w/|w| - q.d/|d|| <= (|q|_1 e + |q.d/|d|| E) / (|d| - E)`` for
    a value error ``e`` and ``E = sqrt(dim) e``; dot: ``|q.(w - d)| <= |q|_1 e``;
    both plus the rounding of the two products, the normalisation and the
    canonical score (``fast_score_bound`` per unit of ``|q| |c|``, doubled).
    ``norms``: :func:`decoded_norms`, when the caller has them.
    """
    from .similarity import fast_score_bound

    e = value_error(table)
    dim = table.shape[1]
    E = np.sqrt(dim) * e
    d = decoded_norms(table) if norms is None else norms
    u = 2 * fast_score_bound(dim, np.float32)
    if metric == "cosine":
        den = d - E
        bad = ~(den > 0)
        den = np.where(bad, 1.0, den)
        a, b = e / den, E / den + 2.0 ** -21
        f = u * 2 + u * E / den
        a[bad] = b[bad] = f[bad] = _BIG
    else:
        a = e.copy()
        b = np.full_like(e, 2.0 ** -21)
        f = u * (d + E)
    inflate = 1 + 2.0 ** -16
    return tuple(np.minimum(up32(x * inflate), _BIG) for x in (a, b, f))


def _check_rerank(rerank, table: QuantizedTable) -> np.ndarray:
    if sp.issparse(rerank) or not isinstance(rerank, np.ndarray):
        raise TypeError(f"rerank must be the dense float table (an ndarray or a memory-mapped "
                        f".npy) the compressed corpus was made from; got "
                        f"{type(rerank).__name__}")
    if rerank.dtype not in (np.float32, np.float64):
        raise TypeError(f"rerank must be a float32 or float64 table; got dtype {rerank.dtype}")
    if rerank.shape != table.shape:
        raise ValueError(f"rerank has shape {rerank.shape} but the compressed corpus stands "
                         f"for a table of shape {table.shape}; pass the float table it was "
                         "made from")
    return np.asarray(rerank)  # a memmap as a plain ndarray view, read only where needed


def _check_source(W: np.ndarray, table: QuantizedTable, rows: np.ndarray) -> None:
    """The rows returned must pack to ``table``'s bytes: else ``W`` is not its source."""
    rows = np.unique(rows[rows >= 0])
    if not rows.size:
        return
    if table.dtype == "int8":  # packed row by row in a kernel, no copies
        differ = np.zeros(rows.shape[0], dtype=np.bool_)
        differs = choose(family("quantized")._int8_rows_differ, differ.size * W.shape[1])
        differs(W, rows, table.data, differ)
        bad = int(np.argmax(differ)) if differ.any() else -1
    else:
        packed = quantize(W[rows], table.dtype).data
        stored = table.data[rows]
        if table.dtype == "float16":
            same = (packed.view(np.uint16) == stored.view(np.uint16)).all(axis=1)
        else:
            same = (packed[:, :stored.shape[1]] == stored).all(axis=1)
        bad = -1 if same.all() else int(np.argmin(same))
    if bad >= 0:
        r = int(rows[bad])
        raise ValueError(f"rerank row {r} does not pack to the compressed corpus's row {r}: "
                         "rerank must be the float table the corpus was quantized from (the "
                         "screen's bounds hold only for it)")


def topk_rerank(Q, table: QuantizedTable, rerank, k: int, exclude_self: bool,
                block_size: int | None, metric: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """Exact top-k of the float table ``rerank``, screened on its compressed rows ``table``.

    Returns ``(indices, scores, stats)``, the first two equal to
    ``topk_similar(Q, rerank, k, ...)`` (dense queries). See the module.
    """
    exact = family("exact_topk")
    W = _check_rerank(rerank, table)
    Q, k, block_size = _check(Q, table, k, exclude_self, block_size)
    n_q, n_c = Q.shape[0], table.shape[0]
    dtype = result_dtype(Q, W)
    cosine = metric == "cosine"
    # the float path's queries (canonical scores), and the screen's float32 ones
    Qc = normalize_rows(Q, dtype) if cosine else np.ascontiguousarray(Q, dtype=dtype)
    Qs = Qc if dtype == np.float32 else (
        normalize_rows(Q, np.float32) if cosine else np.ascontiguousarray(Q, dtype=np.float32))
    with np.errstate(invalid="ignore", over="ignore"):
        alpha = up32(np.abs(Qs).sum(axis=1, dtype=np.float64) * (1 + 2.0 ** -20))
        l2 = np.maximum(np.linalg.norm(Qs.astype(np.float64), axis=1),
                        np.linalg.norm(Qc.astype(np.float64), axis=1)) * (1 + 2.0 ** -20)
    cq = np.ones(n_q, np.float32) if cosine else up32(l2)
    zero = l2 == 0
    cq[zero] = 0  # a zero query's scores are all exactly 0, fast and canonical
    alpha[~(np.isfinite(alpha) & np.isfinite(cq))] = -1  # NaN or inf: score every row
    out_idx = np.full((n_q, k), -1, dtype=np.int64)
    out_score = np.full((n_q, k), -np.inf, dtype=dtype)
    if table.dtype == "int8" and table.shape[1] and _tuning.get("INT8_SCREEN"):
        # bytes times bytes (_topk_int8, which keeps its own heaps and buffers)
        from ._topk_int8 import int8_screen

        stats = int8_screen(Qs, table, metric, alpha, cq, k, bool(exclude_self), W, Qc,
                            out_idx, out_score)
    else:  # the decoded rows' float products (dense_tiles)
        lower = np.empty((n_q, k), dtype=np.float32)  # each query's k largest lower bounds
        filled = np.zeros(n_q, dtype=np.int64)
        scored = np.zeros(n_q, dtype=np.int64)
        seen = np.zeros(n_c, dtype=np.bool_)
        stats = np.zeros(2, dtype=np.int64)
        buf = np.empty((1, table.shape[1]), dtype=dtype)
        scales = np.full(n_c, np.nan)  # each read row's 1 / norm, once known
        one = np.empty(1, dtype=dtype)
        a, b, f = row_bounds(table, metric)
        cap = max(_CANDIDATES, 4 * exact._BLOCK)  # (a row stops only with room for a block left)
        cand_q, cand_c = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        cand_ub, n_cand = np.empty(cap, dtype=np.float32), np.zeros(1, dtype=np.int64)
        cols = tile_cols(n_c, block_size, 4 * table.shape[1])  # (decoded float32 rows)
        for q0, c0, scores, _, _ in dense_tiles(Qs, table, block_size, cols, normalize=cosine):
            exact._screen_tile(scores, q0, c0, k, bool(exclude_self), alpha, cq, a, b, f,
                               lower, filled, cand_q, cand_c, cand_ub, n_cand, W, cosine, buf,
                               scales, Qc, out_idx, out_score, scored, seen, stats, one)
        exact._score_candidates(cand_q, cand_c, cand_ub, n_cand, lower, filled, k, W, cosine,
                                buf, scales, Qc, out_idx, out_score, scored, seen, stats, one)
    choose(family("similarity")._sort_topk, out_idx.size)(out_idx, out_score)
    _check_source(W, table, out_idx)
    return out_idx, out_score, {"rows": n_c, "rows_read": int(stats[1]),
                                "rescored": int(stats[0])}
