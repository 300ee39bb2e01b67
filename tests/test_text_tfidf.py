"""TfidfTransformer and TfidfVectorizer against scikit-learn: weights, idf_, copies, feature names.

- TfidfTransformer on count matrices of every container and dtype, and the
  vectorizer as count-then-transformer (the vectorizer's parity over every
  parameter is in test_text_sklearn_parity.py and test_text_sklearn_hypothesis.py);
- scikit-learn drop-in behaviours beyond the numbers: ``get_feature_names_out``
  (so pipelines name their features), ``idf_`` transferred by assignment, an
  ``idf_`` that does not fit ``X`` refused instead of read past its end,
  ``transform(X, copy=False)`` working in place;
- copies (issue 22: never slower than scikit-learn): ``fit`` reads a canonical
  CSR input without copying it, and ``transform`` copies it once, straight to
  float; inputs that are not canonical (duplicates, stored zeros, other formats)
  still go through the canonicalizing copy. Either way the weights are
  scikit-learn's, bit for bit, and the input is unchanged.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("sklearn")
import sklearn  # noqa: E402
import sklearn.feature_extraction.text as sk  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer as SkTfidfTransformer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

import sparsedense.text as sd  # noqa: E402
import sparsedense.text._tfidf as tfidf_mod  # noqa: E402
from sparsedense import CountVectorizer, TfidfTransformer, TfidfVectorizer  # noqa: E402

from test_text_sklearn_parity import NEW_DOCS, SMALL, _tolerance, assert_same_matrix  # noqa: E402

#: the documents of the drop-in tests
DOCS = [
    "The Bank deposit, the bank!",
    "Rain and snow; SNOW again",
    "deposit rates up, rates down",
    "Café naïve résumé über",
]
UNSEEN_DOCS = ["bank rates and snow", "nothing known here", "Café deposit"]
COUNTS = sp.csr_matrix(np.array([[1, 2, 0], [0, 1, 3]]))


def _counts(seed: int = 0, shape=(6, 5), dtype=np.float64):
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 3, size=shape).astype(dtype)
    dense[0, 0] = 1  # every row and the first column non-empty enough to matter
    return sp.csr_matrix(dense)


def _same(a, b) -> None:
    assert type(a) is type(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------
# copies: at most one of the count matrix
# ---------------------------------------------------------------------------


def _poisson_counts(seed: int = 0, shape=(60, 40)) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.poisson(0.4, size=shape).astype(np.int64)
    dense[3] = 0  # a row of zeros
    return sp.csr_matrix(dense)


@pytest.fixture
def canonicalizing_copies(monkeypatch):
    """How many times TfidfTransformer made a canonical copy through ``as_csr``."""
    calls = []
    real = tfidf_mod.as_csr

    def spy(X, *args, **kwargs):
        calls.append(type(X))
        return real(X, *args, **kwargs)

    monkeypatch.setattr(tfidf_mod, "as_csr", spy)
    return calls


@pytest.mark.parametrize("kw", [{}, {"sublinear_tf": True}, {"norm": "l1", "smooth_idf": False},
                                {"use_idf": False}])
def test_canonical_csr_is_not_copied_by_fit_and_once_by_transform(canonicalizing_copies, kw):
    X = _poisson_counts(1)
    before = (X.data.copy(), X.indices.copy(), X.indptr.copy())
    ours = sd.TfidfTransformer(**kw).fit(X)
    assert canonicalizing_copies == []  # read in place
    got = ours.transform(X)
    assert canonicalizing_copies == []  # one float copy, made directly
    theirs = SkTfidfTransformer(**kw).fit(X)
    want = theirs.transform(X)
    if "use_idf" not in kw:
        np.testing.assert_array_equal(ours.idf_, theirs.idf_)
    assert got.dtype == want.dtype == np.float64
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)
    for a, b in zip(before, (X.data, X.indices, X.indptr)):
        np.testing.assert_array_equal(a, b)
    assert not np.shares_memory(got.data, X.data)
    assert not np.shares_memory(got.indices, X.indices)


def test_non_canonical_input_same_weights_as_its_canonical_form(canonicalizing_copies):
    X = _poisson_counts(2)
    coo = X.tocoo()
    # every entry split in two halves stored as duplicates, plus explicit zeros
    rows = np.concatenate((coo.row, coo.row, [0, 5]))
    cols = np.concatenate((coo.col, coo.col, [1, 7]))
    vals = np.concatenate((coo.data / 2, coo.data / 2, [0.0, 0.0]))
    order = np.argsort(rows, kind="stable")
    raw = sp.csr_matrix((vals[order], cols[order],
                         np.searchsorted(rows[order], np.arange(X.shape[0] + 1))),
                        shape=X.shape)
    assert not raw.has_canonical_format
    ours = sd.TfidfTransformer().fit(raw)
    assert canonicalizing_copies  # duplicates are summed on a copy
    ref = sd.TfidfTransformer().fit(X.astype(np.float64))
    np.testing.assert_array_equal(ours.idf_, ref.idf_)  # the stored zeros count for no document
    np.testing.assert_array_equal(ours.transform(raw).toarray(),
                                  ref.transform(X.astype(np.float64)).toarray())


def test_document_frequency_skips_stored_zeros_and_leaves_input_alone():
    X = sp.csr_matrix((np.array([1.0, 0.0, 2.0, 0.0]), np.array([0, 1, 1, 2]),
                       np.array([0, 2, 4])), shape=(2, 3))
    data = X.data.copy()
    np.testing.assert_array_equal(tfidf_mod.document_frequency(X), [1, 1, 0])
    np.testing.assert_array_equal(X.data, data)
    assert X.nnz == 4


# ---------------------------------------------------------------------------
# TfidfTransformer on count matrices
# ---------------------------------------------------------------------------


TRANSFORMER_PARAMS = [
    pytest.param({}, id="defaults"),
    pytest.param({"norm": "l1"}, id="l1"),
    pytest.param({"norm": None}, id="no-norm"),
    pytest.param({"use_idf": False}, id="no-idf"),
    pytest.param({"smooth_idf": False}, id="no-smooth"),
    pytest.param({"sublinear_tf": True}, id="sublinear"),
    pytest.param({"sublinear_tf": True, "smooth_idf": False, "norm": "l1"}, id="mixed"),
]


CONTAINERS = {
    "ndarray": lambda X: X.toarray(),
    "csr_matrix": sp.csr_matrix,
    "csc_matrix": sp.csc_matrix,
    "coo_matrix": sp.coo_matrix,
    "csr_array": sp.csr_array,
    "csc_array": sp.csc_array,
    "coo_array": sp.coo_array,
}


@pytest.fixture(scope="module")
def count_matrices(sample_docs):
    cv = sk.CountVectorizer().fit(sample_docs)
    return cv.transform(sample_docs), cv.transform(NEW_DOCS + sample_docs[:20])


TRANSFORMER_CASES = (
    # every container and parameter set on int64 counts
    [(p, c, np.int64) for p in TRANSFORMER_PARAMS for c in sorted(CONTAINERS)]
    # every dtype on the main containers
    + [(p, c, d) for p in TRANSFORMER_PARAMS[:1] + TRANSFORMER_PARAMS[5:]
       for c in ("ndarray", "csr_matrix", "csc_matrix")
       for d in (np.int32, np.float32, np.float64)]
)


@pytest.mark.parametrize(
    "params,container,dtype",
    [pytest.param(p.values[0], c, d, id=f"{p.id}-{c}-{np.dtype(d).name}")
     for p, c, d in TRANSFORMER_CASES],
)
def test_tfidf_transformer_parity(params, container, dtype, count_matrices):
    train, test = count_matrices
    convert = CONTAINERS[container]
    X_train = convert(train.astype(dtype))
    X_test = convert(test.astype(dtype))
    ours, theirs = TfidfTransformer(**params), sk.TfidfTransformer(**params)
    assert_same_matrix(ours.fit_transform(X_train), theirs.fit_transform(X_train))
    assert ours.n_features_in_ == theirs.n_features_in_
    if params.get("use_idf", True):
        assert ours.idf_.dtype == theirs.idf_.dtype
        assert np.abs(ours.idf_ - theirs.idf_).max() <= _tolerance(ours.idf_.dtype)
    else:
        assert not hasattr(ours, "idf_") and not hasattr(theirs, "idf_")
    assert_same_matrix(ours.transform(X_test), theirs.transform(X_test))
    assert_same_matrix(TfidfTransformer(**params).fit(X_train).transform(X_train),
                       theirs.transform(X_train))


def test_tfidf_transformer_docstring_example():
    counts = np.array([[3, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0], [3, 2, 0]])
    ours, theirs = TfidfTransformer().fit(counts), sk.TfidfTransformer().fit(counts)
    np.testing.assert_allclose(ours.idf_, theirs.idf_, rtol=0, atol=1e-12)
    assert_same_matrix(ours.transform(counts), theirs.transform(counts))


def test_tfidf_vectorizer_equals_count_then_transformer(sample_docs):
    counts = CountVectorizer().fit_transform(sample_docs)
    A = TfidfTransformer().fit_transform(counts)
    B = TfidfVectorizer().fit_transform(sample_docs)
    assert_same_matrix(A, B)


def test_tfidf_transformer_wrong_width_raises(count_matrices):
    train, _ = count_matrices
    t = TfidfTransformer().fit(train)
    with pytest.raises(ValueError):
        sk.TfidfTransformer().fit(train).transform(train[:, :10])
    with pytest.raises(ValueError):
        t.transform(train[:, :10])


def test_idf_setter_like_sklearn():
    fitted = TfidfVectorizer().fit(SMALL)
    reference = sk.TfidfVectorizer().fit(SMALL)
    ours = TfidfVectorizer(vocabulary=fitted.vocabulary_)
    ours.idf_ = fitted.idf_
    theirs = sk.TfidfVectorizer(vocabulary=reference.vocabulary_)
    theirs.idf_ = reference.idf_
    assert_same_matrix(ours.transform(NEW_DOCS), theirs.transform(NEW_DOCS))
    with pytest.raises(ValueError, match="idf length"):
        TfidfVectorizer(vocabulary=fitted.vocabulary_).idf_ = fitted.idf_[:-1]



# ---------------------------------------------------------------------------
# scikit-learn drop-in: get_feature_names_out, idf_ assigned, idf_ of the wrong length
# ---------------------------------------------------------------------------


def test_pipeline_count_tfidf_feature_names():
    ours = make_pipeline(sd.CountVectorizer(), sd.TfidfTransformer()).fit(DOCS)
    theirs = make_pipeline(sk.CountVectorizer(), sk.TfidfTransformer()).fit(DOCS)
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    assert ours.get_feature_names_out().dtype == object


def test_tfidf_transformer_feature_names_rules():
    X = _counts()
    ours, theirs = sd.TfidfTransformer().fit(X), sk.TfidfTransformer().fit(X)
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    names = ["a", "b", "c", "d", "e"]
    assert ours.get_feature_names_out(names).tolist() == names
    with pytest.raises(ValueError, match=r"length equal to number of features \(5\), got 2"):
        ours.get_feature_names_out(["a", "b"])
    with pytest.raises(sd.NotFittedError):
        sd.TfidfTransformer().get_feature_names_out()


def test_tfidf_transformer_feature_names_from_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(_counts().toarray(), columns=["w0", "w1", "w2", "w3", "w4"])
    ours, theirs = sd.TfidfTransformer().fit(frame), sk.TfidfTransformer().fit(frame)
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        ours.get_feature_names_out(["a", "b", "c", "d", "e"])
    ours.fit(frame.to_numpy())  # refitting without names forgets them
    assert ours.get_feature_names_out().tolist() == ["x0", "x1", "x2", "x3", "x4"]


@pytest.mark.parametrize("norm", ["l2", None])
def test_idf_assigned_to_unfitted_transformer(norm):
    X = _counts(1)
    for mod in (sd, sk):
        fitted = mod.TfidfTransformer(norm=norm).fit(X)
        blank = mod.TfidfTransformer(norm=norm)
        blank.idf_ = fitted.idf_
        _same(blank.transform(X), fitted.transform(X))
    ours = sd.TfidfTransformer(norm=norm)
    ours.idf_ = sk.TfidfTransformer().fit(X).idf_
    theirs = sk.TfidfTransformer(norm=norm)
    theirs.idf_ = ours.idf_
    _same(ours.transform(X), theirs.transform(X))


def test_idf_assigned_with_use_idf_false_is_applied_like_sklearn():
    X = _counts(2)
    idf = np.linspace(1.0, 3.0, X.shape[1])
    ours, theirs = sd.TfidfTransformer(use_idf=False), sk.TfidfTransformer(use_idf=False)
    ours.idf_ = theirs.idf_ = idf
    _same(ours.transform(X), theirs.transform(X))


def test_tfidf_vectorizer_idf_setter_refused_without_use_idf():
    fitted = sd.TfidfVectorizer().fit(DOCS)
    for mod in (sk, sd):
        vec = mod.TfidfVectorizer(vocabulary=fitted.vocabulary_, use_idf=False)
        with pytest.raises(ValueError, match="`idf_` cannot be set when `user_idf=False`"):
            vec.idf_ = fitted.idf_
    assert not hasattr(vec, "_tfidf")  # ours: a refused assignment leaves it unfitted
    with pytest.raises(sd.NotFittedError, match="TfidfVectorizer is not fitted yet"):
        vec.idf_


def test_tfidf_vectorizer_idf_setter_wrong_length_changes_nothing():
    fitted = sd.TfidfVectorizer().fit(DOCS)
    vec = sd.TfidfVectorizer(vocabulary=fitted.vocabulary_)
    with pytest.raises(ValueError, match="idf length"):
        vec.idf_ = fitted.idf_[:-1]
    with pytest.raises(sd.NotFittedError):
        vec.idf_
    vec.idf_ = fitted.idf_
    _same(vec.transform(UNSEEN_DOCS), fitted.transform(UNSEEN_DOCS))


_SHORT_IDF = textwrap.dedent("""
    import numpy as np, scipy.sparse as sp
    from sparsedense import TfidfTransformer
    X = sp.random_array((50, 4000), density=0.05, format="csr", random_state=0)
    for fitted in (False, True):
        t = TfidfTransformer().fit(X) if fitted else TfidfTransformer()
        t.idf_ = np.ones(3)
        before = X.data.copy()
        for copy in (True, False):
            try:
                t.transform(X, copy=copy)
            except IndexError as exc:
                assert "idf_ has 3 entries, but X has 4000 columns" in str(exc), exc
                assert "column 3 of X" in str(exc), exc
            else:
                raise SystemExit("no IndexError")
            assert np.array_equal(X.data, before)  # refused before any write
    print("ok")
