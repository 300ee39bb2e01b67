"""Compact keys (vectors/_keys.py): the store, its list/dict views, and the streamed load."""

import copy
import pickle
import tracemalloc

import numpy as np
import pytest

import sparsedense as sd
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsedense import Vectors, load_vectors
from sparsedense.vectors import QuantizedVectors, _stream
from sparsedense.vectors._keys import KeyIndex, KeyList, KeyStore

#: any str, lone surrogates and characters beyond the BMP included
_KEYS = st.lists(st.text(alphabet=st.characters(codec=None), max_size=6), max_size=40,
                 unique=True)


@settings(max_examples=60, deadline=None)
@given(_KEYS, st.text(max_size=6))
def test_store_finds_every_key_and_nothing_else(keys, other):
    store = KeyStore.from_keys(keys)
    assert len(store) == len(keys)
    assert [store.key(i) for i in range(len(keys))] == keys
    assert store.keys() == keys
    assert [store.find(k) for k in keys] == list(range(len(keys)))
    assert store.find(other) == (keys.index(other) if other in keys else -1)


@settings(max_examples=30, deadline=None)
@given(_KEYS)
def test_store_grows_past_its_capacity(keys):
    store = KeyStore(capacity=1)
    for k in keys:  # one at a time: the index is made again several times
        assert store.add_bytes([k.encode("utf-8", "surrogatepass")]) == (-1, -1)
    assert [store.find(k) for k in keys] == list(range(len(keys)))


def test_store_of_many_keys_agrees_with_a_dict():
    rng = np.random.default_rng(0)
    keys = list(dict.fromkeys("".join(rng.choice(list("abcdeé😀"), rng.integers(1, 7)))
                              for _ in range(20_000)))
    store = KeyStore.from_keys(keys)
    assert all(store.find(k) == i for i, k in enumerate(keys))
    assert store.find("zzz") == -1 and store.find(3) == -1 and store.find(None) == -1


@pytest.mark.parametrize("keys, message", [
    (["a", "b", "a"], r"keys\[2\] = 'a' repeats keys\[0\]; keys must be distinct"),
    (["", "x", ""], r"keys\[2\] = '' repeats keys\[0\]"),
    (["😀", "\ud83d\ude00", "😀"], r"keys\[2\] = '😀' repeats keys\[0\]"),
])
def test_repeated_keys_are_refused_like_vectors_refuses_them(keys, message):
    W = np.zeros((len(keys), 2), dtype=np.float32)
    with pytest.raises(ValueError, match=message):
        KeyStore.from_keys(keys)
    with pytest.raises(ValueError, match=message):
        QuantizedVectors(keys, sd.quantize(W, "int8"))
    with pytest.raises(ValueError, match=message):
        Vectors(keys, W)


def test_first_wrong_key_in_order_decides_the_error():
    with pytest.raises(ValueError, match="repeats"):
        KeyStore.from_keys(["a", "a", 3])
    with pytest.raises(TypeError, match=r"keys\[1\] is int 3; expected str"):
        KeyStore.from_keys(["a", 3, "a"])


def _pair(keys):
    W = np.arange(2 * len(keys), dtype=np.float32).reshape(len(keys), 2)
    return Vectors(list(keys), W), Vectors(list(keys), W).quantize("float16")


