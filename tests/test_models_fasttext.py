"""FastText: gensim's n-gram hashes, vectors of unseen words from their n-grams, its options.

What FastText shares with Word2Vec (training, sources, persistence, bad
corpora) is tested on both classes in test_models_word2vec.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense.models import FastText, Word2Vec

from test_models_word2vec import SMALL, planted_corpus


def test_fasttext_ngram_hashes_equal_gensims():
    ft = pytest.importorskip("gensim.models.fasttext")
    from sparsedense.models.fasttext import ngram_buckets

    words = ["deposit", "예금", "a", "naïve", "😀x", "", "적금통장", "x" * 40]
    for min_n, max_n, bucket in [(3, 6, 2_000_000), (1, 3, 1000), (2, 2, 7)]:
        ptr, b = ngram_buckets(words, min_n, max_n, bucket)
        for i, w in enumerate(words):
            assert b[ptr[i]:ptr[i + 1]].tolist() == ft.ft_ngram_hashes(w, min_n, max_n, bucket)


def test_fasttext_oov_vector_is_the_mean_of_its_ngram_rows():
    from sparsedense.models.fasttext import ngram_buckets

    model = FastText(planted_corpus(200), bucket=3000, **SMALL)
    word = "depositing"
    assert not model.wv.has_index_for(word) and word in model.wv
    _, buckets = ngram_buckets([word], 3, 6, 3000)
    expected = model.wv.vectors_ngrams[buckets].sum(axis=0) / np.float32(len(buckets))
    np.testing.assert_array_equal(model.wv[word], expected)
    # in-vocabulary words: (word row + n-gram rows) / (1 + n), as gensim's adjust_vectors
    w = "deposit"
    i = model.wv.key_to_index[w]
    _, b = ngram_buckets([w], 3, 6, 3000)
    composed = (model.wv.vectors_vocab[i] + model.wv.vectors_ngrams[b].sum(axis=0)) / (1 + len(b))
    np.testing.assert_allclose(model.wv[w], composed, rtol=1e-5, atol=1e-7)


def test_fasttext_word_without_ngrams():
    model = FastText([["ab", "cd"]] * 5, vector_size=4, min_count=1, bucket=100, min_n=5,
                     max_n=6, epochs=1)
    with pytest.raises(KeyError, match="no character"):
        model.wv["xy"]
    assert "xy" not in model.wv


@pytest.mark.parametrize("kwargs, match", [
    (dict(min_n=0), "min_n must be an int >= 1"), (dict(bucket=-1), "bucket must be an int >= 0"),
])
def test_fasttext_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FastText(**kwargs)


def test_fasttext_similarity_and_queries_take_unseen_words():
    model = FastText(planted_corpus(300), bucket=3000, **SMALL)
    wv = model.wv
    unseen = "depositing"
    expected = float(np.dot(wv.get_vector(unseen, norm=True), wv.get_vector("deposit", norm=True)))
    assert wv.similarity(unseen, "deposit") == pytest.approx(expected)
    by_word = wv.most_similar(unseen, topn=3)
    by_vector = wv.most_similar(positive=[wv.get_vector(unseen, norm=True)], topn=3)
    assert [w for w, _ in by_word] == [w for w, _ in by_vector]
    with pytest.raises(KeyError):
        Word2Vec(planted_corpus(50), **SMALL).wv.similarity(unseen, "deposit")
