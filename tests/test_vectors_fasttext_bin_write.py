"""Writing Facebook fastText .bin files: write_fasttext_bin and save_facebook_model."""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest
from test_vectors_fasttext_bin import gensim_data

from sparsedense._base.errors import UnsupportedOptionError
from sparsedense.models import FastText, Word2Vec, load_facebook_model, save_facebook_model
from sparsedense.vectors import load_vectors, read_fasttext_bin, write_fasttext_bin

SENTENCES = [["the", "bank", "of", "the", "river"], ["money", "in", "the", "bank"],
             ["river", "water", "flows"], ["a", "loan", "from", "the", "bank"]] * 30


def _trained(sg: int) -> FastText:
    return FastText(SENTENCES, vector_size=12, window=3, min_count=2, negative=4, sg=sg,
                    epochs=3, sample=1e-3, min_n=2, max_n=4, bucket=500, seed=3, workers=1)


def _assert_same_model(a: FastText, b: FastText) -> None:
    assert a.wv.index_to_key == b.wv.index_to_key
    np.testing.assert_array_equal(a._counts, b._counts)
    np.testing.assert_array_equal(a.wv.vectors_vocab, b.wv.vectors_vocab)
    np.testing.assert_array_equal(a.wv.vectors_vocab, b.wv.vectors_vocab)
    np.testing.assert_array_equal(a.wv.vectors_ngrams, b.wv.vectors_ngrams)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    for param in ("vector_size", "window", "epochs", "negative", "sample", "sg", "min_count",
                  "min_n", "max_n", "bucket", "corpus_total_words"):
        assert getattr(a, param) == getattr(b, param), param


@pytest.mark.parametrize("sg", [0, 1])
def test_round_trip_through_ours(tmp_path, sg):
    model = _trained(sg)
    path = tmp_path / "model.bin"
    save_facebook_model(model, path)
    _assert_same_model(model, load_facebook_model(path))
    args = read_fasttext_bin(path).args
    assert args == {"dim": 12, "ws": 3, "epoch": 3, "min_count": 2, "neg": 4, "word_ngrams": 1,
                    "loss": 2, "model": 2 if sg else 1, "bucket": 500, "minn": 2, "maxn": 4,
                    "lr_update_rate": 100, "t": 1e-3, "version": 12}
    wv = load_vectors(path)
    assert wv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(wv["riverbank"], model.wv["riverbank"])  # out of vocabulary


def test_lr_update_rate_and_word_ngrams_are_written(tmp_path):
    path = tmp_path / "model.bin"
    save_facebook_model(_trained(1), path, lr_update_rate=7, word_ngrams=2)
    args = read_fasttext_bin(path).args
    assert (args["lr_update_rate"], args["word_ngrams"]) == (7, 2)


def test_compressed_by_suffix(tmp_path):
    import gzip

    model = _trained(1)
    save_facebook_model(model, tmp_path / "model.bin")
    save_facebook_model(model, tmp_path / "model.bin.gz")
    assert gzip.decompress((tmp_path / "model.bin.gz").read_bytes()) == (
        tmp_path / "model.bin").read_bytes()
    _assert_same_model(model, load_facebook_model(tmp_path / "model.bin.gz"))


@pytest.mark.parametrize("sg", [0, 1])
def test_gensim_reads_our_file(tmp_path, sg):
    from gensim.models.fasttext import load_facebook_model as gensim_load

    model = _trained(sg)
    path = tmp_path / "model.bin"
    save_facebook_model(model, path)
    theirs = gensim_load(str(path))
    assert theirs.wv.index_to_key == model.wv.index_to_key
    counts = [theirs.wv.get_vecattr(w, "count") for w in theirs.wv.index_to_key]
    np.testing.assert_array_equal(counts, model._counts)
    np.testing.assert_allclose(theirs.wv.vectors_vocab, model.wv.vectors_vocab, atol=1e-6)
    np.testing.assert_allclose(theirs.wv.vectors_ngrams, model.wv.vectors_ngrams, atol=1e-6)
    np.testing.assert_allclose(theirs.syn1neg, model.syn1neg, atol=1e-6)
    np.testing.assert_allclose(theirs.wv.vectors, model.wv.vectors, atol=1e-5)
    for param in ("vector_size", "window", "epochs", "negative", "sample", "sg",
                  "corpus_total_words"):
        assert getattr(theirs, param) == getattr(model, param), param
    assert (theirs.wv.min_n, theirs.wv.max_n, theirs.wv.bucket) == (2, 4, 500)


