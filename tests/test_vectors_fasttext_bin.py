"""load_vectors(format='fasttext'): Facebook fastText .bin files, against gensim's reader."""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc

import numpy as np
import pytest

from sparsedense._base.errors import FileDecodeError, TruncatedFileError, UnsupportedOptionError
from sparsedense.vectors import FastTextVectors, Vectors, load_vectors, ngram_buckets

MAGIC = 793712314
OOV = ["rejection", "xyzzyq", "deposits", "한국어", "q", "administrations"]


def gensim_data(name: str) -> str:
    gensim = pytest.importorskip("gensim")
    path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", name)
    if not os.path.exists(path):
        pytest.skip(f"gensim's test file {name} is not installed")
    return path


def fasttext_bin(words=("bank", "deposit", "loan"), counts=None, dim=2, bucket=7, minn=3,
                 maxn=4, new=True, version=12, nlabels=0, quant=0, pruned=-1, kinds=None,
                 rows=None, seed=0, loss=2) -> bytes:
    """The bytes of a small fastText .bin (FastText::saveModel's layout), random rows."""
    rng = np.random.default_rng(seed)
    nwords = len(words)
    counts = list(counts) if counts is not None else list(range(nwords + 5, 5, -1))
    kinds = list(kinds) if kinds is not None else [0] * nwords
    args = [dim, 5, 5, 1, 5, 1, loss, 2, bucket, minn, maxn, 100]
    if new:
        out = struct.pack("<2i", MAGIC, version) + struct.pack("<12id", *args, 1e-4)
    else:
        out = struct.pack("<2i", dim, 5) + struct.pack("<10id", *args[2:], 1e-4)
    out += struct.pack("<3iq", nwords + nlabels, nwords, nlabels, sum(counts))
    if new:
        out += struct.pack("<q", pruned)
    for w, c, k in zip(words, counts, kinds):
        out += w.encode("utf-8") + b"\0" + struct.pack("<qb", c, k)
    if new and 0 < pruned < 1000:  # (a larger count is a lie: no pairs follow)
        out += struct.pack(f"<{2 * pruned}i", *range(2 * pruned))
    matrix_in = rng.standard_normal((nwords + bucket, dim)).astype("<f4")
    matrix_out = rng.standard_normal((nwords, dim)).astype("<f4")
    for i, m in enumerate((matrix_in, matrix_out)):
        shape = m.shape if rows is None or i else (rows, dim)
        out += (bytes([quant if i == 0 else 0]) if new else b"") + struct.pack("<2q", *shape)
        out += m.tobytes()
    return out


@pytest.fixture
def write(tmp_path):
    def write(data: bytes, name: str = "model.bin") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


# -- parity with gensim's load_facebook_vectors ----------------------------------------

@pytest.mark.parametrize("name, encoding", [
    ("lee_fasttext.bin", "utf-8"), ("lee_fasttext_new.bin", "utf-8"),
    ("non_ascii_fasttext.bin", "utf-8"), ("cp852_fasttext.bin", "cp852"),
    ("toy-model.bin", "utf-8"), ("toy-model-pretrained.bin", "utf-8"),
    ("crime-and-punishment.bin", "utf-8")])
def test_matches_gensim_load_facebook_vectors(name, encoding):
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_data(name)
    ours = load_vectors(path, format="fasttext", encoding=encoding)
    theirs = load_facebook_vectors(path, encoding=encoding)
    assert type(ours) is FastTextVectors
    assert ours.index_to_key == theirs.index_to_key
    assert (ours.min_n, ours.max_n, ours.bucket) == (theirs.min_n, theirs.max_n, theirs.bucket)
    np.testing.assert_array_equal(ours.vectors_vocab, theirs.vectors_vocab)
    np.testing.assert_array_equal(ours.vectors_ngrams, theirs.vectors_ngrams)
    assert ours.vectors.dtype == np.float32
    np.testing.assert_allclose(ours.vectors, theirs.vectors, rtol=1e-6, atol=1e-6)
    for word in OOV + theirs.index_to_key[:3]:
        np.testing.assert_allclose(ours[word], theirs[word], rtol=1e-5, atol=1e-5)
    assert load_vectors(path, encoding=encoding).index_to_key == ours.index_to_key  # 'auto'


