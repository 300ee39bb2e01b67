"""Compact keys: a million words without a million ``str`` objects.

A :class:`KeyStore` holds its keys as one UTF-8 buffer (``surrogatepass``,
so any ``str`` survives the round trip), their offsets (``int32`` while the
buffer is under 2 GiB, then ``int64``) and an open-addressing index of
``int32`` slots (the kernels of ``sparsedense._kernels.keys``). A key costs
its bytes, 4 or 8 bytes of offset and about 6 bytes of index, against some
60 bytes for a ``str`` in a list and 50--100 more for its entry in a dict.

:class:`KeyList` and :class:`KeyIndex` show a store as gensim's
``index_to_key`` (a list) and ``key_to_index`` (a dict) for reading: length,
iteration, indexing, slicing, ``in``, ``get``, ``index``, equality with a list
or dict. They are read-only (a :class:`QuantizedVectors
<sparsedense.vectors.QuantizedVectors>` never changes its keys): a changing
method raises TypeError saying so, and ``list(...)`` or ``dict(...)`` gives a
plain copy to change.
"""

from __future__ import annotations

import math
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

#: the index is grown once keys would fill more than this share of its slots
_MAX_LOAD = 0.7
#: keys encoded at a time by :meth:`KeyStore.from_keys` (bounds the temporary bytes)
_ENCODE_CHUNK = 1 << 16
_INT32_MAX = 2 ** 31 - 1


_CRC_TABLE: np.ndarray | None = None


def _table() -> np.ndarray:
    """The CRC-32 table the kernels take (made on first use)."""
    from .._kernels.keys import crc32_table

    global _CRC_TABLE
    if _CRC_TABLE is None:
        _CRC_TABLE = crc32_table()
    return _CRC_TABLE


def _encode(key: str) -> bytes:
    return key.encode("utf-8", "surrogatepass")


