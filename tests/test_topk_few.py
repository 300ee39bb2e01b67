"""The few-query screen of dense top-k: each corpus row multiplied with every query itself.

Up to ``TOPK_FEW_QUERIES`` queries, ``topk_similar`` on dense float rows
computes its fast scores with :mod:`sparsedense._kernels.row_dots` instead of
BLAS (each row read once for all the queries; with cosine, scaled to unit
norm on the way). Every score must lie within the bound the exact selection
counts on, the scaled rows must be :func:`normalize_rows`'s to the bit, and
the answer (indices, ties, canonical scores) must be BLAS's screen's whatever
the shapes, dtypes, layouts and values.
"""

from __future__ import annotations

import numpy as np
import pytest

import reference
import sparsedense._topk_tiles as TT
import sparsedense.similarity as sim
from sparsedense import quantize
from sparsedense._kernels import _tuning
from sparsedense._kernels import row_dots as RD
from sparsedense._kernels._dispatch import choose, task_args
from sparsedense._kernels.norms import _normalize_rows_l2
from sparsedense.similarity import fast_score_bound, few_queries, topk_similar


@pytest.fixture
def calls(monkeypatch):
    """Count the tiles the few-query products score (so a test knows they ran)."""
    seen = []
    original = sim._few_scores

    def counting(*args):
        seen.append(args[0].shape[0])
        return original(*args)

    monkeypatch.setattr(sim, "_few_scores", counting)
    return seen


def both_screens(monkeypatch, calls, *args, **kwargs):
    """The few-query screen's answer (any query count), checked against BLAS's."""
    before = len(calls)
    with _tuning.override(TOPK_FEW_QUERIES=1 << 20):
        got = topk_similar(*args, **kwargs)
    assert len(calls) > before, "the few-query products did not run"
    with monkeypatch.context() as m, _tuning.override(TOPK_FEW_QUERIES=0):
        m.setattr(TT, "usable", lambda *a: False)
        want = topk_similar(*args, **kwargs)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    return got


@pytest.mark.parametrize("dim", [1, 5, 8, 16, 17, 31, 300])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("parallel", [True, False])
def test_every_score_is_within_the_bound(dim, dtype, parallel):
    """Dot products, and cosines from norms taken beside them (rows of any scale, zeros,
    NaN and inf scaled as normalize_rows scales them), within the screen's bound of
    the canonical score of the rows normalize_rows gives."""
    rng = np.random.default_rng(dim)
    C = rng.standard_normal((23, dim)).astype(dtype)
    with np.errstate(over="ignore"):
        C[:8] *= (10.0 ** np.array([-45, -30, -20, -5, 5, 15, 20, 40])[:, None]).astype(dtype)
    C[9] = 0.0
    C[10, 0] = np.nan
    C[11, -1] = np.inf
    kernel = RD._few_query_scores if parallel else RD._few_query_scores_serial
    low, high = sim._FAST_NORM_RANGE[np.dtype(dtype)]
    for n_q in (1, 2, 3, 4, 5, 9):
        Q = sim.normalize_rows(rng.standard_normal((n_q, dim)), dtype)
        for m in (1, 3, 4, 5, 23):
            part = C[:m]
            for cosine in (False, True):
                n_tasks, n_workers, counter = task_args(kernel, 3)
                scores = np.full((n_q, m + 2), -7.0, dtype=dtype)
                sums = np.empty(m)
                scratch = np.empty((n_workers, dim), dtype=dtype)
                kernel(Q, part, cosine, sums, low, high, scratch, scores, n_tasks, n_workers,
                       counter)
                rows = part
                if cosine:
                    rows = np.empty_like(part)
                    _normalize_rows_l2(part, rows)
                assert (scores[:, m:] == -7.0).all(), "columns past the rows were written"
                for q in range(n_q):
                    for j in range(m):
                        exact = reference.canonical_dot(Q[q], rows[j])
                        got = float(scores[q, j])
                        if not np.isfinite(exact):
                            assert not np.isfinite(got) or not np.isfinite(rows[j]).all()
                            continue
                        scale = np.linalg.norm(Q[q].astype(np.float64)) * np.linalg.norm(
                            rows[j].astype(np.float64))
                        # (products below the normal range are rounded absolutely, in any
                        # float product, BLAS's too: the dot products' rows of 1e-45)
                        tiny = 0.0 if cosine else dim * float(np.finfo(dtype).smallest_subnormal)
                        assert abs(got - exact) <= fast_score_bound(dim, dtype) * scale + tiny, \
                            (n_q, m, q, j, cosine)


@pytest.mark.parametrize("n_q, n_c, dim, k", [
    (1, 1, 1, 1), (1, 3, 2, 2), (5, 40, 3, 4), (4, 4097, 33, 25), (13, 9000, 300, 10),
    (32, 513, 64, 513), (40, 700, 16, 7)])
