"""TfidfTransformer: count matrices to TF-IDF weights, fitted at once or chunk by chunk."""

from __future__ import annotations


import numpy as np
import scipy.sparse as sp

from .._kernels.norms import NORM_L1, NORM_L2, NORM_NONE
from .._kernels.tfidf import _tfidf_inplace
from .._base.sparse import check_csr, check_sparse_structure, document_frequency  # noqa: F401
from .._base.validation import check_samples, float_dtype
from .._base.estimator import BaseEstimator, TransformerMixin
from .._base.errors import NotFittedError
from ._stats import DocumentFrequencies
from .._base.sparse import as_csr, output_container
from .._base.params import BOOLEAN, NORM, validate_params

_NORM_CODES = {None: NORM_NONE, "l1": NORM_L1, "l2": NORM_L2}


def _check_finite(X) -> None:
    """Refuse NaN or infinity among the stored values (scikit-learn raises ValueError too)."""
    if X.dtype.kind != "f" or np.isfinite(X.data).all():
        return
    p = int(np.flatnonzero(~np.isfinite(X.data))[0])
    row = int(np.searchsorted(X.indptr, p, side="right") - 1)
    what = "NaN" if np.isnan(X.data[p]) else "infinity"
    raise ValueError(f"Input X contains {what}: X[{row}, {X.indices[p]}] = {X.data[p]}; "
                     "TfidfTransformer needs finite counts")


def _weighted_in_place(X, copy: bool) -> bool:
    """True when ``transform(X, copy=False)`` weights ``X`` itself, as scikit-learn does.

    That is when ``X`` is CSR (matrix or array) of float32/float64 with
    writable values; any other input is converted, which copies it anyway.
    """
    return (not copy and sp.issparse(X) and X.format == "csr"
            and X.dtype in (np.float32, np.float64) and X.data.flags.writeable)


def _float_csr_copy(X):
    """A canonical CSR copy of ``X`` for :meth:`TfidfTransformer.transform` to weight in place.

    A canonical CSR input is copied once, its values straight to the float
    dtype (``as_csr`` and then ``astype`` copied every array twice); anything
    else goes through ``as_csr``.
    """
    if sp.issparse(X):
        X = check_csr(X, "X")
        if X.has_canonical_format:
            out = sp.csr_matrix((X.data.astype(float_dtype(X.dtype)), X.indices.copy(),
                                 X.indptr.copy()), shape=X.shape)
            out.has_canonical_format = True
            return out
    return as_csr(X)


