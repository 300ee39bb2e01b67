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

_WEIGHTINGS = ("tfidf", "count", "binary", "sif", "usif")
_SIF = ("sif", "usif")
_MODES = ("sum", "mean", "max")
#: the number of common components removed by default (Arora et al.: 1; Ethayarajh: 5)
_DEFAULT_COMPONENTS = {"sif": 1, "usif": 5}


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


def _is_static(weight: Any) -> bool:
    from .static import StaticModel

    return isinstance(weight, StaticModel)


def _table_row_norms(weight: Any) -> np.ndarray:
    """The l2 norm of every row of a float table or a QuantizedTable (float64, in blocks)."""
    n = weight.shape[0]
    norms = np.empty(n, dtype=np.float64)
    for start in range(0, n, 65536):
        stop = min(n, start + 65536)
        rows = (weight.dequantize(np.arange(start, stop)) if isinstance(weight, QuantizedTable)
                else np.asarray(weight[start:stop]))
        norms[start:stop] = np.linalg.norm(rows.astype(np.float64), axis=1)
    return norms


def _sif_weights(counts: np.ndarray, a: float) -> np.ndarray:
    """Arora et al. (2017): ``a / (a + p(w))`` with ``p(w) = count(w) / total count``."""
    return a / (a + counts / counts.sum())


