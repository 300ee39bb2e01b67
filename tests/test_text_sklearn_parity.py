"""Parity of sparsedense's text vectorizers with scikit-learn's.

Every test runs the same operation through ``sklearn.feature_extraction.text``
and through ``sparsedense`` and compares the results: vocabulary, feature
names, matrix values, dtype, shape and container type (and, for errors, the
exception type and message).

sparsedense returns CSR matrices with sorted indices and scikit-learn may not,
so matrices are compared by value (and by their set of stored positions),
never by their raw ``indices`` arrays.

The comparison helpers here serve the module files too: what concerns one
class alone is in test_text_count.py, test_text_tfidf.py (with TfidfTransformer
on count matrices), test_text_hashing.py, test_text_onehot.py,
test_text_analyzer.py and test_text_extract.py.
"""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
import sklearn.feature_extraction.text as sk
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError as SkInvalidParameterError

import sparsedense as sd
from sparsedense import (
    CountVectorizer,
    HashingVectorizer,
    InvalidParameterError,
    TfidfTransformer,
    TfidfVectorizer,
)

# ---------------------------------------------------------------------------
# corpora
# ---------------------------------------------------------------------------

#: a small handwritten corpus: punctuation, accents (precomposed and combining),
#: Hangul, emoji, mixed case, digits, underscores, odd white space, an empty doc
SMALL = [
    "The quick brown fox jumps over the lazy dog.",
    "Never jump over the lazy dog quickly! The dog sleeps.",
    "Café naïve résumé — jalapeño piñata, über ÜBER Straße.",
    "예금 적금 예금 금리가 올랐다. 은행 예금",
    "Emoji 😀 party 🎉🎉 time 👩\u200d💻 coder",
    "",
    "Mixed 한국어 and English, with numbers 42 and 3.14 and 42",
    "UPPER lower MiXeD case CASE case",
    "combining: cafe\u0301 e\u0301te\u0301 n\u0303 cafe\u0301",
    "under_score snake_case tab\tseparated  double  spaces\nnew\u00a0line",
]

#: documents for ``transform`` after fitting: known and unseen words
NEW_DOCS = [
    "the lazy fox and a brand new 예금",
    "completely unseen vocabulary xyzzy plugh",
    "",
    "café CAFE cafe\u0301 😀 bank deposit rain",
    "The bank raised the deposit rate; 은행 예금 금리",
]

#: many scripts at once; the Numba word tokenizer must agree with ``re``
MIXED = [
    "İstanbul ǅemal ß STRASSE straße ﬁne ﬀ",  # lower() that changes lengths
    "東京 タワー 北京 ㄱㄴㄷ 한글 자모 ᄀᄁ",
    "ภาษาไทย हिन्दी العربية ٣٤ ½ x² ⁵",  # combining vowels / viramas split words
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ ① ⑵",
    "👩\u200d💻👨\u200d👩\u200d👧 🇰🇷🇫🇷 ✌🏽 ❤️ 😀😀",
    "e\u0301e\u0301 a\u0300 o\u0308 n\u0303n\u0303 \u0301lead",
    "snake_case __dunder__ a_b_c _ __",
    "line\u2028sep\u2029para\u0085nel\x0cff\x0bvt\ttab   wide",
    "Ω ohm Å angstrom K kelvin µ micro",
    "한국어 English 日本語 mixed 123abc abc123 ٣abc",
]


def strip_e_accents(s: str) -> str:
    """A custom accent stripper (for ``strip_accents=callable``)."""
    return s.replace("é", "e").replace("\u0301", "")


def upper_preprocessor(s: str) -> str:
    """A custom preprocessor: replaces lowercasing (and accent stripping)."""
    return s.upper().replace(".", " ")


def whitespace_tokenizer(s: str) -> list:
    return s.split()


def lower_split_analyzer(s: str) -> list:
    return s.lower().split()


# ---------------------------------------------------------------------------
# comparison helpers
# ---------------------------------------------------------------------------


def _entries(A):
    """Stored ``(row, col, value)`` of a sparse matrix, in row-major order."""
    c = sp.coo_matrix(A)
    order = np.lexsort((c.col, c.row))
    return c.row[order], c.col[order], c.data[order]


def _tolerance(dtype) -> float:
    return 1e-12 if np.dtype(dtype) == np.float64 else 1e-6


def assert_sorted_csr(X) -> None:
    """sparsedense promises CSR with sorted (strictly increasing) column indices per row."""
    assert X.format == "csr"
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    same_row = rows[1:] == rows[:-1]
    bad = same_row & (np.diff(X.indices.astype(np.int64)) <= 0)
    assert not bad.any(), f"rows {np.unique(rows[1:][bad])} have unsorted/duplicate indices"


def assert_same_matrix(A, B, exact=None) -> None:
    """``A`` (sparsedense) and ``B`` (scikit-learn) are the same matrix."""
    assert type(A) is type(B), (type(A), type(B))
    assert A.shape == B.shape, (A.shape, B.shape)
    assert A.dtype == B.dtype, (A.dtype, B.dtype)
    if exact is None:
        exact = A.dtype.kind in "biu"
    if not sp.issparse(A):
        if exact:
            np.testing.assert_array_equal(A, B)
        else:
            np.testing.assert_allclose(A, B, rtol=0, atol=_tolerance(A.dtype))
        return
    assert_sorted_csr(A)
    ra, ca, da = _entries(A)
    rb, cb, db = _entries(B)
    assert A.nnz == B.nnz, (A.nnz, B.nnz)
    np.testing.assert_array_equal(ra, rb)
    np.testing.assert_array_equal(ca, cb)
    if exact:
        assert (A != B).nnz == 0
        np.testing.assert_array_equal(da, db)
    else:
        diff = abs(A.astype(np.float64) - B.astype(np.float64))
        assert (diff.max() if diff.nnz else 0.0) <= _tolerance(A.dtype)


def assert_same_vocabulary(ours, theirs) -> None:
    assert ours.vocabulary_ == theirs.vocabulary_
    assert ours.fixed_vocabulary_ == theirs.fixed_vocabulary_
    a, b = ours.get_feature_names_out(), theirs.get_feature_names_out()
    assert a.dtype == b.dtype
    assert a.tolist() == b.tolist()


def fresh(docs):
    """A new copy of ``docs``; a callable makes fresh file objects / generators."""
    return docs() if callable(docs) else list(docs)


def outcome(fn):
    """``("ok", value)`` or ``("error", exception)``."""
    try:
        return "ok", fn()
    except Exception as exc:  # noqa: BLE001 - compared by the caller
        return "error", exc


