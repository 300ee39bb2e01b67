"""Shards of a training round: contiguous sentences per shard, and each shard's private row copies.

Shared by Word2Vec and FastText (see :mod:`sparsedense._kernels.word2vec` for
how shards train and merge), with what every round of a ``train()`` call shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: the most shards (``workers``) of Word2Vec, FastText and GloVe: a Word2Vec shard holds a
#: slot per vocabulary word of every trained table and GloVe trains workers**2 blocks, so
#: memory grows with it; no machine we target runs more threads
WORKERS_MAX = 256
#: shards when ``workers=None``
DEFAULT_WORKERS = 2


def _split_shards(ends: np.ndarray, shards: int) -> np.ndarray:
    """Sentence index where each shard starts (contiguous sentences, about equal words)."""
    total = int(ends[-1]) if ends.shape[0] else 0
    targets = (np.arange(1, shards) * total) // shards
    cuts = np.searchsorted(ends, targets, side="left") + 1
    cuts = np.minimum(cuts, ends.shape[0])
    return np.concatenate(([0], cuts, [ends.shape[0]])).astype(np.int64)


class _ShardBuffers:
    """Private row copies of every shard for each trained table, grown as needed and reused.

    For table ``t`` (``sizes[t]`` rows): ``local[t]`` holds the copies (shard
    ``s`` owns rows ``s * cap .. s * cap + cap - 1``), ``rows[t]`` the shared
    row of each copy, ``slot[t][s, r]`` the copy of row ``r`` (-1: none) and
    ``n[t][s]`` how many rows shard ``s`` copied; ``seen[t]`` and ``union[t]``
    are the merge's scratch space.
    """

    def __init__(self, shards: int, sizes: Sequence[int], dim: int) -> None:
        self.shards, self.sizes, self.dim = shards, list(sizes), dim
        self.slot = [np.full((shards, n), -1, np.int32) for n in sizes]
        self.n = [np.zeros(shards, np.int64) for _ in sizes]
        self.seen = [np.zeros(n, np.bool_) for n in sizes]
        self.caps = [0] * len(sizes)
        self.local: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self._alloc(self.caps)

    def _alloc(self, caps: list[int]) -> None:
        self.caps = caps
        self.local = [np.empty((self.shards * max(c, 1), self.dim), np.float32) for c in caps]
        self.rows = [np.empty(self.shards * max(c, 1), np.int64) for c in caps]
        self.union = [np.empty(self.shards * max(c, 1), np.int64) for c in caps]

    def reserve(self, needs: Sequence[int]) -> None:
        """Make room for ``needs[t]`` copied rows of table ``t`` in every shard."""
        needs = [min(int(x), n) for x, n in zip(needs, self.sizes)]
        if any(x > c for x, c in zip(needs, self.caps)):
            self._alloc([max(x, c) for x, c in zip(needs, self.caps)])


def _shard_words(ends: np.ndarray, shard_lo: np.ndarray) -> np.ndarray:
    """Words of every shard."""
    starts = np.concatenate(([0], ends))
    return starts[shard_lo[1:]] - starts[shard_lo[:-1]]


@dataclass
class _Run:
    """What every round of one :meth:`~sparsedense.models.Word2Vec.train` call shares.

    The tables the kernel updates, the shards' row copies, the subsampling
    and noise tables, the sigmoid table, and the learning-rate schedule
    (``start_alpha`` to ``end_alpha`` over ``total`` in-vocabulary words).
    """

    tables: tuple[np.ndarray, ...]
    budget: _ShardBuffers
    sample_int: np.ndarray
    prob: np.ndarray
    alias: np.ndarray
    exp_table: np.ndarray
    start_alpha: float
    end_alpha: float
    total: float
    compute_loss: bool
