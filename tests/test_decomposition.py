"""LSA against scikit-learn's TruncatedSVD(algorithm="randomized"), and its estimator API.

With the same ``n_components`` and integer ``random_state`` the two draw the
same Gaussian test matrix, so explained variance, singular values, components
(up to sign) and transforms agree, on the sample corpus TF-IDF and on random
sparse matrices (wide and tall). Then the scikit-learn contract: clone,
get/set_params, Pipeline, parameter and input errors.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.linalg as la
import scipy.sparse as sp

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import sparsedense as sd  # noqa: E402
from sparsedense.decomposition import randomized_svd  # noqa: E402


@pytest.fixture(scope="module")
def corpus_tfidf():
    corpus = sd.load_sample_corpus()
    return sd.TfidfVectorizer().fit_transform(corpus.texts)


def _random_sparse(shape, density, seed, dtype=np.float64):
    return sp.random(*shape, density=density, random_state=np.random.RandomState(seed),
                     format="csr", dtype=dtype)


def _sign_align(ours, theirs):
    """``ours`` with each row's sign flipped to best match ``theirs``."""
    signs = np.sign(np.sum(ours * theirs, axis=1))
    signs[signs == 0] = 1
    return ours * signs[:, None]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(5000, 30), (30, 30), (100, 7), (7, 100), (1, 5), (5, 1)])
def test_the_power_iterations_lu_is_scipys_bit_for_bit(shape, dtype):
    """The LU normalizer (P @ L from getrf, the permutation applied here) gives scipy's
    ``lu(permute_l=True)`` to the bit: tall, wide, singular and NaN inputs."""
    import warnings

    from sparsedense.decomposition import _lu_normalize

    Y = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    Y[3 % shape[0]] = 0  # a zero pivot
    cases = [Y, np.full(shape, np.nan, dtype)]
    for A in cases:
        want = la.lu(A, permute_l=True, check_finite=False)[0]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (no singular-matrix warning either)
            got = _lu_normalize(A)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


def _blas_threads() -> set:
    from threadpoolctl import threadpool_info

    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_lapack_runs_on_one_thread_inside_and_as_before_after(monkeypatch):
    """The randomized SVD's factorizations run with BLAS on one thread, and the caller's
    BLAS threads are what they were afterwards (also after an error)."""
    blas_threads = _blas_threads
    before = blas_threads()
    seen = []
    qr = la.qr

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return qr(*args, **kwargs)

    monkeypatch.setattr(la, "qr", spy)
    randomized_svd(_random_sparse((300, 80), 0.05, 0), 5, random_state=0)
    assert seen and all(s == {1} for s in seen)
    assert blas_threads() == before

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(la, "qr", fail)
    with pytest.raises(RuntimeError):
        randomized_svd(_random_sparse((300, 80), 0.05, 0), 5, random_state=0)
    assert blas_threads() == before


