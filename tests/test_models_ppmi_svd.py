"""PPMISVD: word vectors from the SVD of the PPMI matrix (planted topics, estimator, bad input)."""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense import Vectors
from sparsedense.models import PPMISVD, cooccurrence_matrix, ppmi


# -- PPMISVD ----------------------------------------------------------------------
def planted_corpus(seed=0, n_topics=4, words_per_topic=8, n_sentences=600, length=10):
    """Sentences drawn within one topic each; the words of a topic are ``t{k}_{i}``."""
    rng = np.random.default_rng(seed)
    topics = [[f"t{k}_{i}" for i in range(words_per_topic)] for k in range(n_topics)]
    sentences = []
    for _ in range(n_sentences):
        k = int(rng.integers(n_topics))
        sentences.append([topics[k][i] for i in rng.integers(words_per_topic, size=length)])
    return sentences, topics


def topic_margin(wv, topics):
    """(mean cosine within topics, mean cosine across topics, every word nearer its own topic).

    The last is True when, for every word, the mean cosine to the other words
    of its topic exceeds the mean cosine to the words of each other topic.
    """
    unit = wv.get_normed_vectors()
    idx = wv.key_to_index
    S = np.array([[float(unit[idx[a]] @ unit[idx[b]]) for t in topics for b in t]
                  for t in topics for a in t])
    k = len(topics[0])
    topic = np.repeat(np.arange(len(topics)), k)
    same_mask = (topic[:, None] == topic[None, :]) & ~np.eye(len(topic), dtype=bool)
    cross_mask = topic[:, None] != topic[None, :]
    nearer = True
    for a in range(len(topic)):
        own = S[a, same_mask[a]].mean()
        others = [S[a, topic == t].mean() for t in range(len(topics)) if t != topic[a]]
        nearer &= own > max(others)
    return S[same_mask].mean(), S[cross_mask].mean(), bool(nearer)


def test_ppmisvd_planted_topics():
    sentences, topics = planted_corpus()
    model = PPMISVD(vector_size=8, random_state=0).fit_corpus(sentences, window=5, min_count=1)
    same, cross, separated = topic_margin(model.wv, topics)
    assert same > cross + 0.5 and separated


def test_ppmisvd_fit_equals_ppmi_then_randomized_svd():
    from sparsedense.decomposition import randomized_svd

    sentences, _ = planted_corpus(1)
    C, vocab = cooccurrence_matrix(sentences, window=3, min_count=1)
    for p in (0.0, 0.5, 1.0):
        model = PPMISVD(vector_size=5, eigenvalue_weighting=p, alpha=0.5, shift=2.0,
                        random_state=3).fit(C, vocab)
        U, s, _ = randomized_svd(ppmi(C, alpha=0.5, shift=2.0), 5, random_state=3)
        np.testing.assert_allclose(model.wv.vectors, (U * s ** p).astype(np.float32),
                                   rtol=1e-6, atol=1e-7)
        assert isinstance(model.wv, Vectors) and model.wv.index_to_key == vocab.tokens
        np.testing.assert_allclose(model.singular_values_, s)
    again = PPMISVD(vector_size=5, eigenvalue_weighting=1.0, alpha=0.5, shift=2.0,
                    random_state=3).fit(C, vocab.tokens)
    assert np.array_equal(again.wv.vectors, model.wv.vectors)


def test_ppmisvd_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    model = PPMISVD(vector_size=7, alpha=0.5, random_state=1)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(TypeError):
        PPMISVD(7)  # the first positional argument is sentences, not vector_size


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(vector_size=0), ValueError, ["vector_size", "0"]),
    (dict(vector_size=50), ValueError, ["vector_size=50", "3"]),
    (dict(alpha=2.0), ValueError, ["alpha", "2.0"]),
    (dict(shift=-1.0), ValueError, ["shift", "-1.0"]),
    (dict(eigenvalue_weighting="half"), TypeError, ["eigenvalue_weighting", "'half'"]),
    (dict(random_state="seed"), TypeError, ["random_state", "'seed'"]),
])
def test_ppmisvd_bad_parameters(kwargs, exc, words):
    C = np.array([[0, 2, 1], [2, 0, 1], [1, 1, 0]])
    model = PPMISVD(**{"vector_size": 2, **kwargs})
    with pytest.raises(exc) as info:
        model.fit(C, ["a", "b", "c"])
    for w in words:
        assert w in str(info.value)
    assert not hasattr(model, "wv")


def test_ppmisvd_bad_matrix_and_vocabulary():
    C = np.array([[0, 2, 1], [2, 0, 1], [1, 1, 0]])
    model = PPMISVD(vector_size=2)
    with pytest.raises(ValueError, match=r"square.*\(3, 2\)"):
        model.fit(C[:, :2], ["a", "b", "c"])
    with pytest.raises(ValueError, match="3 rows but the vocabulary has 2"):
        model.fit(C, ["a", "b"])
    with pytest.raises(ValueError, match=r"C\[1, 2\] = -1"):
        model.fit(np.array([[0, 2, 1], [2, 0, -1], [1, 1, 0]]), ["a", "b", "c"])
    with pytest.raises(TypeError, match="vocabulary"):
        model.fit(C, 3)
    with pytest.raises(ValueError, match="window"):
        model.fit_corpus([["a", "b"]], window=0)
    assert not hasattr(model, "wv")


# -- from a corpus at construction (as Word2Vec) -------------------------------------
def test_ppmisvd_sentences_at_construction_equal_the_matrix_path_bit_for_bit(tmp_path):
    sentences, _ = planted_corpus(n_sentences=120)
    opts = dict(window=3, min_count=2, weighting="uniform", symmetric=True)
    params = dict(vector_size=5, random_state=4, eigenvalue_weighting=1.0)
    model = PPMISVD(sentences, **opts, **params)
    C, vocab = cooccurrence_matrix(sentences, progress=False, **opts)
    old = PPMISVD(**params).fit(C, vocab)
    assert model.vocabulary_.tokens == old.vocabulary_.tokens
    assert np.array_equal(model.wv.vectors, old.wv.vectors)
    assert np.array_equal(model.singular_values_, old.singular_values_)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    assert np.array_equal(PPMISVD(corpus_file=str(path), **opts, **params).wv.vectors,
                          old.wv.vectors)
    # fit_corpus without options: cooccurrence_matrix's defaults, as before
    C10, vocab10 = cooccurrence_matrix(sentences, progress=False)
    assert np.array_equal(PPMISVD(**params).fit_corpus(sentences).wv.vectors,
                          PPMISVD(**params).fit(C10, vocab10).wv.vectors)


def test_ppmisvd_corpus_is_not_a_parameter():
    from sklearn.base import clone

    sentences, _ = planted_corpus(n_sentences=50)
    model = PPMISVD(sentences, vector_size=3, min_count=1, random_state=0)
    assert "sentences" not in model.get_params() and model.get_params()["min_count"] == 1
    assert not hasattr(clone(model), "wv")
    with pytest.raises(TypeError, match="at most one of sentences or corpus_file"):
        PPMISVD(sentences, corpus_file="corpus.txt")
    with pytest.raises(ValueError, match="min_count"):
        PPMISVD(sentences, min_count=0)
