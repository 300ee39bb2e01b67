"""Property-based parity of the text vectorizers with scikit-learn: random corpora, fixed combos.

Corpora are lists of 1-30 documents, each a space-joined list of words drawn
from a small alphabet mixing ASCII, upper case, Hangul, accented (precomposed
and combining) words, digits, punctuation, emoji and empty strings. For each
parameter combination, sparsedense and scikit-learn must give the same
vocabulary and matrix, or both raise the same ValueError.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.feature_extraction.text as sk
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from sparsedense import CountVectorizer, HashingVectorizer, TfidfVectorizer

WORDS = [
    "bank", "Bank", "BANK", "deposit", "deposits", "rain", "snow", "the", "The", "and",
    "of", "a", "I", "x",
    "예금", "적금", "은행", "예금을", "한국어", "금리가",
    "café", "cafe\u0301", "naïve", "über", "ÜBER", "Straße", "résumé", "e\u0301",
    "42", "3.14", "x2", "2024", "½",
    "hello,", "world!", "don't", "e-mail", "(paren)", "--", "...", "snake_case", "_",
    "😀", "🎉🎉", "👩\u200d💻", "✌🏽", "bank😀",
    "", "", "\t", " ",
]

STOP_LIST = ["the", "and", "of", "a", "예금"]

#: most documents use the whole alphabet; some only stop words and one-character
#: tokens, so that corpora with nothing left to count come up regularly
documents = st.one_of(
    st.lists(st.sampled_from(WORDS), max_size=12),
    st.lists(st.sampled_from(STOP_LIST + ["", "x", "😀", "!"]), max_size=4),
).map(" ".join)
corpora = st.lists(documents, min_size=1, max_size=30)

#: no example database (nothing written to the repository) and no shrinking: a
#: failing combo reports its first failing corpus at once instead of spending a
#: minute minimizing it (test_text_sklearn_parity.py has minimal reproductions)
HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)

#: documents to ``transform`` after fitting: unseen words, empty, known words
NEW_DOCS = ["", "unseen zzz words", "the bank 예금 café cafe\u0301 😀", "BANK deposit, rain!"]


def assert_same_matrix(A, B) -> None:
    assert type(A) is type(B), (type(A), type(B))
    assert A.shape == B.shape
    assert A.dtype == B.dtype
    a, b = sp.coo_matrix(A), sp.coo_matrix(B)
    oa, ob = np.lexsort((a.col, a.row)), np.lexsort((b.col, b.row))
    np.testing.assert_array_equal(a.row[oa], b.row[ob])
    np.testing.assert_array_equal(a.col[oa], b.col[ob])
    if A.dtype.kind in "biu":
        assert (A != B).nnz == 0
    else:
        tol = 1e-12 if A.dtype == np.float64 else 1e-6
        diff = abs(A.astype(np.float64) - B.astype(np.float64))
        assert (diff.max() if diff.nnz else 0.0) <= tol


def run(fn):
    try:
        return fn(), None
    except ValueError as exc:
        return None, exc


def check_parity(sd_cls, sk_cls, params, docs, new_docs):
    ours, theirs = sd_cls(**params), sk_cls(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        B, sk_err = run(lambda: theirs.fit_transform(docs))
        A, our_err = run(lambda: ours.fit_transform(docs))
    if sk_err is not None:
        assert our_err is not None, f"scikit-learn raised {sk_err!r}, sparsedense did not"
        assert str(our_err) == str(sk_err)
        return
    assert our_err is None, f"sparsedense raised {our_err!r}, scikit-learn did not"
    assert_same_matrix(A, B)
    if sd_cls is not HashingVectorizer:
        assert ours.vocabulary_ == theirs.vocabulary_
        assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
        if getattr(theirs, "use_idf", False):
            assert np.abs(ours.idf_ - theirs.idf_).max() <= 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_same_matrix(ours.transform(new_docs), theirs.transform(new_docs))


COUNT_COMBOS = [
    pytest.param({}, id="defaults"),
    pytest.param({"stop_words": STOP_LIST}, id="stop_list"),
    pytest.param({"ngram_range": (2, 3), "stop_words": STOP_LIST}, id="ngram(2,3)+stop"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (1, 3)}, id="char_wb"),
    pytest.param({"min_df": 0.2, "max_df": 0.9}, id="min_df+max_df"),
    pytest.param({"max_features": 5}, id="max_features=5"),
    pytest.param({"binary": True, "max_features": 4}, id="binary+max_features"),
    pytest.param({"strip_accents": "unicode", "lowercase": False}, id="accents+case"),
    pytest.param({"token_pattern": r"\b\w+\b", "ngram_range": (1, 3), "max_features": 6},
                 id="w+ngrams+max_features"),
]

TFIDF_COMBOS = [
    pytest.param({}, id="defaults"),
    pytest.param({"stop_words": STOP_LIST, "min_df": 0.0}, id="stop_list+min_df=0.0"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (2, 4), "max_features": 10},
                 id="char_wb+max_features"),
    pytest.param({"max_features": 4, "binary": True}, id="binary+max_features"),
    pytest.param({"sublinear_tf": True, "norm": "l1", "smooth_idf": False}, id="sublinear+l1"),
    pytest.param({"use_idf": False, "binary": True, "norm": None}, id="binary-tf"),
]

HASHING_COMBOS = [
    pytest.param({"n_features": 8}, id="n_features=8"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (1, 3), "n_features": 64,
                  "binary": True}, id="char_wb+binary"),
    pytest.param({"ngram_range": (1, 2), "stop_words": STOP_LIST, "n_features": 32,
                  "norm": "l1"}, id="ngrams+stop"),
]


@pytest.mark.parametrize("params", COUNT_COMBOS)
@HYPOTHESIS
@given(docs=corpora)
@example(docs=["the and", "of a the", "", "x 😀"])  # nothing but stop words / short tokens
@example(docs=["aa aa aa bb", "bb cc", "cc dd"])  # binary changes the max_features ranking
def test_count_vectorizer_hypothesis(params, docs):
    check_parity(CountVectorizer, sk.CountVectorizer, params, docs, NEW_DOCS + docs[:3])


@pytest.mark.parametrize("params", TFIDF_COMBOS)
@HYPOTHESIS
@given(docs=corpora)
@example(docs=["the and", "of a the", "", "x 😀"])  # nothing but stop words / short tokens
@example(docs=["aa aa aa bb", "bb cc", "cc dd"])  # binary changes the max_features ranking
def test_tfidf_vectorizer_hypothesis(params, docs):
    check_parity(TfidfVectorizer, sk.TfidfVectorizer, params, docs, NEW_DOCS + docs[:3])


@pytest.mark.parametrize("params", HASHING_COMBOS)
@HYPOTHESIS
@given(docs=corpora)
def test_hashing_vectorizer_hypothesis(params, docs):
    check_parity(HashingVectorizer, sk.HashingVectorizer, params, docs, NEW_DOCS + docs[:3])


@HYPOTHESIS
@given(
    docs=corpora,
    params=st.fixed_dictionaries({
        "ngram_range": st.sampled_from([(1, 1), (1, 2), (2, 3)]),
        "stop_words": st.sampled_from([None, STOP_LIST]),
        "analyzer": st.sampled_from(["word", "char_wb"]),
        "min_df": st.sampled_from([1, 2, 0.0, 0.3]),
        "max_df": st.sampled_from([1.0, 0.8, 3]),
        "max_features": st.sampled_from([None, 1, 4, 20]),
        "binary": st.booleans(),
        "sublinear_tf": st.booleans(),
        "lowercase": st.booleans(),
    }),
)
def test_tfidf_vectorizer_random_params(docs, params):
    if params["analyzer"] != "word":
        params["stop_words"] = None  # unused with char_wb (and warned about)
    check_parity(TfidfVectorizer, sk.TfidfVectorizer, params, docs, NEW_DOCS + docs[::-1])
