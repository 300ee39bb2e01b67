"""sparsedense.dask on a real cluster as a whole: what no single module of it owns.

A scheduler and 2 worker processes on loopback. Jobs computed without a client
leave distributed's configuration alone; a worker killed mid-job, or every
worker holding the shipped objects, does not change the result; fresh workers
compile or load the kernels (and compile in memory when their cache cannot be
written); bad input is refused before any work. Each module's jobs against the
single-machine calls: test_dask_text.py, test_dask_dense.py,
test_dask_similarity.py, test_dask_graph.py.
"""

from __future__ import annotations

import os
import signal
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import sparsedense as sd  # noqa: E402
import sparsedense.dask as sdd  # noqa: E402

from test_dask_graph import assert_same_csr, bag_of  # noqa: E402


@pytest.fixture(scope="module")
def docs(sample_docs):
    # the sample corpus plus documents that make empty rows and repeated words
    return sample_docs + ["", "the the the", "예금 예금 적금"]


@pytest.fixture(scope="module")
def table(docs):
    words = sd.CountVectorizer().fit(docs).get_feature_names_out().tolist()[::2]
    rng = np.random.default_rng(0)
    return words, rng.standard_normal((len(words), 16)).astype(np.float32)


def test_computing_without_a_client_keeps_the_distributed_config():
    """In a fresh interpreter (distributed not imported): the jobs run, distributed still works.

    Raising distributed's large-graph threshold before distributed was imported
    deleted its whole config section (with the defaults its import put there).
    """
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys
        import numpy as np, dask
        import sparsedense.dask as sdd
        assert "distributed" not in sys.modules
        W = np.eye(4, 3, dtype=np.float32)
        D = sdd.EmbeddingVectorizer(W, ["a", "b", "c", "d"]).fit_transform(["a b", "c d"])
        idx, _ = sdd.topk_similar(W[:2], W, k=1)
        print(D.compute().shape, idx.ravel().tolist(),
              dask.config.get("distributed.comm.timeouts.connect"))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[:4] == ["(2,", "3)", "[0,", "1]"], proc.stdout


# -- reliability ----------------------------------------------------------------
def _slow(doc):
    time.sleep(0.004)
    return doc


def test_worker_killed_mid_job_gives_the_same_result(client, docs):
    want = sd.HashingVectorizer(n_features=2**10).transform(docs * 2)
    bag = bag_of(docs * 2, 24).map(_slow)
    X = sdd.HashingVectorizer(n_features=2**10).transform(bag)
    future = client.compute(X)
    time.sleep(0.5)
    assert not future.done(), "the job ended before a worker could be killed"
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    got = future.result(timeout=120)
    assert victim not in client.run(os.getpid).values() or True
    assert_same_csr(got, want)
    client.wait_for_workers(2, timeout=60)


def _holders(dask_scheduler):
    """The workers holding each key in memory (run on the scheduler)."""
    return {ts.key: {ws.address for ws in ts.who_has}
            for ts in dask_scheduler.tasks.values() if ts.who_has}


def _kill_workers(client, addresses):
    """SIGKILL these workers and wait until their nannies have replaced them."""
    pids = client.run(os.getpid)
    for address in addresses:
        os.kill(pids[address], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while set(addresses) & set(client.scheduler_info()["workers"]):
        assert time.monotonic() < deadline, "the killed workers are still registered"
        time.sleep(0.1)
    client.wait_for_workers(2, timeout=60)


def _slow_block(X):
    time.sleep(0.1)
    return X


def test_shipped_objects_are_made_again_when_their_worker_dies(client, docs, table):
    """Collections built, every worker holding data killed, then computed: the same results.

    The table and the fitted vectorizers are keys of the graph, which the
    scheduler makes again, also when lost mid-job. A scattered copy was not:
    Dask's memory manager drops the replicas no queued task needs, and the
    last one was lost with its worker (the job failed: "lost dependencies").
    """
    words, W = table
    ev = sdd.EmbeddingVectorizer(W, words).fit(docs)
    cv = sdd.CountVectorizer(min_df=2).fit(docs)
    Xs = sd.CountVectorizer(vocabulary=words).fit_transform(docs)
    want_dense = sd.sparse_to_dense(Xs, W)
    jobs = {
        "embed": (ev.transform(bag_of(docs, 4)),
                  sd.EmbeddingVectorizer(W, words).fit(docs).transform(docs)),
        "count": (cv.transform(bag_of(docs, 4)), sd.CountVectorizer(min_df=2).fit_transform(docs)),
        "dense": (sdd.sparse_to_dense(da.from_array(Xs, chunks=(100, -1), asarray=False), W),
                  want_dense),
    }
    # let the memory manager (every 2 s) drop the replicas no task needs, then kill every
    # worker that holds anything (at least one)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
            len(where) > 1 for where in client.run_on_scheduler(_holders).values()):
        time.sleep(0.2)
    held = set().union(*client.run_on_scheduler(_holders).values())
    _kill_workers(client, held or {min(client.run(os.getpid))})
    for kind, (lazy, want) in jobs.items():
        got = lazy.compute()
        if sp.issparse(want):
            assert_same_csr(got, want)
        else:
            np.testing.assert_array_equal(got, want, err_msg=kind)
    # killed mid-job, once the table is on a worker: its key is made again
    slow = da.from_array(Xs, chunks=(30, -1), asarray=False)
    slow = slow.map_blocks(_slow_block, dtype=Xs.dtype, meta=Xs[:0])
    future = client.compute(sdd.sparse_to_dense(slow, W))
    deadline = time.monotonic() + 30
    while not (held := {w for key, where in client.run_on_scheduler(_holders).items()
                        if str(key).startswith("weight-") for w in where}):
        assert time.monotonic() < deadline, "the table never reached a worker"
        time.sleep(0.02)
    assert not future.done(), "the job ended before a worker could be killed"
    _kill_workers(client, held)
    np.testing.assert_array_equal(future.result(timeout=60), want_dense)


