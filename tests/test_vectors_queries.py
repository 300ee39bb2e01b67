"""Vectors' gensim queries beyond most_similar (vectors/_queries.py), against gensim 4.4.

Both tables are gensim's ``lee_fasttext.vec`` (1,762 words x 10), read by
each library's ``load_word2vec_format``; the fastText ones use gensim's
``lee_fasttext.bin`` tables, so that words outside the vocabulary are asked
too. Scores agree within 1e-5 (gensim computes in float32 with its own
rounding); keys are the same. Integer keys (a row number, as in gensim) are
checked here too, and each refused input's exception and message.
"""

from __future__ import annotations

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")

from gensim.models import KeyedVectors  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402

from sparsedense import Vectors  # noqa: E402

ATOL = 1e-5


@pytest.fixture(scope="module")
def lee():
    path = datapath("lee_fasttext.vec")
    return Vectors.load_word2vec_format(path), KeyedVectors.load_word2vec_format(path)


@pytest.fixture(scope="module")
def lee_fasttext():
    from gensim.models.fasttext import load_facebook_vectors

    try:
        from sparsedense.vectors._fasttext import FastTextVectors
    except ImportError:
        from sparsedense.models.fasttext import FastTextVectors
    g = load_facebook_vectors(datapath("lee_fasttext.bin"))
    ours = FastTextVectors(list(g.index_to_key), g.vectors.copy(), g.vectors_vocab.copy(),
                           g.vectors_ngrams.copy(), g.min_n, g.max_n, g.bucket)
    return ours, g


def assert_same_results(got, ref, atol=ATOL):
    assert [k for k, _ in got] == [k for k, _ in ref]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in ref], atol=atol)
    assert all(type(s) is float for _, s in got)


# -- most_similar_cosmul ------------------------------------------------------------

@pytest.mark.parametrize("positive,negative,topn", [
    (["man"], None, 10),
    ("government", "war", 5),
    (["Australia", "Sydney"], ["police"], 7),
    (["man", "night", "children"], ["police", "attack"], 12),
    (["the"], [], 1),
])
def test_most_similar_cosmul_same_as_gensim(lee, positive, negative, topn):
    ours, g = lee
    assert_same_results(ours.most_similar_cosmul(positive, negative, topn=topn),
                        g.most_similar_cosmul(positive, negative, topn=topn))


def test_most_similar_cosmul_vectors_and_int_keys_same_as_gensim(lee):
    ours, g = lee
    raw = g["government"] * 3  # a raw vector is used as given (not normalized), as in gensim
    assert_same_results(ours.most_similar_cosmul([raw, "war"], topn=6),
                        g.most_similar_cosmul([raw, "war"], topn=6))
    assert_same_results(ours.most_similar_cosmul(g.vectors[:3], topn=4),
                        g.most_similar_cosmul(g.vectors[:3], topn=4))
    # an int names a row (gensim's cosmul cannot take ints): the same as its key
    assert ours.most_similar_cosmul([5], [9], topn=5) == ours.most_similar_cosmul(
        [g.index_to_key[5]], [g.index_to_key[9]], topn=5)


def test_most_similar_cosmul_restrict_vocab_searches_first_rows(lee):
    ours, g = lee
    first = KeyedVectors(g.vector_size)
    first.add_vectors(g.index_to_key[:300], g.vectors[:300])
    # gensim 4.4 ignores restrict_vocab in most_similar_cosmul: compare with its first 300 rows
    assert_same_results(ours.most_similar_cosmul(["said", "police"], ["government"], topn=8,
                                                 restrict_vocab=300),
                        first.most_similar_cosmul(["said", "police"], ["government"], topn=8))
    assert ours.most_similar_cosmul("the", topn=3, restrict_vocab=0) == []


