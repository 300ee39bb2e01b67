"""Per-key attributes of :class:`~sparsedense.Vectors` (gensim's ``expandos``), e.g. counts.

gensim's ``KeyedVectors`` keeps extra per-key values, one numpy array per
attribute name, in ``expandos``; ``set_vecattr`` / ``get_vecattr`` read and
write one value. The word2vec-format loader stores the counts of a
``fvocab`` file there under ``"count"``, and ``save_word2vec_format`` writes
them back (see ``_gensim_files``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import _check_bool


def _attr_dtype(value_type: Any) -> np.dtype:
    """gensim's storage type for values of ``value_type`` (int -> int64, str -> object)."""
    if value_type is int:
        return np.dtype(np.int64)
    if value_type is str or value_type is type(None):
        return np.dtype(object)
    try:
        return np.dtype(value_type)
    except TypeError:
        return np.dtype(object)


class VecAttrs:
    """gensim's per-key attribute methods; the host sets ``self.expandos = {}`` at creation."""

    expandos: dict[str, np.ndarray]

    def allocate_vecattrs(self, attrs: Any = None, types: Any = None) -> None:
        """Make an array of one value per key for each of ``attrs`` (gensim's method).

        With no arguments, existing arrays are resized to the number of keys
        (new rows are zero). An existing attribute asked for with a type its
        array cannot hold is a TypeError, as in gensim.
        """
        if attrs is None:
            attrs = list(self.expandos)
            types = [self.expandos[a].dtype for a in attrs]
        attrs, types = list(attrs), list(types)
        if len(attrs) != len(types):
            raise ValueError(f"attrs and types must have the same length; got {len(attrs)} "
                             f"and {len(types)}")
        size = len(self.index_to_key)
        for attr, t in zip(attrs, types):
            dtype = _attr_dtype(t)
            old = self.expandos.get(attr)
            if old is None:
                self.expandos[attr] = np.zeros(size, dtype=dtype)
                continue
            if not np.issubdtype(dtype, old.dtype):
                raise TypeError(f"Can't allocate type {dtype} for attribute {attr!r}, conflicts "
                                f"with its existing type {old.dtype}")
            if old.shape[0] != size:
                new = np.zeros(size, dtype=old.dtype)
                keep = min(size, old.shape[0])
                new[:keep] = old[:keep]
                self.expandos[attr] = new

    def set_vecattr(self, key: Any, attr: str, val: Any) -> None:
        """Store ``val`` as attribute ``attr`` of ``key`` (gensim's method).

        The first value stored under ``attr`` fixes its type (int -> int64,
        float -> float64, str -> object); a later value of another type is a
        TypeError, as in gensim. A key that is not there is a KeyError, and
        nothing is allocated then.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> kv = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.set_vecattr("b", "count", 7)
        >>> int(kv.get_vecattr("b", "count")), int(kv.get_vecattr("a", "count"))
        (7, 0)
        """
        if not isinstance(attr, str):
            raise TypeError(f"attr must be a str; got {type(attr).__name__} {attr!r}")
        index = self.get_index(key)
        self.allocate_vecattrs([attr], [type(val)])
        self.expandos[attr][index] = val

    def get_vecattr(self, key: Any, attr: str) -> Any:
        """The attribute ``attr`` of ``key`` (gensim's method; e.g. ``"count"``).

        Raises
        ------
        KeyError
            ``key`` is not there, or no key has attribute ``attr`` (the message
            lists the attributes there are).
        """
        index = self.get_index(key)
        values = self.expandos.get(attr)
        if values is None:
            have = ", ".join(map(repr, self.expandos)) or "none"
            raise KeyError(f"attribute {attr!r} is not stored for these vectors (stored: {have}; "
                           "counts come from an fvocab file or a trainer)")
        if index >= values.shape[0]:  # keys added since the attribute was set
            self.allocate_vecattrs()
            values = self.expandos[attr]
        return values[index]

    def _check_extras(self, extras: Any, n_keys: int) -> dict[str, np.ndarray]:
        """``add_vectors``' ``extras``: attribute name -> one value per added key."""
        if extras is None:
            return {}
        if not isinstance(extras, dict):
            raise TypeError(f"extras must be None or a dict of attribute name -> one value per "
                            f"key; got {type(extras).__name__}")
        out = {}
        for attr, values in extras.items():
            if not isinstance(attr, str):
                raise TypeError(f"extras' keys must be attribute names (str); got "
                                f"{type(attr).__name__} {attr!r}")
            values = np.asarray(values)
            if values.shape != (n_keys,):
                raise ValueError(f"extras[{attr!r}] must have one value per key, shape "
                                 f"({n_keys},); got shape {values.shape}")
            old = self.expandos.get(attr)
            if old is not None and not np.can_cast(values.dtype, old.dtype, "same_kind"):
                raise TypeError(f"extras[{attr!r}] has dtype {values.dtype}; the stored "
                                f"attribute holds {old.dtype}")
            out[attr] = values
        return out

    def _store_extras(self, extras: dict[str, np.ndarray], rows: list[int],
                      positions: list[int]) -> None:
        """Grow every attribute to the number of keys, then write ``extras[positions]``
        into ``rows``."""
        for attr, values in extras.items():
            if attr not in self.expandos:
                self.expandos[attr] = np.zeros(len(self.index_to_key), dtype=values.dtype)
        self.allocate_vecattrs()
        for attr, values in extras.items():
            if rows:
                self.expandos[attr][rows] = values[positions]

    def vectors_for_all(self, keys: Any, allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> Any:
        """A new :class:`~sparsedense.Vectors` of ``keys``' vectors (gensim's method).

        Parameters
        ----------
        keys : iterable of keys
            Deduplicated in first-seen order; keys without a vector are left
            out, as in gensim.
        allow_inference : bool, default=True
            Keep keys outside the vocabulary that still have a vector (a
            ``FastTextVectors`` word with character n-grams); False keeps
            vocabulary keys only.
        copy_vecattrs : bool, default=False
            Copy the per-key attributes (``get_vecattr``, e.g. counts) of the
            vocabulary keys kept. Otherwise, as in gensim, the new table's
            ``"count"`` is made up: ``len(keys) - row``.

        Returns
        -------
        Vectors
            One row per key kept (the same values as ``self[key]``), in the
            table's dtype.

        Raises
        ------
        TypeError
            ``keys`` is a single str or not iterable; a flag is not a bool.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsedense import Vectors
        >>> kv = Vectors(["bank", "loan"], np.eye(2, dtype=np.float32))
        >>> kv.vectors_for_all(["loan", "rain", "loan"]).index_to_key
        ['loan']
        """
        _check_bool(allow_inference, "allow_inference")
        _check_bool(copy_vecattrs, "copy_vecattrs")
        if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
            raise TypeError(f"keys must be an iterable of keys (str); got "
                            f"{type(keys).__name__} {keys!r}" + (
                                " (one word: pass [word])" if isinstance(keys, str) else ""))
        vocab: list = []
        seen: set = set()
        for key in keys:
            if key not in seen:
                seen.add(key)
                if key in (self if allow_inference else self.key_to_index):
                    vocab.append(key)
        rows = np.array([self.key_to_index.get(k, -1) for k in vocab], dtype=np.int64)
        from ..quantized import value_dtype

        weight = np.empty((len(vocab), self.vector_size), dtype=value_dtype(self.weight))
        known = rows >= 0
        weight[known] = self.weight[rows[known]]
        unknown = np.flatnonzero(~known)
        if unknown.size:
            weight[unknown] = self._inferred_rows([vocab[i] for i in unknown])
        from ._vectors import Vectors  # (the host class; imported here: it imports this module)

        out = Vectors(vocab, weight)
        # gensim gives the new keys made-up counts, descending (its _add_word_to_kv)
        out.expandos["count"] = np.arange(len(vocab), 0, -1, dtype=np.int64)
        if copy_vecattrs and self.expandos:
            for attr, values in self.expandos.items():
                made_up = out.expandos.get(attr)
                copied = (made_up.astype(values.dtype) if made_up is not None
                          else np.zeros(len(vocab), dtype=values.dtype))
                copied[known] = values[rows[known]]
                out.expandos[attr] = copied
        return out

    def _inferred_rows(self, keys: list) -> np.ndarray:
        """Vectors of keys outside the vocabulary (a subclass that infers them overrides this)."""
        return np.stack([self.get_vector(k) for k in keys])