def assert_same_error(ours, theirs) -> None:
    """sparsedense raised like scikit-learn: a ValueError where it raised one, same message."""
    if isinstance(theirs, ValueError):
        assert isinstance(ours, ValueError), repr(ours)
    assert isinstance(ours, type(theirs)) or type(theirs).__name__ == type(ours).__name__, (
        repr(ours), repr(theirs))
    assert str(ours) == str(theirs)


def check_vectorizer_parity(sd_cls, sk_cls, params, fit_docs, new_docs=None):
    """fit_transform, fit + transform and transform(new docs) agree with scikit-learn."""
    ours, theirs = sd_cls(**params), sk_cls(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        kind_b, B = outcome(lambda: theirs.fit_transform(fresh(fit_docs)))
        kind_a, A = outcome(lambda: ours.fit_transform(fresh(fit_docs)))
    assert kind_a == kind_b, (A, B)
    if kind_b == "error":
        assert_same_error(A, B)
        return None
    assert_same_matrix(A, B)
    if sd_cls is not HashingVectorizer:
        assert_same_vocabulary(ours, theirs)
        if hasattr(theirs, "idf_") and getattr(theirs, "use_idf", False):
            assert ours.idf_.dtype == theirs.idf_.dtype
            assert ours.idf_.shape == theirs.idf_.shape
            assert np.abs(ours.idf_ - theirs.idf_).max() <= _tolerance(ours.idf_.dtype)
    # fit then transform gives the same as fit_transform
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        A2 = sd_cls(**params).fit(fresh(fit_docs)).transform(fresh(fit_docs))
    assert_same_matrix(A2, B)
    if new_docs is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            B_new = theirs.transform(fresh(new_docs))
            A_new = ours.transform(fresh(new_docs))
        assert_same_matrix(A_new, B_new)
    return ours, theirs


# ---------------------------------------------------------------------------
# 1. parity for every parameter
# ---------------------------------------------------------------------------

FIXED_TERMS = ["bank", "deposit", "rain", "the", "fox", "lazy", "dog", "예금", "은행",
               "zzz", "café", "42"]

COMMON_PARAMS = [
    pytest.param({}, id="defaults"),
    pytest.param({"strip_accents": "ascii"}, id="strip_accents=ascii"),
    pytest.param({"strip_accents": "unicode"}, id="strip_accents=unicode"),
    pytest.param({"strip_accents": strip_e_accents}, id="strip_accents=callable"),
    pytest.param({"lowercase": False}, id="lowercase=False"),
    pytest.param({"lowercase": False, "strip_accents": "unicode"}, id="nolower+unicode"),
    pytest.param({"preprocessor": upper_preprocessor}, id="preprocessor"),
    pytest.param({"tokenizer": whitespace_tokenizer, "token_pattern": None}, id="tokenizer"),
    pytest.param({"tokenizer": str.split, "token_pattern": None, "ngram_range": (1, 2)},
                 id="tokenizer+ngrams"),
    pytest.param({"token_pattern": r"\b\w+\b"}, id="pattern=w+"),
    pytest.param({"token_pattern": r"(?u)\b\w+\b"}, id="pattern=(?u)w+"),
    pytest.param({"token_pattern": r"\b\w\w+\b"}, id="pattern=ww+"),
    pytest.param({"token_pattern": r"[a-z]+"}, id="pattern=[a-z]+"),
    pytest.param({"token_pattern": r"\b(\w)\w*\b"}, id="pattern=one-group"),
    pytest.param({"token_pattern": r"\S+"}, id="pattern=S+"),
    pytest.param({"stop_words": "english"}, id="stop_words=english"),
    pytest.param({"stop_words": ["the", "and", "a", "예금", "fox", "case"]}, id="stop_words=list"),
    pytest.param({"ngram_range": (1, 1)}, id="ngram=(1,1)"),
    pytest.param({"ngram_range": (1, 2)}, id="ngram=(1,2)"),
    pytest.param({"ngram_range": (2, 3)}, id="ngram=(2,3)"),
    pytest.param({"ngram_range": (1, 4)}, id="ngram=(1,4)"),
    pytest.param({"ngram_range": (2, 2), "stop_words": "english"}, id="ngram=(2,2)+stop"),
    pytest.param({"ngram_range": (1, 3), "token_pattern": r"\b\w+\b"}, id="ngram=(1,3)+w+"),
    pytest.param({"ngram_range": (1, 2), "token_pattern": r"[a-z]+"}, id="ngram=(1,2)+[a-z]+"),
    pytest.param({"analyzer": "char"}, id="char"),
    pytest.param({"analyzer": "char", "ngram_range": (2, 4)}, id="char(2,4)"),
    pytest.param({"analyzer": "char", "ngram_range": (1, 3), "lowercase": False},
                 id="char(1,3)+nolower"),
    pytest.param({"analyzer": "char_wb"}, id="char_wb"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (2, 5)}, id="char_wb(2,5)"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (1, 3), "strip_accents": "unicode"},
                 id="char_wb(1,3)+unicode"),
    pytest.param({"analyzer": str.split}, id="analyzer=str.split"),
    pytest.param({"analyzer": lower_split_analyzer}, id="analyzer=callable"),
    pytest.param({"min_df": 2}, id="min_df=2"),
    pytest.param({"min_df": 0.05}, id="min_df=0.05"),
    pytest.param({"min_df": 0.0}, id="min_df=0.0"),
    pytest.param({"min_df": 0.0, "stop_words": "english"}, id="min_df=0.0+stop"),
    pytest.param({"min_df": 0.0, "stop_words": ["the", "예금", "dog"], "max_features": 500},
                 id="min_df=0.0+stop+max_features"),
    pytest.param({"max_df": 3}, id="max_df=3"),
    pytest.param({"max_df": 1}, id="max_df=1"),
    pytest.param({"max_df": 0.5}, id="max_df=0.5"),
    pytest.param({"max_df": 0.2}, id="max_df=0.2"),
    pytest.param({"min_df": 2, "max_df": 0.8}, id="min_df=2+max_df=0.8"),
    pytest.param({"min_df": 0.1, "max_df": 10, "ngram_range": (1, 2)}, id="df+ngrams"),
    pytest.param({"max_features": 1}, id="max_features=1"),
    pytest.param({"max_features": 5}, id="max_features=5"),
    pytest.param({"max_features": 20}, id="max_features=20"),
    pytest.param({"max_features": 10, "ngram_range": (1, 2)}, id="max_features+ngrams"),
    pytest.param({"max_features": 15, "analyzer": "char_wb", "ngram_range": (2, 3)},
                 id="max_features+char_wb"),
    pytest.param({"max_features": 7, "min_df": 2}, id="max_features+min_df"),
    pytest.param({"binary": True}, id="binary"),
    pytest.param({"binary": True, "ngram_range": (1, 2), "analyzer": "char"}, id="binary+char"),
    pytest.param({"binary": True, "max_features": 5}, id="binary+max_features"),
    pytest.param({"vocabulary": list(FIXED_TERMS)}, id="vocabulary=list"),
    pytest.param({"vocabulary": {t: i for i, t in enumerate(reversed(FIXED_TERMS))}},
                 id="vocabulary=dict"),
    pytest.param({"vocabulary": set(FIXED_TERMS)}, id="vocabulary=set"),
    pytest.param({"vocabulary": list(FIXED_TERMS), "binary": True}, id="vocabulary+binary"),
    pytest.param({"vocabulary": ["the lazy", "lazy dog", "the", "예금 적금", "bank"],
                  "ngram_range": (1, 2)}, id="vocabulary+ngrams"),
    pytest.param({"vocabulary": ["the", "bank"], "max_features": 1, "min_df": 3},
                 id="vocabulary+ignored-pruning"),
]

