"""Vectors against gensim's KeyedVectors on the same tables (skipped without gensim).

Both are built from one table: 2,000 random lowercase words x 50 dims
(seed 0) and gensim's own ``euclidean_vectors.bin`` (the evaluations on
gensim's ``wordsim353.tsv`` and ``questions-words.txt``:
test_vectors_evaluate_gensim.py). Results must be
the same keys (as sets where scores tie within the tolerance, since gensim's
``argsort`` does not order ties; sparsedense puts the lower index first) and
scores within 1e-5 (gensim computes in float32 with its own rounding).
"""

from __future__ import annotations

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")

from gensim.models import KeyedVectors  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402

from sparsedense import Vectors  # noqa: E402

ATOL = 1e-5


def random_words(rng, n):
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words: dict[str, None] = {}
    while len(words) < n:
        words.setdefault("".join(rng.choice(letters, size=int(rng.integers(3, 10)))), None)
    return list(words)


def make_gensim(keys, W):
    kv = KeyedVectors(W.shape[1], count=0, dtype=W.dtype)
    kv.add_vectors(list(keys), W.copy())
    return kv


def make_pair(keys, W):
    return Vectors(list(keys), W.copy()), make_gensim(keys, W)


def assert_same_neighbours(got, ref, atol=ATOL):
    """Same scores (within atol) position by position, and the same keys.

    Keys are compared as sets within each run of scores tied within ``atol``
    (gensim does not order ties); the last run may be cut by ``topn``
    differently, so only its scores are compared.
    """
    assert isinstance(got, list)
    assert len(got) == len(ref), (len(got), len(ref))
    if not ref:
        return
    gk, gs = [k for k, _ in got], np.array([s for _, s in got])
    rk, rs = [k for k, _ in ref], np.array([s for _, s in ref], dtype=np.float64)
    np.testing.assert_allclose(gs, rs, atol=atol)
    start = 0
    for i in range(1, len(rs) + 1):
        if i == len(rs) or rs[i - 1] - rs[i] > atol:
            if i < len(rs):
                assert set(gk[start:i]) == set(rk[start:i]), (start, gk[start:i], rk[start:i])
            start = i


@pytest.fixture(scope="module")
def random_pair():
    rng = np.random.default_rng(0)
    keys = random_words(rng, 2000)
    W = rng.standard_normal((2000, 50)).astype(np.float32)
    return keys, W, *make_pair(keys, W)


@pytest.fixture(scope="module")
def euclidean_pair():
    g = KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    return list(g.index_to_key), g.vectors.copy(), Vectors(list(g.index_to_key),
                                                           g.vectors.copy()), g


# ---------------------------------------------------------------------------
# queries on a random table


@pytest.mark.parametrize("positive,negative", [
    ([0], []), ([1999], []), ([0, 1], []), ([0], [1]), ([5, 700, 1500], [3]),
    ([], [4]), ([10, 11], [12, 13]),
])
@pytest.mark.parametrize("topn", [1, 10, 100])
@pytest.mark.parametrize("restrict_vocab", [None, 500])
def test_most_similar_same_as_gensim(random_pair, positive, negative, topn, restrict_vocab):
    keys, _, sd, g = random_pair
    pos, neg = [keys[i] for i in positive], [keys[i] for i in negative]
    got = sd.most_similar(positive=pos, negative=neg, topn=topn, restrict_vocab=restrict_vocab)
    ref = g.most_similar(positive=pos, negative=neg, topn=topn, restrict_vocab=restrict_vocab)
    assert_same_neighbours(got, ref)


def test_most_similar_single_str_and_weighted_same_as_gensim(random_pair):
    keys, _, sd, g = random_pair
    assert_same_neighbours(sd.most_similar(keys[7], topn=15), g.most_similar(keys[7], topn=15))
    assert_same_neighbours(sd.most_similar(keys[7], keys[8], topn=15),
                           g.most_similar(keys[7], keys[8], topn=15))
    pos, neg = [(keys[1], 2.5), keys[2]], [(keys[3], -0.5)]
    assert_same_neighbours(sd.most_similar(positive=pos, negative=neg, topn=15),
                           g.most_similar(positive=pos, negative=neg, topn=15))


