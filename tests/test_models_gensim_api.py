"""gensim's trainer call signatures work on Word2Vec/FastText, with gensim's meaning (issue 21).

Compared with gensim 4.4 itself where the result is deterministic (the vocabulary);
gensim's training is not reproducible across threads, so the learning-rate
schedule is checked against our own runs with equivalent settings.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from sparsedense._base.errors import InvalidParameterError
from sparsedense.models import PPMISVD, FastText, GloVe, Word2Vec, cooccurrence_matrix, ppmi
from sparsedense.vectors import Vectors

gensim_models = pytest.importorskip("gensim.models")
gensim_utils = pytest.importorskip("gensim.utils")

TOPICS = [["deposit", "savings", "interest", "account", "bank"],
          ["mortgage", "loan", "house", "lender", "broker"],
          ["violin", "cello", "orchestra", "concert", "melody"]]


def corpus(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return [[TOPICS[t][i] for i in rng.integers(5, size=int(rng.integers(3, 9)))]
            for t in rng.integers(3, size=n)] + [["rare", "once"], ["twice", "twice"]]


SMALL = dict(vector_size=12, window=2, min_count=1, epochs=2, sample=0.0, seed=3)


def test_train_signature_is_gensims():
    ours = list(inspect.signature(Word2Vec.train).parameters)
    theirs = list(inspect.signature(gensim_models.Word2Vec.train).parameters)
    theirs = [p for p in theirs if p != "kwargs"]
    assert ours[:len(theirs)] == theirs


def test_constructor_takes_gensims_parameters():
    ours = set(inspect.signature(Word2Vec.__init__).parameters)
    theirs = set(inspect.signature(gensim_models.Word2Vec.__init__).parameters)
    assert theirs <= ours
    ours_ft = set(inspect.signature(FastText.__init__).parameters) | ours
    theirs_ft = set(inspect.signature(gensim_models.FastText.__init__).parameters)
    assert theirs_ft <= ours_ft


@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_gensims_standard_train_call(cls):
    sents = corpus()
    extra = {"bucket": 300} if cls is FastText else {}
    a = cls(**SMALL, **extra)
    a.build_vocab(sents)
    b = cls(**SMALL, **extra)
    b.build_vocab(sents)
    c = cls(**SMALL, **extra)
    c.build_vocab(sents)
    a.train(sents, total_examples=a.corpus_count, epochs=a.epochs, progress=False)
    b.train(sents, total_words=b.corpus_total_words, epochs=b.epochs, word_count=0,
            queue_factor=2, report_delay=1.0, compute_loss=False, callbacks=(), progress=False)
    c.train(progress=False)
    np.testing.assert_array_equal(a.wv.vectors, c.wv.vectors)
    np.testing.assert_array_equal(b.wv.vectors, c.wv.vectors)


def test_total_examples_scales_the_learning_rate_schedule_as_gensim():
    """Declaring twice the sentences makes one epoch half of gensim's progress: the rate
    decays to the midpoint of start_alpha and end_alpha, like an explicit end_alpha."""
    sents = corpus()
    a = Word2Vec(**SMALL)
    a.build_vocab(sents)
    b = Word2Vec(**SMALL)
    b.build_vocab(sents)
    a.train(sents, total_examples=2 * a.corpus_count, epochs=1, start_alpha=0.05,
            end_alpha=0.01, progress=False)
    b.train(sents, epochs=1, start_alpha=0.05, end_alpha=0.03, progress=False)
    np.testing.assert_allclose(a.wv.vectors, b.wv.vectors, rtol=1e-3, atol=1e-5)
    c = Word2Vec(**SMALL)
    c.build_vocab(sents)
    c.train(sents, epochs=1, start_alpha=0.05, end_alpha=0.01, progress=False)
    assert not np.allclose(a.wv.vectors, c.wv.vectors, rtol=1e-3, atol=1e-5)


def test_total_words_of_another_corpus_is_measured_in_raw_words():
    sents = corpus()
    other = corpus(60, seed=1)
    a = Word2Vec(**SMALL)
    a.build_vocab(sents)
    b = Word2Vec(**SMALL)
    b.build_vocab(sents)
    raw = sum(len(s) for s in other)
    a.train(other, total_words=raw, epochs=1, progress=False)
    b.train(other, epochs=1, progress=False)  # our default: the corpus itself
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)


def test_trim_rule_sorted_vocab_null_word_build_gensims_vocabulary():
    def rule(word, count, min_count):
        if word.startswith("t"):
            return gensim_utils.RULE_KEEP
        if word == "bank":
            return gensim_utils.RULE_DISCARD
        return gensim_utils.RULE_DEFAULT

    sents = corpus()
    for kwargs in (dict(min_count=3, sorted_vocab=0), dict(min_count=3, null_word=1),
                   dict(min_count=3, sorted_vocab=0, null_word=1)):
        g = gensim_models.Word2Vec(vector_size=4, workers=1, **kwargs)
        g.build_vocab(sents, trim_rule=rule)
        ours = Word2Vec(vector_size=4, **kwargs)
        ours.build_vocab(sents, trim_rule=rule)
        assert "bank" not in ours.wv.key_to_index and "twice" in ours.wv.key_to_index
        got = dict(zip(ours.wv.index_to_key, ours._counts.tolist()))
        want = {w: g.wv.get_vecattr(w, "count") for w in g.wv.index_to_key}
        assert got == want
        if not kwargs.get("sorted_vocab", 1) == 0:
            counts = ours._counts
            assert (counts[:-1] >= counts[1:]).all()
        else:
            assert ours.wv.index_to_key == g.wv.index_to_key
    via_constructor = Word2Vec(sents, trim_rule=rule, **dict(SMALL, min_count=3))
    assert "bank" not in via_constructor.wv.key_to_index


def test_trim_rule_applies_while_pruning_with_max_vocab_size():
    sents = corpus()

    def keep_rare(word, count, min_count):
        return gensim_utils.RULE_KEEP if word in ("rare", "once") else gensim_utils.RULE_DEFAULT

    g = gensim_models.Word2Vec(vector_size=4, workers=1, min_count=1, max_vocab_size=8)
    g.build_vocab(sents, trim_rule=keep_rare)
    ours = Word2Vec(vector_size=4, min_count=1, max_vocab_size=8)
    ours.build_vocab(sents, trim_rule=keep_rare)
    assert sorted(ours.wv.index_to_key) == sorted(g.wv.index_to_key)
    assert {"rare", "once"} <= set(ours.wv.index_to_key)


def test_batch_words_and_hashfxn_have_no_effect_as_in_gensim():
    sents = corpus()
    base = Word2Vec(sents, **SMALL)
    other = Word2Vec(sents, batch_words=17, hashfxn=lambda s: 7, comment="x", **SMALL)
    np.testing.assert_array_equal(base.wv.vectors, other.wv.vectors)
    # gensim 4.4 draws the initial vectors from seed alone: hashfxn changes nothing there either
    g = [gensim_models.Word2Vec(vector_size=8, min_count=1, seed=5, workers=1, **kw)
         for kw in ({}, {"hashfxn": lambda s: 7})]
    for m in g:
        m.build_vocab(sents)
    np.testing.assert_array_equal(g[0].wv.vectors, g[1].wv.vectors)
    with pytest.raises(TypeError, match="hashfxn must be a callable; got 3"):
        Word2Vec(hashfxn=3)
    with pytest.raises(ValueError, match="batch_words must be an int >= 1; got 0"):
        Word2Vec(batch_words=0)
    with pytest.raises(TypeError, match="trim_rule must be a callable or None"):
        Word2Vec(trim_rule="keep")


def test_keep_raw_vocab():
    model = Word2Vec(**dict(SMALL, min_count=2))
    model.build_vocab(corpus(), keep_raw_vocab=True)
    assert model.raw_vocab["once"] == 1 and "once" not in model.wv.key_to_index
    model.build_vocab(corpus())
    assert model.raw_vocab == {}


# -- item 4: wv assigned by hand ------------------------------------------------------------------

@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_train_with_only_wv_assigned_is_a_value_error(cls):
    model = cls(min_count=1)
    model.wv = Vectors(["a", "b"], np.ones((2, 100), np.float32))
    with pytest.raises(ValueError, match="no training state|not the model's FastTextVectors"):
        model.train([["a", "b"]], total_examples=1, epochs=1)


def test_train_with_replaced_tables_is_refused_before_any_write():
    sents = corpus()
    model = Word2Vec(sents, **SMALL)
    model.syn1neg = np.zeros((3, SMALL["vector_size"]), np.float32)
    before = model.wv.vectors.copy()
    with pytest.raises(ValueError, match=r"syn1neg has shape \(3, 12\) .*training needs float32 "
                                         r"of shape \(\d+, 12\)"):
        model.train(sents, epochs=1, progress=False)
    np.testing.assert_array_equal(model.wv.vectors, before)


# -- item 5: exception types ----------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, gensim_type", [
    (dict(min_count="3"), TypeError),
    (dict(vector_size="3"), TypeError),
    (dict(alpha="x"), ValueError),
    (dict(seed="x"), TypeError),
    (dict(sample="x"), TypeError),
    (dict(epochs="2"), TypeError),
    (dict(max_final_vocab="x"), TypeError),
    (dict(max_vocab_size="x"), TypeError),
])
def test_wrong_parameter_type_is_gensims_type_and_ours(kwargs, gensim_type):
    with pytest.raises(gensim_type):
        gensim_models.Word2Vec(corpus(), workers=1, **kwargs)
    for cls in (Word2Vec, FastText):
        with pytest.raises(InvalidParameterError) as info:
            cls(**kwargs)
        assert isinstance(info.value, (gensim_type, TypeError))
        assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_same_mistake_same_type_across_trainers():
    bad = [lambda: Word2Vec(window="2"), lambda: FastText(window="2"),
           lambda: cooccurrence_matrix([["a"]], window="2"),
           lambda: GloVe(vector_size="2").fit_corpus([["a", "b"]], min_count=1),
           lambda: PPMISVD(vector_size="2").fit_corpus([["a", "b"]], min_count=1),
           lambda: ppmi(np.eye(2), alpha="x")]
    for make in bad:
        with pytest.raises(InvalidParameterError):
            make()


@pytest.mark.parametrize("make, gensim_make, types", [
    (lambda: Word2Vec([[]], min_count=1), lambda: gensim_models.Word2Vec([[]], min_count=1),
     (RuntimeError, ValueError)),
    (lambda: Word2Vec([["a"]], min_count=5), lambda: gensim_models.Word2Vec([["a"]], min_count=5),
     (RuntimeError, ValueError)),
    (lambda: Word2Vec(corpus_file="/nonexistent/corpus.txt"),
     lambda: gensim_models.Word2Vec(corpus_file="/nonexistent/corpus.txt"),
     (TypeError, FileNotFoundError)),
    (lambda: Word2Vec(min_count=1).train([["a"]]),
     lambda: gensim_models.Word2Vec(min_count=1).train([["a"]], total_examples=1, epochs=1),
     (RuntimeError,)),
    (lambda: Word2Vec(min_count=1).build_vocab([["a"]], update=True),
     lambda: gensim_models.Word2Vec(min_count=1).build_vocab([["a"]], update=True),
     (RuntimeError, ValueError)),
    (lambda: FastText(word_ngrams=2), lambda: gensim_models.FastText(word_ngrams=2),
     (NotImplementedError, ValueError)),
])
def test_mistakes_raise_gensims_type(make, gensim_make, types):
    with pytest.raises(types[0]):
        gensim_make()
    with pytest.raises(types[0]) as info:
        make()
    assert all(isinstance(info.value, t) for t in types)
