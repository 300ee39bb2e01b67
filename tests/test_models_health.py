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


class _Collapsed:
    """The attributes warn_if_collapsed reads, of a model whose rows all point one way."""

    class _Keyed:
        vectors = np.ones((10, 4), np.float32)

        def __len__(self):
            return 10

    _owner, epochs_trained_, corpus_total_words, wv = "FastText", 2, 160, _Keyed()

    def __init__(self, sg, epochs, min_count):
        self.sg, self.epochs, self.min_count = sg, epochs, min_count


@pytest.mark.parametrize("sg, min_count", [(0, 1), (0, 5), (1, 1)])
def test_the_advice_gives_current_values_as_such_and_only_what_can_change(sg, min_count):
    from sparsedense.models._health import warn_if_collapsed

    with pytest.warns(UserWarning, match="collapsed onto one direction") as record:
        warn_if_collapsed(_Collapsed(sg, 1, min_count))
    message = str(record[0].message)
    assert "more epochs (epochs=1 now)" in message and "more data" in message
    assert ("sg=1 (skip-gram)" in message) == (sg == 0)
    # min_count=1 keeps every word: a lower one is no advice
    assert ("lower min_count" in message) == (min_count > 1)
    if min_count > 1:
        assert f"a lower min_count (min_count={min_count} now)" in message
    assert "mean cosine similarity 1.0000 between 10 sampled words, after 2 epoch(s)" in message
