"""scikit-learn drop-in: the text estimators raise scikit-learn's exception types.

Wherever scikit-learn raises on a call (bad documents, bad parameters, unfitted
estimators, ``idf_`` that does not fit), sparsedense raises the same type or a
subclass; the few deliberate differences are listed, hold, and are in the
migration guide. The other drop-in behaviours are tested with their module:
TfidfTransformer's in test_text_tfidf.py, the extension points in
test_text_analyzer.py, the exception classes in test_base_errors.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.feature_extraction.text as sk

import sparsedense.text as sd


# ---------------------------------------------------------------------------
# exception types: scikit-learn's type (or a subclass) wherever it raises
# ---------------------------------------------------------------------------

SMALL = ["a bank deposit", "rain and snow", "deposit rates"]
COUNTS = sp.csr_matrix(np.array([[1, 2, 0], [0, 1, 3]]))
VECTORIZERS = ["CountVectorizer", "TfidfVectorizer", "HashingVectorizer"]


def _vec_call(cls, method, data, **params):
    return lambda m: getattr(getattr(m, cls)(**params), method)(data)


def _idf_then_transform(idf, fit: bool):
    def call(m):
        t = m.TfidfTransformer().fit(COUNTS) if fit else m.TfidfTransformer()
        t.idf_ = idf
        return t.transform(COUNTS)
    return call


def _error_cases() -> dict:
    cases = {}
    for cls in VECTORIZERS:
        meth = "transform" if cls == "HashingVectorizer" else "fit_transform"
        for label, params in [("default", {}), ("char", {"analyzer": "char"}),
                              ("tokenizer", {"tokenizer": str.split}),
                              ("pattern", {"token_pattern": r"[a-z]+"}),
                              ("stop", {"stop_words": "english"}),
                              ("bigrams", {"ngram_range": (1, 2)}),
                              ("no-lower", {"lowercase": False})]:
            for bad in (None, 42, ["a"], np.nan):
                cases[f"{cls}-{label}-doc={bad!r}"] = _vec_call(cls, meth, ["x y", bad], **params)
        cases[f"{cls}-str-input"] = _vec_call(cls, meth, "a b c")
        cases[f"{cls}-file-input-str"] = _vec_call(cls, meth, ["a b"], input="file")
        cases[f"{cls}-missing-file"] = _vec_call(cls, meth, ["/nonexistent/x"], input="filename")
        cases[f"{cls}-ngram-3-2"] = _vec_call(cls, meth, SMALL, ngram_range=(3, 2))
        cases[f"{cls}-two-groups"] = _vec_call(cls, meth, SMALL, token_pattern="(a)(b)")
        cases[f"{cls}-bad-regex"] = _vec_call(cls, meth, SMALL, token_pattern="(a")
        cases[f"{cls}-only-stop-words"] = _vec_call(cls, meth, ["aa aa"], stop_words=["aa"])
        cases[f"{cls}-undecodable"] = _vec_call(cls, meth, [b"\xff\xfe bad"])
        cases[f"{cls}-bad-min_n"] = _vec_call(cls, meth, SMALL, ngram_range=(0, 1))
        cases[f"{cls}-unfitted-feature-names"] = lambda m, c=cls: getattr(m, c)().get_feature_names_out()
    for cls in VECTORIZERS[:2]:
        cases[f"{cls}-unfitted-transform"] = _vec_call(cls, "transform", SMALL)
        cases[f"{cls}-max_df<min_df"] = _vec_call(cls, "fit", SMALL, max_df=1, min_df=2)
        cases[f"{cls}-prune-all"] = _vec_call(cls, "fit", SMALL, min_df=10)
        cases[f"{cls}-vocabulary-duplicate"] = _vec_call(cls, "fit", SMALL, vocabulary=["a", "a"])
        cases[f"{cls}-vocabulary-gap"] = _vec_call(cls, "fit", SMALL, vocabulary={"a": 0, "b": 2})
        cases[f"{cls}-vocabulary-int"] = _vec_call(cls, "fit", SMALL, vocabulary=5)
        cases[f"{cls}-min_df=-1"] = _vec_call(cls, "fit", SMALL, min_df=-1)
        cases[f"{cls}-inverse-str"] = (
            lambda m, c=cls: getattr(m, c)().fit(SMALL).inverse_transform([["a"]]))
    cases["TfidfVectorizer-idf-unfitted"] = lambda m: m.TfidfVectorizer().idf_
    cases["TfidfVectorizer-idf-length"] = (
        lambda m: setattr(m.TfidfVectorizer(vocabulary=["aa", "bb"]), "idf_", [1.0]))
    cases["TfidfVectorizer-idf-use_idf=False"] = (
        lambda m: setattr(m.TfidfVectorizer(use_idf=False), "idf_", [1.0]))
    cases["HashingVectorizer-n_features=0"] = _vec_call("HashingVectorizer", "fit", SMALL,
                                                         n_features=0)
    tt = "TfidfTransformer"
    for label, X in [("str", [["a", "b"]]), ("1d", np.ones(3)), ("3d", np.ones((2, 2, 2))),
                     ("empty", np.ones((0, 3))), ("no-columns", np.ones((3, 0))),
                     ("complex", np.ones((2, 2), complex)), ("nan", np.array([[np.nan, 1.0]])),
                     ("inf", np.array([[np.inf, 1.0]])),
                     ("sparse-nan", sp.csr_matrix(np.array([[np.nan, 1.0]])))]:
        cases[f"{tt}-fit-{label}"] = _vec_call(tt, "fit", X)
        cases[f"{tt}-transform-{label}"] = lambda m, X=X: m.TfidfTransformer().fit(
            np.ones((2, 2))).transform(X)
    cases[f"{tt}-unfitted"] = _vec_call(tt, "transform", COUNTS)
    cases[f"{tt}-norm=l3"] = _vec_call(tt, "fit", COUNTS, norm="l3")
    cases[f"{tt}-wrong-width"] = lambda m: m.TfidfTransformer().fit(COUNTS).transform(
        np.ones((2, 5)))
    cases[f"{tt}-short-idf"] = _idf_then_transform(np.ones(2), fit=False)
    cases[f"{tt}-short-idf-fitted"] = _idf_then_transform(np.ones(2), fit=True)
    cases[f"{tt}-idf-list"] = _idf_then_transform([1.0, 2.0, 3.0], fit=False)
    cases["HashingVectorizer-empty"] = _vec_call("HashingVectorizer", "transform", [])
    cases[f"{tt}-unfitted-feature-names"] = lambda m: m.TfidfTransformer().get_feature_names_out()
    cases[f"{tt}-feature-names-length"] = (
        lambda m: m.TfidfTransformer().fit(COUNTS).get_feature_names_out(["a"]))
    return cases


ERROR_CASES = _error_cases()

#: where one library raises and the other does not, or not the same type, on purpose
#: (docs/howto/migrating.rst, "From scikit-learn"): case -> what ours raises (None: nothing).
#: Every other case raises in both, ours an instance of scikit-learn's type, or in neither.
DELIBERATE = {
    # scikit-learn lets StopIteration escape from its FeatureHasher; we say what is wrong
    "HashingVectorizer-empty": ValueError,
    # scikit-learn fails with a TypeError indexing by a list; we take any 1-D array-like
    "TfidfTransformer-idf-list": None,
    # scikit-learn makes empty-string "0-grams"; we refuse min_n < 1
    **{f"{cls}-bad-min_n": ValueError for cls in VECTORIZERS},
    # the zero-vector rule: a matrix without columns gives rows of zeros
    "TfidfTransformer-fit-no-columns": None,
}


def _outcome(mod, call):
    try:
        call(mod)
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return exc
    return None


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_exception_type_is_sklearns_or_a_subclass(name):
    call = ERROR_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, ours = _outcome(sk, call), _outcome(sd, call)
    if name in DELIBERATE:
        expected = DELIBERATE[name]
        assert (ours is None) if expected is None else isinstance(ours, expected), ours
        # still a difference (else it leaves this list)
        assert theirs is None or expected is None or not isinstance(theirs, expected), theirs
        return
    if theirs is None:
        assert ours is None, f"{name}: ours raised {ours!r}, scikit-learn did not"
        return
    assert ours is not None, f"{name}: scikit-learn raised {theirs!r}, ours did not"
    assert isinstance(ours, type(theirs)), (
        f"{name}: scikit-learn raised {type(theirs).__name__}, ours "
        f"{type(ours).__mro__} ({ours})")


# ---------------------------------------------------------------------------
# the deliberate differences are documented, and hold
# ---------------------------------------------------------------------------

#: phrases of docs/howto/migrating.rst ("From scikit-learn") naming each deliberate
#: difference this file, tests/test_sklearn_suite.py, tests/test_text_tfidf.py and
#: tests/test_text_hashing.py rely on
DOCUMENTED = [
    "CountVectorizer._sort_features",  # test_sklearn_suite.SKIPPED
    'raises ValueError ("Cannot vectorize\n  empty sequence.")',  # HashingVectorizer-empty
    "An ``idf_`` longer than ``X`` has columns is refused",  # test_text_tfidf.py
    "a list too (scikit-learn fails on a list with a TypeError)",  # TfidfTransformer-idf-list
    "``ngram_range`` with ``min_n`` below 1 is refused",  # *-bad-min_n
    "``HashingVectorizer.transform`` checks the parameters",  # test_text_hashing.py
    "A count matrix without columns",  # test_text_tfidf.py
    "forgets the\n  ``idf_`` of an earlier fit",  # test_text_tfidf.py
]


def test_deliberate_differences_are_in_the_migration_guide():
    from pathlib import Path

    guide = (Path(__file__).parents[1] / "docs" / "howto" / "migrating.rst").read_text("utf8")
    section = guide[guide.index("From scikit-learn\n"):guide.index("From gensim\n")]
    for phrase in DOCUMENTED:
        assert phrase in section, phrase
    import test_sklearn_suite

    assert list(test_sklearn_suite.SKIPPED) == [
        "test_countvectorizer_sort_features_64bit_sparse_indices"]


def test_index_dtype_int32_unless_needed():
    """The rule test_sklearn_suite's skipped _sort_features test checks, on ours."""
    from sparsedense._base.sparse import index_dtype

    X = sd.CountVectorizer().fit_transform(SMALL)
    assert X.indices.dtype == X.indptr.dtype == np.int32
    assert index_dtype(10, 2**31 - 1) is np.int32
    assert index_dtype(2**31, 10) is np.int64 and index_dtype(10, 2**31) is np.int64