def test_overlapping_svds_keep_one_thread_until_the_last_leaves(monkeypatch):
    """BLAS's thread count is one setting of the process: an SVD that ends while another
    runs leaves the limit on for the other (same threads, same bits as alone), and the
    caller's thread count is back once both have ended."""
    X = _random_sparse((300, 80), 0.05, 0)
    alone = randomized_svd(X, 5, random_state=0)
    before = _blas_threads()
    both_in = threading.Barrier(2, timeout=120)
    first_done = threading.Event()
    seen, results, errors = {}, {}, []
    qr = la.qr

    def spy(*args, **kwargs):
        name = threading.current_thread().name
        both_in.wait()  # both SVDs are inside their limits
        if name == "second":
            assert first_done.wait(120)
        seen[name] = _blas_threads()
        return qr(*args, **kwargs)

    def run():
        try:
            results[threading.current_thread().name] = randomized_svd(X, 5, random_state=0)
        except BaseException as exc:  # (reported below)
            errors.append(exc)
            both_in.abort()
        finally:
            if threading.current_thread().name == "first":
                first_done.set()

    monkeypatch.setattr(la, "qr", spy)
    threads = [threading.Thread(target=run, name=n) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    assert seen == {"first": {1}, "second": {1}}
    assert _blas_threads() == before
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # no thread is left in control
        assert _blas_threads() == {1}
    for name in ("first", "second"):
        for got, want in zip(results[name], alone):
            np.testing.assert_array_equal(got, want)


def _compare_with_sklearn(X, n_components, seed, rtol=1e-3, atol=1e-6):
    ours = sd.LSA(n_components=n_components, random_state=seed)
    theirs = TruncatedSVD(n_components=n_components, algorithm="randomized",
                          random_state=seed)
    Z = ours.fit_transform(X)
    Zs = theirs.fit_transform(X)
    assert ours.components_.shape == theirs.components_.shape == (n_components, X.shape[1])
    assert ours.n_features_in_ == X.shape[1]
    np.testing.assert_allclose(ours.explained_variance_ratio_,
                               theirs.explained_variance_ratio_, rtol=rtol)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=rtol)
    np.testing.assert_allclose(ours.singular_values_, theirs.singular_values_, rtol=rtol)
    assert np.all(np.diff(ours.singular_values_) <= 0)  # descending
    # the same subspace, and the same vectors up to sign
    angles = la.subspace_angles(ours.components_.T, theirs.components_.T)
    assert np.degrees(angles).max() < 1e-3
    aligned = _sign_align(ours.components_, theirs.components_)
    np.testing.assert_allclose(aligned, theirs.components_, atol=atol)
    # orthonormal rows
    np.testing.assert_allclose(ours.components_ @ ours.components_.T, np.eye(n_components),
                               atol=1e-8)
    # transforms equal up to the sign of each component
    signs = np.sign(np.sum(ours.components_ * theirs.components_, axis=1))
    np.testing.assert_allclose(Z * signs, Zs, atol=atol * max(1.0, np.abs(Zs).max()))
    np.testing.assert_allclose(ours.transform(X) * signs, theirs.transform(X),
                               atol=atol * max(1.0, np.abs(Zs).max()))
    return ours, theirs


@pytest.mark.parametrize("n_components,seed", [(5, 0), (20, 42), (40, 7)])
def test_equals_truncated_svd_on_sample_corpus(corpus_tfidf, n_components, seed):
    ours, theirs = _compare_with_sklearn(corpus_tfidf, n_components, seed)
    # sklearn's sign convention: the largest |entry| of each component is positive
    rows = np.arange(n_components)
    assert np.all(ours.components_[rows, np.argmax(np.abs(ours.components_), axis=1)] > 0)
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=1e-6)


@pytest.mark.parametrize("shape", [(300, 120), (80, 400)])  # tall, and wide (transposed)
def test_equals_truncated_svd_on_random_sparse(shape):
    X = _random_sparse(shape, 0.05, 1)
    _compare_with_sklearn(X, 10, 3)


@pytest.mark.parametrize("kw", [dict(n_iter=0), dict(n_iter=2), dict(n_oversamples=1),
                                dict(power_iteration_normalizer="QR"),
                                dict(power_iteration_normalizer="none", n_iter=3)])
def test_options_equal_truncated_svd(kw):
    X = _random_sparse((150, 60), 0.1, 9)
    ours = sd.LSA(n_components=6, random_state=5, **kw).fit(X)
    theirs = TruncatedSVD(n_components=6, algorithm="randomized", random_state=5, **kw).fit(X)
    np.testing.assert_allclose(ours.explained_variance_ratio_,
                               theirs.explained_variance_ratio_, rtol=1e-3)
    np.testing.assert_allclose(ours.singular_values_, theirs.singular_values_, rtol=1e-3)
    np.testing.assert_allclose(_sign_align(ours.components_, theirs.components_),
                               theirs.components_, atol=1e-6)


