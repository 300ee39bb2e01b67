"""The top-k selection kernels called directly: blocks of scores skipped, edges, ties, NaN."""

from __future__ import annotations

import numpy as np
import pytest

import sparsedense._kernels.similarity as ksim

from test_similarity import brute_topk


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


@pytest.mark.parametrize("widths", [(511,), (512,), (513,), (512, 512, 7), (1537, 3, 600)])
@pytest.mark.parametrize("kernel", ["_topk_block", "_topk_block_serial"])
def test_topk_block_scan_across_block_edges(rng, widths, kernel):
    """The selection skips blocks of 512 scores that cannot enter the heap: the same result as
    a plain scan wherever the candidates, ties, NaN, -inf and the skipped column fall."""
    n_q, k = 7, 5
    n_c = sum(widths)
    S = rng.integers(0, 40, (n_q, n_c)).astype(np.float32)  # many ties
    S[0, :] = 1.0                                             # a row of ties only
    S[1, ::97] = np.nan                                       # NaN scattered
    S[2, :k] = np.nan                                         # NaN fills the first heap
    S[3, 511:514] = 1e9                                       # winners at a block edge
    S[4, -1] = 1e9                                            # winner in the last, short block
    S[5, :] = -np.inf
    out_idx = np.full((n_q, k), -1, np.int64)
    out_score = np.full((n_q, k), -np.inf, np.float32)
    c0 = 0
    for w in widths:  # tiles left to right, as topk_similar gives them
        getattr(ksim, kernel)(np.ascontiguousarray(S[:, c0:c0 + w]), k, c0, 0, True,
                              out_idx, out_score)
        c0 += w
    ksim._sort_topk(out_idx, out_score)
    idx, _ = brute_topk(np.where(np.isnan(S), -1e30, S), k, exclude_self=True)
    nan_free = [r for r in range(n_q) if r not in (1, 2)]
    np.testing.assert_array_equal(out_idx[nan_free], idx[nan_free])
    for r in (1, 2):  # NaN rows: the k best numbers, ties by lower index, then NaN
        row = np.where(np.isnan(S[r]), -np.inf, S[r]).astype(np.float64)
        want = [c for c in np.argsort(-row, kind="stable") if c != r and not np.isnan(S[r, c])]
        assert out_idx[r].tolist() == want[:k]
