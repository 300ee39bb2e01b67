"""Side-by-side comparison of every sparsedense kernel with the library a user would pick.

Runs each workload of the issues with sparsedense and its peers (numpy,
scipy, scikit-learn, torch CPU, gensim — each only if installed) in ONE
process, interleaving the contenders run by run (the machines are shared and
noisy: interleaving spreads the noise over everyone), and prints the median
and min-max of each, the ratio peer / sparsedense (> 1: sparsedense is
faster) with the min-max of the per-run ratios, and sparsedense's p95/median
(a steady kernel stays near 1). Every workload runs at three sizes a user
meets (``--sizes small,medium,large``; large is the issues' size), and the
output starts with the machine it ran on (CPU, ISA, caches, BLAS, threads,
load, date, versions): a ratio means nothing without it. The last line lists
every (workload, size, peer) where sparsedense is slower than its peer.
``--quick`` runs the small size only, for CI: it checks that every workload
runs and agrees with its peer, not the speed.

One process is not a measurement: on the machines we share, where a process's
stack and memory lie shifts every call in it, steadily, for sparsedense and its
peers alike and not by the same factor (docs/howto/benchmarks.rst). ``--processes N`` runs each
size in N processes one after another and reports, per row, the median of
the processes' ratios with their range; ``--readme`` takes three.

    python benchmarks/compare.py            # all three sizes (many minutes; a quiet machine)
    python benchmarks/compare.py --quick    # small sizes (under a minute)
    python benchmarks/compare.py --only embedding,bag --sizes medium --runs 7 --json out.json
    python benchmarks/compare.py --markdown table.md   # the README speed table, to a file
    python benchmarks/compare.py --readme   # ... rewritten in README.md between its markers
    python benchmarks/compare.py --sizes large --only bag --processes 5
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from benchmarks._corpus import make_corpus  # noqa: E402
from _compare_report import (SIZES, _load, _ratio, cpu_line, machine, markdown,  # noqa: E402
                             merge, ratio_rows, slower, summary_line, versions_line,
                             write_readme)

import sparsedense as sd  # noqa: E402
from sparsedense import functional as F  # noqa: E402


def _try(name):
    try:
        return __import__(name)
    except ImportError:
        return None


torch = _try("torch")
sklearn = _try("sklearn")
gensim = _try("gensim")
if torch is not None:
    torch.set_num_threads(min(2, os.cpu_count() or 1))


def zipf_indices(rng, n, size):
    p = 1.0 / np.arange(1, n + 1)
    return rng.choice(n, size=size, p=p / p.sum()).astype(np.int64)


#: interleaved runs per contender when --runs is not given (the large calls take seconds)
RUNS = {"small": 25, "medium": 11, "large": 5}
#: runs of --quick (CI: it checks that everything runs, not the speed)
QUICK_RUNS = 3
#: processes a --readme run measures each size in (a process's layout decides its speed)
README_PROCESSES = 3
#: the fewest runs per contender in each of several processes
PROCESS_RUNS_MIN = 3


def _n(x: int) -> str:
    return f"{x:,}"


class Case:
    """One workload at one size: contenders (name -> zero-argument callable), sparsedense first.

    ``workload`` names the operation, ``detail`` the size in a user's terms
    (e.g. "1,000 ids in 100,000 x 300 float32"); ``name`` joins them and the size.
    """

    def __init__(self, group: str, workload: str, contenders: dict[str, Callable[[], object]],
                 check: Callable[[], None] | None = None, reference: str | None = None, *,
                 size: str = "large", detail: str = "") -> None:
        self.group, self.workload, self.contenders = group, workload, contenders
        self.check, self.reference, self.size, self.detail = check, reference, size, detail
        self.name = f"{workload}, {detail} [{size}]" if detail else f"{workload} [{size}]"


#: documents of 200 Zipf tokens over 50,000 word types (benchmarks/_corpus.py)
TEXT_DOCS = {"small": 200, "medium": 2_000, "large": 20_000}


def corpus(size: str) -> list[str]:
    return make_corpus(TEXT_DOCS[size], 200, 50_000)


def text_cases(size: str) -> list[Case]:
    docs = corpus(size)
    detail = f"{_n(len(docs))} docs x 200 Zipf tokens"
    out = []
    if sklearn is None:
        return out
    from sklearn.feature_extraction import text as skt

    for name, method in [("TfidfVectorizer", "fit_transform"), ("CountVectorizer", "fit_transform"),
                         ("HashingVectorizer", "transform")]:
        ours, theirs = getattr(sd, name), getattr(skt, name)

        def check(ours=ours, theirs=theirs, method=method):
            a = getattr(ours(), method)(docs[:500])
            b = getattr(theirs(), method)(docs[:500])
            assert a.shape == b.shape and abs(a - b).max() <= 1e-12
        out.append(Case("text", f"{name}.{method}", {
            "sparsedense": lambda ours=ours, m=method: getattr(ours(), m)(docs),
            "sklearn": lambda theirs=theirs, m=method: getattr(theirs(), m)(docs)}, check,
            size=size, detail=detail))
    return out


#: ids looked up (or scattered) in the 100,000 x 300 float32 table: a mini-batch, a
#: large batch, the issues' size
LOOKUP_IDS = {"small": 1_000, "medium": 20_000, "large": 200_000}


def dense_cases(size: str) -> list[Case]:
    rng = np.random.default_rng(0)
    V, D, N = 100_000, 300, LOOKUP_IDS[size]
    detail = f"{_n(N)} Zipf ids in {_n(V)} x {D} float32"
    W = rng.standard_normal((V, D), dtype=np.float32)
    idx = zipf_indices(rng, V, N)
    G = rng.standard_normal((N, D), dtype=np.float32)
    src = np.ones((N, D), np.float32)
    out = []
    lookup = {"sparsedense": lambda: F.embedding(idx, W), "numpy W[idx]": lambda: W[idx],
              "np.take": lambda: np.take(W, idx, axis=0), "copy (limit)": lambda: src.copy()}
    grad = {"sparsedense": lambda: F.embedding_backward(G, idx, V),
            "np.add.at": lambda: np.add.at(np.zeros((V, D), np.float32), idx, G)}
    sparse = {"sparsedense": lambda: F.embedding_backward(G, idx, V, sparse=True)}
    if torch is not None:
        Wt, it, Gt = torch.from_numpy(W), torch.from_numpy(idx), torch.from_numpy(G)
        lookup["torch"] = lambda: torch.nn.functional.embedding(it, Wt)
        grad["torch index_add_"] = lambda: torch.zeros(V, D).index_add_(0, it, Gt)

        def autograd(sparse_grad):
            w = Wt.clone().requires_grad_(True)
            y = torch.nn.functional.embedding(it, w, sparse=sparse_grad)

            def run():
                w.grad = None
                y.backward(Gt, retain_graph=True)
                if sparse_grad:
                    w.grad.coalesce()
            return run
        grad["torch autograd"] = autograd(False)
        sparse["torch autograd sparse"] = autograd(True)
    out.append(Case("embedding", "lookup", lookup,
                    lambda: np.testing.assert_array_equal(F.embedding(idx, W), W[idx]),
                    reference="copy (limit)", size=size, detail=detail))
    out.append(Case("embedding", "dense gradient", grad, size=size, detail=detail))
    out.append(Case("embedding", "row-sparse gradient", sparse, size=size, detail=detail))
    return out


def _lines_only():
    """A kernel that moves what a bag sum must move and does nothing else: for each
    stored value of the CSR X, every 64-byte line of its table row is loaded (one
    value each, into a running scalar) with the row 8 values ahead prefetched, as
    the sum kernel does; no multiply, no output row (one scalar per bag). Its time
    is the cost of the memory traffic alone, a reference rather than a strict
    floor: the sum kernel's three column passes order the same loads better and
    have measured a little faster. Compiled on first use (not cached: a
    benchmark, not a kernel of the package)."""
    from numba import njit, prange

    from sparsedense._kernels._prefetch import prefetch_row

    @njit(parallel=True, fastmath=True)
    def touch(indptr, indices, W, out):
        last = indices.shape[0] - 1
        step = max(1, 64 // W.itemsize)
        for b in prange(indptr.shape[0] - 1):
            s = 0.0
            for p in range(indptr[b], indptr[b + 1]):
                prefetch_row(W, indices[min(p + 8, last)])
                i = indices[p]
                for c in range(0, W.shape[1], step):
                    s += W[i, c]
            out[b] = s
    return touch


def bag_cases(size: str) -> list[Case]:
    from sparsedense._base.sparse import check_csr

    rng = np.random.default_rng(0)
    V, D, n_docs, L = 100_000, 300, TEXT_DOCS[size], 100
    W = rng.standard_normal((V, D), dtype=np.float32)
    ids = zipf_indices(rng, V, n_docs * L)
    X = sp.csr_matrix((np.ones(ids.size, np.float32), (np.repeat(np.arange(n_docs), L), ids)),
                      shape=(n_docs, V))
    X.sum_duplicates()
    X.data = rng.random(X.nnz, dtype=np.float32) + 0.5
    rowsum = np.asarray(X.sum(axis=1)).ravel()
    out = []
    touch, touched = _lines_only(), np.empty(n_docs)
    s = {"sparsedense": lambda: sd.sparse_to_dense(X, W, "sum"), "scipy X @ W": lambda: X @ W,
         "rows' lines only (limit)": lambda: touch(X.indptr, X.indices, W, touched),
         # the structural check of X inside the call: its ratio is its share of the time
         "X's structural check (part)": lambda: check_csr(X)}
    m = {"sparsedense": lambda: sd.sparse_to_dense(X, W, "mean"),
         "scipy": lambda: (X @ W) / rowsum[:, None]}
    indptr, indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
    G = rng.standard_normal((n_docs, D), dtype=np.float32)
    back = {"sparsedense": lambda: F.embedding_bag_backward(G, indices, W, indptr[:-1], "sum",
                                                            per_sample_weights=X.data)}
    if torch is not None:
        It, Ot, Wt = torch.from_numpy(indices), torch.from_numpy(indptr[:-1]), torch.from_numpy(W)
        Pt = torch.from_numpy(X.data)
        Pm = torch.from_numpy((X.data / np.repeat(rowsum, np.diff(X.indptr))).astype(np.float32))
        eb = torch.nn.functional.embedding_bag
        s["torch embedding_bag"] = lambda: eb(It, Wt, Ot, mode="sum", per_sample_weights=Pt)
        # torch has no weighted mean: the weights are pre-divided by the row sums (free for it)
        m["torch embedding_bag"] = lambda: eb(It, Wt, Ot, mode="sum", per_sample_weights=Pm)
        Gt = torch.from_numpy(G)
        # sparsedense returns both gradients (table and sample weights): torch is asked for
        # both too (as in the asv suite), and, for reference, for the table's alone
        w = Wt.clone().requires_grad_(True)
        pw = Pt.clone().requires_grad_(True)
        y = eb(It, w, Ot, mode="sum", per_sample_weights=pw)

        def tb():
            w.grad = pw.grad = None
            y.backward(Gt, retain_graph=True)
        back["torch autograd"] = tb
        w1 = Wt.clone().requires_grad_(True)
        y1 = eb(It, w1, Ot, mode="sum", per_sample_weights=Pt)

        def tb1():
            w1.grad = None
            y1.backward(Gt, retain_graph=True)
        back["torch autograd, table gradient only (part)"] = tb1
    detail = f"{_n(n_docs)} docs, {_n(X.nnz)} values, {_n(V)} x {D} float32"
    out.append(Case("bag", "sparse_to_dense sum", s, lambda: np.testing.assert_allclose(
        sd.sparse_to_dense(X, W, "sum"), X @ W, rtol=1e-4, atol=1e-3),
        reference="rows' lines only (limit)", size=size, detail=detail))
    out.append(Case("bag", "sparse_to_dense mean", m, size=size, detail=detail))
    # compressed tables (issue 26): the same sum over int8 / int4 rows, against torch's
    # quantized bags on the same bytes and against our own float32 path
    for dtype, op in (("int8", "embedding_bag_byte_rowwise_offsets"),
                      ("int4", "embedding_bag_4bit_rowwise_offsets")):
        qt = sd.quantize(W, dtype)
        q = {"sparsedense": lambda qt=qt: sd.sparse_to_dense(X, qt, "sum"),
             "sparsedense float32 table": lambda: sd.sparse_to_dense(X, W, "sum"),
             # the same loads of the code rows' lines and nothing else: where the decode's
             # arithmetic, not the memory traffic, sets the time, this row is well below 1
             f"{dtype} rows' lines only (limit)":
                 lambda qt=qt: touch(X.indptr, X.indices, qt.data, touched)}
        if torch is not None:
            packed, qop = torch.from_numpy(qt.data), getattr(torch.ops.quantized, op)
            q[f"torch quantized {dtype} bag"] = \
                lambda packed=packed, qop=qop: qop(packed, It, Ot, False, 0, False, Pt, None,
                                                    False)
        out.append(Case("bag", f"sparse_to_dense sum, {dtype} table", q,
                        lambda qt=qt: np.testing.assert_allclose(
                            sd.sparse_to_dense(X[:50], qt, "sum"),
                            sd.sparse_to_dense(X[:50], qt.dequantize(), "sum"),
                            rtol=1e-4, atol=1e-3),
                        size=size, detail=f"{detail} packed as {dtype}"))
    out.append(Case("bag", "embedding_bag backward (sum, weighted)", back, size=size,
                    detail=detail))
    if sklearn is not None:
        from sklearn.decomposition import TruncatedSVD

        docs = corpus(size)
        T = sd.TfidfVectorizer().fit_transform(docs)
        k = 20 if size == "small" else 100  # 200 documents hold a few dozen topics
        # EmbeddingVectorizer end to end (text -> dense) vs scikit-learn's TfidfVectorizer + X @ W
        from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

        words = sd.TfidfVectorizer().fit(docs).get_feature_names_out().tolist()
        E = rng.standard_normal((len(words), D), dtype=np.float32)
        vocab = {w: i for i, w in enumerate(words)}

        def sk_embed():
            Xs = SkTfidf(vocabulary=vocab, dtype=np.float32).fit_transform(docs)
            return Xs @ E
        out.append(Case("bag", "EmbeddingVectorizer end to end (sum)", {
            "sparsedense": lambda: sd.EmbeddingVectorizer(E, words, mode="sum").fit_transform(docs),
            "sklearn TfidfVectorizer + X @ W": sk_embed},
            lambda: np.testing.assert_allclose(
                sd.EmbeddingVectorizer(E, words, mode="sum").fit_transform(docs[:300]),
                SkTfidf(vocabulary=vocab, dtype=np.float32).fit_transform(docs[:300]) @ E,
                rtol=1e-4, atol=1e-4), size=size,
            detail=f"{_n(len(docs))} docs x 200 tokens, {D}-d rows"))
        out.append(Case("bag", f"LSA {k} components", {
            "sparsedense": lambda: sd.LSA(k, random_state=0).fit(T),
            "sklearn TruncatedSVD": lambda: TruncatedSVD(k, random_state=0).fit(T)},
            lambda: np.testing.assert_allclose(
                sd.LSA(k, random_state=0).fit(T).explained_variance_ratio_.sum(),
                TruncatedSVD(k, random_state=0).fit(T).explained_variance_ratio_.sum(),
                rtol=1e-3), size=size,
            detail=f"TF-IDF of {_n(T.shape[0])} docs, {_n(T.nnz)} values"))
    return out


#: (queries, table rows) of the top-k search in a 300-d float32 table
TOPK = {"small": (10, 10_000), "medium": (100, 100_000), "large": (1_000, 100_000)}
#: documents of the sparse TF-IDF cosine
COSINE_DOCS = {"small": 200, "medium": 1_000, "large": 5_000}


def similarity_cases(size: str) -> list[Case]:
    if sklearn is not None:
        from sklearn.metrics.pairwise import cosine_similarity as skcos
    rng = np.random.default_rng(0)
    (nq, V), D = TOPK[size], 300
    W = rng.standard_normal((V, D), dtype=np.float32)
    rows = rng.choice(V, nq, replace=False)
    Q = W[rows]
    out = []
    scores = np.empty((nq, V), dtype=np.float32)  # the GEMM without its allocation's page faults
    topk = {"sparsedense": lambda: sd.topk_similar(Q, W, k=10), "GEMM Q @ W.T (limit)": lambda: Q @ W.T,
            "GEMM into a preallocated out (limit)": lambda: np.matmul(Q, W.T, out=scores)}
    if sklearn is not None:
        from benchmarks.bench_similarity import _sklearn_topk  # the asv suite's, row by row

        topk["sklearn cosine+argpartition"] = lambda: _sklearn_topk(Q, W, 10)
    out.append(Case("similarity", "top-10 cosine", topk, reference="GEMM Q @ W.T (limit)",
                    size=size, detail=f"{_n(nq)} queries in {_n(V)} x {D} float32"))
    q8 = sd.quantize(W, "int8")
    out.append(Case("similarity", "top-10 cosine, int8 screen + float32 re-rank", {
        "sparsedense": lambda: sd.topk_similar(Q, q8, k=10, rerank=W),
        "sparsedense float32 table": lambda: sd.topk_similar(Q, W, k=10),
        "GEMM Q @ W.T (limit)": lambda: Q @ W.T},
        lambda: [np.testing.assert_array_equal(a, b) for a, b in
                 zip(sd.topk_similar(Q[:50], q8, k=10, rerank=W), sd.topk_similar(Q[:50], W, k=10))],
        reference="GEMM Q @ W.T (limit)", size=size,
        detail=f"{_n(nq)} queries in {_n(V)} x {D} float32 packed as int8 (exact: the float "
               "table's top-10)"))
    if gensim is not None:  # gensim's peer is Vectors: both keep the unit rows between calls
        from gensim.models import KeyedVectors

        keys = [f"w{i}" for i in rows]
        kv = KeyedVectors(D)
        kv.add_vectors([f"w{i}" for i in range(V)], W)
        kv.fill_norms()
        vecs = sd.Vectors([f"w{i}" for i in range(V)], W)
        vecs.fill_norms()

        def gs():  # gensim answers one query per call: every one of the queries, in a loop
            return [kv.most_similar(key, topn=10) for key in keys]

        def same():
            ours, theirs = vecs.most_similar_batch(keys[:5], topn=10), gs()[:5]
            for a, b in zip(ours, theirs):
                assert [w for w, _ in a] == [w for w, _ in b], (a, b)
                np.testing.assert_allclose([v for _, v in a], [v for _, v in b], atol=1e-5)

        out.append(Case("similarity", "Vectors.most_similar_batch, norms cached", {
            "sparsedense": lambda: vecs.most_similar_batch(keys, topn=10),
            "gensim most_similar": gs}, same, size=size,
            detail=f"{_n(nq)} keys in {_n(V)} x {D} float32, each leaving itself out"))
    if sklearn is not None:
        docs = make_corpus(COSINE_DOCS[size], 200, 50_000)
        T = sd.TfidfVectorizer().fit_transform(docs)
        out.append(Case("similarity", "sparse TF-IDF cosine", {
            "sparsedense": lambda: sd.cosine_similarity(T), "sklearn": lambda: skcos(T)},
            lambda: np.testing.assert_allclose(sd.cosine_similarity(T[:200]), skcos(T[:200]),
                                               atol=1e-6),
            size=size, detail=f"{_n(T.shape[0])} docs x 200 tokens"))
    return out


#: README.md at the repository root, whose speed table --readme rewrites
README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")

GROUPS = {"text": text_cases, "embedding": dense_cases, "bag": bag_cases,
          "similarity": similarity_cases}


#: a sample lasts at least this long: a faster call is timed over several calls in a
#: row (asv's and timeit's rule), one call alone being mostly timer and cold caches
MIN_SAMPLE = 0.01


def calls_per_sample(fn: Callable[[], object]) -> int:
    """How many calls in a row make one sample of ``fn`` last ``MIN_SAMPLE``: 1, 2, 5, 10, 20...

    Each count is timed twice and the faster time decides, so one slow call (a
    thread pool's first start, the host pausing the VM) does not make a
    30-microsecond call be timed alone, cold, in every sample.
    """
    scale = 1
    while True:
        for number in (scale, 2 * scale, 5 * scale):
            elapsed = []
            for _trial in range(2):
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                elapsed.append(time.perf_counter() - t0)
            if min(elapsed) >= MIN_SAMPLE or number >= 100_000:
                return number
        scale *= 10


def _time(seconds: float) -> str:
    """``12.34 ms``, or ``56.7 us`` below a millisecond."""
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"


#: a sample waits at most this long for the process's other threads to go idle
QUIET_MAX = 0.5
#: how often the wait looks at them
QUIET_POLL = 0.001
#: seconds waited by every sample so far, and the samples that waited the whole limit
QUIET_WAITED = {"seconds": 0.0, "timed_out": 0}


def _running_threads() -> int | None:
    """How many threads of this process other than the caller are running or runnable
    (state ``R`` in ``/proc/self/task/*/stat``); None where there is no such file."""
    me = threading.get_native_id()
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return None
    running = 0
    for tid in tids:
        if int(tid) == me:
            continue
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:  # the thread ended meanwhile
            continue
        end = stat.rindex(b")")  # (the name in brackets may hold spaces)
        running += stat[end + 2:end + 3] == b"R"
    return running


def wait_quiet(limit: float = QUIET_MAX) -> float:
    """Wait until no other thread of this process runs, at most ``limit`` seconds; returns
    the seconds waited.

    A thread pool keeps its threads spinning for a while after its last call, to
    answer the next one fast: OpenBLAS's for about 2**28 cycles (0.1 s), OpenMP's
    for a few milliseconds. A contender timed while another's pool still spins
    shares a core with it: on 2 cores sparsedense's top-k ran 25-45 % slower
    right after a NumPy GEMM than 0.2 s later. Each sample therefore starts from
    an idle process, whoever ran before it.
    """
    start = time.perf_counter()
    while True:
        waited = time.perf_counter() - start
        if waited >= limit or not _running_threads():
            QUIET_WAITED["seconds"] += waited
            QUIET_WAITED["timed_out"] += waited >= limit
            return waited
        time.sleep(QUIET_POLL)


def measure(case: Case, runs: int) -> dict[str, list[float]]:
    """Seconds per call of every contender, ``runs`` samples each, contenders interleaved.

    Each sample follows a ``gc.collect()`` and :func:`wait_quiet` (the thread pools
    of the contender before it idle), and times ``calls_per_sample`` calls in a
    row (one call when a call takes ``MIN_SAMPLE`` or more).
    """
    times: dict[str, list[float]] = {k: [] for k in case.contenders}
    for fn in case.contenders.values():  # warm-up: compilation, caches, lazy imports
        fn()
    number = {name: calls_per_sample(fn) for name, fn in case.contenders.items()}
    names = list(case.contenders)
    for r in range(runs):
        for name in (names if r % 2 == 0 else names[::-1]):
            fn, n = case.contenders[name], number[name]
            gc.collect()
            wait_quiet()
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            times[name].append((time.perf_counter() - t0) / n)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small size only (CI)")
    parser.add_argument("--sizes", default=None,
                        help=f"comma-separated sizes of {list(SIZES)} (default: all)")
    parser.add_argument("--runs", type=int, default=None,
                        help=f"runs per contender (default by size: {RUNS})")
    parser.add_argument("--only", default=None, help=f"comma-separated groups of {list(GROUPS)}")
    parser.add_argument("--json", default=None, help="write the machine and raw timings here")
    parser.add_argument("--plot", default=None, help="write a bar chart of the ratios (PNG)")
    parser.add_argument("--markdown", default=None, metavar="PATH",
                        help="write the README speed table (markdown) of this run here")
    parser.add_argument("--readme", action="store_true",
                        help="rewrite README.md's speed table (between its markers) from this "
                        "run: every group at every size")
    parser.add_argument("--processes", type=int, default=None,
                        help="measure each size in this many processes, one after another "
                        f"(default: 1; {README_PROCESSES} with --readme); --runs is then per "
                        f"process (default: the size's runs split between them, at least "
                        f"{PROCESS_RUNS_MIN})")
    args = parser.parse_args(argv)
    sizes = ["small"] if args.quick else (args.sizes.split(",") if args.sizes else list(SIZES))
    groups = args.only.split(",") if args.only else list(GROUPS)
    for name, chosen, known in (("size", sizes, SIZES), ("group", groups, GROUPS)):
        for x in chosen:
            if x not in known:
                parser.error(f"unknown {name} {x!r}; expected one of {list(known)}")
    if args.readme and (sizes != list(SIZES) or groups != list(GROUPS)):
        parser.error("--readme publishes one full run: every group at every size "
                     "(no --quick, --sizes or --only)")
    processes = args.processes if args.processes is not None else (
        README_PROCESSES if args.readme else 1)
    if processes < 1:
        parser.error(f"--processes must be at least 1, got {processes}")
    if args.runs is not None and args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    info = machine()
    print(f"# sparsedense {sd.__version__} compare, sizes {','.join(sizes)}, {info['date']}")
    print(f"# {cpu_line(info)}")
    print(f"# {versions_line(info)}")
    runs_of = {s: args.runs or (QUICK_RUNS if args.quick else RUNS[s]) for s in sizes}
    if processes > 1 and args.runs is None:
        runs_of = {s: max(PROCESS_RUNS_MIN, -(-n // processes)) for s, n in runs_of.items()}
    print(f"# load average {info['load_start']} at start; runs per contender"
          + (f" in each of {processes} processes: " if processes > 1 else ": ")
          + ", ".join(f"{s} {n}" for s, n in runs_of.items()))
    if processes > 1:
        results = run_processes(sizes, groups, runs_of, processes)
    else:
        results = measure_all(sizes, groups, runs_of)
    info["load_end"] = _load()
    info["quiet_wait"] = (f"{QUIET_WAITED['seconds']:.1f} s waited for idle thread pools "
                          f"before samples, {QUIET_WAITED['timed_out']} waits cut at "
                          f"{QUIET_MAX} s")
    info["quiet_seconds"], info["quiet_timed_out"] = (QUIET_WAITED["seconds"],
                                                      QUIET_WAITED["timed_out"])
    print(f"\n# {info['quiet_wait']}")
    rows = ratio_rows(results)
    if processes > 1:
        print(f"\n# the median of {processes} processes' ratios, in brackets their range")
        for row in rows:
            print(f"  {row['workload']} [{row['size']}] vs {row['peer']}: "
                  f"{_ratio(row['ratio'])} ({_ratio(row['low'])}-{_ratio(row['high'])}), "
                  f"p95/med {row['p95_median']:.2f}")
        spread = "the processes' ratios"
    else:
        spread = "the per-run ratios"
    print(f"\n# load average {info['load_end']} at end; ratio = peer median / sparsedense "
          f"median (> 1: sparsedense faster), in brackets the range of {spread}")
    print(f"# {summary_line(rows)}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "sizes": sizes, "results": results, "ratios": rows,
                       "slower": slower(rows)}, fh, indent=1, default=str)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(markdown(results, info))
    if args.readme:
        write_readme(README, markdown(results, info))
        print(f"# {README}: speed table rewritten")
    if args.plot:
        plot(results, args.plot)
    return 0


def child_argv(size: str, groups: list[str], runs: int, json_path: str) -> list[str]:
    """The command line of one process of a run in several: one size, its runs, a JSON out."""
    return [sys.executable, os.path.abspath(__file__), "--sizes", size, "--only",
            ",".join(groups), "--runs", str(runs), "--processes", "1", "--json", json_path]


def run_processes(sizes: list[str], groups: list[str], runs_of: dict[str, int],
                  processes: int) -> list[dict]:
    """Every size measured in ``processes`` processes one after another (their output
    passes through), merged case by case (:func:`merge`); their waits for idle thread
    pools are added to this one's."""
    results = []
    with tempfile.TemporaryDirectory(prefix="sparsedense-compare-") as tmp:
        for size in sizes:
            parts = []
            for p in range(processes):
                print(f"\n# process {p + 1} of {processes}, size {size}", flush=True)
                path = os.path.join(tmp, f"{size}-{p}.json")
                done = subprocess.run(child_argv(size, groups, runs_of[size], path))
                if done.returncode != 0:
                    raise SystemExit(f"compare.py: process {p + 1} of {processes} (size "
                                     f"{size}) failed with exit code {done.returncode}")
                with open(path, encoding="utf-8") as fh:
                    part = json.load(fh)
                QUIET_WAITED["seconds"] += part["machine"].get("quiet_seconds", 0.0)
                QUIET_WAITED["timed_out"] += part["machine"].get("quiet_timed_out", 0)
                parts.append(part["results"])
            results += merge(parts)
    return results


def measure_all(sizes: list[str], groups: list[str], runs_of: dict[str, int]) -> list[dict]:
    """Every case of ``groups`` at every size measured in this process, printed as it ends."""
    results = []
    for size in sizes:
        runs = runs_of[size]
        for g in groups:
            for case in GROUPS[g](size):
                if case.check is not None:
                    case.check()
                times = measure(case, runs)
                ours = times["sparsedense"]
                base = statistics.median(ours)
                print(f"\n{case.group}: {case.name}")
                for name, ts in times.items():
                    med = statistics.median(ts)
                    tail = float(np.percentile(ts, 95)) / med  # a steady kernel stays near 1
                    per_run = [t / b for t, b in zip(ts, ours)]
                    print(f"  {name:<44} {_time(med):>10}  ({_time(min(ts))}-"
                          f"{_time(max(ts))})  p95/med {tail:4.2f}"
                          + ("" if name == "sparsedense" else
                             f"   ratio {_ratio(med / base):>6} ({_ratio(min(per_run))}-"
                             f"{_ratio(max(per_run))})"))
                results.append({"group": case.group, "workload": case.workload,
                                "size": case.size, "detail": case.detail, "case": case.name,
                                "reference": case.reference, "times": times})
                del case
                gc.collect()
    return results


def plot(results: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, ratios = [], []
    for r in results:
        base = statistics.median(r["times"]["sparsedense"])
        for name, ts in r["times"].items():
            if name != "sparsedense":
                labels.append(f"{r['case']}\nvs {name}")
                ratios.append(statistics.median(ts) / base)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1))
    ax.barh(range(len(labels)), ratios, color=["tab:green" if x >= 1 else "tab:red" for x in ratios])
    ax.axvline(1.0, color="black", lw=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("peer time / sparsedense time (> 1: sparsedense faster)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
