"""Vectors over a compressed table (issue 26): every query equals the dequantized table's."""

import tracemalloc
from contextlib import nullcontext

import numpy as np
import pytest

import sparsedense as sd
from sparsedense import Vectors, load_vectors
from sparsedense.vectors import QuantizedVectors

DTYPES = ("int8", "int4", "float16")


def _pair(dtype, n=3001, dim=24, seed=0):
    """A quantized Vectors and the float Vectors of its decoded rows."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, dim)).astype(np.float32)
    W[7] = 0.0  # a zero row
    keys = [f"w{i}" for i in range(n)]
    q = Vectors(keys, W).quantize(dtype)
    return q, Vectors(keys, q.weight.dequantize())


@pytest.fixture(params=DTYPES)
def pair(request):
    return _pair(request.param)


def test_quantize_keeps_keys_and_attributes():
    kv = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    kv.set_vecattr("a", "count", 5)
    q = kv.quantize("int4")
    assert isinstance(q, QuantizedVectors) and isinstance(q, Vectors)
    assert q.index_to_key == ["a", "b"] and q.get_vecattr("a", "count") == 5
    assert q.weight.dtype == "int4" and repr(q) == "Vectors(2 keys, vector_size=2, dtype=int4)"
    assert kv.weight.dtype == np.float32  # the source is left as it was


def test_lookups_are_the_decoded_rows(pair):
    q, f = pair
    np.testing.assert_array_equal(q["w5"], f["w5"])
    np.testing.assert_array_equal(q[["w5", "w9"]], f[["w5", "w9"]])
    assert q[[]].shape == (0, 24) and q[[]].dtype == np.float32
    np.testing.assert_array_equal(q.get_vector(11, norm=True), f.get_vector(11, norm=True))
    np.testing.assert_array_equal(q.get_vector("w7", norm=True), np.zeros(24, np.float32))
    np.testing.assert_array_equal(q.norms, f.norms)
    np.testing.assert_array_equal(q.get_normed_vectors(), f.get_normed_vectors())


def test_most_similar_equals_the_dequantized_table(pair):
    q, f = pair
    assert q.most_similar("w1", topn=20) == f.most_similar("w1", topn=20)
    analogy = dict(positive=["w1", "w2"], negative=["w3"], topn=15)
    assert q.most_similar(**analogy) == f.most_similar(**analogy)
    assert q.most_similar("w4", topn=5, restrict_vocab=100) == \
        f.most_similar("w4", topn=5, restrict_vocab=100)
    assert q.most_similar("w4", topn=5, clip_start=1000, clip_end=2500) == \
        f.most_similar("w4", topn=5, clip_start=1000, clip_end=2500)
    v = np.linspace(-1, 1, 24)
    assert q.similar_by_vector(v, topn=8) == f.similar_by_vector(v, topn=8)
    assert q.similar_by_key("w9", topn=3) == f.similar_by_key("w9", topn=3)
    assert q.most_similar_cosmul(**analogy) == f.most_similar_cosmul(**analogy)
    assert q.most_similar_cosmul("w5", topn=4, restrict_vocab=50) == \
        f.most_similar_cosmul("w5", topn=4, restrict_vocab=50)


def test_batch_equals_the_dequantized_table(pair):
    q, f = pair
    keys = ["w1", "w7", "w2999", "w40"]
    for restrict in (None, 500):
        got = q.most_similar_batch(keys, topn=6, restrict_vocab=restrict)
        want = f.most_similar_batch(keys, topn=6, restrict_vocab=restrict)
        assert got == want
    assert q.most_similar_batch([], topn=3) == []


def test_pairwise_queries_equal_the_dequantized_table(pair):
    q, f = pair
    assert q.similarity("w1", "w9") == f.similarity("w1", "w9")
    assert q.distance("w1", "w7") == f.distance("w1", "w7")
    np.testing.assert_array_equal(q.distances("w3"), f.distances("w3"))
    np.testing.assert_array_equal(q.distances("w3", ["w4", "w5"]), f.distances("w3", ["w4", "w5"]))
    assert q.doesnt_match(["w1", "w2", "w3", "w4", "w5"]) == \
        f.doesnt_match(["w1", "w2", "w3", "w4", "w5"])
    assert q.rank("w1", "w2") == f.rank("w1", "w2")
    assert q.n_similarity(["w1", "w2"], ["w3"]) == f.n_similarity(["w1", "w2"], ["w3"])
    np.testing.assert_array_equal(q.get_mean_vector(["w1", "w2"]),
                                  f.get_mean_vector(["w1", "w2"]))
    assert q.relative_cosine_similarity("w1", "w2") == f.relative_cosine_similarity("w1", "w2")


def test_evaluations_equal_the_dequantized_table(pair, tmp_path):
    q, f = pair
    rng = np.random.default_rng(3)
    pairs = [(f"w{a}", f"w{b}", float(s)) for a, b, s in
             zip(rng.integers(0, 3001, 40), rng.integers(0, 3001, 40), rng.uniform(0, 10, 40))]
    got, want = q.evaluate_word_pairs(pairs), f.evaluate_word_pairs(pairs)
    assert got[0].statistic == want[0].statistic and got[1].statistic == want[1].statistic
    lines = [": section"] + [" ".join(f"W{i}" for i in rng.integers(0, 300, 4))
                             for _ in range(30)]
    path = tmp_path / "analogies.txt"
    path.write_text("\n".join(lines) + "\n")
    for function in ("most_similar", "most_similar_cosmul"):
        assert q.evaluate_word_analogies(path, similarity_function=function) == \
            f.evaluate_word_analogies(path, similarity_function=function)


def test_most_similar_allocates_nothing_of_the_table_size():
    n, dim = 200_000, 100
    rng = np.random.default_rng(0)
    qt = sd.quantize(rng.standard_normal((n, dim), dtype=np.float32), "int8")
    q = QuantizedVectors([f"w{i}" for i in range(n)], qt)
    table_bytes = n * dim * 4
    q.most_similar("w1", topn=3)  # compiled before tracing
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        q.most_similar("w1", topn=10)
        q.most_similar(positive=["w1", "w2"], negative=["w3"], topn=10)
        q.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=10)
        q.most_similar_batch(["w1", "w2"], topn=10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < table_bytes / 4, (peak, table_bytes)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_native_save_load_keeps_the_compressed_table(tmp_path, dtype, mmap_mode):
    q, f = _pair(dtype, n=300, dim=9)
    q.expandos["count"] = np.arange(300)
    q.save(tmp_path / "q.npz")
    back = load_vectors(tmp_path / "q.npz", mmap_mode=mmap_mode)
    assert isinstance(back, QuantizedVectors) and back.weight.dtype == dtype
    np.testing.assert_array_equal(back.weight.data, q.weight.data)
    assert back.index_to_key == q.index_to_key
    np.testing.assert_array_equal(back.expandos["count"], np.arange(300))
    assert back.most_similar("w3") == f.most_similar("w3")
    assert len(load_vectors(tmp_path / "q.npz", limit=10)) == 10
    if mmap_mode == "r":
        assert not back.weight.data.flags.writeable


def test_text_files_hold_the_decoded_values(tmp_path):
    q, f = _pair("int4", n=50, dim=5)
    q.save(tmp_path / "q.txt", format="word2vec")
    np.testing.assert_array_equal(load_vectors(tmp_path / "q.txt").weight, f.weight)
    q.save_word2vec_format(tmp_path / "q.bin", binary=True)
    np.testing.assert_array_equal(load_vectors(tmp_path / "q.bin").weight, f.weight)


def test_a_damaged_quantized_native_file_is_refused(tmp_path):
    import json
    import zipfile

    q, _ = _pair("int8", n=20, dim=4)
    q.save(tmp_path / "q.npz")
    with zipfile.ZipFile(tmp_path / "q.npz") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    meta_npy = members["meta.npy"]
    header_end = meta_npy.index(b"\n") + 1
    meta = json.loads(meta_npy[header_end:])
    meta["embedding_dim"] = 5
    body = json.dumps(meta).encode()
    arr = np.frombuffer(body, np.uint8)
    import io
    buf = io.BytesIO()
    np.save(buf, arr)
    members["meta.npy"] = buf.getvalue()
    with zipfile.ZipFile(tmp_path / "bad.npz", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="quantized='int8', embedding_dim=5, but weight.npy "
                                         "holds uint8 rows of width 12"):
        load_vectors(tmp_path / "bad.npz")


def test_changes_are_refused():
    q, _ = _pair("int8", n=10, dim=3)

    def init_sims():
        q.init_sims(replace=True)

    for call in (lambda: q.add_vectors(["x"], np.zeros((1, 3))),
                 lambda: q.__setitem__("w1", np.zeros(3)),
                 q.sort_by_descending_frequency, q.unit_normalize_all, q.resize_vectors,
                 init_sims):
        with pytest.raises(TypeError, match="read-only"), \
                pytest.warns(DeprecationWarning) if call is init_sims else nullcontext():
            call()
    with pytest.raises(TypeError, match="already quantized \\(int8\\)"):
        q.quantize("int4")
    with pytest.raises(TypeError, match="weight must be a QuantizedTable"):
        QuantizedVectors(["a"], np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="dtype must be one of"):
        Vectors(["a"], np.zeros((1, 3), np.float32)).quantize("int2")
    assert len(q) == 10 and q.weight.shape == (10, 3)


def test_dequantize_gives_a_float_vectors():
    q, f = _pair("float16", n=30, dim=4)
    back = q.dequantize()
    assert type(back) is Vectors
    np.testing.assert_array_equal(back.weight, f.weight)


def test_vectors_for_all_gives_the_decoded_rows():
    q, f = _pair("int8", n=20, dim=3)
    got = q.vectors_for_all(["w3", "w1"])
    assert got.weight.dtype == np.float32
    np.testing.assert_array_equal(got.weight, f.vectors_for_all(["w3", "w1"]).weight)


def test_a_float_vectors_refuses_a_compressed_table():
    qt = sd.quantize(np.ones((1, 2), np.float32))
    with pytest.raises(TypeError, match="use QuantizedVectors\\(keys, weight\\)"):
        Vectors(["a"], qt)
