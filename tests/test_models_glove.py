"""GloVe: fit against a numpy reference of the AdaGrad updates, determinism, topics, bad input.

The kernel alone (one epoch, clipping) is tested in test_kernels_glove.py.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from sparsedense import Vectors
from sparsedense.models import GloVe
from sparsedense.models.glove import _Blocks

from test_kernels_glove import reference_epoch, tiny_matrix
from test_models_ppmi_svd import planted_corpus, topic_margin


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


# -- from a corpus at construction (as Word2Vec) -------------------------------------
def _glove_state(m):
    return [m.word_vectors_, m.context_vectors_, m.word_biases_, m.context_biases_,
            np.asarray(m.training_loss_), m.wv.vectors]


def test_sentences_at_construction_equal_the_matrix_path_bit_for_bit(tmp_path):
    from sparsedense.models import cooccurrence_matrix

    sentences, _ = planted_corpus(n_sentences=120)
    opts = dict(window=3, min_count=2, weighting="uniform", symmetric=False)
    params = dict(vector_size=6, epochs=4, x_max=5.0, seed=2, progress=False)
    model = GloVe(sentences, **opts, **params)
    C, vocab = cooccurrence_matrix(sentences, progress=False, **opts)
    old = GloVe(**params).fit(C, vocab)
    assert model.vocabulary_.tokens == old.vocabulary_.tokens
    for a, b in zip(_glove_state(model), _glove_state(old)):
        assert np.array_equal(a, b)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    from_file = GloVe(corpus_file=path, **opts, **params)
    for a, b in zip(_glove_state(from_file), _glove_state(old)):
        assert np.array_equal(a, b)
    # fit_corpus: the model's options by default, the call's first (unchanged defaults)
    again = GloVe(**opts, **params).fit_corpus(sentences)
    assert np.array_equal(again.wv.vectors, old.wv.vectors)
    C10, vocab10 = cooccurrence_matrix(sentences, min_count=2, progress=False)
    default = GloVe(**params).fit(C10, vocab10)
    overridden = GloVe(**opts, **params).fit_corpus(sentences, window=10, min_count=2,
                                                    weighting="harmonic", symmetric=True)
    assert np.array_equal(overridden.wv.vectors, default.wv.vectors)


def test_corpus_is_not_a_parameter_and_clone_gives_an_unfitted_model():
    from sklearn.base import clone

    sentences, _ = planted_corpus(n_sentences=50)
    model = GloVe(sentences, vector_size=4, epochs=1, min_count=1, window=2, progress=False)
    params = model.get_params()
    assert "sentences" not in params and "corpus_file" not in params
    assert params["window"] == 2 and params["min_count"] == 1
    copy = clone(model)
    assert copy.get_params() == params and not hasattr(copy, "wv")


def test_bad_corpus_arguments_at_construction(tmp_path):
    from sparsedense._base.errors import InvalidParameterError

    with pytest.raises(TypeError, match="at most one of sentences or corpus_file"):
        GloVe([["a", "b"]], corpus_file=tmp_path / "c.txt")
    with pytest.raises(TypeError, match="corpus_file="):
        GloVe("corpus.txt")
    with pytest.raises(TypeError, match="corpus_file must be a path"):
        GloVe(corpus_file=3)
    with pytest.raises(InvalidParameterError, match="window"):
        GloVe([["a", "b"]], window=0, min_count=1)
    with pytest.raises(InvalidParameterError, match="weighting"):
        GloVe([["a", "b"]], weighting="linear", min_count=1)
    with pytest.raises(FileNotFoundError):
        GloVe(corpus_file=tmp_path / "missing.txt")
