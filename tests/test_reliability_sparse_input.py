"""Reliability: every function that takes a sparse matrix, through every scipy.sparse
format (matrix and array classes) and every odd structure (issue #7).

Structures: non-canonical CSR (duplicates, unsorted indices), int32 and int64
index arrays (int64 forced on small data: the large-nnz path), empty rows, an
all-empty matrix, zero columns, explicit stored zeros. Each result is compared
with numpy / scikit-learn on the dense equivalent, and the caller's matrix is
never modified. CSR matrices with int64 index arrays give, bit for bit, what
their int32 twins give (sparse_to_dense, cosine_similarity, TfidfTransformer,
onehot_to_indices).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd
from sparsedense import functional as F
from sparsedense.similarity import cosine_similarity, normalize_rows, topk_similar

N_COLS, D = 7, 3
FORMATS = ["csr", "csc", "coo", "bsr", "lil", "dok", "dia"]
CLASSES = ["matrix", "array"]


def _dense_base():
    rng = np.random.default_rng(11)
    A = np.zeros((6, N_COLS))
    mask = rng.random(A.shape) < 0.45
    A[mask] = rng.integers(1, 4, size=mask.sum())
    A[2] = 0  # an empty row
    A[0, :2] = [2, 1]
    return A


def _force_int64(X):
    X = sp.csr_matrix(X, copy=True)
    Y = sp.csr_matrix((X.data, X.indices, X.indptr), shape=X.shape)
    Y.indices = X.indices.astype(np.int64)
    Y.indptr = X.indptr.astype(np.int64)
    assert Y.indices.dtype == np.int64 and Y.indptr.dtype == np.int64
    return Y


def _non_canonical(A):
    """CSR with each entry split in two duplicates, in reversed column order per row."""
    rows, cols, vals = [], [], []
    for r in range(A.shape[0]):
        for c in np.flatnonzero(A[r])[::-1]:
            rows += [r, r]
            cols += [c, c]
            vals += [A[r, c] / 2, A[r, c] / 2]
    indptr = np.searchsorted(rows, np.arange(A.shape[0] + 1), side="left")
    X = sp.csr_matrix((np.array(vals), np.array(cols, np.int32), indptr.astype(np.int32)),
                      shape=A.shape)
    assert not X.has_canonical_format
    return X


def _explicit_zeros(A):
    X = sp.csr_matrix(A)
    p = X.indptr[2]  # row 2 is empty: give it two stored zeros
    X = sp.csr_matrix((np.insert(X.data, p, [0.0, 0.0]),
                       np.insert(X.indices, p, [1, 0]).astype(np.int32),
                       np.concatenate([X.indptr[:3], X.indptr[3:] + 2]).astype(np.int32)),
                      shape=A.shape)
    assert X.nnz == np.count_nonzero(A) + 2
    np.testing.assert_array_equal(X.toarray(), A)
    return X


def _structures():
    A = _dense_base()
    out = {}
    for fmt in FORMATS:
        for cls in CLASSES:
            out[f"{fmt}_{cls}"] = (A, lambda A=A, fmt=fmt, cls=cls:
                                   getattr(sp, f"{fmt}_{cls}")(sp.csr_matrix(A)))
    out["csr_int64_indices"] = (A, lambda A=A: _force_int64(A))
    out["csr_array_int64_indices"] = (A, lambda A=A: sp.csr_array(_force_int64(A)))
    out["csr_non_canonical"] = (A, lambda A=A: _non_canonical(A))
    out["csr_non_canonical_int64"] = (A, lambda A=A: _force_int64(_non_canonical(A)))
    out["csr_explicit_zeros"] = (A, lambda A=A: _explicit_zeros(A))
    E = np.zeros((4, N_COLS))
    out["all_empty"] = (E, lambda E=E: sp.csr_matrix(E))
    out["all_empty_coo_array"] = (E, lambda E=E: sp.coo_array(E))
    out["one_row"] = (A[:1], lambda A=A: sp.csr_matrix(A[:1]))
    out["float32_values"] = (A.astype(np.float32), lambda A=A: sp.csr_matrix(A.astype(np.float32)))
    out["int_values"] = (A.astype(np.int64), lambda A=A: sp.csr_matrix(A.astype(np.int64)))
    return out


STRUCTURES = _structures()


def _weight():
    return (np.arange(N_COLS * D, dtype=np.float32).reshape(N_COLS, D) % 5 - 1.5) / 2


def _snapshot(X):
    if sp.issparse(X):
        C = X.tocoo(copy=True) if X.format != "dok" else sp.coo_matrix(X)
        arrays = [np.asarray(X.toarray())]
        for attr in ("data", "indices", "indptr", "offsets", "row", "col"):
            if hasattr(X, attr) and isinstance(getattr(X, attr), np.ndarray):
                arrays.append(getattr(X, attr).copy())
        return arrays, C.shape
    return [np.array(X, copy=True)], None


def _unchanged(X, snap):
    arrays, _ = _snapshot(X)
    assert len(arrays) == len(snap[0])
    for a, b in zip(arrays, snap[0]):
        np.testing.assert_array_equal(a, b)


def _sk_tfidf(A, **kw):
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(**kw).fit_transform(sp.csr_matrix(A)).toarray()


def _ref_s2d(A, W, mode):
    A = np.asarray(A, dtype=np.float64)
    W = W.astype(np.float64)
    if mode == "sum":
        return A @ W
    if mode == "mean":
        s = A.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(s != 0, (A @ W) / np.where(s == 0, 1, s), 0.0)
    out = np.zeros((A.shape[0], W.shape[1]))
    for r in range(A.shape[0]):
        cols = np.flatnonzero(A[r])
        if cols.size:
            out[r] = (A[r, cols, None] * W[cols]).max(axis=0)
    return out


def _consumers():
    W = _weight()

    def lsa(X, A):
        got = sd.LSA(n_components=2, random_state=0).fit_transform(X)
        want = sd.LSA(n_components=2, random_state=0).fit_transform(
            sp.csr_matrix(np.asarray(A, dtype=got.dtype)))
        return got, want

    return {
        "sparse_to_dense_sum": lambda X, A: (F.sparse_to_dense(X, W), _ref_s2d(A, W, "sum")),
        "sparse_to_dense_mean": lambda X, A: (F.sparse_to_dense(X, W, mode="mean"),
                                              _ref_s2d(A, W, "mean")),
        "sparse_to_dense_max": lambda X, A: (F.sparse_to_dense(X, W, mode="max"),
                                             _ref_s2d(A, W, "max")),
        "sparse_to_dense_l2": lambda X, A: (
            F.sparse_to_dense(X, W, normalize="l2"),
            normalize_rows(_ref_s2d(A, W, "sum"))),
        "cosine_similarity": lambda X, A: (cosine_similarity(X), _sk_cos(A, A)),
        "cosine_similarity_sparse_out": lambda X, A: (
            cosine_similarity(X, X, dense_output=False).toarray(), _sk_cos(A, A)),
        "cosine_similarity_vs_dense": lambda X, A: (cosine_similarity(X, np.asarray(A)),
                                                    _sk_cos(A, A)),
        "topk_similar": lambda X, A: (_topk_scores(X), _topk_scores(np.asarray(A, float))),
        "normalize_rows": lambda X, A: (normalize_rows(X).toarray(),
                                        _sk_normalize(np.asarray(A, float))),
        "tfidf_transformer": lambda X, A: (sd.TfidfTransformer().fit_transform(X).toarray(),
                                           _sk_tfidf(A)),
        "tfidf_transformer_sublinear_l1": lambda X, A: (
            sd.TfidfTransformer(norm="l1", sublinear_tf=True).fit_transform(X).toarray(),
            _sk_tfidf(A, norm="l1", sublinear_tf=True)),
        "tfidf_transform_after_fit": lambda X, A: (
            sd.TfidfTransformer().fit(sp.csr_matrix(A)).transform(X).toarray(), _sk_tfidf(A)),
        "lsa": lsa,
        "inverse_transform": lambda X, A: (
            [t.tolist() for t in _cv().inverse_transform(X)],
            [sorted(np.array(_cv().get_feature_names_out())[np.flatnonzero(r)].tolist())
             for r in np.asarray(A)]),
    }


def _cv():
    return sd.CountVectorizer(vocabulary=[f"w{i}" for i in range(N_COLS)])


def _sk_cos(A, B):
    from sklearn.metrics.pairwise import cosine_similarity as sk

    return sk(np.asarray(A, float), np.asarray(B, float))


def _sk_normalize(A):
    from sklearn.preprocessing import normalize

    return normalize(A)


def _topk_scores(X):
    _, scores = topk_similar(X, k=min(3, X.shape[0]))
    return scores.astype(np.float64)


CONSUMERS = _consumers()


@pytest.mark.parametrize("structure", sorted(STRUCTURES))
@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_sparse_case(consumer, structure):
    A, make = STRUCTURES[structure]
    X = make()
    if consumer == "lsa" and A.shape[0] < 2:
        pytest.skip("one row: LSA's explained variance is 0/0, as in scikit-learn")
    snap = _snapshot(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if consumer == "lsa" and not np.any(A):
            warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 variance ratio, like sklearn
        got, want = CONSUMERS[consumer](X, A)
    if isinstance(got, list):
        assert got == want
    else:
        rtol = 1e-5 if (np.asarray(got).dtype == np.float32 or A.dtype == np.float32
                        or consumer.startswith("sparse_to_dense")) else 1e-10
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=rtol,
                                   atol=rtol, err_msg=f"{consumer} on {structure}")
    _unchanged(X, snap)


@pytest.mark.parametrize("structure", sorted(s for s in STRUCTURES if s.startswith(("csr", "coo",
                                                                                      "dok"))))
def test_int64_and_int32_paths_agree_bit_for_bit(structure):
    """The int64-index path (nnz past 2**31 in real use) against the int32 one."""
    A, make = STRUCTURES[structure]
    X = sp.csr_matrix(make())
    X64 = _force_int64(X)
    W = _weight()
    for mode in ("sum", "mean", "max"):
        a = F.sparse_to_dense(X, W, mode=mode)
        b = F.sparse_to_dense(X64, W, mode=mode)
        assert a.tobytes() == b.tobytes(), mode
    assert cosine_similarity(X).tobytes() == cosine_similarity(X64).tobytes()
    assert (sd.TfidfTransformer().fit_transform(X).toarray().tobytes()
            == sd.TfidfTransformer().fit_transform(X64).toarray().tobytes())
    ia, sa = topk_similar(X, k=2)
    ib, sb = topk_similar(X64, k=2)
    assert ia.tobytes() == ib.tobytes() and sa.tobytes() == sb.tobytes()
    np.testing.assert_allclose(sd.LSA(2, random_state=1).fit_transform(X),
                               sd.LSA(2, random_state=1).fit_transform(X64), rtol=1e-12,
                               atol=1e-12)


ZERO_COLS = sp.csr_matrix((3, 0))


@pytest.mark.parametrize("name,call,want", [
    ("sparse_to_dense", lambda: F.sparse_to_dense(ZERO_COLS, np.zeros((0, 2), np.float32)),
     np.zeros((3, 2))),
    ("sparse_to_dense_max", lambda: F.sparse_to_dense(ZERO_COLS, np.zeros((0, 2), np.float32),
                                                      mode="max"), np.zeros((3, 2))),
    ("cosine_similarity", lambda: cosine_similarity(ZERO_COLS), np.zeros((3, 3))),
    ("topk_similar", lambda: topk_similar(ZERO_COLS, k=2)[0], np.array([[0, 1]] * 3)),
    ("normalize_rows", lambda: normalize_rows(ZERO_COLS).toarray(), np.zeros((3, 0))),
    ("tfidf_transformer", lambda: sd.TfidfTransformer().fit_transform(ZERO_COLS).toarray(),
     np.zeros((3, 0))),
])
def test_zero_columns(name, call, want):
    """No columns: rows of zeros (documented zero-vector rule), never NaN or a crash."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(call(), want)


