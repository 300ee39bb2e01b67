"""The warning after training when the vectors collapsed onto one direction."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sparsedense.models import FastText, Word2Vec
from sparsedense.models._health import mean_pairwise_cosine

from test_models_word2vec import SMALL, planted_corpus


def _lee():
    datapath = pytest.importorskip("gensim.test.utils").datapath
    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [line.split() for line in fh]


def test_mean_pairwise_cosine_is_the_mean_over_distinct_pairs():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(40, 7)).astype(np.float32)
    table[5] = 0  # zero rows are left out
    rows = np.delete(table, 5, axis=0).astype(np.float64)
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    sim = unit @ unit.T
    want = sim[~np.eye(len(rows), dtype=bool)].mean()
    assert mean_pairwise_cosine(table) == pytest.approx(want, rel=1e-12)
    assert mean_pairwise_cosine(table[:3]) is None
    assert mean_pairwise_cosine(np.ones((1000, 4))) == pytest.approx(1.0)
    # at most sample_rows rows are looked at, evenly spaced
    assert mean_pairwise_cosine(table, sample_rows=8) == pytest.approx(
        mean_pairwise_cosine(table[np.linspace(0, 39, 8).astype(int)]), rel=1e-12)


def test_collapsed_fasttext_cbow_warns_at_the_users_call():
    lee = _lee()
    with pytest.warns(UserWarning, match=r"collapsed onto one direction") as record:
        model = FastText(lee, vector_size=16, min_count=3, window=2, epochs=1, bucket=1000)
    assert record[0].filename == __file__  # stacklevel: this line, not the library's
    message = str(record[0].message)
    assert "sg=1" in message and "epochs" in message and "min_count=3" in message
    with pytest.warns(UserWarning, match="collapsed") as record:
        model.train(lee, epochs=1)
    assert record[0].filename == __file__


@pytest.mark.parametrize("cls, sg", [(Word2Vec, 0), (Word2Vec, 1), (FastText, 1)])
def test_healthy_models_do_not_warn(cls, sg):
    extra = {"bucket": 5000} if cls is FastText else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = cls(planted_corpus(800), **dict(SMALL, sg=sg), **extra)
    assert mean_pairwise_cosine(model.wv.vectors) < 0.99
