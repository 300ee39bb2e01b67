"""Sparse -> dense on a cluster: sparse_to_dense and EmbeddingVectorizer over dask collections."""

from __future__ import annotations

from functools import partial
from typing import Any

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp

from .. import text as _text
from ..embed import EmbeddingVectorizer as _LocalEmbeddingVectorizer
from ..functional import sparse_to_dense as _sparse_to_dense
from .._base.files import memmap_source, open_table
from ._graph import (
    SPLIT_EVERY,
    allow_in_graph,
    as_bag,
    graph_node,
    fitted_lengths,
    partition_lengths,
    per_partition,
    row_blocks,
    stack_blocks,
    tree_reduce,
)
from ._text import (
    _in_partition,
    check_fit,
    empty_block,
    finish_fit,
    fit_vectorizer,
    merge_stats,
    plain_copy,
)


def table_source(weight: Any) -> Any:
    """What the graph holds of a weight table: its path if it is a memmapped file, else the array."""
    source = memmap_source(weight)
    return source if source is not None else np.asarray(weight)


def table_node(weight: Any) -> Any:
    """The weight table as one key of the graph (:func:`graph_node` of :func:`table_source`)."""
    return graph_node(table_source(weight), "weight")


def _dense_block(X, weight, mode: str = "sum", normalize: str | None = None) -> np.ndarray:
    return _sparse_to_dense(X, open_table(weight), mode=mode, normalize=normalize)


def sparse_to_dense(X: Any, weight: np.ndarray, mode: str = "sum",
                    normalize: str | None = None) -> da.Array:
    """:func:`sparsedense.functional.sparse_to_dense` of each row block of a dask array.

    Parameters
    ----------
    X : dask.array of scipy.sparse blocks, shape (n_docs, num_embeddings)
        E.g. the output of this module's vectorizers. Column chunks are
        joined first (each task needs whole rows). A scipy.sparse matrix is
        accepted too (one block).
    weight : ndarray or np.memmap of shape (num_embeddings, embedding_dim)
        One key of the graph, which every block depends on (no task carries
        a copy): a memory-mapped file travels as its path (every worker maps
        the file; it must be readable by all of them), any other array as
        itself. With a ``distributed.Client`` each worker fetches it once,
        and a copy lost with its worker is made again. Above 10 MB distributed
        warns about a large graph when the result is computed: that is the
        table, once (see the Dask how-to). With several workers on one
        machine a memory-mapped table is faster: they share one copy (and
        the CPU caches) instead of holding one each.
    mode, normalize
        As in :func:`sparsedense.functional.sparse_to_dense`.

    Returns
    -------
    dask.array of shape (n_docs, embedding_dim), dtype of ``weight``
        Chunked like the rows of ``X``; each block equals the single-machine
        result on that block, so the whole equals ``sparse_to_dense(X, weight)``.
        Write it with ``to_zarr`` or ``da.to_npy_stack`` without gathering it.

    Examples
    --------
    >>> import dask, dask.array as da, numpy as np, scipy.sparse as sp
    >>> from sparsedense.dask import sparse_to_dense
    >>> W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    >>> X = da.from_array(sp.csr_matrix(np.array([[2, 0, 1], [0, 0, 0], [0, 3, 0]])),
    ...                   chunks=(2, 3), asarray=False)
    >>> with dask.config.set(scheduler="sync"):  # the graph is built for this scheduler
    ...     D = sparse_to_dense(X, W, mode="mean")
    ...     D.compute().round(4).tolist()
    [[1.0, 0.3333], [0.0, 0.0], [0.0, 1.0]]
    >>> D.chunks
    ((2, 1), (2,))
    """
    if sp.issparse(X):
        X = da.from_array(sp.csr_matrix(X), chunks=X.shape, asarray=False)
    if not isinstance(X, da.Array):
        raise TypeError(f"X must be a dask array of scipy.sparse blocks (or a scipy.sparse "
                        f"matrix); got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got shape {X.shape}")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes (NaN in X.chunks); call "
                         "X.compute_chunk_sizes() first")
    probe = X._meta
    probe = (sp.csr_matrix((0, X.shape[1]), dtype=X.dtype) if sp.issparse(probe)
             else np.zeros((0, X.shape[1]), dtype=X.dtype))
    _sparse_to_dense(probe, weight, mode=mode, normalize=normalize)  # the same checks, here
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    table = table_node(weight)
    dim = weight.shape[1]
    return X.map_blocks(partial(_dense_block, mode=mode, normalize=normalize), table,
                        chunks=(X.chunks[0], (dim,)), dtype=weight.dtype,
                        meta=np.empty((0, 0), dtype=weight.dtype))


