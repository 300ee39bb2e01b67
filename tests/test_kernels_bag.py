"""The bag kernels called directly: every row width of the register-blocked sum, L2 rows."""

from __future__ import annotations

import numpy as np
import pytest

FLOAT_DTYPES = [np.float32, np.float64]


@pytest.fixture
def rng():
    return np.random.default_rng(8675309)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_sum_kernel_every_row_width(rng, dtype):
    # the register-blocked sum (_kernels/_simd.py) has a generated loop for each
    # count of vectors (1-13) and a masked last vector: every width up to three
    # passes, sum, mean and max, serial == parallel bit for bit, exact against
    # float64 sums, and (float32) nothing written outside the output rows. The
    # arrays have the types sparse_to_dense passes (int32 CSR arrays, C outputs),
    # so the kernels compiled for the other tests serve here too
    from sparsedense._kernels._simd import MAX_VECTORS
    from sparsedense._kernels.bag import _embedding_bag, _embedding_bag_serial

    lanes = 32 // np.dtype(dtype).itemsize
    n_bags = 7
    sizes = np.array([0, 1, 2, 9, 17, 0, 40])  # empty bags, short ones, longer than the prefetch
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int32)
    for dim in range(0, 3 * MAX_VECTORS * lanes + 3):  # up to three passes of registers
        W = rng.integers(-8, 8, size=(50, dim)).astype(dtype)  # small integers: sums exact
        idx = rng.integers(0, 50, size=int(sizes.sum())).astype(np.int32)
        w = rng.integers(-3, 4, size=idx.size).astype(dtype)
        want = np.zeros((n_bags, dim))
        top = np.zeros((n_bags, dim), dtype)
        for b in range(n_bags):
            s = slice(offsets[b], offsets[b + 1])
            want[b] = (w[s, None].astype(np.float64) * W[idx[s]]).sum(axis=0)
            for k, p in enumerate(range(offsets[b], offsets[b + 1])):  # odd and even step counts
                v = w[p] * W[idx[p]]
                top[b] = v if k == 0 else np.where(v > top[b], v, top[b])
        totals = np.add.reduceat(w, offsets[:-1]) * (sizes > 0)
        mean = np.zeros((n_bags, dim), dtype)
        nz = totals != 0  # mean: divided in the same pass, in the table's dtype; 0 if no weight
        mean[nz] = want[nz].astype(dtype) / totals[nz].astype(dtype)[:, None]
        for mode, expected in ((0, want), (1, mean), (2, top)):
            out = np.empty((n_bags, dim), dtype)
            _embedding_bag(offsets, idx, w, mode, W, out, 5, 2, np.zeros(1, np.int64))
            np.testing.assert_array_equal(out, expected, err_msg=f"mode {mode}, dim {dim}")
            serial = np.empty((n_bags, dim), dtype)
            _embedding_bag_serial(offsets, idx, w, mode, W, serial, 3, 1, np.zeros(1, np.int64))
            np.testing.assert_array_equal(serial, out)
        if dtype == np.float32:  # the masked stores stay inside the rows
            padded = np.full((n_bags, dim + 5), np.nan, dtype)
            _embedding_bag_serial(offsets, idx, w, 0, W, padded[:, 2:dim + 2], 1, 1,
                                  np.zeros(1, np.int64))
            np.testing.assert_array_equal(padded[:, 2:dim + 2], want)
            assert np.isnan(padded[:, :2]).all() and np.isnan(padded[:, dim + 2:]).all(), dim


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_rows", [0, 5, 8, 23])
def test_l2_rows_eight_at_a_time_equal_one_at_a_time(dtype, n_rows):
    """The interleaved norms are the one-row kernel's bit for bit (zeros, NaN, inf, tiny)."""
    from numba import njit

    from sparsedense._kernels.norms import _normalize_row_l2, _normalize_rows_l2_serial

    @njit(cache=False)
    def one_at_a_time(src, out):
        for r in range(src.shape[0]):
            _normalize_row_l2(src, out, r)

    rng = np.random.default_rng(3)
    X = (rng.standard_normal((n_rows, 37)) * rng.lognormal(0, 3, (n_rows, 1))).astype(dtype)
    for r, value in zip(range(n_rows), (0.0, np.nan, np.inf, 1e-30)):
        X[r, r] = value
    expected, got = np.empty_like(X), np.empty_like(X)
    one_at_a_time(X, expected)
    _normalize_rows_l2_serial(X, got)
    assert got.tobytes() == expected.tobytes()
    _normalize_rows_l2_serial(X, X)  # in place
    assert X.tobytes() == expected.tobytes()
