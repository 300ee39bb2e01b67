"""Vectors (gensim's KeyedVectors surface) against plain-numpy versions of gensim's formulas.

The references below are written from gensim 4's ``KeyedVectors`` code:

* ``most_similar``: every key becomes its unit vector, a raw vector is used
  as given (``get_mean_vector(..., pre_normalize=True)`` normalizes keys
  only), each weighs +1 (positive) or -1 (negative) or its given weight; the
  weighted mean is normalized and compared (cosine) with every key of the
  first ``restrict_vocab``; the query keys are left out. sparsedense breaks
  ties by lower index (stable sort), on purpose.
* ``doesnt_match``: the word least similar to the normalized mean of the
  (known) words' unit vectors.
* ``closer_than`` / ``rank``: cosine distances from ``key1``.

The evaluations (``evaluate_word_pairs`` / ``evaluate_word_analogies``) are
tested in test_vectors_evaluate.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense import Vectors


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def random_keys(rng, n, length=7):
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    keys: dict[str, None] = {}
    while len(keys) < n:
        keys.setdefault("".join(rng.choice(letters, size=length)), None)
    return list(keys)


@pytest.fixture
def table(rng):
    keys = random_keys(rng, 200)
    W = rng.standard_normal((200, 16)).astype(np.float32)
    return keys, W


@pytest.fixture
def kv(table):
    keys, W = table
    return Vectors(keys, W.copy())


# ---------------------------------------------------------------------------
# numpy references (gensim's formulas)


def unit_rows(W):
    W = np.asarray(W, dtype=np.float64)
    n = np.linalg.norm(W, axis=1, keepdims=True)
    return np.divide(W, n, out=np.zeros_like(W), where=n > 0)


def ref_query(keys, W, positive=(), negative=()):
    """gensim's query vector and the indices of the query keys."""
    index = {k: i for i, k in enumerate(keys)}
    U = unit_rows(W)
    items = [(x, 1.0) for x in positive] + [(x, -1.0) for x in negative]
    mean = np.zeros(W.shape[1])
    total = 0.0
    query_rows = []
    for item, weight in items:
        if isinstance(item, tuple):
            item, weight = item
        if isinstance(item, str):
            vec = U[index[item]]
            query_rows.append(index[item])
        else:
            vec = np.asarray(item, dtype=np.float64)  # raw vectors: used as given
        mean += weight * vec
        total += abs(weight)
    mean /= total
    mean /= np.linalg.norm(mean)
    return mean, query_rows


def ref_most_similar(keys, W, positive=(), negative=(), topn=10, restrict_vocab=None):
    mean, query_rows = ref_query(keys, W, positive, negative)
    U = unit_rows(W)[:restrict_vocab]
    scores = U @ mean
    order = [i for i in np.argsort(-scores, kind="stable") if i not in query_rows]
    return [(keys[i], float(scores[i])) for i in order[:topn]]


def assert_same_result(got, ref, atol=1e-6):
    assert [k for k, _ in got] == [k for k, _ in ref]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in ref], atol=atol)
    assert all(type(s) is float for _, s in got)


# ---------------------------------------------------------------------------
# the seed's example: 예금 (deposit) is near 적금 (savings), far from 주택대출 (mortgage)

BANK_KEYS = ["예금", "적금", "주택대출", "이자", "날씨"]
BANK_W = np.array([
    [0.90, 0.80, 0.05, 0.10],   # 예금 deposit
    [0.85, 0.90, 0.00, 0.15],   # 적금 savings
    [0.10, -0.20, 0.95, 0.30],  # 주택대출 mortgage
    [0.60, 0.50, 0.40, 0.10],   # 이자 interest
    [-0.50, 0.10, -0.30, 0.90],  # 날씨 weather
], dtype=np.float32)


