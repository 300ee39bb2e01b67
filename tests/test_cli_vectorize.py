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
