"""Canonical scores: the fixed-order dot product that defines the dense top-k's ranking.

Top-k results must not depend on tile sizes, block sizes, thread counts or
the BLAS build: BLAS only finds candidates, and the order (and the scores
returned) come from :func:`canonical_dot`, a float64 sum in a fixed order.
"""

from __future__ import annotations

import numpy as np
import pytest

import reference
from sparsedense._kernels import _tuning
from sparsedense._kernels.exact_topk import canonical_dot
from sparsedense.similarity import normalize_rows, topk_similar


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 16, 300, 301])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride", [1, 2])
def test_canonical_dot_adds_in_the_stated_order(n, dtype, stride):
    """Rows with unit stride (eight lanes an instruction) and strided ones (a scalar loop)
    add the same products in the same order; mixed float32/float64 rows too."""
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n * stride) * 10.0 ** rng.integers(-8, 8, n * stride))
    a = a.astype(dtype)[::stride]
    b = rng.standard_normal(n).astype(dtype)
    assert canonical_dot(a, b) == reference.canonical_dot(a, b)
    other = np.float64 if dtype == np.float32 else np.float32
    assert canonical_dot(a, b.astype(other)) == reference.canonical_dot(a, b.astype(other))


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
        ref = np.array([reference.canonical_dot(Qp[q], Cp[c]) for c in range(C.shape[0])],
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
        ref = np.array([reference.canonical_dot(Qp[q], Cp[c]) for c in range(C.shape[0])],
                       dtype=np.float32)
        if exclude_self:
            ref[q] = -np.inf  # column q is left out for query q
        order = np.lexsort((np.arange(C.shape[0]), -ref))[:25]
        np.testing.assert_array_equal(idx[q], order)
        np.testing.assert_array_equal(scores[q], ref[order])


def _row_topk(srow, rows, qrow, k, skip):
    """``_exact_row`` on one row with empty heaps: the canonical top-k it keeps, ranked."""
    from sparsedense._kernels.exact_topk import _exact_row

    hs, hi = np.empty(k, srow.dtype), np.empty(k, np.int64)
    cs, ci = np.empty(k, srow.dtype), np.empty(k, np.int64)
    margin = 4 * 2.02 * rows.shape[1] * np.finfo(srow.dtype).eps
    pending = np.empty(srow.shape[0], np.int64)
    n = _exact_row(srow, rows, qrow, 0, k, skip, margin, hs, hi, cs, ci, 0,
                   np.empty(1, srow.dtype), pending, False, np.empty((1, 1), rows.dtype),
                   np.empty(0))
    order = sorted(range(n), key=lambda t: (-cs[t], ci[t]))
    return [int(ci[t]) for t in order], [float(cs[t]) for t in order]


def _brute_topk(rows, qrow, k, skip):
    scored = [(float(np.float32(canonical_dot(qrow, rows[j]))), j)
              for j in range(rows.shape[0]) if j != skip]
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [j for _, j in scored[:k]], [s for s, _ in scored[:k]]


@pytest.mark.parametrize("m, k", [(2048, 10), (4096, 1), (4096, 64), (2048, 100),
                                  (2048, 200), (300, 50), (640, 10), (4100, 10)])
@pytest.mark.parametrize("case", ["random", "ties", "all_equal", "self_is_max",
                                  "one_per_span", "overflow"])
def test_an_empty_heap_is_filled_with_the_exact_topk_of_the_row(m, k, case):
    """The first tile's fill (spans' maxima, or the plain scan when they are too few)
    keeps exactly the canonical top-k, ties by lower index, the own column left out."""
    rng = np.random.default_rng(m + k)
    rows = (near_ties(rng, m, 24) if case == "ties"
            else rng.standard_normal((m, 24)).astype(np.float32))
    qrow = rng.standard_normal(24).astype(np.float32)
    skip = -1
    if case == "all_equal":  # every score ties: the k lowest columns but the own one
        rows[:] = rows[0]
        skip = 3
    if case == "self_is_max":
        skip = int(rng.integers(0, m))
        rows[skip] = qrow * 10  # its own column holds the row's largest score
    if case == "one_per_span":  # one large score every 8 columns, the largest its own
        rows *= 1e-3
        for t in range(m // 8):
            rows[8 * t + 5] = qrow * (1 + t)
        skip = 8 * (m // 8 - 1) + 5
    if case == "overflow":  # more than k rows whose scores are inf (float32 overflows)
        for t in rng.choice(m, size=min(m, k + 70), replace=False):
            rows[t] = qrow / np.abs(qrow).max() * np.float32(3e38)
    with np.errstate(over="ignore"):  # (the overflow case's scores are inf)
        srow = (rows @ qrow).astype(np.float32)
        want = _brute_topk(rows, qrow, k, skip)
    assert _row_topk(srow, rows, qrow, k, skip) == want
