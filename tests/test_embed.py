"""EmbeddingVectorizer: text -> dense document vectors in one scikit-learn step.

It must equal its two-step definition,
``sparse_to_dense(TfidfVectorizer(vocabulary=words).fit_transform(docs), W, mode, normalize)``
(or CountVectorizer for 'count' / 'binary'), for every weighting, mode and
normalization; count the tokens it skips; accept the vocabulary as a list, a
mapping or a :class:`~sparsedense.Vocabulary`; and work in Pipeline, clone and
GridSearchCV.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import sparsedense as sd  # noqa: E402
from sparsedense.functional import sparse_to_dense  # noqa: E402

MODES = ["sum", "mean", "max"]
NEW_DOCS = [
    "The bank raised the interest rate on my savings account.",
    "Heavy rain and strong wind are expected tomorrow, then snow.",
    "xylophone quux",  # no word with a vector at all
    "",
    "은행 예금 금리가 올랐다",
]


@pytest.fixture(scope="module")
def corpus():
    return sd.load_sample_corpus()


@pytest.fixture(scope="module")
def table(corpus):
    """Half of the corpus's words (every other one) plus words the corpus never uses."""
    words = sorted(sd.CountVectorizer().fit(corpus.texts).vocabulary_)
    words = words[::2] + ["zzqxa", "zzqxb", "zzqxc"]
    rng = np.random.default_rng(99)
    W = rng.standard_normal((len(words), 8)).astype(np.float32)
    return words, W


def _tokens(docs):
    analyzer = sd.CountVectorizer().build_analyzer()
    return [analyzer(d) for d in docs]


def _two_step(weighting, words, docs_fit, docs, W, mode, normalize):
    if weighting == "tfidf":
        vec = sd.TfidfVectorizer(vocabulary=words)
    else:
        vec = sd.CountVectorizer(vocabulary=words, binary=weighting == "binary")
    vec.fit(docs_fit)
    return sparse_to_dense(vec.transform(docs), W, mode, normalize)


