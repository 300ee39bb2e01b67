"""Saved Word2Vec/FastText models and vocabularies are checked on load (issue 21, "Trust").

A model file feeds kernels that index its tables by word id without checks, so
every entry of a damaged or hand-edited file must be refused with a ValueError
naming the file and the entry, never trained out of bounds.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sparsedense import Vocabulary
from sparsedense.models import FastText, Word2Vec

CORPUS = [["deposit", "savings", "bank", "loan"], ["mortgage", "loan", "bank", "teller"]] * 20
SMALL = dict(vector_size=8, window=2, min_count=1, epochs=1, sample=0.0, seed=3)
N_WORDS = 6


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Entries of a saved Word2Vec and FastText model, as dicts of arrays."""
    d = tmp_path_factory.mktemp("models")
    out = {}
    for cls, extra in ((Word2Vec, {}), (FastText, {"bucket": 50})):
        path = d / f"{cls.__name__}.npz"
        cls(CORPUS, **SMALL, **extra).save(path)
        with np.load(path) as data:
            out[cls] = {k: data[k] for k in data.files}
    return out


def write(path, entries):
    np.savez(path, **entries)
    return path


def edit_meta(entries, **changes):
    meta = json.loads(str(entries["meta"]))
    for key, value in changes.items():
        if key.startswith("params."):
            meta["params"][key[7:]] = value
        elif value is _DROP:
            del meta[key]
        else:
            meta[key] = value
    return dict(entries, meta=np.array(json.dumps(meta)))


_DROP = object()


def without(entries, name):
    return {k: v for k, v in entries.items() if k != name}


D = SMALL["vector_size"]
# (name, mutation of the entries, pattern of the message)
W2V_CASES = [
    ("syn1neg rows", lambda e: dict(e, syn1neg=np.zeros((3, D), np.float32)),
     rf"entry 'syn1neg' has shape \(3, {D}\); expected \({N_WORDS}, {D}\) .*vocabulary of "
     rf"{N_WORDS} words"),
    ("syn0 columns", lambda e: dict(e, syn0=np.zeros((N_WORDS, D + 1), np.float32)),
     rf"entry 'syn0' has shape \({N_WORDS}, {D + 1}\); expected \({N_WORDS}, {D}\)"),
    ("syn0 float64", lambda e: dict(e, syn0=e["syn0"].astype(np.float64)),
     "entry 'syn0' has dtype float64; expected float32"),
    ("syn1neg 1-D", lambda e: dict(e, syn1neg=e["syn1neg"].ravel()),
     "entry 'syn1neg' has shape"),
    ("counts short", lambda e: dict(e, counts=e["counts"][:-1]),
     rf"entry 'counts' has shape \({N_WORDS - 1},\); expected \({N_WORDS},\)"),
    ("counts int32", lambda e: dict(e, counts=e["counts"].astype(np.int32)),
     "entry 'counts' has dtype int32; expected int64"),
    ("counts float", lambda e: dict(e, counts=e["counts"].astype(np.float64)),
     "entry 'counts' has dtype float64; expected int64"),
    ("counts negative", lambda e: dict(e, counts=np.where(np.arange(N_WORDS) == 2, -5,
                                                          e["counts"])),
     r"entry 'counts' holds -5 at \[2\]; expected counts >= 1"),
    ("counts zero", lambda e: dict(e, counts=np.zeros(N_WORDS, np.int64)),
     r"entry 'counts' holds 0 at \[0\]"),
    ("counts huge", lambda e: dict(e, counts=np.full(N_WORDS, 2 ** 61, np.int64)),
     "entry 'counts' sums to .* expected a total below 2\\*\\*62"),
    ("counts object", lambda e: dict(e, counts=np.array([1, "x"], dtype=object)),
     "entry 'counts' has dtype object; expected int64"),
    ("missing syn1neg", lambda e: without(e, "syn1neg"), "entry 'syn1neg' is missing"),
    ("missing counts", lambda e: without(e, "counts"), "entry 'counts' is missing"),
    ("missing words", lambda e: without(e, "words"), "entry 'words' is missing"),
    ("missing meta", lambda e: without(e, "meta"), "not a saved Word2Vec model"),
    ("extra entry", lambda e: dict(e, ngrams=np.zeros((2, D), np.float32)),
     "entry 'ngrams' is not part of a Word2Vec model file"),
    ("words not a list", lambda e: dict(e, words=np.array('{"a": 1}')),
     "entry 'words' is dict"),
    ("words repeated", lambda e: dict(e, words=np.array(json.dumps(["a"] * N_WORDS))),
     r"entry 'words' holds 'a' twice \(at \[0\] and \[1\]\)"),
    ("words not str", lambda e: dict(e, words=np.array(json.dumps(list(range(N_WORDS))))),
     r"entry 'words' holds int 0 at \[0\]"),
    ("words fewer", lambda e: dict(e, words=np.array(json.dumps(["a", "b"]))),
     r"entry 'counts' has shape \(6,\); expected \(2,\)"),
    ("words not JSON", lambda e: dict(e, words=np.array("[not json")), "entry 'words' is not "
     "valid JSON"),
    ("words bytes", lambda e: dict(e, words=np.array(b"[]")), r"entry 'words' has dtype \|S2"),
    ("meta version", lambda e: edit_meta(e, version=2), "entry 'meta' has version 2"),
    ("meta param unknown", lambda e: edit_meta(e, **{"params.hs": 1}),
     "entry 'meta' has an unknown parameter 'hs'"),
    ("meta param bad", lambda e: edit_meta(e, **{"params.vector_size": 0}),
     "entry 'meta' has bad parameters: Word2Vec: vector_size must be an int >= 1; got 0"),
    ("meta param vector_size", lambda e: edit_meta(e, **{"params.vector_size": D * 2}),
     rf"entry 'syn0' has shape \({N_WORDS}, {D}\); expected \({N_WORDS}, {2 * D}\)"),
    ("meta epochs missing", lambda e: edit_meta(e, epochs_trained_=_DROP),
     "entry 'meta' has epochs_trained_ = None; expected an int from 0 to below 2\\*\\*62"),
    # (found by the fuzz test: an int64 overflow in the shards' seeds at the next train)
    ("meta epochs huge", lambda e: edit_meta(e, epochs_trained_=2 ** 63),
     "entry 'meta' has epochs_trained_ = 9223372036854775808; expected an int from 0"),
    ("meta seed huge", lambda e: edit_meta(e, **{"params.seed": 2 ** 64}),
     "Word2Vec: seed must be an int >= 0 and <= 18446744073709551615; got 18446744073709551616"),
    ("meta losses", lambda e: edit_meta(e, training_loss_="x"),
     "entry 'meta' has training_loss_ = 'x'"),
    ("meta not a dict", lambda e: dict(e, meta=np.array("[1, 2]")), "not a saved Word2Vec model"),
]