@pytest.mark.parametrize("call,exc,words", [
    (lambda: sd.LSA(1).fit(ZERO_COLS), ValueError, ["n_components(1)", "n_features(0)"]),
    (lambda: sd.LSA(1).fit(sp.csr_matrix((0, 4))), ValueError, ["0 sample"]),
    (lambda: sd.TfidfTransformer().fit(sp.csr_matrix((0, 4))), ValueError, ["0 sample"]),
    (lambda: F.onehot_to_indices(sp.csr_matrix((2, 4))), ValueError, ["row 0", "0 non-zero"]),
    (lambda: F.sparse_to_dense(sp.csr_matrix((2, 4), dtype=np.complex128),
                               np.ones((4, 2), np.float32)), TypeError, ["X", "complex"]),
    (lambda: sd.LSA(1).fit(sp.csr_matrix(np.ones((3, 4), np.complex64))), ValueError,
     ["complex", "complex64"]),
    (lambda: cosine_similarity(sp.csr_matrix(np.ones((3, 4), np.complex64))), TypeError,
     ["A", "complex64"]),
    (lambda: F.embedding_bag(sp.csr_matrix(np.ones((2, 4))), np.ones((4, 2), np.float32)),
     TypeError, ["indices", "sparse"]),
])
def test_sparse_refusals(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), str(info.value)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("int64", [False, True])
def test_one_hot_sparse_indices_every_format(fmt, cls, int64):
    ids = np.array([3, 0, 6, 6, 1])
    X = sd.one_hot(ids, N_COLS)
    if int64:
        X = _force_int64(X)
    X = getattr(sp, f"{fmt}_{cls}")(X)
    W = _weight()
    snap = _snapshot(X)
    np.testing.assert_array_equal(F.onehot_to_indices(X), ids)
    np.testing.assert_array_equal(F.embedding(X, W), W[ids])
    from reference import embedding_backward

    g = np.arange(5 * D, dtype=np.float32).reshape(5, D)
    np.testing.assert_array_equal(F.embedding_backward(g, X, N_COLS),
                                  embedding_backward(g, ids, N_COLS))
    np.testing.assert_array_equal(sd.Embedding.from_pretrained(W)(X), W[ids])
    _unchanged(X, snap)


