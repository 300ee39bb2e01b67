"""Compressed tables (issue 26): fbgemm's row formats, lookups, bags and sparse_to_dense."""

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd
from sparsedense._kernels import _tuning
from sparsedense.functional import embedding, embedding_bag, sparse_to_dense

DTYPES = ("int8", "int4", "float16")


def _table(n=400, dim=30, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, dim)).astype(np.float32)
    W *= rng.uniform(1e-3, 50, (n, 1)).astype(np.float32)
    W[3] = 2.5            # a constant row
    W[4] = 0.0            # a zero row
    W[5, ::2] = -W[5, ::2]
    return W


def _rel(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-30)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 2, 7, 30])
def test_lookup_returns_the_dequantized_rows_exactly(dtype, dim):
    W = _table(dim=dim)
    qt = sd.quantize(W, dtype)
    D = qt.dequantize()
    assert D.dtype == np.float32 and D.shape == W.shape == qt.shape
    idx = np.random.default_rng(1).integers(0, W.shape[0], (3, 5, 2))
    out = embedding(idx, qt)
    assert out.shape == (3, 5, 2, dim)
    np.testing.assert_array_equal(out, D[idx])
    np.testing.assert_array_equal(qt.dequantize(idx), D[idx])
    np.testing.assert_array_equal(qt[7], D[7])
    np.testing.assert_array_equal(qt[-1], D[-1])
    np.testing.assert_array_equal(qt[2:9:3], D[2:9:3])
    np.testing.assert_array_equal(np.asarray(qt), D)
    assert len(qt) == W.shape[0] and qt.num_embeddings == W.shape[0]
    assert qt.embedding_dim == dim


@pytest.mark.parametrize("dtype, bound", [("int8", 1 / 255), ("int4", 1 / 15),
                                          ("float16", 2 ** -10)])
def test_values_stay_within_the_format_step(dtype, bound):
    W = _table()
    D = sd.quantize(W, dtype).dequantize()
    span = np.maximum(W.max(1) - W.min(1), np.abs(W).max(1))
    # half a step of rounding (plus float16's own rounding of int4's scale and bias)
    slack = 1.01 if dtype != "int4" else 1.6
    assert (np.abs(D - W).max(1) <= span * bound * slack / 2 + 1e-6).all()


def test_nbytes_are_the_compressed_rows():
    W = _table(n=100, dim=300)
    assert sd.quantize(W, "int8").nbytes == 100 * 308
    assert sd.quantize(W, "int4").nbytes == 100 * 154
    assert sd.quantize(W, "float16").nbytes == 100 * 600
    assert sd.quantize(W[:, :299], "int4").nbytes == 100 * 154  # an odd width pads a nibble
    assert repr(sd.quantize(W, "int4")) == \
        "QuantizedTable(int4, num_embeddings=100, embedding_dim=300, nbytes=15400)"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_bags_equal_the_float_bags_of_the_dequantized_table(dtype, mode):
    W = _table(n=300, dim=21)
    qt = sd.quantize(W, dtype)
    D = qt.dequantize()
    rng = np.random.default_rng(3)
    flat = rng.integers(0, 300, 500)
    offsets = np.sort(rng.integers(0, 500, 40))
    offsets[0] = 0
    psw = None if mode == "max" else rng.standard_normal(500).astype(np.float32)
    for kwargs in ({}, {"per_sample_weights": psw}, {"padding_idx": 4},
                   {"include_last_offset": True}):
        if mode == "max" and "per_sample_weights" in kwargs:
            continue
        ours = embedding_bag(flat, qt, offsets, mode=mode, **kwargs)
        ref = embedding_bag(flat, D, offsets, mode=mode, **kwargs)
        assert ours.dtype == np.float32 and ours.shape == ref.shape
        if mode == "max":
            np.testing.assert_array_equal(ours, ref)
        else:
            assert _rel(ours, ref) < 1e-5
    two_d = flat[:480].reshape(40, 12)
    assert _rel(embedding_bag(two_d, qt, mode=mode), embedding_bag(two_d, D, mode=mode)) < 1e-5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_sparse_to_dense_on_a_compressed_table(dtype, mode):
    W = _table(n=500, dim=40)
    qt = sd.quantize(W, dtype)
    D = qt.dequantize()
    X = sp.random(60, 500, density=0.03, random_state=4, format="lil", dtype=np.float64)
    X[7] = 0  # an empty document
    X = X.tocsr()
    for normalize in (None, "l2"):
        ours = sparse_to_dense(X, qt, mode=mode, normalize=normalize)
        ref = sparse_to_dense(X, D, mode=mode, normalize=normalize)
        assert ours.dtype == np.float32
        assert _rel(ours, ref) < 1e-5
        assert not ours[7].any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("extra", [-1, 0, 1, 7])
