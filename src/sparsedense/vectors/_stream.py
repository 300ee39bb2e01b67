"""Reading a word2vec, word2vec-binary or GloVe file straight into a compressed table.

``load_vectors(path, quantize="int8")`` reads the file a block of bytes at a
time: each block's complete lines (binary records) are parsed by the kernels
the whole-file reader uses (``_io``), packed row by row into the compressed
table (:func:`sparsedense.quantize`), and dropped. The memory held is the
compressed table, the keys and one block, never the float table or the
file. Quantization is row-wise, so the table is the one
``quantize(load_vectors(path).weight)`` makes, byte for byte.

The table's rows are allocated once: for a plain word2vec file, the
header's count (capped by what the file's size can hold: a row takes at
least two bytes a value); for a GloVe file or a compressed one, the count of
its lines, found in a first pass over the file.
"""

from __future__ import annotations

import codecs
import contextlib
import os
from pathlib import Path
from typing import IO

import numpy as np

from .._base.errors import TruncatedFileError
from .._base.files import _MAGIC
from ..quantized import QuantizedTable, pack_rows
from ._io import _EVERYTHING, _decode_words, _glove_dim, _parse_lines, _read_header, _sniff
from ._keys import KeyStore, _encode

#: bytes read at a time
BLOCK_BYTES = 1 << 20
#: bytes read in search of the header line (a longer first line is no header)
_HEADER_BYTES = 1 << 20


def _open(path: Path, source: str) -> IO[bytes]:
    """``path`` opened for reading, decompressed on the fly when its first bytes say so."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    for magic, (name, module) in _MAGIC.items():
        if head.startswith(magic):
            return module.open(path, "rb")
    return open(path, "rb")


@contextlib.contextmanager
def _reading(source: str):
    """A read of the file: a decompressor's error becomes a ValueError naming ``source``."""
    import lzma
    import zlib

    try:
        yield
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise ValueError(f"{source}: damaged compressed file ({exc})") from None


def _read(fh: IO[bytes], n: int, source: str) -> bytes:
    with _reading(source):
        return fh.read(n)


def _read_more(fh: IO[bytes], data: bytes | bytearray, source: str,
               block: bytearray | None = None) -> tuple[bytearray, bool]:
    """``data`` (the bytes left from the last block: a copy, not a view of ``block``)
    followed by the next bytes of the file, read into ``block`` when it has the size
    wanted (``BLOCK_BYTES``, or twice ``data`` for a line longer than a block): one
    buffer for the whole file, no second copy of a block and no new one each block.
    Returns the buffer and whether the file ended."""
    k = len(data)
    size = max(BLOCK_BYTES, 2 * k)
    if block is None or len(block) != size or block is data:
        block = bytearray(size)
    block[:k] = data
    with _reading(source):
        n = fh.readinto(memoryview(block)[k:]) or 0  # type: ignore[attr-defined]
    if k + n < size:  # the end of the file (the last block only): just its bytes
        return bytearray(memoryview(block)[:k + n]), n == 0
    return block, False


def sniff(path: Path, source: str) -> str:
    """The format of a word-vector file by its first bytes (see ``_io._sniff``)."""
    with _open(path, source) as fh:
        head = _read(fh, BLOCK_BYTES, source)
        while head.count(b"\n") < 2 and len(head) < 4 * BLOCK_BYTES:
            more = _read(fh, BLOCK_BYTES, source)
            if not more:
                break
            head += more
    if not head:
        raise ValueError(f"{source}: the file is empty (no vectors)")
    return _sniff(head)


def _count_lines(path: Path, source: str) -> tuple[int, int]:
    """``(lines, bytes)`` of the (decompressed) file: the last line may lack its ``\\n``."""
    n = size = 0
    with _open(path, source) as fh:
        while True:
            block = _read(fh, BLOCK_BYTES, source)
            if not block:
                return n + 1, size
            n += block.count(b"\n")
            size += len(block)


