"""Optimizer kernels: SGD, Adagrad and SparseAdam updates, dense or on listed rows.

Each update follows the arithmetic of the torch optimizer of the same name
(``torch.optim._functional`` / ``adagrad.py``), row by row, in place. The
row variants take the distinct sorted ``rows`` of a row-sparse gradient and
its ``values`` and touch nothing else. Rows are independent, so the parallel
loops own their rows and the results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel


@parallel_kernel
def _sgd_rows(weight, rows, values, lr):
    """``weight[rows[k]] -= lr * values[k]``."""
    dim = weight.shape[1]
    for k in prange(rows.shape[0]):
        r = rows[k]
        for j in range(dim):
            weight[r, j] += -lr * values[k, j]


@parallel_kernel
def _adagrad_rows(weight, state_sum, rows, values, clr, eps):
    """Adagrad on listed rows: ``s += g**2; w -= clr * g / (sqrt(s) + eps)``."""
    dim = weight.shape[1]
    for k in prange(rows.shape[0]):
        r = rows[k]
        for j in range(dim):
            g = values[k, j]
            s = state_sum[r, j] + g * g
            state_sum[r, j] = s
            weight[r, j] += -clr * (g / (np.sqrt(s) + eps))


@parallel_kernel
def _adagrad_dense(weight, state_sum, grad, clr, eps):
    """Adagrad on a whole table (dense gradient)."""
    dim = weight.shape[1]
    for r in prange(weight.shape[0]):
        for j in range(dim):
            g = grad[r, j]
            s = state_sum[r, j] + g * g
            state_sum[r, j] = s
            weight[r, j] += -clr * (g / (np.sqrt(s) + eps))


@parallel_kernel
def _sparse_adam_rows(weight, exp_avg, exp_avg_sq, rows, values, beta1, beta2, eps,
                      step_size):
    """torch's SparseAdam on listed rows (moments updated only where the gradient is)."""
    dim = weight.shape[1]
    for k in prange(rows.shape[0]):
        r = rows[k]
        for j in range(dim):
            g = values[k, j]
            m_old = exp_avg[r, j]
            v_old = exp_avg_sq[r, j]
            m_upd = (g - m_old) * (1 - beta1)
            v_upd = (g * g - v_old) * (1 - beta2)
            exp_avg[r, j] = m_old + m_upd
            exp_avg_sq[r, j] = v_old + v_upd
            numer = m_upd + m_old
            denom = np.sqrt(v_upd + v_old) + eps
            weight[r, j] += -step_size * (numer / denom)


harden_caches(globals())