def test_most_similar_topn_zero_same_as_gensim(random_pair):
    keys, _, sd, g = random_pair
    assert g.most_similar(keys[0], topn=0) == []
    assert sd.most_similar(keys[0], topn=0) == []


def test_similar_by_vector_and_key_same_as_gensim(random_pair):
    keys, W, sd, g = random_pair
    rng = np.random.default_rng(1)
    for _ in range(5):
        v = rng.standard_normal(50).astype(np.float32)
        assert_same_neighbours(sd.similar_by_vector(v, topn=20), g.similar_by_vector(v, topn=20))
        assert_same_neighbours(sd.similar_by_vector(v, topn=5, restrict_vocab=300),
                               g.similar_by_vector(v, topn=5, restrict_vocab=300))
    assert_same_neighbours(sd.similar_by_vector(W[33], topn=3), g.similar_by_vector(W[33], topn=3))
    assert_same_neighbours(sd.similar_by_key(keys[33], topn=8), g.similar_by_key(keys[33], topn=8))
    assert_same_neighbours(sd.similar_by_word(keys[34], topn=8),
                           g.similar_by_word(keys[34], topn=8))


def test_most_similar_key_and_raw_vector_same_as_gensim(random_pair):
    """gensim averages a raw vector as given with the keys' unit vectors."""
    keys, _, sd, g = random_pair
    v = np.random.default_rng(2).standard_normal(50).astype(np.float32) * 4.0
    for pos, neg in (([keys[0], v], []), ([keys[0]], [v]), ([v, keys[5], keys[6]], [keys[9]])):
        assert_same_neighbours(sd.most_similar(positive=pos, negative=neg, topn=10),
                               g.most_similar(positive=pos, negative=neg, topn=10))


def test_most_similar_batch_same_as_gensim(random_pair):
    keys, _, sd, g = random_pair
    queries = [keys[i] for i in range(0, 2000, 97)]
    for restrict_vocab in (None, 800):
        batch = sd.most_similar_batch(queries, topn=10, restrict_vocab=restrict_vocab)
        for q, got in zip(queries, batch):
            assert_same_neighbours(got, g.most_similar(q, topn=10,
                                                       restrict_vocab=restrict_vocab))


def test_similarity_distance_distances_same_as_gensim(random_pair):
    keys, W, sd, g = random_pair
    rng = np.random.default_rng(3)
    for a, b in rng.integers(0, 2000, size=(50, 2)):
        np.testing.assert_allclose(sd.similarity(keys[a], keys[b]),
                                   g.similarity(keys[a], keys[b]), atol=ATOL)
        np.testing.assert_allclose(sd.distance(keys[a], keys[b]), g.distance(keys[a], keys[b]),
                                   atol=ATOL)
    others = [keys[i] for i in rng.integers(0, 2000, size=30)]
    np.testing.assert_allclose(sd.distances(keys[4], others), g.distances(keys[4], others),
                               atol=ATOL)
    np.testing.assert_allclose(sd.distances(keys[4]), g.distances(keys[4]), atol=ATOL)
    v = rng.standard_normal(50).astype(np.float32)
    np.testing.assert_allclose(sd.distances(v, others), g.distances(v, others), atol=ATOL)


def test_doesnt_match_same_as_gensim(random_pair):
    keys, _, sd, g = random_pair
    rng = np.random.default_rng(4)
    for n in (3, 4, 5, 8) * 10:  # (2 words tie exactly)
        words = [keys[i] for i in rng.choice(2000, size=n, replace=False)]
        assert sd.doesnt_match(words) == g.doesnt_match(words)
    words = [keys[1], keys[2], keys[3], "notaword"]
    assert sd.doesnt_match(words) == g.doesnt_match(words)


