"""EmbeddingVectorizer: text in, dense document embeddings out, in one scikit-learn step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ._base.validation import check_option, check_weight
from ._base.estimator import BaseEstimator, TransformerMixin
from ._base.errors import NotFittedError
from ._base.params import DEFAULT_TOKEN_PATTERN
from .quantized import QuantizedTable, value_dtype
from .text import CountVectorizer, TfidfVectorizer

_WEIGHTINGS = ("tfidf", "count", "binary")
_MODES = ("sum", "mean", "max")


def _table_vocabulary(vocabulary: Any, n_rows: int) -> dict:
    """Word -> row of the table, from a Vocabulary, a mapping or a sequence of words."""
    from .vocabulary import Vocabulary

    if isinstance(vocabulary, Vocabulary):
        words = vocabulary.tokens
    elif isinstance(vocabulary, Mapping):
        mapping = dict(vocabulary)
        rows = sorted(mapping.values())
        if rows != list(range(n_rows)):
            raise ValueError("vocabulary mapping must give each row 0..num_embeddings-1 "
                             f"exactly once (num_embeddings={n_rows})")
        return mapping
    elif isinstance(vocabulary, Iterable) and not isinstance(vocabulary, str):
        words = list(vocabulary)
    else:
        raise TypeError("vocabulary must be a Vocabulary, a mapping word -> row or a sequence "
                        f"of words; got {type(vocabulary).__name__}")
    if len(words) != n_rows:
        raise ValueError(f"vocabulary has {len(words)} words but weight has {n_rows} rows; "
                         "they must match (one row per word)")
    mapping = {}
    for i, w in enumerate(words):
        if mapping.setdefault(w, i) != i:
            raise ValueError(f"vocabulary[{i}] = {w!r} repeats vocabulary[{mapping[w]}]")
    return mapping


class EmbeddingVectorizer(TransformerMixin, BaseEstimator):
    """Text to dense document embeddings: tokenize, weight, and average word vectors.

    One step for the library's main job: documents are tokenized and weighted
    exactly as by :class:`TfidfVectorizer` (or counted, for
    ``weighting='count'`` / ``'binary'``) over the words of a word-vector
    table, and each document's sparse row becomes a dense vector with
    :func:`~sparsedense.functional.sparse_to_dense`. Words without a vector
    are skipped; how many were skipped is recorded after each transform.

    Parameters
    ----------
    weight : ndarray of shape (n_words, dim), QuantizedTable, or Vectors
        The word vectors (float32 or float64; a memmap works; or a compressed
        table from :func:`sparsedense.quantize`, decoded in the kernel), one
        row per word of ``vocabulary``; or a :class:`~sparsedense.Vectors`
        (then ``vocabulary`` is left None: its keys are the words).
    vocabulary : Vocabulary, mapping word -> row, or sequence of words
        The words of the rows of ``weight``.
    weighting : {'tfidf', 'count', 'binary'}, default='tfidf'
        The word weights of a document.
    mode : {'sum', 'mean', 'max'}, default='mean'
        How a document's weighted word vectors are combined ('mean' divides
        by the document's sum of weights).
    normalize : {None, 'l2'}, default=None
        Scale each document vector to unit length.
    input, encoding, decode_error, strip_accents, lowercase, preprocessor, \
