"""The word2vec update kernel (skip-gram and CBOW, negative sampling) against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense.models._vocab import ALWAYS_KEEP


def _sig(f, table):
    from sparsedense._kernels.word2vec import EXP_TABLE_SIZE, MAX_EXP

    if f >= MAX_EXP:
        return np.float32(1.0)
    if f <= -MAX_EXP:
        return np.float32(0.0)
    return table[int((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2))]


def _step(x, y, work, label, alpha, table):
    g = np.float32((np.float32(label) - _sig(float(np.dot(x, y)), table)) * alpha)
    work += g * y
    y += g * x


def _run_kernel(sentence, syn0, syn1, sg, cbow_mean, noise_word, alpha, window=1):
    """One round of the real kernel on one sentence, one shard, every noise draw = noise_word."""
    from sparsedense._kernels.word2vec import sigmoid_table, train_round_serial
    from sparsedense.models.word2vec import _ShardBuffers

    V, D = syn0.shape
    ids = np.array(sentence, np.int32)
    ends = np.array([len(sentence)], np.int64)
    buf = _ShardBuffers(1, [V, V], D)
    buf.reserve([V, V])
    prob = np.zeros(V)  # every draw goes to its alias
    alias = np.full(V, noise_word, np.int32)
    train_round_serial(ids, ends, np.array([0, 1], np.int64), np.zeros(1), syn0, syn1,
                       *buf.local, *buf.slot, *buf.rows, *buf.n, *buf.seen, *buf.union,
                       np.array([7], np.uint64),
                       np.full(V, ALWAYS_KEEP, np.uint64), prob, alias, sigmoid_table(), sg,
                       window, False, 1, cbow_mean, np.float32(alpha), np.float32(alpha),
                       float(len(sentence)), False, np.zeros(1), np.zeros(1, np.int64))


@pytest.mark.parametrize("sg, cbow_mean", [(True, True), (False, True), (False, False)])
def test_update_kernel_matches_numpy_reference(sg, cbow_mean):
    from sparsedense._kernels.word2vec import sigmoid_table

    rng = np.random.default_rng(5)
    V, D, alpha = 5, 6, np.float32(0.1)
    syn0 = (rng.standard_normal((V, D)) * 0.5).astype(np.float32)
    syn1 = (rng.standard_normal((V, D)) * 0.5).astype(np.float32)
    sentence, noise = [0, 1, 2, 1], 3
    x_ref, y_ref = syn0.copy(), syn1.copy()
    table = sigmoid_table()
    n = len(sentence)
    for i, c in enumerate(sentence):
        ctx = [j for j in range(max(0, i - 1), min(n, i + 2)) if j != i]
        targets = [(c, 1.0)] + ([(noise, 0.0)] if noise != c else [])
        if sg:  # gensim's orientation: each context word predicts the center
            for j in ctx:
                work = np.zeros(D, np.float32)
                for t, label in targets:
                    _step(x_ref[sentence[j]], y_ref[t], work, label, alpha, table)
                x_ref[sentence[j]] += work
        else:
            neu1 = x_ref[[sentence[j] for j in ctx]].sum(axis=0)
            if cbow_mean:
                neu1 /= np.float32(len(ctx))
            work = np.zeros(D, np.float32)
            for t, label in targets:
                _step(neu1, y_ref[t], work, label, alpha, table)
            if not cbow_mean:
                work /= np.float32(len(ctx))
            for j in ctx:
                x_ref[sentence[j]] += work
    _run_kernel(sentence, syn0, syn1, sg, cbow_mean, noise, alpha)
    np.testing.assert_allclose(syn0, x_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, y_ref, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(syn0[:3], (rng.standard_normal((V, D)) * 0.5)[:3])
