"""The GloVe AdaGrad kernel: one epoch against a numpy reference of glove.c's updates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sparsedense.models.glove import GRAD_CLIP


def reference_epoch(rows, cols, x, order, tables, lr, x_max, alpha, clip=GRAD_CLIP):
    """glove.c's AdaGrad updates, one entry at a time in ``order`` (float64 numpy)."""
    W, Wc, b, bc, G, Gc, Gb, Gbc = tables
    loss = 0.0
    for e in order:
        i, j = rows[e], cols[e]
        diff = W[i] @ Wc[j] + b[i] + bc[j] - np.log(x[e])
        g = min(1.0, (x[e] / x_max) ** alpha) * diff
        loss += 0.5 * g * diff
        sw = lr * np.clip(g * Wc[j], -clip, clip)
        sc = lr * np.clip(g * W[i], -clip, clip)
        W[i] -= sw / np.sqrt(G[i])
        Wc[j] -= sc / np.sqrt(Gc[j])
        G[i] += sw * sw
        Gc[j] += sc * sc
        sb = lr * g
        b[i] -= sb / np.sqrt(Gb[i])
        bc[j] -= sb / np.sqrt(Gbc[j])
        Gb[i] += sb * sb
        Gbc[j] += sb * sb
    return loss


def tiny_matrix():
    C = np.array([[0, 3, 1, 0, 250],
                  [3, 0, 2, 7, 0],
                  [1, 2, 4, 0, 1],
                  [0, 7, 0, 0, 0.5],
                  [250, 0, 1, 0.5, 0]], dtype=np.float64)
    return sp.csr_matrix(C)


def random_tables(rng, n, dim):
    W, Wc = (rng.random((2, n, dim)) - 0.5) / dim
    b, bc = (rng.random((2, n)) - 0.5) / dim
    G, Gc = 1.0 + rng.random((2, n, dim))
    Gb, Gbc = 1.0 + rng.random((2, n))
    return [W, Wc, b, bc, G, Gc, Gb, Gbc]


@pytest.mark.parametrize("order_kind", ["forward", "reversed", "shuffled"])
def test_one_epoch_of_the_kernel_equals_the_numpy_reference(order_kind):
    from sparsedense._kernels.glove import train_block

    X = tiny_matrix()
    rows = np.repeat(np.arange(5, dtype=np.int32), np.diff(X.indptr))
    cols = X.indices.astype(np.int32)
    x = X.data
    order = np.arange(X.nnz)
    if order_kind == "reversed":
        order = order[::-1].copy()
    elif order_kind == "shuffled":
        order = np.random.default_rng(5).permutation(X.nnz)
    lr, x_max, alpha = 0.05, 10.0, 0.75
    ref = random_tables(np.random.default_rng(0), 5, 6)
    mine = [np.ascontiguousarray(t, dtype=np.float32) for t in ref]
    ref = [t.astype(np.float32).astype(np.float64) for t in ref]  # same starting values
    ref_loss = reference_epoch(rows, cols, x, order, ref, lr, x_max, alpha)
    logx = np.log(x).astype(np.float32)
    fx = np.minimum(1.0, (x / x_max) ** alpha).astype(np.float32)
    loss = train_block(rows, cols, logx, fx, order.astype(np.int64), 0, X.nnz, *mine,
                       np.float32(lr), np.float32(GRAD_CLIP))
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    for a, r in zip(mine, ref):
        np.testing.assert_allclose(a, r, rtol=2e-5, atol=1e-7)


def test_gradient_clipping_matches_the_reference():
    from sparsedense._kernels.glove import train_block

    rows, cols = np.array([0], np.int32), np.array([1], np.int32)
    x = np.array([1e30])  # a huge log count: the gradient is clipped
    ref = [np.full((2, 3), 40.0), np.full((2, 3), 40.0), np.zeros(2), np.zeros(2),
           np.ones((2, 3)), np.ones((2, 3)), np.ones(2), np.ones(2)]
    mine = [t.astype(np.float32) for t in ref]
    reference_epoch(rows, cols, x, [0], ref, 0.05, 100.0, 0.75)
    train_block(rows, cols, np.log(x).astype(np.float32), np.ones(1, np.float32),
                np.zeros(1, np.int64), 0, 1, *mine, np.float32(0.05), np.float32(GRAD_CLIP))
    for a, r in zip(mine, ref):
        np.testing.assert_allclose(a, r, rtol=1e-5)
    assert mine[0][0, 0] == pytest.approx(40.0 - 0.05 * GRAD_CLIP)