def test_views_read_like_the_list_and_dict():
    plain, compact = _pair(["예금", "적금", "", "😀", "\udc80"])
    lst, idx = compact.index_to_key, compact.key_to_index
    assert isinstance(lst, KeyList) and isinstance(idx, KeyIndex)
    assert lst == plain.index_to_key and plain.index_to_key == lst
    assert idx == plain.key_to_index and plain.key_to_index == idx
    assert lst != plain.index_to_key[:-1] and idx != {"예금": 0}
    assert len(lst) == len(idx) == len(compact) == 5
    assert list(lst) == plain.index_to_key and list(idx) == list(plain.key_to_index)
    for i in (0, 3, -1, -5):
        assert lst[i] == plain.index_to_key[i]
    for s in (slice(None), slice(1, 3), slice(None, None, 2), slice(4, 0, -1), slice(9, 20)):
        assert lst[s] == plain.index_to_key[s]
    assert lst.index("😀") == 3 and lst.count("😀") == 1 and lst.count("x") == 0
    assert "적금" in lst and "x" not in lst and 3 not in lst
    assert idx["😀"] == 3 and idx.get("x") is None and idx.get("x", -1) == -1
    assert dict(idx.items()) == plain.key_to_index and list(idx.values()) == list(range(5))
    assert lst + ["z"] == plain.index_to_key + ["z"] and ["z"] + lst == ["z"] + plain.index_to_key
    assert repr(lst) == repr(plain.index_to_key) and repr(idx) == repr(plain.key_to_index)
    assert lst.copy() == plain.index_to_key and type(lst.copy()) is list
    assert idx.copy() == plain.key_to_index and type(idx.copy()) is dict
    with pytest.raises(IndexError):
        lst[5]
    with pytest.raises(TypeError, match="list indices must be integers"):
        lst["a"]
    with pytest.raises(KeyError):
        idx["x"]
    with pytest.raises(ValueError, match="'x' is not in list"):
        lst.index("x")
    with pytest.raises(TypeError, match="unhashable"):
        idx.get([])
    assert not compact.has_index_for([]) and not plain.has_index_for([])


@pytest.mark.parametrize("change", [
    lambda kv: kv.index_to_key.append("x"), lambda kv: kv.index_to_key.sort(),
    lambda kv: kv.index_to_key.__setitem__(0, "x"), lambda kv: kv.key_to_index.update(x=3),
    lambda kv: kv.key_to_index.__setitem__("x", 3), lambda kv: kv.key_to_index.pop("a"),
    lambda kv: setattr(kv, "index_to_key", ["x", "y"]),
    lambda kv: setattr(kv, "key_to_index", {}),
])
def test_the_views_are_read_only(change):
    _, compact = _pair(["a", "b"])
    with pytest.raises(TypeError, match="read-only"):
        change(compact)
    assert compact.index_to_key == ["a", "b"] and compact.key_to_index == {"a": 0, "b": 1}


def test_queries_give_what_the_plain_keys_give():
    rng = np.random.default_rng(1)
    keys = [f"w{i}" for i in range(50)] + ["😀", "ü"]
    W = rng.standard_normal((len(keys), 6)).astype(np.float32)
    qv = Vectors(keys, W).quantize("int8")
    ref = Vectors(keys, qv.weight.dequantize())
    got, want = qv.most_similar("😀", topn=5), ref.most_similar("😀", topn=5)
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
    assert [k for k, _ in qv.most_similar("w3", topn=5)] == \
        [k for k, _ in ref.most_similar("w3", topn=5)]
    assert qv.get_index("ü") == 51 and qv.get_index(7) == 7 and "w9" in qv and 51 in qv
    np.testing.assert_array_equal(qv["w4"], ref["w4"])
    assert qv.has_index_for("w1") and not qv.has_index_for("nope")
    with pytest.raises(KeyError, match="'w1x' not present in vocabulary; did you mean 'w1'"):
        qv["w1x"]
    assert [k for k, _ in qv.most_similar_batch(["w1", "ü"], topn=3)[1]] == \
        [k for k, _ in ref.most_similar_batch(["w1", "ü"], topn=3)[1]]
    assert list(qv) == keys and qv.dequantize().index_to_key == keys
    assert type(qv.dequantize().index_to_key) is list


