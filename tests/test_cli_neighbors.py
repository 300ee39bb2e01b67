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
    assert "Spearman" in out and "out of vocabulary: 25.0% of pairs" in out


def test_neighbors_unknown_word_is_one_line(vectors_file):
    path, _, _ = vectors_file
    proc = run("neighbors", "--vectors", path, "depositt", check=False)
    assert_usage_error(proc, "depositt", "did you mean 'deposit'")
