"""Reliability: the kernels not covered by test_reliability.py's thread test, called from
several Python threads at once, give bit-identical results to serial calls (issue #7).

Covered here: embedding bags (forward and backward, every mode), cosine
similarity (dense and sparse), the count / hashing vectorizers and the
vocabulary builder, the vector-file parser, LSA's products, and optimizer steps
on *separate* modules (updates of one shared module are not thread-safe: see
the Notes of :class:`sparsedense.nn.Embedding`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd
from sparsedense import functional as F
from sparsedense.optim import SGD, Adagrad, SparseAdam
from sparsedense.similarity import cosine_similarity

V, D = 5_000, 32
THREADS = 4


def _bytes(x):
    if isinstance(x, tuple):
        return tuple(_bytes(v) for v in x)
    if sp.issparse(x):
        x = sp.csr_matrix(x)
        return (x.data.tobytes(), x.indices.tobytes(), x.indptr.tobytes())
    if isinstance(x, list):
        return repr(x)
    if hasattr(x, "index_to_key"):
        return (tuple(x.index_to_key), x.weight.tobytes())
    if hasattr(x, "tokens"):
        return (tuple(x.tokens), x.counts.tobytes())
    if hasattr(x, "to_dense"):
        return x.to_dense().tobytes()
    return np.asarray(x).tobytes()


@pytest.fixture(scope="module")
def data(tmp_path_factory, sample_docs):
    rng = np.random.default_rng(3)
    W = rng.standard_normal((V, D)).astype(np.float32)
    idx = rng.integers(0, V, size=(2_000, 30))
    psw = rng.random(idx.shape).astype(np.float32)
    flat = idx.ravel()
    offsets = np.sort(rng.choice(flat.size, size=500, replace=False))
    offsets[0] = 0
    X = sp.random(1_500, V, density=0.004, format="csr", random_state=4, dtype=np.float64)
    path = tmp_path_factory.mktemp("vec") / "v.txt"
    sd.Vectors([f"w{i}" for i in range(2_000)], W[:2_000]).save(path, format="word2vec")
    return dict(W=W, idx=idx, psw=psw, flat=flat, offsets=offsets, X=X, path=path,
                docs=list(sample_docs) * 3)


def _calls(d):
    W, idx, psw, flat, offsets, X = d["W"], d["idx"], d["psw"], d["flat"], d["offsets"], d["X"]
    g = np.ones((idx.shape[0], D), np.float32)
    out = {f"bag_{m}": (lambda m=m: F.embedding_bag(idx, W, mode=m)) for m in ("sum", "mean", "max")}
    out.update({
        "bag_offsets_psw": lambda: F.embedding_bag(flat, W, offsets, mode="sum",
                                                   per_sample_weights=psw.ravel()),
        "bag_backward_mean": lambda: F.embedding_bag_backward(g, idx, W, mode="mean",
                                                              per_sample_weights=psw),
        "bag_backward_max_sparse": lambda: F.embedding_bag_backward(g, idx, W, mode="max",
                                                                    sparse=True)[0],
        "cosine_dense": lambda: cosine_similarity(W[:400], W[:900]),
        "cosine_sparse": lambda: cosine_similarity(X[:300]),
        "count_vectorizer": lambda: sd.CountVectorizer(ngram_range=(1, 2)).fit_transform(d["docs"]),
        "hashing_vectorizer": lambda: sd.HashingVectorizer(n_features=2**12).transform(d["docs"]),
        "vocabulary": lambda: sd.Vocabulary.from_texts(d["docs"]),
        "load_vectors": lambda: sd.load_vectors(d["path"]),
        "lsa": lambda: sd.LSA(8, random_state=0).fit_transform(X),
    })
    return out


def test_kernels_from_several_threads_bit_identical(data):
    calls = _calls(data)
    expected = {name: _bytes(fn()) for name, fn in calls.items()}
    jobs = [name for _ in range(2) for name in calls]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(lambda n: (n, _bytes(calls[n]())), jobs))
    bad = sorted({n for n, got in results if got != expected[n]})
    assert not bad, f"differ from the serial results: {bad}"


@pytest.mark.parametrize("make_opt,sparse", [(lambda m: SGD(m, lr=0.1), False),
                                             (lambda m: Adagrad(m, lr=0.1), True),
                                             (lambda m: SparseAdam(m, lr=0.01), True)])
def test_training_separate_modules_in_threads(data, make_opt, sparse):
    """One module per thread (the supported pattern) trains exactly as serially."""
    rng = np.random.default_rng(5)
    batches = [rng.integers(0, 500, size=(64, 8)) for _ in range(6)]

    def train(seed):
        emb = sd.Embedding(500, 16, seed=seed, sparse=sparse)
        opt = make_opt([emb])
        for b in batches:
            out = emb(b)
            emb.backward(out)  # gradient of 0.5 * ||out||^2
            opt.step()
            opt.zero_grad()
        return emb.weight.tobytes()

    serial = [train(s) for s in range(THREADS)]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        threaded = list(pool.map(train, range(THREADS)))
    assert threaded == serial


def test_shared_bag_and_vectors_lookups(data):
    """Read-only use of one EmbeddingBag / Vectors from many threads is safe."""
    bag = sd.EmbeddingBag.from_pretrained(data["W"], mode="sum")
    kv = sd.Vectors([f"w{i}" for i in range(V)], data["W"])
    keys = [f"w{i}" for i in range(0, V, 97)]
    batches = [data["idx"][i::4] for i in range(4)]
    want_bags = [_bytes(bag(b)) for b in batches]
    want_sims = _bytes(kv.most_similar_batch(keys, topn=5))
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        got_bags = list(pool.map(lambda b: _bytes(bag(b)), batches * 2))
        got_sims = list(pool.map(lambda _: _bytes(kv.most_similar_batch(keys, topn=5)), range(4)))
    assert got_bags == want_bags * 2
    assert all(g == want_sims for g in got_sims)