# ---------------------------------------------------------------------------
# int64 CSR index arrays give the same results as int32 ones


from reference import bit_identical as _same  # noqa: E402


def _as_int64(X):
    X = sp.csr_matrix(X)
    Y = sp.csr_matrix((X.data.copy(), X.indices.astype(np.int64), X.indptr.astype(np.int64)),
                      shape=X.shape)
    # scipy narrows small int64 index arrays to int32 on construction: force int64
    Y.indices = X.indices.astype(np.int64)
    Y.indptr = X.indptr.astype(np.int64)
    assert Y.indices.dtype == np.int64 and Y.indptr.dtype == np.int64
    return Y


@pytest.fixture(scope="module")
def small_csr():
    X = sp.random(40, 30, density=0.2, format="csr", random_state=5, dtype=np.float64)
    X.data = np.round(X.data * 5) + 1
    X32 = sp.csr_matrix((X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)),
                        shape=X.shape)
    assert X32.indices.dtype == np.int32
    return X32, _as_int64(X32)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("normalize", [None, "l2"])
def test_int64_csr_sparse_to_dense(small_csr, mode, normalize):
    X32, X64 = small_csr
    W = np.random.default_rng(1).standard_normal((30, 5)).astype(np.float32)
    a = F.sparse_to_dense(X32, W, mode=mode, normalize=normalize)
    b = F.sparse_to_dense(X64, W, mode=mode, normalize=normalize)
    assert _same(a, b)
    if mode == "sum" and normalize is None:
        np.testing.assert_allclose(a, X32.toarray() @ W, rtol=1e-5, atol=1e-5)


