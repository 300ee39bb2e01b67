"""Shared fixtures of the test suite."""

from __future__ import annotations

import pytest

from sparsedense.data import load_sample_corpus


@pytest.fixture(scope="session")
def sample_corpus():
    """The shipped English + Korean sample corpus (texts, topics, langs)."""
    return load_sample_corpus()


@pytest.fixture(scope="session")
def sample_docs(sample_corpus):
    """The texts of the sample corpus, as a list of str."""
    return list(sample_corpus.texts)
