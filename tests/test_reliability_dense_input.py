"""Reliability: dense tables and every shape mismatch (issue #7).

Tables: float32 and float64 work everywhere; float16, integer, bool, object and
complex tables are refused with TypeError naming the argument and the dtype
(convert with ``.astype(np.float32)``; documented in ``check_weight``), while
the similarity functions, which take data rather than a table, convert any real
dtype to float64 like scikit-learn. Layouts: C, Fortran, strided, read-only and
``np.memmap`` (mode 'r' and 'r+') give the same results as a C array. NaN and
inf are carried through.

Shapes: each mismatch between indices, weights, gradients, offsets,
per_sample_weights and ``out`` is a ValueError naming the argument and both
shapes, and changes nothing.

Also: ``np.memmap`` tables (read-only and read-write) work like in-memory ones,
``max_norm`` on a read-only map is refused and on a read-write one writes
through; float16 / complex tables are refused; NaN / inf are carried through.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd
from sparsedense import functional as F
from sparsedense.nn import Embedding, EmbeddingBag, RowSparseGrad
from sparsedense.optim import SGD, Adagrad, SparseAdam
from sparsedense.similarity import cosine_similarity, topk_similar

V, D = 8, 4
IDX = np.array([[1, 2, 7], [0, 2, 2]])
X = sp.csr_matrix(np.array([[1, 0, 2, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0],
                            [0, 3, 0, 0, 1, 0, 0, 0]], dtype=np.float64))
WORDS = [f"w{i}" for i in range(V)]


def _table(dtype=np.float32):
    return (np.arange(V * D).reshape(V, D) % 7 - 3).astype(dtype) / 2


TABLE_USERS = {
    "embedding": (lambda W: F.embedding(IDX, W), lambda W: W[IDX]),
    "embedding_bag_sum": (lambda W: F.embedding_bag(IDX, W, mode="sum"),
                          lambda W: W[IDX].sum(axis=1)),
    "embedding_bag_max": (lambda W: F.embedding_bag(IDX, W, mode="max"),
                          lambda W: W[IDX].max(axis=1)),
    "embedding_bag_backward": (
        lambda W: F.embedding_bag_backward(np.ones((2, D), W.dtype), IDX, W, mode="mean")[0],
        lambda W: np.stack([np.full(D, c / 3, W.dtype) for c in np.bincount(IDX.ravel(),
                                                                             minlength=V)])),
    "sparse_to_dense": (lambda W: F.sparse_to_dense(X, W),
                        lambda W: np.asarray(X.astype(W.dtype) @ W)),  # stored entries only
    "Embedding.from_pretrained": (lambda W: Embedding.from_pretrained(W)(IDX), lambda W: W[IDX]),
    "EmbeddingBag.from_pretrained": (
        lambda W: EmbeddingBag.from_pretrained(W, mode="sum")(IDX), lambda W: W[IDX].sum(axis=1)),
    "Vectors": (lambda W: sd.Vectors(WORDS, W)[["w1", "w7"]], lambda W: W[[1, 7]]),
    "Vectors.most_similar": (
        lambda W: [k for k, _ in sd.Vectors(WORDS, W).most_similar("w1", topn=3)],
        lambda W: [WORDS[i] for i in np.argsort(-_cos(W)[1], kind="stable") if i != 1][:3]),
    "EmbeddingVectorizer": (
        lambda W: sd.EmbeddingVectorizer(W, WORDS, weighting="count", mode="sum").fit_transform(
            ["w1 w2 w2", "w7"]),
        lambda W: np.stack([W[1] + 2 * W[2], W[7]])),
}


def _cos(W):
    W = W.astype(np.float64)
    n = np.linalg.norm(W, axis=1, keepdims=True)
    U = W / np.where(n == 0, 1, n)
    return U @ U.T


def _check(got, want, dtype):
    if isinstance(want, list):
        assert got == want
        return
    assert np.asarray(got).dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-12,
                               atol=1e-6)


@pytest.mark.parametrize("user", sorted(TABLE_USERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "strided", "readonly", "memmap_r", "memmap_r+"])
def test_table_dtype_and_layout(user, dtype, layout, tmp_path):
    base = _table(dtype)
    if layout == "C":
        W = base.copy()
    elif layout == "F":
        W = np.asfortranarray(base)
    elif layout == "strided":
        W = np.repeat(base, 2, axis=1)[:, ::2]
        assert not W.flags.c_contiguous
    elif layout == "readonly":
        W = base.copy()
        W.flags.writeable = False
    else:
        path = tmp_path / "table.bin"
        base.tofile(path)
        W = np.memmap(path, dtype=dtype, mode=layout.split("_")[1], shape=base.shape)
    call, ref = TABLE_USERS[user]
    before = np.array(W, copy=True)
    _check(call(W), ref(base), dtype)
    np.testing.assert_array_equal(np.asarray(W), before)
    if layout.startswith("memmap"):
        assert np.fromfile(tmp_path / "table.bin", dtype=dtype).tobytes() == base.tobytes()


@pytest.mark.parametrize("user", sorted(TABLE_USERS))
@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.int64, np.bool_, np.complex64,
                                   np.complex128, np.longdouble, object])
def test_table_dtype_refused(user, dtype):
    W = np.ones((V, D), dtype=dtype)
    call, _ = TABLE_USERS[user]
    with pytest.raises(TypeError) as info:
        call(W)
    msg = str(info.value)
    assert np.dtype(dtype).name in msg or str(np.dtype(dtype)) in msg, msg
    assert "weight" in msg or "embeddings" in msg, msg


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.bool_, np.longdouble])
@pytest.mark.parametrize("fn", ["cosine_similarity", "topk_similar"])
def test_similarity_converts_real_dtypes_like_sklearn(dtype, fn):
    from sklearn.metrics.pairwise import cosine_similarity as sk

    A = (np.arange(12).reshape(4, 3) % 3).astype(dtype)
    want = sk(A.astype(np.float64))
    if fn == "cosine_similarity":
        got = cosine_similarity(A)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    else:
        idx, scores = topk_similar(A, k=4)
        np.testing.assert_allclose(scores, np.take_along_axis(want, idx, axis=1), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("call,name", [
    (lambda A: cosine_similarity(A), "A"), (lambda A: cosine_similarity(np.ones((2, 3)), A), "B"),
    (lambda A: topk_similar(A, k=1), "queries"),
    (lambda A: topk_similar(np.ones((2, 3)), A, k=1), "corpus"),
    (lambda A: sd.TfidfTransformer().fit(A), "X"),
])
def test_complex_data_refused(dtype, call, name):
    with pytest.raises(TypeError) as info:
        call(np.ones((3, 3), dtype=dtype))
    assert name in str(info.value) and np.dtype(dtype).name in str(info.value)


@pytest.mark.parametrize("user", ["embedding", "embedding_bag_sum", "sparse_to_dense",
                                  "Embedding.from_pretrained"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_and_inf_carried(user, dtype):
    W = _table(dtype)
    W[2, 1] = np.nan
    W[7, 0] = np.inf
    W[1, 3] = -np.inf
    call, ref = TABLE_USERS[user]
    with np.errstate(invalid="ignore"):
        want = ref(W)
    got = call(W)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ shape mismatches

def _module_with_grad(grad, sparse=False):
    m = Embedding(V, D, seed=0, sparse=sparse)
    m.grad = grad
    return m


SHAPE_CASES = {
    "out_shape": (lambda W: F.embedding(IDX, W, out=np.zeros((2, 3, D + 1), np.float32)),
                  ValueError, ["out", "(2, 3, 4)", "(2, 3, 5)"]),
    "out_dtype": (lambda W: F.embedding(IDX, W, out=np.zeros((2, 3, D), np.float64)),
                  ValueError, ["out", "float32", "float64"]),
    "out_readonly": (lambda W: F.embedding(IDX, W, out=_readonly_out()), ValueError,
                     ["out", "read-only"]),
    "out_list": (lambda W: F.embedding(IDX, W, out=[[0.0]]), TypeError, ["out", "list"]),
    "weight_1d": (lambda W: F.embedding(IDX, W[0]), ValueError, ["weight", "2-D", "(4,)"]),
    "weight_3d": (lambda W: F.embedding(IDX, W[None]), ValueError, ["weight", "2-D"]),
    "weight_list": (lambda W: F.embedding(IDX, W.tolist()), TypeError, ["weight", "list"]),
    "grad_output_rank": (lambda W: F.embedding_backward(np.ones((6, D), np.float32), IDX, V),
                         ValueError, ["grad_output", "(6, 4)", "(2, 3"]),
    "grad_output_lead": (lambda W: F.embedding_backward(np.ones((3, 2, D), np.float32), IDX, V),
                         ValueError, ["grad_output", "(3, 2, 4)"]),
    "grad_output_int": (lambda W: F.embedding_backward(np.ones((2, 3, D), np.int32), IDX, V),
                        TypeError, ["grad_output", "int32"]),
    "grad_output_sparse": (lambda W: F.embedding_backward(sp.csr_matrix((6, D)), IDX.ravel(), V),
                           TypeError, ["grad_output", "sparse"]),
    "bag_grad_n_bags": (lambda W: F.embedding_bag_backward(np.ones((3, D), np.float32), IDX, W),
                        ValueError, ["grad_output", "(3, 4)", "(2, 4)"]),
    "bag_grad_dim": (lambda W: F.embedding_bag_backward(np.ones((2, D - 1), np.float32), IDX, W),
                     ValueError, ["grad_output", "(2, 3)", "(2, 4)"]),
    "bag_grad_sparse": (lambda W: F.embedding_bag_backward(sp.csr_matrix((2, D)), IDX, W),
                        TypeError, ["grad_output", "sparse"]),
    "offsets_with_2d": (lambda W: F.embedding_bag(IDX, W, offsets=[0]), ValueError,
                        ["offsets", "2-D"]),
    "offsets_missing": (lambda W: F.embedding_bag(IDX.ravel(), W), ValueError, ["offsets"]),
    "indices_3d_bag": (lambda W: F.embedding_bag(IDX[None], W), ValueError,
                       ["indices", "(1, 2, 3)"]),
    "psw_shape": (lambda W: F.embedding_bag(IDX, W, mode="sum", per_sample_weights=np.ones(6)),
                  ValueError, ["per_sample_weights", "(6,)", "(2, 3)"]),
    "psw_max": (lambda W: F.embedding_bag(IDX, W, mode="max", per_sample_weights=np.ones((2, 3))),
                ValueError, ["per_sample_weights", "max"]),
    "sparse_to_dense_cols": (lambda W: F.sparse_to_dense(X[:, :5], W), ValueError,
                             ["X", "5", f"{V}"]),
    "onehot_width": (lambda W: F.embedding(sd.one_hot([1, 2], V + 1), W), ValueError,
                     ["indices", f"{V + 1}", f"num_embeddings={V}"]),
    "cosine_cols": (lambda W: cosine_similarity(W, W[:, :2]), ValueError, ["A and B", "4", "2"]),
    "topk_cols": (lambda W: topk_similar(W, W[:, :2], k=1), ValueError, ["queries", "4", "2"]),
    "topk_k": (lambda W: topk_similar(W, k=V + 1), ValueError, ["k = 9", "8"]),
    "row_sparse_values": (lambda W: RowSparseGrad([1, 2], np.ones((3, D), np.float32), V),
                          ValueError, ["values", "(3, 4)", "2"]),
    "row_sparse_add": (lambda W: RowSparseGrad([1], np.ones((1, D), np.float32), V)
                       + RowSparseGrad([1], np.ones((1, D), np.float32), V + 1),
                       ValueError, ["(9, 4)", "(8, 4)"]),
    "optim_grad_shape": (lambda W: SGD([_module_with_grad(np.ones((V + 1, D), np.float32))],
                                       lr=0.1).step(), ValueError, ["grad", "(9, 4)", "(8, 4)"]),
    "optim_grad_list": (lambda W: SGD([_module_with_grad([[0.0] * D] * V)], lr=0.1).step(),
                        TypeError, ["modules[0].grad", "list"]),
    "optim_grad_int": (lambda W: Adagrad([_module_with_grad(np.ones((V, D), np.int64))]).step(),
                       TypeError, ["modules[0].grad", "int64"]),
    "optim_betas": (lambda W: SparseAdam([_module_with_grad(None, True)], betas=(0.9,)),
                    ValueError, ["betas", "(0.9,)"]),
    "optim_betas_str": (lambda W: SparseAdam([_module_with_grad(None, True)], betas=("a", 0.9)),
                        TypeError, ["betas[0]", "'a'"]),
    "vectors_rows": (lambda W: sd.Vectors(WORDS[:3], W), ValueError, ["weight", "8", "3"]),
    "vectors_query": (lambda W: sd.Vectors(WORDS, W).most_similar(np.ones(D + 1)), ValueError,
                      ["query vector", "4", "5"]),
    "vectors_add": (lambda W: sd.Vectors(WORDS, W).add_vectors(["z"], np.ones((1, D + 1))),
                    ValueError, ["weights", "(1, 5)", "(1, 4)"]),
    "vectors_restrict_vocab": (lambda W: sd.Vectors(WORDS, W).most_similar("w1", restrict_vocab=-1),
                               ValueError, ["restrict_vocab", "-1"]),
    "vectors_restrict_vocab_float": (
        lambda W: sd.Vectors(WORDS, W).most_similar_batch(["w1"], restrict_vocab=2.5),
        TypeError, ["restrict_vocab", "2.5"]),  # a wrong type, as in gensim (issue 21)
    "vectors_positive_float": (lambda W: sd.Vectors(WORDS, W).most_similar(3.5), TypeError,
                               ["positive", "float 3.5"]),
    # an int names a row, as in gensim: one past the last row is a missing key
    "vectors_key_int": (lambda W: sd.Vectors(WORDS, W)[V], KeyError, [f"Key {V}"]),
    "vectors_batch_topn": (lambda W: sd.Vectors(WORDS, W).most_similar_batch(["w1"], topn=-1),
                           ValueError, ["topn", "-1"]),
    "embedding_vectorizer_vocab": (lambda W: sd.EmbeddingVectorizer(W, WORDS[:3]).fit(["w1"]),
                                   ValueError, ["vocabulary", "3", "8"]),
    "lsa_transform_width": (lambda W: sd.LSA(2, random_state=0).fit(X).transform(X[:, :5]),
                            ValueError, ["5", f"{V}"]),
    "lsa_inverse_width": (lambda W: sd.LSA(2, random_state=0).fit(X).inverse_transform(
        np.ones((1, 3))), ValueError, ["3", "n_components=2"]),
    "lsa_transform_1d": (lambda W: sd.LSA(2, random_state=0).fit(X).transform(np.ones(V)),
                         ValueError, ["2-D", "(8,)"]),
    "tfidf_width": (lambda W: sd.TfidfTransformer().fit(X).transform(X[:, :5]), ValueError,
                    ["5", f"{V}"]),
}


def _readonly_out():
    out = np.zeros((2, 3, D), np.float32)
    out.flags.writeable = False
    return out


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_shape_mismatch(case):
    call, exc, words = SHAPE_CASES[case]
    W = _table()
    before = W.copy()
    with pytest.raises(exc) as info:
        call(W)
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    np.testing.assert_array_equal(W, before)


@pytest.mark.parametrize("cls", [Embedding, EmbeddingBag])
def test_module_failed_backward_and_forward_change_nothing(cls):
    m = cls.from_pretrained(_table(), freeze=False)
    out = m(IDX)
    saved = m._saved
    w = m.weight.copy()
    with pytest.raises(ValueError, match="grad_output"):
        m.backward(np.ones((5, D), np.float32))
    assert m.grad is None and m._saved is saved
    with pytest.raises(IndexError):
        m(IDX + V)
    assert m._saved is saved
    m.backward(np.ones(out.shape, np.float32))
    assert m.grad is not None
    g = m.grad.copy() if isinstance(m.grad, np.ndarray) else m.grad.to_dense()
    with pytest.raises(ValueError):
        m.backward(np.ones((5, D), np.float32))
    np.testing.assert_array_equal(m.grad, g)
    np.testing.assert_array_equal(m.weight, w)


def test_failed_optimizer_step_changes_no_module():
    good = Embedding(V, D, seed=1)
    good.grad = np.ones((V, D), np.float32)
    bad = Embedding(V, D, seed=2)
    bad.grad = np.ones((V, D), np.int32)
    opt = Adagrad([good, bad])
    before = good.weight.copy()
    with pytest.raises(TypeError, match=r"modules\[1\]\.grad"):
        opt.step()
    np.testing.assert_array_equal(good.weight, before)
    assert opt.state[0] == {}


def test_vectors_empty_queries_and_restricted_vocab():
    kv = sd.Vectors(WORDS, _table())
    assert kv.most_similar_batch([]) == []
    assert kv.most_similar_batch(["w1", "w2"], restrict_vocab=0) == [[], []]
    assert kv.most_similar("w1", restrict_vocab=0) == []
    assert kv.most_similar_batch(["w1"], topn=0) == [[]]


# ---------------------------------------------------------------------------
# np.memmap tables (read-only and read-write) work like in-memory ones


from reference import bit_identical as _same  # noqa: E402


@pytest.fixture
def memmaps(tmp_path):
    W = np.random.default_rng(9).standard_normal((500, 16)).astype(np.float32)
    path = tmp_path / "table.f32"
    W.tofile(path)
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=W.shape)
    rw = np.memmap(tmp_path / "table_rw.f32", dtype=np.float32, mode="w+", shape=W.shape)
    rw[:] = W
    rw.flush()
    rw = np.memmap(tmp_path / "table_rw.f32", dtype=np.float32, mode="r+", shape=W.shape)
    return W, path, {"r": ro, "r+": rw}


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_memmap_tables(memmaps, mode):
    W, _, maps = memmaps
    M = maps[mode]
    assert isinstance(M, np.memmap)
    rng = np.random.default_rng(2)
    idx = rng.integers(0, W.shape[0], size=(6, 9))
    assert _same(F.embedding(idx, M), F.embedding(idx, W))
    assert np.array_equal(F.embedding(idx, M), W[idx])
    for bag_mode in ("sum", "mean", "max"):
        assert _same(F.embedding_bag(idx, M, mode=bag_mode),
                     F.embedding_bag(idx, W, mode=bag_mode)), bag_mode
    X = sp.random(12, W.shape[0], density=0.05, format="csr", random_state=3)
    for s_mode in ("sum", "mean", "max"):
        assert _same(F.sparse_to_dense(X, M, mode=s_mode), F.sparse_to_dense(X, W, mode=s_mode))
    assert _same(topk_similar(W[:20], M, k=5), topk_similar(W[:20], W, k=5))
    assert _same(topk_similar(M[:20], M, k=5, exclude_self=False),
                 topk_similar(W[:20], W, k=5))
    emb = Embedding.from_pretrained(M)
    assert _same(emb(idx), W[idx])
    # nothing was written to the table
    assert np.array_equal(np.asarray(M), W)


def test_max_norm_on_readonly_memmap_refused(memmaps):
    W, path, maps = memmaps
    before = path.read_bytes()
    with pytest.raises(ValueError, match="read-only"):
        F.embedding([[1, 2, 3]], maps["r"], max_norm=1.0)
    assert path.read_bytes() == before
    assert np.array_equal(np.asarray(maps["r"]), W)


def test_max_norm_on_rw_memmap_writes_through(memmaps):
    W, _, maps = memmaps
    M = maps["r+"]
    ref = W.copy()
    a = F.embedding([4, 5, 4], M, max_norm=1.0)
    b = F.embedding([4, 5, 4], ref, max_norm=1.0)
    assert _same(a, b)
    assert np.array_equal(np.asarray(M), ref)


# ---------------------------------------------------------------------------
# float16 / complex tables are refused; NaN / inf are carried through


@pytest.mark.parametrize("dtype", [np.float16, np.complex64, np.complex128])
def test_embedding_refuses_float16_and_complex(dtype):
    W = np.ones((4, 3), dtype=dtype)
    with pytest.raises(TypeError) as info:
        F.embedding([0, 1], W)
    msg = str(info.value)
    assert "weight" in msg and np.dtype(dtype).name in msg, msg


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_cosine_similarity_refuses_complex(dtype):
    A = np.ones((3, 2), dtype=dtype)
    with pytest.raises(TypeError, match="complex"):
        cosine_similarity(A)
    with pytest.raises(TypeError, match="complex"):
        cosine_similarity(np.ones((3, 2)), A)
    with pytest.raises(TypeError, match="complex"):
        cosine_similarity(sp.csr_matrix(A))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_and_inf_carried_through(dtype):
    rng = np.random.default_rng(4)
    W = rng.standard_normal((20, 6)).astype(dtype)
    W[3, 1] = np.nan
    W[7, 4] = np.inf
    W[11, 0] = -np.inf
    idx = np.array([[3, 7, 0], [11, 2, 3]])
    got = F.embedding(idx, W)
    want = W[idx]
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(np.isposinf(got), np.isposinf(want))
    assert np.array_equal(np.isneginf(got), np.isneginf(want))
    assert np.array_equal(got, want, equal_nan=True)

    X = sp.csr_matrix(np.array([[1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                                [0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                                [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
                                [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
                               dtype=dtype))
    got = F.sparse_to_dense(X, W, mode="sum")
    with np.errstate(invalid="ignore"):
        want = X @ W
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    assert np.array_equal(np.isposinf(got), np.isposinf(want)), (got, want)
    assert np.array_equal(np.isneginf(got), np.isneginf(want)), (got, want)
    assert np.isnan(got[0, 1]) and np.isposinf(got[1, 4])
    assert np.isnan(got[2, 4]) or np.isposinf(got[2, 4])  # inf + finite
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-6)