def _first_line(fh: IO[bytes], source: str) -> tuple[bytes, bool]:
    """The first block(s) of ``fh``, up to one holding a ``\\n`` (or ``_HEADER_BYTES``), and
    whether the file ended there."""
    data = _read(fh, BLOCK_BYTES, source)
    eof = not data
    while not eof and data.find(b"\n") < 0 and len(data) < _HEADER_BYTES:
        more = _read(fh, BLOCK_BYTES, source)
        eof = not more
        data += more
    return data, eof


class _Table:
    """The compressed rows being filled, and their keys in a compact store (``_keys``)."""

    def __init__(self, capacity: int, dim: int, dtype: str) -> None:
        self.dim, self.dtype = dim, dtype
        if dtype == "float16":
            self.rows = np.empty((capacity, dim), dtype=np.float16)
        else:
            width = dim + 8 if dtype == "int8" else (dim + 1) // 2 + 4
            self.rows = np.empty((capacity, width), dtype=np.uint8)
        self.n = 0
        self.keys = KeyStore(capacity)
        #: the first row whose key repeats an earlier one, and that one (-1: none yet)
        self.repeat = self.first = -1

    def add(self, keys: tuple[np.ndarray, np.ndarray, np.ndarray] | list[str],
            table: np.ndarray) -> None:
        """Append rows: ``keys`` is ``(buffer, starts, ends)`` of UTF-8 words already
        checked, or the decoded words."""
        m = table.shape[0]
        if self.n + m > self.rows.shape[0]:  # not reached: the capacity bounds the rows
            raise ValueError(f"more rows than the {self.rows.shape[0]} counted")
        if m:
            pack_rows(table, self.dtype, self.rows[self.n:self.n + m], self.n)
        self.n += m
        if isinstance(keys, tuple):
            repeat, first = self.keys.add_ranges(*keys)
        else:
            repeat, first = self.keys.add_bytes([_encode(k) for k in keys])
        if self.repeat < 0 and repeat >= 0:
            self.repeat, self.first = repeat, first

    def result(self, source: str, where):
        """The keys checked distinct (the first repeat named by ``where``) with their table,
        as a ``QuantizedVectors``."""
        from ._quantized import QuantizedVectors

        if self.repeat >= 0:
            raise ValueError(
                f"{source}: {where(self.repeat)}: the word {self.keys.key(self.repeat)!r} "
                f"repeats {where(self.first)}; words must be distinct (gensim keeps the first "
                "and drops the repeat)")
        return QuantizedVectors(self.keys, QuantizedTable(self.rows[:self.n], self.dtype,
                                                          self.dim))


def _words(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, encoding: str,
           unicode_errors: str, source: str, where):
    """The words ``buf[starts[r]:ends[r]]`` for ``_Table.add``: the byte ranges themselves
    when they are strict UTF-8 (checked in one decode of the joined words, the first bad
    one named by ``_decode_words``), else the decoded words."""
    from .._kernels.parse import _gather_words

    if (unicode_errors == "strict" and codecs.lookup(encoding).name == "utf-8"
            and starts.shape[0]):
        try:
            _gather_words(buf, starts, ends, 10).tobytes().decode("utf-8")
            return buf, starts, ends
        except UnicodeDecodeError:
            pass
    return _decode_words(buf, starts, ends, encoding, unicode_errors, source, where)


