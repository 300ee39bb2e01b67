"""Exact top-k from a compressed corpus: the screen's bounds and the re-rank with the float rows.

``topk_similar(Q, quantize(W), k, rerank=W)`` must return exactly what
``topk_similar(Q, W, k)`` returns (indices, ties and scores) for every format,
metric and option; the bound on each value's error must hold for every row
the packer can make; and every misuse is refused with nothing computed.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import sparsedense as sd
from sparsedense._topk_compressed import value_error
from sparsedense.similarity import topk_similar

FORMATS = ("int8", "int4", "float16")


@pytest.fixture
def rng():
    return np.random.default_rng(2026)


def clustered(rng, n, dim, n_clusters=20, spread=0.3, dtype=np.float32):
    """Rows around a few centres (neighbours stand out, as in trained vectors)."""
    centres = rng.standard_normal((n_clusters, dim))
    rows = centres[rng.integers(0, n_clusters, n)] + spread * rng.standard_normal((n, dim))
    return rows.astype(dtype)


def assert_same(got, want):
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])  # NaN == NaN here


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("metric", ["cosine", "dot"])
@pytest.mark.parametrize("exclude_self", [False, True])
def test_rerank_equals_the_float_tables_topk(rng, fmt, metric, exclude_self):
    W = clustered(rng, 3000, 24)
    Q = W[:40] + 0.05 * rng.standard_normal((40, 24)).astype(np.float32)
    qt = sd.quantize(W, fmt)
    want = topk_similar(Q, W, 7, exclude_self=exclude_self, metric=metric)
    got = topk_similar(Q, qt, 7, exclude_self=exclude_self, metric=metric, rerank=W)
    assert_same(got, want)


@pytest.mark.parametrize("block_size", [1, 5, 16, 17, 33, None])
def test_rerank_is_exact_for_any_block_size_and_tile(rng, block_size, monkeypatch):
    from sparsedense._kernels import _tuning

    W = clustered(rng, 5000, 40)
    Q = rng.standard_normal((60, 40)).astype(np.float32)
    qt = sd.quantize(W, "int8")
    want = topk_similar(Q, W, 10)
    with _tuning.override(TOPK_TILE_SCORES=1 << 12):  # many narrow tiles
        got = topk_similar(Q, qt, 10, block_size=block_size, rerank=W)
    assert_same(got, want)


def test_rerank_keeps_ties_in_index_order(rng):
    base = clustered(rng, 200, 16)
    W = np.concatenate([base, base, base[::-1]])  # every row three times
    Q = base[:30]
    for fmt in FORMATS:
        got = topk_similar(Q, sd.quantize(W, fmt), 9, rerank=W)
        want = topk_similar(Q, W, 9)
        assert_same(got, want)
        assert (np.diff(got[0][:, :3], axis=1) > 0).all()  # equal scores: lower index first


def test_rerank_in_float64_and_with_float64_queries(rng):
    W = clustered(rng, 2000, 20, dtype=np.float64)
    Q = rng.standard_normal((25, 20))
    qt = sd.quantize(W, "int8")
    got = topk_similar(Q, qt, 5, rerank=W)
    want = topk_similar(Q, W, 5)
    assert got[1].dtype == np.float64
    assert_same(got, want)
    W32 = W.astype(np.float32)
    assert_same(topk_similar(Q, sd.quantize(W32), 5, rerank=W32), topk_similar(Q, W32, 5))


def test_rerank_of_degenerate_rows_and_queries(rng):
    W = clustered(rng, 1500, 12)
    W[[3, 700]] = 0.0  # zero rows
    W[9] = 2.5  # a constant row
    W[11] *= 1e-6  # a tiny row
    Q = rng.standard_normal((8, 12)).astype(np.float32)
    Q[1] = 0.0  # a zero query
    Q[2, 4] = np.nan  # a NaN query
    Q[3] = W[9]
    for fmt in FORMATS:
        for metric in ("cosine", "dot"):
            got = topk_similar(Q, sd.quantize(W, fmt), 6, metric=metric, rerank=W)
            assert_same(got, topk_similar(Q, W, 6, metric=metric))


def test_rerank_reads_candidates_only_from_a_memory_map(rng, tmp_path):
    W = clustered(rng, 20000, 32, n_clusters=400, spread=0.1)
    np.save(tmp_path / "W.npy", W)
    Wm = np.load(tmp_path / "W.npy", mmap_mode="r")
    Q = W[:50] + 0.01
    qt = sd.quantize(W, "int8")
    idx, scores, stats = topk_similar(Q, qt, 10, rerank=Wm, return_stats=True)
    assert_same((idx, scores), topk_similar(Q, W, 10))
    assert set(stats) == {"rows", "rows_read", "rescored"}
    assert stats["rows"] == 20000
    assert 10 <= stats["rows_read"] < 20000 // 4  # the screen rules out most rows
    assert stats["rescored"] >= 50 * 10


def test_rerank_with_a_small_candidate_buffer(rng, monkeypatch):
    """Candidates scored in many rounds (the buffer fills mid-tile): the same answer."""
    import sparsedense._topk_compressed as tc

    monkeypatch.setattr(tc, "_CANDIDATES", 2048)
    W = clustered(rng, 6000, 16)
    Q = rng.standard_normal((30, 16)).astype(np.float32)
    rescored = {}
    for fmt in ("int4", "int8"):  # int4: most rows are candidates
        idx, scores, stats = topk_similar(Q, sd.quantize(W, fmt), 8, rerank=W,
                                          return_stats=True)
        assert_same((idx, scores), topk_similar(Q, W, 8))
        rescored[fmt] = stats["rescored"]
    assert rescored["int4"] > 4 * 2048  # several rounds


def test_rerank_bounds_follow_each_block_of_rows(rng):
    """Rows whose error bounds differ block by block (512 rows) after the heaps fill.

    The first rows are packed finely; from row 512 on an outlier value makes
    each row's code step large, so its decoded score says little and only
    its own (large) bound keeps it a candidate (the dot products of rows
    512..521, the true top-10, may decode below the fine rows').
    """
    dim = 12
    signal = rng.standard_normal(dim)
    fine = 0.1 * signal + 0.01 * rng.standard_normal((512, dim))  # small steps
    fine[:10] = 0.9 * signal  # the first k: the heaps fill with high lower bounds
    coarse = 0.3 * signal + 0.3 * rng.standard_normal((1536, dim))
    coarse[:10] = signal  # rows 512..521, the true top-10: right after the heaps fill
    coarse[:, 0] = 0.0
    coarse[:, 1] = rng.choice([-300.0, 300.0], 1536)  # range 600: int8 steps of 2.4
    W = np.concatenate([fine, coarse]).astype(np.float32)
    Q = np.tile(signal, (5, 1)).astype(np.float32)
    Q[:, 1] = 0.0
    for fmt in FORMATS:
        for metric in ("cosine", "dot"):
            got = topk_similar(Q, sd.quantize(W, fmt), 10, metric=metric, rerank=W)
            assert_same(got, topk_similar(Q, W, 10, metric=metric))


def test_sparse_queries_rerank_as_their_dense_rows(rng):
    W = clustered(rng, 1000, 30)
    Q = sp.random(12, 30, density=0.3, format="csr", random_state=1, dtype=np.float32)
    got = topk_similar(Q, sd.quantize(W), 4, rerank=W)
    assert_same(got, topk_similar(Q.toarray(), W, 4))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(5, 300), dim=st.integers(1, 40), n_q=st.integers(1, 20),
       k=st.integers(1, 5), scale=st.sampled_from([1e-3, 1.0, 50.0]),
       fmt=st.sampled_from(FORMATS), metric=st.sampled_from(["cosine", "dot"]),
       seed=st.integers(0, 2**16))
def test_rerank_is_exact_on_random_tables(n, dim, n_q, k, scale, fmt, metric, seed):
    rng = np.random.default_rng(seed)
    W = (scale * rng.standard_normal((n, dim))).astype(np.float32)
    W[rng.random(n) < 0.1] += 3 * scale  # rows off centre: biases far from zero
    Q = rng.standard_normal((n_q, dim)).astype(np.float32)
    k = min(k, n)
    got = topk_similar(Q, sd.quantize(W, fmt), k, metric=metric, rerank=W)
    assert_same(got, topk_similar(Q, W, k, metric=metric))


# -- the bound on each value's error ---------------------------------------------------

def tricky_rows(rng, dim):
    rows = [rng.standard_normal(dim), np.full(dim, 3.7), np.zeros(dim),
            rng.standard_normal(dim) * 1e-7, rng.standard_normal(dim) * 1e3,
            rng.standard_normal(dim) + 1e4, np.linspace(-65000, 65000, dim),
            rng.standard_normal(dim) * 1e-30, np.r_[np.full(dim - 1, 1.0), 1.0 + 1e-7]]
    return np.array(rows, dtype=np.float32)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dim", [1, 2, 7, 64, 301])
def test_value_error_bounds_every_decoded_value(rng, fmt, dim):
    W = np.concatenate([tricky_rows(rng, dim),
                        (rng.standard_normal((300, dim)) * rng.lognormal(0, 3, (300, 1)))
                        .astype(np.float32)])
    qt = sd.quantize(W, fmt)
    err = np.abs(W.astype(np.float64) - qt.dequantize().astype(np.float64)).max(axis=1)
    bound = value_error(qt)
    assert (err <= bound).all(), np.flatnonzero(err > bound)


@pytest.mark.parametrize("fmt", ["int8", "int4"])
def test_value_error_bounds_rows_packed_by_torch(rng, fmt):
    torch = pytest.importorskip("torch")
    W = np.concatenate([tricky_rows(rng, 16), rng.standard_normal((200, 16)).astype(np.float32)])
    pack = (torch.ops.quantized.embedding_bag_byte_prepack if fmt == "int8"
            else torch.ops.quantized.embedding_bag_4bit_prepack)
    qt = sd.QuantizedTable(pack(torch.from_numpy(W)).numpy(), fmt, 16)
    err = np.abs(W.astype(np.float64) - qt.dequantize().astype(np.float64)).max(axis=1)
    assert (err <= value_error(qt)).all()


# -- misuse --------------------------------------------------------------------------

def test_rerank_misuse_is_refused(rng):
    W = clustered(rng, 500, 8)
    qt = sd.quantize(W)
    Q = W[:3]
    with pytest.raises(ValueError, match=r"rerank has shape \(499, 8\)"):
        topk_similar(Q, qt, 3, rerank=W[:499])
    with pytest.raises(TypeError, match="rerank must be the dense float table"):
        topk_similar(Q, qt, 3, rerank=sp.csr_matrix(W))
    with pytest.raises(TypeError, match="rerank must be the dense float table"):
        topk_similar(Q, qt, 3, rerank=W.tolist())
    with pytest.raises(TypeError, match="got dtype int32"):
        topk_similar(Q, qt, 3, rerank=W.astype(np.int32))
    with pytest.raises(ValueError, match="pass corpus as a QuantizedTable"):
        topk_similar(Q, W, 3, rerank=W)
    with pytest.raises(ValueError, match="pass rerank=W as well"):
        topk_similar(Q, qt, 3, return_stats=True)


def test_rerank_of_another_table_is_refused(rng):
    W = clustered(rng, 500, 8)
    qt = sd.quantize(W)
    other = W[::-1].copy()
    with pytest.raises(ValueError, match="does not pack to the compressed corpus's row"):
        topk_similar(W[:5], qt, 3, rerank=other)
