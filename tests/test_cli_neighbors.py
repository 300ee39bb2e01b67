"""``sparsedense neighbors``: nearest words, analogies and word-pair scores from a vector file."""

from test_cli import assert_usage_error, run


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
    assert "Spearman rank-order correlation coefficient against" in out
    assert "Pairs with unknown words ratio: 25.0%" in out


def test_neighbors_unknown_word_is_one_line(vectors_file):
    path, _, _ = vectors_file
    proc = run("neighbors", "--vectors", path, "depositt", check=False)
    assert_usage_error(proc, "depositt", "did you mean 'deposit'")


def test_neighbors_reads_the_vector_file_as_told(vectors_file, tmp_path):
    import sparsedense as sd

    path, words, W = vectors_file
    out = run("neighbors", "--vectors", path, "--limit", "3", "deposit", "-k", "5").stdout
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["savings", "bank"]
    assert_usage_error(run("neighbors", "--vectors", path, "--limit", "3", "rain", check=False),
                       "rain")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"2 2\nab\xff 1 0\nabc 0.9 0.1\n")
    out = run("neighbors", "--vectors", bad, "--unicode-errors", "replace", "abc", "-k", "1")
    assert out.stdout.splitlines()[1].split()[0] == "ab\ufffd"
    native = tmp_path / "v.npz"
    sd.Vectors(words, W).save(native)
    out = run("neighbors", "--vectors", native, "--vectors-format", "native", "deposit", "-k", "1")
    assert out.stdout.splitlines()[1].split()[0] == "savings"
    assert_usage_error(run("neighbors", "--vectors", native, "--vectors-format", "glove",
                           "deposit", check=False), "v.npz")


def test_neighbors_of_a_fasttext_bin_model_match_gensim():
    """The issue's first stumble: ``--vectors lee_fasttext.bin`` (Facebook's format) failed."""
    import pytest

    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    from gensim.test.utils import datapath

    path = datapath("lee_fasttext.bin")
    want = gensim_fasttext.load_facebook_vectors(path)
    for fmt in ("auto", "fasttext"):
        # "rejectionn" is not in the vocabulary: its vector comes from its n-grams
        out = run("neighbors", "--vectors", path, "--vectors-format", fmt, "night",
                  "rejectionn", "-k", "3").stdout.splitlines()
        assert [line.split()[0] for line in out[1:4]] == [
            w for w, _ in want.most_similar("night", topn=3)]
        assert [line.split()[0] for line in out[5:8]] == [
            w for w, _ in want.most_similar("rejectionn", topn=3)]
