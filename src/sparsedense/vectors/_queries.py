"""gensim's other similarity queries of :class:`~sparsedense.Vectors`.

``most_similar_cosmul`` (Levy & Goldberg's 3CosMul), ``n_similarity``,
``get_mean_vector``, ``cosine_similarities``, ``relative_cosine_similarity``,
``most_similar_to_given`` and ``words_closer_than``, with gensim 4.4's
formulas, arguments and errors. They reach the table only through
``get_vector``, ``get_index``, ``has_index_for`` and ``similarity``, so a
subclass that answers for words outside its vocabulary (``FastTextVectors``)
answers here too.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._base.validation import is_bool
from ..quantized import value_dtype
from ._checks import _check_restrict_vocab, _check_topn

#: gensim's guard against a zero denominator in 3CosMul
_COSMUL_EPSILON = 0.000001


def is_index(key: Any) -> bool:
    """An integer that may name a row (gensim's int keys); bools are not."""
    return isinstance(key, (numbers.Integral, np.integer)) and not is_bool(key)


def as_items(value: Any, name: str) -> list:
    """gensim's reading of ``positive`` / ``negative`` (its ``_ensure_list``).

    ``None`` is no item; a key (str or int) or a 1-D array is one item; a 2-D
    array is one vector per row; any other iterable is a list of items.
    """
    if value is None:
        return []
    if isinstance(value, str) or is_index(value):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
        raise ValueError(f"{name} is an array of shape {value.shape}; expected one vector "
                         "(1-D) or one vector per row (2-D)")
    if not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a key (str or int), a vector, or a list of them; "
                        f"got {type(value).__name__} {value!r}")
    return list(value)


