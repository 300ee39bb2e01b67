"""A growing table of distinct integer sequences (tokens as code points, n-grams as token ids)."""

from __future__ import annotations

import numpy as np

from .._kernels.intern import _intern_sequences, _rehash


class Interner:
    """Assign dense ids to integer sequences in order of first appearance.

    The state is kept in arrays so the Numba kernel can extend it chunk by
    chunk; :meth:`keys_as_text` / :meth:`key` read the distinct sequences back.

    Parameters
    ----------
    dtype : numpy dtype
        Dtype of the sequence values (``uint32`` for code points, ``int64``
        for token ids).
    """

    def __init__(self, dtype) -> None:
        self.slots = np.full(1024, -1, dtype=np.int64)
        self.key_span = np.empty((256, 2), dtype=np.int64)  # (start in pool, length)
        self.key_hash = np.empty(256, dtype=np.uint64)
        self.pool = np.empty(4096, dtype=dtype)
        self.n_keys = 0
        self.pool_len = 0

    @property
    def key_start(self) -> np.ndarray:
        """Start of each key in ``pool`` (the first ``n_keys`` entries are set)."""
        return self.key_span[:, 0]

    @property
    def key_len(self) -> np.ndarray:
        """Length of each key (the first ``n_keys`` entries are set)."""
        return self.key_span[:, 1]

    def __len__(self) -> int:
        return self.n_keys

    def intern(self, values, starts, lengths, insert: bool = True) -> np.ndarray:
        """Ids of the sequences ``values[s:s + l]``; new ones are added when ``insert``."""
        n = len(starts)
        ids = np.empty(n, dtype=np.int64)
        done = 0
        while True:
            done, self.n_keys, self.pool_len = _intern_sequences(
                values, starts, lengths, done, ids, self.slots, self.key_span, self.key_hash,
                self.pool, self.n_keys, self.pool_len, insert)
            if done == n:
                return ids
            self._grow(int(lengths[done]))

    def _grow(self, key_length: int) -> None:
        """Room for one more key of ``key_length`` values (the kernel stopped for it)."""
        if self.n_keys == self.key_span.shape[0]:
            more = max(16, self.n_keys)
            self.key_span = np.concatenate((self.key_span, np.empty((more, 2), np.int64)))
            self.key_hash = np.concatenate((self.key_hash, np.empty(more, np.uint64)))
        if self.pool_len + key_length > self.pool.shape[0]:
            pool = np.empty(max(2 * self.pool.shape[0], self.pool_len + key_length, 64),
                            self.pool.dtype)
            pool[:self.pool_len] = self.pool[:self.pool_len]
            self.pool = pool
        if 2 * (self.n_keys + 1) > self.slots.shape[0]:
            self.slots = _rehash(self.slots, self.key_hash, self.n_keys, 2 * self.slots.shape[0])

    def keys_as_text(self) -> list[str]:
        """The distinct code point sequences as Python strings, in id order."""
        if self.n_keys == 0:
            return []
        text = self.pool[: self.pool_len].tobytes().decode("utf-32-le", "surrogatepass")
        starts = self.key_start[: self.n_keys].tolist()
        ends = (self.key_start[: self.n_keys] + self.key_len[: self.n_keys]).tolist()
        return [text[s:e] for s, e in zip(starts, ends)]

    def keys_as_id_tuples(self) -> list[tuple[int, ...]]:
        """The distinct id sequences as tuples, in id order."""
        pool = self.pool[: self.pool_len].tolist()
        return [tuple(pool[s:s + n]) for s, n in zip(
            self.key_start[: self.n_keys].tolist(), self.key_len[: self.n_keys].tolist())]
