"""Positive pointwise mutual information of a co-occurrence matrix, on its stored entries only."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._base.params import Bool, Real, check_params
from .._base.validation import _short

_OWNER = "ppmi"
#: the parameters of :func:`ppmi`, checked in this order
_CONSTRAINTS = {
    "alpha": Real(0.0, 1.0, low_open=True),
    "shift": Real(0.0, low_open=True),
    "positive": Bool(),
}


def check_counts(C: Any, owner: str, name: str = "C", square: bool = False):
    """A co-occurrence matrix as a canonical CSR copy of float32/float64 counts.

    Any scipy.sparse format or dense 2-D array is accepted (ints and bools
    become float64). Refused: other types or shapes (TypeError / ValueError),
    NaN, inf and negative counts (ValueError naming the first such entry),
    and, with ``square``, a non-square matrix. Explicit zeros are dropped.
    """
    from .._base.sparse import as_csr

    if isinstance(C, (str, bytes)) or C is None:
        raise TypeError(f"{owner}: {name} must be a scipy.sparse matrix or a 2-D array of "
                        f"counts; got {type(C).__name__} {_short(C)}")
    try:
        X = as_csr(C, name)
    except TypeError as exc:
        raise TypeError(f"{owner}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{owner}: {exc}") from None
    if X.ndim != 2:
        raise ValueError(f"{owner}: {name} must be 2-D; got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: {name} must hold real counts; got dtype {X.dtype}")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if square and X.shape[0] != X.shape[1]:
        raise ValueError(f"{owner}: {name} must be square (word x word co-occurrences); got "
                         f"shape {X.shape}")
    bad = ~np.isfinite(X.data) | (X.data < 0)
    if bad.any():
        k = int(np.argmax(bad))
        row = int(np.searchsorted(X.indptr, k, side="right") - 1)
        what = "negative" if np.isfinite(X.data[k]) else "not finite"
        raise ValueError(f"{owner}: {name}[{row}, {int(X.indices[k])}] = {float(X.data[k])!r} is "
                         f"{what}; co-occurrence counts must be finite and >= 0")
    X.eliminate_zeros()
    X.sort_indices()
    return X


def ppmi(C: Any, alpha: float = 0.75, shift: float = 1.0, positive: bool = True):
    """Shifted positive PMI with context-distribution smoothing, on the stored entries of ``C``.

    For a word x context count matrix ``C`` (e.g. from
    :func:`~sparsedense.models.cooccurrence_matrix`), the PMI of a stored
    entry is (Levy, Goldberg & Dagan 2015)::

        PMI(w, c) = log( C[w, c] * Z / (row_w * col_c ** alpha) ) - log(shift)

    with ``row_w = sum_c C[w, c]``, ``col_c = sum_w C[w, c]`` and
    ``Z = sum_c col_c ** alpha`` (context counts raised to ``alpha``:
    smoothing that lifts rare contexts' probability; ``alpha=1`` is plain
    PMI). ``shift`` is word2vec's number of negative samples (SPPMI).
    With ``positive=True``, entries ``<= 0`` are dropped (PPMI). A Numba
    kernel over the CSR arrays: the matrix is never densified, and entries
    absent from ``C`` (zero counts, where PMI is ``-inf``) stay absent.

    Parameters
    ----------
    C : scipy.sparse matrix or 2-D array of shape (n_words, n_contexts)
        Non-negative counts (explicit zeros are ignored).
    alpha : float in (0, 1], default=0.75
    shift : float > 0, default=1.0
    positive : bool, default=True
        Keep only entries > 0. ``False`` keeps every stored entry of ``C``
        (negative PMI included), so the result has its sparsity.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_words, n_contexts)
        float32 for float32 ``C``, else float64; sorted indices. Rows and
        columns of ``C`` without counts are empty (no NaN, no inf).

    Raises
    ------
    TypeError
        ``C`` is not a matrix of real numbers; a parameter of the wrong type.
    ValueError
        Negative, NaN or infinite counts; ``alpha`` outside (0, 1];
        ``shift <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.models import ppmi
    >>> C = np.array([[0, 4, 1], [4, 0, 0], [1, 0, 2]])
    >>> ppmi(C, alpha=1.0).toarray().round(3)
    array([[0.   , 0.875, 0.   ],
           [0.875, 0.   , 0.   ],
           [0.   , 0.   , 0.981]])
    """
    from .._kernels import cooc
    from .._kernels._dispatch import choose
    from .._base.sparse import make_csr

    params = check_params({"alpha": alpha, "shift": shift, "positive": positive},
                          _CONSTRAINTS, _OWNER)
    X = check_counts(C, _OWNER)
    return _ppmi_csr(X, params["alpha"], params["shift"], params["positive"], cooc, choose,
                     make_csr)


def _ppmi_csr(X: sp.csr_matrix, alpha: float, shift: float, positive: bool, cooc, choose,
              make_csr):
    n_rows, n_cols = X.shape
    row = np.asarray(X.sum(axis=1, dtype=np.float64)).ravel()
    col = np.bincount(X.indices, weights=X.data.astype(np.float64), minlength=n_cols)
    with np.errstate(divide="ignore"):
        log_row = np.log(row)
        log_col = np.log(col)
    used = col > 0
    offset = float(np.log(np.sum(col[used] ** alpha)) - np.log(shift)) if used.any() else 0.0
    vals = np.empty(X.nnz, np.float64)
    kept = np.empty(n_rows, np.int64)
    choose(cooc.ppmi_values, X.nnz)(
        X.indptr, X.indices, X.data, log_row, log_col, alpha, offset, vals, kept)
    if not positive:
        return make_csr(X.indptr, X.indices, vals.astype(X.dtype, copy=False), X.shape)
    out_ptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(kept, out=out_ptr[1:])
    out_indices = np.empty(int(out_ptr[-1]), X.indices.dtype)
    out_data = np.empty(int(out_ptr[-1]), X.dtype)
    choose(cooc.keep_positive, X.nnz)(
        X.indptr, X.indices, vals, out_ptr, out_indices, out_data)
    return make_csr(out_ptr, out_indices, out_data, X.shape)
