"""TfidfVectorizer: text to TF-IDF weights (CountVectorizer, then TfidfTransformer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._base.errors import NotFittedError
from .._base.params import validate_params
from ._analyzer import user_stacklevel
from ._count import CountVectorizer
from ._stats import DocumentFrequencies
from ._tfidf import TfidfTransformer


class TfidfVectorizer(CountVectorizer):
    """Convert text documents to a matrix of TF-IDF features.

    Equivalent to :class:`CountVectorizer` followed by
    :class:`TfidfTransformer`, with scikit-learn's parameters, defaults and
    results (within 1e-12 in float64).

    Parameters
    ----------
    input, encoding, decode_error, strip_accents, lowercase, preprocessor, \
tokenizer, analyzer, stop_words, token_pattern, ngram_range, max_df, min_df, \
max_features, vocabulary, binary
        As in :class:`CountVectorizer`.
    dtype : {np.float64, np.float32}, default=np.float64
        Dtype of the returned matrix.
    norm, use_idf, smooth_idf, sublinear_tf
        As in :class:`TfidfTransformer`.

    Attributes
    ----------
    vocabulary_ : dict
    fixed_vocabulary_ : bool
    idf_ : ndarray of shape (n_features,)
    stop_words_ : set

    Examples
    --------
    >>> from sparsedense import TfidfVectorizer
    >>> docs = ["deposit savings deposit", "savings account", "rain and snow"]
    >>> tv = TfidfVectorizer()
    >>> X = tv.fit_transform(docs)
    >>> X.shape
    (3, 6)
    >>> tv.get_feature_names_out()[X[0].indices].tolist()
    ['deposit', 'savings']
    >>> X[0].data.round(4)
    array([0.9347, 0.3554])
    """

    _constraints = {**CountVectorizer._constraints, **TfidfTransformer._constraints}

    def __init__(self, *, input: str = "content", encoding: str = "utf-8",
                 decode_error: str = "strict", strip_accents=None, lowercase: bool = True,
                 preprocessor=None, tokenizer=None, analyzer="word", stop_words=None,
                 token_pattern: str | None = r"(?u)\b\w\w+\b",
                 ngram_range: tuple[int, int] = (1, 1), max_df: float | int = 1.0,
                 min_df: float | int = 1, max_features: int | None = None,
                 vocabulary=None, binary: bool = False, dtype=np.float64,
                 norm: str | None = "l2", use_idf: bool = True, smooth_idf: bool = True,
                 sublinear_tf: bool = False) -> None:
        super().__init__(
            input=input, encoding=encoding, decode_error=decode_error,
            strip_accents=strip_accents, lowercase=lowercase, preprocessor=preprocessor,
            tokenizer=tokenizer, analyzer=analyzer, stop_words=stop_words,
            token_pattern=token_pattern, ngram_range=ngram_range, max_df=max_df,
            min_df=min_df, max_features=max_features, vocabulary=vocabulary,
            binary=binary, dtype=dtype)
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf

    @property
    def idf_(self) -> np.ndarray:
        """Inverse document frequency of each feature (after ``fit``, with ``use_idf``).

        Assignable, as in scikit-learn, to transfer weights to a vectorizer
        with ``use_idf=True`` (its length must be the vocabulary's); with
        ``use_idf=False`` the assignment raises ValueError.
        """
        if not hasattr(self, "_tfidf"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this attribute."
            )
        return self._tfidf.idf_

    @idf_.setter
    def idf_(self, value) -> None:
        if not self.use_idf:
            raise ValueError(  # the first sentence is scikit-learn's, typo included
                "`idf_` cannot be set when `user_idf=False`. "
                f"{type(self).__name__} has use_idf={self.use_idf!r}, so it would not apply "
                "these weights; set use_idf=True to use them."
            )
        value = np.asarray(value)
        if value.ndim != 1:
            raise ValueError(f"idf_ must be 1-D, one weight per feature; got shape {value.shape}")
        self._validate_vocabulary()
        if hasattr(self, "vocabulary_") and len(self.vocabulary_) != len(value):
            raise ValueError(
                f"idf length = {len(value)} must be equal to vocabulary size = "
                f"{len(self.vocabulary_)}"
            )
        if not hasattr(self, "_tfidf"):
            self._tfidf = self._new_transformer()
        self._tfidf.idf_ = value
        self._tfidf.n_features_in_ = len(value)

    def _check_params(self) -> None:
        if np.dtype(self.dtype) not in (np.float64, np.float32):
            import warnings

            warnings.warn(
                f"Only (<class 'numpy.float64'>, <class 'numpy.float32'>) 'dtype' should "
                f"be used. {self.dtype} 'dtype' will be converted to np.float64.",
                UserWarning, stacklevel=user_stacklevel(),
            )

    def _new_transformer(self) -> TfidfTransformer:
        return TfidfTransformer(norm=self.norm, use_idf=self.use_idf,
                                smooth_idf=self.smooth_idf, sublinear_tf=self.sublinear_tf)

    def _fit_from_frequencies(self, stats: DocumentFrequencies) -> np.ndarray:
        """:meth:`CountVectorizer._fit_from_frequencies`, and the idf of those frequencies.

        The statistics are kept: a later :meth:`partial_fit` adds to them.
        """
        df_cols = super()._fit_from_frequencies(stats)
        tfidf = self._new_transformer()
        tfidf._set_stats(DocumentFrequencies(stats.n_samples, df_cols, dtype=self.dtype))
        self._tfidf = tfidf
        return df_cols

    def fit(self, raw_documents: Iterable, y=None) -> "TfidfVectorizer":
        """Learn the vocabulary and idf of ``raw_documents``; returns ``self``."""
        self.fit_transform(raw_documents)
        return self

    def partial_fit(self, raw_documents: Iterable, y=None) -> "TfidfVectorizer":
        """Add a chunk of documents to the idf statistics (a fixed vocabulary only).

        The documents are counted over the fixed vocabulary and handed to
        :meth:`TfidfTransformer.partial_fit`: after any sequence of calls
        ``idf_`` is bit-identical to :meth:`fit` on all the chunks together,
        and :meth:`transform` works between calls. :meth:`fit` starts over.

        Raises
        ------
        ValueError
            No fixed vocabulary (see :meth:`CountVectorizer.partial_fit`), or
            ``raw_documents`` is a single string. Nothing is changed.

        Examples
        --------
        >>> from sparsedense import TfidfVectorizer
        >>> docs = ["deposit savings deposit", "savings account", "rain and snow"]
        >>> terms = ["account", "deposit", "rain", "savings", "snow"]
        >>> tv = TfidfVectorizer(vocabulary=terms)
        >>> for chunk in (docs[:2], docs[2:]):
        ...     tv = tv.partial_fit(chunk)
        >>> tv.idf_.round(4)
        array([1.6931, 1.6931, 1.6931, 1.2877, 1.6931])
        >>> bool((tv.idf_ == TfidfVectorizer(vocabulary=terms).fit(docs).idf_).all())
        True
        """
        validate_params(self, self._constraints)
        self._check_params()
        self._start_partial_fit(raw_documents)
        X = self._count_fixed(raw_documents)[0]
        if self.binary:
            X.data.fill(1)
        tfidf = self.__dict__.get("_tfidf")
        if tfidf is None or not hasattr(tfidf, "_stats"):  # none yet, or an assigned idf_
            tfidf = self._new_transformer()
        else:  # the parameters of this call (set_params may have changed them)
            tfidf.set_params(**self._new_transformer().get_params())
        tfidf.partial_fit(X)
        self._tfidf = tfidf
        return self

    def fit_transform(self, raw_documents: Iterable, y=None):
        """Learn the vocabulary and idf, and return the TF-IDF matrix."""
        return self._fit_transform(raw_documents)[0]

    def _fit_transform(self, raw_documents: Iterable) -> tuple[Any, int, int]:
        validate_params(self, self._constraints)
        self._check_params()
        tfidf = self._new_transformer()
        X, unknown, total = super()._fit_transform(raw_documents)
        tfidf.fit(X)
        self._tfidf = tfidf
        return tfidf._weight(X), unknown, total

    def transform(self, raw_documents: Iterable):
        """TF-IDF matrix of ``raw_documents`` with the fitted vocabulary and idf."""
        return self._transform(raw_documents)[0]

    def _transform(self, raw_documents: Iterable) -> tuple[Any, int, int]:
        if not hasattr(self, "_tfidf"):
            raise NotFittedError("The TF-IDF vectorizer is not fitted")
        X, unknown, total = super()._transform(raw_documents)
        return self._tfidf._weight(X), unknown, total
