"""File plumbing (_base/files.py): opening plain/.gz/.bz2/.xz files, atomic array writes and
atomic paths.

An output is built under a unique temporary name beside it and renamed over
it when complete: the bytes are numpy's, an incomplete or failed write (or an
interrupt) leaves the previous file, a disk that cannot preallocate still
works, a full one is a clean error, and a new file gets the usual permissions.
The command line's use of them: test_reliability_cli_outputs.py.
"""

import bz2
import errno
import gzip
import io
import lzma
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd
from sparsedense._base import files
from sparsedense._base import files as _io
from sparsedense.cli import main


def listing(folder: Path) -> dict:
    """Every name in ``folder`` (hidden ones too) with its content, or '->target' for a link."""
    return {p.name: ("->" + os.readlink(p)) if p.is_symlink() else
            "<dir>" if p.is_dir() else p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_atomic_array_writes_what_numpy_writes(tmp_path, dtype):
    A = np.random.default_rng(7).standard_normal((37, 5)).astype(dtype)
    np.save(tmp_path / "want.npy", A)
    with _io.atomic_array(tmp_path / "a.npy", A.shape, A.dtype) as rows:
        for start in range(0, 37, 10):
            rows.write(A[start:start + 10])
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "want.npy").read_bytes()
    with _io.atomic_array(tmp_path / "a.npz", A.shape, A.dtype, key="embeddings") as rows:
        rows.write(A[:20])
        rows.write(A[20:])
    with np.load(tmp_path / "a.npz") as z:
        assert z.files == ["embeddings"]
        np.testing.assert_array_equal(z["embeddings"], A)
    assert sorted(listing(tmp_path)) == ["a.npy", "a.npz", "want.npy"]


def test_atomic_array_incomplete_or_failed_leaves_the_old_file(tmp_path):
    out = tmp_path / "a.npz"
    out.write_bytes(b"old")
    with pytest.raises(ValueError, match="3 rows written of 4"):
        with _io.atomic_array(out, (4, 2), np.float32) as rows:
            rows.write(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"rows of shape \(1, 3\) do not fit"):
        with _io.atomic_array(out, (4, 2), np.float32) as rows:
            rows.write(np.ones((1, 3)))
    with pytest.raises(KeyboardInterrupt):
        with _io.atomic_array(out, (4, 2), np.float32) as rows:
            rows.write(np.ones((2, 2)))
            raise KeyboardInterrupt
    assert listing(tmp_path) == {"a.npz": b"old"}


def test_atomic_array_where_the_disk_cannot_preallocate(tmp_path, monkeypatch):
    def unsupported(fd, offset, length):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr(os, "posix_fallocate", unsupported, raising=False)
    A = np.arange(12, dtype=np.float32).reshape(4, 3)
    with _io.atomic_array(tmp_path / "a.npy", A.shape, A.dtype) as rows:
        rows.write(A)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), A)

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    with pytest.raises(_io.NoSpaceError, match="a.npy: no space left on device"):
        with _io.atomic_array(tmp_path / "a.npy", A.shape, A.dtype) as rows:
            rows.write(A)
    assert sorted(listing(tmp_path)) == ["a.npy"]


def test_atomic_path_creates_a_new_file_with_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with _io.atomic_path(tmp_path / "x.npz") as tmp:
            assert Path(tmp).parent == tmp_path and Path(tmp).name.startswith(".x.npz.")
            assert tmp.endswith(".npz") and os.path.getsize(tmp) == 0
            sp.save_npz(tmp, sp.eye(3, format="csr"))
    finally:
        os.umask(old)
    assert (tmp_path / "x.npz").stat().st_mode & 0o777 == 0o644
    assert sp.load_npz(tmp_path / "x.npz").nnz == 3


# -- opening what users give ---------------------------------------------------
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