COUNT_ONLY_PARAMS = [
    pytest.param({"dtype": np.int32}, id="dtype=int32"),
    pytest.param({"dtype": np.float32}, id="dtype=float32"),
    pytest.param({"dtype": np.float64}, id="dtype=float64"),
    pytest.param({"dtype": np.float32, "max_features": 9}, id="dtype=float32+max_features"),
    pytest.param({"dtype": np.int32, "binary": True}, id="dtype=int32+binary"),
]

TFIDF_ONLY_PARAMS = [
    pytest.param({"dtype": np.float32}, id="dtype=float32"),
    pytest.param({"dtype": np.float64}, id="dtype=float64"),
    pytest.param({"norm": "l1"}, id="norm=l1"),
    pytest.param({"norm": "l2"}, id="norm=l2"),
    pytest.param({"norm": None}, id="norm=None"),
    pytest.param({"use_idf": False}, id="use_idf=False"),
    pytest.param({"use_idf": False, "norm": None}, id="tf-only"),
    pytest.param({"smooth_idf": False}, id="smooth_idf=False"),
    pytest.param({"sublinear_tf": True}, id="sublinear_tf"),
    pytest.param({"sublinear_tf": True, "norm": "l1", "smooth_idf": False}, id="sublinear+l1+nosmooth"),
    pytest.param({"sublinear_tf": True, "binary": True}, id="sublinear+binary"),
    pytest.param({"dtype": np.float32, "sublinear_tf": True, "norm": None}, id="float32+sublinear"),
    pytest.param({"dtype": np.float32, "ngram_range": (1, 2), "min_df": 2}, id="float32+ngrams"),
    pytest.param({"norm": None, "smooth_idf": False, "analyzer": "char_wb"}, id="char_wb+raw-idf"),
]

HASHING_PARAMS = [
    pytest.param({}, id="defaults"),
    pytest.param({"n_features": 8}, id="n_features=8"),
    pytest.param({"n_features": 8, "norm": None}, id="n_features=8+raw"),
    pytest.param({"n_features": 1}, id="n_features=1"),
    pytest.param({"n_features": 2**10}, id="n_features=2**10"),
    pytest.param({"n_features": 2**10, "alternate_sign": False}, id="no-alternate-sign"),
    pytest.param({"n_features": 16, "alternate_sign": False, "norm": None}, id="counts"),
    pytest.param({"norm": "l1"}, id="norm=l1"),
    pytest.param({"norm": None}, id="norm=None"),
    pytest.param({"binary": True, "norm": None, "n_features": 8}, id="binary"),
    pytest.param({"binary": True, "alternate_sign": False}, id="binary+nosign"),
    pytest.param({"analyzer": "char", "n_features": 2**10}, id="char"),
    pytest.param({"analyzer": "char", "ngram_range": (2, 4), "n_features": 64}, id="char(2,4)"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (1, 3)}, id="char_wb"),
    pytest.param({"analyzer": str.split, "n_features": 32}, id="analyzer=callable"),
    pytest.param({"ngram_range": (1, 2), "stop_words": "english"}, id="ngrams+stop"),
    pytest.param({"ngram_range": (2, 3), "n_features": 2**10}, id="ngram=(2,3)"),
    pytest.param({"ngram_range": (1, 3), "n_features": 16, "norm": None},
                 id="ngram=(1,3)+collisions"),
    pytest.param({"token_pattern": r"\b\w+\b", "ngram_range": (1, 2)}, id="w+ngrams"),
    pytest.param({"stop_words": ["the", "예금"], "token_pattern": r"\b\w+\b"}, id="stop+w+"),
    pytest.param({"strip_accents": "unicode", "lowercase": False}, id="accents"),
    pytest.param({"strip_accents": "ascii"}, id="ascii"),
    pytest.param({"preprocessor": upper_preprocessor}, id="preprocessor"),
    pytest.param({"tokenizer": whitespace_tokenizer, "token_pattern": None}, id="tokenizer"),
    pytest.param({"token_pattern": r"\b(\w)\w*\b", "n_features": 64}, id="pattern=one-group"),
    pytest.param({"dtype": np.float32}, id="dtype=float32"),
    pytest.param({"dtype": np.float32, "norm": "l1", "n_features": 8}, id="float32+l1"),
    pytest.param({"dtype": np.int64, "norm": None, "n_features": 8}, id="int64+raw"),
    pytest.param({"dtype": np.int64, "n_features": 8}, id="int64+l2"),
]

CORPORA = ["sample", "handwritten"]


#: TfidfVectorizer shares CountVectorizer's analysis; on the (larger) sample
#: corpus it is run with the parameters that change what gets weighted
TFIDF_ON_SAMPLE = {"defaults", "strip_accents=unicode", "lowercase=False", "tokenizer",
                   "pattern=one-group", "stop_words=english", "ngram=(1,2)", "ngram=(2,3)",
                   "char_wb", "analyzer=callable", "min_df=2", "max_df=0.5",
                   "min_df=0.0+stop", "max_features=5", "binary", "binary+max_features",
                   "vocabulary=list", "vocabulary=dict"}


def _corpus(name, sample_docs):
    """``(fit_docs, new_docs)`` of a named corpus."""
    if name == "sample":
        return sample_docs, NEW_DOCS + SMALL[:3]
    return SMALL + MIXED, NEW_DOCS + MIXED[::-2]


@pytest.fixture(params=CORPORA)
def corpus(request, sample_docs):
    """``(fit_docs, new_docs)`` for each corpus."""
    return _corpus(request.param, sample_docs)


