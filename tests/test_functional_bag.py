"""Embedding bags and their gradients against plain numpy (tests/reference.py).

Covers ``sparsedense.functional.embedding_bag`` / ``embedding_bag_backward``:
the three modes on 1-D indices with offsets and on 2-D indices,
``include_last_offset``, empty bags, ``padding_idx``, ``per_sample_weights``
(sum, and the weighted mean this library adds), ``max_norm``, dense and
row-sparse gradients (with ``scale_grad_by_freq``), and every refused input
(right exception, useful message, nothing changed). The ``EmbeddingBag``
module is tested in test_nn.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from sparsedense.functional import embedding, embedding_bag, embedding_bag_backward
from sparsedense.grad import RowSparseGrad
from sparsedense.nn import EmbeddingBag

SETTINGS = settings(max_examples=40, deadline=None)

MODES = ["sum", "mean", "max"]
FLOAT_DTYPES = [np.float32, np.float64]
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.fixture
def rng():
    return np.random.default_rng(8675309)


def _table(rng, v, d, dtype=np.float32):
    return rng.standard_normal((v, d)).astype(dtype)


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _close(ours, want, dtype=np.float32):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(want), **_tol(dtype))


# --------------------------------------------------------------------------- forward


def test_docstring_numbers():
    W = np.arange(12, dtype=np.float32).reshape(6, 2)
    assert embedding_bag([1, 2, 4, 5], W, offsets=[0, 2], mode="sum").tolist() == [
        [6.0, 8.0], [18.0, 20.0]]
    assert embedding_bag([[1, 2], [4, 5]], W, mode="mean").tolist() == [[3.0, 4.0], [9.0, 10.0]]
    assert embedding_bag([1, 5, 0], W, [0, 2], "max").tolist() == [[10.0, 11.0], [0.0, 1.0]]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_1d_with_offsets_matches_reference(rng, mode, dtype):
    W = _table(rng, 30, 5, dtype)
    idx = rng.integers(0, 30, size=17)
    offsets = np.array([0, 3, 3, 9, 16])  # an empty bag, a bag of one at the end
    out = embedding_bag(idx, W, offsets, mode=mode)
    assert out.shape == (5, 5) and out.dtype == dtype
    _close(out, reference.embedding_bag(idx, W, offsets, mode), dtype)
    assert np.array_equal(out[1], np.zeros(5))
    _close(out[4], W[idx[16]], dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_2d_naive_equivalents(rng, dtype):
    """torch's docs: sum == Embedding then sum(dim=1); the same for mean and max."""
    W = _table(rng, 12, 4, dtype)
    idx = rng.integers(0, 12, size=(6, 5))
    looked_up = embedding(idx, W)
    _close(embedding_bag(idx, W, mode="sum"), looked_up.sum(axis=1), dtype)
    _close(embedding_bag(idx, W, mode="mean"), looked_up.mean(axis=1), dtype)
    assert np.array_equal(embedding_bag(idx, W, mode="max"), looked_up.max(axis=1))
    # and the 1-D form with offsets every 5 entries gives the same bags
    flat, offsets = idx.reshape(-1), np.arange(0, 30, 5)
    for mode in MODES:
        assert np.array_equal(embedding_bag(idx, W, mode=mode),
                              embedding_bag(flat, W, offsets, mode=mode))


def test_default_mode_is_mean(rng):
    W = _table(rng, 8, 3)
    idx = np.array([[1, 2, 2], [7, 0, 3]])
    assert np.array_equal(embedding_bag(idx, W), embedding_bag(idx, W, mode="mean"))


@pytest.mark.parametrize("mode", MODES)
def test_include_last_offset(rng, mode):
    W = _table(rng, 10, 3)
    idx = rng.integers(0, 10, size=9)
    with_last = embedding_bag(idx, W, [0, 2, 5, 9], mode=mode, include_last_offset=True)
    without = embedding_bag(idx, W, [0, 2, 5], mode=mode)
    assert with_last.shape == (3, 3)
    assert np.array_equal(with_last, without)
    # entries after the last offset belong to no bag
    short = embedding_bag(idx, W, [0, 2, 5, 7], mode=mode, include_last_offset=True)
    _close(short, reference.embedding_bag(idx, W, [0, 2, 5, 7], mode,
                                          include_last_offset=True))
    _close(short[2], reference.embedding_bag(idx[5:7], W, [0], mode)[0])
    # a single offset with include_last_offset: no bag at all
    assert embedding_bag(idx, W, [0], mode=mode, include_last_offset=True).shape == (0, 3)