class Queries:
    """The query methods gensim's ``KeyedVectors`` has beyond ``most_similar``."""

    def _term(self, item: Any, where: str) -> np.ndarray:
        """A cosmul term: a key's unit vector, or a raw vector as given (gensim's rule)."""
        if isinstance(item, str) or is_index(item):
            return self.get_vector(item, norm=True)
        return self._query_vector(item, where)

    def most_similar_cosmul(self, positive: Any = None, negative: Any = None, topn: int = 10,
                            restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Keys ranked by Levy & Goldberg's multiplicative objective (3CosMul), as gensim.

        Each key's score is ``prod((1 + cos(key, p)) / 2 for p in positive) /
        (prod((1 + cos(key, n)) / 2 for n in negative) + 1e-6)``: cosines
        shifted to [0, 1], gensim's exact formula. Query keys count as their
        unit vectors, raw vectors as given (gensim does not normalize them);
        the query keys are left out of the result.

        Parameters
        ----------
        positive, negative : key, vector, 2-D array, or list of them, optional
            A key is a str (or an int row, as in gensim); a single key may be
            passed alone (``most_similar_cosmul('dog', 'cat')``).
        topn : int, default=10
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` rows (gensim 4.4 accepts
            this argument and ignores it).

        Returns
        -------
        list of (key, score), best first (ties: lower index first).

        Raises
        ------
        KeyError
            A query key is not there.
        ValueError
            No positive item (gensim's "cannot compute similarity with no input").

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> W = np.array([[1, 1], [1, 0], [0, 1], [0.2, 1.2]], dtype=np.float32)
        >>> kv = Vectors(["king", "man", "woman", "queen"], W)
        >>> kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"],
        ...                        topn=1)[0][0]
        'queen'
        """
        topn = _check_topn(topn)
        restrict_vocab = _check_restrict_vocab(restrict_vocab)
        if topn == 0:
            return []
        pos, neg = as_items(positive, "positive"), as_items(negative, "negative")
        exclude = {self.get_index(k) for k in pos + neg
                   if (isinstance(k, str) and k in self.key_to_index) or is_index(k)}
        terms = ([self._term(x, f"positive[{i}]") for i, x in enumerate(pos)]
                 + [self._term(x, f"negative[{i}]") for i, x in enumerate(neg)])
        if not pos:
            raise ValueError("cannot compute similarity with no input: most_similar_cosmul "
                             "needs at least one positive key or vector")

        def product(vectors: list) -> np.ndarray | float:
            """prod((1 + cos) / 2) over ``vectors``; one GEMV each (BLAS's GEMM is slower
            for a few columns)."""
            out: np.ndarray | float = 1.0
            for v in vectors:
                shifted = self._unit_scores(v, 0, restrict_vocab)
                shifted += 1
                shifted /= 2
                out = shifted if isinstance(out, float) else np.multiply(out, shifted, out=out)
            return out

        scores = product(terms[:len(pos)]) / (product(terms[len(pos):]) + _COSMUL_EPSILON)
        return self._rank(scores, exclude, topn)

    def get_mean_vector(self, keys: Any, weights: Any = None, pre_normalize: bool = True,
                        post_normalize: bool = False, ignore_missing: bool = True) -> np.ndarray:
        """The weighted mean of the vectors of ``keys`` (gensim's method and rules).

        Keys (str, or int rows) count as their vectors (unit length with
        ``pre_normalize``), arrays as given; the sum of ``weight * vector`` is
        divided by the sum of ``|weight|`` of the items used. Missing keys are
        skipped with ``ignore_missing`` (else a KeyError); with
        ``post_normalize`` the mean is made unit length (float32, as gensim).

        Returns
        -------
        ndarray of shape (vector_size,), of the table's dtype

        Raises
        ------
        ValueError
            No key, or ``weights`` not of the length of ``keys``.
        KeyError
            A missing key with ``ignore_missing=False``.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> kv = Vectors(["a", "b"], np.array([[2, 0], [0, 1]], dtype=np.float32))
        >>> kv.get_mean_vector(["a", "b", "zzz"]).tolist()
        [0.5, 0.5]
        >>> kv.get_mean_vector(["a", "b"], weights=[3, 1], pre_normalize=False).tolist()
        [1.5, 0.25]
        """
        if isinstance(keys, (str, bytes)) or not hasattr(keys, "__len__"):
            raise TypeError(f"keys must be a list of keys (str or int) or vectors; got "
                            f"{type(keys).__name__} {keys!r:.80}")
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input: keys is empty")
        dtype = value_dtype(self.weight)
        weights = np.ones(len(keys), dtype=dtype) if weights is None else \
            np.asarray(weights, dtype=dtype)
        if weights.ndim != 1 or weights.shape[0] != len(keys):
            raise ValueError(f"keys and weights array must have same number of elements: "
                             f"{len(keys)} keys, weights of shape {weights.shape}")
        mean = np.zeros(self.vector_size, dtype=dtype)
        total = 0.0
        for i, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                vec = key
            elif self.has_index_for(key) or key in self:
                vec = self.get_vector(key, norm=pre_normalize)
            elif not ignore_missing:
                raise KeyError(f"Key {key!r} (keys[{i}]) not present in vocabulary")
            else:
                continue
            mean += weights[i] * vec
            total += abs(weights[i])
        if total > 0:
            mean = mean / total
        if post_normalize:
            n = np.linalg.norm(mean)
            mean = (mean / n if n > 0 else mean).astype(np.float32)
        return mean

    def n_similarity(self, ws1: Any, ws2: Any) -> float:
        """Cosine similarity of the means of two lists of keys (gensim's method).

        Each mean is of the raw vectors (``get_mean_vector(ws,
        pre_normalize=False)``; keys not there are skipped, as in gensim).

        Raises
        ------
        ZeroDivisionError
            Either list is empty (gensim's type).

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
        >>> kv = Vectors(["a", "b", "c"], W)
        >>> round(kv.n_similarity(["a", "b"], ["c"]), 6)
        1.0
        """
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError(f"At least one of the passed list is empty: ws1 has "
                                    f"{len(ws1)} keys, ws2 {len(ws2)}")
        from ..similarity import normalize_rows

        # normalized like the table's rows, so that one key each gives similarity() exactly
        means = np.stack([self.get_mean_vector(ws1, pre_normalize=False),
                          self.get_mean_vector(ws2, pre_normalize=False)])
        unit = normalize_rows(means, means.dtype)
        return float(np.dot(unit[0], unit[1]))

    @staticmethod
    def cosine_similarities(vector_1: Any, vectors_all: Any) -> np.ndarray:
        """Cosine of ``vector_1`` with each row of ``vectors_all`` (gensim's formula).

        A zero vector gives NaN, as in gensim (``0 / 0``).

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> Vectors.cosine_similarities(np.array([1.0, 0.0]),
        ...                             np.array([[2.0, 0.0], [0.0, 3.0]])).tolist()
        [1.0, 0.0]
        """
        v = np.asarray(vector_1)
        m = np.asarray(vectors_all)
        if v.ndim != 1 or m.ndim != 2 or m.shape[1] != v.shape[0]:
            raise ValueError(f"vector_1 must be 1-D (dim,) and vectors_all 2-D (n, dim) with "
                             f"the same dim; got shapes {v.shape} and {m.shape}")
        norm = np.linalg.norm(v)
        all_norms = np.linalg.norm(m, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.dot(m, v) / (norm * all_norms)

    def relative_cosine_similarity(self, wa: Any, wb: Any, topn: int = 10) -> float:
        """``similarity(wa, wb)`` over the sum of the ``topn`` best similarities of ``wa``.

        Leeuwenberg et al.'s relative cosine similarity, gensim's formula.

        Raises
        ------
        ValueError
            ``wa`` has no neighbour (``topn=0`` or a table of one key).

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
        >>> kv = Vectors(["a", "b", "c"], W)
        >>> round(kv.relative_cosine_similarity("a", "c", topn=2), 4)
        1.0
        """
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError(f"Cannot calculate relative cosine similarity without any similar "
                             f"words: {wa!r} has no neighbour (topn={topn!r})")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    def most_similar_to_given(self, key1: Any, keys_list: Any) -> Any:
        """The key of ``keys_list`` most similar to ``key1`` (the first on a tie, as gensim).

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> W = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
        >>> kv = Vectors(["a", "b", "c"], W)
        >>> kv.most_similar_to_given("a", ["b", "c"])
        'c'
        """
        keys_list = list(keys_list) if not isinstance(keys_list, str) else [keys_list]
        if not keys_list:
            raise ValueError("keys_list is empty; most_similar_to_given needs at least one key")
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def rank_by_centrality(self, words: Any, use_norm: bool = True) -> list:
        """``(cosine, word)`` pairs of ``words`` by closeness to their mean, closest first.

        gensim 4.4's rule: the words kept are those ``in`` the vectors (a key,
        an int naming a row, or for ``FastTextVectors`` a word with character
        n-grams), each counting as ``get_vector(word, norm=use_norm)`` in
        float32; their unit-length mean is compared with each by dot product
        (float32), and the pairs are sorted in reverse (on a tie, the greater
        word first).

        Raises
        ------
        ValueError
            No word of ``words`` has a vector.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> W = np.array([[1, 0], [1, 0.2], [0, 1]], dtype=np.float32)
        >>> kv = Vectors(["a", "b", "c"], W)
        >>> [w for _, w in kv.rank_by_centrality(["a", "b", "c", "zzz"])]
        ['b', 'a', 'c']
        """
        if isinstance(words, (str, bytes)) or not isinstance(words, Iterable):
            raise TypeError(f"words must be a list of keys; got {type(words).__name__} "
                            f"{words!r:.80}" + (" (one word: pass [word])"
                                                if isinstance(words, str) else ""))
        used = [w for w in words if w in self]
        if not used:
            raise ValueError("cannot select a word from an empty list (no word of words has a "
                             "vector)")
        vectors = np.vstack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        dists = vectors @ mean
        return sorted(zip(dists.tolist(), used), reverse=True)

    def doesnt_match(self, words: Any) -> Any:
        """The word of ``words`` furthest from the mean of them all (gensim's rule).

        The last of :meth:`rank_by_centrality` (so words without a vector are
        ignored, ints name rows, and on a tie the smaller word is returned).

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> W = np.array([[1, 0], [1, 0.2], [0, 1]], dtype=np.float32)
        >>> kv = Vectors(["a", "b", "c"], W)
        >>> kv.doesnt_match(["a", "b", "c"])
        'c'
        """
        return self.rank_by_centrality(words)[-1][1]

    def words_closer_than(self, word1: Any, word2: Any) -> list:
        """gensim's older name of :meth:`closer_than`."""
        return self.closer_than(word1, word2)
