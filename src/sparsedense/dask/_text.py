"""The vectorizers over dask collections: one task per partition, tree-reduced fits."""

from __future__ import annotations

import copy

from typing import Any

import numpy as np

from .. import text as _text
from .._base.sparse import make_csr
from .._base.params import validate_params
from .._base.validation import float_dtype
from ._graph import (
    SPLIT_EVERY,
    allow_in_graph,
    as_bag,
    check_split_every,
    graph_node,
    fitted_lengths,
    partition_lengths,
    per_partition,
    row_blocks,
    tree_reduce,
)


# -- what runs in the tasks ---------------------------------------------------
def _in_partition(exc: Exception, index: int) -> Exception:
    """A user's mistake inside partition ``index``: a new error of its type, saying where it is.

    Always a new object (raised ``from exc``: the same object would be its own
    cause, a cycle that distributed's error reporting follows forever). An
    exception class that cannot be made from a message (UnicodeDecodeError's
    subclasses, say) gives the plain TypeError or ValueError it derives from.
    """
    message = f"in partition {index} of the documents: {exc}"
    try:
        return type(exc)(message)
    except Exception:
        return (TypeError if isinstance(exc, TypeError) else ValueError)(message)


def empty_block(n_cols: int, dtype) -> Any:
    """A 0-row CSR block (an empty partition's block, and the arrays' ``meta``)."""
    return make_csr(np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, dtype),
                    (0, n_cols), dtype=dtype)


def _transform_partition(docs, index: int, vectorizer, n_cols: int = 0,
                         dtype: Any = np.float64) -> Any:
    docs = list(docs)
    if not docs:
        return empty_block(n_cols, dtype)
    try:
        return vectorizer.transform(docs)
    except (TypeError, ValueError) as exc:
        raise _in_partition(exc, index) from exc


def _partition_stats(docs, index: int, vectorizer) -> tuple:
    """``(lengths, stats)`` of one partition: ``[n_docs]`` and its
    :class:`~sparsedense.text.DocumentFrequencies` (the statistics
    ``partial_fit`` adds up on a single machine).
    """
    docs = list(docs)
    try:
        stats = vectorizer._chunk_frequencies(docs)
    except (TypeError, ValueError) as exc:
        raise _in_partition(exc, index) from exc
    return [stats.n_samples], stats


def merge_stats(parts: list) -> tuple:
    """Combine partition statistics (in partition order) into one; the parts are unchanged."""
    lengths = [n for p in parts for n in p[0]]
    return lengths, _text.DocumentFrequencies.merged([p[1] for p in parts])


# -- what runs on the client ----------------------------------------------------
def plain_copy(estimator, base: type) -> Any:
    """``estimator`` as an instance of the single-machine class ``base`` (params and fitted state)."""
    params = estimator.get_params(deep=False)
    out = base(**params)
    for key, value in vars(estimator).items():
        if key not in params and key != "_partition_lengths_":  # of a bag: Dask's only
            setattr(out, key, value)
    return out


def check_fit(vec, split_every: int = SPLIT_EVERY) -> int:
    """The checks of ``vec.fit`` (a single-machine Count/TfidfVectorizer), run on the client.

    Returns ``split_every``, checked. Bad parameters and analyzer options
    are refused here, before any task runs.
    """
    split_every = check_split_every(split_every)
    validate_params(vec, vec._constraints)
    vec._validate_ngram_range()
    vec._warn_for_unused_params()
    vec._validate_vocabulary()
    if isinstance(vec, _text.TfidfVectorizer):
        vec._check_params()
    vec.build_analyzer()  # refuses bad analyzer options here, not on a worker
    return split_every


def finish_fit(vec, stats) -> None:
    """Set ``vec``'s fitted attributes from the combined statistics of :func:`merge_stats`.

    The single-machine code selects the vocabulary from the totals (or
    keeps the fixed one) and computes the idf: ``_fit_from_frequencies``.
    """
    vec._fit_from_frequencies(stats)


def fit_vectorizer(vec, bag, split_every: int = SPLIT_EVERY) -> tuple[int, ...]:
    """Fit a single-machine Count/TfidfVectorizer ``vec`` on ``bag`` in place; the partition lengths.

    The same checks as its ``fit`` run on the client first; the partitions'
    counts are combined by a tree (no task sees the whole corpus) and the
    vocabulary is selected by the single-machine code from the totals.
    """
    split_every = check_fit(vec, split_every)
    shipped = graph_node(vec, "vectorizer")
    from dask.base import tokenize

    name = f"fit-stats-{tokenize(bag.name, shipped.key, split_every)}"
    leaves = per_partition(_partition_stats, bag, [shipped])
    total = tree_reduce(leaves, merge_stats, split_every, name, [shipped])
    with allow_in_graph(total):  # a fixed vocabulary may be large
        lengths, stats = total.compute()
    finish_fit(vec, stats)
    return lengths


