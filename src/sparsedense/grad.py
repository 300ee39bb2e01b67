"""RowSparseGrad: the gradient of an embedding table as its non-zero rows only."""

from __future__ import annotations

from typing import Any

import numpy as np


class RowSparseGrad:
    """A gradient that is zero outside a few rows of a ``(num_embeddings, dim)`` table.

    The row-sparse counterpart of torch's ``sparse=True`` embedding gradient,
    always coalesced: ``indices`` are distinct and ascending, and
    ``values[k]`` is the gradient of row ``indices[k]``.

    Parameters
    ----------
    indices : array-like of int, shape (n_rows,)
        Distinct row ids in ascending order, each in ``[0, num_embeddings)``.
    values : ndarray of shape (n_rows, embedding_dim)
        float32 or float64 gradient rows.
    num_embeddings : int
        Rows of the full table.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.nn import RowSparseGrad
    >>> g = RowSparseGrad([1, 3], np.ones((2, 2), np.float32), num_embeddings=4)
    >>> g.shape, g.to_dense().sum(axis=1).tolist()
    ((4, 2), [0.0, 2.0, 0.0, 2.0])
    >>> (g + g).values.tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """

    __slots__ = ("indices", "values", "num_embeddings")

    def __init__(self, indices: Any, values: Any, num_embeddings: int, *,
                 _trusted: bool = False) -> None:
        if not _trusted:
            from ._base.validation import check_ids, check_int

            num_embeddings = check_int(num_embeddings, "num_embeddings", 1)
            indices = check_ids(indices, "indices", num_embeddings, "num_embeddings")
            values = np.asarray(values)
            if indices.ndim != 1:
                raise ValueError(f"indices must be 1-D; got shape {indices.shape}")
            if values.dtype not in (np.float32, np.float64):
                raise TypeError(f"values must be float32 or float64; got {values.dtype}")
            if values.ndim != 2 or values.shape[0] != indices.shape[0]:
                raise ValueError(f"values must have shape (len(indices), embedding_dim) = "
                                 f"({indices.shape[0]}, dim); got {values.shape}")
            if indices.size > 1 and not np.all(indices[1:] > indices[:-1]):
                k = int(np.flatnonzero(indices[1:] <= indices[:-1])[0]) + 1
                raise ValueError(f"indices must be distinct and ascending; indices[{k}] = "
                                 f"{indices[k]} follows {indices[k - 1]}")
            values = np.ascontiguousarray(values)
        self.indices = indices
        self.values = values
        self.num_embeddings = int(num_embeddings)

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of the dense gradient it stands for."""
        return (self.num_embeddings, self.values.shape[1])

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    def to_dense(self) -> np.ndarray:
        """The full ``(num_embeddings, embedding_dim)`` gradient (zeros elsewhere)."""
        out = np.zeros(self.shape, dtype=self.values.dtype)
        out[self.indices] = self.values
        return out

    def copy(self) -> "RowSparseGrad":
        return RowSparseGrad(self.indices.copy(), self.values.copy(), self.num_embeddings,
                             _trusted=True)

    def __add__(self, other: "RowSparseGrad") -> "RowSparseGrad":
        """Sum of two row-sparse gradients of the same table (self's rows added first)."""
        if not isinstance(other, RowSparseGrad):
            return NotImplemented
        if other.shape != self.shape:
            raise ValueError(f"cannot add RowSparseGrad of shape {other.shape} to one of "
                             f"shape {self.shape}")
        rows = np.union1d(self.indices, other.indices)
        dtype = np.result_type(self.values, other.values)
        values = np.zeros((rows.shape[0], self.values.shape[1]), dtype=dtype)
        values[np.searchsorted(rows, self.indices)] += self.values
        values[np.searchsorted(rows, other.indices)] += other.values
        return RowSparseGrad(rows, values, self.num_embeddings, _trusted=True)

    def __repr__(self) -> str:
        return (f"RowSparseGrad(rows={self.indices.shape[0]}, shape={self.shape}, "
                f"dtype={self.values.dtype})")
