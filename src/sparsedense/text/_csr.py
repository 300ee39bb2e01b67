"""Building the scipy.sparse containers the vectorizers return."""

from __future__ import annotations

import sys

import numpy as np
import scipy.sparse as sp

_INT32_MAX = np.iinfo(np.int32).max


def index_dtype(nnz: int, n_cols: int) -> type:
    """int32 unless the stored entries or columns need int64 (scikit-learn's rule)."""
    return np.int64 if max(nnz, n_cols) > _INT32_MAX else np.int32


def make_csr(indptr, indices, data, shape, dtype=None, canonical: bool = True):
    """A ``csr_matrix`` (or ``csr_array``, see :func:`output_container`) from raw arrays."""
    idx = index_dtype(int(indptr[-1]), shape[1])
    data = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    X = sp.csr_matrix(
        (data, indices.astype(idx, copy=False), indptr.astype(idx, copy=False)),
        shape=shape, copy=False,
    )
    if canonical:
        X.has_sorted_indices = True
        X.has_canonical_format = True
    return output_container(X)


def output_container(X):
    """Follow scikit-learn's ``sparse_interface`` setting when scikit-learn is in use.

    scikit-learn returns ``csr_matrix`` by default and ``csr_array`` under
    ``sklearn.set_config(sparse_interface="sparray")``; so do we. Without
    scikit-learn imported, the result is a ``csr_matrix``. A conversion shares
    ``X``'s arrays (scikit-learn's ``_align_api_if_sparse``), and ``X`` already
    of the right kind is returned as is.
    """
    interface = "spmatrix"
    sklearn = sys.modules.get("sklearn")
    if sklearn is not None:
        try:
            interface = sklearn.get_config().get("sparse_interface", "spmatrix")
        except Exception:  # pragma: no cover - very old or partial scikit-learn
            interface = "spmatrix"
    if interface == "sparray":
        return X if isinstance(X, sp.sparray) else sp.csr_array(X)
    return sp.csr_matrix(X) if isinstance(X, sp.sparray) else X


def as_csr(X, name: str = "X"):
    """Any scipy.sparse matrix/array or dense 2-D array as a canonical CSR copy."""
    if sp.issparse(X):
        from .._validation import check_csr

        X = check_csr(X, name, copy=True)
    else:
        from .._validation import as_array

        arr = as_array(X, name)
        if arr.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D array or scipy.sparse matrix; got shape {arr.shape}"
            )
        if arr.dtype.kind not in "biuf":
            from ._base import DTypeError  # a TypeError, and the ValueError of scikit-learn

            raise DTypeError(f"{name} must be numeric; got dtype {arr.dtype}")
        if arr.dtype == np.float16:  # scipy.sparse cannot hold it; scikit-learn takes float64
            arr = arr.astype(np.float64)
        X = sp.csr_matrix(arr)
    X.sum_duplicates()
    return X