def blocks_of(func_kwargs: dict, fitted, bag, name: str, known: tuple | None = None):
    """The row blocks ``fitted.transform(partition)`` of ``bag``; the fitted estimator is one key.

    ``known``: the partition lengths a fit counted (see :func:`partition_lengths`).
    """
    from functools import partial

    lengths = partition_lengths(bag, known)
    shipped = graph_node(fitted, "vectorizer")
    func = partial(_transform_partition, **func_kwargs)
    meta = empty_block(func_kwargs["n_cols"], func_kwargs["dtype"])
    return row_blocks(func, bag, lengths, func_kwargs["n_cols"], meta, [shipped], name)


# -- the estimators ---------------------------------------------------------
class HashingVectorizer(_text.HashingVectorizer):
    """:class:`sparsedense.HashingVectorizer` over dask collections.

    Same parameters and blocks as the single-machine class: ``transform``
    returns a ``dask.array`` with one scipy.sparse CSR block per input
    partition, each equal to the single-machine ``transform`` of that
    partition, rows in the input's order. The chunk sizes are known (a
    counting pass over the input, remembered per bag, gives them) and
    ``meta`` is an empty CSR of the output dtype. Stateless: ``fit`` only
    validates the parameters.

    Parameters
    ----------
    As :class:`sparsedense.HashingVectorizer`.

    See Also
    --------
    as_bag : the inputs accepted (bag, dask Series, paths, list of documents).

    Examples
    --------
    >>> import dask, dask.bag as db
    >>> from sparsedense.dask import HashingVectorizer
    >>> texts = ["deposit savings", "rain", "snow and rain"]
    >>> docs = db.from_sequence(texts, npartitions=2)
    >>> with dask.config.set(scheduler="sync"):  # the graph is built for this scheduler
    ...     X = HashingVectorizer(n_features=16, norm=None).transform(docs)
    ...     total = float(abs(X.compute()).sum())
    >>> X.chunks, total
    (((2, 1), (16,)), 6.0)
    """

    def fit(self, X, y=None) -> "HashingVectorizer":
        """Only validates the parameters (no pass over ``X``); returns ``self``."""
        super().fit([])
        self.build_analyzer()
        return self

    def partial_fit(self, X, y=None) -> "HashingVectorizer":
        """Only validates the parameters; returns ``self``."""
        return self.fit(X)

    def transform(self, X):
        """Hashed counts of the documents ``X``: a dask array of CSR blocks (n_docs, n_features)."""
        bag = as_bag(X, "X")
        self.fit(None)
        lengths = partition_lengths(bag)
        if sum(lengths) == 0:
            raise ValueError("Cannot vectorize empty sequence.")
        dtype = np.dtype(self.dtype)
        if self.norm is not None and dtype.kind != "f":
            dtype = np.dtype(np.float64)
        return blocks_of({"n_cols": int(self.n_features), "dtype": dtype},
                         self.to_local(), bag, "hashing")

    def to_local(self) -> _text.HashingVectorizer:
        """The same estimator as a single-machine :class:`sparsedense.HashingVectorizer`."""
        return plain_copy(self, _text.HashingVectorizer)


class _FitMixin:
    """``fit`` / ``fit_transform`` / ``transform`` of the vocabulary-based vectorizers."""

    _base: type

    def fit(self, raw_documents, y=None, split_every: int = SPLIT_EVERY):
        """Learn the vocabulary (and idf) of ``raw_documents`` by a tree reduction; returns ``self``.

        ``split_every`` is the fan-in of the reduction tree. The fitted
        attributes equal those of the single-machine ``fit`` on the same
        documents; nothing is changed if the fit fails.
        """
        bag = as_bag(raw_documents)
        vec = self._base(**self.get_params(deep=False))
        lengths = fit_vectorizer(vec, bag, split_every)
        self._partition_lengths_ = fitted_lengths(bag, lengths)
        for attr in ("vocabulary_", "fixed_vocabulary_", "stop_words_", "_tfidf"):
            if hasattr(vec, attr):
                setattr(self, attr, getattr(vec, attr))
            elif attr in vars(self):
                delattr(self, attr)
        return self

    def fit_transform(self, raw_documents, y=None, split_every: int = SPLIT_EVERY):
        """``fit`` then ``transform`` (the input is read twice; its lengths come from the fit)."""
        bag = as_bag(raw_documents)
        return self.fit(bag, split_every=split_every).transform(bag)

    def to_local(self):
        """The fitted estimator as its single-machine sparsedense class (no Dask needed)."""
        return plain_copy(self, self._base)

    def partial_fit(self, raw_documents, y=None, split_every: int = SPLIT_EVERY):
        """Add a collection of documents to the statistics (a fixed vocabulary only); returns ``self``.

        The collection's document frequencies are combined by the same tree
        as :meth:`fit` and merged into those kept (a TfidfVectorizer's), so
        after any sequence of calls ``idf_`` equals :meth:`fit` on all the
        collections together, as the single-machine ``partial_fit``. Without
        a fixed vocabulary the ValueError of the single-machine class, before
        any work; nothing is changed if a call fails.
        """
        base = self._base(**self.get_params(deep=False))
        if not isinstance(base, _text.TfidfVectorizer):  # counts keep no statistics
            base.partial_fit([])  # only checks, and fixes the vocabulary
            self.vocabulary_, self.fixed_vocabulary_ = base.vocabulary_, True
            return self
        base._start_partial_fit([])  # the fixed vocabulary, the parameters
        bag = as_bag(raw_documents)
        chunk = self._base(**self.get_params(deep=False))
        fit_vectorizer(chunk, bag, split_every)
        kept = vars(self).get("_tfidf")
        if "_tfidf" in vars(chunk):
            if kept is not None and hasattr(kept, "_stats"):
                tfidf = copy.deepcopy(kept)
                tfidf.set_params(**chunk._tfidf.get_params())
                tfidf._add_stats(chunk._tfidf._stats)
            else:
                tfidf = chunk._tfidf
            self._tfidf = tfidf
        self.vocabulary_ = chunk.vocabulary_
        self.fixed_vocabulary_ = chunk.fixed_vocabulary_
        self.__dict__.pop("_partition_lengths_", None)  # (a fit's lengths, another input)
        return self

    def _blocks(self, raw_documents, dtype, name: str):
        bag = as_bag(raw_documents)
        local = self.to_local()
        validate_params(local, local._constraints)
        return blocks_of({"n_cols": len(local.vocabulary_), "dtype": dtype}, local, bag, name,
                         vars(self).get("_partition_lengths_"))


