"""Cosine similarity and top-k nearest neighbours, dense or sparse, in bounded memory.

``cosine_similarity`` matches scikit-learn's (rows of zeros give 0, never
NaN); ``topk_similar`` finds the ``k`` most similar corpus rows of each query
tile by tile — a BLAS product per tile of (queries x corpus rows), then a heap
selection per row that rules out most of the tile in vectorised passes — so
memory is one tile plus ``Q * k``, never the full ``Q x N`` matrix.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._kernels import _pool, _tuning, family
from ._kernels._dispatch import choose, task_args
from ._base.validation import as_matrix, check_metric, check_topk, result_dtype
from .quantized import QuantizedTable


__all__ = ["cosine_similarity", "topk_similar", "normalize_rows"]

def normalize_rows(X: Any, dtype=None):
    """Rows scaled to unit l2 norm (rows of zeros stay zero); dense in, dense out.

    Sparse input gives a CSR copy. ``dtype`` defaults to float32 for float32
    input and float64 otherwise.
    """
    X = as_matrix(X, "X")
    dtype = np.dtype(dtype) if dtype is not None else result_dtype(X)
    if sp.issparse(X):
        norms = family("norms")
        X = X.astype(dtype, copy=True)
        X.sum_duplicates()
        norms._normalize_rows_inplace(X.indptr, X.data, norms.NORM_L2)  # the TF-IDF l2 step
        return X
    return _normalize_into(X, np.empty(X.shape, dtype=dtype))


def _normalize_into(X: np.ndarray, out: np.ndarray, parallel: bool = True) -> np.ndarray:
    """``out`` = the rows of dense ``X`` scaled to unit l2 norm, in ``out``'s dtype.

    ``parallel=False`` keeps to this thread (between two BLAS products, where
    waking Numba's thread pool costs more than it saves); the rows are the same.
    """
    if not X.size:
        out[...] = X
        return out
    kernel = choose(family("norms")._normalize_rows_l2, X.size, allow=parallel)
    if X.dtype == out.dtype:  # one pass: read X, write the scaled copy
        kernel(X, out)
    else:  # the same l2 kernels as sparse_to_dense(normalize="l2"), in place
        out[...] = X
        kernel(out, out)
    return out


def _transpose(B: sp.csr_matrix) -> sp.csr_matrix:
    """``B.T`` as CSR with sorted indices (columns of ``B`` become rows)."""
    BT = B.T.tocsr()
    BT.sort_indices()
    return BT


def _sparse_dot_t(A: sp.csr_matrix, B: sp.csr_matrix, dtype, BT=None) -> np.ndarray:
    """Dense ``A @ B.T`` of two CSR matrices, rows in parallel (``BT``: B.T, if known)."""
    BT = _transpose(B) if BT is None else BT
    out = np.empty((A.shape[0], B.shape[0]), dtype=dtype)
    choose(family("similarity")._csr_dot_csr_t_dense, out.size + A.nnz)(
        A.indptr, A.indices, A.data.astype(dtype, copy=False),
        BT.indptr, BT.indices, BT.data.astype(dtype, copy=False), out)
    return out


#: a column stored in more than this fraction of the rows goes to the dense (BLAS) part
DENSE_COLUMN_FRACTION = 1 / 8


def _sparse_gram(A: sp.csr_matrix, dtype) -> np.ndarray:
    """Dense symmetric ``A @ A.T``.

    A column present in ``d`` rows costs ``d**2 / 2`` scattered updates in a
    sparse product but only ``n**2 / 2`` multiply-adds of BLAS's ``syrk`` (one
    triangle of the GEMM), which runs tens of times faster per operation. So
    the frequent columns (in more than :data:`DENSE_COLUMN_FRACTION` of the
    rows: on text, the common words) are multiplied densely, and the rest by
    the sparse kernel, which skips them, computes the upper triangle only and
    mirrors it. From the tuned ``COSINE_DENSE_MIN_ROWS`` rows the dense part is
    BLAS's, and the sparse kernel then runs in parallel only from
    ``COSINE_PARALLEL_MIN_WORK`` (BLAS's threads still spin). Below, waking
    BLAS's threads costs more than the product: a small kernel of ours
    multiplies the frequent columns, and both kernels run on the threads while
    the pool is awake or a run of calls has earned its wake (:mod:`._pool`).
    Either way the sums are exact up to rounding, and the same for any thread
    count.
    """
    kernels = family("similarity")
    n = A.shape[0]
    df = np.bincount(A.indices, minlength=A.shape[1])
    dense = df > max(8, DENSE_COLUMN_FRACTION * n)
    data = A.data.astype(dtype, copy=False)
    work = n * n + A.nnz
    has_dense = bool(dense.any())
    blas = has_dense and n >= _tuning.get("COSINE_DENSE_MIN_ROWS")
    parallel = work >= _tuning.get("COSINE_PARALLEL_MIN_WORK")
    started = None
    # a short call without BLAS: the threads only while they are awake, or once a run of
    # calls has earned their wake
    if not (blas or parallel):
        started = time.perf_counter()
        parallel = _pool.choose(kernels._csr_gram_dense, work, started) is not None
    tasks = min((n + 1) // 2, _tuning.get("PARALLEL_TASKS"))
    out = np.empty((n, n), dtype=dtype)
    if has_dense:
        position = np.full(A.shape[1], -1, dtype=np.int64)
        position[dense] = np.arange(int(dense.sum()))
        D = np.zeros((n, int(dense.sum())), dtype=dtype)
        kernels._dense_columns(A.indptr, A.indices, data, position, D)
        if blas:  # BLAS's syrk: the upper triangle
            family("blas").syrk_upper(D, out)
        else:
            dense_gram = choose(kernels._dense_gram_upper, work, parallel)
            dense_gram(D, out, *task_args(dense_gram, tasks))
    AT = _transpose(A)
    gram = choose(kernels._csr_gram_dense, work, parallel)
    gram(A.indptr, A.indices, data, AT.indptr, AT.indices, AT.data.astype(dtype, copy=False),
         not has_dense, dense, out, *task_args(gram, tasks))
    if started is not None:
        _pool.small_call_done(parallel, started)
    return out


def cosine_similarity(A: Any, B: Any = None, dense_output: bool = True):
    """Cosine similarity between the rows of ``A`` and the rows of ``B`` (or of ``A``).

    ``cos(a, b) = a . b / (|a| |b|)``, with 0 wherever a row is all zeros (no
    NaN, no warning), as scikit-learn's ``cosine_similarity``. Dense and
    scipy.sparse inputs mix freely; float32 results when both inputs are
    float32, float64 otherwise.

    Parameters
    ----------
    A : array-like or sparse matrix, shape (n_a, dim)
    B : array-like or sparse matrix, shape (n_b, dim), optional
    dense_output : bool, default=True
        With two sparse inputs and ``dense_output=False``, return a CSR matrix.

    Returns
    -------
    ndarray (or CSR matrix) of shape (n_a, n_b)

    Examples
    --------
    >>> from sparsedense import one_hot
    >>> from sparsedense.similarity import cosine_similarity
    >>> cosine_similarity(one_hot([0, 1, 2], 3)).tolist()  # distinct one-hot rows: 0
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> cosine_similarity([[1.0, 0.0], [0.0, 0.0]], [[2.0, 0.0]]).tolist()
    [[1.0], [0.0]]
    """
    A = as_matrix(A, "A")
    B = A if B is None else as_matrix(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same number of columns; got {A.shape[1]} "
                         f"and {B.shape[1]}")
    dtype = result_dtype(A, B)
    An = normalize_rows(A, dtype)
    Bn = An if B is A else normalize_rows(B, dtype)
    if sp.issparse(An) and sp.issparse(Bn):
        if not dense_output:
            return (An @ Bn.T).tocsr()
        if Bn is An:
            return _sparse_gram(An, dtype)
        return _sparse_dot_t(An, Bn, dtype)
    if sp.issparse(An):
        return np.asarray(An @ Bn.T, dtype=dtype)
    if sp.issparse(Bn):
        return np.asarray((Bn @ An.T).T, dtype=dtype)
    return An @ Bn.T


#: dense inputs are scored in tiles of (queries x corpus rows): at most this many
#: queries per tile by default, and about the tuned ``TOPK_TILE_SCORES`` scores per tile
TILE_QUERIES = 1024
#: corpus rows per tile at least (a narrower GEMM runs below BLAS's best speed)
TILE_MIN_COLS = 2048


def dense_tiles(Qn: np.ndarray, Cn: np.ndarray, block_size: int, tile_cols: int,
                normalize: bool = False, late_scaling: bool = False):
    """Yield ``(row_start, col_start, scores, rows, raw)`` tiles of ``Qn @ Cn.T``, left to right.

    ``rows`` are the tile's corpus rows as multiplied. Every tile is written
    into one buffer: the consumer is done with a tile before it asks for the
    next. With ``normalize``, each tile's corpus rows are first scaled to unit
    norm (as :func:`normalize_rows` does) into a buffer of their own; or, for
    a consumer that allows ``late_scaling``, a few queries' scores are divided
    by norms taken beside the products (:mod:`._kernels.row_dots`), and
    ``raw`` is True: ``rows`` are the rows as stored, to be scaled when scored.
    """
    n_q, n_c = Qn.shape[0], Cn.shape[0]
    few = few_queries(min(block_size, n_q), Qn, Cn) and (late_scaling or not normalize)
    raw = few and normalize
    buf = np.empty(min(block_size, n_q) * min(tile_cols, n_c), dtype=Qn.dtype)
    unit = (np.empty((min(tile_cols, n_c), Cn.shape[1]), dtype=Qn.dtype)
            if normalize and not raw else None)
    # a compressed corpus is decoded a tile at a time (never a float32 copy of the table)
    decoded = (np.empty((min(tile_cols, n_c), Cn.shape[1]), dtype=np.float32)
               if isinstance(Cn, QuantizedTable) else None)
    for q0 in range(0, n_q, block_size):
        block = Qn[q0:q0 + block_size]
        for c0 in range(0, n_c, tile_cols):
            if decoded is not None:
                rows = np.arange(c0, min(c0 + tile_cols, n_c), dtype=np.int64)
                # (no BLAS threads spin beside the few-query products)
                part = Cn.take(rows, decoded[:rows.shape[0]], allow=few)
            else:
                part = Cn[c0:c0 + tile_cols]
            scores = buf[:block.shape[0] * part.shape[0]].reshape(block.shape[0], part.shape[0])
            if few:
                part = np.asarray(part)  # (a memmap's rows as a plain view)
                _few_scores(block, part, raw, scores)
            else:
                if normalize:
                    part = _normalize_into(part, unit[:part.shape[0]], parallel=False)
                np.matmul(block, part.T, out=scores)
            yield q0, c0, scores, part, raw


def few_queries(n_q: int, Qn: Any, Cn: Any) -> bool:
    """Whether ``n_q`` queries at a time are multiplied with the corpus rows by
    :mod:`._kernels.row_dots` (each row read once for all of them) rather than by BLAS:
    at most ``TOPK_FEW_QUERIES`` of them, float rows of one dtype with unit stride."""
    if not 0 < n_q <= _tuning.get("TOPK_FEW_QUERIES"):
        return False
    dtype = np.dtype(np.float32) if isinstance(Cn, QuantizedTable) else Cn.dtype
    return (Qn.dtype == dtype and dtype in (np.float32, np.float64)
            and Qn.strides[1] == Qn.itemsize
            and (isinstance(Cn, QuantizedTable) or Cn.strides[1] == Cn.itemsize))


#: sums of squares a few-query cosine divides by as they are (float32, float64): the rows'
#: squares and products stay normal numbers, far from overflow (row_dots scales any other
#: row as normalize_rows does)
_FAST_NORM_RANGE = {np.dtype(np.float32): (2.0 ** -100, 2.0 ** 100),
                    np.dtype(np.float64): (2.0 ** -900, 2.0 ** 900)}


def _few_scores(block: np.ndarray, part: np.ndarray, cosine: bool,
                scores: np.ndarray) -> None:
    """``scores`` = the fast scores of the queries ``block`` and the rows ``part`` by
    :mod:`._kernels.row_dots`: dot products, or with ``cosine`` each divided by the
    row's norm (``block``'s rows at unit norm)."""
    row_dots = family("row_dots")
    m, dim = part.shape
    run = choose(row_dots._few_query_scores, block.size * m)
    n_tasks, n_workers, counter = task_args(run, min(-(-m // row_dots.ROWS),
                                                     _tuning.get("PARALLEL_TASKS")))
    low, high = _FAST_NORM_RANGE[part.dtype]
    sums = np.empty(m if cosine else 0)
    scratch = np.empty((n_workers if cosine else 0, dim), dtype=part.dtype)
    run(block, part, cosine, sums, low, high, scratch, scores, n_tasks, n_workers, counter)


def _sparse_blocks(Qn, Cn, dtype, block_size: int):
    """Yield ``(row_start, 0, scores)``: all corpus columns of a block of queries at once."""
    sparse_q, sparse_c = sp.issparse(Qn), sp.issparse(Cn)
    CnT = Cn.T if not sparse_c else None
    CT = _transpose(Cn) if sparse_q and sparse_c else None
    for start in range(0, Qn.shape[0], block_size):
        block = Qn[start:start + block_size]
        if sparse_q and sparse_c:
            yield start, 0, _sparse_dot_t(block, Cn, dtype, CT)
        elif sparse_c:
            yield start, 0, np.ascontiguousarray((Cn @ block.T).T, dtype=dtype)
        else:
            yield start, 0, np.ascontiguousarray(block @ CnT, dtype=dtype)


def _select_sparse(blocks, k: int, exclude_self: bool, out_idx: np.ndarray,
                   out_score: np.ndarray) -> None:
    """Heap selection over the score blocks of a sparse input, in parallel.

    Sparse blocks come from no BLAS call (whose threads would still spin), and
    their scores are exact sums over the stored values in index order.
    """
    for q0, c0, scores in blocks:
        select = choose(family("similarity")._topk_block, scores.size)
        select(scores, k, c0, q0, exclude_self, out_idx, out_score)


#: ``delta`` of a fast score is at most this many units of roundoff per column,
#: times ``|q| |c|``: a dot product of ``K`` terms in any order is within
#: ``K u / (1 - K u) sum |q_j c_j|`` of the exact value, the canonical score within
#: ``u`` of it once rounded (and within ``K 2**-53`` before), all counted twice over
_ROUNDOFF_PER_COLUMN = 2.02
_ROUNDOFF_EXTRA = 4


def fast_score_bound(dim: int, dtype) -> float:
    """Bound on |fast score - canonical score| per unit of ``|q| |c|`` (see ``exact_topk``)."""
    u = float(np.finfo(dtype).eps) / 2
    return (_ROUNDOFF_PER_COLUMN * dim + _ROUNDOFF_EXTRA) * u * (1 + 2.0 ** -20)


def exact_select(tiles, Qn: np.ndarray, cmax: float, k: int, exclude_self: bool,
                  out_idx: np.ndarray, out_score: np.ndarray) -> None:
    """The exact top-k (canonical scores) from dense tiles of fast scores.

    Runs on this thread, right after each BLAS product (BLAS's threads still
    spin, and waking Numba's beside them costs more than the selection: a
    block of scores is counted against each row's k-th best in one vectorised
    pass; only candidates reach the heaps). ``cmax`` bounds the norm of every
    corpus row as multiplied.
    """
    exact_tile = family("exact_topk")._exact_tile
    n_q = Qn.shape[0]
    qnorm = np.sqrt(np.einsum("ij,ij->i", Qn, Qn, dtype=np.float64))
    margins = 2 * fast_score_bound(Qn.shape[1], Qn.dtype) * cmax * qnorm
    # NaN or inf in a query or the corpus: every score is looked at
    margins[~np.isfinite(margins)] = np.inf
    fast_s = np.empty((n_q, k), dtype=Qn.dtype)
    fast_i = np.empty((n_q, k), dtype=np.int64)
    filled = np.zeros(n_q, dtype=np.int64)
    one = np.empty(1, dtype=Qn.dtype)
    scales = None  # each raw row's 1 / norm, once a candidate needs it
    for q0, c0, scores, rows, raw in tiles:
        if scales is None:
            scales = np.empty(scores.shape[1] if raw else 0)
            buf = np.empty((1, rows.shape[1]), dtype=Qn.dtype)
        exact_tile(scores, rows, Qn, q0, c0, k, exclude_self, margins, fast_s, fast_i,
                    filled, out_idx, out_score, one, raw, buf, scales)


def _max_row_norm(C: np.ndarray) -> float:
    """An upper bound on the largest l2 norm of the rows of a dense table (one numpy pass).

    The sums of squares in the table's dtype are within ``dim`` units of
    roundoff of the exact ones (relative), so they are inflated by that much;
    NaN or inf gives inf.
    """
    if not C.size:
        return 0.0
    top = float(np.einsum("ij,ij->i", C, C).max())
    if not np.isfinite(top):
        return np.inf
    u = float(np.finfo(C.dtype).eps) / 2
    return float(np.sqrt(top * (1 + 2 * C.shape[1] * u))) * (1 + 2.0 ** -20)


#: every row scaled to unit norm has a norm of at most this (a few roundings above 1)
UNIT_NORM_MAX = 1 + 2.0 ** -20


def topk_similar(queries: Any, corpus: Any = None, k: int = 10, exclude_self: bool = False,
                 block_size: int | None = None, metric: str = "cosine", *,
                 rerank: Any = None, return_stats: bool = False) -> tuple:
    """The ``k`` corpus rows most similar to each query row, in bounded memory.

    Parameters
    ----------
    queries : array-like or sparse matrix, shape (n_queries, dim)
    corpus : array-like, sparse matrix or QuantizedTable, shape (n_corpus, dim), optional
        Defaults to ``queries`` (neighbours within one set). A compressed
        table (:func:`sparsedense.quantize`) is decoded a tile at a time: the
        result is exact for its decoded rows (``corpus.dequantize()``).
    k : int, default=10
        Neighbours per query (at most ``n_corpus``, minus one with ``exclude_self``).
    exclude_self : bool, default=False
        Skip column ``i`` for query ``i`` (for ``corpus=None``: a row is not its
        own neighbour).
    block_size : int, optional
        Queries per block. Dense inputs are scored in tiles of ``block_size``
        queries x about ``TOPK_TILE_SCORES / block_size`` corpus rows (at least
        2,048), one tile in memory at a time: float32 scores filling about half
        the L3 cache by default (``block_size`` = min(n_queries, 1024)). With a
        sparse input each block holds ``block_size * n_corpus`` scores;
        the default is then a quarter of the full ``Q x N`` matrix, between
        16 and 128 MiB.
    metric : {'cosine', 'dot'}, default='cosine'
    rerank : ndarray, optional
        With a compressed ``corpus``, the float table it was made from (an
        array or a memory-mapped ``.npy``; only candidate rows are read). The
        compressed rows then only screen: each of their scores is within a
        bound of the float row's (from the format's error per value), the rows
        whose bound can reach the running k-th best are read and scored
        exactly, and the result **is** ``topk_similar(queries, rerank, ...)``
        (indices, ties and scores; sparse queries as their dense rows). The
        returned rows are checked to pack to the compressed ones (a
        ValueError if ``rerank`` is another table).
    return_stats : bool, default=False
        With ``rerank``, also return a dict: ``rows_read`` (distinct rows of
        ``rerank`` read), ``rescored`` (exact scores computed) and ``rows``.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray, shape (n_queries, k)
        Sorted by score descending; equal scores by lower index first.
    stats : dict
        Only with ``return_stats=True``.

    Notes
    -----
    Dense inputs are ranked by **canonical scores**: each pair's dot product
    (of the rows scaled to unit norm, for cosine) added in float64 in a fixed
    order and rounded to the result's dtype. BLAS scores of whole tiles find
    the candidates, with a bound on their rounding (a few units of roundoff
    per column), so near ties rank the same whatever the tile sizes, thread
    count or BLAS build; ``scores`` are the canonical ones. On a CPU with
    AMX tiles, float32 rows are screened on bfloat16 tile products instead
    (a wider bound, the same answer), a chunk of corpus rows at a time
    whatever ``block_size``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.similarity import topk_similar
    >>> X = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    >>> idx, scores = topk_similar(X, k=1, exclude_self=True)
    >>> idx.ravel().tolist()
    [1, 0, 1]
    """
    return _topk(queries, corpus, k, exclude_self, block_size, metric, rerank, return_stats)


def topk_unit_rows(queries: Any, corpus: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``topk_similar(queries, corpus, k, metric="dot")`` for corpus rows of norm at most 1.

    For tables whose rows were scaled to unit norm (or are zero), as
    :class:`~sparsedense.Vectors` keeps them: the bound on the fast scores'
    rounding then needs no pass over the corpus for its largest norm.
    """
    return _topk(queries, corpus, k, False, None, "dot", None, False, UNIT_NORM_MAX)


