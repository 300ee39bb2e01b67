"""The int8 screen of an exact top-k: byte dot products, their bounds, and the answer.

``topk_similar(Q, quantize(W, "int8"), k, rerank=W)`` screens on integer dot
products of the table's codes with the queries cut into bytes
(``_topk_int8``, ``_kernels/int8_screen``). The sums must be exact (VNNI and
the plain loop alike), every estimate's bound must hold against the
canonical float score, the coarse filters must never drop a row the exact
bound keeps, and the answer must be the float table's, whatever the sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

import sparsedense as sd
import sparsedense._topk_int8 as T8
from sparsedense._kernels import _tiles, _tuning
from sparsedense._kernels._amx import load_tile_config, release_tiles
from sparsedense._kernels._simd import float32_step
from sparsedense._kernels import int8_dots as D
from sparsedense._kernels import int8_screen as K
from sparsedense._kernels import int8_tiles as KT
from sparsedense._kernels.exact_topk import canonical_dot
from sparsedense.similarity import normalize_rows, topk_similar


@pytest.fixture
def rng():
    return np.random.default_rng(88)


#: where the system lets this process use AMX's byte tiles (INT8_TILES)
TILES = _tiles.tiles_usable("INT8_TILES")
needs_tiles = pytest.mark.skipif(not TILES, reason="AMX-INT8 tiles: a CPU with them, on Linux")


@pytest.fixture(autouse=True, params=["vectors", "tiles"])
def int8_screen(request):
    """The int8 screen on any CPU (without VNNI the routing takes the float screen; the
    kernel's plain loop then gives the same sums, slower), every test twice: with the
    sums of vector instructions (VNNI, AVX2 or the plain loop), and from AMX tiles
    for any size (skipped where the CPU or system has none)."""
    if request.param == "tiles" and not TILES:
        pytest.skip("AMX-INT8 tiles: a CPU with them, on Linux")
    start = 0 if request.param == "tiles" else 1 << 62
    with _tuning.override(INT8_SCREEN=1, INT8_TILES_FROM_PAIRS=start):
        yield request.param


def assert_same(got, want):
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def _beside_plain(dots, dots1):
    """A kernel running ``dots`` (GROUP queries) and ``dots1`` (one) beside the plain loop."""
    @njit
    def run(panels, qcodes, out_dots, out_plain, out_one):
        for p in range(panels.shape[0]):
            for q0 in range(0, qcodes.shape[0] - D.GROUP + 1, D.GROUP):
                dots(panels, p, qcodes, q0, out_dots[p, q0 // D.GROUP])
                D._plain_dots(panels, p, qcodes, q0, out_plain[p, q0 // D.GROUP])
            for q in range(qcodes.shape[0]):
                dots1(panels, p, qcodes, q, out_one[p, q])
    return run


#: what this CPU compiled (VNNI, AVX2 or the plain loop), and AVX2's products
_both_dots = _beside_plain(D.panel_dots, D.panel_dots1)
_avx2_and_plain = _beside_plain(D._avx2_dots, D._avx2_dots1)


@pytest.mark.parametrize("dim", [1, 3, 4, 13, 64, 300])
def test_panel_dots_are_the_exact_integer_products(rng, dim):
    n, n_q = 70, 2 * D.GROUP
    W = rng.standard_normal((n, dim)).astype(np.float32)
    qt = sd.quantize(W, "int8")
    codes = qt.data[:, :dim].astype(np.int64)
    codes[0] = 255  # the extremes of both operands
    qt.data[0, :dim] = 255
    panels = T8._panels(qt)
    top = D.QUERY_CODE_MAX  # (AVX2's 16-bit pair sums: 63)
    qbytes = rng.integers(-top, top + 1, (n_q, dim))
    qbytes[0] = -top
    qbytes[1] = top
    words = np.zeros((n_q, panels.shape[1] * 4), dtype=np.int8)
    words[:, :dim] = qbytes
    qcodes = words.view(np.int32)
    n_p = panels.shape[0]
    out_v = np.zeros((n_p, 2, D.GROUP, D.PANEL), np.int32)
    out_p = np.zeros_like(out_v)
    out_1 = np.zeros((n_p, n_q, 1, D.PANEL), np.int32)
    _both_dots(panels, qcodes, out_v, out_p, out_1)
    padded = np.zeros((n_p * D.PANEL, dim), np.int64)
    padded[:n] = codes
    want = (qbytes @ padded.T).reshape(n_q, n_p, D.PANEL).transpose(1, 0, 2)
    np.testing.assert_array_equal(out_v.reshape(n_p, n_q, D.PANEL), want)
    np.testing.assert_array_equal(out_p.reshape(n_p, n_q, D.PANEL), want)
    np.testing.assert_array_equal(out_1.reshape(n_p, n_q, D.PANEL), want)


@pytest.mark.parametrize("dim", [1, 2, 3, 5, 15, 16, 17, 63, 64, 65, 69, 128, 129, 300])
@pytest.mark.parametrize("n", [1, 15, 16, 17, 33, 70])
def test_panels_built_from_the_rows_are_the_layout(rng, dim, n):
    """build_panel's transposes (whole and masked blocks of 16 rows by 16 words) give
    the panel layout: per group of four columns, each row's four codes as one int32,
    zeros past the last row, past the columns and in the tile groups beyond."""
    qt = sd.quantize(rng.standard_normal((n, dim)).astype(np.float32), "int8")
    qt.data[0, :dim] = 255
    groups = T8._groups(qt)
    n_p = -(-n // D.PANEL)
    codes = np.zeros((n_p * D.PANEL, groups * 4), np.uint8)
    codes[:n, :dim] = qt.data[:, :dim]
    want = codes.reshape(n_p, D.PANEL, groups, 4).transpose(0, 2, 1, 3)
    got = T8._panels(qt)
    assert got.shape == (n_p, groups, D.PANEL)
    np.testing.assert_array_equal(got.view(np.uint8).reshape(n_p, groups, D.PANEL, 4), want)


@njit
def _row_products(codes, dim, qcodes, out):
    for p in range(out.shape[0]):
        for q in range(qcodes.shape[0]):
            D.row_dots1(codes, dim, p, qcodes, q, out[p], q)


@pytest.mark.parametrize("dim", [1, 3, 5, 63, 64, 65, 127, 300])
@pytest.mark.parametrize("n", [1, 15, 33, 70])
def test_row_products_are_the_exact_integer_products(rng, dim, n):
    """A few queries' products with the rows as stored (no panel; VNNI, or the plain loop
    other CPUs compile): exact int32 sums, the extremes 255 x -127 included, zeros past
    the last row, nothing read past a row."""
    n_q = 3
    qt = sd.quantize(rng.standard_normal((n, dim)).astype(np.float32), "int8")
    qt.data[0, :dim] = 255
    qbytes = np.zeros((n_q, T8._groups(qt) * 4), np.int8)
    qbytes[:, :dim] = rng.integers(-127, 128, (n_q, dim))
    qbytes[0, :dim] = -127
    n_p = -(-n // D.PANEL)
    out = np.full((n_p, n_q, D.PANEL), 7, np.int32)
    _row_products(qt.data, dim, qbytes.view(np.int32), out)
    codes = np.zeros((n_p * D.PANEL, dim), np.int64)
    codes[:n] = qt.data[:, :dim]
    want = (qbytes[:, :dim].astype(np.int64) @ codes.T).reshape(n_q, n_p, D.PANEL)
    np.testing.assert_array_equal(out, want.transpose(1, 0, 2))


@pytest.mark.skipif("avx2" not in __import__("sparsedense._kernels._tuning",
                                             fromlist=["_features"])._features(),
                    reason="AVX2's byte products need a CPU with AVX2")
@pytest.mark.parametrize("dim", [1, 4, 5, 64, 300])
def test_avx2_dots_are_the_exact_integer_products(rng, dim):
    """The AVX2 products (what a CPU without VNNI runs) on any AVX2 CPU: every extreme of
    a code times a query byte within 63, where two products fill 16 bits."""
    n, n_q, top = 70, 2 * D.GROUP, 63
    groups = -(-dim // 4)
    n_p = -(-n // D.PANEL)
    codes = rng.integers(0, 256, (n_p * D.PANEL, groups * 4))
    codes[:, dim:] = 0
    codes[0], codes[1, :dim] = 255, 0
    qbytes = rng.integers(-top, top + 1, (n_q, groups * 4))
    qbytes[:, dim:] = 0
    qbytes[0, :dim], qbytes[1, :dim] = -top, top
    panels = np.ascontiguousarray(codes.astype(np.uint8).reshape(n_p, D.PANEL, groups, 4)
                                  .transpose(0, 2, 1, 3)).view(np.int32).reshape(
                                      n_p, groups, D.PANEL)
    qcodes = qbytes.astype(np.int8).view(np.int32)
    out_a = np.zeros((n_p, 2, D.GROUP, D.PANEL), np.int32)
    out_p = np.zeros_like(out_a)
    out_1 = np.zeros((n_p, n_q, 1, D.PANEL), np.int32)
    _avx2_and_plain(panels, qcodes, out_a, out_p, out_1)
    want = (qbytes @ codes.T).reshape(n_q, n_p, D.PANEL).transpose(1, 0, 2)
    np.testing.assert_array_equal(out_a.reshape(n_p, n_q, D.PANEL), want)
    np.testing.assert_array_equal(out_p.reshape(n_p, n_q, D.PANEL), want)
    np.testing.assert_array_equal(out_1.reshape(n_p, n_q, D.PANEL), want)
    assert 2 * 255 * D.QUERY_CODE_MAX <= 32767 or D._DOTS != 1


@njit
def _tile_sums_of(panels, qcodes, qcodes2, cfg, sums, p0, p1):
    load_tile_config(cfg)
    for t in range(qcodes.shape[0] // KT.TGROUP):
        KT._tile_sums(panels, p0, p1, qcodes, qcodes2, t * KT.TGROUP, sums, t)
    release_tiles()


@needs_tiles
@pytest.mark.parametrize("dim", [1, 4, 63, 64, 65, 300])
def test_tile_sums_are_the_exact_integer_products(rng, dim):
    """Both kinds of query bytes times a range of panels, from tiles: exact int32 sums,
    the extremes 255 x -127 and 255 x 127 included, each panel where it belongs."""
    n, n_q = 200, 2 * KT.TGROUP
    groups = -(-dim // 4)
    groups = -(-groups // KT.TILE_GROUPS) * KT.TILE_GROUPS
    n_p = -(-n // D.PANEL)
    codes = rng.integers(0, 256, (n_p * D.PANEL, groups * 4))
    codes[:, dim:] = 0
    codes[0, :dim] = 255
    panels = _tiles.aligned((n_p, groups, D.PANEL), np.int32)
    panels[...] = np.ascontiguousarray(codes.astype(np.uint8).reshape(
        n_p, D.PANEL, groups, 4).transpose(0, 2, 1, 3)).view(np.int32).reshape(
            n_p, groups, D.PANEL)
    qbytes = [rng.integers(-127, 128, (n_q, groups * 4)) for _ in range(2)]
    for b in qbytes:
        b[:, dim:] = 0
        b[0, :dim], b[1, :dim] = -127, 127
    qcodes = [_tiles.aligned((n_q, groups), np.int32) for _ in range(2)]
    for qc, b in zip(qcodes, qbytes):
        qc[...] = b.astype(np.int8).view(np.int32)
    p0, p1 = 1, n_p  # a range not starting at 0: sums[:, p - p0]
    sums = _tiles.aligned((n_q // KT.TGROUP, p1 - p0, 2, KT.TGROUP, D.PANEL), np.int32)
    sums[...] = -1
    _tile_sums_of(panels, qcodes[0], qcodes[1], _tiles.tile_config(), sums, p0, p1)
    for level in range(2):
        want = (qbytes[level] @ codes.T).reshape(n_q // KT.TGROUP, KT.TGROUP, n_p, D.PANEL)
        got = sums[:, :, level].transpose(0, 2, 1, 3)
        np.testing.assert_array_equal(got, want[:, :, p0:p1])


def test_tile_panels_pad_columns_to_whole_tiles(rng):
    qt = sd.quantize(rng.standard_normal((40, 70)).astype(np.float32), "int8")
    panels = T8._panels(qt)
    groups = -(-70 // 4)
    if TILES:
        assert panels.shape[1] == KT.TILE_GROUPS * 2 and panels.ctypes.data % 64 == 0
        assert not panels[:, groups:].any()
    else:
        assert panels.shape[1] == groups


def test_the_tile_screen_runs_when_asked(rng, int8_screen, monkeypatch):
    """The routing: the tile kernel where tiles are allowed and the work reaches
    INT8_TILES_FROM_PAIRS, the vector one otherwise."""
    called = []
    real = T8.int8_screen

    import sparsedense._kernels._dispatch as D
    choose = D.choose

    def spy(kernel, *args, **kwargs):
        called.append(getattr(kernel, "__name__", ""))
        return choose(kernel, *args, **kwargs)

    monkeypatch.setattr(D, "choose", spy)
    W = rng.standard_normal((300, 16)).astype(np.float32)
    topk_similar(W[:20], sd.quantize(W, "int8"), 3, rerank=W)
    assert real is T8.int8_screen
    want = "_int8_tile_screen" if int8_screen == "tiles" else "_int8_screen"
    assert want in called and ({"_int8_tile_screen", "_int8_screen"} - {want}).isdisjoint(called)


@njit
def _steps(xs, up):
    out = np.empty_like(xs)
    for i in range(xs.size):
        out[i] = float32_step(xs[i], up)
    return out


def test_a_float32_step_is_nextafter(rng, int8_screen):
    """The bounds' rounding up and down steps the bits as np.nextafter does: zeros of
    both signs, subnormals, the largest finite values, infinities as the start."""
    if int8_screen == "tiles":
        pytest.skip("one run is enough")
    edges = np.array([0.0, -0.0, 1.0, -1.0, 1e-45, -1e-45, 1.1754942e-38, -1.1754942e-38,
                      1.17549435e-38, 3.4028235e38, -3.4028235e38, np.inf, -np.inf, 0.5, -0.5,
                      -7e-40], dtype=np.float32)
    rand = (rng.standard_normal(20000) * 10.0 ** rng.integers(-44, 38, 20000)).astype(np.float32)
    for up, towards in ((True, np.inf), (False, -np.inf)):
        xs = np.concatenate([edges, rand])
        xs = xs[np.isfinite(xs) | (xs == -towards)]
        with np.errstate(over="ignore"):
            want = np.nextafter(xs, np.float32(towards))
        np.testing.assert_array_equal(_steps(xs, up).view(np.int32), want.view(np.int32))


def test_queries_cut_into_bytes_twice_add_up_exactly(rng):
    Q = normalize_rows(rng.standard_normal((9, 37)).astype(np.float32), np.float32)
    Q[3] = 0.0
    alpha = np.abs(Q).sum(axis=1).astype(np.float32)
    qc, qc2, qs, _, _ = T8._query_terms(Q, alpha, np.ones(9, np.float32), 10, D.GROUP)
    b1 = qc.view(np.int8)[:9, :37].astype(np.float64)
    b2 = qc2.view(np.int8)[:9, :37].astype(np.float64)
    rho2 = Q - qs[:9, K.Q_SQ, None] * b1 - qs[:9, K.Q_SQ2, None] * b2
    # the rest is within half a step of the second bytes, and its norm is bounded
    assert (np.abs(rho2) <= qs[:9, K.Q_SQ2, None] / 2 + 1e-30).all()
    assert (np.linalg.norm(rho2, axis=1) <= qs[:9, K.Q_H2]).all()
    assert (b1[3] == 0).all() and (b2[3] == 0).all() and qs[3, K.Q_H2] == 0


def _cut_reference(Qs, alpha, top_code):
    """The queries' bytes and scalars by their definitions, in numpy (whole arrays)."""
    Q = Qs.astype(np.float64)
    finite = np.isfinite(Q).all(axis=1) & (alpha >= 0)
    top = np.abs(np.where(finite[:, None], Q, 0.0)).max(axis=1, initial=0.0)
    sq = (top / top_code).astype(np.float32).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        codes = np.rint(np.where(sq[:, None] > 0, Q / sq[:, None], 0.0))
    codes = np.clip(np.where(finite[:, None], codes, 0.0), -top_code, top_code)
    rho = np.where(finite[:, None], Q - sq[:, None] * codes, 0.0)
    sq2 = (np.abs(rho).max(axis=1, initial=0.0) / top_code).astype(np.float32).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        codes2 = np.clip(np.rint(np.where(sq2[:, None] > 0, rho / sq2[:, None], 0.0)),
                         -top_code, top_code)
    rho2 = rho - sq2[:, None] * codes2
    absq = np.where(finite, np.abs(np.where(finite[:, None], Q, 0)).sum(axis=1), 0)
    # each scalar and the sum of |terms| its float64 sum rounds against
    scalars = {K.Q_SQ: (sq, 0), K.Q_SRHO: (rho.sum(axis=1), np.abs(rho).sum(axis=1)),
               K.Q_SUMQ: (np.where(finite, Q.sum(axis=1), 0), absq),
               K.Q_H: (np.sqrt((rho * rho).sum(axis=1)) * (1 + 2.0 ** -30),
                       np.sqrt((rho * rho).sum(axis=1))),
               K.Q_ACCMAX: (255 * np.abs(codes).sum(axis=1), 0), K.Q_SQ2: (sq2, 0),
               K.Q_SRHO2: (rho2.sum(axis=1), np.abs(rho2).sum(axis=1)),
               K.Q_H2: (np.sqrt((rho2 * rho2).sum(axis=1)) * (1 + 2.0 ** -30),
                        np.sqrt((rho2 * rho2).sum(axis=1))),
               K.Q_SRHO2_ERR: (2.0 ** -40 * np.abs(rho2).sum(axis=1),
                               2.0 ** -40 * np.abs(rho2).sum(axis=1))}
    return codes, codes2, scalars, np.abs(rho).sum(axis=1), finite