def test_most_similar_cosmul_parameter_forms_agree(lee):
    ours, _ = lee
    a = ours.most_similar_cosmul("war", "peace", topn=5)
    assert a == ours.most_similar_cosmul(["war"], ["peace"], topn=5)
    assert a == ours.most_similar_cosmul(positive="war", negative="peace", topn=5)
    assert ours.most_similar_cosmul("war", topn=0) == []


def test_most_similar_cosmul_errors(lee):
    ours, _ = lee
    with pytest.raises(KeyError, match="not-a-word"):
        ours.most_similar_cosmul(["not-a-word"])
    with pytest.raises(ValueError, match="at least one positive"):
        ours.most_similar_cosmul(negative=["war"])
    with pytest.raises(ValueError, match="topn"):
        ours.most_similar_cosmul("war", topn=-1)
    with pytest.raises(TypeError, match="restrict_vocab"):
        ours.most_similar_cosmul("war", restrict_vocab="10")
    with pytest.raises(ValueError, match=r"positive\[0\].*\(3,\)"):
        ours.most_similar_cosmul([np.ones(3)])


# -- the smaller queries -------------------------------------------------------------

def test_n_similarity_same_as_gensim(lee):
    ours, g = lee
    for ws1, ws2 in [(["war", "police"], ["government"]), (["the", "of", "not-a-word"], ["a"]),
                     (["Australia"], ["Sydney"])]:
        np.testing.assert_allclose(ours.n_similarity(ws1, ws2), g.n_similarity(ws1, ws2),
                                   atol=ATOL)
    assert ours.n_similarity(["war"], ["police"]) == ours.similarity("war", "police")
    for ws1, ws2 in [([], ["war"]), (["war"], []), ([], [])]:
        with pytest.raises(ZeroDivisionError, match="empty"):
            ours.n_similarity(ws1, ws2)


@pytest.mark.parametrize("kwargs", [
    {}, {"weights": [1, 2, 3, 1, 2]}, {"weights": np.array([0.5, -1, 2, 1, 1])},
    {"pre_normalize": False}, {"post_normalize": True},
    {"pre_normalize": False, "post_normalize": True},
])
def test_get_mean_vector_same_as_gensim(lee, kwargs):
    ours, g = lee
    keys = ["war", "police", 7, g.vectors[3] * 2, "not-a-word"]
    got = ours.get_mean_vector(keys, **kwargs)
    ref = g.get_mean_vector(keys, **kwargs)
    assert got.dtype == np.float32 and got.shape == (10,)  # gensim: float64 for float64 weights
    np.testing.assert_allclose(got, ref, atol=ATOL)


def test_get_mean_vector_errors(lee):
    ours, g = lee
    with pytest.raises(ValueError, match="no input"):
        ours.get_mean_vector([])
    with pytest.raises(ValueError, match="same number"):
        ours.get_mean_vector(["war", "police"], weights=[1.0])
    with pytest.raises(KeyError, match="not-a-word"):
        ours.get_mean_vector(["war", "not-a-word"], ignore_missing=False)
    with pytest.raises(KeyError):
        g.get_mean_vector(["war", "not-a-word"], ignore_missing=False)
    with pytest.raises(TypeError, match="keys"):
        ours.get_mean_vector("war")


def test_cosine_similarities_same_as_gensim(lee):
    _, g = lee
    rng = np.random.default_rng(0)
    v, m = rng.standard_normal(10), rng.standard_normal((20, 10)).astype(np.float32)
    np.testing.assert_array_equal(Vectors.cosine_similarities(v, m),
                                  KeyedVectors.cosine_similarities(v, m))
    m[4] = 0  # 0/0, as in gensim
    assert np.isnan(Vectors.cosine_similarities(v, m)[4])
    with pytest.raises(ValueError, match=r"\(10,\).*\(20, 9\)"):
        Vectors.cosine_similarities(v, m[:, :9])


