"""``sparsedense vectorize``: TF-IDF and other weightings of a corpus file, as the library's."""

import gzip
import json
import os

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd

from test_cli import DOCS, assert_usage_error, run


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    return path


def test_vectorize_tfidf_equals_the_library(corpus, tmp_path):
    out = tmp_path / "X.npz"
    run("vectorize", corpus, "--weighting", "tfidf", "-o", out)
    X = sp.load_npz(out)
    want = sd.TfidfVectorizer().fit_transform(DOCS)
    assert X.shape == want.shape and abs(X - want).max() < 1e-12
    vocab = json.loads((tmp_path / "X.vocab.json").read_text(encoding="utf-8"))
    assert vocab == sd.TfidfVectorizer().fit(DOCS).get_feature_names_out().tolist()


@pytest.mark.parametrize("weighting", ["count", "binary", "hashing"])
def test_vectorize_other_weightings(corpus, tmp_path, weighting):
    out = tmp_path / "X.npz"
    run("vectorize", corpus, "--weighting", weighting, "--n-features", "64", "-o", out)
    X = sp.load_npz(out)
    assert X.shape[0] == len(DOCS)
    if weighting == "binary":
        assert set(np.unique(X.data)) == {1}
    assert (tmp_path / "X.vocab.json").exists() == (weighting != "hashing")


def test_corpus_from_stdin_gz_and_directory(corpus, tmp_path):
    want = sp.load_npz(_vectorize(corpus, tmp_path / "a.npz"))
    gz = tmp_path / "corpus.txt.gz"
    gz.write_bytes(gzip.compress(corpus.read_bytes()))
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("\n".join(DOCS[:2]) + "\n", encoding="utf-8")
    (folder / "b.txt").write_text("\n".join(DOCS[2:]) + "\n", encoding="utf-8")
    for source, stdin in ((gz, None), (folder, None), ("-", corpus.read_text(encoding="utf-8"))):
        out = tmp_path / "b.npz"
        run("vectorize", source, "--weighting", "count", "-o", out, stdin=stdin)
        assert (sp.load_npz(out) != want).nnz == 0


def _vectorize(corpus, out):
    run("vectorize", corpus, "--weighting", "count", "-o", out)
    return out


# -- --tokenizer (kiwi: Korean) ----------------------------------------------------------------

KOREAN = ["예금을 넣었다", "예금은 적금보다 안전하다", "예금이 많으면 이자도 많다",
          "돈과 집, 빚이 문제다", "주택대출 이자가 올랐다"]