def _usif_weights(counts: np.ndarray, mean_length: float) -> tuple[np.ndarray, float]:
    """Ethayarajh (2018): ``a / (p(w) + a / 2)``, and ``a`` from the vocabulary and length.

    ``|V|`` is the number of words with a positive count, ``n`` the mean
    sentence length; ``alpha`` is the share of ``V`` whose probability
    exceeds ``1 - (1 - 1/|V|) ** n`` and ``a = (1 - alpha) / (alpha |V| / 2)``.
    With ``alpha = 0`` (no word that frequent) ``a`` is infinite and every
    weight its limit, 2.
    """
    p = counts / counts.sum()
    vocab_size = float(np.count_nonzero(counts))
    threshold = 1.0 - (1.0 - 1.0 / vocab_size) ** mean_length
    alpha = np.count_nonzero(p > threshold) / vocab_size
    if alpha == 0:
        return np.full(counts.shape[0], 2.0), float("inf")
    a = (1.0 - alpha) / (alpha * 0.5 * vocab_size)
    return a / (p + 0.5 * a), a


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
    weight : ndarray of shape (n_words, dim), QuantizedTable, Vectors or StaticModel
        The word vectors (float32 or float64; a memmap works; or a compressed
        table from :func:`sparsedense.quantize`, decoded in the kernel), one
        row per word of ``vocabulary``; or a :class:`~sparsedense.Vectors`
        (then ``vocabulary`` is left None: its keys are the words); or a
        :class:`~sparsedense.StaticModel` (weighting 'sif' or 'usif' only:
        its tokenizer splits the documents, its token vectors are the words').
    vocabulary : Vocabulary, mapping word -> row, or sequence of words
        The words of the rows of ``weight``.
    weighting : {'tfidf', 'count', 'binary', 'sif', 'usif'}, default='tfidf'
        The word weights of a document. 'sif' and 'usif' are the sentence
        embeddings of Arora et al. (2017) and Ethayarajh (2018), see Notes.
    mode : {'sum', 'mean', 'max'}, default='mean'
        How a document's weighted word vectors are combined ('mean' divides
        by the document's sum of weights). 'sif' and 'usif' need 'mean'
        (theirs divides by the number of tokens).
    sif_a : float, default=1e-3
        SIF's ``a`` (``weighting='sif'``); uSIF computes its own.
    remove_components : int, optional
        Common components removed (fitted once, in :meth:`fit`); default 1
        for 'sif' and 5 for 'usif'; 0 removes none.
    word_counts : mapping word -> count, or array of shape (n_words,), optional
        The word frequencies of 'sif' / 'usif' (e.g. a vector file's
        ``"count"`` attribute); by default those of the fitted documents.
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
    word_weights_ : ndarray of shape (n_words,)
        'sif' / 'usif': the weight of each word (uSIF's divided by the
        word vector's norm).
    components_ : ndarray of shape (remove_components, dim)
        'sif' / 'usif': the common components removed (float64).
    component_weights_ : ndarray of shape (remove_components,)
        The share of each removed (1 for SIF; ``sigma_i^2 / sum sigma_j^2``
        for uSIF).
    sif_a_ : float
        The ``a`` used (uSIF's is computed).

    Notes
    -----
    **SIF** (Arora et al., 2017). With ``p(w) = count(w) / total`` over the
    tokens of the fitted documents that have a vector (or ``word_counts``),
    ``v(s) = (1/|s|) sum_{w in s} a / (a + p(w)) v(w)`` where ``|s|``
    counts the tokens of ``s`` that have a vector, repeats included; then
    ``v(s)`` minus its projections on the first ``remove_components`` right
    singular vectors of the (uncentred) matrix of the fitted documents'
    ``v(s)``. Words unseen in fitting have ``p = 0``.

    **uSIF** (Ethayarajh, 2018). Word vectors scaled to unit length; weights
    ``a / (p(w) + a/2)`` with ``a = (1 - alpha) / (alpha |V| / 2)``, ``|V|``
    the words with a positive count, ``alpha`` the share of them with
    ``p(w) > 1 - (1 - 1/|V|)^n``, ``n`` the mean ``|s|`` of the fitted
    documents (real, not rounded); the same ``1/|s|`` mean; then
    ``v(s) - sum_i lambda_i (u_i . v(s)) u_i`` over the first 5 (by default)
    right singular vectors ``u_i``, ``lambda_i = sigma_i^2 / sum_j sigma_j^2``
    over those components. Unlike the reference code, a sentence without a
    known token gives zeros (not a vector of ``a``), the singular vectors are
    exact (not randomized), and the word norms are per word (the reference
    divides each dimension by its norm over the sentence's words).

    Both fit the components once; ``transform`` of a sentence never depends
    on the batch it comes in. Other weightings' options (``norm``,
    ``use_idf``, ...) do not apply.

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

    SIF: word weights ``a / (a + p(w))`` from the fitted documents, the first
    common component removed (fitted once: a new sentence does not move it)

    >>> docs = ["deposit and savings", "rain rain snow", "snow and rain"]
    >>> W64 = W.astype(np.float64)
    >>> sif = EmbeddingVectorizer(W64, words, weighting="sif", sif_a=0.1)
    >>> sif.fit_transform(docs).round(3).tolist()
    [[0.009, -0.049], [-0.036, 0.196], [-0.037, 0.202]]
    >>> sif.word_weights_.round(3).tolist()  # rain is the most frequent word
    [0.412, 0.412, 0.189, 0.259]
    """

    #: whether this class fits 'sif' / 'usif' (the Dask subclass does not)
    _fits_sif = True

    def __init__(self, weight=None, vocabulary=None, *, weighting: str = "tfidf",
                 mode: str = "mean", normalize: str | None = None, input: str = "content",
                 encoding: str = "utf-8", decode_error: str = "strict", strip_accents=None,
                 lowercase: bool = True, preprocessor=None, tokenizer=None, analyzer="word",
                 stop_words=None, token_pattern: str | None = DEFAULT_TOKEN_PATTERN,
                 ngram_range: tuple[int, int] = (1, 1), norm: str | None = "l2",
                 use_idf: bool = True, smooth_idf: bool = True,
                 sublinear_tf: bool = False, sif_a: float = 1e-3,
                 remove_components: int | None = None, word_counts: Any = None) -> None:
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
        self.sif_a = sif_a
        self.remove_components = remove_components
        self.word_counts = word_counts

    def _table(self, with_vocabulary: bool = True) -> tuple[np.ndarray, dict | None]:
        """The checked table, and its word -> row mapping (None when not asked: O(words))."""
        weight, vocabulary = self.weight, self.vocabulary
        if _is_static(weight):
            if vocabulary is not None:
                raise ValueError("pass a StaticModel alone as weight (its tokenizer holds the "
                                 "vocabulary); got vocabulary too")
            if self.weighting not in _SIF:
                raise ValueError(f"weight=StaticModel works with weighting='sif' or 'usif'; got "
                                 f"weighting={self.weighting!r} (for the model's own mean use "
                                 "StaticModel.encode)")
            return weight, None
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
        if self.weighting in _SIF and not self._fits_sif:
            raise ValueError(f"sparsedense.dask.EmbeddingVectorizer does not fit "
                             f"weighting={self.weighting!r} (its common components need all "
                             "the vectors); use sparsedense.EmbeddingVectorizer")
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

    # -- SIF and uSIF ----------------------------------------------------------------------

    def _sif_counts(self, raw_documents: Iterable, fitting: bool) -> tuple:
        """Documents x words counts over the words with a vector (duplicates summed), the
        unknown and all tokens, and the table (a StaticModel or the checked array)."""
        weight, _ = self._table(with_vocabulary=False)
        if _is_static(weight):
            if isinstance(raw_documents, str):
                raise ValueError("Iterable over raw text documents expected, string object "
                                 "received.")
            documents, _ = weight._check_sentences(raw_documents)
            X, unknown = weight._token_rows(documents, weight.max_length)
            X.sum_duplicates()
            return X, unknown, int(X.sum()) + unknown, weight
        if fitting:
            return self._fit_chunk(raw_documents, start_over=True)
        return (*self.vectorizer_._transform(raw_documents), weight)

    def _word_counts(self, X, table: Any) -> np.ndarray:
        """The word counts of the probabilities: ``word_counts`` or the fitted documents'."""
        counts = self.word_counts
        n = X.shape[1]
        if counts is None:
            return np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
        if isinstance(counts, Mapping):
            index = (table.tokenizer.get_vocab() if _is_static(table)
                     else self.vectorizer_.vocabulary_)
            out = np.zeros(n, dtype=np.float64)
            for word, c in counts.items():
                i = index.get(word)
                if i is not None:
                    out[i] = c
            counts = out
        else:
            counts = np.asarray(counts, dtype=np.float64)
            if counts.shape != (n,):
                raise ValueError(f"word_counts has shape {counts.shape}; it must have one count "
                                 f"per word of the table ({n},), or be a mapping word -> count")
        bad = np.flatnonzero(~np.isfinite(counts) | (counts < 0))
        if bad.size:
            raise ValueError(f"word_counts[{bad[0]}] = {counts[bad[0]]}; counts must be finite "
                             "and >= 0")
        return counts

    def _sif_mean(self, X, table: Any) -> np.ndarray:
        """``(1/|s|) sum_w weight(w) count(s, w) v(w)`` per row of counts ``X`` (one bag call)."""
        from .functional import sparse_to_dense

        lengths = np.asarray(X.sum(axis=1)).ravel()
        Xw = X.copy()
        Xw.data = Xw.data * self.word_weights_[Xw.indices].astype(Xw.data.dtype)
        V = (table._sum_rows(Xw, False) if _is_static(table)
             else sparse_to_dense(Xw, table, mode="sum"))
        V /= np.maximum(lengths, 1)[:, None].astype(V.dtype)
        return V

    def _sif_finish(self, V: np.ndarray, unknown: int, total: int) -> np.ndarray:
        """Remove the frozen common components, normalize if asked, record the coverage."""
        self.n_skipped_tokens_ = unknown
        self.n_tokens_ = total
        self.skipped_ratio_ = unknown / total if total else 0.0
        C = self.components_
        if C.shape[0]:
            V64 = V.astype(np.float64)
            V = (V64 - ((V64 @ C.T) * self.component_weights_) @ C).astype(V.dtype)
        if self.normalize == "l2" and V.shape[0]:
            from .similarity import normalize_rows

            V = normalize_rows(V)
        return V

    def _fit_sif(self, raw_documents: Iterable) -> tuple:
        """Fit the word weights and the common components; the fitted documents' ``v(s)``."""
        from ._base.validation import check_int, check_real

        check_option(self.weighting, "weighting", _WEIGHTINGS)
        if self.mode != "mean":
            raise ValueError(f"weighting={self.weighting!r} averages over the tokens (its 1/|s|): "
                             f"mode must be 'mean'; got mode={self.mode!r}")
        a = check_real(self.sif_a, "sif_a", 0, low_open=True)
        k = check_int(self.remove_components, "remove_components", 0, allow_none=True)
        k = _DEFAULT_COMPONENTS[self.weighting] if k is None else k
        X, unknown, total, table = self._sif_counts(raw_documents, fitting=True)
        counts = self._word_counts(X, table)
        if counts.sum() == 0:
            raise ValueError("no token of the fitted documents has a vector (and no word_counts "
                             f"were given): the word probabilities of {self.weighting!r} are "
                             "undefined")
        if k > min(X.shape[0], table.dim if _is_static(table) else table.shape[1]):
            raise ValueError(f"remove_components={k} is more than the fitted documents "
                             f"({X.shape[0]}) or the vector size allow")
        if self.weighting == "sif":
            self.word_weights_, self.sif_a_ = _sif_weights(counts, a), a
        else:
            mean_length = float(X.sum()) / max(X.shape[0], 1)
            weights, self.sif_a_ = _usif_weights(counts, mean_length)
            if _is_static(table):
                norms = _table_row_norms(table.embedding)
                norms = norms if table.token_mapping is None else norms[table.token_mapping]
                if table.weights is not None:
                    norms = norms * np.abs(table.weights)
            else:
                norms = _table_row_norms(table)
            self.word_weights_ = np.divide(weights, norms, out=np.zeros_like(weights),
                                           where=norms > 0)
        V = self._sif_mean(X, table)
        _, sigma, vt = np.linalg.svd(V.astype(np.float64), full_matrices=False)
        self.components_ = vt[:k]
        sigma2 = sigma[:k] ** 2
        if self.weighting == "sif" or not sigma2.sum():
            self.component_weights_ = np.ones(k) if self.weighting == "sif" else np.zeros(k)
        else:
            self.component_weights_ = sigma2 / sigma2.sum()
        self.n_samples_seen_ = X.shape[0]
        return V, unknown, total

    # -- fitting and transforming -----------------------------------------------------------

    def fit(self, raw_documents: Iterable, y=None) -> "EmbeddingVectorizer":
        """Fit the weighting (the idf for 'tfidf') on ``raw_documents``; returns ``self``."""
        if self.weighting in _SIF:
            self._fit_sif(raw_documents)
            return self
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
        if self.weighting in _SIF:
            raise ValueError(f"partial_fit cannot fit weighting={self.weighting!r}: its common "
                             "components need the vectors of all the documents, whose word "
                             "weights need all the counts first; call fit")
        self._fit_chunk(raw_documents, start_over=False)
        return self

    def fit_transform(self, raw_documents: Iterable, y=None) -> np.ndarray:
        """Fit, then return one dense vector per document (n_docs, dim)."""
        if self.weighting in _SIF:
            return self._sif_finish(*self._fit_sif(raw_documents))
        X, unknown, total, weight = self._fit_chunk(raw_documents, start_over=True)
        if isinstance(self.vectorizer_, TfidfVectorizer):
            X = self.vectorizer_._tfidf._weight(X)
        return self._embed(X, unknown, total, weight)

    def transform(self, raw_documents: Iterable) -> np.ndarray:
        """One dense vector per document, shape (n_docs, dim), dtype of ``weight``."""
        if not hasattr(self, "components_" if self.weighting in _SIF else "vectorizer_"):
            raise NotFittedError("This EmbeddingVectorizer instance is not fitted yet. "
                                 "Call 'fit' first.")
        if self.weighting in _SIF:
            X, unknown, total, table = self._sif_counts(raw_documents, fitting=False)
            return self._sif_finish(self._sif_mean(X, table), unknown, total)
        weight, _ = self._table(with_vocabulary=False)
        return self._embed(*self.vectorizer_._transform(raw_documents), weight)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``embedding0 .. embedding{dim-1}`` (one name per output column)."""
        table = self._table(with_vocabulary=False)[0]
        dim = table.dim if _is_static(table) else table.shape[1]
        return np.asarray([f"embedding{i}" for i in range(dim)], dtype=object)
