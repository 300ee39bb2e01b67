"""Bags of embeddings and LSA: sparse document-term matrices to dense vectors.

sparsedense against scipy.sparse, torch and scikit-learn, side by side.  The
data (fixed seeds, generated once per process and cached):

* the table ``W`` of ``bench_embedding`` (100,000 x 300 float32);
* ``X``: 20,000 documents x 100,000 words in CSR (scipy's int32 indices),
  float32.  Each document draws 100 words Zipf-like (word of rank ``r`` with
  probability proportional to ``1 / r``) with random positive weights
  (uniform in [0.1, 1)); ``sum_duplicates`` merges repeated words, which
  leaves about 1.6 M stored values (about 81 per document);
* ``G``: an upstream gradient of 20,000 x 300 float32 for the bag backward;
* for ``LSA``: the TF-IDF (``sparsedense.TfidfVectorizer``) of the text
  corpus of ``bench_text`` (``_corpus.make_corpus()``, 20,000 documents).

As in ``bench_embedding``, ``setup`` makes one full-size call of the
benchmarked operation once per process (compilation, lazy initialisation and
first-touch costs are not timed) and checks once per process, on a slice of
the documents, that the output is right.  torch uses 2 threads.  A row whose
library is not installed (torch, scikit-learn) is n/a: ``setup`` raises
NotImplementedError saying so, and the checks that compare sparsedense with
that library are left out of the sparsedense row.
"""

from __future__ import annotations

import importlib
import importlib.util

import numpy as np

from ._corpus import make_corpus, scaled
from ._peers import require_peer
from .bench_embedding import (
    EMBEDDING_DIM,
    N_EMBEDDINGS,
    SEED,
    assert_close,
    import_torch,
    make_table,
    once,
    zipf_ids,
)

N_DOCS = scaled(20_000)
WORDS_PER_DOC = 100
#: documents of the slice used for the correctness checks in ``setup``
N_CHECK_DOCS = scaled(1_000)

LSA_COMPONENTS = 100

_CACHE: dict[str, object] = {}


def make_X():
    """The 20,000 x 100,000 float32 CSR document-word matrix (cached, canonical)."""
    X = _CACHE.get("X")
    if X is None:
        sp = importlib.import_module("scipy.sparse")
        rng = np.random.default_rng(SEED + 3)
        n = N_DOCS * WORDS_PER_DOC
        words = zipf_ids(rng, n)
        values = rng.uniform(0.1, 1.0, size=n).astype(np.float32)
        indptr = np.arange(0, n + 1, WORDS_PER_DOC)
        X = sp.csr_matrix((values, words, indptr), shape=(N_DOCS, N_EMBEDDINGS))
        X.sum_duplicates()  # canonical: sorted, distinct columns per row
        _CACHE["X"] = X
    return X


def row_sums(X) -> np.ndarray:
    """Sum of the stored values of each row (float32, as X)."""
    return np.add.reduceat(X.data, X.indptr[:-1]) if X.nnz else np.zeros(X.shape[0], X.dtype)


class _Suite:
    """Shared attributes: one call per sample, 2 interleaved rounds, no asv warm-up."""

    param_names = ["impl"]
    timeout = 300
    number = 1
    repeat = 5
    rounds = 2
    warmup_time = 0


# ---------------------------------------------------------------------------
# sparse_to_dense: one vector per document


def _bag_arrays(X):
    """torch's view of X: int64 word ids, int64 bag starts, the stored values."""
    return (X.indices.astype(np.int64), X.indptr[:-1].astype(np.int64), X.data)


def _to_dense_fn(impl: str, mode: str, X, W: np.ndarray):
    """Zero-argument callable computing ``sparse_to_dense(X, W, mode)`` the ``impl`` way."""
    if impl == "sparsedense":
        F = importlib.import_module("sparsedense.functional")
        return lambda: F.sparse_to_dense(X, W, mode)
    if impl == "scipy":
        if mode == "sum":
            return lambda: X @ W

        def mean():
            out = X @ W
            out /= row_sums(X)[:, None]  # no document of X is empty
            return out
        return mean
    if impl == "torch":
        torch = import_torch()
        tf = importlib.import_module("torch.nn.functional")
        indices, offsets, weights = _bag_arrays(X)
        if mode == "mean":
            # torch's mode="mean" is the unweighted mean of the rows (and it
            # refuses per_sample_weights), which is not sparsedense's weighted
            # mean sum_k x_k W[k] / sum_k x_k. The torch equivalent is mode="sum"
            # with each weight divided by its document's weight sum, done here
            # in setup (not timed).
            weights = weights / np.repeat(row_sums(X), np.diff(X.indptr))
        t_idx, t_off = torch.from_numpy(indices), torch.from_numpy(offsets)
        t_w, t_psw = torch.from_numpy(W), torch.from_numpy(np.ascontiguousarray(weights))
        return lambda: tf.embedding_bag(t_idx, t_w, t_off, mode="sum", per_sample_weights=t_psw)
    raise ValueError(impl)


