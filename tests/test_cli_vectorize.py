"""``sparsedense vectorize``: TF-IDF and other weightings of a corpus file, as the library's."""

import gzip
import json

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense as sd

from test_cli import DOCS, run


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
