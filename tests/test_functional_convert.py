"""Sparse -> dense converters against scipy and plain numpy (tests/reference.py).

``sparse_to_dense(X, W, 'sum')`` is ``X @ W`` on every scipy.sparse format,
non-canonical CSR, both index widths, empty rows and matrices, stored zeros,
both float widths, memmapped tables and negative values; 'mean', 'max' and
``normalize='l2'`` follow their numpy references. ``onehot_to_indices`` /
``indices_to_onehot`` round trip, and one-hot rows through a table are the
lookup (the seed's point). Results are bit-identical for 1 and 2 threads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
import sparsedense as sd
from sparsedense.functional import indices_to_onehot, onehot_to_indices, sparse_to_dense

SETTINGS = settings(max_examples=40, deadline=None)

MODES = ["sum", "mean", "max"]
FORMATS = ["csr", "csc", "coo", "lil", "dok", "bsr"]


@pytest.fixture
def rng():
    return np.random.default_rng(31337)


def _random_csr(rng, n, v, density=0.3, dtype=np.float64):
    dense = rng.standard_normal((n, v)) * (rng.random((n, v)) < density)
    return sp.csr_matrix(dense.astype(dtype))


def _zero_rows(X, rows):
    """``X`` with the given rows emptied (no stored entries left in them)."""
    keep = np.ones(X.shape[0])
    keep[rows] = 0
    X = sp.csr_matrix(sp.diags(keep) @ X)
    X.eliminate_zeros()
    return X


def _as_format(X, fmt, kind):
    cls = getattr(sp, f"{fmt}_{kind}")
    return cls(X)


def _assert_matmul_close(out, X, W, rtol=1e-5):
    """``out`` is ``X @ W`` to ``rtol`` relative to the magnitude of the summed terms."""
    A = sp.csr_matrix(X, dtype=np.float64, copy=True)  # abs() would sum duplicates in place
    W64 = np.asarray(W, dtype=np.float64)
    want = A @ W64
    bound = rtol * (abs(A) @ np.abs(W64)) + 1e-30
    err = np.abs(np.asarray(out, dtype=np.float64) - want)
    assert out.shape == want.shape
    assert np.all(err <= bound), (err.max(), np.argmax(err - bound))


def _non_canonical(rng, index_dtype=np.int32):
    """A 4 x 6 CSR with duplicate and unsorted columns, an empty row, built raw."""
    indptr = np.array([0, 4, 4, 7, 9], dtype=index_dtype)
    indices = np.array([5, 1, 5, 0, 2, 2, 2, 3, 1], dtype=index_dtype)
    data = np.array([1.0, 2.0, -0.5, 3.0, 1.0, 1.0, 0.5, -2.0, 4.0])
    X = sp.csr_matrix((data, indices, indptr), shape=(4, 6))
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    return X


# --------------------------------------------------------------------------- sum == X @ W


@pytest.mark.parametrize("kind", ["matrix", "array"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_sum_equals_matmul_every_format(rng, fmt, kind):
    X = _zero_rows(_random_csr(rng, 9, 14), [3])  # an empty row
    W = rng.standard_normal((14, 5)).astype(np.float32)
    Xf = _as_format(X, fmt, kind)
    out = sparse_to_dense(Xf, W, "sum")
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (9, 5)
    _assert_matmul_close(out, X, W)
    assert np.array_equal(out[3], np.zeros(5))
    for mode in MODES:
        np.testing.assert_allclose(sparse_to_dense(Xf, W, mode),
                                   reference.sparse_to_dense(X, W, mode), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_non_canonical_csr(rng, index_dtype):
    X = _non_canonical(rng, index_dtype)
    assert not X.has_canonical_format
    assert X.indices.dtype == index_dtype and X.indptr.dtype == index_dtype
    saved = (X.data.copy(), X.indices.copy(), X.indptr.copy())
    W = rng.standard_normal((6, 3)).astype(np.float32)
    out = sparse_to_dense(X, W, "sum")
    _assert_matmul_close(out, X, W)
    np.testing.assert_allclose(out[0], 3 * W[0] + 2 * W[1] + 0.5 * W[5], rtol=1e-6)
    for mode in MODES:
        for normalize in (None, "l2"):
            np.testing.assert_allclose(sparse_to_dense(X, W, mode, normalize),
                                       reference.sparse_to_dense(X, W, mode, normalize),
                                       rtol=1e-5, atol=1e-6)
    # the caller's matrix is not touched (no in-place sum_duplicates or sort)
    assert np.array_equal(X.data, saved[0]) and np.array_equal(X.indices, saved[1])
    assert np.array_equal(X.indptr, saved[2]) and not X.has_canonical_format


def test_max_sees_summed_duplicates(rng):
    W = np.array([[1.0, -1.0], [2.0, 0.5]], np.float32)
    # word 0 twice (3 + 1 = 4), word 1 once: max(4 * W[0], 1 * W[1]) = [4, 0.5]
    X = sp.csr_matrix((np.array([3.0, 1.0, 1.0]), np.array([0, 1, 0]), np.array([0, 3])),
                      shape=(1, 2))
    assert sparse_to_dense(X, W, "max").tolist() == [[4.0, 0.5]]


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_index_dtypes(rng, index_dtype):
    X = _random_csr(rng, 20, 30)
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    assert X.indices.dtype == index_dtype
    W = rng.standard_normal((30, 4)).astype(np.float32)
    _assert_matmul_close(sparse_to_dense(X, W), X, W)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("normalize", [None, "l2"])
def test_empty_rows_and_matrices_give_zeros_without_warning(rng, mode, normalize):
    W = rng.standard_normal((10, 4)).astype(np.float32) + 3
    X = _zero_rows(_random_csr(rng, 6, 10, density=0.5), [0, 2, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sparse_to_dense(X, W, mode, normalize)
        assert not np.isnan(out).any()
        assert np.array_equal(out[[0, 2, 5]], np.zeros((3, 4)))
        empty = sparse_to_dense(sp.csr_matrix((5, 10), dtype=np.float64), W, mode, normalize)
        assert empty.shape == (5, 4) and empty.dtype == np.float32
        assert np.array_equal(empty, np.zeros((5, 4)))
        assert sparse_to_dense(sp.csr_matrix((0, 10)), W, mode, normalize).shape == (0, 4)


def test_explicit_stored_zeros_sum_and_mean(rng):
    X = sp.csr_matrix((np.array([0.0, 2.0, 0.0, 0.0]), np.array([1, 3, 0, 2]),
                       np.array([0, 2, 3, 4])), shape=(3, 5))
    assert X.nnz == 4  # the zeros are stored
    W = rng.standard_normal((5, 3)).astype(np.float32)
    out = sparse_to_dense(X, W, "sum")
    _assert_matmul_close(out, X, W)
    assert np.array_equal(out[1], np.zeros(3)) and np.array_equal(out[2], np.zeros(3))
    mean = sparse_to_dense(X, W, "mean")
    np.testing.assert_allclose(mean[0], W[3], rtol=1e-6)
    assert np.array_equal(mean[1:], np.zeros((2, 3)))


def test_max_does_not_depend_on_stored_zeros(rng):
    """The same matrix, stored with or without explicit zeros, gives the same maxima."""
    W = np.array([[5.0, -3.0], [-1.0, -2.0], [2.0, 4.0]], np.float32)
    with_zero = sp.csr_matrix((np.array([0.0, 1.0]), np.array([0, 1]), np.array([0, 2])),
                              shape=(1, 3))
    without = sp.csr_matrix(with_zero.toarray())
    assert without.nnz == 1 and with_zero.nnz == 2
    want = reference.sparse_to_dense(without, W, "max")
    assert want.tolist() == [[-1.0, -2.0]]
    assert np.array_equal(sparse_to_dense(without, W, "max"), want)
    assert np.array_equal(sparse_to_dense(with_zero, W, "max"), want)
    # duplicates that sum to zero: the word is not in the row either
    cancel = sp.csr_matrix((np.array([1.0, -1.0, 1.0]), np.array([0, 0, 1]),
                            np.array([0, 3])), shape=(1, 3))
    assert np.array_equal(sparse_to_dense(cancel, W, "max"), want)


@pytest.mark.parametrize("xdtype", [np.float32, np.float64, np.int64, np.bool_])
@pytest.mark.parametrize("wdtype", [np.float32, np.float64])
def test_value_and_table_dtypes(rng, xdtype, wdtype):
    X = _random_csr(rng, 8, 12, density=0.4)
    if xdtype == np.int64:
        X.data = np.round(X.data * 3)
        X.eliminate_zeros()
    X = X.astype(xdtype)
    W = rng.standard_normal((12, 3)).astype(wdtype)
    out = sparse_to_dense(X, W)
    assert out.dtype == wdtype  # the table's dtype, whatever X holds
    _assert_matmul_close(out, X.astype(np.float64), W, rtol=1e-5 if wdtype == np.float32
                         else 1e-12)
    for mode in MODES:
        np.testing.assert_allclose(sparse_to_dense(X, W, mode),
                                   reference.sparse_to_dense(X, W, mode),
                                   rtol=1e-5, atol=1e-5)


def test_memmap_and_non_contiguous_tables(rng, tmp_path):
    X = _random_csr(rng, 10, 16)
    W = rng.standard_normal((16, 4)).astype(np.float32)
    path = tmp_path / "w.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=W.shape)
    mm[:] = W
    mm.flush()
    del mm
    table = np.memmap(path, dtype=np.float32, mode="r", shape=W.shape)
    want = sparse_to_dense(X, W)
    _assert_matmul_close(want, X, W)
    assert np.array_equal(sparse_to_dense(X, table), want)
    assert np.array_equal(sparse_to_dense(X, np.asfortranarray(W)), want)
    big = np.zeros((32, 8), np.float32)
    big[::2, 1::2] = W
    assert np.array_equal(sparse_to_dense(X, big[::2, 1::2]), want)
    for mode in MODES:
        assert np.array_equal(sparse_to_dense(X, table, mode), sparse_to_dense(X, W, mode))


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_nan_in_weight_is_carried(mode):
    """The docstring: "NaN in ``weight`` is carried by 'sum' and 'mean'" (any place in the row)."""
    W = np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, 1.0]], np.float32)
    X = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]))
    out = sparse_to_dense(X, W, mode)
    want = reference.sparse_to_dense(X, W, mode)
    assert np.isnan(want[0, 0]) and np.isnan(want[1, 0]) and not np.isnan(want[2]).any()
    np.testing.assert_array_equal(out, want)  # NaN == NaN here


def test_nan_in_max_mode_compares_like_torch():
    """The docstring: 'max' keeps a NaN only when it comes from the row's first word."""
    W = np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, 1.0]], np.float32)
    X = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]))
    out = sparse_to_dense(X, W, "max")
    assert out[0].tolist() == [1.0, 2.0]          # NaN after the first word: ignored
    assert np.isnan(out[1, 0]) and out[1, 1] == 1.0  # NaN from the first word: kept
    assert out[2].tolist() == [3.0, 2.0]