def load_text_quantized(path: Path, header: bool, limit: int | None, dtype: np.dtype,
                        encoding: str, unicode_errors: str, source: str, quantized: str):
    """Keys and compressed table of a word2vec text (``header``) or GloVe file, streamed."""
    compressed = _is_compressed(path)
    with _open(path, source) as fh:
        data, eof = _first_line(fh, source)
        if not data:
            raise ValueError(f"{source}: the file is empty (no vectors)")
        if header:
            n_header, dim, body = _read_header(data, source, encoding)
            want = n_header if limit is None else min(n_header, limit)
            if not compressed:  # a row takes at least 2 bytes a value: a lying header
                want_cap = min(want, os.path.getsize(path) // max(2 * dim, 1) + 1)
            data = data[body:]
            first_line = 2
        else:
            want = _EVERYTHING if limit is None else limit
            if eof and not data.strip():
                raise ValueError(f"{source}: the file is empty (no vectors)")
            nl = data.find(b"\n")
            line = data[:nl if nl >= 0 else len(data)].rstrip()
            dim = _glove_dim(line, 0, len(line), source)
            first_line = 1
        if not header or compressed:
            want_cap = min(want, _count_lines(path, source)[0])

        def line_of(r: int) -> str:
            return f"line {first_line + r}"

        out = _Table(max(want_cap, 0), dim, quantized)
        block = None
        while True:
            cut = len(data) if eof else data.rfind(b"\n") + 1
            if cut > 0:
                data = _parse_block(data, cut, eof, out, want, dim, dtype, header, encoding,
                                    unicode_errors, source, line_of)
            if out.n >= want or eof:
                break
            block, eof = _read_more(fh, data, source, block)
            data = block
        if header:
            _check_count(fh, data, out.n, n_header, want, eof, source)
        return out.result(source, line_of)


def _parse_block(data: bytes, cut: int, eof: bool, out: _Table, want: int, dim: int,
                 dtype: np.dtype, header: bool, encoding: str, unicode_errors: str,
                 source: str, line_of) -> bytes:
    """Parse the complete lines of ``data[:cut]`` into ``out`` (at most ``want`` rows in
    all); returns the bytes left for the next block (blank lines at the end of a block
    wait there: only blank lines at the end of the file are not vectors)."""
    from .._kernels.parse import _line_bounds

    buf = np.frombuffer(data, dtype=np.uint8)[:cut]
    starts, ends, stop = _line_bounds(buf, 0, min(want - out.n, _EVERYTHING))
    n_rows = starts.shape[0]
    while n_rows and ends[n_rows - 1] == starts[n_rows - 1]:
        n_rows -= 1
    rest = int(stop) if n_rows == starts.shape[0] else int(starts[n_rows])
    if n_rows == 0:
        return data[rest:]

    def where(r: int) -> str:
        return line_of(out.n + r)

    # (``header`` adds the header's dimension to an error on the file's first row)
    table, word_ends = _parse_lines(data, buf, starts[:n_rows], ends[:n_rows], dim, dtype,
                                    header and out.n == 0, encoding, unicode_errors, source,
                                    where)
    out.add(_words(buf, starts[:n_rows], word_ends, encoding, unicode_errors, source, where),
            table)
    return data[rest:]


def _check_count(fh: IO[bytes], data: bytes, n_read: int, n_header: int, want: int,
                 eof: bool, source: str) -> None:
    """The header's count against the rows found (see ``_io._verify_vector_count``)."""
    if n_read < want:
        raise TruncatedFileError(f"{source}: line 1: the header promises {n_header} vectors, "
                                 f"but the file has {n_read}")
    if want < n_header:
        return
    tail = data
    while True:
        if tail.strip():
            raise ValueError(f"{source}: line 1: the header promises {n_header} vectors, but "
                             f"the file has more (line {2 + want} is vector {want + 1})")
        if eof:
            return
        tail = _read(fh, BLOCK_BYTES, source)
        eof = not tail


def _is_compressed(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(8)
    return any(head.startswith(magic) for magic in _MAGIC)


def load_binary_quantized(path: Path, limit: int | None, dtype: np.dtype, encoding: str,
                          unicode_errors: str, source: str, quantized: str):
    """Keys and compressed table of a word2vec binary file, streamed record by record."""
    from .._kernels.parse import _gather_records, _scan_binary

    with _open(path, source) as fh:
        data, eof = _first_line(fh, source)
        if not data:
            raise ValueError(f"{source}: the file is empty (no vectors)")
        n_header, dim, body = _read_header(data, source, encoding)
        n = n_header if limit is None else min(n_header, limit)
        # a record takes at least 4 * dim + 2 bytes: a lying header allocates nothing
        size = _count_lines(path, source)[1] if _is_compressed(path) else \
            os.path.getsize(path)
        n = min(n, (size - body) // (4 * dim + 2) + 1)
        out = _Table(max(n, 0), dim, quantized)
        want = n_header if limit is None else min(n_header, limit)
        offset = body  # of data[0] in the (decompressed) file
        data = data[body:]

        def vector_of(r: int) -> str:
            return f"vector {r + 1}"

        stuck = False  # no whole record in ``data``: read more whatever its length
        while out.n < want:
            if not eof and (stuck or len(data) < BLOCK_BYTES):
                more = _read(fh, BLOCK_BYTES, source)
                eof = not more
                data += more
            buf = np.frombuffer(data, dtype=np.uint8)
            n_scan = min(want - out.n, len(data) // (4 * dim + 1) + 1)
            starts = np.empty(n_scan, dtype=np.int64)
            word_ends = np.empty(n_scan, dtype=np.int64)
            vec_starts = np.empty(n_scan, dtype=np.int64)
            n_read, status, pos = _scan_binary(buf, 0, n_scan, dim, starts, word_ends,
                                               vec_starts)
            if status and eof:
                what = "the file ends before the space after the word" if status == 1 else \
                    f"truncated record: expected {4 * dim} bytes of float32 values after the word"
                raise TruncatedFileError(
                    f"{source}: vector {out.n + n_read + 1} of {n_header} (at byte "
                    f"{offset + (pos if status == 1 else int(starts[n_read]))}): {what} "
                    "(truncated file, or a wrong header)")
            empty = np.flatnonzero(word_ends[:n_read] == starts[:n_read])
            if empty.size:
                raise ValueError(f"{source}: {vector_of(out.n + int(empty[0]))} (at byte "
                                 f"{offset + int(starts[empty[0]])}): empty word")

            def where(r: int, base: int = out.n) -> str:
                return vector_of(base + r)

            keys = _words(buf, starts[:n_read], word_ends[:n_read], encoding, unicode_errors,
                          source, where)
            raw = np.empty((n_read, 4 * dim), dtype=np.uint8)
            _gather_records(buf, vec_starts[:n_read], raw)
            table = raw.view("<f4").reshape(n_read, dim)
            out.add(keys, table.astype(dtype, copy=dtype != np.float32))
            end = pos if status == 0 else (pos if status == 1 else int(starts[n_read]))
            offset += end
            data = data[end:]
            stuck = n_read == 0
        if want == n_header:
            tail = data
            while True:
                if tail.strip():
                    raise ValueError(
                        f"{source}: line 1: the header promises {n_header} vectors of "
                        f"dimension {dim}, but more data follows the last one (at byte "
                        f"{offset})")
                if eof:
                    break
                tail = _read(fh, BLOCK_BYTES, source)
                eof = not tail
    return out.result(source, vector_of)


def load_quantized(path, fmt: str, limit: int | None, dtype: np.dtype, encoding: str,
                   unicode_errors: str, mmap_mode: str | None, quantized: str):
    """``load_vectors(..., quantize=quantized)`` (arguments checked): text and binary
    word2vec and GloVe files streamed, native and fastText files loaded then compressed."""
    from ._io import load_vectors
    from ._quantized import QuantizedVectors

    path = Path(os.fspath(path))
    source = str(path)
    if mmap_mode is None and fmt in ("auto", "word2vec", "word2vec-binary", "glove"):
        with open(path, "rb") as fh:
            head = fh.read(8)
        from ._fasttext_bin import looks_like_fasttext
        from ._native import _ZIP_MAGIC

        if fmt == "auto" and not (head.startswith(_ZIP_MAGIC) or looks_like_fasttext(head)):
            fmt = sniff(path, source)
        if fmt in ("word2vec", "glove"):
            return load_text_quantized(path, fmt == "word2vec", limit, dtype, encoding,
                                       unicode_errors, source, quantized)
        if fmt == "word2vec-binary":
            return load_binary_quantized(path, limit, dtype, encoding, unicode_errors, source,
                                         quantized)
    vectors = load_vectors(path, fmt, limit, dtype, encoding, unicode_errors, mmap_mode)
    if isinstance(vectors, QuantizedVectors):
        if vectors.weight.dtype != quantized:
            raise ValueError(f"{source}: the file holds a table quantized as "
                             f"{vectors.weight.dtype}, not {quantized}: pass "
                             f"quantize={vectors.weight.dtype!r} (or None)")
        return vectors
    return vectors.quantize(quantized)
