"""Vector files that lie (issue 21): counts in a header or a zip member that the bytes
do not back. Every such file gives an error naming the file, never a crash or a huge
allocation; the exception types match what gensim raises for the same bytes.

The crafted files are read in one child process (a heap overflow there fails the tests
instead of killing pytest), under an address-space limit, so that a loader allocating by
a count it read from the file raises MemoryError there instead of passing unnoticed.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from sparsedense._base.errors import FileDecodeError, TruncatedFileError
from sparsedense.vectors import load_vectors


def _record(word: bytes, dim: int, seed: int = 0) -> bytes:
    values = np.random.default_rng(seed).standard_normal(dim).astype("<f4")
    return word + b" " + values.tobytes() + b"\n"


def binary_file(n_header, dim_header, n_records, dim=None) -> bytes:
    """A word2vec binary file whose header says ``n_header dim_header`` over
    ``n_records`` records of ``dim`` values (``dim_header`` by default)."""
    dim = dim_header if dim is None else dim
    return f"{n_header} {dim_header}\n".encode() + b"".join(
        _record(b"w%d" % i, dim, i) for i in range(n_records))


def npy(shape, payload: bytes, descr: str = "<f4") -> bytes:
    """A ``.npy`` file whose header claims ``shape`` over ``payload`` (any length)."""
    head = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (descr, tuple(shape))
    head += " " * (64 - (10 + len(head) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head.encode() + payload


def native_file(keys, shape, n_values: int) -> bytes:
    """A native archive (self-consistent zip) whose weight.npy claims ``shape`` over
    ``n_values`` float32 values."""
    meta = json.dumps({"format": "sparsedense.Vectors", "version": 1, "keys": keys}).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("meta.npy", npy((len(meta),), meta, "|u1"))
        zf.writestr("weight.npy", npy(shape, np.arange(n_values, dtype="<f4").tobytes()))
    return out.getvalue()


KEYS3 = ["a", "b", "c"]


def native_with_expandos(listed, members, keys=KEYS3) -> bytes:
    """A valid native archive of ``keys`` x 2 whose meta lists the per-key attributes
    ``listed`` and which holds the ``.npy`` ``members`` (name -> bytes)."""
    meta = json.dumps({"format": "sparsedense.Vectors", "version": 1, "keys": keys,
                       "expandos": listed}).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("meta.npy", npy((len(meta),), meta, "|u1"))
        zf.writestr("weight.npy", npy((len(keys), 2),
                                      np.arange(2 * len(keys), dtype="<f4").tobytes()))
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


COUNT = [{"name": "count", "member": "expando_0.npy"}]

# name: (bytes, load_vectors kwargs, expected exception class, regex the message must match)
CASES = {
    # the original report: a zero-size buffer handed to the kernel, which copied every record
    "binary header promises more": (
        binary_file(1200, 64, 2), {"format": "word2vec-binary"}, TruncatedFileError,
        r"vector 3 of 1200 .*the file ends before the space after the word; the header "
        r"'1200 64' promises 1200 vectors .*can hold at most 2"),
    "binary header promises more, auto": (
        binary_file(1200, 64, 2), {}, TruncatedFileError, r"can hold at most 2"),
    "binary header promises more, many records": (  # this one aborted the process
        binary_file(100_000, 300, 2000), {}, TruncatedFileError, r"can hold at most 2007"),
    "binary header promises more, float64": (
        binary_file(1200, 64, 2), {"dtype": "float64"}, TruncatedFileError,
        r"can hold at most 2"),
    "binary header promises more, limit past the end": (
        binary_file(1200, 64, 2), {"limit": 3}, TruncatedFileError, r"vector 3 of 1200"),
    "binary header promises more, limit within": (
        binary_file(1200, 64, 2), {"limit": 2}, None, (2, 64)),
    "binary header promises more dimensions": (
        binary_file(3, 64, 3, dim=16), {"format": "word2vec-binary"}, TruncatedFileError,
        r"(truncated record|the file ends before).*can hold at most 0"),
    "binary truncated last record": (
        binary_file(3, 8, 3)[:-7], {}, TruncatedFileError,
        r"vector 3 of 3 \(word 'w2', at byte \d+\): truncated record: expected 32 bytes .*"
        r"found 26"),
    "binary huge count": (
        binary_file(10**12, 300, 1), {}, TruncatedFileError,
        r"the header '1000000000000 300' promises 1000000000000 vectors .*can hold at most 1"),
    "binary large count": (  # 1.2 GB if allocated from the header: over the child's limit
        binary_file(1_000_000, 300, 3), {"dtype": "float64"}, TruncatedFileError,
        r"can hold at most 3"),
    "binary absurd count": (
        binary_file(10**40, 2, 2), {}, TruncatedFileError, r"can hold at most 2"),
    "text header promises more": (
        b"1200 3\na 1 2 3\nb 4 5 6\n", {}, TruncatedFileError,
        r"line 1: the header promises 1200 vectors, but the file has 2"),
    "text huge count": (
        b"1000000000000 300\na" + b" 1" * 300 + b"\n", {"format": "word2vec"},
        TruncatedFileError, r"promises 1000000000000 vectors, but the file has 1"),
    "text header promises more, limit past the end": (
        b"5 3\na 1 2 3\nb 4 5 6\n", {"limit": 4}, TruncatedFileError,
        r"promises 5 vectors, but the file has 2"),
    "text header promises more dimensions": (
        b"2 300000000\na 1 2 3\nb 4 5 6\n", {"format": "word2vec"}, ValueError,
        r"line 2: expected 300000000 values after the word 'a', found 3"),
    "text last line cut": (
        b"2 3\na 1 2 3\nb 4 5", {}, TruncatedFileError,
        r"line 3: expected 3 values after the word 'b', found 2.*ends in the middle"),
    "text last value cut": (
        b"2 3\na 1 2 3\nb 4 5 1e-", {}, TruncatedFileError,
        r"line 3: '1e-' is not a number \(value 3 after the word\); the file ends in the "
        r"middle of this line"),
    "glove last line cut": (
        b"a 1 2 3\nb 4", {"format": "glove"}, TruncatedFileError,
        r"line 2: expected 3 values .* found 1.*ends in the middle"),
    "native more rows": (
        native_file(KEYS3, (30, 2), 6), {}, TruncatedFileError,
        r"weight.npy's header says shape \(30, 2\) .*holds 24 bytes after its header "
        r"\(room for 3 rows\)"),
    "native more rows, mmap": (
        native_file(KEYS3, (30, 2), 6), {"mmap_mode": "r"}, TruncatedFileError,
        r"weight.npy's header says shape \(30, 2\)"),
    "native more rows and keys, mmap": (
        native_file([f"k{i}" for i in range(30)], (30, 2), 6), {"mmap_mode": "r"},
        TruncatedFileError, r"weight.npy's header says shape \(30, 2\)"),
    "native huge rows": (
        native_file(KEYS3, (10**12, 300), 6), {}, TruncatedFileError,
        r"shape \(1000000000000, 300\)"),
    "native huge rows, mmap": (
        native_file(KEYS3, (10**12, 300), 6), {"mmap_mode": "c"}, TruncatedFileError,
        r"shape \(1000000000000, 300\)"),
    "native large rows": (  # 1.2 GB if allocated from the header
        native_file(KEYS3, (1_000_000, 300), 6), {}, TruncatedFileError,
        r"shape \(1000000, 300\)"),
    "native negative shape, mmap": (
        native_file(KEYS3, (3, -2), 6), {"mmap_mode": "r"}, ValueError,
        r"weight.npy's header says shape \(3, -2\)"),
    "native fewer keys than rows": (
        native_file(["a", "b"], (3, 2), 6), {}, ValueError,
        r"the meta lists 2 keys, but weight.npy holds a table of shape \(3, 2\)"),
    "native more keys than rows, mmap": (
        native_file(["a", "b", "c", "d"], (3, 2), 6), {"mmap_mode": "r"}, ValueError,
        r"the meta lists 4 keys, but weight.npy holds a table of shape \(3, 2\)"),
    "native attribute loads": (
        native_with_expandos(COUNT, {"expando_0.npy": npy((3,), bytes(24), "<i8")}), {},
        None, (3, 2)),
    "native attribute of too few values": (
        native_with_expandos(COUNT, {"expando_0.npy": npy((2,), bytes(16), "<i8")}), {},
        ValueError, r"expando_0.npy \(attribute 'count'\) holds int64 \(2,\); expected 1-D"),
    "native attribute of 2-D values, mmap": (
        native_with_expandos(COUNT, {"expando_0.npy": npy((3, 1), bytes(24), "<i8")}),
        {"mmap_mode": "r"}, ValueError, r"holds int64 \(3, 1\)"),
    "native attribute of pickled objects": (
        native_with_expandos(COUNT, {"expando_0.npy": npy((3,), bytes(24), "|O")}), {},
        ValueError, r"expando_0.npy's header says shape \(3,\), dtype object"),
    "native attribute of complex values": (
        native_with_expandos(COUNT, {"expando_0.npy": npy((3,), bytes(48), "<c16")}), {},
        ValueError, r"holds complex128"),
    "native attribute of huge length": (
        native_with_expandos(COUNT, {"expando_0.npy": npy((10**12,), bytes(24), "<i8")}), {},
        TruncatedFileError, r"expando_0.npy's header says shape"),
    "native attribute member not listed": (
        native_with_expandos([], {"expando_0.npy": npy((3,), bytes(24), "<i8")}), {},
        ValueError, r"does not name the members \['expando_0.npy'\]"),
    "native attribute listed, member absent": (
        native_with_expandos(COUNT, {}), {}, ValueError,
        r"'count' names member expando_0.npy, which the archive does not hold"),
    "native attribute naming the table": (
        native_with_expandos([{"name": "count", "member": "weight.npy"}], {}), {}, ValueError,
        r"names member weight.npy"),
    "native attribute twice": (
        native_with_expandos(COUNT * 2, {"expando_0.npy": npy((3,), bytes(24), "<i8")}), {},
        ValueError, r"is not a distinct"),
    "native str attribute of too few values": (
        native_with_expandos([{"name": "tag", "values": ["x", None]}], {}), {}, ValueError,
        r"'tag' must list 3 str, number or null values"),
    "native str attribute holding a list": (
        native_with_expandos([{"name": "tag", "values": ["x", None, [1]]}], {}), {},
        ValueError, r"'tag' must list 3"),
    "native unknown member": (
        native_with_expandos([], {"evil.npy": npy((3,), bytes(24), "<i8")}), {}, ValueError,
        r"members \[.*'evil.npy'.*expected meta.npy, weight.npy and expando_<i>.npy"),
    "native repeated key": (
        native_file(["a", "b", "a"], (3, 2), 6), {}, ValueError,
        r"damaged vectors file \(.*'a' repeats"),
}

_CHILD = r"""
import json, resource, sys
import numpy as np
from sparsedense.vectors import load_vectors
# warm up (compile or load the kernels), then cap the address space 1 GiB above
# what the process holds: an allocation sized by a lying header fails here
load_vectors(sys.argv[1])
load_vectors(sys.argv[2])
size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, resource.getrlimit(resource.RLIMIT_AS)[1]))
for name, path, kwargs in json.load(sys.stdin):
    print(json.dumps({"case": name, "started": True}), flush=True)
    if "dtype" in kwargs:
        kwargs["dtype"] = np.dtype(kwargs["dtype"])
    try:
        kv = load_vectors(path, **kwargs)
        out = {"shape": list(kv.weight.shape), "n_keys": len(kv.index_to_key)}
    except BaseException as exc:
        out = {"mro": [c.__name__ for c in type(exc).__mro__], "message": str(exc)}
    out["case"] = name
    print(json.dumps(out), flush=True)
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """What the child process made of every case: {name: outcome}."""
    d = tmp_path_factory.mktemp("lying")
    warm_text, warm_binary = d / "warm.txt", d / "warm.bin"
    warm_text.write_bytes(b"2 2\na 1 2\nb 3 4\n")
    warm_binary.write_bytes(binary_file(2, 2, 2))
    cases = []
    for k, (name, (data, kwargs, _, _)) in enumerate(CASES.items()):
        path = d / f"case{k}.vec"
        path.write_bytes(data)
        cases.append((name, str(path), kwargs))
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(warm_text), str(warm_binary)],
                          input=json.dumps(cases), capture_output=True, text=True,
                          timeout=300)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    found = {o["case"]: o for o in lines if "started" not in o}
    started = [o["case"] for o in lines if "started" in o]
    return {"found": found, "paths": {c[0]: c[1] for c in cases},
            "crash": None if proc.returncode == 0 else
            f"child exited with {proc.returncode} during case {started[-1:]}: "
            f"{proc.stderr[-2000:]}"}