def test_non_canonical_and_other_formats_give_the_same_fit():
    X = _random_sparse((100, 40), 0.1, 2)
    base = sd.LSA(n_components=5, random_state=0).fit(X)
    # the same matrix with each entry split in two halves stored as duplicates
    coo = X.tocoo()
    dup = sp.csr_matrix((np.concatenate((coo.data / 2, coo.data / 2)),
                         (np.concatenate((coo.row, coo.row)),
                          np.concatenate((coo.col, coo.col)))), shape=X.shape)
    raw = sp.csr_matrix((dup.data, dup.indices, dup.indptr), shape=X.shape)
    for other in (X.tocsc(), X.tocoo(), sp.csr_array(X), X.todok()):
        fit = sd.LSA(n_components=5, random_state=0).fit(other)
        np.testing.assert_allclose(fit.components_, base.components_, atol=1e-10)
    fit = sd.LSA(n_components=5, random_state=0).fit(raw)
    np.testing.assert_allclose(fit.components_, base.components_, atol=1e-10)


def test_dense_input_works_too():
    X = _random_sparse((120, 50), 0.1, 4)
    sparse_fit = sd.LSA(n_components=7, random_state=1)
    Z = sparse_fit.fit_transform(X)
    dense_fit = sd.LSA(n_components=7, random_state=1)
    Zd = dense_fit.fit_transform(X.toarray())
    np.testing.assert_allclose(Zd, Z, atol=1e-10)
    np.testing.assert_allclose(dense_fit.components_, sparse_fit.components_, atol=1e-10)
    np.testing.assert_allclose(sparse_fit.transform(X.toarray()), Z, atol=1e-10)
    theirs = TruncatedSVD(n_components=7, algorithm="randomized", random_state=1)
    np.testing.assert_allclose(dense_fit.explained_variance_ratio_,
                               theirs.fit(X.toarray()).explained_variance_ratio_, rtol=1e-3)


def test_float32_input():
    X = _random_sparse((200, 70), 0.08, 6, dtype=np.float32)
    ours = sd.LSA(n_components=5, random_state=0)
    Z = ours.fit_transform(X)
    theirs = TruncatedSVD(n_components=5, algorithm="randomized", random_state=0).fit(X)
    np.testing.assert_allclose(ours.explained_variance_ratio_,
                               theirs.explained_variance_ratio_, rtol=1e-3)
    np.testing.assert_allclose(_sign_align(ours.components_, theirs.components_),
                               theirs.components_, atol=1e-4)
    assert np.isfinite(Z).all()


def test_fit_transform_equals_fit_then_transform(corpus_tfidf):
    a = sd.LSA(n_components=15, random_state=0).fit_transform(corpus_tfidf)
    lsa = sd.LSA(n_components=15, random_state=0).fit(corpus_tfidf)
    b = lsa.transform(corpus_tfidf)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert a.shape == (corpus_tfidf.shape[0], 15)
    # the same seed gives the same fit; another seed the same subspace of the top components
    again = sd.LSA(n_components=15, random_state=0).fit(corpus_tfidf)
    assert np.array_equal(again.components_, lsa.components_)
    # inverse_transform maps back to the term space
    assert lsa.inverse_transform(b).shape == corpus_tfidf.shape


def test_randomized_svd_reconstructs_a_low_rank_matrix():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((60, 4)) @ rng.standard_normal((4, 30))
    U, s, Vt = randomized_svd(sp.csr_matrix(A), 4, random_state=0)
    np.testing.assert_allclose(U @ np.diag(s) @ Vt, A, atol=1e-8)
    np.testing.assert_allclose(s, np.linalg.svd(A, compute_uv=False)[:4], rtol=1e-10)
    # a Generator works as random_state too
    U2, s2, _ = randomized_svd(sp.csr_matrix(A), 4, random_state=np.random.default_rng(1))
    np.testing.assert_allclose(s2, s, rtol=1e-10)


