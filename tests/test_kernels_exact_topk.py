"""Canonical scores: the fixed-order dot product that defines the dense top-k's ranking.

Top-k results must not depend on tile sizes, block sizes, thread counts or
the BLAS build: BLAS only finds candidates, and the order (and the scores
returned) come from :func:`canonical_dot`, a float64 sum in a fixed order.
"""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense._kernels import _tuning
from sparsedense._kernels.exact_topk import canonical_dot
from sparsedense.similarity import normalize_rows, topk_similar


def canonical_reference(a, b):
    """numpy's statement of the order: eight lanes (column mod 8), the tail on lane 0, a tree."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    n = a.shape[0]
    m = n - n % 8
    lanes = np.zeros(8)
    for j in range(0, m, 8):
        lanes += a[j:j + 8] * b[j:j + 8]
    for j in range(m, n):
        lanes[0] += a[j] * b[j]
    s = lanes
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 300, 301])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_canonical_dot_adds_in_the_stated_order(n, dtype):
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    assert canonical_dot(a, b) == canonical_reference(a, b)


def near_ties(rng, n, dim):
    """Rows that differ from a few shared ones in the last bits: BLAS rounding decides them."""
    base = rng.standard_normal((8, dim)).astype(np.float32)
    rows = base[rng.integers(0, 8, n)]
    return (rows * (1 + rng.integers(-3, 4, (n, 1)) * 2.0 ** -23)).astype(np.float32)


@pytest.mark.parametrize("metric", ["cosine", "dot"])
def test_dense_topk_is_the_same_for_any_tiling(metric):
    rng = np.random.default_rng(5)
    C = near_ties(rng, 3000, 37)
    Q = near_ties(rng, 70, 37)
    want = topk_similar(Q, C, 25, metric=metric)
    for block_size in (1, 3, 16, 17, 64):
        for tile in (1 << 10, 1 << 14):
            with _tuning.override(TOPK_TILE_SCORES=tile):
                got = topk_similar(Q, C, 25, metric=metric, block_size=block_size)
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("metric", ["cosine", "dot"])
def test_dense_topk_scores_are_canonical_and_ranked_by_them(metric):
    rng = np.random.default_rng(6)
    C = near_ties(rng, 500, 19)
    Q = near_ties(rng, 12, 19)
    idx, scores = topk_similar(Q, C, 500, metric=metric)  # the whole ranking
    Qp = normalize_rows(Q) if metric == "cosine" else Q
    Cp = normalize_rows(C) if metric == "cosine" else C
    for q in range(Q.shape[0]):
        ref = np.array([canonical_reference(Qp[q], Cp[c]) for c in range(C.shape[0])],
                       dtype=np.float32)
        order = np.lexsort((np.arange(C.shape[0]), -ref))
        np.testing.assert_array_equal(idx[q], order)
        np.testing.assert_array_equal(scores[q], ref[order])


@pytest.mark.parametrize("exclude_self", [False, True])
def test_topk_of_a_large_corpus_with_ties_is_the_canonical_ranking(exclude_self):
    """Over 512 rows (the heaps fill from a window's k-th best), each row 3-5 times."""
    rng = np.random.default_rng(8)
    base = near_ties(rng, 300, 23)
    C = np.concatenate([base, base[::-1], base[:200], base, base[:100]])  # 1,200 rows
    Q = C[[0, 5, 299, 700, 1199]]  # (exclude_self: query q leaves out row q, not itself)
    idx, scores = topk_similar(Q, C, 25, exclude_self=exclude_self)
    Qp, Cp = normalize_rows(Q), normalize_rows(C)
    for q in range(Q.shape[0]):
        ref = np.array([canonical_reference(Qp[q], Cp[c]) for c in range(C.shape[0])],
                       dtype=np.float32)
        if exclude_self:
            ref[q] = -np.inf  # column q is left out for query q
        order = np.lexsort((np.arange(C.shape[0]), -ref))[:25]
        np.testing.assert_array_equal(idx[q], order)
        np.testing.assert_array_equal(scores[q], ref[order])
