"""The other console commands, driven in subprocesses: outputs, exit codes, atomicity."""

import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd

DOCS = [
    "the bank raised the deposit rate on savings accounts",
    "savings and deposit accounts earn interest at the bank",
    "heavy rain and snow are in the weather forecast",
    "the forecast says rain tomorrow and snow on sunday",
    "예금 적금 주택대출 은행 금리",
]


def run(*args, stdin=None, check=True, **environ):
    """``sparsedense *args`` in a subprocess (``environ``: extra environment variables)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", **environ)
    proc = subprocess.run([sys.executable, "-m", "sparsedense", *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          input=stdin, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def assert_usage_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for f in fragments:
        assert f in lines[0], (f, lines[0])


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def vectors_file(tmp_path):
    words = ["bank", "deposit", "savings", "rate", "rain", "snow", "forecast", "weather",
             "예금", "적금"]
    rng = np.random.default_rng(0)
    W = rng.standard_normal((len(words), 8)).astype(np.float32)
    W[1] = W[2] + 0.05  # deposit ~ savings
    path = tmp_path / "vectors.txt"
    sd.Vectors(words, W).save(path, format="word2vec")
    return path, words, W


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


def test_embed_with_vectors_equals_the_library(corpus, vectors_file, tmp_path):
    path, words, W = vectors_file
    out = tmp_path / "docs.npy"
    run("embed", corpus, "--vectors", path, "--mode", "mean", "--normalize", "l2",
        "--chunk-size", "2", "-o", out)
    D = np.load(out)
    table = sd.load_vectors(path)
    want = sd.EmbeddingVectorizer(table, normalize="l2").fit_transform(DOCS)
    np.testing.assert_allclose(D, want, rtol=1e-5, atol=1e-6)


def test_embed_with_lsa_to_npz(corpus, tmp_path):
    out = tmp_path / "docs.npz"
    proc = run("embed", corpus, "--lsa", "3", "-o", out)
    assert "5 documents embedded" in proc.stdout
    D = np.load(out)["embeddings"]
    X = sd.TfidfVectorizer().fit_transform(DOCS)
    np.testing.assert_allclose(D, sd.LSA(3, random_state=0).fit_transform(X), atol=1e-10)


def test_embed_errors_leave_nothing_behind(corpus, tmp_path):
    out = tmp_path / "docs.npy"
    out.write_bytes(b"previous")
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nword 1 2 3\nother 1 x 3\n", encoding="utf-8")
    proc = run("embed", corpus, "--vectors", bad, "-o", out, check=False)
    assert_usage_error(proc, "line 3")
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["corpus.txt", "bad.txt", "docs.npy"])
    assert_usage_error(run("embed", tmp_path / "missing.txt", "--lsa", "2", "-o", out,
                           check=False), "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert run("embed", empty, "--lsa", "2", "-o", out, check=False).returncode == 2
    assert_usage_error(run("embed", corpus, "--lsa", "2", "-o", tmp_path / "docs.csv",
                           check=False), ".npy or .npz")


def test_neighbors_words_analogy_pairs(vectors_file, tmp_path):
    path, words, W = vectors_file
    out = run("neighbors", "--vectors", path, "deposit", "-k", "3").stdout
    assert out.splitlines()[0] == "deposit:"
    assert out.splitlines()[1].split()[0] == "savings"
    out = run("neighbors", "--vectors", path, "--analogy", "bank", "deposit", "rain").stdout
    assert "bank : deposit :: rain : ?" in out
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("deposit\tsavings\t9\nrain\tsnow\t8\nbank\tweather\t1\nfoo\tbar\t3\n",
                     encoding="utf-8")
    out = run("neighbors", "--vectors", path, "--pairs", pairs).stdout
    assert "Spearman" in out and "out of vocabulary: 25.0% of pairs" in out


def test_neighbors_unknown_word_is_one_line(vectors_file):
    path, _, _ = vectors_file
    proc = run("neighbors", "--vectors", path, "depositt", check=False)
    assert_usage_error(proc, "depositt", "did you mean 'deposit'")


def test_vectors_convert_and_info(vectors_file, tmp_path):
    path, words, W = vectors_file
    native = tmp_path / "v.npz"
    run("vectors", "convert", path, native)
    loaded = sd.load_vectors(native)
    assert loaded.index_to_key == words
    np.testing.assert_array_equal(loaded.weight, W)
    binary = tmp_path / "v.bin"
    run("vectors", "convert", native, binary)
    np.testing.assert_array_equal(sd.load_vectors(binary).weight, W)
    info = run("vectors", "info", native).stdout
    assert "vectors:   10" in info and "dimension: 8" in info


@pytest.mark.parametrize("command", ["vectorize", "embed", "neighbors", "vectors"])
def test_every_command_has_help_with_an_example(command):
    out = run(command, "--help").stdout
    assert "example" in out.lower()
