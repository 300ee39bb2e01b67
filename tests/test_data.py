"""The shipped sample corpus (sparsedense.data): documents with topic and language labels."""

from __future__ import annotations

import re

import numpy as np
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


def test_documents_are_distinct():
    texts = load_sample_corpus().texts
    assert len(set(texts)) == len(texts)


def test_every_topic_has_korean_documents_not_only_banking():
    # Korean must not be a sign of one topic: each has a fair share of the Korean documents
    ko = load_sample_corpus("ko")
    for topic in TOPICS:
        assert ko.topics.count(topic) >= 20, topic


@pytest.fixture(scope="module")
def korean_sentences():
    pytest.importorskip("kiwipiepy")
    from sparsedense.cli.demo import SEED_USER_WORDS
    from sparsedense.text import KoreanTokenizer

    return KoreanTokenizer(user_words=SEED_USER_WORDS).tokenize_batch(
        load_sample_corpus("ko").texts)


def _gap(wv):
    u, v, w = (wv[word] / np.linalg.norm(wv[word]) for word in ("예금", "적금", "주택대출"))
    return float(u @ v - u @ w)


def test_the_seed_claim_holds_with_the_demo_settings():
    """예금 (deposit) is close to 적금 (savings) and far from 주택대출 (mortgage)."""
    pytest.importorskip("kiwipiepy")
    from sparsedense.cli.demo import seed_word_vectors

    wv = seed_word_vectors(load_sample_corpus("ko").texts)
    assert _gap(wv) >= 0.3


@pytest.mark.parametrize("vector_size", [20, 30, 50])
@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_the_seed_claim_is_not_one_lucky_seed_or_dimension(korean_sentences, vector_size,
                                                           random_state):
    from sparsedense.models import PPMISVD

    wv = PPMISVD(korean_sentences, vector_size=vector_size, min_count=1,
                 random_state=random_state).wv
    assert _gap(wv) >= 0.3
