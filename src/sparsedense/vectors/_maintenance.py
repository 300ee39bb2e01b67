"""gensim's table-maintenance methods of :class:`~sparsedense.Vectors`, and its removed names.

``add_vector``, ``sort_by_descending_frequency``, ``unit_normalize_all``,
``init_sims`` (deprecated in gensim), ``resize_vectors`` and ``word_vec``,
with gensim 4.4's semantics; and gensim 3's attribute names that gensim 4
removed (``index2word``, ``index2entity``, ``vocab``, ``vectors_norm``),
which raise gensim's AttributeError naming their replacement.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

_MIGRATING = "See https://github.com/RaRe-Technologies/gensim/wiki/Migrating-from-Gensim-3.x-to-4"


def _removed(name: str, message: str) -> property:
    def getter(self):
        raise AttributeError(f"{message}\n{_MIGRATING}")

    return property(getter, doc=f"Removed in gensim 4.0 (``{name}``): {message}")


def prep_rows(table: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``table`` cut or grown to ``n`` rows, new rows drawn as gensim's ``prep_vectors``
    draws them (``table`` itself when it has ``n`` rows)."""
    if table.shape[0] == n:
        return table
    dim = table.shape[1]
    new = np.random.default_rng(seed=seed).random((n, dim), dtype=np.float32)
    new *= 2.0
    new -= 1.0
    new /= dim
    new = new.astype(table.dtype)
    keep = min(n, table.shape[0])
    new[:keep] = table[:keep]
    return new


class Maintenance:
    """The host provides ``index_to_key``, ``key_to_index``, ``weight``, ``expandos``,
    ``add_vectors``, ``allocate_vecattrs``, ``get_normed_vectors`` and ``_invalidate``."""

    index2word = _removed("index2word", "The index2word attribute has been replaced by "
                          "index_to_key since Gensim 4.0.0.")
    index2entity = _removed("index2entity", "The index2entity attribute has been replaced by "
                            "index_to_key since Gensim 4.0.0.")
    vocab = _removed("vocab", "The vocab attribute was removed from KeyedVector in Gensim "
                     "4.0.0.\nUse KeyedVector's .key_to_index dict, .index_to_key list, and "
                     "methods .get_vecattr(key, attr) and .set_vecattr(key, attr, new_val) "
                     "instead.")
    vectors_norm = _removed("vectors_norm", "The `.vectors_norm` attribute is computed "
                            "dynamically since Gensim 4.0.0. Use `.get_normed_vectors()` "
                            "instead.")

    def word_vec(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """gensim's older name of :meth:`get_vector` (deprecated there too)."""
        warnings.warn("word_vec is deprecated (as in gensim); use get_vector",
                      DeprecationWarning, stacklevel=2)
        return self.get_vector(*args, **kwargs)

    def add_vector(self, key: str, vector: Any) -> int:
        """Add one key with its vector; its row (gensim's method).

        A key already there keeps its vector (as ``add_vectors``) and its row
        is returned (gensim returns the table's length then). Adding keys one
        by one copies the table each time: add many with :meth:`add_vectors`.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> kv = Vectors(["a"], np.ones((1, 2), dtype=np.float32))
        >>> kv.add_vector("b", [0.5, 2.0])
        1
        """
        if not isinstance(key, str):
            raise TypeError(f"key must be a str (a new key); got {type(key).__name__} {key!r}")
        self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        return self.key_to_index[key]

    def sort_by_descending_frequency(self) -> None:
        """Reorder the rows by descending ``"count"`` attribute (gensim's method and order:
        equal counts put the later row first).

        Raises
        ------
        KeyError
            No ``"count"`` attribute (set by ``fvocab``, a trainer or ``set_vecattr``).

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> kv = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
        >>> kv.expandos["count"] = np.array([1, 5, 1])
        >>> kv.sort_by_descending_frequency()
        >>> kv.index_to_key, kv["b"].tolist()
        (['b', 'c', 'a'], [0.0, 1.0, 0.0])
        """
        if not len(self.index_to_key):
            return
        if "count" not in self.expandos:
            raise KeyError("sort_by_descending_frequency needs the 'count' attribute (stored: "
                           f"{', '.join(map(repr, self.expandos)) or 'none'}); set counts "
                           "with set_vecattr(key, 'count', n) or an fvocab file")
        self.allocate_vecattrs()
        counts = np.asarray(self.expandos["count"], dtype=np.int64)
        order = np.lexsort((-np.arange(len(counts)), -counts))
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        for attr in self.expandos:
            self.expandos[attr] = self.expandos[attr][order]
        self.weight = self.weight[order]
        self._invalidate()

    def unit_normalize_all(self) -> None:
        """Scale every row to unit length, in place (gensim's method; destructive).

        A row of zeros stays zero (gensim makes it NaN). A read-only table (a
        memmap opened with ``mmap_mode="r"``) is replaced by a normalized copy.
        """
        unit = self.get_normed_vectors()
        if self.weight.flags.writeable:
            self.weight[...] = unit
        else:
            self.weight = np.array(unit)
        self._invalidate()

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated in gensim: :meth:`fill_norms`, then :meth:`unit_normalize_all`
        with ``replace=True``."""
        warnings.warn("init_sims is deprecated (as in gensim); use fill_norms(), or "
                      "unit_normalize_all() for replace=True", DeprecationWarning, stacklevel=2)
        if replace not in (True, False):
            raise TypeError(f"replace must be a bool; got {type(replace).__name__} {replace!r}")
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    def resize_vectors(self, seed: int = 0) -> None:
        """Give the table one row per key of ``index_to_key`` (gensim's method).

        Rows past the table's are drawn as gensim draws them (uniform in
        ``[-1, 1) / vector_size``, ``numpy.random.default_rng(seed)``); rows of
        keys no longer there are dropped. The attributes are resized too.
        """
        self.weight = prep_rows(self.weight, len(self.index_to_key), seed)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        self.allocate_vecattrs()
        self._invalidate()