@pytest.mark.parametrize("params", COMMON_PARAMS + COUNT_ONLY_PARAMS)
def test_count_vectorizer_parity(params, corpus):
    fit_docs, new_docs = corpus
    check_vectorizer_parity(CountVectorizer, sk.CountVectorizer, params, fit_docs, new_docs)


TFIDF_CASES = [
    pytest.param(name, p.values[0], id=f"{name}-{p.id}")
    for name in CORPORA
    for p in COMMON_PARAMS + TFIDF_ONLY_PARAMS
    if name != "sample" or p.id in TFIDF_ON_SAMPLE or p in TFIDF_ONLY_PARAMS
]


@pytest.mark.parametrize("corpus_name,params", TFIDF_CASES)
def test_tfidf_vectorizer_parity(corpus_name, params, sample_docs):
    fit_docs, new_docs = _corpus(corpus_name, sample_docs)
    check_vectorizer_parity(TfidfVectorizer, sk.TfidfVectorizer, params, fit_docs, new_docs)


@pytest.mark.parametrize("params", HASHING_PARAMS)
def test_hashing_vectorizer_parity(params, corpus):
    fit_docs, new_docs = corpus
    check_vectorizer_parity(HashingVectorizer, sk.HashingVectorizer, params, fit_docs, new_docs)


def test_default_parity_actually_fits(sample_docs):
    """The parity runner is not vacuous: the default fit produces a real vocabulary."""
    ours, theirs = check_vectorizer_parity(CountVectorizer, sk.CountVectorizer, {},
                                           sample_docs, NEW_DOCS)
    assert len(ours.vocabulary_) > 500
    assert "예금" in ours.vocabulary_ and "deposit" in ours.vocabulary_


# -- max_features with ties --------------------------------------------------

TIE_DOCS = [
    "alpha beta gamma delta",
    "epsilon zeta eta theta",
    "alpha epsilon iota kappa",
    "lambda mu nu xi omicron pi",
]


@pytest.mark.parametrize("max_features", [1, 2, 3, 4, 5, 7, 10])
@pytest.mark.parametrize("cls", ["CountVectorizer", "TfidfVectorizer"])
def test_max_features_ties_small(cls, max_features):
    # alpha and epsilon occur twice, the 12 other terms once: max_features
    # from 3 on cuts through a 12-way tie
    check_vectorizer_parity(getattr(sd, cls), getattr(sk, cls), {"max_features": max_features},
                            TIE_DOCS, NEW_DOCS)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("max_features", [5, 17, 33, 60, 120])
def test_max_features_ties_large(dtype, max_features):
    """Many terms with equal total counts (beyond numpy's insertion-sort cutoff)."""
    rng = np.random.default_rng(12345)
    words = [f"w{i:03d}" for i in range(150)]
    docs = [" ".join(rng.choice(words, 20)) for _ in range(30)]
    totals = CountVectorizer().fit_transform(docs).sum(axis=0)
    assert len(np.unique(np.asarray(totals))) < 20  # heavily tied
    ours = CountVectorizer(max_features=max_features, dtype=dtype).fit(docs)
    theirs = sk.CountVectorizer(max_features=max_features, dtype=dtype).fit(docs)
    assert set(ours.vocabulary_) == set(theirs.vocabulary_)
    check_vectorizer_parity(CountVectorizer, sk.CountVectorizer,
                            {"max_features": max_features, "dtype": dtype}, docs, NEW_DOCS)
    if dtype in (np.float32, np.float64):
        check_vectorizer_parity(TfidfVectorizer, sk.TfidfVectorizer,
                                {"max_features": max_features, "dtype": dtype}, docs, NEW_DOCS)


@pytest.mark.parametrize("cls", ["CountVectorizer", "TfidfVectorizer"])
def test_max_features_with_binary_ranks_like_sklearn(cls):
    """With binary=True sklearn binarizes the counts before ranking terms by total count."""
    docs = ["aa aa aa bb", "bb cc", "cc dd"]
    ours = getattr(sd, cls)(binary=True, max_features=1).fit(docs)
    theirs = getattr(sk, cls)(binary=True, max_features=1).fit(docs)
    assert ours.vocabulary_ == theirs.vocabulary_


# -- input, encoding, decode_error --------------------------------------------

VECTORIZERS = [
    pytest.param((CountVectorizer, sk.CountVectorizer), id="count"),
    pytest.param((TfidfVectorizer, sk.TfidfVectorizer), id="tfidf"),
    pytest.param((HashingVectorizer, sk.HashingVectorizer), id="hashing"),
]

INPUT_PARAMS = [
    pytest.param({}, id="word"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (1, 3)}, id="char_wb"),
    pytest.param({"ngram_range": (1, 2), "stop_words": "english"}, id="ngrams"),
]


@pytest.mark.parametrize("params", INPUT_PARAMS)
@pytest.mark.parametrize("classes", VECTORIZERS)
def test_input_filename(classes, params, tmp_path):
    def write(prefix, docs):
        paths = []
        for i, doc in enumerate(docs):
            p = tmp_path / f"{prefix}{i}.txt"
            p.write_bytes(doc.encode("utf-8"))
            paths.append(str(p))
        return paths

    fit_paths, new_paths = write("fit", SMALL + MIXED), write("new", NEW_DOCS)
    check_vectorizer_parity(*classes, {"input": "filename", **params}, fit_paths, new_paths)
    # and the same as giving the contents
    A = classes[0](input="filename", **params).fit(fit_paths).transform(new_paths)
    B = classes[0](**params).fit(SMALL + MIXED).transform(NEW_DOCS)
    assert_same_matrix(A, B)


@pytest.mark.parametrize("params", INPUT_PARAMS)
@pytest.mark.parametrize("classes", VECTORIZERS)
@pytest.mark.parametrize("kind", ["BytesIO", "StringIO"])
def test_input_file(classes, params, kind):
    def files(docs):
        if kind == "BytesIO":
            return lambda: [io.BytesIO(d.encode("utf-8")) for d in docs]
        return lambda: [io.StringIO(d) for d in docs]

    check_vectorizer_parity(*classes, {"input": "file", **params}, files(SMALL + MIXED),
                            files(NEW_DOCS))


@pytest.mark.parametrize("classes", VECTORIZERS)
def test_input_content_bytes(classes):
    docs = [d.encode("utf-8") for d in SMALL + MIXED]
    new = [d.encode("utf-8") for d in NEW_DOCS]
    check_vectorizer_parity(*classes, {}, docs, new)
    # bytes and str documents may be mixed
    check_vectorizer_parity(*classes, {}, docs[::2] + SMALL[1::2], new[:2] + NEW_DOCS[2:])