def _first_task_on_worker():
    """Run on a fresh worker: the first kernel calls, their warnings, the cache location."""
    import sparsedense
    from sparsedense._kernels._config import _TolerantCache
    from sparsedense._kernels.hashing import _hash_features

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = sparsedense.HashingVectorizer(n_features=64).transform(["deposit savings", "rain"])
    path = _hash_features._cache._inner._cache_path
    writable = os.access(path, os.W_OK) if os.path.isdir(path) else False
    return {"nnz": X.nnz, "warnings": [str(w.message) for w in caught],
            "writable": writable, "tolerant": isinstance(_hash_features._cache, _TolerantCache)}


def test_numba_kernels_on_fresh_workers(client, docs):
    client.restart()
    client.wait_for_workers(2, timeout=60)
    reports = client.run(_first_task_on_worker)
    assert len(reports) == 2
    for report in reports.values():
        assert report["nnz"] == 3
        assert not [w for w in report["warnings"] if "cach" not in w.lower()], report
        # the rule of the reliability issue: a writable cache, or a compile in memory
        assert report["writable"] or report["tolerant"]
    X = sdd.TfidfVectorizer().fit_transform(bag_of(docs, 4))
    assert_same_csr(X.compute(), sd.TfidfVectorizer().fit_transform(docs), atol=1e-12)


def test_unwritable_numba_cache_on_a_worker(tmp_path):
    """A worker whose NUMBA_CACHE_DIR cannot be created compiles in memory and still works."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {"NUMBA_CACHE_DIR": str(blocker / "cache")}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0", env=env) as cluster, Client(cluster) as c:
        W = np.arange(12, dtype=np.float32).reshape(4, 3)
        X = sp.csr_matrix(np.array([[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 0, 1]], np.float32))
        D = sdd.sparse_to_dense(da.from_array(X, chunks=(2, 4), asarray=False), W)
        np.testing.assert_array_equal(c.compute(D, sync=True), X @ W)
        assert c.run(lambda: os.environ.get("NUMBA_CACHE_DIR")).popitem()[1] == env[
            "NUMBA_CACHE_DIR"]
    assert blocker.read_text() == "not a directory"


# -- bad input -------------------------------------------------------------------
def test_bad_input_raises_before_any_work(client, docs):
    with pytest.raises(FileNotFoundError, match="raw_documents: 'just one string' matches no "
                                                "readable file"):
        sdd.CountVectorizer().fit("just one string")  # a str is a path or a glob
    with pytest.raises(TypeError, match="raw_documents must be a dask.bag"):
        sdd.CountVectorizer().fit(da.zeros(3))
    with pytest.raises(sd.InvalidParameterError, match="'min_df' parameter of CountVectorizer"):
        sdd.CountVectorizer(min_df=-1).fit(bag_of(docs))
    with pytest.raises(ValueError, match="split_every must be an int >= 2; got 1"):
        sdd.TfidfVectorizer().fit(bag_of(docs), split_every=1)
    with pytest.raises(sd.NotFittedError):
        sdd.TfidfVectorizer().transform(bag_of(docs))
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        sdd.read_text("/nonexistent/nothing-here-*.txt")
    W = np.ones((3, 2), dtype=np.float16)
    X = sdd.CountVectorizer(vocabulary=["a", "b", "c"]).fit(docs).transform(docs)
    with pytest.raises(TypeError, match="weight must have dtype float32 or float64; got float16"):
        sdd.sparse_to_dense(X, W)
    with pytest.raises(ValueError, match="mode must be one of"):
        sdd.sparse_to_dense(X, W.astype(np.float32), mode="median")
    C = da.ones((10, 4), chunks=(3, 4))
    with pytest.raises(ValueError, match="k = 11 is more than the 10 corpus rows available"):
        sdd.topk_similar(np.ones((2, 4)), C, k=11)
    with pytest.raises(ValueError, match="same number of columns; got 3 and 4"):
        sdd.topk_similar(np.ones((2, 3)), C, k=2)
