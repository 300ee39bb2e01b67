"""A growing table of distinct integer sequences (tokens as code points, n-grams as token ids)."""

from __future__ import annotations

import numpy as np

from .._kernels.intern import _intern_sequences


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
        self.key_start = np.empty(256, dtype=np.int64)
        self.key_len = np.empty(256, dtype=np.int64)
        self.key_hash = np.empty(256, dtype=np.uint64)
        self.pool = np.empty(4096, dtype=dtype)
        self.n_keys = 0
        self.pool_len = 0

    def __len__(self) -> int:
        return self.n_keys

    def intern(self, values, starts, lengths, insert: bool = True) -> np.ndarray:
        """Ids of the sequences ``values[s:s + l]``; new ones are added when ``insert``."""
        (ids, self.slots, self.key_start, self.key_len, self.key_hash, self.pool,
         self.n_keys, self.pool_len) = _intern_sequences(
            values, starts, lengths, self.slots, self.key_start, self.key_len,
            self.key_hash, self.pool, self.n_keys, self.pool_len, insert)
        return ids

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
