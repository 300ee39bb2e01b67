"""GloVe: one epoch against a numpy reference of the AdaGrad updates, determinism, topics, bad input."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from sparsedense import Vectors
from sparsedense.models import GloVe
from sparsedense.models.glove import GRAD_CLIP, _Blocks

from test_models_ppmi import planted_corpus, topic_margin


def reference_epoch(rows, cols, x, order, tables, lr, x_max, alpha, clip=GRAD_CLIP):
    """glove.c's AdaGrad updates, one entry at a time in ``order`` (float64 numpy)."""
    W, Wc, b, bc, G, Gc, Gb, Gbc = tables
    loss = 0.0
    for e in order:
        i, j = rows[e], cols[e]
        diff = W[i] @ Wc[j] + b[i] + bc[j] - np.log(x[e])
        g = min(1.0, (x[e] / x_max) ** alpha) * diff
        loss += 0.5 * g * diff
        sw = lr * np.clip(g * Wc[j], -clip, clip)
        sc = lr * np.clip(g * W[i], -clip, clip)
        W[i] -= sw / np.sqrt(G[i])
        Wc[j] -= sc / np.sqrt(Gc[j])
        G[i] += sw * sw
        Gc[j] += sc * sc
        sb = lr * g
        b[i] -= sb / np.sqrt(Gb[i])
        bc[j] -= sb / np.sqrt(Gbc[j])
        Gb[i] += sb * sb
        Gbc[j] += sb * sb
    return loss


def tiny_matrix():
    C = np.array([[0, 3, 1, 0, 250],
                  [3, 0, 2, 7, 0],
                  [1, 2, 4, 0, 1],
                  [0, 7, 0, 0, 0.5],
                  [250, 0, 1, 0.5, 0]], dtype=np.float64)
    return sp.csr_matrix(C)


def random_tables(rng, n, dim):
    W, Wc = (rng.random((2, n, dim)) - 0.5) / dim
    b, bc = (rng.random((2, n)) - 0.5) / dim
    G, Gc = 1.0 + rng.random((2, n, dim))
    Gb, Gbc = 1.0 + rng.random((2, n))
    return [W, Wc, b, bc, G, Gc, Gb, Gbc]


@pytest.mark.parametrize("order_kind", ["forward", "reversed", "shuffled"])
def test_one_epoch_of_the_kernel_equals_the_numpy_reference(order_kind):
    from sparsedense._kernels.glove import train_block

    X = tiny_matrix()
    rows = np.repeat(np.arange(5, dtype=np.int32), np.diff(X.indptr))
    cols = X.indices.astype(np.int32)
    x = X.data
    order = np.arange(X.nnz)
    if order_kind == "reversed":
        order = order[::-1].copy()
    elif order_kind == "shuffled":
        order = np.random.default_rng(5).permutation(X.nnz)
    lr, x_max, alpha = 0.05, 10.0, 0.75
    ref = random_tables(np.random.default_rng(0), 5, 6)
    mine = [np.ascontiguousarray(t, dtype=np.float32) for t in ref]
    ref = [t.astype(np.float32).astype(np.float64) for t in ref]  # same starting values
    ref_loss = reference_epoch(rows, cols, x, order, ref, lr, x_max, alpha)
    logx = np.log(x).astype(np.float32)
    fx = np.minimum(1.0, (x / x_max) ** alpha).astype(np.float32)
    loss = train_block(rows, cols, logx, fx, order.astype(np.int64), 0, X.nnz, *mine,
                       np.float32(lr), np.float32(GRAD_CLIP))
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    for a, r in zip(mine, ref):
        np.testing.assert_allclose(a, r, rtol=2e-5, atol=1e-7)


