"""Nearest neighbours and cosine similarity: sparsedense against scikit-learn, gensim and GEMM.

Two suites, each parameterised over ``impl`` so that one ``asv run`` records
every contender on the same machine; the number to look at is the *ratio* of
each row to the ``sparsedense`` row, not the absolute time.

``TopK`` -- the 10 nearest neighbours (cosine) of 1,000 queries in a table
of 100,000 x 300 float32 (standard normal, seed 0); the queries are 1,000
distinct rows of the table (drawn with seed 1, sorted):

* ``sparsedense``: ``topk_similar(Q, W, k=10)`` -- blocks of queries, one
  BLAS product per block, a heap selection per row; never the 1,000 x 100,000
  matrix;
* ``sklearn``: ``cosine_similarity(Q, W)`` (the full 1,000 x 100,000 float32
  matrix, 400 MB), then, row by row, ``np.argpartition`` and a sort of the 10
  winners -- what a scikit-learn user writes (a 2-D ``argpartition`` would
  add an 800 MB int64 index matrix);
* ``gensim``: ``KeyedVectors.most_similar(key, topn=10)`` for each of the same
  1,000 queries in a Python loop (norms filled in ``setup``). One call scans
  the whole table (about 30 ms), so this row takes about 30 s a sample and
  gets one sample per round. gensim leaves the query key out of its answer
  (the others include it);
* ``gemm``: ``Q @ W.T`` only, the float32 product every contender contains:
  the physical limit (no normalization, no selection).

``CosineTfidf`` -- ``cosine_similarity(X)`` of the TF-IDF rows of the first
5,000 documents of the benchmark corpus (``_corpus.make_corpus()[:5000]``,
``sparsedense.TfidfVectorizer()`` with default parameters, float64 CSR), a
dense 5,000 x 5,000 float64 result: sparsedense's parallel sparse x sparse^T
kernel against scikit-learn's ``cosine_similarity`` (a sparse product, then
``toarray``). Both processes build X with sparsedense, so both carry Numba.

``ScreenMemory`` -- ``track_float32_over_kept``: the float32 table's bytes over
what an int8 table keeps for the exact screen (its codes and bounds).

``setup`` generates (or fetches) the data, checks once per process on a few
queries that the contender's answer is right (a broken benchmark fails
instead of timing wrong output), and makes one full call (Numba compilation
or cache loading, lazy imports and first-touch of the large allocations are
not timed). Libraries are imported inside ``setup`` only.
"""

from __future__ import annotations

import importlib

import numpy as np

from ._corpus import make_corpus, scaled
from ._peers import require_peer

N_TABLE = scaled(100_000)
DIM = 300
N_QUERIES = scaled(1_000)
K = 10
SEED = 0
#: queries used by the correctness checks in ``setup``
N_CHECK = 20
#: tolerance on scores (float32 products)
ATOL = 1e-5

N_DOCS = scaled(5_000)
N_CHECK_DOCS = 200

_CACHE: dict[str, object] = {}
_DONE: set[tuple] = set()


def once(key) -> bool:
    """True the first time ``key`` is seen in this process."""
    if key in _DONE:
        return False
    _DONE.add(key)
    return True


def make_table() -> np.ndarray:
    """The 100,000 x 300 float32 table (cached; never modified)."""
    W = _CACHE.get("W")
    if W is None:
        W = _CACHE["W"] = np.random.default_rng(SEED).standard_normal((N_TABLE, DIM),
                                                                      dtype=np.float32)
    return W


def query_rows() -> np.ndarray:
    """The 1,000 distinct table rows used as queries (sorted)."""
    rows = _CACHE.get("rows")
    if rows is None:
        rng = np.random.default_rng(SEED + 1)
        rows = _CACHE["rows"] = np.sort(rng.choice(N_TABLE, size=N_QUERIES, replace=False))
    return rows


def make_queries() -> np.ndarray:
    Q = _CACHE.get("Q")
    if Q is None:
        Q = _CACHE["Q"] = make_table()[query_rows()]
    return Q


def reference_topk(W: np.ndarray, rows: np.ndarray, k: int):
    """Brute-force top-k (cosine) of table rows ``rows``, in float32, without big temporaries."""
    Q = W[rows]
    norms = np.sqrt(np.einsum("ij,ij->i", W, W, dtype=np.float64)).astype(np.float32)
    S = (Q @ W.T) / norms[rows][:, None] / norms[None, :]
    idx = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(S, idx, axis=1), S


