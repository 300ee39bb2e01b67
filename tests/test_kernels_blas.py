"""``_kernels.blas.syrk_upper``: one triangle of ``a @ a.T`` through SciPy's BLAS table."""

import numpy as np
import pytest

from sparsedense._kernels.blas import syrk_upper


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("n, k", [(1, 1), (7, 3), (64, 300), (129, 17), (5, 1)])
def test_upper_triangle_of_the_gram_and_nothing_below(dtype, rtol, n, k):
    rng = np.random.default_rng(n * 1000 + k)
    a = rng.standard_normal((n, k)).astype(dtype)
    out = np.full((n, n), -7.25, dtype=dtype)  # the lower triangle must keep this
    assert syrk_upper(a, out) is out
    full = a.astype(np.float64) @ a.T.astype(np.float64)
    upper = np.triu_indices(n)
    np.testing.assert_allclose(out[upper], full[upper], rtol=rtol, atol=rtol * k)
    below = np.tril_indices(n, -1)
    assert (out[below] == dtype(-7.25)).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_empty_operand_gives_a_zero_triangle(dtype):
    """No columns: every product is an empty sum, 0 (BLAS with beta 0 overwrites what
    was there, even NaN)."""
    out = np.full((3, 3), np.nan, dtype=dtype)
    syrk_upper(np.empty((3, 0), dtype=dtype), out)
    assert (out[np.triu_indices(3)] == 0).all()
    assert np.isnan(out[np.tril_indices(3, -1)]).all()


def test_no_rows_is_a_no_op():
    out = np.empty((0, 0), dtype=np.float32)
    assert syrk_upper(np.empty((0, 4), dtype=np.float32), out).shape == (0, 0)


def test_a_row_against_itself_is_exactly_its_square_norm_for_small_integers():
    """Integer-valued float rows: every product and partial sum is exact, so the
    triangle equals the integer Gram matrix bit for bit."""
    rng = np.random.default_rng(3)
    a = rng.integers(-20, 20, size=(40, 50)).astype(np.float32)
    out = np.zeros((40, 40), dtype=np.float32)
    syrk_upper(a, out)
    exact = a.astype(np.int64) @ a.T.astype(np.int64)
    np.testing.assert_array_equal(np.triu(out), np.triu(exact).astype(np.float32))
