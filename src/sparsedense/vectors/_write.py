"""Writing word-vector files: word2vec (text, binary), GloVe and native (see ``_io``).

Text is formatted by Numba kernels chunk by chunk; every format is written
to a temporary file renamed over the target only when complete, so a failed
or interrupted save leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._base.files import atomic_write, compressed_writer, compression_of
from .._base.validation import check_weight, is_int
from ..quantized import QuantizedTable
from ._checks import SAVE_FORMATS, _check_choice
from ._native import _NATIVE_FORMAT, _NATIVE_VERSION

__all__ = ["save_vectors"]

#: the values an object (str) attribute may hold in a native file (a JSON list)
_JSON_SCALARS = (str, int, float, type(None))

#: rows formatted per chunk when saving text (bounded memory)
_CHUNK_ROWS = 8192


def save_vectors(vectors, path: str | os.PathLike, format: str = "word2vec",
                 binary: bool | None = None, precision: int | None = None) -> None:
    """Write word vectors to ``path`` (atomically: a failed save leaves the old file).

    Parameters
    ----------
    vectors : Vectors
        Anything with ``index_to_key`` (list of str) and ``weight`` (2-D table).
    path : str or path-like
        Written through a temporary file renamed over ``path`` at the end. A
        name ending in ``.gz``, ``.bz2`` or ``.xz`` is compressed.
    format : {'word2vec', 'word2vec-binary', 'glove', 'native'}, default='word2vec'
    binary : bool, optional
        gensim's switch: ``binary=True`` means 'word2vec-binary'.
    precision : int, optional
        Significant digits of text values (``'%.{precision}g'``). The default,
        None, writes each value as the shortest decimal that reads back as the
        same number (at most 9 significant digits for float32, 17 for float64,
        like ``repr``), so a text round trip is exact.

    Notes
    -----
    The binary format holds float32 only (a float64 table is rounded to
    float32, as gensim does); the native format keeps the table's dtype,
    every key exactly, and the per-key attributes (``vectors.expandos``:
    numeric arrays, or object arrays of str, numbers and None; any other is
    a TypeError before anything is written). In the text and binary formats a key must be non-empty,
    hold no space and no newline, and be encodable in UTF-8.
    """
    fmt = _save_format(format, binary)
    if precision is not None and (not is_int(precision) or not 1 <= precision <= 17):
        raise ValueError(f"precision must be None or an int in 1..17; got {precision!r}")
    keys, weight = _check_vectors(vectors)
    path = Path(os.fspath(path))
    if fmt == "native":
        _write_native(path, keys, weight, _native_expandos(vectors, len(keys)))
        return
    if isinstance(weight, QuantizedTable):  # text and binary files hold the decoded values
        weight = _Decoded(weight)
    if fmt == "glove" and (weight.shape[0] == 0 or weight.shape[1] == 0):
        raise ValueError(f"a GloVe file cannot hold a table of shape {weight.shape} (it has no "
                         "header, so it needs at least one vector of at least one value); "
                         "use format='word2vec' or 'native'")
    encoded = _encode_keys(keys)
    with _open_for_writing(path) as fh:
        if fmt != "glove":
            fh.write(f"{weight.shape[0]} {weight.shape[1]}\n".encode("ascii"))
        if fmt == "word2vec-binary":
            _write_binary_rows(fh, encoded, weight)
        else:
            _write_text_rows(fh, encoded, weight, precision)


def write_word2vec(path: str | os.PathLike, keys: list, weight: np.ndarray, binary: bool,
                   header: str | None, append: bool = False) -> None:
    """The word2vec text or binary rows of ``keys`` / ``weight``, after ``header`` if given.

    gensim's ``save_word2vec_format`` without its defaults (a header of its
    own, no header, appending): written atomically unless ``append``, when
    the rows go at the end of ``path`` (a new compressed stream for
    ``.gz``/``.bz2``/``.xz``, which their readers read as one).
    """
    weight = _Decoded(weight) if isinstance(weight, QuantizedTable) else \
        check_weight(weight, "vectors.weight")
    encoded = _encode_keys(keys)
    path = Path(os.fspath(path))
    with _open_for_writing(path, append) as fh:
        if header is not None:
            fh.write(header.encode("ascii"))
        if binary:
            _write_binary_rows(fh, encoded, weight)
        else:
            _write_text_rows(fh, encoded, weight, None)


def _save_format(format: Any, binary: Any) -> str:
    """The format to write: ``format``, or 'word2vec-binary' with gensim's ``binary=True``."""
    fmt = _check_choice(format, "format", SAVE_FORMATS)
    if binary is None:
        return fmt
    if binary not in (True, False):
        raise TypeError(f"binary must be True, False or None; got {binary!r}")
    if binary and fmt not in ("word2vec", "word2vec-binary"):
        raise ValueError(f"binary=True is the word2vec binary format; it contradicts "
                         f"format={format!r}")
    if not binary and fmt == "word2vec-binary":
        raise ValueError("binary=False contradicts format='word2vec-binary'")
    return "word2vec-binary" if binary else fmt