@pytest.mark.parametrize("dim", [1, 5, 37, 300])
def test_the_queries_cut_kernel_follows_the_definitions(rng, dim, int8_screen):
    """cut_queries (one row at a time, sums in order) against the definitions in numpy:
    the same bytes, the same scalars up to the order of the float64 sums (far inside
    the bounds' 2**-19 allowance), rows with NaN, inf, zeros and alpha < 0 included."""
    if int8_screen == "tiles":
        pytest.skip("one run is enough")
    n = 40
    Q = normalize_rows(rng.standard_normal((n, dim)).astype(np.float32), np.float32)
    Q[3] = 0.0
    Q[4, 0], Q[5, -1] = np.nan, np.inf
    Q[6] *= np.float32(1e-30)
    Q[7] *= np.float32(1e20)
    alpha = np.abs(Q.astype(np.float64)).sum(axis=1).astype(np.float32)
    alpha[~np.isfinite(alpha)] = -1
    alpha[8] = -1
    for top_code in (127, 63):
        words = np.zeros((n, dim), np.int8)
        words2 = np.zeros((n, dim), np.int8)
        qs = np.zeros((n, 12))
        spread, finite = np.empty(n), np.empty(n, np.bool_)
        K.cut_queries(Q, alpha, top_code, words, words2, qs, spread, finite)
        codes, codes2, scalars, want_spread, want_finite = _cut_reference(Q, alpha, top_code)
        np.testing.assert_array_equal(words, codes)
        np.testing.assert_array_equal(words2, codes2)
        np.testing.assert_array_equal(finite, want_finite)
        assert (np.abs(spread - want_spread) <= 1e-13 * want_spread).all()
        for col, (want, scale) in scalars.items():
            # exact but for the order of the sums: within 1e-13 of the sum of |terms|
            assert (np.abs(qs[:, col] - want) <= 1e-13 * scale).all(), col
        assert (qs[:, K.Q_ALPHA] == alpha).all()