def _topk(queries, corpus, k, exclude_self, block_size, metric, rerank, return_stats,
          cmax=None):
    check_metric(metric)
    if isinstance(queries, QuantizedTable):  # the query rows, decoded
        queries = queries.dequantize()
    Q = as_matrix(queries, "queries")
    if rerank is not None and not isinstance(corpus, QuantizedTable):
        raise ValueError("rerank re-ranks the screen of a compressed corpus; pass corpus as a "
                         "QuantizedTable (sparsedense.quantize(W)) with rerank=W")
    if return_stats and rerank is None:
        raise ValueError("return_stats reports the re-ranking of a compressed corpus; pass "
                         "rerank=W as well")
    if isinstance(corpus, QuantizedTable):
        from ._topk_compressed import topk_compressed, topk_rerank

        if rerank is None:
            return topk_compressed(Q, corpus, k, exclude_self, block_size, metric)
        idx, scores, stats = topk_rerank(Q, corpus, rerank, k, exclude_self, block_size,
                                         metric)
        return (idx, scores, stats) if return_stats else (idx, scores)
    C = Q if corpus is None else as_matrix(corpus, "corpus")
    k = check_topk(k, block_size, exclude_self, Q.shape, C.shape, corpus_is_queries=corpus is None)
    dtype = result_dtype(Q, C)
    n_q, n_c = Q.shape[0], C.shape[0]
    dense = not (sp.issparse(Q) or sp.issparse(C))
    if block_size is None:
        if dense:
            block_size = min(n_q, TILE_QUERIES)
        else:
            full = n_q * max(n_c, 1) * dtype.itemsize
            target = min(128 << 20, max(16 << 20, full // 4))
            block_size = max(1, target // (max(n_c, 1) * dtype.itemsize))
    block_size = max(1, min(int(block_size), n_q))
    # one block of queries meets each corpus row once: its rows are normalised tile by
    # tile into a buffer that stays in cache (the same rows, the same arithmetic)
    per_tile = metric == "cosine" and dense and C is not Q and block_size >= n_q
    if metric == "cosine":
        Qn = normalize_rows(Q, dtype)
        Cn = Qn if C is Q else (C if per_tile else normalize_rows(C, dtype))
    else:
        Qn = Q.astype(dtype) if sp.issparse(Q) else np.ascontiguousarray(Q, dtype=dtype)
        Cn = Qn if C is Q else (C.astype(dtype) if sp.issparse(C)
                                else np.ascontiguousarray(C, dtype=dtype))
    out_idx = np.full((n_q, k), -1, dtype=np.int64)
    out_score = np.full((n_q, k), -np.inf, dtype=dtype)
    if dense:
        from ._topk_tiles import tile_select, usable

        if cmax is None:
            cmax = UNIT_NORM_MAX if metric == "cosine" else _max_row_norm(Cn)
        # a few queries: each row read once for all of them, in dense_tiles; else bfloat16
        # products where the CPU has them (the answer unchanged), else BLAS's
        if not few_queries(block_size, Qn, Cn) and usable(Qn, Cn, metric, cmax):
            tile_select(Qn, Cn, per_tile, cmax, k, bool(exclude_self), out_idx, out_score)
        else:
            tiles = dense_tiles(Qn, Cn, block_size,
                                tile_cols(n_c, block_size, Cn.shape[1] * dtype.itemsize),
                                normalize=per_tile, late_scaling=True)
            exact_select(tiles, Qn, cmax, k, bool(exclude_self), out_idx, out_score)
    else:
        _select_sparse(_sparse_blocks(Qn, Cn, dtype, block_size), k, bool(exclude_self),
                       out_idx, out_score)
    choose(family("similarity")._sort_topk, out_idx.size)(out_idx, out_score)
    return out_idx, out_score


def tile_cols(n_c: int, block_size: int, row_bytes: int) -> int:
    """Corpus rows per dense tile: about ``TOPK_TILE_SCORES`` scores, and rows of
    ``row_bytes`` each that take no more bytes than float32 scores of the tile
    would; at least ``TILE_MIN_COLS``.

    Without the second cap a few queries took the whole corpus as one tile, and
    its rows scaled to unit norm (or decoded) went to memory and back between
    the scaling and the product. A whole number of the selection's blocks of
    scores when wider than one, so that all but the last tile are counted in
    whole vectorised blocks.
    """
    block = family("exact_topk")._BLOCK
    scores = _tuning.get("TOPK_TILE_SCORES")
    cols = max(TILE_MIN_COLS, min(scores // block_size, 4 * scores // max(1, row_bytes)))
    return min(n_c, cols - cols % block if cols > block else cols)