def test_rank_and_closer_than_same_as_gensim(random_pair):
    keys, _, sd, g = random_pair
    rng = np.random.default_rng(5)
    for a, b in rng.integers(0, 2000, size=(25, 2)):
        if a == b:
            continue
        assert sd.rank(keys[a], keys[b]) == g.rank(keys[a], keys[b])
        assert sd.closer_than(keys[a], keys[b]) == g.closer_than(keys[a], keys[b])


def test_norms_same_as_gensim(random_pair):
    _, _, sd, g = random_pair
    g.fill_norms()
    np.testing.assert_allclose(sd.norms, g.norms, rtol=1e-6)
    np.testing.assert_allclose(sd.get_normed_vectors(), g.get_normed_vectors(), atol=1e-6)


# ---------------------------------------------------------------------------
# mutations: compared with a gensim KeyedVectors built afresh from the new table
# (gensim's own object keeps stale norms after add_vectors / __setitem__)


def test_add_vectors_same_as_fresh_gensim():
    rng = np.random.default_rng(6)
    keys = random_words(rng, 300)
    W = rng.standard_normal((300, 20)).astype(np.float32)
    sd = Vectors(keys[:250], W[:250].copy())
    sd.most_similar(keys[0])  # fill the caches
    sd.add_vectors(keys[250:], W[250:])
    g = make_gensim(keys, W)
    for q in (keys[0], keys[260], keys[299]):
        assert_same_neighbours(sd.most_similar(q, topn=20), g.most_similar(q, topn=20))
    np.testing.assert_allclose(sd.norms, np.linalg.norm(W, axis=1), rtol=1e-6)


def test_setitem_existing_key_same_as_fresh_gensim():
    rng = np.random.default_rng(7)
    keys = random_words(rng, 300)
    W = rng.standard_normal((300, 20)).astype(np.float32)
    sd = Vectors(keys, W.copy())
    sd.most_similar(keys[0])  # fill the caches
    W2 = W.copy()
    for i in (0, 5, 250):
        W2[i] = rng.standard_normal(20).astype(np.float32) * 3
        sd[keys[i]] = W2[i]
    g = make_gensim(keys, W2)
    for q in (keys[0], keys[5], keys[1]):
        assert_same_neighbours(sd.most_similar(q, topn=20), g.most_similar(q, topn=20))
    np.testing.assert_allclose(sd.similarity(keys[0], keys[250]),
                               g.similarity(keys[0], keys[250]), atol=ATOL)


def test_setitem_new_key_adds_it_like_gensim():
    """gensim's ``kv[new_key] = vector`` adds the key (add_vectors with replace=True)."""
    rng = np.random.default_rng(8)
    keys = random_words(rng, 50)
    W = rng.standard_normal((50, 10)).astype(np.float32)
    sd, g = make_pair(keys, W)
    v = rng.standard_normal(10).astype(np.float32)
    g["brandnewkey"] = v
    sd["brandnewkey"] = v
    assert "brandnewkey" in sd and sd.index_to_key[-1] == "brandnewkey"
    np.testing.assert_array_equal(sd["brandnewkey"], g["brandnewkey"])
    assert_same_neighbours(sd.most_similar("brandnewkey", topn=5),
                           make_gensim(keys + ["brandnewkey"], np.vstack([W, v])).most_similar(
                               "brandnewkey", topn=5))


def test_add_vectors_single_str_key_like_gensim():
    """gensim's ``add_vectors("key", vector)`` adds one key."""
    rng = np.random.default_rng(9)
    keys = random_words(rng, 50)
    W = rng.standard_normal((50, 10)).astype(np.float32)
    sd, g = make_pair(keys, W)
    v = rng.standard_normal(10).astype(np.float32)
    g.add_vectors("solo", v)
    sd.add_vectors("solo", v)
    assert sd.index_to_key == g.index_to_key
    np.testing.assert_array_equal(sd.vectors, g.vectors)


