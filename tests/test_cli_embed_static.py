"""``sparsedense embed --model`` (a model2vec folder) and ``--weighting sif|usif``.

The rest of ``sparsedense embed``: test_cli_embed.py.
"""

import numpy as np
import pytest

import sparsedense as sd

from test_cli import DOCS, assert_usage_error, run

pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def model_folder(tmp_path, vectors_file):
    _, words, W = vectors_file
    folder = tmp_path / "model"
    sd.StaticModel.from_vectors(W, words).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("normalize", [[], ["--normalize", "l2"]])
def test_model_equals_encode(corpus, model_folder, tmp_path, normalize):
    out = tmp_path / "docs.npy"
    proc = run("embed", corpus, "--model", model_folder, "--chunk-size", "2", *normalize,
               "-o", out)
    assert "5 documents embedded" in proc.stdout
    model = sd.StaticModel.from_pretrained(model_folder)
    want = model.encode(DOCS, normalize=bool(normalize))
    np.testing.assert_array_equal(np.load(out), want)


@pytest.mark.parametrize("weighting", ["sif", "usif"])
def test_model_with_sif(corpus, model_folder, tmp_path, weighting):
    out = tmp_path / "docs.npy"
    run("embed", corpus, "--model", model_folder, "--weighting", weighting, "-o", out)
    model = sd.StaticModel.from_pretrained(model_folder)
    k = min(len(DOCS), 5) if weighting == "usif" else 1
    want = sd.EmbeddingVectorizer(model, weighting=weighting,
                                  remove_components=k).fit_transform(DOCS)
    np.testing.assert_allclose(np.load(out), want, rtol=1e-6, atol=1e-7)


def test_vectors_with_sif(corpus, vectors_file, tmp_path):
    path, _, _ = vectors_file
    out = tmp_path / "docs.npy"
    run("embed", corpus, "--vectors", path, "--weighting", "sif", "-o", out)
    want = sd.EmbeddingVectorizer(sd.load_vectors(path), weighting="sif").fit_transform(DOCS)
    np.testing.assert_allclose(np.load(out), want, rtol=1e-6, atol=1e-7)


def test_usage_errors(corpus, model_folder, tmp_path):
    out = tmp_path / "docs.npy"
    assert_usage_error(run("embed", corpus, "--model", model_folder, "--weighting", "tfidf",
                           "-o", out, check=False), "--weighting tfidf goes with --vectors")
    assert_usage_error(run("embed", corpus, "--model", "org/some-model", "-o", out,
                           check=False), "--model org/some-model", "download it first")
    assert_usage_error(run("embed", corpus, "--model", model_folder, "--workers", "2",
                           "-o", out, check=False), "on one machine")
    assert_usage_error(run("embed", corpus, "--lsa", "2", "--weighting", "sif", "-o", out,
                           check=False), "--weighting sif goes with --vectors or --model")
    assert_usage_error(run("embed", corpus, "--model", model_folder, "--quantize", "int8",
                           "-o", out, check=False), "leave it out with --model")
    assert not out.exists()
