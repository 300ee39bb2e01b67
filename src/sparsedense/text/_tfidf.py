"""TF-IDF: TfidfTransformer (counts -> weights) and TfidfVectorizer (text -> weights)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._kernels.counting import _column_stats
from .._kernels.tfidf import NORM_L1, NORM_L2, NORM_NONE, _tfidf_inplace
from ._base import BaseEstimator, NotFittedError, TransformerMixin
from ._count import CountVectorizer
from ._csr import as_csr, output_container
from ._params import BOOLEAN, NORM, validate_params

_NORM_CODES = {None: NORM_NONE, "l1": NORM_L1, "l2": NORM_L2}


def _float_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def _check_samples(X):
    if X.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
                         "is required by TfidfTransformer.")
    return X


def document_frequency(X) -> np.ndarray:
    """Number of rows in which each column has a non-zero entry (canonical CSR ``X``)."""
    ones = np.ones(X.indices.shape[0], dtype=np.int64)
    df, _ = _column_stats(X.indices.astype(np.int64, copy=False), ones, X.shape[1])
    return df


class TfidfTransformer(TransformerMixin, BaseEstimator):
    """Transform a count matrix to a (normalized) TF-IDF representation.

    Same parameters, defaults and results as scikit-learn's
    ``TfidfTransformer``: ``idf(t) = ln((1 + n) / (1 + df(t))) + 1`` with
    ``smooth_idf``, ``ln(n / df(t)) + 1`` without; ``tf`` becomes
    ``1 + ln(tf)`` with ``sublinear_tf``; rows are then scaled to unit l2 (or
    l1) norm, rows of zeros staying zero. Weighting and normalisation run in
    one Numba pass over the stored values.

    Parameters
    ----------
    norm : {'l1', 'l2'} or None, default='l2'
    use_idf : bool, default=True
    smooth_idf : bool, default=True
    sublinear_tf : bool, default=False

    Attributes
    ----------
    idf_ : ndarray of shape (n_features,)
        Inverse document frequency of each column (when ``use_idf``).
    n_features_in_ : int

    Notes
    -----
    Input is first brought to canonical CSR (duplicate entries summed): a
    duplicated ``(row, column)`` is one term count, so it is weighted once.
    scikit-learn weights each stored duplicate separately; the results differ
    only for such non-canonical input. Explicit zeros do not count towards the
    document frequency.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense import TfidfTransformer
    >>> counts = np.array([[3, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0]])
    >>> tfidf = TfidfTransformer().fit(counts)
    >>> tfidf.idf_.round(4)
    array([1.    , 2.0986, 2.0986])
    >>> tfidf.transform(counts).toarray()[0].round(4)
    array([0.8194, 0.    , 0.5732])
    """

    _constraints = {"norm": NORM, "use_idf": BOOLEAN, "smooth_idf": BOOLEAN,
                    "sublinear_tf": BOOLEAN}

    def __init__(self, *, norm: str | None = "l2", use_idf: bool = True,
                 smooth_idf: bool = True, sublinear_tf: bool = False) -> None:
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf

    def _input_tags(self) -> dict[str, bool]:
        return {"sparse": True}

    def fit(self, X, y=None) -> "TfidfTransformer":
        """Learn the idf vector from a count matrix ``X`` (n_samples, n_features)."""
        validate_params(self, self._constraints)
        X = _check_samples(as_csr(X))
        X.eliminate_zeros()
        self.n_features_in_ = X.shape[1]
        if self.use_idf:
            self.idf_ = self.idf_from_df(document_frequency(X), X.shape[0],
                                         _float_dtype(X.dtype))
        elif hasattr(self, "idf_"):
            del self.idf_
        return self

    def idf_from_df(self, df: np.ndarray, n_samples: int, dtype=np.float64) -> np.ndarray:
        """The idf vector for document frequencies ``df`` over ``n_samples`` documents.

        What :meth:`fit` computes, usable when the frequencies were counted
        elsewhere (e.g. streaming a corpus chunk by chunk).
        """
        dtype = np.dtype(dtype)
        n = n_samples + int(self.smooth_idf)
        df = np.asarray(df).astype(dtype) + dtype.type(self.smooth_idf)
        idf = np.full_like(df, fill_value=n, dtype=dtype)
        idf /= df
        np.log(idf, out=idf)
        idf += 1.0
        return idf

    def transform(self, X, copy: bool = True):
        """Weight and normalize the counts of ``X``; returns a new CSR matrix."""
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                "This TfidfTransformer instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )
        X = _check_samples(as_csr(X))
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but TfidfTransformer is expecting "
                f"{self.n_features_in_} features as input."
            )
        return self._weight(X)

    def _weight(self, X):
        """Weight a canonical CSR matrix in place (its data is converted to float)."""
        _check_samples(X)
        dtype = _float_dtype(X.dtype)
        if X.dtype != dtype:
            X = X.astype(dtype)
        if self.sublinear_tf:  # a stored zero is a zero count: log(0) + 1 must not reach it
            X.eliminate_zeros()
        use_idf = hasattr(self, "idf_")
        idf = self.idf_.astype(dtype, copy=False) if use_idf else np.ones(0, dtype)
        _tfidf_inplace(X.indptr, X.indices, X.data, idf, use_idf,
                       bool(self.sublinear_tf), _NORM_CODES[self.norm])
        return output_container(X)


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
        """Inverse document frequency of each feature (after ``fit``)."""
        if not hasattr(self, "_tfidf"):
            raise NotFittedError("idf vector is not fitted")
        return self._tfidf.idf_

    @idf_.setter
    def idf_(self, value) -> None:
        value = np.asarray(value)
        if not hasattr(self, "_tfidf"):
            self._tfidf = TfidfTransformer(norm=self.norm, use_idf=self.use_idf,
                                           smooth_idf=self.smooth_idf,
                                           sublinear_tf=self.sublinear_tf)
        self._validate_vocabulary()
        if hasattr(self, "vocabulary_") and len(self.vocabulary_) != len(value):
            raise ValueError(
                f"idf length = {len(value)} must be equal to vocabulary size = "
                f"{len(self.vocabulary_)}"
            )
        self._tfidf.idf_ = value
        self._tfidf.n_features_in_ = len(value)

    def _check_params(self) -> None:
        if np.dtype(self.dtype) not in (np.float64, np.float32):
            import warnings

            warnings.warn(
                f"Only (<class 'numpy.float64'>, <class 'numpy.float32'>) 'dtype' should "
                f"be used. {self.dtype} 'dtype' will be converted to np.float64.",
                UserWarning, stacklevel=3,
            )

    def _new_transformer(self) -> TfidfTransformer:
        return TfidfTransformer(norm=self.norm, use_idf=self.use_idf,
                                smooth_idf=self.smooth_idf, sublinear_tf=self.sublinear_tf)

    def fit(self, raw_documents: Iterable, y=None) -> "TfidfVectorizer":
        """Learn the vocabulary and idf of ``raw_documents``; returns ``self``."""
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable, y=None):
        """Learn the vocabulary and idf, and return the TF-IDF matrix."""
        validate_params(self, self._constraints)
        self._check_params()
        tfidf = self._new_transformer()
        X = super().fit_transform(raw_documents)
        tfidf.fit(X)
        self._tfidf = tfidf
        return tfidf._weight(X)

    def transform(self, raw_documents: Iterable):
        """TF-IDF matrix of ``raw_documents`` with the fitted vocabulary and idf."""
        if not hasattr(self, "_tfidf"):
            raise NotFittedError("The TF-IDF vectorizer is not fitted")
        X = super().transform(raw_documents)
        return self._tfidf._weight(X)