# ---------------------------------------------------------------------------
# TopK


def _sklearn_topk(Q: np.ndarray, W: np.ndarray, k: int):
    """cosine_similarity, then per row: argpartition, and a sort of the k winners."""
    from sklearn.metrics.pairwise import cosine_similarity

    S = cosine_similarity(Q, W)
    idx = np.empty((S.shape[0], k), dtype=np.int64)
    scores = np.empty((S.shape[0], k), dtype=S.dtype)
    for i, row in enumerate(S):
        part = np.argpartition(row, row.shape[0] - k)[-k:]
        order = np.argsort(-row[part], kind="stable")
        idx[i] = part[order]
        scores[i] = row[idx[i]]
    return idx, scores


def _gensim_kv(W: np.ndarray):
    kv = _CACHE.get("gensim_kv")
    if kv is None:
        KeyedVectors = importlib.import_module("gensim.models").KeyedVectors
        kv = KeyedVectors(DIM, count=0, dtype=np.float32)
        kv.add_vectors([f"w{i}" for i in range(W.shape[0])], W)
        kv.fill_norms()
        _CACHE["gensim_kv"] = kv
    return kv


def _topk_fn(impl: str, W: np.ndarray, rows: np.ndarray):
    """Zero-argument callable computing the top-K neighbours of table rows ``rows``."""
    Q = W[rows]
    if impl == "sparsedense":
        topk_similar = importlib.import_module("sparsedense.similarity").topk_similar
        return lambda: topk_similar(Q, W, k=K)
    if impl == "sparsedense_int8_rerank":  # exact: screen on int8 rows, re-rank with W
        sd = importlib.import_module("sparsedense")
        q8 = sd.quantize(W, "int8")
        return lambda: sd.topk_similar(Q, q8, k=K, rerank=W)
    if impl == "sklearn":
        importlib.import_module("sklearn.metrics.pairwise")
        return lambda: _sklearn_topk(Q, W, K)
    if impl == "gensim":
        kv = _gensim_kv(W)
        keys = [f"w{i}" for i in rows]

        def loop():
            return [kv.most_similar(key, topn=K) for key in keys]
        return loop
    if impl == "gemm":
        return lambda: Q @ W.T
    raise ValueError(impl)


def _check_topk(impl: str, W: np.ndarray) -> None:
    rows = query_rows()[:N_CHECK]
    ref_idx, ref_scores, S = reference_topk(W, rows, K + 1)
    out = _topk_fn(impl, W, rows)()
    if impl == "gemm":
        assert out.shape == (N_CHECK, N_TABLE), f"gemm: shape {out.shape}"
        Q = W[rows]
        for j in (0, 1, N_TABLE - 1):
            ref = Q.astype(np.float64) @ W[j].astype(np.float64)
            np.testing.assert_allclose(out[:, j], ref, rtol=1e-4, atol=1e-3)
        return
    if impl == "gensim":  # the query key is left out: compare with ranks 2..11
        idx = np.array([[int(key[1:]) for key, _ in res] for res in out])
        scores = np.array([[s for _, s in res] for res in out])
        ref_idx, ref_scores = ref_idx[:, 1:], ref_scores[:, 1:]
    else:
        idx, scores = out
        ref_idx, ref_scores = ref_idx[:, :K], ref_scores[:, :K]
    assert idx.shape == (N_CHECK, K), f"{impl}: shape {idx.shape}"
    np.testing.assert_allclose(scores, ref_scores, atol=ATOL, err_msg=f"TopK[{impl}] scores")
    # the returned columns really have those scores (ties may be ordered differently)
    np.testing.assert_allclose(np.take_along_axis(S, idx, axis=1), ref_scores, atol=ATOL,
                               err_msg=f"TopK[{impl}] indices")