@pytest.mark.parametrize("classes", VECTORIZERS)
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_encoding(classes, encoding):
    docs = ["café naïve déjà vu", "Straße über alles", "plain ascii words", ""]
    raw = [d.encode(encoding) for d in docs]
    check_vectorizer_parity(*classes, {"encoding": encoding}, raw, raw[::-1])
    # decoding with the right encoding gives the same as the str documents
    A = classes[0](encoding=encoding).fit_transform(raw)
    B = classes[0]().fit_transform(docs)
    assert_same_matrix(A, B)


BAD_UTF8 = [
    b"caf\xe9 latte au lait",
    b"valid utf-8 caf\xc3\xa9 here",
    b"broken \xff\xfe bytes \x80 everywhere \xed\xa0\x80",
    b"truncated \xe4\xb8",
    "예금 적금".encode("utf-8") + b"\xa0\xa1 bank",
]


@pytest.mark.parametrize("classes", VECTORIZERS)
def test_decode_error_strict_raises(classes):
    ours_cls, sk_cls = classes
    with pytest.raises(UnicodeDecodeError) as sk_err:
        sk_cls().fit_transform(BAD_UTF8)
    with pytest.raises(UnicodeDecodeError) as our_err:
        ours_cls().fit_transform(BAD_UTF8)
    assert str(our_err.value) == str(sk_err.value)
    with pytest.raises(UnicodeDecodeError):
        ours_cls(decode_error="strict").fit(BAD_UTF8[1:2]).transform(BAD_UTF8)


@pytest.mark.parametrize("classes", VECTORIZERS)
@pytest.mark.parametrize("decode_error", ["ignore", "replace"])
@pytest.mark.parametrize("analyzer", ["word", "char"])
def test_decode_error_ignore_replace(classes, decode_error, analyzer):
    params = {"decode_error": decode_error, "analyzer": analyzer}
    check_vectorizer_parity(*classes, params, BAD_UTF8, BAD_UTF8[::-1] + [b"\xff"])


def test_decode_error_replace_keeps_replacement_char():
    cv = CountVectorizer(decode_error="replace", analyzer="char").fit(BAD_UTF8)
    assert "\ufffd" in cv.vocabulary_
    cv = CountVectorizer(decode_error="ignore", analyzer="char").fit(BAD_UTF8)
    assert "\ufffd" not in cv.vocabulary_


# ---------------------------------------------------------------------------
# 2. edge cases: empty documents, stop words only, pruning, bad input shapes
# ---------------------------------------------------------------------------

EMPTY_VOCAB = "empty vocabulary; perhaps the documents only contain stop words"


@pytest.mark.parametrize("classes", VECTORIZERS)
def test_empty_documents_inside_corpus(classes):
    docs = ["", "bank deposit", "", "   ", "\n\t", "rain", ""]
    check_vectorizer_parity(*classes, {}, docs, ["", "bank", "", "zzz"])
    A = classes[0]().fit_transform(docs)
    assert A.shape[0] == len(docs)
    assert A[0].nnz == 0 and A[2].nnz == 0 and A[3].nnz == 0


@pytest.mark.parametrize("cls", ["CountVectorizer", "TfidfVectorizer"])
@pytest.mark.parametrize(
    "docs,params",
    [
        pytest.param(["", "", ""], {}, id="all-empty"),
        pytest.param(["", " ", "\t\n"], {}, id="all-whitespace"),
        pytest.param(["a b c", "x y", "! ? ."], {}, id="single-char-tokens"),
        pytest.param(["the and of", "a the it is", "we are"], {"stop_words": "english"},
                     id="stop-words-only"),
        pytest.param(["the and", "The AND"], {"stop_words": ["the", "and"]}, id="stop-list-only"),
        pytest.param(["the and", "bank"], {"stop_words": "english", "ngram_range": (2, 2)},
                     id="no-bigrams-after-stop"),
        pytest.param(["😀 🎉", "— …"], {}, id="emoji-only"),
    ],
)
def test_empty_vocabulary_raises(cls, docs, params):
    with pytest.raises(ValueError, match=re.escape(EMPTY_VOCAB)):
        getattr(sk, cls)(**params).fit(docs)
    with pytest.raises(ValueError, match=re.escape(EMPTY_VOCAB)):
        getattr(sd, cls)(**params).fit(docs)
    with pytest.raises(ValueError, match=re.escape(EMPTY_VOCAB)):
        getattr(sd, cls)(**params).fit_transform(docs)


PRUNED = "After pruning, no terms remain. Try a lower min_df or a higher max_df."
DF_ORDER = "max_df corresponds to < documents than min_df"


@pytest.mark.parametrize("cls", ["CountVectorizer", "TfidfVectorizer"])
@pytest.mark.parametrize(
    "params,message",
    [
        pytest.param({"min_df": 9}, PRUNED, id="min_df-int"),
        pytest.param({"min_df": 0.95}, PRUNED, id="min_df-float"),
        pytest.param({"min_df": 0.0, "max_df": 0.05}, PRUNED, id="max_df-float"),
        pytest.param({"min_df": 1, "max_df": 1, "stop_words": ["dog", "the", "lazy", "over",
                                                              "case"]}, None, id="max_df=1-ok"),
        pytest.param({"max_df": 2, "min_df": 3}, DF_ORDER, id="max<min-int"),
        pytest.param({"max_df": 0.1, "min_df": 0.5}, DF_ORDER, id="max<min-float"),
        pytest.param({"max_df": 0.0}, DF_ORDER, id="max_df=0.0"),
        pytest.param({"max_df": 0.3, "min_df": 4}, DF_ORDER, id="max<min-mixed"),
    ],
)
def test_pruning_errors(cls, params, message):
    docs = SMALL
    if message is None:
        check_vectorizer_parity(getattr(sd, cls), getattr(sk, cls), params, docs, NEW_DOCS)
        return
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(sk, cls)(**params).fit(docs)
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(sd, cls)(**params).fit(docs)
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(sd, cls)(**params).fit_transform(docs)


STR_EXPECTED = "Iterable over raw text documents expected, string object received."


@pytest.mark.parametrize("classes", VECTORIZERS)
def test_str_instead_of_list(classes):
    ours_cls, sk_cls = classes
    with pytest.raises(ValueError, match=re.escape(STR_EXPECTED)):
        sk_cls().fit_transform("a single document string")
    with pytest.raises(ValueError, match=re.escape(STR_EXPECTED)):
        ours_cls().fit_transform("a single document string")
    with pytest.raises(ValueError, match=re.escape(STR_EXPECTED)):
        ours_cls().fit("a single document string")
    fitted = ours_cls().fit(SMALL)
    with pytest.raises(ValueError, match=re.escape(STR_EXPECTED)):
        fitted.transform("a single document string")


