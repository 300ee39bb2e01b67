"""Reading word-vector files: word2vec (text, binary), GloVe, native, fastText .bin.

Writing is ``_write``'s; fastText ``.bin`` files are read only.

Formats
-------
``"word2vec"``
    Text. A header line ``"N D"`` (number of vectors, dimension), then one line
    per vector: the word, then D numbers, separated by spaces.
``"word2vec-binary"``
    The C tool's and gensim's binary format: the header ``"N D\\n"``, then per
    vector the word's bytes, a space, D little-endian float32 values, and
    optionally ``"\\n"``.
``"glove"``
    Text like ``"word2vec"`` without the header; D is the number of values on
    the first line.
``"native"``
    Lossless, and memory-mappable. An uncompressed ``.npz`` (a zip archive that
    ``np.load`` reads) with two members: ``weight.npy``, the table as saved
    (float32 or float64, C order), and ``meta.npy``, a uint8 array holding the
    UTF-8 JSON ``{"format": "sparsedense.Vectors", "version": 1, "keys": [...],
    ...}`` (ASCII-escaped, so any ``str`` key survives). Because the zip member
    is stored uncompressed, ``mmap_mode="r"`` maps ``weight.npy`` in place
    without reading it. Per-key attributes (``expandos``, e.g. counts) are
    kept: a numeric one as an ``expando_<i>.npy`` member (read into memory),
    an object one (str values) as a JSON list in the meta (see ``_native``).
``"fasttext"``
    Facebook fastText's ``.bin`` model (``FastText::saveModel``, the files of
    its pre-trained models such as ``cc.ko.300.bin``): the arguments, the
    vocabulary, and the word and n-gram rows; read into a
    :class:`~sparsedense.vectors.FastTextVectors` (see ``_fasttext_bin``).

Text is read by a Numba kernel over the bytes of the whole file, with numbers
parsed exactly like ``float()`` (see ``sparsedense._kernels.parse``), so a
table read here is bit for bit ``dtype(float(token))``, as gensim reads it.
Files ending in ``.gz``, ``.bz2`` or ``.xz`` (or starting with those formats'
magic bytes) are decompressed in memory first.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._base.errors import FileDecodeError, TruncatedFileError
from .._base.files import decompress as _decompress
from ._checks import FORMATS, QUANTIZED, _check_choice, _check_dtype, _check_encoding, _check_limit
from ._fasttext_bin import load_fasttext, looks_like_fasttext
from ._native import _ZIP_MAGIC, _load_native
from ._write import save_vectors

__all__ = ["load_vectors", "save_vectors"]  # save_vectors is _write's, reachable here too

_NUMBERISH = re.compile(rb"[0-9eE+\-.naifty NAIFTY\t\r]*")
#: more lines than any file holds (the kernels count lines in int64)
_EVERYTHING = np.iinfo(np.int64).max


# -- loading ---------------------------------------------------------------------------

def load_vectors(path: str | os.PathLike, format: str = "auto", limit: int | None = None,
                 dtype: Any = np.float32, encoding: str = "utf-8", unicode_errors: str = "strict",
                 mmap_mode: str | None = None, quantize: str | None = None):
    """Read word vectors from a word2vec, word2vec-binary, GloVe, native or fastText .bin file.

    Parameters
    ----------
    path : str or path-like
        The file. ``.gz``, ``.bz2`` and ``.xz`` files are decompressed in memory.
    format : {'auto', 'word2vec', 'word2vec-binary', 'glove', 'native', 'fasttext'}, \
