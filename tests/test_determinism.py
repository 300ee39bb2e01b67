"""Bit-identical results for any thread count and from run to run.

A script computes a lookup and dense and row-sparse gradients (with and
without ``scale_grad_by_freq`` and ``padding_idx``) and optimizer steps on
inputs large enough to take the parallel kernels, in subprocesses with
``NUMBA_NUM_THREADS=1`` and ``=2``, twice each, and saves them; every array
must be equal, down to its bytes.

A second script does the same, once with one and once with two threads, for
the other kernels: the vectorizers (counting, n-grams, hashing, TF-IDF), LSA,
the vector-file parser and writer, the co-occurrence matrix, PPMI, PPMI-SVD
and GloVe. (Word2Vec and FastText have their own subprocess test in
test_models_word2vec.py; bags in test_functional_convert.py; cosine and top-k in
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
    import numba
    import numpy as np
    from sparsedense._kernels._dispatch import PARALLEL_MIN_WORK
    from sparsedense.functional import embedding, embedding_backward
    from sparsedense.nn import Embedding
    from sparsedense.optim import SGD, Adagrad, SparseAdam

    out_dir = sys.argv[1]
    rng = np.random.default_rng(20240611)
    V, D, N = 20_000, 64, 50_000
    # Zipf-like ids: a few rows get most of the positions (many duplicates)
    idx = (rng.zipf(1.3, size=N) - 1) % V
    idx = idx.reshape(250, 200)
    assert idx.size * D >= PARALLEL_MIN_WORK
    weight = rng.standard_normal((V, D)).astype(np.float32)
    grad = rng.standard_normal(idx.shape + (D,)).astype(np.float32)
    res = {}
    res["lookup"] = embedding(idx, weight)
    for scale in (False, True):
        for pad in (None, 0):
            tag = f"s{int(scale)}_p{pad}"
            res["dense_" + tag] = embedding_backward(grad, idx, V, padding_idx=pad,
                                                     scale_grad_by_freq=scale)
            sp = embedding_backward(grad, idx, V, padding_idx=pad, scale_grad_by_freq=scale,
                                    sparse=True)
            res["sparse_rows_" + tag] = sp.indices
            res["sparse_values_" + tag] = sp.values
    # a huge table and a smaller batch: the sparse path that sorts instead of counting
    small = idx.reshape(-1)[:2_000]
    g_small = grad.reshape(-1, D)[:2_000]
    assert small.size * D >= PARALLEL_MIN_WORK and V > 4 * small.size + 1024
    sp = embedding_backward(g_small, small, V, scale_grad_by_freq=True, sparse=True)
    res["sorted_rows"], res["sorted_values"] = sp.indices, sp.values
    # max_norm on a copy, then optimizer steps on the gradients above
    w2 = weight.copy()
    res["max_norm_out"] = embedding(idx, w2, max_norm=1.0)
    res["max_norm_weight"] = w2
    for name, make, sparse in (("sgd", lambda m: SGD(m, lr=0.1), True),
                               ("adagrad", lambda m: Adagrad(m, lr=0.1), False),
                               ("adam", lambda m: SparseAdam(m, lr=0.01), True)):
        emb = Embedding.from_pretrained(weight.copy(), freeze=False, sparse=sparse,
                                        scale_grad_by_freq=True)
        opt = make([emb])
        for _ in range(2):
            opt.zero_grad()
            emb(idx)
            emb.backward(grad)
            opt.step()
        res["opt_" + name] = emb.weight
    for k, v in res.items():
        np.save(os.path.join(out_dir, k + ".npy"), v)
    print(numba.config.NUMBA_NUM_THREADS, numba.get_num_threads(), len(res))
    """
)


def _run(tmp_path, threads: int, tag: str) -> tuple[dict[str, np.ndarray], dict[str, bytes]]:
    out_dir = tmp_path / tag
    out_dir.mkdir()
    script = tmp_path / "determinism_script.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, str(script), str(out_dir)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    reported = proc.stdout.split()
    assert reported[0] == str(threads) and reported[1] == str(threads), proc.stdout
    arrays, raw = {}, {}
    for f in sorted(out_dir.glob("*.npy")):
        arrays[f.stem] = np.load(f)
        raw[f.stem] = f.read_bytes()
    assert len(arrays) == int(reported[2])
    return arrays, raw


def test_bit_identical_across_thread_counts_and_runs(tmp_path):
    runs = {
        "t1": _run(tmp_path, 1, "t1"),
        "t2": _run(tmp_path, 2, "t2"),
        "t2_again": _run(tmp_path, 2, "t2_again"),
        "t1_again": _run(tmp_path, 1, "t1_again"),
    }
    base_arrays, base_raw = runs["t1"]
    assert set(base_arrays) >= {"lookup", "dense_s0_pNone", "dense_s1_pNone",
                                "sparse_values_s1_p0", "sorted_values", "opt_adam"}
    for name, (arrays, raw) in runs.items():
        assert set(arrays) == set(base_arrays), name
        for key in base_arrays:
            a, b = base_arrays[key], arrays[key]
            assert a.dtype == b.dtype and a.shape == b.shape, (name, key)
            assert np.array_equal(a, b), (name, key)
            assert raw[key] == base_raw[key], (name, key)

    # and the results are right, not only repeatable
    a = base_arrays
    rng = np.random.default_rng(20240611)
    V, D, N = 20_000, 64, 50_000
    idx = ((rng.zipf(1.3, size=N) - 1) % V).reshape(250, 200)
    weight = rng.standard_normal((V, D)).astype(np.float32)
    grad = rng.standard_normal(idx.shape + (D,)).astype(np.float32)
    assert np.array_equal(a["lookup"], weight[idx])
    import reference

    for scale in (False, True):
        for pad in (None, 0):
            tag = f"s{int(scale)}_p{pad}"
            want = reference.embedding_backward(grad, idx, V, pad, scale)
            np.testing.assert_allclose(a["dense_" + tag], want, rtol=1e-5, atol=1e-5)
            rows = a["sparse_rows_" + tag]
            assert np.all(np.diff(rows) > 0)
            assert np.array_equal(a["dense_" + tag][rows], a["sparse_values_" + tag])
            assert np.count_nonzero(np.abs(a["dense_" + tag]).sum(1)) <= rows.size
    counts = np.bincount(idx.ravel(), minlength=V)
    assert counts.max() > 1000  # Zipf: heavy duplicates, a hot row shared by many positions


# --------------------------------------------------------------------------- the other kernels

OTHER_KERNELS_SCRIPT = textwrap.dedent(
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
    script.write_text(OTHER_KERNELS_SCRIPT)
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
