"""``sparsedense train``: vector files out of a corpus file, the same as the library's, errors in one line."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

from sparsedense.models import FastText, Word2Vec
from sparsedense.vectors import load_vectors

from test_models_ppmi_svd import planted_corpus as planted_topic_corpus
from test_models_word2vec import planted_corpus


def run(*args, check=True):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sparsedense", *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=600)
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


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("train") / "corpus.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for sentence in planted_corpus(300):
            fh.write(" ".join(sentence) + "\n")
    return path


OPTS = ["--vector-size", "12", "--epochs", "2", "--min-count", "2", "--seed", "4"]


@pytest.mark.parametrize("flags, cls, kwargs", [
    (["--sg"], Word2Vec, dict(sg=1)),
    ([], Word2Vec, dict(sg=0)),
    (["--subwords", "--sg"], FastText, dict(sg=1)),
])
def test_train_writes_the_librarys_vectors(corpus_file, tmp_path, flags, cls, kwargs):
    out = tmp_path / "vectors.npz"
    proc = run("train", corpus_file, "-o", out, *OPTS, *flags)
    assert "vectors of dimension 12" in proc.stdout and "words/s" in proc.stdout
    got = load_vectors(out)
    model = cls(corpus_file=corpus_file, vector_size=12, epochs=2, min_count=2, seed=4, **kwargs)
    assert got.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(got.vectors, model.wv.vectors)


def test_train_text_format_and_saved_model(corpus_file, tmp_path):
    out, saved = tmp_path / "v.txt", tmp_path / "model.npz"
    run("-q", "train", corpus_file, "-o", out, *OPTS, "--sg", "--save-model", saved)
    vectors = load_vectors(out)
    model = Word2Vec.load(saved)
    assert vectors.index_to_key == model.wv.index_to_key
    np.testing.assert_allclose(vectors.vectors, model.wv.vectors, rtol=1e-6)
    assert out.read_text().split("\n", 1)[0] == f"{len(model.wv)} 12"


def test_fasttext_model_saved_as_facebook_bin(corpus_file, tmp_path):
    from sparsedense.models import load_facebook_model

    out, saved = tmp_path / "v.npz", tmp_path / "model.bin"
    run("-q", "train", corpus_file, "-o", out, *OPTS, "--subwords", "--sg", "--save-model",
        saved)
    assert saved.read_bytes()[:4] == (793712314).to_bytes(4, "little")  # fastText's magic
    model = load_facebook_model(saved)
    assert (model.sg, model.vector_size, model.epochs, model.min_count) == (1, 12, 2, 2)
    vectors = load_vectors(out)
    assert vectors.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(vectors.vectors, model.wv.vectors)


def test_facebook_bin_model_needs_fasttext(corpus_file, tmp_path):
    out = tmp_path / "v.txt"
    for method in ("word2vec", "glove"):
        assert_usage_error(run("train", corpus_file, "-o", out, "--method", method,
                               "--save-model", tmp_path / "m.bin", check=False),
                           "m.bin: a .bin model file is Facebook fastText's format, written "
                           f"for --method fasttext only, not {method}", "give a .npz name")
    assert list(tmp_path.iterdir()) == []
    assert "Facebook fastText's .bin model format" in " ".join(
        run("train", "--help").stdout.split())


def test_train_errors_are_one_line_and_write_nothing(corpus_file, tmp_path):
    out = tmp_path / "v.txt"
    assert_usage_error(run("train", tmp_path / "missing.txt", "-o", out, check=False),
                       "missing.txt: no such file or directory, check the path")
    assert_usage_error(run("train", corpus_file, "-o", tmp_path / "no" / "v.txt", check=False),
                       "output directory does not exist")
    assert_usage_error(run("train", corpus_file, "-o", out, "--min-count", "100000",
                           check=False), "no word reaches min_count=100000")
    assert_usage_error(run("train", corpus_file, "-o", out, "--vector-size", "0", check=False),
                       "vector_size must be an int >= 1; got 0")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"good words here\n\xff\xfe broken\n" * 5)
    assert_usage_error(run("train", bad, "-o", out, "--min-count", "1", check=False),
                       "bad.txt: line 2: not valid utf-8 text (invalid start byte at byte 0 of "
                       "the line), train reads UTF-8")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]


def test_command_line_glove_and_ppmi_svd(tmp_path):
    from sparsedense.cli import main
    from sparsedense.vectors import load_vectors

    sentences, topics = planted_topic_corpus(4)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    out = tmp_path / "glove.txt"
    assert main(["-q", "train", str(corpus), "--method", "glove", "-o", str(out),
                 "--vector-size", "8", "--epochs", "3", "--window", "4", "--x-max", "10"]) == 0
    wv = load_vectors(out)
    assert wv.vector_size == 8 and len(wv) == 32
    out2 = tmp_path / "ppmi.npz"
    assert main(["-q", "train", str(corpus), "--method", "ppmi-svd", "-o", str(out2),
                 "--vector-size", "6", "--eigenvalue-weighting", "0"]) == 0
    assert load_vectors(out2).vector_size == 6
    assert main(["-q", "train", str(corpus), "--method", "glove", "-o", str(out),
                 "--x-max", "0"]) == 2
    assert main(["-q", "train", str(corpus), "--method", "ppmi-svd", "-o", str(out2),
                 "--epochs", "3"]) == 2


# -- --tokenizer kiwi: Korean text as it is ----------------------------------------------------

KOREAN = ["요즘 은행 예금 금리가 올라서 예금 통장에 돈을 넣었다.",
          "은행에서 예금과 적금을 상담받았다.",
          "적금은 매달 돈을 넣고 예금은 한 번에 넣는다.",
          "주택대출 이자가 올라서 집을 사기 어렵다.",
          "ETF와 예금 중에서 고민했다."] * 4


def test_train_tokenizer_kiwi_equals_training_on_its_tokens(tmp_path):
    pytest.importorskip("kiwipiepy")
    from sparsedense.text import KoreanTokenizer

    corpus = tmp_path / "ko.txt.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(KOREAN) + "\n")
    out = tmp_path / "v.npz"
    run("-q", "train", corpus, "-o", out, *OPTS, "--tokenizer", "kiwi")
    tokens = tmp_path / "tokens.txt"  # what the command trains on: lowercased, kiwi's words
    tokens.write_text("\n".join(" ".join(t) for t in KoreanTokenizer().tokenize_batch(
        line.lower() for line in KOREAN)) + "\n", encoding="utf-8")
    model = Word2Vec(corpus_file=tokens, vector_size=12, epochs=2, min_count=2, seed=4)
    got = load_vectors(out)
    assert got.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(got.vectors, model.wv.vectors)
    assert {"예금", "적금", "돈", "넣다", "etf"} <= set(got.index_to_key)
    assert not {"예금을", "예금과", "예금은"} & set(got.index_to_key)
    assert [p.name for p in tmp_path.iterdir() if "sparsedense-train" in p.name] == []


@pytest.mark.parametrize("method", ["glove", "ppmi-svd"])
def test_train_tokenizer_kiwi_count_based(tmp_path, method):
    pytest.importorskip("kiwipiepy")
    corpus = tmp_path / "ko.txt"
    corpus.write_text("\n".join(KOREAN) + "\n", encoding="utf-8")
    out = tmp_path / "v.txt"
    run("-q", "train", corpus, "-o", out, "--method", method, "--vector-size", "4",
        "--min-count", "2", "--tokenizer", "kiwi", *(["--epochs", "2"] * (method == "glove")))
    words = load_vectors(out).index_to_key
    assert "예금" in words and "예금을" not in words


def test_train_tokenizer_kiwi_errors(tmp_path):
    from test_cli import run as run_with_env
    from test_cli_vectorize import hide_kiwipiepy

    corpus = tmp_path / "ko.txt"
    corpus.write_text("\n".join(KOREAN) + "\n", encoding="utf-8")
    out = tmp_path / "v.txt"
    assert_usage_error(run_with_env("train", corpus, "-o", out, "--tokenizer", "kiwi",
                                    check=False, **hide_kiwipiepy(tmp_path)),
                       "--tokenizer kiwi needs kiwipiepy, which is not installed: "
                       "pip install 'sparsedense[korean]'")
    assert not out.exists()
    pytest.importorskip("kiwipiepy")
    empty = tmp_path / "empty.txt"
    empty.write_text("...\n\n!!\n", encoding="utf-8")
    assert_usage_error(run("train", empty, "-o", out, "--tokenizer", "kiwi", check=False),
                       "empty.txt: no Korean word in the corpus")
    proc = run("train", corpus, "-o", out, "--tokenizer", "mecab", check=False)
    assert proc.returncode == 2  # argparse's usage and one error line
    assert "argument --tokenizer: invalid choice: 'mecab'" in proc.stderr
    assert not out.exists()