def _native_expandos(vectors, n_keys: int) -> dict[str, np.ndarray]:
    """The per-key attributes to write, each one value per key (rows added since an
    attribute was set are 0, as ``allocate_vecattrs`` makes them); checked before
    anything is written: numeric, or objects that are str, numbers or None."""
    out = {}
    for attr, values in dict(getattr(vectors, "expandos", None) or {}).items():
        values = np.asarray(values)
        if not isinstance(attr, str) or values.ndim != 1 or values.shape[0] > n_keys:
            raise ValueError(f"vectors.expandos[{attr!r}] must be a 1-D array of at most one "
                             f"value per key ({n_keys}) under a str name; got shape "
                             f"{values.shape}")
        if values.dtype.kind == "O":
            values = np.array([v.item() if isinstance(v, np.generic) else v
                               for v in values.tolist()] + [None], dtype=object)[:-1]
            bad = [v for v in values.tolist() if not isinstance(v, _JSON_SCALARS)]
            if bad:
                raise TypeError(f"vectors.expandos[{attr!r}] holds {type(bad[0]).__name__} "
                                f"{bad[0]!r:.60}; the native format stores attributes of "
                                "numbers, str and None")
        if values.dtype.kind not in "biufO":
            raise TypeError(f"vectors.expandos[{attr!r}] has dtype {values.dtype}; the native "
                            "format stores bool, int, float, str and None attributes")
        if values.shape[0] < n_keys:
            full = np.zeros(n_keys, dtype=values.dtype)
            full[:values.shape[0]] = values
            values = full
        out[attr] = values
    return out


def _write_native(path: Path, keys: list, weight: np.ndarray,
                  expandos: dict[str, np.ndarray] | None = None) -> None:
    """The native ``.npz``: ``meta.npy`` (the JSON meta as uint8), ``weight.npy``, and one
    ``expando_<i>.npy`` per numeric per-key attribute (object ones, str values, go in the meta)."""
    listed, members = [], {}
    for attr, values in (expandos or {}).items():
        if values.dtype.kind == "O":
            listed.append({"name": attr, "values": values.tolist()})
        else:
            member = f"expando_{len(members)}"
            listed.append({"name": attr, "member": member + ".npy"})
            members[member] = np.ascontiguousarray(values)
    meta = {"format": _NATIVE_FORMAT, "version": _NATIVE_VERSION, "dtype": str(weight.dtype),
            "shape": list(weight.shape), "keys": keys}
    if isinstance(weight, QuantizedTable):  # the stored rows as they are (see _native)
        meta.update(quantized=weight.dtype, embedding_dim=weight.shape[1],
                    shape=list(weight.data.shape))
        weight = weight.data
    if listed:
        meta["expandos"] = listed
    meta = json.dumps(meta, ensure_ascii=True).encode("ascii")
    with _open_for_writing(path) as fh:
        # zipfile seeks back over what it wrote: a compressor gets the finished archive
        target = fh if compression_of(path) is None else io.BytesIO()
        np.savez(target, meta=np.frombuffer(meta, dtype=np.uint8),
                 weight=np.ascontiguousarray(weight), **members)
        if target is not fh:
            fh.write(target.getbuffer())


@contextlib.contextmanager
def _open_for_writing(path: Path, append: bool = False):
    """``atomic_write(path, 'wb')`` (or ``open(path, 'ab')`` with ``append``), through a
    compressor when the name ends in .gz/.bz2/.xz."""
    opened = open(path, "ab") if append else atomic_write(path, "wb", encoding=None)
    with opened as raw:
        writer = compressed_writer(path, raw)
        if writer is None:
            yield raw
            return
        with writer as fh:
            yield fh


