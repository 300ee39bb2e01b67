"""Side-by-side comparison of every sparsedense kernel with the library a user would pick.

Runs each workload of the issues with sparsedense and its peers (numpy,
scipy, scikit-learn, torch CPU, gensim — each only if installed) in ONE
process, interleaving the contenders run by run (the machines are shared and
noisy: interleaving spreads the noise over everyone), and prints the median
and min-max of each and the ratio peer / sparsedense (> 1: sparsedense is
faster). ``--quick`` uses small sizes, for CI: it checks that every workload
runs and agrees with its peer, not the speed.

    python benchmarks/compare.py            # the issues' sizes (several minutes)
    python benchmarks/compare.py --quick    # small sizes (under a minute)
    python benchmarks/compare.py --only lookup,bag --runs 7 --json out.json --plot out.png
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from benchmarks._corpus import make_corpus  # noqa: E402

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


class Case:
    """One workload: contenders (name -> zero-argument callable), sparsedense first."""

    def __init__(self, group: str, name: str, contenders: dict[str, Callable[[], object]],
                 check: Callable[[], None] | None = None, reference: str | None = None) -> None:
        self.group, self.name, self.contenders = group, name, contenders
        self.check, self.reference = check, reference


def text_cases(q: bool) -> list[Case]:
    docs = make_corpus(2_000, 50, 5_000) if q else make_corpus()
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
            "sklearn": lambda theirs=theirs, m=method: getattr(theirs(), m)(docs)}, check))
    return out


def dense_cases(q: bool) -> list[Case]:
    rng = np.random.default_rng(0)
    V, D, N = (10_000, 64, 20_000) if q else (100_000, 300, 200_000)
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
                    reference="copy (limit)"))
    out.append(Case("embedding", "dense gradient", grad))
    out.append(Case("embedding", "row-sparse gradient", sparse))
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


def bag_cases(q: bool) -> list[Case]:
    from sparsedense._validation import check_csr

    rng = np.random.default_rng(0)
    V, D, n_docs, L = (10_000, 64, 2_000, 100) if q else (100_000, 300, 20_000, 100)
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
        back["torch autograd, table gradient only"] = tb1
    out.append(Case("bag", "sparse_to_dense sum", s, lambda: np.testing.assert_allclose(
        sd.sparse_to_dense(X, W, "sum"), X @ W, rtol=1e-4, atol=1e-3),
        reference="rows' lines only (limit)"))
    out.append(Case("bag", "sparse_to_dense mean", m))
    out.append(Case("bag", "embedding_bag backward (sum, weighted)", back))
    if sklearn is not None:
        from sklearn.decomposition import TruncatedSVD

        docs = make_corpus(2_000, 50, 5_000) if q else make_corpus()
        T = sd.TfidfVectorizer().fit_transform(docs)
        k = 20 if q else 100
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
                rtol=1e-4, atol=1e-4)))
        out.append(Case("bag", f"LSA {k} components", {
            "sparsedense": lambda: sd.LSA(k, random_state=0).fit(T),
            "sklearn TruncatedSVD": lambda: TruncatedSVD(k, random_state=0).fit(T)},
            lambda: np.testing.assert_allclose(
                sd.LSA(k, random_state=0).fit(T).explained_variance_ratio_.sum(),
                TruncatedSVD(k, random_state=0).fit(T).explained_variance_ratio_.sum(),
                rtol=1e-3)))
    return out


def similarity_cases(q: bool) -> list[Case]:
    if sklearn is not None:
        from sklearn.metrics.pairwise import cosine_similarity as skcos
    rng = np.random.default_rng(0)
    V, D, nq = (10_000, 64, 100) if q else (100_000, 300, 1_000)
    W = rng.standard_normal((V, D), dtype=np.float32)
    Q = W[rng.choice(V, nq, replace=False)]
    out = []
    scores = np.empty((nq, V), dtype=np.float32)  # the GEMM without its allocation's page faults
    topk = {"sparsedense": lambda: sd.topk_similar(Q, W, k=10), "GEMM Q @ W.T (limit)": lambda: Q @ W.T,
            "GEMM into a preallocated out": lambda: np.matmul(Q, W.T, out=scores)}
    if sklearn is not None:
        from benchmarks.bench_similarity import _sklearn_topk  # the asv suite's, row by row

        topk["sklearn cosine+argpartition"] = lambda: _sklearn_topk(Q, W, 10)
    if gensim is not None:
        from gensim.models import KeyedVectors

        kv = KeyedVectors(D)
        kv.add_vectors([f"w{i}" for i in range(V)], W)
        kv.fill_norms()
        sub = list(range(0, nq, 10))  # gensim answers one query per call: 1 in 10, scaled

        def gs():
            for i in sub:
                kv.most_similar(positive=[Q[i]], topn=10)
        topk["gensim most_similar (x10)"] = gs
    out.append(Case("similarity", f"top-10 of {nq} queries in {V}x{D}", topk,
                    reference="GEMM Q @ W.T (limit)"))
    if sklearn is not None:
        docs = make_corpus(1_000, 50, 5_000) if q else make_corpus(5_000)
        T = sd.TfidfVectorizer().fit_transform(docs)
        out.append(Case("similarity", f"sparse TF-IDF cosine {T.shape[0]} docs", {
            "sparsedense": lambda: sd.cosine_similarity(T), "sklearn": lambda: skcos(T)},
            lambda: np.testing.assert_allclose(sd.cosine_similarity(T[:200]), skcos(T[:200]),
                                               atol=1e-6)))
    return out


GROUPS = {"text": text_cases, "embedding": dense_cases, "bag": bag_cases,
          "similarity": similarity_cases}


def measure(case: Case, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in case.contenders}
    for fn in case.contenders.values():  # warm-up: compilation, caches, lazy imports
        fn()
    names = list(case.contenders)
    for r in range(runs):
        for name in (names if r % 2 == 0 else names[::-1]):
            gc.collect()
            t0 = time.perf_counter()
            case.contenders[name]()
            times[name].append(time.perf_counter() - t0)
    if "gensim most_similar (x10)" in times:
        times["gensim most_similar (x10)"] = [t * 10 for t in times["gensim most_similar (x10)"]]
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--runs", type=int, default=None, help="runs per contender")
    parser.add_argument("--only", default=None, help=f"comma-separated groups of {list(GROUPS)}")
    parser.add_argument("--json", default=None, help="write the raw timings here")
    parser.add_argument("--plot", default=None, help="write a bar chart of the ratios (PNG)")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    groups = args.only.split(",") if args.only else list(GROUPS)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# sparsedense {sd.__version__} compare ({'quick' if args.quick else 'full'}), "
          f"{runs} interleaved runs, {os.cpu_count()} CPUs, load {load:.2f} at start")
    results = []
    for g in groups:
        for case in GROUPS[g](args.quick):
            if case.check is not None:
                case.check()
            times = measure(case, runs)
            base = statistics.median(times["sparsedense"])
            print(f"\n{case.group}: {case.name}")
            for name, ts in times.items():
                med = statistics.median(ts)
                ratio = med / base
                tail = float(np.percentile(ts, 95)) / med  # a steady kernel stays near 1
                print(f"  {name:<32} {med * 1e3:10.1f} ms  ({min(ts) * 1e3:.1f}-{max(ts) * 1e3:.1f})"
                      f"  p95/med {tail:4.2f}"
                      + ("" if name == "sparsedense" else f"   ratio {ratio:6.2f}"))
            results.append({"group": case.group, "case": case.name, "times": times})
    end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n# load {end_load:.2f} at end; ratio = peer median / sparsedense median "
          "(> 1: sparsedense faster)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"quick": args.quick, "runs": runs, "results": results}, fh, indent=1)
    if args.plot:
        plot(results, args.plot)
    return 0


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