class CountVectorizer(_FitMixin, _text.CountVectorizer):
    """:class:`sparsedense.CountVectorizer` over dask collections.

    ``fit`` counts each partition's terms (document frequency and total
    count per term) in one task per partition and combines the counts by a
    tree reduction of fan-in ``split_every``; the client then selects the
    vocabulary with the single-machine code (``min_df``, ``max_df``,
    ``max_features`` and its ties), so ``vocabulary_`` and ``stop_words_``
    are exactly those of the single-machine fit. ``transform`` returns a
    dask array of CSR count blocks, one per partition, with known chunks;
    the fitted vocabulary is one key of the graph, sent to each worker once. :meth:`to_local`
    gives the fitted single-machine estimator.

    Parameters
    ----------
    As :class:`sparsedense.CountVectorizer`.

    Examples
    --------
    >>> import dask, dask.bag as db
    >>> from sparsedense.dask import CountVectorizer
    >>> docs = db.from_sequence(["I love you", "you love deposits", "예금 적금 예금"],
    ...                         npartitions=2)
    >>> with dask.config.set(scheduler="sync"):
    ...     cv = CountVectorizer().fit(docs)
    ...     X = cv.transform(docs).compute()
    >>> cv.get_feature_names_out().tolist()
    ['deposits', 'love', 'you', '예금', '적금']
    >>> X.toarray()
    array([[0, 1, 1, 0, 0],
           [1, 1, 1, 0, 0],
           [0, 0, 0, 2, 1]])
    """

    _base = _text.CountVectorizer

    def transform(self, raw_documents):
        """Counts of the vocabulary's terms: a dask array of CSR blocks (n_docs, n_features)."""
        self._check_vocabulary()
        return self._blocks(raw_documents, np.dtype(self.dtype), "count")


class TfidfVectorizer(_FitMixin, _text.TfidfVectorizer):
    """:class:`sparsedense.TfidfVectorizer` over dask collections.

    As :class:`CountVectorizer` (this module's), with the document
    frequencies of the kept terms giving ``idf_`` through the
    single-machine formula: ``vocabulary_`` and ``idf_`` are identical to the
    single-machine fit, and each block of ``transform`` is the
    single-machine ``transform`` of its partition (the same numbers as
    ``fit_transform`` within 1e-12).

    Parameters
    ----------
    As :class:`sparsedense.TfidfVectorizer`.

    Examples
    --------
    >>> import dask, dask.bag as db
    >>> from sparsedense.dask import TfidfVectorizer
    >>> docs = db.from_sequence(["deposit savings deposit", "savings account",
    ...                          "rain and snow"], npartitions=3)
    >>> with dask.config.set(scheduler="sync"):
    ...     X = TfidfVectorizer().fit_transform(docs).compute()
    >>> X.shape
    (3, 6)
    >>> X[0].data.round(4)
    array([0.9347, 0.3554])
    """

    _base = _text.TfidfVectorizer

    def transform(self, raw_documents):
        """TF-IDF of the documents: a dask array of CSR blocks (n_docs, n_features)."""
        if not hasattr(self, "_tfidf"):
            raise _text.NotFittedError("The TF-IDF vectorizer is not fitted")
        self._check_vocabulary()
        return self._blocks(raw_documents, float_dtype(self.dtype), "tfidf")
