"""HashingVectorizer against scikit-learn: the same columns and signs, collisions, parameters.

Its parity over every parameter is in test_text_sklearn_parity.py and
test_text_sklearn_hypothesis.py (with the other vectorizers); hashing straight
from the documents' code points in test_text_extract.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.feature_extraction.text as sk

import sparsedense.text as sd
from sparsedense import HashingVectorizer, InvalidParameterError

from test_text_sklearn_parity import assert_same_matrix

SMALL = ["a bank deposit", "rain and snow", "deposit rates"]


def test_hashing_same_columns_and_signs():
    """Each single word lands in sklearn's column with sklearn's sign."""
    words = ["bank", "deposit", "예금", "café", "😀x", "a_b", "zz", "naïve", "straße", "42"]
    docs = [w for w in words]
    for n_features in (8, 2**10, 2**20):
        A = HashingVectorizer(n_features=n_features, norm=None).transform(docs)
        B = sk.HashingVectorizer(n_features=n_features, norm=None).transform(docs)
        assert_same_matrix(A, B)
        for i in range(len(docs)):
            assert A[i].indices.tolist() == sorted(B[i].indices.tolist())
            assert np.sign(A[i].data).tolist() == np.sign(B[i].sorted_indices().data).tolist()
    # with alternate_sign, at least one word of the list has a negative sign
    A = HashingVectorizer(norm=None).transform(docs)
    assert (A.data < 0).any() and (A.data > 0).any()


def test_hashing_collisions_keep_explicit_zeros():
    """Colliding features with opposite signs sum to a stored 0, as in sklearn."""
    rng = np.random.default_rng(0)
    vocab = [f"tok{i}" for i in range(60)]
    docs = [" ".join(rng.choice(vocab, 25)) for _ in range(12)]
    A = HashingVectorizer(n_features=4, norm=None).transform(docs)
    B = sk.HashingVectorizer(n_features=4, norm=None).transform(docs)
    assert_same_matrix(A, B)
    A = HashingVectorizer(n_features=2, norm=None, binary=True).transform(docs)
    B = sk.HashingVectorizer(n_features=2, norm=None, binary=True).transform(docs)
    assert_same_matrix(A, B)


def test_hashing_transform_checks_parameters():
    hv = sd.HashingVectorizer()
    hv.n_features = 2**31 - 1
    with pytest.raises(InvalidParameterError, match="'n_features'"):
        hv.transform(SMALL)
