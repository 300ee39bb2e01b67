"""ppmi and PPMISVD: dense numpy reference, zero rows/columns, planted topics, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sparsedense import Vectors
from sparsedense.models import PPMISVD, cooccurrence_matrix, ppmi


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


# -- PPMISVD ----------------------------------------------------------------------
def planted_corpus(seed=0, n_topics=4, words_per_topic=8, n_sentences=600, length=10):
    """Sentences drawn within one topic each; the words of a topic are ``t{k}_{i}``."""
    rng = np.random.default_rng(seed)
    topics = [[f"t{k}_{i}" for i in range(words_per_topic)] for k in range(n_topics)]
    sentences = []
    for _ in range(n_sentences):
        k = int(rng.integers(n_topics))
        sentences.append([topics[k][i] for i in rng.integers(words_per_topic, size=length)])
    return sentences, topics


def topic_margin(wv, topics):
    """(mean cosine within topics, mean cosine across topics, every word nearer its own topic).

    The last is True when, for every word, the mean cosine to the other words
    of its topic exceeds the mean cosine to the words of each other topic.
    """
    unit = wv.get_normed_vectors()
    idx = wv.key_to_index
    S = np.array([[float(unit[idx[a]] @ unit[idx[b]]) for t in topics for b in t]
                  for t in topics for a in t])
    k = len(topics[0])
    topic = np.repeat(np.arange(len(topics)), k)
    same_mask = (topic[:, None] == topic[None, :]) & ~np.eye(len(topic), dtype=bool)
    cross_mask = topic[:, None] != topic[None, :]
    nearer = True
    for a in range(len(topic)):
        own = S[a, same_mask[a]].mean()
        others = [S[a, topic == t].mean() for t in range(len(topics)) if t != topic[a]]
        nearer &= own > max(others)
    return S[same_mask].mean(), S[cross_mask].mean(), bool(nearer)


def test_ppmisvd_planted_topics():
    sentences, topics = planted_corpus()
    model = PPMISVD(vector_size=8, random_state=0).fit_corpus(sentences, window=5, min_count=1)
    same, cross, separated = topic_margin(model.wv, topics)
    assert same > cross + 0.5 and separated


def test_ppmisvd_fit_equals_ppmi_then_randomized_svd():
    from sparsedense.decomposition import randomized_svd

    sentences, _ = planted_corpus(1)
    C, vocab = cooccurrence_matrix(sentences, window=3, min_count=1)
    for p in (0.0, 0.5, 1.0):
        model = PPMISVD(vector_size=5, eigenvalue_weighting=p, alpha=0.5, shift=2.0,
                        random_state=3).fit(C, vocab)
        U, s, _ = randomized_svd(ppmi(C, alpha=0.5, shift=2.0), 5, random_state=3)
        np.testing.assert_allclose(model.wv.vectors, (U * s ** p).astype(np.float32),
                                   rtol=1e-6, atol=1e-7)
        assert isinstance(model.wv, Vectors) and model.wv.index_to_key == vocab.tokens
        np.testing.assert_allclose(model.singular_values_, s)
    again = PPMISVD(vector_size=5, eigenvalue_weighting=1.0, alpha=0.5, shift=2.0,
                    random_state=3).fit(C, vocab.tokens)
    assert np.array_equal(again.wv.vectors, model.wv.vectors)


def test_ppmisvd_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    model = PPMISVD(vector_size=7, alpha=0.5, random_state=1)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(TypeError):
        PPMISVD(7)  # keyword-only


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(vector_size=0), ValueError, ["vector_size", "0"]),
    (dict(vector_size=50), ValueError, ["vector_size=50", "3"]),
    (dict(alpha=2.0), ValueError, ["alpha", "2.0"]),
    (dict(shift=-1.0), ValueError, ["shift", "-1.0"]),
    (dict(eigenvalue_weighting="half"), TypeError, ["eigenvalue_weighting", "'half'"]),
    (dict(random_state="seed"), TypeError, ["random_state", "'seed'"]),
])
def test_ppmisvd_bad_parameters(kwargs, exc, words):
    C = np.array([[0, 2, 1], [2, 0, 1], [1, 1, 0]])
    model = PPMISVD(**{"vector_size": 2, **kwargs})
    with pytest.raises(exc) as info:
        model.fit(C, ["a", "b", "c"])
    for w in words:
        assert w in str(info.value)
    assert not hasattr(model, "wv")


def test_ppmisvd_bad_matrix_and_vocabulary():
    C = np.array([[0, 2, 1], [2, 0, 1], [1, 1, 0]])
    model = PPMISVD(vector_size=2)
    with pytest.raises(ValueError, match=r"square.*\(3, 2\)"):
        model.fit(C[:, :2], ["a", "b", "c"])
    with pytest.raises(ValueError, match="3 rows but the vocabulary has 2"):
        model.fit(C, ["a", "b"])
    with pytest.raises(ValueError, match=r"C\[1, 2\] = -1"):
        model.fit(np.array([[0, 2, 1], [2, 0, -1], [1, 1, 0]]), ["a", "b", "c"])
    with pytest.raises(TypeError, match="vocabulary"):
        model.fit(C, 3)
    with pytest.raises(ValueError, match="window"):
        model.fit_corpus([["a", "b"]], window=0)
    assert not hasattr(model, "wv")
