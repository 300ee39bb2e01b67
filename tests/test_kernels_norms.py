"""The row-norm kernels (_kernels/norms.py) and task ranges (_kernels/_tasks.py) against numpy.

Each kernel's arithmetic is spelled out in numpy, operation by operation, and
compared bit for bit: the dense l2 kernels square in float64, add the squares
in canonical_dot's order and multiply by the reciprocal of the norm; the CSR
kernels are scikit-learn's ``normalize``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import reference

from sparsedense._kernels import norms
from sparsedense._kernels._tasks import task_range
from sparsedense._kernels.similarity import _row_norms_serial


def _table(dtype, n_rows: int, seed: int = 0) -> np.ndarray:
    """Rows of very different scales, with a row of zeros, a NaN, an inf and a tiny value."""
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n_rows, 37)) * rng.lognormal(0, 3, (n_rows, 1))).astype(dtype)
    for r, value in zip(range(1, n_rows), (np.nan, np.inf, 1e-30)):
        X[r, r] = value
    if n_rows:
        X[0] = 0
    return X


def _sum_squares_in_order(row: np.ndarray) -> float:
    """The squares in float64, added in canonical_dot's order."""
    return reference.canonical_dot(row, row)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_rows", [0, 1, 4, 8, 13])
def test_dense_l2_normalisation_is_the_float64_reference(dtype, n_rows):
    X = _table(dtype, n_rows)
    sums = np.array([_sum_squares_in_order(row) for row in X])
    expected = X.copy()
    with np.errstate(invalid="ignore"):  # the row holding inf: inf * 0 is NaN there too
        for r, s in enumerate(sums):
            if s > 0.0:
                expected[r] = (X[r].astype(np.float64) * (1.0 / np.sqrt(s))).astype(dtype)
    got = np.empty_like(X)
    norms._normalize_rows_l2_serial(X, got)
    assert got.tobytes() == expected.tobytes()
    F = np.asfortranarray(X)  # strided rows: one at a time, the same values
    got_f = np.empty_like(X)
    norms._normalize_rows_l2_serial(F, got_f)
    assert got_f.tobytes() == expected.tobytes()
    norms._normalize_rows_l2_serial(X, X)  # in place
    assert X.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cosine_row_norms_are_the_same_sums(dtype):
    X = _table(dtype, 11, seed=1)
    got = np.empty(X.shape[0])
    _row_norms_serial(X, got)
    expected = np.sqrt([_sum_squares_in_order(row) for row in X])
    assert got.tobytes() == expected.tobytes()
    F = np.asfortranarray(X)  # strided rows: the same sums
    _row_norms_serial(F, got)
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_csr_normalisation_is_scikit_learns(dtype, norm):
    normalize = pytest.importorskip("sklearn.preprocessing").normalize
    X = sp.random(60, 40, density=0.2, format="csr", dtype=dtype, random_state=2)
    X.data = (X.data * 20 - 7).astype(dtype)
    X.data[X.indptr[3]:X.indptr[4]] = 0  # a row of stored zeros stays as it is
    expected = normalize(X, norm=norm)
    data = X.data.copy()
    code = norms.NORM_L1 if norm == "l1" else norms.NORM_L2
    norms._normalize_rows_inplace(X.indptr, data, code)
    assert data.tobytes() == expected.data.tobytes()
    untouched = X.data.copy()
    norms._normalize_rows_inplace(X.indptr, untouched, norms.NORM_NONE)
    assert untouched.tobytes() == X.data.tobytes()


@pytest.mark.parametrize("n", [0, 1, 5, 64, 1000])
@pytest.mark.parametrize("n_tasks", [1, 2, 7, 64])
def test_task_ranges_cover_every_item_once_in_order(n, n_tasks):
    bounds = [task_range(t, n, n_tasks) for t in range(n_tasks)]
    items = [i for start, end in bounds for i in range(start, end)]
    assert items == list(range(n))
    lengths = [end - start for start, end in bounds]
    assert max(lengths) - min(lengths) <= 1
