"""Top-k neighbours in a corpus partitioned across workers: per block, then a merge tree."""

from __future__ import annotations

from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask.base import tokenize

from .._base.validation import as_matrix, check_metric, check_topk, result_dtype
from ..similarity import topk_similar as _topk_similar
from ._graph import SPLIT_EVERY, allow_in_graph, check_split_every, graph_node, tree_reduce

#: the index of a candidate that is no candidate (sorts after every real index)
_NONE = np.iinfo(np.int64).max


def _block_topk(block, queries, offset: int, k: int, exclude_self: bool, metric: str,
                block_size: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` of one corpus block for every query, as global corpus indices."""
    n_q, n_b = queries.shape[0], block.shape[0]
    mine = exclude_self and offset < n_q  # some query i may be a row of this block
    kb = min(k + int(mine), n_b)
    if kb == 0:
        return np.zeros((n_q, 0), np.int64), np.zeros((n_q, 0), np.float64)
    idx, scores = _topk_similar(queries, block, k=kb, metric=metric, block_size=block_size)
    idx += offset
    if mine:
        self_hit = idx == np.arange(n_q)[:, None]
        idx[self_hit] = _NONE
        scores[self_hit] = -np.inf
    return idx, scores


def merge_topk(parts: list, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` of candidate lists: score descending, equal scores by lower index."""
    idx = np.concatenate([p[0] for p in parts], axis=1)
    scores = np.concatenate([p[1] for p in parts], axis=1)
    order = np.lexsort((idx, -scores), axis=1)[:, :k]
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(scores, order, axis=1)


def topk_similar(queries: Any, corpus: Any, k: int = 10, exclude_self: bool = False,
                 block_size: int | None = None, metric: str = "cosine",
                 split_every: int = SPLIT_EVERY) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sparsedense.topk_similar` of in-memory queries against a corpus on a cluster.

    Each row block of ``corpus`` gives its own top ``k`` of every query (one
    task per block, the single-machine function); the candidates are merged
    by a tree of fan-in ``split_every`` into the global top ``k``. The
    queries are one key of the graph, sent to each worker once.

    Parameters
    ----------
    queries : array-like or sparse matrix, shape (n_queries, dim)
        Held in memory (a dask array is computed first): the result is
        ``n_queries x k`` anyway.
    corpus : dask.array, shape (n_corpus, dim)
        Dense or scipy.sparse blocks, with known row chunks (column chunks
        are joined). An in-memory array is accepted too (one block).
    k, exclude_self, block_size, metric
        As in :func:`sparsedense.topk_similar` (``block_size`` applies within
        each corpus block; ``exclude_self`` skips corpus row ``i`` for query ``i``).
    split_every : int, default=8
        Fan-in of the merge tree.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray, shape (n_queries, k)
        Computed (not lazy). The same indices as the single-machine call,
        ties included (equal scores, lower index first), and the same scores
        up to the last bit of a BLAS product over a row block instead of
        the whole corpus.

    Examples
    --------
    >>> import dask, dask.array as da, numpy as np
    >>> from sparsedense.dask import topk_similar
    >>> C = da.from_array(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.0]]),
    ...                   chunks=(2, 2))
    >>> with dask.config.set(scheduler="sync"):
    ...     idx, scores = topk_similar(np.array([[1.0, 0.0]]), C, k=3)
    >>> idx.tolist()  # rows 0 and 3 tie: lower index first
    [[0, 3, 1]]
    """
    split_every = check_split_every(split_every)
    check_metric(metric)
    if isinstance(queries, da.Array):
        queries = queries.compute()
    Q = as_matrix(queries, "queries")
    if not isinstance(corpus, da.Array):
        C = as_matrix(corpus, "corpus")
        corpus = da.from_array(C, chunks=C.shape, asarray=False)
    if corpus.ndim != 2:
        raise ValueError(f"corpus must be 2-D (rows are vectors); got shape {corpus.shape}")
    if any(np.isnan(c) for c in corpus.chunks[0]):
        raise ValueError("corpus has unknown chunk sizes (NaN in corpus.chunks); call "
                         "corpus.compute_chunk_sizes() first")
    if corpus.dtype.kind not in "biuf":
        raise TypeError(f"corpus must be numeric; got dtype {corpus.dtype}")
    k = check_topk(k, block_size, exclude_self, Q.shape, corpus.shape)
    if len(corpus.chunks[1]) > 1:
        corpus = corpus.rechunk({1: -1})
    dtype = result_dtype(Q, np.empty(0, corpus.dtype))
    shipped = graph_node(Q, "queries")
    name = f"topk-{tokenize(corpus.name, shipped.key, k, exclude_self, block_size, metric)}"
    leaves = {}
    offset = 0
    for i, rows in enumerate(corpus.chunks[0]):
        task = partial(_block_topk, offset=offset, k=k, exclude_self=bool(exclude_self),
                       metric=metric, block_size=block_size)
        leaves[(name, i)] = (task, (corpus.name, i, 0), shipped.key)
        offset += rows
    result = tree_reduce(list(leaves), partial(merge_topk, k=k), split_every, name,
                         [corpus, shipped], layer=leaves)
    with allow_in_graph(result):
        idx, scores = result.compute()
    idx[idx == _NONE] = -1
    return idx, scores.astype(dtype, copy=False)
