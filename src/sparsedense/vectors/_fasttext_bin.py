"""Facebook fastText ``.bin`` model files, read into a :class:`FastTextVectors`.

The layout (fastText's ``FastText::saveModel``, all little-endian)
------------------------------------------------------------------
1. Since fastText 0.2: the magic int32 793712314 and the version int32 (11
   or 12). Older files have neither and start directly with ``dim`` and
   ``ws`` (gensim's "old format").
2. The arguments: int32 ``dim``, ``ws`` (new format only; in the old format
   they were 1.), ``epoch``, ``minCount``, ``neg``, ``wordNgrams``, ``loss``,
   ``model``, ``bucket``, ``minn``, ``maxn``, ``lrUpdateRate``, then the
   float64 ``t`` (the sampling threshold).
3. The dictionary: int32 ``size``, ``nwords``, ``nlabels``; int64
   ``ntokens``; (new format) int64 ``pruneidx_size``. Then ``size`` entries:
   the word's bytes, a NUL, its int64 count and an int8 type (0 word, 1
   label); then (new format) ``pruneidx_size`` pairs of int32.
4. The input matrix: (new format) a bool ``quant_input``; int64 rows and
   columns; the float32 rows: ``nwords`` word rows, then ``bucket`` n-gram rows.
5. The output matrix, the same way (a bool ``qout``, rows, columns, floats).

Every count is checked against the bytes left in the file before anything
is allocated from it, and the file must end exactly after the output matrix.
An uncompressed file is memory-mapped, so only the vocabulary and the input
matrix are read (the output matrix is skipped); a compressed one is
decompressed in memory first.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._base.errors import TruncatedFileError, UnsupportedOptionError

MAGIC = 793712314
MAGIC_BYTES = struct.pack("<i", MAGIC)
_VERSIONS = (11, 12)
#: the arguments after the magic and version (new format)
_NEW_ARGS = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model",
             "bucket", "minn", "maxn", "lr_update_rate")
#: the arguments after ``dim`` and ``ws`` (old format)
_OLD_ARGS = _NEW_ARGS[2:]
#: an entry is at least its NUL, its int64 count and its int8 type
_MIN_ENTRY = 10


class FastTextFile(NamedTuple):
    """What a ``.bin`` file holds, its matrices left as views of the file's bytes."""

    args: dict[str, Any]  # dim, ws, epoch, min_count, neg, ..., t, version (None: old format)
    words: list[str]  # the vocabulary, in file order
    counts: np.ndarray  # int64, one per word
    ntokens: int
    input: np.ndarray  # (nwords + bucket, dim) float32 view
    output_shape: tuple[int, int]
    output_offset: int  # where the output matrix's floats start


class _Reader:
    """Fixed-size fields from ``data`` (bytes or an mmap), each checked against its end."""

    def __init__(self, data: Any, source: str) -> None:
        self.data, self.source, self.pos, self.size = data, source, 0, len(data)

    def unpack(self, fmt: str, what: str) -> tuple:
        n = struct.calcsize(fmt)
        if self.pos + n > self.size:
            raise TruncatedFileError(
                f"{self.source}: the file ends at byte {self.size}, in the {what} (needs {n} "
                f"bytes at byte {self.pos}; truncated file?)")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += n
        return values

    def fail(self, what: str, error: type = ValueError) -> Exception:
        return error(f"{self.source}: {what} (damaged file, or not a fastText .bin file)")


def looks_like_fasttext(head: bytes) -> bool:
    """Whether the first bytes of a file are a fastText ``.bin``'s: the magic, or (old
    format) two small positive int32 (``dim``, ``ws``) -- bytes no text file starts with."""
    if head[:4] == MAGIC_BYTES:
        return True
    if len(head) < 8:
        return False
    dim, ws = struct.unpack_from("<2i", head)
    return 0 < dim < 1 << 16 and 0 < ws < 1 << 16


