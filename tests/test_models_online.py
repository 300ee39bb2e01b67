"""Online vocabulary growth, ``build_vocab(update=True)``: gensim's semantics, FastText's n-grams.

gensim's own online tests run in test_gensim_suite.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense.models import FastText, Word2Vec

from test_models_word2vec import planted_corpus
from test_models_word2vec import SMALL as CBOW

#: skip-gram: CBOW FastText collapses on these small corpora (test_models_health.py)
SMALL = dict(CBOW, sg=1)

FIRST = [["a", "b", "c", "a"], ["b", "a", "d"], ["a", "c", "b"]] * 3  # counts 12, 9, 6, 3
SECOND = [["e", "a", "f", "e"], ["f", "e", "b"], ["e"]] * 2 + [["g", "a"]]  # g: below min_count


def test_new_words_counts_and_rows_are_gensims():
    gm = pytest.importorskip("gensim.models")
    params = dict(vector_size=6, min_count=2, seed=5)
    ours = Word2Vec(**params)
    ours.build_vocab(FIRST)
    theirs = gm.Word2Vec(**params)
    theirs.build_vocab(FIRST)
    assert ours.wv.index_to_key == theirs.wv.index_to_key  # distinct counts: same order
    before = ours.wv.vectors.copy()
    ours.build_vocab(SECOND, update=True)
    theirs.build_vocab(SECOND, update=True)
    # new words (count >= min_count in the new corpus) appended in order of first appearance
    assert ours.wv.index_to_key == theirs.wv.index_to_key == ["a", "b", "c", "d", "e", "f"]
    assert [int(c) for c in ours._counts] == [theirs.wv.get_vecattr(w, "count")
                                              for w in theirs.wv.index_to_key]
    np.testing.assert_array_equal(ours.wv.vectors, theirs.wv.vectors)  # kept rows + new rows
    np.testing.assert_array_equal(ours.wv.vectors[:4], before)
    np.testing.assert_array_equal(ours.syn1neg, theirs.syn1neg)
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count,
                                                            theirs.corpus_total_words)


def test_update_keeps_trained_rows_and_training_goes_on():
    model = Word2Vec(planted_corpus(200), **SMALL)
    trained = model.wv.vectors.copy()
    trained_out = model.syn1neg.copy()
    new = [["zebra", "giraffe", "deposit"], ["giraffe", "zebra", "bank"]] * 10
    model.build_vocab(new, update=True)
    n = trained.shape[0]
    assert len(model.wv) == n + 2 and model.wv.index_to_key[n:] == ["zebra", "giraffe"]
    np.testing.assert_array_equal(model.wv.vectors[:n], trained)
    np.testing.assert_array_equal(model.syn1neg[:n], trained_out)
    assert not model.syn1neg[n:].any()
    assert model.epochs_trained_ == SMALL["epochs"]
    zebra = model.wv["zebra"].copy()
    model.train(new, total_examples=model.corpus_count, epochs=2)
    assert not np.array_equal(model.wv["zebra"], zebra)
    assert model.epochs_trained_ == SMALL["epochs"] + 2


def test_training_after_update_schedules_on_the_new_corpus():
    """Without total_examples the progress is the new corpus's own (not the grown counts')."""
    def run(**train_kw):
        model = Word2Vec(planted_corpus(200), **SMALL)
        model.build_vocab(planted_corpus(50, seed=9) + [["novel", "word"]] * 3, update=True)
        return model.train(epochs=2, end_alpha=0.0, **train_kw)

    implicit = run()
    declared = run(total_examples=implicit.corpus_count)
    np.testing.assert_array_equal(implicit.wv.vectors, declared.wv.vectors)


@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_update_is_deterministic_and_file_equals_sentences(cls, tmp_path):
    extra = {"bucket": 2000} if cls is FastText else {}
    new = planted_corpus(60, seed=4) + [["aardvark", "bank", "loan"]] * 4
    path = tmp_path / "new.txt"
    path.write_text("\n".join(" ".join(s) for s in new) + "\n", encoding="utf-8")

    def run(source):
        model = cls(planted_corpus(150), **SMALL, **extra)
        if source == "file":
            model.build_vocab(corpus_file=path, update=True)
            model.train(corpus_file=path, total_examples=model.corpus_count, epochs=2)
        else:
            model.build_vocab(new, update=True)
            model.train(new, total_examples=model.corpus_count, epochs=2)
        return model

    a, b, c = run("sentences"), run("sentences"), run("file")
    assert a.wv.index_to_key == c.wv.index_to_key and "aardvark" in a.wv.key_to_index
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.wv.vectors, c.wv.vectors)


@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_update_after_load_equals_update_without_save(cls, tmp_path):
    extra = {"bucket": 2000} if cls is FastText else {}
    new = [["quokka", "deposit", "bank"]] * 6
    model = cls(planted_corpus(100), **SMALL, **extra)
    model.save(tmp_path / "m.npz")
    loaded = cls.load(tmp_path / "m.npz")
    for m in (model, loaded):
        m.build_vocab(new, update=True)
        m.train(new, total_examples=m.corpus_count, epochs=1)
    assert loaded.wv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)


def test_fasttext_keeps_its_ngrams_and_composes_the_new_words():
    from sparsedense._kernels.fasttext import compose_vectors
    from sparsedense.models.fasttext import ngram_buckets

    model = FastText(planted_corpus(100), bucket=500, **SMALL)
    ngrams = model.wv.vectors_ngrams.copy()
    n = len(model.wv)
    model.build_vocab([["depositor", "bank"], ["depositor"]], update=True)
    assert model.wv.vectors_ngrams.shape == (500, SMALL["vector_size"])
    np.testing.assert_array_equal(model.wv.vectors_ngrams, ngrams)
    assert model.wv.index_to_key[n:] == ["depositor"]
    ptr, idx = ngram_buckets(["depositor"], model.min_n, model.max_n, model.bucket)
    own = model.wv.vectors_vocab[n]
    expected = (own + ngrams[idx].sum(axis=0)) / np.float32(idx.shape[0] + 1)
    np.testing.assert_allclose(model.wv["depositor"], expected, rtol=1e-6)
    out = np.empty((1, SMALL["vector_size"]), np.float32)
    compose_vectors(own[None, :].copy(), ngrams, ptr, idx, out)
    np.testing.assert_array_equal(model.wv["depositor"], out[0])


@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_update_without_vocabulary_is_gensims_runtime_error(cls):
    model = cls(min_count=1)
    with pytest.raises(RuntimeError, match="has none yet"):
        model.build_vocab([["a", "b"]], update=True)
    assert model.wv is None


def test_bad_update_argument_changes_nothing():
    from sparsedense._base.errors import InvalidParameterError

    model = Word2Vec(FIRST, vector_size=4, min_count=1, epochs=1)
    words, vectors = list(model.wv.index_to_key), model.wv.vectors.copy()
    with pytest.raises(InvalidParameterError, match="update"):
        model.build_vocab(SECOND, update="yes")
    assert model.wv.index_to_key == words
    np.testing.assert_array_equal(model.wv.vectors, vectors)
