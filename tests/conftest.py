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


@pytest.fixture(scope="session")
def client():
    """A LocalCluster of 2 single-threaded worker processes (loopback only) and its client,
    shared by the cluster tests (a killed worker is restarted by its nanny)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=":0")
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