@pytest.mark.parametrize("name, mutate, match", W2V_CASES, ids=[c[0] for c in W2V_CASES])
def test_word2vec_entry_checked(saved, tmp_path, name, mutate, match):
    path = write(tmp_path / "model.npz", mutate(saved[Word2Vec]))
    with pytest.raises(ValueError, match=match) as info:
        Word2Vec.load(path)
    assert str(path) in str(info.value)


FT_CASES = [
    ("ngrams rows", lambda e: dict(e, ngrams=np.zeros((7, D), np.float32)),
     rf"entry 'ngrams' has shape \(7, {D}\); expected \(50, {D}\) \(bucket, vector_size\)"),
    ("bucket in meta", lambda e: edit_meta(e, **{"params.bucket": 5000}),
     rf"entry 'ngrams' has shape \(50, {D}\); expected \(5000, {D}\)"),
    ("ngrams missing", lambda e: without(e, "ngrams"), "entry 'ngrams' is missing"),
    ("ngrams float16", lambda e: dict(e, ngrams=e["ngrams"].astype(np.float16)),
     "entry 'ngrams' has dtype float16; expected float32"),
    ("word_ngrams", lambda e: edit_meta(e, **{"params.word_ngrams": 2}),
     "entry 'meta' has bad parameters: FastText: word_ngrams=2"),
]


@pytest.mark.parametrize("name, mutate, match", FT_CASES, ids=[c[0] for c in FT_CASES])
def test_fasttext_entry_checked(saved, tmp_path, name, mutate, match):
    path = write(tmp_path / "model.npz", mutate(saved[FastText]))
    with pytest.raises(ValueError, match=match):
        FastText.load(path)


def test_fortran_order_tables_load_and_train(saved, tmp_path):
    entries = saved[Word2Vec]
    path = write(tmp_path / "f.npz", dict(entries, syn0=np.asfortranarray(entries["syn0"]),
                                          syn1neg=np.asfortranarray(entries["syn1neg"])))
    model = Word2Vec.load(path)
    np.testing.assert_array_equal(model.wv.vectors, entries["syn0"])
    assert model.syn1neg.flags.c_contiguous
    model.train(CORPUS, epochs=1, progress=False)


