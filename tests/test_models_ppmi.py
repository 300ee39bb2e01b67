"""ppmi: dense numpy reference, zero rows/columns, generated count matrices, bad input.

PPMISVD (the SVD of this matrix) is tested in test_models_ppmi_svd.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sparsedense.models import ppmi


def dense_ppmi(A, alpha=0.75, shift=1.0, positive=True):
    """The formula on a dense array (reference)."""
    A = np.asarray(A, dtype=np.float64)
    row = A.sum(axis=1)
    col = A.sum(axis=0)
    Z = np.sum(col[col > 0] ** alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(A * Z / (row[:, None] * col[None, :] ** alpha)) - np.log(shift)
    pmi[A == 0] = 0.0
    return np.maximum(pmi, 0.0) if positive else pmi


def random_counts(rng, n, m, density=0.3, zero_rows=(), zero_cols=()):
    A = rng.integers(1, 20, size=(n, m)).astype(np.float64)
    A[rng.random((n, m)) > density] = 0
    A[list(zero_rows), :] = 0
    A[:, list(zero_cols)] = 0
    return A


@pytest.mark.parametrize("alpha", [1.0, 0.75, 0.1])
@pytest.mark.parametrize("shift", [1.0, 5.0])
@pytest.mark.parametrize("positive", [True, False])
def test_equals_dense_reference_with_zero_rows_and_columns(alpha, shift, positive):
    rng = np.random.default_rng(0)
    A = random_counts(rng, 12, 10, zero_rows=(0, 7), zero_cols=(3,))
    P = ppmi(sp.csr_matrix(A), alpha=alpha, shift=shift, positive=positive)
    ref = dense_ppmi(A, alpha, shift, positive)
    assert P.dtype == np.float64 and P.has_canonical_format
    np.testing.assert_allclose(P.toarray(), ref, rtol=1e-12, atol=1e-12)
    assert np.isfinite(P.data).all()
    assert P[0].nnz == 0 and P[7].nnz == 0 and P[:, 3].nnz == 0
    if positive:
        assert (P.data > 0).all()
    else:
        assert P.nnz == np.count_nonzero(A)


def test_float32_and_other_inputs():
    rng = np.random.default_rng(1)
    A = random_counts(rng, 30, 30)
    ref = dense_ppmi(A)
    P32 = ppmi(sp.csr_matrix(A, dtype=np.float32))
    assert P32.dtype == np.float32
    np.testing.assert_allclose(P32.toarray(), ref, rtol=1e-5, atol=1e-6)
    for C in (A, A.astype(np.int64), sp.coo_matrix(A), sp.csc_array(A)):
        np.testing.assert_allclose(ppmi(C).toarray(), ref, rtol=1e-12, atol=1e-12)
    # explicit zeros are ignored, the caller's matrix is unchanged
    C = sp.csr_matrix(A)
    C.data[0] = 0.0
    before = C.copy()
    P = ppmi(C)
    A2 = C.toarray()
    np.testing.assert_allclose(P.toarray(), dense_ppmi(A2), rtol=1e-12, atol=1e-12)
    assert (C != before).nnz == 0 and C.nnz == before.nnz


def test_large_matrix_parallel_path_is_thread_independent():
    import numba

    rng = np.random.default_rng(2)
    C = sp.random(3000, 3000, density=0.02, random_state=3, format="csr") * 50
    C.data = np.ceil(C.data)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = ppmi(C)
        numba.set_num_threads(before)
        many = ppmi(C)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.data, many.data) and np.array_equal(one.indices, many.indices)
    np.testing.assert_allclose(one.toarray()[:200], dense_ppmi(C.toarray())[:200], rtol=1e-12,
                               atol=1e-12)
    del rng


@pytest.mark.parametrize("C, kwargs, exc, words", [
    ([[1, -2], [0, 1]], {}, ValueError, ["C[0, 1]", "-2", "negative"]),
    ([[1, np.nan], [0, 1]], {}, ValueError, ["C[0, 1]", "nan", "finite"]),
    ([[1, 2], [0, 1]], dict(alpha=0.0), ValueError, ["alpha", "0.0"]),
    ([[1, 2], [0, 1]], dict(alpha=1.5), ValueError, ["alpha", "1.5"]),
    ([[1, 2], [0, 1]], dict(alpha="x"), TypeError, ["alpha", "'x'"]),
    ([[1, 2], [0, 1]], dict(shift=0), ValueError, ["shift", "0"]),
    ([[1, 2], [0, 1]], dict(positive=1), TypeError, ["positive", "1"]),
    ("counts", {}, TypeError, ["C", "str"]),
    ([1, 2, 3], {}, ValueError, ["C", "(3,)"]),
    ([[1 + 1j, 0], [0, 1]], {}, TypeError, ["C", "complex"]),
])
def test_bad_input(C, kwargs, exc, words):
    with pytest.raises(exc) as info:
        ppmi(C, **kwargs)
    for w in words:
        assert w in str(info.value)
    assert str(info.value).startswith("ppmi")


# -- property-based: generated count matrices (hypothesis) -----------------------

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow])

counts = st.integers(1, 9).flatmap(lambda n: st.integers(1, 9).flatmap(
    lambda m: st.lists(st.lists(st.sampled_from([0, 0, 0, 1, 2, 7, 40]), min_size=m,
                                max_size=m), min_size=n, max_size=n)))


@SETTINGS
@given(A=counts, alpha=st.sampled_from([1.0, 0.75, 0.3]), shift=st.sampled_from([1.0, 2.0, 5.0]),
       positive=st.booleans(), fmt=st.sampled_from(["csr", "coo", "csc", "array"]),
       dtype=st.sampled_from([np.int64, np.float32, np.float64]))
def test_ppmi_equals_the_dense_formula(A, alpha, shift, positive, fmt, dtype):
    A = np.array(A, dtype=dtype)
    X = sp.csr_array(A) if fmt == "array" else getattr(sp, f"{fmt}_matrix")(A)
    P = ppmi(X, alpha=alpha, shift=shift, positive=positive)
    ref = dense_ppmi(A.astype(np.float64), alpha, shift, positive)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(P.toarray(), ref, rtol=tol, atol=tol)
    assert np.isfinite(P.data).all()
    # nothing stored where the count is zero; with positive=True, no zeros stored at all
    stored = P.toarray() != 0
    assert not (stored & (A == 0)).any()
    if positive:
        assert (P.data > 0).all()
