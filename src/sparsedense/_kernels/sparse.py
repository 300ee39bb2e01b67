"""Structural checks of scipy.sparse arrays: one pass over the index arrays.

A compressed sparse matrix (CSR, CSC, BSR) is trusted by every kernel that
reads it: a column index out of range reads or writes outside a table, a
decreasing ``indptr`` makes a row's range run backwards. scipy checks only
the lengths of the arrays when a matrix is built, and its full check
(``check_format(full_check=True)``) takes several numpy passes; this is one
pass that stops at the first fault and says where it is.
"""

from __future__ import annotations

from numba import njit

from ._config import JIT_OPTIONS, harden_caches

#: fault codes returned by :func:`_compressed_fault`
OK = 0
FIRST_NOT_ZERO = 1
DECREASING = 2
PAST_END = 3
OUT_OF_RANGE = 4


@njit(**JIT_OPTIONS)
def _compressed_fault(indptr, indices, n_minor):
    """``(code, position)`` of the first structural fault of a compressed matrix, or ``(0, -1)``.

    Checks ``indptr[0] == 0``, ``indptr`` non-decreasing, ``indptr[-1] <=
    len(indices)`` and ``0 <= indices[p] < n_minor`` for every stored ``p <
    indptr[-1]``. Positions are into ``indptr`` for the first three faults
    and into ``indices`` for the last.
    """
    n = indptr.shape[0]
    if n == 0:
        return OK, -1
    if indptr[0] != 0:
        return FIRST_NOT_ZERO, 0
    for i in range(1, n):
        if indptr[i] < indptr[i - 1]:
            return DECREASING, i
    end = indptr[n - 1]
    if end > indices.shape[0]:
        return PAST_END, n - 1
    p = _first_out_of_range(indices[:end], n_minor)
    return (OUT_OF_RANGE, p) if p >= 0 else (OK, -1)


@njit(**JIT_OPTIONS)
def _first_out_of_range(values, upper):
    """Position of the first value outside ``[0, upper)``, or -1 (indices, COO coordinates).

    One vectorised comparison a value; the position is looked for only on failure.
    """
    bad = False
    for p in range(values.shape[0]):
        v = values[p]
        bad |= (v < 0) | (v >= upper)
    if bad:
        for p in range(values.shape[0]):
            v = values[p]
            if v < 0 or v >= upper:
                return p
    return -1


harden_caches(globals())