@pytest.mark.parametrize("name", list(CASES))
def test_lying_file_is_refused_in_a_child(outcomes, name):
    _, _, expected, pattern = CASES[name]
    outcome = outcomes["found"].get(name)
    assert outcome is not None, outcomes["crash"] or f"no outcome for {name!r}"
    if expected is None:
        assert "mro" not in outcome, outcome
        assert tuple(outcome["shape"]) == pattern and outcome["n_keys"] == pattern[0]
        return
    assert "mro" in outcome, f"loaded {outcome}, expected {expected.__name__}"
    assert expected.__name__ in outcome["mro"], outcome
    assert "MemoryError" not in outcome["mro"]
    import re

    assert outcomes["paths"][name] in outcome["message"]
    assert re.search(pattern, outcome["message"]), outcome["message"]


def test_no_case_crashed_the_child(outcomes):
    assert outcomes["crash"] is None, outcomes["crash"]


# -- the same exception types as gensim ----------------------------------------------------

def _rec2(word: bytes) -> bytes:
    return word + b" " + np.array([1, 2], dtype="<f4").tobytes() + b"\n"


# name: (bytes, binary?) -- each file has one defect, so both readers stop at the same one
GENSIM_CASES = {
    "binary header promises more": (b"5 2\n" + _rec2(b"a") + _rec2(b"b"), True),
    "binary truncated last record": ((b"2 2\n" + _rec2(b"a") + _rec2(b"b"))[:-5], True),
    "binary header promises more dimensions": (b"2 4\n" + _rec2(b"a") + _rec2(b"b"), True),
    "binary no space after the last word": (b"2 2\n" + _rec2(b"a") + b"bb", True),
    "binary bad utf-8 word": (b"1 2\n" + _rec2(b"\xff"), True),
    "binary bad header": (b"x\n" + _rec2(b"a"), True),
    "binary empty": (b"", True),
    "binary bad utf-8 header": (b"\xff 2\n" + _rec2(b"a"), True),
    "text header promises more": (b"5 2\na 1 2\nb 3 4\n", False),
    "text short row": (b"2 3\na 1 2 3\nb 1 2\n", False),
    "text long row": (b"2 3\na 1 2 3\nb 1 2 3 4\n", False),
    "text not a number": (b"2 2\na 1 2\nb 1 abc\n", False),
    "text bad utf-8 word": (b"1 2\n\xff 1 2\n", False),
    "text bad utf-8 value": (b"1 2\na 1 \xff\n", False),
    "text bad header": (b"3 two\na 1\n", False),
    "text empty": (b"", False),
    "text bad utf-8 header": (b"1 \xff\na 1 2\n", False),
}


