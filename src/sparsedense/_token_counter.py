"""TokenCounter: token counts of a stream in bounded memory (exact, then Misra-Gries).

The counts of every distinct token are kept exactly while their table fits
in a memory budget. Past it, the table is pruned the Misra-Gries way
(mergeable summaries, Agarwal et al. 2012): with ``m`` counters, subtract
the ``(m + 1)``-th largest count from every counter and drop those that
reach zero. Each prune removes at least ``(m + 1) * delta`` from the summed
counts, so the sum ``D`` of the subtracted ``delta`` is at most
``N / (m + 1)`` for ``N`` tokens counted. Hence, for every token:

- the kept count is never above the true count, and at most ``D`` below it;
- a token that is not kept occurred at most ``D`` times.

A token occurring more than ``N / (m + 1)`` times is always kept.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from numbers import Integral

import numpy as np

#: bytes a counter costs beyond its token's str object: the list slot, the int64
#: count, its size, and the dict entry (hash, key, value; slots kept at most 2/3 full)
PER_COUNTER = 64

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*")


def parse_memory(value: int | str, name: str = "max_memory") -> int:
    """A number of bytes from an int or a string such as ``"1GB"``, ``"500MB"``, ``"2GiB"``.

    KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024
    (case does not matter).

    Raises
    ------
    TypeError
        ``value`` is neither an int nor a str (a bool or a float included).
    ValueError
        Not a size, an unknown unit, or fewer than 1 byte.

    Examples
    --------
    >>> parse_memory("1GB"), parse_memory("500 MB")
    (1000000000, 500000000)
    >>> parse_memory("1.5KiB"), parse_memory(64)
    (1536, 64)
    """
    if isinstance(value, bool) or not isinstance(value, (Integral, str)):
        raise TypeError(f"{name} must be a number of bytes (int) or a size such as '1GB' or "
                        f"'500MB'; got {type(value).__name__} {value!r}")
    if isinstance(value, str):
        match = _SIZE.fullmatch(value)
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(f"{name} = {value!r} is not a size; expected a number of bytes or "
                             "a number with a unit among B, KB, MB, GB, TB, KiB, MiB, GiB, "
                             "TiB (e.g. '1GB', '500MB')")
        size = int(float(match.group(1)) * _UNITS[unit])
    else:
        size = int(value)
    if size < 1:
        raise ValueError(f"{name} = {value!r} is {size} bytes; expected at least 1 byte")
    return size


class TokenCounter:
    """Counts of tokens added chunk by chunk, in at most about ``max_memory`` bytes.

    Exact while the table of distinct tokens fits in the budget (a counter
    costs its token's ``sys.getsizeof`` plus :data:`PER_COUNTER` bytes);
    past it, a Misra-Gries summary with the error bound of the module's
    docstring. The table is pruned back under the budget after each
    :meth:`add`, so it may exceed it by the new tokens of one chunk.

    Attributes
    ----------
    tokens : list of str
        The tokens kept, in first-seen order.
    counts : ndarray of int64
        Their counts (exact, or at most :attr:`error` below the true ones).
    total : int
        ``N``, the number of tokens counted.
    error : int
        ``D``, the most any count is below the truth (0: exact).
    min_counters : int or None
        ``m``, the fewest counters a prune kept (None: never pruned);
        ``error <= total / (min_counters + 1)``.

    Examples
    --------
    >>> counter = TokenCounter(max_memory="1MB")
    >>> counter.add(["a", "b"], [3, 1])
    >>> counter.add(["b", "c"], [1, 5])
    >>> counter.tokens, counter.counts.tolist(), counter.approximate
    (['a', 'b', 'c'], [3, 2, 5], False)
    """

    def __init__(self, max_memory: int | str = "1GB") -> None:
        self.budget = parse_memory(max_memory)
        self.tokens: list[str] = []
        self.counts = np.zeros(0, dtype=np.int64)
        self._sizes = np.zeros(0, dtype=np.int64)
        self._index: dict[str, int] = {}
        self.nbytes = 0
        self.total = 0
        self.error = 0
        self.min_counters: int | None = None

    @property
    def approximate(self) -> bool:
        """True once a prune happened (the counts are Misra-Gries estimates)."""
        return self.min_counters is not None

    @property
    def bound(self) -> float:
        """``N / (m + 1)``: the guaranteed bound on :attr:`error` (0 while exact)."""
        return 0.0 if self.min_counters is None else self.total / (self.min_counters + 1)

    def add(self, tokens: Sequence[str], counts) -> None:
        """Add ``counts[i]`` occurrences of ``tokens[i]`` (the tokens distinct, counts >= 0)."""
        counts = np.asarray(counts, dtype=np.int64)
        index = self._index
        n_before = len(index)
        setdefault = index.setdefault
        pos = np.fromiter((setdefault(t, len(index)) for t in tokens), dtype=np.int64,
                          count=len(tokens))
        if len(index) > n_before:
            new = [tokens[i] for i in np.flatnonzero(pos >= n_before).tolist()]
            sizes = np.fromiter(map(sys.getsizeof, new), dtype=np.int64, count=len(new))
            sizes += PER_COUNTER
            self.tokens.extend(new)
            self.counts = np.concatenate([self.counts, np.zeros(len(new), np.int64)])
            self._sizes = np.concatenate([self._sizes, sizes])
            self.nbytes += int(sizes.sum())
        self.counts[pos] += counts
        self.total += int(counts.sum())
        if self.nbytes > self.budget:
            self._prune()

    def _prune(self) -> None:
        """Keep the most counters whose bytes fit the budget, less the next one's count."""
        order = np.argsort(-self.counts, kind="stable")
        fits = int(np.searchsorted(np.cumsum(self._sizes[order]), self.budget, side="right"))
        m = min(fits, order.shape[0] - 1)
        delta = int(self.counts[order[m]])
        top = order[:m]
        top = np.sort(top[self.counts[top] > delta])  # first-seen order kept
        self.tokens = [self.tokens[i] for i in top.tolist()]
        self.counts = self.counts[top] - delta
        self._sizes = self._sizes[top]
        self._index = {t: i for i, t in enumerate(self.tokens)}
        self.nbytes = int(self._sizes.sum())
        self.error += delta
        self.min_counters = m if self.min_counters is None else min(self.min_counters, m)
