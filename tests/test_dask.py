"""sparsedense.dask on a real cluster: scheduler and 2 worker processes on loopback.

Every job is compared with the single-machine call on the same documents:
equal wherever the arithmetic is the same, within the documented bound
where it is not.
"""

from __future__ import annotations

import gzip
import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import sparsedense as sd  # noqa: E402
import sparsedense.dask as sdd  # noqa: E402
from sparsedense._base.files import memmap_source  # noqa: E402


@pytest.fixture(scope="module")
def docs(sample_docs):
    # the sample corpus plus documents that make empty rows and repeated words
    return sample_docs + ["", "the the the", "예금 예금 적금"]


def bag_of(docs, npartitions=7):
    return db.from_sequence(docs, npartitions=npartitions)


def assert_same_csr(got, want, atol=0.0):
    got = sp.csr_matrix(got)
    want = sp.csr_matrix(want)
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    if atol:
        np.testing.assert_allclose(got.data, want.data, rtol=0, atol=atol)
    else:
        np.testing.assert_array_equal(got.data, want.data)


def assert_known_chunks(X, n_rows):
    assert not any(np.isnan(c) for cs in X.chunks for c in cs), X.chunks
    assert sum(X.chunks[0]) == n_rows == X.shape[0]


# -- vectorizers ----------------------------------------------------------------
def test_hashing_blocks_equal_single_machine(client, docs):
    bag = bag_of(docs)
    X = sdd.HashingVectorizer(n_features=2**12).transform(bag)
    assert_known_chunks(X, len(docs))
    assert sp.issparse(X._meta) and X._meta.dtype == X.dtype == np.float64
    blocks = client.compute(X.to_delayed().ravel().tolist(), sync=True)
    start = 0
    single = sd.HashingVectorizer(n_features=2**12)
    for block, rows in zip(blocks, X.chunks[0]):
        assert_same_csr(block, single.transform(docs[start:start + rows]))
        start += rows
    assert_same_csr(X.compute(), single.transform(docs))


@pytest.mark.parametrize("params", [
    {},
    {"min_df": 2, "max_df": 0.5},
    {"max_features": 40},  # many ties in the total counts at the cut
    {"max_features": 25, "binary": True, "ngram_range": (1, 2)},
    {"analyzer": "char_wb", "ngram_range": (2, 3), "min_df": 3},
    {"stop_words": "english", "min_df": 0.01},
])
def test_count_fit_transform_equals_single_machine(client, docs, params):
    cv = sdd.CountVectorizer(**params)
    X = cv.fit_transform(bag_of(docs))
    assert_known_chunks(X, len(docs))
    single = sd.CountVectorizer(**params)
    want = single.fit_transform(docs)
    assert cv.vocabulary_ == single.vocabulary_
    assert cv.stop_words_ == single.stop_words_
    assert_same_csr(X.compute(), want)


@pytest.mark.parametrize("params", [
    {},
    {"sublinear_tf": True, "norm": "l1", "min_df": 2},
    {"max_features": 50, "smooth_idf": False},
    {"dtype": np.float32, "max_df": 0.3},
    {"use_idf": False},
])
def test_tfidf_fit_transform_equals_single_machine(client, docs, params):
    tv = sdd.TfidfVectorizer(**params)
    X = tv.fit_transform(bag_of(docs, 5), split_every=2)
    single = sd.TfidfVectorizer(**params)
    want = single.fit_transform(docs)
    assert tv.vocabulary_ == single.vocabulary_
    if single.use_idf:
        assert tv.idf_.dtype == single.idf_.dtype
        np.testing.assert_array_equal(tv.idf_, single.idf_)
    assert_same_csr(X.compute(), want, atol=1e-12)
    # the fitted estimator is an ordinary sparsedense vectorizer
    local = tv.to_local()
    assert type(local) is sd.TfidfVectorizer
    assert_same_csr(local.transform(docs), single.transform(docs))