def hide_kiwipiepy(tmp_path):
    """Environment variables under which ``import kiwipiepy`` fails in a subprocess."""
    fake = tmp_path / "no_kiwipiepy" / "kiwipiepy"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'kiwipiepy' (hidden by the test)\", "
        "name='kiwipiepy')\n")
    path = os.pathsep.join(p for p in (str(fake.parent), os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": path}


@pytest.mark.parametrize("weighting, cls", [("count", sd.CountVectorizer),
                                            ("tfidf", sd.TfidfVectorizer)])
def test_vectorize_tokenizer_kiwi_equals_the_library(tmp_path, weighting, cls):
    pytest.importorskip("kiwipiepy")
    corpus = tmp_path / "ko.txt"
    corpus.write_text("\n".join(KOREAN) + "\n", encoding="utf-8")
    out = tmp_path / "X.npz"
    run("vectorize", corpus, "--weighting", weighting, "--tokenizer", "kiwi", "-o", out)
    want = cls(tokenizer="kiwi")
    X = want.fit_transform(KOREAN)
    got = sp.load_npz(out)
    assert got.shape == X.shape and abs(got - X).max() < 1e-12
    vocab = json.loads((tmp_path / "X.vocab.json").read_text(encoding="utf-8"))
    assert vocab == want.get_feature_names_out().tolist()
    assert "예금" in vocab and "돈" in vocab and "예금을" not in vocab


def test_vectorize_tokenizer_whitespace_and_regex(corpus, tmp_path):
    out = tmp_path / "X.npz"
    run("vectorize", corpus, "--weighting", "count", "--tokenizer", "whitespace", "-o", out)
    want = sd.CountVectorizer(tokenizer=str.split, token_pattern=None).fit_transform(DOCS)
    assert (sp.load_npz(out) != want).nnz == 0
    run("vectorize", corpus, "--weighting", "count", "--token-pattern", r"\w+", "-o", out)
    assert (sp.load_npz(out) != sd.CountVectorizer(token_pattern=r"\w+").fit_transform(DOCS)
            ).nnz == 0


@pytest.mark.parametrize("command", [["vectorize"], ["embed", "--lsa", "2"]])
def test_tokenizer_kiwi_without_kiwipiepy_is_one_line(corpus, tmp_path, command):
    out = tmp_path / "out.npz"
    proc = run(command[0], corpus, *command[1:], "--tokenizer", "kiwi", "-o", out, check=False,
               **hide_kiwipiepy(tmp_path))
    assert_usage_error(proc, "--tokenizer kiwi needs kiwipiepy, which is not installed: "
                             "pip install 'sparsedense[korean]'")
    assert not out.exists()


# -- --partial (issue 28): the corpus streamed twice, the same .npz ---------------------
def _same_npz(a, b):
    A, B = sp.load_npz(a), sp.load_npz(b)
    assert type(A) is type(B) and A.shape == B.shape and A.dtype == B.dtype
    for name in ("data", "indices", "indptr"):  # bit for bit, index dtypes included
        x, y = getattr(A, name), getattr(B, name)
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name


@pytest.mark.parametrize("options", [
    [], ["--min-df", "2", "--max-df", "0.9"], ["--max-features", "7"],
    ["--weighting", "count", "--ngram-range", "1", "2"],
    ["--weighting", "binary", "--stop-words", "english"],
    ["--weighting", "hashing", "--n-features", "32"],
])
@pytest.mark.parametrize("chunk", ["1", "2", "1000"])
def test_partial_equals_the_one_shot_output(corpus, tmp_path, options, chunk):
    run("vectorize", corpus, "-o", tmp_path / "one.npz", *options)
    proc = run("vectorize", corpus, "-o", tmp_path / "parts.npz", "--partial",
               "--chunk-size", chunk, *options)
    _same_npz(tmp_path / "one.npz", tmp_path / "parts.npz")
    assert proc.stdout.replace("parts", "one") == run(
        "vectorize", corpus, "-o", tmp_path / "one.npz", *options).stdout
    if "hashing" not in options:
        assert (tmp_path / "parts.vocab.json").read_text(encoding="utf-8") == \
            (tmp_path / "one.vocab.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_partial_reads_directories_and_compressed_files(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt.gz").write_bytes(gzip.compress(("\n".join(DOCS[:3]) + "\n").encode()))
    (folder / "b.txt").write_text("\n".join(DOCS[3:]) + "\n", encoding="utf-8")
    run("vectorize", folder, "-o", tmp_path / "one.npz")
    run("vectorize", folder, "-o", tmp_path / "parts.npz", "--partial", "--chunk-size", "2")
    _same_npz(tmp_path / "one.npz", tmp_path / "parts.npz")


@pytest.mark.parametrize("weighting", ["tfidf", "count", "binary"])
def test_partial_hashing_is_hashed_counts_then_tfidf(corpus, tmp_path, weighting):
    out = tmp_path / "H.npz"
    proc = run("vectorize", corpus, "--partial", "--hashing", "--n-features", "64",
               "--weighting", weighting, "--chunk-size", "2", "-o", out)
    hv = sd.HashingVectorizer(n_features=64, alternate_sign=False, norm=None,
                              binary=weighting == "binary")
    want = hv.transform(DOCS)
    if weighting == "tfidf":
        want = sd.TfidfTransformer().fit_transform(want)
    got = sp.load_npz(out)
    assert got.shape == want.shape and (got != want).nnz == 0
    assert not (tmp_path / "H.vocab.json").exists() and "vocab" not in proc.stdout


@pytest.mark.parametrize("args, fragments", [
    (["--hashing"], ["--hashing goes with --partial"]),
    (["--partial", "--chunk-size", "0"], ["--chunk-size must be >= 1; got 0"]),
    (["--partial", "--min-df", "3", "--max-df", "2"], ["--max-df 2 keeps fewer documents"]),
])
def test_partial_usage_errors_leave_the_output_as_it_was(corpus, tmp_path, args, fragments):
    out = tmp_path / "X.npz"
    out.write_bytes(b"old")
    assert_usage_error(run("vectorize", corpus, "-o", out, *args, check=False), *fragments)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npz", "corpus.txt"]


@pytest.mark.parametrize("options", [["--min-df", "0.9"], ["--min-df", "9"],
                                     ["--token-pattern", "[0-9]+"]])
def test_partial_refuses_a_corpus_in_the_words_of_the_one_shot_path(corpus, tmp_path, options):
    one = run("vectorize", corpus, "-o", tmp_path / "X.npz", *options, check=False)
    parts = run("vectorize", corpus, "-o", tmp_path / "X.npz", "--partial", *options,
                check=False)
    assert one.returncode == parts.returncode != 0
    assert one.stderr == parts.stderr and "Traceback" not in parts.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt"]


def test_partial_refuses_stdin_and_an_empty_corpus(corpus, tmp_path):
    proc = run("vectorize", "-", "--partial", "-o", tmp_path / "X.npz", check=False,
               stdin=corpus.read_text(encoding="utf-8"))
    assert_usage_error(proc, "cannot be - (standard input)")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    for extra in ([], ["--hashing"], ["--weighting", "hashing"]):
        proc = run("vectorize", empty, "--partial", *extra, "-o", tmp_path / "X.npz",
                   check=False)
        assert_usage_error(proc, "the corpus is empty")
    assert not (tmp_path / "X.npz").exists()


def test_partial_failure_in_a_later_chunk_leaves_nothing_behind(corpus, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(("\n".join(DOCS) + "\n").encode() * 3 + b"\xff\xfe broken\n")
    out = tmp_path / "X.npz"
    out.write_bytes(b"old")
    proc = run("vectorize", bad, "--partial", "--chunk-size", "2", "-o", out, check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "bad.txt" in proc.stderr and out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npz", "bad.txt", "corpus.txt"]


def test_csr_parts_removes_its_temporary_files_and_writes_save_npz_format(tmp_path):
    from sparsedense.cli.vectorize import CsrParts

    X = sp.random(50, 9, density=0.3, format="csr", random_state=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="stop"):
        with CsrParts(tmp_path / "X.npz", 9) as parts:
            parts.append(X[:10])
            assert len(list(tmp_path.iterdir())) == 3
            raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
    with CsrParts(tmp_path / "X.npz", 9) as parts:
        for a in range(0, 50, 7):
            parts.append(X[a:a + 7])
        parts.append(X[:0])
        with pytest.raises(ValueError, match="a block of 3 columns for a matrix of 9"):
            parts.append(X[:, :3])
        parts.write(tmp_path / "X.npz")
    sp.save_npz(tmp_path / "Y.npz", X)
    _same_npz(tmp_path / "X.npz", tmp_path / "Y.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npz", "Y.npz"]


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_partial_shows_both_passes_on_a_terminal(corpus, tmp_path):
    from test_cli import run_on_terminal

    err = run_on_terminal("vectorize", corpus, "--partial", "-o", tmp_path / "X.npz")[1]
    assert "counting (pass 1 of 2)" in err and "writing (pass 2 of 2)" in err
