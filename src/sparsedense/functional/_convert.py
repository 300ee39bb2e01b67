"""Sparse -> dense: document-term matrices to document embeddings; one-hot <-> indices."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._kernels._dispatch import choose
from .._base.validation import BAG_MODES, check_mode
from .._base.sparse import check_csr
from ..quantized import value_dtype
from ._bag import Bags, check_table, run_bags
from ._lookup import onehot_rows

_NORMALIZE = (None, "l2")


def _as_csr_for_bags(X: Any, num_embeddings: int, canonical: bool) -> sp.csr_matrix:
    if not sp.issparse(X):
        raise TypeError(f"X must be a scipy.sparse matrix or array (documents x vocabulary); "
                        f"got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got shape {X.shape}")
    if X.shape[1] != num_embeddings:
        raise ValueError(f"X has {X.shape[1]} columns but weight has {num_embeddings} rows "
                         "(num_embeddings); they must be equal")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must have real values; got dtype {X.dtype}")
    X = check_csr(X, "X", copy=canonical)
    if canonical:  # the matrix's values, whatever their storage: duplicates summed, no zeros
        X.sum_duplicates()
        X.eliminate_zeros()
    return X


def sparse_to_dense(X: Any, weight: np.ndarray, mode: str = "sum",
                    normalize: str | None = None) -> np.ndarray:
    """Turn each row of a sparse document-term matrix into a dense vector through a table.

    The library's main job in one call: ``X`` holds counts, binary flags or
    TF-IDF weights (documents x vocabulary, from the vectorizers) and
    ``weight`` one vector per vocabulary word (trained, loaded, or from
    :class:`~sparsedense.LSA`); the result has one vector per document.

    Parameters
    ----------
    X : scipy.sparse matrix or array of shape (n_docs, num_embeddings)
        Any format (converted to CSR once); non-canonical CSR (duplicate or
        unsorted columns), int32 and int64 index arrays all work. Stored
        values are the word weights; negative values are allowed.
    weight : ndarray of shape (num_embeddings, embedding_dim), or QuantizedTable
        float32 or float64 (a memmap works). The result has this dtype and
        ``X``'s values are converted to it. A compressed table from
        :func:`sparsedense.quantize` is decoded in the kernel (float32 result).
    mode : {'sum', 'mean', 'max'}, default='sum'
        'sum' is exactly ``X @ weight``; 'mean' divides each row of that by
        the row's sum of stored values; 'max' takes, element by element, the
        maximum of ``value * weight[word]`` over the row's words.
    normalize : {None, 'l2'}, default=None
        Scale each result row to unit l2 norm.

    Returns
    -------
    ndarray of shape (n_docs, embedding_dim)
        Rows of ``X`` without entries (and 'mean' rows whose values sum to 0)
        give zeros, without NaN or warning. NaN in ``weight`` is carried by
        'sum' and 'mean'; 'max' compares like torch's ``embedding_bag``
        (``v > current``), so a NaN is kept only when it comes from the row's
        first word. For 'max', stored zeros and duplicate entries are first
        reduced to the matrix's values (duplicates summed, zeros dropped).

    See Also
    --------
    embedding_bag : the same reduction on index arrays (torch's API).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> from sparsedense.functional import sparse_to_dense
    >>> W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    >>> X = sp.csr_matrix(np.array([[2, 0, 1], [0, 0, 0], [0, 3, 0]]))
    >>> sparse_to_dense(X, W).tolist()
    [[3.0, 1.0], [0.0, 0.0], [0.0, 3.0]]
    >>> sparse_to_dense(X, W, mode="mean").round(4).tolist()
    [[1.0, 0.3333], [0.0, 0.0], [0.0, 1.0]]
    >>> sparse_to_dense(X, W, mode="max").tolist()
    [[2.0, 1.0], [0.0, 0.0], [0.0, 3.0]]
    """
    code = check_mode(mode)
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be None or 'l2'; got {normalize!r}")
    weight = check_table(weight)
    # duplicates add up in sum/mean, but a max must see the summed value
    X = _as_csr_for_bags(X, weight.shape[0], canonical=(code == BAG_MODES["max"]))
    # scipy's int32 (or int64) index arrays go to the kernel as they are: no copy
    bags = Bags(X.indptr, X.indices, np.ascontiguousarray(X.data, dtype=value_dtype(weight)), None,
                X.indices.shape[0], True)  # (check_csr dropped storage past indptr[-1])
    out = run_bags(bags, weight, code)
    if normalize == "l2" and out.shape[0]:
        from .._kernels.norms import _normalize_rows_l2

        choose(_normalize_rows_l2, out.size)(out, out)
    return out


def onehot_to_indices(X: Any) -> np.ndarray:
    """The ids of a one-hot matrix: the column of the single 1 in each row.

    Parameters
    ----------
    X : scipy.sparse matrix or array of shape (n, num_classes)

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        Naming the first row that is not one-hot (not exactly one stored
        non-zero value, or a value other than 1).

    Examples
    --------
    >>> from sparsedense import one_hot
    >>> from sparsedense.functional import onehot_to_indices
    >>> onehot_to_indices(one_hot([2, 0, 1], 3)).tolist()
    [2, 0, 1]
    """
    if not sp.issparse(X):
        raise TypeError(f"X must be a scipy.sparse matrix or array; got {type(X).__name__}")
    return onehot_rows(X, X.shape[1], name="X")


def indices_to_onehot(indices: Any, num_classes: int, dtype=np.float32):
    """One-hot CSR matrix of ``indices`` (the inverse of :func:`onehot_to_indices`).

    The same as :func:`sparsedense.one_hot`.

    Examples
    --------
    >>> from sparsedense.functional import indices_to_onehot
    >>> indices_to_onehot([1, 0], 2).toarray().tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    from ..text import one_hot

    return one_hot(indices, num_classes, dtype=dtype)
