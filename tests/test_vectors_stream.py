"""load_vectors(..., quantize=...): files streamed into a compressed table (issue 26)."""

import numpy as np
import pytest

from sparsedense import Vectors, load_vectors
from sparsedense._base.errors import InvalidParameterError, TruncatedFileError
from sparsedense.vectors import QuantizedVectors
from sparsedense.vectors import _stream

DTYPES = ("int8", "int4", "float16")
FILES = [("word2vec", "v.txt"), ("glove", "v.glove"), ("word2vec-binary", "v.bin"),
         ("word2vec", "v.txt.gz"), ("word2vec-binary", "v.bin.xz"), ("glove", "v.glove.bz2")]


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 97 bytes: every line and record is cut by a block's end somewhere."""
    monkeypatch.setattr(_stream, "BLOCK_BYTES", 97)


def _vectors(n=60, dim=7, seed=0):
    rng = np.random.default_rng(seed)
    W = (rng.standard_normal((n, dim)) * 3).astype(np.float32)
    return Vectors([f"w{i}" for i in range(n)], W)


def _same(a, b):
    assert isinstance(a, QuantizedVectors)
    assert a.index_to_key == b.index_to_key
    assert a.weight.dtype == b.weight.dtype and a.weight.shape == b.weight.shape
    np.testing.assert_array_equal(a.weight.data, b.weight.data)


