"""CountVectorizer against scikit-learn: bad documents, inverse_transform, no documents.

Its parity over every parameter is in test_text_sklearn_parity.py and
test_text_sklearn_hypothesis.py (with the other vectorizers).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sklearn.feature_extraction.text as sk

import sparsedense.text as sd
from sparsedense import CountVectorizer

from test_text_sklearn_parity import NEW_DOCS, assert_same_matrix


def test_nan_document_like_sklearn():
    docs = ["a bank deposit", "rain and snow", np.nan]
    with pytest.raises(ValueError, match="np.nan is an invalid document") as sk_err:
        sk.CountVectorizer().fit(docs)
    with pytest.raises(ValueError) as our_err:
        CountVectorizer().fit(docs)
    assert str(our_err.value) == str(sk_err.value)


@pytest.mark.parametrize("dense", [False, True], ids=["sparse", "dense"])
def test_inverse_transform_same_terms(dense, sample_docs):
    ours, theirs = CountVectorizer().fit(sample_docs), sk.CountVectorizer().fit(sample_docs)
    X = theirs.transform(NEW_DOCS + sample_docs[:10])
    if dense:
        X = X.toarray()
    a, b = ours.inverse_transform(X), theirs.inverse_transform(X)
    assert len(a) == len(b)
    for terms_a, terms_b in zip(a, b):
        assert sorted(terms_a.tolist()) == sorted(terms_b.tolist())


def test_transform_no_documents(sample_docs):
    ours, theirs = CountVectorizer().fit(sample_docs), sk.CountVectorizer().fit(sample_docs)
    assert_same_matrix(ours.transform([]), theirs.transform([]))


def test_document_error_names_the_position():
    with pytest.raises(AttributeError, match=re.escape("raw_documents[1] is int 42")):
        sd.CountVectorizer().fit(["a b", 42])
    with pytest.raises(TypeError, match=re.escape("raw_documents[1] is int 42")):
        sd.CountVectorizer().fit(["a b", 42])