@pytest.mark.parametrize("sg", [0, 1])
def test_gensim_file_resaved_by_us_is_byte_identical(tmp_path, sg):
    """gensim's save_facebook_model of a gensim model, loaded by ours and saved again: the
    same bytes (both write the same fields in the same order, float32 as they are)."""
    from gensim.models.fasttext import FastText as GensimFastText
    from gensim.models.fasttext import save_facebook_model as gensim_save

    theirs = GensimFastText(SENTENCES, vector_size=10, window=4, min_count=1, sg=sg, epochs=2,
                            min_n=3, max_n=5, bucket=300, seed=5, workers=1)
    first, second = tmp_path / "gensim.bin", tmp_path / "ours.bin"
    gensim_save(theirs, str(first))
    save_facebook_model(load_facebook_model(first), second)
    assert second.read_bytes() == first.read_bytes()
    # a file of fastText itself (version 11), re-saved: every field but the version is kept
    fb = gensim_data("lee_fasttext_new.bin")
    a = read_fasttext_bin(fb)
    save_facebook_model(load_facebook_model(fb), second, word_ngrams=a.args["word_ngrams"],
                        lr_update_rate=a.args["lr_update_rate"])
    b = read_fasttext_bin(second)
    assert (a.args["version"], b.args["version"]) == (11, 12)
    assert {**a.args, "version": 12} == b.args
    assert a.ntokens == b.ntokens and a.wv.index_to_key == b.wv.index_to_key
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.output, b.output)
    np.testing.assert_array_equal(a.wv.vectors_ngrams, b.wv.vectors_ngrams)


@pytest.mark.parametrize("sg", [0, 1])
def test_same_bytes_as_gensims_writer_on_our_model(tmp_path, sg):
    """gensim's save_facebook_model reads our model's gensim-named attributes (wv.vectors_vocab,
    wv.get_vecattr(w, 'count'), syn1neg, corpus_total_words...): its file is ours, byte for byte."""
    from gensim.models.fasttext import save_facebook_model as gensim_save

    model = _trained(sg)
    save_facebook_model(model, tmp_path / "ours.bin", lr_update_rate=50, word_ngrams=2)
    gensim_save(model, str(tmp_path / "gensim.bin"), lr_update_rate=50, word_ngrams=2)
    assert (tmp_path / "ours.bin").read_bytes() == (tmp_path / "gensim.bin").read_bytes()


def test_write_fasttext_bin_layout(tmp_path):
    """The header fields, byte by byte, as gensim's _fasttext_bin.save lays them out."""
    model = _trained(1)
    path = tmp_path / "model.bin"
    save_facebook_model(model, path)
    data = path.read_bytes()
    assert struct.unpack_from("<2i12id", data) == (
        793712314, 12, 12, 3, 3, 2, 4, 1, 2, 2, 500, 2, 4, 100, 1e-3)
    n = len(model.wv)
    assert struct.unpack_from("<3iqq", data, 64) == (n, n, 0, model.corpus_total_words, -1)
    word = model.wv.index_to_key[0].encode() + b"\0"
    assert data[92:92 + len(word)] == word
    assert struct.unpack_from("<qb", data, 92 + len(word)) == (int(model._counts[0]), 0)
    tail = 1 + 16 + 4 * n * 12
    assert struct.unpack_from("<?2q", data, len(data) - tail) == (False, n, 12)


def test_not_a_fasttext_model(tmp_path):
    w2v = Word2Vec(SENTENCES, vector_size=8, min_count=1, epochs=1)
    for bad in (w2v, w2v.wv, "model"):
        with pytest.raises(TypeError, match="model must be a sparsedense FastText"):
            save_facebook_model(bad, tmp_path / "x.bin")
    with pytest.raises(RuntimeError, match="no vocabulary"):
        save_facebook_model(FastText(vector_size=8), tmp_path / "x.bin")
    assert list(tmp_path.iterdir()) == []


