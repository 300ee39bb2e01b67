"""TF-IDF weighting and row normalisation of CSR data, in place.

Arithmetic follows scikit-learn's ``TfidfTransformer.transform`` step by step
(``log(tf) + 1``, times ``idf[column]``, then each row divided by its l1 or l2
norm accumulated in float64), so results agree to the last bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches

NORM_NONE = 0
NORM_L1 = 1
NORM_L2 = 2


@njit(**JIT_OPTIONS)
def _tfidf_inplace(indptr, indices, data, idf, use_idf, sublinear_tf, norm):
    """Weight ``data`` in place: sublinear tf, idf, then per-row normalisation."""
    n_rows = indptr.shape[0] - 1
    for r in range(n_rows):
        start = indptr[r]
        end = indptr[r + 1]
        for p in range(start, end):
            x = data[p]
            if sublinear_tf:
                x = np.log(x) + 1.0
            if use_idf:
                x = x * idf[indices[p]]
            data[p] = x
        _normalize_row(data, start, end, norm)


@njit(**JIT_OPTIONS)
def _normalize_row(data, start, end, norm):
    if norm == NORM_NONE:
        return
    s = 0.0
    if norm == NORM_L2:
        for p in range(start, end):
            s += data[p] * data[p]
        if s == 0.0:
            return
        s = np.sqrt(s)
    else:
        for p in range(start, end):
            s += abs(data[p])
        if s == 0.0:
            return
    for p in range(start, end):
        data[p] = data[p] / s


@njit(**JIT_OPTIONS)
def _normalize_rows_inplace(indptr, data, norm):
    """Divide each CSR row by its l1 or l2 norm (rows of zeros stay zero)."""
    for r in range(indptr.shape[0] - 1):
        _normalize_row(data, indptr[r], indptr[r + 1], norm)


harden_caches(globals())
