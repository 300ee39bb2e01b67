"""Embedding lookup and its gradient against plain numpy (tests/reference.py).

Covers ``sparsedense.functional.embedding`` / ``embedding_backward``: results on
many index shapes, dtypes and layouts, the options (``out``, ``max_norm``,
``padding_idx``, ``scale_grad_by_freq``, ``sparse``), one-hot sparse indices, and
every refused input (right exception, useful message, nothing changed). The
``Embedding`` module is tested in test_nn.py, ``RowSparseGrad`` in test_grad.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
import sparsedense as sd
from sparsedense.functional import embedding, embedding_backward
from sparsedense.grad import RowSparseGrad
from sparsedense.nn import Embedding

SETTINGS = settings(max_examples=50, deadline=None)

INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 2), (0,), (2, 0), (1, 1, 5)]
INDEX_LAYOUTS = ["C", "F", "strided", "readonly", "list"]
WEIGHT_LAYOUTS = ["C", "F", "strided", "readonly"]

SEED_INDICES = [[1, 2, 4, 5], [4, 3, 2, 9]]


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def _table(rng, v, d, dtype=np.float32):
    return rng.standard_normal((v, d)).astype(dtype)


def _make_indices(values: np.ndarray, dtype, layout: str):
    """``values`` (int64) as the given dtype and layout; the logical content is unchanged."""
    arr = np.array(values, dtype=dtype)  # 0-d stays a 0-d array
    if layout == "F" and arr.ndim:
        return np.asfortranarray(arr)
    if layout == "strided" and arr.ndim:
        big = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), dtype=dtype)
        big[..., ::2] = arr
        view = big[..., ::2]
        assert arr.size <= 1 or not view.flags.c_contiguous
        return view
    if layout == "readonly":
        arr = arr.copy()
        arr.flags.writeable = False
        return arr
    if layout == "list":
        return arr.tolist()
    return arr.copy(order="C")


def _make_weight(w: np.ndarray, layout: str):
    if layout == "F":
        return np.asfortranarray(w)
    if layout == "strided":
        big = np.zeros((2 * w.shape[0], 2 * w.shape[1]), dtype=w.dtype)
        big[::2, 1::2] = w
        view = big[::2, 1::2]
        assert w.size <= 1 or not view.flags.c_contiguous
        return view
    if layout == "readonly":
        w = w.copy()
        w.flags.writeable = False
        return w
    return np.ascontiguousarray(w)


# --------------------------------------------------------------------------- lookup


def test_seed_example_shape_and_rows(rng):
    weight = _table(rng, 10, 3)
    idx = np.array(SEED_INDICES)
    out = embedding(idx, weight)
    assert out.shape == (2, 4, 3)
    assert out.dtype == np.float32
    for i in range(2):
        for j in range(4):
            assert np.array_equal(out[i, j], weight[idx[i, j]])
    # the same from a Python list, and from the module
    assert np.array_equal(embedding(SEED_INDICES, weight), out)
    emb = Embedding.from_pretrained(weight)
    assert np.array_equal(emb(SEED_INDICES), out)
    assert Embedding(10, 2, seed=0)(idx).shape == (2, 4, 2)


@SETTINGS
@given(
    shape=st.sampled_from(SHAPES),
    dtype=st.sampled_from(INT_DTYPES),
    layout=st.sampled_from(INDEX_LAYOUTS),
    wdtype=st.sampled_from([np.float32, np.float64]),
    wlayout=st.sampled_from(WEIGHT_LAYOUTS),
    num_embeddings=st.integers(1, 40),
    dim=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_embedding_matches_reference(shape, dtype, layout, wdtype, wlayout, num_embeddings,
                                     dim, seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, num_embeddings, size=shape)
    indices = _make_indices(values, dtype, layout)
    weight = _make_weight(_table(rng, num_embeddings, dim, wdtype), wlayout)
    before = weight.copy()
    out = embedding(indices, weight)
    want = reference.embedding(values, weight)
    assert out.shape == shape + (dim,)
    assert out.dtype == wdtype
    assert np.array_equal(out, want)
    assert np.array_equal(weight, before)  # a lookup never writes the table


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_memmap_weight(tmp_path, rng, mode):
    w = _table(rng, 20, 4)
    path = tmp_path / "table.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=w.shape)
    mm[:] = w
    mm.flush()
    del mm
    table = np.memmap(path, dtype=np.float32, mode=mode, shape=w.shape)
    idx = rng.integers(0, 20, size=(3, 5))
    out = embedding(idx, table)
    assert type(out) is np.ndarray or isinstance(out, np.ndarray)
    assert np.array_equal(np.asarray(out), w[idx])
    emb = Embedding.from_pretrained(table)
    assert emb.weight is table
    assert np.array_equal(np.asarray(emb(idx)), w[idx])


def test_memmap_weight_max_norm_writes_through(tmp_path, rng):
    w = _table(rng, 20, 4) * 5
    path = tmp_path / "table.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=w.shape)
    mm[:] = w
    mm.flush()
    del mm
    table = np.memmap(path, dtype=np.float32, mode="r+", shape=w.shape)
    idx = np.array([1, 3, 3])
    out = embedding(idx, table, max_norm=1.0)
    table.flush()
    on_disk = np.fromfile(path, dtype=np.float32).reshape(w.shape)
    want = reference.embedding_renorm(w, idx, 1.0)
    np.testing.assert_allclose(on_disk, want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out, want[idx], rtol=1e-6, atol=1e-7)
    # a read-only memmap refuses max_norm and stays as it was
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=w.shape)
    with pytest.raises(ValueError, match="read-only"):
        embedding([0, 2], ro, max_norm=0.5)
    assert np.array_equal(np.asarray(ro), on_disk)


def test_nan_is_carried_through(rng):
    w = _table(rng, 5, 3)
    w[2, 1] = np.nan
    w[3, 0] = np.inf
    out = embedding([2, 3, 2], w)
    assert np.isnan(out[0, 1]) and np.isnan(out[2, 1])
    assert np.isinf(out[1, 0])
    assert np.array_equal(out, w[[2, 3, 2]], equal_nan=True)


def test_large_input_takes_parallel_path_and_matches(rng):
    w = _table(rng, 3000, 32)
    idx = rng.integers(0, 3000, size=(40, 100))  # 4000 * 32 > the parallel threshold
    assert np.array_equal(embedding(idx, w), w[idx])


# --------------------------------------------------------------------------- out=


def test_out_receives_result(rng):
    w = _table(rng, 10, 3)
    idx = np.array(SEED_INDICES)
    out = np.full((2, 4, 3), -1.0, np.float32)
    res = embedding(idx, w, out=out)
    assert res is out
    assert np.array_equal(out, w[idx])


def test_out_non_contiguous(rng):
    w = _table(rng, 10, 3, np.float64)
    idx = np.array(SEED_INDICES)
    big = np.full((2, 4, 6), -7.0)
    out = big[:, :, ::2]
    assert not out.flags.c_contiguous
    res = embedding(idx, w, out=out)
    assert res is out
    assert np.array_equal(big[:, :, ::2], w[idx])
    assert np.all(big[:, :, 1::2] == -7.0)  # the gaps are not touched


@pytest.mark.parametrize("bad", [np.zeros((2, 4, 2), np.float32), np.zeros((8, 3), np.float32),
                                 np.zeros((2, 4, 3), np.float64)])
def test_out_wrong_shape_or_dtype(rng, bad):
    w = _table(rng, 10, 3)
    before = bad.copy()
    with pytest.raises(ValueError, match=r"out must have shape \(2, 4, 3\) and dtype float32"):
        embedding(SEED_INDICES, w, out=bad)
    assert np.array_equal(bad, before)


def test_out_read_only_refused(rng):
    w = _table(rng, 10, 3)
    out = np.zeros((2, 4, 3), np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        embedding(SEED_INDICES, w, out=out)


def test_out_untouched_after_index_error(rng):
    w = _table(rng, 10, 3)
    out = np.full((2, 4, 3), 42.0, np.float32)
    with pytest.raises(IndexError):
        embedding([[1, 2, 4, 5], [4, 3, 2, 10]], w, out=out)
    assert np.all(out == 42.0)


# --------------------------------------------------------------------------- max_norm


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_norm_renormalizes_referenced_rows(rng, norm_type, dtype):
    v, d = 30, 5
    w = (_table(rng, v, d, dtype) * rng.uniform(0.1, 3.0, size=(v, 1))).astype(dtype)
    max_norm = 1.5
    idx = rng.integers(0, v // 2, size=(4, 6))  # rows >= v // 2 are never referenced
    want = reference.embedding_renorm(w, idx, max_norm, norm_type)
    before = w.copy()
    out = embedding(idx, w, max_norm=max_norm, norm_type=norm_type)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(w, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(out, want[idx], rtol=tol, atol=tol)
    assert np.array_equal(out, w[idx])  # the lookup reads the renormalized rows
    referenced = np.zeros(v, bool)
    referenced[np.unique(idx)] = True
    norms = np.linalg.norm(before.astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    # rows not referenced, or referenced but within the norm: bit-identical
    assert np.array_equal(w[~(referenced & big)], before[~(referenced & big)])
    # renormalized rows now have norm max_norm (up to torch's 1e-7)
    changed = referenced & big
    assert changed.any() and (~referenced & big).any()
    new_norms = np.linalg.norm(w[changed].astype(np.float64), ord=norm_type, axis=1)
    np.testing.assert_allclose(new_norms, max_norm, rtol=1e-5)


def test_max_norm_strided_weight(rng):
    base = _table(rng, 12, 8) * 4
    w = base[:, ::2]
    want = reference.embedding_renorm(w, [0, 5, 5], 1.0)
    out = embedding([0, 5, 5], w, max_norm=1.0)
    np.testing.assert_allclose(w, want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out, want[[0, 5, 5]], rtol=1e-6, atol=1e-7)


def test_max_norm_weight_unchanged_after_index_error(rng):
    w = _table(rng, 10, 3) * 10
    before = w.copy()
    with pytest.raises(IndexError, match=re.escape("indices[1, 3] = 10")):
        embedding([[1, 2, 4, 5], [4, 3, 2, 10]], w, max_norm=0.5)
    assert np.array_equal(w, before)


def test_max_norm_read_only_weight_refused(rng):
    w = _table(rng, 10, 3) * 10
    w.flags.writeable = False
    before = w.copy()
    with pytest.raises(ValueError, match="read-only") as exc:
        embedding([1, 2], w, max_norm=0.5)
    assert "max_norm" in str(exc.value)
    assert np.array_equal(w, before)


@pytest.mark.parametrize("max_norm", [0.0, -1.0, np.nan])
def test_max_norm_bad_value(rng, max_norm):
    w = _table(rng, 10, 3) * 10
    before = w.copy()
    with pytest.raises(ValueError, match="max_norm"):
        embedding([1, 2], w, max_norm=max_norm)
    assert np.array_equal(w, before)


# --------------------------------------------------------------------------- one-hot CSR


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "csr_array"])
def test_one_hot_indices_equal_index_form_and_matmul(rng, fmt):
    v = 9
    ids = rng.integers(0, v, size=12)
    w = _table(rng, v, 4)
    x = sd.one_hot(ids, v)
    assert np.array_equal(embedding(x, w), w[ids])  # csr as given by one_hot
    if fmt == "csc":
        x = x.tocsc()
    elif fmt == "coo":
        x = x.tocoo()
    elif fmt == "csr_array":
        x = sp.csr_array(x)
    out = embedding(x, w)
    assert out.shape == (12, 4)
    assert np.array_equal(out, embedding(ids, w))
    assert np.array_equal(out, np.asarray(x @ w))
    # and the gradient: one-hot indices give the same as the index form
    g = rng.standard_normal((12, 4)).astype(np.float32)
    assert np.array_equal(embedding_backward(g, x, v), embedding_backward(g, ids, v))


def test_one_hot_is_orthogonal_and_lookup_is_matmul():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    x = sd.one_hot([0, 1, 3], 4)
    gram = (x @ x.T).toarray()
    assert np.array_equal(gram, np.eye(3))
    assert np.array_equal(embedding(x, w), w[[0, 1, 3]])


@pytest.mark.parametrize("rows, cols, vals, bad_row", [
    ([0, 1, 1, 2], [2, 0, 3, 1], [1, 1, 1, 1], 1),   # two ones in row 1
    ([0, 2], [2, 1], [1, 1], 1),                     # row 1 empty
    ([0, 1, 2], [2, 0, 1], [1, 2, 1], 1),            # a stored 2
    ([0, 1, 2], [2, 0, 1], [1, 1, 0.5], 2),          # a stored 0.5
])
def test_not_one_hot_refused_naming_row(rng, rows, cols, vals, bad_row):
    w = _table(rng, 5, 3)
    before = w.copy()
    x = sp.csr_matrix((vals, (rows, cols)), shape=(3, 5))
    with pytest.raises(ValueError, match=rf"row {bad_row}\b.*not one-hot"):
        embedding(x, w)
    with pytest.raises(ValueError, match=rf"row {bad_row}\b"):
        embedding(x, w * 10, max_norm=1.0)
    with pytest.raises(ValueError, match=rf"row {bad_row}\b"):
        embedding_backward(np.ones((3, 3), np.float32), x, 5)
    assert np.array_equal(w, before)


def test_one_hot_wrong_width_refused(rng):
    w = _table(rng, 5, 3)
    with pytest.raises(ValueError, match="num_embeddings=5"):
        embedding(sd.one_hot([0, 1], 6), w)


# --------------------------------------------------------------------------- index errors


@pytest.mark.parametrize("indices, dtype, where, value", [
    ([[1, 2, 4, 5], [4, 3, 2, 10]], np.int64, "1, 3", "10"),
    ([[1, 2, 4, 5], [4, 3, 2, 10]], np.uint8, "1, 3", "10"),
    ([[1, 2, 4, 5], [4, -1, 2, 10]], np.int64, "1, 1", "-1"),
    ([[1, 2, 4, 5], [4, -3, 2, 1]], np.int8, "1, 1", "-3"),
    ([3, 2**40, 1], np.int64, "1", str(2**40)),
    ([3, 1, 2**64 - 1], np.uint64, "2", str(2**64 - 1)),
    ([3, 1, 2**63], np.uint64, "2", str(2**63)),
    ([[[0, 1], [9, 12]]], np.int32, "0, 1, 1", "12"),
])
def test_index_out_of_range(rng, indices, dtype, where, value):
    w = _table(rng, 10, 3)
    before = w.copy()
    idx = np.array(indices, dtype=dtype)
    msg = (f"indices[{where}] = {value} is out of range for num_embeddings=10 "
           "(valid: 0..9)")
    with pytest.raises(IndexError, match=re.escape(msg)):
        embedding(idx, w)
    with pytest.raises(IndexError, match=re.escape(msg)):
        embedding(idx, w, max_norm=0.1)
    assert np.array_equal(w, before)
    g = np.ones(idx.shape + (3,), np.float32)
    with pytest.raises(IndexError, match=re.escape(msg)):
        embedding_backward(g, idx, 10)
    with pytest.raises(IndexError, match=re.escape(msg)):
        embedding_backward(g, idx, 10, sparse=True)


def test_index_equal_to_num_embeddings_seed_message(rng):
    w = _table(rng, 10, 3)
    with pytest.raises(IndexError) as exc:
        embedding([[1, 2, 4, 5], [4, 3, 2, 10]], w)
    assert str(exc.value) == ("indices[1, 3] = 10 is out of range for num_embeddings=10 "
                              "(valid: 0..9)")


def test_index_error_names_first_bad_position_in_c_order(rng):
    w = _table(rng, 10, 3)
    idx = np.asfortranarray(np.array([[0, 0, 11], [12, 0, 0]]))
    with pytest.raises(IndexError, match=re.escape("indices[0, 2] = 11")):
        embedding(idx, w)
    strided = np.array([[0, 99, 0, 0, 13, 0]])[:, ::2]  # [[0, 0, 13]]: the 99 is not in view
    with pytest.raises(IndexError, match=re.escape("indices[0, 2] = 13")):
        embedding(strided, w)


def test_python_int_beyond_int64_is_an_index_error(rng):
    # an integer index too large for int64 is still an integer index out of
    # range: IndexError (numpy's W[[2**70]] raises IndexError too), not TypeError
    w = _table(rng, 10, 3)
    with pytest.raises(IndexError):
        w[[2**70]]
    with pytest.raises(IndexError, match="num_embeddings=10"):
        embedding([1, 2**70], w)


@pytest.mark.parametrize("indices", [
    np.array([1.0, 2.0]), np.array([[1.5]]), np.array([True, False]), [1.0, 2.0], [True, False],
    True, np.array([1 + 0j]), np.array(["1"]), np.array([], dtype=np.float32),
])
def test_non_integer_indices_type_error(rng, indices):
    w = _table(rng, 10, 3)
    with pytest.raises(TypeError, match="indices"):
        embedding(indices, w)
    with pytest.raises(TypeError, match="indices"):
        embedding_backward(np.ones(np.shape(indices) + (3,), np.float32), indices, 10)


# --------------------------------------------------------------------------- weight errors


@pytest.mark.parametrize("weight", [np.zeros(10, np.float32), np.zeros((2, 5, 3), np.float32),
                                    np.zeros((), np.float64)])
def test_weight_wrong_ndim(weight):
    with pytest.raises(ValueError, match=re.escape(str(weight.shape))):
        embedding([0], weight)
    with pytest.raises(ValueError, match="2-D"):
        Embedding.from_pretrained(weight)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float16, np.complex64, np.bool_])
def test_weight_wrong_dtype(dtype):
    weight = np.zeros((4, 3), dtype=dtype)
    with pytest.raises(TypeError, match=np.dtype(dtype).name):
        embedding([0], weight)
    with pytest.raises(TypeError):
        Embedding.from_pretrained(weight)


def test_weight_not_an_array():
    with pytest.raises(TypeError, match="weight"):
        embedding([0], [[1.0, 2.0]])


# --------------------------------------------------------------------------- backward


@SETTINGS
@given(
    shape=st.sampled_from(SHAPES + [(40,), (6, 7)]),
    dtype=st.sampled_from(INT_DTYPES),
    layout=st.sampled_from(INDEX_LAYOUTS),
    gdtype=st.sampled_from([np.float32, np.float64]),
    num_embeddings=st.sampled_from([1, 2, 5, 17, 60, 5000]),
    dim=st.integers(1, 5),
    padding=st.sampled_from([None, 0, 1, -1, -2]),
    scale=st.booleans(),
    dup_pool=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_embedding_backward_matches_add_at(shape, dtype, layout, gdtype, num_embeddings, dim,
                                           padding, scale, dup_pool, seed):
    rng = np.random.default_rng(seed)
    num_embeddings = min(num_embeddings, int(np.iinfo(dtype).max) + 1)
    if padding is not None and not -num_embeddings <= padding < num_embeddings:
        padding = None
    # draw from a small pool of rows so that duplicates are common
    pool = rng.integers(0, num_embeddings, size=dup_pool)
    if padding is not None:
        pool[0] = padding % num_embeddings
    values = pool[rng.integers(0, dup_pool, size=shape)] if np.prod(shape) else \
        np.zeros(shape, np.int64)
    indices = _make_indices(values, dtype, layout)
    grad = rng.standard_normal(shape + (dim,)).astype(gdtype)
    want = reference.embedding_backward(grad, values, num_embeddings, padding, scale)
    tol = 1e-6 if gdtype == np.float32 else 1e-12

    dense = embedding_backward(grad, indices, num_embeddings, padding_idx=padding,
                               scale_grad_by_freq=scale)
    assert isinstance(dense, np.ndarray)
    assert dense.shape == (num_embeddings, dim) and dense.dtype == gdtype
    np.testing.assert_allclose(dense, want, rtol=tol, atol=tol)
    if padding is not None:
        assert np.all(dense[padding] == 0)

    sparse = embedding_backward(grad, indices, num_embeddings, padding_idx=padding,
                                scale_grad_by_freq=scale, sparse=True)
    assert isinstance(sparse, RowSparseGrad)
    expected_rows = np.unique(values)
    if padding is not None:
        expected_rows = expected_rows[expected_rows != padding % num_embeddings]
    assert sparse.indices.tolist() == expected_rows.tolist()  # sorted, distinct
    assert sparse.values.shape == (expected_rows.size, dim)
    assert sparse.values.dtype == gdtype
    assert sparse.shape == (num_embeddings, dim)
    np.testing.assert_allclose(sparse.values, want[expected_rows], rtol=tol, atol=tol)
    assert np.array_equal(sparse.to_dense(), dense)


def test_backward_docstring_example():
    g = embedding_backward(np.ones((3, 2), np.float32), [1, 3, 1], num_embeddings=4)
    assert g.tolist() == [[0, 0], [2, 2], [0, 0], [1, 1]]
    s = embedding_backward(np.ones((3, 2), np.float32), [1, 3, 1], 4, sparse=True)
    assert s.indices.tolist() == [1, 3] and s.values.tolist() == [[2, 2], [1, 1]]


def test_backward_scale_grad_by_freq_and_padding(rng):
    idx = np.array([[1, 2, 2, 1, 3, 1]])
    g = rng.standard_normal((1, 6, 3))
    out = embedding_backward(g, idx, 5, padding_idx=-3, scale_grad_by_freq=True)
    np.testing.assert_allclose(out[1], g[0, [0, 3, 5]].sum(0) / 3)
    np.testing.assert_allclose(out[3], g[0, 4])
    assert np.all(out[2] == 0) and np.all(out[0] == 0) and np.all(out[4] == 0)


def test_backward_all_padding_sparse_is_empty():
    s = embedding_backward(np.ones((2, 3), np.float32), [2, 2], 10, padding_idx=2, sparse=True)
    assert s.indices.shape == (0,) and s.values.shape == (0, 3)
    assert np.array_equal(s.to_dense(), np.zeros((10, 3), np.float32))


def test_backward_large_table_small_batch_sparse(rng):
    # a table far larger than the batch takes the path that never allocates V counts
    v = 1_000_000
    idx = rng.integers(0, v, size=50)
    idx[10:20] = idx[0]
    g = rng.standard_normal((50, 4)).astype(np.float32)
    s = embedding_backward(g, idx, v, padding_idx=int(idx[1]), sparse=True)
    rows = np.unique(idx)
    rows = rows[rows != idx[1]]
    assert s.indices.tolist() == rows.tolist()
    for k, r in enumerate(rows):
        np.testing.assert_allclose(s.values[k], g[(idx == r)].sum(0), rtol=1e-6, atol=1e-6)


def test_backward_grad_output_wrong_shape():
    idx = np.zeros((2, 4), np.int64)
    with pytest.raises(ValueError) as exc:
        embedding_backward(np.ones((2, 3, 5), np.float32), idx, 10)
    msg = str(exc.value)
    assert "(2, 3, 5)" in msg and "(2, 4" in msg
    with pytest.raises(ValueError, match=re.escape("(8, 5)")):
        embedding_backward(np.ones((8, 5), np.float32), idx, 10, sparse=True)


@pytest.mark.parametrize("grad", [np.ones((2, 3), np.int64), np.ones((2, 3), np.float16),
                                  sp.csr_matrix(np.ones((2, 3), np.float32))])
def test_backward_grad_output_wrong_type(grad):
    with pytest.raises(TypeError, match="grad_output"):
        embedding_backward(grad, [0, 1], 10)


@pytest.mark.parametrize("padding_idx", [10, -11, 100, -1000])
def test_padding_idx_out_of_range(rng, padding_idx):
    w = _table(rng, 10, 3)
    msg = re.escape(f"padding_idx = {padding_idx}")
    with pytest.raises(ValueError, match=msg):
        embedding([0, 1], w, padding_idx=padding_idx)
    with pytest.raises(ValueError, match=msg):
        embedding_backward(np.ones((2, 3), np.float32), [0, 1], 10, padding_idx=padding_idx)
    with pytest.raises(ValueError, match=msg):
        Embedding(10, 3, padding_idx=padding_idx)
    with pytest.raises(ValueError, match=msg):
        Embedding.from_pretrained(w, padding_idx=padding_idx)


@pytest.mark.parametrize("padding_idx", [1.0, "1", True])
def test_padding_idx_wrong_type(padding_idx):
    with pytest.raises(TypeError, match="padding_idx"):
        embedding_backward(np.ones((2, 3), np.float32), [0, 1], 10, padding_idx=padding_idx)


@pytest.mark.parametrize("num_embeddings, exc", [(0, ValueError), (-5, ValueError),
                                                 (3.0, TypeError)])
def test_backward_bad_num_embeddings(num_embeddings, exc):
    with pytest.raises(exc, match="num_embeddings"):
        embedding_backward(np.ones((2, 3), np.float32), [0, 1], num_embeddings)


# --------------------------------------------------------------------------- 0-d and 0-wide


def test_zero_dim_index(rng):
    w = _table(rng, 10, 3)
    out = embedding(np.int64(4), w)
    assert out.shape == (3,) and np.array_equal(out, w[4])
    g = embedding_backward(np.ones(3, np.float32), np.uint8(4), 10)
    assert g.shape == (10, 3) and g[4].tolist() == [1, 1, 1] and g.sum() == 3
    with pytest.raises(IndexError, match=re.escape("= 10 is out of range for num_embeddings=10")):
        embedding(np.int64(10), w)


@pytest.mark.parametrize("sparse", [False, True])
def test_backward_with_zero_columns_like_the_forward(sparse):
    """A table with embedding_dim 0 has a gradient of shape (num_embeddings, 0), as in torch."""
    idx = np.array([[1, 2], [3, 4]])
    W = np.zeros((5, 0), np.float32)
    assert embedding(idx, W).shape == (2, 2, 0)
    grad = embedding_backward(np.zeros((2, 2, 0), np.float32), idx, 5, sparse=sparse)
    assert grad.shape == (5, 0)
    assert grad.dtype == np.float32