def test_gradient_clipping_matches_the_reference():
    from sparsedense._kernels.glove import train_block

    rows, cols = np.array([0], np.int32), np.array([1], np.int32)
    x = np.array([1e30])  # a huge log count: the gradient is clipped
    ref = [np.full((2, 3), 40.0), np.full((2, 3), 40.0), np.zeros(2), np.zeros(2),
           np.ones((2, 3)), np.ones((2, 3)), np.ones(2), np.ones(2)]
    mine = [t.astype(np.float32) for t in ref]
    reference_epoch(rows, cols, x, [0], ref, 0.05, 100.0, 0.75)
    train_block(rows, cols, np.log(x).astype(np.float32), np.ones(1, np.float32),
                np.zeros(1, np.int64), 0, 1, *mine, np.float32(0.05), np.float32(GRAD_CLIP))
    for a, r in zip(mine, ref):
        np.testing.assert_allclose(a, r, rtol=1e-5)
    assert mine[0][0, 0] == pytest.approx(40.0 - 0.05 * GRAD_CLIP)


def test_fit_with_one_worker_is_the_reference_in_the_seeded_order():
    from sparsedense._kernels.glove import shuffle
    from sparsedense._kernels.word2vec import shard_seed

    X = tiny_matrix()
    model = GloVe(vector_size=4, epochs=2, x_max=10.0, learning_rate=0.1, workers=1, seed=3,
                  progress=False).fit(X, list("abcde"))
    blocks = _Blocks(X.astype(np.float64), 1, 10.0, 0.75)
    rng = np.random.default_rng(3)
    n, dim = 5, 4
    init = [((rng.random((n, dim), dtype=np.float32) - 0.5) / dim),
            ((rng.random((n, dim), dtype=np.float32) - 0.5) / dim),
            ((rng.random(n, dtype=np.float32) - 0.5) / dim),
            ((rng.random(n, dtype=np.float32) - 0.5) / dim)]
    ref = [t.astype(np.float64) for t in init] + [np.ones((n, dim)), np.ones((n, dim)),
                                                 np.ones(n), np.ones(n)]
    perm = np.arange(X.nnz, dtype=np.int64)
    losses = []
    for epoch in range(2):
        shuffle(perm, 0, X.nnz, np.uint64(shard_seed(3, epoch, 0, 0)))
        # one worker: a single block, the entries in CSR order
        losses.append(reference_epoch(blocks.rows, blocks.cols, X.data, perm, ref, 0.1, 10.0,
                                      0.75) / X.nnz)
    np.testing.assert_allclose(model.word_vectors_, ref[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.context_vectors_, ref[1], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.training_loss_, losses, rtol=1e-4)
    np.testing.assert_allclose(model.wv.vectors, model.word_vectors_ + model.context_vectors_)


def test_deterministic_for_any_thread_count_and_run():
    sentences, _ = planted_corpus(2, n_topics=6, words_per_topic=30, n_sentences=3000)
    from sparsedense.models import cooccurrence_matrix

    C, vocab = cooccurrence_matrix(sentences, window=5, min_count=1)
    before = numba.get_num_threads()
    results = []
    try:
        for threads in (1, before, before):
            numba.set_num_threads(threads)
            m = GloVe(vector_size=16, epochs=3, workers=3, progress=False).fit(C, vocab)
            results.append((m.wv.vectors.copy(), list(m.training_loss_)))
    finally:
        numba.set_num_threads(before)
    for vectors, loss in results[1:]:
        assert np.array_equal(vectors, results[0][0]) and loss == results[0][1]
    other = GloVe(vector_size=16, epochs=3, workers=3, seed=2, progress=False).fit(C, vocab)
    assert not np.array_equal(other.wv.vectors, results[0][0])


def test_loss_decreases_and_planted_topics_separate():
    sentences, topics = planted_corpus(0)
    model = GloVe(vector_size=10, epochs=40, x_max=20, progress=False)
    model.fit_corpus(sentences, window=5, min_count=1)
    loss = model.training_loss_
    assert len(loss) == 40 and loss[-1] < 0.5 * loss[0]
    assert all(b <= a * 1.01 for a, b in zip(loss, loss[1:]))
    same, cross, separated = topic_margin(model.wv, topics)
    assert same > cross + 0.3 and separated
    assert isinstance(model.wv, Vectors)


def test_output_word_alone():
    X = tiny_matrix()
    m = GloVe(vector_size=3, epochs=2, output="word", progress=False).fit(X, list("abcde"))
    assert np.array_equal(m.wv.vectors, m.word_vectors_)
    assert m.wv.vectors is not m.word_vectors_


def test_scikit_learn_estimator():
    from sklearn.base import clone

    m = GloVe(vector_size=5, x_max=10.0, epochs=3)
    assert clone(m).get_params() == m.get_params()


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(vector_size=0), ValueError, ["vector_size", "0"]),
    (dict(x_max=0), ValueError, ["x_max", "0"]),
    (dict(x_max=-5.0), ValueError, ["x_max", "-5.0"]),
    (dict(alpha=0), ValueError, ["alpha", "0"]),
    (dict(alpha=1.2), ValueError, ["alpha", "1.2"]),
    (dict(learning_rate=0.0), ValueError, ["learning_rate", "0.0"]),
    (dict(epochs=0), ValueError, ["epochs", "0"]),
    (dict(epochs=2.0), TypeError, ["epochs", "2.0"]),
    (dict(workers=0), ValueError, ["workers", "0"]),
    (dict(output="both"), ValueError, ["output", "'both'"]),
    (dict(seed=-1), ValueError, ["seed", "-1"]),
])
def test_bad_parameters(kwargs, exc, words):
    m = GloVe(**kwargs)
    with pytest.raises(exc) as info:
        m.fit(tiny_matrix(), list("abcde"))
    for w in words:
        assert w in str(info.value)
    assert str(info.value).startswith("GloVe")
    assert not hasattr(m, "wv")


