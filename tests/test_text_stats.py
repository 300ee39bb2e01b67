"""DocumentFrequencies: the statistics partial_fit and the Dask fit add up (issue 28).

- Over columns: merging the statistics of row chunks gives those of the
  whole matrix, in any grouping; widths and kinds that do not match are refused.
- Over named features: merging gives the document frequencies and total
  counts of counting the concatenated documents, whatever the partition.
- The Dask fit goes through the same object (its tree reduction merges
  ``DocumentFrequencies``), and a TF-IDF fitted by Dask keeps its statistics.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsedense import CountVectorizer
from sparsedense.text import DocumentFrequencies


@settings(max_examples=60, deadline=None, database=None)
@given(st.integers(1, 30), st.integers(1, 8), st.integers(0, 2**32 - 1),
       st.lists(st.integers(0, 30), max_size=5))
def test_column_statistics_of_chunks_add_up_to_the_whole(n_rows, n_cols, seed, cuts):
    rng = np.random.default_rng(seed)
    X = sp.random(n_rows, n_cols, density=0.4, format="csr", random_state=rng)
    bounds = [0, *sorted(min(c, n_rows) for c in cuts), n_rows]
    parts = [DocumentFrequencies.from_matrix(X[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    whole = DocumentFrequencies.from_matrix(X)
    merged = DocumentFrequencies.merged(parts)
    assert merged.n_samples == whole.n_samples == n_rows
    assert merged.df.tolist() == whole.df.tolist() == np.diff(X.tocsc().indptr).tolist()
    # in another grouping: pairs first
    pairs = [DocumentFrequencies.merged(parts[i:i + 2]) for i in range(0, len(parts), 2)]
    assert DocumentFrequencies.merged(pairs).df.tolist() == whole.df.tolist()


def test_merged_leaves_its_parts_as_they_were():
    a = DocumentFrequencies.from_matrix(np.array([[1, 0], [1, 1]]))
    b = DocumentFrequencies.from_matrix(np.array([[0, 3]]))
    out = DocumentFrequencies.merged([a, b])
    assert (out.n_samples, out.df.tolist()) == (3, [2, 2])
    assert (a.n_samples, a.df.tolist(), b.df.tolist()) == (2, [2, 1], [0, 1])


def test_stored_zeros_and_duplicates_count_as_fit_counts_them():
    X = sp.coo_matrix(([1, 2, 0, 5, -5], ([0, 0, 1, 1, 1], [1, 1, 0, 2, 2])), shape=(2, 3))
    assert DocumentFrequencies.from_matrix(X).df.tolist() == [0, 1, 0]


def test_dtype_is_that_of_the_stacked_matrices():
    s = DocumentFrequencies.from_matrix(np.ones((1, 2), np.float32))
    assert s.dtype == np.float32
    s.update(np.ones((1, 2), np.int32))
    assert s.dtype == sp.vstack([sp.csr_matrix(np.ones((1, 2), np.float32)),
                                 sp.csr_matrix(np.ones((1, 2), np.int32))]).dtype


def test_mismatched_statistics_are_refused_and_unchanged():
    s = DocumentFrequencies.from_matrix(np.eye(3))
    with pytest.raises(ValueError, match="statistics of 2 columns into statistics of 3"):
        s.update(np.eye(2))
    named = DocumentFrequencies.from_counts(CountVectorizer()._local_counts(["a bb"]))
    with pytest.raises(ValueError, match="column statistics with named-feature"):
        s.merge(named)
    assert s.n_samples == 3 and s.df.tolist() == [1, 1, 1]


DOCS = ["the deposit and the savings", "savings account", "", "rain and snow",
        "snow snow deposit", "account of the rain", "the the the"]


@pytest.mark.parametrize("bounds", [[0, 7], [0, 3, 7], [0, 1, 1, 4, 6, 7]])
def test_named_statistics_of_chunks_are_those_of_the_whole(bounds):
    cv = CountVectorizer()
    parts = [DocumentFrequencies.from_counts(cv._local_counts(DOCS[a:b]))
             for a, b in zip(bounds[:-1], bounds[1:])]
    merged = DocumentFrequencies.merged(parts)
    whole = DocumentFrequencies.from_counts(cv._local_counts(DOCS))
    assert merged.n_samples == len(DOCS)
    got = dict(zip(merged.features, zip(merged.df.tolist(), merged.tf.tolist())))
    want = dict(zip(whole.features, zip(whole.df.tolist(), whole.tf.tolist())))
    assert got == want and len(merged.features) == len(set(merged.features))
    X = CountVectorizer().fit(DOCS)
    assert got["the"] == (3, 6) and "the" in X.vocabulary_


def test_pickles_as_its_numbers():
    s = DocumentFrequencies.from_counts(CountVectorizer()._local_counts(DOCS[:3]))
    t = pickle.loads(pickle.dumps(s))
    t.merge(DocumentFrequencies.from_counts(CountVectorizer()._local_counts(DOCS[3:])))
    assert t.n_samples == len(DOCS) and repr(t).startswith("DocumentFrequencies(n_samples=7")


def test_the_dask_fit_merges_document_frequencies():
    pytest.importorskip("dask")
    import dask
    import dask.bag as db

    from sparsedense import TfidfVectorizer
    from sparsedense.dask import TfidfVectorizer as DaskTfidfVectorizer

    merged = []
    real = DocumentFrequencies.merged

    def spy(parts):
        merged.append(len(parts))
        return real(parts)

    bag = db.from_sequence(DOCS, npartitions=3)
    with dask.config.set(scheduler="sync"), pytest.MonkeyPatch.context() as mp:
        mp.setattr(DocumentFrequencies, "merged", staticmethod(spy))
        fitted = DaskTfidfVectorizer(min_df=2).fit(bag)
    assert merged == [3]  # the tree's one node merged the 3 partitions' statistics
    local = TfidfVectorizer(min_df=2).fit(DOCS)
    assert fitted.vocabulary_ == local.vocabulary_
    assert fitted.idf_.tobytes() == local.idf_.tobytes()
    # the statistics are kept: a partial_fit of the local copy adds to them
    terms = sorted(local.vocabulary_)
    with dask.config.set(scheduler="sync"):
        fixed = DaskTfidfVectorizer(vocabulary=terms).fit(bag).to_local()
    fixed.partial_fit(DOCS[:2])
    assert fixed.idf_.tobytes() == TfidfVectorizer(vocabulary=terms).fit(
        DOCS + DOCS[:2]).idf_.tobytes()