def test_seed_banking_example():
    kv = Vectors(BANK_KEYS, BANK_W.copy())
    assert kv.most_similar("예금", topn=1)[0][0] == "적금"
    near, far = kv.similarity("예금", "적금"), kv.similarity("예금", "주택대출")
    assert near > 0.99 and far < 0.25 and near > far
    assert kv.distance("예금", "주택대출") > kv.distance("예금", "적금")
    assert kv.rank("예금", "적금") == 1
    assert kv.closer_than("예금", "적금") == []
    assert "주택대출" not in [k for k, _ in kv.most_similar("예금", topn=2)]
    assert kv.doesnt_match(["예금", "적금", "이자", "날씨"]) == "날씨"
    U = unit_rows(BANK_W)
    np.testing.assert_allclose(near, U[0] @ U[1], atol=1e-6)
    np.testing.assert_allclose(far, U[0] @ U[2], atol=1e-6)
    assert_same_result(kv.most_similar("예금", topn=4), ref_most_similar(BANK_KEYS, BANK_W,
                                                                        ["예금"], topn=4))


# ---------------------------------------------------------------------------
# lookups


def test_getitem_key_and_list(kv, table):
    keys, W = table
    np.testing.assert_array_equal(kv[keys[3]], W[3])
    np.testing.assert_array_equal(kv[[keys[5], keys[0], keys[5]]], W[[5, 0, 5]])
    assert kv[[]].shape == (0, 16)
    assert kv[keys[3]].dtype == np.float32
    assert len(kv) == 200 and keys[7] in kv and "zzz" not in kv
    assert kv.key_to_index[keys[9]] == 9 and kv.index_to_key[9] == keys[9]
    assert list(kv) == keys
    assert kv.vector_size == 16 and kv.vectors is kv.weight


def test_get_vector_norm_is_unit_length(kv, table):
    keys, W = table
    for i in (0, 17, 199):
        v = kv.get_vector(keys[i], norm=True)
        np.testing.assert_allclose(np.linalg.norm(v.astype(np.float64)), 1.0, atol=1e-6)
        np.testing.assert_allclose(v, W[i] / np.linalg.norm(W[i].astype(np.float64)), atol=1e-6)
        np.testing.assert_array_equal(kv.get_vector(keys[i]), W[i])


def test_zero_vector_stays_zero():
    kv = Vectors(["a", "b", "c"], np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]))
    assert np.all(kv.get_vector("a", norm=True) == 0.0)
    assert kv.similarity("a", "b") == 0.0
    np.testing.assert_array_equal(kv.norms, [0.0, 1.0, 2.0])
    assert [k for k, _ in kv.most_similar("b")] == ["a", "c"]  # both 0: lower index first


def test_keyerror_names_the_key_and_suggests_close_keys():
    keys = ["deposit", "savings", "mortgage", "interest"]
    kv = Vectors(keys, np.eye(4, dtype=np.float32))
    with pytest.raises(KeyError, match=r"'depositt'.*did you mean 'deposit'"):
        kv["depositt"]
    with pytest.raises(KeyError, match=r"'mortgaeg'.*did you mean 'mortgage'"):
        kv.most_similar("mortgaeg")
    with pytest.raises(KeyError, match="'unrelated'") as exc:
        kv.similarity("deposit", "unrelated")
    assert "did you mean" not in str(exc.value)
    with pytest.raises(KeyError, match="'savingz'"):
        kv.get_vector("savingz", norm=True)
    with pytest.raises(KeyError, match="'savingz'"):
        kv[["deposit", "savingz"]]


def test_constructor_errors():
    with pytest.raises(ValueError, match="3 rows.*2 keys"):
        Vectors(["a", "b"], np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="repeats"):
        Vectors(["a", "b", "a"], np.zeros((3, 2), np.float32))
    with pytest.raises(TypeError, match="keys\\[1\\]"):
        Vectors(["a", 5], np.zeros((2, 2), np.float32))
    with pytest.raises(TypeError, match="float32 or float64"):
        Vectors(["a", "b"], np.zeros((2, 2), np.int64))


# ---------------------------------------------------------------------------
# most_similar and friends