def test_bad_matrix_and_vocabulary():
    m = GloVe(vector_size=2, progress=False)
    C = tiny_matrix()
    with pytest.raises(ValueError, match=r"square.*\(5, 3\)"):
        m.fit(C[:, :3], list("abcde"))
    with pytest.raises(ValueError, match="5 rows but the vocabulary has 4"):
        m.fit(C, list("abcd"))
    bad = C.toarray()
    bad[2, 1] = -1
    with pytest.raises(ValueError, match=r"C\[2, 1\] = -1.0 is negative"):
        m.fit(bad, list("abcde"))
    with pytest.raises(ValueError, match="no non-zero"):
        m.fit(sp.csr_matrix((5, 5)), list("abcde"))
    with pytest.raises(TypeError, match="C must be"):
        m.fit("C", list("abcde"))
    with pytest.raises(ValueError, match="min_count=5"):
        m.fit_corpus([["a", "b"]])
    with pytest.raises(ValueError, match="empty"):
        m.fit_corpus([[]])
    assert not hasattr(m, "wv")
    before = C.copy()
    m.fit(C, list("abcde"))
    assert (C != before).nnz == 0


def test_command_line_glove_and_ppmi_svd(tmp_path):
    from sparsedense.cli import main
    from sparsedense.vectors import load_vectors

    sentences, topics = planted_corpus(4)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    out = tmp_path / "glove.txt"
    assert main(["-q", "train", str(corpus), "--method", "glove", "-o", str(out),
                 "--vector-size", "8", "--epochs", "3", "--window", "4", "--x-max", "10"]) == 0
    wv = load_vectors(out)
    assert wv.vector_size == 8 and len(wv) == 32
    out2 = tmp_path / "ppmi.npz"
    assert main(["-q", "train", str(corpus), "--method", "ppmi-svd", "-o", str(out2),
                 "--vector-size", "6", "--eigenvalue-weighting", "0"]) == 0
    assert load_vectors(out2).vector_size == 6
    assert main(["-q", "train", str(corpus), "--method", "glove", "-o", str(out),
                 "--x-max", "0"]) == 2
    assert main(["-q", "train", str(corpus), "--method", "ppmi-svd", "-o", str(out2),
                 "--epochs", "3"]) == 2
