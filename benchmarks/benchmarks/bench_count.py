"""Count-based word vectors: co-occurrence counting and GloVe against numpy/scipy references.

Parameterised over ``impl`` so that one ``asv run`` records both contenders;
the number to look at is the *ratio* of the two rows.

``Cooccurrence`` -- the word x word co-occurrence matrix (window 10, harmonic
weights, symmetric) of the benchmark corpus (``_corpus.make_corpus()``, Zipf
tokens, one document a sentence), from the in-memory id stream:

* ``sparsedense``: ``cooccurrence_matrix``'s chunk kernels (each word's row
  from the windows of its occurrences, exact integer sums);
* ``scipy``: the vectorised reference -- pairs by shifted slices of the id
  array, summed by ``scipy.sparse.coo_matrix(...).tocsr()``.

``GloVeEpoch`` -- one GloVe epoch (vector_size 50) on that matrix (23.6 M
entries; 0.6 M in a small run): ``GloVe(epochs=1).fit`` against a numpy
mini-batch AdaGrad epoch of the same updates (``np.add.at`` per batch of 4096
entries) over every entry of the matrix, in a shuffled order. Both rows do
the same work, a whole epoch including the initialisation of the tables (the
numpy row takes a minute or two a sample, so it gets one sample per round).

``SPARSEDENSE_BENCH_SIZE=small`` shrinks the corpus (CI smoke run).
"""

from __future__ import annotations

import numpy as np

from ._corpus import SMALL, make_corpus

WINDOW = 10
N_DOCS = 2_000 if SMALL else 20_000


def _ids():
    docs = make_corpus()[:N_DOCS]
    index: dict[str, int] = {}
    ids, ends = [], []
    for d in docs:
        ids.extend(index.setdefault(w, len(index)) for w in d.split())
        ends.append(len(ids))
    return np.array(ids, np.int32), np.array(ends, np.int64), len(index)


def shifted_slices_reference(ids, ends, n_words, window=WINDOW):
    """The issue's numpy/scipy reference: pairs by shifted slices, summed by scipy (weights 1/d)."""
    import scipy.sparse as sp

    sent = np.repeat(np.arange(len(ends)), np.diff(np.concatenate(([0], ends))))
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        same = sent[d:] == sent[:-d]
        right, left = ids[d:][same], ids[:-d][same]
        w = np.full(right.shape[0], 1.0 / d)
        rows += [right, left]
        cols += [left, right]
        vals += [w, w]
    return sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n_words, n_words)).tocsr()


def _sparsedense(ids, ends, n_words):
    from sparsedense.models.cooccurrence import _Accumulator, _chunk_csr, _scale, _weights

    scale, dtype = _scale(WINDOW, "harmonic")
    weight = _weights(WINDOW, "harmonic", scale, dtype)
    acc = _Accumulator(n_words)
    acc.push(_chunk_csr(ids, ends, n_words, WINDOW, True, weight))
    return acc.result(weight.dtype)


class Cooccurrence:
    params = ["sparsedense", "scipy"]
    param_names = ["impl"]
    timeout = 300
    number = 1
    repeat = 3
    rounds = 2

    def setup(self, impl):
        self.ids, self.ends, self.n = _ids()
        self.fn = _sparsedense if impl == "sparsedense" else shifted_slices_reference
        self.fn(self.ids[:1000], self.ends[self.ends <= 1000], self.n)  # compile / load

    def time_cooccurrence(self, impl):
        self.fn(self.ids, self.ends, self.n)

    def peakmem_cooccurrence(self, impl):
        self.fn(self.ids, self.ends, self.n)


def _numpy_epoch(rows, cols, logx, fx, order, n, dim, batch=4096):
    rng = np.random.default_rng(0)
    W, Wc = ((rng.random((2, n, dim)) - 0.5) / dim).astype(np.float32)
    b, bc = np.zeros((2, n), np.float32)
    G, Gc = np.ones((2, n, dim), np.float32)
    Gb, Gbc = np.ones((2, n), np.float32)
    lr = np.float32(0.05)
    for s in range(0, order.shape[0], batch):
        e = order[s:s + batch]
        i, j = rows[e], cols[e]
        g = fx[e] * (np.einsum("ij,ij->i", W[i], Wc[j]) + b[i] + bc[j] - logx[e])
        sw = lr * np.clip(g[:, None] * Wc[j], -100, 100)
        sc = lr * np.clip(g[:, None] * W[i], -100, 100)
        np.add.at(W, i, -sw / np.sqrt(G[i]))
        np.add.at(Wc, j, -sc / np.sqrt(Gc[j]))
        np.add.at(G, i, sw * sw)
        np.add.at(Gc, j, sc * sc)
        sb = lr * g
        np.add.at(b, i, -sb / np.sqrt(Gb[i]))
        np.add.at(bc, j, -sb / np.sqrt(Gbc[j]))
        np.add.at(Gb, i, sb * sb)
        np.add.at(Gbc, j, sb * sb)


class GloVeEpoch:
    """One GloVe epoch of the co-occurrence matrix: ``GloVe(epochs=1).fit`` vs numpy's."""

    params = ["sparsedense", "numpy"]
    param_names = ["impl"]
    timeout = 900
    number = 1
    repeat = (1, 3, 60.0)  # at least 1, at most 3 samples a round, none started after 60 s
    rounds = 2
    dim = 50

    def setup(self, impl):
        import scipy.sparse as sp

        ids, ends, n = _ids()
        indptr, indices, sums = _sparsedense(ids, ends, n)
        self.C = sp.csr_matrix((sums.astype(np.float64), indices, indptr), shape=(n, n))
        self.words = [f"w{i}" for i in range(n)]
        if impl == "sparsedense":
            from sparsedense.models import GloVe

            self.model = lambda: GloVe(vector_size=self.dim, epochs=1, progress=False)
            self.model().fit(self.C[:50, :50], self.words[:50])
        else:
            C = self.C
            self.rows = np.repeat(np.arange(n), np.diff(C.indptr))
            self.cols = C.indices
            self.logx = np.log(C.data).astype(np.float32)
            self.fx = np.minimum(1.0, (C.data / 100.0) ** 0.75).astype(np.float32)
            self.order = np.random.default_rng(0).permutation(C.nnz)  # the whole epoch

    def time_epoch(self, impl):
        if impl == "sparsedense":
            self.model().fit(self.C, self.words)
        else:
            _numpy_epoch(self.rows, self.cols, self.logx, self.fx, self.order, self.C.shape[0],
                         self.dim)