@njit
def _bounds_hold(qs, qs32, qerr, rowv, rows32, perr, pslope, qc, qc2, panels, Qc, Wn, n_c, tau,
                 bad, missed):
    out = np.empty((D.GROUP, D.PANEL), np.int32)
    out2 = np.empty((1, D.PANEL), np.int32)
    mask = np.empty(D.PANEL, np.bool_)
    for p in range(panels.shape[0]):
        for q0 in range(0, Qc.shape[0], D.GROUP):
            D.panel_dots(panels, p, qc, q0, out)
            for j in range(D.GROUP):
                q = q0 + j
                if q >= Qc.shape[0]:
                    break
                D.panel_dots1(panels, p, qc2, q, out2)
                K._lane_hits(out, j, rowv, rows32, p * D.PANEL, qs, qs32, q, tau, mask)
                panel = K._panel_hits(out, j, rowv, qs32, q, qerr, perr, pslope, p, tau)
                for lane in range(D.PANEL):
                    r = p * D.PANEL + lane
                    if r >= n_c:
                        break
                    v, d = K._refined(qs, q, rowv, rows32, r, out[j, lane], out2[0, lane])
                    exact = canonical_dot(Qc[q], Wn[r])
                    if abs(exact - v) > d:
                        bad[0] += 1
                    if v + d > tau and not (mask[lane] and panel != 0):
                        missed[0] += 1
    return 0