def test_wide_rows_take_several_register_passes(dtype, extra):
    # rows wider than the registers hold (MAX_VECTORS vectors of LANES columns) are summed
    # in several passes over the bag, the last one under a mask
    from sparsedense._kernels._simd import MAX_VECTORS
    from sparsedense._kernels._simd_codes import LANES

    dim = MAX_VECTORS * LANES + extra * LANES + (extra == 7)
    W = _table(n=200, dim=dim)
    qt = sd.quantize(W, dtype)
    D = qt.dequantize()
    rng = np.random.default_rng(7)
    flat = rng.integers(0, 200, 900)
    offsets = np.arange(0, 900, 30)
    psw = rng.standard_normal(900).astype(np.float32)
    for mode in ("sum", "mean"):
        ours = embedding_bag(flat, qt, offsets, mode=mode, per_sample_weights=psw)
        ref = embedding_bag(flat, D, offsets, mode=mode, per_sample_weights=psw)
        assert _rel(ours, ref) < 1e-5


@pytest.mark.parametrize("dtype", DTYPES)
def test_parallel_and_serial_kernels_agree_bit_for_bit(dtype):
    W = _table(n=2000, dim=64)
    qt = sd.quantize(W, dtype)
    rng = np.random.default_rng(5)
    flat = rng.integers(0, 2000, 20_000)
    offsets = np.arange(0, 20_000, 37)
    with _tuning.override(PARALLEL_MIN_WORK=0):
        par = (embedding(flat, qt), embedding_bag(flat, qt, offsets, mode="sum"),
               embedding_bag(flat, qt, offsets, mode="max"))
    with _tuning.override(PARALLEL_MIN_WORK=1 << 62):
        ser = (embedding(flat, qt), embedding_bag(flat, qt, offsets, mode="sum"),
               embedding_bag(flat, qt, offsets, mode="max"))
    for a, b in zip(par, ser):
        np.testing.assert_array_equal(a, b)


def test_float64_tables_are_packed_from_their_float32_rounding():
    W = _table().astype(np.float64)
    np.testing.assert_array_equal(sd.quantize(W, "int8").data,
                                  sd.quantize(W.astype(np.float32), "int8").data)


def test_a_packed_table_is_accepted_as_fused_rows():
    W = _table(dim=31)
    for dtype in ("int8", "int4"):
        qt = sd.quantize(W, dtype)
        again = sd.QuantizedTable(qt.data, dtype, embedding_dim=31)
        np.testing.assert_array_equal(again.dequantize(), qt.dequantize())
    assert sd.QuantizedTable(sd.quantize(W, "int4").data, "int4").embedding_dim == 32
    half = sd.QuantizedTable(W.astype(np.float16), "float16")
    np.testing.assert_array_equal(half.dequantize(), W.astype(np.float16).astype(np.float32))


# -- errors: named, and nothing built --------------------------------------------------

def test_bad_input_is_refused_with_a_named_message():
    W = _table()
    with pytest.raises(ValueError, match=r"dtype must be one of \['int8', 'int4', 'float16'\]"
                                         r"; got 'int2'"):
        sd.quantize(W, "int2")
    bad = W.copy()
    bad[17, 3] = np.nan
    with pytest.raises(ValueError, match="weight row 17 holds nan"):
        sd.quantize(bad, "int8")
    bad[17, 3] = np.inf
    with pytest.raises(ValueError, match="weight row 17 holds inf"):
        sd.quantize(bad, "int4")
    with pytest.raises(TypeError, match="float32 or float64 table to quantize; got dtype int64"):
        sd.quantize(np.arange(6).reshape(2, 3), "int8")
    with pytest.raises(ValueError, match="must be 2-D"):
        sd.quantize(np.ones(4, np.float32), "int8")
    big = W.copy()
    big[9, 0] = 1e6
    for dtype in ("float16", "int4"):
        with pytest.raises(ValueError, match="weight row 9 holds 1000000.0, beyond float16"):
            sd.quantize(big, dtype)
    sd.quantize(big, "int8")  # int8 keeps float32 scale and bias: any finite range
    with pytest.raises(TypeError, match="uint8 fused rows; got float32"):
        sd.QuantizedTable(W, "int8")
    with pytest.raises(ValueError, match="embedding_dim=5 does not match int8 rows of 38 bytes"):
        sd.QuantizedTable(sd.quantize(W, "int8").data, "int8", embedding_dim=5)


