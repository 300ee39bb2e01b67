"""RowSparseGrad: the row-sparse gradient of an embedding table (sum, checks)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sparsedense.grad import RowSparseGrad


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def test_row_sparse_grad_addition(rng):
    a = RowSparseGrad([1, 4, 7], rng.standard_normal((3, 2)).astype(np.float32), 9)
    b = RowSparseGrad([0, 4, 8], rng.standard_normal((3, 2)).astype(np.float32), 9)
    c = a + b
    assert c.indices.tolist() == [0, 1, 4, 7, 8]
    assert c.shape == (9, 2)
    np.testing.assert_allclose(c.to_dense(), a.to_dense() + b.to_dense(), rtol=1e-7)
    # operands unchanged
    assert a.indices.tolist() == [1, 4, 7] and b.indices.tolist() == [0, 4, 8]
    empty = RowSparseGrad(np.zeros(0, np.int64), np.zeros((0, 2), np.float32), 9)
    assert np.array_equal((a + empty).to_dense(), a.to_dense())
    with pytest.raises(ValueError, match="shape"):
        a + RowSparseGrad([1], np.ones((1, 2), np.float32), 10)
    with pytest.raises(TypeError):
        a + 1


def test_row_sparse_grad_validation():
    with pytest.raises(ValueError, match="ascending"):
        RowSparseGrad([3, 1], np.ones((2, 2), np.float32), 5)
    with pytest.raises(ValueError, match="ascending"):
        RowSparseGrad([1, 1], np.ones((2, 2), np.float32), 5)
    with pytest.raises(IndexError, match=re.escape("indices[1] = 5")):
        RowSparseGrad([1, 5], np.ones((2, 2), np.float32), 5)
    with pytest.raises(TypeError):
        RowSparseGrad([1.0, 2.0], np.ones((2, 2), np.float32), 5)
    with pytest.raises(ValueError, match="values"):
        RowSparseGrad([1, 2], np.ones((3, 2), np.float32), 5)
    with pytest.raises(TypeError, match="values"):
        RowSparseGrad([1, 2], np.ones((2, 2), np.int64), 5)
