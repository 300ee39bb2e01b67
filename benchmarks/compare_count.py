"""Side by side: co-occurrence counting, GloVe epochs and count-based word vectors (issue #10).

Everything runs in ONE process, contenders interleaved run by run; each line
gives the median and the min-max, and the ratio reference / sparsedense.

1. ``cooccurrence_matrix`` (window 10, harmonic, symmetric) against the
   vectorised numpy/scipy reference: pairs by shifted slices of the id
   stream, summed by ``scipy.sparse.coo_matrix(...).tocsr()``. Two levels:
   *core* (from the in-memory id stream, both sides) and *end to end* (from
   the corpus file: sparsedense's reader vs ``str.split`` + a dict). Peak
   memory (tracemalloc, numpy allocations) of both, in separate runs.
2. A GloVe epoch against a vectorised numpy implementation of the same
   AdaGrad updates (mini-batches of 4096 entries, gradients summed per row
   with ``np.add.at``) over every entry of the matrix, in entries per second.
3. Quality: wordsim353 and simlex999 Spearman (``evaluate_word_pairs``) of
   PPMISVD, GloVe, sparsedense Word2Vec and gensim Word2Vec (gensim's
   parameters: vector_size 100, window 5, min_count 5, negative 5, epochs 5,
   skip-gram, seed 1).

    python benchmarks/compare_count.py              # the issue's comparison (minutes)
    python benchmarks/compare_count.py --quick      # small, for CI: runs and checks
    python benchmarks/compare_count.py --only cooc,glove --runs 5

The corpus is gensim's ``head500.noblanks.cor`` plus ``lee_background.cor``
(391,229 words), as in ``compare_train.py``.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmarks.bench_count import shifted_slices_reference as reference_core  # noqa: E402
from compare_train import count_words, default_corpus, gensim_data  # noqa: E402


def load(path):
    return open(path, "rb").read().decode("utf-8").splitlines()


# -- 1. co-occurrences ------------------------------------------------------------
def reference_end_to_end(path, key_to_index, window=10):
    ids, ends = [], []
    get = key_to_index.get
    for line in load(path):
        before = len(ids)
        ids.extend(i for i in map(get, line.split()) if i is not None)
        if len(ids) > before:
            ends.append(len(ids))
    return reference_core(np.array(ids, np.int64), np.array(ends), len(key_to_index), window)


def sd_core(ids, ends, n_words, window=10):
    """sparsedense's chunk kernels on the same id stream (one chunk), to the final CSR."""
    from sparsedense.models.cooccurrence import _Accumulator, _chunk_csr, _scale, _weights

    scale, dtype = _scale(window, "harmonic")
    weight = _weights(window, "harmonic", scale, dtype)
    acc = _Accumulator(n_words)
    acc.push(_chunk_csr(ids, ends, n_words, window, True, weight))
    indptr, indices, sums = acc.result(weight.dtype)
    return sp.csr_matrix(((sums / scale).astype(np.float32), indices, indptr),
                         shape=(n_words, n_words))


def timed(fn):
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def peak_mib(fn):
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def line(name, ts, base=None, unit_count=None, unit="tokens/s"):
    med = statistics.median(ts)
    rate = f"  {unit_count / med:>12,.0f} {unit}" if unit_count else ""
    ratio = f"  ratio {base / med:5.2f}" if base else ""
    print(f"  {name:44s} median {med:7.3f} s [{min(ts):.3f}-{max(ts):.3f}]{rate}{ratio}",
          flush=True)
    return med


