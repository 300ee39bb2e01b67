"""Embedding bags: the looked-up rows of each bag reduced (torch's ``F.embedding_bag``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._kernels import _tuning, family
from .._kernels._dispatch import choose, task_args, use_parallel
from .._base.sparse import bag_product
from .._base.validation import (
    BAG_MODES,
    as_array,
    check_grad_output,
    check_indices,
    check_mode,
    check_offsets,
    check_padding_idx,
    check_real,
    check_weight,
)
from ..grad import RowSparseGrad
from ..quantized import QuantizedTable, value_dtype


class Bags:
    """Validated bags: ``indices[offsets[b]:offsets[b + 1]]`` with one weight per entry."""

    __slots__ = ("offsets", "indices", "weights", "kept", "n_input", "has_weights",
                 "all_indices")

    def __init__(self, offsets, indices, weights, kept, n_input, has_weights,
                 all_indices=None) -> None:
        self.offsets = offsets
        self.indices = indices
        self.weights = weights
        self.kept = kept
        self.n_input = n_input
        self.has_weights = has_weights
        #: every validated index given (padding and entries past the last bag included)
        self.all_indices = indices if all_indices is None else all_indices

    @property
    def n_bags(self) -> int:
        return self.offsets.shape[0] - 1


def prepare_bags(indices: Any, weight: np.ndarray, offsets: Any, mode_code: int,
                 per_sample_weights: Any, padding_idx: Any, include_last_offset: bool,
                 allow_max_weights: bool = False) -> Bags:
    """Validate everything a bag operation takes; returns the kernel-ready :class:`Bags`."""
    num_embeddings = weight.shape[0]
    if sp.issparse(indices):
        raise TypeError("indices of a bag must be an array of integers, not a sparse matrix "
                        "(for a documents x vocabulary matrix use sparse_to_dense)")
    arr = as_array(indices, "indices") if not isinstance(indices, np.ndarray) else indices
    if arr.ndim == 2:
        if offsets is not None:
            raise ValueError("offsets must be None when indices is 2-D (each row is a bag)")
        flat, shape = check_indices(indices, num_embeddings)
        n_bags, length = shape
        bag_offsets = np.arange(0, n_bags * length + 1, max(length, 1), dtype=np.int64)
        if length == 0:
            bag_offsets = np.zeros(n_bags + 1, dtype=np.int64)
    elif arr.ndim == 1:
        if offsets is None:
            raise ValueError("offsets is required when indices is 1-D (it says where each bag "
                             "starts)")
        flat, shape = check_indices(indices, num_embeddings)  # [] from a list is empty ints
        bag_offsets = check_offsets(offsets, flat.shape[0], include_last_offset)
    else:
        raise ValueError(f"indices must be 1-D (with offsets) or 2-D (bags x length); got "
                         f"shape {arr.shape}")
    n_used = int(bag_offsets[-1]) if bag_offsets.size else 0
    n_input = flat.shape[0]
    all_indices = flat
    flat = flat[:n_used]  # entries after the last bag's end belong to no bag (torch ignores them)
    has_weights = per_sample_weights is not None
    if has_weights:
        if mode_code == BAG_MODES["max"] and not allow_max_weights:
            raise ValueError("per_sample_weights is not supported with mode='max' (only "
                             "'sum' and 'mean')")
        if sp.issparse(per_sample_weights):
            raise TypeError("per_sample_weights must be a dense float array, not a sparse matrix")
        psw = as_array(per_sample_weights, "per_sample_weights")
        if psw.dtype.kind not in "fiu" or psw.dtype.kind == "b":
            raise TypeError(f"per_sample_weights must be a float array; got dtype {psw.dtype}")
        if psw.shape != shape:
            raise ValueError(f"per_sample_weights has shape {psw.shape}; it must have the shape "
                             f"of indices {shape}")
        weights = np.ascontiguousarray(psw.reshape(-1)[:n_used], dtype=value_dtype(weight))
    else:
        weights = np.ones(n_used, dtype=value_dtype(weight))
    pad = check_padding_idx(padding_idx, num_embeddings)
    kept = None
    if pad >= 0:
        bag_offsets, flat, weights, kept = family("bag")._drop_padding(bag_offsets, flat,
                                                                       weights, pad)
    return Bags(bag_offsets, flat, weights, kept, n_input, has_weights, all_indices)


def check_table(weight: Any, renorm: bool = False) -> Any:
    """A float table (checked as :func:`check_weight` does) or a :class:`QuantizedTable`."""
    if isinstance(weight, QuantizedTable):
        if renorm:
            raise ValueError("max_norm renormalizes rows in place, but a QuantizedTable's "
                             "rows are read-only; pass max_norm=None (or renormalize the "
                             "float table before quantizing it)")
        return weight
    return check_weight(weight, writable=renorm, why="max_norm (rows are renormalized in place)")


def run_bags(bags: Bags, weight: Any, mode_code: int, allow: bool = True) -> np.ndarray:
    """The kernel call shared by ``embedding_bag`` and ``sparse_to_dense``.

    ``allow=False`` keeps to this thread (same result). A compressed table
    decodes its rows in the kernel.
    """
    if isinstance(weight, QuantizedTable):
        return weight.bags(bags.offsets, bags.indices, bags.weights, mode_code, allow)
    return bag_product(bags.offsets, bags.indices, bags.weights, weight, mode_code, allow)


def embedding_bag(indices: Any, weight: np.ndarray, offsets: Any = None, mode: str = "mean",
                  per_sample_weights: Any = None, padding_idx: int | None = None,
                  include_last_offset: bool = False, max_norm: float | None = None,
                  norm_type: float = 2.0) -> np.ndarray:
    """Sums, means or maxima of bags of table rows, without the intermediate lookups.

    torch's ``embedding_bag`` semantics: bags are the rows of a 2-D
    ``indices``, or slices ``indices[offsets[b]:offsets[b + 1]]`` of a 1-D one.

    Parameters
    ----------
    indices : array-like of int, 1-D (with ``offsets``) or 2-D (bags x length)
    weight : ndarray of shape (num_embeddings, embedding_dim), or QuantizedTable
        float32 or float64, or a compressed table from :func:`sparsedense.quantize`
        (decoded in the kernel, float32 result).
    offsets : array-like of int, optional
        Start of each bag in a 1-D ``indices`` (starting at 0, non-decreasing).
    mode : {'sum', 'mean', 'max'}, default='mean'
    per_sample_weights : array-like, optional
        One weight per index (same shape as ``indices``). With 'sum', each
        row is scaled by its weight. **Beyond torch**: also allowed with
        'mean', which then gives a weighted mean, divided by the bag's sum of
        weights (0 when that sum is 0). Not allowed with 'max'.
    padding_idx : int, optional
        Entries equal to it are skipped (and not counted in a mean).
    include_last_offset : bool, default=False
        ``offsets`` has one more entry, the end of the last bag.
    max_norm, norm_type : optional
        Renormalize the referenced rows in place first, as :func:`embedding`.

    Returns
    -------
    ndarray of shape (n_bags, embedding_dim), dtype of ``weight``
        Empty bags (or bags of padding only) give zeros.

    Notes
    -----
    **Shape:** ``(B, N)`` or ``(n,)`` with ``(B,)`` offsets -> ``(B, embedding_dim)``. The
    naive equivalent of mode 'sum' is ``embedding(indices, weight).sum(axis=1)``
    for 2-D indices.

    Raises
    ------
    IndexError
        An index out of range (the message names the position).
    ValueError
        Offsets not starting at 0, decreasing, or past the end;
        ``per_sample_weights`` of the wrong shape or with 'max'; a bad mode.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.functional import embedding_bag
    >>> W = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> embedding_bag([1, 2, 4, 5], W, offsets=[0, 2], mode="sum").tolist()
    [[6.0, 8.0], [18.0, 20.0]]
    >>> embedding_bag([[1, 2], [4, 5]], W, mode="mean").tolist()
    [[3.0, 4.0], [9.0, 10.0]]
    >>> embedding_bag([1, 2], W, [0], "mean", per_sample_weights=[3.0, 1.0]).tolist()
    [[2.5, 3.5]]
    """
    mode_code = check_mode(mode)
    renorm = max_norm is not None
    weight = check_table(weight, renorm)
    bags = prepare_bags(indices, weight, offsets, mode_code, per_sample_weights, padding_idx,
                        include_last_offset)
    if renorm:
        max_norm = check_real(max_norm, "max_norm", 0, low_open=True)
        norm_type = check_real(norm_type, "norm_type", 0, low_open=True, allow_inf=True)
        if bags.all_indices.size:  # every row named in indices, as torch (padding included)
            family("lookup")._renorm_rows(weight, np.unique(bags.all_indices), float(max_norm),
                                          float(norm_type))
    return run_bags(bags, weight, mode_code)


def _frequent_rows(counts: np.ndarray, n_bags: int, row_bytes: int) -> np.ndarray:
    """The rows (indices into ``counts``) whose gradient is built by streaming the bags.

    Rows indexed at least ``max(8, n_bags / 64)`` times, the most indexed first,
    as many as fit in the tuned ``FREQUENT_ROWS_BYTES`` (a budget from the cache
    sizes, never from the thread count).
    """
    cap = _tuning.get("FREQUENT_ROWS_BYTES") // max(row_bytes, 1)
    candidates = np.flatnonzero(counts >= max(8, n_bags // 64))
    if candidates.shape[0] > cap:
        candidates = candidates[np.argsort(-counts[candidates], kind="stable")[:cap]]
    return np.sort(candidates)


def _equal_work_bounds(work: np.ndarray, n_tasks: int) -> np.ndarray:
    """Boundaries of ``n_tasks`` contiguous ranges of the items with about equal total ``work``."""
    total = np.concatenate(([0], np.cumsum(work)))
    bounds = np.searchsorted(total, np.linspace(0, total[-1], n_tasks + 1)).astype(np.int64)
    bounds[0], bounds[-1] = 0, work.shape[0]
    return bounds


def embedding_bag_backward(grad_output: Any, indices: Any, weight: np.ndarray, offsets: Any = None,
                           mode: str = "mean", per_sample_weights: Any = None,
                           padding_idx: int | None = None, include_last_offset: bool = False,
                           sparse: bool = False, scale_grad_by_freq: bool = False,
                           ) -> tuple[np.ndarray | RowSparseGrad, np.ndarray | None]:
    """Gradients of :func:`embedding_bag` with respect to the table and the sample weights.

    Parameters
    ----------
    grad_output : ndarray of shape (n_bags, embedding_dim)
    indices, weight, offsets, mode, per_sample_weights, padding_idx, include_last_offset
        As given to :func:`embedding_bag` (``weight`` as it was after any
        ``max_norm`` renormalization).
    sparse : bool, default=False
        Return the table gradient as a :class:`~sparsedense.nn.RowSparseGrad`.
    scale_grad_by_freq : bool, default=False
        Divide each position's contribution by how often its index occurs in
        the batch (not with 'max'). This is the rule torch documents and
        applies in ``nn.Embedding``; torch 2.13's CPU ``EmbeddingBag``
        divides some rows by the count of a different index, so results
        differ from it there.

    Returns
    -------
    grad_weight : ndarray (num_embeddings, embedding_dim) or RowSparseGrad
        Row ``r`` sums ``factor_p * grad_output[bag(p)]`` over the positions
        ``p`` with index ``r`` (factor: the sample weight, divided by the
        bag's weight sum or count for 'mean'); in 'max' mode each output
        element's gradient goes to the row that gave the maximum. Summed in a
        fixed order: bit-identical for any number of threads.
    grad_per_sample_weights : ndarray of the shape of ``indices``, or None
        None when no ``per_sample_weights`` were given. Zero at padding entries.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.functional import embedding_bag_backward
    >>> W = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> grad = np.ones((1, 2), np.float32)
    >>> gw, gs = embedding_bag_backward(grad, [1, 1, 4], W, [0], "sum",
    ...                                 per_sample_weights=[1.0, 2.0, 1.0])
    >>> gw[[1, 4]].tolist(), gs.tolist()
    ([[3.0, 3.0], [1.0, 1.0]], [5.0, 5.0, 17.0])
    """
    mode_code = check_mode(mode)
    if scale_grad_by_freq and mode_code == BAG_MODES["max"]:
        raise ValueError("scale_grad_by_freq is not supported with mode='max' (as in torch)")
    weight = check_weight(weight)
    bags = prepare_bags(indices, weight, offsets, mode_code, per_sample_weights, padding_idx,
                        include_last_offset)
    grad = check_grad_output(grad_output, (bags.n_bags,), weight.shape[1],
                             f"(n_bags, embedding_dim) = {(bags.n_bags, weight.shape[1])}")
    rows, values, dots = _table_grad(grad, bags, weight, mode_code, sparse, scale_grad_by_freq)
    grad_weight: np.ndarray | RowSparseGrad = (
        RowSparseGrad(rows, values, weight.shape[0], _trusted=True) if sparse else values)
    grad_psw = None
    if bags.has_weights:
        grad_psw = _sample_weights_grad(bags, weight, mode_code, grad, dots, np.shape(indices))
    return grad_weight, grad_psw


def _table_grad(grad: np.ndarray, bags: Bags, weight: np.ndarray, mode_code: int, sparse: bool,
                scale_grad_by_freq: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, values, dots)``: the table's gradient and ``g_b . weight[i_p]`` per position.

    ``rows`` are the table rows that occur; ``values`` holds their gradient
    rows (``sparse``) or the whole ``(num_embeddings, dim)`` gradient.
    ``dots`` (float64, one per position, empty without sample weights) is
    filled in sum and mean mode only.
    """
    scatter = family("scatter")
    n = bags.indices.shape[0]
    # rows that receive gradient (the positions of row r will be row_ptr[r]:row_ptr[r + 1])
    row_ptr = scatter._row_ptr(bags.indices, weight.shape[0], -1)
    rows, ptr = scatter._nonempty_rows(row_ptr)
    dots = np.empty(n if bags.has_weights else 0, dtype=np.float64)
    if mode_code == BAG_MODES["max"]:
        values = _max_mode_grad(grad, bags, weight, rows, sparse)
    else:
        scale = _position_scales(bags, mode_code, scale_grad_by_freq, row_ptr, grad.dtype)
        values = _weighted_sum_grad(grad, bags, weight, scale, row_ptr, rows, np.diff(ptr), dots,
                                    sparse)
    return rows, values, dots


def _weighted_sum_grad(grad: np.ndarray, bags: Bags, weight: np.ndarray, scale: np.ndarray,
                       row_ptr: np.ndarray, rows: np.ndarray, counts: np.ndarray,
                       dots: np.ndarray, sparse: bool) -> np.ndarray:
    """Sum and mean mode: row ``r`` sums ``scale[p] * grad[bag(p)]`` over its positions ``p``.

    The most indexed rows stream the bags in order; the others go row by row
    (``counts``: positions of each of ``rows``). The sample weights'
    gradient, ``g_b . weight[i_p]``, comes out of the same passes into ``dots``.
    """
    num_embeddings, dim = weight.shape
    work = bags.indices.shape[0] * dim
    parallel = use_parallel(work)
    values = _zeroed_values(rows.shape[0] if sparse else num_embeddings, dim, grad.dtype,
                            not sparse and parallel, work)
    frequent = _frequent_rows(counts, bags.n_bags, dim * grad.itemsize)
    rest = np.ones(rows.shape[0], dtype=bool)
    rest[frequent] = False
    rest = np.flatnonzero(rest)
    part_of = np.full(num_embeddings, -1, dtype=np.int16)  # owner of each frequent row
    if frequent.shape[0]:
        _frequent_rows_grad(grad, bags, weight, scale, rows[frequent],
                            frequent if sparse else rows[frequent], part_of, values, dots,
                            parallel)
    if rest.shape[0]:
        _other_rows_grad(grad, bags, weight, scale, row_ptr, part_of, rows[rest],
                         rest if sparse else rows[rest], counts[rest], values, dots, parallel)
    return values


def _max_mode_grad(grad: np.ndarray, bags: Bags, weight: np.ndarray, rows: np.ndarray,
                   sparse: bool) -> np.ndarray:
    """Max mode: each output element's gradient goes to the row that gave the maximum."""
    n, dim = bags.indices.shape[0], weight.shape[1]
    if sparse:
        values = np.zeros((rows.shape[0], dim), dtype=grad.dtype)
        slot_of = np.searchsorted(rows, bags.indices).astype(np.int64)
    else:
        values = np.zeros((weight.shape[0], dim), dtype=grad.dtype)
        slot_of = bags.indices
    choose(family("bag")._bag_max_grad, n * dim)(bags.offsets, bags.indices, bags.weights,
                                                 grad, np.asarray(weight), slot_of, values)
    return values


def _position_scales(bags: Bags, mode_code: int, scale_grad_by_freq: bool, row_ptr: np.ndarray,
                     dtype: np.dtype) -> np.ndarray:
    """Factor of each position in its bag's output, divided by its index's count if asked."""
    n = bags.indices.shape[0]
    scale = family("bag")._bag_position_scales(bags.offsets, bags.weights,
                                               mode_code == BAG_MODES["mean"], n)
    if scale_grad_by_freq and n:
        scale /= np.diff(row_ptr)[bags.indices]  # occurrences of each position's index
    return scale.astype(dtype)  # the products in the gradient's precision, like torch


def _zeroed_values(n_rows: int, dim: int, dtype: np.dtype, parallel: bool,
                   work: int) -> np.ndarray:
    """Zeros to add the streamed rows into (the others are written whole).

    ``parallel``: a fresh dense gradient's pages first touched in one parallel
    pass (``_zero_rows``), not during the gathers.
    """
    if not parallel:
        return np.zeros((n_rows, dim), dtype=dtype)
    values = np.empty((n_rows, dim), dtype=dtype)
    zero = choose(family("bag")._zero_rows, work)
    zero(values, *task_args(zero, min(n_rows, _tuning.get("PARALLEL_TASKS"))))
    return values


def _frequent_rows_grad(grad: np.ndarray, bags: Bags, weight: np.ndarray, scale: np.ndarray,
                        frequent_rows: np.ndarray, targets: np.ndarray, part_of: np.ndarray,
                        values: np.ndarray, dots: np.ndarray, parallel: bool) -> None:
    """The gradient of the table rows ``frequent_rows`` into ``values[targets]``, bags streamed.

    Deals the rows to the parts (threads) in ``part_of`` (the row's part, -1
    for the others), which the other rows' step reads.
    """
    num_embeddings = weight.shape[0]
    n = bags.indices.shape[0]
    if parallel:
        import numba

        n_parts = numba.get_num_threads()
    else:
        n_parts = 1
    part_of[frequent_rows] = np.arange(frequent_rows.shape[0]) % n_parts
    target_of = np.zeros(num_embeddings, dtype=np.int64)
    target_of[frequent_rows] = targets
    run = choose(family("bag")._bag_frequent_rows_grad, n * weight.shape[1])
    run(grad, bags.offsets, bags.indices, scale, part_of, target_of, values, np.asarray(weight),
        dots, bags.has_weights, n_parts)


def _other_rows_grad(grad: np.ndarray, bags: Bags, weight: np.ndarray, scale: np.ndarray,
                     row_ptr: np.ndarray, part_of: np.ndarray, other_rows: np.ndarray,
                     targets: np.ndarray, counts: np.ndarray, values: np.ndarray,
                     dots: np.ndarray, parallel: bool) -> None:
    """The gradient of the table rows ``other_rows`` into ``values[targets]``, row by row.

    Their positions bucketed by row (ascending), with the bag and scale of
    each, summed in tasks of equal work (``counts``: positions per row).
    """
    K = family("bag")
    n = bags.indices.shape[0]
    rest_ptr = row_ptr.copy()
    rest_ptr[1:] -= np.cumsum(np.where(part_of >= 0, np.diff(row_ptr), 0))
    positions, seq_bag, seq_scale = K._bucket_bag_positions(bags.offsets, bags.indices, scale,
                                                            rest_ptr, part_of)
    seq_dots = np.empty(positions.shape[0] if bags.has_weights else 0, dtype=np.float64)
    kernel = choose(K._bag_weight_grad, n * weight.shape[1])
    n_tasks, n_workers, counter = task_args(kernel, _tuning.get("PARALLEL_TASKS"))
    bounds = _equal_work_bounds(counts, n_tasks if parallel else 1)
    kernel(grad, seq_bag, seq_scale, rest_ptr, other_rows, bounds, targets, values,
           np.asarray(weight), seq_dots, bags.has_weights, n_workers, counter)
    if bags.has_weights:
        dots[positions] = seq_dots


def _sample_weights_grad(bags: Bags, weight: np.ndarray, mode_code: int, grad: np.ndarray,
                         dots: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient of ``per_sample_weights`` from ``dots``, in the shape of ``indices``.

    ``dots[p] = g_b . weight[i_p]`` is that gradient in sum mode; mean mode
    turns it into ``(g_b . weight[i_p] - g_b . forward_b) / sum(w_b)`` (in
    place). Padding entries get zero.
    """
    if mode_code == BAG_MODES["mean"]:
        family("bag")._bag_mean_weight_grad(bags.offsets, bags.weights, grad,
                                            run_bags(bags, weight, mode_code), dots)
    full = np.zeros(bags.n_input, dtype=weight.dtype)
    if bags.kept is None:
        full[:bags.indices.shape[0]] = dots
    else:
        full[bags.kept] = dots
    return full.reshape(shape)