def _reference_to_dense(mode: str, X, W: np.ndarray) -> np.ndarray:
    out = X @ W  # float32, on a slice of X (small: no large temporary in setup)
    if mode == "mean":
        out /= row_sums(X)[:, None]
    return out


class _ToDense(_Suite):
    params = ["sparsedense", "scipy", "torch"]
    mode = "sum"

    def setup(self, impl):
        require_peer(impl)
        X, W = make_X(), make_table()
        self.fn = _to_dense_fn(impl, self.mode, X, W)
        name = type(self).__name__
        if once((name, "check", impl)):
            part = X[:N_CHECK_DOCS]
            got = _to_dense_fn(impl, self.mode, part, W)()
            assert_close(f"{name}[{impl}]", got, _reference_to_dense(self.mode, part, W))
            del got
        if once((name, "warm", impl)):
            self.fn()


class SparseToDenseSum(_ToDense):
    """``sparse_to_dense(X, W, "sum")``, i.e. ``X @ W`` (20,000 x 300 float32 out).

    scipy: ``X @ W``; torch: ``F.embedding_bag(indices, W, offsets=indptr[:-1],
    mode="sum", per_sample_weights=data)`` with int64 ``indices`` and
    ``offsets`` made in ``setup``.  sparsedense takes X as scipy gives it
    (int32 indices), converting them inside the call.
    """

    mode = "sum"

    def time_sparse_to_dense(self, impl):
        self.fn()

    def peakmem_sparse_to_dense(self, impl):
        self.fn()


class SparseToDenseMean(_ToDense):
    """``sparse_to_dense(X, W, "mean")``: ``X @ W`` divided by each row's weight sum.

    scipy: ``X @ W`` then the division by the row sums (both in the call);
    torch: ``embedding_bag(mode="sum")`` with the per-sample weights already
    divided by their document's sum in ``setup`` (torch's own ``mode="mean"``
    is the unweighted mean, not this).
    """

    mode = "mean"

    def time_sparse_to_dense(self, impl):
        self.fn()


class SparseToDenseCompressed(_Suite):
    """``sparse_to_dense(X, qt, "sum")`` over a compressed table (issue 26).

    ``qt = sparsedense.quantize(W, dtype)``; sparsedense decodes its rows in
    the kernel. ``torch``: ``torch.ops.quantized.embedding_bag_byte_rowwise_offsets``
    (int8) or ``..._4bit_rowwise_offsets`` (int4) on the same packed bytes,
    with the stored values as per-sample weights; ``sparsedense-float32`` is
    our own float32 path on ``W`` (the speed-up the compressed rows give).
    torch has no float16 bag: that row is n/a.
    """

    params = (["sparsedense", "sparsedense-float32", "torch"], ["int8", "int4", "float16"])
    param_names = ["impl", "dtype"]

    def setup(self, impl, dtype):
        import sparsedense as sd

        if impl == "torch":
            if dtype == "float16":
                raise NotImplementedError("n/a: torch has no quantized float16 bag")
            require_peer(impl)
        X, W = make_X(), make_table()
        key = ("qt", dtype)
        if key not in _CACHE:
            _CACHE[key] = sd.quantize(W, dtype)
        qt = _CACHE[key]
        F = importlib.import_module("sparsedense.functional")
        if impl == "sparsedense":
            self.fn = lambda: F.sparse_to_dense(X, qt, "sum")
        elif impl == "sparsedense-float32":
            self.fn = lambda: F.sparse_to_dense(X, W, "sum")
        else:
            torch = import_torch()
            op = (torch.ops.quantized.embedding_bag_byte_rowwise_offsets if dtype == "int8"
                  else torch.ops.quantized.embedding_bag_4bit_rowwise_offsets)
            indices, offsets, weights = _bag_arrays(X)
            packed = torch.from_numpy(qt.data)
            t_idx, t_off = torch.from_numpy(indices), torch.from_numpy(offsets)
            t_psw = torch.from_numpy(np.ascontiguousarray(weights))
            self.fn = lambda: op(packed, t_idx, t_off, False, 0, False, t_psw, None, False)
        name = type(self).__name__
        if once((name, "check", impl, dtype)):
            part = X[:N_CHECK_DOCS]
            want = F.sparse_to_dense(part, qt.dequantize(), "sum")
            got = (F.sparse_to_dense(part, qt, "sum") if impl != "sparsedense-float32"
                   else want)
            assert_close(f"{name}[{impl}, {dtype}]", got, want)
        if once((name, "warm", impl, dtype)):
            self.fn()

    def time_sparse_to_dense(self, impl, dtype):
        self.fn()


