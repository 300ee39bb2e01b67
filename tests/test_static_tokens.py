"""The memo of each word's token ids gives exactly the tokenizer's ids of whole sentences."""

from __future__ import annotations

import numpy as np
import pytest

import sparsedense as sd

tokenizers = pytest.importorskip("tokenizers")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers  # noqa: E402

from sparsedense import _static_tokens  # noqa: E402
from sparsedense._static_tokens import TokenIds, words_are_independent  # noqa: E402

TEXTS = sd.load_sample_corpus().texts


def trained(normalizer, pre_tokenizer, model="wordpiece"):
    if model == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=12))
        trainer = trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[UNK]", "[MASK]"])
    else:
        tok = Tokenizer(models.BPE(unk_token="[UNK]"))
        trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["[UNK]", "[MASK]"])
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.train_from_iterator(TEXTS, trainer)
    return tok


TOKENIZERS = {
    "bert": lambda: trained(normalizers.BertNormalizer(lowercase=True),
                            pre_tokenizers.BertPreTokenizer()),
    "whitespace": lambda: trained(normalizers.Lowercase(), pre_tokenizers.Whitespace()),
    "sequence-bpe": lambda: trained(
        normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()]),
        pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                 pre_tokenizers.Punctuation(), pre_tokenizers.Digits(True)]),
        model="bpe"),
}


@pytest.fixture(scope="module", params=sorted(TOKENIZERS))
def tokenizer(request):
    tok = TOKENIZERS[request.param]()
    assert words_are_independent(tok)
    return tok


def whole(tok, sentences, max_length):
    enc = TokenIds.__new__(TokenIds)
    enc.encoder = tok
    return TokenIds._encode(enc, list(sentences), max_length)


def assert_same(tok, sentences, max_length=None):
    memo = TokenIds(tok)
    for _ in range(2):  # cold, then with every word memoised
        got = memo(list(sentences), max_length)
        want = whole(tok, sentences, max_length)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    return memo


ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=40)
ANY = st.text(alphabet=st.sampled_from(list("ab Xé\u00a0\u3000中,.!\t\n\x0b\x1f\x85ǅ[MASK]")),
              max_size=30)


@settings(max_examples=150, deadline=None)
@given(sentences=st.lists(st.one_of(ASCII, ANY, st.sampled_from(TEXTS)), max_size=8),
       max_length=st.one_of(st.none(), st.integers(1, 12)))
def test_memo_equals_the_tokenizer(tokenizer, sentences, max_length):
    assert_same(tokenizer, sentences, max_length)


def test_corpus_and_edges(tokenizer):
    sentences = TEXTS + ["", "   ", "x" * 50, "[MASK] a[MASK]b", "tab\tand\nnew\rline",
                         "ctrl\x0bchar", "unit\x1fsep", "café naïve", "中文字", "a\u00a0b"]
    memo = assert_same(tokenizer, sentences, None)
    assert len(memo.words) > 100
    assert_same(tokenizer, sentences, 5)


def test_memo_starts_over_when_full(tokenizer, monkeypatch):
    monkeypatch.setattr(_static_tokens, "MAX_WORDS", 10)
    memo = TokenIds(tokenizer)
    for i in range(0, 40, 2):  # batches of two sentences: more than 10 new words each time
        sentences = TEXTS[i:i + 2]
        got = memo(sentences, None)
        want = whole(tokenizer, sentences, None)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        # this batch's words, and the separator word between sentences
        assert len(memo.words) == 1 + len({w for s in sentences for w in s.split()})


def test_other_tokenizers_go_whole():
    byte_level = Tokenizer(models.BPE())
    byte_level.pre_tokenizer = pre_tokenizers.ByteLevel()
    metaspace = Tokenizer(models.Unigram())
    metaspace.pre_tokenizer = pre_tokenizers.Metaspace()
    none = Tokenizer(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]"))
    spaced = TOKENIZERS["whitespace"]()
    spaced.add_tokens(["new york"])
    punct_only = Tokenizer(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]"))
    punct_only.pre_tokenizer = pre_tokenizers.Punctuation()
    replace = TOKENIZERS["whitespace"]()
    replace.normalizer = normalizers.Replace(" ", "")
    dropout = Tokenizer(models.BPE(dropout=0.5))
    dropout.pre_tokenizer = pre_tokenizers.Whitespace()
    for tok in (byte_level, metaspace, none, spaced, punct_only, replace, dropout):
        assert not words_are_independent(tok)
        assert not TokenIds(tok).memo


def test_new_words_learned_in_several_texts(tokenizer, monkeypatch):
    monkeypatch.setattr(_static_tokens, "LEARN_CHUNK", 3)
    assert_same(tokenizer, TEXTS[:30] + ["a,b c.d 12ab", ""], 7)


def test_threads_and_copies(tokenizer):
    import copy
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    memo = TokenIds(tokenizer)
    batches = [TEXTS[i:i + 7] for i in range(0, 140, 7)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: memo(b, 9), batches))
    for batch, (indptr, ids) in zip(batches, results):
        want = whole(tokenizer, batch, 9)
        assert np.array_equal(indptr, want[0]) and np.array_equal(ids, want[1])
    for other in (pickle.loads(pickle.dumps(memo)), copy.deepcopy(memo)):
        assert other.words == memo.words
        assert np.array_equal(other(TEXTS[:5], None)[1], memo(TEXTS[:5], None)[1])
