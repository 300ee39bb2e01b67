"""A trainer's saved model (an npz file): writing it, and reading it without trusting it.

A model file feeds the training kernels, which index the tables by word id
without checking (see :mod:`sparsedense._kernels.word2vec`): a table with too
few rows, counts of the wrong length or a float64 table would make the next
``train`` read or write out of bounds. So every entry is checked against the
file's own header (its parameters and its vocabulary) before anything is
built from it: the npy header of an array (dtype, shape) before its bytes are
read, so a header announcing a huge array allocates nothing. A bad file is a
ValueError naming the file and the entry.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .._base.files import read_npy_header
from .._base.validation import _short, is_int


#: what zipfile raises for a damaged or crafted archive (a central directory asking for a
#: newer zip version is a NotImplementedError, an encrypted member a RuntimeError)
_ZIP_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, SyntaxError, RuntimeError,
               NotImplementedError)


class ModelFile:
    """The entries of a saved model, each read only after its npy header is checked.

    Use as a context manager; ``error(entry, text)`` builds the ValueError of a
    bad entry.
    """

    def __init__(self, path: str | os.PathLike, owner: str) -> None:
        self.path = Path(path)
        self.owner = owner
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise
        except _ZIP_ERRORS as exc:
            raise ValueError(f"{str(self.path)!r} is not a saved {owner} model: "
                             f"{type(exc).__name__}: {exc}") from None
        self.entries: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            self.entries[name] = info

    def __enter__(self) -> "ModelFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._zip.close()

    def error(self, entry: str, text: str) -> ValueError:
        return ValueError(f"{self.path}: entry {entry!r} {text}")

    def check_entries(self, expected: list[str]) -> None:
        """The file holds exactly ``expected`` (a missing or an unknown entry is a ValueError)."""
        for name in expected:
            if name not in self.entries:
                raise self.error(name, f"is missing (a {self.owner} model file holds "
                                       f"{', '.join(map(repr, expected))})")
        for name in self.entries:
            if name not in expected:
                raise self.error(name, f"is not part of a {self.owner} model file (expected "
                                       f"only {', '.join(map(repr, expected))})")

    def _header(self, name: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
        """``(shape, fortran_order, dtype, data_bytes)`` from the entry's npy header."""
        info = self.entries[name]
        try:
            with self._zip.open(info) as fh:
                shape, fortran, dtype, offset = read_npy_header(fh)
        except _ZIP_ERRORS as exc:
            raise self.error(name, f"is not a readable array ({type(exc).__name__}: "
                                   f"{str(exc)[:200]})") from None
        return shape, fortran, dtype, info.file_size - offset

    def array(self, name: str, dtype: Any, shape: tuple[int, ...], why: str) -> np.ndarray:
        """The entry as a C-contiguous array of exactly ``dtype`` and ``shape``.

        ``why`` says where ``shape`` comes from, for the message.
        """
        got_shape, _, got_dtype, data_bytes = self._header(name)
        dtype = np.dtype(dtype)
        if got_dtype != dtype:
            raise self.error(name, f"has dtype {got_dtype}; expected {dtype}")
        if got_shape != tuple(shape):
            raise self.error(name, f"has shape {got_shape}; expected {tuple(shape)} {why}")
        nbytes = math.prod(shape) * dtype.itemsize
        if data_bytes != nbytes:
            raise self.error(name, f"holds {data_bytes} bytes of data; its header "
                                   f"{got_shape} {got_dtype} needs {nbytes}")
        return np.ascontiguousarray(self._read(name))

    def text(self, name: str, max_chars: int | None = None) -> str:
        """A 0-d str entry (JSON text)."""
        shape, _, dtype, data_bytes = self._header(name)
        if dtype.kind != "U" or shape != ():
            raise self.error(name, f"has dtype {dtype} and shape {shape}; expected a 0-d str "
                                   "array (JSON text)")
        if data_bytes != dtype.itemsize:
            raise self.error(name, f"holds {data_bytes} bytes of data; expected {dtype.itemsize}")
        raw = self._read(name)
        codes = np.atleast_1d(raw).view(raw.dtype.byteorder.replace("|", "=") + "u4")
        bad = np.flatnonzero(codes > 0x10FFFF)
        if bad.size:  # (str() of such an array is a SystemError)
            raise self.error(name, f"holds {int(codes[bad[0]]):#x} at character {int(bad[0])}; "
                                   "expected Unicode code points (at most 0x10ffff)")
        return str(raw)

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.text(name))
        except (ValueError, RecursionError) as exc:
            raise self.error(name, f"is not valid JSON ({type(exc).__name__}: "
                                   f"{str(exc)[:200]})") from None

    def _read(self, name: str) -> np.ndarray:
        try:
            with self._zip.open(self.entries[name]) as fh:
                return np.lib.format.read_array(fh, allow_pickle=False)
        except Exception as exc:  # damaged member (bad CRC, truncated deflate stream, ...)
            raise self.error(name, f"cannot be read ({type(exc).__name__}: "
                                   f"{str(exc)[:200]})") from None


