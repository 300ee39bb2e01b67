"""The bfloat16 screen of the float32 top-k (AMX tiles, AVX-512 BF16): bounds, the same answer.

Where the CPU has AMX tiles and the system allows them, ``topk_similar`` on
float32 rows screens on bfloat16 tile products instead of BLAS's; where it
has AVX-512 BF16 instead, on ``vdpbf16ps`` vector products of the same
layouts. Every fast score must lie within the bound the screen counts on,
and the answer (indices, ties, canonical scores) must be the float screen's
whatever the shapes. Each kind's tests skip where the CPU lacks it; the
float screen's answer is checked against brute force on every CPU.
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

import reference
import sparsedense._topk_tiles as TT
from sparsedense._kernels import _tiles, _tuning
from sparsedense._kernels import bf16_dots as D
from sparsedense._kernels._amx import load_tile_config, release_tiles
from sparsedense._kernels import bf16_topk as B
from sparsedense.similarity import normalize_rows, topk_similar

tiles = pytest.mark.skipif(not _tiles.tiles_usable(),
                           reason="AMX tiles: not on this CPU, or not allowed here")
#: what may multiply the screen here: each kind's tests run where the CPU has it
_KINDS = {"tiles": _tiles.tiles_usable(), "dots": bool(_tuning.get("TOPK_BF16_DOTS"))}


@pytest.fixture(params=sorted(_KINDS))
def screen(request, monkeypatch):
    """The bfloat16 screen of one kind (AMX tiles or AVX-512 BF16 vectors)."""
    if not _KINDS[request.param]:
        pytest.skip(f"bfloat16 screen {request.param!r}: not on this CPU, or not allowed here")
    monkeypatch.setattr(TT, "screen_kind", lambda: request.param)
    return request.param


@pytest.fixture(autouse=True)
def tiles_for_any_query_count():
    """Tiles from one query on (by default from TOPK_TILES_FROM_PAIRS pairs and, for
    dot products, TOPK_TILES_FROM_QUERIES queries: where they start to pay; and above
    TOPK_FEW_QUERIES, whose queries the rows' own products take)."""
    with _tuning.override(TOPK_TILES_FROM_QUERIES=1, TOPK_TILES_FROM_PAIRS=0,
                          TOPK_BF16_DOTS_FROM_PAIRS=0, TOPK_FEW_QUERIES=0):
        yield


@pytest.fixture
def float_screen(monkeypatch):
    """BLAS's float products screen, whatever the CPU has."""
    monkeypatch.setattr(TT, "usable", lambda *args: False)


def both_screens(monkeypatch, *args, **kwargs):
    got = topk_similar(*args, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(TT, "usable", lambda *a: False)
        want = topk_similar(*args, **kwargs)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    return got


@pytest.mark.parametrize("n_q, n_c, dim, k", [
    (1, 1, 1, 1), (5, 40, 3, 4), (33, 100, 31, 10), (31, 4097, 33, 25), (70, 9000, 300, 10),
    (64, 513, 64, 513)])
@pytest.mark.parametrize("metric", ["cosine", "dot"])
def test_tiles_give_the_float_screens_answer(monkeypatch, screen, n_q, n_c, dim, k, metric):
    rng = np.random.default_rng(n_c + dim)
    C = reference.near_ties(rng, n_c, dim)
    Q = np.concatenate([C[:min(n_q, n_c)], rng.standard_normal((n_q, dim)).astype(np.float32)])
    Q = Q[:n_q]
    assert TT.usable(Q, C, metric, 1.0)
    both_screens(monkeypatch, Q, C, k, metric=metric)
    both_screens(monkeypatch, C[:min(n_c, 50)], None, min(k, min(n_c, 50) - 1) or 1,
                 metric=metric, exclude_self=min(n_c, 50) > 1)


def test_tiles_with_zero_nan_tiny_and_huge_rows(monkeypatch, screen):
    rng = np.random.default_rng(3)
    C = rng.standard_normal((700, 45)).astype(np.float32)
    C[3] = 0.0
    C[10] *= 1e-30  # products below float32's normal range: flushed in the tiles
    C[11, :5] = 1e-41  # subnormal values
    C[20] = C[21] = C[22]  # exact ties: the lower index first
    C[600] = np.nan
    Q = C[[0, 3, 10, 20, 600, 650]].copy()
    Q[5, 7] = np.inf
    for metric in ("cosine", "dot"):
        both_screens(monkeypatch, Q, C, 30, metric=metric)
    # norms beyond what bfloat16 holds: the float screen takes dot products
    big = C[:100] * np.float32(1e30)
    assert not TT.usable(big, big, "dot", 1e32)
    both_screens(monkeypatch, big[:5], big, 7, metric="dot")


@njit
def _tile_scores(Qb, Bp, cfg, out):
    load_tile_config(cfg)
    for t in range(Qb.shape[0] // 32):
        for b0 in range(0, Bp.shape[0], 2):
            B._block_scores(Qb, t * 32, Bp, b0, out, t, b0 * 16)
    release_tiles()


@njit
def _dot_scores(Qb, Bp, cfg, out, dim):
    for t in range(Qb.shape[0] // 32):
        for b0 in range(0, Bp.shape[0], 2):
            D.block_scores(Qb, t * 32, Bp, b0, out, t, dim)


@pytest.mark.parametrize("dim", [1, 7, 32, 33, 300])
def test_every_tile_score_is_within_the_bound(screen, dim):
    rng = np.random.default_rng(dim)
    C = rng.standard_normal((96, dim)).astype(np.float32)
    C[:10] *= 10.0 ** rng.integers(-20, 3, (10, 1))
    C[10, 0] = 1.0  # one large value, the rest small: the rounding of one product
    C[10, 1:] = 1e-3
    Q = rng.standard_normal((64, dim)).astype(np.float32)
    Q[0] = C[10]
    for unit in (True, False):
        Qn = normalize_rows(Q) if unit else Q
        Cn = normalize_rows(C) if unit else C
        kp = -(-dim // 32) * 32
        Qb = np.zeros((64, kp), np.uint16)
        B._pack_queries(Qn, Qb)
        Bp = np.zeros((6, kp // 32, 16, 32), np.uint16)
        B._pack_rows(Cn, 96, Bp)
        out = np.full((2, 32, 96), np.nan, np.float32)
        if screen == "tiles":
            _tile_scores(Qb, Bp, _tiles.tile_config(), out)
        else:
            _dot_scores(Qb, Bp, _tiles.tile_config(), out, dim)
        got = out.reshape(64, 96)
        qnorm = np.linalg.norm(Qn.astype(np.float64), axis=1)
        cmax = float(np.linalg.norm(Cn.astype(np.float64), axis=1).max()) * (1 + 2.0 ** -20)
        bound = TT.tile_bound(dim, qnorm, cmax) / 2
        exact = np.array([[reference.canonical_dot(Qn[q], Cn[c]) for c in range(96)]
                          for q in range(64)])
        assert (np.abs(got - exact) <= bound[:, None]).all()
        if dim >= 32:  # the scores are bfloat16 products indeed, the bound not idle
            assert np.abs(got - exact).max() > bound.min() / 64


def test_float_screen_is_the_canonical_ranking(float_screen):
    rng = np.random.default_rng(11)
    C = reference.near_ties(rng, 900, 21)
    Q = C[[0, 7, 450]]
    idx, scores = topk_similar(Q, C, 40)
    Qp, Cp = normalize_rows(Q), normalize_rows(C)
    for q in range(3):
        ref = np.array([reference.canonical_dot(Qp[q], Cp[c]) for c in range(900)],
                       dtype=np.float32)
        order = np.lexsort((np.arange(900), -ref))[:40]
        np.testing.assert_array_equal(idx[q], order)
        np.testing.assert_array_equal(scores[q], ref[order])


def test_float64_rows_and_few_dot_queries_take_the_float_screen():
    Q = np.ones((3, 4))
    assert not TT.usable(Q, Q, "cosine", 1.0)
    few = np.ones((3, 4), np.float32)
    with _tuning.override(TOPK_TILES_FROM_QUERIES=4):
        assert not TT.usable(few, few, "dot", 1.0)
        assert TT.usable(few, few, "cosine", 1.0) == (TT.screen_kind() is not None)
    with _tuning.override(TOPK_TILES_FROM_PAIRS=13, TOPK_BF16_DOTS_FROM_PAIRS=13):
        assert not TT.usable(few, few, "cosine", 1.0)


def test_tile_screen_memory_is_a_few_chunks(screen):
    """Q = 2,000, N = 20,000: the tiles' buffers (a chunk of rows, each worker's scores,
    the queries in bfloat16), never the Q x N matrix."""
    import tracemalloc

    rng = np.random.default_rng(3)
    Q = rng.standard_normal((2000, 16), dtype=np.float32)
    W = rng.standard_normal((20000, 16), dtype=np.float32)
    topk_similar(Q, W, k=10)  # the parallel kernels compiled or loaded outside the trace
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        idx, scores = topk_similar(Q, W, k=10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    inputs = Q.nbytes + W.nbytes + idx.nbytes + scores.nbytes
    assert peak < inputs + (8 << 20), f"peak {peak / 1e6:.1f} MB"


def _bf16_reference(C: np.ndarray) -> np.ndarray:
    """bfloat16 bits of float32 values, nearest (ties to even), NaN kept quiet."""
    u = np.ascontiguousarray(C, dtype=np.float32).view(np.uint32).astype(np.uint64)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    return np.where(nan, (u >> 16) | 0x40, (u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


@pytest.mark.parametrize("dim", [1, 31, 32, 33, 64, 300])
@pytest.mark.parametrize("strided", [False, True])
def test_rows_pack_into_the_tile_layout_bit_for_bit(dim, strided):
    """Every value of the rows in its place of the pair layout, as bfloat16 rounds it
    (NaN, infinities, subnormals, -0 included), zeros past the rows and the columns;
    rows whose columns are not contiguous take the value-by-value path, same bits."""
    rng = np.random.default_rng(dim)
    n, m = 70, 61
    C = rng.standard_normal((n, dim)).astype(np.float32)
    C.flat[::7] *= np.float32(1e-39)  # subnormals
    C[0, 0], C[1, -1], C[2, -1], C[3, 0] = np.nan, np.inf, -np.inf, -0.0
    if strided:
        wide = np.zeros((n, 2 * dim), np.float32)
        wide[:, ::2] = C
        C = wide[:, ::2]
    kp = -(-dim // 32) * 32
    Bp = np.full((-(-n // 16), kp // 32, 16, 32), 0xFFFF, np.uint16)
    B._pack_rows(C, m, Bp)
    bits = np.zeros((Bp.shape[0] * 16, kp), np.uint16)
    bits[:m, :dim] = _bf16_reference(C[:m])
    want = bits.reshape(Bp.shape[0], 16, kp // 32, 16, 2).transpose(0, 2, 3, 1, 4).reshape(
        Bp.shape)
    np.testing.assert_array_equal(Bp, want)
