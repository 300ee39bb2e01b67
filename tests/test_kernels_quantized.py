"""Bag kernels of compressed tables (issue 26): the AVX-512 int4 nibble sum against the
generic one, scale and bias read from the rows' bytes, every column width."""

import numpy as np
import pytest
import scipy.sparse as sp
from numba import njit

import sparsedense as sd
from sparsedense._kernels import _simd_codes as C
from sparsedense._kernels import quantized as K

WIDTHS = [1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 127, 128, 129, 300, 383, 384, 385, 777]


def _codes(n, dim, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, dim)).astype(np.float32)
    W *= rng.uniform(1e-3, 50, (n, 1)).astype(np.float32)
    W -= rng.uniform(-20, 20, (n, 1)).astype(np.float32)
    return W


@njit
def _generic_int4(codes, at, indices, weights, out, divisor):
    """``int4_block_sum`` over the whole width, pass by pass (the AVX2 path's kernel)."""
    dim = out.shape[1]
    lanes = C.LANES
    n_vectors = (dim + lanes - 1) // lanes
    done = 0
    while done < n_vectors:
        n_vec, tail = C.vector_pass(dim, lanes, done)
        C.int4_block_sum(codes, at, indices, weights, 0, indices.shape[0], done * lanes, n_vec,
                         tail, out, 0, divisor)
        done += n_vec


@njit
def _row_sum(kind, codes, indices, weights, out, divisor):
    C.codes_row_sum(kind, codes, C.pair_offset(kind, codes), indices, weights, 0,
                    indices.shape[0], out, 0, divisor)


@pytest.mark.skipif(C.LANES != 16, reason="the nibble sum is the AVX-512 path")
@pytest.mark.parametrize("dim", WIDTHS)
def test_nibble_sum_equals_the_generic_int4_sum_bit_for_bit(dim):
    qt = sd.quantize(_codes(50, dim, dim), "int4")
    rng = np.random.default_rng(dim)
    indices = rng.integers(0, 50, 37)
    weights = (rng.random(37) * 3 - 1).astype(np.float32)
    generic = np.full((1, dim), np.nan, np.float32)
    _generic_int4(qt.data, C.pair_offset(1, qt.data), indices, weights, generic,
                  np.float32(1.5))
    fast = np.full((1, dim + 1), np.nan, np.float32)  # one column more: never written
    _row_sum(1, qt.data, indices, weights, fast[:, :dim], np.float32(1.5))
    np.testing.assert_array_equal(fast[:, :dim], generic)
    # both add the bag's bias share: the dequantized rows' weighted sum
    terms = weights[:, None] * qt.dequantize().astype(np.float64)[indices]
    assert np.abs(generic[0] - terms.sum(0) / 1.5).max() <= 1e-5 * np.abs(terms).sum(0).max()
    assert np.isnan(fast[0, dim])


@pytest.mark.parametrize("dtype", ["int8", "int4"])
@pytest.mark.parametrize("dim", WIDTHS)
def test_row_sum_matches_float64_reference(dtype, dim):
    W = _codes(60, dim, dim + 1)
    qt = sd.quantize(W, dtype)
    D = qt.dequantize().astype(np.float64)
    rng = np.random.default_rng(dim)
    indices = rng.integers(0, 60, 45)
    weights = (rng.random(45) + 0.25).astype(np.float32)
    out = np.empty((1, dim), np.float32)
    _row_sum(0 if dtype == "int8" else 1, qt.data, indices, weights, out, np.float32(2))
    ref = (weights[:, None].astype(np.float64) * D[indices]).sum(0) / 2
    scale = np.abs(weights[:, None] * D[indices]).sum(0).max() / 2
    assert np.abs(out[0] - ref).max() <= 1e-5 * max(scale, 1e-30)


@pytest.mark.parametrize("dtype", ["int8", "int4"])
def test_scale_and_bias_come_from_the_rows_bytes(dtype):
    W = _codes(80, 300, 7)
    qt = sd.quantize(W, dtype)
    X = sp.random(20, 80, density=0.3, format="csr", dtype=np.float32, random_state=1)
    D = qt.dequantize()
    for mode in ("sum", "mean", "max"):
        got = sd.sparse_to_dense(X, qt, mode)
        ref = sd.sparse_to_dense(X, D, mode)
        assert np.abs(got - ref).max() <= 1e-5 * np.abs(ref).max()
    np.testing.assert_array_equal(qt.take(np.arange(80)), D)
    # no float32 copy of the scales or biases is kept: every array the table holds is
    # its bytes
    assert all(np.shares_memory(v, qt.data) for v in vars(qt).values()
               if isinstance(v, np.ndarray))
    size = 4 if dtype == "int8" else 2
    pair = np.float32 if dtype == "int8" else np.float16
    at = qt.data.shape[1] - 2 * size
    np.testing.assert_array_equal(qt._scale, qt.data[:, at:at + size].view(pair)[:, 0])
    np.testing.assert_array_equal(qt._bias, qt.data[:, at + size:].view(pair)[:, 0])
    # a changed scale byte changes the sums: the kernels read the row, not a copy
    data = qt.data.copy()
    data[3, at:at + size] = np.array([2.0], pair).view(np.uint8)
    bent = sd.QuantizedTable(data, dtype, embedding_dim=300)
    one = sp.csr_matrix((np.ones(1, np.float32), ([0], [3])), shape=(1, 80))
    np.testing.assert_allclose(sd.sparse_to_dense(one, bent, "sum")[0],
                               bent.dequantize()[3], rtol=1e-6)
    assert not np.allclose(bent.dequantize()[3], D[3])


def test_row_values_read_unaligned_bytes():
    codes = np.zeros((2, 11), np.uint8)
    codes[1, 3:7] = np.array([1.25], np.float32).view(np.uint8)
    codes[1, 7:9] = np.array([-3.5], np.float16).view(np.uint8)

    @njit
    def read(codes):
        return C.row_float32(codes, 1, 3), C.row_half(codes, 1, 7), C.row_half(codes, 0, 7)

    assert read(codes) == (np.float32(1.25), np.float32(-3.5), np.float32(0))
    assert K.KIND_INT4 == 1
