"""Small-input crossovers (issue 22): each side of a tuned crossover gives the same result.

Below a measured size a public call takes another path (a serial kernel, or
no BLAS product) because there the parallel or BLAS path loses to the peer.
Each test forces both sides with :func:`sparsedense._kernels._tuning.override`
and checks that the results agree, and that the path taken is the one the
constant asks for.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd
from sparsedense._kernels import _dispatch, _tuning

HUGE = 1 << 62


def _tfidf(n_docs: int, seed: int = 0, n_words: int = 400, length: int = 30) -> sp.csr_matrix:
    """TF-IDF of Zipf-distributed documents: a few words in most rows, most words rare."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_words + 1)
    ids = rng.choice(n_words, size=(n_docs, length), p=p / p.sum())
    docs = [" ".join(f"w{i}" for i in row) for row in ids]
    return sd.TfidfVectorizer().fit_transform(docs)


@pytest.fixture
def parallel_calls(monkeypatch):
    """The kernels :func:`_dispatch.choose` hands out, recorded as parallel (True) or not."""
    seen: list[bool] = []
    real = _dispatch.choose

    def spy(kernel, work, allow=True):
        chosen = real(kernel, work, allow)
        seen.append(chosen is kernel)
        return chosen

    import sparsedense.decomposition  # noqa: F401  (every module that may choose, loaded)
    import sparsedense.functional  # noqa: F401
    import sparsedense.similarity  # noqa: F401

    # every module that holds choose under its name (imported at module level) sees the spy
    for name, module in list(sys.modules.items()):
        if name.startswith("sparsedense") and getattr(module, "choose", None) is real:
            monkeypatch.setattr(module, "choose", spy)
    return seen


def test_lsa_products_between_lapack_calls_serial_below_crossover(parallel_calls):
    X = _tfidf(300, seed=1)
    with _tuning.override(PARALLEL_MIN_WORK=0, LSA_PARALLEL_MIN_WORK=HUGE):
        serial = sd.LSA(n_components=8, random_state=0)
        Z_serial = serial.fit_transform(X)
    assert parallel_calls and not any(parallel_calls)
    parallel_calls.clear()
    with _tuning.override(PARALLEL_MIN_WORK=0, LSA_PARALLEL_MIN_WORK=0):
        par = sd.LSA(n_components=8, random_state=0)
        Z_par = par.fit_transform(X)
    assert parallel_calls and all(parallel_calls)
    # the bag kernel and its serial twin give the same bits
    np.testing.assert_array_equal(Z_par, Z_serial)
    np.testing.assert_array_equal(par.components_, serial.components_)
    np.testing.assert_array_equal(par.singular_values_, serial.singular_values_)
    np.testing.assert_array_equal(par.explained_variance_ratio_,
                                  serial.explained_variance_ratio_)


def test_lsa_transform_alone_keeps_the_general_rule(parallel_calls):
    X = _tfidf(300, seed=2)
    lsa = sd.LSA(n_components=5, random_state=0).fit(X)
    parallel_calls.clear()
    with _tuning.override(PARALLEL_MIN_WORK=0, LSA_PARALLEL_MIN_WORK=HUGE):
        Z = lsa.transform(X)  # not between two LAPACK calls: parallel as anywhere else
    assert parallel_calls == [True]
    with _tuning.override(PARALLEL_MIN_WORK=HUGE):
        np.testing.assert_array_equal(lsa.transform(X), Z)


