"""The trainers' vocabulary tables (models/_vocab.py): noise distribution and subsampling."""

from __future__ import annotations

import numpy as np

from sparsedense.models._vocab import ALWAYS_KEEP, noise_alias, sample_ints


def test_noise_alias_table_is_the_unigram_power_distribution():
    counts = np.array([50, 20, 20, 5, 1], np.int64)
    prob, alias = noise_alias(counts, 0.75)
    n = len(counts)
    implied = prob / n
    for i in range(n):
        implied[alias[i]] += (1 - prob[i]) / n
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(implied, expected, rtol=1e-12)


def test_sample_ints_follow_the_c_formula():
    counts = np.array([10_000, 1_000, 10, 1], np.int64)
    s = sample_ints(counts, 1e-3)
    t = 1e-3 * counts.sum()
    p = (np.sqrt(counts / t) + 1) * t / counts
    for i in range(4):
        if p[i] >= 1:
            assert s[i] == ALWAYS_KEEP
        else:
            assert s[i] == np.uint64(np.uint32(p[i] * (2 ** 32 - 1)))
    assert (sample_ints(counts, 0.0) == ALWAYS_KEEP).all()