class TopK:
    """Top-10 cosine neighbours of 1,000 queries in 100,000 x 300 float32 (see module docstring).

    Every row answers the same 1,000 queries; ``sparsedense_int8_rerank``
    screens on the table packed as int8 and re-ranks with the float32 rows
    (the same answer as ``sparsedense``). n/a rows: ``sklearn`` or
    ``gensim`` when that library is not installed (setup says so).
    """

    params = ["sparsedense", "sparsedense_int8_rerank", "sklearn", "gensim", "gemm"]
    param_names = ["impl"]
    timeout = 600
    number = 1
    repeat = (1, 5, 20.0)  # at least 1, at most 5 samples per round, none started after 20 s
    rounds = 2
    warmup_time = 0

    def setup(self, impl):
        require_peer(impl)
        W = make_table()
        rows = query_rows()
        if once(("TopK.check", impl)):
            _check_topk(impl, W)
        self.fn = _topk_fn(impl, W, rows)
        if once(("TopK.warm", impl)):
            self.fn()

    def time_topk(self, impl):
        self.fn()

    def peakmem_topk(self, impl):
        self.fn()


# ---------------------------------------------------------------------------
# CosineTfidf


def tfidf_matrix():
    """TF-IDF (sparsedense, default parameters) of the first 5,000 corpus documents (cached)."""
    X = _CACHE.get("X")
    if X is None:
        TfidfVectorizer = importlib.import_module("sparsedense").TfidfVectorizer
        X = _CACHE["X"] = TfidfVectorizer().fit_transform(make_corpus()[:N_DOCS])
    return X


def _cosine_fn(impl: str, A, B=None):
    if impl == "sparsedense":
        cosine_similarity = importlib.import_module("sparsedense.similarity").cosine_similarity
    elif impl == "sklearn":
        cosine_similarity = importlib.import_module("sklearn.metrics.pairwise").cosine_similarity
    else:
        raise ValueError(impl)
    return lambda: cosine_similarity(A, B)


class CosineTfidf:
    """``cosine_similarity(X)`` of 5,000 TF-IDF documents (dense 5,000 x 5,000 float64 out).

    n/a row: ``sklearn`` when scikit-learn is not installed (setup says so).
    """

    params = ["sparsedense", "sklearn"]
    param_names = ["impl"]
    timeout = 600
    number = 1
    repeat = (1, 5, 20.0)
    rounds = 2
    warmup_time = 0

    def setup(self, impl):
        require_peer(impl)
        X = tfidf_matrix()
        if once(("CosineTfidf.check", impl)):
            part = X[:N_CHECK_DOCS]
            got = _cosine_fn(impl, part, X)()
            assert isinstance(got, np.ndarray) and got.shape == (N_CHECK_DOCS, N_DOCS)
            assert got.dtype == np.float64
            ref = (part @ X.T).toarray()  # rows are l2-normalized already
            np.testing.assert_allclose(got, ref, atol=1e-10, err_msg=f"CosineTfidf[{impl}]")
            del got, ref
        self.fn = _cosine_fn(impl, X)
        if once(("CosineTfidf.warm", impl)):
            self.fn()

    def time_cosine(self, impl):
        self.fn()

    def peakmem_cosine(self, impl):
        self.fn()


# ---------------------------------------------------------------------------
# ScreenMemory


class ScreenMemory:
    """What an int8 table keeps for its exact screen (issue 26: a 3.5th of the float32
    table or less): ``track_float32_over_kept`` is the 100,000 x 300 float32 table's
    bytes over the int8 codes' plus what the first ``topk_similar(Q, q8, k=10,
    rerank=W)`` of a fresh table leaves allocated (``tracemalloc``, its result and
    its own buffers excluded). Higher is better; no peer keeps an exact screen."""

    timeout = 600
    number = 1
    repeat = 1
    rounds = 1

    def setup(self):
        import sparsedense as sd

        self.W = make_table()
        self.Q = self.W[query_rows()[:N_CHECK]]
        small = self.W[:2000]
        sd.topk_similar(self.Q, sd.quantize(small, "int8"), k=K, rerank=small)  # (compiled)

    def track_float32_over_kept(self):
        import gc
        import tracemalloc

        import sparsedense as sd

        q8 = sd.quantize(self.W, "int8")
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            result = sd.topk_similar(self.Q, q8, k=K, rerank=self.W)
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before - sum(a.nbytes for a in result)
        finally:
            tracemalloc.stop()
        return self.W.nbytes / (q8.data.nbytes + kept)

    track_float32_over_kept.unit = "ratio"