@pytest.mark.parametrize("metric", ["cosine", "dot"])
def test_the_few_query_screen_gives_blas_answer(monkeypatch, calls, n_q, n_c, dim, k, metric):
    rng = np.random.default_rng(n_c + dim)
    C = reference.near_ties(rng, n_c, dim)
    Q = np.concatenate([C[:min(n_q, n_c)], rng.standard_normal((n_q, dim)).astype(np.float32)])
    both_screens(monkeypatch, calls, Q[:n_q], C, k, metric=metric)
    n = min(n_c, 30)
    both_screens(monkeypatch, calls, C[:n], None, min(k, n - 1) or 1, metric=metric,
                 exclude_self=n > 1)


def test_float64_rows_and_mixed_dtypes(monkeypatch, calls):
    rng = np.random.default_rng(5)
    C = reference.near_ties(rng, 600, 37, np.float64)
    Q = C[[0, 5, 9]] + 1e-3
    for metric in ("cosine", "dot"):
        both_screens(monkeypatch, calls, Q, C, 12, metric=metric)
        both_screens(monkeypatch, calls, Q.astype(np.float32), C, 12, metric=metric)


def test_zero_nan_inf_tiny_and_huge_rows(monkeypatch, calls):
    rng = np.random.default_rng(3)
    C = rng.standard_normal((700, 45)).astype(np.float32)
    C[3] = 0.0
    C[10] *= 1e-30
    C[11, :5] = 1e-41  # subnormal values
    C[12] *= 1e30
    C[20] = C[21] = C[22]  # exact ties: the lower index first
    C[600] = np.nan
    C[601, 4] = np.inf
    Q = C[[0, 3, 10, 20, 600, 650]].copy()
    Q[5, 7] = np.inf
    for metric in ("cosine", "dot"):
        both_screens(monkeypatch, calls, Q, C, 30, metric=metric)
        both_screens(monkeypatch, calls, Q[:1], C, 700, metric=metric)


def test_strided_read_only_and_file_corpora(monkeypatch, calls, tmp_path):
    rng = np.random.default_rng(8)
    wide = rng.standard_normal((900, 70)).astype(np.float32)
    C = wide[:, 3:53]  # rows of unit stride, 70 apart
    Q = rng.standard_normal((6, 50)).astype(np.float32)
    assert few_queries(6, Q, C)
    both_screens(monkeypatch, calls, Q, C, 9)
    np.save(tmp_path / "c.npy", np.ascontiguousarray(C))
    mapped = np.load(tmp_path / "c.npy", mmap_mode="r")
    got = both_screens(monkeypatch, calls, Q, mapped, 9)
    np.testing.assert_array_equal(got[0], topk_similar(Q, C, 9)[0])
    # columns apart in memory: BLAS's products, the same answer
    assert not few_queries(6, Q, wide[:, ::2])
    idx, _ = topk_similar(Q[:, :35], wide[:, ::2], 9)
    np.testing.assert_array_equal(idx, topk_similar(Q[:, :35], wide[:, ::2].copy(), 9)[0])


def test_a_compressed_corpus_decoded_tile_by_tile(monkeypatch, calls):
    rng = np.random.default_rng(11)
    W = rng.standard_normal((3000, 40)).astype(np.float32)
    Q = W[[1, 50, 700]] + 0.01
    for dtype in ("int8", "int4", "float16"):
        qt = quantize(W, dtype)
        for metric in ("cosine", "dot"):
            both_screens(monkeypatch, calls, Q, qt, 10, metric=metric)


def test_tiles_cross_the_rows_and_threads_alike(monkeypatch, calls):
    """Many narrow tiles (and block sizes below the query count) give the same answer."""
    rng = np.random.default_rng(2)
    C = reference.near_ties(rng, 2000, 20)
    Q = rng.standard_normal((11, 20)).astype(np.float32)
    want = topk_similar(Q, C, 15)
    monkeypatch.setattr(sim, "TILE_MIN_COLS", 5)
    with _tuning.override(TOPK_TILE_SCORES=97):
        for block_size in (1, 3, 11):
            got = both_screens(monkeypatch, calls, Q, C, 15, block_size=block_size)
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])


def test_which_queries_take_the_few_query_products():
    Q = np.zeros((4, 8), np.float32)
    C = np.zeros((10, 8), np.float32)
    limit = _tuning.get("TOPK_FEW_QUERIES")
    assert few_queries(1, Q, C) and few_queries(limit, Q, C)
    assert not few_queries(limit + 1, Q, C)
    assert not few_queries(0, Q, C)
    assert not few_queries(4, Q, C.astype(np.float64))  # dtypes differ: BLAS
    assert not few_queries(4, Q.astype(np.int64), C.astype(np.int64))
    assert few_queries(4, Q, quantize(np.ones((10, 8), np.float32), "int8"))


def test_the_default_screen_for_few_queries_is_these_products(calls):
    rng = np.random.default_rng(0)
    C = rng.standard_normal((5000, 30)).astype(np.float32)
    topk_similar(C[:3], C, 5)
    assert calls == [3] * len(calls) and calls
    kernel = choose(RD._few_query_scores, 10 ** 9)
    assert kernel is RD._few_query_scores