def test_lookups_of_a_compressed_table_keep_the_usual_checks():
    qt = sd.quantize(_table(n=10, dim=4), "int8")
    with pytest.raises(IndexError, match=r"indices\[0, 1\] = 10 is out of range"):
        embedding([[1, 10]], qt)
    with pytest.raises(ValueError, match="a QuantizedTable's rows are read-only"):
        embedding([1, 2], qt, max_norm=1.0)
    with pytest.raises(ValueError, match="a QuantizedTable's rows are read-only"):
        embedding_bag([1, 2], qt, [0], max_norm=1.0)
    with pytest.raises(IndexError, match="row 10 is out of range"):
        qt[10]
    out = np.empty((2, 4), np.float64)
    with pytest.raises(ValueError):
        embedding([1, 2], qt, out=out)


# -- torch's quantized bags read the same bytes ------------------------------------------

def test_rows_equal_torchs_packing_and_its_bags():
    torch = pytest.importorskip("torch")
    W = _table(n=600, dim=32)
    W[6] = 1e-9 * W[6]  # a row whose range is below fbgemm's epsilon
    packed = {"int8": torch.ops.quantized.embedding_bag_byte_prepack,
              "int4": torch.ops.quantized.embedding_bag_4bit_prepack}
    bag = {"int8": torch.ops.quantized.embedding_bag_byte_rowwise_offsets,
           "int4": torch.ops.quantized.embedding_bag_4bit_rowwise_offsets}
    rng = np.random.default_rng(6)
    flat = rng.integers(0, 600, 3000)
    offsets = np.sort(rng.integers(0, 3000, 100))
    offsets[0] = 0
    psw = rng.uniform(0, 2, 3000).astype(np.float32)
    for dtype in ("int8", "int4"):
        theirs = packed[dtype](torch.from_numpy(W))
        ours = sd.quantize(W, dtype)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
        table = sd.QuantizedTable(theirs.numpy(), dtype)
        # (torch's quantized bags sum whatever mode they are given)
        ref = bag[dtype](theirs, torch.from_numpy(flat), torch.from_numpy(offsets), False,
                         0, False, None, None, False).numpy()
        np.testing.assert_allclose(embedding_bag(flat, table, offsets, mode="sum"), ref,
                                   rtol=1e-4, atol=1e-4 * np.abs(ref).max())
        ref = bag[dtype](theirs, torch.from_numpy(flat), torch.from_numpy(offsets), False, 0,
                         False, torch.from_numpy(psw), None, False).numpy()
        np.testing.assert_allclose(embedding_bag(flat, table, offsets, mode="sum",
                                                 per_sample_weights=psw), ref,
                                   rtol=1e-4, atol=1e-4 * np.abs(ref).max())


# -- wherever a table is -------------------------------------------------------------------

def test_modules_and_the_vectorizer_take_a_compressed_table():
    W = _table(n=6, dim=8)
    qt = sd.quantize(W, "int8")
    D = qt.dequantize()
    emb = sd.Embedding.from_pretrained(qt)
    np.testing.assert_array_equal(emb([[1, 2], [5, 0]]), D[[[1, 2], [5, 0]]])
    with pytest.raises(RuntimeError, match="frozen"):
        emb.backward(np.ones((2, 2, 8), np.float32))
    bag = sd.EmbeddingBag.from_pretrained(qt, mode="sum")
    assert _rel(bag([[1, 2], [3, 4]]), D[[1, 3]] + D[[2, 4]]) < 1e-6
    with pytest.raises(ValueError, match="needs freeze=True"):
        sd.Embedding.from_pretrained(qt, freeze=False)
    with pytest.raises(ValueError, match="read-only; pass max_norm=None"):
        sd.EmbeddingBag.from_pretrained(qt, max_norm=1.0)
    words = ["deposit", "savings", "loan", "rain", "snow", "sun"]
    docs = ["deposit savings savings", "rain snow", "loan deposit"]
    for weighting in ("tfidf", "count"):
        ours = sd.EmbeddingVectorizer(qt, words, weighting=weighting).fit_transform(docs)
        ref = sd.EmbeddingVectorizer(D, words, weighting=weighting).fit_transform(docs)
        assert ours.dtype == np.float32 and _rel(ours, ref) < 1e-5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("metric", ["cosine", "dot"])
def test_topk_over_a_compressed_corpus_is_exact_for_its_decoded_rows(dtype, metric):
    W = _table(n=5000, dim=24, seed=8)
    qt = sd.quantize(W, dtype)
    D = qt.dequantize()
    Q = W[::250] + 0.01
    for block_size in (None, 7):
        for exclude_self in (False, True):
            ours = sd.topk_similar(Q, qt, k=6, metric=metric, block_size=block_size,
                                   exclude_self=exclude_self)
            ref = sd.topk_similar(Q, D, k=6, metric=metric, block_size=block_size,
                                  exclude_self=exclude_self)
            np.testing.assert_array_equal(ours[0], ref[0])
            np.testing.assert_array_equal(ours[1], ref[1])
    # tiles narrower than the corpus: the decode buffer is reused tile after tile
    with _tuning.override(TOPK_TILE_SCORES=1):
        ours = sd.topk_similar(Q, qt, k=6, metric=metric)
    np.testing.assert_array_equal(ours[0], sd.topk_similar(Q, D, k=6, metric=metric)[0])
    with pytest.raises(ValueError, match="queries have 23 columns but the corpus table has 24"):
        sd.topk_similar(Q[:, 1:], qt)