class KeyStore:
    """Distinct keys in one UTF-8 buffer, with a hash index (see the module).

    Parameters
    ----------
    capacity : int, default=0
        Keys expected: the index is sized for them at once (it grows past them).

    Examples
    --------
    >>> from sparsedense.vectors._keys import KeyStore
    >>> store = KeyStore.from_keys(["예금", "적금", "😀"])
    >>> len(store), store.key(2), store.find("적금"), store.find("대출")
    (3, '😀', 1, -1)
    """

    def __init__(self, capacity: int = 0) -> None:
        self._buf = bytearray()
        self._offsets = array("i", [0])
        self._n = 0
        self._slots = self._empty_slots(capacity)

    @staticmethod
    def _empty_slots(capacity: int) -> array:
        return array("i", [-1]) * max(8, math.ceil(max(capacity, 0) / _MAX_LOAD) + 1)

    # -- building -------------------------------------------------------------------
    @classmethod
    def from_keys(cls, keys: Iterable[Any]) -> "KeyStore":
        """A store of ``keys`` (str, distinct), checked as ``Vectors`` checks its keys.

        Raises
        ------
        TypeError
            ``keys[i]`` is not a str.
        ValueError
            ``keys[i]`` repeats an earlier key (the first such ``i`` before any
            key of the wrong type).
        """
        keys = keys if isinstance(keys, Sequence) else list(keys)
        store = cls(len(keys))
        for lo in range(0, len(keys), _ENCODE_CHUNK):
            chunk = keys[lo:lo + _ENCODE_CHUNK]
            bad = next((p for p, k in enumerate(chunk) if not isinstance(k, str)), None)
            repeat, first = store.add_bytes([_encode(k) for k in chunk[:bad]])
            if repeat >= 0:
                raise ValueError(f"keys[{repeat}] = {store.key(repeat)!r} repeats "
                                 f"keys[{first}]; keys must be distinct")
            if bad is not None:
                k = chunk[bad]
                raise TypeError(f"keys[{lo + bad}] is {type(k).__name__} {k!r}; expected str")
        return store

    def _grow(self, n_new: int, n_bytes: int) -> None:
        """Room for ``n_new`` more keys of ``n_bytes`` bytes in all (the index re-made
        larger when they would fill it past ``_MAX_LOAD``)."""
        end = len(self._buf) + n_bytes
        if end > _INT32_MAX and self._offsets.typecode == "i":
            self._offsets = array("q", self._offsets)
        self._buf.extend(bytes(n_bytes))
        self._offsets.extend(array(self._offsets.typecode, [0]) * n_new)
        if self._n + n_new > _MAX_LOAD * len(self._slots):
            from .._kernels.keys import _index_keys

            self._slots = self._empty_slots(max(self._n + n_new, 2 * self._n))
            _index_keys(np.frombuffer(self._buf, np.uint8), self._offsets_array(), 0, self._n,
                        np.frombuffer(self._slots, np.int32), _table())

    def _offsets_array(self) -> np.ndarray:
        return np.frombuffer(self._offsets, np.int32 if self._offsets.typecode == "i"
                             else np.int64)

    def add_ranges(self, src: np.ndarray, starts: np.ndarray, ends: np.ndarray
                   ) -> tuple[int, int]:
        """Add the keys ``src[starts[r]:ends[r]]`` (UTF-8 bytes, checked by the caller).

        Returns ``(repeat, first)``: the first added key that repeats a key
        (its number; it is stored but not indexed, so ``find`` gives the first),
        and the key it repeats; ``(-1, -1)`` when all are new.
        """
        from .._kernels.keys import _append_ranges, _index_keys

        n_new = starts.shape[0]
        n0, pos = self._n, len(self._buf)
        self._grow(n_new, int((ends - starts).sum()) if n_new else 0)
        buf, offsets = np.frombuffer(self._buf, np.uint8), self._offsets_array()
        _append_ranges(src, starts, ends, buf, pos, offsets, n0)
        self._n = n0 + n_new
        repeat, first = _index_keys(buf, offsets, n0, self._n,
                                    np.frombuffer(self._slots, np.int32), _table())
        return int(repeat), int(first)

    def add_bytes(self, encoded: list[bytes]) -> tuple[int, int]:
        """Add keys given as encoded bytes (see :meth:`add_ranges`)."""
        joined = np.frombuffer(b"".join(encoded), np.uint8)
        lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
        ends = np.cumsum(lengths)
        return self.add_ranges(joined, ends - lengths, ends)

    # -- reading --------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        """Bytes held: the keys' bytes, their offsets and the index."""
        return (len(self._buf) + self._offsets.itemsize * len(self._offsets)
                + self._slots.itemsize * len(self._slots))

    def key(self, i: int) -> str:
        """Key number ``i`` (``0 <= i < len(self)``)."""
        off = self._offsets
        return self._buf[off[i]:off[i + 1]].decode("utf-8", "surrogatepass")

    def keys(self, start: int = 0, stop: int | None = None) -> list[str]:
        """Keys ``start:stop`` as a list of str."""
        start, stop, _ = slice(start, stop).indices(self._n)
        if stop <= start:
            return []
        off = self._offsets
        text = self._buf[off[start]:off[stop]]
        a0 = off[start]
        return [text[off[i] - a0:off[i + 1] - a0].decode("utf-8", "surrogatepass")
                for i in range(start, stop)]

    def find(self, key: Any) -> int:
        """Number of ``key``, or -1 (any non-str is absent)."""
        if not isinstance(key, str):
            return -1
        kb = _encode(key)
        slots, off, buf = self._slots, self._offsets, self._buf
        size, n = len(slots), len(kb)
        s = (((zlib.crc32(kb) * 0x9E3779B1) & 0xFFFFFFFF) * size) >> 32
        while True:
            j = slots[s]
            if j < 0:
                return -1
            a = off[j]
            if off[j + 1] - a == n and buf[a:a + n] == kb:
                return j
            s += 1
            if s == size:
                s = 0

    def __getstate__(self) -> dict:
        return {"keys": bytes(self._buf), "offsets": self._offsets, "n": self._n,
                "slots": self._slots}

    def __setstate__(self, state: dict) -> None:
        self._buf = bytearray(state["keys"])
        self._offsets, self._n, self._slots = state["offsets"], state["n"], state["slots"]