# ---------------------------------------------------------------------------
# gensim's euclidean_vectors.bin


def test_euclidean_vectors_same_as_gensim(euclidean_pair):
    keys, W, sd, g = euclidean_pair
    assert len(sd) == len(g) and sd.vector_size == g.vector_size
    for q in keys[:15] + keys[1000:1005]:
        assert_same_neighbours(sd.most_similar(q, topn=10), g.most_similar(q, topn=10))
    assert_same_neighbours(sd.most_similar(positive=["he", "is"], negative=["the"], topn=10),
                           g.most_similar(positive=["he", "is"], negative=["the"], topn=10))
    assert_same_neighbours(sd.most_similar("said", topn=10, restrict_vocab=100),
                           g.most_similar("said", topn=10, restrict_vocab=100))
    for a, b in (("the", "to"), ("he", "said"), (keys[100], keys[2000])):
        np.testing.assert_allclose(sd.similarity(a, b), g.similarity(a, b), atol=ATOL)
        assert sd.rank(a, b) == g.rank(a, b)
    words = keys[10:16]
    assert sd.doesnt_match(words) == g.doesnt_match(words)
    np.testing.assert_allclose(sd["the"], g["the"])


# ---------------------------------------------------------------------------
# gensim's argument forms, keyword names and exception types (issue 21)


@pytest.mark.parametrize("form", [
    "2d-positive", "2d-negative", "2d-both", "1d-positive", "row-list", "float64-2d",
    "key-and-rows", "pairs-with-arrays", "list-pair",
])
def test_most_similar_array_arguments_same_as_gensim(random_pair, form):
    """A 2-D array is one vector per row, as gensim's ``_ensure_list`` takes it."""
    keys, W, sd, g = random_pair
    arguments = {
        "2d-positive": dict(positive=W[0:5]),
        "2d-negative": dict(negative=W[10:13]),
        "2d-both": dict(positive=W[[3, 50, 900]], negative=W[[7, 8]]),
        "1d-positive": dict(positive=W[17], negative=W[18]),
        "row-list": dict(positive=[W[1], W[2]], negative=[W[3]]),
        "float64-2d": dict(positive=W[20:24].astype(np.float64)),
        "key-and-rows": dict(positive=[keys[30], W[31]], negative=[keys[32]]),
        "pairs-with-arrays": dict(positive=[(W[40], 2.0), keys[41]], negative=[(W[42], -0.5)]),
        "list-pair": dict(positive=[[keys[43], 3.0], keys[44]]),
    }[form]
    assert_same_neighbours(sd.most_similar(**arguments, topn=15),
                           g.most_similar(**arguments, topn=15))


def test_keyword_names_same_as_gensim(random_pair):
    """gensim's keyword names work and mean the same."""
    keys, W, sd, g = random_pair
    for method, kwargs in [
        ("similar_by_word", dict(word=keys[3], topn=7, restrict_vocab=900)),
        ("similar_by_key", dict(key=keys[4], topn=7, restrict_vocab=900)),
        ("similar_by_vector", dict(vector=W[5], topn=7, restrict_vocab=900)),
        ("most_similar", dict(positive=[keys[6]], negative=[keys[7]], topn=7,
                              restrict_vocab=900, indexer=None)),
        ("most_similar", dict(positive=keys[6], topn=7, clip_start=100, clip_end=700)),
        ("most_similar", dict(positive=keys[6], topn=7, clip_start=100, clip_end=700,
                              restrict_vocab=300)),  # restrict_vocab overrides the clips
        ("most_similar", dict(positive=keys[6], topn=7, clip_start=1990)),
        ("most_similar", dict(positive=keys[6], topn=7, clip_end=5)),
    ]:
        assert_same_neighbours(getattr(sd, method)(**kwargs), getattr(g, method)(**kwargs))
    assert sd.get_index(key=keys[9]) == g.get_index(key=keys[9]) == 9
    assert sd.get_index("notaword", default=-1) == g.get_index("notaword", default=-1) == -1
    assert sd.get_index("notaword", 7) == 7
    assert sd.get_vector(key=keys[2], norm=True).tolist() == pytest.approx(
        g.get_vector(key=keys[2], norm=True).tolist(), abs=1e-6)