@pytest.fixture(params=[127, 63], ids=["bytes to 127", "bytes to 63"])
def query_code_max(request, monkeypatch):
    """Queries cut into bytes up to 127 (VNNI, the plain loop) or 63 (AVX2): the bounds
    must hold for both, wherever this CPU's kernels sum such bytes exactly (AVX2's
    byte products only within 63, their pair sums' 16 bits)."""
    if request.param > 63 and D._DOTS == 1:
        pytest.skip("AVX2's byte products take query bytes within 63")
    monkeypatch.setattr(D, "QUERY_CODE_MAX", request.param)
    return request.param


@pytest.mark.parametrize("metric", ["cosine", "dot"])
@pytest.mark.parametrize("dim", [5, 32, 300])
def test_every_refined_bound_holds_against_the_canonical_score(rng, metric, dim,
                                                               query_code_max):
    n = 200
    W = rng.standard_normal((n, dim)).astype(np.float32) * 3.0
    W[:20] += 10.0  # biases far from zero
    W[20] = 0.0
    W[21] = 1.5  # constant
    W[22] *= 1e-6
    Q = rng.standard_normal((2 * D.GROUP, dim)).astype(np.float32)
    Q[0] = 0.0
    qt = sd.quantize(W, "int8")
    rowv, rows32, perr, pslope = T8._prepared(qt, metric)
    panels = T8._panels(qt)
    Qs = normalize_rows(Q, np.float32) if metric == "cosine" else Q
    Wn = normalize_rows(W, np.float32) if metric == "cosine" else W
    alpha = (np.abs(Qs).sum(axis=1) * (1 + 2.0 ** -20)).astype(np.float32)
    norms = np.linalg.norm(Qs.astype(np.float64), axis=1) * (1 + 2.0 ** -20)
    cq = np.where(norms > 0, 1.0, 0.0) if metric == "cosine" else norms
    cq = cq.astype(np.float32)
    qc, qc2, qs, qs32, qerr = T8._query_terms(Qs, alpha, cq, panels.shape[1], 2 * D.GROUP)
    for tau in (-np.inf, 0.0, 0.3, 5.0):
        bad, missed = np.zeros(1, np.int64), np.zeros(1, np.int64)
        _bounds_hold(qs, qs32, qerr, rowv, rows32, perr, pslope, qc, qc2, panels, Qs, Wn, n,
                     np.float32(tau), bad, missed)
        assert bad[0] == 0
        assert missed[0] == 0  # the panel and row filters never drop a row that can reach