# -- the native file (save / load, mmap) ---------------------------------------------------
import os
import struct

from sparsedense._base.errors import TruncatedFileError
from sparsedense.quantized import FILE_MAGIC


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 7, 30])
@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_save_load_round_trip(tmp_path, dtype, dim, mmap_mode):
    qt = sd.quantize(_table(dim=dim), dtype)
    path = tmp_path / "t.sdq"
    qt.save(path)
    assert os.path.getsize(path) == 64 + qt.nbytes
    back = sd.QuantizedTable.load(path, mmap_mode=mmap_mode)
    assert back.shape == qt.shape and back.dtype == qt.dtype
    np.testing.assert_array_equal(back.data, qt.data)
    np.testing.assert_array_equal(back.dequantize(), qt.dequantize())
    idx = np.array([[0, 3], [4, 399]])
    np.testing.assert_array_equal(embedding(idx, back), qt.dequantize()[idx])
    if mmap_mode == "r":  # mapped in place, not read
        assert not back.data.flags.writeable
        assert isinstance(back.data, np.memmap) or isinstance(back.data.base, np.memmap)
    assert sorted(os.listdir(tmp_path)) == ["t.sdq"]  # no temporary file left


def test_save_load_empty_table(tmp_path):
    qt = sd.quantize(np.zeros((0, 5), np.float32), "int4")
    qt.save(tmp_path / "e.sdq")
    for mode in (None, "r"):
        back = sd.QuantizedTable.load(tmp_path / "e.sdq", mmap_mode=mode)
        assert back.shape == (0, 5)


def _header(code=1, n=2, dim=3, row_bytes=11, offset=64, version=1, magic=FILE_MAGIC):
    return struct.pack("<8sIIQQQQ", magic, version, code, n, dim, row_bytes,
                       offset).ljust(64, b"\0")


@pytest.mark.parametrize("content, error, match", [
    (b"", TruncatedFileError, "inside the 64-byte header"),
    (FILE_MAGIC[:5], TruncatedFileError, "after 5 bytes"),
    (b"PK\x03\x04" + bytes(100), ValueError, "not a quantized table file"),
    (_header(version=7) + bytes(22), ValueError, "unsupported quantized table version 7"),
    (_header(code=9) + bytes(22), ValueError, "unknown row format code 9"),
    (_header(row_bytes=12) + bytes(24), ValueError, "take 11 bytes, the header says 12"),
    (_header(offset=128) + bytes(22), ValueError, "data offset 128"),
    (_header() + bytes(21), TruncatedFileError, "promises 2 rows of 11 bytes"),
    (_header(n=2 ** 60) + bytes(22), TruncatedFileError, "room for 2 rows"),
    (_header() + bytes(23), ValueError, "1 bytes follow the 2 rows"),
    (_header()[:-1] + b"\1" + bytes(22), ValueError, "damaged header"),
])
@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_load_refuses_a_crafted_file(tmp_path, content, error, match, mmap_mode):
    path = tmp_path / "bad.sdq"
    path.write_bytes(content)
    with pytest.raises(error, match=match) as info:
        sd.QuantizedTable.load(path, mmap_mode=mmap_mode)
    assert str(path) in str(info.value)


def test_load_refuses_a_cut_file_of_every_length(tmp_path):
    qt = sd.quantize(_table(n=8, dim=4), "int8")
    qt.save(tmp_path / "t.sdq")
    full = (tmp_path / "t.sdq").read_bytes()
    for cut in range(len(full)):
        (tmp_path / "c.sdq").write_bytes(full[:cut])
        with pytest.raises(TruncatedFileError):
            sd.QuantizedTable.load(tmp_path / "c.sdq", mmap_mode="r")


def test_load_refuses_a_bad_mmap_mode(tmp_path):
    with pytest.raises(ValueError, match=r"mmap_mode must be None or 'r' .*; got 'w\+'"):
        sd.QuantizedTable.load(tmp_path / "missing.sdq", mmap_mode="w+")


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "t.sdq"
    path.write_bytes(b"old")
    qt = sd.quantize(_table(n=8, dim=4), "int8")

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(np, "ascontiguousarray", broken)
    with pytest.raises(OSError, match="disk gone"):
        qt.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["t.sdq"]
