"""``sparsedense embed``: dense document vectors from a vector file or LSA, as the library's.

On a dask cluster: test_cli_embed_dask.py.
"""

import numpy as np
import pytest

import sparsedense as sd

from test_cli import DOCS, assert_usage_error, run


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    return path


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
