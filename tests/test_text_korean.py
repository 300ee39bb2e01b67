"""KoreanTokenizer (kiwipiepy) and tokenizer="kiwi" in the vectorizers and trainers."""

from __future__ import annotations

import builtins
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import sparsedense as sd
from sparsedense.text import KoreanTokenizer
from sparsedense.text import _korean

kiwipiepy = pytest.importorskip("kiwipiepy")

SENTENCES = [
    "예금을 넣었다.",
    "예금은 적금보다 안전하다.",
    "예금이 많으면 이자도 많다.",
    "돈과 집, 빚이 문제다.",
    "주택대출 이자가 올랐다.",
    "은행에서 적금 계좌를 만들었다.",
]


@pytest.fixture(scope="module")
def tok():
    return KoreanTokenizer()


# -- the tokens ------------------------------------------------------------------------------

def test_particles_and_endings_are_dropped(tok):
    assert tok("예금을 넣었다.") == ["예금", "넣다"]
    assert tok("예금은 적금보다 안전하다.") == ["예금", "적금", "안전"]


def test_one_noun_whatever_its_particle(tok):
    assert tok("예금을") == tok("예금은") == tok("예금이") == tok("예금") == ["예금"]


def test_one_syllable_nouns_are_kept(tok):
    assert tok("돈과 집, 빚이 문제다.") == ["돈", "집", "빚", "문제"]


def test_stems_in_dictionary_form_or_bare(tok):
    assert tok("도왔다 추웠다 넣었다") == ["돕다", "춥다", "넣다"]  # irregular stems too
    assert KoreanTokenizer(lemma=False)("도왔다 넣었다") == ["돕", "넣"]


def test_foreign_words_and_numbers(tok):
    assert tok("ETF 투자에 3000만 원") == ["ETF", "투자", "3000", "만"]


def test_keep_chooses_the_tags(tok):
    assert KoreanTokenizer(keep=("NNG",))("예금을 넣었다") == ["예금"]
    assert KoreanTokenizer(keep=(*_korean.DEFAULT_KEEP, "NNB"))("3개월 동안") == \
        ["3", "개월", "동안"]
    assert tok("3개월 동안") == ["3", "동안"]  # bound nouns (NNB) left out by default


def test_no_text_no_tokens(tok):
    assert tok("") == []
    assert tok("... !!") == []
    assert tok.tokenize_batch([]) == []


# -- user words ------------------------------------------------------------------------------

def test_user_words_keep_a_compound_whole(tok):
    assert tok("주택대출 이자") == ["주택", "대출", "이자"]
    assert KoreanTokenizer(user_words=["주택대출"])("주택대출 이자") == ["주택대출", "이자"]


def test_user_words_beside_particles_and_each_other():
    t = KoreanTokenizer(user_words=["주택대출", "적금통장"])
    assert t("주택대출이 늘었다") == ["주택대출", "늘다"]
    assert t("주택대출과 적금통장") == ["주택대출", "적금통장"]
    # two user words close together: the word between them is still read right
    assert t("주택대출 이자 적금통장") == ["주택대출", "이자", "적금통장"]
    assert t("주택대출 이자와 적금통장") == ["주택대출", "이자", "적금통장"]
    assert t("주택 대출") == ["주택", "대출"]  # written apart, two words


def test_user_words_with_a_tag():
    t = KoreanTokenizer(user_words=[("빚투", "NNG"), "내집마련"])
    assert t("빚투가 늘었다") == ["빚투", "늘다"]
    assert t("내집마련 적금") == ["내집마련", "적금"]


@pytest.mark.parametrize("user_words, error, match", [
    ("주택대출", TypeError, "user_words must be an iterable of words, not a str"),
    ([3], TypeError, r"user_words\[0\] = 3 must be a word"),
    ([("주택대출", "NNG", 1.0)], TypeError, r"user_words\[0\]"),
    (["주택 대출"], ValueError, "no white space"),
    ([""], ValueError, "non-empty"),
    ([("주택대출", "NOUN")], ValueError, "'NOUN' is not a kiwi part-of-speech tag"),
])
def test_bad_user_words(user_words, error, match):
    with pytest.raises(error, match=match):
        KoreanTokenizer(user_words=user_words)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"keep": "NNG"}, TypeError, "keep must be an iterable of tags"),
    ({"keep": ("NNG", "NOUN")}, ValueError, r"keep\[1\] = 'NOUN' is not a kiwi"),
    ({"lemma": 1}, TypeError, "lemma must be a bool; got 1"),
    ({"num_workers": -2}, ValueError, "num_workers must be None or an int >= -1; got -2"),
])
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        KoreanTokenizer(**kwargs)


def test_a_text_must_be_a_str(tok):
    with pytest.raises(TypeError, match="KoreanTokenizer takes a str; got bytes"):
        tok("예금".encode())
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str; got int"):
        tok.tokenize_batch(["예금", 3])


