"""Property-based tests of the count-based kernels against their references (hypothesis).

* ``cooccurrence_matrix`` against the nested-loop reference of
  test_cooccurrence.py (exact Fractions) over generated corpora, windows,
  weightings, symmetry, chunk sizes and dtypes;
* ``ppmi`` against the dense formula over generated count matrices (empty
  rows and columns, int64 and float32 inputs, any sparse format), every
  smoothing, shift and sign option.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sparsedense import Vocabulary  # noqa: E402
from sparsedense.models import cooccurrence_matrix, ppmi  # noqa: E402

from test_models_cooccurrence import as_dense, naive_cooccurrence  # noqa: E402
from test_models_ppmi import dense_ppmi  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow])

WORDS = ["a", "b", "c", "d", "e", "예금", "x"]
sentences = st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=14),
                     min_size=1, max_size=12)


@SETTINGS
@given(corpus=sentences, window=st.integers(1, 10),
       weighting=st.sampled_from(["harmonic", "uniform"]), symmetric=st.booleans(),
       chunk=st.sampled_from([None, 1, 3, 17]), dtype=st.sampled_from([np.float32, np.float64]),
       known=st.integers(2, len(WORDS)))
def test_cooccurrence_equals_nested_loops(corpus, window, weighting, symmetric, chunk, dtype,
                                          known):
    words = WORDS[:known]  # the others are unknown: dropped before windowing
    vocab = Vocabulary(words, unk_token=None, pad_token=None)
    C, got_vocab = cooccurrence_matrix(corpus, vocabulary=vocab, window=window,
                                       weighting=weighting, symmetric=symmetric, dtype=dtype,
                                       chunk_words=chunk, progress=False)
    assert list(got_vocab) == words and C.dtype == dtype and C.shape == (known, known)
    expected = as_dense(naive_cooccurrence(corpus, words, window, weighting, symmetric), dtype)
    if weighting == "uniform" or dtype == np.float64:
        np.testing.assert_array_equal(C.toarray(), expected)
    else:  # harmonic sums rounded once to float32 from an exact sum
        np.testing.assert_allclose(C.toarray(), expected, rtol=1e-6)
    assert C.has_canonical_format and (C.data != 0).all()


counts = st.integers(1, 9).flatmap(lambda n: st.integers(1, 9).flatmap(
    lambda m: st.lists(st.lists(st.sampled_from([0, 0, 0, 1, 2, 7, 40]), min_size=m,
                                max_size=m), min_size=n, max_size=n)))


@SETTINGS
@given(A=counts, alpha=st.sampled_from([1.0, 0.75, 0.3]), shift=st.sampled_from([1.0, 2.0, 5.0]),
       positive=st.booleans(), fmt=st.sampled_from(["csr", "coo", "csc", "array"]),
       dtype=st.sampled_from([np.int64, np.float32, np.float64]))
def test_ppmi_equals_the_dense_formula(A, alpha, shift, positive, fmt, dtype):
    A = np.array(A, dtype=dtype)
    X = sp.csr_array(A) if fmt == "array" else getattr(sp, f"{fmt}_matrix")(A)
    P = ppmi(X, alpha=alpha, shift=shift, positive=positive)
    ref = dense_ppmi(A.astype(np.float64), alpha, shift, positive)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(P.toarray(), ref, rtol=tol, atol=tol)
    assert np.isfinite(P.data).all()
    # nothing stored where the count is zero; with positive=True, no zeros stored at all
    stored = P.toarray() != 0
    assert not (stored & (A == 0)).any()
    if positive:
        assert (P.data > 0).all()
