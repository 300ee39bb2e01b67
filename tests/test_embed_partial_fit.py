"""EmbeddingVectorizer.partial_fit: chunk by chunk, exactly what one fit gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sparsedense as sd
from sparsedense._base.errors import NoSamplesError

WORDS = ["deposit", "savings", "loan", "rain", "snow", "sun", "bank", "river"]
DOCS = [
    "deposit savings bank", "loan bank bank", "rain snow", "sun sun rain river",
    "the bank of the river", "savings and loan", "snow", "", "deposit deposit deposit",
    "unknown words only", "river bank loan savings", "sun",
]


def _table(dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((len(WORDS), 5)).astype(dtype)


def _cuts(n_chunks_and_cuts, n):
    cuts = sorted(set(c % (n + 1) for c in n_chunks_and_cuts))
    bounds = [0, *cuts, n]
    return [DOCS[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


@pytest.mark.parametrize("weighting", ["tfidf", "count", "binary"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_partial_fit_in_chunks_equals_fit(weighting, dtype):
    W = _table(dtype)
    whole = sd.EmbeddingVectorizer(W, WORDS, weighting=weighting).fit(DOCS)
    ev = sd.EmbeddingVectorizer(W, WORDS, weighting=weighting)
    for chunk in (DOCS[:3], DOCS[3:4], DOCS[4:9], DOCS[9:]):
        assert ev.partial_fit(chunk) is ev
    assert ev.n_samples_seen_ == whole.n_samples_seen_ == len(DOCS)
    if weighting == "tfidf":
        np.testing.assert_array_equal(ev.vectorizer_._tfidf.idf_, whole.vectorizer_._tfidf.idf_)
    out, ref = ev.transform(DOCS), whole.transform(DOCS)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, ref)
    assert (ev.n_tokens_, ev.n_skipped_tokens_) == (whole.n_tokens_, whole.n_skipped_tokens_)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(DOCS)), max_size=6))
def test_any_chunking_gives_the_idf_of_one_fit(cuts):
    W = _table()
    ref = sd.EmbeddingVectorizer(W, WORDS).fit(DOCS)
    ev = sd.EmbeddingVectorizer(W, WORDS)
    chunks = _cuts(cuts, len(DOCS))
    first = next(i for i, c in enumerate(chunks) if c)  # a first empty chunk fits nothing
    for chunk in chunks[first:]:
        ev.partial_fit(chunk)  # empty chunks after the first are fine
    np.testing.assert_array_equal(ev.vectorizer_._tfidf.idf_, ref.vectorizer_._tfidf.idf_)
    np.testing.assert_array_equal(ev.transform(DOCS), ref.transform(DOCS))


def test_fit_transform_equals_fit_then_transform_and_partial_fit_goes_on_from_it():
    W = _table()
    a = sd.EmbeddingVectorizer(W, WORDS)
    b = sd.EmbeddingVectorizer(W, WORDS)
    np.testing.assert_array_equal(a.fit_transform(DOCS[:6]), b.fit(DOCS[:6]).transform(DOCS[:6]))
    a.partial_fit(DOCS[6:])
    ref = sd.EmbeddingVectorizer(W, WORDS).fit(DOCS)
    np.testing.assert_array_equal(a.vectorizer_._tfidf.idf_, ref.vectorizer_._tfidf.idf_)


def test_fit_starts_over():
    W = _table()
    ev = sd.EmbeddingVectorizer(W, WORDS)
    ev.partial_fit(DOCS[:5]).partial_fit(DOCS[5:])
    ev.fit(DOCS[:4])
    assert ev.n_samples_seen_ == 4
    ref = sd.EmbeddingVectorizer(W, WORDS).fit(DOCS[:4])
    np.testing.assert_array_equal(ev.vectorizer_._tfidf.idf_, ref.vectorizer_._tfidf.idf_)


def test_a_refused_chunk_changes_nothing():
    W = _table()
    ev = sd.EmbeddingVectorizer(W, WORDS).partial_fit(DOCS[:5])
    idf = ev.vectorizer_._tfidf.idf_.copy()
    with pytest.raises(ValueError, match="string object received"):
        ev.partial_fit("a single string")
    with pytest.raises(TypeError, match=r"raw_documents\[1\]"):
        ev.partial_fit(["fine", 3])
    assert ev.n_samples_seen_ == 5
    np.testing.assert_array_equal(ev.vectorizer_._tfidf.idf_, idf)


def test_no_documents_at_all_is_a_no_samples_error():
    ev = sd.EmbeddingVectorizer(_table(), WORDS)
    with pytest.raises(NoSamplesError, match="0 sample"):
        ev.partial_fit([])
    assert not hasattr(ev, "n_samples_seen_") and not hasattr(ev, "vectorizer_")
    with pytest.raises(ValueError, match="0 sample"):  # NoSamplesError is a ValueError
        ev.fit([])
    # counts need no statistics: an empty first chunk is accepted
    counted = sd.EmbeddingVectorizer(_table(), WORDS, weighting="count").partial_fit([])
    assert counted.n_samples_seen_ == 0


def test_transform_between_calls_uses_the_statistics_so_far():
    W = _table()
    ev = sd.EmbeddingVectorizer(W, WORDS).partial_fit(DOCS[:6])
    np.testing.assert_array_equal(ev.transform(DOCS),
                                  sd.EmbeddingVectorizer(W, WORDS).fit(DOCS[:6]).transform(DOCS))


def test_a_dask_fit_leaves_no_stale_chunk_statistics():
    """partial_fit after a Dask fit starts over: never adds to the statistics of an older fit."""
    dask = pytest.importorskip("dask")
    from sparsedense.dask import EmbeddingVectorizer as DaskEmbeddingVectorizer

    W = _table()
    ev = DaskEmbeddingVectorizer(W, WORDS).partial_fit(DOCS[:6])  # a local chunk first
    with dask.config.set(scheduler="sync"):
        ev.fit(DOCS[6:])
    assert not hasattr(ev, "n_samples_seen_")
    ev.partial_fit(DOCS[:3])
    ref = sd.EmbeddingVectorizer(W, WORDS).fit(DOCS[:3])
    assert ev.n_samples_seen_ == 3
    np.testing.assert_array_equal(ev.vectorizer_._tfidf.idf_, ref.vectorizer_._tfidf.idf_)