def parse(data: Any, source: str, encoding: str, unicode_errors: str) -> FastTextFile:
    """The arguments, vocabulary and matrices of a whole ``.bin`` file held in ``data``."""
    from ._io import _decode_words

    r = _Reader(data, source)
    if r.size == 0:
        raise ValueError(f"{source}: the file is empty (no vectors)")
    first, second = r.unpack("<2i", "header (magic and version)")
    new = first == MAGIC
    if not new and not (0 < first < 1 << 16 and 0 < second < 1 << 16):
        raise ValueError(f"{source}: not a fastText .bin file: it starts with "
                         f"{bytes(data[:8])!r}, neither the magic number {MAGIC} (fastText "
                         "0.2 and later) nor an old file's dimension and window size")
    if new:
        if second not in _VERSIONS:
            raise ValueError(f"{source}: fastText file version {second} is not supported "
                             f"(versions {_VERSIONS[0]} and {_VERSIONS[1]} are read)")
        names = _NEW_ARGS
        args: dict[str, Any] = {}
    else:
        names = _OLD_ARGS
        args = {"dim": first, "ws": second}
    args.update(zip(names, r.unpack(f"<{len(names)}i", "model arguments")))
    args["t"] = r.unpack("<d", "model arguments")[0]
    args["version"] = second if new else None
    dim, bucket, minn, maxn = args["dim"], args["bucket"], args["minn"], args["maxn"]
    if dim <= 0 or bucket < 0 or minn < 0 or maxn < 0 or (minn == 0 and maxn > 0):
        raise r.fail(f"the model arguments dim={dim}, bucket={bucket}, minn={minn}, "
                     f"maxn={maxn} are impossible (dim >= 1, bucket >= 0, 1 <= minn)")

    size, nwords, nlabels = r.unpack("<3i", "dictionary sizes")
    if nlabels > 0:
        raise UnsupportedOptionError(
            f"{source}: a supervised fastText model ({nlabels} labels) is not supported, as in "
            "gensim; only unsupervised (skipgram, cbow) models hold word vectors")
    if nwords < 0 or nlabels < 0 or size != nwords + nlabels:
        raise r.fail(f"the dictionary sizes size={size}, nwords={nwords}, nlabels={nlabels} "
                     "disagree (size = nwords + nlabels)")
    ntokens = r.unpack("<q", "dictionary sizes")[0]
    n_pruned = r.unpack("<q", "dictionary sizes")[0] if new else 0
    if nwords * _MIN_ENTRY > r.size - r.pos:
        raise r.fail(f"the dictionary promises {nwords} words (at least {_MIN_ENTRY} bytes "
                     f"each), but {r.size - r.pos} bytes follow", TruncatedFileError)
    starts, ends = _scan_words(r, nwords)
    buf = np.frombuffer(data, np.uint8)
    counts = buf[ends[:, None] + np.arange(1, 9)].copy().view("<i8").reshape(nwords)
    kinds = buf[ends + 9]
    if nwords and (kinds.any() or counts.min() < 0):
        bad = int(np.flatnonzero((kinds != 0) | (counts < 0))[0])
        raise r.fail(f"word {bad + 1} of {nwords} (at byte {int(starts[bad])}) has type "
                     f"{int(kinds[bad])} and count {int(counts[bad])} (expected type 0, a "
                     "word, and a count >= 0)")
    if n_pruned > 0:
        if n_pruned * 8 > r.size - r.pos:
            raise r.fail(f"the dictionary promises {n_pruned} pruned n-gram ids (8 bytes "
                         f"each), but {r.size - r.pos} bytes follow", TruncatedFileError)
        r.pos += 8 * n_pruned
    words = _decode_words(buf, starts, ends, encoding, unicode_errors, source,
                          lambda i: f"word {i + 1} of {nwords} (at byte {int(starts[i])})")
    del buf  # no view of ``data`` outlives the caller's use of the returned matrices

    in_shape, in_offset = _matrix_header(r, new, "input", dim)
    if in_shape[0] != nwords + bucket:
        raise r.fail(f"the input matrix has {in_shape[0]} rows, but the dictionary's "
                     f"{nwords} words and the bucket={bucket} n-gram rows make "
                     f"{nwords + bucket}")
    out_shape, out_offset = _matrix_header(r, new, "output", dim)
    if r.pos != r.size:
        raise r.fail(f"{r.size - r.pos} bytes follow the output matrix (the file should end "
                     f"at byte {r.pos})")
    matrix = np.frombuffer(data, "<f4", in_shape[0] * dim, in_offset).reshape(in_shape)
    return FastTextFile(args, words, counts, ntokens, matrix, out_shape, out_offset)