def _read_only(name: str, what: str):
    def refuse(self, *args: Any, **kwargs: Any):
        raise TypeError(f"{what} of a QuantizedVectors is read-only (its keys are stored "
                        f"compactly); {name} is not available: use "
                        f"{'list' if what == 'index_to_key' else 'dict'}(kv.{what}) for a copy "
                        "to change")
    refuse.__name__ = name
    return refuse


class KeyList(Sequence):
    """``index_to_key`` of a compact store: a read-only list of str (see the module)."""

    __slots__ = ("_store",)

    def __init__(self, store: KeyStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self._store))
            if step == 1:
                return self._store.keys(start, stop)
            return [self._store.key(j) for j in range(start, stop, step)]
        try:
            j = i.__index__()
        except AttributeError:
            raise TypeError(f"list indices must be integers or slices, not "
                            f"{type(i).__name__}") from None
        n = len(self._store)
        if j < 0:
            j += n
        if not 0 <= j < n:
            raise IndexError("list index out of range")
        return self._store.key(j)

    def __iter__(self) -> Iterator[str]:
        store, step = self._store, _ENCODE_CHUNK
        for lo in range(0, len(store), step):
            yield from store.keys(lo, lo + step)

    def __contains__(self, key: object) -> bool:
        return self._store.find(key) >= 0

    def index(self, key: Any, start: int = 0, stop: int | None = None) -> int:
        i = self._store.find(key)
        start, stop, _ = slice(start, stop).indices(len(self._store))
        if i < 0 or not start <= i < stop:
            raise ValueError(f"{key!r} is not in list")
        return i

    def count(self, key: Any) -> int:
        return int(self._store.find(key) >= 0)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KeyList):
            return other._store is self._store or list(self) == list(other)
        if isinstance(other, list):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like a list

    def __add__(self, other: Any) -> list:
        return list(self) + other

    def __radd__(self, other: Any) -> list:
        return other + list(self)

    def copy(self) -> list[str]:
        """The keys as a plain list."""
        return list(self)

    def __repr__(self) -> str:
        return repr(list(self))



class KeyIndex(Mapping):
    """``key_to_index`` of a compact store: a read-only dict str -> row (see the module)."""

    __slots__ = ("_store",)

    def __init__(self, store: KeyStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    def __getitem__(self, key: Any) -> int:
        i = self._store.find(key)
        if i < 0:
            hash(key)  # an unhashable key is a TypeError, as in a dict
            raise KeyError(key)
        return i

    def get(self, key: Any, default: Any = None) -> Any:
        i = self._store.find(key)
        if i < 0:
            hash(key)
            return default
        return i

    def __contains__(self, key: object) -> bool:
        if self._store.find(key) >= 0:
            return True
        hash(key)
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(KeyList(self._store))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KeyIndex) and other._store is self._store:
            return True
        if isinstance(other, Mapping):
            return len(other) == len(self) and all(
                other.get(k, -1) == i for i, k in enumerate(KeyList(self._store)))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like a dict

    def copy(self) -> dict[str, int]:
        """The mapping as a plain dict."""
        return {k: i for i, k in enumerate(KeyList(self._store))}

    def __repr__(self) -> str:
        return repr(self.copy())


for _name in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
              "__setitem__", "__delitem__", "__iadd__", "__imul__"):
    setattr(KeyList, _name, _read_only(_name, "index_to_key"))
for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault",
              "__ior__"):
    setattr(KeyIndex, _name, _read_only(_name, "key_to_index"))
del _name