def bench_cooc(args, path):
    from sparsedense.models import cooccurrence_matrix
    from sparsedense.models._corpus import Corpus

    C, vocab = cooccurrence_matrix(path, window=10, progress=False)
    key = dict(zip(vocab.tokens, range(len(vocab))))
    ids, ends = next(Corpus(corpus_file=path).iter_chunks(key, 1 << 40))
    n = len(vocab)
    tokens = int(ids.shape[0])
    print(f"\n[cooccurrence_matrix] window 10 harmonic symmetric: {tokens:,} in-vocabulary "
          f"tokens, vocabulary {n:,}, nnz {C.nnz:,}")
    ref = reference_core(ids, ends, n)
    assert abs(ref - sd_core(ids, ends, n)).max() < 1e-3, "core results differ"
    contenders = {
        "core: sparsedense kernels": lambda: sd_core(ids, ends, n),
        "core: numpy slices + scipy tocsr": lambda: reference_core(ids, ends, n),
        "end to end: cooccurrence_matrix(file)": lambda: cooccurrence_matrix(
            path, vocabulary=vocab, window=10, progress=False),
        "end to end: split + dict + slices + tocsr": lambda: reference_end_to_end(path, key),
    }
    times = {k: [] for k in contenders}
    for _ in range(args.runs):
        for name, fn in contenders.items():
            times[name].append(timed(fn)[0])
    names = list(contenders)
    for sd_name, ref_name in ((names[0], names[1]), (names[2], names[3])):
        base = statistics.median(times[ref_name])
        line(sd_name, times[sd_name], base, tokens)
        line(ref_name, times[ref_name], None, tokens)
    for name in (names[0], names[1], names[2], names[3]):
        print(f"  peak memory {name:38s} {peak_mib(contenders[name]):8.1f} MiB")
    print(f"  (the final matrix: {(C.data.nbytes + C.indices.nbytes + C.indptr.nbytes) / 2**20:.1f}"
          " MiB)")
    return C, vocab


# -- 2. GloVe epoch -----------------------------------------------------------------
def numpy_glove_epoch(rows, cols, logx, fx, order, tables, lr, clip=100.0, batch=4096):
    """The same AdaGrad updates, vectorised over mini-batches (gradients summed per row)."""
    W, Wc, b, bc, G, Gc, Gb, Gbc = tables
    loss = 0.0
    for s in range(0, order.shape[0], batch):
        e = order[s:s + batch]
        i, j = rows[e], cols[e]
        diff = np.einsum("ij,ij->i", W[i], Wc[j]) + b[i] + bc[j] - logx[e]
        g = fx[e] * diff
        loss += float(0.5 * g @ diff)
        sw = lr * np.clip(g[:, None] * Wc[j], -clip, clip)
        sc = lr * np.clip(g[:, None] * W[i], -clip, clip)
        np.add.at(W, i, -sw / np.sqrt(G[i]))
        np.add.at(Wc, j, -sc / np.sqrt(Gc[j]))
        np.add.at(G, i, sw * sw)
        np.add.at(Gc, j, sc * sc)
        sb = lr * g
        np.add.at(b, i, -sb / np.sqrt(Gb[i]))
        np.add.at(bc, j, -sb / np.sqrt(Gbc[j]))
        np.add.at(Gb, i, sb * sb)
        np.add.at(Gbc, j, sb * sb)
    return loss


def bench_glove(args, C, vocab):
    from sparsedense.models import GloVe

    n, dim = C.shape[0], 100
    nnz = C.nnz
    rows = np.repeat(np.arange(n), np.diff(C.indptr))
    cols = C.indices.astype(np.int64)
    x = C.data.astype(np.float64)
    logx = np.log(x).astype(np.float32)
    fx = np.minimum(1.0, (x / 10.0) ** 0.75).astype(np.float32)
    rng = np.random.default_rng(0)
    order = rng.permutation(nnz)  # numpy runs the whole epoch: the same work as GloVe's
    epochs = 2
    print(f"\n[GloVe] one epoch = {nnz:,} entries, vector_size {dim}; numpy runs a whole "
          "epoch, sparsedense two per fit (its time halved)")
    GloVe(vector_size=dim, epochs=1, x_max=10, progress=False).fit(C[:100, :100],
                                                                    vocab.tokens[:100])

    def numpy_epoch():
        t = [((rng.random((n, dim)) - 0.5) / dim).astype(np.float32) for _ in range(2)]
        t += [np.zeros(n, np.float32), np.zeros(n, np.float32), np.ones((n, dim), np.float32),
              np.ones((n, dim), np.float32), np.ones(n, np.float32), np.ones(n, np.float32)]
        numpy_glove_epoch(rows, cols, logx, fx, order, t, np.float32(0.05))

    contenders = {
        f"sparsedense GloVe workers=2 ({epochs} epochs, per epoch)": lambda: GloVe(
            vector_size=dim, epochs=epochs, x_max=10, workers=2, progress=False).fit(C, vocab),
        f"sparsedense GloVe workers=1 ({epochs} epochs, per epoch)": lambda: GloVe(
            vector_size=dim, epochs=epochs, x_max=10, workers=1, progress=False).fit(C, vocab),
        "numpy mini-batch AdaGrad (one epoch)": numpy_epoch,
    }
    times = {k: [] for k in contenders}
    for _ in range(args.runs):
        for name, fn in contenders.items():
            t, _ = timed(fn)
            times[name].append(t / epochs if "sparsedense" in name else t)
    names = list(contenders)
    base = statistics.median(times[names[2]])
    for name in names[:2]:
        line(name, times[name], base, nnz, "entries/s")
    line(names[2], times[names[2]], None, nnz, "entries/s")