def test_gensim_test_expectations():
    """The figures of gensim's test_load_fasttext_format (fastText's print-word-vectors)."""
    wv = load_vectors(gensim_data("lee_fasttext.bin"))
    assert wv.vectors.shape == (1762, 10) and wv.vectors_ngrams.shape == (1000, 10)
    hundred = [-0.57144, -0.0085561, 0.15748, -0.67855, -0.25459, -0.58077, -0.09913, 1.1447,
               0.23418, 0.060007]
    np.testing.assert_allclose(wv["hundred"], hundred, atol=1e-4)
    assert not wv.has_index_for("rejection") and "rejection" in wv
    oov = [-0.21929, -0.53778, -0.22463, -0.41735, 0.71737, -1.59758, -0.24833, 0.62028,
           0.53203, 0.77568]  # gensim's (fastText's, without the n-grams it never saw)
    np.testing.assert_allclose(wv["rejection"], oov, atol=1e-4)


def test_matches_fasttext_print_word_vectors():
    """toy-model.vec is fastText's own output for toy-model.bin's vocabulary (a cbow model);
    the out-of-vocabulary vectors are fastText's print-word-vectors (gensim's test)."""
    wv = load_vectors(gensim_data("toy-model.bin"))
    with open(gensim_data("toy-model.vec"), encoding="utf-8") as fh:
        lines = fh.read().splitlines()[1:]
    assert len(lines) == len(wv)
    for line in lines:
        word, *values = line.strip().split(" ")
        np.testing.assert_allclose(wv[word], np.array(values, np.float32), atol=1e-5)
    oov = {"quick": [0.023393, 0.11499, 0.11684, -0.13349, 0.022543],
           "lazy": [-0.022103, -0.020126, -0.033612, -0.049473, 0.0054174]}
    for word, values in oov.items():
        assert not wv.has_index_for(word)
        np.testing.assert_allclose(wv[word], values, atol=1e-5)


