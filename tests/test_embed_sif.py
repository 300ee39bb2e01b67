"""EmbeddingVectorizer(weighting='sif' | 'usif'): equal to plain numpy versions of the papers."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import sparsedense as sd
from sparsedense import EmbeddingVectorizer
from sparsedense._base.errors import NotFittedError

EN = sd.load_sample_corpus("en").texts
FIT, OTHER = EN[:120], EN[120:160] + ["", "zzz qqq", "the the the"]
WORDS = [w for w, _ in Counter(" ".join(EN).split()).most_common(400)]  # the rest unknown


def reference(fit_tokens, tokens, W, *, usif=False, a=1e-3, k=1, counts=None):
    """Arora et al. (2017) / Ethayarajh (2018) written out in numpy (float64), token ids in."""
    W = W.astype(np.float64)
    if counts is None:
        counts = np.bincount(np.concatenate([np.asarray(t, dtype=np.int64) for t in fit_tokens]),
                             minlength=W.shape[0]).astype(np.float64)
    p = counts / counts.sum()
    if usif:
        vocab = np.count_nonzero(counts)
        n = np.mean([len(t) for t in fit_tokens])
        alpha = np.count_nonzero(p > 1 - (1 - 1 / vocab) ** n) / vocab
        assert alpha > 0  # the data must exercise the formula
        a = (1 - alpha) / (alpha * vocab / 2)
        weights = a / (p + a / 2)
        norms = np.linalg.norm(W, axis=1, keepdims=True)
        W = np.divide(W, norms, out=np.zeros_like(W), where=norms > 0)
    else:
        weights = a / (a + p)

    def embed(t):
        if not len(t):
            return np.zeros(W.shape[1])
        return np.mean([weights[i] * W[i] for i in t], axis=0)

    F = np.stack([embed(t) for t in fit_tokens])
    E = np.stack([embed(t) for t in tokens])
    _, s, vt = np.linalg.svd(F, full_matrices=False)
    lam = s[:k] ** 2 / (s[:k] ** 2).sum() if usif else np.ones(k)
    for i in range(k):
        E = E - lam[i] * np.outer(E @ vt[i], vt[i])
    return E


def split_ids(docs):
    index = {w: i for i, w in enumerate(WORDS)}
    return [[index[t] for t in d.split() if t in index] for d in docs]


@pytest.fixture(scope="module")
def table():
    return np.random.default_rng(3).standard_normal((len(WORDS), 24))


def make(W, **kw):
    return EmbeddingVectorizer(W, WORDS, tokenizer=str.split, lowercase=False,
                               token_pattern=None, **kw)


@pytest.mark.parametrize("weighting,k", [("sif", 1), ("sif", 0), ("sif", 3), ("usif", None),
                                         ("usif", 2)])
def test_parity_with_numpy(table, weighting, k):
    ev = make(table, weighting=weighting, remove_components=k).fit(FIT)
    kk = {"sif": 1, "usif": 5}[weighting] if k is None else k
    want = reference(split_ids(FIT), split_ids(OTHER), table, usif=weighting == "usif", k=kk)
    got = ev.transform(OTHER)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert ev.components_.shape == (kk, table.shape[1])
    fitted = reference(split_ids(FIT), split_ids(FIT), table, usif=weighting == "usif", k=kk)
    np.testing.assert_allclose(make(table, weighting=weighting, remove_components=k)
                               .fit_transform(FIT), fitted, rtol=1e-6, atol=1e-6)


def test_parity_float32_and_sif_a(table):
    W = table.astype(np.float32)
    got = make(W, weighting="sif", sif_a=1e-2).fit(FIT).transform(OTHER)
    assert got.dtype == np.float32
    want = reference(split_ids(FIT), split_ids(OTHER), W, a=1e-2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_word_counts(table):
    rng = np.random.default_rng(4)
    counts = rng.integers(1, 1000, len(WORDS)).astype(np.float64)
    want = reference(split_ids(FIT), split_ids(OTHER), table, counts=counts)
    ev = make(table, weighting="sif", word_counts=counts).fit(FIT)
    np.testing.assert_allclose(ev.transform(OTHER), want, rtol=1e-6, atol=1e-6)
    as_mapping = dict(zip(WORDS, counts.tolist()), unknown_word=5)
    ev2 = make(table, weighting="sif", word_counts=as_mapping).fit(FIT)
    np.testing.assert_allclose(ev2.transform(OTHER), want, rtol=1e-6, atol=1e-6)


def test_a_sentence_does_not_depend_on_its_batch(table):
    ev = make(table, weighting="usif").fit(FIT)
    whole = ev.transform(OTHER)
    for i in (0, 7, len(OTHER) - 1):
        np.testing.assert_allclose(ev.transform([OTHER[i]])[0], whole[i], rtol=0, atol=1e-12)
    assert not ev.transform([""]).any()


def test_coverage_and_normalize(table):
    ev = make(table, weighting="sif", normalize="l2").fit(FIT)
    D = ev.transform(["zzz " + WORDS[0], WORDS[1]])
    np.testing.assert_allclose(np.linalg.norm(D, axis=1), 1.0)
    assert (ev.n_skipped_tokens_, ev.n_tokens_) == (1, 3)


def test_in_a_pipeline(table):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    corpus = sd.load_sample_corpus("en")
    pipe = make_pipeline(make(table, weighting="sif"), LogisticRegression(max_iter=200))
    pipe.fit(corpus.texts, corpus.topics)
    assert pipe.predict(corpus.texts).shape == (len(corpus.texts),)
    again = clone(pipe).fit(corpus.texts, corpus.topics)
    assert np.array_equal(again.predict(corpus.texts), pipe.predict(corpus.texts))


def test_errors(table):
    with pytest.raises(ValueError, match="partial_fit cannot fit weighting='sif'"):
        make(table, weighting="sif").partial_fit(FIT)
    with pytest.raises(ValueError, match="mode must be 'mean'; got mode='max'"):
        make(table, weighting="sif", mode="max").fit(FIT)
    with pytest.raises(ValueError, match="sif_a must be"):
        make(table, weighting="sif", sif_a=0).fit(FIT)
    with pytest.raises(ValueError, match="remove_components must be"):
        make(table, weighting="sif", remove_components=-1).fit(FIT)
    with pytest.raises(ValueError, match="remove_components=25 is more than"):
        make(table, weighting="sif", remove_components=25).fit(FIT)
    with pytest.raises(ValueError, match=r"word_counts has shape \(3,\)"):
        make(table, weighting="sif", word_counts=[1, 2, 3]).fit(FIT)
    with pytest.raises(ValueError, match=r"word_counts\[1\] = -1.0"):
        make(table, weighting="sif", word_counts=[1, -1] + [1] * (len(WORDS) - 2)).fit(FIT)
    with pytest.raises(ValueError, match="no token of the fitted documents has a vector"):
        make(table, weighting="sif").fit(["zzz", ""])
    with pytest.raises(NotFittedError):
        make(table, weighting="sif").transform(FIT)


def test_with_a_static_model(table):
    pytest.importorskip("tokenizers")
    from sparsedense import StaticModel

    model = StaticModel.from_vectors(table, WORDS, lowercase=False)

    def ids(docs):
        out = []
        for d in docs:
            enc = model.tokenizer.encode(d, add_special_tokens=False).ids
            out.append([i for i in enc if i < len(WORDS)])  # the [UNK] row is last
        return out

    W = model.embedding
    for weighting, k in (("sif", 1), ("usif", 5)):
        ev = EmbeddingVectorizer(model, weighting=weighting).fit(FIT)
        want = reference(ids(FIT), ids(OTHER), W, usif=weighting == "usif", k=k)
        np.testing.assert_allclose(ev.transform(OTHER), want, rtol=1e-5, atol=1e-6)
        assert ev.get_feature_names_out().shape == (model.dim,)
    with pytest.raises(ValueError, match="weighting='sif' or 'usif'; got weighting='tfidf'"):
        EmbeddingVectorizer(model).fit(FIT)
    with pytest.raises(ValueError, match="pass a StaticModel alone"):
        EmbeddingVectorizer(model, WORDS, weighting="sif").fit(FIT)


def test_the_dask_vectorizer_refuses_sif(table):
    dask_embed = pytest.importorskip("sparsedense.dask")
    ev = dask_embed.EmbeddingVectorizer(table, WORDS, weighting="sif")
    with pytest.raises(ValueError, match="dask.EmbeddingVectorizer does not fit weighting='sif'"):
        ev.fit(FIT)