# -- 3. quality -------------------------------------------------------------------------
def bench_quality(args, path, C, vocab):
    from sparsedense.models import PPMISVD, GloVe, Word2Vec

    data = gensim_data()
    pairs = {"wordsim353": os.path.join(data, "wordsim353.tsv"),
             "simlex999": os.path.join(data, "simlex999.txt")}

    def score(wv, name):
        pearson, spearman, oov = wv.evaluate_word_pairs(pairs[name])
        return spearman.statistic, oov

    params = dict(vector_size=100, window=5, min_count=5, negative=5, epochs=2 if args.quick
                  else 5, sg=1, seed=1)
    rows = []
    t, m = timed(lambda: PPMISVD(eigenvalue_weighting=0.0, random_state=0).fit(C, vocab))
    rows.append(("PPMISVD (window 10 harmonic, cds 0.75, p=0)", m.wv, t))
    t, m = timed(lambda: PPMISVD(eigenvalue_weighting=0.5, random_state=0).fit(C, vocab))
    rows.append(("PPMISVD (same, p=0.5)", m.wv, t))
    epochs = 3 if args.quick else 25
    t, m = timed(lambda: GloVe(x_max=10, epochs=epochs, progress=False).fit(C, vocab))
    rows.append((f"GloVe (window 10 harmonic, x_max 10, {epochs} epochs)", m.wv, t))
    t, m = timed(lambda: Word2Vec(corpus_file=path, workers=2, **params))
    rows.append(("sparsedense Word2Vec skip-gram (gensim's params)", m.wv, t))
    try:
        from gensim.models import Word2Vec as GensimWord2Vec
        from gensim.models.word2vec import LineSentence
    except ImportError:
        pass
    else:
        t, m = timed(lambda: GensimWord2Vec(LineSentence(path), workers=2, **params))
        rows.append(("gensim Word2Vec skip-gram", m.wv, t))
    print("\n[quality] Spearman (OOV %), training time; co-occurrence counting not included")
    print(f"  {'model':52s} {'wordsim353':>14s} {'simlex999':>14s} {'time':>8s}")
    for name, wv, t in rows:
        (ws, ws_oov), (sl, sl_oov) = score(wv, "wordsim353"), score(wv, "simlex999")
        print(f"  {name:52s} {ws:8.3f} ({ws_oov:2.0f}%) {sl:8.3f} ({sl_oov:2.0f}%) {t:7.1f}s",
              flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--only", default="cooc,glove,quality")
    parser.add_argument("--corpus", default=None)
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    only = set(args.only.split(","))
    path = args.corpus or default_corpus(args.quick)
    print(f"corpus {path}: {count_words(path):,} words; load average "
          f"{open('/proc/loadavg').read().strip() if os.path.exists('/proc/loadavg') else '?'}")
    import numba

    print(f"numba threads {numba.get_num_threads()}")
    from sparsedense.models import cooccurrence_matrix

    C, vocab = cooccurrence_matrix(path, window=10, progress=False)
    if "cooc" in only:
        C, vocab = bench_cooc(args, path)
    if "glove" in only:
        bench_glove(args, C, vocab)
    if "quality" in only:
        bench_quality(args, path, C, vocab)
    if os.path.exists("/proc/loadavg"):
        print(f"load average at the end: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