def test_relative_cosine_similarity_same_as_gensim(lee):
    ours, g = lee
    for wa, wb, topn in [("war", "police", 10), ("government", "minister", 3),
                         ("the", "of", 1)]:
        got = ours.relative_cosine_similarity(wa, wb, topn)
        assert type(got) is float
        np.testing.assert_allclose(got, g.relative_cosine_similarity(wa, wb, topn), atol=ATOL)
    with pytest.raises(ValueError, match="without any similar words"):
        ours.relative_cosine_similarity("war", "police", topn=0)


def test_most_similar_to_given_same_as_gensim(lee):
    ours, g = lee
    for key1, keys in [("war", ["police", "government", "the", "attack"]),
                       ("Australia", ["Sydney", "war"]), ("the", ["of"])]:
        assert ours.most_similar_to_given(key1, keys) == g.most_similar_to_given(key1, keys)
    with pytest.raises(ValueError, match="keys_list is empty"):
        ours.most_similar_to_given("war", [])
    with pytest.raises(KeyError, match="not-a-word"):
        ours.most_similar_to_given("war", ["police", "not-a-word"])


def test_closer_than_distances_same_as_gensim(lee):
    ours, g = lee
    for w1, w2 in [("war", "police"), ("government", "the"), ("Sydney", "Australia")]:
        assert ours.closer_than(w1, w2) == g.closer_than(w1, w2)
        assert ours.words_closer_than(w1, w2) == g.closer_than(w1, w2)
        assert ours.rank(w1, w2) == g.rank(w1, w2)
    np.testing.assert_allclose(ours.distances("war"), g.distances("war"), atol=ATOL)
    assert ours.distances("war").dtype == g.distances("war").dtype == np.float32
    np.testing.assert_allclose(ours.distances("war", ["police", "the"]),
                               g.distances("war", ["police", "the"]), atol=ATOL)
    np.testing.assert_allclose(ours.distances(g["war"]), g.distances(g["war"]), atol=ATOL)


# -- integer keys -------------------------------------------------------------------

def test_int_keys_name_rows_as_in_gensim(lee):
    ours, g = lee
    for key in (0, 3, np.int64(17), len(g) - 1):
        assert ours.get_index(key) == g.get_index(key)
        np.testing.assert_array_equal(ours[key], g[key])
        np.testing.assert_array_equal(ours.get_vector(key), g.get_vector(key))
        np.testing.assert_allclose(ours.get_vector(key, norm=True), g.get_vector(key, norm=True),
                                   atol=1e-6)
        assert (key in ours) == (key in g) and ours.has_index_for(key) == g.has_index_for(key)
    np.testing.assert_array_equal(ours[[1, 2]], g[[1, 2]])
    assert_same_results(ours.most_similar(3, topn=5), g.most_similar(3, topn=5))
    assert_same_results(ours.most_similar([3, "war"], [(9, 0.5)], topn=5),
                        g.most_similar([3, "war"], [(9, 0.5)], topn=5))
    assert ours.similarity(3, "war") == pytest.approx(float(g.similarity(3, "war")), abs=1e-6)
    assert ours.closer_than(3, 40) == g.closer_than(3, 40)
    assert ours.get_index(len(g), default=-1) == g.get_index(len(g), default=-1) == -1
    for bad in (len(g), -1):
        assert (bad in ours) is False and (bad in g) is False
        with pytest.raises(KeyError, match=f"Key {bad}"):
            ours[bad]
    assert (True in ours) is False  # a bool is not a row number here
    with pytest.raises(KeyError):
        ours.get_index(True)


# -- words outside a fastText vocabulary ----------------------------------------------