def test_positional_arguments_same_as_gensim(random_pair):
    """gensim's order: most_similar(positive, negative, topn, clip_start, clip_end, ...)."""
    keys, _, sd, g = random_pair
    args = ([keys[1]], [keys[2]], 6, 50, 600, None, None)
    assert_same_neighbours(sd.most_similar(*args), g.most_similar(*args))
    args = ([keys[1]], None, 6, 0, None, 250)
    assert_same_neighbours(sd.most_similar(*args), g.most_similar(*args))
    assert_same_neighbours(sd.similar_by_word(keys[8], 4, 300), g.similar_by_word(keys[8], 4, 300))


# methods whose parameters differ from gensim's on purpose (docs/howto/migrating.rst):
# gensim's save / load pickle the object; Vectors writes and reads its own formats
SIGNATURE_DIFFERENCES = {"save", "load"}


def test_signatures_same_as_gensim():
    """Every method Vectors shares with KeyedVectors takes gensim's parameters, in order."""
    import inspect

    shared = [name for name in dir(KeyedVectors)
              if (not name.startswith("_") or name in ("__getitem__", "__setitem__"))
              and callable(getattr(KeyedVectors, name, None)) and hasattr(Vectors, name)
              and not isinstance(getattr(KeyedVectors, name), type)]
    assert {"most_similar", "similar_by_word", "similar_by_key", "similar_by_vector",
            "get_index", "add_vectors", "evaluate_word_analogies"} <= set(shared)
    mismatched = {}
    for name in shared:
        if name in SIGNATURE_DIFFERENCES:
            continue
        theirs = [p for p in inspect.signature(getattr(KeyedVectors, name)).parameters
                  if p not in ("self", "cls")]
        ours = [p for p in inspect.signature(getattr(Vectors, name)).parameters
                if p not in ("self", "cls")]
        if ours[:len(theirs)] != theirs:
            mismatched[name] = (theirs, ours)
    assert not mismatched


def test_indexer_is_asked_like_gensim(random_pair):
    """With ``indexer``, gensim returns ``indexer.most_similar(mean, topn)``; so does Vectors."""
    keys, W, sd, g = random_pair

    class RecordingIndexer:
        def __init__(self):
            self.calls = []

        def most_similar(self, vector, num_neighbors):
            self.calls.append((np.array(vector), num_neighbors))
            return [("answer", 0.5)] * num_neighbors

    mine, theirs = RecordingIndexer(), RecordingIndexer()
    args = dict(positive=[keys[0], W[1]], negative=[keys[2]], topn=3)
    assert sd.most_similar(**args, indexer=mine) == g.most_similar(**args, indexer=theirs)
    (v, n), (gv, gn) = mine.calls[0], theirs.calls[0]
    assert n == gn == 3
    np.testing.assert_allclose(v, gv, atol=1e-6)


