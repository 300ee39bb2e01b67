"""What the commands share: reading a corpus, progress bars, atomic outputs, errors."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._base import files
from .._base.progress import Progress  # noqa: F401  (shared with the trainers)
from .._base.chunks import iter_chunks as chunks  # noqa: F401  (shared chunking)


class UsageError(Exception):
    """A problem with the user's input: reported in one line, exit status 2."""


def open_text(path: str | os.PathLike, encoding: str = "utf-8"):
    """Open a text file for reading (``.gz``/``.bz2``/``.xz`` decompressed); ``-`` is stdin."""
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding=encoding, errors="strict")
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{p}: no such file or directory")
    return files.open_text(p, encoding)


def corpus_files(corpus: str) -> list[str]:
    """The files of a CORPUS argument: a file, ``-``, or a directory of ``.txt`` files
    (``.txt.gz``, ``.txt.bz2`` and ``.txt.xz`` too)."""
    if corpus == "-":
        return ["-"]
    p = Path(corpus)
    if p.is_dir():
        suffixes = (".txt", *(".txt" + s for s in files.COMPRESSIONS))
        found = sorted(str(f) for f in p.iterdir() if f.is_file() and f.name.endswith(suffixes))
        if not found:
            raise UsageError(f"{p}: directory has no .txt files")
        return found
    if not p.exists():
        raise UsageError(f"{p}: no such file or directory")
    return [str(p)]


def iter_documents(files: list[str], encoding: str = "utf-8") -> Iterator[str]:
    """One document per line of each file (the trailing newline removed)."""
    for name in files:
        try:
            with open_text(name, encoding) as fh:
                for n, line in enumerate(fh, 1):
                    yield line.rstrip("\n").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{name}: not valid {encoding} text ({exc.reason} at byte "
                             f"{exc.start})") from None


def check_output(path: str | os.PathLike) -> Path:
    """``path`` as a Path, refused in one line if it cannot be an output file.

    Checked before the work: a missing directory, or a directory at ``path``.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent}: output directory does not exist")
    if target.is_dir():
        raise UsageError(f"{target}: is a directory (give a file name)")
    return target


def atomic_output(path: str | os.PathLike):
    """:func:`sparsedense._base.files.atomic_path` of a checked output path (:func:`check_output`).

    The output is written under a unique temporary name beside it and
    renamed over it when complete (a symbolic link at ``path`` is replaced,
    its target left as it was); on any error or interruption the temporary
    file is removed and ``path`` is left as it was.
    """
    from .._base.files import atomic_path

    return atomic_path(check_output(path))


def array_output(path: str | os.PathLike, shape: tuple[int, ...], dtype, key: str):
    """:func:`~sparsedense._base.files.atomic_array` (rows streamed to .npy/.npz), path checked."""
    from .._base.files import atomic_array

    return atomic_array(check_output(path), shape, dtype, key=key)


#: what the help of every command that writes a file says about it
OUTPUT_NOTE = ("written to a temporary file beside it and renamed over it when complete: an "
               "existing file (or symbolic link, which is replaced, not followed) is left as it "
               "was if the command fails or is interrupted")


def load_vectors_with_progress(path: str, quiet: bool = False, **kwargs: Any):
    """``load_vectors`` with a progress line on stderr (a terminal only) while it runs."""
    from ..vectors import load_vectors

    with Progress(f"loading {Path(path).name}", total=1, unit="file", quiet=quiet) as bar:
        vectors = load_vectors(path, **kwargs)
        bar.update()
    return vectors