def test_header_announcing_a_huge_array_allocates_nothing(saved, tmp_path):
    """An npy header claiming 10**12 rows is refused from the header, before any read."""
    path = write(tmp_path / "m.npz", without(saved[Word2Vec], "syn0"))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10 ** 12, D)})
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("syn0.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(ValueError, match=r"entry 'syn0' has shape \(1000000000000, 8\); "
                                         r"expected \(6, 8\)"):
        Word2Vec.load(path)


def test_truncated_entry_is_refused(saved, tmp_path):
    path = write(tmp_path / "m.npz", saved[Word2Vec])
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, data[:-8] if info.filename == "syn1neg.npy" else data)
    path.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="entry 'syn1neg' holds .* bytes of data"):
        Word2Vec.load(path)


def test_zip_asking_for_a_newer_zip_version_is_a_value_error(saved, tmp_path):
    """A central directory entry that needs zip version 6.4: zipfile's NotImplementedError
    becomes the loader's ValueError (found by the fuzz test below)."""
    path = write(tmp_path / "m.npz", saved[Word2Vec])
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")  # the first central directory entry
    data[at + 6:at + 8] = (64).to_bytes(2, "little")  # version needed to extract
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="is not a saved Word2Vec model: NotImplementedError"):
        Word2Vec.load(path)


def test_loaded_model_round_trips_new_parameters(tmp_path):
    model = Word2Vec(CORPUS, **SMALL, null_word=1, sorted_vocab=0, batch_words=500,
                     comment="c")
    model.save(tmp_path / "m.npz")
    back = Word2Vec.load(tmp_path / "m.npz")
    assert (back.null_word, back.sorted_vocab, back.batch_words, back.comment) == (1, 0, 500, "c")
    assert back.wv.index_to_key == model.wv.index_to_key