def test_queries_in_bytes_to_63_give_the_float_answer(rng, query_code_max):
    W = rng.standard_normal((3000, 50)).astype(np.float32)
    W[:40] = W[0] + rng.standard_normal((40, 50)).astype(np.float32) * 1e-4  # near ties
    Q = np.concatenate([W[:30], rng.standard_normal((20, 50)).astype(np.float32)])
    qt = sd.quantize(W, "int8")
    qc = T8._query_terms(Q, np.abs(Q).sum(axis=1).astype(np.float32),
                         np.ones(50, np.float32), 13, 50)[0]
    assert np.abs(qc.view(np.int8)).max() == query_code_max
    for metric in ("cosine", "dot"):
        assert_same(topk_similar(Q, qt, 10, metric=metric, rerank=W),
                    topk_similar(Q, W, 10, metric=metric))


def test_a_small_candidate_buffer_gives_the_same_answer(rng, monkeypatch):
    monkeypatch.setattr(T8, "_CANDIDATES", 2 * D.GROUP * D.PANEL)
    W = rng.standard_normal((5000, 24)).astype(np.float32)
    Q = rng.standard_normal((40, 24)).astype(np.float32)
    Q[5, 3] = np.nan  # every row a candidate: many rounds
    qt = sd.quantize(W, "int8")
    idx, scores, stats = topk_similar(Q, qt, 7, rerank=W, return_stats=True)
    assert_same((idx, scores), topk_similar(Q, W, 7))
    assert stats["rescored"] > 5000