# -- batches, pickling, clone ------------------------------------------------------------------

def test_batch_equals_one_call_per_text(tok, sample_corpus):
    texts = [t for t, lang in zip(sample_corpus.texts, sample_corpus.langs) if lang == "ko"]
    assert len(texts) > 20
    assert tok.tokenize_batch(texts) == [tok(t) for t in texts]
    assert list(tok.iter_batch(iter(texts))) == [tok(t) for t in texts]
    t = KoreanTokenizer(user_words=["주택대출"], num_workers=2)
    assert t.tokenize_batch(texts) == [t(x) for x in texts]


def test_pickle_round_trip_drops_the_analyser():
    t = KoreanTokenizer(user_words=["주택대출"], lemma=False)
    assert t("주택대출을 받았다") == ["주택대출", "받"]  # loads the analyser
    data = pickle.dumps(t)
    assert b"Kiwi" not in data
    u = pickle.loads(data)
    assert "_kiwi" not in vars(u)
    assert u == t and u.get_params() == t.get_params()
    assert u("주택대출을 받았다") == ["주택대출", "받"]


def test_the_analyser_is_shared_by_equal_dictionaries():
    a, b = KoreanTokenizer(), KoreanTokenizer(keep=("NNG",))
    assert a.kiwi is b.kiwi
    assert KoreanTokenizer(user_words=["주택대출"]).kiwi is not a.kiwi


def test_clone_get_params_set_params_repr():
    from sklearn.base import clone

    t = KoreanTokenizer(user_words=["주택대출"], lemma=False)
    c = clone(t)
    assert c == t and c is not t and hash(c) == hash(t)
    assert t.get_params() == {"keep": _korean.DEFAULT_KEEP, "user_words": ("주택대출",),
                              "lemma": False, "num_workers": None}
    assert repr(t) == "KoreanTokenizer(user_words=('주택대출',), lemma=False)"
    assert repr(KoreanTokenizer()) == "KoreanTokenizer()"
    assert KoreanTokenizer() != t
    t.set_params(lemma=True)
    assert t("넣었다") == ["넣다"]
    with pytest.raises(ValueError, match="Invalid parameter 'lemmas'"):
        t.set_params(lemmas=True)
    with pytest.raises(TypeError, match="lemma must be a bool"):
        t.set_params(lemma="yes")
    assert t.lemma is True  # unchanged by the refused call


def test_clone_of_a_vectorizer_with_the_tokenizer():
    from sklearn.base import clone

    v = sd.CountVectorizer(tokenizer=KoreanTokenizer(user_words=["주택대출"]),
                           token_pattern=None)
    c = clone(v)
    assert c.tokenizer == v.tokenizer and c.tokenizer is not v.tokenizer


# -- in the vectorizers ----------------------------------------------------------------------

def test_count_vectorizer_one_feature_per_noun():
    docs = ["예금을 넣었다", "예금은 안전하다", "예금이 많다", "돈과 집, 빚"]
    default = sd.CountVectorizer().fit(docs)
    assert {"예금을", "예금은", "예금이"} <= set(default.vocabulary_)  # the regex's view
    assert "돈" not in default.vocabulary_
    kiwi = sd.CountVectorizer(tokenizer="kiwi")
    X = kiwi.fit_transform(docs)
    assert list(kiwi.get_feature_names_out()) == ["넣다", "돈", "많다", "빚", "안전", "예금",
                                                  "집"]
    assert X[:, kiwi.vocabulary_["예금"]].toarray().ravel().tolist() == [1, 1, 1, 0]


@pytest.mark.parametrize("make", [
    lambda tokenizer: sd.CountVectorizer(tokenizer=tokenizer, token_pattern=None),
    lambda tokenizer: sd.TfidfVectorizer(tokenizer=tokenizer, token_pattern=None,
                                         ngram_range=(1, 2)),
    lambda tokenizer: sd.HashingVectorizer(tokenizer=tokenizer, token_pattern=None,
                                           n_features=64),
], ids=["count", "tfidf", "hashing"])
def test_kiwi_string_equals_the_tokenizer(make):
    X = make("kiwi").fit_transform(SENTENCES)
    Y = make(KoreanTokenizer()).fit_transform(SENTENCES)
    assert X.shape == Y.shape and (X != Y).nnz == 0
    assert make("kiwi").get_params()["tokenizer"] == "kiwi"