@pytest.fixture
def blas_gram_calls(monkeypatch):
    """The shapes of the blocks of frequent columns multiplied by BLAS's syrk."""
    from sparsedense._kernels import blas

    seen: list[tuple[int, int]] = []
    real = blas.syrk_upper

    def spy(a, out):
        seen.append(a.shape)
        return real(a, out)

    monkeypatch.setattr(blas, "syrk_upper", spy)
    return seen


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_cosine_blas_split_only_from_crossover(blas_gram_calls, dtype):
    from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

    X = _tfidf(120, seed=3).astype(dtype)
    with _tuning.override(COSINE_DENSE_MIN_ROWS=HUGE):
        on_thread = sd.cosine_similarity(X)
    # below the crossover the frequent words are multiplied by our kernel, not by BLAS
    assert blas_gram_calls == []
    with _tuning.override(COSINE_DENSE_MIN_ROWS=0):
        split = sd.cosine_similarity(X)
    assert len(blas_gram_calls) == 1 and 0 < blas_gram_calls[0][1] < X.shape[1]
    assert on_thread.dtype == split.dtype == dtype
    # the same sums in another order: equal up to rounding, and symmetric, unit diagonal
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(on_thread, split, rtol=0, atol=16 * eps)
    np.testing.assert_array_equal(on_thread, on_thread.T)
    np.testing.assert_allclose(np.diag(on_thread), 1, atol=16 * eps)
    np.testing.assert_allclose(on_thread, sk_cosine(X), rtol=0, atol=16 * eps)


def test_sparse_cosine_gram_kernel_serial_below_crossover(parallel_calls):
    X = _tfidf(150, seed=4)
    parallel_calls.clear()
    with _tuning.override(PARALLEL_MIN_WORK=0, COSINE_DENSE_MIN_ROWS=0,
                          COSINE_PARALLEL_MIN_WORK=HUGE):
        serial = sd.cosine_similarity(X)  # right after BLAS's product
    assert parallel_calls and not any(parallel_calls)
    parallel_calls.clear()
    with _tuning.override(PARALLEL_MIN_WORK=0, COSINE_DENSE_MIN_ROWS=0,
                          COSINE_PARALLEL_MIN_WORK=0):
        par = sd.cosine_similarity(X)
    assert parallel_calls[-1]  # the Gram kernel
    np.testing.assert_array_equal(par, serial)


def test_small_sparse_cosine_on_the_threads_while_the_pool_is_awake(parallel_calls, monkeypatch):
    """Without BLAS's product the two kernels follow the small-call rule of _pool."""
    from sparsedense._kernels import _pool

    X = _tfidf(150, seed=4)
    with _tuning.override(PARALLEL_MIN_WORK=0, COSINE_DENSE_MIN_ROWS=HUGE,
                          COSINE_PARALLEL_MIN_WORK=HUGE, POOL_SPIN_MICROSECONDS=10**9):
        monkeypatch.setattr(_pool, "_state", dict(parallel_end=float("-inf"),
                                                  call_end=float("-inf"), rent=0.0, wakes=[],
                                                  woke=False))
        parallel_calls.clear()
        serial = sd.cosine_similarity(X)  # a lone call, the pool asleep: this thread
        assert parallel_calls == [False, False]  # the frequent columns, then the Gram kernel
        _pool.parallel_ran()  # the pool is awake
        parallel_calls.clear()
        par = sd.cosine_similarity(X)
        assert parallel_calls == [True, True]
    np.testing.assert_array_equal(par, serial)


@pytest.mark.parametrize("ngram_range,alternate_sign", [((1, 1), True), ((1, 2), False)])
def test_hashing_parallel_only_from_crossover(parallel_calls, ngram_range, alternate_sign):
    rng = np.random.default_rng(5)
    words = np.array(["alpha", "beta", "gamma", "delta", "éclair", "x", "word42", "zeta"])
    docs = [" ".join(rng.choice(words, size=rng.integers(0, 40))) for _ in range(300)]
    vec = sd.HashingVectorizer(n_features=2**10, ngram_range=ngram_range,
                               alternate_sign=alternate_sign)
    with _tuning.override(PARALLEL_MIN_WORK=0, HASHING_PARALLEL_MIN_CODES=HUGE):
        serial = vec.transform(docs)
    assert parallel_calls == [False]
    with _tuning.override(PARALLEL_MIN_WORK=0, HASHING_PARALLEL_MIN_CODES=0):
        par = vec.transform(docs)
    assert parallel_calls == [False, True]
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(par, name), getattr(serial, name))