def _screen_parts(monkeypatch) -> list:
    """The ``n_parts`` of every call of the parallel screen kernel (a spy on the routing)."""
    import sparsedense._kernels._dispatch as dispatch

    parts, real = [], {}
    choose, is_parallel, task_args = dispatch.choose, dispatch.is_parallel, dispatch.task_args

    def spy(kernel, *args, **kwargs):
        chosen = choose(kernel, *args, **kwargs)
        if chosen not in (K._int8_screen, KT._int8_tile_screen):
            return chosen

        def run(*a):
            parts.append(a[-5])  # (..., n_tasks, n_parts, starts, ends, n_workers, counter)
            return chosen(*a)

        real[run] = chosen
        return run

    monkeypatch.setattr(dispatch, "choose", spy)
    monkeypatch.setattr(dispatch, "is_parallel", lambda k: is_parallel(real.get(k, k)))
    monkeypatch.setattr(dispatch, "task_args", lambda k, n: task_args(real.get(k, k), n))
    return parts


@pytest.mark.parametrize("n_q", [1, 5, 12])
def test_one_query_group_screens_the_rows_in_parts(rng, n_q, monkeypatch):
    """Fewer query groups than threads: each part of the rows is screened by a thread of
    its own against its own bounds, and exact ties across the parts still go to the
    smallest index (a part's bounds never drop a row of an earlier part)."""
    from reference import near_ties

    parts = _screen_parts(monkeypatch)
    W = near_ties(rng, 4000, 40)
    W[[100, 3900, 2100, 50, 3999]] = W[7]  # exact ties of row 7 in both halves
    Q = np.concatenate([W[[7, 3900, 2000]], rng.standard_normal((9, 40)).astype(np.float32)])
    qt = sd.quantize(W, "int8")
    with _tuning.override(PARALLEL_MIN_WORK=0):
        for k in (1, 4, 9):
            for exclude_self in (False, True):
                for metric in ("cosine", "dot"):
                    got = topk_similar(Q[:n_q], qt, k, metric=metric, rerank=W,
                                       exclude_self=exclude_self)
                    assert_same(got, topk_similar(Q[:n_q], W, k, metric=metric,
                                                  exclude_self=exclude_self))
        monkeypatch.setattr(T8, "_CANDIDATES", 2 * D.GROUP * D.PANEL)  # many rounds
        Q[1, 3] = np.nan  # (every row a candidate of query 1)
        assert_same(topk_similar(Q[:n_q], qt, 6, rerank=W), topk_similar(Q[:n_q], W, 6))
    if __import__("sparsedense._kernels._dispatch", fromlist=["workers"]).workers() > 1:
        assert max(parts) > 1