@pytest.mark.parametrize("mode", MODES)
def test_empty_bags_give_zeros(rng, mode):
    W = _table(rng, 10, 4) + 5.0  # all positive: a max of nothing must not be 5-ish
    idx = np.array([3, 4, 5])
    out = embedding_bag(idx, W, [0, 0, 1, 3, 3], mode=mode)
    assert out.shape == (5, 4)
    for b in (0, 3, 4):
        assert np.array_equal(out[b], np.zeros(4))
    assert not np.isnan(out).any()
    # no indices at all
    assert np.array_equal(embedding_bag(np.array([], np.int64), W, [0, 0], mode=mode),
                          np.zeros((2, 4), np.float32))
    assert np.array_equal(embedding_bag(np.zeros((3, 0), np.int64), W, mode=mode),
                          np.zeros((3, 4), np.float32))
    assert embedding_bag(np.zeros((0, 4), np.int64), W, mode=mode).shape == (0, 4)


@pytest.mark.parametrize("padding_idx", [2, -8])  # -8 is row 2 of a 10-row table
@pytest.mark.parametrize("mode", MODES)
def test_padding_idx_is_skipped(rng, mode, padding_idx):
    W = _table(rng, 10, 3) + 3.0  # the padding row is large and not zero
    idx = np.array([[1, 2, 4, 2], [2, 2, 2, 2], [5, 6, 2, 7]])
    out = embedding_bag(idx, W, mode=mode, padding_idx=padding_idx)
    _close(out, reference.embedding_bag(idx, W, mode=mode, padding_idx=padding_idx))
    want0 = {"sum": W[1] + W[4], "mean": (W[1] + W[4]) / 2,
             "max": np.maximum(W[1], W[4])}[mode]
    _close(out[0], want0)  # the mean divides by 2, not 4
    assert np.array_equal(out[1], np.zeros(3))  # only padding -> zeros


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_per_sample_weights_sum(rng, dtype):
    W = _table(rng, 10, 3, dtype)
    idx = np.array([1, 1, 4, 7, 0])
    psw = np.array([0.5, 2.0, -1.0, 3.0, 1.5], dtype)
    out = embedding_bag(idx, W, [0, 3], mode="sum", per_sample_weights=psw)
    _close(out[0], 0.5 * W[1] + 2.0 * W[1] - 1.0 * W[4], dtype)
    _close(out[1], 3.0 * W[7] + 1.5 * W[0], dtype)
    _close(out, reference.embedding_bag(idx, W, [0, 3], "sum", psw), dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_per_sample_weights_mean_is_weighted_mean(rng, dtype):
    W = _table(rng, 10, 3, dtype)
    idx = np.array([1, 4, 7, 2, 3, 5, 6])
    psw = np.array([3.0, 1.0, 2.0, 1.0, -1.0, 0.0, 0.0], dtype)
    out = embedding_bag(idx, W, [0, 3, 5, 7], mode="mean", per_sample_weights=psw)
    _close(out[0], (3 * W[1] + W[4] + 2 * W[7]) / 6, dtype)
    assert np.array_equal(out[1], np.zeros(3))  # weights summing to 0 -> zeros
    assert np.array_equal(out[2], np.zeros(3))  # all weights 0 -> zeros
    assert np.array_equal(out[3], np.zeros(3))  # empty bag
    assert not np.isnan(out).any()
    _close(out, reference.embedding_bag(idx, W, [0, 3, 5, 7], "mean", psw), dtype)


def test_per_sample_weights_with_padding(rng):
    W = _table(rng, 6, 2)
    idx = np.array([[0, 3, 0], [4, 0, 5]])
    psw = np.array([[9.0, 2.0, 9.0], [1.0, 9.0, 3.0]], np.float32)
    out = embedding_bag(idx, W, mode="mean", per_sample_weights=psw, padding_idx=0)
    _close(out[0], W[3])
    _close(out[1], (W[4] + 3 * W[5]) / 4)
    out = embedding_bag(idx, W, mode="sum", per_sample_weights=psw, padding_idx=0)
    _close(out, [2 * W[3], W[4] + 3 * W[5]])


@pytest.mark.parametrize("norm_type", [1.0, 2.0, float("inf")])
@pytest.mark.parametrize("mode", MODES)
def test_max_norm_renormalizes_referenced_rows(rng, mode, norm_type):
    W = _table(rng, 20, 4) * 3
    idx = np.array([1, 3, 3, 5, 1, 9])
    want_w = reference.embedding_renorm(W, idx, 1.5, norm_type)
    w = W.copy()
    out = embedding_bag(idx, w, [0, 2, 4], mode=mode, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(w, want_w, rtol=1e-6, atol=1e-7)
    untouched = np.setdiff1d(np.arange(20), idx)
    assert np.array_equal(w[untouched], W[untouched])
    _close(out, reference.embedding_bag(idx, want_w, [0, 2, 4], mode))


def test_max_norm_padding_row_renormalized_like_embedding(rng):
    """The docstring: max_norm renormalizes "as :func:`embedding`" (and torch renorms every
    entry of the input, padding included)."""
    W = _table(rng, 8, 3) * 4
    idx = np.array([[2, 0, 5], [0, 0, 7]])
    w_lookup = W.copy()
    embedding(idx, w_lookup, padding_idx=0, max_norm=1.0)
    w_bag = W.copy()
    embedding_bag(idx, w_bag, mode="sum", padding_idx=0, max_norm=1.0)
    np.testing.assert_array_equal(w_bag, w_lookup)


def test_readonly_and_strided_tables(rng):
    W = _table(rng, 10, 4)
    idx = rng.integers(0, 10, size=(3, 4))
    ro = W.copy()
    ro.flags.writeable = False
    f = np.asfortranarray(W)
    view = np.zeros((20, 8), np.float32)
    view[::2, ::2] = W
    for table in (ro, f, view[::2, ::2]):
        for mode in MODES:
            assert np.array_equal(embedding_bag(idx, table, mode=mode),
                                  embedding_bag(idx, W, mode=mode))
    with pytest.raises(ValueError, match="read-only"):
        embedding_bag(idx, ro, mode="sum", max_norm=1.0)


def test_large_input_takes_parallel_path_and_matches(rng):
    W = _table(rng, 2000, 32)
    sizes = rng.integers(0, 60, size=200)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    idx = rng.integers(0, 2000, size=int(sizes.sum()))
    assert idx.size * 32 >= 1 << 16
    for mode in MODES:
        _close(embedding_bag(idx, W, offsets, mode=mode),
               reference.embedding_bag(idx, W, offsets, mode))


def _gen_bags(seed, sizes, v, pool_size):
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, v, size=max(1, pool_size))  # a small pool -> many duplicates
    n = int(sum(sizes))
    idx = pool[rng.integers(0, pool.size, size=n)]
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64) if sizes else \
        np.zeros(0, np.int64)
    psw = rng.choice(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), size=n)
    return rng, idx, offsets, psw