def _scan_words(r: _Reader, nwords: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each of the ``nwords`` entries' word starts and ends (its NUL); moves ``r``."""
    find, data, size = r.data.find, r.data, r.size
    starts, ends = [], []
    pos = r.pos
    for i in range(nwords):
        nul = find(b"\0", pos)
        if nul < 0 or nul + _MIN_ENTRY > size:
            word = bytes(data[pos: min(pos + 40, size)])
            raise TruncatedFileError(
                f"{r.source}: word {i + 1} of {nwords} (at byte {pos}, {word!r}...): the file "
                f"ends before its {'end (NUL byte)' if nul < 0 else 'count and type'} "
                "(truncated file?)")
        starts.append(pos)
        ends.append(nul)
        pos = nul + _MIN_ENTRY
    r.pos = pos
    return np.array(starts, np.int64), np.array(ends, np.int64)


def _matrix_header(r: _Reader, new: bool, which: str, dim: int) -> tuple[tuple[int, int], int]:
    """The shape and the offset of the floats of a matrix; moves ``r`` past it."""
    if new:
        (quantized,) = r.unpack("<B", f"{which} matrix header")
        if quantized > 1:
            raise r.fail(f"the {which} matrix's quantization flag is {quantized} (not 0 or 1)")
        if quantized:
            raise UnsupportedOptionError(
                f"{r.source}: the {which} matrix is quantized (a .ftz model): quantized "
                "fastText models are not supported; use the model's .bin")
    rows, cols = r.unpack("<2q", f"{which} matrix header")
    if rows < 0 or cols != dim:
        raise r.fail(f"the {which} matrix's shape ({rows}, {cols}) does not match the "
                     f"model's dim={dim}")
    offset = r.pos
    need = rows * cols * 4
    if need > r.size - offset:
        raise TruncatedFileError(
            f"{r.source}: the {which} matrix ({rows} x {cols} float32, {need} bytes from byte "
            f"{offset}) is cut short: the file ends at byte {r.size} (truncated file?)")
    r.pos += need
    return (rows, cols), offset


class FastTextBin(NamedTuple):
    """A fastText ``.bin`` model as :func:`read_fasttext_bin` returns it."""

    #: the word vectors (what ``load_vectors(path)`` returns)
    wv: Any
    #: the model's arguments: dim, ws, epoch, min_count, neg, word_ngrams, loss (1 hs, 2 ns,
    #: 3 softmax, 4 one-vs-all), model (1 cbow, 2 skipgram, 3 supervised), bucket, minn,
    #: maxn, lr_update_rate, t, and version (None for a file older than fastText 0.2)
    args: dict
    #: int64, each vocabulary word's count in the training corpus
    counts: np.ndarray
    #: the number of tokens of the training corpus
    ntokens: int
    #: float32 (nwords, dim): the output matrix (negative sampling's ``syn1neg``), or None
    output: np.ndarray | None


def read_fasttext_bin(path: str | os.PathLike, encoding: str = "utf-8",
                      unicode_errors: str = "strict", full_model: bool = True) -> FastTextBin:
    r"""Everything of a Facebook fastText ``.bin`` model: vectors, arguments, counts, output.

    :func:`~sparsedense.vectors.load_vectors` reads the word vectors alone;
    this adds what continuing the training needs (gensim's
    ``gensim.models._fasttext_bin.load``), for
    :func:`sparsedense.models.load_facebook_model`.

    Parameters
    ----------
    path : str or path-like
        The ``.bin`` file (``.gz``, ``.bz2``, ``.xz``: decompressed in memory).
    encoding, unicode_errors : str, default='utf-8', 'strict'
        How the vocabulary's words are decoded, as in ``load_vectors``.
    full_model : bool, default=True
        Read the output matrix too (False: ``output`` is None, and the file's
        output matrix is only checked for its size).

    Returns
    -------
    FastTextBin
        ``(wv, args, counts, ntokens, output)``.

    Raises
    ------
    ValueError, TruncatedFileError, FileDecodeError, UnsupportedOptionError
        As :func:`~sparsedense.vectors.load_vectors` for a fastText file.

    Examples
    --------
    >>> import os, struct, tempfile, numpy as np
    >>> from sparsedense.vectors import read_fasttext_bin
    >>> args = struct.pack("<2i12id", 793712314, 12,
    ...                    2, 5, 5, 1, 5, 1, 2, 2, 0, 0, 0, 100, 1e-4)
    >>> vocab = (struct.pack("<3iqq", 1, 1, 0, 7, -1) + b"bank\0"
    ...          + struct.pack("<qb", 7, 0))
    >>> # 1 word, bucket=0: 1 row
    >>> matrix = b"\0" + struct.pack("<2q2f", 1, 2, 0.5, -1.0)
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.bin")
    >>> with open(path, "wb") as fh:
    ...     _ = fh.write(args + vocab + matrix + matrix)
    >>> model = read_fasttext_bin(path)
    >>> model.wv.index_to_key, model.wv["bank"].tolist(), model.counts.tolist()
    (['bank'], [0.5, -1.0], [7])
    >>> model.args["model"], model.args["loss"], model.output.shape  # skipgram, ns
    (2, 2, (1, 2))
    """
    from .._base.files import decompress
    from ._checks import _check_bool, _check_encoding

    _check_encoding(encoding, unicode_errors)
    _check_bool(full_model, "full_model")
    path = Path(os.fspath(path))
    source = str(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    data = None if looks_like_fasttext(head) else decompress(path.read_bytes(), source)

    def build(buf: Any) -> FastTextBin:
        parsed = parse(buf, source, encoding, unicode_errors)
        output = None
        if full_model:
            rows, cols = parsed.output_shape
            output = np.frombuffer(buf, "<f4", rows * cols, parsed.output_offset).reshape(
                rows, cols).astype(np.float32)
        return FastTextBin(_vectors_of(parsed, None, np.dtype(np.float32)), dict(parsed.args),
                           parsed.counts, parsed.ntokens, output)

    return _with_data(path, data, source, build)


def load_fasttext(path: Path, data: bytes | None, limit: int | None, dtype: np.dtype,
                  encoding: str, unicode_errors: str, source: str):
    """A :class:`FastTextVectors` from the ``.bin`` at ``path`` (or its bytes ``data``)."""
    return _with_data(path, data, source, lambda buf: _vectors_of(
        parse(buf, source, encoding, unicode_errors), limit, dtype))


def _with_data(path: Path, data: bytes | None, source: str, build) -> Any:
    """``build(data)``; ``data`` None: ``build`` of the file memory-mapped."""
    if data is not None:
        return build(data)
    if os.path.getsize(path) == 0:
        raise ValueError(f"{source}: the file is empty (no vectors)")
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return build(mm)
    finally:
        try:
            mm.close()
        except BufferError:  # an error's traceback still holds a view: the map closes with it
            pass


def _vectors_of(parsed: FastTextFile, limit: int | None, dtype: np.dtype):
    """Compose the vocabulary words' vectors (gensim's ``adjust_vectors``)."""
    from .._kernels.fasttext import compose_vectors
    from ._fasttext import FastTextVectors, ngram_buckets

    args = parsed.args
    nwords = len(parsed.words)
    keep = nwords if limit is None else min(limit, nwords)
    words = parsed.words[:keep]
    vocab = np.array(parsed.input[:keep], dtype=np.float32)
    ngrams = np.array(parsed.input[nwords:], dtype=np.float32)
    ptr, idx = ngram_buckets(words, args["minn"], args["maxn"], args["bucket"])
    composed = np.empty_like(vocab)
    compose_vectors(vocab, ngrams, ptr, idx, composed)
    if dtype != np.float32:
        composed, vocab, ngrams = (a.astype(dtype) for a in (composed, vocab, ngrams))
    wv = FastTextVectors(words, composed, vocab, ngrams, args["minn"], args["maxn"],
                         args["bucket"])
    wv.expandos["count"] = np.array(parsed.counts[:keep], dtype=np.int64)  # gensim's "count"
    return wv


#: the arguments a written file holds, and their int32/float64 layout (after the signature)
_ARGS_FORMAT = "<12id"
_INT32_MAX = 2**31 - 1


def write_fasttext_bin(path: str | os.PathLike, wv: Any, args: dict, counts: Any,
                       ntokens: int, output: Any, encoding: str = "utf-8") -> None:
    r"""Write a Facebook fastText ``.bin`` model (new format: magic 793712314, version 12).

    The counterpart of :func:`read_fasttext_bin`, laid out as gensim's
    ``save_facebook_model`` writes it: the signature, the arguments, the
    dictionary (``size = nwords``, no labels, ``ntokens``, ``pruneidx_size``
    -1, then each word, a NUL, its int64 count and the type 0), an
    unquantized input matrix (``wv.vectors_vocab`` rows, then
    ``wv.vectors_ngrams`` rows) and an unquantized output matrix, all
    little-endian float32. :func:`sparsedense.models.save_facebook_model`
    writes a trained :class:`~sparsedense.models.FastText` with it.

    The file is written atomically: built under a temporary name beside
    ``path`` and renamed over it when complete, so a failure leaves ``path``
    as it was. A name ending in ``.gz``, ``.bz2`` or ``.xz`` is compressed
    (:func:`read_fasttext_bin` and ``load_vectors`` read it back).

    Parameters
    ----------
    path : str or path-like
        The file to write; its directory must exist.
    wv : FastTextVectors
        The words (``index_to_key``), ``vectors_vocab``, ``vectors_ngrams``,
        ``min_n``, ``max_n`` and ``bucket``.
    args : dict
        The int arguments ``ws, epoch, min_count, neg, word_ngrams, loss,
        model, lr_update_rate`` and the float ``t`` (as
        :func:`read_fasttext_bin` returns them). ``dim, bucket, minn, maxn``
        come from ``wv`` (given, they must agree with it); other keys
        (``version``) are ignored.
    counts : array-like of int
        Each word's count (>= 0), in ``wv``'s order.
    ntokens : int
        The number of tokens of the training corpus.
    output : array-like of float
        The output matrix, 2-D with ``wv.vector_size`` columns.
    encoding : str, default='utf-8'
        How the words are encoded.

    Raises
    ------
    TypeError
        ``wv`` is not a FastTextVectors, or an argument is not a number.
    ValueError
        A missing or out-of-range argument, shapes that disagree, a negative
        count, a word that holds a NUL or that ``encoding`` cannot encode.
    FileNotFoundError, IsADirectoryError, PermissionError
        ``path``'s directory is missing, ``path`` is a directory, or it cannot
        be written to (nothing is written).

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from sparsedense.vectors import (FastTextVectors, read_fasttext_bin,
    ...                                  write_fasttext_bin)
    >>> vocab = np.array([[0.5, -1.0]], np.float32)
    >>> ngrams = np.zeros((0, 2), np.float32)
    >>> wv = FastTextVectors(["bank"], vocab.copy(), vocab, ngrams, 0, 0, 0)
    >>> args = {"ws": 5, "epoch": 5, "min_count": 1, "neg": 5, "word_ngrams": 1,
    ...         "loss": 2, "model": 2, "lr_update_rate": 100, "t": 1e-4}
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.bin")
    >>> write_fasttext_bin(path, wv, args, [7], 7, np.zeros((1, 2), np.float32))
    >>> model = read_fasttext_bin(path)
    >>> (model.wv.index_to_key, model.wv["bank"].tolist(), model.counts.tolist(),
    ...  model.args["neg"])
    (['bank'], [0.5, -1.0], [7], 5)
    """
    from .._base.files import atomic_write, compressed_writer
    from .._base.validation import is_int, is_real_not_int
    from ._checks import _check_encoding
    from ._fasttext import FastTextVectors

    _check_encoding(encoding, "strict")
    if not isinstance(wv, FastTextVectors):
        raise TypeError(f"wv must be a FastTextVectors; got {type(wv).__name__}")
    if not isinstance(args, dict):
        raise TypeError(f"args must be a dict of the model's arguments; got "
                        f"{type(args).__name__}")
    vocab = np.ascontiguousarray(wv.vectors_vocab, dtype="<f4")
    ngrams = np.ascontiguousarray(wv.vectors_ngrams, dtype="<f4")
    words, dim = list(wv.index_to_key), wv.vector_size
    values = dict(args)
    for name, own in (("dim", dim), ("bucket", wv.bucket), ("minn", wv.min_n),
                      ("maxn", wv.max_n)):
        if name in values and values[name] != own:
            raise ValueError(f"args[{name!r}]={values[name]!r} disagrees with the vectors' "
                             f"{own} (dim, bucket, minn, maxn come from wv)")
        values[name] = own
    missing = [name for name in (*_NEW_ARGS, "t") if name not in values]
    if missing:
        raise ValueError(f"args lacks {', '.join(missing)} (a fastText file holds "
                         f"{', '.join(_NEW_ARGS)} and t)")
    for name in _NEW_ARGS:
        value = values[name]
        if not is_int(value) or not 0 <= value <= _INT32_MAX:
            raise (ValueError if is_int(value) else TypeError)(
                f"args[{name!r}] must be an int in 0..{_INT32_MAX} (an int32); got {value!r}")
    if not (is_int(values["t"]) or is_real_not_int(values["t"])):
        raise TypeError(f"args['t'] must be a float (the sampling threshold); got "
                        f"{values['t']!r}")
    if vocab.shape != (len(words), dim) or ngrams.shape != (wv.bucket, dim):
        raise ValueError(f"wv's vectors_vocab {vocab.shape} and vectors_ngrams {ngrams.shape} "
                         f"must be ({len(words)}, {dim}) and (bucket={wv.bucket}, {dim})")
    counts = np.asarray(counts)
    if counts.shape != (len(words),) or counts.dtype.kind not in "iu":
        raise ValueError(f"counts must be {len(words)} ints (one per word); got an array of "
                         f"shape {counts.shape} and dtype {counts.dtype}")
    if len(words) and int(counts.min()) < 0:
        raise ValueError(f"counts must be >= 0; the word {words[int(np.argmin(counts))]!r} has "
                         f"{int(counts.min())}")
    if not is_int(ntokens) or ntokens < 0:
        raise ValueError(f"ntokens must be an int >= 0; got {ntokens!r}")
    output = np.ascontiguousarray(output, dtype="<f4")
    if output.ndim != 2 or output.shape[1] != dim:
        raise ValueError(f"output must be a 2-D matrix of {dim} columns (the vectors' "
                         f"dimension); got shape {output.shape}")
    entries = [_entry(word, int(count), encoding, i, len(words))
               for i, (word, count) in enumerate(zip(words, counts.tolist()))]
    head = (struct.pack("<2i", MAGIC, _VERSIONS[-1])
            + struct.pack(_ARGS_FORMAT, *(values[n] for n in _NEW_ARGS), float(values["t"]))
            + struct.pack("<3iqq", len(words), len(words), 0, int(ntokens), -1))

    path = Path(os.fspath(path))
    if not path.parent.is_dir():
        raise FileNotFoundError(2, f"{path}: the directory {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise IsADirectoryError(21, f"{path} is a directory, not a file name")
    try:
        with atomic_write(path, "wb", encoding=None) as raw:
            packed = compressed_writer(path, raw)
            fh = packed if packed is not None else raw
            fh.write(head)
            fh.write(b"".join(entries))
            fh.write(struct.pack("<?2q", False, vocab.shape[0] + ngrams.shape[0], dim))
            for matrix in (vocab, ngrams):
                _write_matrix(fh, matrix)
            fh.write(struct.pack("<?2q", False, *output.shape))
            _write_matrix(fh, output)
            if packed is not None:
                packed.close()
    except PermissionError as exc:
        raise PermissionError(exc.errno, f"{path}: cannot write here ({exc.strerror}); "
                                         "nothing was written") from exc


def _write_matrix(fh: Any, matrix: np.ndarray) -> None:
    """The float32 rows of a C-contiguous ``matrix``, without a copy."""
    if matrix.size:
        fh.write(memoryview(matrix).cast("B"))


def _entry(word: str, count: int, encoding: str, i: int, n: int) -> bytes:
    """A dictionary entry: the word's bytes, a NUL, its int64 count and the type 0 (a word)."""
    try:
        data = word.encode(encoding)
    except UnicodeEncodeError as exc:
        raise ValueError(f"word {i + 1} of {n}, {word!r}, cannot be encoded in {encoding} "
                         f"({exc.reason})") from None
    if b"\0" in data:
        raise ValueError(f"word {i + 1} of {n}, {word!r}, holds a NUL character, which ends a "
                         "word in a fastText file")
    return data + b"\0" + struct.pack("<qb", count, 0)