def test_crafted_file_no_longer_crashes_train(saved, tmp_path):
    """Before the checks, a table with too few rows was trained out of bounds (a crash or
    silent corruption); now loading it is a ValueError and nothing is trained."""
    big = [[f"w{i}" for i in range(j, j + 50)] for j in range(0, 1200, 10)]
    path = tmp_path / "model.npz"
    Word2Vec(big, vector_size=64, min_count=1, epochs=1, seed=1).save(path)
    with np.load(path) as data:
        entries = {k: data[k] for k in data.files}
    n = len(json.loads(str(entries["words"])))
    entries["syn1neg"] = np.zeros((3, 64), np.float32)
    np.savez(path, **entries)
    code = textwrap.dedent(f"""
        from sparsedense.models import Word2Vec
        big = [[f"w{{i}}" for i in range(j, j + 50)] for j in range(0, 1200, 10)]
        try:
            model = Word2Vec.load({str(path)!r})
        except ValueError as exc:
            print("refused:", exc)
        else:
            model.train(big, epochs=3, progress=False)
            print("trained")
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "refused:" in res.stdout
    assert f"entry 'syn1neg' has shape (3, 64); expected ({n}, 64)" in res.stdout


# -- Vocabulary ---------------------------------------------------------------------------------

def test_vocabulary_negative_counts_refused(tmp_path):
    vocab = Vocabulary(["a", "b"], [3, 1])
    path = tmp_path / "v.json"
    vocab.save(path)
    payload = json.loads(path.read_text())
    payload["counts"] = [3, -1]
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match=r"v.json: damaged vocabulary file \('counts'\[1\] = -1"):
        Vocabulary.load(path)


# -- fuzz ---------------------------------------------------------------------------------------

_ARRAY = st.builds(
    lambda dtype, shape: np.zeros(shape, dtype),
    st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.float16, np.uint8, np.bool_]),
    st.lists(st.integers(0, 9), min_size=0, max_size=3).map(tuple))
_JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-3, 2 ** 64) | st.floats()
                        | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=8)


def _mutate_entries(entries, data):
    entries = dict(entries)
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["array", "drop", "meta", "words", "param", "bytes"]))
        name = data.draw(st.sampled_from(sorted(entries) or ["meta"]))
        if kind == "array":
            entries[name] = data.draw(_ARRAY)
        elif kind == "drop":
            entries.pop(name, None)
        elif kind in ("meta", "param") and "meta" in entries:
            try:
                meta = json.loads(str(entries["meta"]))
            except ValueError:
                continue
            if isinstance(meta, dict) and isinstance(meta.get("params"), dict) and kind == "param":
                key = data.draw(st.sampled_from(sorted(meta["params"]) + ["new"]))
                meta["params"][key] = data.draw(_JSONISH)
            elif isinstance(meta, dict):
                key = data.draw(st.sampled_from(sorted(meta) + ["new"]))
                meta[key] = data.draw(_JSONISH)
            entries["meta"] = np.array(json.dumps(meta))
        elif kind == "words":
            entries["words"] = np.array(json.dumps(data.draw(_JSONISH)))
        elif kind == "bytes" and name in entries:
            arr = entries[name]
            raw = bytearray(arr.tobytes())
            if raw:
                pos = data.draw(st.integers(0, len(raw) - 1))
                raw[pos] = data.draw(st.integers(0, 255))
                entries[name] = np.frombuffer(bytes(raw), arr.dtype).reshape(arr.shape)
    return entries


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_mutated_model_files_load_or_raise_value_error(saved, glove_entries,
                                                           tmp_path_factory, data):
    from sparsedense.models import GloVe

    cls = data.draw(st.sampled_from([Word2Vec, FastText, GloVe]))
    path = tmp_path_factory.mktemp("fuzz") / "m.npz"
    entries = glove_entries[1] if cls is GloVe else saved[cls]
    np.savez(path, **_mutate_entries(entries, data))
    if data.draw(st.booleans()):  # damage the zip itself
        raw = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 4))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        path.write_bytes(bytes(raw))
    try:
        model = cls.load(path)
    except ValueError:
        event("refused")
        return
    except TypeError as exc:  # allowed by the contract, but not expected here
        pytest.fail(f"TypeError from load: {exc}")
    event("loaded")
    if cls is GloVe:  # whatever loads answers queries within bounds
        assert len(model.wv.most_similar(model.wv.index_to_key[0], topn=2)) == 2
        return
    # whatever loads must train within bounds
    before = model.epochs_trained_
    model.train(CORPUS, epochs=1, progress=False)
    assert model.epochs_trained_ == before + 1


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_mutated_vocabulary_files_load_or_raise_value_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("vfuzz") / "v.json"
    Vocabulary(["<pad>", "<unk>", "bank", "loan"], [0, 0, 5, 2]).save(path)
    payload = json.loads(path.read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(sorted(payload) + ["extra"]))
        if data.draw(st.booleans()):
            payload.pop(key, None)
        else:
            payload[key] = data.draw(_JSONISH)
    text = json.dumps(payload).encode()
    if data.draw(st.booleans()):
        raw = bytearray(text)
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        text = bytes(raw)
    path.write_bytes(text)
    try:
        vocab = Vocabulary.load(path)
    except ValueError:
        return
    assert all(isinstance(t, str) for t in vocab) and (vocab.counts >= 0).all()
    vocab.encode(list(vocab)[:2], unknown="drop")


def test_fuzz_smoke_in_a_subprocess(saved, tmp_path):
    """Mutated files loaded and trained in a child process: a crash fails here, not pytest."""
    rng = np.random.default_rng(5)
    for i in range(12):
        entries = dict(saved[Word2Vec])
        name = ["syn0", "syn1neg", "counts"][i % 3]
        shape = list(entries[name].shape)
        shape[0] = int(rng.choice([1, 2, 3, 5, 7, 11]))  # never the vocabulary's 6 rows
        entries[name] = np.ones(shape, entries[name].dtype)
        np.savez(tmp_path / f"m{i}.npz", **entries)
    for i, rows in enumerate([1, 49, 51, 500]):  # FastText's n-gram table: bucket=50 rows
        np.savez(tmp_path / f"f{i}.npz", **dict(saved[FastText],
                                                ngrams=np.ones((rows, D), np.float32)))
    code = textwrap.dedent(f"""
        import glob
        from sparsedense.models import FastText, Word2Vec
        corpus = {CORPUS!r}
        for cls, pattern in ((Word2Vec, "m*.npz"), (FastText, "f*.npz")):
            for p in sorted(glob.glob({str(tmp_path)!r} + "/" + pattern)):
                try:
                    cls.load(p).train(corpus, epochs=2, progress=False)
                    print("trained", p)
                except ValueError:
                    print("refused", p)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.split()
    assert lines.count("refused") == 16



@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_absurd_negative_in_a_file_is_refused_in_a_subprocess(saved, tmp_path, cls):
    """The fuzz case that loaded and then failed a 70 GB allocation of noise draws inside
    the training kernel: params.negative = 8,768,573,629 is refused on load, naming it
    (in a child process: a regression fails here, not pytest)."""
    entries = dict(saved[cls])
    meta = json.loads(str(entries["meta"]))
    meta["params"]["negative"] = 8_768_573_629
    entries["meta"] = np.array(json.dumps(meta))
    path = tmp_path / "m.npz"
    np.savez(path, **entries)
    code = textwrap.dedent(f"""
        from sparsedense.models import {cls.__name__} as cls
        try:
            model = cls.load({str(path)!r})
        except ValueError as exc:
            print("refused:", exc)
        else:
            model.train({CORPUS!r}, epochs=1, progress=False)
            print("trained")
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert ("refused:" in res.stdout and "negative must be an int >= 1 and <= 65536; "
            "got 8768573629" in res.stdout), res.stdout

@pytest.mark.parametrize("cls", [Word2Vec, FastText])
def test_absurd_workers_in_a_file_is_refused(saved, tmp_path, cls):
    """The fuzz case that killed a test worker: params.workers = 264,358 shards, each with
    private slots for every word of every table, trained on a machine already loaded
    (larger values asked for tens of GiB). Refused on load, naming it, as in the
    constructor."""
    path = write(tmp_path / "m.npz", edit_meta(saved[cls], **{"params.workers": 264_358}))
    with pytest.raises(ValueError, match="workers must be an int >= 1 and <= 256; got 264358"):
        cls.load(path)
    with pytest.raises(ValueError, match="workers must be an int >= 1 and <= 256; got 257"):
        cls(workers=257)
    assert cls(CORPUS, **SMALL, workers=256).wv.vectors.shape == (N_WORDS, D)


def test_characters_outside_unicode_are_refused(saved, tmp_path):
    """A text entry holding a code point above 0x10ffff (one flipped byte of the file; the
    fuzz test found it): str() of it is a SystemError, the loader's a ValueError."""
    entries = dict(saved[Word2Vec])
    meta = entries["meta"].copy()
    codes = meta.reshape(1).view("<u4")
    codes[5] = 0x110041
    entries["meta"] = meta
    path = write(tmp_path / "m.npz", entries)
    with pytest.raises(ValueError, match=r"entry 'meta' holds 0x110041 at character 5; "
                                         r"expected Unicode code points"):
        Word2Vec.load(path)


# -- GloVe ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def glove_entries(tmp_path_factory):
    from sparsedense.models import GloVe

    path = tmp_path_factory.mktemp("glove") / "g.npz"
    model = GloVe(vector_size=4, epochs=3, progress=False).fit_corpus(CORPUS, min_count=1)
    model.save(path)
    with np.load(path) as data:
        return model, {k: data[k] for k in data.files}


def test_glove_save_load_round_trip(glove_entries, tmp_path):
    from sparsedense.models import GloVe

    model, entries = glove_entries
    back = GloVe.load(write(tmp_path / "g.npz", entries))
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(back.context_biases_, model.context_biases_)
    assert back.training_loss_ == model.training_loss_ and back.get_params() == model.get_params()
    assert back.vocabulary_ == model.vocabulary_


@pytest.mark.parametrize("mutate, match", [
    (lambda e: dict(e, context_vectors=np.zeros((2, 4), np.float32)),
     r"entry 'context_vectors' has shape \(2, 4\); expected \(6, 4\)"),
    (lambda e: dict(e, word_biases=np.zeros(6, np.float64)),
     "entry 'word_biases' has dtype float64; expected float32"),
    (lambda e: without(e, "context_biases"), "entry 'context_biases' is missing"),
    (lambda e: edit_meta(e, **{"params.output": "both"}), "entry 'meta' has bad parameters: "
     "GloVe: output must be one of"),
    (lambda e: dict(e, counts=np.full(6, -1, np.int64)), "entry 'counts' holds -1"),
    # (GloVe trains workers**2 blocks: a million shards was a 7 TiB allocation)
    (lambda e: edit_meta(e, **{"params.workers": 10**6}), "entry 'meta' has bad parameters: "
     "GloVe: workers must be an int >= 1 and <= 256; got 1000000"),
])
def test_glove_entry_checked(glove_entries, tmp_path, mutate, match):
    from sparsedense.models import GloVe

    with pytest.raises(ValueError, match=match):
        GloVe.load(write(tmp_path / "g.npz", mutate(glove_entries[1])))
