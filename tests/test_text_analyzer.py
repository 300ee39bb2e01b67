"""What the vectorizers share (text/_analyzer.py, text/_stop_words.py), against scikit-learn.

The extension points scikit-learn documents: a subclass (or an instance)
overriding ``decode``, ``build_preprocessor``, ``build_tokenizer``,
``build_analyzer`` or ``get_stop_words`` is called as scikit-learn calls it;
and the English stop-word list is scikit-learn's.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.feature_extraction.text as sk

import sparsedense.text as sd
from sparsedense import ENGLISH_STOP_WORDS

DOCS = [
    "The Bank deposit, the bank!",
    "Rain and snow; SNOW again",
    "deposit rates up, rates down",
    "Café naïve résumé über",
]
NEW_DOCS = ["bank rates and snow", "nothing known here", "Café deposit"]
#: all ASCII: the fast path lowercases such a chunk in one call, skipping preprocessing
ASCII_DOCS = ["The Bank deposit, the bank!", "Rain and snow; SNOW again", "deposit rates up"]


def _same(a, b) -> None:
    assert type(a) is type(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=1e-12, atol=0)


def _subclasses(mod):
    """Same-named subclasses of ``mod``'s vectorizers, each overriding one extension point."""
    out = {}
    for base in ("CountVectorizer", "TfidfVectorizer", "HashingVectorizer"):
        cls = getattr(mod, base)

        class Preprocessor(cls):
            def build_preprocessor(self):
                return lambda doc: doc.upper().replace("BANK", "river")

        class Tokenizer(cls):
            def build_tokenizer(self):
                return lambda doc: doc.split()

        class Analyzer(cls):
            def build_analyzer(self):
                return lambda doc: [f"len{len(doc)}"] + doc.lower().split()[:2]

        class Decode(cls):
            def decode(self, doc):
                return super().decode(doc).replace("deposit", "savings")

        class StopWords(cls):
            def get_stop_words(self):
                return frozenset({"the", "and", "rates"})

        for sub in (Preprocessor, Tokenizer, Analyzer, Decode, StopWords):
            out[(base, sub.__name__)] = sub
    return out


OURS, THEIRS = _subclasses(sd), _subclasses(sk)


PARAMS = [{}, {"ngram_range": (1, 2)}, {"lowercase": False}]


def _run(cls, params, docs):
    if issubclass(cls, (sd.HashingVectorizer, sk.HashingVectorizer)):
        vec = cls(n_features=64, norm=None, **params)
        return vec.transform(docs), vec.transform(NEW_DOCS), None
    vec = cls(**params)
    X = vec.fit_transform(docs)
    fixed = cls(vocabulary=vec.vocabulary_, **params)
    if hasattr(vec, "idf_"):
        fixed.idf_ = vec.idf_
    else:
        fixed.fit(docs)
    return X, vec.transform(NEW_DOCS), (vec.vocabulary_, fixed.transform(NEW_DOCS))


@pytest.mark.parametrize("docs", [DOCS, ASCII_DOCS], ids=["unicode", "ascii"])
@pytest.mark.parametrize("params", PARAMS, ids=["default", "bigrams", "no-lower"])
@pytest.mark.parametrize("key", sorted(OURS), ids=["-".join(k) for k in sorted(OURS)])
def test_overridden_extension_point_is_called(key, params, docs):
    ours, theirs = _run(OURS[key], params, docs), _run(THEIRS[key], params, docs)
    _same(ours[0], theirs[0])
    _same(ours[1], theirs[1])
    if theirs[2] is not None:
        assert ours[2][0] == theirs[2][0]
        _same(ours[2][1], theirs[2][1])


def test_overriding_build_analyzer_gets_raw_documents():
    seen = []

    class Raw(sd.CountVectorizer):
        def build_analyzer(self):
            def analyze(doc):
                seen.append(doc)
                return [doc["text"]]
            return analyze

    X = Raw().fit_transform([{"text": "a"}, {"text": "b"}, {"text": "a"}])
    assert X.toarray().tolist() == [[1, 0], [0, 1], [1, 0]]
    assert seen == [{"text": "a"}, {"text": "b"}, {"text": "a"}]


def test_override_on_an_instance_is_honoured():
    vec = sd.CountVectorizer()
    vec.build_tokenizer = lambda: (lambda doc: doc.split())
    vec.fit(["a b, c"])
    assert sorted(vec.vocabulary_) == ["a", "b,", "c"]


def test_no_override_keeps_the_fast_path():
    vec = sd.CountVectorizer()
    assert vec._fast_token_min_len() == 2
    assert not any(vec._replaced(name) for name in
                   ("decode", "build_preprocessor", "build_tokenizer", "get_stop_words",
                    "build_analyzer"))
    assert OURS[("CountVectorizer", "Tokenizer")]()._fast_token_min_len() == 0
    assert OURS[("TfidfVectorizer", "Analyzer")]()._fast_token_min_len() == 0


def test_stop_words_constant_matches_sklearn():
    assert ENGLISH_STOP_WORDS == sk.ENGLISH_STOP_WORDS