def _embed_partition(docs, index: int, vectorizer, weight, mode: str = "mean",
                     normalize: str | None = None, dim: int = 0,
                     dtype: Any = np.float32) -> np.ndarray:
    docs = list(docs)
    if not docs:
        return np.zeros((0, dim), dtype=dtype)
    try:
        X = vectorizer.transform(docs)
    except (TypeError, ValueError) as exc:
        raise _in_partition(exc, index) from exc
    return _sparse_to_dense(X, open_table(weight), mode=mode, normalize=normalize)


def _count_partition(docs, index: int, vectorizer) -> Any:
    """The counts of one partition over the fixed vocabulary: a CSR block (kept on its worker).

    The first step of the single-machine ``fit_transform`` of the sparse
    step (``binary`` counts set to 1), on one partition.
    """
    docs = list(docs)
    if not docs:
        return empty_block(len(vectorizer.vocabulary_), vectorizer.dtype)
    try:
        X = vectorizer._count_fixed(docs)[0]
    except (TypeError, ValueError) as exc:
        raise _in_partition(exc, index) from exc
    if vectorizer.binary:
        X.data.fill(1)
    return X


def _count_stats(X) -> tuple:
    """The statistics of :func:`merge_stats` of a block of counts over a fixed vocabulary."""
    from ..text import DocumentFrequencies

    return [X.shape[0]], DocumentFrequencies.from_matrix(X)


def _dense_from_counts(X, transformer, weight, mode: str = "mean",
                       normalize: str | None = None, dim: int = 0,
                       dtype: Any = np.float32) -> np.ndarray:
    """A block of counts weighted by the fitted ``transformer`` (None: as they are), to dense."""
    if X.shape[0] == 0:
        return np.zeros((0, dim), dtype=dtype)
    if transformer is not None:  # a copy: the counts block may serve a re-run of this task
        X = transformer._weight(X.copy())
    return _sparse_to_dense(X, open_table(weight), mode=mode, normalize=normalize)


