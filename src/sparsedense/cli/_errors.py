"""The command line's errors: one line naming the user's file, what is wrong and what to do.

Every command reports a mistake as ``sparsedense CMD: error: PATH: [line N: ]WHAT, WHAT
TO DO`` on standard error, with exit status 2 (a mistake in the input) or 1 (the
machine's fault: a full disk), and no traceback (``--debug`` shows it). The
library's exceptions carry the library's wording (a Python argument such as
``unicode_errors='replace'``, a temporary file's name); :func:`describe`
turns them into the command line's.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path


class UsageError(Exception):
    """A problem with the user's input: reported in one line, exit status ``status`` (2).

    ``UsageError(what, path, line=N, hint=...)`` reads ``PATH: line N: WHAT, HINT``;
    ``UsageError(message)`` is the message as it is.
    """

    def __init__(self, what: str, path: str | os.PathLike | None = None, *,
                 line: int | None = None, hint: str | None = None, status: int = 2) -> None:
        super().__init__(what)
        self.what, self.path, self.line, self.hint, self.status = what, path, line, hint, status

    def __str__(self) -> str:
        text = self.what
        if self.line is not None:
            text = f"line {self.line}: {text}"
        if self.path is not None:
            text = f"{self.path}: {text}"
        return f"{text}, {self.hint}" if self.hint else text


def no_such_file(path: str | os.PathLike) -> UsageError:
    """The one message for a missing input file, whichever command and option."""
    return UsageError("no such file or directory", path,
                      hint="check the path")


def decode_error(path: str | os.PathLike, encoding: str, exc: UnicodeDecodeError,
                 hint: str | None = None) -> UsageError:
    """A file that is not valid ``encoding`` text, with the line (and byte in it) at fault.

    The file is read again line by line to find the line (only on this
    error); standard input cannot be, so its message gives the byte offset.
    """
    if hint is None:
        hint = "pass its --encoding, or --unicode-errors replace to read it anyway"
    where = _first_bad_line(path, encoding)
    if where is None:
        return UsageError(f"not valid {encoding} text ({exc.reason} at byte {exc.start})",
                          "<stdin>" if str(path) == "-" else path, hint=hint)
    line, column, reason = where
    return UsageError(f"not valid {encoding} text ({reason} at byte {column} of the line)",
                      path, line=line, hint=hint)


def _first_bad_line(path: str | os.PathLike, encoding: str) -> tuple[int, int, str] | None:
    """(line number, byte offset in the line, reason) of the first line ``encoding`` refuses."""
    if str(path) == "-":
        return None
    from .._base import files

    try:
        module = files.compression_of(path)
        with (module.open(path, "rb") if module is not None else open(path, "rb")) as fh:
            for n, raw in enumerate(fh, 1):
                try:
                    raw.decode(encoding)
                except UnicodeDecodeError as exc:
                    return n, exc.start, exc.reason
                except LookupError:
                    return None
    except OSError:
        return None
    return None


def first_bad_utf8_line(path: str | os.PathLike) -> tuple[int, int, str] | None:
    """(line, byte in the line, reason) of the first line of ``path`` that is not UTF-8."""
    return _first_bad_line(path, "utf-8")


#: the library's advice about its own argument, replaced by the command line's option
_PYTHON_HINT = re.compile(r";? *pass unicode_errors=.*$")


def describe(exc: BaseException) -> tuple[str, int]:
    """The one-line message and exit status of an exception a command raised."""
    from .._base.errors import FileDecodeError
    from .._base.files import is_no_space

    if isinstance(exc, UsageError):
        return str(exc), exc.status
    if isinstance(exc, FileDecodeError):  # a vector file's word: the loader names file and line
        text = _PYTHON_HINT.sub("", str(exc))
        return f"{text}, pass --unicode-errors replace (or ignore) to load it anyway", 2
    if is_no_space(exc):
        return str(exc), 1
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        if isinstance(exc, FileNotFoundError):
            return str(no_such_file(exc.filename)), 2
        return f"{exc.filename}: {exc.strerror[0].lower()}{exc.strerror[1:]}", 2
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0]), 2
    return str(exc), 2


@contextlib.contextmanager
def writing(path: str | os.PathLike) -> Iterator[None]:
    """Around the writing of the output ``path``: an error names ``path``, not our temporary file.

    An OSError about ``path`` or its temporary file (``.NAME.<random>.tmp...``
    beside it) becomes a :class:`UsageError` naming ``path``; a full disk
    keeps its own message (it names ``path``) and exit status 1.
    """
    from .._base.files import is_no_space

    target = Path(path)
    try:
        yield
    except OSError as exc:
        if is_no_space(exc) or exc.filename is None:
            raise
        name = Path(os.fsdecode(exc.filename))
        if not (name == target or (name.parent == target.parent
                                   and name.name.startswith(f".{target.name}."))):
            raise
        reason = (exc.strerror or str(exc)).lower()
        raise UsageError(f"cannot write the output ({reason})", target,
                         hint="write it to a directory where you can create files") from None