def test_embedding_vectorizer_takes_kiwi():
    words = ["예금", "적금", "돈", "집"]
    W = np.eye(4, dtype=np.float32)
    ev = sd.EmbeddingVectorizer(W, words, tokenizer="kiwi", weighting="count")
    Z = ev.fit_transform(["예금을 넣었다", "예금과 적금", "돈과 집"])
    np.testing.assert_allclose(Z, [[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    assert ev.get_params()["tokenizer"] == "kiwi"
    ref = sd.EmbeddingVectorizer(W, words, tokenizer=KoreanTokenizer(), token_pattern=None,
                                 weighting="count")
    np.testing.assert_array_equal(ref.fit_transform(["예금을 넣었다", "예금과 적금", "돈과 집"]), Z)


def test_a_vectorizer_with_kiwi_pickles():
    v = sd.TfidfVectorizer(tokenizer="kiwi").fit(SENTENCES)
    u = pickle.loads(pickle.dumps(v))
    assert (u.transform(SENTENCES) != v.transform(SENTENCES)).nnz == 0


def test_kiwi_string_does_not_warn_about_the_default_pattern():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd.CountVectorizer(tokenizer="kiwi").fit(SENTENCES)
    with pytest.warns(UserWarning, match="'token_pattern' will not be used"):
        sd.CountVectorizer(tokenizer="kiwi", token_pattern=r"\w+").fit(SENTENCES)


@pytest.mark.parametrize("make", [
    lambda: sd.CountVectorizer(tokenizer="mecab").fit(SENTENCES),
    lambda: sd.TfidfVectorizer(tokenizer="mecab").fit(SENTENCES),
    lambda: sd.HashingVectorizer(tokenizer="mecab").transform(SENTENCES),
    lambda: sd.CountVectorizer(tokenizer="mecab").build_tokenizer(),
    lambda: sd.EmbeddingVectorizer(np.eye(2, dtype=np.float32), ["예금", "적금"],
                                   tokenizer="mecab").fit(SENTENCES),
], ids=["count", "tfidf", "hashing", "build_tokenizer", "embedding"])
def test_an_unknown_tokenizer_name_is_refused(make):
    with pytest.raises(ValueError, match=r"The 'tokenizer' parameter of \w+ must be a str "
                                         r"among \{'kiwi'\}, a callable or None\. Got 'mecab'"):
        make()


# -- in the trainers -------------------------------------------------------------------------

def _korean_lines(sample_corpus):
    return [t for t, lang in zip(sample_corpus.texts, sample_corpus.langs) if lang == "ko"]


def test_word2vec_on_korean_sentences(sample_corpus):
    from sparsedense.models import Word2Vec

    sentences = KoreanTokenizer().tokenize_batch(_korean_lines(sample_corpus))
    model = Word2Vec(sentences=sentences, vector_size=16, min_count=2, epochs=2, seed=1,
                     workers=1)
    assert {"예금", "적금", "이자"} <= set(model.wv.key_to_index)
    assert not any(w.endswith(("을", "를", "은", "는")) and w[:-1] in model.wv.key_to_index
                   for w in model.wv.key_to_index)
    assert np.isfinite(model.wv.similarity("예금", "적금"))


@pytest.mark.parametrize("trainer", ["GloVe", "PPMISVD"])
def test_count_based_trainers_on_korean_sentences(sample_corpus, trainer):
    from sparsedense import models

    sentences = KoreanTokenizer().tokenize_batch(_korean_lines(sample_corpus))
    kwargs = {"epochs": 2, "workers": 1, "progress": False} if trainer == "GloVe" \
        else {"random_state": 0}
    model = getattr(models, trainer)(sentences, vector_size=8, min_count=2, window=5, **kwargs)
    assert "예금" in model.wv.key_to_index
    assert np.isfinite(model.wv.similarity("예금", "적금"))


# -- without kiwipiepy -----------------------------------------------------------------------

@pytest.fixture
def no_kiwipiepy(monkeypatch):
    """``import kiwipiepy`` fails, as without the korean extra."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "kiwipiepy" or name.startswith("kiwipiepy."):
            raise ImportError("No module named 'kiwipiepy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.delitem(sys.modules, "kiwipiepy", raising=False)
    monkeypatch.setattr(_korean, "_KIWIS", type(_korean._KIWIS)())


MISSING = r"KoreanTokenizer needs kiwipiepy.*pip install 'sparsedense\[korean\]'"


def test_missing_kiwipiepy_names_the_extra(no_kiwipiepy):
    assert not _korean.kiwi_available()
    with pytest.raises(ImportError, match=MISSING):
        KoreanTokenizer()
    with pytest.raises(ImportError, match=MISSING):
        sd.CountVectorizer(tokenizer="kiwi").fit(SENTENCES)


def test_missing_kiwipiepy_when_an_unpickled_tokenizer_is_used(no_kiwipiepy):
    data = pickle.dumps(KoreanTokenizer.__new__(KoreanTokenizer))  # no analyser, no check
    t = pickle.loads(data)
    t.__dict__.update(keep=_korean.DEFAULT_KEEP, user_words=(), lemma=True, num_workers=None)
    with pytest.raises(ImportError, match=MISSING):
        t("예금")


def test_import_sparsedense_does_not_import_kiwipiepy():
    code = ("import sys, sparsedense, sparsedense.text\n"
            "sparsedense.text.KoreanTokenizer\n"
            "assert 'kiwipiepy' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