@pytest.mark.parametrize("classes", VECTORIZERS)
@pytest.mark.parametrize("params", INPUT_PARAMS)
def test_generator_input(classes, params):
    ours_cls, sk_cls = classes

    def gen(docs):
        return lambda: (d for d in docs)

    check_vectorizer_parity(ours_cls, sk_cls, params, gen(SMALL + MIXED), gen(NEW_DOCS))
    g = (d for d in SMALL)
    A = ours_cls(**params).fit_transform(g)
    assert A.shape[0] == len(SMALL)
    with pytest.raises(StopIteration):
        next(g)  # consumed exactly once, fully
    assert_same_matrix(A, ours_cls(**params).fit_transform(list(SMALL)))
    # fit on a list, transform a generator
    v = ours_cls(**params).fit(SMALL)
    assert_same_matrix(v.transform(d for d in NEW_DOCS), v.transform(NEW_DOCS))


UNICODE_PARAMS = [
    pytest.param({}, id="word"),
    pytest.param({"lowercase": False}, id="word-nolower"),
    pytest.param({"token_pattern": r"\b\w+\b"}, id="word-w+"),
    pytest.param({"token_pattern": r"(?u)\b\w+\b", "ngram_range": (1, 3)}, id="word-w+-ngrams"),
    pytest.param({"strip_accents": "unicode"}, id="unicode"),
    pytest.param({"strip_accents": "ascii"}, id="ascii"),
    pytest.param({"strip_accents": "unicode", "ngram_range": (1, 2)}, id="unicode-ngrams"),
    pytest.param({"analyzer": "char", "ngram_range": (1, 2)}, id="char"),
    pytest.param({"analyzer": "char_wb", "ngram_range": (1, 4)}, id="char_wb"),
    pytest.param({"analyzer": "char_wb", "strip_accents": "unicode"}, id="char_wb-unicode"),
]

UNICODE_CORPORA = {
    "hangul": ["예금 적금 예금", "은행에서 예금을 했다", "금리가 올랐다 예금 금리",
               "한국어와 English 혼용", "ㄱㄴㄷ ㅏㅑ 자모", "\u1100\u1161\u11a8 조합형"],
    "emoji": ["😀 happy 😀😀", "party🎉time", "👩\u200d💻 works ✌🏽", "🇰🇷 🇫🇷 flags", "❤️love"],
    "combining": ["cafe\u0301 café", "e\u0301te\u0301 été", "n\u0303 ñ", "\u0301alone",
                  "a\u0300\u0301\u0302 stacked", "Å Å"],
    "mixed": MIXED,
}


@pytest.mark.parametrize("params", UNICODE_PARAMS)
@pytest.mark.parametrize("name", sorted(UNICODE_CORPORA))
@pytest.mark.parametrize("classes", VECTORIZERS)
def test_unicode_corpora(classes, name, params):
    docs = UNICODE_CORPORA[name]
    others = [d for k, v in sorted(UNICODE_CORPORA.items()) if k != name for d in v]
    check_vectorizer_parity(*classes, params, docs, others)


# ---------------------------------------------------------------------------
# 3. scikit-learn's sparse_interface setting (TfidfTransformer: test_text_tfidf.py)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def count_matrices(sample_docs):
    cv = sk.CountVectorizer().fit(sample_docs)
    return cv.transform(sample_docs), cv.transform(NEW_DOCS + sample_docs[:20])


@pytest.mark.parametrize("interface", ["sparray", "spmatrix"])
def test_sparse_interface_config(interface, sample_docs, count_matrices):
    """Under sklearn's ``sparse_interface`` setting, both return the same container."""
    train, _ = count_matrices
    with sklearn.config_context(sparse_interface=interface):
        pairs = [
            (CountVectorizer().fit_transform(sample_docs),
             sk.CountVectorizer().fit_transform(sample_docs)),
            (TfidfVectorizer().fit_transform(sample_docs),
             sk.TfidfVectorizer().fit_transform(sample_docs)),
            (HashingVectorizer().transform(sample_docs),
             sk.HashingVectorizer().transform(sample_docs)),
            (TfidfTransformer().fit_transform(train), sk.TfidfTransformer().fit_transform(train)),
            (TfidfTransformer().fit_transform(sp.csr_array(train)),
             sk.TfidfTransformer().fit_transform(sp.csr_array(train))),
            (CountVectorizer().fit(sample_docs).transform(NEW_DOCS),
             sk.CountVectorizer().fit(sample_docs).transform(NEW_DOCS)),
        ]
    for A, B in pairs:
        assert_same_matrix(A, B)


# ---------------------------------------------------------------------------
# 4. estimator API: clone, params, Pipeline, GridSearchCV
# ---------------------------------------------------------------------------

ESTIMATORS = [
    pytest.param((CountVectorizer, sk.CountVectorizer), id="count"),
    pytest.param((TfidfVectorizer, sk.TfidfVectorizer), id="tfidf"),
    pytest.param((HashingVectorizer, sk.HashingVectorizer), id="hashing"),
    pytest.param((TfidfTransformer, sk.TfidfTransformer), id="transformer"),
]


@pytest.mark.parametrize("classes", ESTIMATORS)
def test_same_parameters_and_defaults(classes):
    ours, theirs = classes[0](), classes[1]()
    a, b = ours.get_params(), theirs.get_params()
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key] == b[key], key


@pytest.mark.parametrize("classes", ESTIMATORS)
def test_clone(classes):
    params = {
        CountVectorizer: {"ngram_range": (1, 2), "stop_words": ["the"], "min_df": 2,
                          "dtype": np.float32},
        TfidfVectorizer: {"sublinear_tf": True, "norm": "l1", "analyzer": "char_wb"},
        HashingVectorizer: {"n_features": 64, "alternate_sign": False},
        TfidfTransformer: {"smooth_idf": False, "norm": None},
    }[classes[0]]
    est = classes[0](**params)
    copy = clone(est)
    assert copy is not est
    assert type(copy) is type(est)
    assert copy.get_params() == est.get_params()
    for key, value in params.items():
        assert getattr(copy, key) == value
    # a clone of a fitted estimator is unfitted
    if classes[0] in (CountVectorizer, TfidfVectorizer):
        est.fit(SMALL)
        assert hasattr(est, "vocabulary_")
        assert not hasattr(clone(est), "vocabulary_")


