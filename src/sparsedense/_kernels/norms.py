"""Row norms and row normalisation: every l1/l2 kernel of the package, side by side.

Two computations live here and stay apart, because they round differently
and each must keep the results its callers are compared with:

* **Dense rows** (:func:`row_sum_squares`, :func:`_normalize_rows_l2`): each
  value is promoted to float64 before it is squared, the squares are added
  as :func:`.dots.canonical_dot` adds products (eight lanes, column mod 8,
  then a fixed tree: eight columns an instruction), and a row is scaled by
  multiplying with ``1 / sqrt(sum)``;
  a row whose sum is not positive (zeros, NaN) is copied as it is. Cosine
  similarity's norms (``similarity._row_norms``) and ``max_norm``'s l2 norm
  (``lookup._renorm_rows``) are this sum's square root.
* **CSR rows, in place** (:func:`_normalize_rows_inplace`): scikit-learn's
  ``normalize`` step by step, so that TF-IDF agrees with it to the last bit:
  each square is rounded in the data's dtype and added into float64, each
  value is *divided* by the norm, and a row whose norm is 0 is left alone.
  l1 is here too.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._simd import SQUARE_ROWS, square_lanes8_rows
from .dots import canonical_dot, lane_total

#: the ``norm`` codes of the CSR kernels
NORM_NONE = 0
NORM_L1 = 1
NORM_L2 = 2


# -- dense rows: float64 squares, scaled by the reciprocal of the norm -------------------------

@njit(inline="always", **JIT_OPTIONS)
def row_sum_squares(X, r):
    """``sum_j float64(X[r, j]) ** 2``, added as :func:`.dots.canonical_dot` adds."""
    return canonical_dot(X[r], X[r])


@njit(inline="always", **JIT_OPTIONS)
def _scale_row_l2(src, out, r, s):
    """``out[r] = src[r] / sqrt(s)`` as a product with the reciprocal; copied when ``s <= 0``."""
    if s > 0.0:
        inv = 1.0 / np.sqrt(s)
        for j in range(src.shape[1]):
            out[r, j] = src[r, j] * inv
    else:  # zeros (or NaN) are copied as they are
        for j in range(src.shape[1]):
            out[r, j] = src[r, j]


@njit(**JIT_OPTIONS)
def _normalize_row_l2(src, out, r):
    """Row ``r`` of :func:`_normalize_rows_l2`."""
    _scale_row_l2(src, out, r, row_sum_squares(src, r))


@njit(**JIT_OPTIONS)
def _normalize_rows_side_by_side(src, out, r):
    """Rows ``r .. r + SQUARE_ROWS - 1`` as :func:`_normalize_row_l2` does each.

    Their sums of squares are added side by side (:func:`._simd.square_lanes8_rows`),
    each exactly as :func:`row_sum_squares` adds it, so every output value is
    the one-row kernel's. ``src`` has unit stride along its rows.
    """
    dim = src.shape[1]
    m = dim - dim % 8
    t = square_lanes8_rows(src, r, m)
    for i in range(SQUARE_ROWS):
        row = src[r + i]
        k = 8 * i
        s = lane_total(row, row, m, t[k], t[k + 1], t[k + 2], t[k + 3], t[k + 4], t[k + 5],
                       t[k + 6], t[k + 7])
        _scale_row_l2(src, out, r + i, s)


@parallel_kernel
def _normalize_rows_l2(src, out):
    """``out`` = the rows of ``src`` scaled to unit l2 norm (rows of zeros stay zero).

    ``out`` may be ``src`` (in place); otherwise it has ``src``'s shape and
    dtype, and the copy and the scaling are one pass over memory. Rows with
    unit stride go ``SQUARE_ROWS`` at a time (:func:`_normalize_rows_side_by_side`).
    """
    n = src.shape[0]
    step = SQUARE_ROWS if src.strides[1] == src.itemsize else 1
    for g in prange(n // step):
        if step == 1:
            _normalize_row_l2(src, out, g)
        else:
            _normalize_rows_side_by_side(src, out, g * step)
    for r in range(n - n % step, n):
        _normalize_row_l2(src, out, r)


# -- CSR rows in place: scikit-learn's arithmetic (squares in the data's dtype, a division) ----

@njit(**JIT_OPTIONS)
def _normalize_csr_row(data, start, end, norm):
    """Divide ``data[start:end]`` by its l1 or l2 norm (``norm``: a ``NORM_*`` code)."""
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
        _normalize_csr_row(data, indptr[r], indptr[r + 1], norm)


harden_caches(globals())
