"""cosine_similarity, topk_similar and normalize_rows against scikit-learn and brute force.

* ``cosine_similarity`` is compared with ``sklearn.metrics.pairwise.cosine_similarity``
  (the real peer) for every mix of dense / sparse and float32 / float64
  inputs, rows of zeros included; the result dtype follows scikit-learn's
  rule (float32 only when both inputs are float32).
* ``topk_similar`` is compared with the brute-force answer
  ``np.argsort(-S, kind="stable")[:, :k]`` of the full similarity matrix: same
  indices (ties broken by lower index), same scores. Exact ties are made with
  data whose products are exact in floating point (entries 0 / 1 with four
  ones per row, so unit rows hold 0.5 and every cosine is a multiple of 1/4).
* Memory: the score tiles handed to the top-k kernels have at most
  ``block_size`` queries (dense: and about ``TOPK_TILE_SCORES`` scores), cover
  every pair exactly once, and the traced peak stays far below the full
  ``Q x N`` matrix.
* Determinism: bit-identical results with ``NUMBA_NUM_THREADS=1`` and ``=2``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

import sparsedense
import sparsedense._kernels.exact_topk as kexact
import sparsedense._kernels.similarity as ksim
from sparsedense.similarity import cosine_similarity, normalize_rows, topk_similar

HYP = settings(max_examples=40, deadline=None)

SPARSE_FORMATS = {
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
    "coo": sp.coo_matrix,
    "csr_array": sp.csr_array,
}


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


def random_matrix(rng, n, d, dtype=np.float64, density=0.3, zero_rows=(), nan_rows=()):
    """Dense (n, d) with about ``density`` non-zeros; the listed rows are all zero / all NaN."""
    X = rng.standard_normal((n, d))
    X[rng.random((n, d)) >= density] = 0.0
    for i in zero_rows:
        X[i] = 0.0
    for i in nan_rows:
        X[i] = np.nan
    return X.astype(dtype)


def as_kind(X, kind):
    return X if kind == "dense" else SPARSE_FORMATS[kind](X)


def brute_topk(S, k, exclude_self=False):
    """Reference top-k from the full similarity matrix: stable sort, ties -> lower index."""
    S = np.array(S, dtype=np.float64, copy=True)
    if exclude_self:
        n = min(S.shape)
        S[np.arange(n), np.arange(n)] = -np.inf
    idx = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(S, idx, axis=1)


def full_scores(Q, C, metric):
    """The full Q x N score matrix in float64 (sklearn for cosine, numpy for dot)."""
    Qd = Q.toarray() if sp.issparse(Q) else np.asarray(Q)
    Cd = C.toarray() if sp.issparse(C) else np.asarray(C)
    Qd, Cd = Qd.astype(np.float64), Cd.astype(np.float64)
    if metric == "cosine":
        return sk_cosine(Qd, Cd)
    return Qd @ Cd.T


# ---------------------------------------------------------------------------
# cosine_similarity vs scikit-learn

KINDS = ["dense", "csr", "csc", "coo", "csr_array"]


@pytest.mark.parametrize("kind_a", KINDS)
@pytest.mark.parametrize("kind_b", ["dense", "csr", "coo", None])
def test_cosine_matches_sklearn_kinds(rng, kind_a, kind_b):
    A = random_matrix(rng, 23, 17, zero_rows=(0, 5))
    B = random_matrix(rng, 11, 17, zero_rows=(3,))
    a = as_kind(A, kind_a)
    if kind_b is None:
        got, ref = cosine_similarity(a), sk_cosine(a)
    else:
        b = as_kind(B, kind_b)
        got, ref = cosine_similarity(a, b), sk_cosine(a, b)
    assert isinstance(got, np.ndarray)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)
    assert got.dtype == ref.dtype == np.float64


@HYP
@given(n_a=st.integers(1, 12), n_b=st.integers(1, 12), d=st.integers(1, 9),
       dtype_a=st.sampled_from([np.float32, np.float64]),
       dtype_b=st.sampled_from([np.float32, np.float64, None]),
       kind_a=st.sampled_from(KINDS), kind_b=st.sampled_from(KINDS),
       density=st.sampled_from([0.0, 0.2, 0.6, 1.0]), seed=st.integers(0, 2**32 - 1))
def test_cosine_matches_sklearn_hypothesis(n_a, n_b, d, dtype_a, dtype_b, kind_a, kind_b,
                                          density, seed):
    rng = np.random.default_rng(seed)
    A = random_matrix(rng, n_a, d, dtype_a, density)
    a = as_kind(A, kind_a)
    if dtype_b is None:  # B=None: A against itself
        got, ref = cosine_similarity(a), sk_cosine(a)
        expected_dtype = np.dtype(dtype_a)
    else:
        b = as_kind(random_matrix(rng, n_b, d, dtype_b, density), kind_b)
        got, ref = cosine_similarity(a, b), sk_cosine(a, b)
        expected_dtype = np.dtype(np.float32 if dtype_a == dtype_b == np.float32
                                  else np.float64)
    assert isinstance(got, np.ndarray)
    assert got.dtype == expected_dtype == ref.dtype
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_cosine_empty_inputs(kind):
    """scikit-learn refuses 0 rows; sparsedense gives the empty (n_a, n_b) matrix."""
    A = as_kind(np.zeros((0, 3)), kind)
    B = as_kind(np.ones((2, 3)), kind)
    assert cosine_similarity(A, B).shape == (0, 2)
    assert cosine_similarity(B, A).shape == (2, 0)
    assert cosine_similarity(A).shape == (0, 0)


@pytest.mark.parametrize("dtype_a,dtype_b,expected", [
    (np.float32, np.float32, np.float32),
    (np.float32, np.float64, np.float64),
    (np.float64, np.float32, np.float64),
    (np.float64, np.float64, np.float64),
    (np.int64, np.int64, np.float64),
    (np.int32, np.float32, np.float64),
])
@pytest.mark.parametrize("kinds", [("dense", "dense"), ("csr", "csr"), ("csr", "dense"),
                                   ("dense", "csr")])
def test_cosine_result_dtype_rule(rng, dtype_a, dtype_b, expected, kinds):
    A = (random_matrix(rng, 6, 5) * 10).astype(dtype_a)
    B = (random_matrix(rng, 4, 5) * 10).astype(dtype_b)
    a, b = as_kind(A, kinds[0]), as_kind(B, kinds[1])
    got = cosine_similarity(a, b)
    assert got.dtype == np.dtype(expected)
    assert got.dtype == sk_cosine(a, b).dtype
    np.testing.assert_allclose(got, sk_cosine(A.astype(np.float64), B.astype(np.float64)),
                               atol=1e-6)


@pytest.mark.parametrize("kinds", [("dense", "dense"), ("csr", "csr"), ("csr", "dense"),
                                   ("dense", "csc")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cosine_zero_rows_give_zero_without_warning(kinds, dtype):
    A = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 0.0]], dtype=dtype)
    B = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = cosine_similarity(as_kind(A, kinds[0]), as_kind(B, kinds[1]))
        self_sim = cosine_similarity(as_kind(A, kinds[0]))
    assert not np.isnan(got).any() and not np.isnan(self_sim).any()
    expected = np.array([[0.0, 0.0], [0.0, 3.0 / (5.0 * np.sqrt(5.0))], [0.0, 0.0]])
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(got, sk_cosine(A, B), atol=1e-6)
    # a zero row is similar to nothing, not even to itself (scikit-learn's rule)
    assert self_sim[0, 0] == 0.0 and self_sim[2, 2] == 0.0 and self_sim[0, 2] == 0.0
    np.testing.assert_allclose(self_sim[1, 1], 1.0, atol=1e-6)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "csr_array"])
def test_cosine_dense_output_false_two_sparse_is_sparse(rng, fmt):
    A = as_kind(random_matrix(rng, 9, 12, density=0.2, zero_rows=(2,)), fmt)
    B = as_kind(random_matrix(rng, 7, 12, density=0.2), fmt)
    got = cosine_similarity(A, B, dense_output=False)
    assert sp.issparse(got)
    ref = sk_cosine(A, B, dense_output=False)
    np.testing.assert_allclose(got.toarray(), ref.toarray(), atol=1e-6)
    got_self = cosine_similarity(A, dense_output=False)
    assert sp.issparse(got_self)
    np.testing.assert_allclose(got_self.toarray(), sk_cosine(A).astype(np.float64), atol=1e-6)
    # with dense_output=True (the default) two sparse inputs give an ndarray
    assert isinstance(cosine_similarity(A, B), np.ndarray)


def test_cosine_one_hot_rows_are_orthogonal():
    ids = [0, 3, 1, 3, 7, 2]
    X = sparsedense.one_hot(ids, 8)
    S = cosine_similarity(X)
    same = np.equal.outer(ids, ids)
    assert np.all(S[~same] == 0.0)  # exactly 0, not approximately
    assert np.all(S[same] == 1.0)
    # the dense equivalent gives the same exact zeros
    Sd = cosine_similarity(X.toarray())
    assert np.all(Sd[~same] == 0.0)
    # and the sparse x dense mix
    assert np.all(cosine_similarity(X, X.toarray())[~same] == 0.0)


def test_cosine_does_not_modify_inputs(rng):
    A = random_matrix(rng, 5, 4, zero_rows=(1,))
    A_sp = sp.csr_matrix(A)
    before = (A.copy(), A_sp.data.copy(), A_sp.indices.copy(), A_sp.indptr.copy())
    cosine_similarity(A, A_sp)
    cosine_similarity(A_sp)
    normalize_rows(A)
    normalize_rows(A_sp)
    np.testing.assert_array_equal(A, before[0])
    np.testing.assert_array_equal(A_sp.data, before[1])
    np.testing.assert_array_equal(A_sp.indices, before[2])
    np.testing.assert_array_equal(A_sp.indptr, before[3])


def test_cosine_non_contiguous_and_readonly_inputs(rng):
    base = random_matrix(rng, 10, 16)
    A = base[::2, ::2]  # non-contiguous view
    B = base[1::3, 1::2].copy()
    B.flags.writeable = False
    np.testing.assert_allclose(cosine_similarity(A, B), sk_cosine(A, B), atol=1e-6)


@pytest.mark.parametrize("kinds", [("dense", "dense"), ("csr", "csr"), ("dense", "csr")])
def test_cosine_column_mismatch_raises(rng, kinds):
    A = as_kind(random_matrix(rng, 3, 4), kinds[0])
    B = as_kind(random_matrix(rng, 3, 5), kinds[1])
    with pytest.raises(ValueError, match=r"columns.*4.*5"):
        cosine_similarity(A, B)


def test_cosine_complex_raises_type_error():
    A = np.ones((2, 3), dtype=np.complex128)
    with pytest.raises(TypeError, match="complex128"):
        cosine_similarity(A)
    with pytest.raises(TypeError, match="complex"):
        cosine_similarity(np.ones((2, 3)), sp.csr_matrix(A))
    with pytest.raises(TypeError):
        cosine_similarity(np.array([["a", "b"]]))


@pytest.mark.parametrize("bad", [np.ones(3), np.ones((2, 2, 2)), 5.0])
def test_cosine_wrong_ndim_raises_value_error(bad):
    with pytest.raises(ValueError, match="2-D"):
        cosine_similarity(bad)
    with pytest.raises(ValueError, match="2-D"):
        cosine_similarity(np.ones((2, 3)), bad)


# ---------------------------------------------------------------------------
# normalize_rows


@pytest.mark.parametrize("kind", ["dense", "csr", "coo"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_rows_unit_norms_and_zero_rows(rng, kind, dtype):
    X = random_matrix(rng, 20, 7, dtype, zero_rows=(0, 13))
    out = normalize_rows(as_kind(X, kind))
    dense = out.toarray() if sp.issparse(out) else out
    assert sp.issparse(out) == (kind != "dense")
    assert dense.dtype == np.dtype(dtype)
    norms = np.linalg.norm(dense.astype(np.float64), axis=1)
    nonzero = np.linalg.norm(X, axis=1) > 0
    np.testing.assert_allclose(norms[nonzero], 1.0, atol=1e-6)
    assert np.all(dense[~nonzero] == 0.0)
    ref = X.astype(np.float64) / np.where(nonzero, np.linalg.norm(X.astype(np.float64),
                                                                   axis=1), 1.0)[:, None]
    np.testing.assert_allclose(dense, ref, atol=1e-6)


def test_normalize_rows_sums_duplicate_sparse_entries():
    # COO with a duplicate entry (1, 0) twice: the row is (2, 0, 0) -> (1, 0, 0)
    X = sp.coo_matrix((np.array([1.0, 1.0, 3.0, 4.0]),
                       (np.array([1, 1, 0, 0]), np.array([0, 0, 1, 2]))), shape=(2, 3))
    out = normalize_rows(X).toarray()
    np.testing.assert_allclose(out, [[0.0, 0.6, 0.8], [1.0, 0.0, 0.0]], atol=1e-12)


# ---------------------------------------------------------------------------
# topk_similar vs brute force


@pytest.mark.parametrize("q_kind", ["dense", "csr"])
@pytest.mark.parametrize("c_kind", ["dense", "csr", None])
@pytest.mark.parametrize("metric", ["cosine", "dot"])
@pytest.mark.parametrize("exclude_self", [False, True])
@pytest.mark.parametrize("block_size", [1, 7, None])
def test_topk_matches_brute_force(rng, q_kind, c_kind, metric, exclude_self, block_size):
    n_c, d, k = 53, 12, 6
    C = random_matrix(rng, n_c, d, density=0.5, zero_rows=(4,))
    if c_kind is None:
        Q, corpus = as_kind(C, q_kind), None
        S = full_scores(C, C, metric)
    else:
        Qd = random_matrix(rng, 19, d, density=0.5, zero_rows=(2,))
        Q, corpus = as_kind(Qd, q_kind), as_kind(C, c_kind)
        S = full_scores(Qd, C, metric)
    idx, scores = topk_similar(Q, corpus, k=k, exclude_self=exclude_self,
                               block_size=block_size, metric=metric)
    ref_idx, ref_scores = brute_topk(S, k, exclude_self)
    assert idx.dtype == np.int64 and idx.shape == (S.shape[0], k)
    assert scores.shape == (S.shape[0], k) and scores.dtype == np.float64
    # Rows of zeros give score 0 with several columns, so ties are real here:
    # the brute-force order (lower index first) must be reproduced exactly.
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-9)


@HYP
@given(n_q=st.integers(1, 30), n_c=st.integers(1, 40), d=st.integers(1, 8),
       k_frac=st.floats(0.0, 1.0), block_size=st.sampled_from([1, 2, 3, 7, 64, None]),
       metric=st.sampled_from(["cosine", "dot"]), exclude_self=st.booleans(),
       q_sparse=st.booleans(), c_sparse=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_topk_matches_brute_force_hypothesis(n_q, n_c, d, k_frac, block_size, metric,
                                             exclude_self, q_sparse, c_sparse, seed):
    rng = np.random.default_rng(seed)
    # integer-valued data: 'dot' scores are exact, so the brute-force order is exact
    Cd = rng.integers(-2, 3, size=(n_c, d)).astype(np.float64)
    Qd = rng.integers(-2, 3, size=(n_q, d)).astype(np.float64)
    if exclude_self:
        n_q = min(n_q, n_c)
        Qd = Qd[:n_q]
    available = n_c - int(exclude_self)
    if available < 1:
        return
    k = 1 + int(k_frac * (available - 1))
    Q = sp.csr_matrix(Qd) if q_sparse else Qd
    C = sp.csr_matrix(Cd) if c_sparse else Cd
    idx, scores = topk_similar(Q, C, k=k, exclude_self=exclude_self, block_size=block_size,
                               metric=metric)
    S = full_scores(Qd, Cd, metric)
    ref_idx, ref_scores = brute_topk(S, k, exclude_self)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-9)
    if metric == "dot":  # exact scores: exact order
        np.testing.assert_array_equal(idx, ref_idx)
    else:  # cosine scores may differ in the last bit: same score at the chosen columns
        np.testing.assert_allclose(np.take_along_axis(S, idx, axis=1), ref_scores, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_topk_float32_scores_and_dtype(rng, dtype, kind):
    C = rng.standard_normal((300, 24)).astype(dtype)
    Q = C[:40]
    idx, scores = topk_similar(as_kind(Q, kind), as_kind(C, kind), k=10, exclude_self=True)
    assert scores.dtype == np.dtype(dtype)
    S = sk_cosine(Q.astype(np.float64), C.astype(np.float64))
    ref_idx, ref_scores = brute_topk(S, 10, exclude_self=True)
    # continuous random data: no near-ties at float32 precision in the top 10
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-6)


@pytest.mark.parametrize("exclude_self", [False, True])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_topk_k_equal_to_available_rows_is_a_full_sort(rng, exclude_self, kind):
    C = random_matrix(rng, 25, 6, zero_rows=(3, 9))
    k = 25 - int(exclude_self)
    idx, scores = topk_similar(as_kind(C, kind), k=k, exclude_self=exclude_self, block_size=4)
    ref_idx, ref_scores = brute_topk(sk_cosine(C), k, exclude_self)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-9)
    assert np.all(idx >= 0)  # no empty slot left
    for row in idx:  # every available column exactly once
        assert len(set(row.tolist())) == k


@pytest.mark.parametrize("exclude_self,k", [(False, 26), (True, 25), (False, 100)])
def test_topk_k_too_big_raises(rng, exclude_self, k):
    C = random_matrix(rng, 25, 6)
    with pytest.raises(ValueError, match=rf"k = {k}"):
        topk_similar(C, k=k, exclude_self=exclude_self)


@pytest.mark.parametrize("kwargs,exc,pattern", [
    ({"k": 0}, ValueError, "k must be"),
    ({"k": 2.0}, ValueError, "k must be"),
    ({"k": True}, ValueError, "k must be"),
    ({"block_size": 0}, ValueError, "block_size"),
    ({"metric": "euclidean"}, ValueError, "metric"),
])
def test_topk_bad_arguments(rng, kwargs, exc, pattern):
    C = random_matrix(rng, 10, 3)
    with pytest.raises(exc, match=pattern):
        topk_similar(C, **kwargs)


def test_topk_input_errors(rng):
    with pytest.raises(ValueError, match="columns"):
        topk_similar(np.ones((3, 4)), np.ones((5, 3)), k=1)
    with pytest.raises(ValueError, match="2-D"):
        topk_similar(np.ones(4), k=1)
    with pytest.raises(TypeError, match="complex"):
        topk_similar(np.ones((3, 2), dtype=complex), k=1)
    with pytest.raises(ValueError, match="exclude_self"):
        topk_similar(np.ones((6, 2)), np.ones((4, 2)), k=1, exclude_self=True)


@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("metric", ["cosine", "dot"])
@pytest.mark.parametrize("block_size", [1, 3, 7, None])
def test_topk_exact_ties_broken_by_lower_index(kind, metric, block_size):
    """Duplicate corpus rows (exactly equal scores) come out lowest index first.

    Rows hold four ones, so unit rows hold exactly 0.5 and every cosine or dot
    product is exact; the duplicates are spread over the whole corpus and the
    queries over several blocks.
    """
    rng = np.random.default_rng(7)
    d = 10
    patterns = np.zeros((6, d))
    for p in range(6):
        patterns[p, rng.choice(d, 4, replace=False)] = 1.0
    which = rng.integers(0, 6, size=40)  # 40 corpus rows, about 7 copies of each pattern
    C = patterns[which]
    Q = patterns[[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4]]
    idx, scores = topk_similar(as_kind(Q, kind), as_kind(C, kind), k=12, metric=metric,
                               block_size=block_size)
    S = Q @ C.T if metric == "dot" else (Q / 2.0) @ (C / 2.0).T
    ref_idx, ref_scores = brute_topk(S, 12)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(scores, ref_scores)
    # and within one query: equal scores have increasing indices
    for i_row, s_row in zip(idx, scores):
        for a in range(11):
            if s_row[a] == s_row[a + 1]:
                assert i_row[a] < i_row[a + 1]


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_topk_self_ties_exclude_self(kind):
    """With duplicate rows and exclude_self, the twin (not the row itself) comes first."""
    X = np.array([[1.0, 1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0, 1.0],
                  [1.0, 1.0, 1.0, 1.0, 0.0]])
    idx, scores = topk_similar(as_kind(X, kind), k=3, exclude_self=True, block_size=1)
    assert idx.tolist() == [[1, 3, 2], [0, 3, 2], [0, 1, 3], [0, 1, 2]]
    np.testing.assert_array_equal(scores[[0, 1, 3], :2], 1.0)
    np.testing.assert_array_equal(scores[2], 0.75)


@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("metric", ["cosine", "dot"])
@pytest.mark.parametrize("block_size", [1, 4, None])
def test_topk_nan_rows_do_not_crash(rng, kind, metric, block_size):
    """NaN rows: no crash, NaN scores rank below every number (where argsort puts them)."""
    C = random_matrix(rng, 30, 5, density=1.0, nan_rows=(3, 17))
    Q = random_matrix(rng, 9, 5, density=1.0, nan_rows=(0, 6))
    with np.errstate(invalid="ignore"):
        idx, scores = topk_similar(as_kind(Q, kind), as_kind(C, kind), k=8, metric=metric,
                                   block_size=block_size)
        Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True) if metric == "cosine" else Q
        Cn = C / np.linalg.norm(C, axis=1, keepdims=True) if metric == "cosine" else C
        S = Qn @ Cn.T
    ref_idx, ref_scores = brute_topk(S, 8)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-9, equal_nan=True)
    assert np.isnan(scores[0]).all() and idx[0].tolist() == list(range(8))
    assert not np.isin(idx[1], [3, 17]).any()  # NaN corpus rows never beat a number


def test_topk_k_all_rows_with_nan_corpus_rows_puts_them_last(rng):
    C = random_matrix(rng, 6, 3, density=1.0, nan_rows=(1,))
    with np.errstate(invalid="ignore"):
        idx, scores = topk_similar(C[[0, 2]], C, k=6)
    assert (idx[:, -1] == 1).all() and np.isnan(scores[:, -1]).all()
    assert not np.isnan(scores[:, :-1]).any()


# ---------------------------------------------------------------------------
# bounded memory


def record_tiles(monkeypatch):
    """Record ``(row_offset, col_offset, shape, nbytes)`` of every tile given to either kernel.

    The float screen's tiles: on a CPU with AMX tiles the float32 top-k screens on
    them instead (tests/test_topk_tiles.py), so BLAS's screen is asked for here.
    """
    import sparsedense._topk_tiles as TT
    from sparsedense._kernels import _dispatch

    monkeypatch.setattr(TT, "usable", lambda *args: False)

    tiles = []
    wrapped = {}
    for name in ("_topk_block", "_topk_block_serial"):
        original = getattr(ksim, name)

        def recording(scores, k, col_offset, row_offset, *args, _original=original):
            tiles.append((row_offset, col_offset, scores.shape, scores.nbytes))
            return _original(scores, k, col_offset, row_offset, *args)

        monkeypatch.setattr(ksim, name, recording)
        wrapped[name] = recording
    # the recording parallel kernel's serial twin is the recording serial kernel
    monkeypatch.setitem(_dispatch._TWINS, wrapped["_topk_block"], wrapped["_topk_block_serial"])
    # dense tiles go to the exact (canonical-score) selection
    exact_tile = kexact._exact_tile

    def recording_exact(scores, rows, queries, row_offset, col_offset, *args):
        tiles.append((row_offset, col_offset, scores.shape, scores.nbytes))
        return exact_tile(scores, rows, queries, row_offset, col_offset, *args)

    monkeypatch.setattr(kexact, "_exact_tile", recording_exact)
    return tiles


def assert_tiles_cover_once(tiles, n_q, n_c):
    seen = np.zeros((n_q, n_c), dtype=np.int64)
    for r0, c0, (r, c), _ in tiles:
        seen[r0:r0 + r, c0:c0 + c] += 1
    assert (seen == 1).all(), "every (query, corpus row) pair must be scored exactly once"


@pytest.fixture
def small_tiles(monkeypatch):
    """Dense tiles of a few columns, so small tests cross many tile boundaries."""
    import sparsedense.similarity as sim

    from sparsedense._kernels import _tuning

    monkeypatch.setattr(sim, "TILE_MIN_COLS", 3)
    with _tuning.override(TOPK_TILE_SCORES=40):
        yield


@pytest.mark.parametrize("kinds", [("dense", "dense"), ("csr", "csr"), ("csr", "dense"),
                                   ("dense", "csr")])
@pytest.mark.parametrize("block_size", [1, 7, 16])
def test_topk_score_blocks_are_at_most_block_size_rows(rng, monkeypatch, small_tiles, kinds,
                                                       block_size):
    """Every tile has at most block_size queries; dense tiles also split the corpus.

    Sparse inputs are scored block x n_corpus; dense ones in tiles of about
    TOPK_TILE_SCORES scores (at least TILE_MIN_COLS corpus rows). The tiles cover
    every (query, corpus row) pair exactly once.
    """
    import sparsedense.similarity as sim

    tiles = record_tiles(monkeypatch)
    Q = random_matrix(rng, 45, 8)
    C = random_matrix(rng, 120, 8)
    idx, scores = topk_similar(as_kind(Q, kinds[0]), as_kind(C, kinds[1]), k=5,
                               block_size=block_size)
    assert tiles, "the top-k kernels were not called through the module attributes"
    if kinds == ("dense", "dense"):
        from sparsedense._kernels import _tuning

        cols = max(sim.TILE_MIN_COLS, _tuning.get("TOPK_TILE_SCORES") // block_size)
        assert all(r <= block_size and c <= cols for _, _, (r, c), _ in tiles), tiles
        assert len({c0 for _, c0, _, _ in tiles}) > 1
    else:
        assert all(r <= block_size and c == 120 for _, _, (r, c), _ in tiles), tiles
    assert_tiles_cover_once(tiles, 45, 120)
    np.testing.assert_array_equal(idx, brute_topk(sk_cosine(Q, C), 5)[0])


def test_topk_default_block_is_bounded(rng, monkeypatch):
    """The default tiles keep a score tile to about 64 MiB, not Q x N."""
    tiles = record_tiles(monkeypatch)
    Q = rng.standard_normal((3000, 4)).astype(np.float32)
    C = rng.standard_normal((12000, 4)).astype(np.float32)  # full Q x N: 144 MB
    topk_similar(Q, C, k=3)
    assert len(tiles) > 1
    assert all(nbytes <= (64 << 20) for *_, nbytes in tiles)
    assert_tiles_cover_once(tiles, 3000, 12000)


@pytest.mark.parametrize("metric", ["cosine", "dot"])
@pytest.mark.parametrize("exclude_self", [False, True])
@pytest.mark.parametrize("block_size", [1, 5, None])
def test_topk_across_many_tiles_matches_brute_force(small_tiles, metric, exclude_self,
                                                    block_size):
    """Exact ties and zero rows spread over many tiles and 64-score chunks.

    Rows of four ones make every score exact, so the brute-force order (lower
    index first among equal scores) must come out exactly; the corpus is long
    enough (700 rows) for the chunked threshold test of the selection kernel.
    """
    rng = np.random.default_rng(11)
    d = 9
    patterns = np.zeros((8, d))
    for p in range(8):
        patterns[p, rng.choice(d, 4, replace=False)] = 1.0
    C = patterns[rng.integers(0, 8, size=700)]
    C[[5, 300, 650]] = 0.0
    Q = C[:23].copy()
    idx, scores = topk_similar(Q, C, k=20, exclude_self=exclude_self, block_size=block_size,
                               metric=metric)
    S = Q @ C.T if metric == "dot" else full_scores(Q, C, "cosine")
    ref_idx, ref_scores = brute_topk(S, 20, exclude_self)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-12)


@pytest.mark.parametrize("block_size", [2, None])
def test_topk_nan_rows_across_many_tiles(small_tiles, block_size):
    """NaN corpus rows at tile starts and ends, a NaN query: brute force's order."""
    rng = np.random.default_rng(12)
    C = random_matrix(rng, 500, 6, density=1.0, nan_rows=(0, 1, 2, 130, 499))
    Q = random_matrix(rng, 7, 6, density=1.0, nan_rows=(3,))
    with np.errstate(invalid="ignore"):
        idx, scores = topk_similar(Q, C, k=9, block_size=block_size)
        S = (Q / np.linalg.norm(Q, axis=1, keepdims=True)) @ (
            C / np.linalg.norm(C, axis=1, keepdims=True)).T
    ref_idx, ref_scores = brute_topk(S, 9)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("block_size", [None, 200])
