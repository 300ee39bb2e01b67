"""partial_fit of TfidfTransformer, TfidfVectorizer and CountVectorizer (issue 28).

- ``TfidfTransformer.partial_fit`` over any chunking (empty chunks included)
  gives ``idf_`` bit-identical to ``fit`` on the stacked matrix and to
  scikit-learn's ``fit`` (hypothesis over random CSR matrices, chunkings and
  the idf parameters); ``transform`` between calls uses the statistics so far;
  the first call fixes the width; ``fit`` starts over; a refused chunk changes
  nothing; the dtype follows ``fit``'s rule for the stacked chunks.
- The vectorizers' ``partial_fit`` needs a fixed vocabulary (a mapping, a list
  or a ``sparsedense.Vocabulary``) and says why otherwise.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sparsedense import (CountVectorizer, HashingVectorizer, TfidfTransformer, TfidfVectorizer,
                         Vocabulary)

sk = pytest.importorskip("sklearn.feature_extraction.text")

HYPOTHESIS = settings(max_examples=80, deadline=None, database=None,
                      phases=(Phase.explicit, Phase.generate),
                      suppress_health_check=[HealthCheck.too_slow])

PARAMS = st.fixed_dictionaries({"smooth_idf": st.booleans(), "sublinear_tf": st.booleans(),
                                "use_idf": st.booleans(),
                                "norm": st.sampled_from(["l2", "l1", None])})


@st.composite
def chunked_counts(draw):
    """A canonical CSR count matrix without stored zeros, and cut points (repeats: empty chunks)."""
    n_rows = draw(st.integers(1, 40))
    n_cols = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    dtype = draw(st.sampled_from([np.int64, np.float32, np.float64]))
    rng = np.random.default_rng(seed)
    X = sp.random(n_rows, n_cols, density=density, format="csr", random_state=rng,
                  data_rvs=lambda k: rng.integers(1, 6, size=k)).astype(dtype)
    cuts = sorted(draw(st.lists(st.integers(0, n_rows), max_size=6)))
    return X, [0, *cuts, n_rows]


def _chunks(X, bounds):
    return [X[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


@HYPOTHESIS
@given(chunked_counts(), PARAMS)
def test_partial_fit_is_fit_for_any_chunking(data, params):
    X, bounds = data
    streamed = TfidfTransformer(**params)
    for chunk in _chunks(X, bounds):
        assert streamed.partial_fit(chunk) is streamed
    whole = TfidfTransformer(**params).fit(X)
    reference = sk.TfidfTransformer(**params).fit(X)
    assert streamed.n_features_in_ == X.shape[1]
    if params["use_idf"]:
        assert streamed.idf_.dtype == whole.idf_.dtype == reference.idf_.dtype
        assert streamed.idf_.tobytes() == whole.idf_.tobytes()  # bit-identical
        assert streamed.idf_.tobytes() == reference.idf_.tobytes()
    else:
        assert not hasattr(streamed, "idf_") and not hasattr(reference, "idf_")
    a, b = streamed.transform(X), whole.transform(X)
    assert a.dtype == b.dtype and (a != b).nnz == 0


@HYPOTHESIS
@given(chunked_counts())
def test_transform_between_calls_uses_the_chunks_so_far(data):
    X, bounds = data
    streamed = TfidfTransformer()
    for b in bounds[1:]:
        streamed.partial_fit(X[streamed._stats.n_samples if hasattr(streamed, "_stats")
                               else 0:b])
        if b == 0:
            continue
        so_far = TfidfTransformer().fit(X[:b])
        assert streamed.idf_.tobytes() == so_far.idf_.tobytes()
        assert (streamed.transform(X) != so_far.transform(X)).nnz == 0


def test_chunks_of_other_dtypes_give_the_dtype_of_the_stacked_matrix():
    X = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 1], [1, 1, 0]], dtype=np.float32))
    t = TfidfTransformer().partial_fit(X[:2])
    assert t.idf_.dtype == np.float32
    t.partial_fit(X[2:].astype(np.int64))
    stacked = sp.vstack([X[:2], X[2:].astype(np.int64)])
    assert t.idf_.dtype == TfidfTransformer().fit(stacked).idf_.dtype == np.float64
    assert t.idf_.tobytes() == TfidfTransformer().fit(stacked).idf_.tobytes()


def test_inputs_of_every_kind_and_stored_zeros_or_duplicates():
    dense = np.array([[1, 0, 2], [0, 3, 1], [2, 0, 0]])
    coo = sp.coo_matrix(([1, 1, 0, 3], ([0, 0, 1, 1], [2, 2, 0, 1])), shape=(2, 3))
    t = TfidfTransformer().partial_fit(dense.tolist()).partial_fit(coo)
    whole = TfidfTransformer().fit(sp.vstack([sp.csr_matrix(dense), coo]))
    assert t.idf_.tobytes() == whole.idf_.tobytes()


def test_empty_first_chunk_fixes_the_width_and_fits_nothing():
    t = TfidfTransformer().partial_fit(sp.csr_matrix((0, 4)))
    assert not t.__sklearn_is_fitted__()
    with pytest.raises(ValueError, match="X has 3 features, but TfidfTransformer is expecting 4"):
        t.partial_fit(np.ones((2, 3)))
    t.partial_fit(np.eye(4))
    assert t.idf_.tobytes() == TfidfTransformer().fit(np.eye(4)).idf_.tobytes()


def test_a_refused_chunk_changes_nothing():
    X = np.array([[1, 0, 2], [0, 3, 1]])
    t = TfidfTransformer().partial_fit(X)
    before = (t.idf_.copy(), t._stats.df.copy(), t._stats.n_samples)
    with pytest.raises(ValueError, match=r"X has 2 features, .* expecting 3 features"):
        t.partial_fit(np.ones((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        t.partial_fit(np.array([[1.0, np.nan, 0.0]]))
    assert t.idf_.tobytes() == before[0].tobytes()
    assert t._stats.df.tolist() == before[1].tolist() and t._stats.n_samples == before[2]


def test_fit_starts_over_and_partial_fit_then_adds_to_it():
    A = np.array([[1, 0, 2], [0, 3, 1]])
    B = np.array([[0, 0, 1], [4, 0, 0], [1, 1, 1]])
    t = TfidfTransformer().partial_fit(A).partial_fit(B)
    t.fit(B)
    assert t.idf_.tobytes() == TfidfTransformer().fit(B).idf_.tobytes()
    t.partial_fit(A)
    assert t.idf_.tobytes() == TfidfTransformer().fit(np.vstack([B, A])).idf_.tobytes()
    with pytest.raises(ValueError, match="X has 2 features"):  # fit fixed the width too
        t.partial_fit(np.ones((1, 2)))


def test_partial_fit_survives_pickling():
    X = np.array([[1, 0, 2], [0, 3, 1], [2, 0, 0]])
    t = pickle.loads(pickle.dumps(TfidfTransformer().partial_fit(X[:2])))
    t.partial_fit(X[2:])
    assert t.idf_.tobytes() == TfidfTransformer().fit(X).idf_.tobytes()


def test_hashing_vectorizer_pairs_with_partial_fit():
    docs = ["deposit savings deposit", "savings account", "rain and snow", "", "rain rain"]
    hv = HashingVectorizer(n_features=64, alternate_sign=False, norm=None)
    t = TfidfTransformer()
    for start in range(0, len(docs), 2):
        t.partial_fit(hv.transform(docs[start:start + 2]))
    whole = TfidfTransformer().fit(hv.transform(docs))
    assert t.idf_.tobytes() == whole.idf_.tobytes()


# -- the vectorizers -------------------------------------------------------------
DOCS = ["the deposit and the savings", "savings account", "rain and snow", "",
        "snow snow deposit", "account of the rain"]
TERMS = ["account", "deposit", "rain", "savings", "snow", "the"]


@pytest.mark.parametrize("vocabulary", [TERMS, {t: i for i, t in enumerate(TERMS)},
                                        Vocabulary(TERMS)], ids=["list", "dict", "Vocabulary"])
@pytest.mark.parametrize("params", [{}, {"sublinear_tf": True, "smooth_idf": False},
                                    {"binary": True, "norm": "l1"}, {"use_idf": False}])
def test_tfidf_vectorizer_partial_fit_is_fit(vocabulary, params):
    streamed = TfidfVectorizer(vocabulary=vocabulary, **params)
    for start in range(0, len(DOCS), 4):
        assert streamed.partial_fit(DOCS[start:start + 4]) is streamed
    whole = TfidfVectorizer(vocabulary=vocabulary, **params).fit(DOCS)
    reference = sk.TfidfVectorizer(vocabulary=list(vocabulary), **params).fit(DOCS)
    if params.get("use_idf", True):
        assert streamed.idf_.tobytes() == whole.idf_.tobytes() == reference.idf_.tobytes()
    assert (streamed.transform(DOCS) != whole.transform(DOCS)).nnz == 0
    assert streamed.get_feature_names_out().tolist() == TERMS


def test_tfidf_vectorizer_partial_fit_then_fit_starts_over():
    tv = TfidfVectorizer(vocabulary=TERMS).partial_fit(DOCS[:3]).partial_fit([])
    tv.fit(DOCS[3:])
    assert tv.idf_.tobytes() == TfidfVectorizer(vocabulary=TERMS).fit(DOCS[3:]).idf_.tobytes()
    tv.partial_fit(DOCS[:3])
    assert tv.idf_.tobytes() == TfidfVectorizer(vocabulary=TERMS).fit(
        DOCS[3:] + DOCS[:3]).idf_.tobytes()


def test_count_vectorizer_partial_fit_fixes_the_vocabulary():
    cv = CountVectorizer(vocabulary=Vocabulary(TERMS)).partial_fit(DOCS)
    assert cv.fixed_vocabulary_ and cv.vocabulary_ == {t: i for i, t in enumerate(TERMS)}
    assert (cv.transform(DOCS) != CountVectorizer(vocabulary=TERMS).fit_transform(DOCS)).nnz == 0


@pytest.mark.parametrize("cls", [CountVectorizer, TfidfVectorizer])
@pytest.mark.parametrize("params, why", [
    ({}, "no vocabulary"),
    ({"min_df": 2}, "min_df=2 needs the whole corpus"),
    ({"max_df": 0.5, "max_features": 3}, "max_df=0.5, max_features=3 need the whole corpus"),
])
def test_partial_fit_without_a_fixed_vocabulary_says_why(cls, params, why):
    vec = cls(**params)
    with pytest.raises(ValueError, match=why) as info:
        vec.partial_fit(DOCS)
    assert "vocabulary=" in str(info.value) and "width" in str(info.value)
    assert not hasattr(vec, "vocabulary_") and not hasattr(vec, "_tfidf")


def test_vectorizer_partial_fit_refuses_a_str():
    tv = TfidfVectorizer(vocabulary=TERMS)
    with pytest.raises(ValueError, match="string object received"):
        tv.partial_fit("the deposit")
    assert not hasattr(tv, "_tfidf")


def test_idf_is_computed_once_after_the_chunks_and_behaves_as_an_attribute():
    X = np.array([[1, 0, 2], [0, 3, 1], [2, 0, 0]])
    t = TfidfTransformer().partial_fit(X[:1]).partial_fit(X[1:])
    assert "_idf" not in vars(t)  # not computed yet
    u = pickle.loads(pickle.dumps(t))  # pickled before its first use
    assert u.idf_.tobytes() == t.idf_.tobytes() == TfidfTransformer().fit(X).idf_.tobytes()
    t.set_params(smooth_idf=False)  # the idf of the partial_fit calls, not of later params
    assert t.idf_.tobytes() == TfidfTransformer().fit(X).idf_.tobytes()
    t.partial_fit(X[:1])
    t.idf_ = np.ones(3)  # an assigned idf_ replaces the pending one
    assert t.idf_.tolist() == [1.0, 1.0, 1.0]
    del t.idf_
    assert not hasattr(t, "idf_")
    with pytest.raises(AttributeError, match="idf_"):
        del t.idf_