@pytest.mark.parametrize("positive,negative", [
    ([0], []),
    ([0, 1], []),
    ([0], [1]),
    ([5, 7], [3]),
    ([], [4]),
    ([2, 9, 11], [13, 20]),
])
@pytest.mark.parametrize("topn", [1, 5, 10, 150, 300])
def test_most_similar_matches_reference(kv, table, positive, negative, topn):
    keys, W = table
    pos, neg = [keys[i] for i in positive], [keys[i] for i in negative]
    got = kv.most_similar(positive=pos, negative=neg, topn=topn)
    ref = ref_most_similar(keys, W, pos, neg, topn)
    assert len(got) == min(topn, 200 - len(set(pos + neg)))
    assert_same_result(got, ref)
    assert not set(pos + neg) & {k for k, _ in got}  # the query keys are left out


def test_most_similar_single_str_arguments(kv, table):
    keys, W = table
    assert_same_result(kv.most_similar(keys[0], keys[1], topn=7),
                       ref_most_similar(keys, W, [keys[0]], [keys[1]], 7))
    assert_same_result(kv.most_similar(negative=keys[2], topn=3),
                       ref_most_similar(keys, W, [], [keys[2]], 3))


def test_most_similar_weighted_pairs(kv, table):
    keys, W = table
    pos = [(keys[0], 2.0), keys[1]]
    neg = [(keys[2], -0.5)]
    assert_same_result(kv.most_similar(positive=pos, negative=neg, topn=8),
                       ref_most_similar(keys, W, pos, neg, 8))


@pytest.mark.parametrize("restrict_vocab", [1, 10, 50, 199, 200, 500])
def test_most_similar_restrict_vocab(kv, table, restrict_vocab):
    keys, W = table
    for q in (0, 60):  # a key inside and a key outside the restricted vocabulary
        got = kv.most_similar(keys[q], topn=20, restrict_vocab=restrict_vocab)
        ref = ref_most_similar(keys, W, [keys[q]], topn=20, restrict_vocab=restrict_vocab)
        assert_same_result(got, ref)
        assert all(kv.key_to_index[k] < restrict_vocab for k, _ in got)


def test_most_similar_single_raw_vector(kv, table, rng):
    keys, W = table
    v = rng.standard_normal(16) * 7.0
    assert_same_result(kv.most_similar(positive=[v], topn=12),
                       ref_most_similar(keys, W, [v], topn=12))
    # a raw vector excludes nothing: the key with exactly that vector comes first
    got = kv.most_similar(positive=[W[42]], topn=3)
    assert got[0][0] == keys[42]
    np.testing.assert_allclose(got[0][1], 1.0, atol=1e-6)
    assert_same_result(kv.similar_by_vector(v, topn=12), ref_most_similar(keys, W, [v], topn=12))
    assert_same_result(kv.similar_by_vector(W[42], topn=4, restrict_vocab=30),
                       ref_most_similar(keys, W, [W[42]], topn=4, restrict_vocab=30))


def test_most_similar_raw_vector_mixed_with_keys_like_gensim(kv, table, rng):
    """A raw vector is used as given, keys as unit vectors (gensim's get_mean_vector).

    gensim 4 ``most_similar(positive=[key, vector])`` averages the key's unit
    vector with the raw vector *as given*; the result then depends on the raw
    vector's length (10 x v pulls harder than v).
    """
    keys, W = table
    v = rng.standard_normal(16)
    for scale in (0.1, 1.0, 10.0):
        pos = [keys[3], scale * v]
        assert_same_result(kv.most_similar(positive=pos, negative=[keys[8]], topn=10),
                           ref_most_similar(keys, W, pos, [keys[8]], topn=10))


def test_most_similar_topn_zero_returns_empty_list(kv, table):
    keys, _ = table
    assert kv.most_similar(keys[0], topn=0) == []
    assert kv.most_similar(positive=[keys[0], keys[1]], negative=[keys[2]], topn=0) == []
    assert kv.similar_by_vector(np.ones(16), topn=0) == []


def test_most_similar_return_type_and_errors(kv, table):
    keys, _ = table
    res = kv.most_similar(keys[0], topn=3)
    assert isinstance(res, list) and all(isinstance(k, str) for k, _ in res)
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar(keys[0], topn=-1)
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar(keys[0], topn=None)
    with pytest.raises(ValueError, match="no input"):
        kv.most_similar()
    with pytest.raises(ValueError, match="16"):
        kv.most_similar(positive=[np.ones(5)])


