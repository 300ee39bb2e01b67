"""Plain Python/numpy reference versions of the kernels, under the same names.

Each test asserts ``reference.X == X`` (or close) on generated inputs.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np


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
