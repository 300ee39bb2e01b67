"""The fixed-order float64 dot product every exact ranking and every dense norm shares.

:func:`canonical_dot` adds the float64 products of two rows in eight lanes
(column mod 8) and then a fixed tree, so its result is the same in every
kernel, on every machine and for any thread count: the exact top-k ranks by
it (:mod:`.exact_topk`), and a dense row's sum of squares is it applied to
the row twice (:mod:`.norms`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches
from ._simd import dot_lanes8


@njit(**JIT_OPTIONS)
def canonical_dot(a, b):
    """``a . b`` as float64 products added in eight lanes (column mod 8), then a fixed tree.

    The lanes make eight independent chains (fast, where one chain is bound by
    the adder's latency); the order of every addition is fixed by this code,
    so the result is the same in every kernel and on every machine. Products
    of float32 values are exact in float64. Rows with unit stride are summed
    eight lanes an instruction (:func:`._simd.dot_lanes8`, the same additions).
    """
    n = a.shape[0]
    m = n - n % 8
    if a.strides[0] == a.itemsize and b.strides[0] == b.itemsize:
        s0, s1, s2, s3, s4, s5, s6, s7 = dot_lanes8(a, b, m)
    else:
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
        for j in range(0, m, 8):
            s0 += np.float64(a[j]) * np.float64(b[j])
            s1 += np.float64(a[j + 1]) * np.float64(b[j + 1])
            s2 += np.float64(a[j + 2]) * np.float64(b[j + 2])
            s3 += np.float64(a[j + 3]) * np.float64(b[j + 3])
            s4 += np.float64(a[j + 4]) * np.float64(b[j + 4])
            s5 += np.float64(a[j + 5]) * np.float64(b[j + 5])
            s6 += np.float64(a[j + 6]) * np.float64(b[j + 6])
            s7 += np.float64(a[j + 7]) * np.float64(b[j + 7])
    return lane_total(a, b, m, s0, s1, s2, s3, s4, s5, s6, s7)


@njit(inline="always", **JIT_OPTIONS)
def lane_total(a, b, m, s0, s1, s2, s3, s4, s5, s6, s7):
    """:func:`canonical_dot` from its eight lane sums over ``a[:m] . b[:m]``: the columns
    from ``m`` on added to lane 0, then the lanes as a fixed tree."""
    for j in range(m, a.shape[0]):
        s0 += np.float64(a[j]) * np.float64(b[j])
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


harden_caches(globals())