def test_most_similar_ties_lower_index_first():
    W = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0],
                  [0.0, 2.0, 0.0], [1.0, 1.0, 0.0], [0.0, 3.0, 0.0]], dtype=np.float32)
    keys = ["q", "t1", "z", "t2", "t3", "mix", "t4"]
    kv = Vectors(keys, W)
    res = kv.most_similar("t2", topn=6)
    # t1, t3, t4 are exactly parallel to t2 (cosine 1): index order, then 'mix', then 0s
    assert [k for k, _ in res] == ["t1", "t3", "t4", "mix", "q", "z"]
    assert_same_result(res, ref_most_similar(keys, W, ["t2"], topn=6))
    batch = kv.most_similar_batch(["t2", "q"], topn=6)
    assert [k for k, _ in batch[0]] == ["t1", "t3", "t4", "mix", "q", "z"]
    assert [k for k, _ in batch[1]][:1] == ["mix"]
    assert [k for k, _ in batch[1]][1:] == ["t1", "z", "t2", "t3", "t4"]


@pytest.mark.parametrize("topn", [0, 1, 10, 199])
@pytest.mark.parametrize("restrict_vocab", [None, 40])
def test_most_similar_batch_equals_most_similar(kv, table, topn, restrict_vocab):
    keys, _ = table
    queries = [keys[i] for i in (0, 3, 39, 40, 77, 199, 3)]
    if restrict_vocab is not None and topn > restrict_vocab:
        topn = restrict_vocab - 1
    batch = kv.most_similar_batch(queries, topn=topn, restrict_vocab=restrict_vocab)
    assert len(batch) == len(queries)
    for q, got in zip(queries, batch):
        if topn == 0:  # (most_similar's topn=0 is tested on its own)
            assert got == []
            continue
        one = kv.most_similar(q, topn=topn, restrict_vocab=restrict_vocab)
        assert_same_result(got, one, atol=1e-6)


def test_similarity_and_distances(kv, table):
    keys, W = table
    U = unit_rows(W)
    np.testing.assert_allclose(kv.similarity(keys[1], keys[2]), U[1] @ U[2], atol=1e-6)
    np.testing.assert_allclose(kv.similarity(keys[4], keys[4]), 1.0, atol=1e-6)
    np.testing.assert_allclose(kv.distance(keys[1], keys[2]), 1 - U[1] @ U[2], atol=1e-6)
    assert isinstance(kv.similarity(keys[1], keys[2]), float)
    np.testing.assert_allclose(kv.distances(keys[5]), 1 - U @ U[5], atol=1e-6)
    others = [keys[9], keys[0], keys[9]]
    np.testing.assert_allclose(kv.distances(keys[5], others), 1 - U[[9, 0, 9]] @ U[5], atol=1e-6)
    v = np.linspace(-1, 1, 16) * 3
    np.testing.assert_allclose(kv.distances(v, others),
                               1 - U[[9, 0, 9]] @ (v / np.linalg.norm(v)), atol=1e-6)
    with pytest.raises(KeyError):
        kv.distances(keys[5], ["nope"])


def test_doesnt_match(kv, table):
    keys, W = table
    words = [keys[i] for i in (1, 4, 9, 16, 25)]
    U = unit_rows(W)[[1, 4, 9, 16, 25]]
    mean = U.mean(axis=0)
    mean /= np.linalg.norm(mean)
    assert kv.doesnt_match(words) == words[int(np.argmin(U @ mean))]
    # unknown words are ignored; all unknown is an error
    assert kv.doesnt_match(words + ["unknownword"]) == kv.doesnt_match(words)
    with pytest.raises(ValueError, match="empty"):
        kv.doesnt_match(["unknownword", "another"])
    kv2 = Vectors(["cat", "dog", "mouse", "car"],
                  np.array([[1, 0.9, 0], [0.9, 1, 0.1], [1, 1, 0.2], [-0.3, 0, 1]], np.float32))
    assert kv2.doesnt_match(["cat", "dog", "mouse", "car"]) == "car"


