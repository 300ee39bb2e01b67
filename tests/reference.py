"""Plain Python/numpy reference versions of the kernels, under the same names.

Each test asserts ``reference.X == X`` (or close) on generated inputs.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import scipy.sparse as sp


def intern(sequences):
    """Ids in order of first appearance (a dict, as scikit-learn's defaultdict)."""
    table: dict = {}
    return [table.setdefault(tuple(s), len(table)) for s in sequences], list(table)


def word_runs(text: str, min_len: int) -> list[str]:
    pattern = r"(?u)\b\w\w+\b" if min_len == 2 else r"(?u)\b\w+\b"
    return re.findall(pattern, text)


def count_rows(id_lists, n_features):
    """Dense count matrix from lists of ids (-1 skipped)."""
    out = np.zeros((len(id_lists), n_features), dtype=np.int64)
    for r, ids in enumerate(id_lists):
        for c, k in Counter(i for i in ids if i >= 0).items():
            out[r, c] = k
    return out


# --- dense side: embedding lookup, its gradient, max_norm, optimizers -------------


def embedding(indices, weight):
    """``weight[indices]``: the lookup, for any index shape."""
    return np.asarray(weight)[np.asarray(indices, dtype=np.int64)]


def embedding_renorm(weight, indices, max_norm, norm_type=2.0):
    """A renormalized copy of ``weight`` by torch's rule (``embedding_renorm_``).

    Each distinct referenced row whose ``norm_type``-norm exceeds ``max_norm``
    is multiplied by ``max_norm / (norm + 1e-7)``; the norm is taken in float64.
    """
    out = np.array(weight, copy=True)
    for r in np.unique(np.asarray(indices, dtype=np.int64)):
        row = out[r].astype(np.float64)
        if np.isinf(norm_type):
            norm = np.max(np.abs(row)) if row.size else 0.0
        else:
            norm = np.sum(np.abs(row) ** norm_type) ** (1.0 / norm_type)
        if norm > max_norm:
            out[r] = (row * (max_norm / (norm + 1e-7))).astype(out.dtype)
    return out


def embedding_backward(grad, indices, num_embeddings, padding_idx=None,
                       scale_grad_by_freq=False):
    """Dense gradient of the lookup: ``np.add.at`` of the rows of ``grad``."""
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    g = np.asarray(grad)
    g = g.reshape(idx.size, g.shape[-1])
    out = np.zeros((num_embeddings, g.shape[1]), dtype=g.dtype)
    if scale_grad_by_freq:
        counts = np.bincount(idx, minlength=num_embeddings)
        g = (g.astype(np.float64) / counts[idx][:, None]).astype(g.dtype)
    keep = np.ones(idx.size, dtype=bool)
    if padding_idx is not None:
        keep = idx != (padding_idx % num_embeddings)
    np.add.at(out, idx[keep], g[keep])
    return out


def sgd_step(weight, grad, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
             nesterov=False, buf=None):
    """One torch-style SGD step in float64; returns (new weight, new momentum buffer)."""
    w = weight.astype(np.float64)
    d = grad.astype(np.float64)
    if weight_decay:
        d = d + weight_decay * w
    if momentum:
        buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    return w - lr * d, buf


def adagrad_step(weight, grad, state_sum, step, lr, lr_decay=0.0, weight_decay=0.0,
                 eps=1e-10, rows=None):
    """One torch-style Adagrad step (``step`` counts from 1), in float64.

    ``rows`` restricts the update (weight and accumulator) to those rows, as a
    row-sparse gradient does; ``grad`` is then ``(len(rows), dim)``.
    """
    w = weight.astype(np.float64)
    s = state_sum.astype(np.float64)
    clr = lr / (1 + (step - 1) * lr_decay)
    if rows is None:
        g = grad.astype(np.float64)
        if weight_decay:
            g = g + weight_decay * w
        s = s + g * g
        w = w - clr * g / (np.sqrt(s) + eps)
    else:
        g = grad.astype(np.float64)
        s[rows] += g * g
        w[rows] -= clr * g / (np.sqrt(s[rows]) + eps)
    return w, s


def sparse_adam_step(weight, rows, values, exp_avg, exp_avg_sq, step, lr=1e-3,
                     betas=(0.9, 0.999), eps=1e-8):
    """One torch-style SparseAdam step on ``rows`` (distinct), in float64."""
    b1, b2 = betas
    w = weight.astype(np.float64)
    m = exp_avg.astype(np.float64)
    v = exp_avg_sq.astype(np.float64)
    g = values.astype(np.float64)
    m[rows] = b1 * m[rows] + (1 - b1) * g
    v[rows] = b2 * v[rows] + (1 - b2) * g * g
    step_size = lr * np.sqrt(1 - b2 ** step) / (1 - b1 ** step)
    w[rows] -= step_size * m[rows] / (np.sqrt(v[rows]) + eps)
    return w, m, v


# --- embedding bags, sparse -> dense ---------------------------------------------


def bag_positions(indices, offsets=None, include_last_offset=False):
    """The flat index array and, for every bag, the list of its flat positions.

    2-D ``indices``: each row is a bag. 1-D: bag ``b`` is
    ``indices[offsets[b]:offsets[b + 1]]``, the last bag ending at ``len(indices)``
    (or at ``offsets[-1]`` with ``include_last_offset``).
    """
    idx = np.asarray(indices, dtype=np.int64)
    if idx.ndim == 2:
        n_bags, length = idx.shape
        return idx.reshape(-1), [list(range(b * length, (b + 1) * length))
                                 for b in range(n_bags)]
    offs = [int(o) for o in np.asarray(offsets).reshape(-1)]
    ends = offs[1:] if include_last_offset else offs[1:] + [idx.size]
    starts = offs[:-1] if include_last_offset else offs
    return idx, [list(range(s, e)) for s, e in zip(starts, ends)]


def _bag_entries(indices, weight, offsets, per_sample_weights, padding_idx,
                 include_last_offset):
    """Per bag: the kept (non-padding) flat positions, their indices and weights (float64)."""
    flat, bags = bag_positions(indices, offsets, include_last_offset)
    v = np.asarray(weight).shape[0]
    pad = None if padding_idx is None else padding_idx % v
    if per_sample_weights is None:
        psw = np.ones(flat.size)
    else:
        psw = np.asarray(per_sample_weights, dtype=np.float64).reshape(-1)
    out = []
    for positions in bags:
        kept = [p for p in positions if pad is None or flat[p] != pad]
        out.append((kept, flat[kept], psw[kept]))
    return flat, out


def embedding_bag(indices, weight, offsets=None, mode="mean", per_sample_weights=None,
                  padding_idx=None, include_last_offset=False):
    """torch's ``embedding_bag`` (mean also weighted) by plain loops, in float64.

    sum: ``sum_p w_p W[i_p]``; mean: that divided by ``sum_p w_p`` (0 when that
    sum is 0); max: element-wise maximum of ``W[i_p]``. Padding entries are
    dropped first; empty bags give zeros.
    """
    W = np.asarray(weight, dtype=np.float64)
    _, entries = _bag_entries(indices, weight, offsets, per_sample_weights, padding_idx,
                              include_last_offset)
    out = np.zeros((len(entries), W.shape[1]))
    for b, (_, idx, w) in enumerate(entries):
        if not len(idx):
            continue
        rows = W[idx] * w[:, None]
        if mode == "sum":
            out[b] = rows.sum(axis=0)
        elif mode == "mean":
            total = w.sum()
            out[b] = rows.sum(axis=0) / total if total != 0 else 0.0
        elif mode == "max":
            out[b] = rows.max(axis=0)
        else:
            raise ValueError(mode)
    return out.astype(np.asarray(weight).dtype)


def embedding_bag_backward(grad_output, indices, weight, offsets=None, mode="mean",
                           per_sample_weights=None, padding_idx=None,
                           include_last_offset=False, scale_grad_by_freq=False):
    """(dense grad_weight, grad_per_sample_weights or None) of :func:`embedding_bag`.

    Each kept position ``p`` of bag ``b`` adds ``factor_p * g[b]`` to row
    ``i_p`` (factor: ``w_p`` for sum, ``w_p / sum(w)`` for mean, divided by the
    number of kept positions with index ``i_p`` in the whole batch when
    ``scale_grad_by_freq``). In max mode ``g[b, j]`` goes to the row of the
    first position reaching the maximum of column ``j``. Sample-weight
    gradients: sum ``g[b] . W[i_p]``; mean ``g[b] . (W[i_p] - out[b]) / sum(w)``.
    """
    W = np.asarray(weight)
    dtype = W.dtype
    g = np.asarray(grad_output, dtype=np.float64)
    W64 = W.astype(np.float64)
    flat, entries = _bag_entries(indices, weight, offsets, per_sample_weights, padding_idx,
                                 include_last_offset)
    grad_w = np.zeros(W.shape)
    counts = np.zeros(W.shape[0], dtype=np.int64)
    for _, idx, _ in entries:
        np.add.at(counts, idx, 1)
    grad_s = np.zeros(flat.size)
    for b, (pos, idx, w) in enumerate(entries):
        if not len(idx):
            continue
        if mode == "max":
            rows = W[idx]  # exact values: the arg-max is the same as the kernel's
            first = np.argmax(rows, axis=0)  # first position reaching the maximum
            for j in range(W.shape[1]):
                grad_w[idx[first[j]], j] += g[b, j]
            continue
        total = w.sum()
        if mode == "sum":
            factors = w.copy()
        elif total != 0:
            factors = w / total
        else:
            factors = np.zeros_like(w)
        if scale_grad_by_freq:
            factors = factors / counts[idx]
        for k in range(len(idx)):
            grad_w[idx[k]] += factors[k] * g[b]
        if per_sample_weights is not None:
            for k, p in enumerate(pos):
                if mode == "sum":
                    grad_s[p] = g[b] @ W64[idx[k]]
                elif total != 0:
                    mean = (W64[idx] * w[:, None]).sum(axis=0) / total
                    grad_s[p] = g[b] @ (W64[idx[k]] - mean) / total
    grad_w = grad_w.astype(dtype)
    if per_sample_weights is None:
        return grad_w, None
    return grad_w, grad_s.reshape(np.shape(indices)).astype(dtype)


def sparse_to_dense(X, weight, mode="sum", normalize=None):
    """Rows of a sparse matrix through a table, in float64, from the canonical matrix.

    sum: ``X @ W``; mean: ``X @ W`` divided by the row sums (0 rows -> zeros);
    max: element-wise max over the row's non-zero entries of ``value * W[col]``
    (duplicates summed first; rows without entries -> zeros). ``normalize='l2'``
    scales rows to unit norm (zero rows stay zero).
    """
    import scipy.sparse as sp

    A = sp.csr_matrix(X, dtype=np.float64, copy=True)
    A.sum_duplicates()
    A.eliminate_zeros()
    W = np.asarray(weight, dtype=np.float64)
    out = np.zeros((A.shape[0], W.shape[1]))
    for r in range(A.shape[0]):
        cols = A.indices[A.indptr[r]:A.indptr[r + 1]]
        vals = A.data[A.indptr[r]:A.indptr[r + 1]]
        if not cols.size:
            continue
        rows = W[cols] * vals[:, None]
        if mode == "sum":
            out[r] = rows.sum(axis=0)
        elif mode == "mean":
            total = vals.sum()
            out[r] = rows.sum(axis=0) / total if total != 0 else 0.0
        elif mode == "max":
            out[r] = rows.max(axis=0)
        else:
            raise ValueError(mode)
    if normalize == "l2":
        norms = np.sqrt((out * out).sum(axis=1))
        nz = norms > 0
        out[nz] /= norms[nz][:, None]
    return out.astype(np.asarray(weight).dtype)


def bit_identical(a, b) -> bool:
    """Bit-identical: same type, dtype, shape and bytes (CSR: every array)."""
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(bit_identical, a, b))
    if sp.issparse(a):
        if not sp.issparse(b) or a.shape != b.shape:
            return False
        a, b = sp.csr_matrix(a), sp.csr_matrix(b)
        return all(bit_identical(x, y) for x, y in ((a.data, b.data), (a.indices, b.indices),
                                            (a.indptr, b.indptr)))
    if hasattr(a, "indices") and hasattr(a, "values"):  # RowSparseGrad
        return bit_identical(a.indices, b.indices) and bit_identical(a.values, b.values)
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def canonical_dot(a, b):
    """The canonical dot product's order, in numpy: float64 products in eight lanes
    (column mod 8), the tail on lane 0, then the lanes as a fixed tree."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    n = a.shape[0]
    m = n - n % 8
    lanes = np.zeros(8)
    for j in range(0, m, 8):
        lanes += a[j:j + 8] * b[j:j + 8]
    for j in range(m, n):
        lanes[0] += a[j] * b[j]
    s = lanes
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))


def near_ties(rng, n, dim, dtype=np.float32, scale=1.0):
    """``n`` rows drawn from six, each scaled by ``scale`` and by a few units of roundoff:
    near ties (and exact ones) for the top-k screens."""
    base = rng.standard_normal((6, dim)).astype(dtype)
    rows = base[rng.integers(0, 6, n)] * scale
    eps = np.finfo(dtype).eps
    return (rows * (1 + rng.integers(-3, 4, (n, 1)) * eps)).astype(dtype)
