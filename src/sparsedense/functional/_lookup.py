"""Lookup of table rows and its gradient: ``embedding`` and ``embedding_backward``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._kernels import _pool, _tuning, family
from .._kernels._dispatch import balanced_order, choose, task_args, use_parallel, workers
from .._base.validation import (
    check_grad_output,
    check_indices,
    check_int,
    check_out,
    check_padding_idx,
    check_real,
    check_weight,
)
from .._base.sparse import check_csr
from ..grad import RowSparseGrad
from ..quantized import QuantizedTable


#: the index and table dtypes of the common call (compared by identity and membership)
_INT64 = np.dtype(np.int64)
_TABLE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def onehot_rows(X: Any, num_embeddings: int, name: str = "indices") -> np.ndarray:
    """The column of the single 1 in each row of a one-hot sparse matrix.

    Raises ValueError naming the first row that is not one-hot (it must hold
    exactly one stored value, equal to 1, after duplicates are summed and
    explicit zeros dropped), and when the matrix does not have
    ``num_embeddings`` columns.
    """
    if X.ndim != 2 or X.shape[1] != num_embeddings:
        raise ValueError(f"{name} is a one-hot sparse matrix of shape {X.shape}; it must have "
                         f"num_embeddings={num_embeddings} columns")
    X = check_csr(X, name, copy=True)
    X.sum_duplicates()
    X.eliminate_zeros()
    counts = np.diff(X.indptr)
    bad = np.flatnonzero(counts != 1)
    if bad.size == 0:
        bad_values = np.flatnonzero(X.data != 1)
        if bad_values.size == 0:
            return X.indices.astype(np.int64)
        row = int(np.searchsorted(X.indptr, bad_values[0], side="right") - 1)
        raise ValueError(f"{name} row {row} is not one-hot: its stored value is "
                         f"{X.data[bad_values[0]]!r} (expected exactly one 1)")
    row = int(bad[0])
    raise ValueError(f"{name} row {row} is not one-hot: it has {int(counts[row])} non-zero "
                     "values (expected exactly one 1)")


def _flat_indices(indices: Any, num_embeddings: int) -> tuple[np.ndarray, tuple[int, ...]]:
    if type(indices) is not np.ndarray and sp.issparse(indices):
        flat = onehot_rows(indices, num_embeddings)
        return flat, (flat.shape[0],)
    return check_indices(indices, num_embeddings)


def embedding(indices: Any, weight: np.ndarray, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              out: np.ndarray | None = None) -> np.ndarray:
    """Look up rows of an embedding table: ``weight[indices]``, with torch's options.

    Parameters
    ----------
    indices : array-like of int, any shape, or a one-hot scipy.sparse matrix
        Row ids into ``weight``, each in ``[0, num_embeddings)``. Any integer
        dtype, layout and Python lists work. A one-hot sparse matrix of shape
        ``(n, num_embeddings)`` is read as the ids of its ones (so
        ``embedding(one_hot(ids, V), W)`` equals ``one_hot(ids, V) @ W``).
    weight : ndarray of shape (num_embeddings, embedding_dim), or QuantizedTable
        float32 or float64 table (an ``np.memmap`` works), or a compressed one
        from :func:`sparsedense.quantize` (its rows are decoded to float32).
    padding_idx : int, optional
        Accepted for symmetry with torch; it changes only the gradient (see
        :func:`embedding_backward`), not the lookup.
    max_norm : float, optional
        Before the lookup, each *referenced* row whose ``norm_type``-norm
        exceeds ``max_norm`` is rescaled in place in ``weight`` to norm
        ``max_norm`` (torch's rule: ``scale = max_norm / (norm + 1e-7)``).
    norm_type : float, default=2.0
        The p of the p-norm for ``max_norm`` (``inf`` allowed).
    out : ndarray, optional
        Where to write the result; must have the result's shape and dtype.

    Returns
    -------
    ndarray of shape ``indices.shape + (embedding_dim,)``, dtype of ``weight``

    Notes
    -----
    **Shape:** ``(*)`` indices -> ``(*, embedding_dim)``. The naive equivalent is
    ``weight[indices]``.

    Raises
    ------
    IndexError
        An index is negative or ``>= num_embeddings``; the message names the
        first such position. Nothing is written.
    TypeError
        Float, bool or object indices; a table that is not float32/float64.
    ValueError
        A bad ``out``, ``padding_idx``, ``max_norm``; a read-only table with
        ``max_norm``; a sparse ``indices`` that is not one-hot.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.functional import embedding
    >>> W = np.arange(30, dtype=np.float32).reshape(10, 3)
    >>> out = embedding([[1, 2, 4, 5], [4, 3, 2, 9]], W)
    >>> out.shape
    (2, 4, 3)
    >>> out[1, 3].tolist()  # row 9 of W
    [27.0, 28.0, 29.0]
    >>> embedding([[1, 10]], W)
    Traceback (most recent call last):
    ...
    IndexError: indices[0, 1] = 10 is out of range for num_embeddings=10 (valid: 0..9)
    """
    if (type(indices) is np.ndarray and type(weight) is np.ndarray and indices.dtype is _INT64
            and max_norm is None and out is None and padding_idx is None and weight.ndim == 2
            and weight.dtype in _TABLE_DTYPES and indices.size and indices.flags.c_contiguous):
        # the common call (an int64 array of ids into a float table, nothing else asked)
        # checked in a few steps: at a mini-batch's size each Python call costs a
        # noticeable part of the copy. A bad id takes the checks below, which name it.
        flat = indices if indices.ndim == 1 else indices.reshape(-1)
        if family("sparse")._first_out_of_range(flat, weight.shape[0]) < 0:
            return _gather(flat, weight, indices.shape + weight.shape[1:], None)
    renorm = max_norm is not None
    if isinstance(weight, QuantizedTable):
        return _quantized_lookup(indices, weight, padding_idx, renorm, out)
    weight = check_weight(weight, writable=renorm, why="max_norm (rows are renormalized in place)")
    num_embeddings, dim = weight.shape
    flat, shape = _flat_indices(indices, num_embeddings)
    check_padding_idx(padding_idx, num_embeddings)
    if renorm:
        max_norm = check_real(max_norm, "max_norm", 0, low_open=True)
        norm_type = check_real(norm_type, "norm_type", 0, low_open=True, allow_inf=True)
    out_shape = shape + (dim,)
    if out is not None:
        out = check_out(out, out_shape, weight.dtype)
    # everything is valid: from here on we write
    if renorm and flat.size:
        family("lookup")._renorm_rows(weight, np.unique(flat), float(max_norm), float(norm_type))
    table = np.asarray(weight)  # a memmap as a plain ndarray view, no copy
    return _gather(flat, table, out_shape, out)


def _gather(flat: np.ndarray, table: np.ndarray, out_shape: tuple[int, ...],
            out: np.ndarray | None) -> np.ndarray:
    """``table[flat]`` shaped ``out_shape``, into ``out`` when given (all checked)."""
    n, dim = flat.size, table.shape[1]
    work = n * dim
    kernels = family("lookup")
    target = out if out is not None and out.flags.c_contiguous else np.empty(
        out_shape, table.dtype)
    rows = target if target.ndim == 2 else target.reshape(n, dim)
    if work * table.itemsize > _tuning.get("LOOKUP_SMALL_MAX_BYTES"):
        # a large output, maybe of fresh pages: tasks of whole huge pages (_pages)
        from .._kernels._pages import page_tasks

        gather = choose(kernels._embedding_gather_pages, work)
        lead, page, span, n_tasks = page_tasks(rows, min(n, _tuning.get("PARALLEL_TASKS")))
        gather(flat, table, rows, lead, page, span, *task_args(gather, n_tasks))
    else:
        # a small lookup (its output fits the caches) runs on the threads only while the
        # pool is awake or a run of calls has earned its wake (_pool), else on this one;
        # one contiguous range per worker: its output lines in one cache
        _pool.run(kernels._embedding_gather, work, (flat, table, rows), min(n, workers()))
    if target is not out and out is not None:
        out[...] = target
        return out
    return target


def _quantized_lookup(indices: Any, table: QuantizedTable, padding_idx: int | None,
                      renorm: bool, out: np.ndarray | None) -> np.ndarray:
    """:func:`embedding` of a compressed table: its rows decoded into a float32 result."""
    if renorm:
        raise ValueError("max_norm renormalizes rows in place, but a QuantizedTable's rows "
                         "are read-only; pass max_norm=None (or renormalize the float table "
                         "before quantizing it)")
    flat, shape = _flat_indices(indices, table.num_embeddings)
    check_padding_idx(padding_idx, table.num_embeddings)
    out_shape = shape + (table.embedding_dim,)
    if out is not None:
        out = check_out(out, out_shape, np.dtype(np.float32))
        if out.flags.c_contiguous:
            table.take(flat, out.reshape(flat.size, table.embedding_dim))
            return out
        out[...] = table.take(flat).reshape(out_shape)
        return out
    return table.take(flat).reshape(out_shape)


def embedding_backward(grad_output: Any, indices: Any, num_embeddings: int,
                       padding_idx: int | None = None, scale_grad_by_freq: bool = False,
                       sparse: bool = False) -> np.ndarray | RowSparseGrad:
    """Gradient of :func:`embedding` with respect to the table: a scatter-add.

    Row ``r`` of the gradient is the sum of ``grad_output`` over every
    position where ``indices == r``, added in ascending position order, so the
    result is bit-identical for any number of threads and from run to run.

    Parameters
    ----------
    grad_output : ndarray of shape ``indices.shape + (embedding_dim,)``
        Gradient of the loss with respect to the lookup's output.
    indices : array-like of int, or one-hot sparse matrix
        The indices of the lookup.
    num_embeddings : int
        Rows of the table.
    padding_idx : int, optional
        This row gets no gradient (negative values count from the end).
    scale_grad_by_freq : bool, default=False
        Divide each row's gradient by how many times its index occurs in
        ``indices`` (torch's option of the same name).
    sparse : bool, default=False
        Return a :class:`~sparsedense.nn.RowSparseGrad` (only the rows that
        occur) instead of a dense ``(num_embeddings, embedding_dim)`` array;
        the dense table is never allocated.

    Returns
    -------
    ndarray of shape (num_embeddings, embedding_dim), or RowSparseGrad
        Same dtype as ``grad_output``.

    Notes
    -----
    **Shape:** ``(*, embedding_dim)`` grad_output and ``(*)`` indices ->
    ``(num_embeddings, embedding_dim)``. Naive equivalent:
    ``g = zeros(...); np.add.at(g, indices, grad_output)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.functional import embedding_backward
    >>> g = embedding_backward(np.ones((3, 2), np.float32), [1, 3, 1], num_embeddings=4)
    >>> g.tolist()
    [[0.0, 0.0], [2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    >>> s = embedding_backward(np.ones((3, 2), np.float32), [1, 3, 1], 4, sparse=True)
    >>> s.indices.tolist(), s.values.tolist()
    ([1, 3], [[2.0, 2.0], [1.0, 1.0]])
    """
    num_embeddings = check_int(num_embeddings, "num_embeddings", 1)
    flat, shape = _flat_indices(indices, num_embeddings)
    expected = f"indices.shape + (embedding_dim,) = {tuple(shape) + ('embedding_dim',)}"
    grad = check_grad_output(grad_output, shape, None, expected)
    # not reshape(-1, dim): with embedding_dim 0, -1 is ambiguous
    grad = grad.reshape(math.prod(grad.shape[:-1]), grad.shape[-1])
    pad = check_padding_idx(padding_idx, num_embeddings)
    dim = grad.shape[1]
    scatter = family("scatter")
    work = flat.size * dim
    # a dense gradient's first touches of its fresh table-sized output are slow from two
    # threads at once: in parallel only from SCATTER_PARALLEL_MIN_WORK
    allow = sparse or work >= _tuning.get("SCATTER_PARALLEL_MIN_WORK")
    parallel = allow and use_parallel(work)
    segment_sum = choose(scatter._segment_sum_rows, work, allow)
    scale = bool(scale_grad_by_freq)
    if not sparse or num_embeddings <= 4 * flat.size + 1024:
        row_ptr, positions = scatter._bucket_by_row(flat, num_embeddings, pad)
        rows, ptr = scatter._nonempty_rows(row_ptr)
    else:  # a huge table and a small batch: no array of num_embeddings counts
        rows, ptr, positions = scatter._bucket_by_row_sorted(
            flat, np.argsort(flat, kind="stable"), pad)
    # frequent rows (Zipf) spread over the threads; the sums are the same in any order
    order = balanced_order(np.diff(ptr)) if parallel else np.arange(rows.shape[0])
    tasks = task_args(segment_sum, min(rows.shape[0], _tuning.get("PARALLEL_TASKS")))
    if not sparse:
        out = np.zeros((num_embeddings, dim), dtype=grad.dtype)
        segment_sum(grad, ptr, positions, scale, order, rows[order], out, *tasks)
        return out
    values = np.empty((rows.shape[0], dim), dtype=grad.dtype)
    segment_sum(grad, ptr, positions, scale, order, order, values, *tasks)
    return RowSparseGrad(rows, values, num_embeddings, _trusted=True)