def test_closer_than_and_rank(kv, table):
    keys, W = table
    U = unit_rows(W)
    d = 1 - U @ U[10]
    for target in (0, 11, 57, 199):
        closer = [keys[i] for i in np.flatnonzero(d < d[target]) if i != 10]
        assert kv.closer_than(keys[10], keys[target]) == closer
        assert kv.rank(keys[10], keys[target]) == len(closer) + 1
    nearest = kv.most_similar(keys[10], topn=3)
    for r, (k, _) in enumerate(nearest, 1):
        assert kv.rank(keys[10], k) == r


# ---------------------------------------------------------------------------
# cached norms / unit vectors


def test_norms_and_unit_vectors_cached_and_read_only(kv, table):
    keys, W = table
    np.testing.assert_allclose(kv.norms, np.linalg.norm(W.astype(np.float64), axis=1), rtol=1e-6)
    assert kv.norms is kv.norms  # cached
    assert not kv.norms.flags.writeable
    with pytest.raises(ValueError):
        kv.norms[0] = 5.0
    unit = kv.get_normed_vectors()
    assert unit is kv.get_normed_vectors()
    assert not unit.flags.writeable
    with pytest.raises(ValueError):
        unit[0, 0] = 1.0
    assert unit.dtype == np.float32
    np.testing.assert_allclose(unit, unit_rows(W), atol=1e-6)
    assert not kv.get_vector(keys[0], norm=True).flags.writeable


def test_setitem_recomputes_cached_unit_vectors(kv, table):
    """After kv[key] = v the cached norms / unit vectors are recomputed (gensim's stale bug)."""
    keys, W = table
    kv.fill_norms()
    old_unit = kv.get_normed_vectors()
    _ = kv.norms
    before = kv.most_similar(keys[0], topn=3)
    best = kv.key_to_index[before[0][0]]
    new = (-3.0 * W[best]).astype(np.float32)  # the opposite of the best neighbour
    kv[before[0][0]] = new
    np.testing.assert_array_equal(kv[before[0][0]], new)
    W2 = W.copy()
    W2[best] = new
    assert kv.get_normed_vectors() is not old_unit
    np.testing.assert_allclose(kv.get_normed_vectors(), unit_rows(W2), atol=1e-6)
    np.testing.assert_allclose(kv.norms, np.linalg.norm(W2.astype(np.float64), axis=1),
                               rtol=1e-6)
    after = kv.most_similar(keys[0], topn=10)
    assert_same_result(after, ref_most_similar(keys, W2, [keys[0]], topn=10))
    assert before[0][0] not in [k for k, _ in after]
    np.testing.assert_allclose(kv.similarity(keys[0], before[0][0]), -before[0][1], atol=1e-6)
    assert_same_result(kv.most_similar_batch([keys[0]], topn=10)[0], after)


def test_add_vectors_recomputes_cached_unit_vectors(kv, table, rng):
    keys, W = table
    kv.fill_norms()
    _ = kv.norms
    old_unit = kv.get_normed_vectors()
    new_keys = ["newkeyaa", "newkeybb"]
    new_w = np.stack([W[0] * 5.0, rng.standard_normal(16)]).astype(np.float32)
    kv.add_vectors(new_keys, new_w)
    W2 = np.concatenate([W, new_w])
    keys2 = keys + new_keys
    assert len(kv) == 202 and kv.index_to_key == keys2
    assert kv.key_to_index["newkeybb"] == 201
    np.testing.assert_array_equal(kv["newkeyaa"], new_w[0])
    assert kv.get_normed_vectors() is not old_unit
    assert kv.get_normed_vectors().shape == (202, 16) and kv.norms.shape == (202,)
    np.testing.assert_allclose(kv.norms, np.linalg.norm(W2.astype(np.float64), axis=1), rtol=1e-6)
    res = kv.most_similar(keys[0], topn=5)
    assert res[0][0] == "newkeyaa"  # a scaled copy: cosine 1
    assert_same_result(res, ref_most_similar(keys2, W2, [keys[0]], topn=5))
    assert_same_result(kv.most_similar("newkeybb", topn=5),
                       ref_most_similar(keys2, W2, ["newkeybb"], topn=5))


