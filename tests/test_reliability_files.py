"""Reliability: vector, vocabulary and evaluation files (issue #7).

Every reader (``load_vectors`` in each format, ``Vectors.load``,
``Vocabulary.load``) against a missing file, a directory, a path under a regular
file (how "permission denied" is made when tests run as root), an empty file,
truncated files, the other formats' files, wrong headers and a wrong encoding:
the documented exception (OSError subclasses for the file system, ValueError
naming the file for its content), never a half-loaded result. Every writer
(``save_vectors`` in each format, ``Vectors.save``, ``Vocabulary.save``) that
fails leaves the previous file byte for byte and no temporary file behind.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import sparsedense as sd
from sparsedense.vectors import load_vectors, save_vectors

FORMATS = ["word2vec", "word2vec-binary", "glove", "native"]
READ_FORMATS = ["auto"] + FORMATS
SUFFIX = {"word2vec": ".txt", "word2vec-binary": ".bin", "glove": ".glove", "native": ".npz"}


@pytest.fixture
def kv():
    return sd.Vectors(["예금", "bank", "e\u0301"],
                      np.array([[0.5, -1.25], [3.0, 1e-3], [0.0, 7.0]], dtype=np.float32))


@pytest.fixture
def files(tmp_path, kv):
    out = {}
    for fmt in FORMATS:
        path = tmp_path / f"v{SUFFIX[fmt]}"
        save_vectors(kv, path, format=fmt)
        out[fmt] = path
    vocab = sd.Vocabulary.from_texts(["예금 적금 bank", "bank e\u0301"], specials=["<pad>"])
    vocab.save(tmp_path / "vocab.json")
    out["vocab"] = tmp_path / "vocab.json"
    (tmp_path / "regular").write_text("x")
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "empty").write_bytes(b"")
    return out


def _readers():
    return {**{f"load_vectors[{f}]": (lambda p, f=f: load_vectors(p, format=f))
               for f in READ_FORMATS},
            "load_vectors[mmap]": lambda p: load_vectors(p, mmap_mode="r"),
            "Vectors.load": lambda p: sd.Vectors.load(p),
            "Vocabulary.load": lambda p: sd.Vocabulary.load(p)}


READERS = _readers()
FS_CASES = {"missing": (lambda t: t / "nope", FileNotFoundError),
            "directory": (lambda t: t / "a_dir", IsADirectoryError),
            "under_a_regular_file": (lambda t: t / "regular" / "x", NotADirectoryError)}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(FS_CASES))
def test_reader_file_system_errors(tmp_path, files, reader, case):
    make, exc = FS_CASES[case]
    with pytest.raises(exc) as info:
        READERS[reader](make(tmp_path))
    assert str(make(tmp_path).name) in str(info.value)


def _content_cases(files):
    raw = {k: files[k].read_bytes() for k in files}
    out = {"empty": b""}
    for k, data in raw.items():
        out[f"{k}_file"] = data
        for frac in (0.3, 0.7):
            out[f"{k}_truncated_{frac}"] = data[: int(len(data) * frac)]
        out[f"{k}_last_byte_cut"] = data[:-1]
    out["header_more_than_body"] = b"3 2\na 1 2\nb 3 4\n"
    out["header_less_than_body"] = b"1 2\na 1 2\nb 3 4\n"
    out["header_wrong_dim"] = b"2 3\na 1 2\nb 3 4\n"
    out["header_not_numbers"] = b"two 2\na 1 2\n"
    out["header_huge"] = b"99999999999999999999 2\na 1 2\n"
    out["latin1_word"] = "2 2\ncafé 1 2\nb 3 4\n".encode("latin-1")
    out["utf16"] = "2 2\na 1 2\nb 3 4\n".encode("utf-16")
    out["not_a_number"] = b"2 2\na 1 x\nb 3 4\n"
    out["repeated_word"] = b"2 2\na 1 2\na 3 4\n"
    out["vocab_utf16"] = raw["vocab"].decode().encode("utf-16")
    out["vocab_version_true"] = raw["vocab"].replace(b'"version": 1', b'"version": true')
    out["vocab_bad_pattern"] = raw["vocab"].replace(b'"token_pattern": "',
                                                    b'"token_pattern": "(')
    out["vocab_huge_count"] = raw["vocab"].replace(b'"counts": [', b'"counts": [' + b"9" * 30
                                                   + b", ", 1)
    out["vocab_deep_json"] = b"[" * 50_000
    return out


def _valid(reader, name):
    """Which (reader, content) pairs are real files of the reader's format."""
    if name == "vocab_file":
        return reader == "Vocabulary.load"
    if reader == "Vocabulary.load":
        return False
    fmt = name[: -len("_file")] if name.endswith("_file") else None
    if fmt is None:
        return name == "latin1_word" and False
    if "mmap" in reader:
        return fmt == "native"
    r = reader[len("load_vectors["):-1] if reader.startswith("load_vectors") else "auto"
    return fmt in FORMATS and r in ("auto", fmt)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_content_cases(tmp_path, files, kv, reader):
    """Each content case is one sub-case: a result equal to the saved one, or ValueError."""
    cases = _content_cases(files)
    n_refused = 0
    for name, data in sorted(cases.items()):
        path = tmp_path / f"case_{name}"
        path.write_bytes(data)
        if _valid(reader, name):
            got = READERS[reader](path)
            if reader == "Vocabulary.load":
                assert got == sd.Vocabulary.load(files["vocab"])
            else:
                assert got.index_to_key == kv.index_to_key
                np.testing.assert_array_equal(np.asarray(got.weight), kv.weight)
            continue
        try:
            got = READERS[reader](path)
        except ValueError as exc:
            assert str(path) in str(exc), (name, str(exc))
            n_refused += 1
        else:
            # text without a length cannot tell a cut at a line end from a shorter file:
            # what parses is a prefix of the saved vectors (a cut inside the last value of
            # the last row shortens that number, as in gensim); other damage is refused
            assert "truncated" in name or "cut" in name or name.startswith(
                ("header_", "not_a", "utf16", "latin1")), name
            own = name.rsplit("_truncated", 1)[0].rsplit("_last_byte", 1)[0]
            if hasattr(got, "index_to_key") and _valid(reader, f"{own}_file"):
                n = len(got.index_to_key)
                assert got.index_to_key == kv.index_to_key[:n], name
                if n > 1:  # (GloVe cut in line 1 even has fewer values: no header says D)
                    np.testing.assert_array_equal(np.asarray(got.weight)[:-1],
                                                  kv.weight[:n - 1])
    assert n_refused >= 10