def test_fixed_vocabulary_tfidf(client, docs):
    vocab = ["bank", "rain", "savings", "the", "예금"]
    tv = sdd.TfidfVectorizer(vocabulary=vocab).fit(bag_of(docs))
    single = sd.TfidfVectorizer(vocabulary=vocab).fit(docs)
    np.testing.assert_array_equal(tv.idf_, single.idf_)
    assert_same_csr(tv.transform(bag_of(docs, 3)).compute(), single.transform(docs))


def test_inputs_series_files_glob_gz_and_list(client, docs, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    single = sd.TfidfVectorizer().fit(docs)
    want = single.transform(docs)
    # one document per line, split over a plain and a gzipped file
    half = len(docs) // 2
    (tmp_path / "a.txt").write_text("\n".join(docs[:half]) + "\n", encoding="utf-8")
    with gzip.open(tmp_path / "b.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\r\n".join(docs[half:]) + "\r\n")
    series = dd.from_pandas(pd.Series(docs, dtype=object), npartitions=4)
    inputs = {"series": series, "glob": str(tmp_path / "*.txt*"),
              "paths": [tmp_path / "a.txt", tmp_path / "b.txt.gz"], "list": docs}
    for kind, value in inputs.items():
        tv = sdd.TfidfVectorizer()
        X = tv.fit_transform(value)
        assert tv.vocabulary_ == single.vocabulary_, kind
        np.testing.assert_array_equal(tv.idf_, single.idf_)
        assert_known_chunks(X, len(docs))
        assert_same_csr(X.compute(), want, atol=1e-12)


def test_read_text_blocksize_keeps_order(client, docs, tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(docs * 3) + "\n", encoding="utf-8")
    bag = sdd.read_text(path, blocksize=4096)
    assert bag.npartitions > 3
    X = sdd.HashingVectorizer(n_features=256).transform(bag)
    assert_same_csr(X.compute(), sd.HashingVectorizer(n_features=256).transform(docs * 3))


def test_a_read_partition_can_move_to_another_worker(client, docs, tmp_path):
    """What a task gets of a file partition is a list (a bag's lazy iterator cannot travel)."""
    from sparsedense.dask._graph import _materialize

    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(docs) + "\n", encoding="utf-8")
    parts = sdd.read_text(path).map_partitions(_materialize).to_delayed(optimize_graph=True)
    first, second = sorted(client.scheduler_info()["workers"])
    read = client.compute(parts[0], workers=[first])
    assert client.submit(len, read, workers=[second]).result(timeout=60) == len(docs)
    # and a whole job on file partitions, whose tasks may run on either worker
    X = sdd.HashingVectorizer(n_features=256).transform(sdd.read_text(path, blocksize=2048))
    assert_same_csr(X.compute(), sd.HashingVectorizer(n_features=256).transform(docs))


def test_local_processes_scheduler(docs):
    with dask.config.set(scheduler="processes", num_workers=2):
        cv = sdd.CountVectorizer(min_df=2).fit(bag_of(docs, 4))
        X = cv.transform(docs).compute()
    single = sd.CountVectorizer(min_df=2)
    want = single.fit_transform(docs)
    assert cv.vocabulary_ == single.vocabulary_
    assert_same_csr(X, want)


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


# -- dense ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def table(docs):
    words = sd.CountVectorizer().fit(docs).get_feature_names_out().tolist()[::2]
    rng = np.random.default_rng(0)
    return words, rng.standard_normal((len(words), 16)).astype(np.float32)


@pytest.mark.parametrize("weighting,mode,normalize", [
    ("tfidf", "mean", None), ("count", "sum", "l2"), ("binary", "max", None)])
