"""Compressed embedding tables: int8, int4 and float16 rows, used without a float32 copy.

:func:`quantize` packs a float table row by row in fbgemm's formats, the ones
torch's quantized embedding bags read (``torch.ops.quantized.
embedding_bag_byte_prepack`` / ``embedding_bag_4bit_prepack``), byte for byte:

* ``"int8"``: per row, ``dim`` uint8 codes then a float32 scale and a float32
  bias; ``scale = (max - min) / 255``, ``bias = min``,
  ``q = rint((x - min) * 255 / (max - min + 1e-8))``; value ``q * scale + bias``.
  A quarter of the float32 bytes (plus 8 a row).
* ``"int4"``: per row, ``ceil(dim / 2)`` bytes of two codes (the even column
  in the low nibble) then a float16 scale and a float16 bias; ``bias`` is
  ``min`` rounded to float16, ``scale = (max - bias) / 15`` rounded to
  float16 (1 for a constant row), ``q = clip(rint((x - bias) / scale), 0, 15)``.
* ``"float16"``: the values rounded to half precision.

The result is a :class:`QuantizedTable`, accepted where a float table is:
lookups (:func:`sparsedense.functional.embedding`), bags
(:func:`~sparsedense.functional.embedding_bag`) and
:func:`~sparsedense.functional.sparse_to_dense` decode the rows in registers
and accumulate in float32.
"""

from __future__ import annotations

import os
import struct
from typing import Any

import numpy as np

from ._base.validation import as_array, check_indices
from ._kernels import _tuning, family
from ._kernels._dispatch import choose, task_args

#: the compressed row formats, by name
DTYPES = ("int8", "int4", "float16")
#: rows quantized at a time (bounds the float32 temporaries of a large table)
_CHUNK_ROWS = 1 << 14
_FLOAT16_MAX = float(np.finfo(np.float16).max)

#: the native file: a 64-byte header, then the stored rows as they are in memory
FILE_MAGIC = b"SDQTABLE"
FILE_VERSION = 1
#: magic, version, format code, num_embeddings, embedding_dim, row bytes, data offset
_HEADER = struct.Struct("<8sIIQQQQ")
_HEADER_BYTES = 64
_FILE_CODES = {"int8": 1, "int4": 2, "float16": 3}