@SETTINGS
@given(
    sizes=st.lists(st.integers(0, 7), min_size=1, max_size=8),
    v=st.integers(1, 40),
    dim=st.integers(1, 6),
    pool_size=st.integers(1, 10),
    mode=st.sampled_from(MODES),
    dtype=st.sampled_from(FLOAT_DTYPES),
    idx_dtype=st.sampled_from(INT_DTYPES),
    use_padding=st.booleans(),
    use_weights=st.booleans(),
    include_last_offset=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_embedding_bag_matches_reference(sizes, v, dim, pool_size, mode, dtype, idx_dtype,
                                         use_padding, use_weights, include_last_offset, seed):
    rng, idx, offsets, psw = _gen_bags(seed, sizes, v, pool_size)
    if include_last_offset:
        offsets = np.append(offsets, idx.size)
    padding_idx = int(rng.integers(-v, v)) if use_padding else None
    psw = psw.astype(dtype) if use_weights and mode != "max" else None
    W = _table(rng, v, dim, dtype)
    idx_t = idx.astype(idx_dtype)
    before = W.copy()
    out = embedding_bag(idx_t, W, offsets, mode=mode, per_sample_weights=psw,
                        padding_idx=padding_idx, include_last_offset=include_last_offset)
    want = reference.embedding_bag(idx, W, offsets, mode, psw, padding_idx,
                                   include_last_offset)
    assert out.shape == (len(sizes), dim) and out.dtype == dtype
    _close(out, want, dtype)
    assert np.array_equal(W, before)


@SETTINGS
@given(
    n_bags=st.integers(0, 6),
    length=st.integers(0, 6),
    v=st.integers(1, 30),
    dim=st.integers(1, 5),
    mode=st.sampled_from(MODES),
    dtype=st.sampled_from(FLOAT_DTYPES),
    idx_dtype=st.sampled_from(INT_DTYPES),
    use_padding=st.booleans(),
    use_weights=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_embedding_bag_2d_matches_reference(n_bags, length, v, dim, mode, dtype, idx_dtype,
                                            use_padding, use_weights, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v, size=(n_bags, length))
    padding_idx = int(rng.integers(-v, v)) if use_padding else None
    psw = (rng.choice(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), size=idx.shape).astype(dtype)
           if use_weights and mode != "max" else None)
    W = _table(rng, v, dim, dtype)
    out = embedding_bag(idx.astype(idx_dtype), W, mode=mode, per_sample_weights=psw,
                        padding_idx=padding_idx)
    assert out.shape == (n_bags, dim) and out.dtype == dtype
    _close(out, reference.embedding_bag(idx, W, None, mode, psw, padding_idx), dtype)
    if mode == "sum" and psw is None and padding_idx is None:
        _close(out, embedding(idx, W).sum(axis=1), dtype)


# --------------------------------------------------------------------------- backward


def _check_backward(g, idx, W, offsets, mode, psw, padding_idx, include_last_offset,
                    scale, dtype):
    want_w, want_s = reference.embedding_bag_backward(
        g, idx, W, offsets, mode, psw, padding_idx, include_last_offset, scale)
    kw = dict(mode=mode, per_sample_weights=psw, padding_idx=padding_idx,
              include_last_offset=include_last_offset, scale_grad_by_freq=scale)
    gw, gs = embedding_bag_backward(g, idx, W, offsets, **kw)
    assert isinstance(gw, np.ndarray) and gw.shape == W.shape and gw.dtype == dtype
    _close(gw, want_w, dtype)
    sgw, sgs = embedding_bag_backward(g, idx, W, offsets, sparse=True, **kw)
    assert isinstance(sgw, RowSparseGrad) and sgw.shape == W.shape
    assert np.all(np.diff(sgw.indices) > 0)
    assert np.array_equal(sgw.to_dense(), gw)
    if psw is None:
        assert gs is None and sgs is None
    else:
        assert gs.shape == np.shape(idx) and gs.dtype == dtype
        _close(gs, want_s, dtype)
        assert np.array_equal(gs, sgs)
    return gw, gs


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_backward_each_mode(rng, mode, dtype):
    W = _table(rng, 15, 4, dtype)
    idx = np.array([3, 3, 7, 1, 14, 3, 0, 7, 7])
    offsets = np.array([0, 4, 4, 6])
    g = rng.standard_normal((4, 4)).astype(dtype)
    gw, _ = _check_backward(g, idx, W, offsets, mode, None, None, False, False, dtype)
    if mode == "sum":
        _close(gw[3], 2 * g[0] + g[2], dtype)
        _close(gw[7], g[0] + 2 * g[3], dtype)
    elif mode == "mean":
        _close(gw[3], 2 * g[0] / 4 + g[2] / 2, dtype)
        _close(gw[7], g[0] / 4 + 2 * g[3] / 3, dtype)
    assert np.array_equal(gw[[2, 4, 5]], np.zeros((3, 4)))


def test_backward_per_sample_weights_formulas(rng):
    W = _table(rng, 6, 3, np.float64)
    idx = np.array([1, 4, 1, 5, 2])
    psw = np.array([2.0, -1.0, 0.5, 1.0, 3.0])
    g = rng.standard_normal((2, 3))
    gw, gs = embedding_bag_backward(g, idx, W, [0, 3], "sum", per_sample_weights=psw)
    np.testing.assert_allclose(gs, [g[0] @ W[1], g[0] @ W[4], g[0] @ W[1], g[1] @ W[5],
                                    g[1] @ W[2]], rtol=1e-12)
    np.testing.assert_allclose(gw[1], 2.5 * g[0], rtol=1e-12)
    np.testing.assert_allclose(gw[4], -g[0], rtol=1e-12)
    gw, gs = embedding_bag_backward(g, idx, W, [0, 3], "mean", per_sample_weights=psw)
    out = embedding_bag(idx, W, [0, 3], "mean", per_sample_weights=psw)
    np.testing.assert_allclose(gs[:3], [g[0] @ (W[i] - out[0]) / 1.5 for i in idx[:3]],
                               rtol=1e-10)
    np.testing.assert_allclose(gs[3:], [g[1] @ (W[i] - out[1]) / 4.0 for i in idx[3:]],
                               rtol=1e-10)
    np.testing.assert_allclose(gw[1], 2.5 / 1.5 * g[0], rtol=1e-12)


def test_backward_per_sample_weights_numerical_gradient(rng):
    """Finite differences of the forward (float64) agree with the analytic gradients."""
    W = _table(rng, 7, 3, np.float64)
    idx = np.array([1, 4, 1, 5, 2, 6])
    offsets = [0, 3, 3]
    psw = np.array([2.0, -1.0, 0.5, 1.0, 3.0, 0.25])
    g = rng.standard_normal((3, 3))
    eps = 1e-6
    for mode in ("sum", "mean"):
        _, gs = embedding_bag_backward(g, idx, W, offsets, mode, per_sample_weights=psw)
        num = np.empty(psw.size)
        for p in range(psw.size):
            up, down = psw.copy(), psw.copy()
            up[p] += eps
            down[p] -= eps
            num[p] = (np.sum(g * embedding_bag(idx, W, offsets, mode, up))
                      - np.sum(g * embedding_bag(idx, W, offsets, mode, down))) / (2 * eps)
        np.testing.assert_allclose(gs, num, rtol=1e-6, atol=1e-8)


def test_backward_max_goes_to_first_argmax(rng):
    W = np.array([[1.0, 5.0], [3.0, 5.0], [3.0, 0.0], [-2.0, -1.0]], np.float32)
    g = np.array([[10.0, 20.0], [1.0, 2.0]], np.float32)
    # bag 0: column 0 max 3 reached by rows 1 then 2 -> row 1; column 1 max 5 by rows 1, 0
    gw, _ = embedding_bag_backward(g, [3, 1, 2, 0, 3, 3], W, [0, 4], "max")
    assert gw.tolist() == [[0.0, 0.0], [10.0, 20.0], [0.0, 0.0], [1.0, 2.0]]
    sgw, _ = embedding_bag_backward(g, [3, 1, 2, 0, 3, 3], W, [0, 4], "max", sparse=True)
    assert sgw.to_dense().tolist() == gw.tolist()
    assert {1, 3} <= set(sgw.indices.tolist()) <= {0, 1, 2, 3}  # referenced rows (zeros allowed)


@pytest.mark.parametrize("padding_idx", [None, 0])
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_scale_grad_by_freq(rng, mode, padding_idx):
    W = _table(rng, 8, 2)
    idx = np.array([0, 3, 3, 0, 5, 3, 0, 0])  # 3 occurs 3 times, 5 once, 0 (padding?) 4
    g = rng.standard_normal((3, 2)).astype(np.float32)
    offsets = np.array([0, 3, 6])
    gw, _ = _check_backward(g, idx, W, offsets, mode, None, padding_idx, False, True,
                            np.float32)
    if mode == "sum":
        _close(gw[3], (2 * g[0] + g[1]) / 3)
        _close(gw[5], g[1])
        if padding_idx is None:
            _close(gw[0], (g[0] + g[1] + 2 * g[2]) / 4)
        else:
            assert np.array_equal(gw[0], np.zeros(2))
    # with per-sample weights too
    psw = rng.choice([0.5, 1.0, 2.0], size=idx.size).astype(np.float32)
    _check_backward(g, idx, W, offsets, mode, psw, padding_idx, False, True, np.float32)


def test_scale_grad_by_freq_counts_only_entries_in_bags(rng):
    """Entries after the last offset (include_last_offset) are in no bag: not counted."""
    W = _table(rng, 5, 2)
    idx = np.array([1, 2, 1, 1, 1])
    g = np.ones((1, 2), np.float32)
    gw, _ = embedding_bag_backward(g, idx, W, [0, 2], "sum", include_last_offset=True,
                                   scale_grad_by_freq=True)
    assert gw[1].tolist() == [1.0, 1.0] and gw[2].tolist() == [1.0, 1.0]


def test_scale_grad_by_freq_refused_with_max(rng):
    W = _table(rng, 5, 2)
    with pytest.raises(ValueError, match="scale_grad_by_freq.*max"):
        embedding_bag_backward(np.ones((1, 2), np.float32), [1, 2], W, [0], "max",
                               scale_grad_by_freq=True)
    with pytest.raises(ValueError, match="scale_grad_by_freq.*max"):
        EmbeddingBag(5, 2, mode="max", scale_grad_by_freq=True)


@SETTINGS
@given(
    sizes=st.lists(st.integers(0, 7), min_size=1, max_size=8),
    v=st.integers(1, 30),
    dim=st.integers(1, 5),
    pool_size=st.integers(1, 10),
    mode=st.sampled_from(MODES),
    dtype=st.sampled_from(FLOAT_DTYPES),
    idx_dtype=st.sampled_from(INT_DTYPES),
    use_padding=st.booleans(),
    use_weights=st.booleans(),
    include_last_offset=st.booleans(),
    scale=st.booleans(),
    two_d=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_embedding_bag_backward_matches_reference(sizes, v, dim, pool_size, mode, dtype,
                                                  idx_dtype, use_padding, use_weights,
                                                  include_last_offset, scale, two_d, seed):
    rng, idx, offsets, psw = _gen_bags(seed, sizes, v, pool_size)
    if two_d:
        idx = idx[: (idx.size // len(sizes)) * len(sizes)].reshape(len(sizes), -1)
        psw = psw[: idx.size].reshape(idx.shape)
        offsets, include_last_offset = None, False
    elif include_last_offset:
        offsets = np.append(offsets, idx.size)
    padding_idx = int(rng.integers(-v, v)) if use_padding else None
    psw = psw.astype(dtype) if use_weights and mode != "max" else None
    scale = scale and mode != "max"
    W = _table(rng, v, dim, dtype)
    g = rng.standard_normal((len(sizes), dim)).astype(dtype)
    before = W.copy()
    _check_backward(g, idx.astype(idx_dtype), W, offsets, mode, psw, padding_idx,
                    include_last_offset, scale, dtype)
    assert np.array_equal(W, before)


def test_backward_padding_gets_no_gradient(rng):
    W = _table(rng, 6, 2)
    idx = np.array([[2, 2, 1], [2, 3, 4]])
    psw = np.ones(idx.shape, np.float32)
    g = np.ones((2, 2), np.float32)
    for mode in MODES:
        gw, gs = embedding_bag_backward(g, idx, W, mode=mode, padding_idx=2,
                                        per_sample_weights=None if mode == "max" else psw)
        assert np.array_equal(gw[2], np.zeros(2)), mode
        if gs is not None:
            assert gs[0, 0] == 0 and gs[0, 1] == 0 and gs[1, 0] == 0


def test_large_backward_takes_parallel_path_and_matches(rng):
    W = _table(rng, 500, 32)
    sizes = rng.integers(0, 40, size=200)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    idx = rng.integers(0, 500, size=int(sizes.sum()))
    assert idx.size * 32 >= 1 << 16
    g = rng.standard_normal((200, 32)).astype(np.float32)
    psw = rng.random(idx.size).astype(np.float32)
    for mode in MODES:
        _check_backward(g, idx, W, offsets, mode, None if mode == "max" else psw, 7, False,
                        mode != "max", np.float32)


def test_backward_frequent_rows_streamed_and_the_rest_row_by_row(rng):
    """Zipf-like bags: the most indexed rows take the streamed path, the others the per-row
    one; both gradients equal numpy's, and the serial kernels (run off the main thread)
    give the parallel result bit for bit."""
    import threading

    from sparsedense.functional._bag import _frequent_rows

    v, dim, n_bags = 400, 24, 300
    W = _table(rng, v, dim)
    sizes = rng.integers(0, 30, size=n_bags)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    ranks = np.minimum(rng.zipf(1.3, size=int(sizes.sum())) - 1, v - 1)
    idx = rng.permutation(v)[ranks]
    counts = np.bincount(idx, minlength=v)
    frequent = _frequent_rows(counts[counts > 0], n_bags, dim * 4)
    assert 0 < frequent.size < (counts > 0).sum()
    g = rng.standard_normal((n_bags, dim)).astype(np.float32)
    psw = rng.random(idx.size).astype(np.float32) + 0.5
    for mode in ("sum", "mean"):
        _check_backward(g, idx, W, offsets, mode, psw, 5, False, False, np.float32)
        for sparse in (False, True):
            main = embedding_bag_backward(g, idx, W, offsets, mode, per_sample_weights=psw,
                                          sparse=sparse)
            side = []
            t = threading.Thread(target=lambda: side.append(embedding_bag_backward(
                g, idx, W, offsets, mode, per_sample_weights=psw, sparse=sparse)))
            t.start()
            t.join()
            gw, gs = main
            sw, ss = side[0]
            if sparse:
                assert np.array_equal(gw.indices, sw.indices)
                gw, sw = gw.values, sw.values
            assert np.array_equal(gw, sw) and np.array_equal(gs, ss), (mode, sparse)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_backward_every_width_through_the_register_passes(rng, dtype):
    """The per-row path sums with the forward's register-blocked kernel: widths around
    its vector and pass boundaries (8 / 4 lanes, 13 vectors a pass), with both paths
    running, give numpy's gradients exactly on small integers (sums exact in any
    order) and within rounding on floats; the serial kernels (off the main thread) give
    the parallel bits, and a strided table the contiguous table's gradient bits."""
    import threading

    from sparsedense.functional._bag import _frequent_rows

    lanes = 8 if dtype == np.float32 else 4
    n_bags, v = 400, 300
    sizes = rng.integers(0, 12, size=n_bags)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    ranks = np.minimum(rng.zipf(1.4, size=int(sizes.sum())) - 1, v - 1)
    idx = rng.permutation(v)[ranks]
    counts = np.bincount(idx, minlength=v)
    for dim in (1, lanes - 1, lanes, lanes + 1, 13 * lanes, 13 * lanes + 1, 26 * lanes + 3):
        frequent = _frequent_rows(counts[counts > 0], n_bags, dim * np.dtype(dtype).itemsize)
        assert 0 < frequent.size < (counts > 0).sum(), dim  # both paths run
        W = rng.integers(-8, 8, size=(v, dim)).astype(dtype)
        g = rng.integers(-8, 8, size=(n_bags, dim)).astype(dtype)
        psw = rng.integers(1, 4, size=idx.size).astype(dtype)
        want_w, want_s = reference.embedding_bag_backward(g, idx, W, offsets, "sum", psw, None,
                                                          False, False)
        gw, gs = embedding_bag_backward(g, idx, W, offsets, "sum", per_sample_weights=psw)
        assert np.array_equal(gw, want_w) and np.array_equal(gs, want_s), dim
        big = rng.standard_normal((v, dim + 3)).astype(dtype)
        W = np.ascontiguousarray(big[:, 1:dim + 1])
        g = rng.standard_normal((n_bags, dim)).astype(dtype)
        psw = (rng.random(idx.size) + 0.5).astype(dtype)
        want_w, want_s = reference.embedding_bag_backward(g, idx, W, offsets, "sum", psw, None,
                                                          False, False)
        gw, gs = embedding_bag_backward(g, idx, W, offsets, "sum", per_sample_weights=psw)
        # float32 sums of up to ~300 terms: rounding grows with the count
        tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else _tol(dtype)
        np.testing.assert_allclose(gw, want_w, **tol)
        np.testing.assert_allclose(gs, want_s, **tol)
        side = []
        t = threading.Thread(target=lambda: side.append(embedding_bag_backward(
            g, idx, W, offsets, "sum", per_sample_weights=psw)))
        t.start()
        t.join()
        assert np.array_equal(side[0][0], gw) and np.array_equal(side[0][1], gs), dim
        sw, ss = embedding_bag_backward(g, idx, big[:, 1:dim + 1], offsets, "sum",
                                        per_sample_weights=psw)
        assert np.array_equal(sw, gw), dim  # (the dot products' rounding may differ)
        _close(ss, gs, dtype)


# --------------------------------------------------------------------------- errors


def test_error_offsets_not_starting_at_zero(rng):
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match=re.escape("offsets[0] = 1")):
        embedding_bag([1, 2, 3], W, [1, 2])


def test_error_offsets_decreasing_names_position(rng):
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match=r"offsets\[2\] = 1 .*offsets\[1\] = 3"):
        embedding_bag([1, 2, 3, 4], W, [0, 3, 1])


def test_error_offsets_past_the_end(rng):
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match=r"offsets\[1\] = 5 .*past the end.*4"):
        embedding_bag([1, 2, 3, 4], W, [0, 5])
    with pytest.raises(ValueError, match="past the end"):
        embedding_bag([1, 2, 3, 4], W, [0, 2, 6], include_last_offset=True)


def test_error_offsets_with_2d_and_missing_with_1d(rng):
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match="offsets must be None"):
        embedding_bag([[1, 2], [3, 4]], W, [0, 1])
    with pytest.raises(ValueError, match="offsets is required"):
        embedding_bag([1, 2, 3], W)
    with pytest.raises(ValueError, match="1-D .* or 2-D"):
        embedding_bag(np.zeros((2, 2, 2), np.int64), W)
    with pytest.raises(TypeError, match="offsets"):
        embedding_bag([1, 2, 3], W, [0.0, 1.0])