class SparseStructureCheck(_Suite):
    """The structural check of ``X`` inside ``sparse_to_dense``, beside the call it guards.

    ``check``: ``_base.sparse.check_csr(X)`` alone (one pass over ``indptr`` and
    ``indices``, run on every sparse input); ``sparse_to_dense``: the whole
    ``"sum"`` call, check included. The goal is a check under 3% of the call.
    """

    params = ["check", "sparse_to_dense"]

    def setup(self, impl):
        from sparsedense._base.sparse import check_csr

        X, W = make_X(), make_table()
        self.fn = (lambda: check_csr(X)) if impl == "check" else \
            _to_dense_fn("sparsedense", "sum", X, W)
        if once((type(self).__name__, "warm", impl)):
            self.fn()

    def time_check(self, impl):
        self.fn()


# ---------------------------------------------------------------------------
# backward of a weighted sum bag


def _bag_backward_fn(impl: str, W, indices, offsets, psw, G):
    """Zero-argument callable returning ``(grad_weight, grad_per_sample_weights)``."""
    if impl == "sparsedense":
        F = importlib.import_module("sparsedense.functional")
        return lambda: F.embedding_bag_backward(G, indices, W, offsets, "sum",
                                                per_sample_weights=psw)
    if impl == "torch":
        torch = import_torch()
        tf = importlib.import_module("torch.nn.functional")
        t_w = torch.from_numpy(W).requires_grad_(True)  # shares W's memory; never written
        t_psw = torch.from_numpy(psw.copy()).requires_grad_(True)
        t_g = torch.from_numpy(G)
        out = tf.embedding_bag(torch.from_numpy(indices), t_w, torch.from_numpy(offsets),
                               mode="sum", per_sample_weights=t_psw)  # forward: not timed

        def backward():
            t_w.grad = None  # the zero-initialised gradients are part of the timing
            t_psw.grad = None
            out.backward(t_g, retain_graph=True)
            return t_w.grad, t_psw.grad
        return backward
    raise ValueError(impl)


def make_bag_grad_output() -> np.ndarray:
    G = _CACHE.get("G")
    if G is None:
        rng = np.random.default_rng(SEED + 4)
        G = _CACHE["G"] = rng.standard_normal((N_DOCS, EMBEDDING_DIM), dtype=np.float32)
    return G


class BagBackward(_Suite):
    """``embedding_bag_backward(G, indices, W, offsets, "sum", per_sample_weights=data)``.

    The bags are the documents of X (int64 ``indices`` and ``offsets`` made in
    ``setup``, the same arrays for both). Both compute the dense 100,000 x 300
    table gradient and the gradient of the 1.6 M sample weights. torch: the
    backward of ``F.embedding_bag(..., mode="sum", per_sample_weights=w)``
    with ``w.requires_grad``, the forward made in ``setup``, ``.grad`` reset
    to None before each call.
    """

    params = ["sparsedense", "torch"]

    def setup(self, impl):
        require_peer(impl)
        X, W, G = make_X(), make_table(), make_bag_grad_output()
        indices, offsets, psw = _bag_arrays(X)
        self.fn = _bag_backward_fn(impl, W, indices, offsets, psw, G)
        if once(("BagBackward.check", impl)):
            part = X[:N_CHECK_DOCS]
            p_idx, p_off, p_psw = _bag_arrays(part)
            p_g = G[:N_CHECK_DOCS]
            gw, gpsw = _bag_backward_fn(impl, W, p_idx, p_off, p_psw, p_g)()
            # d/dW of sum(G * (X @ W)) is X.T @ G; d/dx_k is G[doc(k)] . W[word(k)]
            ref_w = part.astype(np.float64).T @ p_g.astype(np.float64)
            assert_close(f"BagBackward[{impl}] grad_weight", gw, ref_w)
            del gw, ref_w
            docs = np.repeat(np.arange(N_CHECK_DOCS), np.diff(part.indptr))
            ref_psw = np.einsum("ij,ij->i", p_g[docs].astype(np.float64),
                                W[p_idx].astype(np.float64))
            assert_close(f"BagBackward[{impl}] grad_per_sample_weights", gpsw, ref_psw)
        if once(("BagBackward.warm", impl)):
            self.fn()

    def time_bag_backward(self, impl):
        self.fn()