class EmbeddingVectorizer(_LocalEmbeddingVectorizer):
    """:class:`sparsedense.EmbeddingVectorizer` over dask collections: text to dense, by partition.

    ``fit`` (the idf, for ``weighting='tfidf'``) sums the partitions'
    document frequencies over the table's words by a tree reduction;
    ``transform`` returns a dense ``dask.array`` (n_docs x dim) with one
    block per input partition, each the single-machine ``transform`` of the
    partition. The fitted sparse step and the weight table are sent to each
    worker once (a memory-mapped table as its path, see
    :func:`sparse_to_dense`). The ``n_tokens_`` / ``n_skipped_tokens_``
    counters of the single-machine class are not kept by ``transform``
    here (it is lazy). :meth:`to_local` gives the fitted single-machine
    estimator.

    Parameters
    ----------
    As :class:`sparsedense.EmbeddingVectorizer`.

    Examples
    --------
    >>> import dask, dask.bag as db, numpy as np
    >>> from sparsedense.dask import EmbeddingVectorizer
    >>> words = ["deposit", "savings", "rain", "snow"]
    >>> W = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> texts = ["deposit and savings", "rain rain snow"]
    >>> docs = db.from_sequence(texts, npartitions=2)
    >>> with dask.config.set(scheduler="sync"):
    ...     D = EmbeddingVectorizer(W, words, weighting="count").fit_transform(docs)
    ...     D.compute().round(3).tolist()
    [[0.95, 0.05], [0.033, 0.967]]
    """

    _fits_sif = False  # SIF's components need all the vectors on one machine

    def _raw_weight(self) -> Any:
        weight = self.weight
        if hasattr(weight, "index_to_key") and hasattr(weight, "weight"):  # a Vectors
            weight = weight.weight
        return weight

    def fit(self, raw_documents, y=None, split_every: int = SPLIT_EVERY
            ) -> "EmbeddingVectorizer":
        """Fit the weighting on ``raw_documents`` (a tree reduction); returns ``self``."""
        bag = as_bag(raw_documents)
        weight, mapping = self._table()
        vec = self._make_vectorizer(mapping, weight.dtype)
        lengths = fit_vectorizer(vec, bag, split_every)
        self._partition_lengths_ = fitted_lengths(bag, lengths)
        self._fitted_elsewhere(vec)
        return self

    def fit_transform(self, raw_documents, y=None, split_every: int = SPLIT_EVERY) -> da.Array:
        """Fit, and one dense vector per document, reading and tokenizing the documents once.

        As the single-machine ``fit_transform``: each partition is counted
        once, in one task, and its block of counts stays on the worker that
        made it (held until the returned array is dropped; Dask spills it to
        disk under memory pressure, and recomputes it if its worker dies).
        The blocks' document frequencies are combined by a tree reduction of
        fan-in ``split_every`` into the idf (set on the client, like
        ``fit``); the returned array's tasks then weight each block of
        counts and make it dense where it is. The weight table is sent to
        the workers while the counting runs. ``fit(docs).transform(docs)``
        gives the same array, reading the documents twice and keeping
        nothing between the two.
        """
        bag = as_bag(raw_documents)
        weight, mapping = self._table()
        vec = self._make_vectorizer(mapping, weight.dtype)
        split_every = check_fit(vec, split_every)
        # the vectorizer and the table are keys of the graph, sent with the first submission
        shipped = graph_node(vec, "vectorizer")
        table = table_node(self._raw_weight())
        counts = per_partition(_count_partition, bag, [shipped])
        stats = [dask.delayed(_count_stats, pure=True)(c) for c in counts]
        name = f"embed-df-{dask.base.tokenize([c.key for c in counts], split_every)}"
        total = tree_reduce(stats, merge_stats, split_every, name)
        # one submission (with a distributed.Client it returns at once): the counts stay
        # on the workers that made them, and the table travels while they are made
        with allow_in_graph(*counts, total, table):
            *counts, total, table = dask.persist(*counts, total, table)
        lengths, stats = total.compute()
        finish_fit(vec, stats)
        self._partition_lengths_ = fitted_lengths(bag, lengths)
        self._fitted_elsewhere(vec)
        shipped = [table]
        transformer = getattr(vec, "_tfidf", None)
        if transformer is not None:
            transformer = graph_node(transformer, "idf")
            shipped.append(transformer)
        dim = weight.shape[1]
        func = partial(_dense_from_counts, mode=self.mode, normalize=self.normalize, dim=dim,
                       dtype=weight.dtype)
        parts = [dask.delayed(func, pure=True)(c, transformer, table) for c in counts]
        meta = np.empty((0, 0), dtype=weight.dtype)
        return stack_blocks(parts, lengths, dim, meta, shipped, "embed")

    def transform(self, raw_documents) -> da.Array:
        """One dense vector per document: a dask array (n_docs, dim) chunked by partition."""
        if not hasattr(self, "vectorizer_"):
            raise _text.NotFittedError("This EmbeddingVectorizer instance is not fitted yet. "
                                       "Call 'fit' first.")
        weight, _ = self._table(with_vocabulary=False)
        bag = as_bag(raw_documents)
        lengths = partition_lengths(bag, vars(self).get("_partition_lengths_"))
        dim = weight.shape[1]
        func = partial(_embed_partition, mode=self.mode, normalize=self.normalize, dim=dim,
                       dtype=weight.dtype)
        shipped = [graph_node(self.vectorizer_, "vectorizer"), table_node(self._raw_weight())]
        meta = np.empty((0, 0), dtype=weight.dtype)
        return row_blocks(func, bag, lengths, dim, meta, shipped, "embed")

    def to_local(self) -> _LocalEmbeddingVectorizer:
        """The fitted estimator as a single-machine :class:`sparsedense.EmbeddingVectorizer`."""
        return plain_copy(self, _LocalEmbeddingVectorizer)
