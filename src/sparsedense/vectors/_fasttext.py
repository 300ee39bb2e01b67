"""Word vectors with character n-gram (subword) rows: FastTextVectors and ngram_buckets.

A word's character n-grams (``min_n`` to ``max_n`` characters of ``<word>``)
are hashed into ``bucket`` rows of an n-gram table, with gensim's (and
Facebook fastText's) hash. A vocabulary word's vector is the mean of its own
row and its n-gram rows; any other word gets the mean of its n-gram rows.
The trainer (:class:`~sparsedense.models.FastText`) and the reader of Facebook
``.bin`` files both build these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._vectors import Vectors


def ngram_buckets(words: Sequence[str], min_n: int, max_n: int,
                  bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-gram buckets of every word, as ``(ptr, buckets)``.

    Word ``i`` has ``buckets[ptr[i]:ptr[i+1]]``, equal to gensim's
    ``ft_ngram_hashes(word, min_n, max_n, bucket)``.

    Examples
    --------
    >>> from sparsedense.vectors import ngram_buckets
    >>> ptr, buckets = ngram_buckets(["deposit"], 3, 4, 2_000_000)
    >>> int(ptr[1])  # '<de', 'dep', 'epo', ... and the 4-grams
    13
    """
    from .._kernels.fasttext import ngram_buckets as kernel

    encoded = [f"<{w}>".encode("utf-8") for w in words]
    lengths = np.fromiter((len(b) for b in encoded), np.int64, len(encoded))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buf = np.frombuffer(b"".join(encoded), np.uint8) if encoded else np.zeros(0, np.uint8)
    if max_n < min_n or bucket == 0:
        return np.zeros(len(words) + 1, np.int64), np.zeros(0, np.int64)
    return kernel(buf, starts, ends, min_n, max_n, bucket)