# ---------------------------------------------------------------------------
# LSA: truncated SVD of a TF-IDF matrix


def tfidf_matrix():
    """TF-IDF of the 20,000-document text corpus, by sparsedense (cached; float64)."""
    X = _CACHE.get("tfidf")
    if X is None:
        sd = importlib.import_module("sparsedense")
        X = _CACHE["tfidf"] = sd.TfidfVectorizer().fit_transform(make_corpus())
    return X


def _svd(impl: str):
    if impl == "sparsedense":
        return importlib.import_module("sparsedense").LSA(LSA_COMPONENTS, random_state=0)
    if impl == "sklearn":
        decomposition = importlib.import_module("sklearn.decomposition")
        return decomposition.TruncatedSVD(LSA_COMPONENTS, algorithm="randomized",
                                          random_state=0)
    raise ValueError(impl)


class LSA:
    """``LSA(100, random_state=0).fit_transform(X)`` vs sklearn's ``TruncatedSVD``.

    X is the TF-IDF of the text corpus (20,000 x ~50,000, ~2.9 M stored
    values, float64). sklearn: ``TruncatedSVD(100, algorithm="randomized",
    random_state=0)``. Both draw the same test matrix from the same seed, so
    ``track_explained_variance_ratio`` (the sum of ``explained_variance_ratio_``)
    must be equal in both rows. ``setup`` fits both on 2,000 documents once
    per process (warm-up and a check that their explained variance agrees).
    """

    params = ["sparsedense", "sklearn"]
    param_names = ["impl"]

    timeout = 300
    number = 1
    repeat = 1  # about 20 s a fit
    rounds = 2
    warmup_time = 0

    def setup(self, impl):
        require_peer(impl)
        self.X = tfidf_matrix()
        if importlib.util.find_spec("sklearn") is not None and once(("LSA.check",)):
            part = self.X[:2_000]
            ratios = {name: _svd(name).fit(part).explained_variance_ratio_
                      for name in self.params}
            diff = float(np.max(np.abs(ratios["sparsedense"] - ratios["sklearn"])))
            assert diff <= 1e-10, f"LSA: explained_variance_ratio_ differs by {diff:.3g}"

    def time_fit_transform(self, impl):
        _svd(impl).fit_transform(self.X)

    def track_explained_variance_ratio(self, impl):
        return float(_svd(impl).fit(self.X).explained_variance_ratio_.sum())

    track_explained_variance_ratio.unit = "fraction"


class EmbeddingVectorizerEndToEnd:
    """Text to dense document vectors in one step, on the 20,000-document corpus.

    sparsedense: ``EmbeddingVectorizer(W, words, mode="sum").fit_transform(docs)``;
    sklearn: ``TfidfVectorizer(vocabulary=words, dtype=float32).fit_transform(docs) @ W``.
    ``W`` is a random float32 table (one 300-d row per word of the corpus
    vocabulary). ``setup`` checks once that both agree on 500 documents.
    """

    params = ["sparsedense", "sklearn"]
    param_names = ["impl"]

    timeout = 300
    number = 1
    repeat = 3
    rounds = 2
    warmup_time = 0

    def setup(self, impl):
        require_peer(impl)
        sd = importlib.import_module("sparsedense")
        self.docs = make_corpus()
        key = "ev.words"
        if key not in _CACHE:
            words = sd.TfidfVectorizer().fit(self.docs).get_feature_names_out().tolist()
            rng = np.random.default_rng(1)
            _CACHE[key] = (words, rng.standard_normal((len(words), 300), dtype=np.float32))
        self.words, self.W = _CACHE[key]
        self.vocab = {w: i for i, w in enumerate(self.words)}
        if importlib.util.find_spec("sklearn") is not None and once(
                ("EmbeddingVectorizer.check",)):
            a = self._run("sparsedense", self.docs[:500])
            b = self._run("sklearn", self.docs[:500])
            assert np.allclose(a, b, rtol=1e-4, atol=1e-4), "EmbeddingVectorizer differs"

    def _run(self, impl, docs):
        if impl == "sparsedense":
            sd = importlib.import_module("sparsedense")
            return sd.EmbeddingVectorizer(self.W, self.words, mode="sum").fit_transform(docs)
        text = importlib.import_module("sklearn.feature_extraction.text")
        X = text.TfidfVectorizer(vocabulary=self.vocab, dtype=np.float32).fit_transform(docs)
        return X @ self.W

    def time_fit_transform(self, impl):
        self._run(impl, self.docs)
