"""load_facebook_model / load_facebook_vectors: fastText .bin models as FastText trainers."""

from __future__ import annotations

import numpy as np
import pytest
from test_vectors_fasttext_bin import fasttext_bin, gensim_data

from sparsedense._base.errors import UnsupportedOptionError
from sparsedense.models import FastText, load_facebook_model, load_facebook_vectors
from sparsedense.vectors import load_vectors, read_fasttext_bin


@pytest.mark.parametrize("name", ["lee_fasttext.bin", "lee_fasttext_new.bin", "toy-model.bin",
                                  "crime-and-punishment.bin"])
def test_matches_gensim_load_facebook_model(name):
    from gensim.models.fasttext import load_facebook_model as gensim_load

    path = gensim_data(name)
    ours, theirs = load_facebook_model(path), gensim_load(path)
    for param in ("vector_size", "window", "epochs", "negative", "sample", "sg", "min_count",
                  "corpus_total_words"):
        assert getattr(ours, param) == getattr(theirs, param), param
    assert (ours.wv.min_n, ours.wv.max_n, ours.wv.bucket) == (
        theirs.wv.min_n, theirs.wv.max_n, theirs.wv.bucket)
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.syn1neg, theirs.syn1neg)
    np.testing.assert_array_equal(ours.wv.vectors_vocab, theirs.wv.vectors_vocab)
    np.testing.assert_array_equal(ours.wv.vectors_ngrams, theirs.wv.vectors_ngrams)
    np.testing.assert_allclose(ours.wv.vectors, theirs.wv.vectors, rtol=1e-6, atol=1e-6)
    counts = [theirs.wv.get_vecattr(w, "count") for w in theirs.wv.index_to_key]
    np.testing.assert_array_equal(ours._counts, counts)


def _corpus():
    from gensim.models.word2vec import LineSentence

    return list(LineSentence(gensim_data("lee_background.cor")))


def test_training_continues_from_the_file():
    path = gensim_data("lee_fasttext.bin")
    corpus = _corpus()
    a, b = load_facebook_model(path), load_facebook_model(path)
    loaded = a.wv.vectors.copy()
    for m in (a, b):
        m.train(corpus, total_examples=len(corpus), epochs=1)
    assert np.isfinite(a.wv.vectors).all()
    assert np.abs(a.wv.vectors - loaded).max() > 1e-3  # trained
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)  # deterministic
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    # a tiny learning rate stays by the file's vectors: training starts from them
    c = load_facebook_model(path)
    c.train(corpus, total_examples=len(corpus), epochs=1, start_alpha=1e-7, end_alpha=1e-7)
    np.testing.assert_allclose(c.wv.vectors, loaded, atol=1e-4)


def test_loaded_model_saves_and_loads(tmp_path):
    model = load_facebook_model(gensim_data("lee_fasttext_new.bin"))
    model.save(tmp_path / "model.npz")
    back = FastText.load(tmp_path / "model.npz")
    assert back.wv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(back.syn1neg, model.syn1neg)
    np.testing.assert_array_equal(back.wv.vectors_ngrams, model.wv.vectors_ngrams)
    np.testing.assert_array_equal(back.wv["rejection"], model.wv["rejection"])


def test_load_facebook_vectors_is_load_vectors():
    path = gensim_data("cp852_fasttext.bin")
    wv = load_facebook_vectors(path, encoding="cp852")
    np.testing.assert_array_equal(wv.vectors, load_vectors(path, encoding="cp852").vectors)
    assert "který" in wv.key_to_index


def test_other_losses_are_refused_for_training(tmp_path):
    path = tmp_path / "hs.bin"
    path.write_bytes(fasttext_bin(loss=1))
    with pytest.raises(UnsupportedOptionError, match=r"hierarchical softmax \(hs\); FastText "
                                                     "continues models of negative sampling"):
        load_facebook_model(path)
    assert load_vectors(path).index_to_key == ["bank", "deposit", "loan"]  # vectors: fine
    with pytest.raises(NotImplementedError):  # gensim's type for the supervised file
        load_facebook_model(gensim_data("pang_lee_polarity_fasttext.bin"))


def test_counts_below_one_are_refused(tmp_path):
    path = tmp_path / "zero.bin"
    path.write_bytes(fasttext_bin(counts=[5, 0, 3]))
    with pytest.raises(ValueError, match="the word 'deposit' has count 0; training needs"):
        load_facebook_model(path)


def test_read_fasttext_bin(tmp_path):
    path = tmp_path / "tiny.bin"
    path.write_bytes(fasttext_bin())
    full = read_fasttext_bin(path)
    assert full.output.shape == (3, 2) and full.output.dtype == np.float32
    assert full.args["dim"] == 2 and full.args["bucket"] == 7 and full.args["version"] == 12
    assert full.counts.tolist() == [8, 7, 6] and full.ntokens == 21
    assert read_fasttext_bin(path, full_model=False).output is None
    with pytest.raises(TypeError, match="full_model must be a bool; got int 1"):
        read_fasttext_bin(path, full_model=1)