def test_embedding_vectorizer_equals_single_machine(client, docs, table, weighting, mode,
                                                    normalize):
    words, W = table
    kw = dict(weighting=weighting, mode=mode, normalize=normalize)
    ev = sdd.EmbeddingVectorizer(W, words, **kw)
    D = ev.fit_transform(bag_of(docs))
    assert_known_chunks(D, len(docs))
    assert D.dtype == np.float32 and isinstance(D._meta, np.ndarray)
    want = sd.EmbeddingVectorizer(W, words, **kw).fit_transform(docs)
    got = D.compute()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def _carrying(graph, data: bytes) -> list:
    """The keys of ``graph`` whose task, pickled, holds the bytes ``data``."""
    import cloudpickle

    return [key for key, task in graph.items() if data in cloudpickle.dumps(task)]


def _scheduler_keys(dask_scheduler):
    return [str(key) for key in dask_scheduler.tasks]


def test_weight_table_is_one_key_of_the_graph_or_its_path(client, docs, table, tmp_path):
    words, W = table
    want = sd.EmbeddingVectorizer(W, words).fit(docs).transform(docs)
    ev = sdd.EmbeddingVectorizer(W, words).fit(docs)
    D = ev.transform(bag_of(docs, 9))
    graph = dict(D.__dask_graph__())
    # building the array put nothing on the cluster (no scatter, nothing computed)
    assert not {str(k) for k in graph} & set(client.run_on_scheduler(_scheduler_keys))
    # the table is one key of the graph: the blocks' tasks refer to it, none carries a copy
    carriers = _carrying(graph, W.tobytes())
    assert len(carriers) == 1 and str(carriers[0]).startswith("weight-"), carriers
    np.testing.assert_array_equal(D.compute(), want)
    # a memory-mapped table travels as its path, in one key
    np.save(tmp_path / "W.npy", W)
    Wm = np.load(tmp_path / "W.npy", mmap_mode="r")
    assert memmap_source(Wm) is not None and memmap_source(Wm[1:]) is None
    D_m = sdd.EmbeddingVectorizer(Wm, words).fit(docs).transform(bag_of(docs, 9))
    graph = dict(D_m.__dask_graph__())
    assert not _carrying(graph, W.tobytes())
    assert len(_carrying(graph, str(tmp_path / "W.npy").encode())) == 1
    np.testing.assert_array_equal(D_m.compute(), want)


def test_sparse_to_dense_on_blocks_and_to_npy_stack(client, docs, table, tmp_path):
    words, W = table
    cv = sdd.CountVectorizer(vocabulary=words)
    X = cv.fit(docs).transform(bag_of(docs, 6))
    D = sdd.sparse_to_dense(X, W, mode="mean", normalize="l2")
    assert D.chunks == (X.chunks[0], (16,))
    assert len(_carrying(dict(D.__dask_graph__()), W.tobytes())) == 1  # one key, no copies
    want = sd.sparse_to_dense(sd.CountVectorizer(vocabulary=words).fit_transform(docs), W,
                              mode="mean", normalize="l2")
    np.testing.assert_array_equal(D.compute(), want)
    # written chunk by chunk by the workers, never gathered on the client
    da.to_npy_stack(tmp_path / "stack", D, axis=0)
    np.testing.assert_array_equal(da.from_npy_stack(tmp_path / "stack").compute(), want)


# -- top-k -----------------------------------------------------------------------
def test_topk_identical_indices_with_ties_across_blocks(client):
    rng = np.random.default_rng(1)
    # small integers: every product is exact, so equal rows give exactly equal scores
    base = rng.integers(-3, 4, size=(40, 8)).astype(np.float64)
    corpus = np.concatenate([base, base[::-1], base[:10]])  # duplicates in other blocks
    queries = base[:12] + rng.integers(0, 2, size=(12, 8))
    C = da.from_array(corpus, chunks=(13, 8))  # blocks end mid-way through duplicates
    for metric, k in [("dot", 7), ("cosine", 5)]:
        idx, scores = sdd.topk_similar(queries, C, k=k, metric=metric, split_every=2)
        want_idx, want_scores = sd.topk_similar(queries, corpus, k=k, metric=metric)
        np.testing.assert_array_equal(idx, want_idx)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-12, atol=1e-12)
        assert scores.dtype == want_scores.dtype
    # exclude_self: query i is corpus row i
    idx, _ = sdd.topk_similar(corpus[:30], C, k=4, exclude_self=True, metric="dot")
    want_idx, _ = sd.topk_similar(corpus[:30], corpus, k=4, exclude_self=True, metric="dot")
    np.testing.assert_array_equal(idx, want_idx)


