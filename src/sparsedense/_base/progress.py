"""A progress bar for long work: tqdm on a terminal's standard error, else nothing."""

from __future__ import annotations

import os
import sys
from typing import Any

#: a total from which counts are shown scaled (``1.2M/87.2M words``, ``1.2M words/s``)
SCALE_FROM = 1000


class Progress:
    """A tqdm progress bar on stderr when it is a terminal, else nothing.

    Counts are scaled (``20.1M/87.2M word``, ``1.2M word/s``) when the total
    is unknown or large; a bar that only marks a step (``stage=True``: a file
    being loaded, an SVD) shows its name and the time since it started.
    Nothing is shown with ``quiet``, when standard error is a file or a pipe
    (the output and logs stay clean), or without tqdm (a dependency, but a
    missing one must not stop the work).

    Examples
    --------
    >>> with Progress("counting", total=3, unit="doc") as bar:  # stderr: no terminal
    ...     bar.update(3)
    >>> bar.bar is None
    True
    """

    def __init__(self, desc: str, total: int | None = None, unit: str = "it",
                 quiet: bool = False, stage: bool = False) -> None:
        self.bar = None
        if quiet or not _is_terminal(sys.stderr):
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        options: dict[str, Any] = {}
        if stage:
            options["bar_format"] = "{desc} ({elapsed})"
        elif total is None or total >= SCALE_FROM:
            options["unit_scale"] = True
        if _columns(sys.stderr):
            options["dynamic_ncols"] = True  # follows the window's width
        else:  # a terminal without a size (a fresh pty, some containers): tqdm would print ""
            options["ncols"] = 80
        self.bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                        **options)

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _columns(stream: Any) -> int:
    """The width of the terminal ``stream`` writes to; 0 when it has none."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # replaced by an object without it, or closed
        return False
