"""Bit-identical results for NUMBA_NUM_THREADS=1 and 2: the kernels test_determinism does not cover.

One script runs the vectorizers (counting, n-grams, hashing, TF-IDF), LSA,
the vector-file parser and writer, the co-occurrence matrix, PPMI, PPMI-SVD
and GloVe on inputs large enough to take their parallel kernels, in
subprocesses with one and with two threads, and saves every result; every
array must be equal down to its bytes. (Word2Vec and FastText have their own
subprocess test in test_word2vec.py; lookups, gradients and optimizers in
test_determinism.py; bags in test_convert.py; cosine and top-k in
test_similarity.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import scipy.sparse as sp
    import sparsedense as sd
    from sparsedense.models import GloVe, PPMISVD, cooccurrence_matrix, ppmi

    out_dir = sys.argv[1]
    rng = np.random.default_rng(11)
    words = np.array(["w%d" % i for i in range(3000)])
    p = 1.0 / np.arange(1, 3001)
    ids = rng.choice(3000, size=(4000, 40), p=p / p.sum())
    docs = [" ".join(words[row]) for row in ids]
    res = {}

    def put(name, X):
        if sp.issparse(X):
            X = X.tocsr()
            res[name + "_indptr"], res[name + "_indices"] = X.indptr, X.indices
            res[name + "_data"] = X.data
        else:
            res[name] = np.asarray(X)

    put("count", sd.CountVectorizer(ngram_range=(1, 2)).fit_transform(docs))
    put("tfidf", sd.TfidfVectorizer(sublinear_tf=True, max_df=0.9).fit_transform(docs))
    put("hash", sd.HashingVectorizer(n_features=2 ** 12).transform(docs))
    X = sd.TfidfVectorizer().fit_transform(docs)
    lsa = sd.LSA(n_components=20, random_state=0)
    put("lsa", lsa.fit_transform(X))
    put("lsa_words", lsa.components_)
    table = rng.standard_normal((5000, 50)).astype(np.float32)
    vec = sd.Vectors(["k%d" % i for i in range(5000)], table)
    path = os.path.join(out_dir, "v.txt")
    vec.save(path, format="word2vec")
    with open(path, "rb") as fh:
        res["written"] = np.frombuffer(fh.read(), np.uint8)
    put("parsed", sd.load_vectors(path).vectors)
    sentences = [list(words[row]) for row in ids]
    C, vocab = cooccurrence_matrix(sentences, window=5, min_count=2)
    put("cooc", C)
    put("ppmi", ppmi(C))
    put("ppmisvd", PPMISVD(vector_size=16, random_state=0).fit(C, vocab).wv.vectors)
    glove = GloVe(vector_size=16, epochs=2, progress=False).fit(C, vocab)
    put("glove", glove.wv.vectors)
    res["glove_loss"] = np.array(glove.training_loss_)
    np.savez(os.path.join(out_dir, "out.npz"), **res)
    """
)


def test_bit_identical_for_one_and_two_threads(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    results = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}"
        out.mkdir()
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        subprocess.run([sys.executable, str(script), str(out)], check=True, env=env)
        results.append(np.load(out / "out.npz"))
    a, b = results
    assert sorted(a.files) == sorted(b.files) and len(a.files) > 20
    for key in a.files:
        assert a[key].dtype == b[key].dtype and a[key].shape == b[key].shape, key
        assert a[key].tobytes() == b[key].tobytes(), key
