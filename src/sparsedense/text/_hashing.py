"""HashingVectorizer: documents to counts in hashed columns, without a vocabulary."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._kernels.hashing import _hash_features
from .._kernels.norms import _normalize_rows_inplace
from .._base.validation import check_documents
from ._analyzer import DEFAULT_TOKEN_PATTERN, AnalyzerMixin
from .._base.estimator import BaseEstimator, TransformerMixin
from .._base.sparse import make_csr
from ._extract import extract_counts, extract_hashed
from .._base.params import ANALYZER_PARAMS, BOOLEAN, N_FEATURES, NORM, validate_params
from .._kernels.counting import _hashed_csr
from ._tfidf import _NORM_CODES


def _utf8_buffer(features: list) -> tuple[np.ndarray, np.ndarray]:
    encoded = []
    for f in features:
        if isinstance(f, str):
            encoded.append(f.encode("utf-8", "surrogatepass"))
        elif isinstance(f, bytes):
            encoded.append(f)
        else:
            raise TypeError(
                f"feature names must be strings; the analyzer produced "
                f"{type(f).__name__} {f!r}"
            )
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


class HashingVectorizer(TransformerMixin, AnalyzerMixin, BaseEstimator):
    """Convert text documents to a matrix of hashed token counts (the hashing trick).

    Same parameters, defaults and output as scikit-learn's
    ``HashingVectorizer``: the column of a feature is ``abs(h) % n_features``
    and, with ``alternate_sign``, its sign is that of ``h``, where ``h`` is the
    signed 32-bit MurmurHash3 (seed 0) of the feature's UTF-8 bytes. With the
    default word tokenization and no stop words, a parallel Numba kernel
    hashes every token and word n-gram straight from the documents' code
    points (no feature strings are made); otherwise each distinct feature is
    hashed once per call.

    Parameters
    ----------
    input, encoding, decode_error, strip_accents, lowercase, preprocessor, \
tokenizer, stop_words, token_pattern, ngram_range, analyzer, binary
        As in :class:`CountVectorizer`.
    n_features : int, default=2**20
        Number of columns.
    norm : {'l1', 'l2'} or None, default='l2'
        Row normalisation.
    alternate_sign : bool, default=True
        Add each feature with the sign of its hash, so that collisions tend to
        cancel rather than accumulate.
    dtype : dtype, default=np.float64

    Notes
    -----
    Colliding features are summed; a column whose sum is 0 stays stored as an
    explicit zero, exactly as scikit-learn leaves it.

    Examples
    --------
    >>> from sparsedense import HashingVectorizer
    >>> hv = HashingVectorizer(n_features=16, norm=None, alternate_sign=False)
    >>> X = hv.transform(["deposit savings deposit"])
    >>> X.shape, float(X.sum())
    ((1, 16), 3.0)
    """

    _constraints = {
        **ANALYZER_PARAMS,
        "n_features": N_FEATURES,
        "binary": BOOLEAN,
        "norm": NORM,
        "alternate_sign": BOOLEAN,
    }

    def __init__(self, *, input: str = "content", encoding: str = "utf-8",
                 decode_error: str = "strict", strip_accents=None, lowercase: bool = True,
                 preprocessor=None, tokenizer=None, stop_words=None,
                 token_pattern: str | None = DEFAULT_TOKEN_PATTERN,
                 ngram_range: tuple[int, int] = (1, 1), analyzer="word",
                 n_features: int = 2**20, binary: bool = False, norm: str | None = "l2",
                 alternate_sign: bool = True, dtype=np.float64) -> None:
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
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.binary = binary
        self.norm = norm
        self.alternate_sign = alternate_sign
        self.dtype = dtype

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def partial_fit(self, X, y=None) -> "HashingVectorizer":
        """Only validates the parameters (the transform is stateless)."""
        validate_params(self, self._constraints)
        return self

    def fit(self, X, y=None) -> "HashingVectorizer":
        """Only validates the parameters (the transform is stateless)."""
        check_documents(X)
        validate_params(self, self._constraints)
        self._warn_for_unused_params()
        self._validate_ngram_range()
        return self

    def transform(self, X: Iterable):
        """Hashed count matrix of the documents ``X``, shape (n_docs, n_features)."""
        check_documents(X)
        validate_params(self, self._constraints)
        self._validate_ngram_range()
        if self._fast_token_min_len() and self.get_stop_words() is None:
            indptr, indices, data = extract_hashed(self, X, int(self.n_features),
                                                   bool(self.alternate_sign))
        else:
            indptr, indices, data = self._hash_local_counts(extract_counts(self, X))
        n_docs = indptr.shape[0] - 1
        if n_docs == 0:
            raise ValueError("Cannot vectorize empty sequence.")
        if self.binary:
            data.fill(1)
        dtype = np.dtype(self.dtype)
        if self.norm is not None and dtype.kind != "f":
            dtype = np.dtype(np.float64)  # a norm makes fractions, as in scikit-learn
        data = data.astype(dtype)
        if self.norm is not None:
            _normalize_rows_inplace(indptr, data, _NORM_CODES[self.norm])
        return make_csr(indptr, indices, data, (n_docs, int(self.n_features)))

    def _hash_local_counts(self, local):
        """Hash each distinct feature once, then fold the counts into hashed columns."""
        buf, offsets = _utf8_buffer(local.features)
        col_of, sign_of = _hash_features(buf, offsets, int(self.n_features),
                                         bool(self.alternate_sign), 0)
        nnz = local.indices.shape[0]
        indptr = np.empty(local.indptr.shape[0], dtype=np.int64)
        indices = np.empty(nnz, dtype=np.int64)
        data = np.empty(nnz, dtype=np.float64)
        kept = _hashed_csr(local.indptr, local.indices, local.data, col_of, sign_of,
                           int(self.n_features), indptr, indices, data)
        return indptr, indices[:kept], data[:kept]
