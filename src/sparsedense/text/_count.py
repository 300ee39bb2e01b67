"""CountVectorizer: documents to a CSR matrix of token counts (scikit-learn's semantics)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from numbers import Integral
from typing import Any

import numpy as np

from .._kernels.counting import _column_stats, _remap_csr
from .._base.validation import check_documents
from ._analyzer import DEFAULT_TOKEN_PATTERN, AnalyzerMixin, user_stacklevel
from .._base.estimator import BaseEstimator
from .._base.errors import NotFittedError
from .._base.sparse import make_csr
from ._stats import DocumentFrequencies
from ._extract import LocalCounts, extract_counts, extract_fixed, vocabulary_lookup
from .._base.params import ANALYZER_PARAMS, BOOLEAN, DF, MAX_FEATURES, VOCABULARY, validate_params


def remap_counts(local: LocalCounts, new_col: np.ndarray, n_cols: int, dtype) -> Any:
    """Rename local feature ids to final columns (-1 drops them) as canonical CSR."""
    nnz = local.indices.shape[0]
    indptr = np.empty(local.indptr.shape[0], dtype=np.int64)
    indices = np.empty(nnz, dtype=np.int64)
    data = np.empty(nnz, dtype=local.data.dtype)
    kept = _remap_csr(local.indptr, local.indices, local.data,
                      new_col.astype(np.int64, copy=False), indptr, indices, data)
    return make_csr(indptr, indices[:kept], data[:kept], (local.n_docs, n_cols), dtype=dtype)


class CountVectorizer(AnalyzerMixin, BaseEstimator):
    """Convert a collection of text documents to a matrix of token counts.

    Same parameters, defaults, attributes and output as scikit-learn's
    ``CountVectorizer``; the counting runs in Numba kernels, and the default
    word tokenizer too (see Notes).

    Parameters
    ----------
    input : {'content', 'filename', 'file'}, default='content'
        What the items of ``raw_documents`` are: the text itself, paths to read,
        or file objects with a ``read`` method.
    encoding : str, default='utf-8'
        Encoding used to decode bytes.
    decode_error : {'strict', 'ignore', 'replace'}, default='strict'
        What to do with bytes that are not valid in ``encoding``.
    strip_accents : {'ascii', 'unicode'} or callable, default=None
        Remove accents during preprocessing.
    lowercase : bool, default=True
        Lowercase the text before tokenizing.
    preprocessor : callable, default=None
        Replaces the preprocessing (lowercasing and accent stripping).
    tokenizer : callable or {'kiwi'}, default=None
        Replaces the token pattern (only with ``analyzer='word'``).
        ``'kiwi'`` is :class:`~sparsedense.text.KoreanTokenizer` with its
        defaults (Korean nouns and verb stems, particles dropped; needs
        ``pip install 'sparsedense[korean]'``).
    stop_words : {'english'}, list, default=None
        Tokens removed before n-grams are formed.
    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of a token (the default keeps words of two or more
        word characters, Hangul included).
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Range of n for word or character n-grams.
    analyzer : {'word', 'char', 'char_wb'} or callable, default='word'
        Whether features are word n-grams, character n-grams (within word
        boundaries for ``'char_wb'``), or what a callable returns for a document.
    max_df, min_df : float in [0.0, 1.0] or int, default=1.0 and 1
        Drop terms whose document frequency is above ``max_df`` / below
        ``min_df`` (a proportion of the documents when float, a count when int).
    max_features : int, default=None
        Keep only the ``max_features`` terms of highest total count.
    vocabulary : Mapping or iterable, default=None
        A fixed vocabulary (term -> column, or terms in column order).
    binary : bool, default=False
        Store 1 for every non-zero count.
    dtype : dtype, default=np.int64
        Dtype of the returned matrix.

    Attributes
    ----------
    vocabulary_ : dict
        Term -> column index.
    fixed_vocabulary_ : bool
        True when ``vocabulary`` was given.
    stop_words_ : set
        Terms dropped by ``max_df``, ``min_df`` or ``max_features`` (an
        attribute scikit-learn removed in 1.7 and kept here for inspection).

    See Also
    --------
    TfidfVectorizer : counts followed by TF-IDF weighting.
    HashingVectorizer : counts in hashed columns, without a vocabulary.

    Notes
    -----
    With ``analyzer='word'``, the default ``token_pattern`` and no custom
    ``tokenizer``, tokens are found by a Numba kernel (maximal runs of at least
    two word characters, word characters being exactly those of Python's
    ``re``), interned, filtered and combined into n-grams without creating a
    Python string per token. Any other setting analyzes in Python exactly as
    scikit-learn does; counting is a kernel either way.

    The returned CSR has sorted column indices (scikit-learn's may not).

    Examples
    --------
    >>> from sparsedense import CountVectorizer
    >>> docs = ["I love you", "you love deposits", "예금 적금 예금"]
    >>> cv = CountVectorizer()
    >>> X = cv.fit_transform(docs)
    >>> cv.get_feature_names_out().tolist()
    ['deposits', 'love', 'you', '예금', '적금']
    >>> X.toarray()
    array([[0, 1, 1, 0, 0],
           [1, 1, 1, 0, 0],
           [0, 0, 0, 2, 1]])
    """

    _constraints = {
        **ANALYZER_PARAMS,
        "max_df": DF,
        "min_df": DF,
        "max_features": MAX_FEATURES,
        "vocabulary": VOCABULARY,
        "binary": BOOLEAN,
    }

    def __init__(
        self,
        *,
        input: str = "content",
        encoding: str = "utf-8",
        decode_error: str = "strict",
        strip_accents=None,
        lowercase: bool = True,
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        token_pattern: str | None = DEFAULT_TOKEN_PATTERN,
        ngram_range: tuple[int, int] = (1, 1),
        analyzer="word",
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = None,
        vocabulary=None,
        binary: bool = False,
        dtype=np.int64,
    ) -> None:
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.vocabulary = vocabulary
        self.binary = binary
        self.dtype = dtype

    # -- vocabulary -------------------------------------------------------
    def _validate_vocabulary(self) -> None:
        vocabulary = self.vocabulary
        if vocabulary is None:
            self.fixed_vocabulary_ = False
            return
        if isinstance(vocabulary, set):
            vocabulary = sorted(vocabulary)
        if not isinstance(vocabulary, Mapping):
            vocab: dict = {}
            for i, t in enumerate(vocabulary):
                if vocab.setdefault(t, i) != i:
                    raise ValueError(f"Duplicate term in vocabulary: {t!r}")
            vocabulary = vocab
        else:
            indices = set(vocabulary.values())
            if len(indices) != len(vocabulary):
                raise ValueError("Vocabulary contains repeated indices.")
            for i in range(len(vocabulary)):
                if i not in indices:
                    raise ValueError(
                        f"Vocabulary of size {len(vocabulary)} doesn't contain index {i}."
                    )
        if not vocabulary:
            raise ValueError("empty vocabulary passed to fit")
        self.fixed_vocabulary_ = True
        self.vocabulary_ = dict(vocabulary)

    def _check_vocabulary(self) -> None:
        if not hasattr(self, "vocabulary_"):
            self._validate_vocabulary()
            if not self.fixed_vocabulary_:
                raise NotFittedError("Vocabulary not fitted or provided")
        if len(self.vocabulary_) == 0:
            raise ValueError("Vocabulary is empty")

    # -- counting ----------------------------------------------------------
    def _local_counts(self, raw_documents) -> LocalCounts:
        """Counts of each document over features numbered in first-seen order.

        The step before any vocabulary is chosen: ``Vocabulary.from_texts``
        and the Dask fit build theirs from these counts.
        """
        return extract_counts(self, raw_documents)

    def _vocabulary_table(self) -> Any:
        """The lookup table of the fixed vocabulary's words (ids are columns), or None.

        Built at the first transform of each ``vocabulary_`` and kept on the
        estimator (not pickled: rebuilt where it is unpickled).
        """
        cached = self.__dict__.get("_vocabulary_table_")
        vocab = self.vocabulary_
        if cached is None or cached[0] is not vocab or cached[1] != len(vocab):
            cached = (vocab, len(vocab), vocabulary_lookup(vocab))
            self._vocabulary_table_ = cached
        return cached[2]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_vocabulary_table_", None)
        return state

    def _count_fixed(self, raw_documents) -> tuple[Any, int, int]:
        """Counts over the fixed vocabulary, the tokens without a column, and all tokens."""
        vocab = self.vocabulary_
        if (self._fast_token_min_len() and tuple(self.ngram_range) == (1, 1)
                and self.get_stop_words() is None):
            table = self._vocabulary_table()
            if table is not None:  # tokens looked up directly: no interning, no remap
                indptr, indices, data, unknown, total = extract_fixed(self, raw_documents, table)
                return make_csr(indptr, indices, data, (indptr.shape[0] - 1, len(vocab)),
                                dtype=self.dtype), unknown, total
        local = self._local_counts(raw_documents)
        new_col = np.fromiter((vocab.get(f, -1) for f in local.features), dtype=np.int64,
                              count=len(local.features))
        total = int(local.data.sum())
        unknown = int(local.data[new_col[local.indices] < 0].sum()) if total else 0
        return remap_counts(local, new_col, len(vocab), self.dtype), unknown, total

    def _fit_vocabulary(self, local: LocalCounts) -> tuple[np.ndarray, dict, set]:
        """Final column of each local feature (-1 if pruned), the vocabulary, the pruned terms."""
        df_local, tf_local = _column_stats(local.indices, local.data, len(local.features))
        return self._select_vocabulary(local.features, df_local, tf_local, local.n_docs)

    def _select_vocabulary(self, features: list, df_local: np.ndarray, tf_local: np.ndarray,
                           n_doc: int) -> tuple[np.ndarray, dict, set]:
        """:meth:`_fit_vocabulary` from each feature's document frequency and total count.

        Also what ``sparsedense.dask`` calls once the counts of all partitions are combined.
        """
        n = len(features)
        # a feature interned but never counted (a stop word of the fast path) does not exist
        present = np.flatnonzero(df_local > 0).tolist()
        if not present:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        order = sorted(present, key=features.__getitem__)  # alphabetical, as sklearn
        order_arr = np.asarray(order, dtype=np.int64)
        max_df, min_df, max_features = self.max_df, self.min_df, self.max_features
        max_doc_count = max_df if isinstance(max_df, Integral) else max_df * n_doc
        min_doc_count = min_df if isinstance(min_df, Integral) else min_df * n_doc
        if max_doc_count < min_doc_count:
            raise ValueError("max_df corresponds to < documents than min_df")
        dfs = df_local[order_arr]
        mask = (dfs <= max_doc_count) & (dfs >= min_doc_count)
        if max_features is not None and mask.sum() > max_features:
            # scikit-learn ranks by total count after ``binary`` has set every count to 1
            tfs = (df_local if self.binary else tf_local)[order_arr]
            # the same call as scikit-learn, so ties are broken the same way
            keep = (-tfs[mask]).argsort()[:max_features]
            new_mask = np.zeros(order_arr.shape[0], dtype=bool)
            new_mask[np.where(mask)[0][keep]] = True
            mask = new_mask
        if not mask.any():
            raise ValueError(
                "After pruning, no terms remain. Try a lower min_df or a higher max_df."
            )
        new_index = np.cumsum(mask) - 1
        new_col = np.full(n, -1, dtype=np.int64)
        new_col[order_arr[mask]] = new_index[mask]
        kept = order_arr[mask].tolist()
        vocabulary = {features[i]: c for c, i in enumerate(kept)}
        pruned = {features[i] for i in order_arr[~mask].tolist()}
        return new_col, vocabulary, pruned

    # -- fitting in pieces (partial_fit, Dask partitions, a file streamed twice) -----
    def _chunk_frequencies(self, raw_documents) -> DocumentFrequencies:
        """The statistics of a chunk of documents, for a fit whose pieces are added up.

        Over the fixed vocabulary's columns, else over the chunk's distinct
        features (their document frequencies and total counts).
        """
        if self.fixed_vocabulary_:
            return DocumentFrequencies.from_matrix(self._count_fixed(raw_documents)[0])
        return DocumentFrequencies.from_counts(self._local_counts(raw_documents))

    def _fit_from_frequencies(self, stats: DocumentFrequencies) -> np.ndarray:
        """Fit from the summed statistics of all the chunks; the kept columns' frequencies.

        The vocabulary is selected from the totals by the code of ``fit``
        (``min_df``, ``max_df``, ``max_features`` and their ties), so it is
        the vocabulary of one ``fit`` over all the documents.
        """
        if stats.features is None:  # a fixed vocabulary: its columns
            return stats.df
        new_col, vocabulary, pruned = self._select_vocabulary(stats.features, stats.df,
                                                              stats.tf, stats.n_samples)
        kept = new_col >= 0
        df_cols = np.zeros(len(vocabulary), dtype=np.int64)
        df_cols[new_col[kept]] = stats.df[kept]
        self.vocabulary_ = vocabulary
        self.stop_words_ = pruned
        return df_cols

    # -- public API --------------------------------------------------------
    def fit(self, raw_documents: Iterable, y=None) -> "CountVectorizer":
        """Learn the vocabulary of ``raw_documents``; returns ``self``."""
        self.fit_transform(raw_documents)
        return self

    def partial_fit(self, raw_documents: Iterable, y=None) -> "CountVectorizer":
        """Check the parameters and fix the given vocabulary; returns ``self``.

        Counting needs no statistics of the corpus once the vocabulary is
        fixed, so this only validates (it does not read ``raw_documents``):
        a pipeline streaming chunks can call ``partial_fit`` on every step.

        Raises
        ------
        ValueError
            No fixed vocabulary (``vocabulary=`` a mapping, a list of terms or
            a :class:`~sparsedense.Vocabulary`): a vocabulary learned chunk by
            chunk would change the output's width, and ``min_df``, ``max_df``
            and ``max_features`` need the whole corpus.

        Examples
        --------
        >>> from sparsedense import CountVectorizer
        >>> cv = CountVectorizer(vocabulary=["rain", "snow"]).partial_fit(["rain"])
        >>> cv.transform(["snow and rain", "snow snow"]).toarray()
        array([[1, 1],
               [0, 2]])
        """
        self._start_partial_fit(raw_documents)
        return self

    def _start_partial_fit(self, raw_documents: Iterable) -> None:
        """The checks of every ``partial_fit``: parameters, documents, a fixed vocabulary."""
        check_documents(raw_documents)
        validate_params(self, self._constraints)
        self._validate_ngram_range()
        if self.vocabulary is None:
            name = type(self).__name__
            limits = [f"{k}={getattr(self, k)!r}" for k, default in
                      (("min_df", 1), ("max_df", 1.0), ("max_features", None))
                      if getattr(self, k) != default]
            why = (f"{', '.join(limits)} {'needs' if len(limits) == 1 else 'need'} the whole "
                   "corpus, and with no vocabulary" if limits else "with no vocabulary")
            raise ValueError(
                f"{name}.partial_fit needs a fixed vocabulary: {why} the terms learned chunk "
                "by chunk would change the output's width. Pass vocabulary= (a mapping, a "
                "list of terms or a sparsedense.Vocabulary, e.g. Vocabulary.from_texts over "
                f"the stream), or use HashingVectorizer with TfidfTransformer.partial_fit, "
                f"or {name}.fit on the whole corpus"
            )
        if not getattr(self, "fixed_vocabulary_", False) or not hasattr(self, "vocabulary_"):
            self._validate_vocabulary()

    def fit_transform(self, raw_documents: Iterable, y=None):
        """Learn the vocabulary and return the document-term count matrix.

        Returns
        -------
        X : scipy.sparse.csr_matrix of shape (n_docs, n_features)
        """
        return self._fit_transform(raw_documents)[0]

    def _fit_transform(self, raw_documents: Iterable) -> tuple[Any, int, int]:
        """:meth:`fit_transform`, and the tokens without a column and all tokens (or 0, 0)."""
        check_documents(raw_documents)
        validate_params(self, self._constraints)
        self._validate_ngram_range()
        self._warn_for_unused_params()
        self._validate_vocabulary()
        if self.fixed_vocabulary_ and self.lowercase:
            for term in self.vocabulary_:
                if isinstance(term, str) and any(map(str.isupper, term)):
                    warnings.warn(
                        "Upper case characters found in vocabulary while 'lowercase' is "
                        "True. These entries will not be matched with any documents",
                        stacklevel=user_stacklevel(),
                    )
                    break
        unknown = total = 0
        if self.fixed_vocabulary_:
            X, unknown, total = self._count_fixed(raw_documents)
        else:
            local = self._local_counts(raw_documents)
            new_col, vocabulary, pruned = self._fit_vocabulary(local)
            X = remap_counts(local, new_col, len(vocabulary), self.dtype)
            self.vocabulary_ = vocabulary
            self.stop_words_ = pruned
        if self.binary:
            X.data.fill(1)
        return X, unknown, total

    def transform(self, raw_documents: Iterable):
        """Count the vocabulary's terms in ``raw_documents`` (unknown terms are ignored)."""
        return self._transform(raw_documents)[0]

    def _transform(self, raw_documents: Iterable) -> tuple[Any, int, int]:
        """:meth:`transform`, and the tokens without a column and all tokens."""
        check_documents(raw_documents)
        self._check_vocabulary()
        validate_params(self, self._constraints)
        X, unknown, total = self._count_fixed(raw_documents)
        if self.binary:
            X.data.fill(1)
        return X, unknown, total

    def inverse_transform(self, X) -> list[np.ndarray]:
        """Terms with a non-zero entry in each row of ``X``."""
        from .._base.sparse import as_csr

        self._check_vocabulary()
        X = as_csr(X)
        X.eliminate_zeros()
        terms = self.get_feature_names_out()
        return [terms[X.indices[X.indptr[i]:X.indptr[i + 1]]] for i in range(X.shape[0])]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Terms in column order, as an object array of str."""
        self._check_vocabulary()
        names = np.empty(len(self.vocabulary_), dtype=object)
        for term, i in self.vocabulary_.items():
            names[i] = term
        return names