def test_add_vectors_refuses_bad_input_and_changes_nothing(kv, table):
    keys, W = table
    # gensim's rule: an existing key keeps its vector (replace=False)...
    kv.add_vectors(["fresh", keys[3]], np.ones((2, 16)))
    assert "fresh" in kv
    np.testing.assert_array_equal(kv[keys[3]], W[3])
    kv = type(kv)(keys, W)
    with pytest.raises(ValueError, match="dup"):
        kv.add_vectors(["dup", "dup"], np.ones((2, 16)))
    with pytest.raises(ValueError, match="16"):
        kv.add_vectors(["fresh"], np.ones((1, 15)))
    assert len(kv) == 200 and "fresh" not in kv and "dup" not in kv
    np.testing.assert_array_equal(kv.vectors, W)


def test_add_vectors_refuses_a_table_of_the_wrong_shape(kv):
    """Two keys with a (4, 8) table must not be silently reshaped into two 16-vectors."""
    with pytest.raises(ValueError):
        kv.add_vectors(["fresh1", "fresh2"], np.ones((4, 8)))
    assert "fresh1" not in kv and len(kv) == 200


def test_add_vectors_single_str_key_is_one_key(kv):
    """A single key as a str (gensim accepts it) is one key, never split into characters."""
    try:
        kv.add_vectors("ab", np.ones(32))  # 32 values: 'a' and 'b' would get 16 each
    except (TypeError, ValueError):
        pass
    assert "a" not in kv and "b" not in kv


def test_int_key_sets_the_row_it_names(kv, table):
    """``kv[3] = v`` replaces row 3, the row ``kv[3]`` reads (gensim 4.4 adds a new key,
    the int 3, hiding row 3: a deliberate difference, docs/howto/migrating.rst)."""
    keys, W = table
    n = len(kv)
    kv.fill_norms()
    kv[3] = np.full(16, 2.0)
    assert len(kv) == n and kv.index_to_key == list(keys)
    np.testing.assert_array_equal(kv[3], np.full(16, 2.0))
    np.testing.assert_array_equal(kv[keys[3]], np.full(16, 2.0))
    np.testing.assert_allclose(kv.get_vector(3, norm=True), np.full(16, 0.25), atol=1e-6)
    kv.add_vectors([np.int64(4), "fresh"], np.ones((2, 16)))  # replace=False: row 4 kept
    np.testing.assert_array_equal(kv[4], W[4])
    assert kv.index_to_key[-1] == "fresh" and len(kv) == n + 1
    kv.add_vectors([4], np.ones((1, 16)), extras={"count": [9]}, replace=True)
    np.testing.assert_array_equal(kv[keys[4]], np.ones(16))
    assert kv.get_vecattr(keys[4], "count") == 9


@pytest.mark.parametrize("key,weights,error,match", [
    (10**6, np.ones(16), TypeError, r"keys\[0\] is int 1000000, which names no row"),
    (-1, np.ones(16), TypeError, r"keys\[0\] is int -1, which names no row"),
    (True, np.ones(16), TypeError, r"got bool True"),
    ("row 2 and its key", np.ones((2, 16)), ValueError, r"keys\[1\] = '\w+' repeats keys\[0\]"),
])
def test_int_keys_that_name_no_row_are_refused_and_change_nothing(kv, table, key, weights,
                                                                  error, match):
    keys, W = table
    if key == "row 2 and its key":
        key = [2, keys[2]]
    with pytest.raises(error, match=match):
        kv[key] = weights
    assert kv.index_to_key == list(keys)
    np.testing.assert_array_equal(kv.vectors, W)


def test_setitem_bad_vector_changes_nothing(kv, table):
    keys, W = table
    kv.fill_norms()
    with pytest.raises(ValueError):
        kv[keys[0]] = np.ones(15)
    np.testing.assert_array_equal(kv.vectors, W)