def test_error_offsets_of_the_wrong_shape_is_value_error(rng):
    """STYLE: a wrong shape is a ValueError (torch: "offsets has to be a 1D Tensor")."""
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match="offsets"):
        embedding_bag([1, 2, 3, 4], W, [[0, 2]])
    with pytest.raises(ValueError, match="offsets"):
        embedding_bag([1, 2, 3, 4], W, np.int64(0))


def test_error_per_sample_weights(rng):
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match=r"per_sample_weights has shape \(2,\)"):
        embedding_bag([1, 2, 3], W, [0], "sum", per_sample_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="per_sample_weights has shape"):
        embedding_bag([[1, 2], [3, 4]], W, mode="sum", per_sample_weights=np.ones(4))
    with pytest.raises(ValueError, match="per_sample_weights.*max"):
        embedding_bag([1, 2, 3], W, [0], "max", per_sample_weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="per_sample_weights.*max"):
        embedding_bag_backward(np.ones((1, 2), np.float32), [1, 2], W, [0], "max",
                               per_sample_weights=[1.0, 2.0])
    with pytest.raises(TypeError, match="per_sample_weights"):
        embedding_bag([1, 2], W, [0], "sum", per_sample_weights=np.array(["a", "b"]))


@pytest.mark.parametrize("mode", ["median", "SUM", None, 0])
def test_error_bad_mode(rng, mode):
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match="mode must be one of"):
        embedding_bag([1, 2], W, [0], mode=mode)
    with pytest.raises(ValueError, match="mode must be one of"):
        embedding_bag_backward(np.ones((1, 2), np.float32), [1, 2], W, [0], mode=mode)