def _check_vectors(vectors) -> tuple[list, np.ndarray]:
    if not hasattr(vectors, "index_to_key") or not hasattr(vectors, "weight"):
        raise TypeError(f"vectors must be a Vectors (with index_to_key and weight); got "
                        f"{type(vectors).__name__}")
    keys = list(vectors.index_to_key)
    weight = vectors.weight
    if not isinstance(weight, QuantizedTable):
        weight = check_weight(weight, "vectors.weight")
    if weight.shape[0] != len(keys):
        raise ValueError(f"vectors.weight has {weight.shape[0]} rows but there are "
                         f"{len(keys)} keys")
    for i, key in enumerate(keys):
        if not isinstance(key, str):
            raise TypeError(f"vectors.index_to_key[{i}] is {type(key).__name__} {key!r}; "
                            "expected str")
    return keys, weight


def _encode_keys(keys: list) -> list:
    out = []
    for i, key in enumerate(keys):
        if not key or " " in key or "\n" in key:
            raise ValueError(f"vectors.index_to_key[{i}] = {key!r} cannot be written in a "
                             "word2vec/GloVe file (a word must be non-empty, without spaces "
                             "or newlines); use format='native'")
        try:
            out.append(key.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise ValueError(f"vectors.index_to_key[{i}] = {key!r} is not encodable in UTF-8 "
                             f"({exc.reason}); use format='native'") from None
    return out


def _write_binary_rows(fh, encoded: list, weight: np.ndarray) -> None:
    for lo in range(0, weight.shape[0], _CHUNK_ROWS):
        rows = np.ascontiguousarray(weight[lo: lo + _CHUNK_ROWS], dtype="<f4")
        parts = []
        for k, key in enumerate(encoded[lo: lo + _CHUNK_ROWS]):
            parts += (key, b" ", rows[k].tobytes(), b"\n")
        fh.write(b"".join(parts))


def _write_text_rows(fh, encoded: list, weight: np.ndarray, precision: int | None) -> None:
    word_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    word_offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(k) for k in encoded], out=word_offsets[1:])
    for lo in range(0, weight.shape[0], _CHUNK_ROWS):
        hi = min(lo + _CHUNK_ROWS, weight.shape[0])
        fh.write(_format_text_chunk(encoded, word_bytes, word_offsets, weight, lo, hi,
                                    precision))


def _format_text_chunk(encoded, word_bytes, word_offsets, weight, lo, hi, precision) -> bytes:
    """The text lines of rows ``lo:hi``."""
    if precision is None and weight.dtype == np.float32:
        from .._kernels.parse import FORMAT_MAX_BYTES, POW10, _format_float32_rows

        rows = np.ascontiguousarray(weight[lo:hi])
        size = int(word_offsets[hi] - word_offsets[lo]) + (hi - lo) * (
            FORMAT_MAX_BYTES * weight.shape[1] + 2)
        out = np.empty(size, dtype=np.uint8)
        row_ends = np.empty(hi - lo, dtype=np.int64)
        needs_python = np.empty(hi - lo, dtype=np.bool_)
        n = _format_float32_rows(rows, word_bytes[word_offsets[lo]: word_offsets[hi]],
                                 word_offsets[lo: hi + 1] - word_offsets[lo], out, row_ends,
                                 needs_python, POW10)
        if not needs_python.any():
            return out[:n].tobytes()
        lines = []
        start = 0
        for k in range(hi - lo):
            if needs_python[k]:
                lines.append(encoded[lo + k] + b" " + " ".join(
                    map(_float32_str, rows[k].tolist())).encode("ascii") + b"\n")
            else:
                lines.append(out[start: row_ends[k]].tobytes())
            start = row_ends[k]
        return b"".join(lines)
    fmt = repr if precision is None else f"%.{precision}g".__mod__
    return b"".join(encoded[r] + b" " + " ".join(map(fmt, weight[r].tolist())).encode("ascii")
                    + b"\n" for r in range(lo, hi))


def _float32_str(value: float) -> str:
    """Shortest text that ``float()`` then float32 reads back as ``float32(value)``."""
    x = np.float32(value)
    text = str(x)
    if not np.isnan(x) and np.float32(float(text)) != x:
        text = "%.9g" % value
    return text


class _Decoded:
    """A compressed table seen as its float32 rows, decoded a slice at a time (for writing)."""

    def __init__(self, table: QuantizedTable) -> None:
        self._table = table
        self.shape = table.shape
        self.dtype = np.dtype(np.float32)

    def __getitem__(self, key) -> np.ndarray:
        return self._table[key]