@pytest.mark.parametrize("classes", ESTIMATORS)
def test_get_set_params_round_trip(classes, sample_docs):
    ours_cls = classes[0]
    a = ours_cls()
    changed = {
        CountVectorizer: {"min_df": 2, "ngram_range": (1, 2), "binary": True},
        TfidfVectorizer: {"max_features": 50, "sublinear_tf": True, "norm": "l1"},
        HashingVectorizer: {"n_features": 128, "norm": None, "analyzer": "char"},
        TfidfTransformer: {"use_idf": False, "norm": "l1"},
    }[ours_cls]
    assert a.set_params(**changed) is a
    for key, value in changed.items():
        assert a.get_params()[key] == value
    b = ours_cls().set_params(**a.get_params())
    assert b.get_params() == a.get_params()
    theirs = classes[1](**changed)
    assert {k: v for k, v in b.get_params().items()} == theirs.get_params()
    with pytest.raises(ValueError):
        ours_cls().set_params(not_a_parameter=1)
    if ours_cls is TfidfTransformer:
        X = sk.CountVectorizer().fit_transform(sample_docs)
        assert_same_matrix(b.fit_transform(X), theirs.fit_transform(X))
    else:
        assert_same_matrix(b.fit_transform(sample_docs), theirs.fit_transform(sample_docs))


def _pipelines(ours_first):
    return (
        Pipeline([("vec", ours_first), ("clf", LogisticRegression(solver="newton-cg"))]),
        Pipeline([("vec", sk.TfidfVectorizer(**ours_first.get_params())),
                  ("clf", LogisticRegression(solver="newton-cg"))]),
    )


@pytest.mark.parametrize("params", [{}, {"ngram_range": (1, 2), "sublinear_tf": True}])
def test_pipeline_logistic_regression(params, sample_corpus):
    docs, topics = sample_corpus.texts, sample_corpus.topics
    ours, theirs = _pipelines(TfidfVectorizer(**params))
    ours.fit(docs, topics)
    theirs.fit(docs, topics)
    queries = list(docs) + NEW_DOCS
    np.testing.assert_array_equal(ours.predict(queries), theirs.predict(queries))
    np.testing.assert_allclose(ours.predict_proba(queries), theirs.predict_proba(queries),
                               rtol=0, atol=1e-6)
    assert ours.score(docs, topics) == theirs.score(docs, topics)
    assert ours.score(docs, topics) > 0.9  # the corpus is learnable


def test_pipeline_count_transformer(sample_corpus):
    docs, topics = sample_corpus.texts, sample_corpus.topics
    ours = Pipeline([("count", CountVectorizer(min_df=2)), ("tfidf", TfidfTransformer()),
                     ("clf", LogisticRegression(solver="newton-cg"))]).fit(docs, topics)
    theirs = Pipeline([("count", sk.CountVectorizer(min_df=2)), ("tfidf", sk.TfidfTransformer()),
                       ("clf", LogisticRegression(solver="newton-cg"))]).fit(docs, topics)
    np.testing.assert_array_equal(ours.predict(NEW_DOCS + list(docs)),
                                  theirs.predict(NEW_DOCS + list(docs)))
    ours.set_params(count__min_df=1)
    assert ours.named_steps["count"].min_df == 1


def test_pipeline_hashing(sample_corpus):
    docs, topics = sample_corpus.texts, sample_corpus.topics
    ours = Pipeline([("vec", HashingVectorizer(n_features=2**10)),
                     ("clf", LogisticRegression(solver="newton-cg"))]).fit(docs, topics)
    theirs = Pipeline([("vec", sk.HashingVectorizer(n_features=2**10)),
                       ("clf", LogisticRegression(solver="newton-cg"))]).fit(docs, topics)
    np.testing.assert_array_equal(ours.predict(docs), theirs.predict(docs))


def test_grid_search(sample_corpus):
    docs, topics = list(sample_corpus.texts), list(sample_corpus.topics)
    grid = {"vec__min_df": [1, 2], "vec__sublinear_tf": [False, True]}
    ours_pipe, theirs_pipe = _pipelines(TfidfVectorizer())
    ours = GridSearchCV(ours_pipe, grid, cv=2).fit(docs, topics)
    theirs = GridSearchCV(theirs_pipe, grid, cv=2).fit(docs, topics)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"], rtol=0, atol=1e-12)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    best_vec = ours.best_estimator_.named_steps["vec"]
    assert isinstance(best_vec, TfidfVectorizer)
    assert best_vec.get_params() == theirs.best_estimator_.named_steps["vec"].get_params()
    np.testing.assert_array_equal(ours.predict(NEW_DOCS), theirs.predict(NEW_DOCS))


def test_not_fitted_errors():
    from sparsedense import NotFittedError

    for ours_cls, sk_cls in [(CountVectorizer, sk.CountVectorizer),
                             (TfidfVectorizer, sk.TfidfVectorizer)]:
        with pytest.raises(sklearn.exceptions.NotFittedError):
            sk_cls().transform(SMALL)
        with pytest.raises(NotFittedError) as err:
            ours_cls().transform(SMALL)
        assert isinstance(err.value, ValueError) and isinstance(err.value, AttributeError)
    with pytest.raises(NotFittedError):
        TfidfTransformer().transform(np.ones((2, 2)))


# ---------------------------------------------------------------------------
# 5. bad parameters and bad documents
# ---------------------------------------------------------------------------

BAD_PARAMS = [
    (CountVectorizer, sk.CountVectorizer, "min_df", -1),
    (CountVectorizer, sk.CountVectorizer, "min_df", 1.5),
    (CountVectorizer, sk.CountVectorizer, "max_df", -0.5),
    (CountVectorizer, sk.CountVectorizer, "max_df", 0),
    (CountVectorizer, sk.CountVectorizer, "max_features", 0),
    (CountVectorizer, sk.CountVectorizer, "max_features", 2.5),
    (CountVectorizer, sk.CountVectorizer, "analyzer", "foo"),
    (CountVectorizer, sk.CountVectorizer, "input", "url"),
    (CountVectorizer, sk.CountVectorizer, "decode_error", "skip"),
    (CountVectorizer, sk.CountVectorizer, "strip_accents", "latin"),
    (CountVectorizer, sk.CountVectorizer, "lowercase", "yes"),
    (CountVectorizer, sk.CountVectorizer, "binary", 1),
    (CountVectorizer, sk.CountVectorizer, "stop_words", "french"),
    (CountVectorizer, sk.CountVectorizer, "ngram_range", [1, 2]),
    (CountVectorizer, sk.CountVectorizer, "tokenizer", "split"),
    (CountVectorizer, sk.CountVectorizer, "vocabulary", 5),
    (TfidfVectorizer, sk.TfidfVectorizer, "norm", "l3"),
    (TfidfVectorizer, sk.TfidfVectorizer, "min_df", -1),
    (TfidfVectorizer, sk.TfidfVectorizer, "use_idf", "no"),
    (TfidfVectorizer, sk.TfidfVectorizer, "sublinear_tf", None),
    (TfidfVectorizer, sk.TfidfVectorizer, "analyzer", "foo"),
    (TfidfTransformer, sk.TfidfTransformer, "norm", "l3"),
    (TfidfTransformer, sk.TfidfTransformer, "smooth_idf", "yes"),
    (HashingVectorizer, sk.HashingVectorizer, "n_features", 0),
    (HashingVectorizer, sk.HashingVectorizer, "n_features", -8),
    (HashingVectorizer, sk.HashingVectorizer, "n_features", 8.0),
    (HashingVectorizer, sk.HashingVectorizer, "norm", "l3"),
    (HashingVectorizer, sk.HashingVectorizer, "alternate_sign", "no"),
    (HashingVectorizer, sk.HashingVectorizer, "analyzer", "foo"),
]