def test_no_queries_give_empty_answers(rng):
    W = rng.standard_normal((100, 8)).astype(np.float32)
    qt = sd.quantize(W, "int8")
    for metric in ("cosine", "dot"):
        idx, scores, stats = topk_similar(np.zeros((0, 8), np.float32), qt, 3, metric=metric,
                                          rerank=W, return_stats=True)
        assert idx.shape == (0, 3) and scores.shape == (0, 3) and stats["rescored"] == 0


@pytest.mark.parametrize("n", [1, 31, 32, 33, 100])
@pytest.mark.parametrize("dim", [1, 2, 5, 8])
def test_any_table_size_gives_the_float_answer(rng, n, dim):
    W = rng.standard_normal((n, dim)).astype(np.float32)
    qt = sd.quantize(W, "int8")
    k = min(3, n)
    for exclude_self in (False, True):
        if exclude_self and n < 2:
            continue
        kk = min(k, n - 1) if exclude_self else k
        for metric in ("cosine", "dot"):
            got = topk_similar(W, qt, kk, metric=metric, rerank=W, exclude_self=exclude_self)
            assert_same(got, topk_similar(W, W, kk, metric=metric, exclude_self=exclude_self))


def test_the_source_check_packs_as_quantize_does(rng):
    """The re-rank's check of the rows returned packs each float row as quantize does:
    every row of quantize's own tricky tables passes, and one changed value is caught."""
    from sparsedense._kernels._dispatch import choose
    from sparsedense._kernels.quantized import _int8_rows_differ

    def first_mismatch(W, rows, qt):
        # both the parallel kernel and its serial twin
        flags = [np.zeros(rows.size, dtype=np.bool_) for _ in range(2)]
        _int8_rows_differ(W, rows, qt.data, flags[0])
        choose(_int8_rows_differ, 0)(W, rows, qt.data, flags[1])
        assert np.array_equal(flags[0], flags[1])
        return int(np.argmax(flags[0])) if flags[0].any() else -1

    dim = 29
    rows = [rng.standard_normal(dim), np.full(dim, 3.7), np.zeros(dim),
            rng.standard_normal(dim) * 1e-7, rng.standard_normal(dim) * 1e3,
            rng.standard_normal(dim) + 1e4, np.linspace(-65000, 65000, dim),
            rng.standard_normal(dim) * 1e-30, np.r_[np.full(dim - 1, 1.0), 1.0 + 1e-7],
            np.linspace(-1, 1, dim) * 2.5]  # values on half steps
    for W in (np.array(rows, dtype=np.float32), np.array(rows, dtype=np.float64),
              rng.standard_normal((500, dim)).astype(np.float32) * 40):
        qt = sd.quantize(W, "int8")
        everything = np.arange(W.shape[0])
        assert first_mismatch(W, everything, qt) == -1
        for r in (0, W.shape[0] - 1):
            bent = W.copy()
            bent[r, 5] += max(1e-3, abs(bent[r, 5])) * 0.5  # well beyond a code's step
            if not np.array_equal(sd.quantize(bent, "int8").data[r], qt.data[r]):
                assert first_mismatch(bent, everything, qt) == r


