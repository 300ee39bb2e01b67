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


gensim_data = pytest.importorskip("gensim.test.utils").datapath
LEE_VEC = gensim_data("lee_fasttext.vec")  # cased fastText vectors
LEE_COR = gensim_data("lee.cor")  # 49 documents, Latin-1


def lee_documents():
    with open(LEE_COR, encoding="latin-1") as fh:
        return [line.rstrip("\n").rstrip("\r") for line in fh]


def coverage_line(ev, D, hint):
    share = 100.0 * ev.n_skipped_tokens_ / ev.n_tokens_
    zero = int((~D.any(axis=1)).sum())
    line = (f"sparsedense embed: {ev.n_skipped_tokens_:,} of {ev.n_tokens_:,} tokens "
            f"({share:.1f}%) had no vector and were skipped; {zero:,} of {D.shape[0]:,} "
            "documents had none with a vector (embedded as zeros)")
    return line + ("; the vectors have upper-case words and the text is lowercased: try "
                   "--no-lowercase" if hint else "")


@pytest.mark.filterwarnings("ignore:Upper case characters found in vocabulary")
@pytest.mark.parametrize("options, params, hint", [
    ([], {}, True),
    (["--no-lowercase"], {"lowercase": False}, False),
    (["--no-lowercase", "--tokenizer", "whitespace"],
     {"lowercase": False, "tokenizer": str.split, "token_pattern": None}, False),
    (["--token-pattern", r"(?u)\b\w+\b"], {"token_pattern": r"(?u)\b\w+\b"}, True),
])
def test_embed_says_how_many_tokens_and_documents_had_no_vector(tmp_path, options, params,
                                                                 hint):
    out = tmp_path / "docs.npy"
    proc = run("embed", LEE_COR, "--encoding", "latin-1", "--vectors", LEE_VEC, *options,
               "-o", out)
    ev = sd.EmbeddingVectorizer(sd.load_vectors(LEE_VEC), **params)
    want = ev.fit_transform(lee_documents())
    np.testing.assert_allclose(np.load(out), want, rtol=1e-5, atol=1e-6)
    assert ev.n_skipped_tokens_ > 0
    assert proc.stderr.strip().splitlines() == [coverage_line(ev, want, hint)]


def test_embed_reports_documents_without_any_vector(corpus, vectors_file, tmp_path):
    path, _, _ = vectors_file
    corpus.write_text("deposit savings\nnothing known here\n\n", encoding="utf-8")
    proc = run("embed", corpus, "--vectors", path, "-o", tmp_path / "d.npy")
    assert proc.stderr.strip() == (
        "sparsedense embed: 3 of 5 tokens (60.0%) had no vector and were skipped; 2 of 3 "
        "documents had none with a vector (embedded as zeros)")


def test_embed_limit_and_vectors_format_go_to_load_vectors(tmp_path):
    out = tmp_path / "docs.npy"
    run("embed", LEE_COR, "--encoding", "latin-1", "--vectors", LEE_VEC, "--limit", "100",
        "--vectors-format", "word2vec", "--no-lowercase", "-o", out)
    table = sd.load_vectors(LEE_VEC, limit=100)
    want = sd.EmbeddingVectorizer(table, lowercase=False).fit_transform(lee_documents())
    np.testing.assert_allclose(np.load(out), want, rtol=1e-5, atol=1e-6)
    proc = run("embed", LEE_COR, "--vectors", LEE_VEC, "--vectors-format", "nosuch",
               "-o", out, check=False)
    assert_usage_error(proc, "nosuch")
    assert_usage_error(run("embed", LEE_COR, "--vectors", LEE_VEC, "--limit", "0", "-o", out,
                           check=False), "--limit must be >= 1; got 0")
    assert_usage_error(run("embed", LEE_COR, "--lsa", "2", "--limit", "5", "-o", out,
                           check=False), "--vectors-format and --limit go with --vectors")
    assert_usage_error(run("embed", LEE_COR, "--vectors", LEE_VEC, "--tokenizer", "whitespace",
                           "--token-pattern", "x", "-o", out, check=False),
                       "--token-pattern goes with --tokenizer regex")


def test_embed_lsa_takes_the_text_options(corpus, tmp_path):
    out = tmp_path / "docs.npy"
    run("embed", corpus, "--lsa", "2", "--no-lowercase", "--tokenizer", "whitespace", "-o", out)
    X = sd.TfidfVectorizer(lowercase=False, tokenizer=str.split,
                           token_pattern=None).fit_transform(DOCS)
    np.testing.assert_allclose(np.load(out), sd.LSA(2, random_state=0).fit_transform(X),
                               atol=1e-10)


@pytest.mark.parametrize("dtype", ["int8", "float16"])
def test_embed_quantize_embeds_through_the_compressed_table(corpus, vectors_file, tmp_path,
                                                            dtype):
    path, _, _ = vectors_file
    out = tmp_path / "docs.npy"
    run("embed", corpus, "--vectors", path, "--quantize", dtype, "--chunk-size", "2", "-o", out)
    D = np.load(out)
    table = sd.load_vectors(path).quantize(dtype)
    want = sd.EmbeddingVectorizer(table).fit_transform(DOCS)
    assert D.dtype == np.float32
    np.testing.assert_allclose(D, want, rtol=1e-5, atol=1e-6)
    floats = sd.EmbeddingVectorizer(sd.load_vectors(path)).fit_transform(DOCS)
    assert not np.array_equal(D, floats)  # the compressed values were used


def test_embed_quantize_refuses_lsa(corpus, tmp_path):
    proc = run("embed", corpus, "--lsa", "2", "--quantize", "int8", "-o", tmp_path / "d.npy",
               check=False)
    assert_usage_error(proc, "--quantize int8 compresses the --vectors table")