class FastTextVectors(Vectors):
    """Word vectors that answer for unseen words too (gensim's ``FastTextKeyedVectors``).

    ``vectors`` holds the composed vector of every vocabulary word (its row
    of ``vectors_vocab`` averaged with its n-gram rows of ``vectors_ngrams``);
    any other word gets the mean of its n-gram rows. ``word in wv`` is true
    for any word with at least one n-gram, as in gensim; ``has_index_for``
    tells whether it is in the vocabulary.
    """

    def __init__(self, keys: Sequence[str], weight: np.ndarray, vectors_vocab: np.ndarray,
                 vectors_ngrams: np.ndarray, min_n: int, max_n: int, bucket: int) -> None:
        super().__init__(keys, weight)
        self.vectors_vocab = vectors_vocab
        self.vectors_ngrams = vectors_ngrams
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket

    def __contains__(self, key: object) -> bool:
        if self.has_index_for(key):  # a key, or an int naming a row
            return True
        return isinstance(key, str) and self.bucket > 0 and \
            ngram_buckets([key], self.min_n, self.max_n, self.bucket)[0][1] > 0

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of ``key``; for a word outside the vocabulary, its n-gram rows' mean."""
        if key in self.key_to_index or not isinstance(key, str) or self.bucket == 0:
            return super().get_vector(key, norm=norm)
        _, buckets = ngram_buckets([key], self.min_n, self.max_n, self.bucket)
        if buckets.shape[0] == 0:
            raise KeyError(f"Key {key!r} not present in vocabulary and has no character "
                           f"{self.min_n}..{self.max_n}-grams to build a vector from")
        vec = self.vectors_ngrams[buckets].sum(axis=0) / np.float32(buckets.shape[0])
        if norm:
            n = np.linalg.norm(vec)
            return vec / n if n > 0 else vec
        return vec

    def adjust_vectors(self) -> None:
        """Recompute ``vectors`` from ``vectors_vocab`` and ``vectors_ngrams`` (gensim's
        method): each vocabulary word's row is the mean of its own row and its n-gram rows
        (``vectors_vocab`` itself without n-grams), summed in gensim's order."""
        if self.bucket == 0:
            self.weight = self.vectors_vocab
        else:
            ptr, idx = ngram_buckets(self.index_to_key, self.min_n, self.max_n, self.bucket)
            counts = np.diff(ptr)
            weight = np.array(self.vectors_vocab[: len(self.index_to_key)], copy=True)
            np.add.at(weight, np.repeat(np.arange(len(counts)), counts), self.vectors_ngrams[idx])
            weight /= (counts + 1)[:, None].astype(weight.dtype)
            self.weight = weight
        self._invalidate()

    def resize_vectors(self, seed: int = 0) -> None:
        """gensim's FastText version: ``vectors_vocab`` gets one row per key and
        ``vectors_ngrams`` ``bucket`` rows (new rows drawn as gensim draws them, with
        ``seed`` and ``seed + 1``), then :meth:`adjust_vectors`."""
        from ._maintenance import prep_rows

        self.vectors_vocab = prep_rows(self.vectors_vocab, len(self.index_to_key), seed)
        self.vectors_ngrams = prep_rows(self.vectors_ngrams, self.bucket, seed + 1)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        self.allocate_vecattrs()
        self.adjust_vectors()

    def sort_by_descending_frequency(self) -> None:
        """As :meth:`Vectors.sort_by_descending_frequency`, with ``vectors_vocab`` in the
        new order too (gensim leaves it in the old one)."""
        before = dict(self.key_to_index)
        super().sort_by_descending_frequency()
        if self.index_to_key and self.vectors_vocab.shape[0] == len(self.index_to_key):
            self.vectors_vocab = self.vectors_vocab[[before[k] for k in self.index_to_key]]

    def get_sentence_vector(self, sentence: Any) -> np.ndarray:
        """The mean of the unit vectors of ``sentence``'s words (gensim's method: its
        ``get_mean_vector(sentence)``; words outside the vocabulary count by n-grams)."""
        return self.get_mean_vector(sentence)

    def _inferred_rows(self, keys: list) -> np.ndarray:
        """The n-gram vectors of words outside the vocabulary (each has at least one n-gram)."""
        ptr, idx = ngram_buckets(keys, self.min_n, self.max_n, self.bucket)
        sums = np.add.reduceat(self.vectors_ngrams[idx], ptr[:-1], axis=0)
        return sums / np.diff(ptr)[:, None].astype(self.vectors_ngrams.dtype)

    def most_similar_batch(self, keys: Sequence[str], topn: int = 10,
                           restrict_vocab: int | None = None) -> list[list[tuple[str, float]]]:
        """As :meth:`Vectors.most_similar_batch`; a word outside the vocabulary is queried
        by its n-gram vector (as ``most_similar(word)``)."""
        if isinstance(keys, str):
            return super().most_similar_batch(keys, topn, restrict_vocab)  # its TypeError
        keys = list(keys)
        known = [k for k in keys if k in self.key_to_index]
        batch = iter(super().most_similar_batch(known, topn, restrict_vocab))
        return [next(batch) if k in self.key_to_index
                else self.most_similar(k, topn=topn, restrict_vocab=restrict_vocab)
                for k in keys]

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words, in the vocabulary or not."""
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def _combine(self, positive: Any, negative: Any) -> tuple[np.ndarray, set]:
        """As :class:`Vectors`, with words outside the vocabulary taken as their n-gram vectors."""
        def resolve(x):
            if isinstance(x, str) and x not in self.key_to_index:
                return self.get_vector(x, norm=True).astype(np.float64)
            if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str):
                return (resolve(x[0]), x[1])
            return x

        def resolve_all(items):
            if items is None or isinstance(items, (str, np.ndarray)):
                return None if items is None else [resolve(items)]
            return [resolve(x) for x in items] if isinstance(items, Iterable) else items

        return super()._combine(resolve_all(positive), resolve_all(negative))
