"""DocumentFrequencies: the statistics of a TF-IDF or vocabulary fit, summed chunk by chunk.

Everything a vectorizer's ``fit`` learns from a corpus is a function of
sums over its documents: the number of documents, and for each feature the
number of documents it occurs in (``df``) and its total count (``tf``). So
a corpus counted in pieces (the chunks of ``partial_fit``, Dask's
partitions, a file streamed twice) gives exactly the statistics of one pass,
whatever the pieces: this module is the one place where they are added up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._base.sparse import document_frequency


class DocumentFrequencies:
    """Document count and per-feature document frequencies, mergeable.

    Two kinds, never mixed:

    - over *columns* (``features is None``): ``df[j]`` counts the documents
      with a non-zero in column ``j`` of count matrices of a fixed width
      (:meth:`from_matrix`, :meth:`update`); ``dtype`` is the dtype of the
      stacked matrices (what ``fit`` on ``scipy.sparse.vstack`` of them sees);
    - over *named features* (a list, in first-seen order): ``df`` and the
      total counts ``tf`` of each feature (:meth:`from_counts`), as counted
      before any vocabulary is chosen.

    Sums are int64 and exact, so merging in any order or grouping gives the
    same numbers as counting everything at once.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.text import DocumentFrequencies
    >>> stats = DocumentFrequencies.from_matrix(np.array([[1, 0, 2], [0, 0, 1]]))
    >>> stats.update(np.array([[3, 1, 0]]))
    >>> stats.n_samples, stats.df.tolist()
    (3, [2, 1, 2])
    """

    __slots__ = ("n_samples", "df", "tf", "features", "dtype", "_index")

    def __init__(self, n_samples: int, df: np.ndarray, tf: np.ndarray | None = None,
                 features: list | None = None, dtype: Any = np.float64) -> None:
        self.n_samples = int(n_samples)
        self.df = np.asarray(df, dtype=np.int64)
        self.tf = None if tf is None else np.asarray(tf, dtype=np.int64)
        self.features = features
        self.dtype = np.dtype(dtype)
        self._index: dict | None = None

    # -- making one ------------------------------------------------------------
    @classmethod
    def from_matrix(cls, X) -> "DocumentFrequencies":
        """The statistics of a count matrix (any sparse format or array-like).

        Duplicate entries are summed first; stored zeros are not occurrences.
        """
        from .._base.sparse import as_csr
        import scipy.sparse as sp

        if not (sp.issparse(X) and X.format == "csr" and X.has_canonical_format):
            X = as_csr(X)
        return cls(X.shape[0], document_frequency(X), dtype=X.dtype)

    @classmethod
    def from_counts(cls, local) -> "DocumentFrequencies":
        """The statistics of local counts (``LocalCounts``: documents over first-seen features)."""
        from .._kernels.counting import _column_stats

        df, tf = _column_stats(local.indices, local.data, len(local.features))
        return cls(local.n_docs, df, tf, list(local.features), local.data.dtype)

    @classmethod
    def empty(cls, n_features: int, dtype: Any = np.float64) -> "DocumentFrequencies":
        """No document yet, over ``n_features`` columns."""
        return cls(0, np.zeros(n_features, dtype=np.int64), dtype=dtype)

    @property
    def n_features(self) -> int:
        """Number of columns (or of distinct features seen)."""
        return int(self.df.shape[0])

    def copy(self) -> "DocumentFrequencies":
        return DocumentFrequencies(self.n_samples, self.df.copy(),
                                   None if self.tf is None else self.tf.copy(),
                                   None if self.features is None else list(self.features),
                                   self.dtype)

    # -- adding up ---------------------------------------------------------------
    def update(self, X) -> None:
        """Add the documents of the count matrix ``X`` (same width) in place."""
        self.merge(DocumentFrequencies.from_matrix(X))

    def merge(self, other: "DocumentFrequencies") -> "DocumentFrequencies":
        """Add ``other``'s statistics to these, in place; returns ``self``.

        Raises
        ------
        ValueError
            Column statistics of another width, or statistics of the other kind.
        """
        if (self.features is None) != (other.features is None):
            raise ValueError("cannot merge column statistics with named-feature statistics")
        if self.features is None:
            if other.n_features != self.n_features:
                raise ValueError(f"cannot merge statistics of {other.n_features} columns "
                                 f"into statistics of {self.n_features} columns")
            self.df += other.df
        else:
            self._merge_named(other)
        self.n_samples += other.n_samples
        self.dtype = np.result_type(self.dtype, other.dtype)
        return self

    def _merge_named(self, other: "DocumentFrequencies") -> None:
        if self._index is None:
            self._index = {f: i for i, f in enumerate(self.features)}
        index = self._index
        setdefault = index.setdefault
        pos = np.fromiter((setdefault(f, len(index)) for f in other.features), dtype=np.int64,
                          count=len(other.features))
        self.features.extend(other.features[i] for i in np.flatnonzero(pos >= len(self.df)))
        grow = len(index) - len(self.df)
        if grow:
            self.df = np.concatenate([self.df, np.zeros(grow, np.int64)])
            self.tf = np.concatenate([self.tf, np.zeros(grow, np.int64)])
        # the features of one statistics object are distinct: plain fancy adds
        self.df[pos] += other.df
        self.tf[pos] += other.tf

    @classmethod
    def merged(cls, parts: list) -> "DocumentFrequencies":
        """A new object summing ``parts`` in order (the parts are left as they were)."""
        out = parts[0].copy()
        for part in parts[1:]:
            out.merge(part)
        return out

    def __repr__(self) -> str:
        kind = "columns" if self.features is None else "features"
        return (f"DocumentFrequencies(n_samples={self.n_samples}, {kind}={self.n_features}, "
                f"dtype={self.dtype})")

    def __getstate__(self) -> tuple:
        return (self.n_samples, self.df, self.tf, self.features, self.dtype)

    def __setstate__(self, state: tuple) -> None:
        self.__init__(*state)
