"""TF-IDF weighting of CSR data, in place.

Arithmetic follows scikit-learn's ``TfidfTransformer.transform`` step by step
(``log(tf) + 1``, times ``idf[column]``, then each row divided by its l1 or l2
norm accumulated in float64, by :mod:`.norms`), so results agree to the last
bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches
from .norms import _normalize_csr_row


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
        _normalize_csr_row(data, start, end, norm)


harden_caches(globals())
