"""``sparsedense vectors``: convert a vector file between formats, and describe it."""

import numpy as np

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