def test_topk_sparse_tfidf_corpus(client, docs):
    X = sdd.TfidfVectorizer().fit_transform(bag_of(docs, 5))
    Xs = sd.TfidfVectorizer().fit_transform(docs)
    queries = Xs[:20]
    idx, scores = sdd.topk_similar(queries, X, k=6)
    want_idx, want_scores = sd.topk_similar(queries, Xs, k=6)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-12, atol=1e-12)


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


def test_bad_document_names_its_partition_and_changes_nothing(client, docs):
    cv = sdd.CountVectorizer().fit(docs[:10])
    before = dict(cv.vocabulary_)
    bad = docs[:30] + [None] + docs[30:40]
    with pytest.raises(TypeError, match=r"in partition \d+ of the documents: "
                                        r"raw_documents\[\d+\] is NoneType None"):
        cv.fit(bag_of(bad, 4))
    assert cv.vocabulary_ == before


# -- the command line --------------------------------------------------------------
def run_cli(*args, check=True, **environ):
    import subprocess
    import sys

    env = dict(os.environ, PYTHONIOENCODING="utf-8", **environ)
    proc = subprocess.run([sys.executable, "-m", "sparsedense", *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def cli_corpus(tmp_path, docs, table):
    words, W = table
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("\n".join(docs[:150]) + "\n", encoding="utf-8")
    with gzip.open(folder / "b.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(docs[150:300]) + "\n")
    (folder / "c.txt").write_text("\n".join(docs[300:]) + "\n", encoding="utf-8")
    vectors = tmp_path / "vectors.txt"
    sd.Vectors(words, W).save(vectors, format="word2vec")
    return folder, vectors


def test_cli_embed_on_the_cluster_writes_the_same_file(client, cli_corpus, tmp_path):
    folder, vectors = cli_corpus
    single, on_dask = tmp_path / "single.npy", tmp_path / "dask.npy"
    common = ["--vectors", vectors, "--mode", "mean", "--normalize", "l2"]
    run_cli("embed", folder, *common, "-o", single)
    proc = run_cli("embed", folder, *common, "--scheduler", client.scheduler.address,
                   "-o", on_dask)
    assert "364 documents embedded" in proc.stdout
    assert on_dask.read_bytes() == single.read_bytes()


def test_cli_embed_with_a_table_over_10_mb_does_not_warn(client, cli_corpus, table, tmp_path):
    # the table is one key of the graph by design: no "Sending large graph" warning
    folder, _ = cli_corpus
    words, W = table
    rng = np.random.default_rng(5)
    extra = [f"extra{i}" for i in range(11_000)]
    big = np.concatenate([np.resize(W, (len(words), 256)),
                          rng.standard_normal((len(extra), 256))]).astype(np.float32)
    assert big.nbytes > 10 * 2**20
    vectors = tmp_path / "big.bin"
    sd.Vectors(list(words) + extra, big).save(vectors, format="word2vec", binary=True)
    out = tmp_path / "docs.npy"
    proc = run_cli("embed", folder, "--vectors", vectors, "--scheduler",
                   client.scheduler.address, "-o", out)
    assert "large graph" not in proc.stderr.lower(), proc.stderr
    single = tmp_path / "single.npy"
    run_cli("embed", folder, "--vectors", vectors, "-o", single)
    assert out.read_bytes() == single.read_bytes()


def test_cli_embed_with_local_workers_to_npz(cli_corpus, tmp_path):
    folder, vectors = cli_corpus
    single, on_dask = tmp_path / "single.npz", tmp_path / "dask.npz"
    common = ["--vectors", vectors, "--weighting", "count", "--mode", "sum"]
    run_cli("embed", folder, *common, "-o", single)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    run_cli("embed", folder, *common, "--workers", "2", "-o", on_dask, TMPDIR=str(scratch))
    np.testing.assert_array_equal(np.load(on_dask)["embeddings"],
                                  np.load(single)["embeddings"])
    # the table's temporary file (shared by the local workers) is gone
    assert not list(scratch.glob("sparsedense-embed-*")), list(scratch.iterdir())


def test_cli_local_workers_share_a_memory_mapped_table(tmp_path):
    from sparsedense.cli.embed import _shared_table
    from sparsedense._base.files import memmap_source

    W = np.arange(12, dtype=np.float32).reshape(4, 3)
    with _shared_table(W, local=True) as shared:
        assert isinstance(shared, np.memmap) and memmap_source(shared) is not None
        np.testing.assert_array_equal(shared, W)
        folder = Path(shared.filename).parent
    assert not folder.exists()
    with _shared_table(W, local=False) as shared:  # a remote cluster: the array itself
        assert shared is W
    np.save(tmp_path / "w.npy", W)
    mapped = np.load(tmp_path / "w.npy", mmap_mode="r")
    with _shared_table(mapped, local=True) as shared:  # already mapped: as it is
        assert shared is mapped


def test_batch_config_changes_known_settings_only():
    cfg = sdd.batch_config()
    assert cfg is not sdd.batch_config()  # a new dictionary each time
    for key, value in cfg.items():  # each one a setting distributed has (a renamed key fails)
        assert dask.config.get(key) != value, key
    assert "distributed.worker.memory.monitor-interval" not in cfg


def test_cli_local_cluster_runs_with_the_batch_config():
    import argparse

    from sparsedense.cli.embed import _dask_client

    def worker_settings():
        return (dask.config.get("distributed.worker.profile.enabled"),
                dask.config.get("distributed.admin.tick.interval"))

    before = worker_settings()
    with _dask_client(argparse.Namespace(scheduler=None, workers=2)) as client:
        on_workers = client.run(worker_settings)
        on_scheduler = client.run_on_scheduler(worker_settings)
    assert len(on_workers) == 2
    assert set(on_workers.values()) == {(False, "200ms")} and on_scheduler == (False, "200ms")
    assert worker_settings() == before  # the client's own configuration is restored


def test_cli_embed_failing_job_leaves_nothing_behind(client, cli_corpus, tmp_path):
    folder, vectors = cli_corpus
    (folder / "d.txt").write_bytes(b"fine line\n\xff\xfe not utf-8\n")
    out = tmp_path / "docs.npy"
    out.write_bytes(b"previous")
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = run_cli("embed", folder, "--vectors", vectors, "--scheduler",
                   client.scheduler.address, "-o", out, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "utf-8" in proc.stderr
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    proc = run_cli("embed", folder, "--lsa", "2", "--workers", "2", "-o", out, check=False)
    assert proc.returncode == 2 and "--scheduler and --workers run the --vectors job" in \
        proc.stderr
    proc = run_cli("embed", folder, "--vectors", vectors, "--workers", "0", "-o", out,
                   check=False)
    assert proc.returncode == 2 and "--workers must be >= 1; got 0" in proc.stderr
    assert out.read_bytes() == b"previous"


def test_partition_errors_are_new_objects_of_the_same_kind():
    """Raised ``from exc``, the error must never be ``exc`` itself (a cycle of causes that
    distributed's error report follows forever; a document error of a TypeError subclass
    once hung a worker this way)."""
    from sparsedense.dask._text import _in_partition
    from sparsedense._base.errors import DocumentTypeError

    for exc in (TypeError("t"), ValueError("v"), DocumentTypeError("d"),
                UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")):
        new = _in_partition(exc, 3)
        assert new is not exc
        assert str(new).startswith("in partition 3 of the documents: ")
        assert isinstance(new, TypeError if isinstance(exc, TypeError) else ValueError)
    assert type(_in_partition(DocumentTypeError("d"), 0)) is DocumentTypeError