def _failing_saves(kv):
    bad_kv = sd.Vectors(["has space", "ok"], np.ones((2, 2), np.float32))
    out = {f"save_vectors[{f}]_bad_key": (lambda p, f=f: save_vectors(bad_kv, p, format=f),
                                          ValueError)
           for f in ("word2vec", "word2vec-binary", "glove")}
    out["save_vectors_bad_format"] = (lambda p: save_vectors(kv, p, format="xml"), ValueError)
    out["Vectors.save_bad_precision"] = (lambda p: kv.save(p, format="word2vec", precision=0),
                                         ValueError)
    out["Vocabulary.save_custom_tokenizer"] = (
        lambda p: sd.Vocabulary(["a"], tokenizer=str.split).save(p), ValueError)
    return out


@pytest.mark.parametrize("fmt", FORMATS + ["vocab"])
@pytest.mark.parametrize("how", ["refused", "fails_mid_write", "into_directory",
                                 "under_regular_file"])
def test_failed_save_leaves_previous_file(tmp_path, files, kv, fmt, how, monkeypatch):
    target = files[fmt]
    before = target.read_bytes()
    listing = sorted(os.listdir(tmp_path))

    def save(path):
        if fmt == "vocab":
            sd.Vocabulary(["x", "y"]).save(path)
        else:
            save_vectors(kv, path, format=fmt)

    if how == "refused":
        calls = _failing_saves(kv)
        for name, (call, exc) in calls.items():
            with pytest.raises(exc):
                call(target)
    elif how == "fails_mid_write":
        import numpy.lib.format as npformat

        def boom(*a, **k):
            raise OSError("disk full (simulated)")
        monkeypatch.setattr(os, "fsync", boom)
        monkeypatch.setattr(npformat, "write_array", boom)
        with pytest.raises(OSError, match="simulated"):
            save(target)
    elif how == "into_directory":
        with pytest.raises(IsADirectoryError):
            save(tmp_path / "a_dir")
        assert os.listdir(tmp_path / "a_dir") == []
    else:
        with pytest.raises(NotADirectoryError):
            save(tmp_path / "regular" / "out")
        assert (tmp_path / "regular").read_text() == "x"
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == listing  # no temporary file left


@pytest.mark.parametrize("fmt", FORMATS)
def test_successful_save_replaces_atomically(tmp_path, kv, fmt):
    path = tmp_path / f"out{SUFFIX[fmt]}"
    path.write_bytes(b"old content")
    save_vectors(kv, path, format=fmt)
    back = load_vectors(path, format=fmt)
    assert back.index_to_key == kv.index_to_key
    assert sorted(os.listdir(tmp_path)) == [path.name]


def test_evaluation_files(tmp_path, kv):
    with pytest.raises(FileNotFoundError):
        kv.evaluate_word_pairs(tmp_path / "nope.tsv")
    with pytest.raises(IsADirectoryError):
        kv.evaluate_word_analogies(tmp_path)
    bad = tmp_path / "pairs.tsv"
    bad.write_text("bank\t예금\n")
    with pytest.raises(ValueError, match="line 1"):
        kv.evaluate_word_pairs(bad)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(": s\ncafé a b c\n".encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        kv.evaluate_word_analogies(latin)