def test_negative_values(rng):
    X = -abs(_random_csr(rng, 7, 9, density=0.6))
    W = rng.standard_normal((9, 3)).astype(np.float32)
    _assert_matmul_close(sparse_to_dense(X, W), X, W)
    for mode in MODES:
        np.testing.assert_allclose(sparse_to_dense(X, W, mode),
                                   reference.sparse_to_dense(X, W, mode), rtol=1e-5, atol=1e-6)


def test_large_input_takes_parallel_path(rng):
    X = sp.random(3000, 2000, density=0.01, random_state=np.random.RandomState(5),
                  format="csr", dtype=np.float64)
    W = rng.standard_normal((2000, 32)).astype(np.float32)
    assert X.nnz * 32 >= 1 << 16
    _assert_matmul_close(sparse_to_dense(X, W), X, W)
    np.testing.assert_allclose(sparse_to_dense(X, W, "max", "l2"),
                               reference.sparse_to_dense(X, W, "max", "l2"),
                               rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- mean, max, l2


def test_mean_divides_by_row_sums(rng):
    X = _zero_rows(abs(_random_csr(rng, 12, 10, density=0.5)), [4])
    # a row whose values sum to zero
    X = sp.lil_matrix(X)
    X[7, :] = 0
    X[7, 1], X[7, 2] = 2.0, -2.0
    X = sp.csr_matrix(X)
    W = rng.standard_normal((10, 3)).astype(np.float64)
    sums = np.asarray(X.sum(axis=1)).ravel()
    assert sums[4] == 0 and sums[7] == 0
    want = (X @ W) / np.where(sums == 0, 1, sums)[:, None]
    want[sums == 0] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sparse_to_dense(X, W, "mean")
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
    assert np.array_equal(out[[4, 7]], np.zeros((2, 3)))


def test_max_elementwise(rng):
    W = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, -1.0]], np.float32)
    X = sp.csr_matrix(np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0], [0.0, -1.0, 0.0]]))
    assert sparse_to_dense(X, W, "max").tolist() == [[2.0, 3.0], [-3.0, -3.0], [-0.5, -3.0]]


