"""The shipped sample corpus (sparsedense.data): documents with topic and language labels."""

from __future__ import annotations

import re

import pytest

from sparsedense.data import TOPICS, load_sample_corpus

HANGUL = re.compile("[\uac00-\ud7a3]")


def test_parallel_lists_over_six_topics_in_english_and_korean():
    corpus = load_sample_corpus()
    assert len(corpus) == len(corpus.texts) == len(corpus.topics) == len(corpus.langs)
    assert 300 <= len(corpus) < 1000  # "a few hundred short documents"
    assert set(corpus.topics) == set(TOPICS)
    assert len(TOPICS) == 6
    assert set(corpus.langs) == {"en", "ko"}
    assert all(isinstance(t, str) and t.strip() for t in corpus.texts)


def test_lang_keeps_only_that_language_in_corpus_order():
    corpus = load_sample_corpus()
    assert load_sample_corpus(None) == corpus
    for lang in ("en", "ko"):
        part = load_sample_corpus(lang)
        assert set(part.langs) == {lang}
        keep = [i for i, doc_lang in enumerate(corpus.langs) if doc_lang == lang]
        assert part.texts == [corpus.texts[i] for i in keep]
        assert part.topics == [corpus.topics[i] for i in keep]
    assert len(load_sample_corpus("en")) + len(load_sample_corpus("ko")) == len(corpus)


def test_language_labels_match_the_text():
    corpus = load_sample_corpus()
    for text, lang in zip(corpus.texts, corpus.langs):
        assert bool(HANGUL.search(text)) == (lang == "ko"), (lang, text)


@pytest.mark.parametrize("lang", ["fr", "EN", "", "korean"])
def test_unknown_language_is_a_value_error_naming_it(lang):
    message = f"lang must be 'en', 'ko' or None; got {lang!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        load_sample_corpus(lang)
