"""Reliability: text input (issue #7).

Every text consumer (the four vectorizers, ``Vocabulary.from_texts`` and
``encode_batch``) through empty corpora, empty documents, non-str items, bytes
that are not valid UTF-8 under each ``decode_error``, a 5 MB document, and
unicode edge cases (combining marks, emoji and ZWJ sequences, Hangul jamo and
syllables). Results equal scikit-learn's; refusals have the documented type and
name the position; a failed call leaves a fitted vectorizer as it was.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.feature_extraction.text as skt

import sparsedense as sd

W = np.arange(12, dtype=np.float32).reshape(6, 2)
WORDS = ["deposit", "bank", "예금", "café", "😀", "e\u0301t\u0301e\u0301"]

OURS = {
    "CountVectorizer": (lambda **k: sd.CountVectorizer(**k), lambda **k: skt.CountVectorizer(**k)),
    "TfidfVectorizer": (lambda **k: sd.TfidfVectorizer(**k), lambda **k: skt.TfidfVectorizer(**k)),
    "HashingVectorizer": (lambda **k: sd.HashingVectorizer(n_features=64, **k),
                          lambda **k: skt.HashingVectorizer(n_features=64, **k)),
    "CountVectorizer_char": (lambda **k: sd.CountVectorizer(analyzer="char_wb",
                                                            ngram_range=(1, 3), **k),
                             lambda **k: skt.CountVectorizer(analyzer="char_wb",
                                                             ngram_range=(1, 3), **k)),
}

UNICODE = [
    "cafe\u0301 café CAFÉ naïve",                      # combining acute vs precomposed
    "😀 😀😀 👩‍👩‍👧 🇰🇷 deposit",                          # emoji, ZWJ family, flag
    "예금 적금 예금 ᄋ\u1166ᄀ\u1173ᆷ 주택대출",                 # syllables and conjoining jamo
    "\u200bzero\u200bwidth \ufeffbom x\u0300\u0301\u0302",  # zero-width, BOM, stacked marks
    "İstanbul ǅ ﬁ ß ΣΑΣ",                               # case mapping edge cases
]
BAD_BYTES = [b"deposit \xff\xfe bank", "예금".encode("utf-8")[:-1] + b" bank", b"ok bytes"]


def _fit(make, docs):
    v = make()
    if isinstance(v, (sd.HashingVectorizer, skt.HashingVectorizer)):
        return v.transform(docs)
    return v.fit_transform(docs)


def _same_as_sklearn(name, docs, **kw):
    ours, theirs = OURS[name]
    a = _fit(lambda: ours(**kw), docs)
    b = _fit(lambda: theirs(**kw), docs)
    np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("strip_accents", [None, "unicode", "ascii"])
def test_unicode_edge_cases(name, lowercase, strip_accents):
    _same_as_sklearn(name, UNICODE, lowercase=lowercase, strip_accents=strip_accents)


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("decode_error", ["ignore", "replace"])
def test_bad_bytes_decoded(name, decode_error):
    _same_as_sklearn(name, BAD_BYTES, decode_error=decode_error)


@pytest.mark.parametrize("name", sorted(OURS))
def test_bad_bytes_strict_raises_and_keeps_fitted_state(name):
    ours, _ = OURS[name]
    v = ours()
    X0 = _fit(lambda: v, ["deposit bank", "bank"])
    vocab = dict(getattr(v, "vocabulary_", {}))
    with pytest.raises(UnicodeDecodeError):
        v.transform(BAD_BYTES)
    with pytest.raises(UnicodeDecodeError):
        _fit(lambda: v, BAD_BYTES)
    assert getattr(v, "vocabulary_", {}) == vocab
    np.testing.assert_array_equal(v.transform(["deposit bank", "bank"]).toarray(), X0.toarray())


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("bad,exc,where", [
    (["ok", None], TypeError, "raw_documents[1]"), (["ok", 3], TypeError, "raw_documents[1]"),
    (["ok", ["list"]], TypeError, "raw_documents[1]"),
    (["ok", np.nan], ValueError, "np.nan"), ("one string", ValueError, "string object"),
    (5, TypeError, "raw_documents"),
])
def test_non_str_items(name, bad, exc, where):
    ours, _ = OURS[name]
    v = ours()
    _fit(lambda: v, ["deposit bank"])
    vocab = dict(getattr(v, "vocabulary_", {}))
    with pytest.raises(exc) as info:
        _fit(lambda: v, bad)
    assert where in str(info.value)
    assert getattr(v, "vocabulary_", {}) == vocab


@pytest.mark.parametrize("name", sorted(OURS))
def test_empty_documents_and_corpus(name):
    ours, theirs = OURS[name]
    _same_as_sklearn(name, ["", "deposit", ""])
    for docs in ([], ["", " ", "\n"]):
        try:
            want = _fit(lambda: theirs(), docs)
        except (ValueError, StopIteration):
            with pytest.raises(ValueError):
                _fit(lambda: ours(), docs)
        else:
            np.testing.assert_array_equal(_fit(lambda: ours(), docs).toarray(), want.toarray())


def test_embedding_vectorizer_text_cases():
    ev = sd.EmbeddingVectorizer(W, WORDS, weighting="count", mode="sum")
    out = ev.fit_transform(["", "예금 😀 unknown", "café"])
    np.testing.assert_array_equal(out, np.stack([np.zeros(2), W[2], W[3]]))
    with pytest.raises(TypeError, match=r"raw_documents\[1\]"):
        ev.transform(["ok", None])
    ev2 = sd.EmbeddingVectorizer(W, WORDS, weighting="count", decode_error="replace")
    assert ev2.fit_transform(BAD_BYTES).shape == (3, 2)


@pytest.mark.parametrize("bad,exc,where", [
    (["ok", None], TypeError, "[1]"), (5, TypeError, "int"), ("text", (TypeError, ValueError), ""),
])
def test_vocabulary_text_refusals(bad, exc, where):
    v = sd.Vocabulary.from_texts(["deposit bank"], specials=["<pad>", "<unk>"])
    before = v.tokens
    for call in (lambda: sd.Vocabulary.from_texts(bad), lambda: v.encode_batch(bad),
                 lambda: sd.Vocabulary.from_tokens(bad if bad != ["ok", None] else [["ok"], 3])):
        with pytest.raises(exc) as info:
            call()
        assert where in str(info.value)
    with pytest.raises(TypeError, match=r"data\[1\] is int"):
        v.encode(["bank", 3])
    assert v.tokens == before


def test_vocabulary_unicode_and_empty():
    v = sd.Vocabulary.from_texts(UNICODE + ["", ""], specials=["<pad>", "<unk>"])
    import re

    words = [w for t in UNICODE for w in re.findall(r"(?u)\b\w+\b", t.lower())]
    assert set(v.tokens[2:]) == set(words)
    assert v.decode(v.encode(UNICODE[2])) == re.findall(r"(?u)\b\w+\b", UNICODE[2].lower())
    assert len(sd.Vocabulary.from_texts([])) == 0
    assert v.encode_batch([], padding=True).shape == (0, 0)


@pytest.fixture(scope="module")
def long_doc():
    rng = np.random.default_rng(0)
    words = np.array(["deposit", "bank", "예금", "적금", "café", "😀x", "loan", "rate"])
    text = " ".join(words[rng.integers(0, len(words), size=820_000)])
    assert len(text.encode("utf-8")) > 5_000_000
    return text


@pytest.mark.parametrize("name", ["CountVectorizer", "HashingVectorizer"])
def test_very_long_document(name, long_doc):
    _same_as_sklearn(name, [long_doc, "bank"])


def test_very_long_document_vocabulary_and_embedding(long_doc):
    from collections import Counter
    import re

    v = sd.Vocabulary.from_texts([long_doc])
    counts = Counter(re.findall(r"(?u)\b\w+\b", long_doc.lower()))
    assert dict(zip(v.tokens, v.counts.tolist())) == dict(counts)
    out = sd.EmbeddingVectorizer(W, WORDS, weighting="count", mode="sum").fit_transform([long_doc])
    want = sum(counts.get(w, 0) * W[i].astype(np.float64) for i, w in enumerate(WORDS))
    np.testing.assert_allclose(out[0], want, rtol=1e-6)