def _error_cases(keys, W):
    """Calls on which gensim raises a specific exception, keyed by a readable id."""
    missing = "notaword"
    return {
        "most_similar missing key": lambda kv: kv.most_similar(missing),
        "most_similar missing negative": lambda kv: kv.most_similar(keys[0], [missing]),
        "most_similar missing in pair": lambda kv: kv.most_similar([(missing, 2.0)]),
        "most_similar no input": lambda kv: kv.most_similar(),
        "most_similar empty lists": lambda kv: kv.most_similar([], []),
        "most_similar short vector": lambda kv: kv.most_similar([np.ones(49)]),
        "most_similar short 2-D rows": lambda kv: kv.most_similar(np.ones((2, 49))),
        "most_similar 3-D array": lambda kv: kv.most_similar(np.ones((2, 2, 50))),
        "most_similar 2-D inside list": lambda kv: kv.most_similar([np.ones((2, 50))]),
        "most_similar float item": lambda kv: kv.most_similar([1.5]),
        "most_similar None item": lambda kv: kv.most_similar([None]),
        "most_similar float argument": lambda kv: kv.most_similar(5.5),
        "most_similar float topn": lambda kv: kv.most_similar(keys[0], topn=2.5),
        "most_similar str topn": lambda kv: kv.most_similar(keys[0], topn="3"),
        "most_similar float restrict_vocab": lambda kv: kv.most_similar(keys[0],
                                                                        restrict_vocab=2.5),
        "most_similar str restrict_vocab": lambda kv: kv.most_similar(keys[0],
                                                                      restrict_vocab="9"),
        "most_similar float clip_start": lambda kv: kv.most_similar(keys[0], clip_start=1.5),
        "most_similar float clip_end": lambda kv: kv.most_similar(keys[0], clip_end=9.5),
        "similar_by_word missing": lambda kv: kv.similar_by_word(missing),
        "similar_by_key missing": lambda kv: kv.similar_by_key(missing),
        "similar_by_vector short": lambda kv: kv.similar_by_vector(np.ones(3)),
        "similarity missing": lambda kv: kv.similarity(keys[0], missing),
        "distance missing": lambda kv: kv.distance(missing, keys[0]),
        "distances missing": lambda kv: kv.distances(missing),
        "distances missing other": lambda kv: kv.distances(keys[0], [keys[1], missing]),
        "distances short vector": lambda kv: kv.distances(np.ones(3)),
        "doesnt_match empty": lambda kv: kv.doesnt_match([]),
        "doesnt_match none known": lambda kv: kv.doesnt_match([missing]),
        "closer_than missing": lambda kv: kv.closer_than(keys[0], missing),
        "rank missing": lambda kv: kv.rank(missing, keys[0]),
        "get_vector missing": lambda kv: kv.get_vector(missing),
        "get_index missing": lambda kv: kv.get_index(missing),
        "getitem missing": lambda kv: kv[missing],
        "getitem list missing": lambda kv: kv[[keys[0], missing]],
        "add_vectors wrong width": lambda kv: kv.add_vectors(["x1", "x2"], np.ones((2, 49))),
        "evaluate_word_pairs no file": lambda kv: kv.evaluate_word_pairs("/nonexistent/p.tsv"),
        "evaluate_word_analogies no file":
            lambda kv: kv.evaluate_word_analogies("/nonexistent/q.txt"),
    }


def test_exception_types_same_as_gensim(random_pair):
    """Where gensim raises, Vectors raises the same type or a subclass (with its own message).

    Not compared: a (key, weight) pair whose weight is not a number. gensim's
    ValueError for a str weight is numpy failing to convert it, a None weight
    gives it NaN scores; Vectors raises TypeError for both (a wrong type).
    """
    keys, W, sd, g = random_pair
    problems = []
    for case, call in _error_cases(keys, W).items():
        with pytest.raises(Exception) as theirs:
            call(make_gensim(keys[:60], W[:60]))
        fresh = Vectors(keys[:60], W[:60].copy())
        try:
            call(fresh)
        except Exception as ours:
            if not isinstance(ours, theirs.type):
                problems.append((case, theirs.type.__name__, type(ours).__name__, str(ours)))
        else:
            problems.append((case, theirs.type.__name__, "nothing", ""))
        assert fresh.index_to_key == keys[:60]  # a failed call changes nothing
        np.testing.assert_array_equal(fresh.vectors, W[:60])
    assert not problems