# --------------------------------------------------------------------------- sklearn API


def test_clone_and_params():
    lsa = sd.LSA(n_components=12, n_iter=3, random_state=7)
    params = lsa.get_params()
    assert params == {"n_components": 12, "n_oversamples": 10, "n_iter": 3,
                      "power_iteration_normalizer": "auto", "random_state": 7}
    twin = clone(lsa)
    assert twin is not lsa and twin.get_params() == params
    assert not hasattr(twin, "components_")
    assert lsa.set_params(n_components=4) is lsa and lsa.n_components == 4
    with pytest.raises(ValueError):
        lsa.set_params(n_compoments=4)
    assert "n_components=4" in repr(lsa)


def test_pipeline_tfidf_lsa_logistic_regression():
    corpus = sd.load_sample_corpus()
    docs, topics = np.array(corpus.texts, dtype=object), np.array(corpus.topics)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(docs))
    train, test = order[: int(0.75 * len(docs))], order[int(0.75 * len(docs)):]
    pipe = Pipeline([("tfidf", sd.TfidfVectorizer()),
                     ("lsa", sd.LSA(n_components=40, random_state=0)),
                     ("clf", LogisticRegression(max_iter=2000))])
    pipe.fit(list(docs[train]), topics[train])
    pred = pipe.predict(list(docs[test]))
    assert pred.shape == (len(test),) and set(pred) <= set(topics)
    assert pipe.score(list(docs[test]), topics[test]) > 0.6  # six topics: chance is ~0.17
    assert pipe.named_steps["lsa"].components_.shape[0] == 40
    assert clone(pipe).get_params()["lsa__n_components"] == 40


def test_error_n_components_above_n_features():
    X = _random_sparse((30, 8), 0.3, 0)
    with pytest.raises(ValueError, match=r"n_components\(9\) must be <= n_features\(8\)"):
        sd.LSA(n_components=9).fit(X)
    with pytest.raises(ValueError, match=r"n_components\(9\) must be <= n_features\(8\)"):
        TruncatedSVD(n_components=9).fit(X)  # the same words as scikit-learn


@pytest.mark.parametrize("kw,name", [
    (dict(n_components=0), "n_components"),
    (dict(n_components=-3), "n_components"),
    (dict(n_components=2.5), "n_components"),
    (dict(n_components="5"), "n_components"),
    (dict(n_components=True), "n_components"),
    (dict(n_iter=-1), "n_iter"),
    (dict(n_oversamples=-1), "n_oversamples"),
    (dict(power_iteration_normalizer="SVD"), "power_iteration_normalizer"),
])
def test_error_bad_params(kw, name):
    X = _random_sparse((30, 8), 0.3, 0)
    lsa = sd.LSA(**kw)  # __init__ only stores
    for key, value in kw.items():
        assert getattr(lsa, key) is value
    with pytest.raises(sd.InvalidParameterError, match=f"The '{name}' parameter of LSA"):
        lsa.fit(X)
    assert issubclass(sd.InvalidParameterError, ValueError)
    assert not hasattr(lsa, "components_")


def test_error_transform_before_fit():
    X = _random_sparse((30, 8), 0.3, 0)
    with pytest.raises(sd.NotFittedError):
        sd.LSA(n_components=2).transform(X)
    with pytest.raises(sd.NotFittedError):
        sd.LSA(n_components=2).inverse_transform(np.ones((1, 2)))


def test_error_wrong_feature_count_in_transform():
    lsa = sd.LSA(n_components=3, random_state=0).fit(_random_sparse((30, 8), 0.3, 0))
    with pytest.raises(ValueError, match="X has 9 features, but LSA is expecting 8"):
        lsa.transform(_random_sparse((5, 9), 0.3, 1))


def test_error_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        sd.LSA(n_components=2).fit(np.ones(10))
    with pytest.raises(ValueError):
        sd.LSA(n_components=2).fit(np.array([["a", "b"], ["c", "d"]]))
