"""Vectors: a table of word vectors with gensim's ``KeyedVectors`` names and semantics."""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._base.validation import check_weight, is_bool
from ..quantized import QuantizedTable, value_dtype
from ._checks import _check_clip, _check_restrict_vocab, _check_topn
from ._gensim_files import GensimFiles
from ._maintenance import Maintenance
from ._queries import Queries, as_items, is_index
from ._vecattrs import VecAttrs


class Vectors(Queries, VecAttrs, GensimFiles, Maintenance):
    """Word vectors: one row of ``weight`` per key, with similarity queries.

    The names and semantics follow gensim's ``KeyedVectors``:
    ``vectors[word]``, ``key_to_index``, ``index_to_key``, ``most_similar``
    (mean of unit vectors, query words excluded), ``similarity``,
    ``doesnt_match``, ``evaluate_word_pairs``, ``most_similar_cosmul``,
    ``get_vecattr``, ``save_word2vec_format``... An int that is not a key
    names a row, as in gensim (``kv[3]``). Differences on purpose: query
    results are always a list of ``(key, score)`` (never an array depending on
    ``topn``), ties are broken by lower index, and the cached unit vectors are
    recomputed after every change to the table (see :meth:`_invalidate`); the
    full list is in the migration guide (docs/howto/migrating.rst). Parameter
    names, their order and the exception types follow gensim's, and gensim's
    own KeyedVectors tests run against this class.

    Queries (lookups, ``most_similar``, ``similarity``...) may run in several
    threads at once: they only read the table, and the cached unit vectors are
    built once and read-only. Mutators (``add_vectors``, ``vectors[key] = ...``,
    ``set_vecattr``)
    must not run while other threads query the same object.

    Parameters
    ----------
    keys : sequence of str or Vocabulary
        Distinct keys, in row order.
    weight : ndarray of shape (len(keys), vector_size)
        float32 or float64 (a memmap works).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense import Vectors
    >>> kv = Vectors(["예금", "적금", "주택대출"],
    ...              np.array([[1.0, 0.1], [0.9, 0.2], [-0.2, 1.0]], dtype=np.float32))
    >>> kv["예금"].tolist()
    [1.0, 0.10000000149011612]
    >>> [(k, round(s, 3)) for k, s in kv.most_similar("예금", topn=2)]
    [('적금', 0.993), ('주택대출', -0.098)]
    """

    def __init__(self, keys: Sequence[str] | Any, weight: np.ndarray) -> None:
        from ..vocabulary import Vocabulary

        if isinstance(keys, Vocabulary):
            keys = keys.tokens
        keys = list(keys)
        weight = self._check_table(weight)
        if weight.shape[0] != len(keys):
            raise ValueError(f"weight has {weight.shape[0]} rows but there are {len(keys)} keys; "
                             "they must match")
        index: dict[str, int] = {}
        for i, k in enumerate(keys):
            if not isinstance(k, str):
                raise TypeError(f"keys[{i}] is {type(k).__name__} {k!r}; expected str")
            if index.setdefault(k, i) != i:
                raise ValueError(f"keys[{i}] = {k!r} repeats keys[{index[k]}]; keys must be "
                                 "distinct")
        self.index_to_key = keys
        self.key_to_index = index
        self.weight = weight
        #: gensim's per-key attributes: name -> one value per key (see ``set_vecattr``)
        self.expandos: dict[str, np.ndarray] = {}
        self._invalidate()

    @staticmethod
    def _check_table(weight: Any) -> np.ndarray:
        """The table, checked (a float32 or float64 2-D array)."""
        if isinstance(weight, QuantizedTable):
            raise TypeError("weight is a QuantizedTable: use QuantizedVectors(keys, weight) "
                            "(or Vectors(keys, float_table).quantize(dtype))")
        return check_weight(weight)

    # -- state -----------------------------------------------------------------
    def _invalidate(self) -> None:
        """Forget derived state (norms, unit vectors); every mutator calls this."""
        self._norms: np.ndarray | None = None
        self._unit: np.ndarray | None = None

    @property
    def vectors(self) -> np.ndarray:
        """The table (gensim's name for ``weight``)."""
        return self.weight

    @property
    def vector_size(self) -> int:
        return self.weight.shape[1]

    @property
    def norms(self) -> np.ndarray:
        """l2 norm of every row (cached, read-only)."""
        if self._norms is None:
            from .._kernels._dispatch import choose
            from .._kernels.similarity import _row_norms

            norms = np.empty(len(self), dtype=np.float64)
            if norms.size:
                choose(_row_norms, self.weight.size)(np.ascontiguousarray(self.weight), norms)
            norms.flags.writeable = False
            self._norms = norms
        return self._norms

    def get_normed_vectors(self) -> np.ndarray:
        """Unit-length rows (rows of zeros stay zero); cached and read-only."""
        if self._unit is None:
            from ..similarity import normalize_rows

            unit = normalize_rows(self.weight, self.weight.dtype)
            unit.flags.writeable = False
            self._unit = unit
        return self._unit

    def _unit_rows(self, rows: Sequence[int]) -> np.ndarray:
        """The unit-length rows ``rows`` (a list of row numbers), one per row."""
        return self.get_normed_vectors()[list(rows)]

    def _unit_scores(self, query: np.ndarray, start: int = 0,
                     stop: int | None = None) -> np.ndarray:
        """Dot products of the unit rows ``start:stop`` with ``query`` (in the table's dtype)."""
        unit = self.get_normed_vectors()[start:stop]
        return unit @ query.astype(unit.dtype)

    def quantize(self, dtype: str = "int8") -> "Vectors":
        """These vectors with their table compressed to int8, int4 or float16 rows.

        A :class:`~sparsedense.vectors.QuantizedVectors` (same keys and
        attributes; a ``FastTextVectors`` gives its vocabulary's vectors only)
        whose table is ``sparsedense.quantize(weight, dtype)``. Its queries
        decode a block of rows at a time, never a float32 copy of the table,
        and give what they give on ``Vectors(keys, table.dequantize())``.
        It is read-only; ``save`` keeps it compressed in the native format.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> W = np.array([[1.0, 0.1], [0.9, 0.2], [-0.2, 1.0]], dtype=np.float32)
        >>> kv = Vectors(["예금", "적금", "주택대출"], W).quantize("int8")
        >>> kv
        Vectors(3 keys, vector_size=2, dtype=int8)
        >>> [(k, round(s, 2)) for k, s in kv.most_similar("예금", topn=2)]
        [('적금', 0.99), ('주택대출', -0.1)]
        """
        from ..quantized import quantize
        from ._quantized import QuantizedVectors

        out = QuantizedVectors(list(self.index_to_key), quantize(self.weight, dtype))
        out.expandos.update({name: np.array(v) for name, v in self.expandos.items()})
        return out

    def fill_norms(self, force: bool = False) -> None:
        """Compute (or, with ``force``, recompute) the cached norms and unit vectors."""
        if force:
            self._invalidate()
        self.get_normed_vectors()

    def add_vectors(self, keys: str | Sequence[str], weights: Any, extras: Any = None,
                    replace: bool = False) -> None:
        """Add keys with their vectors (gensim's semantics and parameters).

        A single str is one key (with one vector). Keys already present keep
        their vector unless ``replace=True`` (as in gensim); a key repeated
        within one call is refused (gensim would store it twice). ``extras``
        maps an attribute name (e.g. ``"count"``) to one value per key, stored
        for the added keys (and the replaced ones with ``replace``); the
        attributes of added keys not in ``extras`` are 0.

        An int names an existing row, as in ``kv[3]``: ``kv[3] = vector``
        replaces row 3 (gensim 4.4 instead adds a new key, the int 3, which
        then hides row 3). An int that names no row is a TypeError: a new key
        must be a str.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> kv = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv[1] = [0.5, 0.5]
        >>> kv.index_to_key, kv["b"].tolist()
        (['a', 'b'], [0.5, 0.5])
        """
        if isinstance(keys, str) or is_index(keys):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        if not isinstance(keys, Iterable):
            raise TypeError(f"keys must be a key (str, or int naming a row) or a list of keys; "
                            f"got {type(keys).__name__} {keys!r:.80}")
        keys = [self._key_of_row(k, i) if is_index(k) else k for i, k in enumerate(keys)]
        weights = np.asarray(weights)
        if weights.ndim != 2 or weights.shape != (len(keys), self.vector_size):
            raise ValueError(f"weights must have shape (len(keys), vector_size) = "
                             f"({len(keys)}, {self.vector_size}); got {weights.shape}")
        if weights.dtype.kind not in "fiu":
            raise TypeError(f"weights must be numeric; got dtype {weights.dtype}")
        extras = self._check_extras(extras, len(keys))
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if not isinstance(k, str):
                raise TypeError(f"keys[{i}] is {type(k).__name__} {k!r}; expected str")
            if first.setdefault(k, i) != i:
                raise ValueError(f"keys[{i}] = {k!r} repeats keys[{first[k]}] in the same call")
        new_rows, new_keys = [], []
        for i, k in enumerate(keys):
            if k not in self.key_to_index:
                new_keys.append(k)
                new_rows.append(i)
        replaced = [(self.key_to_index[k], i) for i, k in enumerate(keys)
                    if replace and k in self.key_to_index]
        updated = np.array(self.weight, copy=True) if replace else self.weight
        for row, i in replaced:
            updated[row] = weights[i]
        if new_keys:
            updated = np.concatenate((updated, weights[new_rows].astype(self.weight.dtype)))
            start = len(self.index_to_key)
            self.index_to_key.extend(new_keys)
            self.key_to_index.update({k: start + j for j, k in enumerate(new_keys)})
        self.weight = updated
        start = len(self) - len(new_keys)
        self._store_extras(extras, [r for r, _ in replaced] + list(range(start, len(self))),
                           [i for _, i in replaced] + new_rows)
        self._invalidate()

    def _key_of_row(self, row: int, position: int) -> str:
        """The key of row ``row`` (an int key of ``add_vectors``), or a TypeError."""
        if 0 <= row < len(self.index_to_key):
            return self.index_to_key[row]
        raise TypeError(f"keys[{position}] is int {row!r}, which names no row (there are "
                        f"{len(self)}); an int names an existing row and a new key must be a "
                        "str")

    def __setitem__(self, keys: str | Sequence[str], weights: Any) -> None:
        """Set the vectors of keys, adding the new ones (gensim's ``kv[key] = vector``)."""
        self.add_vectors(keys, weights, replace=True)

    # -- lookups -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return self.has_index_for(key)

    def has_index_for(self, key: object) -> bool:
        """Whether ``key`` is a key, or an int naming a row (gensim's rule)."""
        if is_index(key):
            return key in self.key_to_index or 0 <= key < len(self.index_to_key)
        try:
            return key in self.key_to_index
        except TypeError:  # unhashable: not a key
            return False

    def __iter__(self):
        return iter(self.index_to_key)

    def __repr__(self) -> str:
        return (f"Vectors({len(self)} keys, vector_size={self.vector_size}, "
                f"dtype={self.weight.dtype})")

    def get_index(self, key: str | int, default: int | None = None) -> int:
        """Row of ``key``; ``default`` if given and ``key`` is absent, else KeyError naming it.

        As in gensim, an int that is not a key is a row number: ``get_index(3)``
        is 3 when there are more than 3 rows.
        """
        i = self.key_to_index.get(key)
        if i is None and is_index(key) and 0 <= key < len(self.index_to_key):
            return int(key)
        if i is None:
            if default is not None:
                return default
            hint = ""
            if isinstance(key, str) and len(self) <= 200_000:
                close = difflib.get_close_matches(key, self.index_to_key, n=3, cutoff=0.8)
                if close:
                    hint = f"; did you mean {', '.join(repr(c) for c in close)}?"
            raise KeyError(f"Key {key!r} not present in vocabulary{hint}")
        return i

    def get_vector(self, key: str | int, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (unit length with ``norm=True``; an int names a row)."""
        i = self.get_index(key)
        return (self.get_normed_vectors() if norm else self.weight)[i]

    def __getitem__(self, key_or_keys: str | Sequence[str]) -> np.ndarray:
        if isinstance(key_or_keys, str) or not isinstance(key_or_keys, Iterable):
            return self.get_vector(key_or_keys)  # a KeyError names a key that is not there
        keys = list(key_or_keys)
        return np.stack([self.get_vector(k) for k in keys]) if len(keys) else \
            np.empty((0, self.vector_size), value_dtype(self.weight))

    # -- similarity ------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two keys."""
        unit = self._unit_rows([self.get_index(w1), self.get_index(w2)])
        return float(np.dot(unit[0], unit[1]))

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance ``1 - similarity``."""
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector: Any, other_words: Iterable[str] = ()) -> np.ndarray:
        """Cosine distances from a key or vector to ``other_words`` (all keys if empty),
        in the table's dtype (as gensim)."""
        v = self._unit_query(word_or_vector)
        others = list(other_words)
        if not others:
            return 1 - self._unit_scores(v)
        rows = self._unit_rows([self.get_index(w) for w in others])
        return 1 - rows @ v.astype(rows.dtype)

    def _unit_query(self, item: Any) -> np.ndarray:
        if isinstance(item, str) or is_index(item):
            return self.get_vector(item, norm=True)
        v = self._query_vector(item, "word_or_vector")
        n = np.linalg.norm(v)
        return v / n if n > 0 else v

    def _query_vector(self, item: Any, where: str) -> np.ndarray:
        """A raw query vector as float64: TypeError unless numbers, ValueError unless 1-D of
        ``vector_size`` values (gensim refuses other shapes too)."""
        wrong_type = TypeError(f"{where} is {type(item).__name__} {item!r:.80}; expected a key "
                               f"(str or int), a vector of {self.vector_size} values, or a (key or "
                               "vector, weight) pair")
        if item is None or isinstance(item, (numbers.Number, bytes, dict, set)):
            raise wrong_type
        try:
            vec = np.asarray(item, dtype=np.float64)
        except (TypeError, ValueError):
            raise wrong_type from None
        if vec.shape != (self.vector_size,):
            raise ValueError(f"{where} has shape {vec.shape}; a query vector must have "
                             f"{self.vector_size} values (shape ({self.vector_size},))")
        return vec

    def _combine(self, positive: Any, negative: Any) -> tuple[np.ndarray, set]:
        """gensim's query vector and the rows of the query keys.

        Keys count as their unit vectors, raw vectors as they are; positive
        items weigh +1 and negative ones -1 (or the weight of a ``(key,
        weight)`` pair); the weighted mean is made unit length. ``positive``
        and ``negative`` are read as gensim reads them (see ``as_items``).
        """
        items = ([(x, 1.0, f"positive[{p}]")
                  for p, x in enumerate(as_items(positive, "positive"))]
                 + [(x, -1.0, f"negative[{p}]")
                    for p, x in enumerate(as_items(negative, "negative"))])
        if not items:
            raise ValueError("cannot compute similarity with no input: give positive and/or "
                             "negative keys or vectors")
        key_rows, key_weights = [], []
        mean = np.zeros(self.vector_size, dtype=np.float64)
        total = 0.0
        for item, weight, where in items:
            if ((isinstance(item, tuple) and len(item) == 2)  # gensim's (key, weight) pairs
                    or (isinstance(item, list) and len(item) == 2
                        and isinstance(item[0], (str, np.ndarray)))):
                item, weight = item
                if not isinstance(weight, numbers.Real) or is_bool(weight):
                    raise TypeError(f"{where}[1] is {type(weight).__name__} {weight!r:.80}; "
                                    "the weight of a (key or vector, weight) pair must be a "
                                    "real number")
                weight = float(weight)
                where += "[0]"
            if isinstance(item, str) or is_index(item):
                key_rows.append(self.get_index(item))
                key_weights.append(weight)
            else:
                mean += weight * self._query_vector(item, where)
            total += abs(weight)
        if key_rows:  # keys' unit vectors in one gather and product
            unit = self._unit_rows(key_rows)
            mean += np.asarray(key_weights) @ unit.astype(np.float64)
        if total > 0:
            mean /= total
        n = np.linalg.norm(mean)
        return (mean / n if n > 0 else mean), set(key_rows)

    def _rank(self, scores: np.ndarray, exclude_rows: set, topn: int,
              offset: int = 0) -> list[tuple[str, float]]:
        """The ``topn`` best rows of ``scores`` (row ``offset + i`` for ``scores[i]``).

        Best first, ties by lower index, NaN last, ``exclude_rows`` left out.
        Only the rows that can make the cut are sorted: those scoring at least
        the ``topn + len(exclude_rows)``-th best (found by partition, O(n)).
        """
        n = scores.shape[0]
        if topn < 1 or n == 0:
            return []
        key = np.where(np.isnan(scores), -np.inf, scores) if np.isnan(scores).any() else scores
        k = min(n, topn + len(exclude_rows))
        if k < n:
            candidates = np.flatnonzero(key >= np.partition(key, n - k)[n - k])
        else:
            candidates = np.arange(n)
        order = candidates[np.lexsort((candidates, -key[candidates]))]
        out = []
        for i in order:
            if i + offset in exclude_rows:
                continue
            out.append((self.index_to_key[i + offset], float(scores[i])))
            if len(out) == topn:
                break
        return out

    def most_similar(self, positive: Any = None, negative: Any = None, topn: int = 10,
                     clip_start: int = 0, clip_end: int | None = None,
                     restrict_vocab: int | None = None,
                     indexer: Any = None) -> list[tuple[str, float]]:
        """Keys most similar to the weighted mean of ``positive`` and ``negative`` items.

        gensim's semantics and parameters: keys count as their unit vectors
        and raw vectors as given, positive items weigh +1 and negative ones
        -1, the mean is normalized, and its cosine with the searched keys is
        ranked; the query keys themselves are left out.

        Parameters
        ----------
        positive, negative : key, vector, 2-D array, or list of them, optional
            Each item is a key (str), a vector (1-D, ``vector_size`` values),
            or a ``(key or vector, weight)`` pair; a 2-D array is one vector
            per row.
        topn : int, default=10
            Number of results (``0`` gives ``[]``).
        clip_start, clip_end : int, optional
            Search only the rows ``clip_start:clip_end`` (default: all).
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` rows; overrides the clips.
        indexer : object, optional
            As in gensim, an approximate index: the result is
            ``indexer.most_similar(query, topn)`` for the normalized query
            vector (query keys not left out).

        Returns
        -------
        list of (key, cosine), best first (ties: lower index first).

        Raises
        ------
        KeyError
            A query key is not in the table.
        TypeError
            An item, a weight, ``topn``, ``restrict_vocab`` or a clip of the
            wrong type.
        ValueError
            No item, a vector of the wrong shape, or a negative count.
        """
        topn = _check_topn(topn)
        restrict_vocab = _check_restrict_vocab(restrict_vocab)
        clip_start = _check_clip(clip_start, "clip_start", allow_none=False)
        clip_end = _check_clip(clip_end, "clip_end", allow_none=True)
        if restrict_vocab is not None:
            clip_start, clip_end = 0, restrict_vocab
        if topn == 0:
            return []
        query, exclude = self._combine(as_items(positive, "positive"),
                                       as_items(negative, "negative"))
        if indexer is not None:
            return list(indexer.most_similar(query.astype(value_dtype(self.weight)), topn))
        scores = self._unit_scores(query, clip_start, clip_end)
        return self._rank(scores, exclude, topn, offset=min(clip_start, len(self)))

    def most_similar_batch(self, keys: Sequence[str], topn: int = 10,
                           restrict_vocab: int | None = None) -> list[list[tuple[str, float]]]:
        """``most_similar(key)`` for many keys in one blocked top-k call (each excludes itself)."""
        from ..similarity import topk_unit_rows

        if isinstance(keys, str):
            raise TypeError("most_similar_batch expects a list of keys, not a single str "
                            "(use most_similar)")
        topn = _check_topn(topn)
        restrict_vocab = _check_restrict_vocab(restrict_vocab)
        rows = np.array([self.get_index(k) for k in keys], dtype=np.int64)
        unit = self.get_normed_vectors()
        corpus = unit if restrict_vocab is None else unit[:restrict_vocab]
        if topn == 0 or corpus.shape[0] == 0:
            return [[] for _ in range(rows.shape[0])]
        k = min(topn + 1, corpus.shape[0])
        idx, scores = topk_unit_rows(unit[rows], corpus, k)
        out = []
        for r, (ii, ss) in enumerate(zip(idx, scores)):
            res = [(self.index_to_key[i], float(s)) for i, s in zip(ii, ss) if i != rows[r]]
            out.append(res[:topn])
        return out

    def similar_by_vector(self, vector: Any, topn: int = 10,
                          restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Keys most similar to a vector (``most_similar(positive=[vector])``)."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def similar_by_key(self, key: str, topn: int = 10,
                       restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Keys most similar to ``key`` (``most_similar(key)``)."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(self, word: str, topn: int = 10,
                        restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """gensim's older name of :meth:`similar_by_key` (its parameter is ``word``)."""
        return self.similar_by_key(word, topn=topn, restrict_vocab=restrict_vocab)

    def closer_than(self, key1: str, key2: str) -> list[str]:
        """Keys closer to ``key1`` than ``key2`` is."""
        all_d = self.distances(key1)
        i1, i2 = self.get_index(key1), self.get_index(key2)
        closer = np.flatnonzero(all_d < all_d[i2])
        return [self.index_to_key[i] for i in closer if i != i1]

    def rank(self, key1: str, key2: str) -> int:
        """Rank of ``key2`` among the neighbours of ``key1`` (1 = nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    # -- evaluation (vectors/_evaluate.py) ------------------------------------------
    def evaluate_word_pairs(self, pairs: Any, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False):
        """Correlation of cosine similarities with human judgements (gensim's method).

        Parameters
        ----------
        pairs : path, or iterable of (word1, word2, score)
            A file like ``wordsim353.tsv`` (``#`` lines are comments).

        Returns
        -------
        pearson : scipy ``PearsonRResult`` (``.statistic``, ``.pvalue``; a pair, as gensim's)
        spearman : scipy ``SignificanceResult`` (``.statistic``, ``.pvalue``)
        oov_ratio : float
            Percentage of pairs with a word outside the (restricted) vocabulary.
        """
        from ._evaluate import evaluate_word_pairs

        return evaluate_word_pairs(self, pairs, delimiter, encoding, restrict_vocab,
                                   case_insensitive, dummy4unknown)

    def evaluate_word_analogies(self, analogies: Any, restrict_vocab: int = 300000,
                                case_insensitive: bool = True, dummy4unknown: bool = False,
                                similarity_function: str = "most_similar",
                                ) -> tuple[float, list[dict]]:
        """Accuracy on analogies "a b c d" (a is to b as c is to d), gensim's method.

        ``analogies`` is a path in the ``questions-words.txt`` format
        (``: section`` headers). The prediction is the first of the top 5 of
        ``similarity_function(positive=[b, c], negative=[a])`` that is in the
        restricted vocabulary and not one of a, b, c. ``similarity_function``
        is ``'most_similar'`` (3CosAdd) or ``'most_similar_cosmul'``
        (3CosMul); gensim 4.4 accepts the name but always uses
        ``most_similar``.

        Returns
        -------
        score : float
            Total accuracy.
        sections : list of dict
            ``{'section', 'correct', 'incorrect'}`` per section, then the
            ``'Total accuracy'`` section.
        """
        from ._evaluate import evaluate_word_analogies

        return evaluate_word_analogies(self, analogies, restrict_vocab, case_insensitive,
                                       dummy4unknown, similarity_function)

    # -- files --------------------------------------------------------------------------
    def save(self, path, format: str = "native", **kwargs: Any) -> None:
        """Write to ``path`` (see :func:`sparsedense.vectors.save_vectors`)."""
        from ._write import save_vectors

        save_vectors(self, path, format=format, **kwargs)

    @classmethod
    def load(cls, path, format: str = "auto", **kwargs: Any) -> "Vectors":
        """Read vectors from ``path`` (see :func:`sparsedense.vectors.load_vectors`)."""
        from ._io import load_vectors

        return load_vectors(path, format=format, **kwargs)