tokenizer, analyzer, stop_words, token_pattern, ngram_range, norm, use_idf, \
smooth_idf, sublinear_tf
        As in :class:`TfidfVectorizer`.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer or CountVectorizer
        The fitted sparse step (its ``vocabulary_`` is the table's words).
    n_samples_seen_ : int
        Documents the weighting was fitted on (by :meth:`fit` or the
        :meth:`partial_fit` calls since).
    n_tokens_, n_skipped_tokens_ : int
        Tokens seen by the last ``transform`` and how many had no vector.
    skipped_ratio_ : float
        ``n_skipped_tokens_ / n_tokens_`` (0 for no tokens).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense import EmbeddingVectorizer
    >>> words = ["deposit", "savings", "rain", "snow"]
    >>> W = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> ev = EmbeddingVectorizer(W, words, weighting="count")
    >>> ev.fit_transform(["deposit and savings", "rain rain snow"]).round(3).tolist()
    [[0.95, 0.05], [0.033, 0.967]]
    >>> ev.n_skipped_tokens_, ev.n_tokens_  # "and" has no vector
    (1, 6)
    """

    def __init__(self, weight=None, vocabulary=None, *, weighting: str = "tfidf",
                 mode: str = "mean", normalize: str | None = None, input: str = "content",
                 encoding: str = "utf-8", decode_error: str = "strict", strip_accents=None,
                 lowercase: bool = True, preprocessor=None, tokenizer=None, analyzer="word",
                 stop_words=None, token_pattern: str | None = DEFAULT_TOKEN_PATTERN,
                 ngram_range: tuple[int, int] = (1, 1), norm: str | None = "l2",
                 use_idf: bool = True, smooth_idf: bool = True,
                 sublinear_tf: bool = False) -> None:
        self.weight = weight
        self.vocabulary = vocabulary
        self.weighting = weighting
        self.mode = mode
        self.normalize = normalize
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf

    def _table(self, with_vocabulary: bool = True) -> tuple[np.ndarray, dict | None]:
        """The checked table, and its word -> row mapping (None when not asked: O(words))."""
        weight, vocabulary = self.weight, self.vocabulary
        if hasattr(weight, "index_to_key") and hasattr(weight, "weight"):  # a Vectors
            if vocabulary is not None:
                raise ValueError("pass either a Vectors object as weight, or weight and "
                                 "vocabulary, not both")
            weight, vocabulary = weight.weight, weight.index_to_key
        if weight is None or vocabulary is None:
            raise ValueError("EmbeddingVectorizer needs a word-vector table: pass weight "
                             "(n_words x dim) and vocabulary (its words), or a Vectors object")
        if not isinstance(weight, QuantizedTable):  # a compressed table is decoded in the bags
            weight = check_weight(np.asarray(weight) if isinstance(weight, np.memmap)
                                  else weight)
        check_option(self.weighting, "weighting", _WEIGHTINGS)
        check_option(self.mode, "mode", _MODES)
        check_option(self.normalize, "normalize", (None, "l2"))
        if not with_vocabulary:
            return weight, None
        return weight, _table_vocabulary(vocabulary, weight.shape[0])

    def _make_vectorizer(self, mapping: dict, dtype) -> CountVectorizer:
        common = dict(input=self.input, encoding=self.encoding, decode_error=self.decode_error,
                      strip_accents=self.strip_accents, lowercase=self.lowercase,
                      preprocessor=self.preprocessor, tokenizer=self.tokenizer,
                      analyzer=self.analyzer, stop_words=self.stop_words,
                      token_pattern=self.token_pattern, ngram_range=self.ngram_range,
                      vocabulary=mapping, dtype=dtype)
        if self.weighting == "tfidf":
            return TfidfVectorizer(norm=self.norm, use_idf=self.use_idf,
                                   smooth_idf=self.smooth_idf, sublinear_tf=self.sublinear_tf,
                                   **common)
        return CountVectorizer(binary=self.weighting == "binary", **common)

    def _embed(self, X, unknown: int, total: int, weight: np.ndarray) -> np.ndarray:
        from .functional import sparse_to_dense

        self.n_skipped_tokens_ = unknown
        self.n_tokens_ = total
        self.skipped_ratio_ = unknown / total if total else 0.0
        return sparse_to_dense(X, weight, mode=self.mode, normalize=self.normalize)

    def _fit_chunk(self, raw_documents: Iterable, start_over: bool) -> tuple:
        """Count a chunk, add its statistics to the fitted ones; the counts, their coverage
        (unknown and all tokens) and the checked table.

        The vocabulary is the table's, so the statistics TF-IDF needs (the
        document count and frequencies) are sums over documents: chunks
        counted one after the other give the idf of one pass over all of them.
        Nothing is set when the chunk is refused.
        """
        from ._base.sparse import document_frequency

        start_over = start_over or not hasattr(self, "n_samples_seen_")
        weight, mapping = self._table(with_vocabulary=start_over)
        # the counts before any weighting (binary applied), over the table's words
        if start_over:
            vectorizer = self._make_vectorizer(mapping, value_dtype(weight))
            df, n_samples = np.zeros(len(mapping), dtype=np.int64), 0
            X, unknown, total = CountVectorizer._fit_transform(vectorizer, raw_documents)
        else:
            vectorizer, df, n_samples = self.vectorizer_, self._df, self.n_samples_seen_
            X, unknown, total = CountVectorizer._transform(vectorizer, raw_documents)
        df = df + document_frequency(X)
        n_samples += X.shape[0]
        if isinstance(vectorizer, TfidfVectorizer):
            vectorizer._tfidf = vectorizer._new_transformer()._fit_from_stats(
                df, n_samples, value_dtype(weight))
        self.vectorizer_, self._df, self.n_samples_seen_ = vectorizer, df, n_samples
        return X, unknown, total, weight

    def _fitted_elsewhere(self, vectorizer) -> None:
        """Take a sparse step fitted without :meth:`_fit_chunk` (Dask's tree reduction).

        Its statistics are not kept, so a later :meth:`partial_fit` starts over
        instead of adding to those of an earlier fit.
        """
        self.vectorizer_ = vectorizer
        for stale in ("n_samples_seen_", "_df"):
            self.__dict__.pop(stale, None)

    def fit(self, raw_documents: Iterable, y=None) -> "EmbeddingVectorizer":
        """Fit the weighting (the idf for 'tfidf') on ``raw_documents``; returns ``self``."""
        self._fit_chunk(raw_documents, start_over=True)
        return self

    def partial_fit(self, raw_documents: Iterable, y=None) -> "EmbeddingVectorizer":
        """Add a chunk of documents to the fitted weighting; returns ``self``.

        After any sequence of chunks the idf is the one :meth:`fit` gives on
        all of them, so a corpus larger than memory is fitted chunk by chunk
        (``sparsedense embed`` does this). ``transform`` works between calls;
        :meth:`fit` starts over.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import EmbeddingVectorizer
        >>> W = np.eye(3, dtype=np.float32)
        >>> docs = ["a b", "b c", "c c"]
        >>> ev = EmbeddingVectorizer(W, ["a", "b", "c"], token_pattern=r"\\w")
        >>> for chunk in (docs[:1], docs[1:]):
        ...     ev = ev.partial_fit(chunk)
        >>> whole = EmbeddingVectorizer(W, ["a", "b", "c"], token_pattern=r"\\w")
        >>> whole = whole.fit(docs)
        >>> same = bool((ev.transform(docs) == whole.transform(docs)).all())
        >>> ev.n_samples_seen_, same
        (3, True)
        """
        self._fit_chunk(raw_documents, start_over=False)
        return self

    def fit_transform(self, raw_documents: Iterable, y=None) -> np.ndarray:
        """Fit, then return one dense vector per document (n_docs, dim)."""
        X, unknown, total, weight = self._fit_chunk(raw_documents, start_over=True)
        if isinstance(self.vectorizer_, TfidfVectorizer):
            X = self.vectorizer_._tfidf._weight(X)
        return self._embed(X, unknown, total, weight)

    def transform(self, raw_documents: Iterable) -> np.ndarray:
        """One dense vector per document, shape (n_docs, dim), dtype of ``weight``."""
        if not hasattr(self, "vectorizer_"):
            raise NotFittedError("This EmbeddingVectorizer instance is not fitted yet. "
                                 "Call 'fit' first.")
        weight, _ = self._table(with_vocabulary=False)
        return self._embed(*self.vectorizer_._transform(raw_documents), weight)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``embedding0 .. embedding{dim-1}`` (one name per output column)."""
        dim = self._table(with_vocabulary=False)[0].shape[1]
        return np.asarray([f"embedding{i}" for i in range(dim)], dtype=object)
