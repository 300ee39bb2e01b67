"""FastText: Word2Vec with character n-gram (subword) vectors, gensim's names and hashing.

Each word's character n-grams (``min_n`` to ``max_n`` characters of
``<word>``) are hashed into ``bucket`` rows of an n-gram table -- the hashing
trick of the sparse side (``HashingVectorizer``), here feeding a dense table.
A word's vector is the mean of its own row and its n-gram rows, so a word
never seen in training still gets a vector from its n-grams. The hash is
gensim's (and Facebook fastText's), so the same word maps to the same buckets.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..vectors import FastTextVectors, ngram_buckets
from .._base.errors import NotTrainableError
from .._base.params import Implemented, Int, check_params
from ._shards import _Run, _shard_words, _ShardBuffers
from .word2vec import Word2Vec, initial_vectors

#: the n-gram parameters, checked before those of Word2Vec
_CONSTRAINTS = {
    "min_n": Int(1),
    "max_n": Int(0),
    "bucket": Int(0),
    "word_ngrams": Implemented(Int(1), (1,), "word_ngrams={value} (word n-grams) is not "
                                             "implemented, as in gensim; use word_ngrams=1"),
}


class FastText(Word2Vec):
    """Learn word and subword vectors (fastText) with skip-gram or CBOW and negative sampling.

    Everything of :class:`~sparsedense.models.Word2Vec` (names, defaults,
    determinism, ``workers`` as shards), plus character n-grams hashed into
    ``bucket`` rows. ``wv`` is a :class:`FastTextVectors`: ``model.wv[word]``
    works for words never seen in training.

    Parameters
    ----------
    min_n, max_n : int, default=3, 6
        Lengths (in characters) of the n-grams of ``<word>``; ``max_n < min_n``
        disables them (plain word vectors).
    bucket : int, default=2_000_000
        Rows of the n-gram table.
    word_ngrams : {1}, default=1
        gensim's signature; like gensim, only 1 (no word n-grams) is implemented.
    **kwargs
        The parameters of :class:`~sparsedense.models.Word2Vec`.

    Examples
    --------
    >>> from sparsedense.models import FastText
    >>> sentences = [["deposit", "deposits", "savings"], ["mortgage", "loan"]] * 30
    >>> model = FastText(sentences, vector_size=8, min_count=1, epochs=2, bucket=1000)
    >>> model.wv["depositing"].shape  # not in the vocabulary: built from n-grams
    (8,)
    >>> model.wv.has_index_for("depositing")
    False
    """

    _owner = "FastText"
    _round_words = 10000  # see word2vec.SHARD_WORDS

    def __init__(self, sentences: Iterable[Sequence[str]] | None = None,
                 corpus_file: str | os.PathLike | None = None, min_n: int = 3, max_n: int = 6,
                 bucket: int = 2_000_000, word_ngrams: int = 1, **kwargs: Any) -> None:
        check_params({"min_n": min_n, "max_n": max_n, "bucket": bucket,
                      "word_ngrams": word_ngrams}, _CONSTRAINTS, "FastText")
        self.min_n, self.max_n, self.bucket = int(min_n), int(max_n), int(bucket)
        self.word_ngrams = 1
        super().__init__(sentences, corpus_file, **kwargs)

    def _table_specs(self, n_words: int) -> dict[str, tuple[tuple[int, ...], str]]:
        specs = super()._table_specs(n_words)
        specs["ngrams"] = ((self.bucket, self.vector_size), "(bucket, vector_size) from the "
                           f"parameters bucket={self.bucket}, vector_size={self.vector_size}")
        return specs

    def _check_trainable(self) -> None:
        wv = self.wv
        if wv is not None and not isinstance(wv, FastTextVectors):
            raise NotTrainableError(f"FastText: wv is a {type(wv).__name__}, not the model's "
                                    "FastTextVectors; build_vocab() before train()")
        super()._check_trainable()
        ngrams = wv.vectors_ngrams
        expected = (self.bucket, self.vector_size)
        if not (isinstance(ngrams, np.ndarray) and ngrams.shape == expected
                and ngrams.dtype == np.float32 and ngrams.flags.c_contiguous
                and ngrams.flags.writeable):
            raise NotTrainableError(f"FastText: wv.vectors_ngrams must be a writable C-contiguous "
                                    f"float32 array of shape {expected} (bucket, vector_size)")
        if self._sub_ptr.shape[0] != len(wv) + 1 or (
                self._sub_idx.shape[0] and int(self._sub_idx.max()) >= self.bucket):
            raise NotTrainableError("FastText: the n-gram buckets do not match wv; "
                                    "build_vocab() again")

    def _set_state(self, words: list[str], counts: np.ndarray, syn0: np.ndarray,
                   syn1neg: np.ndarray, ngrams: np.ndarray | None = None) -> None:
        if ngrams is None:  # a fresh model: gensim's initialisation (seed + 1 for the n-grams)
            ngrams = initial_vectors(self.seed + 1, self.bucket, self.vector_size)
        self._counts = np.asarray(counts, np.int64)
        self.syn1neg = syn1neg
        self._sub_ptr, self._sub_idx = ngram_buckets(words, self.min_n, self.max_n, self.bucket)
        composed = np.empty_like(syn0)
        self.wv = FastTextVectors(words, composed, syn0, ngrams, self.min_n, self.max_n,
                                  self.bucket)
        self.wv.expandos["count"] = self._counts  # gensim's wv.get_vecattr(word, "count")
        self._epoch_done()

    def _epoch_done(self) -> None:
        from .._kernels.fasttext import compose_vectors

        wv = self.wv
        compose_vectors(wv.vectors_vocab, wv.vectors_ngrams, self._sub_ptr, self._sub_idx,
                        wv.weight)
        wv._invalidate()

    def _training_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        wv = self.wv
        if not (wv.vectors_vocab.flags.c_contiguous and wv.vectors_vocab.flags.writeable):
            wv.vectors_vocab = np.ascontiguousarray(wv.vectors_vocab).copy()
        return wv.vectors_vocab, self.syn1neg, wv.vectors_ngrams

    def _shard_buffers(self) -> _ShardBuffers:
        n = len(self._counts)
        return _ShardBuffers(self.workers, [n, n, max(self.bucket, 1)], self.vector_size)

    def _row_needs(self, ids, ends, shard_lo) -> list[int]:
        sub_len = np.diff(self._sub_ptr)
        starts = np.concatenate(([0], ends))
        per_token = np.concatenate(([0], np.cumsum(sub_len[ids])))
        lo, hi = starts[shard_lo[:-1]], starts[shard_lo[1:]]
        words = int(_shard_words(ends, shard_lo).max())
        return [words, words * (2 * self.window + self.negative + 1),
                int((per_token[hi] - per_token[lo]).max())]

    def _run_round(self, run: _Run, ids: np.ndarray, ends: np.ndarray, shard_lo: np.ndarray,
                   words_before: np.ndarray, states: np.ndarray) -> float:
        from .._kernels._dispatch import choose
        from .._kernels.fasttext import train_round_ft

        budget = run.budget
        budget.reserve(self._row_needs(ids, ends, shard_lo))
        losses = np.zeros(self.workers, np.float64)
        effective = np.zeros(self.workers, np.int64)
        kernel = choose(train_round_ft, 1 << 20, allow=self.workers > 1)
        kernel(ids, ends, shard_lo, words_before, *run.tables, *budget.local, *budget.slot,
               *budget.rows, *budget.n, *budget.seen, *budget.union, states, run.sample_int,
               run.prob, run.alias, run.exp_table,
               self._sub_ptr, self._sub_idx, bool(self.sg), self.window, self.shrink_windows,
               self.negative, bool(self.cbow_mean), np.float32(run.start_alpha),
               np.float32(run.end_alpha), float(run.total), run.compute_loss, losses, effective)
        return float(losses.sum())

    def _state_arrays(self) -> dict[str, np.ndarray]:
        return {"syn0": self.wv.vectors_vocab, "syn1neg": self.syn1neg,
                "ngrams": self.wv.vectors_ngrams}

    def _restore(self, words: list[str], arrays: dict[str, np.ndarray]) -> None:
        self._set_state(words, arrays["counts"], np.ascontiguousarray(arrays["syn0"]),
                        np.ascontiguousarray(arrays["syn1neg"]),
                        np.ascontiguousarray(arrays["ngrams"]))