default='auto'
        'auto' sniffs: native if the file is a zip archive (``.npz``);
        fasttext if it starts with fastText's magic number 793712314 (or, a
        file of fastText before 0.2, with two small int32, its ``dim`` and
        ``ws``); else
        word2vec if the first line is two integers ``N D`` (binary if the
        bytes after the first word are not numbers written as text); else
        GloVe. A GloVe file whose first line is a word made of digits followed
        by one integer looks like a header: pass ``format='glove'``.
    limit : int, optional
        Read only the first ``limit`` vectors (the rest of the file is not
        parsed). ``limit=0`` reads none (gensim reads all with 0). For a
        fastText file, the first ``limit`` words of its vocabulary (every
        n-gram row is kept, so other words still get vectors).
    dtype : {np.float32, np.float64}, default=np.float32
        dtype of the table. Text values are ``dtype(float(token))`` exactly.
    encoding : str, default='utf-8'
        Encoding of the words (an ASCII-compatible one: spaces and newlines are
        found in the bytes).
    unicode_errors : str, default='strict'
        What to do with words that are not valid in ``encoding``, as in
        ``bytes.decode``: 'strict' raises ValueError naming the line;
        'replace', 'ignore', 'surrogateescape'... decode anyway.
    mmap_mode : {None, 'r', 'c'}, default=None
        For an uncompressed native file: memory-map the table (read-only, or
        copy-on-write) instead of reading it.
    quantize : {None, 'int8', 'int4', 'float16'}, default=None
        Return the vectors with their table compressed
        (:meth:`Vectors.quantize`): the same table as
        ``load_vectors(path).quantize(quantize)``, byte for byte. A word2vec,
        word2vec-binary or GloVe file is streamed a block at a time into the
        compressed rows, so the memory held is the compressed table, the keys
        and one block (4 MiB of the file), never the float table. A native
        file is read (or mapped) then compressed (one saved compressed is
        returned as it is, if of this format); a fastText model, its
        vocabulary's vectors.

    Returns
    -------
    Vectors
        Keys in file order, table of shape ``(N, D)``. For a fastText file a
        :class:`~sparsedense.vectors.FastTextVectors` (what gensim's
        ``load_facebook_vectors`` returns): ``vectors`` holds the vocabulary
        words' vectors composed with their n-grams, ``vectors_vocab`` and
        ``vectors_ngrams`` the file's rows, and any other word gets a vector
        from its n-grams.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is damaged; the message names the line (1-based, the header
        counting as line 1) or, in a binary file, the vector and byte offset:
        a row with the wrong number of values, a token that is not a number, a
        header that disagrees with the body, a truncated binary record, an
        empty file, a word not valid in ``encoding`` (with 'strict'), or a word
        that appears twice. Words must be distinct: here a repeated word is an
        error naming both lines (gensim 4.4 keeps the first, logs a warning,
        and leaves a ``None`` key with a zero row where the repeat was).
        Nothing is returned half-loaded. In a fastText file: a wrong magic
        number or version, impossible arguments or dictionary sizes, a
        matrix whose shape disagrees with them, or bytes after the output
        matrix.
    UnsupportedOptionError
        (A ValueError and a NotImplementedError, gensim's type.) A supervised
        fastText model (with labels) or a quantized one (``.ftz``).
    TruncatedFileError
        (A ValueError and an EOFError, gensim's type.) If the file ends before
        the number of vectors its header promises, in the middle of a binary
        record or of its last line, or if a native file's ``.npy`` header
        promises more rows than it holds, or if a fastText file ends inside
        its arguments, dictionary or matrices. Counts read from the file are
        checked against its size before anything is allocated by them.
    FileDecodeError
        (A UnicodeDecodeError, gensim's type.) With ``unicode_errors='strict'``,
        if a word or value is not valid in ``encoding`` (for a fastText file,
        gensim logs an error and decodes with 'backslashreplace' instead: pass
        ``unicode_errors='backslashreplace'`` for its keys).

    Notes
    -----
    Text lines are split like gensim does: the word is everything up to the
    first space (it may hold any other byte), trailing whitespace and ``\\r``
    are ignored, and the values are separated by spaces (runs of spaces are
    accepted). Unlike gensim, lines after the N promised by the header are an
    error, not ignored; trailing blank lines are allowed.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from sparsedense.vectors import Vectors, load_vectors, save_vectors
    >>> W = np.array([[0.1, -2.5], [3.0, 1e-3]], dtype=np.float32)
    >>> kv = Vectors(["예금", "적금"], W)
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.txt")
    >>> save_vectors(kv, path, format="word2vec")
    >>> print(open(path, encoding="utf-8").read(), end="")
    2 2
    예금 0.1 -2.5
    적금 3 0.001
    >>> back = load_vectors(path)
    >>> back.index_to_key, bool(np.array_equal(back.weight, kv.weight))
    (['예금', '적금'], True)
    """
    from ._quantized import QuantizedVectors
    from ._vectors import Vectors

    fmt = _check_choice(format, "format", FORMATS)
    limit = _check_limit(limit)
    dtype = _check_dtype(dtype)
    _check_encoding(encoding, unicode_errors)
    if mmap_mode not in (None, "r", "c"):
        raise ValueError(f"mmap_mode must be None, 'r' (read-only) or 'c' (copy-on-write); "
                         f"got {mmap_mode!r}")
    if quantize is not None:
        from ._stream import load_quantized

        return load_quantized(path, fmt, limit, dtype, encoding, unicode_errors, mmap_mode,
                              _check_choice(quantize, "quantize", QUANTIZED))
    path = Path(os.fspath(path))
    source = str(path)
    expandos: dict = {}  # a native file's per-key attributes
    if mmap_mode is not None:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic != _ZIP_MAGIC or fmt not in ("auto", "native"):
            kind = "not an uncompressed native (.npz) file" if magic != _ZIP_MAGIC else \
                f"read as format={fmt!r}"
            raise ValueError(f"{source}: mmap_mode={mmap_mode!r} maps the table of an "
                             f"uncompressed native file, but this file is {kind}; "
                             "pass mmap_mode=None")
        keys, table = _load_native(path, limit, dtype, mmap_mode, source, expandos)
    else:
        with open(path, "rb") as fh:
            head = fh.read(8)
        if fmt in ("auto", "fasttext") and looks_like_fasttext(head):  # mapped, not read
            return load_fasttext(path, None, limit, dtype, encoding, unicode_errors, source)
        data = _decompress(path.read_bytes(), source)
        if fmt == "fasttext" or (fmt == "auto" and looks_like_fasttext(data[:8])):
            return load_fasttext(path, data, limit, dtype, encoding, unicode_errors, source)
        keys, table = _parse_bytes(data, fmt, limit, dtype, encoding, unicode_errors, source,
                                   expandos)
    try:
        vectors = Vectors(keys, table) if isinstance(table, np.ndarray) else \
            QuantizedVectors(keys, table)
    except ValueError as exc:  # a native file's repeated keys (the other formats check theirs)
        raise ValueError(f"{source}: damaged vectors file ({exc})") from None
    vectors.expandos.update(expandos)
    return vectors


def _parse_bytes(data: bytes, fmt: str, limit: int | None, dtype: np.dtype, encoding: str,
                 unicode_errors: str, source: str = "<bytes>",
                 expandos: dict | None = None) -> tuple[list, np.ndarray]:
    """Keys and table of a whole (decompressed) file held in ``data`` (a native file's
    per-key attributes go into ``expandos`` when given)."""
    if not data:
        raise ValueError(f"{source}: the file is empty (no vectors)")
    if fmt == "auto":
        fmt = _sniff(data)
    if fmt == "native":
        if not data.startswith(_ZIP_MAGIC):
            raise ValueError(f"{source}: not a native vectors file (not a zip archive / .npz)")
        return _load_native(io.BytesIO(data), limit, dtype, None, source, expandos)
    if fmt == "word2vec-binary":
        return _parse_binary(data, limit, dtype, encoding, unicode_errors, source)
    return _parse_text(data, fmt == "word2vec", limit, dtype, encoding, unicode_errors, source)


def _read_header(data: bytes, source: str, encoding: str = "utf-8") -> tuple[int, int, int]:
    """``(N, D, offset of line 2)`` from a word2vec header line."""
    nl = data.find(b"\n")
    line = data[: nl if nl >= 0 else len(data)]
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        message = (f"{source}: line 1: expected the header 'N D' (number of vectors, then "
                   f"dimension), found {_shorten(line)}; a file without a header line is "
                   "format='glove'")
        try:
            line.decode(encoding)
        except UnicodeDecodeError as exc:  # gensim decodes the header first
            raise FileDecodeError(message, exc.encoding, exc.object, exc.start, exc.end,
                                  exc.reason) from None
        raise ValueError(message)
    n, dim = int(parts[0]), int(parts[1])
    if dim >= 2 ** 31:
        raise ValueError(f"{source}: line 1: the header's dimension {dim} is too large "
                         "(damaged header?)")
    return n, dim, (nl + 1 if nl >= 0 else len(data))


def _sniff(data: bytes) -> str:
    if data.startswith(_ZIP_MAGIC):
        return "native"
    nl = data.find(b"\n")
    parts = data[: nl if nl >= 0 else len(data)].split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return "glove"
    dim = int(parts[1])
    body = nl + 1 if nl >= 0 else len(data)
    end = data.find(b"\n", body)
    line = data[body: end if end >= 0 else len(data)].rstrip()
    space = line.find(b" ")
    if not line or (space < 0 and dim == 0):
        return "word2vec"
    rest = line[space + 1:] if space >= 0 else b""
    if space >= 0 and _NUMBERISH.fullmatch(rest):
        count = len(rest.split())
        # float32 bytes are numberish up to a "\n" byte by chance only in short runs
        if count == dim or (count >= 2 and len(rest) >= 8):
            return "word2vec"
    return "word2vec-binary"


def _parse_text(data: bytes, header: bool, limit: int | None, dtype: np.dtype, encoding: str,
                unicode_errors: str, source: str) -> tuple[list, np.ndarray]:
    """Keys and table of a word2vec text file (``header``) or a GloVe file."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if header:
        n_header, dim, body = _read_header(data, source, encoding)
        want = n_header if limit is None else min(n_header, limit)
        # one line more than promised tells "the file goes on"
        starts, ends = _lines(buf, body, want + (want == n_header))
    else:
        want = _EVERYTHING if limit is None else limit
        starts, ends = _lines(buf, 0, max(want, 1))  # line 1 gives the dimension
        if starts.shape[0] == 0:
            raise ValueError(f"{source}: the file is empty (no vectors)")
        dim = _glove_dim(data, starts[0], ends[0], source)
    first_line = 2 if header else 1

    def line_of(r: int) -> str:
        return f"line {first_line + r}"

    table, word_ends = _parse_lines(data, buf, starts[:want], ends[:want], dim, dtype, header,
                                    encoding, unicode_errors, source, line_of)
    if header:
        _verify_vector_count(data, starts, n_header, want, source)
    keys = _decode_words(buf, starts[:want], word_ends, encoding, unicode_errors, source,
                         line_of)
    return keys, table


def _lines(buf: np.ndarray, start: int, max_lines: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of at most ``max_lines`` lines from ``buf[start:]`` (see
    ``_line_bounds``); blank lines at the very end of the file are not vectors."""
    from .._kernels.parse import _line_bounds

    starts, ends, stop = _line_bounds(buf, start, min(max_lines, _EVERYTHING))
    n_rows = starts.shape[0]
    if stop >= buf.shape[0]:
        while n_rows and ends[n_rows - 1] == starts[n_rows - 1]:
            n_rows -= 1
    return starts[:n_rows], ends[:n_rows]


def _parse_lines(data: bytes, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, dim: int,
                 dtype: np.dtype, header: bool, encoding: str, unicode_errors: str, source: str,
                 line_of) -> tuple[np.ndarray, np.ndarray]:
    """The table of the lines ``starts``/``ends``, and where each line's word ends.

    The kernel parses the numbers it can parse exactly; the lines holding
    others are parsed again with ``float()``. The first line that is not a
    word then ``dim`` values is an error naming it (``line_of(row)``).
    """
    from .._kernels._dispatch import choose
    from .._kernels.parse import POW10, _parse_text_rows

    n_rows = starts.shape[0]
    # a table too large for the file means some row is short: find it without allocating
    alloc_dim = dim if 2 * n_rows * dim <= len(data) else 0
    table = np.empty((n_rows, alloc_dim), dtype=dtype)
    word_ends = np.empty(n_rows, dtype=np.int64)
    n_tokens = np.empty(n_rows, dtype=np.int64)
    n_slow = np.empty(n_rows, dtype=np.int64)
    choose(_parse_text_rows, n_rows * dim)(buf, starts, ends, table, word_ends, n_tokens,
                                           n_slow, POW10)
    bad = np.flatnonzero((n_tokens != dim) | (word_ends == starts))
    first_bad = int(bad[0]) if bad.size else n_rows
    empty_word = first_bad < n_rows and word_ends[first_bad] == starts[first_bad]
    # the rows up to the first bad one, and that one too if it has a word
    for r in np.flatnonzero(n_slow[: first_bad + (not empty_word)]).tolist():
        _reparse_row(data, int(word_ends[r]), int(ends[r]), table, r, dim, encoding,
                     unicode_errors, f"{source}: {line_of(r)}")
    if first_bad < n_rows:
        raise _bad_line(data, starts, ends, word_ends, first_bad, int(n_tokens[first_bad]),
                        dim, header, encoding, f"{source}: {line_of(first_bad)}")
    if alloc_dim != dim:  # not reached: a file this short has a short row, found above
        raise ValueError(f"{source}: the file is too short for {n_rows} vectors of dimension "
                         f"{dim}")
    return table, word_ends


def _bad_line(data: bytes, starts: np.ndarray, ends: np.ndarray, word_ends: np.ndarray, r: int,
              n_values: int, dim: int, header: bool, encoding: str, where: str) -> ValueError:
    """The error for line ``r``: no word, or ``n_values`` values after it instead of ``dim``
    (a TruncatedFileError when it is the file's last line and too short)."""
    if word_ends[r] == starts[r]:
        what = "an empty line" if ends[r] == starts[r] else "a line starting with a space"
        return ValueError(f"{where}: expected a word then {dim} values, found {what}")
    word = data[starts[r]: word_ends[r]].decode(encoding, "replace")
    hint = ""
    if header and r == 0:
        hint = f" (the header on line 1 says dimension {dim})"
    elif not header and r == 1 and _looks_like_header(data, starts[0], ends[0]):
        hint = " (line 1 looks like a word2vec header 'N D': use format='word2vec')"
    error = ValueError
    if n_values < dim and data.find(b"\n", starts[r]) < 0:  # the last line, cut
        error = TruncatedFileError
        hint += "; the file ends in the middle of this line (truncated file?)"
    return error(f"{where}: expected {dim} values after the word {word!r}, found "
                 f"{n_values}{hint}")


def _verify_vector_count(data: bytes, starts: np.ndarray, n_header: int, want: int,
                        source: str) -> None:
    """The header's count against the lines found (``starts``: at most ``want + 1``)."""
    if starts.shape[0] > want and data[starts[want]:].strip():
        raise ValueError(f"{source}: line 1: the header promises {n_header} vectors, but the "
                         f"file has more (line {2 + want} is vector {want + 1})")
    if starts.shape[0] < want:  # with a limit too: the file is cut short before it
        raise TruncatedFileError(f"{source}: line 1: the header promises {n_header} vectors, "
                                 f"but the file has {starts.shape[0]}")


def _glove_dim(data: bytes, start: int, end: int, source: str) -> int:
    line = data[start:end]
    space = line.find(b" ")
    dim = 0 if space < 0 else sum(1 for t in line[space + 1:].split(b" ") if t)
    if dim == 0:
        raise ValueError(f"{source}: line 1: expected a word then its values, found "
                         f"{_shorten(line)} (no values after the word)")
    return dim


def _looks_like_header(data: bytes, start: int, end: int) -> bool:
    parts = data[start:end].split()
    return len(parts) == 2 and all(p.isdigit() for p in parts)


def _reparse_row(data: bytes, start: int, end: int, table: np.ndarray, r: int, dim: int,
                 encoding: str, unicode_errors: str, where: str) -> None:
    """Parse the values of one line with ``float()`` (tokens the kernel left to Python)."""
    tokens = [t for t in data[start:end].split(b" ") if t][:dim]
    try:
        values = list(map(float, b" ".join(tokens).decode(encoding, unicode_errors).split(" ")))
    except ValueError:  # UnicodeDecodeError included: find the culprit
        for col, tok in enumerate(tokens):
            try:
                float(tok.decode(encoding, unicode_errors))
            except ValueError as exc:
                shown = tok.decode(encoding, "replace")
                message = f"{where}: {shown!r} is not a number (value {col + 1} after the word)"
                if col == len(tokens) - 1 and end == len(data):  # the file's last bytes
                    raise TruncatedFileError(f"{message}; the file ends in the middle of this "
                                             "line (truncated file?)") from None
                if isinstance(exc, UnicodeDecodeError):  # as gensim raises for the line
                    raise FileDecodeError(message, exc.encoding, exc.object, exc.start,
                                          exc.end, exc.reason) from None
                raise ValueError(message) from None
        raise ValueError(f"{where}: the values are not numbers") from None  # not reached
    if len(values) == dim:
        with np.errstate(over="ignore"):  # 1e300 -> inf in float32, like np.float32(1e300)
            table[r] = np.array(values, dtype=np.float64)


def _parse_binary(data: bytes, limit: int | None, dtype: np.dtype, encoding: str,
                  unicode_errors: str, source: str) -> tuple[list, np.ndarray]:
    from .._kernels.parse import _gather_records, _scan_binary

    buf = np.frombuffer(data, dtype=np.uint8)
    n_header, dim, body = _read_header(data, source, encoding)
    n = n_header if limit is None else min(n_header, limit)
    # the header's count is not trusted: every array below is sized by the file. A record
    # takes at least 4 * dim + 1 bytes, so a file too short for n records is cut short
    # within its first n_scan records, and the scan finds where
    n_scan = min(n, (len(data) - body) // (4 * dim + 1) + 1)
    word_starts = np.empty(n_scan, dtype=np.int64)
    word_ends = np.empty(n_scan, dtype=np.int64)
    vec_starts = np.empty(n_scan, dtype=np.int64)
    n_read, status, pos = _scan_binary(buf, body, n_scan, dim, word_starts, word_ends,
                                       vec_starts)
    if status:
        # a record holds a word of at least one byte, a space and the vector
        room = len(data) - body
        fits = room // (4 * dim + 2)
        why = " (truncated file, or a wrong header)"
        if fits < n:
            why = (f"; the header '{n_header} {dim}' promises {n_header} vectors of dimension "
                   f"{dim} (at least {4 * dim + 2} bytes each), but the {room} bytes after it "
                   f"can hold at most {fits}{why}")
        if status == 1:
            raise TruncatedFileError(
                f"{source}: vector {n_read + 1} of {n_header} (at byte {pos}): the file ends "
                f"before the space after the word{why}")
        word = data[word_starts[n_read]: word_ends[n_read]].decode(encoding, "replace")
        raise TruncatedFileError(
            f"{source}: vector {n_read + 1} of {n_header} (word {word!r}, at byte "
            f"{int(word_starts[n_read])}): truncated record: expected {4 * dim} bytes of "
            f"float32 values after the word, found {len(data) - pos}{why}")
    if n == n_header and data[pos:].strip():
        raise ValueError(
            f"{source}: line 1: the header promises {n_header} vectors of dimension {dim}, "
            f"but more data follows the last one (at byte {pos})")

    def vector_of(r: int) -> str:
        return f"vector {r + 1} (at byte {int(word_starts[r])})"

    empty = np.flatnonzero(word_ends == word_starts)
    if empty.size:
        raise ValueError(f"{source}: {vector_of(int(empty[0]))}: empty word")
    keys = _decode_words(buf, word_starts, word_ends, encoding, unicode_errors, source,
                         vector_of)
    raw = np.empty((n, 4 * dim), dtype=np.uint8)  # n records were found in the file
    _gather_records(buf, vec_starts, raw)
    table = raw.view("<f4").reshape(n, dim)
    return keys, table.astype(dtype, copy=dtype != np.float32)


def _decode_words(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, encoding: str,
                  unicode_errors: str, source: str, where) -> list:
    """Decode every word; strict errors name the line; repeated words are refused."""
    from .._kernels.parse import _gather_words

    n = starts.shape[0]
    keys = None
    if codecs.lookup(encoding).name in ("utf-8", "ascii", "iso8859-1", "latin-1") and n:
        joined = _gather_words(buf, starts, ends, 10).tobytes()
        try:
            keys = joined.decode(encoding, unicode_errors).split("\n")
        except UnicodeDecodeError:  # which word: one by one below (a word may hold a newline)
            keys = None
        if keys is not None and len(keys) != n:  # a word held a newline (binary files)
            keys = None
    if keys is None:
        keys = []
        for r in range(n):
            try:
                keys.append(buf[starts[r]: ends[r]].tobytes().decode(encoding, unicode_errors))
            except UnicodeDecodeError as exc:
                raise FileDecodeError(_bad_word(buf, starts, ends, r, exc, encoding, source,
                                                where), exc.encoding, exc.object, exc.start,
                                      exc.end, exc.reason) from None
    if len(set(keys)) != n:
        seen: dict[str, int] = {}
        for r, key in enumerate(keys):
            first = seen.setdefault(key, r)
            if first != r:
                raise ValueError(
                    f"{source}: {where(r)}: the word {key!r} repeats {where(first)}; words "
                    "must be distinct (gensim keeps the first and drops the repeat)")
    return keys


def _bad_word(buf, starts, ends, r, exc, encoding, source, where) -> str:
    raw = buf[starts[r]: ends[r]].tobytes()
    return (f"{source}: {where(r)}: the word {_shorten(raw)} is not valid {encoding} "
            f"({exc.reason}); pass unicode_errors='replace' or 'ignore' to load it anyway")


def _shorten(raw: bytes, limit: int = 60) -> str:
    text = repr(raw[:limit])
    return text + ("..." if len(raw) > limit else "")
