"""gensim's table-maintenance methods against gensim 4.4's KeyedVectors on the same table.

``sort_by_descending_frequency``, ``unit_normalize_all``, ``init_sims``,
``add_vector``, ``resize_vectors``, ``word_vec`` and the gensim 3 names that
gensim 4 removed (``index2word``...): same keys, rows, attributes and errors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")

from gensim.models import KeyedVectors  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402

from sparsedense import Vectors  # noqa: E402
from sparsedense.vectors import load_vectors  # noqa: E402


@pytest.fixture
def pair():
    path = datapath("lee_fasttext.vec")
    return Vectors.load_word2vec_format(path), KeyedVectors.load_word2vec_format(path)


def test_sort_by_descending_frequency_same_as_gensim(pair):
    ours, g = pair
    counts = np.random.default_rng(0).integers(0, 20, len(g))  # many ties
    for kv in pair:
        kv.expandos["count"] = counts.copy()
        kv.set_vecattr(5, "tag", 2.5)
    ours.fill_norms()
    ours.sort_by_descending_frequency()
    g.sort_by_descending_frequency()
    assert ours.index_to_key == g.index_to_key and ours.key_to_index == g.key_to_index
    np.testing.assert_array_equal(ours.vectors, g.vectors)
    for attr in ("count", "tag"):
        np.testing.assert_array_equal(ours.expandos[attr], g.expandos[attr])
    got, ref = ours.most_similar("war", topn=5), g.most_similar("war", topn=5)
    assert [k for k, _ in got] == [k for k, _ in ref]


def test_sort_by_descending_frequency_needs_counts():
    kv = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(KeyError, match="needs the 'count' attribute"):
        kv.sort_by_descending_frequency()
    assert kv.index_to_key == ["a", "b"]
    Vectors([], np.zeros((0, 2), np.float32)).sort_by_descending_frequency()  # as gensim: no-op


def test_unit_normalize_all_and_init_sims_same_as_gensim(pair):
    ours, g = pair
    before = ours.most_similar("war", topn=3)
    ours.unit_normalize_all()
    g.unit_normalize_all()
    np.testing.assert_allclose(ours.vectors, g.vectors, atol=1e-7)
    np.testing.assert_allclose(ours.norms, 1.0, atol=1e-6)
    assert [k for k, _ in ours.most_similar("war", topn=3)] == [k for k, _ in before]
    path = datapath("lee_fasttext.vec")
    ours, g = Vectors.load_word2vec_format(path), KeyedVectors.load_word2vec_format(path)
    with pytest.warns(DeprecationWarning, match="init_sims"):
        ours.init_sims()
    np.testing.assert_array_equal(ours.vectors, g.vectors)  # not replaced
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (gensim's own warning)
        g.init_sims(replace=True)
    with pytest.warns(DeprecationWarning):
        ours.init_sims(replace=True)
    np.testing.assert_allclose(ours.vectors, g.vectors, atol=1e-7)


def test_unit_normalize_all_keeps_zero_rows_and_copies_a_read_only_map(tmp_path):
    kv = Vectors(["a", "zero"], np.array([[3, 4], [0, 0]], dtype=np.float32))
    kv.save(tmp_path / "v.npz")
    kv.unit_normalize_all()
    np.testing.assert_allclose(kv.vectors, [[0.6, 0.8], [0, 0]], atol=1e-7)  # gensim: NaN
    mapped = load_vectors(tmp_path / "v.npz", mmap_mode="r")
    mapped.unit_normalize_all()
    assert not isinstance(mapped.vectors, np.memmap)
    np.testing.assert_array_equal(mapped.vectors, kv.vectors)
    assert load_vectors(tmp_path / "v.npz").vectors.tolist() == [[3, 4], [0, 0]]


def test_add_vector_same_as_gensim(pair):
    ours, g = pair
    v = np.linspace(-1, 1, 10).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # gensim's "grows by one" warning
        assert ours.add_vector("brandnew", v) == g.add_vector("brandnew", v) == len(g) - 1
    np.testing.assert_array_equal(ours["brandnew"], g["brandnew"])
    assert ours.index_to_key == g.index_to_key
    assert ours.add_vector("war", v) == ours.get_index("war")  # kept, its row (gensim: len)
    np.testing.assert_array_equal(ours["war"], g["war"])
    with pytest.raises(TypeError, match="key must be a str"):
        ours.add_vector(3, v)
    with pytest.raises(ValueError, match="shape"):
        ours.add_vector("zzshort", v[:3])
    assert "zzshort" not in ours and len(ours) == len(g)


def test_resize_vectors_same_as_gensim(pair):
    ours, g = pair
    for kv in pair:
        kv.index_to_key.extend(["new1", "new2"])
        kv.key_to_index.update({"new1": len(kv) - 2, "new2": len(kv) - 1})
        kv.set_vecattr(0, "count", 7)
    ours.resize_vectors(seed=3)
    g.resize_vectors(seed=3)
    np.testing.assert_array_equal(ours.vectors, g.vectors)
    np.testing.assert_array_equal(ours.expandos["count"], g.expandos["count"])
    assert ours.most_similar("new1", topn=2)[0][0] == g.most_similar("new1", topn=2)[0][0]
    before = ours.vectors.copy()
    ours.resize_vectors()  # already the right size: unchanged
    np.testing.assert_array_equal(ours.vectors, before)


@pytest.mark.parametrize("name", ["index2word", "index2entity", "vocab", "vectors_norm"])
def test_removed_gensim3_names_raise_gensims_error(pair, name):
    ours, g = pair
    with pytest.raises(AttributeError) as theirs:
        getattr(g, name)
    with pytest.raises(AttributeError) as got:
        getattr(ours, name)
    assert str(got.value) == str(theirs.value)


def test_word_vec_is_get_vector(pair):
    ours, g = pair
    with pytest.warns(DeprecationWarning, match="get_vector"):
        np.testing.assert_allclose(ours.word_vec("war", norm=True), g.word_vec("war", norm=True),
                                   atol=1e-7)
    with pytest.warns(DeprecationWarning):
        np.testing.assert_array_equal(ours.word_vec(3), g.word_vec(3))


# -- FastTextVectors ------------------------------------------------------------------

@pytest.fixture
def fasttext_pair():
    from gensim.models.fasttext import load_facebook_vectors

    path = datapath("lee_fasttext.bin")
    return load_vectors(path, format="fasttext"), load_facebook_vectors(path)


def test_fasttext_adjust_vectors_same_as_gensim(fasttext_pair):
    ours, g = fasttext_pair
    ours.fill_norms()
    ours.vectors_vocab[7] += 1.0
    g.vectors_vocab[7] += 1.0
    ours.adjust_vectors()
    g.adjust_vectors()
    np.testing.assert_array_equal(ours.vectors, g.vectors)  # gensim's summation order
    assert ours.most_similar(7, topn=3) == ours.most_similar(ours.index_to_key[7], topn=3)
    assert [k for k, _ in ours.most_similar(7, topn=3)] == \
        [k for k, _ in g.most_similar(g.index_to_key[7], topn=3)]


def test_fasttext_resize_vectors_same_as_gensim(fasttext_pair):
    ours, g = fasttext_pair
    for kv in fasttext_pair:
        kv.index_to_key.append("zznew")
        kv.key_to_index["zznew"] = len(kv.index_to_key) - 1
    ours.resize_vectors(seed=2)
    g.resize_vectors(seed=2)
    np.testing.assert_array_equal(ours.vectors_vocab, g.vectors_vocab)
    np.testing.assert_array_equal(ours.vectors_ngrams, g.vectors_ngrams)
    np.testing.assert_array_equal(ours.vectors, g.vectors)


def test_fasttext_get_sentence_vector_same_as_gensim(fasttext_pair):
    ours, g = fasttext_pair
    for sentence in (["the", "war"], ["nightz", "governmentish", "the"], [3, "war"]):
        if 3 in sentence:  # an int names a row here (gensim: the word "3")
            sentence_g = [g.index_to_key[3], "war"]
        else:
            sentence_g = sentence
        np.testing.assert_allclose(ours.get_sentence_vector(sentence),
                                   g.get_sentence_vector(sentence_g), atol=1e-6)


def test_fasttext_sort_by_descending_frequency_keeps_vocab_rows_with_their_keys(fasttext_pair):
    ours, g = fasttext_pair
    counts = np.random.default_rng(1).integers(0, 5, len(g))
    ours.expandos["count"] = counts.copy()
    g.expandos["count"] = counts.copy()
    vocab_of = {k: ours.vectors_vocab[i].copy() for i, k in enumerate(ours.index_to_key)}
    ours.sort_by_descending_frequency()
    g.sort_by_descending_frequency()
    assert ours.index_to_key == g.index_to_key
    np.testing.assert_allclose(ours.vectors, g.vectors, atol=1e-6)  # (as loaded: 1 ulp apart)
    for i, k in enumerate(ours.index_to_key[:50]):  # gensim leaves vectors_vocab unsorted
        np.testing.assert_array_equal(ours.vectors_vocab[i], vocab_of[k])
    before = ours.vectors.copy()
    ours.adjust_vectors()  # so recomposing gives the same rows
    np.testing.assert_allclose(ours.vectors, before, atol=1e-6)


# -- intersect_word2vec_format ---------------------------------------------------------

@pytest.mark.parametrize("binary", [False, True])
def test_intersect_word2vec_format_same_as_gensim(pair, tmp_path, binary):
    ours, g = pair
    other = Vectors(["war", "zzother", "the", "police"],
                    np.arange(40, dtype=np.float32).reshape(4, 10) / 7)
    path, text = tmp_path / "other.bin", tmp_path / "other.vec"
    other.save_word2vec_format(path, binary=binary)
    other.save_word2vec_format(text)
    ours.fill_norms()
    g.vectors_lockf = np.ones(len(g), dtype=np.float32)  # (a plain KeyedVectors has none)
    assert ours.intersect_word2vec_format(path, lockf=0.5, binary=binary) == 3
    # gensim 4.4's binary branch fails under numpy 2 (np.fromstring): its text branch
    g.intersect_word2vec_format(text, lockf=0.5)
    np.testing.assert_array_equal(ours.vectors, g.vectors)
    np.testing.assert_array_equal(ours.vectors_lockf, g.vectors_lockf)
    assert ours.index_to_key == g.index_to_key and "zzother" not in ours
    np.testing.assert_allclose(ours.get_vector("war", norm=True),
                               other.get_vector("war", norm=True), atol=1e-7)


def test_intersect_word2vec_format_refuses_another_vector_size(pair, tmp_path):
    ours, g = pair
    path = tmp_path / "other.vec"
    Vectors(["war"], np.ones((1, 3), np.float32)).save_word2vec_format(path)
    before = ours.vectors.copy()
    with pytest.raises(ValueError, match="incompatible vector size 3") as got:
        ours.intersect_word2vec_format(path)
    with pytest.raises(ValueError) as theirs:
        g.intersect_word2vec_format(path)
    assert str(theirs.value) in str(got.value)
    np.testing.assert_array_equal(ours.vectors, before)
    with pytest.raises(TypeError, match="lockf must be a number"):
        ours.intersect_word2vec_format(path, lockf="0")
