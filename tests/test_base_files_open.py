"""_base/files: one way to open what users give, whatever the compression, for every reader."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma

import numpy as np
import pytest

import sparsedense as sd
from sparsedense._base import files
from sparsedense.cli import main

TEXT = "예금 적금 bank\nrain snow\r\nlast line without newline"
COMPRESSORS = {"": lambda b: b, ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


@pytest.fixture(params=sorted(COMPRESSORS), ids=lambda s: s or "plain")
def suffix(request):
    return request.param


def test_open_text_and_binary_decompress_by_suffix(tmp_path, suffix):
    path = tmp_path / f"corpus.txt{suffix}"
    path.write_bytes(COMPRESSORS[suffix](TEXT.encode("utf-8")))
    with files.open_text(path) as fh:
        assert fh.read() == TEXT.replace("\r\n", "\n")  # universal newlines, as open()
    with files.open_binary(path) as fh:
        assert fh.read() == TEXT.encode("utf-8")
    assert (files.compression_of(path) is None) == (suffix == "")


def test_decompress_by_first_bytes_and_damage_named(suffix):
    data = COMPRESSORS[suffix](TEXT.encode("utf-8"))
    assert files.decompress(data, "x") == TEXT.encode("utf-8")
    if suffix:
        with pytest.raises(ValueError, match=r"^vectors\.bin: damaged (gzip|bz2|xz) file"):
            files.decompress(data[: len(data) // 2], "vectors.bin")


def test_compressed_writer_round_trips_and_gzip_is_reproducible(tmp_path, suffix):
    raw = io.BytesIO()
    writer = files.compressed_writer(f"out.txt{suffix}", raw)
    if not suffix:
        assert writer is None
        return
    with writer:
        writer.write(b"payload")
    assert files.decompress(raw.getvalue(), "out") == b"payload"
    if suffix == ".gz":  # no name, no time stamp: the same content gives the same bytes
        again = io.BytesIO()
        with files.compressed_writer("other.gz", again) as w:
            w.write(b"payload")
        assert again.getvalue() == raw.getvalue()


def test_cli_embed_reads_every_compression_the_same(tmp_path, suffix):
    """A corpus compressed any way we read gives the plain corpus's embeddings, file by file."""
    docs = ["deposit savings bank", "rain snow", "", "bank river"] * 5
    words = ["deposit", "savings", "bank", "rain", "snow", "river"]
    W = np.random.default_rng(1).standard_normal((len(words), 4)).astype(np.float32)
    vec_path = tmp_path / "v.npz"
    sd.Vectors(words, W).save(str(vec_path))
    corpus = tmp_path / f"docs.txt{suffix}"
    corpus.write_bytes(COMPRESSORS[suffix]("\n".join(docs).encode("utf-8") + b"\n"))
    out = tmp_path / "out.npy"
    assert main(["-q", "embed", str(corpus), "--vectors", str(vec_path),
                 "--chunk-size", "7", "-o", str(out)]) == 0
    expected = sd.EmbeddingVectorizer(W, words).fit(docs).transform(docs)
    np.testing.assert_array_equal(np.load(out), expected)


def test_cli_corpus_directory_takes_every_compressed_txt(tmp_path):
    from sparsedense.cli._common import corpus_files

    for name, compress in (("a.txt", None), ("b.txt.gz", gzip.compress),
                           ("c.txt.bz2", bz2.compress), ("d.txt.xz", lzma.compress),
                           ("e.csv", None)):
        data = b"one line\n"
        (tmp_path / name).write_bytes(compress(data) if compress else data)
    assert [p.rsplit("/", 1)[-1] for p in corpus_files(str(tmp_path))] == [
        "a.txt", "b.txt.gz", "c.txt.bz2", "d.txt.xz"]