@pytest.mark.parametrize("mode", MODES)
def test_normalize_l2_gives_unit_rows(rng, mode):
    X = _zero_rows(_random_csr(rng, 15, 10, density=0.4), [2, 9])
    W = rng.standard_normal((10, 6)).astype(np.float32)
    out = sparse_to_dense(X, W, mode, normalize="l2")
    raw = sparse_to_dense(X, W, mode)
    norms = np.linalg.norm(out.astype(np.float64), axis=1)
    nonzero = np.linalg.norm(raw, axis=1) > 0
    np.testing.assert_allclose(norms[nonzero], 1.0, rtol=1e-6)
    assert np.array_equal(out[~nonzero], np.zeros((int((~nonzero).sum()), 6)))
    assert not nonzero[2] and not nonzero[9]
    # the direction is the unnormalized result's
    np.testing.assert_allclose(out[nonzero], raw[nonzero] / np.linalg.norm(
        raw[nonzero].astype(np.float64), axis=1)[:, None], rtol=1e-5, atol=1e-7)


@SETTINGS
@given(
    n=st.integers(0, 12),
    v=st.integers(1, 25),
    dim=st.integers(1, 6),
    density=st.floats(0.0, 1.0),
    n_dup=st.integers(0, 6),
    mode=st.sampled_from(MODES),
    normalize=st.sampled_from([None, "l2"]),
    xdtype=st.sampled_from([np.float32, np.float64]),
    wdtype=st.sampled_from([np.float32, np.float64]),
    index_dtype=st.sampled_from([np.int32, np.int64]),
    fmt=st.sampled_from(FORMATS + ["raw"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_sparse_to_dense_matches_reference(n, v, dim, density, n_dup, mode, normalize, xdtype,
                                           wdtype, index_dtype, fmt, seed):
    rng = np.random.default_rng(seed)
    dense = rng.standard_normal((n, v)) * (rng.random((n, v)) < density)
    if mode == "mean":
        dense = np.abs(dense)  # a row sum near 0 would make the mean ill-conditioned
    X = sp.csr_matrix(dense)
    if fmt == "raw" and n:
        # append duplicate entries and shuffle each row: non-canonical CSR
        rows = np.repeat(np.arange(n), np.diff(X.indptr))
        extra_rows = rng.integers(0, n, size=n_dup)
        r = np.concatenate((rows, extra_rows))
        c = np.concatenate((X.indices, rng.integers(0, v, size=n_dup)))
        d = np.concatenate((X.data, rng.uniform(0.5, 2.0, size=n_dup)))
        order = np.lexsort((rng.random(r.size), r))
        indptr = np.concatenate(([0], np.cumsum(np.bincount(r, minlength=n))))
        X = sp.csr_matrix((d[order], c[order].astype(index_dtype), indptr.astype(index_dtype)),
                          shape=(n, v))
    X = X.astype(xdtype)
    if fmt not in ("raw", "csr"):
        X = X.asformat(fmt)
    W = rng.standard_normal((v, dim)).astype(wdtype)
    out = sparse_to_dense(X, W, mode, normalize)
    assert out.shape == (n, dim) and out.dtype == wdtype
    tol = 1e-5 if np.float32 in (xdtype, wdtype) else 1e-10
    np.testing.assert_allclose(out, reference.sparse_to_dense(X, W, mode, normalize),
                               rtol=tol, atol=tol)
    if mode == "sum" and normalize is None:
        _assert_matmul_close(out, X, W, rtol=tol)


# --------------------------------------------------------------------------- errors


def test_error_column_count_names_both(rng):
    W = rng.standard_normal((10, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="X has 7 columns but weight has 10 rows"):
        sparse_to_dense(sp.csr_matrix((4, 7)), W)
    with pytest.raises(ValueError, match="X has 11 columns but weight has 10 rows"):
        sparse_to_dense(sp.csc_array((4, 11)), W)
    if hasattr(sp, "coo_array"):
        one_d = sp.coo_array(np.array([1.0, 0.0, 2.0]))
        if one_d.ndim == 1:
            with pytest.raises(ValueError, match="2-D"):
                sparse_to_dense(one_d, W)


@pytest.mark.parametrize("X", [np.ones((3, 10)), [[1.0] * 10], None])
def test_error_dense_x_is_type_error(rng, X):
    W = rng.standard_normal((10, 3)).astype(np.float32)
    with pytest.raises(TypeError, match="scipy.sparse"):
        sparse_to_dense(X, W)


@pytest.mark.parametrize("mode", ["median", "SUM", None])
def test_error_bad_mode(rng, mode):
    W = rng.standard_normal((10, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=f"mode must be one of .*{mode!r}"):
        sparse_to_dense(sp.csr_matrix((2, 10)), W, mode)


@pytest.mark.parametrize("normalize", ["l1", "L2", True, "max"])
def test_error_bad_normalize(rng, normalize):
    W = rng.standard_normal((10, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="normalize must be None or 'l2'"):
        sparse_to_dense(sp.csr_matrix((2, 10)), W, normalize=normalize)


def test_error_bad_table_and_values(rng):
    X = sp.csr_matrix((2, 10))
    with pytest.raises(TypeError, match="weight"):
        sparse_to_dense(X, np.ones((10, 3), np.int64))
    with pytest.raises(TypeError, match="weight"):
        sparse_to_dense(X, [[1.0, 2.0]] * 10)
    with pytest.raises(ValueError, match="weight must be 2-D"):
        sparse_to_dense(X, np.ones(10, np.float32))
    with pytest.raises(TypeError, match="real values"):
        sparse_to_dense(sp.csr_matrix(np.ones((2, 10), np.complex128)),
                        np.ones((10, 3), np.float32))


# --------------------------------------------------------------------------- one-hot


def test_seed_point_one_hot_through_the_table_is_the_lookup(rng):
    V = 10
    W = rng.standard_normal((V, 3)).astype(np.float32)
    ids = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    X = sd.one_hot(ids, V)
    out = sparse_to_dense(X, W)
    assert np.array_equal(out, W[ids])  # exactly the rows: 1.0 * row, nothing else
    assert np.array_equal(out, np.asarray(X @ W))
    for mode in MODES:
        assert np.array_equal(sparse_to_dense(X, W, mode), W[ids])
    assert np.array_equal(sparse_to_dense(indices_to_onehot(ids, V), W), W[ids])
    # two different one-hot rows are orthogonal
    assert (X[0] @ X[1].T).toarray().item() == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8])
def test_onehot_round_trip(rng, dtype):
    ids = rng.integers(0, 13, size=40)
    X = indices_to_onehot(ids, 13, dtype=dtype)
    assert sp.issparse(X) and X.shape == (40, 13) and X.dtype == dtype
    assert np.array_equal(X.toarray(), np.eye(13, dtype=dtype)[ids])
    back = onehot_to_indices(X)
    assert back.dtype == np.int64 and np.array_equal(back, ids)
    for fmt in ("csc", "coo", "lil", "dok"):
        assert np.array_equal(onehot_to_indices(X.asformat(fmt)), ids)
    assert np.array_equal(onehot_to_indices(sp.csr_array(X)), ids)
    again = indices_to_onehot(onehot_to_indices(X), 13, dtype=dtype)
    assert (again != X).nnz == 0
    assert onehot_to_indices(indices_to_onehot(np.array([], np.int64), 4)).shape == (0,)


def test_onehot_to_indices_refuses_non_one_hot_rows():
    X = sp.lil_matrix((4, 5))
    X[0, 1] = 1
    X[1, 3] = 1
    X[2, 0] = 1
    X[2, 4] = 1  # two ones in row 2
    X[3, 2] = 1
    with pytest.raises(ValueError, match="row 2 is not one-hot"):
        onehot_to_indices(X.tocsr())
    Y = sp.csr_matrix(np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]], np.float32))
    with pytest.raises(ValueError, match="row 1 is not one-hot"):
        onehot_to_indices(Y)
    Z = sp.csr_matrix(np.array([[0, 1, 0], [2, 0, 0]], np.float32))
    with pytest.raises(ValueError, match="row 1 is not one-hot.*2"):
        onehot_to_indices(Z)
    with pytest.raises(TypeError, match="scipy.sparse"):
        onehot_to_indices(np.eye(3))


def test_indices_to_onehot_errors():
    with pytest.raises(IndexError, match=r"\[2\] = 5"):
        indices_to_onehot([0, 1, 5], 5)
    with pytest.raises(TypeError):
        indices_to_onehot([0.0, 1.0], 5)


# --------------------------------------------------------------------------- determinism

DETERMINISM_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numba
    import numpy as np
    import scipy.sparse as sp
    from sparsedense._kernels._dispatch import PARALLEL_MIN_WORK
    from sparsedense.functional import (embedding_bag, embedding_bag_backward,
                                        sparse_to_dense)

    out_dir = sys.argv[1]
    rng = np.random.default_rng(777)
    V, D = 5_000, 64
    X = sp.random(2_000, V, density=0.004, random_state=np.random.RandomState(3),
                  format="csr", dtype=np.float64)
    assert X.nnz * D >= PARALLEL_MIN_WORK and X.shape[0] * D >= PARALLEL_MIN_WORK
    W = rng.standard_normal((V, D)).astype(np.float32)
    res = {}
    for mode in ("sum", "mean", "max"):
        for norm in (None, "l2"):
            res[f"s2d_{mode}_{norm}"] = sparse_to_dense(X, W, mode, norm)
    # bags: Zipf-like ids (hot rows shared by many bags), some empty bags
    sizes = rng.integers(0, 20, size=1_000)
    n = int(sizes.sum())
    idx = (rng.zipf(1.3, size=n) - 1) % V
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    assert idx.size * D >= PARALLEL_MIN_WORK and (sizes == 0).any()
    psw = rng.random(n).astype(np.float32)
    g = rng.standard_normal((offsets.size, D)).astype(np.float32)
    for mode in ("sum", "mean", "max"):
        w = None if mode == "max" else psw
        res[f"bag_{mode}"] = embedding_bag(idx, W, offsets, mode=mode, per_sample_weights=w,
                                           padding_idx=0)
        for scale in ((False,) if mode == "max" else (False, True)):
            tag = f"{mode}_s{int(scale)}"
            gw, gs = embedding_bag_backward(g, idx, W, offsets, mode=mode,
                                            per_sample_weights=w, padding_idx=0,
                                            scale_grad_by_freq=scale)
            res["grad_" + tag] = gw
            if gs is not None:
                res["gpsw_" + tag] = gs
            sgw, _ = embedding_bag_backward(g, idx, W, offsets, mode=mode,
                                            per_sample_weights=w, padding_idx=0,
                                            scale_grad_by_freq=scale, sparse=True)
            res["sparse_rows_" + tag] = sgw.indices
            res["sparse_values_" + tag] = sgw.values
    for k, v in res.items():
        np.save(os.path.join(out_dir, k + ".npy"), v)
    print(numba.config.NUMBA_NUM_THREADS, numba.get_num_threads(), len(res))
    """
)


def _run_script(tmp_path, threads: int, tag: str) -> dict[str, bytes]:
    out_dir = tmp_path / tag
    out_dir.mkdir()
    script = tmp_path / "convert_determinism.py"
    script.write_text(DETERMINISM_SCRIPT)
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, str(script), str(out_dir)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    reported = proc.stdout.split()
    assert reported[0] == str(threads) and reported[1] == str(threads), proc.stdout
    raw = {f.stem: f.read_bytes() for f in sorted(out_dir.glob("*.npy"))}
    assert len(raw) == int(reported[2])
    return raw


def test_bit_identical_across_thread_counts(tmp_path):
    one = _run_script(tmp_path, 1, "t1")
    two = _run_script(tmp_path, 2, "t2")
    assert set(one) == set(two)
    assert {"s2d_sum_None", "s2d_max_l2", "grad_mean_s1", "gpsw_sum_s0",
            "sparse_values_max_s0"} <= set(one)
    for key in one:
        assert one[key] == two[key], key
    # and right, not only repeatable
    import io

    X = sp.random(2_000, 5_000, density=0.004, random_state=np.random.RandomState(3),
                  format="csr", dtype=np.float64)
    W = np.random.default_rng(777).standard_normal((5_000, 64)).astype(np.float32)
    _assert_matmul_close(np.load(io.BytesIO(one["s2d_sum_None"])), X, W)
