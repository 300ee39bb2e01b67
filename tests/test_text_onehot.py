"""one_hot: ids to one-hot CSR rows (orthogonal rows, one_hot(ids) @ W is the lookup W[ids])."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from sparsedense import one_hot


def test_one_hot_i_love_you():
    vocab = {"I": 0, "love": 1, "you": 2}
    X = one_hot([vocab[w] for w in "I love you".split()], len(vocab))
    assert sp.issparse(X) and X.format == "csr"
    assert X.shape == (3, 3)
    np.testing.assert_array_equal(X.toarray(), np.eye(3))
    assert (X != sp.identity(3, format="csr")).nnz == 0


def test_one_hot_rows_and_orthogonality():
    rng = np.random.default_rng(2024)
    V = 50
    ids = rng.integers(0, V, size=200)
    X = one_hot(ids, V)
    assert X.shape == (200, V)
    np.testing.assert_array_equal(np.asarray(X.sum(axis=1)).ravel(), np.ones(200))
    np.testing.assert_array_equal(np.asarray(X.argmax(axis=1)).ravel(), ids)
    # distinct ids: X @ X.T is the identity (diagonal), distinct rows are orthogonal
    distinct = rng.permutation(V)[:20]
    D = one_hot(distinct, V)
    G = (D @ D.T).toarray()
    np.testing.assert_array_equal(G, np.diag(np.diag(G)))
    np.testing.assert_array_equal(np.diag(G), np.ones(20))
    # with repeats: rows are orthogonal exactly when their ids differ
    G = (X @ X.T).toarray()
    np.testing.assert_array_equal(G, (ids[:, None] == ids[None, :]).astype(G.dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_hot_matmul_is_lookup(dtype):
    rng = np.random.default_rng(99)
    V, d = 40, 7
    W = rng.standard_normal((V, d)).astype(dtype)
    ids = rng.integers(0, V, size=25)
    out = one_hot(ids, V, dtype=dtype) @ W
    np.testing.assert_array_equal(out, W[ids])
    np.testing.assert_array_equal(one_hot(np.array(ids, dtype=np.int32), V) @ W, W[ids])


def test_one_hot_out_of_range():
    with pytest.raises(IndexError, match=re.escape("ids[2]")):
        one_hot([0, 1, 3], 3)
    with pytest.raises(IndexError, match=re.escape("ids[0]")):
        one_hot([3], 3)
    with pytest.raises(IndexError, match=re.escape("ids[1]")):
        one_hot([0, -1, 2], 3)
    with pytest.raises(IndexError, match=re.escape("ids[3]")):
        one_hot(np.array([0, 1, 2, -5, 9]), 3)


@pytest.mark.parametrize("ids", [[0.0, 1.0], np.array([0.5, 1.0]), [True, False],
                                 np.array([True, False]), ["a", "b"]],
                         ids=["float-list", "float-array", "bool-list", "bool-array", "str"])
def test_one_hot_type_errors(ids):
    with pytest.raises(TypeError):
        one_hot(ids, 3)


def test_one_hot_empty_and_int_types():
    X = one_hot([], 4)
    assert X.shape == (0, 4) and X.nnz == 0
    for arr in (np.array([0, 2], dtype=np.uint8), np.array([0, 2], dtype=np.int64), [0, 2]):
        np.testing.assert_array_equal(one_hot(arr, 3).toarray(),
                                      np.array([[1, 0, 0], [0, 0, 1]], dtype=np.float32))
