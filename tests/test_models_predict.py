"""``predict_output_word``: gensim's semantics on the same tables, inputs, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense import Vectors
from sparsedense.models import FastText, Word2Vec

from test_models_word2vec import SMALL, planted_corpus


@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_equals_gensims_on_the_same_tables(cbow_mean):
    gm = pytest.importorskip("gensim.models")
    corpus = planted_corpus(200)
    theirs = gm.Word2Vec(corpus, vector_size=16, min_count=1, epochs=3, seed=3, workers=1,
                         cbow_mean=cbow_mean)
    ours = Word2Vec(vector_size=16, min_count=1, cbow_mean=cbow_mean)
    ours.build_vocab(corpus)
    ours.wv = Vectors(theirs.wv.index_to_key, theirs.wv.vectors.copy())  # the same weights
    ours.syn1neg = theirs.syn1neg.copy()
    for context in (["deposit", "bank"], ["goal", "league", "referee"], ["violin"],
                    ["deposit", "unknown-word"]):
        want = theirs.predict_output_word(context, topn=8)
        got = ours.predict_output_word(context, topn=8)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([p for _, p in got], [p for _, p in want], rtol=1e-5)
    assert ours.predict_output_word(["nothing", "known"]) is None
    assert theirs.predict_output_word(["nothing", "known"]) is None


def test_words_rows_and_mixed_context_agree_and_probabilities_sum_to_one():
    model = Word2Vec(planted_corpus(200), **SMALL)
    rows = [model.wv.key_to_index[w] for w in ("loan", "house")]
    by_word = model.predict_output_word(["loan", "house"], topn=5)
    assert model.predict_output_word(rows, topn=5) == by_word
    assert model.predict_output_word([rows[0], "house"], topn=5) == by_word
    assert model.predict_output_word(np.array(rows), topn=5) == by_word
    assert len(by_word) == 5
    probs = [p for _, p in by_word]
    assert probs == sorted(probs, reverse=True)
    everything = model.predict_output_word(["loan", "house"], topn=len(model.wv))
    assert abs(sum(p for _, p in everything) - 1.0) < 1e-5
    assert {w for w, _ in by_word} & {"mortgage", "lender", "repayment", "property"}
    # rows out of range and unknown words are skipped, as gensim's `w in wv`
    assert model.predict_output_word(["loan", "house", len(model.wv), -1, "??"],
                                     topn=5) == by_word


def test_fasttext_predicts_from_its_composed_vectors():
    model = FastText(planted_corpus(200), bucket=2000, **dict(SMALL, sg=1))
    got = model.predict_output_word(["violin", "cello"], topn=3)
    logits = model.syn1neg @ model.wv.vectors[[model.wv.key_to_index["violin"],
                                               model.wv.key_to_index["cello"]]].mean(axis=0)
    top = np.argsort(-logits, kind="stable")[:3]
    assert [w for w, _ in got] == [model.wv.index_to_key[i] for i in top]


def test_refusals():
    from sparsedense._base.errors import InvalidParameterError

    with pytest.raises(RuntimeError, match="syn1neg"):
        Word2Vec().predict_output_word(["a"])
    bare = Word2Vec()
    bare.wv = Vectors(["a", "b"], np.eye(2, dtype=np.float32))  # gensim's test: wv alone
    with pytest.raises(RuntimeError, match="syn1neg"):
        bare.predict_output_word(["a"])
    model = Word2Vec([["a", "b", "c"]] * 5, vector_size=4, min_count=1, epochs=1)
    with pytest.raises(TypeError, match="context_words_list"):
        model.predict_output_word("a b")
    with pytest.raises(InvalidParameterError, match="topn"):
        model.predict_output_word(["a"], topn=0)
