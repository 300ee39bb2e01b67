"""Vocabulary: building, ordering, encoding, unknown-token policies, persistence."""

import json

import numpy as np
import pytest

from sparsedense import Vocabulary
from sparsedense.data import load_sample_corpus


def test_specials_first_then_descending_count_ties_by_code_point():
    vocab = Vocabulary.from_tokens(
        [["b", "a", "c", "c"], ["예금", "a", "적금", "c"]], specials=["<pad>", "<unk>"])
    assert list(vocab) == ["<pad>", "<unk>", "c", "a", "b", "예금", "적금"]
    assert vocab.counts.tolist() == [0, 0, 3, 2, 1, 1, 1]
    assert (vocab.pad_id, vocab.unk_id) == (0, 1)


def test_order_does_not_depend_on_document_order():
    docs = load_sample_corpus().texts
    a = Vocabulary.from_texts(docs)
    b = Vocabulary.from_texts(docs[::-1])
    assert a == b


def test_len_is_num_embeddings_and_lookups():
    vocab = Vocabulary.from_texts(["I love you"])
    assert len(vocab) == 3
    assert sorted(vocab) == ["i", "love", "you"]
    for i, tok in enumerate(vocab):
        assert vocab.token_to_id(tok) == i == vocab[tok]
        assert vocab.id_to_token(i) == tok
        assert tok in vocab
    assert "savings" not in vocab


def test_from_texts_counts_match_python_counter():
    from collections import Counter
    import re

    docs = load_sample_corpus().texts
    counter = Counter(t for d in docs for t in re.findall(r"(?u)\b\w+\b", d.lower()))
    vocab = Vocabulary.from_texts(docs)
    assert len(vocab) == len(counter)
    assert {t: int(c) for t, c in zip(vocab, vocab.counts)} == dict(counter)
    expected = sorted(counter, key=lambda t: (-counter[t], t))
    assert list(vocab) == expected


def test_min_count_and_max_size():
    toks = [["a"] * 5 + ["b"] * 3 + ["c"] * 1 + ["d"] * 3]
    vocab = Vocabulary.from_tokens(toks, min_count=2, max_size=3, specials=["<unk>"])
    assert list(vocab) == ["<unk>", "a", "b"]
    assert Vocabulary.from_tokens(toks, min_count=2).tokens == ["a", "b", "d"]
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.from_tokens(toks, max_size=0, specials=["<unk>"])
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.from_tokens(toks, min_count=0)


def test_unknown_policies():
    with_unk = Vocabulary.from_texts(["deposit savings"], specials=["<unk>"])
    assert with_unk.encode("deposit mortgage").tolist() == [with_unk["deposit"], 0]
    assert with_unk.encode("deposit mortgage", unknown="drop").tolist() == [with_unk["deposit"]]
    with pytest.raises(KeyError, match="mortgage"):
        with_unk.encode("deposit mortgage", unknown="error")
    plain = Vocabulary.from_texts(["deposit savings"])
    with pytest.raises(KeyError, match="'mortgage' is not in the vocabulary"):
        plain.encode("mortgage")
    with pytest.raises(KeyError, match="mortgage"):
        plain.token_to_id("mortgage")
    assert plain.encode(["mortgage", "savings"], unknown="drop").tolist() == [plain["savings"]]
    with pytest.raises(ValueError, match="needs an unk token"):
        plain.encode("x", unknown="unk")
    with pytest.raises(ValueError, match="unknown must be one of"):
        plain.encode("x", unknown="ignore")


def test_encode_text_token_list_and_batch_padding():
    vocab = Vocabulary.from_texts(["I love you", "you love me"], specials=["<pad>", "<unk>"])
    ids = vocab.encode("I love you")
    assert ids.dtype == np.int64 and ids.ndim == 1
    assert vocab.encode(["i", "love", "you"]).tolist() == ids.tolist()
    batch = vocab.encode_batch(["I love you", ["me"], ""], padding=True)
    assert batch.shape == (3, 3)
    assert batch[1].tolist() == [vocab["me"], 0, 0]
    assert batch[2].tolist() == [0, 0, 0]
    assert vocab.decode(batch, skip_specials=True) == [["i", "love", "you"], ["me"], []]
    rows = vocab.encode_batch(["I love you", "me"], max_length=2)
    assert [r.tolist() for r in rows] == [ids[:2].tolist(), [vocab["me"]]]
    no_pad = Vocabulary.from_texts(["a b"])
    with pytest.raises(ValueError, match="pad token"):
        no_pad.encode_batch(["a"], padding=True)
    with pytest.raises(TypeError, match="single str"):
        vocab.encode_batch("I love you")
    with pytest.raises(TypeError, match=r"items\[1\]"):
        vocab.encode_batch(["I", 3])


