"""Vectors over a compressed table: gensim's queries on int8, int4 or float16 rows.

:class:`QuantizedVectors` is what :meth:`Vectors.quantize
<sparsedense.vectors.Vectors.quantize>` and the loaders (``quantize=``, or a
quantized native file) return. Every query reaches the table through two
methods, :meth:`~QuantizedVectors._unit_rows` (a few rows, decoded and made
unit length) and :meth:`~QuantizedVectors._unit_scores` (the cosines of every
row with a unit query, decoded a block of rows at a time), so no query holds
more than one block of float32 rows besides ``n`` float scores. The rows are
decoded and normalised by the kernels the float table uses, so each query
gives what it gives on ``Vectors(keys, table.dequantize())``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..quantized import QuantizedTable
from ._keys import KeyIndex, KeyList, KeyStore
from ._vectors import Vectors

#: float32 values decoded per block of rows (a block stays in the L2 cache)
_BLOCK_VALUES = 1 << 16
#: float32 values decoded per block of rows for a batch of queries (one top-k call a block)
_BATCH_BLOCK_VALUES = 1 << 20


class QuantizedVectors(Vectors):
    """Word vectors whose table is a :class:`~sparsedense.QuantizedTable` (read-only).

    Made by :meth:`Vectors.quantize`, ``load_vectors(..., quantize=...)`` or
    loading a quantized native file. The queries of :class:`Vectors` work
    unchanged and give the results of the same query on
    ``Vectors(keys, weight.dequantize())``; ``kv[key]`` and ``get_vector``
    give the decoded float32 row. Queries never decode the whole table:
    ``most_similar`` holds one block of decoded rows and one float32 score
    per key. :meth:`get_normed_vectors` alone decodes every row (it returns
    the full float32 table gensim's method returns). Changing the vectors is
    refused: :meth:`dequantize` gives a float :class:`Vectors` to change.

    The keys are stored compactly (one UTF-8 buffer and a hash index, no
    ``str`` object per key): ``index_to_key`` and ``key_to_index`` read like
    gensim's list and dict (length, iteration, indexing, slicing, ``in``,
    ``get``, equality with a list or dict) but are read-only views; a
    changing method raises TypeError, and ``list(kv.index_to_key)`` or
    ``dict(kv.key_to_index)`` gives a plain copy.

    Parameters
    ----------
    keys : sequence of str or Vocabulary
    weight : QuantizedTable

    Examples
    --------
    >>> import numpy as np
    >>> import sparsedense as sd
    >>> from sparsedense.vectors import QuantizedVectors
    >>> W = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    >>> kv = QuantizedVectors(["a", "b", "c"], sd.quantize(W, "float16"))
    >>> [(k, round(s, 3)) for k, s in kv.most_similar("a", topn=1)]
    [('b', 0.8)]
    >>> kv.weight.nbytes, kv.dequantize().weight.nbytes
    (12, 24)
    """

    def __init__(self, keys: Sequence[str] | Any, weight: QuantizedTable) -> None:
        from ..vocabulary import Vocabulary

        if isinstance(keys, Vocabulary):
            keys = keys.tokens
        if not isinstance(keys, (KeyStore, Sequence)):
            keys = list(keys)
        weight = self._check_table(weight)
        if weight.shape[0] != len(keys):
            raise ValueError(f"weight has {weight.shape[0]} rows but there are {len(keys)} keys; "
                             "they must match")
        self._keys = keys if isinstance(keys, KeyStore) else KeyStore.from_keys(keys)
        self.weight = weight
        #: gensim's per-key attributes: name -> one value per key (see ``set_vecattr``)
        self.expandos: dict[str, np.ndarray] = {}
        self._invalidate()

    @property
    def index_to_key(self) -> KeyList:
        """The keys in row order: a read-only list (``list(...)`` copies it)."""
        return KeyList(self._keys)

    @index_to_key.setter
    def index_to_key(self, value: Any) -> None:
        self._read_only("setting index_to_key")

    @property
    def key_to_index(self) -> KeyIndex:
        """Key -> row: a read-only dict (``dict(...)`` copies it)."""
        return KeyIndex(self._keys)

    @key_to_index.setter
    def key_to_index(self, value: Any) -> None:
        self._read_only("setting key_to_index")

    def __len__(self) -> int:
        return len(self._keys)

    def has_index_for(self, key: object) -> bool:
        """Whether ``key`` is a key, or an int naming a row (found in the compact index)."""
        return (isinstance(key, str) and self._keys.find(key) >= 0) or \
            (not isinstance(key, str) and super().has_index_for(key))

    def get_index(self, key: str | int, default: int | None = None) -> int:
        """Row of ``key`` (see :meth:`Vectors.get_index`), found in the compact index."""
        i = self._keys.find(key)
        return i if i >= 0 else super().get_index(key, default)

    @staticmethod
    def _check_table(weight: Any) -> QuantizedTable:
        if not isinstance(weight, QuantizedTable):
            raise TypeError(f"weight must be a QuantizedTable (sparsedense.quantize(table, "
                            f"'int8')); got {type(weight).__name__}")
        return weight

    # -- derived state, a block at a time -------------------------------------------
    def _blocks(self, start: int, stop: int, values: int = _BLOCK_VALUES):
        """Yield ``(lo, hi, unit rows lo:hi)``: the decoded rows, made unit length, about
        ``values`` floats a block."""
        from ..similarity import normalize_rows

        step = max(8, values // max(self.vector_size, 1))
        step -= step % 8  # whole groups of the 8-row normalising kernel
        decoded = np.empty((min(step, max(stop - start, 0)), self.vector_size), np.float32)
        for lo in range(start, stop, step):
            hi = min(lo + step, stop)
            part = self.weight.take(np.arange(lo, hi, dtype=np.int64), decoded[:hi - lo])
            yield lo, hi, normalize_rows(part, np.float32)

    @property
    def norms(self) -> np.ndarray:
        """l2 norm of every decoded row (float64, cached, read-only)."""
        if self._norms is None:
            from .._kernels._dispatch import choose
            from .._kernels.similarity import _row_norms

            norms = np.empty(len(self), dtype=np.float64)
            step = max(1, _BLOCK_VALUES // max(self.vector_size, 1))
            for lo in range(0, len(self), step):
                hi = min(lo + step, len(self))
                part = self.weight.take(np.arange(lo, hi, dtype=np.int64))
                choose(_row_norms, part.size)(part, norms[lo:hi])
            norms.flags.writeable = False
            self._norms = norms
        return self._norms

    def get_normed_vectors(self) -> np.ndarray:
        """Every decoded row made unit length: a float32 table (the queries never need it)."""
        from ..similarity import normalize_rows

        unit = normalize_rows(self.weight.dequantize(), np.float32)
        unit.flags.writeable = False
        return unit

    def fill_norms(self, force: bool = False) -> None:
        """Compute (or, with ``force``, recompute) the cached norms (no unit table is kept)."""
        if force:
            self._invalidate()
        self.norms  # noqa: B018 - computed for its cache

    def _unit_rows(self, rows: Sequence[int]) -> np.ndarray:
        from ..similarity import normalize_rows

        rows = np.asarray(list(rows), dtype=np.int64)
        return normalize_rows(self.weight.take(rows), np.float32)

    def _unit_scores(self, query: np.ndarray, start: int = 0,
                     stop: int | None = None) -> np.ndarray:
        start, stop, _ = slice(start, stop).indices(len(self))
        q = np.ascontiguousarray(query, dtype=np.float32)
        out = np.empty(max(stop - start, 0), dtype=np.float32)
        for lo, hi, unit in self._blocks(start, stop):
            np.matmul(unit, q, out=out[lo - start:hi - start])
        return out

    # -- lookups ------------------------------------------------------------------------
    def get_vector(self, key: str | int, norm: bool = False) -> np.ndarray:
        """The decoded float32 vector of ``key`` (unit length with ``norm=True``)."""
        i = self.get_index(key)
        return self._unit_rows([i])[0] if norm else self.weight[i]

    def most_similar_batch(self, keys: Sequence[str], topn: int = 10,
                           restrict_vocab: int | None = None) -> list[list[tuple[str, float]]]:
        """``most_similar(key)`` for many keys (each excludes itself).

        One :func:`~sparsedense.topk_similar` call per block of decoded unit
        rows, the blocks' winners merged (best score first, ties by lower
        index, as one call over the whole table would give).
        """
        from ..similarity import topk_unit_rows
        from ._checks import _check_restrict_vocab, _check_topn

        if isinstance(keys, str):
            raise TypeError("most_similar_batch expects a list of keys, not a single str "
                            "(use most_similar)")
        topn = _check_topn(topn)
        restrict_vocab = _check_restrict_vocab(restrict_vocab)
        rows = np.array([self.get_index(k) for k in keys], dtype=np.int64)
        n_corpus = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        if topn == 0 or n_corpus == 0 or rows.shape[0] == 0:
            return [[] for _ in range(rows.shape[0])]
        k = min(topn + 1, n_corpus)
        queries = self._unit_rows(rows)
        idx = np.empty((rows.shape[0], 0), dtype=np.int64)
        scores = np.empty((rows.shape[0], 0), dtype=np.float32)
        for lo, hi, unit in self._blocks(0, n_corpus, _BATCH_BLOCK_VALUES):
            got_idx, got = topk_unit_rows(queries, unit, min(k, hi - lo))
            idx = np.concatenate([idx, got_idx + lo], axis=1)
            scores = np.concatenate([scores, got], axis=1)
            best = np.lexsort((idx, -scores), axis=-1)[:, :k]
            idx = np.take_along_axis(idx, best, axis=1)
            scores = np.take_along_axis(scores, best, axis=1)
        out = []
        for r, (ii, ss) in enumerate(zip(idx, scores)):
            res = [(self.index_to_key[i], float(s)) for i, s in zip(ii, ss) if i != rows[r]]
            out.append(res[:topn])
        return out

    # -- conversions ------------------------------------------------------------------
    def quantize(self, dtype: str = "int8") -> "Vectors":
        """Refused: the table is already compressed (``dequantize().quantize(dtype)``)."""
        raise TypeError(f"these vectors are already quantized ({self.weight.dtype}); "
                        f"use kv.dequantize().quantize({dtype!r}) to change the format")

    def dequantize(self) -> Vectors:
        """A float32 :class:`Vectors` of the decoded rows (same keys and attributes)."""
        out = Vectors(self.index_to_key[:], self.weight.dequantize())
        out.expandos.update({name: np.array(v) for name, v in self.expandos.items()})
        return out

    # -- mutators: refused ----------------------------------------------------------------
    def _read_only(self, name: str):
        raise TypeError(f"{name} changes the table, and a quantized Vectors is read-only: "
                        "change kv.dequantize() (then .quantize() it again)")

    def add_vectors(self, keys: Any, weights: Any, extras: Any = None,
                    replace: bool = False) -> None:
        """Refused (a TypeError): a quantized table is read-only."""
        self._read_only("add_vectors")

    def sort_by_descending_frequency(self) -> None:
        """Refused (a TypeError): a quantized table is read-only."""
        self._read_only("sort_by_descending_frequency")

    def unit_normalize_all(self) -> None:
        """Refused (a TypeError): a quantized table is read-only."""
        self._read_only("unit_normalize_all")

    def resize_vectors(self, seed: int = 0) -> None:
        """Refused (a TypeError): a quantized table is read-only."""
        self._read_only("resize_vectors")

    def intersect_word2vec_format(self, *args: Any, **kwargs: Any) -> None:
        """Refused (a TypeError): a quantized table is read-only."""
        self._read_only("intersect_word2vec_format")
