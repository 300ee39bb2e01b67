"""TfidfTransformer copies a count matrix at most once (issue 22: never slower than scikit-learn).

``fit`` reads a canonical CSR input without copying it, and ``transform``
copies it once, straight to float; inputs that are not canonical (duplicates,
stored zeros, other formats) still go through the canonicalizing copy. Either
way the weights are scikit-learn's, bit for bit, and the input is unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("sklearn")
from sklearn.feature_extraction.text import TfidfTransformer as SkTfidfTransformer  # noqa: E402

import sparsedense as sd  # noqa: E402
import sparsedense.text._tfidf as tfidf_mod  # noqa: E402


def _counts(seed: int = 0, shape=(60, 40)) -> sp.csr_matrix:
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
    X = _counts(1)
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
    X = _counts(2)
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