@pytest.mark.parametrize("name", list(GENSIM_CASES))
def test_exception_types_match_gensim(tmp_path, name):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    data, binary = GENSIM_CASES[name]
    path = tmp_path / "case.vec"
    path.write_bytes(data)
    with pytest.raises(Exception) as theirs:
        keyedvectors.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    fmt = "word2vec-binary" if binary else "word2vec"
    with pytest.raises(ValueError) as ours:
        load_vectors(path, format=fmt)
    assert isinstance(ours.value, type(theirs.value)), (type(ours.value), type(theirs.value))
    assert str(path) in str(ours.value)


def test_decode_error_keeps_our_message_and_the_codec_details(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na 1 2\nb\xff 3 4\n")
    with pytest.raises(UnicodeDecodeError) as info:
        load_vectors(path)
    exc = info.value
    assert isinstance(exc, FileDecodeError)
    assert str(exc).startswith(f"{path}: line 3: the word")
    assert "pass unicode_errors='replace'" in str(exc)
    assert (exc.encoding, exc.reason) == ("utf-8", "invalid start byte")
    import pickle

    again = pickle.loads(pickle.dumps(exc))
    assert str(again) == str(exc) and again.reason == exc.reason


def test_truncated_file_error_is_value_and_eof_error(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(4, 2, 3))
    for caught in (ValueError, EOFError, TruncatedFileError):
        with pytest.raises(caught, match="vector 4 of 4"):
            load_vectors(path)
    import sparsedense.vectors as vectors

    assert vectors.TruncatedFileError is TruncatedFileError
    assert vectors.FileDecodeError is FileDecodeError