def test_topk_peak_memory_far_below_full_matrix(monkeypatch, block_size):
    """Traced peak for Q=2000, N=20000, dim=16 float32: two score tiles, not Q x N.

    The docstring promises two tiles in memory at a time (default: about
    2 x 32 MiB of scores). The bound checked here is two score tiles (the
    largest handed to the top-k kernels) plus 25 %, plus the normalized copies
    of both inputs and the outputs; and, in any case, at most half of the full
    Q x N matrix (160 MB).
    """
    rng = np.random.default_rng(3)
    Q = rng.standard_normal((2000, 16), dtype=np.float32)
    W = rng.standard_normal((20000, 16), dtype=np.float32)
    full = Q.shape[0] * W.shape[0] * 4  # 160 MB
    topk_similar(Q[:5], W[:50], k=3)  # compile / load the kernels outside the trace
    tiles = record_tiles(monkeypatch)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        idx, scores = topk_similar(Q, W, k=10, block_size=block_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert idx.shape == (2000, 10)
    inputs = Q.nbytes + W.nbytes + idx.nbytes + scores.nbytes
    tile = max(nbytes for *_, nbytes in tiles)
    bound = 2.5 * tile + inputs + (1 << 20)
    assert peak < 0.5 * full, f"peak {peak / 1e6:.1f} MB vs Q x N = {full / 1e6:.1f} MB"
    assert peak < bound, (f"peak {peak / 1e6:.1f} MB > two score tiles "
                          f"({tile / 1e6:.1f} MB each) x 1.25 + inputs/outputs "
                          f"({inputs / 1e6:.1f} MB): more than two tiles alive at a time")
    # spot-check the answer on a few queries
    S = Q[:20].astype(np.float64) @ W.T.astype(np.float64)
    S /= np.linalg.norm(Q[:20].astype(np.float64), axis=1)[:, None]
    S /= np.linalg.norm(W.astype(np.float64), axis=1)[None, :]
    ref_idx, ref_scores = brute_topk(S, 10)
    np.testing.assert_allclose(scores[:20], ref_scores, atol=1e-5)
    np.testing.assert_array_equal(idx[:20], ref_idx)


# ---------------------------------------------------------------------------
# determinism across thread counts

DETERMINISM_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numba
    import numpy as np
    import scipy.sparse as sp
    from sparsedense.similarity import cosine_similarity, normalize_rows, topk_similar

    out_dir = sys.argv[1]
    rng = np.random.default_rng(99)
    W = rng.standard_normal((6000, 32)).astype(np.float32)
    W[::97] = W[5]  # exact duplicates: ties
    Q = W[:1500]
    res = {}
    res["dense_idx"], res["dense_scores"] = topk_similar(Q, W, k=15, block_size=256)
    res["self_idx"], res["self_scores"] = topk_similar(Q, k=7, exclude_self=True)
    res["dot_idx"], res["dot_scores"] = topk_similar(Q, W, k=9, metric="dot")
    X = sp.random(2500, 3000, density=0.01, format="csr", random_state=5, dtype=np.float64)
    res["sparse_idx"], res["sparse_scores"] = topk_similar(X, k=11, exclude_self=True,
                                                           block_size=300)
    res["sparse_cos"] = cosine_similarity(X[:800], X)
    res["norm"] = normalize_rows(W)
    for key, v in res.items():
        np.save(os.path.join(out_dir, key + ".npy"), v)
    print(numba.get_num_threads())
    """
)


def _run_script(tmp_path, threads):
    out = tmp_path / f"t{threads}"
    out.mkdir()
    script = tmp_path / "similarity_determinism.py"
    script.write_text(DETERMINISM_SCRIPT)
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, str(script), str(out)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == str(threads)
    return {p.stem: np.load(p) for p in sorted(out.glob("*.npy"))}


def test_topk_and_cosine_bit_identical_for_1_and_2_threads(tmp_path):
    one = _run_script(tmp_path, 1)
    two = _run_script(tmp_path, 2)
    assert one.keys() == two.keys() and len(one) == 10
    for key in one:
        assert one[key].dtype == two[key].dtype, key
        assert one[key].tobytes() == two[key].tobytes(), f"{key} differs between 1 and 2 threads"