def test_hierarchical_softmax_is_refused(tmp_path):
    with pytest.raises(UnsupportedOptionError, match="hs=1"):
        FastText(SENTENCES, vector_size=8, min_count=1, hs=1, negative=0)
    model = _trained(1)
    model.hs = 1  # cannot be trained so; only a changed attribute gets here
    with pytest.raises(UnsupportedOptionError, match="negative sampling only"):
        save_facebook_model(model, tmp_path / "x.bin")
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(tmp_path):
    model = _trained(1)
    for name, value in (("lr_update_rate", 0), ("word_ngrams", "2"), ("encoding", "utf-16"),
                        ("encoding", "no-such-codec")):
        with pytest.raises(ValueError, match=name):
            save_facebook_model(model, tmp_path / "x.bin", **{name: value})
    with pytest.raises(ValueError, match="cannot be encoded in ascii"):
        _trained_on([["café", "bar"]] * 5, tmp_path / "x.bin", encoding="ascii")
    with pytest.raises(ValueError, match="NUL"):
        _trained_on([["a\0b", "bar"]] * 5, tmp_path / "x.bin")
    assert list(tmp_path.iterdir()) == []


def _trained_on(sentences, path, **kwargs):
    model = FastText(sentences, vector_size=4, min_count=1, epochs=1, bucket=10)
    save_facebook_model(model, path, **kwargs)


def test_missing_directory_and_unwritable_path(tmp_path):
    model = _trained(1)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_facebook_model(model, tmp_path / "missing" / "x.bin")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere
            pytest.skip("this user can write to a read-only directory")
        with pytest.raises(PermissionError, match="cannot write here"):
            save_facebook_model(model, locked / "x.bin")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"]


def test_permission_denied_is_reported_with_the_path(tmp_path, monkeypatch):
    """The same failure for any user (root writes into a read-only directory)."""
    import sparsedense._base.files as files

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    model = _trained(1)
    monkeypatch.setattr(files, "_create_temporary", refuse)
    with pytest.raises(PermissionError, match=r"x\.bin: cannot write here"):
        save_facebook_model(model, tmp_path / "x.bin")
    monkeypatch.undo()
    (tmp_path / "dir.bin").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save_facebook_model(model, tmp_path / "dir.bin")
    assert [p.name for p in tmp_path.iterdir()] == ["dir.bin"]
    assert list((tmp_path / "dir.bin").iterdir()) == []


def test_failure_keeps_an_existing_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    model = _trained(1)
    model.syn1neg = model.syn1neg[:, :3]  # a damaged model: caught before writing
    with pytest.raises(ValueError, match="3 columns|12 columns"):
        save_facebook_model(model, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_write_fasttext_bin_checks_its_arguments(tmp_path):
    model = _trained(1)
    good = {"ws": 3, "epoch": 3, "min_count": 2, "neg": 4, "word_ngrams": 1, "loss": 2,
            "model": 2, "lr_update_rate": 100, "t": 1e-3}
    path = tmp_path / "x.bin"
    call = lambda **kw: write_fasttext_bin(  # noqa: E731
        path, kw.get("wv", model.wv), kw.get("args", good), kw.get("counts", model._counts),
        kw.get("ntokens", 10), kw.get("output", model.syn1neg))
    with pytest.raises(TypeError, match="wv must be a FastTextVectors"):
        call(wv=model.wv.vectors)
    with pytest.raises(ValueError, match="args lacks neg"):
        call(args={k: v for k, v in good.items() if k != "neg"})
    with pytest.raises(ValueError, match="disagrees"):
        call(args={**good, "dim": 5})
    with pytest.raises(ValueError, match=r"args\['ws'\] must be an int"):
        call(args={**good, "ws": -1})
    with pytest.raises(TypeError, match=r"args\['t'\]"):
        call(args={**good, "t": "0.001"})
    with pytest.raises(ValueError, match="counts must be"):
        call(counts=model._counts[:-1])
    with pytest.raises(ValueError, match="counts must be >= 0"):
        call(counts=-model._counts)
    with pytest.raises(ValueError, match="ntokens"):
        call(ntokens=-1)
    assert list(tmp_path.iterdir()) == []