""")


def test_short_idf_raises_index_error_in_subprocess():
    """Used to read past the end of idf_ in the kernel (garbage or a crash)."""
    out = subprocess.run([sys.executable, "-c", _SHORT_IDF], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_short_idf_same_exception_type_as_sklearn():
    X = _counts(3)
    for mod in (sk, sd):
        t = mod.TfidfTransformer()
        t.idf_ = np.ones(X.shape[1] - 1)
        with pytest.raises(IndexError):
            t.transform(X)


def test_long_idf_refused():
    X = _counts(4)
    t = sd.TfidfTransformer()
    t.idf_ = np.ones(X.shape[1] + 2)
    with pytest.raises(ValueError, match=r"idf_ has 7 entries, but X has 5 columns"):
        t.transform(X)
    t.idf_ = np.ones((X.shape[1], 1))
    with pytest.raises(ValueError, match="must be 1-D"):
        t.transform(X)
    t.idf_ = np.array(["a"] * X.shape[1])
    with pytest.raises(TypeError, match="idf_ must hold numbers"):
        t.transform(X)


def test_zero_feature_input_gives_empty_rows():
    """Deliberate: the zero-vector rule (test_reliability_sparse_input.py).

    scikit-learn refuses.
    """
    with pytest.raises(ValueError, match="0 feature"):
        sk.TfidfTransformer().fit(np.ones((3, 0)))
    assert sd.TfidfTransformer().fit_transform(np.ones((3, 0))).shape == (3, 0)


def test_non_finite_counts_name_the_position():
    X = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, np.inf, 1.0]]))
    with pytest.raises(ValueError, match=re.escape("infinity: X[1, 1] = inf")):
        sd.TfidfTransformer().fit(X)
    t = sd.TfidfTransformer().fit(np.ones((2, 3)))
    X.data[1] = np.nan
    before = X.data.copy()
    with pytest.raises(ValueError, match=re.escape("NaN: X[0, 2] = nan")):
        t.transform(X, copy=False)
    np.testing.assert_array_equal(X.data, before)


def test_refit_without_idf_forgets_idf():
    t = sd.TfidfTransformer().fit(COUNTS)
    t.set_params(use_idf=False).fit(COUNTS)
    assert not hasattr(t, "idf_")
    _same(t.transform(COUNTS), sk.TfidfTransformer(use_idf=False).fit(COUNTS).transform(COUNTS))


# ---------------------------------------------------------------------------
# transform(X, copy=False)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", [{}, {"sublinear_tf": True, "norm": "l1"}])
def test_copy_false_works_in_place_like_sklearn(container, dtype, params):
    X = _counts(5, shape=(8, 6), dtype=dtype)
    ours_t, theirs_t = sd.TfidfTransformer(**params).fit(X), sk.TfidfTransformer(**params).fit(X)
    expected = theirs_t.transform(X)
    ours_x, theirs_x = container(X.copy()), container(X.copy())
    ours, theirs = ours_t.transform(ours_x, copy=False), theirs_t.transform(theirs_x, copy=False)
    assert (ours is ours_x) == (theirs is theirs_x)
    assert type(ours) is type(theirs)
    if ours is not ours_x:  # csr_array turned into csr_matrix: the same arrays
        assert ours.indptr is ours_x.indptr
    assert ours.data.base is ours_x.data or ours.data is ours_x.data \
        or ours.data.base is ours_x.data.base
    _same(ours, expected)
    np.testing.assert_allclose(ours_x.toarray(), theirs_x.toarray(), rtol=1e-6)
    # and copy=True leaves X alone
    fresh = container(X.copy())
    out = ours_t.transform(fresh, copy=True)
    assert out is not fresh
    np.testing.assert_array_equal(fresh.toarray(), X.toarray())


def test_copy_false_under_sparray_interface():
    X = _counts(6)
    t = sd.TfidfTransformer().fit(X)
    with sklearn.config_context(sparse_interface="sparray"):
        arr = sp.csr_array(X.copy())
        assert t.transform(arr, copy=False) is arr
        mat = X.copy()
        out = t.transform(mat, copy=False)
        assert isinstance(out, sp.csr_array) and out.indptr is mat.indptr


@pytest.mark.parametrize("make", [
    pytest.param(lambda X: X.astype(np.int64), id="int-csr"),
    pytest.param(lambda X: X.tocsc(), id="csc"),
    pytest.param(lambda X: X.toarray(), id="dense"),
])
def test_copy_false_converts_other_input_without_touching_it(make):
    X = _counts(7)
    t = sd.TfidfTransformer().fit(X)
    given = make(X)
    before = given.copy()
    out = t.transform(given, copy=False)
    assert out is not given
    _same(out, sk.TfidfTransformer().fit(X).transform(make(X), copy=False))
    np.testing.assert_array_equal(sp.csr_matrix(given).toarray(), sp.csr_matrix(before).toarray())


def test_copy_false_read_only_values_are_copied():
    X = _counts(8)
    t = sd.TfidfTransformer().fit(X)
    X.data.flags.writeable = False
    out = t.transform(X, copy=False)
    assert out is not X
    _same(out, t.transform(X.copy()))


def test_copy_false_sums_duplicates_in_place():
    X = sp.csr_matrix((np.array([1.0, 2.0, 3.0]), np.array([1, 1, 0]), np.array([0, 2, 3])),
                      shape=(2, 2))
    t = sd.TfidfTransformer().fit(X)
    expected = t.transform(X)
    out = t.transform(X, copy=False)
    assert out is X and X.nnz == 2
    _same(out, expected)


_MALFORMED_IN_PLACE = textwrap.dedent("""
    import numpy as np, scipy.sparse as sp
    from sparsedense import TfidfTransformer
    X = sp.random_array((200, 300), density=0.05, format="csr", random_state=0)
    t = TfidfTransformer().fit(X)
    for container in (sp.csr_matrix, sp.csr_array):
        bad = container(X.copy())
        bad.indices[7] = 10**9  # a column far outside X and idf_
        try:
            t.transform(bad, copy=False)
        except ValueError as exc:
            assert "indices[7] = 1000000000" in str(exc), exc
        else:
            raise SystemExit("no ValueError")
    print("ok")
""")


def test_copy_false_malformed_x_refused_in_subprocess():
    """The in-place path gets the structure check the copying path has."""
    out = subprocess.run([sys.executable, "-c", _MALFORMED_IN_PLACE], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_copy_false_storage_past_indptr_end_ignored():
    X = _counts(10)
    t = sd.TfidfTransformer().fit(X)
    expected = t.transform(X)
    padded = sp.csr_matrix((np.concatenate([X.data, [5.0, 7.0]]),
                            np.concatenate([X.indices, [0, 1]]), X.indptr), shape=X.shape)
    _same(t.transform(padded, copy=False), expected)


def test_copy_false_wrong_width_changes_nothing():
    X = _counts(9)
    t = sd.TfidfTransformer().fit(X)
    wide = _counts(9, shape=(6, 7))
    before = wide.data.copy()
    with pytest.raises(ValueError, match="X has 7 features"):
        t.transform(wide, copy=False)
    np.testing.assert_array_equal(wide.data, before)
