"""Vector files read by sparsedense and by gensim give the same keys and the same table."""

import logging

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")

from gensim.models import KeyedVectors  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402

from sparsedense.vectors._io import load_vectors, save_vectors  # noqa: E402
from sparsedense.vectors._vectors import Vectors  # noqa: E402

# gensim's own test files that hold word vectors, and how gensim reads each
GENSIM_FILES = [
    ("test_glove.txt", {"no_header": True}),
    ("toy-model.vec", {}),
    ("euclidean_vectors.bin", {"binary": True}),
    ("word2vec_pre_kv_c", {}),
    ("high_precision.kv.txt", {}),
    ("high_precision.kv.bin", {"binary": True}),
    ("crime-and-punishment.vec", {}),
    ("lee_fasttext.vec", {}),
    ("poincare_vectors.bin", {"binary": True}),
    # written by np.savetxt('%.18e'): 19-digit mantissas, every value takes the float() path
    ("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", {}),
    ("IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", {}),
]


@pytest.fixture(autouse=True)
def quiet_gensim(caplog):
    caplog.set_level(logging.ERROR, logger="gensim")


def _same(ours, theirs):
    assert ours.index_to_key == theirs.index_to_key
    assert ours.weight.dtype == theirs.vectors.dtype
    assert np.array_equal(ours.weight, theirs.vectors)


@pytest.mark.parametrize("name,kwargs", GENSIM_FILES, ids=[f[0] for f in GENSIM_FILES])
def test_gensim_test_files(name, kwargs):
    theirs = KeyedVectors.load_word2vec_format(datapath(name), **kwargs)
    _same(load_vectors(datapath(name)), theirs)  # format sniffed
    fmt = "glove" if kwargs.get("no_header") else \
        "word2vec-binary" if kwargs.get("binary") else "word2vec"
    _same(load_vectors(datapath(name), format=fmt), theirs)


@pytest.mark.parametrize("name,kwargs", GENSIM_FILES[:4], ids=[f[0] for f in GENSIM_FILES[:4]])
@pytest.mark.parametrize("limit", [1, 10])
def test_limit_and_float64_like_gensim(name, kwargs, limit):
    theirs = KeyedVectors.load_word2vec_format(datapath(name), limit=limit, datatype=np.float64,
                                               **kwargs)
    _same(load_vectors(datapath(name), limit=limit, dtype=np.float64), theirs)


@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_invalid_utf8_words_like_gensim(errors):
    # line 150 of this file holds the word b'\x97' (cut in the middle of a character)
    name = datapath("pang_lee_polarity_fasttext.vec")
    theirs = KeyedVectors.load_word2vec_format(name, unicode_errors=errors)
    _same(load_vectors(name, unicode_errors=errors), theirs)


def test_invalid_utf8_strict_both_refuse():
    name = datapath("pang_lee_polarity_fasttext.vec")
    with pytest.raises(UnicodeDecodeError):
        KeyedVectors.load_word2vec_format(name)
    with pytest.raises(ValueError, match=r"line 150: the word b'\\x97' is not valid utf-8"):
        load_vectors(name)


@pytest.mark.parametrize("name,message", [
    ("pretrained.vec", "header promises 3 vectors, but the file has 1"),
    ("wordsim353.tsv", "line 1: 'The' is not a number"),
    ("questions-words.txt", "line 1: 'capital-common-countries' is not a number"),
])
def test_files_both_refuse(name, message):
    with pytest.raises((ValueError, EOFError)):
        KeyedVectors.load_word2vec_format(datapath(name))
    with pytest.raises(ValueError, match=message):
        load_vectors(datapath(name))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A 2,000 x 50 GloVe text file (6 decimals, like the real ones) and a binary file."""
    rng = np.random.default_rng(7)
    weight = (rng.standard_normal((2000, 50)) * 0.5).astype(np.float32)
    keys = [f"w{i}" if i % 5 else f"단어{i}" for i in range(2000)]
    folder = tmp_path_factory.mktemp("generated")
    glove = folder / "glove.txt"
    glove.write_text("".join(k + " " + " ".join("%.6f" % v for v in row.tolist()) + "\n"
                             for k, row in zip(keys, weight)), encoding="utf-8")
    binary = folder / "vectors.bin"
    save_vectors(Vectors(keys, weight), binary, format="word2vec-binary")
    return keys, weight, glove, binary


def test_generated_glove(generated):
    keys, _, glove, _ = generated
    theirs = KeyedVectors.load_word2vec_format(glove, no_header=True)
    ours = load_vectors(glove)
    assert ours.index_to_key == keys
    _same(ours, theirs)


def test_generated_binary(generated):
    keys, weight, _, binary = generated
    theirs = KeyedVectors.load_word2vec_format(binary, binary=True)
    ours = load_vectors(binary)
    _same(ours, theirs)
    assert np.array_equal(ours.weight, weight)


@pytest.mark.parametrize("binary", [False, True])
def test_files_written_by_each_are_read_by_the_other(generated, tmp_path, binary):
    keys, weight, _, _ = generated
    theirs = KeyedVectors(50)
    theirs.add_vectors(keys, weight)
    theirs.save_word2vec_format(str(tmp_path / "gensim.out"), binary=binary)
    _same(load_vectors(tmp_path / "gensim.out"), theirs)
    save_vectors(Vectors(keys, weight), tmp_path / "ours.out", binary=binary)
    back = KeyedVectors.load_word2vec_format(str(tmp_path / "ours.out"), binary=binary)
    _same(Vectors(keys, weight), back)


def test_duplicate_words_gensim_keeps_first_we_refuse(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("3 2\nx 1 2\ny 3 4\nx 5 6\n")
    theirs = KeyedVectors.load_word2vec_format(str(path))
    # gensim 4.4 keeps the first 'x', drops the repeat (with a logged warning), and leaves
    # a None key with a zero row where the repeat was (its table is not shrunk)
    assert theirs.index_to_key[:2] == ["x", "y"] and theirs["x"].tolist() == [1, 2]
    assert "x" not in theirs.index_to_key[2:]
    with pytest.raises(ValueError, match="line 4: the word 'x' repeats line 2"):
        load_vectors(path)