def check_meta(f: ModelFile, meta: Any, fmt: str, version: int) -> dict[str, Any]:
    """The ``meta`` entry: a dict of this format and version."""
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise ValueError(f"{str(f.path)!r} is not a saved {f.owner} model "
                         f"(format {_short(found)})")
    if meta.get("version") != version or isinstance(meta.get("version"), bool):
        raise f.error("meta", f"has version {_short(meta.get('version'))}; this version of "
                              f"sparsedense reads version {version}")
    return meta


def meta_int(f: ModelFile, meta: dict, key: str) -> int:
    """A count of the header (epochs, words, sentences): an int from 0 to below 2**62, the
    bound of the counts, so that training adds to it without leaving int64."""
    value = meta.get(key)
    if not is_int(value) or not 0 <= value < 2 ** 62:
        raise f.error("meta", f"has {key} = {_short(value)}; expected an int from 0 to "
                              "below 2**62")
    return int(value)


def meta_losses(f: ModelFile, meta: dict) -> list[float]:
    value = meta.get("training_loss_")
    if not isinstance(value, list) or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
        raise f.error("meta", f"has training_loss_ = {_short(value)}; expected a list of numbers")
    return [float(x) for x in value]


def meta_params(f: ModelFile, meta: dict, known: tuple[str, ...]) -> dict[str, Any]:
    params = meta.get("params")
    if not isinstance(params, dict):
        raise f.error("meta", f"has params = {_short(params)}; expected a dict")
    for key in params:
        if key not in known:
            raise f.error("meta", f"has an unknown parameter {_short(key)} (known: "
                                  f"{', '.join(known)})")
    return params


def check_words(f: ModelFile, words: Any) -> list[str]:
    """The ``words`` entry: a non-empty list of distinct str."""
    if not isinstance(words, list) or not words:
        raise f.error("words", f"is {type(words).__name__} {_short(words)}; expected a "
                               "non-empty list of str")
    seen: dict[str, int] = {}
    for i, w in enumerate(words):
        if not isinstance(w, str):
            raise f.error("words", f"holds {type(w).__name__} {_short(w)} at [{i}]; "
                                   "expected str")
        if seen.setdefault(w, i) != i:
            raise f.error("words", f"holds {_short(w)} twice (at [{seen[w]}] and [{i}])")
    return words


def check_counts(f: ModelFile, counts: np.ndarray) -> np.ndarray:
    """Word counts are >= 1 and their sum fits in int64 with room to spare."""
    if counts.shape[0] and int(counts.min()) < 1:
        i = int(np.argmin(counts))
        raise f.error("counts", f"holds {int(counts[i])} at [{i}]; expected counts >= 1")
    if float(counts.sum(dtype=np.float64)) >= 2.0 ** 62:
        raise f.error("counts", f"sums to {float(counts.sum(dtype=np.float64)):.3g}; expected "
                                "a total below 2**62 words")
    return counts


def save_trainer(model: Any, path: str | os.PathLike, version: int) -> None:
    """Write a Word2Vec or FastText ``model`` to ``path`` atomically (its ``save``).

    Entries: ``meta`` (JSON: format, ``version``, parameters, training
    history), ``words`` (JSON), ``counts`` and the model's float32 tables
    (``model._state_arrays()``).
    """
    from .._base.files import atomic_path

    meta = {"format": "sparsedense." + model._owner, "version": version,
            "params": model._params(), "epochs_trained_": model.epochs_trained_,
            "training_loss_": model.training_loss_,
            "corpus_total_words": model.corpus_total_words, "corpus_count": model.corpus_count}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, meta=np.array(json.dumps(meta)),
                     words=np.array(json.dumps(model.wv.index_to_key)), counts=model._counts,
                     **model._state_arrays())


def load_trainer(cls: type, path: str | os.PathLike, known: tuple[str, ...],
                 version: int) -> Any:
    """Read a model written by :func:`save_trainer` as a ``cls`` (its ``load``).

    ``known`` are the parameters the file's meta may hold. Every entry is
    checked against the file's parameters and vocabulary before it is read
    (see the module's docstring).
    """
    o = cls._owner
    with ModelFile(path, o) as f:
        if "meta" not in f.entries:
            raise ValueError(f"{str(f.path)!r} is not a saved {o} model (no 'meta' entry)")
        meta = check_meta(f, f.json("meta"), "sparsedense." + o, version)
        params = meta_params(f, meta, known)
        try:
            model = cls(**params)
        except (TypeError, ValueError) as exc:
            raise f.error("meta", f"has bad parameters: {exc}") from None
        extra = {"epochs_trained_": meta_int(f, meta, "epochs_trained_"),
                 "training_loss_": meta_losses(f, meta),
                 "corpus_total_words": meta_int(f, meta, "corpus_total_words"),
                 "corpus_count": meta_int(f, meta, "corpus_count")}
        specs = model._table_specs(0)
        f.check_entries(["meta", "words", "counts", *specs])
        words = check_words(f, f.json("words"))
        n = len(words)
        counts = check_counts(f, f.array(
            "counts", np.int64, (n,), f"(len(words),) from the vocabulary of {n} words"))
        arrays = {"counts": counts}
        for name, (shape, why) in model._table_specs(n).items():
            arrays[name] = f.array(name, np.float32, shape, why)
    model._restore(words, arrays)
    for name, value in extra.items():
        setattr(model, name, value)
    return model
