"""topk_similar of sparsedense.dask (dask/_similarity.py) on a real cluster: the same neighbours.

Corpus blocks are searched on the workers and merged by a tree reduction: the
indices equal the single-machine ones, ties across blocks included.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("distributed")

import dask.array as da  # noqa: E402

import sparsedense as sd  # noqa: E402
import sparsedense.dask as sdd  # noqa: E402

from test_dask_graph import bag_of  # noqa: E402


@pytest.fixture(scope="module")
def docs(sample_docs):
    # the sample corpus plus documents that make empty rows and repeated words
    return sample_docs + ["", "the the the", "예금 예금 적금"]


def test_topk_identical_indices_with_ties_across_blocks(client):
    rng = np.random.default_rng(1)
    # small integers: every product is exact, so equal rows give exactly equal scores
    base = rng.integers(-3, 4, size=(40, 8)).astype(np.float64)
    corpus = np.concatenate([base, base[::-1], base[:10]])  # duplicates in other blocks
    queries = base[:12] + rng.integers(0, 2, size=(12, 8))
    C = da.from_array(corpus, chunks=(13, 8))  # blocks end mid-way through duplicates
    for metric, k in [("dot", 7), ("cosine", 5)]:
        idx, scores = sdd.topk_similar(queries, C, k=k, metric=metric, split_every=2)
        want_idx, want_scores = sd.topk_similar(queries, corpus, k=k, metric=metric)
        np.testing.assert_array_equal(idx, want_idx)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-12, atol=1e-12)
        assert scores.dtype == want_scores.dtype
    # exclude_self: query i is corpus row i
    idx, _ = sdd.topk_similar(corpus[:30], C, k=4, exclude_self=True, metric="dot")
    want_idx, _ = sd.topk_similar(corpus[:30], corpus, k=4, exclude_self=True, metric="dot")
    np.testing.assert_array_equal(idx, want_idx)


def test_topk_sparse_tfidf_corpus(client, docs):
    X = sdd.TfidfVectorizer().fit_transform(bag_of(docs, 5))
    Xs = sd.TfidfVectorizer().fit_transform(docs)
    queries = Xs[:20]
    idx, scores = sdd.topk_similar(queries, X, k=6)
    want_idx, want_scores = sd.topk_similar(queries, Xs, k=6)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-12, atol=1e-12)
