"""The fastText skip-gram update kernel against numpy (gensim's composite input vector)."""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense.models._vocab import ALWAYS_KEEP, noise_alias

from test_kernels_word2vec import _step


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_fasttext_skipgram_kernel_matches_numpy_reference(scale):
    """One FastText skip-gram round against numpy: gensim's composite (the word row plus its
    n-gram rows, over the number of n-grams), saturated pairs skipped, noise words drawn anew
    every NOISE_PAIRS context words, the window's input gradient added to every row once."""
    from sparsedense._kernels.fasttext import NOISE_PAIRS, train_round_ft_serial
    from sparsedense._kernels.word2vec import MAX_EXP, _draw_noise, sigmoid_table
    from sparsedense.models.word2vec import _ShardBuffers

    rng = np.random.default_rng(11)
    V, B, D, alpha, window, negative = 4, 5, 6, np.float32(0.05), 2, 2
    subs = [[1, 3], [], [0, 0, 4], [2]]  # word 1 has no n-gram, word 2 one twice
    sub_ptr = np.cumsum([0] + [len(x) for x in subs]).astype(np.int64)
    sub_idx = np.array([b for x in subs for b in x], np.int64)
    syn0 = (rng.standard_normal((V, D)) * scale).astype(np.float32)
    syn1 = (rng.standard_normal((V, D)) * scale).astype(np.float32)
    syn2 = (rng.standard_normal((B, D)) * scale).astype(np.float32)
    prob, alias = noise_alias(np.array([5, 1, 3, 2], np.int64), 0.75)
    sentence = [0, 1, 2, 3, 0, 2]
    table = sigmoid_table()

    state = [np.uint64(7)]

    def draw():  # the kernel's generator, called from Python (its state comes back an int)
        out = []
        for _ in range(negative):
            s, v = _draw_noise(state[0], prob, alias)
            state[0] = np.uint64(s % 2**64)
            out.append(int(v))
        return out

    x_ref, y_ref, g_ref = syn0.copy(), syn1.copy(), syn2.copy()
    skipped, n = 0, len(sentence)
    for i, c in enumerate(sentence):
        ctx = [j for j in range(max(0, i - window), min(n, i + window + 1)) if j != i]
        noise = draw()
        neu = (x_ref[c] + g_ref[subs[c]].sum(axis=0)) / np.float32(max(len(subs[c]), 1))
        total = np.zeros(D, np.float32)
        for pair, j in enumerate(ctx):
            if pair > 0 and pair % NOISE_PAIRS == 0:
                noise = draw()
            work = np.zeros(D, np.float32)
            targets = [(sentence[j], 1.0)] + [(w, 0.0) for w in noise if w != sentence[j]]
            for t, label in targets:
                f = float(np.dot(neu, y_ref[t]))
                if abs(f) >= MAX_EXP:
                    skipped += 1
                    continue
                _step(neu, y_ref[t], work, label, alpha, table)
            total += work
        x_ref[c] += total
        for b in subs[c]:
            g_ref[b] += total
    assert skipped > 0 if scale > 1 else skipped == 0

    buf = _ShardBuffers(1, [V, V, B], D)
    buf.reserve([V, V, B])
    train_round_ft_serial(
        np.array(sentence, np.int32), np.array([n], np.int64), np.array([0, 1], np.int64),
        np.zeros(1), syn0, syn1, syn2, *buf.local, *buf.slot, *buf.rows, *buf.n, *buf.seen,
        *buf.union, np.array([7], np.uint64), np.full(V, ALWAYS_KEEP, np.uint64), prob, alias,
        table, sub_ptr, sub_idx, True, window, False, negative, True, alpha, alpha, float(n),
        False, np.zeros(1), np.zeros(1, np.int64))
    np.testing.assert_allclose(syn0, x_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, y_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn2, g_ref, rtol=1e-5, atol=1e-6)
