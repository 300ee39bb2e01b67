"""Reliability: threads, an unusable Numba cache, int64 CSR, memmap tables, odd dtypes,
and "nothing changed on error".

* Concurrency: the kernels are ``nogil``; calls from several Python threads at
  once must give bit-identical results to the same calls made one at a time
  in the main thread (which takes the parallel kernels for these sizes).
* An unwritable or corrupted on-disk Numba cache must not break a call.
* int64 CSR index arrays give the same results as int32 ones.
* ``np.memmap`` tables (read-only and read-write) work like in-memory ones.
* float16 / complex tables are refused; NaN / inf are carried through.
* A refused call leaves its outputs, tables and files unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense
from sparsedense import functional as F
from sparsedense.nn import Embedding
from sparsedense.similarity import cosine_similarity, topk_similar

V, D, N = 20_000, 64, 50_000
THREADS = 4
REPEATS = 3


def _same(a, b) -> bool:
    """Bit-identical: same type, dtype, shape and bytes (CSR: every array)."""
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    if sp.issparse(a):
        if not sp.issparse(b) or a.shape != b.shape:
            return False
        a, b = sp.csr_matrix(a), sp.csr_matrix(b)
        return all(_same(x, y) for x, y in ((a.data, b.data), (a.indices, b.indices),
                                            (a.indptr, b.indptr)))
    if hasattr(a, "indices") and hasattr(a, "values"):  # RowSparseGrad
        return _same(a.indices, b.indices) and _same(a.values, b.values)
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(12345)
    weight = rng.standard_normal((V, D)).astype(np.float32)
    idx = ((rng.zipf(1.3, size=N) - 1) % V).reshape(250, 200)
    grad = rng.standard_normal(idx.shape + (D,)).astype(np.float32)
    # documents x vocabulary counts, about 40 words per document
    n_docs = 3_000
    rows = np.repeat(np.arange(n_docs), 40)
    cols = rng.integers(0, V, size=rows.size)
    X = sp.csr_matrix((rng.integers(1, 4, size=rows.size).astype(np.float64), (rows, cols)),
                      shape=(n_docs, V))
    queries = weight[:300].copy()
    return {"weight": weight, "idx": idx, "grad": grad, "X": X, "queries": queries}


# ---------------------------------------------------------------- 1. concurrency

def _calls(big, texts):
    w, idx, grad, X, q = big["weight"], big["idx"], big["grad"], big["X"], big["queries"]
    return {
        "embedding": lambda: F.embedding(idx, w),
        "backward_dense": lambda: F.embedding_backward(grad, idx, V),
        "backward_sparse": lambda: F.embedding_backward(grad, idx, V, sparse=True,
                                                        scale_grad_by_freq=True),
        "sparse_to_dense_sum": lambda: F.sparse_to_dense(X, w),
        "sparse_to_dense_mean_l2": lambda: F.sparse_to_dense(X, w, mode="mean",
                                                             normalize="l2"),
        "sparse_to_dense_max": lambda: F.sparse_to_dense(X, w, mode="max"),
        "tfidf": lambda: sparsedense.TfidfVectorizer().fit_transform(texts),
        "topk": lambda: topk_similar(q, w, k=10),
    }


def test_parallel_path_is_taken_for_these_sizes(big):
    from sparsedense._kernels._dispatch import PARALLEL_MIN_WORK

    assert big["idx"].size * D >= PARALLEL_MIN_WORK
    assert big["X"].shape[0] * D >= PARALLEL_MIN_WORK


def test_concurrent_calls_bit_identical_to_sequential(big, sample_docs):
    calls = _calls(big, sample_docs)
    expected = {name: fn() for name, fn in calls.items()}  # main thread, one at a time
    # and the sequential results are right, not only repeatable
    assert np.array_equal(expected["embedding"], big["weight"][big["idx"]])
    np.testing.assert_allclose(expected["sparse_to_dense_sum"],
                               big["X"] @ big["weight"].astype(np.float64), rtol=1e-5,
                               atol=1e-4)

    jobs = [name for _ in range(REPEATS) for name in calls]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(lambda name: (name, calls[name]()), jobs))
    assert len(results) == len(jobs)
    bad = [name for name, got in results if not _same(expected[name], got)]
    assert not bad, f"results differ from the sequential ones for: {sorted(set(bad))}"


def test_shared_embedding_module_from_several_threads(big):
    emb = Embedding.from_pretrained(big["weight"])
    rng = np.random.default_rng(7)
    batches = [rng.integers(0, V, size=(100, 300)) for _ in range(8)]
    expected = [emb(b) for b in batches]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        got = list(pool.map(emb, batches * REPEATS))
    for i, g in enumerate(got):
        e = expected[i % len(batches)]
        assert _same(e, g), f"batch {i % len(batches)} differs"
        assert np.array_equal(g, big["weight"][batches[i % len(batches)]])


# ---------------------------------------------------------------- 2. Numba cache

CACHE_SCRIPT = textwrap.dedent(
    """
    import sys
    import warnings
    import numpy as np
    import scipy.sparse as sp
    warnings.simplefilter("always")
    import sparsedense
    from sparsedense.functional import embedding, sparse_to_dense

    out = sys.argv[1]
    rng = np.random.default_rng(3)
    W = rng.standard_normal((50, 8)).astype(np.float32)
    idx = rng.integers(0, 50, size=(4, 7))
    lookup = embedding(idx, W)
    X = sparsedense.TfidfVectorizer().fit_transform(
        ["the cat sat on the mat", "the dog ate my homework", "a cat and a dog"])
    C = sp.random(6, 50, density=0.2, format="csr", random_state=1, dtype=np.float32)
    dense = sparse_to_dense(C, W)
    np.savez(out, lookup=lookup, idx=idx, W=W, tfidf=X.toarray(), C=C.toarray(), dense=dense)
    print("OK")
    """
)


def _run_cache_script(tmp_path, cache_dir, tag):
    script = tmp_path / "cache_script.py"
    script.write_text(CACHE_SCRIPT)
    out = tmp_path / f"{tag}.npz"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir))
    proc = subprocess.run([sys.executable, str(script), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    return proc, out


def _check_cache_run(proc, out):
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "OK", proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Error" not in proc.stderr.replace("NumbaWarning", ""), proc.stderr
    # any warning must be a Numba caching warning
    for line in proc.stderr.splitlines():
        if "Warning" in line:
            assert "NumbaWarning" in line and "cach" in line.lower(), proc.stderr
    r = np.load(out)
    assert np.array_equal(r["lookup"], r["W"][r["idx"]])
    np.testing.assert_allclose(r["dense"], r["C"] @ r["W"], rtol=1e-5, atol=1e-5)
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    want = SkTfidf().fit_transform(["the cat sat on the mat", "the dog ate my homework",
                                    "a cat and a dog"]).toarray()
    np.testing.assert_allclose(r["tfidf"], want, rtol=1e-12, atol=1e-12)


def test_unwritable_numba_cache_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc, out = _run_cache_script(tmp_path, blocker / "cache", "unwritable")
    print("stderr with an unwritable NUMBA_CACHE_DIR:\n", proc.stderr or "<empty>")
    _check_cache_run(proc, out)
    assert blocker.read_text() == "not a directory"


def test_corrupted_numba_cache(tmp_path):
    cache = tmp_path / "cache"
    proc, out = _run_cache_script(tmp_path, cache, "populate")
    _check_cache_run(proc, out)
    files = [p for p in cache.rglob("*") if p.suffix in (".nbi", ".nbc")]
    assert any(p.suffix == ".nbi" for p in files), "the first run did not populate the cache"
    for p in files:
        p.write_bytes(b"\x00garbage\xff" * 7)
    proc, out = _run_cache_script(tmp_path, cache, "corrupted")
    print("stderr with a corrupted cache:\n", proc.stderr or "<empty>")
    _check_cache_run(proc, out)


# ---------------------------------------------------------------- 3. int64 CSR

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
    a = sparsedense.TfidfTransformer().fit_transform(X32)
    b = sparsedense.TfidfTransformer().fit_transform(X64)
    np.testing.assert_array_equal(a.toarray(), b.toarray())
    from sklearn.feature_extraction.text import TfidfTransformer as SkTfidf

    np.testing.assert_allclose(a.toarray(), SkTfidf().fit_transform(X32).toarray(),
                               rtol=1e-12, atol=1e-12)


def test_int64_csr_onehot_to_indices():
    ids = np.array([3, 0, 7, 7, 1, 9])
    X32 = sparsedense.one_hot(ids, 10)
    X64 = _as_int64(X32)
    a = F.onehot_to_indices(X32)
    b = F.onehot_to_indices(X64)
    assert _same(a, b)
    assert a.tolist() == ids.tolist()


# ---------------------------------------------------------------- 4. memmap tables

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


def test_memmap_large_lookup_takes_parallel_path(tmp_path, big):
    path = tmp_path / "big.f32"
    big["weight"].tofile(path)
    M = np.memmap(path, dtype=np.float32, mode="r", shape=big["weight"].shape)
    assert _same(F.embedding(big["idx"], M), big["weight"][big["idx"]])


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


# ---------------------------------------------------------------- 5. dtypes, NaN, inf

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


# ---------------------------------------------------------------- 6. nothing changed on error

@pytest.mark.parametrize("bad", [10, -1])
def test_embedding_out_of_range_leaves_out_and_weight(bad):
    W = np.arange(30, dtype=np.float32).reshape(10, 3)
    W_before = W.copy()
    idx = np.array([[1, 2, 4], [5, bad, 0]])
    out = np.full(idx.shape + (3,), -123.5, dtype=np.float32)
    with pytest.raises(IndexError) as info:
        F.embedding(idx, W, out=out)
    assert f"indices[1, 1] = {bad}" in str(info.value), str(info.value)
    assert np.all(out == -123.5)
    assert _same(W, W_before)
    # also with max_norm (which would otherwise rescale rows of W in place)
    with pytest.raises(IndexError):
        F.embedding(idx, W, max_norm=1.0, out=out)
    assert np.all(out == -123.5)
    assert _same(W, W_before)


def test_embedding_out_of_range_large_leaves_out(big):
    idx = big["idx"].copy()
    idx[-1, -1] = V
    W = big["weight"]
    before = W.tobytes()
    out = np.full(idx.shape + (D,), 7.0, dtype=np.float32)
    with pytest.raises(IndexError):
        F.embedding(idx, W, out=out, max_norm=1.0)
    assert np.all(out == 7.0)
    assert W.tobytes() == before


def test_vocabulary_save_to_missing_directory(tmp_path):
    vocab = sparsedense.Vocabulary.from_texts(["a b c", "b c d"])
    target = tmp_path / "missing" / "vocab.json"
    with pytest.raises(OSError):
        vocab.save(target)
    assert not target.exists()
    assert not (tmp_path / "missing").exists()
    assert list(tmp_path.iterdir()) == []