@pytest.mark.parametrize("fmt, name", FILES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("limit", [None, 13, 0])
def test_streamed_table_is_the_quantized_loaded_table(tmp_path, small_blocks, fmt, name,
                                                      dtype, limit):
    path = tmp_path / name
    _vectors().save(path, format=fmt)
    for given in ("auto", fmt):
        _same(load_vectors(path, format=given, quantize=dtype, limit=limit),
              load_vectors(path, format=given, limit=limit).quantize(dtype))


def test_streamed_float64_parse_is_the_float64_table_quantized(tmp_path, small_blocks):
    _vectors().save(tmp_path / "v.txt", format="word2vec")
    _same(load_vectors(tmp_path / "v.txt", dtype=np.float64, quantize="int8"),
          load_vectors(tmp_path / "v.txt", dtype=np.float64).quantize("int8"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_native_files_are_loaded_then_quantized(tmp_path, dtype):
    kv = _vectors()
    kv.save(tmp_path / "v.npz")
    for mmap_mode in (None, "r"):
        _same(load_vectors(tmp_path / "v.npz", quantize=dtype, mmap_mode=mmap_mode),
              kv.quantize(dtype))
    kv.quantize(dtype).save(tmp_path / "q.npz")
    _same(load_vectors(tmp_path / "q.npz", quantize=dtype), kv.quantize(dtype))
    other = "int4" if dtype != "int4" else "int8"
    with pytest.raises(ValueError, match=f"quantized as {dtype}, not {other}"):
        load_vectors(tmp_path / "q.npz", quantize=other)


def test_a_bad_quantize_is_refused(tmp_path):
    _vectors().save(tmp_path / "v.txt", format="word2vec")
    with pytest.raises(InvalidParameterError, match="quantize must be one of 'int8', 'int4', "
                                                    "'float16'; got 'int2'"):
        load_vectors(tmp_path / "v.txt", quantize="int2")


def _outcome(call):
    try:
        kv = call()
    except Exception as exc:  # the type is what is compared
        return type(exc)
    return kv.index_to_key, kv.weight.data.tobytes()


@pytest.mark.parametrize("fmt", ["word2vec", "glove", "word2vec-binary"])
def test_damaged_files_fail_as_the_whole_file_reader_fails(tmp_path, small_blocks, fmt):
    path = tmp_path / "v"
    _vectors(n=12, dim=4).save(path, format=fmt)
    full = path.read_bytes()
    variants = [full[:cut] for cut in range(0, len(full), 5)]
    variants += [full + b"\n\n  \n", full + b"\n\nextra 1 2 3 4\n", full.replace(b"w7", b"w3"),
                 full.replace(b"\n", b"\n\n", 3)]
    if fmt != "word2vec-binary":
        variants += [full.replace(b" ", b" x", 4), full.replace(b"w5", b"w5\n", 1)]
    for content in variants:
        path.write_bytes(content)
        for limit in (None, 5):
            def whole():
                return load_vectors(path, format=fmt, limit=limit).quantize("int8")

            def streamed():
                return load_vectors(path, format=fmt, limit=limit, quantize="int8")

            assert _outcome(streamed) == _outcome(whole), (content, limit)


def test_a_word_repeated_in_another_block_names_both_lines(tmp_path, small_blocks):
    kv = _vectors(n=40)
    kv.save(tmp_path / "v.txt", format="word2vec")
    text = (tmp_path / "v.txt").read_bytes().replace(b"\nw35 ", b"\nw2 ")
    (tmp_path / "v.txt").write_bytes(text)
    with pytest.raises(ValueError, match="line 37: the word 'w2' repeats line 4"):
        load_vectors(tmp_path / "v.txt", quantize="int8")


def test_a_lying_header_allocates_by_the_file_size(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"1000000000000 300\nw 1\n")
    with pytest.raises(ValueError, match="line 2: expected 300 values"):
        load_vectors(tmp_path / "v.txt", format="word2vec", quantize="int8")
    (tmp_path / "v.bin").write_bytes(b"1000000000000 3\nw " + bytes(12))
    with pytest.raises(TruncatedFileError, match="vector 2 of 1000000000000"):
        load_vectors(tmp_path / "v.bin", format="word2vec-binary", quantize="int8")


def test_empty_files_are_refused(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    for fmt in ("auto", "word2vec", "glove", "word2vec-binary"):
        with pytest.raises(ValueError, match="empty"):
            load_vectors(tmp_path / "e.txt", format=fmt, quantize="int8")


def test_a_lying_header_in_a_compressed_file_allocates_by_its_size(tmp_path):
    import gzip

    with gzip.open(tmp_path / "v.bin.gz", "wb") as fh:
        fh.write(b"1000000000000 3\nw " + bytes(12))
    with pytest.raises(TruncatedFileError, match="vector 2 of 1000000000000"):
        load_vectors(tmp_path / "v.bin.gz", format="word2vec-binary", quantize="int8")
    with gzip.open(tmp_path / "v.txt.gz", "wb") as fh:
        fh.write(b"1000000000000 3\nw 1 2 3\n")
    with pytest.raises(TruncatedFileError, match="promises 1000000000000 vectors, but the "
                                                 "file has 1"):
        load_vectors(tmp_path / "v.txt.gz", format="word2vec", quantize="int8")


def test_records_longer_than_a_block(tmp_path, small_blocks):
    kv = _vectors(n=5, dim=40)  # 160-byte records, blocks of 97 bytes
    kv.save(tmp_path / "v.bin", format="word2vec-binary")
    _same(load_vectors(tmp_path / "v.bin", quantize="int4"),
          load_vectors(tmp_path / "v.bin").quantize("int4"))
    kv.save(tmp_path / "v.txt", format="word2vec")
    _same(load_vectors(tmp_path / "v.txt", quantize="int4"),
          load_vectors(tmp_path / "v.txt").quantize("int4"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_lines_longer_than_a_block(tmp_path, small_blocks, dtype):
    path = tmp_path / "v.txt"
    _vectors(n=9, dim=40).save(path, format="word2vec")  # lines of ~300 bytes, blocks of 97
    _same(load_vectors(path, quantize=dtype), load_vectors(path).quantize(dtype))


def test_read_more_reuses_one_buffer_and_keeps_every_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(_stream, "BLOCK_BYTES", 10)
    content = bytes(range(256)) * 3
    (tmp_path / "f").write_bytes(content)
    seen, blocks = b"", set()
    with open(tmp_path / "f", "rb") as fh:
        data, block, eof = b"", None, False
        while not eof:
            left = bytes(data[7:])  # the caller keeps a copy of what it did not use
            seen += bytes(data[:7])
            block, eof = _stream._read_more(fh, left, "f", block)
            data = block
            blocks.add(id(block) if len(block) == 10 else None)
        seen += bytes(data)
    assert seen == content
    assert len(blocks - {None}) == 1  # every full block was read into the same buffer


def test_a_damaged_compressed_file_is_refused_by_name(tmp_path, small_blocks):
    """A compressed file cut short: a ValueError naming the file, from the line count
    that reads it first and from the block reads themselves (the decompressor's
    EOFError is not leaked)."""
    import gzip

    rng = np.random.default_rng(0)
    text = "50 8\n" + "".join(f"w{i} " + " ".join(f"{v:.4f}" for v in rng.standard_normal(8))
                             + "\n" for i in range(50))
    packed = gzip.compress(text.encode("ascii"))
    path = tmp_path / "v.txt.gz"
    path.write_bytes(packed[:len(packed) * 2 // 3])
    with pytest.raises(ValueError, match=r"v\.txt\.gz: damaged compressed file"):
        load_vectors(path, format="word2vec", quantize="int8")
    with gzip.open(path, "rb") as fh, pytest.raises(ValueError, match="src: damaged compressed"):
        data, block = b"", None
        while True:
            block, eof = _stream._read_more(fh, data, "src", block)
            assert not eof, "the cut file was read to its end without an error"
            data = bytes(block[-10:])
