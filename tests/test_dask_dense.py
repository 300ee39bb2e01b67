"""EmbeddingVectorizer and sparse_to_dense of sparsedense.dask (dask/_dense.py) on a real cluster.

``transform`` and ``sparse_to_dense`` on blocks equal the single-machine calls,
and the table is one key of the graph (or, memory-mapped, its path), never a
copy in every task.

``fit_transform``: one pass over the text, same results.

The single pass keeps each partition's counts on the worker that made them
and makes them dense there once the idf is known: the output, the fitted
``vectorizer_`` (vocabulary, idf) must equal the single-machine ones, each
document must be read once, and a worker that dies (losing its counts) must
not change the result.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402

import sparsedense as sd  # noqa: E402
import sparsedense.dask as sdd  # noqa: E402
from sparsedense._base.files import memmap_source  # noqa: E402

from test_dask_graph import assert_known_chunks, bag_of  # noqa: E402


@pytest.fixture(scope="module")
def docs(sample_docs):
    return sample_docs + ["", "the the the", "예금 예금 적금", "unknownword only"]


@pytest.fixture(scope="module")
def table(docs):
    words = sd.CountVectorizer().fit(docs).get_feature_names_out().tolist()[::2]
    rng = np.random.default_rng(1)
    return words, rng.standard_normal((len(words), 8)).astype(np.float32)


def assert_same_fit(got, want):
    """The fitted sparse steps are the same: class, vocabulary, idf."""
    assert type(got) is type(want)
    assert got.vocabulary_ == want.vocabulary_
    if not hasattr(want, "_tfidf"):
        assert not hasattr(got, "_tfidf")
    elif hasattr(want._tfidf, "idf_"):
        np.testing.assert_array_equal(got.idf_, want.idf_)
        assert got.idf_.dtype == want.idf_.dtype
    else:  # use_idf=False
        assert not hasattr(got._tfidf, "idf_")


@pytest.mark.parametrize("weighting,mode,normalize,kw", [
    ("tfidf", "mean", None, {}),
    ("tfidf", "sum", "l2", {"sublinear_tf": True, "smooth_idf": False, "norm": "l1"}),
    ("tfidf", "max", None, {"use_idf": False}),
    ("count", "mean", None, {}),
    ("binary", "sum", None, {}),
])
def test_fit_transform_equals_single_machine(client, docs, table, weighting, mode,
                                             normalize, kw):
    words, W = table
    params = dict(weighting=weighting, mode=mode, normalize=normalize, **kw)
    ev = sdd.EmbeddingVectorizer(W, words, **params)
    D = ev.fit_transform(db.from_sequence(docs, npartitions=6))
    single = sd.EmbeddingVectorizer(W, words, **params)
    want = single.fit_transform(docs)
    assert not np.isnan(D.shape[0]) and sum(D.chunks[0]) == len(docs)
    assert_same_fit(ev.vectorizer_, single.vectorizer_)
    got = D.compute()
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    # the two-pass route gives the same array, and the fitted estimator works without Dask
    again = sdd.EmbeddingVectorizer(W, words, **params).fit(docs).transform(docs)
    np.testing.assert_array_equal(again.compute(), want)
    np.testing.assert_array_equal(ev.to_local().transform(docs), single.transform(docs))


def test_fit_transform_of_files_and_empty_partitions(client, docs, table, tmp_path):
    words, W = table
    half = len(docs) // 2
    (tmp_path / "a.txt").write_text("\n".join(docs[:half]) + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("", encoding="utf-8")  # a file without documents
    (tmp_path / "c.txt").write_text("\n".join(docs[half:]) + "\n", encoding="utf-8")
    single = sd.EmbeddingVectorizer(W, words)
    want = single.fit_transform(docs)
    ev = sdd.EmbeddingVectorizer(W, words)
    D = ev.fit_transform(sorted(tmp_path.glob("*.txt")))  # a list of paths: files
    assert D.chunks[0] == (half, 0, len(docs) - half)
    assert_same_fit(ev.vectorizer_, single.vectorizer_)
    np.testing.assert_array_equal(D.compute(), want)
    # an empty partition in a bag
    parts = [dask.delayed(list)(docs[:7]), dask.delayed(list)([]),
             dask.delayed(list)(docs[7:])]
    D = sdd.EmbeddingVectorizer(W, words).fit_transform(db.from_delayed(parts))
    assert D.chunks[0] == (7, 0, len(docs) - 7)
    np.testing.assert_array_equal(D.compute(), want)


def test_a_large_table_is_one_key_without_a_warning(client, docs, table, tmp_path):
    words, _ = table
    W = np.random.default_rng(2).standard_normal((len(words), 4096)).astype(np.float32)
    assert W.nbytes > 10 * 2**20  # above distributed's large-graph warning threshold
    (tmp_path / "a.txt").write_text("\n".join(docs) + "\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        D = sdd.EmbeddingVectorizer(W, words).fit_transform([tmp_path / "a.txt"])
    assert not [w for w in caught if "large graph" in str(w.message)]
    graph = dict(D.__dask_graph__())
    assert not any(isinstance(v, np.ndarray) and v.size == W.size for v in graph.values())
    np.testing.assert_array_equal(D.compute(), sd.EmbeddingVectorizer(W, words).fit_transform(docs))


def test_allow_in_graph_of_a_collection_counts_the_objects_it_ships(client, docs, table):
    """Computing transform's array inside allow_in_graph(D) sends the table without a warning.

    The collection stands for what graph_node put in its graph (the fitted
    vectorizer and the table), so the caller needs to know nothing of it.
    """
    from sparsedense.dask._graph import allow_in_graph, graph_nodes

    words, _ = table
    W = np.random.default_rng(3).standard_normal((len(words), 4096)).astype(np.float32)
    ev = sdd.EmbeddingVectorizer(W, words).fit(docs)
    D = ev.transform(docs)
    shipped = graph_nodes(D)
    assert sorted(k.split("-")[0] for k in shipped) == ["vectorizer", "weight"]
    assert any(v is W or (isinstance(v, np.ndarray) and np.shares_memory(v, W))
               for v in shipped.values())
    key = "distributed.admin.large-graph-warning-threshold"
    before = dask.utils.parse_bytes(dask.config.get(key))
    with allow_in_graph(D):
        assert dask.config.get(key) >= before + W.nbytes
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = D.compute()
    assert dask.utils.parse_bytes(dask.config.get(key)) == before
    assert not [w for w in caught if "large graph" in str(w.message)]
    np.testing.assert_array_equal(got, sd.EmbeddingVectorizer(W, words).fit(docs).transform(docs))


def _logged(path):
    def log(doc):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("x\n")
        return doc
    return log


def test_fit_transform_reads_each_document_once(client, docs, table, tmp_path):
    words, W = table
    log = tmp_path / "reads.log"
    bag = db.from_sequence(docs, npartitions=5).map(_logged(str(log)))
    D = sdd.EmbeddingVectorizer(W, words).fit_transform(bag)
    got = D.compute()
    assert log.read_text().count("x") == len(docs)
    np.testing.assert_array_equal(got, sd.EmbeddingVectorizer(W, words).fit_transform(docs))


def test_fit_transform_with_local_schedulers(docs, table):
    words, W = table
    want = sd.EmbeddingVectorizer(W, words, mode="sum").fit_transform(docs)
    for scheduler in ("sync", "processes"):
        with dask.config.set(scheduler=scheduler, num_workers=2):
            ev = sdd.EmbeddingVectorizer(W, words, mode="sum")
            got = ev.fit_transform(db.from_sequence(docs, npartitions=3)).compute()
        np.testing.assert_array_equal(got, want)


def _slow(doc):
    time.sleep(0.003)
    return doc


def _kill_a_worker(client):
    pids = client.run(os.getpid)
    os.kill(sorted(pids.values())[0], signal.SIGKILL)


def test_worker_killed_during_and_after_the_fit_gives_the_same_result(client, docs, table):
    words, W = table
    many = docs * 2
    single = sd.EmbeddingVectorizer(W, words)
    want = single.fit_transform(many)
    # killed while the partitions are counted (fit_transform waits for the idf)
    bag = db.from_sequence(many, npartitions=12).map(_slow)
    killer = threading.Timer(0.5, _kill_a_worker, args=(client,))
    killer.start()
    t0 = time.perf_counter()
    ev = sdd.EmbeddingVectorizer(W, words)
    D = ev.fit_transform(bag)
    killer.join()
    assert time.perf_counter() - t0 > 0.5, "the fit ended before a worker could be killed"
    assert_same_fit(ev.vectorizer_, single.vectorizer_)
    np.testing.assert_array_equal(D.compute(), want)
    client.wait_for_workers(2, timeout=60)
    # killed once the counts are held on the workers: the lost ones are counted again
    D = sdd.EmbeddingVectorizer(W, words).fit_transform(
        db.from_sequence(many, npartitions=12).map(_slow))
    _kill_a_worker(client)
    np.testing.assert_array_equal(D.compute(), want)
    client.wait_for_workers(2, timeout=60)


def test_bad_document_in_fit_transform_names_its_partition_and_changes_nothing(
        client, docs, table):
    words, W = table
    ev = sdd.EmbeddingVectorizer(W, words)
    bad = docs[:30] + [None] + docs[30:40]
    with pytest.raises(TypeError, match=r"in partition \d+ of the documents: "
                                        r"raw_documents\[\d+\] is NoneType None"):
        ev.fit_transform(db.from_sequence(bad, npartitions=4))
    assert not hasattr(ev, "vectorizer_")
    with pytest.raises(ValueError, match="split_every must be an int >= 2; got 1"):
        ev.fit_transform(db.from_sequence(docs, npartitions=4), split_every=1)
    assert not hasattr(ev, "vectorizer_")


# ---------------------------------------------------------------- transform on blocks


def _carrying(graph, data: bytes) -> list:
    """The keys of ``graph`` whose task, pickled, holds the bytes ``data``."""
    import cloudpickle

    return [key for key, task in graph.items() if data in cloudpickle.dumps(task)]


def _scheduler_keys(dask_scheduler):
    return [str(key) for key in dask_scheduler.tasks]


class TestTransformOnBlocks:
    """EmbeddingVectorizer.transform and sparse_to_dense on blocks: the table is one key.

    Their corpus and table (16 dimensions) are those of test_dask.py, where they were.
    """

    @pytest.fixture(scope="class")
    def docs(self, sample_docs):
        # the sample corpus plus documents that make empty rows and repeated words
        return sample_docs + ["", "the the the", "예금 예금 적금"]

    @pytest.fixture(scope="class")
    def table(self, docs):
        words = sd.CountVectorizer().fit(docs).get_feature_names_out().tolist()[::2]
        rng = np.random.default_rng(0)
        return words, rng.standard_normal((len(words), 16)).astype(np.float32)

    @pytest.mark.parametrize("weighting,mode,normalize", [
        ("tfidf", "mean", None), ("count", "sum", "l2"), ("binary", "max", None)])
    def test_embedding_vectorizer_equals_single_machine(self, client, docs, table, weighting, mode,
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

    def test_weight_table_is_one_key_of_the_graph_or_its_path(self, client, docs, table, tmp_path):
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

    def test_sparse_to_dense_on_blocks_and_to_npy_stack(self, client, docs, table, tmp_path):
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
