"""save_word2vec_format / load_word2vec_format and the fvocab count file (vectors/_gensim_files.py).

Each file written here is read by gensim 4.4 and each file gensim writes is
read here, with the same keys, vectors and counts; the fvocab file is
byte-for-byte gensim's. Refused arguments raise errors naming them.
"""

from __future__ import annotations

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")

from gensim.models import KeyedVectors  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402

from sparsedense import Vectors  # noqa: E402


@pytest.fixture
def pair():
    """A table with counts (not in row order) in both libraries."""
    rng = np.random.default_rng(3)
    keys = [f"w{i}" for i in range(40)] + ["단어", "naïve"]
    W = rng.standard_normal((len(keys), 6)).astype(np.float32)
    counts = rng.integers(1, 30, len(keys))  # ties too
    ours = Vectors(keys, W.copy())
    g = KeyedVectors(6)
    g.add_vectors(keys, W.copy())
    for k, c in zip(keys, counts.tolist()):
        ours.set_vecattr(k, "count", c)
        g.set_vecattr(k, "count", c)
    return ours, g


def assert_same_kv(ours, g):
    assert list(ours.index_to_key) == list(g.index_to_key)
    np.testing.assert_array_equal(ours.vectors, g.vectors)
    if "count" in g.expandos:
        np.testing.assert_array_equal(ours.expandos["count"], g.expandos["count"])


@pytest.mark.parametrize("binary", [False, True])
def test_save_with_fvocab_as_gensim(pair, tmp_path, binary):
    ours, g = pair
    ours.save_word2vec_format(tmp_path / "ours.w2v", tmp_path / "ours.vocab", binary=binary)
    g.save_word2vec_format(str(tmp_path / "g.w2v"), str(tmp_path / "g.vocab"), binary=binary)
    assert (tmp_path / "ours.vocab").read_bytes() == (tmp_path / "g.vocab").read_bytes()
    back = KeyedVectors.load_word2vec_format(str(tmp_path / "ours.w2v"),
                                             str(tmp_path / "ours.vocab"), binary=binary)
    ref = KeyedVectors.load_word2vec_format(str(tmp_path / "g.w2v"), str(tmp_path / "g.vocab"),
                                            binary=binary)
    assert_same_kv(back, ref)  # sorted by descending count, ties in table order
    mine = Vectors.load_word2vec_format(tmp_path / "g.w2v", tmp_path / "g.vocab", binary=binary)
    assert_same_kv(mine, ref)
    assert int(mine.get_vecattr("단어", "count")) == int(g.get_vecattr("단어", "count"))


def test_load_without_fvocab_makes_up_gensims_counts(tmp_path):
    path = datapath("lee_fasttext.vec")
    ours, g = Vectors.load_word2vec_format(path, limit=50), \
        KeyedVectors.load_word2vec_format(path, limit=50)
    assert_same_kv(ours, g)
    assert ours.get_vecattr("the", "count") == g.get_vecattr("the", "count") == 50


def test_save_header_prefix_total_vec_append_as_gensim(pair, tmp_path):
    ours, g = pair
    for who, kv in (("ours", ours), ("g", g)):
        path, vocab = str(tmp_path / f"{who}.txt"), str(tmp_path / f"{who}.vocab")
        kv.save_word2vec_format(path, vocab, total_vec=50, prefix="p_")
        kv.save_word2vec_format(path, vocab, write_header=False, prefix="q_", append=True)
    assert (tmp_path / "ours.vocab").read_bytes() == (tmp_path / "g.vocab").read_bytes()
    lines = (tmp_path / "ours.txt").read_text("utf8").splitlines()
    ref = (tmp_path / "g.txt").read_text("utf8").splitlines()
    assert lines[0] == ref[0] == "50 6" and len(lines) == len(ref) == 1 + 2 * len(ours)
    for a, b in zip(lines[1:], ref[1:]):
        wa, *va = a.split(" ")
        wb, *vb = b.split(" ")
        assert wa == wb
        np.testing.assert_array_equal(np.float32(va), np.float32(vb))


def test_no_header_round_trip(pair, tmp_path):
    ours, g = pair
    ours.save_word2vec_format(tmp_path / "v.txt", write_header=False, sort_attr="none")
    back = Vectors.load_word2vec_format(tmp_path / "v.txt", no_header=True)
    ref = KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"), no_header=True)
    assert_same_kv(back, ref)
    assert back.index_to_key == ours.index_to_key  # sort_attr absent: table order


def test_load_fvocab_decoding_errors_as_gensim():
    model, vocab = datapath("w2v_keyedvectors_load_test.modeldata"), \
        datapath("w2v_keyedvectors_load_test.vocab")
    with pytest.raises(UnicodeDecodeError, match="line 1"):
        Vectors.load_word2vec_format(model, fvocab=vocab, unicode_errors="strict")
    for errors in ("replace", "ignore"):
        ours = Vectors.load_word2vec_format(model, fvocab=vocab, unicode_errors=errors)
        g = KeyedVectors.load_word2vec_format(model, fvocab=vocab, unicode_errors=errors)
        assert_same_kv(ours, g)


def test_subclass_gets_its_own_type(tmp_path):
    class Mine(Vectors):
        pass

    kv = Mine.load_word2vec_format(datapath("lee_fasttext.vec"), limit=3)
    assert type(kv) is Mine and len(kv) == 3 and int(kv.get_vecattr(2, "count")) == 1


def test_refused_arguments_name_themselves(pair, tmp_path):
    ours, _ = pair
    plain = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="Cannot store vocabulary with 'count'.*fvocab"):
        plain.save_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "v.vocab")
    assert not (tmp_path / "v.txt").exists() and not (tmp_path / "v.vocab").exists()
    with pytest.raises(TypeError, match="binary must be True or False; got str 'yes'"):
        ours.save_word2vec_format(tmp_path / "v.txt", binary="yes")
    with pytest.raises(TypeError, match="prefix must be a str; got int 3"):
        ours.save_word2vec_format(tmp_path / "v.txt", prefix=3)
    with pytest.raises(ValueError, match="total_vec must be None or an int >= 0; got -1"):
        ours.save_word2vec_format(tmp_path / "v.txt", total_vec=-1)
    with pytest.raises(ValueError, match="p_w 0.*spaces"):
        ours.save_word2vec_format(tmp_path / "v.txt", prefix="p_w 0")
    assert not (tmp_path / "v.txt").exists()
    ours.save_word2vec_format(tmp_path / "v.txt", binary=True)
    with pytest.raises(NotImplementedError, match="no_header.*binary"):
        Vectors.load_word2vec_format(tmp_path / "v.txt", binary=True, no_header=True)
    (tmp_path / "short.vocab").write_text("w0 3\nw1 4\n", encoding="utf8")
    with pytest.raises(ValueError, match="incomplete.*40 of the 42 words, e.g. 'w"):
        Vectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "short.vocab",
                                     binary=True)
    (tmp_path / "bad.vocab").write_text("w0 3\nw1 x\n", encoding="utf8")
    with pytest.raises(ValueError, match="line 2: expected 'word count'"):
        Vectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "bad.vocab",
                                     binary=True)
    with pytest.raises(TypeError, match="datatype must be np.float32 or np.float64; got .*float16"):
        Vectors.load_word2vec_format(tmp_path / "v.txt", binary=True, datatype=np.float16)
    with pytest.raises(ValueError, match="unicode_errors 'bogus'"):
        Vectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "bad.vocab",
                                     unicode_errors="bogus")