def test_error_index_out_of_range(rng):
    W = _table(rng, 10, 2)
    with pytest.raises(IndexError, match=re.escape(
            "indices[1, 3] = 10 is out of range for num_embeddings=10 (valid: 0..9)")):
        embedding_bag([[1, 2, 4, 5], [4, 3, 2, 10]], W)
    with pytest.raises(IndexError, match=re.escape("indices[2] = -1")):
        embedding_bag([1, 2, -1], W, [0])
    with pytest.raises(IndexError):
        embedding_bag_backward(np.ones((1, 2), np.float32), [1, 12], W, [0], "sum")
    with pytest.raises(TypeError):
        embedding_bag([1.0, 2.0], W, [0])
    with pytest.raises(TypeError):
        embedding_bag(np.array([True, False]), W, [0])


def test_error_backward_grad_output(rng):
    W = _table(rng, 10, 2)
    with pytest.raises(ValueError, match=r"grad_output has shape \(2, 2\)"):
        embedding_bag_backward(np.ones((2, 2), np.float32), [1, 2], W, [0], "sum")
    with pytest.raises(TypeError, match="grad_output"):
        embedding_bag_backward(np.ones((1, 2), np.int64), [1, 2], W, [0], "sum")


@pytest.mark.parametrize("bad", [
    dict(indices=[1, 2, 10], offsets=[0, 1]),
    dict(indices=[1, 2, 3], offsets=[1, 2]),
    dict(indices=[1, 2, 3], offsets=[0, 2, 1]),
    dict(indices=[1, 2, 3], offsets=[0, 4]),
    dict(indices=[[1, 2], [3, 4]], offsets=[0, 1]),
    dict(indices=[1, 2, 3], offsets=[0], per_sample_weights=[1.0]),
    dict(indices=[1, 2, 3], offsets=[0], mode="max", per_sample_weights=[1.0, 1.0, 1.0]),
    dict(indices=[1, 2, 3], offsets=[0], mode="bad"),
    dict(indices=[1, 2, 3], offsets=[0], max_norm=-1.0),
    dict(indices=[1, 2, 3], offsets=[0], padding_idx=10),
    dict(indices=[1, 2, 3], offsets=[0], norm_type=-1.0),
    dict(indices=[1, 2, 3], offsets=[0], max_norm=True),
    dict(indices=[1, 2, 3], offsets=[[0]]),
])
def test_failed_call_leaves_weight_unchanged(rng, bad):
    W = _table(rng, 10, 2) * 10  # every row would be renormalized by max_norm=1
    w = W.copy()
    kw = dict(mode="sum", max_norm=1.0)
    kw.update(bad)
    indices = kw.pop("indices")
    with pytest.raises((ValueError, IndexError, TypeError)):
        embedding_bag(indices, w, **kw)
    assert np.array_equal(w, W)
