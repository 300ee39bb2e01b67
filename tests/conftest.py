"""Shared fixtures of the test suite."""

from __future__ import annotations

import numpy as np
import pytest

import sparsedense as sd
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
    shared by the cluster tests (a killed worker is restarted by its nanny).

    A LocalCluster gives up on a lost worker that has not registered again
    within ``distributed.deploy.lost-worker-timeout`` (15 s) and closes its
    nanny for good; on a loaded 2-core machine a restarted worker can take
    that long to import its modules, and every later test would run on one
    worker. The timeout is raised for as long as the cluster lives (it is
    read when a worker is lost).
    """
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.deploy.lost-worker-timeout": "10 minutes"}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=":0")
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()


@pytest.fixture
def vectors_file(tmp_path):
    """A word2vec text file of 10 words x 8 (deposit ~ savings), for the command-line tests."""
    words = ["bank", "deposit", "savings", "rate", "rain", "snow", "forecast", "weather",
             "예금", "적금"]
    rng = np.random.default_rng(0)
    W = rng.standard_normal((len(words), 8)).astype(np.float32)
    W[1] = W[2] + 0.05  # deposit ~ savings
    path = tmp_path / "vectors.txt"
    sd.Vectors(words, W).save(path, format="word2vec")
    return path, words, W
