"""``sparsedense embed``'s account of the tokens and documents that had no vector.

A token without a vector in the table is skipped, and a document none of
whose tokens has one is embedded as zeros; the command says how many, on
one line of standard error, whatever the run, so that a cased vector file
read with lowercased text (a quarter of the tokens lost) is never silent.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator, Sequence

import numpy as np


class Coverage:
    """Counts of tokens and documents without a vector, over the chunks of a run."""

    def __init__(self) -> None:
        self.docs = self.zero_docs = self.tokens = self.skipped = 0
        self.tokens_counted = True

    def add(self, D: np.ndarray, skipped: int | None = None, tokens: int | None = None) -> None:
        """A chunk's embeddings ``D`` and, when known, its skipped and total token counts."""
        self.docs += int(D.shape[0])
        self.zero_docs += int(np.count_nonzero(~np.asarray(D).any(axis=1)))
        if skipped is None or tokens is None:
            self.tokens_counted = False
        else:
            self.skipped += int(skipped)
            self.tokens += int(tokens)

    def line(self, cased_vectors: bool = False, lowercase: bool = True) -> str:
        """The one-line account (without the command's prefix)."""
        if self.tokens_counted:
            share = 100.0 * self.skipped / self.tokens if self.tokens else 0.0
            tokens = (f"{self.skipped:,} of {self.tokens:,} tokens ({share:.1f}%) had no "
                      "vector and were skipped")
        else:
            tokens = "tokens without a vector were skipped (not counted on Dask)"
        text = (f"{tokens}; {self.zero_docs:,} of {self.docs:,} documents had none with a "
                "vector (embedded as zeros)")
        if (self.skipped or not self.tokens_counted) and cased_vectors and lowercase:
            text += "; the vectors have upper-case words and the text is lowercased: try " \
                    "--no-lowercase"
        return text

    def report(self, args, keys: Sequence[str] = ()) -> None:
        """Print :meth:`line` on standard error, prefixed by ``sparsedense embed:``."""
        cased = any(k != k.lower() for k in keys[:100000])
        print(f"sparsedense {args.command}: {self.line(cased, not args.no_lowercase)}",
              file=sys.stderr)


@contextlib.contextmanager
def case_warning_folded() -> Iterator[None]:
    """The library's warning about upper-case vocabulary words left out: :meth:`Coverage.line`
    says it with the command line's option instead."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Upper case characters found in vocabulary")
        yield