def test_tiny_files_match_gensim(write):
    from gensim.models.fasttext import load_facebook_vectors

    pytest.importorskip("gensim")
    for new in (True, False):
        path = write(fasttext_bin(new=new, seed=int(new)))
        ours, theirs = load_vectors(path), load_facebook_vectors(path)
        assert ours.index_to_key == theirs.index_to_key == ["bank", "deposit", "loan"]
        np.testing.assert_allclose(ours.vectors, theirs.vectors, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(ours["banking"], theirs["banking"], rtol=1e-5, atol=1e-5)


def test_supervised_model_is_refused_like_gensim():
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_data("pang_lee_polarity_fasttext.bin")
    with pytest.raises(NotImplementedError):
        load_facebook_vectors(path)
    with pytest.raises(UnsupportedOptionError, match="pang_lee.*supervised fastText model"):
        load_vectors(path)
    with pytest.raises(NotImplementedError):
        load_vectors(path, format="fasttext")


def test_non_utf8_vocabulary():
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_data("cp852_fasttext.bin")
    with pytest.raises(FileDecodeError, match="cp852_fasttext.bin: word .* is not valid utf-8"):
        load_vectors(path)
    # gensim logs an error and decodes those words with 'backslashreplace'
    ours = load_vectors(path, unicode_errors="backslashreplace")
    assert ours.index_to_key == load_facebook_vectors(path).index_to_key


def test_vectors_for_all_matches_gensim():
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_data("lee_fasttext.bin")
    ours, theirs = load_vectors(path), load_facebook_vectors(path)
    words = ["hundred", "an out-of-vocabulary word", "responding", "hundred", "q", "rejection"]
    for allow in (True, False):
        for copy in (False, True):  # counts copied, or made up as gensim does
            got = ours.vectors_for_all(words, allow_inference=allow, copy_vecattrs=copy)
            want = theirs.vectors_for_all(words, allow_inference=allow, copy_vecattrs=copy)
            assert type(got) is Vectors and got.index_to_key == want.index_to_key
            np.testing.assert_allclose(got.vectors, want.vectors, rtol=1e-5, atol=1e-5)
            assert ([got.get_vecattr(w, "count") for w in got.index_to_key]
                    == [want.get_vecattr(w, "count") for w in want.index_to_key])
    assert ours.vectors_for_all([]).vectors.shape == (0, 10)


def test_an_int_names_a_row_as_in_gensim():
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_data("lee_fasttext.bin")
    ours, theirs = load_vectors(path), load_facebook_vectors(path)
    assert 3 in ours and 3 in theirs
    # gensim says True for anything when the model has n-grams, even a row number past the
    # end that it then cannot look up; here only what has a vector is in the table
    assert 10**9 not in ours
    # an int is row 3 here, as in gensim's KeyedVectors; gensim's FastTextKeyedVectors
    # instead builds the n-gram vector of the word "3" (docs/howto/migrating.rst)
    np.testing.assert_allclose(ours[3], theirs.vectors[3], atol=1e-6)
    np.testing.assert_allclose(ours["3"], theirs[3], atol=1e-5)


def test_counts_are_gensims():
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_data("lee_fasttext.bin")
    ours, theirs = load_vectors(path), load_facebook_vectors(path)
    assert ([ours.get_vecattr(w, "count") for w in ours.index_to_key]
            == [theirs.get_vecattr(w, "count") for w in theirs.index_to_key])


def test_vectors_for_all_refuses_a_single_word_and_bad_flags():
    wv = load_vectors(gensim_data("lee_fasttext.bin"))
    with pytest.raises(TypeError, match=r"keys must be an iterable .*one word: pass \[word\]"):
        wv.vectors_for_all("hundred")
    with pytest.raises(TypeError, match="keys must be an iterable"):
        wv.vectors_for_all(5)
    with pytest.raises(TypeError, match="allow_inference must be a bool; got str 'no'"):
        wv.vectors_for_all(["hundred"], allow_inference="no")


# -- options ---------------------------------------------------------------------------

def test_limit_dtype_and_compressed(write, tmp_path):
    data = fasttext_bin()
    full = load_vectors(write(data))
    two = load_vectors(write(data), limit=2)
    assert two.index_to_key == ["bank", "deposit"]
    np.testing.assert_array_equal(two.vectors, full.vectors[:2])
    _, buckets = ngram_buckets(["loan"], 3, 4, 7)
    np.testing.assert_allclose(two["loan"], full.vectors_ngrams[buckets].mean(axis=0), rtol=1e-6)
    assert not two.has_index_for("loan") and "loan" in two  # n-grams still answer
    wide = load_vectors(write(data), dtype=np.float64)
    assert wide.vectors.dtype == wide.vectors_ngrams.dtype == np.float64
    np.testing.assert_array_equal(wide.vectors, full.vectors.astype(np.float64))
    gz = tmp_path / "model.bin.gz"
    gz.write_bytes(gzip.compress(data))
    for fmt in ("auto", "fasttext"):
        back = load_vectors(gz, format=fmt)
        np.testing.assert_array_equal(back.vectors, full.vectors)


def test_loaded_arrays_are_owned_and_writable(write):
    wv = load_vectors(write(fasttext_bin()))
    for a in (wv.vectors, wv.vectors_vocab, wv.vectors_ngrams):
        assert a.flags.writeable and a.flags.c_contiguous and a.dtype == np.float32
    wv.vectors_ngrams[0] += 1  # not a view of the closed file map


def test_pruned_ids_are_skipped(write):
    a = load_vectors(write(fasttext_bin(pruned=3), "a.bin"))
    b = load_vectors(write(fasttext_bin(), "b.bin"))
    np.testing.assert_array_equal(a.vectors, b.vectors)


def test_no_ngrams(write):
    wv = load_vectors(write(fasttext_bin(bucket=0, maxn=0)))
    np.testing.assert_array_equal(wv.vectors, wv.vectors_vocab)
    assert "banking" not in wv


# -- damaged and crafted files ---------------------------------------------------------

def test_every_truncation_is_a_clear_error(write):
    data = fasttext_bin(words=("ab", "été"))
    for cut in range(1, len(data)):
        path = write(data[:cut])
        with pytest.raises(TruncatedFileError, match="model.bin"):
            load_vectors(path, format="fasttext")
        with pytest.raises(ValueError):  # 'auto': as fastText when it can tell, else as text
            load_vectors(path)
    with pytest.raises(ValueError, match="model.bin: the file is empty"):
        load_vectors(write(b""), format="fasttext")


def test_every_truncation_of_an_old_format_file(write):
    data = fasttext_bin(new=False)
    for cut in range(8, len(data)):
        with pytest.raises(TruncatedFileError, match="model.bin"):
            load_vectors(write(data[:cut]))


def test_trailing_bytes(write):
    with pytest.raises(ValueError, match="3 bytes follow the output matrix"):
        load_vectors(write(fasttext_bin() + b"abc"))


def test_wrong_magic_and_version(write):
    data = fasttext_bin()
    with pytest.raises(ValueError, match="not a fastText .bin file: it starts with"):
        load_vectors(write(b"\xff\xff\xff\xff" + data[4:]), format="fasttext")
    with pytest.raises(ValueError):
        load_vectors(write(b"\xff\xff\xff\xff" + data[4:]))
    with pytest.raises(ValueError, match="fastText file version 13 is not supported"):
        load_vectors(write(fasttext_bin(version=13)))
    with pytest.raises(ValueError, match="not a fastText .bin file"):
        load_vectors(write(b"3 2\nab 1 2\n"), format="fasttext")


def test_absurd_counts_allocate_nothing(write):
    """Header counts are checked against the file's size before anything is allocated."""
    base = fasttext_bin()
    huge_vocab = base[:64] + struct.pack("<3i", 2 ** 31 - 1, 2 ** 31 - 1, 0) + base[76:]
    huge_bucket = fasttext_bin(bucket=7, rows=3 + 2 ** 31 - 1)
    huge_bucket = huge_bucket[:40] + struct.pack("<i", 2 ** 31 - 1) + huge_bucket[44:]
    cases = [(huge_vocab, TruncatedFileError, "promises 2147483647 words"),
             (huge_bucket, TruncatedFileError, r"input matrix \(2147483650 x 2 float32"),
             (fasttext_bin(pruned=2 ** 60), TruncatedFileError, "pruned n-gram ids"),
             (fasttext_bin(rows=5), ValueError, "input matrix has 5 rows, but .* make 10"),
             (fasttext_bin(dim=0), ValueError, "dim=0"),
             (fasttext_bin(minn=0), ValueError, "minn=0")]
    for data, error, message in cases:
        tracemalloc.start()
        try:
            with pytest.raises(error, match=message):
                load_vectors(write(data))
            assert tracemalloc.get_traced_memory()[1] < 50_000_000
        finally:
            tracemalloc.stop()


def test_crafted_dictionaries(write):
    with pytest.raises(UnsupportedOptionError, match="quantized"):
        load_vectors(write(fasttext_bin(quant=1)))
    with pytest.raises(ValueError, match="quantization flag is 7"):
        load_vectors(write(fasttext_bin(quant=7)))
    with pytest.raises(ValueError, match="word 2 of 3 .* has type 1 and count"):
        load_vectors(write(fasttext_bin(kinds=[0, 1, 0])))
    with pytest.raises(ValueError, match="count -1"):
        load_vectors(write(fasttext_bin(counts=[3, 2, -1])))
    with pytest.raises(ValueError, match="word 3 .*'bank' repeats word 1"):
        load_vectors(write(fasttext_bin(words=("bank", "loan", "bank"))))
    labels = fasttext_bin()
    labels = labels[:64] + struct.pack("<3i", 3, 3, 1) + labels[76:]
    with pytest.raises(UnsupportedOptionError, match="supervised"):
        load_vectors(write(labels))


def test_mmap_mode_is_refused(write):
    with pytest.raises(ValueError, match="mmap_mode='r' maps the table of an uncompressed native"):
        load_vectors(write(fasttext_bin()), mmap_mode="r")


def test_most_similar_batch_answers_for_words_outside_the_vocabulary():
    wv = load_vectors(gensim_data("lee_fasttext.bin"))
    got = wv.most_similar_batch(["hundred", "rejection", "war"], topn=4)
    assert not wv.has_index_for("rejection")
    for word, rows in zip(["hundred", "rejection", "war"], got):
        want = wv.most_similar(word, topn=4)
        assert [k for k, _ in rows] == [k for k, _ in want]
        np.testing.assert_allclose([s for _, s in rows], [s for _, s in want], rtol=1e-5)
    with pytest.raises(TypeError, match="not a single str"):
        wv.most_similar_batch("rejection")


def test_cli_neighbors_reads_a_fasttext_bin():
    """The issue's report: ``--vectors lee_fasttext.bin`` failed on line 1 as a GloVe file."""
    from test_cli import assert_usage_error, run

    out = run("neighbors", "--vectors", gensim_data("lee_fasttext.bin"), "hundred", "rejection",
              "-k", "3").stdout.splitlines()
    assert out[0] == "hundred:" and out[4] == "rejection:" and len(out) == 8
    proc = run("neighbors", "--vectors", gensim_data("pang_lee_polarity_fasttext.bin"), "good",
               check=False)
    assert_usage_error(proc, "pang_lee_polarity_fasttext.bin", "supervised fastText model")


@pytest.mark.parametrize("new", [True, False])
def test_every_corrupted_byte_loads_or_is_a_value_error(write, new):
    """Each byte of a small file set to 0x00, 0x7f and 0xff: a FastTextVectors or a
    ValueError (any of ours), never another exception, a crash or a huge allocation."""
    data = fasttext_bin(words=("ab", "été"), new=new)
    tracemalloc.start()
    try:
        for pos in range(len(data)):
            for byte in (0x00, 0x7F, 0xFF):
                bad = data[:pos] + bytes([byte]) + data[pos + 1:]
                try:
                    wv = load_vectors(write(bad), format="fasttext")
                except ValueError:
                    continue
                assert isinstance(wv, FastTextVectors)
        assert tracemalloc.get_traced_memory()[1] < 50_000_000
    finally:
        tracemalloc.stop()