def test_int64_csr_cosine_similarity(small_csr):
    X32, X64 = small_csr
    want = cosine_similarity(X32)
    assert _same(want, cosine_similarity(X64))
    assert _same(cosine_similarity(X32, X32[:7]), cosine_similarity(X64, X64[:7]))
    from sklearn.metrics.pairwise import cosine_similarity as sk_cos

    np.testing.assert_allclose(want, sk_cos(X32), rtol=1e-12, atol=1e-12)


def test_int64_csr_tfidf_transformer(small_csr):
    X32, X64 = small_csr
    a = sd.TfidfTransformer().fit_transform(X32)
    b = sd.TfidfTransformer().fit_transform(X64)
    np.testing.assert_array_equal(a.toarray(), b.toarray())
    from sklearn.feature_extraction.text import TfidfTransformer as SkTfidf

    np.testing.assert_allclose(a.toarray(), SkTfidf().fit_transform(X32).toarray(),
                               rtol=1e-12, atol=1e-12)


def test_int64_csr_onehot_to_indices():
    ids = np.array([3, 0, 7, 7, 1, 9])
    X32 = sd.one_hot(ids, 10)
    X64 = _as_int64(X32)
    a = F.onehot_to_indices(X32)
    b = F.onehot_to_indices(X64)
    assert _same(a, b)
    assert a.tolist() == ids.tolist()
