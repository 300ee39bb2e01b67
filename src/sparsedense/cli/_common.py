"""What the commands share: reading a corpus, progress bars, atomic outputs, errors."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._base import files
from .._base.progress import Progress  # noqa: F401  (shared with the trainers)
from .._base.chunks import iter_chunks as chunks  # noqa: F401  (shared chunking)
from ._errors import UsageError, decode_error, no_such_file, writing  # noqa: F401


def open_text(path: str | os.PathLike, encoding: str = "utf-8", errors: str = "strict"):
    """Open a text file for reading (``.gz``/``.bz2``/``.xz`` decompressed); ``-`` is stdin."""
    try:
        "".encode(encoding)
    except LookupError:
        raise UsageError(f"--encoding {encoding}: unknown encoding, give one Python knows "
                         "(utf-8, latin-1, cp1252, euc-kr, ...)") from None
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding=encoding, errors=errors)
    p = Path(path)
    if not p.exists():
        raise no_such_file(p)
    return files.open_text(p, encoding, errors)


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
            raise UsageError("directory has no .txt files", p,
                             hint="give a file, or a directory of .txt files (.txt.gz too)")
        return found
    if not p.exists():
        raise no_such_file(p)
    return [str(p)]


def iter_documents(files: list[str], encoding: str = "utf-8", errors: str = "strict",
                   shown: dict[str, str] | None = None) -> Iterator[str]:
    """One document per line of each file (the trailing newline removed).

    Bytes that are not ``encoding`` text stop it with the file and line
    (``errors='strict'``) or are replaced or dropped (``'replace'``,
    ``'ignore'``). ``shown`` maps a file read under another name (standard
    input's copy) to the name the user knows.
    """
    for name in files:
        try:
            with open_text(name, encoding, errors) as fh:
                for line in fh:
                    yield line.rstrip("\n").rstrip("\r")
        except UnicodeDecodeError as exc:
            err = decode_error(name, encoding, exc)
            if shown and name in shown:
                err.path = shown[name]
            raise err from None


def check_output(path: str | os.PathLike) -> Path:
    """``path`` as a Path, refused in one line if it cannot be an output file.

    Checked before the work: a missing directory, or a directory at ``path``.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError("output directory does not exist", target.parent,
                         hint="create it first")
    if target.is_dir():
        raise UsageError("is a directory", target, hint="give a file name")
    return target


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike):
    """:func:`sparsedense._base.files.atomic_path` of a checked output path (:func:`check_output`).

    The output is written under a unique temporary name beside it and
    renamed over it when complete (a symbolic link at ``path`` is replaced,
    its target left as it was); on any error or interruption the temporary
    file is removed and ``path`` is left as it was.
    """
    from .._base.files import atomic_path

    target = check_output(path)
    with writing(target), atomic_path(target) as tmp:
        yield tmp


@contextlib.contextmanager
def array_output(path: str | os.PathLike, shape: tuple[int, ...], dtype, key: str):
    """:func:`~sparsedense._base.files.atomic_array` (rows streamed to .npy/.npz), path checked."""
    from .._base.files import atomic_array

    target = check_output(path)
    with writing(target), atomic_array(target, shape, dtype, key=key) as rows:
        yield rows


#: what the help of every command that writes a file says about it
OUTPUT_NOTE = ("written to a temporary file beside it and renamed over it when complete: an "
               "existing file (or symbolic link, which is replaced, not followed) is left as it "
               "was if the command fails or is interrupted")


def load_vectors_with_progress(path: str, quiet: bool = False,
                               format_option: str = "--vectors-format", **kwargs: Any):
    """``load_vectors`` with a progress line on stderr (a terminal only) while it runs.

    The loader's advice in Python words (``format='glove'``) is given in the
    command's (``--vectors-format glove``, ``format_option``).
    """
    import re

    from .._base.errors import FileDecodeError
    from ..vectors import load_vectors

    if not Path(path).exists():
        raise no_such_file(path)
    try:
        with Progress(f"loading {Path(path).name}", quiet=quiet, stage=True):
            return load_vectors(path, **kwargs)
    except FileDecodeError:
        raise  # worded by _errors.describe
    except ValueError as exc:
        text = str(exc)
        if text.startswith("format must be"):
            raise UsageError(f"{format_option} {kwargs.get('format')}: "
                             f"{text[len('format '):]}") from None
        if "format='" in text:
            raise UsageError(re.sub(r"format='([\w-]+)'", rf"{format_option} \1", text)
                             ) from None
        raise


def add_unicode_errors(p: argparse.ArgumentParser, what: str = "the text") -> None:
    """``--unicode-errors``: what to do with bytes that are not text in the encoding."""
    p.add_argument("--unicode-errors", choices=["strict", "replace", "ignore"],
                   default="strict",
                   help=f"bytes of {what} that are not valid in the encoding: stop with the "
                        "file and line (strict, the default), replace them with U+FFFD, or "
                        "drop them")


