"""``sparsedense vectors``: convert a vector file between formats, and describe it."""

import numpy as np
import pytest

import sparsedense as sd

from test_cli import run


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


def test_vectors_evaluate_prints_gensims_results():
    gensim = pytest.importorskip("gensim")
    from gensim.test.utils import datapath

    vec, pairs, analogies = (datapath(n) for n in ("lee_fasttext.vec", "wordsim353.tsv",
                                                  "questions-words.txt"))
    out = run("vectors", "evaluate", vec, "--pairs", pairs, "--analogies", analogies).stdout
    kv = gensim.models.KeyedVectors.load_word2vec_format(vec)
    pearson, spearman, oov = kv.evaluate_word_pairs(pairs)
    score, sections = kv.evaluate_word_analogies(analogies)
    lines = out.splitlines()
    assert lines[0] == (f"Pearson correlation coefficient against {pairs}: {pearson[0]:.4f} "
                        f"with p-value {pearson[1]:.4g}")
    assert lines[1] == (f"Spearman rank-order correlation coefficient against {pairs}: "
                        f"{spearman[0]:.4f} with p-value {spearman[1]:.4g}")
    assert lines[2] == f"Pairs with unknown words ratio: {oov:.1f}%"
    want = []
    for s in sections:
        right, wrong = len(s["correct"]), len(s["incorrect"])
        if right + wrong:
            want.append(f"{s['section']}: {100 * right / (right + wrong):.1f}% "
                        f"({right}/{right + wrong})")
    assert lines[3:3 + len(want)] == want and want[-1].startswith("Total accuracy")
    assert lines[3 + len(want)].startswith("Quadruplets with out-of-vocabulary words: ")


def test_vectors_evaluate_needs_a_test_file(vectors_file):
    from test_cli import assert_usage_error

    assert_usage_error(run("vectors", "evaluate", vectors_file[0], check=False),
                       "give --pairs FILE or --analogies FILE")


@pytest.mark.parametrize("dtype", ["int8", "int4", "float16"])
def test_vectors_convert_quantize_writes_the_compressed_native_file(vectors_file, tmp_path,
                                                                    dtype):
    path, words, W = vectors_file
    out = tmp_path / "q.npz"
    proc = run("vectors", "convert", path, out, "--quantize", dtype)
    assert f"-> {out} (native)" in proc.stdout
    loaded = sd.load_vectors(out, mmap_mode="r")
    want = sd.load_vectors(path).quantize(dtype)
    assert loaded.index_to_key == words and loaded.weight.dtype == dtype
    np.testing.assert_array_equal(loaded.weight.data, want.weight.data)
    info = run("vectors", "info", out).stdout
    assert "vectors:   10" in info and f"dtype:     {dtype}" in info


def test_vectors_convert_quantize_refuses_a_text_output(vectors_file, tmp_path):
    from test_cli import assert_usage_error

    path, _, _ = vectors_file
    proc = run("vectors", "convert", path, tmp_path / "q.txt", "--quantize", "int8",
               check=False)
    assert_usage_error(proc, "--quantize int8 writes the native format", "q.txt (word2vec)")
    assert not (tmp_path / "q.txt").exists()
