"""A progress bar for long work: tqdm on a terminal's standard error, else nothing."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """A tqdm progress bar on stderr when it is a terminal and tqdm is installed, else nothing."""

    def __init__(self, desc: str, total: int | None = None, unit: str = "it",
                 quiet: bool = False) -> None:
        self.bar = None
        if quiet or not sys.stderr.isatty():
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)

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