def _idf_formula(df: np.ndarray, n_samples: int, dtype: np.dtype, smooth: bool) -> np.ndarray:
    """``ln((n + s) / (df + s)) + 1`` (``s = 1`` with ``smooth``), scikit-learn's operations."""
    n = n_samples + int(smooth)
    df = np.asarray(df).astype(dtype) + dtype.type(smooth)
    idf = np.full_like(df, fill_value=n, dtype=dtype)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def _not_fitted(owner: str) -> NotFittedError:
    return NotFittedError(
        f"This {owner} instance is not fitted yet. Call 'fit' with appropriate arguments "
        "before using this estimator."
    )


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
        Inverse document frequency of each column (when ``use_idf``). As in
        scikit-learn, an ``idf_`` assigned to an unfitted transformer makes it
        usable: its weights are applied by :meth:`transform`.
    n_features_in_ : int
    feature_names_in_ : ndarray of str objects
        Column names of ``X`` in ``fit``, when it has string column names (a
        pandas DataFrame).

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
        """Learn the idf vector from a count matrix ``X`` (n_samples, n_features).

        Starts over: statistics of earlier :meth:`partial_fit` calls are
        forgotten (a later :meth:`partial_fit` adds to those of ``X``).
        """
        validate_params(self, self._constraints)
        columns = getattr(X, "columns", None)
        X = self._canonical(X)
        check_samples(X.shape)
        _check_finite(X)
        self._set_names(columns)
        self._set_stats(DocumentFrequencies.from_matrix(X))
        return self

    def partial_fit(self, X, y=None) -> "TfidfTransformer":
        """Add the documents of ``X`` to the statistics; ``idf_`` is that of all so far.

        The document frequencies and the document count are sums (int64), so
        after any sequence of calls ``idf_`` is bit-identical to :meth:`fit`
        on the stacked matrices (``scipy.sparse.vstack``), whatever the
        chunking; its dtype follows the same rule (float32 when every chunk is
        float32, else float64). A chunk without rows is allowed (it adds
        nothing). The first call fixes the number of columns; :meth:`fit`
        starts over. :meth:`transform` works between calls.

        Parameters
        ----------
        X : sparse matrix or array-like of shape (n_samples, n_features)
            Counts of a chunk of documents.
        y : None
            Ignored.

        Returns
        -------
        self : TfidfTransformer

        Raises
        ------
        ValueError
            ``X`` has another number of columns than the first chunk, or holds
            NaN or infinity (the statistics are left unchanged).

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import TfidfTransformer
        >>> counts = np.array([[3, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0]])
        >>> tfidf = TfidfTransformer()
        >>> for chunk in (counts[:2], counts[2:2], counts[2:]):
        ...     tfidf = tfidf.partial_fit(chunk)
        >>> tfidf.idf_.round(4)
        array([1.    , 2.0986, 2.0986])
        >>> bool((tfidf.idf_ == TfidfTransformer().fit(counts).idf_).all())
        True
        """
        validate_params(self, self._constraints)
        columns = getattr(X, "columns", None)
        X = self._canonical(X)
        stats = getattr(self, "_stats", None)
        if stats is not None and X.shape[1] != stats.n_features:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{stats.n_features} features as input (the width of the first partial_fit; "
                "call fit to start over)"
            )
        _check_finite(X)
        if stats is None:  # the first chunk: its column names are the ones kept
            self._set_names(columns)
        return self._add_stats(DocumentFrequencies.from_matrix(X))

    def _add_stats(self, chunk: DocumentFrequencies) -> "TfidfTransformer":
        """Add a chunk's statistics to those kept (``partial_fit``'s step, and the Dask one's)."""
        stats = getattr(self, "_stats", None)
        stats = chunk if stats is None else stats.copy().merge(chunk)
        if stats.n_samples == 0:  # no document yet: nothing to learn, the width is fixed
            self._stats = stats
            return self
        self._set_stats(stats, lazy=True)
        return self

    @staticmethod
    def _canonical(X):
        """``X`` as canonical CSR; a canonical CSR matrix is not copied (it is only read)."""
        if sp.issparse(X):
            X = check_csr(X, "X")
            if not X.has_canonical_format:
                X = as_csr(X)
        else:
            X = as_csr(X)
        return X

    def _set_stats(self, stats: DocumentFrequencies, lazy: bool = False) -> None:
        """Keep ``stats`` and set the fitted attributes from them.

        With ``lazy`` (partial_fit), ``idf_`` is computed at its first use
        after the call, so a stream of chunks pays for it once, not per chunk.
        """
        if lazy and self.use_idf:
            validate_params(self, self._constraints)
            check_samples((stats.n_samples, stats.n_features))
            self.n_features_in_ = stats.n_features
            self.__dict__.pop("_idf", None)
            self._idf_pending = (stats.df, stats.n_samples, float_dtype(stats.dtype),
                                 bool(self.smooth_idf))
        else:
            self._fit_from_stats(stats.df, stats.n_samples, stats.dtype)
        self._stats = stats

    @property
    def idf_(self) -> np.ndarray:
        """Inverse document frequency of each column (when fitted with ``use_idf``).

        Assignable (scikit-learn's way to transfer weights). After
        :meth:`partial_fit` it is computed at its first use.
        """
        d = self.__dict__
        pending = d.pop("_idf_pending", None)
        if pending is not None:
            df, n_samples, dtype, smooth = pending
            d["_idf"] = _idf_formula(df, n_samples, dtype, smooth)
        try:
            return d["_idf"]
        except KeyError:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'idf_'"
                                 ) from None

    @idf_.setter
    def idf_(self, value) -> None:
        self.__dict__.pop("_idf_pending", None)
        self.__dict__["_idf"] = value

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if "idf_" in state:  # pickled when idf_ was a plain attribute
            state["_idf"] = state.pop("idf_")
        self.__dict__.update(state)

    @idf_.deleter
    def idf_(self) -> None:
        d = self.__dict__
        if "_idf" not in d and "_idf_pending" not in d:
            raise AttributeError("idf_")
        d.pop("_idf", None)
        d.pop("_idf_pending", None)

    def _set_names(self, columns) -> None:
        """``feature_names_in_``: the column names of a DataFrame, when they are all str."""
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _fit_from_stats(self, df: np.ndarray, n_samples: int, dtype) -> "TfidfTransformer":
        """Fit from document frequencies and a document count summed elsewhere.

        The statistics of :meth:`fit` are sums over documents, so chunks
        counted apart (a stream, Dask partitions) give the idf of one ``fit``.
        """
        validate_params(self, self._constraints)
        check_samples((n_samples, len(df)))
        self.n_features_in_ = len(df)
        if self.use_idf:
            self.idf_ = self.idf_from_df(df, n_samples, float_dtype(dtype))
        elif hasattr(self, "idf_"):
            del self.idf_
        return self

    def idf_from_df(self, df: np.ndarray, n_samples: int, dtype=np.float64) -> np.ndarray:
        """The idf vector for document frequencies ``df`` over ``n_samples`` documents.

        What :meth:`fit` computes, usable when the frequencies were counted
        elsewhere (e.g. streaming a corpus chunk by chunk).
        """
        return _idf_formula(df, n_samples, np.dtype(dtype), bool(self.smooth_idf))

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted, or given an ``idf_`` (scikit-learn's way to transfer weights)."""
        return hasattr(self, "n_features_in_") or hasattr(self, "idf_")

    def transform(self, X, copy: bool = True):
        """Weight and normalize the counts of ``X``.

        Parameters
        ----------
        X : sparse matrix or array-like of shape (n_samples, n_features)
        copy : bool, default=True
            With False, a CSR ``X`` of float32/float64 is weighted in place and
            returned (as a ``csr_matrix`` or ``csr_array`` per scikit-learn's
            ``sparse_interface``, sharing its arrays), as scikit-learn does;
            duplicate entries of ``X`` are summed in place first. Other input
            is converted to a new CSR matrix whatever ``copy`` says.

        Returns
        -------
        X_tfidf : sparse matrix of shape (n_samples, n_features)

        Raises
        ------
        NotFittedError
            Neither fitted nor given an ``idf_``.
        ValueError
            ``X`` has another number of columns than in ``fit``, or fewer than
            ``idf_`` has entries.
        IndexError
            ``X`` has more columns than ``idf_`` has entries.
        """
        if not self.__sklearn_is_fitted__():
            raise _not_fitted(type(self).__name__)
        in_place = _weighted_in_place(X, copy)
        if in_place:  # the structure check as_csr makes on its copy
            check_sparse_structure(X, "X")
        X = X if in_place else _float_csr_copy(X)
        check_samples(X.shape)
        n_expected = getattr(self, "n_features_in_", X.shape[1])
        if X.shape[1] != n_expected:
            raise ValueError(
                f"X has {X.shape[1]} features, but TfidfTransformer is expecting "
                f"{n_expected} features as input."
            )
        _check_finite(X)
        if in_place:
            self._check_idf(X.shape[1])  # before the first write to X
            if X.indices.shape[0] > X.indptr[-1]:
                X.prune()  # storage past indptr[-1] is not part of X
            X.sum_duplicates()
        return self._weight(X)

    def _check_idf(self, n_columns: int) -> None:
        """Refuse an ``idf_`` that is not one number per column of ``X``."""
        if not hasattr(self, "idf_"):
            return
        idf = np.asarray(self.idf_)
        if idf.dtype.kind not in "biuf":
            raise TypeError(f"idf_ must hold numbers; got dtype {idf.dtype}")
        if idf.ndim != 1:
            raise ValueError(f"idf_ must be 1-D, one weight per column of X; got shape "
                             f"{idf.shape}")
        if idf.shape[0] < n_columns:
            raise IndexError(
                f"idf_ has {idf.shape[0]} entries, but X has {n_columns} columns: column "
                f"{idf.shape[0]} of X has no weight (expected len(idf_) == X.shape[1] == "
                f"{n_columns})"
            )
        if idf.shape[0] > n_columns:
            raise ValueError(
                f"idf_ has {idf.shape[0]} entries, but X has {n_columns} columns (expected "
                f"len(idf_) == X.shape[1] == {n_columns}; scikit-learn ignores the extra "
                "weights, sparsedense refuses them)"
            )

    def _weight(self, X):
        """Weight a canonical CSR matrix in place (its data is converted to float).

        ``X`` is the caller's own copy: a conversion shares its index arrays.
        """
        check_samples(X.shape)
        self._check_idf(X.shape[1])
        dtype = float_dtype(X.dtype)
        if X.dtype != dtype:
            X = sp.csr_matrix((X.data.astype(dtype), X.indices, X.indptr), shape=X.shape)
        if self.sublinear_tf:  # a stored zero is a zero count: log(0) + 1 must not reach it
            X.eliminate_zeros()
        use_idf = hasattr(self, "idf_")
        idf = np.asarray(self.idf_).astype(dtype, copy=False) if use_idf else np.ones(0, dtype)
        _tfidf_inplace(X.indptr, X.indices, X.data, idf, use_idf,
                       bool(self.sublinear_tf), _NORM_CODES[self.norm])
        return output_container(X)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output feature names: those of the input, since weighting keeps every column.

        Parameters
        ----------
        input_features : array-like of str, optional
            Names of the input columns; by default ``feature_names_in_`` when
            ``fit`` saw column names, else ``x0, x1, ...`` (scikit-learn's rule).

        Returns
        -------
        ndarray of str objects, shape (n_features,)
        """
        if not hasattr(self, "n_features_in_"):
            raise _not_fitted(type(self).__name__)
        n = self.n_features_in_
        known = getattr(self, "feature_names_in_", None)
        if input_features is None:
            if known is not None:
                return known.copy()
            return np.asarray([f"x{i}" for i in range(n)], dtype=object)
        names = np.asarray(input_features, dtype=object)
        if known is not None and (names.shape != known.shape or not np.all(names == known)):
            raise ValueError(f"input_features is not equal to feature_names_in_: got "
                             f"{names.tolist()!r}, expected {known.tolist()!r}")
        if names.ndim != 1 or names.shape[0] != n:
            raise ValueError(f"input_features should have length equal to number of "
                             f"features ({n}), got {len(input_features)}")
        return names


# TfidfVectorizer lives in its own module; pickles made when it lived here name it here
from ._tfidf_vectorizer import TfidfVectorizer  # noqa: E402,F401