def test_another_float_table_is_refused_after_the_int8_screen(rng):
    W = rng.standard_normal((300, 16)).astype(np.float32)
    qt = sd.quantize(W, "int8")
    other = W.copy()
    other[:, 3] += 0.5
    with pytest.raises(ValueError, match="does not pack to the compressed corpus"):
        topk_similar(W[:4], qt, 3, rerank=other)


def test_the_screen_keeps_a_few_bytes_a_row_beside_the_table(rng, int8_screen):
    """What a table keeps for its screen (issue 26: the screen's memory a 3.5th of the
    float table's or less): float32 terms per row and per panel, no panels of codes
    (they are built a block at a time), no norms; the call's own buffers are freed.
    Only what sparsedense's frames allocated counts: another thread of the process
    (a dask client's loop, left by an earlier test) allocates meanwhile."""
    import gc
    import os
    import tracemalloc

    n, dim = 8000, 300
    W = rng.standard_normal((n, dim)).astype(np.float32)
    Q = W[:40]
    metrics = ("cosine", "dot")
    want = [topk_similar(Q, W, 5, metric=metric) for metric in metrics]
    for metric in metrics:  # compiled before tracing
        topk_similar(Q, sd.quantize(W, "int8"), 5, metric=metric, rerank=W)
    qt = sd.quantize(W, "int8")
    gc.collect()
    ours = os.path.join(os.path.dirname(sd.__file__), "*")
    tracemalloc.start(16)  # frames enough to reach ours from numpy's and numba's
    try:
        got = [topk_similar(Q, qt, 5, metric=metric, rerank=W) for metric in metrics]
        gc.collect()
        live = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, ours, all_frames=True)])
    finally:
        tracemalloc.stop()
    kept = sum(t.size for t in live.traces) - sum(a.nbytes + b.nbytes for a, b in got)
    for g, w in zip(got, want):
        assert_same(g, w)
    per_metric = kept / 2
    assert per_metric <= 30 * n, per_metric / n  # 28 bytes a row, 52 a panel of 32
    assert (qt.data.nbytes + per_metric) * 3.5 <= W.nbytes


@pytest.mark.parametrize("n_q", [3, 9, 30, 80])
def test_every_way_of_building_the_panels_gives_the_float_answer(rng, n_q, monkeypatch,
                                                                 int8_screen):
    """A few queries on the rows as stored, the parts' tasks building their panels for
    every query group, and groups sharing blocks of panels built between calls (an L2
    of 32 KiB makes 80 queries share blocks of 12 panels, 11 calls), each with a
    candidate buffer small enough to stop the tasks and resume them."""
    import dataclasses

    real = _tuning.machine()
    monkeypatch.setattr(_tuning, "machine", lambda: dataclasses.replace(real, l2=32 << 10))
    W = rng.standard_normal((4000, 40)).astype(np.float32)
    W[:30] = W[0] + rng.standard_normal((30, 40)).astype(np.float32) * 1e-4  # near ties
    Q = np.concatenate([W[:n_q // 2], rng.standard_normal((n_q - n_q // 2, 40))
                        .astype(np.float32)])
    qt = sd.quantize(W, "int8")
    for cap in (T8._CANDIDATES, 2 * D.GROUP * D.PANEL):
        monkeypatch.setattr(T8, "_CANDIDATES", cap)
        for metric in ("cosine", "dot"):
            for exclude_self in (False, True):
                got = topk_similar(Q, qt, 7, metric=metric, rerank=W, exclude_self=exclude_self)
                assert_same(got, topk_similar(Q, W, 7, metric=metric,
                                              exclude_self=exclude_self))