class QuantizedTable:
    """An embedding table stored as int8, int4 or float16 rows (see :func:`quantize`).

    Parameters
    ----------
    data : ndarray
        The stored rows: for int8 and int4, uint8 of shape ``(num_embeddings,
        row_bytes)`` in fbgemm's fused layout (codes, then scale and bias),
        e.g. a table packed by torch; for float16, a float16
        ``(num_embeddings, embedding_dim)`` array. A memory map works; it is
        not copied (only each row's scale and bias are read, into float32).
    dtype : {'int8', 'int4', 'float16'}
    embedding_dim : int, optional
        Needed for int4 when it cannot be told from the row width (an odd
        ``embedding_dim`` and the next even one share a width); int4 defaults
        to the even width.

    Attributes
    ----------
    shape : tuple of int
        ``(num_embeddings, embedding_dim)`` of the float table it stands for.
    dtype : str
        'int8', 'int4' or 'float16'.
    nbytes : int
        Bytes of the stored rows.

    Examples
    --------
    >>> import numpy as np
    >>> import sparsedense as sd
    >>> W = np.array([[0.0, 1.0, 2.0], [-1.0, 0.5, 3.0]], dtype=np.float32)
    >>> qt = sd.quantize(W, "int8")
    >>> qt
    QuantizedTable(int8, num_embeddings=2, embedding_dim=3, nbytes=22)
    >>> bool(np.abs(qt.dequantize() - W).max() < 0.01)
    True
    >>> qt[1].round(2).tolist()
    [-1.0, 0.5, 3.0]
    """

    def __init__(self, data: Any, dtype: str, embedding_dim: int | None = None) -> None:
        dtype = _check_dtype(dtype)
        data = data if isinstance(data, np.ndarray) else as_array(data, "data")
        if data.ndim != 2:
            raise ValueError(f"data must be 2-D (one stored row per embedding); got shape "
                             f"{data.shape}")
        if dtype == "float16":
            if data.dtype != np.float16:
                raise TypeError(f"data of a float16 table must be float16; got {data.dtype}")
            dim = data.shape[1]
            if embedding_dim is not None and embedding_dim != dim:
                raise ValueError(f"embedding_dim={embedding_dim} does not match the float16 "
                                 f"rows' width {dim}")
            self._halves = np.ascontiguousarray(data).view(np.uint16)
            self._codes = None
        else:
            if data.dtype != np.uint8:
                raise TypeError(f"data of an {dtype} table must be uint8 fused rows; got "
                                f"{data.dtype}")
            pair = 8 if dtype == "int8" else 4
            width = data.shape[1] - pair
            if width < 0:
                raise ValueError(f"{dtype} rows of {data.shape[1]} bytes cannot hold the "
                                 f"{pair}-byte scale and bias")
            dim = width if dtype == "int8" else 2 * width
            if embedding_dim is not None:
                ok = embedding_dim == dim or (dtype == "int4" and embedding_dim == dim - 1)
                if not ok or embedding_dim < 0:
                    raise ValueError(f"embedding_dim={embedding_dim} does not match {dtype} "
                                     f"rows of {data.shape[1]} bytes")
                dim = embedding_dim
            # the kernels read each row's scale and bias from its bytes: no copy of them
            self._codes = np.ascontiguousarray(data)
            data = self._codes
            self._halves = None
        self._data = data
        self.dtype = dtype
        self.shape = (int(data.shape[0]), int(dim))

    def _scale_bias(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row's scale and bias as float32 arrays, copied from the rows on each use
        and not kept (the table's memory is its bytes; the kernels read them from the
        rows, the top-k screens' bounds once per table)."""
        if self._codes is None:
            raise TypeError("a float16 table has no scale or bias")
        pair_dtype = np.float32 if self.dtype == "int8" else np.float16
        size = np.dtype(pair_dtype).itemsize
        width = self._codes.shape[1] - 2 * size
        return tuple(  # type: ignore[return-value]
            self._codes[:, width + k * size:width + (k + 1) * size].view(pair_dtype)[:, 0]
            .astype(np.float32) for k in (0, 1))

    @property
    def _scale(self) -> np.ndarray:
        return self._scale_bias()[0]

    @property
    def _bias(self) -> np.ndarray:
        return self._scale_bias()[1]

    # -- what a table is -------------------------------------------------------------
    @property
    def num_embeddings(self) -> int:
        return self.shape[0]

    @property
    def embedding_dim(self) -> int:
        return self.shape[1]

    @property
    def ndim(self) -> int:
        return 2

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    @property
    def data(self) -> np.ndarray:
        """The stored rows (fbgemm's fused uint8 rows, or the float16 table)."""
        return self._data

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return (f"QuantizedTable({self.dtype}, num_embeddings={self.shape[0]}, "
                f"embedding_dim={self.shape[1]}, nbytes={self.nbytes})")

    # -- decoding --------------------------------------------------------------------
    def dequantize(self, rows: Any = None) -> np.ndarray:
        """The float32 values of all rows, or of ``rows`` (any int array-like, any shape).

        Returns
        -------
        ndarray of float32, shape ``(num_embeddings, embedding_dim)`` or
        ``rows.shape + (embedding_dim,)``
        """
        if rows is None:
            return self.take(np.arange(self.shape[0], dtype=np.int64))
        flat, shape = check_indices(rows, self.shape[0], "rows")
        return self.take(flat).reshape(shape + (self.shape[1],))

    def take(self, flat: np.ndarray, out: np.ndarray | None = None,
             allow: bool = True) -> np.ndarray:
        """Decoded rows of a checked flat int64 index array (the kernels' entry point).

        ``allow=False`` decodes on this thread (e.g. between two BLAS products,
        whose threads still spin).
        """
        K = family("quantized")
        n = flat.shape[0]
        if out is None:
            out = np.empty((n, self.shape[1]), dtype=np.float32)
        if n:
            n_tasks = min(n, _tuning.get("PARALLEL_TASKS"))
            if self._halves is not None:
                kernel = choose(K._halves_gather, n * self.shape[1], allow)
                kernel(flat, self._halves, out, *task_args(kernel, n_tasks))
            else:
                kernel = choose(K._codes_gather, n * self.shape[1], allow)
                kernel(flat, self._kind, self._codes, out,
                       *task_args(kernel, n_tasks))
        return out

    def bags(self, offsets: np.ndarray, indices: np.ndarray, values: np.ndarray,
             mode_code: int, allow: bool = True) -> np.ndarray:
        """Sum (0), mean (1) or max (2) of ``values[p] * row(indices[p])`` per bag, float32."""
        K = family("quantized")
        n_bags = offsets.shape[0] - 1
        out = np.empty((n_bags, self.shape[1]), dtype=np.float32)
        if n_bags:
            values = np.ascontiguousarray(values, dtype=np.float32)
            n_tasks = min(n_bags, _tuning.get("PARALLEL_TASKS"))
            work = indices.shape[0] * self.shape[1]
            if self._halves is not None:
                kernel = choose(K._halves_bags, work, allow)
                kernel(offsets, indices, values, mode_code, self._halves, out,
                       *task_args(kernel, n_tasks))
            else:
                kernel = choose(K._codes_bags, work, allow)
                kernel(offsets, indices, values, mode_code, self._kind, self._codes, out,
                       *task_args(kernel, n_tasks))
        return out

    @property
    def _kind(self) -> int:
        K = family("quantized")
        return K.KIND_INT8 if self.dtype == "int8" else K.KIND_INT4

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            return self.dequantize()[key]
        if isinstance(key, slice):
            return self.take(np.arange(self.shape[0], dtype=np.int64)[key])
        if isinstance(key, (int, np.integer)):
            k = int(key)
            if not -self.shape[0] <= k < self.shape[0]:
                raise IndexError(f"row {k} is out of range for num_embeddings="
                                 f"{self.shape[0]}")
            return self.take(np.array([k % self.shape[0]], dtype=np.int64))[0]
        return self.dequantize(key)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.dequantize()
        return out if dtype is None else out.astype(dtype, copy=False)

    # -- files -----------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the table to ``path`` in the native format, atomically.

        The file is a 64-byte little-endian header (the magic ``b"SDQTABLE"``,
        the format version, the row format, ``num_embeddings``,
        ``embedding_dim``, the bytes of a stored row and the offset of the
        first row), then the stored rows exactly as :attr:`data` holds them,
        so :meth:`load` can map them in place. The file replaces ``path``
        only once complete (a failed save leaves the previous file).

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> import sparsedense as sd
        >>> qt = sd.quantize(np.arange(6, dtype=np.float32).reshape(2, 3), "int8")
        >>> path = os.path.join(tempfile.mkdtemp(), "table.sdq")
        >>> qt.save(path)
        >>> os.path.getsize(path)  # 64 header bytes + 2 rows of 3 codes, scale and bias
        86
        >>> back = sd.QuantizedTable.load(path, mmap_mode="r")
        >>> back, bool(np.array_equal(back.dequantize(), qt.dequantize()))
        (QuantizedTable(int8, num_embeddings=2, embedding_dim=3, nbytes=22), True)
        """
        from ._base.files import atomic_write, preallocate

        n, dim = self.shape
        row_bytes = self._data.shape[1] * self._data.dtype.itemsize
        header = _HEADER.pack(FILE_MAGIC, FILE_VERSION, _FILE_CODES[self.dtype], n, dim,
                              row_bytes, _HEADER_BYTES).ljust(_HEADER_BYTES, b"\0")
        stored = np.dtype("<f2") if self.dtype == "float16" else np.dtype(np.uint8)
        with atomic_write(path, "wb", encoding=None) as fh:
            preallocate(fh, _HEADER_BYTES + n * row_bytes)
            fh.write(header)
            step = max(1, _CHUNK_ROWS * 64 // max(row_bytes, 1))
            for lo in range(0, n, step):
                rows = np.ascontiguousarray(self._data[lo:lo + step], dtype=stored)
                if rows.size:
                    fh.write(memoryview(rows).cast("B"))

    @classmethod
    def load(cls, path: str | os.PathLike, mmap_mode: str | None = None) -> "QuantizedTable":
        """Read a table written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
        mmap_mode : {None, 'r'}, default=None
            ``'r'`` maps the stored rows read-only instead of reading them:
            only each row's scale and bias are read at once (8 bytes a row,
            into float32), the codes stay on disk until a lookup needs them.

        Returns
        -------
        QuantizedTable

        Raises
        ------
        ValueError
            Not a table file (wrong magic), an unsupported version or row
            format, a header whose sizes disagree with each other, or bytes
            after the last row.
        TruncatedFileError
            (A ValueError and an EOFError.) The file ends before its header
            does, or before the rows its header promises.

        Every size in the header is checked against the file's size before
        anything is allocated or mapped, so a damaged file is an error naming
        it, never a crash or a huge allocation.
        """
        from ._base.errors import TruncatedFileError

        if mmap_mode not in (None, "r"):
            raise ValueError(f"mmap_mode must be None or 'r' (read-only map); got {mmap_mode!r}")
        source = os.fspath(path)
        with open(source, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(_HEADER_BYTES)
            dtype, n, dim, row_bytes = _parse_header(head, size, source)
            if mmap_mode is None:
                stored = np.dtype("<f2") if dtype == "float16" else np.dtype(np.uint8)
                raw = np.empty(n * row_bytes, dtype=np.uint8)
                got = fh.readinto(memoryview(raw)) if raw.size else 0
                if got != raw.size:  # the file shrank since its size was read
                    raise TruncatedFileError(f"{source}: the file ends after {got} of the "
                                             f"{raw.size} bytes of rows its header promises")
                data = raw.view(stored).reshape(n, row_bytes // stored.itemsize)
        if mmap_mode is not None:
            stored = np.dtype("<f2") if dtype == "float16" else np.dtype(np.uint8)
            if n == 0:
                data = np.empty((0, row_bytes // stored.itemsize), dtype=stored)
            else:
                data = np.memmap(source, dtype=stored, mode="r", offset=_HEADER_BYTES,
                                 shape=(n, row_bytes // stored.itemsize))
        return cls(data.view(np.float16) if dtype == "float16" else data, dtype, dim)


def _parse_header(head: bytes, size: int, source: str) -> tuple[str, int, int, int]:
    """``(dtype, num_embeddings, embedding_dim, row bytes)`` of a native table file's header,
    checked against itself and against the file's ``size``."""
    from ._base.errors import TruncatedFileError

    if head[:len(FILE_MAGIC)] != FILE_MAGIC[:len(head)]:
        raise ValueError(f"{source}: not a quantized table file (it starts with "
                         f"{head[:8]!r}; expected the magic {FILE_MAGIC!r})")
    if len(head) < _HEADER_BYTES:
        raise TruncatedFileError(f"{source}: the file ends after {len(head)} bytes, inside "
                                 f"the {_HEADER_BYTES}-byte header of a quantized table")
    _, version, code, n, dim, row_bytes, offset = _HEADER.unpack_from(head)
    if version != FILE_VERSION:
        raise ValueError(f"{source}: unsupported quantized table version {version} (this "
                         f"version reads {FILE_VERSION})")
    names = {c: name for name, c in _FILE_CODES.items()}
    if code not in names:
        raise ValueError(f"{source}: unknown row format code {code} in the header (expected "
                         f"one of {sorted(names)}: {', '.join(DTYPES)})")
    dtype = names[code]
    expected = {"int8": dim + 8, "int4": (dim + 1) // 2 + 4, "float16": 2 * dim}[dtype]
    if offset != _HEADER_BYTES or row_bytes != expected or any(head[_HEADER.size:]):
        raise ValueError(f"{source}: damaged header ({dtype} rows of dimension {dim} take "
                         f"{expected} bytes, the header says {row_bytes}; data offset "
                         f"{offset}, expected {_HEADER_BYTES})")
    need = _HEADER_BYTES + n * row_bytes
    if size < need:
        rows = (size - _HEADER_BYTES) // row_bytes if row_bytes else 0
        raise TruncatedFileError(f"{source}: the header promises {n} rows of {row_bytes} "
                                 f"bytes ({need} bytes in all), but the file has {size} "
                                 f"(room for {rows} rows): truncated file")
    if size > need:
        raise ValueError(f"{source}: {size - need} bytes follow the {n} rows the header "
                         f"promises ({need} bytes): damaged file or wrong header")
    return dtype, int(n), int(dim), int(row_bytes)


def value_dtype(weight: Any) -> np.dtype:
    """The dtype of what a table gives: its own, float32 for a :class:`QuantizedTable`."""
    return np.dtype(np.float32) if isinstance(weight, QuantizedTable) else weight.dtype


def _check_dtype(dtype: Any) -> str:
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}; got {dtype!r}")
    return dtype


def quantize(weight: Any, dtype: str = "int8") -> QuantizedTable:
    """Compress a float table to int8, int4 or float16 rows (fbgemm's row-wise formats).

    Parameters
    ----------
    weight : array-like of shape (num_embeddings, embedding_dim)
        A float32 or float64 table (float64 is rounded to float32 first, as
        torch's packing takes float32). Every value must be finite.
    dtype : {'int8', 'int4', 'float16'}, default='int8'
        The row format (see the module's description). int8 and int4 rows
        equal what torch's ``embedding_bag_byte_prepack`` and
        ``embedding_bag_4bit_prepack`` make of the same table.

    Returns
    -------
    QuantizedTable

    Raises
    ------
    ValueError
        An unknown ``dtype``; a row holding NaN or inf (named); for float16
        and int4, a value beyond float16's range (65504), named by its row.
    TypeError
        A table that is not float (an integer table is already discrete: give
        ``weight.astype(np.float32)`` if that is meant).

    Examples
    --------
    >>> import numpy as np
    >>> import sparsedense as sd
    >>> W = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    >>> [sd.quantize(W, d).nbytes for d in ("int8", "int4", "float16")]
    [36, 18, 24]
    >>> bool(np.abs(sd.quantize(W, "int4").dequantize() - W).max() <= 2 / 15)
    True
    """
    dtype = _check_dtype(dtype)
    W = weight if isinstance(weight, np.ndarray) else as_array(weight, "weight")
    if W.dtype.kind != "f":
        raise TypeError(f"weight must be a float32 or float64 table to quantize; got dtype "
                        f"{W.dtype} (an integer table: pass weight.astype(np.float32))")
    if W.ndim != 2:
        raise ValueError(f"weight must be 2-D (num_embeddings, embedding_dim); got shape "
                         f"{W.shape}")
    n, dim = W.shape
    if dtype == "float16":
        out = np.empty((n, dim), dtype=np.float16)
    else:
        width = dim if dtype == "int8" else (dim + 1) // 2
        out = np.empty((n, width + (8 if dtype == "int8" else 4)), dtype=np.uint8)
    for lo in range(0, n, _CHUNK_ROWS):
        pack_rows(W[lo:lo + _CHUNK_ROWS], dtype, out[lo:lo + _CHUNK_ROWS], lo)
    return QuantizedTable(out, dtype, dim)


def pack_rows(W: np.ndarray, dtype: str, out: np.ndarray, first: int = 0) -> None:
    """Pack the float rows ``W`` into ``out``'s rows (the stored format of ``dtype``),
    checked finite (an error names row ``first + r``); :func:`quantize` chunk by chunk,
    and the streaming loader block by block, straight into its table."""
    X = np.asarray(W, dtype=np.float32)
    _check_finite(X, first, dtype)
    if dtype == "float16":
        out[:] = X
    elif dtype == "int8":
        _pack_int8(X, out)
    else:
        _pack_int4(X, out)


def _check_finite(X: np.ndarray, lo: int, dtype: str) -> None:
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        r = int(bad[0])
        raise ValueError(f"weight row {lo + r} holds {float(X[r][~np.isfinite(X[r])][0])!r}; "
                         "every value of a table to quantize must be finite")
    if dtype in ("float16", "int4") and X.size:
        big = np.flatnonzero(np.abs(X).max(axis=1) > _FLOAT16_MAX)
        if big.size:
            r = int(big[0])
            raise ValueError(f"weight row {lo + r} holds {float(np.abs(X[r]).max())!r}, beyond "
                             f"float16's range ({_FLOAT16_MAX:g}) that {dtype} rows store")


def _pack_int8(X: np.ndarray, out: np.ndarray) -> None:
    """fbgemm's ``FloatToFused8BitRowwiseQuantizedSBFloat``, in float32 arithmetic."""
    dim = X.shape[1]
    if X.shape[0] == 0:
        return
    if dim == 0:
        lo = hi = np.zeros(X.shape[0], np.float32)
    else:
        lo, hi = X.min(axis=1), X.max(axis=1)
    span = (hi - lo).astype(np.float32)
    scale = (span / np.float32(255)).astype(np.float32)
    inverse = (np.float32(255) / (span + np.float32(1e-8))).astype(np.float32)
    q = X - lo[:, None]  # one float32 temporary, the same operations in place
    q *= inverse[:, None]
    np.rint(q, out=q)
    np.clip(q, 0, 255, out=q)
    out[:, :dim] = q
    pair = np.stack([scale, lo.astype(np.float32)], axis=1).astype(np.float32)
    out[:, dim:] = pair.view(np.uint8).reshape(X.shape[0], 8)


def _pack_int4(X: np.ndarray, out: np.ndarray) -> None:
    """fbgemm's ``FloatToFusedNBitRowwiseQuantizedSBHalf`` with 4 bits, in float32."""
    n, dim = X.shape
    if n == 0:
        return
    width = (dim + 1) // 2
    if dim == 0:
        lo = hi = np.zeros(n, np.float32)
    else:
        lo, hi = X.min(axis=1), X.max(axis=1)
    bias16 = lo.astype(np.float16)
    bias = bias16.astype(np.float32)
    span = (hi - bias).astype(np.float32)
    scale = np.where(span == 0, np.float32(1), span / np.float32(15)).astype(np.float32)
    scale16 = scale.astype(np.float16)
    # a scale that rounds to 0 or overflows in float16 is taken as 1, as fbgemm does
    bad = (scale16 == 0) | ~np.isfinite(scale16)
    scale16[bad] = 1
    inverse = (np.float32(1) / scale16.astype(np.float32)).astype(np.float32)
    t = X - bias[:, None]  # one float32 temporary, the same operations in place
    t *= inverse[:, None]
    np.rint(t, out=t)
    np.clip(t, 0, 15, out=t)
    q = t.astype(np.uint8)
    del t
    if dim & 1:
        q = np.concatenate([q, np.zeros((n, 1), np.uint8)], axis=1)
    out[:, :width] = q[:, 0::2] | (q[:, 1::2] << 4)
    pair = np.stack([scale16, bias16], axis=1).astype(np.float16)
    out[:, width:] = pair.view(np.uint8).reshape(n, 4)
