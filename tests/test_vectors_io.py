"""Vector files: word2vec text/binary, GloVe, native; round trips, bad files, atomic saves."""

import bz2
import gzip
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparsedense.vectors import _io
from sparsedense.vectors import _write as writer
from sparsedense.vectors._io import _parse_bytes, load_vectors, save_vectors
from sparsedense.vectors._vectors import Vectors

FORMATS = ["word2vec", "word2vec-binary", "glove", "native"]
KEYS = ["예금", "적금", "café", "naïve", "😀", "Ünïcödé", "the", "주택대출", "🇰🇷", "a\tb"]


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


def _table(rng, n, d, dtype=np.float32):
    """Values over many magnitudes, plus the awkward ones: -0.0, tiny, huge, subnormal."""
    w = rng.standard_normal((n, d)) * 10.0 ** rng.integers(-12, 12, (n, d))
    w = w.astype(dtype)
    flat = w.reshape(-1)
    specials = [-0.0, 0.0, 1e-30, -3.4e38, 1e-45 if dtype == np.float32 else 5e-324, 0.1, 1e22]
    flat[: len(specials)] = specials
    return w


def _same_bits(a, b):
    """Equal including the sign of zero and NaNs."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    view = np.uint32 if a.dtype == np.float32 else np.uint64
    return np.array_equal(np.ascontiguousarray(a).view(view), np.ascontiguousarray(b).view(view))


@pytest.fixture
def kv(rng):
    return Vectors(list(KEYS), _table(rng, len(KEYS), 7))


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# -- round trips ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("read_as", ["auto", "explicit"])
def test_round_trip_is_exact(tmp_path, kv, fmt, read_as):
    path = tmp_path / "vectors.out"
    save_vectors(kv, path, format=fmt)
    back = load_vectors(path, format="auto" if read_as == "auto" else fmt)
    assert isinstance(back, Vectors)
    assert back.index_to_key == kv.index_to_key
    assert _same_bits(back.weight, kv.weight)


@pytest.mark.parametrize("fmt", ["word2vec", "glove", "native"])
def test_float64_round_trip_is_exact(tmp_path, rng, fmt):
    kv = Vectors(list(KEYS), _table(rng, len(KEYS), 5, np.float64))
    path = tmp_path / "v"
    save_vectors(kv, path, format=fmt)
    back = load_vectors(path, format=fmt, dtype=np.float64)
    assert back.index_to_key == kv.index_to_key
    assert _same_bits(back.weight, kv.weight)


def test_binary_holds_float32(tmp_path, rng):
    kv = Vectors(["a", "b"], rng.standard_normal((2, 3)))
    save_vectors(kv, tmp_path / "v.bin", binary=True)
    back = load_vectors(tmp_path / "v.bin", dtype=np.float64)
    assert np.array_equal(back.weight, kv.weight.astype(np.float32).astype(np.float64))


def test_nan_and_inf_survive_text(tmp_path):
    w = np.array([[np.nan, np.inf, -np.inf, 1.0]], dtype=np.float32)
    for fmt in ("word2vec", "glove"):
        save_vectors(Vectors(["x"], w), tmp_path / fmt, format=fmt)
        back = load_vectors(tmp_path / fmt, format=fmt).weight
        assert np.isnan(back[0, 0]) and back[0, 1] == np.inf and back[0, 2] == -np.inf


def test_text_is_shortest_round_trip(tmp_path):
    w = np.array([[0.1, -2.5, 100.0, 1e-5, 0.3, 123456789.0, 1e16, -0.0, 1.0 / 3]],
                 dtype=np.float32)
    save_vectors(Vectors(["w"], w), tmp_path / "v.txt")
    line = (tmp_path / "v.txt").read_text().splitlines()[1]
    assert line == "w 0.1 -2.5 100 1e-05 0.3 123456790 1e+16 -0 0.33333334"
    # the same digits numpy's shortest repr picks
    for tok, x in zip(line.split()[1:], w[0]):
        assert float(tok) == float(np.format_float_positional(x, unique=True))


def test_precision_writes_significant_digits(tmp_path):
    w = np.array([[0.123456789, 1234.5678]], dtype=np.float32)
    save_vectors(Vectors(["w"], w), tmp_path / "v.txt", format="glove", precision=4)
    assert (tmp_path / "v.txt").read_text() == "w 0.1235 1235\n"
    back = load_vectors(tmp_path / "v.txt")
    assert back.weight.tolist() == [[np.float32(0.1235), np.float32(1235.0)]]


def test_vectors_save_and_load_methods(tmp_path, kv):
    kv.save(tmp_path / "v.npz")
    back = Vectors.load(tmp_path / "v.npz")
    assert back.index_to_key == kv.index_to_key and _same_bits(back.weight, kv.weight)


@pytest.mark.parametrize("suffix,opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", None)])
@pytest.mark.parametrize("fmt", FORMATS)
def test_compressed_files(tmp_path, kv, suffix, opener, fmt):
    path = tmp_path / f"vectors{suffix}"
    save_vectors(kv, path, format=fmt)
    back = load_vectors(path)
    assert back.index_to_key == kv.index_to_key and _same_bits(back.weight, kv.weight)
    if opener is not None and fmt == "word2vec":  # a file compressed by the usual tools
        plain = tmp_path / "plain.txt"
        save_vectors(kv, plain)
        with opener(tmp_path / f"other{suffix}", "wb") as fh:
            fh.write(plain.read_bytes())
        assert load_vectors(tmp_path / f"other{suffix}").index_to_key == kv.index_to_key


def test_compressed_detected_by_magic_not_name(tmp_path, kv):
    save_vectors(kv, tmp_path / "v.txt.gz")
    os.replace(tmp_path / "v.txt.gz", tmp_path / "v.data")
    assert load_vectors(tmp_path / "v.data").index_to_key == kv.index_to_key


def test_gzip_output_is_deterministic(tmp_path, kv):
    save_vectors(kv, tmp_path / "a.gz")
    save_vectors(kv, tmp_path / "b.gz")
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


# -- limit, dtype, words ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("limit", [0, 1, 4, 10, 100])
def test_limit_reads_the_first_vectors(tmp_path, kv, fmt, limit):
    save_vectors(kv, tmp_path / "v", format=fmt)
    back = load_vectors(tmp_path / "v", limit=limit)
    assert back.index_to_key == kv.index_to_key[:limit]
    assert _same_bits(back.weight, kv.weight[:limit])
    assert back.weight.shape[1] == kv.weight.shape[1]


def test_limit_does_not_read_past_a_damaged_tail(tmp_path):
    path = _write(tmp_path, "v.txt", "3 2\na 1 2\nb 3 4\nc 5 oops\n")
    assert load_vectors(path, limit=2).index_to_key == ["a", "b"]
    with pytest.raises(ValueError, match="line 4: 'oops' is not a number"):
        load_vectors(path)
    path = _write(tmp_path, "g.txt", "a 1 2\nb 3 4\nc 5\n")
    assert load_vectors(path, limit=2).weight.tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_text_values_are_float_of_the_token(tmp_path, dtype):
    tokens = ["0.1", "-0", "1e400", "-1e400", "1e-400", "nan", "-inf", "Infinity", "1_000",
              "2.2250738585072011e-308", "123456789012345678901234567890", "+.5", "7.",
              "0.000000000000000000000000123", "9007199254740993", "1E5", "-0.0e-0",
              "1.00000005960464477539062500000001", "3.4028235677973366e38"]
    path = _write(tmp_path, "v.txt", "w " + " ".join(tokens) + "\n")
    got = load_vectors(path, dtype=dtype).weight[0]
    with np.errstate(over="ignore"):
        want = np.array([float(t) for t in tokens]).astype(dtype)
    assert _same_bits(got, want)


def test_fast_path_agrees_with_float(rng):
    """Random decimal tokens (short, long, with exponents) parse exactly like float()."""
    def token():
        digits = "".join(rng.choice(list("0123456789"), rng.integers(1, 22)))
        cut = rng.integers(0, len(digits) + 1)
        text = rng.choice(["", "-", "+"]) + digits[:cut] + "." + digits[cut:]
        if rng.random() < 0.4:
            text += rng.choice(["e", "E"]) + rng.choice(["", "-", "+"]) + str(rng.integers(0, 40))
        return text
    rows = [[token() for _ in range(30)] for _ in range(400)]
    data = "".join(f"w{r} " + " ".join(row) + "\n" for r, row in enumerate(rows)).encode()
    for dtype in (np.float32, np.float64):
        _, table = _parse_bytes(data, "glove", None, np.dtype(dtype), "utf-8", "strict")
        with np.errstate(over="ignore"):
            want = np.array([[float(t) for t in row] for row in rows]).astype(dtype)
        assert _same_bits(table, want)


def test_unicode_words(tmp_path):
    text = "3 2\n예금 1 2\n😀 3 4\ncafé 5 6\n"
    back = load_vectors(_write(tmp_path, "v.txt", text))
    assert back.index_to_key == ["예금", "😀", "café"]
    latin = _write(tmp_path, "l.txt", "1 1\ncaf\xe9 1\n".encode("latin-1"))
    assert load_vectors(latin, encoding="latin-1").index_to_key == ["café"]


def test_words_keep_every_non_space_byte(tmp_path):
    back = load_vectors(_write(tmp_path, "v.txt", "a\tb 1\n#c 2\n'\"d 3\n"), format="glove")
    assert back.index_to_key == ["a\tb", "#c", "'\"d"]


def test_crlf_trailing_spaces_and_blank_tail(tmp_path):
    back = load_vectors(_write(tmp_path, "v.txt", "2 2\r\na 1  2 \r\nb 3 4\r\n\r\n\n"))
    assert back.index_to_key == ["a", "b"] and back.weight.tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("errors,key", [("replace", "caf\ufffd"), ("ignore", "caf"),
                                        ("surrogateescape", "caf\udce9")])
def test_unicode_errors_decode_like_python(tmp_path, errors, key):
    path = _write(tmp_path, "v.txt", b"2 1\nok 1\ncaf\xe9 2\n")
    assert load_vectors(path, unicode_errors=errors).index_to_key == ["ok", key]


def test_unicode_errors_strict_names_the_line(tmp_path):
    path = _write(tmp_path, "v.txt", b"3 1\nok 1\nfine 2\ncaf\xe9 2\n")
    with pytest.raises(ValueError, match=r"line 4: the word b'caf\\xe9' is not valid utf-8"):
        load_vectors(path)
    bin_path = _write(tmp_path, "v.bin", b"2 1\nok " + np.float32([1]).tobytes()
                      + b"\ncaf\xe9 " + np.float32([2]).tobytes())
    with pytest.raises(ValueError, match=r"vector 2 .*not valid utf-8"):
        load_vectors(bin_path)


def test_binary_without_newlines_like_gensim_writes(tmp_path):
    data = b"2 2\n" + b"".join(w + b" " + np.float32(v).tobytes()
                                for w, v in [(b"a", [1, 2]), (b"b", [3, 4])])
    back = load_vectors(_write(tmp_path, "v.bin", data))
    assert back.index_to_key == ["a", "b"] and back.weight.tolist() == [[1, 2], [3, 4]]


# -- native ---------------------------------------------------------------------------

def test_native_is_an_npz(tmp_path, kv):
    save_vectors(kv, tmp_path / "v.npz", format="native")
    with np.load(tmp_path / "v.npz") as npz:
        assert _same_bits(npz["weight"], kv.weight)


@pytest.mark.parametrize("mode", ["r", "c"])
def test_native_mmap(tmp_path, kv, mode):
    path = tmp_path / "v.vec"  # found by content, not by name
    save_vectors(kv, path, format="native")
    back = load_vectors(path, mmap_mode=mode)
    assert isinstance(back.weight, np.memmap)
    assert back.index_to_key == kv.index_to_key and _same_bits(back.weight, kv.weight)
    assert back.weight.flags.writeable == (mode == "c")
    limited = load_vectors(path, mmap_mode="r", limit=3)
    assert isinstance(limited.weight, np.memmap) and limited.weight.shape == (3, 7)
    if mode == "c":
        back.weight[0] = 42
        del back
        assert _same_bits(load_vectors(path).weight, kv.weight)


def test_native_keeps_any_key_and_float64(tmp_path, rng):
    keys = ["", "with space", "new\nline", "\udce9", "😀"]
    kv = Vectors(keys, rng.standard_normal((5, 2)))
    save_vectors(kv, tmp_path / "v", format="native")
    back = load_vectors(tmp_path / "v", dtype=np.float64)
    assert back.index_to_key == keys and _same_bits(back.weight, kv.weight)
    as32 = load_vectors(tmp_path / "v")
    assert as32.weight.dtype == np.float32
    with pytest.raises(ValueError, match="pass dtype=np.float64"):
        load_vectors(tmp_path / "v", mmap_mode="r")


def _with_attributes(kv):
    """``kv`` with gensim-style per-key attributes of every kind the native file keeps."""
    kv.set_vecattr(kv.index_to_key[1], "count", 2**40)  # int64
    kv.set_vecattr(kv.index_to_key[2], "weight", 0.25)  # float64
    kv.set_vecattr(kv.index_to_key[0], "tag", "예금")  # object (str), 0 elsewhere
    kv.set_vecattr(kv.index_to_key[3], "tag", None)
    kv.expandos["flag"] = np.arange(len(kv)) % 2 == 0
    kv.expandos["small"] = np.arange(len(kv), dtype=np.uint8)
    return kv


def _assert_same_attributes(got, want, n=None):
    assert list(got) == list(want)
    for attr, values in want.items():
        assert got[attr].dtype == values.dtype, attr
        assert got[attr].tolist() == values[:n].tolist(), attr


@pytest.mark.parametrize("name,kwargs", [("v.npz", {}), ("v.npz", {"mmap_mode": "r"}),
                                         ("v.npz", {"limit": 3}), ("v.npz.gz", {}),
                                         ("v.npz.xz", {"limit": 2})])
def test_native_keeps_per_key_attributes(tmp_path, kv, name, kwargs):
    kv = _with_attributes(kv)
    save_vectors(kv, tmp_path / name, format="native")
    back = load_vectors(tmp_path / name, **kwargs)
    assert isinstance(back.weight, np.memmap) == ("mmap_mode" in kwargs)
    _assert_same_attributes(back.expandos, kv.expandos, kwargs.get("limit"))
    assert back.get_vecattr(kv.index_to_key[1], "count") == 2**40
    back = Vectors.load(tmp_path / name)
    _assert_same_attributes(back.expandos, kv.expandos)


def test_native_attributes_are_members_and_str_ones_are_in_the_meta(tmp_path, kv):
    import json
    import zipfile

    kv = _with_attributes(kv)
    kv.save(tmp_path / "v.npz")
    with zipfile.ZipFile(tmp_path / "v.npz") as zf:
        assert sorted(zf.namelist()) == ["expando_0.npy", "expando_1.npy", "expando_2.npy",
                                         "expando_3.npy", "meta.npy", "weight.npy"]
    with np.load(tmp_path / "v.npz", allow_pickle=False) as npz:
        meta = json.loads(npz["meta"].tobytes())
        assert npz["expando_0"].tolist() == kv.expandos["count"].tolist()
    assert meta["version"] == 1
    assert meta["expandos"][2] == {"name": "tag", "values": ["예금", 0, 0, None] + [0] * 6}


def test_native_attribute_rows_added_later_are_zero(tmp_path, kv):
    kv.set_vecattr(kv.index_to_key[0], "count", 5)
    kv.expandos["count"] = kv.expandos["count"][:3]  # as if keys were added since
    kv.save(tmp_path / "v.npz")
    assert load_vectors(tmp_path / "v.npz").expandos["count"].tolist() == [5] + [0] * 9


def test_native_file_without_attributes_is_unchanged(tmp_path, kv):
    import zipfile

    kv.save(tmp_path / "v.npz")
    with zipfile.ZipFile(tmp_path / "v.npz") as zf:
        assert sorted(zf.namelist()) == ["meta.npy", "weight.npy"]
    assert load_vectors(tmp_path / "v.npz").expandos == {}


def test_native_refuses_attributes_it_cannot_store(tmp_path, kv):
    kv.save(tmp_path / "v.npz")
    before = (tmp_path / "v.npz").read_bytes()
    kv.set_vecattr(kv.index_to_key[0], "obj", "x")
    kv.expandos["obj"][1] = {"a": 1}
    with pytest.raises(TypeError, match=r"expandos\['obj'\] holds dict \{'a': 1\}"):
        kv.save(tmp_path / "v.npz")
    del kv.expandos["obj"]
    kv.expandos["when"] = np.zeros(len(kv), dtype="datetime64[s]")
    with pytest.raises(TypeError, match=r"expandos\['when'\] has dtype datetime64"):
        kv.save(tmp_path / "v.npz")
    kv.expandos["when"] = np.zeros((len(kv), 2))
    with pytest.raises(ValueError, match=r"expandos\['when'\] must be a 1-D array"):
        kv.save(tmp_path / "v.npz")
    assert (tmp_path / "v.npz").read_bytes() == before


def test_native_refusals(tmp_path, kv):
    text = tmp_path / "v.txt"
    save_vectors(kv, text)
    with pytest.raises(ValueError, match="mmap_mode='r'.*not an uncompressed native"):
        load_vectors(text, mmap_mode="r")
    save_vectors(kv, tmp_path / "v.npz.gz", format="native")
    with pytest.raises(ValueError, match="not an uncompressed native"):
        load_vectors(tmp_path / "v.npz.gz", mmap_mode="r")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not a valid native vectors file"):
        load_vectors(tmp_path / "other.npz")
    _write(tmp_path, "broken.npz", b"PK\x03\x04garbage")
    with pytest.raises(ValueError, match="not a valid native vectors file"):
        load_vectors(tmp_path / "broken.npz")


# -- bad files ---------------------------------------------------------------------------

def _rows(n, d, start=0):
    return "".join(f"w{i} " + " ".join(str(0.5 * (i + j)) for j in range(d)) + "\n"
                   for i in range(start, start + n))


BAD_FILES = [
    # (name, content, format, message)
    ("short row",
     "9 100\n" + _rows(5, 100) + "w5 " + " ".join(["1"] * 99) + "\n" + _rows(3, 100, 6),
     "auto", "line 7: expected 100 values after the word 'w5', found 99"),
    ("long row", "3 4\n" + _rows(1, 4) + "x 1 2 3 4 5\n" + _rows(1, 4, 2), "word2vec",
     "line 3: expected 4 values after the word 'x', found 5"),
    ("not a number", "3 2\na 1 2\nb 1 abc\nc 1 2\n", "auto", "line 3: 'abc' is not a number"),
    ("hex", "a 1 0x10\n", "glove", "line 1: '0x10' is not a number"),
    ("non-utf8 number", b"a 1 2\nb 1 \xff\n", "glove", "line 2: '\ufffd' is not a number"),
    ("two dots", "a 1.2.3\n", "glove", "line 1: '1.2.3' is not a number"),
    ("too few rows", "5 2\n" + _rows(3, 2), "auto",
     "header promises 5 vectors, but the file has 3"),
    ("too many rows", "2 2\n" + _rows(3, 2), "auto",
     r"header promises 2 vectors, but the file has more \(line 4 is vector 3\)"),
    ("dimension mismatch", "2 4\n" + _rows(2, 5), "auto",
     r"line 2: expected 4 values .* found 5 \(the header on line 1 says dimension 4\)"),
    ("dimension mismatch, short", "2 3\n" + _rows(2, 2), "word2vec",
     r"line 2: expected 3 values .* found 2 \(the header on line 1 says dimension 3\)"),
    ("glove row", "a 1 2\nb 1\n", "glove",
     "line 2: expected 2 values after the word 'b', found 1"),
    ("glove with header", "3 2\na 1 2\n", "glove", "looks like a word2vec header"),
    ("glove no values", "lonely\nb 1\n", "glove", "line 1: .*no values after the word"),
    ("empty line", "3 1\na 1\n\nb 2\n", "auto", "line 3: expected a word then 1 values, found an "
                                              "empty line"),
    ("leading space", "a 1\n b 2\n", "glove", "line 2: .*found a line starting with a space"),
    ("duplicate", "3 1\nx 1\ny 2\nx 3\n", "auto", "line 4: the word 'x' repeats line 2"),
    ("bad header", "3 two\na 1\n", "word2vec", "line 1: expected the header 'N D'"),
    ("no header", "a 1 2\n", "word2vec", "line 1: expected the header 'N D'"),
    ("binary header", "x\n", "word2vec-binary", "line 1: expected the header"),
    ("empty", "", "auto", "the file is empty"),
    ("blank", "\n \n", "glove", "the file is empty"),
    ("huge dimension", "1 2000000000\nw 1 2 3 4 5\n", "auto",
     "line 2: expected 2000000000 values"),
    ("huge dimension, explicit", "1 2000000000\nw 1\n", "word2vec", "expected 2000000000 values"),
    ("absurd dimension", "1 99999999999999999999\nw 1\n", "auto", "dimension .* is too large"),
]


@pytest.mark.parametrize("name,content,fmt,message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_text_files_name_the_line(tmp_path, name, content, fmt, message):
    path = _write(tmp_path, "bad.txt", content)
    with pytest.raises(ValueError, match=message) as info:
        load_vectors(path, format=fmt)
    assert str(path) in str(info.value)


def _binary(records, n=None, d=2, sep=b"\n"):
    head = f"{len(records) if n is None else n} {d}\n".encode()
    return head + b"".join(w + b" " + np.float32(v).tobytes() + sep for w, v in records)


BAD_BINARY = [
    ("truncated record", _binary([(b"a", [1, 2]), (b"b", [3, 4])])[:-5],
     r"vector 2 of 2 \(word 'b', at byte \d+\): truncated record: expected 8 bytes of float32 "
     r"values after the word, found 4"),
    ("truncated word", _binary([(b"a", [1, 2])], n=2) + b"bb",
     r"vector 2 of 2 \(at byte \d+\): the file ends before the space"),
    ("header too large", _binary([(b"a", [1, 2])], n=1000),
     r"vector 2 of 1000 .*the file ends before"),
    ("header too large, huge dim", b"5 1000000000\nab \x00\x00",
     r"vector 1 of 5 .*truncated record"),
    ("trailing data", _binary([(b"a", [1, 2])], n=1) + b"extra " + b"\x00" * 8,
     r"header promises 1 vectors of dimension 2, but more data follows"),
    ("duplicate", _binary([(b"a", [1, 2]), (b"b", [1, 2]), (b"a", [3, 4])]),
     r"vector 3 \(at byte \d+\): the word 'a' repeats vector 1"),
    ("empty word", _binary([(b"a", [1, 2]), (b"", [1, 2])]), r"vector 2 .*empty word"),
]


@pytest.mark.parametrize("name,content,message", BAD_BINARY, ids=[b[0] for b in BAD_BINARY])
def test_bad_binary_files(tmp_path, name, content, message):
    path = _write(tmp_path, "bad.bin", content)
    with pytest.raises(ValueError, match=message):
        load_vectors(path, format="word2vec-binary")


def test_binary_is_sniffed(tmp_path):
    data = _binary([(b"a", [1, 2]), (b"b", [3, 4])])
    assert _parse_bytes(data, "auto", None, np.dtype(np.float32), "utf-8", "strict")[0] == [
        "a", "b"]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_vectors(tmp_path / "nope.txt")
    with pytest.raises(FileNotFoundError):
        load_vectors(tmp_path / "nope.npz", mmap_mode="r")


def test_damaged_compressed_file(tmp_path, kv):
    save_vectors(kv, tmp_path / "v.gz")
    data = (tmp_path / "v.gz").read_bytes()
    _write(tmp_path, "cut.gz", data[: len(data) // 2])
    with pytest.raises(ValueError, match="damaged gzip file"):
        load_vectors(tmp_path / "cut.gz")
    _write(tmp_path, "empty.gz", gzip.compress(b""))
    with pytest.raises(ValueError, match="empty"):
        load_vectors(tmp_path / "empty.gz")


@pytest.mark.parametrize("kwargs,exc,message", [
    ({"format": "glove-binary"}, ValueError, "format must be one of"),
    ({"limit": -1}, ValueError, "limit must be None or an int >= 0; got -1"),
    ({"limit": 2.0}, TypeError, "limit must be None or an int"),
    ({"limit": True}, TypeError, "limit must be None or an int"),
    ({"dtype": np.int64}, ValueError, "dtype must be np.float32 or np.float64; got int64"),
    ({"dtype": "nonsense"}, TypeError, "dtype must be"),
    ({"encoding": "no-such-codec"}, ValueError, "not a known text encoding"),
    ({"encoding": "utf-16"}, ValueError, "not ASCII-compatible"),
    ({"unicode_errors": "nope"}, ValueError, "not a known error handler"),
    ({"mmap_mode": "w+"}, ValueError, "mmap_mode must be None, 'r'"),
])
def test_bad_arguments(tmp_path, kv, kwargs, exc, message):
    save_vectors(kv, tmp_path / "v.txt")
    with pytest.raises(exc, match=message):
        load_vectors(tmp_path / "v.txt", **kwargs)


@pytest.mark.parametrize("keys,fmt,message", [
    (["a b", "c"], "word2vec", r"index_to_key\[0\] = 'a b' cannot be written"),
    (["a", "b\nc"], "word2vec-binary", r"index_to_key\[1\] = 'b\\nc' cannot be written"),
    (["", "c"], "glove", r"index_to_key\[0\] = '' cannot be written"),
    (["a", "\ud800"], "word2vec", r"index_to_key\[1\] = .* is not encodable in UTF-8"),
])
def test_save_refuses_keys_the_format_cannot_hold(tmp_path, keys, fmt, message):
    kv = Vectors(keys, np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match=message):
        save_vectors(kv, tmp_path / "v", format=fmt)
    assert not list(tmp_path.iterdir())


def test_save_argument_checks(tmp_path, kv):
    with pytest.raises(ValueError, match="format must be one of"):
        save_vectors(kv, tmp_path / "v", format="auto")
    with pytest.raises(ValueError, match="contradicts format='glove'"):
        save_vectors(kv, tmp_path / "v", format="glove", binary=True)
    with pytest.raises(ValueError, match="binary=False contradicts"):
        save_vectors(kv, tmp_path / "v", format="word2vec-binary", binary=False)
    with pytest.raises(ValueError, match="precision must be None or an int in 1..17"):
        save_vectors(kv, tmp_path / "v", precision=0)
    with pytest.raises(TypeError, match="vectors must be a Vectors"):
        save_vectors(np.zeros((2, 2)), tmp_path / "v")
    with pytest.raises(ValueError, match="GloVe file cannot hold a table of shape"):
        save_vectors(Vectors([], np.zeros((0, 3), np.float32)), tmp_path / "v", format="glove")
    assert not list(tmp_path.iterdir())


def test_empty_and_zero_dimension_tables(tmp_path):
    for shape in [(0, 3), (2, 0)]:
        kv = Vectors(["a", "b"][: shape[0]], np.zeros(shape, np.float32))
        for fmt in ("word2vec", "word2vec-binary", "native"):
            save_vectors(kv, tmp_path / fmt, format=fmt)
            back = load_vectors(tmp_path / fmt, format=fmt)
            assert back.weight.shape == shape and back.index_to_key == kv.index_to_key


# -- atomic saves --------------------------------------------------------------------------

def _fail_on_second_call(real):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)
    return wrapper


@pytest.mark.parametrize("fmt", ["word2vec", "glove", "word2vec-binary"])
@pytest.mark.parametrize("name", ["v.txt", "v.txt.gz"])
def test_failed_save_leaves_previous_file(tmp_path, monkeypatch, kv, fmt, name):
    path = tmp_path / name
    save_vectors(kv, path, format=fmt)
    before = path.read_bytes()
    monkeypatch.setattr(writer, "_CHUNK_ROWS", 2)
    monkeypatch.setattr(writer, "_format_text_chunk", _fail_on_second_call(writer._format_text_chunk))
    real_write = writer._write_binary_rows

    def half_then_fail(fh, encoded, weight):
        real_write(fh, encoded[:3], weight[:3])
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(writer, "_write_binary_rows", half_then_fail)
    other = Vectors(kv.index_to_key, kv.weight[::-1].copy())
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_vectors(other, path, format=fmt)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_failed_native_save_leaves_previous_file(tmp_path, monkeypatch, kv):
    path = tmp_path / "v.npz"
    save_vectors(kv, path, format="native")
    before = path.read_bytes()
    real = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", _fail_on_second_call(real))
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_vectors(Vectors(kv.index_to_key, kv.weight[::-1].copy()), path, format="native")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.npz"]


def test_save_into_missing_directory_fails_cleanly(tmp_path, kv):
    with pytest.raises(FileNotFoundError):
        save_vectors(kv, tmp_path / "nope" / "v.txt")


# -- fuzzing -------------------------------------------------------------------------------

_ALPHABET = st.sampled_from([b"0", b"1", b"9", b" ", b"  ", b".", b"-", b"+", b"e", b"E", b"\n",
                             b"\r\n", b"nan", b"inf", b"a", b"\t", b"\xff", b"\xc3\xa9", b"\x00",
                             b"3 2\n", b"0.5", b"1e400", b"\x1f\x8b", b"PK\x03\x04"])
_TEXTISH = st.lists(_ALPHABET, max_size=60).map(b"".join)
_FUZZ_FORMATS = st.sampled_from(["auto", "word2vec", "word2vec-binary", "glove", "native"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=200), _TEXTISH), fmt=_FUZZ_FORMATS,
       limit=st.sampled_from([None, 0, 1, 3]))
def test_parser_fuzz_only_value_errors(data, fmt, limit):
    try:
        keys, table = _parse_bytes(data, fmt, limit, np.dtype(np.float32), "utf-8", "strict")
    except ValueError:
        return
    assert table.ndim == 2 and table.shape[0] == len(keys) == len(set(keys))
    assert limit is None or len(keys) <= limit
    assert all(isinstance(k, str) for k in keys)


def test_binary_word_with_a_newline_and_bad_utf8_names_its_vector():
    """Found by the fuzz test: the word of vector 1 holds a newline, so the
    joined words' newlines do not count words; the error was an IndexError."""
    data = b"1 1\n\x00\n\x80 \x00\x00\x00\x00"
    with pytest.raises(ValueError, match=r"vector 1 \(at byte 4\).*not valid utf-8"):
        _parse_bytes(data, "auto", None, np.dtype(np.float32), "utf-8", "strict")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=200), _TEXTISH))
def test_decompress_fuzz_only_value_errors(data):
    try:
        _io._decompress(b"\x1f\x8b" + data, "f")
        _io._decompress(b"BZh" + data, "f")
    except ValueError:
        pass


_WORDS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=" \n"),
                 min_size=1, max_size=8)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(keys=st.lists(_WORDS, min_size=1, max_size=6, unique=True),
       dim=st.integers(1, 5), seed=st.integers(0, 2**32 - 1),
       fmt=st.sampled_from(["word2vec", "word2vec-binary", "glove", "native"]))
def test_round_trip_property(tmp_path, keys, dim, seed, fmt):
    bits = np.random.default_rng(seed).integers(0, 2**32, (len(keys), dim), dtype=np.uint64)
    weight = bits.astype(np.uint32).view(np.float32)
    weight[np.isnan(weight)] = np.float32(np.nan)  # text keeps NaN, not its payload
    kv = Vectors(keys, weight)
    path = tmp_path / f"prop-{fmt}"
    save_vectors(kv, path, format=fmt)
    back = load_vectors(path, format=fmt)
    assert back.index_to_key == keys
    assert _same_bits(back.weight, weight)