def _fit_input(cls):
    if cls in (TfidfTransformer, sk.TfidfTransformer):
        return np.array([[1, 0, 2], [0, 1, 1]])
    return SMALL


@pytest.mark.parametrize("ours_cls,sk_cls,name,value", BAD_PARAMS,
                         ids=[f"{c.__name__}-{n}={v!r}" for c, _, n, v in BAD_PARAMS])
def test_invalid_parameter(ours_cls, sk_cls, name, value):
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)
    with pytest.raises(SkInvalidParameterError):
        sk_cls(**{name: value}).fit(_fit_input(sk_cls))
    with pytest.raises(InvalidParameterError) as err:
        ours_cls(**{name: value}).fit(_fit_input(ours_cls))
    assert f"'{name}'" in str(err.value)
    assert ours_cls.__name__ in str(err.value)
    # caught as either builtin type
    with pytest.raises(ValueError):
        ours_cls(**{name: value}).fit(_fit_input(ours_cls))
    with pytest.raises(TypeError):
        ours_cls(**{name: value}).fit(_fit_input(ours_cls))
    if ours_cls is not TfidfTransformer:
        with pytest.raises(InvalidParameterError):
            ours_cls(**{name: value}).fit_transform(_fit_input(ours_cls))


def test_invalid_parameter_set_after_fit():
    cv = CountVectorizer().fit(SMALL)
    cv.set_params(analyzer="foo")
    with pytest.raises(InvalidParameterError, match="'analyzer'"):
        cv.transform(SMALL)
    hv = HashingVectorizer()
    hv.n_features = 0
    with pytest.raises(InvalidParameterError, match="'n_features'"):
        hv.transform(SMALL)


@pytest.mark.parametrize("bad", [None, 42, 3.5, ["a", "list"], ("t",)],
                         ids=["None", "int", "float", "list", "tuple"])
@pytest.mark.parametrize("make", [
    pytest.param(lambda: CountVectorizer(), id="count-word"),
    pytest.param(lambda: CountVectorizer(analyzer="char"), id="count-char"),
    pytest.param(lambda: CountVectorizer(analyzer="char_wb"), id="count-char_wb"),
    pytest.param(lambda: CountVectorizer(token_pattern=r"[a-z]+"), id="count-pattern"),
    pytest.param(lambda: CountVectorizer(ngram_range=(1, 2), stop_words="english"),
                 id="count-ngrams"),
    pytest.param(lambda: CountVectorizer(strip_accents="unicode"), id="count-accents"),
    pytest.param(lambda: TfidfVectorizer(), id="tfidf"),
    pytest.param(lambda: HashingVectorizer(), id="hashing"),
    pytest.param(lambda: HashingVectorizer(analyzer="char"), id="hashing-char"),
])
def test_non_str_document_names_position(make, bad):
    docs = ["a bank deposit", "rain and snow", bad, "more text"]
    vec = make()
    method = vec.transform if isinstance(vec, HashingVectorizer) else vec.fit_transform
    with pytest.raises(TypeError, match=re.escape("raw_documents[2]")):
        method(docs)
    if not isinstance(vec, HashingVectorizer):
        with pytest.raises(TypeError, match=re.escape("raw_documents[2]")):
            make().fit(docs)
        fitted = make().fit(SMALL)
        with pytest.raises(TypeError, match=re.escape("raw_documents[2]")):
            fitted.transform(docs)


def test_non_str_document_position_after_first_chunk():
    docs = ["bank deposit"] * 16390 + [7]
    with pytest.raises(TypeError, match=re.escape("raw_documents[16390]")):
        CountVectorizer().fit(docs)
    with pytest.raises(TypeError, match=re.escape("raw_documents[16390]")):
        CountVectorizer(analyzer="char").fit(docs)


def test_vocabulary_errors_like_sklearn():
    cases = [
        ({"vocabulary": ["a", "b", "a"]}, "Duplicate term in vocabulary"),
        ({"vocabulary": {"aa": 0, "bb": 0}}, "Vocabulary contains repeated indices."),
        ({"vocabulary": {"aa": 0, "bb": 2}}, "doesn't contain index 1"),
        ({"vocabulary": []}, "empty vocabulary passed to fit"),
        ({"ngram_range": (3, 2)}, "lower boundary larger than the upper boundary"),
        ({"token_pattern": r"(a)(b)"}, "More than 1 capturing group in token pattern"),
    ]
    for params, message in cases:
        for cls in (sk.CountVectorizer, CountVectorizer, sk.TfidfVectorizer, TfidfVectorizer):
            with pytest.raises(ValueError, match=re.escape(message)):
                cls(**params).fit(SMALL)


# ---------------------------------------------------------------------------
# more documents than one chunk of the streaming extractor
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_docs():
    """17,000 short documents: more than one 16,384-document chunk."""
    rng = np.random.default_rng(31337)
    words = np.array(["bank", "deposit", "the", "and", "예금", "적금", "café", "rain", "a",
                      "snow", "Goal", "match", "x", "😀", "42"] + [f"w{i}" for i in range(300)])
    lengths = rng.integers(0, 7, size=17_000)
    return [" ".join(rng.choice(words, n)) for n in lengths]


@pytest.mark.parametrize("classes,params", [
    pytest.param((CountVectorizer, sk.CountVectorizer), {}, id="count"),
    pytest.param((CountVectorizer, sk.CountVectorizer),
                 {"ngram_range": (1, 2), "stop_words": "english", "min_df": 3}, id="count-ngrams"),
    pytest.param((TfidfVectorizer, sk.TfidfVectorizer), {"max_features": 100}, id="tfidf"),
    pytest.param((HashingVectorizer, sk.HashingVectorizer), {"n_features": 2**8},
                 id="hashing"),
])
def test_more_than_one_chunk(classes, params, many_docs):
    check_vectorizer_parity(*classes, params, many_docs, many_docs[-20:] + NEW_DOCS)