def add_text_options(p: argparse.ArgumentParser) -> None:
    """How the documents of a corpus are read and split into tokens."""
    p.add_argument("--encoding", default="utf-8", help="of the corpus (default: utf-8)")
    add_unicode_errors(p, "the corpus and the vector file")
    p.add_argument("--no-lowercase", action="store_true",
                   help="keep the case of the text (for cased vectors, e.g. fastText's)")
    add_tokenizer_options(p)


def add_tokenizer_options(p: argparse.ArgumentParser) -> None:
    """``--tokenizer`` and ``--token-pattern``: how a document is split into words."""
    p.add_argument("--tokenizer", choices=sorted(TOKENIZERS), default="regex",
                   help="regex: the words --token-pattern matches (scikit-learn's default); "
                        "whitespace: split on whitespace only (a corpus tokenized beforehand, "
                        "as `sparsedense train` reads it); kiwi: Korean nouns and verb stems "
                        "without their particles and endings (예금을 -> 예금), by the kiwipiepy "
                        "analyser (pip install 'sparsedense[korean]')")
    p.add_argument("--token-pattern", default=None, metavar="REGEX",
                   help=r"the tokens of --tokenizer regex (default: (?u)\b\w\w+\b, words "
                        "of two or more letters)")


#: --tokenizer name -> the vectorizer's tokenizer (None: its token_pattern; "kiwi": the
#: vectorizers' name of sparsedense.text.KoreanTokenizer)
TOKENIZERS = {"regex": None, "whitespace": str.split, "kiwi": "kiwi"}

#: the one message for a missing kiwipiepy, whichever command
KIWI_MISSING = ("--tokenizer kiwi needs kiwipiepy, which is not installed: "
                "pip install 'sparsedense[korean]'")


def check_kiwi() -> None:
    """A :class:`UsageError` (exit status 2) when kiwipiepy cannot be imported."""
    from ..text import KoreanTokenizer

    try:
        KoreanTokenizer()  # imports kiwipiepy (its analyser is loaded on first use)
    except ImportError:
        raise UsageError(KIWI_MISSING) from None


def tokenizer_options(args: argparse.Namespace) -> dict:
    """The vectorizer parameters of :func:`add_tokenizer_options`'s options."""
    from ..text import CountVectorizer

    if args.tokenizer != "regex" and args.token_pattern is not None:
        raise UsageError(f"--token-pattern goes with --tokenizer regex, not --tokenizer "
                         f"{args.tokenizer}")
    if args.token_pattern is not None:
        import re

        try:
            re.compile(args.token_pattern)
        except re.error as exc:
            raise UsageError(f"--token-pattern {args.token_pattern}: not a regular expression "
                             f"({exc})") from None
    if args.tokenizer == "kiwi":
        check_kiwi()
    pattern = args.token_pattern or CountVectorizer().token_pattern
    tokenizer = TOKENIZERS[args.tokenizer]
    return {"tokenizer": tokenizer, "token_pattern": None if tokenizer is not None else pattern}


def text_options(args: argparse.Namespace) -> dict:
    """The vectorizer parameters of :func:`add_text_options`'s options."""
    return {"lowercase": not args.no_lowercase, **tokenizer_options(args)}


def add_vector_file_options(p: argparse.ArgumentParser) -> None:
    """How a word-vector file is read: ``--vectors-format`` and ``--limit``."""
    p.add_argument("--vectors-format", default="auto", metavar="FORMAT",
                   help="format of the vector file: auto (the default: from its content), "
                        "word2vec, word2vec-binary, glove, fasttext (a Facebook fastText "
                        ".bin model), native")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="read only the first N vectors (the most frequent words, in most files)")


def vector_file_options(args: argparse.Namespace) -> dict:
    """The ``load_vectors`` arguments of :func:`add_vector_file_options`'s options."""
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit must be >= 1; got {args.limit}")
    return {"format": args.vectors_format, "limit": args.limit,
            "unicode_errors": args.unicode_errors}


def empty_corpus(corpus: str) -> UsageError:
    """The one message for a corpus without documents, whichever command."""
    return UsageError("the corpus is empty (no documents)", "<stdin>" if corpus == "-" else corpus,
                      hint="give a text file with one document per line")


def empty_vocabulary(corpus: str, options: str = "--token-pattern or --tokenizer") -> UsageError:
    """The one message for documents that have no word to count."""
    return UsageError("no word to count in any document (empty vocabulary)",
                      "<stdin>" if corpus == "-" else corpus, hint=f"check {options}")