def test_decode_and_id_errors():
    vocab = Vocabulary.from_texts(["I love you"])
    assert vocab.decode(np.array([2, 0], dtype=np.int8)) == [vocab.id_to_token(2), vocab.id_to_token(0)]
    with pytest.raises(IndexError, match=r"ids\[1\] = 3 is out of range .*valid: 0..2"):
        vocab.decode([0, 3])
    with pytest.raises(IndexError, match="out of range"):
        vocab.id_to_token(-1)
    with pytest.raises(TypeError, match="integers"):
        vocab.decode([0.0, 1.0])


def test_bad_construction():
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(["a", "b", "a"])
    with pytest.raises(TypeError, match=r"tokens\[1\]"):
        Vocabulary(["a", 1])
    with pytest.raises(TypeError, match=r"token_lists\[0\]\[1\]"):
        Vocabulary.from_tokens([["a", None]])
    with pytest.raises(TypeError, match=r"token_lists\[0\] is a str"):
        Vocabulary.from_tokens(["abc"])
    with pytest.raises(ValueError, match="Iterable over raw text"):
        Vocabulary.from_texts("just one string")
    with pytest.raises(TypeError, match=r"raw_documents\[1\]"):
        Vocabulary.from_texts(["ok", 5])


def test_save_load_round_trip_any_unicode(tmp_path):
    tokens = ["<pad>", "<unk>", "예금", "naïve", "e\u0301", "😀", "\ud800", "tab\there", "q\"uote", ""]
    vocab = Vocabulary(tokens, counts=range(len(tokens)))
    path = tmp_path / "vocab.json"
    vocab.save(path)
    loaded = Vocabulary.load(path)
    assert loaded == vocab
    assert loaded.tokens == tokens
    assert (loaded.pad_id, loaded.unk_id) == (0, 1)


def test_generator_input_and_tokenizer_persisted(tmp_path):
    docs = load_sample_corpus().texts
    vocab = Vocabulary.from_texts(d for d in docs)
    assert vocab == Vocabulary.from_texts(docs)
    vocab.save(tmp_path / "v.json")
    loaded = Vocabulary.load(tmp_path / "v.json")
    assert loaded.encode(docs[0]).tolist() == vocab.encode(docs[0]).tolist()


@pytest.mark.parametrize("content", [b"", b"{not json", b"\xff\xfe\x00", b"[1, 2]",
                                     b'{"format": "other"}',
                                     b'{"format": "sparsedense.Vocabulary", "version": 99}',
                                     b'{"format": "sparsedense.Vocabulary", "version": 1, '
                                     b'"tokens": ["a", "a"], "counts": [1, 2]}',
                                     b'{"format": "sparsedense.Vocabulary", "version": 1, '
                                     b'"tokens": ["a"], "counts": []}'])
def test_damaged_file_gives_value_error_naming_file(tmp_path, content):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="broken.json"):
        Vocabulary.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        Vocabulary.load(tmp_path / "nope.json")


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "v.json"
    Vocabulary(["a", "b"]).save(path)
    before = path.read_bytes()
    bad = Vocabulary(["a"], tokenizer=str.split)
    with pytest.raises(ValueError, match="custom tokenizer"):
        bad.save(path)

    def failing_dump(obj, fh, **kwargs):
        fh.write('{"format": "sparsedense.Vocab')  # half written, then a crash
        raise OSError("disk full")

    import sparsedense.vocabulary as module

    monkeypatch.setattr(module.json, "dump", failing_dump)
    with pytest.raises(OSError, match="disk full"):
        Vocabulary(["x", "y", "z"]).save(path)
    assert path.read_bytes() == before
    assert json.loads(before)["tokens"] == ["a", "b"]
    assert [p.name for p in tmp_path.iterdir()] == ["v.json"]


def test_vocabulary_save_to_missing_directory(tmp_path):
    vocab = Vocabulary.from_texts(["a b c", "b c d"])
    target = tmp_path / "missing" / "vocab.json"
    with pytest.raises(OSError):
        vocab.save(target)
    assert not target.exists()
    assert not (tmp_path / "missing").exists()
    assert list(tmp_path.iterdir()) == []