def _close(a, b, dtype=np.float32):
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("normalize", [None, "l2"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("weighting", ["tfidf", "count", "binary"])
def test_equals_vectorizer_then_sparse_to_dense(corpus, table, weighting, mode, normalize):
    words, W = table
    docs = corpus.texts
    ev = sd.EmbeddingVectorizer(W, words, weighting=weighting, mode=mode, normalize=normalize)
    out = ev.fit_transform(docs)
    assert out.shape == (len(docs), W.shape[1]) and out.dtype == W.dtype
    _close(out, _two_step(weighting, words, docs, docs, W, mode, normalize))
    # transform of new documents uses the weighting fitted on the corpus
    new = ev.transform(NEW_DOCS)
    _close(new, _two_step(weighting, words, docs, NEW_DOCS, W, mode, normalize))
    assert np.array_equal(new[2:4], np.zeros((2, W.shape[1])))  # nothing known -> zeros
    # fit then transform == fit_transform
    _close(sd.EmbeddingVectorizer(W, words, weighting=weighting, mode=mode,
                                  normalize=normalize).fit(docs).transform(docs), out)


def test_float64_table_and_vectorizer_options(corpus, table):
    words, W = table
    W64 = W.astype(np.float64)
    docs = corpus.texts
    ev = sd.EmbeddingVectorizer(W64, words, sublinear_tf=True, norm=None)
    out = ev.fit_transform(docs)
    assert out.dtype == np.float64
    X = sd.TfidfVectorizer(vocabulary=words, sublinear_tf=True, norm=None).fit_transform(docs)
    _close(out, sparse_to_dense(X, W64, "mean"), np.float64)
    # stop words and n-gram options are passed through as well
    ev = sd.EmbeddingVectorizer(W, words, weighting="count", stop_words="english", mode="sum")
    X = sd.CountVectorizer(vocabulary=words, stop_words="english").fit_transform(docs)
    _close(ev.fit_transform(docs), sparse_to_dense(X, W, "sum"))


def test_skipped_tokens_are_counted(corpus, table):
    words, W = table
    known = set(words)
    ev = sd.EmbeddingVectorizer(W, words)
    ev.fit_transform(corpus.texts)
    tokens = [t for doc in _tokens(corpus.texts) for t in doc]
    skipped = sum(t not in known for t in tokens)
    assert ev.n_tokens_ == len(tokens)
    assert ev.n_skipped_tokens_ == skipped
    assert 0 < skipped < len(tokens)
    assert ev.skipped_ratio_ == pytest.approx(skipped / len(tokens))
    # after a transform: the counts of that transform
    ev.transform(NEW_DOCS)
    tokens = [t for doc in _tokens(NEW_DOCS) for t in doc]
    assert ev.n_tokens_ == len(tokens)
    assert ev.n_skipped_tokens_ == sum(t not in known for t in tokens)
    assert ev.skipped_ratio_ == pytest.approx(ev.n_skipped_tokens_ / len(tokens))
    ev.transform(["", "   "])
    assert (ev.n_tokens_, ev.n_skipped_tokens_, ev.skipped_ratio_) == (0, 0, 0.0)


def test_no_skipped_tokens_when_every_word_has_a_vector(corpus):
    words = sorted(sd.CountVectorizer().fit(corpus.texts).vocabulary_)
    W = np.random.default_rng(1).standard_normal((len(words), 4)).astype(np.float32)
    ev = sd.EmbeddingVectorizer(W, words).fit(corpus.texts)
    ev.transform(corpus.texts[:10])
    assert ev.n_skipped_tokens_ == 0 and ev.skipped_ratio_ == 0.0
    assert ev.n_tokens_ == sum(len(t) for t in _tokens(corpus.texts[:10]))


@pytest.mark.parametrize("mode", MODES)
def test_vocabulary_as_list_dict_or_vocabulary(corpus, table, mode):
    words, W = table
    docs = corpus.texts[:80]
    want = sd.EmbeddingVectorizer(W, words, mode=mode).fit_transform(docs)
    # a tuple and a Vocabulary of the same words
    _close(sd.EmbeddingVectorizer(W, tuple(words), mode=mode).fit_transform(docs), want)
    vocab = sd.Vocabulary(words)
    _close(sd.EmbeddingVectorizer(W, vocab, mode=mode).fit_transform(docs), want)
    # a mapping word -> row, with the rows in another order
    perm = np.random.default_rng(5).permutation(len(words))
    mapping = {w: int(perm[i]) for i, w in enumerate(words)}
    W_perm = np.empty_like(W)
    W_perm[perm] = W
    _close(sd.EmbeddingVectorizer(W_perm, mapping, mode=mode).fit_transform(docs), want)


def test_vocabulary_size_must_match_weight_rows(table):
    words, W = table
    with pytest.raises(ValueError, match=f"{len(words) - 1} words but weight has {len(words)}"):
        sd.EmbeddingVectorizer(W, words[:-1]).fit(["a document"])
    with pytest.raises(ValueError, match="rows"):
        sd.EmbeddingVectorizer(W, sd.Vocabulary(words + ["zzqx_extra"])).fit(["a document"])
    with pytest.raises(ValueError, match="num_embeddings"):
        sd.EmbeddingVectorizer(W, {w: i for i, w in enumerate(words[:-1])}).fit(["a doc"])
    with pytest.raises(ValueError, match="repeats"):
        sd.EmbeddingVectorizer(W[:3], ["bank", "rain", "bank"]).fit(["a document"])
    with pytest.raises(TypeError, match="vocabulary"):
        sd.EmbeddingVectorizer(W, "bank rain").fit(["a document"])


@pytest.mark.parametrize("kw", [dict(weighting="bm25"), dict(mode="median"),
                                dict(normalize="l1")])
def test_bad_options(table, kw):
    words, W = table
    with pytest.raises(ValueError, match=list(kw)[0]):
        sd.EmbeddingVectorizer(W, words, **kw).fit(["a document"])


def test_missing_table():
    with pytest.raises(ValueError, match="weight"):
        sd.EmbeddingVectorizer().fit(["a document"])


def test_transform_before_fit(table):
    words, W = table
    with pytest.raises(sd.NotFittedError):
        sd.EmbeddingVectorizer(W, words).transform(["a document"])


def test_get_feature_names_out(table):
    words, W = table
    ev = sd.EmbeddingVectorizer(W, words).fit(["the bank"])
    names = ev.get_feature_names_out()
    assert len(names) == W.shape[1]
    assert list(names) == [f"embedding{i}" for i in range(W.shape[1])]


# --------------------------------------------------------------------------- scikit-learn


@pytest.fixture(scope="module")
def lsa_table(corpus):
    """Word vectors from LSA on the corpus TF-IDF (meaningful for topic classification)."""
    tfidf = sd.TfidfVectorizer()
    X = tfidf.fit_transform(corpus.texts)
    lsa = sd.LSA(n_components=40, random_state=0).fit(X)
    return list(tfidf.get_feature_names_out()), np.ascontiguousarray(lsa.components_.T,
                                                                     dtype=np.float32)


def _split(corpus):
    docs, topics = np.array(corpus.texts, dtype=object), np.array(corpus.topics)
    order = np.random.default_rng(0).permutation(len(docs))
    cut = int(0.75 * len(docs))
    return (list(docs[order[:cut]]), topics[order[:cut]],
            list(docs[order[cut:]]), topics[order[cut:]])


def test_pipeline_with_logistic_regression(corpus, lsa_table):
    words, W = lsa_table
    X_train, y_train, X_test, y_test = _split(corpus)
    pipe = Pipeline([("emb", sd.EmbeddingVectorizer(W, words, normalize="l2")),
                     ("clf", LogisticRegression(max_iter=2000))])
    pipe.fit(X_train, y_train)
    pred = pipe.predict(X_test)
    assert pred.shape == (len(X_test),) and set(pred) <= set(corpus.topics)
    assert pipe.score(X_test, y_test) > 0.6  # six topics: chance is ~0.17
    assert len(pipe[:-1].get_feature_names_out()) == W.shape[1]
    twin = clone(pipe)
    assert twin.get_params()["emb__normalize"] == "l2"
    assert not hasattr(twin.named_steps["emb"], "vectorizer_")


def test_clone_keeps_params(table):
    words, W = table
    ev = sd.EmbeddingVectorizer(W, words, weighting="count", mode="max", ngram_range=(1, 2))
    twin = clone(ev)
    params, twin_params = ev.get_params(), twin.get_params()
    assert set(params) == set(twin_params)
    assert np.array_equal(twin_params["weight"], W)
    assert list(twin_params["vocabulary"]) == words
    for key in ("weighting", "mode", "normalize", "ngram_range", "norm", "use_idf"):
        assert twin_params[key] == params[key]
    assert twin.set_params(mode="sum").mode == "sum" and ev.mode == "max"


def test_grid_search_over_mode(corpus, lsa_table):
    words, W = lsa_table
    X_train, y_train, X_test, y_test = _split(corpus)
    pipe = Pipeline([("emb", sd.EmbeddingVectorizer(W, words)),
                     ("clf", LogisticRegression(max_iter=2000))])
    search = GridSearchCV(pipe, {"emb__mode": MODES}, cv=3)
    search.fit(X_train, y_train)
    assert search.best_params_["emb__mode"] in MODES
    assert len(search.cv_results_["params"]) == 3
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.score(X_test, y_test) > 0.5
    assert search.best_estimator_.named_steps["emb"].mode == search.best_params_["emb__mode"]


def test_vectors_object_is_accepted_as_the_table():
    from sparsedense import Vectors

    words = ["deposit", "savings", "rain", "snow"]
    W = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    docs = ["deposit and savings", "rain rain snow", "nothing known"]
    pair = sd.EmbeddingVectorizer(W, words, weighting="count").fit_transform(docs)
    vec = sd.EmbeddingVectorizer(Vectors(words, W), weighting="count").fit_transform(docs)
    np.testing.assert_array_equal(pair, vec)
    with pytest.raises(ValueError, match="not both"):
        sd.EmbeddingVectorizer(Vectors(words, W), words).fit(docs)