def test_fill_norms_force(kv):
    kv.fill_norms()
    unit = kv.get_normed_vectors()
    kv.fill_norms()
    assert kv.get_normed_vectors() is unit
    kv.fill_norms(force=True)
    assert kv.get_normed_vectors() is not unit
    np.testing.assert_array_equal(kv.get_normed_vectors(), unit)


def test_float64_and_memmap_tables(tmp_path, table):
    keys, W = table
    kv64 = Vectors(keys, W.astype(np.float64))
    assert kv64.get_normed_vectors().dtype == np.float64
    assert_same_result(kv64.most_similar(keys[1], topn=5),
                       ref_most_similar(keys, W, [keys[1]], topn=5))
    path = tmp_path / "w.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=W.shape)
    mm[:] = W
    mm.flush()
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=W.shape)
    kvm = Vectors(keys, ro)
    assert_same_result(kvm.most_similar(keys[1], topn=5),
                       ref_most_similar(keys, W, [keys[1]], topn=5))


# ---------------------------------------------------------------------------
# gensim's argument forms and keyword names (issue 21), against the numpy reference


def test_most_similar_2d_array_is_one_vector_per_row(kv, table):
    keys, W = table
    rows = [W[i] for i in (3, 4, 5)]
    assert_same_result(kv.most_similar(positive=W[3:6], topn=9),
                       ref_most_similar(keys, W, rows, topn=9))
    assert_same_result(kv.most_similar(positive=[keys[0]], negative=W[[7, 9]], topn=9),
                       ref_most_similar(keys, W, [keys[0]], [W[7], W[9]], topn=9))
    assert kv.most_similar(W[3:6], topn=9) == kv.most_similar(rows, topn=9)
    assert kv.most_similar(W[3], topn=9) == kv.most_similar([W[3]], topn=9)


def test_most_similar_clip_start_clip_end(kv, table):
    keys, W = table
    U = unit_rows(W)
    mean, _ = ref_query(keys, W, [keys[150]])
    for start, end in ((0, None), (10, 60), (100, None), (0, 5), (190, 500), (250, None),
                       (40, 30)):
        got = kv.most_similar(keys[150], topn=12, clip_start=start, clip_end=end)
        rows = np.arange(200)[start:end]
        scores = U[rows] @ mean
        order = [rows[i] for i in np.argsort(-scores, kind="stable") if rows[i] != 150][:12]
        assert_same_result(got, [(keys[i], float(U[i] @ mean)) for i in order])
    # restrict_vocab overrides the clips, as in gensim
    assert kv.most_similar(keys[1], topn=5, clip_start=50, clip_end=60, restrict_vocab=20) == \
        kv.most_similar(keys[1], topn=5, restrict_vocab=20)


def test_rank_ties_at_the_cut_and_nan_rows():
    """Only the rows that can make the cut are sorted: ties at the cut still go by index."""
    rng = np.random.default_rng(7)
    base = rng.standard_normal((6, 8)).astype(np.float32)
    W = base[rng.integers(0, 6, size=300)]  # 300 rows, 6 distinct directions: many ties
    W[[5, 77, 290]] = np.nan
    W[[10, 11]] = 0.0
    keys = [f"k{i}" for i in range(300)]
    kv = Vectors(keys, W)
    for q in (0, 1, 2):
        for topn in (1, 7, 50, 120, 299, 300):
            got = kv.most_similar(keys[q], topn=topn)
            mean, _ = ref_query(keys, W, [keys[q]])
            U = unit_rows(np.nan_to_num(W))
            U[np.isnan(W).any(axis=1)] = np.nan  # a NaN row scores NaN: ranked last
            scores = U @ mean
            key = np.where(np.isnan(scores), -np.inf, scores)
            order = [i for i in np.argsort(-key, kind="stable") if i != q][:topn]
            assert [k for k, _ in got] == [keys[i] for i in order]
            assert len(got) == min(topn, 299)