def test_pickle_and_copy_keep_the_keys():
    _, compact = _pair(["a", "😀", "c"])
    for again in (pickle.loads(pickle.dumps(compact)), copy.deepcopy(compact)):
        assert again.index_to_key == ["a", "😀", "c"] and again.get_index("😀") == 1


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "glove"])
def test_saving_a_compact_vectors_reads_back(tmp_path, fmt):
    keys = ["예금", "ab", "😀"]
    qv = Vectors(keys, np.eye(3, dtype=np.float32)).quantize("float16")
    qv.save(tmp_path / "v", format=fmt)
    back = load_vectors(tmp_path / "v", format=fmt, quantize="float16")
    assert back.index_to_key == keys
    np.testing.assert_array_equal(back.weight.data, qv.weight.data)
    qv.save(tmp_path / "v.npz")
    assert load_vectors(tmp_path / "v.npz").index_to_key == keys


@pytest.mark.parametrize("blocks", [97, 1 << 20])
def test_a_repeat_in_the_streamed_file_names_both_lines(tmp_path, monkeypatch, blocks):
    monkeypatch.setattr(_stream, "BLOCK_BYTES", blocks)
    lines = [f"w{i} 1 2" for i in range(30)] + ["w3 3 4"] + ["w7 1 1", "w5 2 2"]
    (tmp_path / "v.txt").write_text(f"{len(lines)} 2\n" + "\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="line 32: the word 'w3' repeats line 5"):
        load_vectors(tmp_path / "v.txt", quantize="int8")


def test_streamed_words_are_strict_utf8_or_named(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"2 1\n\xc3\xa9 1\nb\xff 2\n")
    with pytest.raises(UnicodeDecodeError, match="line 3"):
        load_vectors(tmp_path / "v.txt", quantize="int8")
    kv = load_vectors(tmp_path / "v.txt", quantize="int8", unicode_errors="replace")
    assert kv.index_to_key == ["é", "b\ufffd"]
    kv = load_vectors(tmp_path / "v.txt", quantize="int8", unicode_errors="surrogateescape")
    assert kv.index_to_key == ["é", "b\udcff"] and kv.get_index("b\udcff") == 1


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"")
    with pytest.raises(ValueError, match="the file is empty"):
        load_vectors(tmp_path / "v.txt", quantize="int8")
    assert len(KeyStore.from_keys([])) == 0 and KeyList(KeyStore()) == []


def test_the_streamed_load_makes_no_str_per_key(tmp_path, monkeypatch):
    n, dim = 50_000, 2
    rng = np.random.default_rng(2)
    Vectors([f"word{i:06d}" for i in range(n)],
            rng.standard_normal((n, dim)).astype(np.float32)).save(tmp_path / "v.txt",
                                                                    format="word2vec")
    monkeypatch.setattr(_stream, "BLOCK_BYTES", 1 << 16)
    # kernels compiled or loaded first, for every path the whole file takes (a short
    # load runs the serial twins only; Numba's compiling would count in the peak)
    load_vectors(tmp_path / "v.txt", quantize="int8")
    tracemalloc.start()
    try:
        kv = load_vectors(tmp_path / "v.txt", quantize="int8")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the table (10 bytes a row, and 24 more while its scales are read), the store (about 20
    # bytes a key) and a few blocks; keys as str in a list and a dict take over 100 a key
    assert kv.weight.nbytes + kv._keys.nbytes < n * 32
    assert peak < n * 60 + (1 << 19), peak
    assert kv.index_to_key[-1] == f"word{n - 1:06d}" and kv.get_index("word000007") == 7


def test_offsets_become_int64_past_int32(monkeypatch):
    from sparsedense.vectors import _keys

    monkeypatch.setattr(_keys, "_INT32_MAX", 10)  # a buffer past 10 bytes takes int64
    keys = ["abc", "défg", "h", "ijklmn", "😀😀"]
    store = KeyStore.from_keys(keys[:2])
    assert store._offsets.typecode == "i"
    store.add_bytes([k.encode() for k in keys[2:]])
    assert store._offsets.typecode == "q"
    assert store.keys() == keys and [store.find(k) for k in keys] == list(range(5))
