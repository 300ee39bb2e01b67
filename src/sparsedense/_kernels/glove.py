"""GloVe training kernels: AdaGrad over the non-zeros of a co-occurrence matrix.

The update (Pennington et al. 2014; GloVe's ``glove.c``)
--------------------------------------------------------
For a stored entry ``x = C[i, j]``, with word row ``W[i]``, context row
``Wc[j]`` and biases ``b[i]``, ``bc[j]``::

    diff  = W[i] . Wc[j] + b[i] + bc[j] - log(x)
    g     = f(x) * diff,          f(x) = min(1, (x / x_max) ** alpha)
    loss += g * diff / 2
    step_w = lr * clip(g * Wc[j]),  step_c = lr * clip(g * W[i])   (each component)
    W[i]  -= step_w / sqrt(G[i]);   G[i]  += step_w ** 2
    Wc[j] -= step_c / sqrt(Gc[j]);  Gc[j] += step_c ** 2
    b[i]  -= lr * g / sqrt(Gb[i]);  Gb[i] += (lr * g) ** 2      (bc[j] likewise)

with the squared steps ``G`` starting at 1 and gradients clipped to
``[-clip, clip]``, as ``glove.c`` does. (Both steps of a component are
computed from the old values.)

Deterministic parallelism without locks
---------------------------------------
``glove.c`` runs Hogwild threads over parts of a shuffled file, so its result
depends on scheduling. Here the words are dealt into ``T`` groups (word
``w`` in group ``w % T``, which spreads the frequent words evenly) and the
entries into the ``T x T`` blocks of (row group, column group). An epoch is
``T`` strata; in stratum ``k``, shard ``s`` trains on block
``(s, (s + k) % T)`` -- so the ``T`` shards of a stratum touch disjoint word
rows and disjoint context rows (Gemulla et al.'s DSGD) and run in parallel
with no copy and no race. Each shard visits its block in an order drawn from
its own generator, seeded by (seed, epoch, stratum, shard) only. Every
floating-point operation thus happens in an order fixed by the data, the
seed and ``T``: the tables are bit-identical for any number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import FASTMATH, JIT_OPTIONS, harden_caches, parallel_kernel
from .word2vec import _splitmix64


@njit(**JIT_OPTIONS)
def shuffle(perm, lo, hi, state):
    """Fisher-Yates shuffle of ``perm[lo:hi]`` from a splitmix64 ``state``; returns the state."""
    for k in range(hi - 1, lo, -1):
        state, r = _splitmix64(state)
        m = np.uint64(k - lo + 1)
        q = lo + np.int64(((r >> np.uint64(32)) * m) >> np.uint64(32))
        tmp = perm[k]
        perm[k] = perm[q]
        perm[q] = tmp
    return state


@njit(fastmath=FASTMATH, error_model="numpy", **JIT_OPTIONS)
def _update_row(row, acc, step, lr, clip):
    """AdaGrad on one row: ``step`` holds ``g * other_row``; clip, scale, apply, accumulate."""
    for d in range(row.shape[0]):
        x = step[d]
        x = x if x < clip else clip  # select, not min(): keeps the loop vectorised
        x = x if x > -clip else -clip
        sd = lr * x
        row[d] -= sd / np.sqrt(acc[d])
        acc[d] += sd * sd


@njit(fastmath=FASTMATH, error_model="numpy", **JIT_OPTIONS)
def train_block(rows, cols, logx, fx, perm, lo, hi, W, Wc, b, bc, G, Gc, Gb, Gbc, lr, clip):
    """AdaGrad on the entries ``perm[lo:hi]``, in that order; returns their loss (float64)."""
    dim = W.shape[1]
    step_w = np.empty(dim, np.float32)
    step_c = np.empty(dim, np.float32)
    loss = 0.0
    for q in range(lo, hi):
        e = perm[q]
        i = rows[e]
        j = cols[e]
        w = W[i]
        c = Wc[j]
        diff = np.float32(0.0)
        for d in range(dim):
            diff += w[d] * c[d]
        diff += b[i] + bc[j] - logx[e]
        g = fx[e] * diff
        loss += 0.5 * np.float64(g) * np.float64(diff)
        for d in range(dim):  # both steps from the old rows
            step_w[d] = g * c[d]
            step_c[d] = g * w[d]
        _update_row(w, G[i], step_w, lr, clip)
        _update_row(c, Gc[j], step_c, lr, clip)
        sb = lr * g
        b[i] -= sb / np.sqrt(Gb[i])
        bc[j] -= sb / np.sqrt(Gbc[j])
        Gb[i] += sb * sb
        Gbc[j] += sb * sb
    return loss


@parallel_kernel
def train_stratum(rows, cols, logx, fx, perm, lo, hi, states, W, Wc, b, bc, G, Gc, Gb, Gbc,
                  lr, clip, losses):
    """Shard ``s`` shuffles and trains entries ``perm[lo[s]:hi[s]]``; shards in parallel.

    The caller guarantees that the shards' blocks share no word row and no
    context row, so no two threads write the same memory.
    """
    for s in prange(lo.shape[0]):
        shuffle(perm, lo[s], hi[s], states[s])
        losses[s] = train_block(rows, cols, logx, fx, perm, lo[s], hi[s], W, Wc, b, bc, G, Gc,
                                Gb, Gbc, lr, clip)


harden_caches(globals())