def test_keyword_names_of_the_wrappers(kv, table):
    keys, W = table
    assert kv.similar_by_word(word=keys[0], topn=4) == kv.most_similar(keys[0], topn=4)
    assert kv.similar_by_key(key=keys[0], topn=4) == kv.most_similar(keys[0], topn=4)
    assert kv.similar_by_vector(vector=W[0], topn=4) == kv.most_similar([W[0]], topn=4)
    assert kv.most_similar(positive=keys[0], topn=4, indexer=None) == \
        kv.most_similar(keys[0], topn=4)
    assert kv.get_index(key=keys[5]) == 5
    assert kv.get_index("not-a-key", default=-1) == -1
    assert kv[[keys[1]]].shape == (1, 16)


@pytest.mark.parametrize("call,exc,words", [
    (lambda kv, k: kv.most_similar(k[0], topn=2.5), TypeError, ["topn", "float 2.5"]),
    (lambda kv, k: kv.most_similar(k[0], topn=True), TypeError, ["topn", "bool True"]),
    (lambda kv, k: kv.most_similar(k[0], topn=None), ValueError, ["topn", "None", "list"]),
    (lambda kv, k: kv.most_similar(k[0], restrict_vocab="9"), TypeError,
     ["restrict_vocab", "str '9'"]),
    (lambda kv, k: kv.most_similar(k[0], clip_start=-1), ValueError, ["clip_start", "-1"]),
    (lambda kv, k: kv.most_similar(k[0], clip_start=None), TypeError, ["clip_start", "None"]),
    (lambda kv, k: kv.most_similar(k[0], clip_end=2.0), TypeError, ["clip_end", "float 2.0"]),
    (lambda kv, k: kv.most_similar([k[0], 1.5]), TypeError, ["positive[1]", "float 1.5"]),
    (lambda kv, k: kv.most_similar(k[0], [None]), TypeError, ["negative[0]", "None"]),
    (lambda kv, k: kv.most_similar([(k[0], "2")]), TypeError, ["positive[0][1]", "str '2'"]),
    (lambda kv, k: kv.most_similar([(np.ones(15), 2.0)]), ValueError,
     ["positive[0][0]", "(15,)", "16"]),
    (lambda kv, k: kv.most_similar(np.ones((3, 15))), ValueError, ["positive[0]", "(15,)"]),
    (lambda kv, k: kv.most_similar(k[0], np.ones((1, 2, 16))), ValueError,
     ["negative", "(1, 2, 16)"]),
    (lambda kv, k: kv.most_similar([np.ones((2, 16))]), ValueError, ["positive[0]", "(2, 16)"]),
    (lambda kv, k: kv.most_similar([["a", "b", "c"]]), TypeError, ["positive[0]", "list"]),
    (lambda kv, k: kv.distances(np.ones((1, 16))), ValueError, ["word_or_vector", "(1, 16)"]),
    (lambda kv, k: kv.add_vectors(["new"], np.ones((1, 16)), {"count": [3, 4]}), ValueError,
     ["extras['count']", "(1,)", "(2,)"]),
    (lambda kv, k: kv.add_vectors(["new"], np.ones((1, 16)), True), TypeError,
     ["extras", "bool"]),
    (lambda kv, k: kv.evaluate_word_analogies("unused.txt", similarity_function="cosine"),
     ValueError, ["similarity_function", "'cosine'", "most_similar_cosmul"]),
], ids=["topn-float", "topn-bool", "topn-None", "restrict_vocab-str", "clip_start-negative",
        "clip_start-None", "clip_end-float", "item-float", "item-None", "pair-weight-str",
        "pair-vector-short", "rows-short", "array-3d", "array-2d-in-list", "list-of-3-str",
        "distances-2d", "extras-dict", "extras-positional-bool", "similarity_function"])
def test_query_argument_errors_name_the_argument(kv, table, call, exc, words):
    keys, W = table
    with pytest.raises(exc) as info:
        call(kv, keys)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert len(kv) == 200 and "new" not in kv  # nothing changed
    np.testing.assert_array_equal(kv.vectors, W)