def test_fasttext_vectors_answer_the_new_queries_as_gensim(lee_fasttext):
    ours, g = lee_fasttext
    assert "nightz" not in g.key_to_index and "governmentish" not in g.key_to_index
    assert_same_results(ours.most_similar_cosmul(["nightz", "the"], ["governmentish"], topn=5),
                        g.most_similar_cosmul(["nightz", "the"], ["governmentish"], topn=5))
    np.testing.assert_allclose(ours.n_similarity(["nightz", "the"], ["governmentish"]),
                               g.n_similarity(["nightz", "the"], ["governmentish"]), atol=ATOL)
    np.testing.assert_allclose(ours.get_mean_vector(["nightz", "of"]),
                               g.get_mean_vector(["nightz", "of"]), atol=ATOL)
    assert ours.most_similar_to_given("nightz", ["night", "the", "governmentish"]) == \
        g.most_similar_to_given("nightz", ["night", "the", "governmentish"])
    np.testing.assert_allclose(ours.relative_cosine_similarity("nightz", "night"),
                               g.relative_cosine_similarity("nightz", "night"), atol=ATOL)


# -- rank_by_centrality / doesnt_match ------------------------------------------------

CENTRALITY_LISTS = [
    ["man", "woman", "children", "government"],
    ["Australia", "Sydney", "police", "war", "the"],
    ["man", "woman", "notaword", "night"],
    [3, "war", 40, np.int64(17), "government"],
    ["the", "the", "of", "war"],
]


@pytest.mark.parametrize("words", CENTRALITY_LISTS)
def test_rank_by_centrality_and_doesnt_match_same_as_gensim(lee, words):
    ours, g = lee
    got, ref = ours.rank_by_centrality(words), g.rank_by_centrality(words)
    assert [w for _, w in got] == [w for _, w in ref]
    np.testing.assert_allclose([d for d, _ in got], [float(d) for d, _ in ref], atol=1e-6)
    assert ours.doesnt_match(words) == g.doesnt_match(words)
    got = ours.rank_by_centrality(words, use_norm=False)
    assert [w for _, w in got] == [w for _, w in g.rank_by_centrality(words, use_norm=False)]


def test_doesnt_match_ties_return_the_smaller_word_as_gensim():
    kv = Vectors(["b", "a", "c"], np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32))
    g = KeyedVectors(2)
    g.add_vectors(["b", "a", "c"], kv.weight.copy())
    words = ["b", "a"]
    assert kv.rank_by_centrality(words) == [(d, w) for d, w in g.rank_by_centrality(words)]
    assert kv.doesnt_match(words) == g.doesnt_match(words) == "a"


def test_doesnt_match_errors(lee):
    ours, g = lee
    with pytest.raises(ValueError, match="empty"):
        ours.doesnt_match(["notaword", len(g)])
    with pytest.raises(ValueError, match="empty"):
        ours.rank_by_centrality([])
    with pytest.raises(TypeError, match=r"pass \[word\]"):
        ours.doesnt_match("war")


@pytest.mark.parametrize("words", [
    ["nightz", "the", "governmentish", "war"],
    ["man", "woman", "xqxqxq", "government", "a"],
    ["Australiaa", "Sydneyy", "policee"],
])
def test_fasttext_doesnt_match_includes_words_outside_the_vocabulary(words):
    from gensim.models.fasttext import load_facebook_vectors

    from sparsedense.vectors import load_vectors

    path = datapath("lee_fasttext.bin")
    ours, g = load_vectors(path, format="fasttext"), load_facebook_vectors(path)
    assert any(isinstance(w, str) and w not in g.key_to_index for w in words)
    got, ref = ours.rank_by_centrality(words), g.rank_by_centrality(words)
    assert [w for _, w in got] == [w for _, w in ref]
    np.testing.assert_allclose([d for d, _ in got], [float(d) for d, _ in ref], atol=1e-6)
    assert ours.doesnt_match(words) == g.doesnt_match(words)
    # an int names a row here (gensim's FastTextKeyedVectors would build the n-gram vector
    # of the word "5"; a deliberate difference, docs/howto/migrating.rst)
    with_int = [ours.index_to_key.index(w) if w == "a" else w for w in words]
    assert [w if isinstance(w, str) else ours.index_to_key[w]
            for _, w in ours.rank_by_centrality(with_int)] == [w for _, w in got]
