"""Dask graphs and inputs (dask/_graph.py): reading text files, partitions, row counts.

The fast row count of file inputs equals what dask.bag.read_text reads, line for
line, and so do the partition tasks; ``read_text`` keeps the order of the lines
and its partitions can move between workers (those tests need a cluster: they
are skipped without distributed, the others need only dask.bag).

``bag_of``, ``assert_same_csr`` and ``assert_known_chunks`` serve every
test_dask_*.py file.
"""

from __future__ import annotations

import bz2
import gzip

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("dask.bag")

import dask  # noqa: E402
import dask.bag as db  # noqa: E402

import sparsedense as sd  # noqa: E402
import sparsedense.dask as sdd  # noqa: E402
from sparsedense.dask import _graph  # noqa: E402


# -- documents; helpers that serve every test_dask_*.py file ----------------------


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


# -- row counts of file inputs ----------------------------------------------------

CONTENTS = [b"", b"\n", b"a", b"a\n", b"a\r\nb\rc\n\nd", b"x\r", b"\r\n\r\n", b"\r\r\n\n",
            "예금\n적금\r\n주택대출".encode(), b"one\n" * 1000 + b"tail"]


@pytest.mark.parametrize("block", [1, 2, 3, 1 << 24])
@pytest.mark.parametrize("content", CONTENTS)
def test_count_lines_equals_read_text(tmp_path, monkeypatch, content, block):
    monkeypatch.setattr(_graph, "_COUNT_BLOCK", block)  # \r\n split between blocks too
    path = tmp_path / "f.txt"
    path.write_bytes(content)
    expected = len(db.read_text(str(path)).compute(scheduler="sync"))
    assert _graph.count_lines(str(path)) == expected


@pytest.mark.parametrize("suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open)])
def test_count_lines_of_compressed_files(tmp_path, suffix, opener):
    path = tmp_path / f"f.txt{suffix}"
    with opener(path, "wb") as fh:
        fh.write(b"a\r\nb\rc\n\nd")
    assert _graph.count_lines(str(path)) == 5


def test_the_client_counts_small_files_only(tmp_path):
    """A compressed byte weighs more (it becomes several); a file it cannot see: the workers."""
    from sparsedense._kernels import _tuning

    plain, packed = tmp_path / "a.txt", tmp_path / "b.txt.gz"
    plain.write_bytes(b"x" * 1000)
    packed.write_bytes(b"x" * 100)
    size = 1000 + 100 * _graph._COMPRESSED_WEIGHT
    for limit, want in ((size, True), (size - 1, False)):
        with _tuning.override(DASK_CLIENT_COUNT_MAX_BYTES=limit):
            assert _graph._client_counts([str(plain), str(packed)]) is want
    with _tuning.override(DASK_CLIENT_COUNT_MAX_BYTES=1 << 40):
        assert not _graph._client_counts([str(tmp_path / "gone.txt")])


@pytest.mark.parametrize("limit, by_client", [(0, False), (1 << 40, True)])
def test_partition_lengths_of_files_use_the_byte_count(tmp_path, monkeypatch, limit, by_client):
    """Small files are counted by the client (no job), larger ones by one task a file."""
    from sparsedense._kernels import _tuning

    paths = []
    for i, content in enumerate(CONTENTS):
        p = tmp_path / f"p{i}.txt"
        p.write_bytes(content)
        paths.append(str(p))
    bag = _graph.read_text(paths)
    assert _graph._files_of(bag) == tuple(paths)  # a TextFiles bag: one file a partition
    expected = tuple(len(part) for part in
                     dask.compute(*bag.map_partitions(list).to_delayed(), scheduler="sync"))

    def no_python_pass(*args, **kwargs):
        raise AssertionError("the partitions were read in Python to count them")

    monkeypatch.setattr(_graph, "_count_partition", no_python_pass)
    jobs = []
    compute = dask.compute
    monkeypatch.setattr(_graph.dask, "compute", lambda *a, **k: jobs.append(a) or compute(*a, **k))
    with dask.config.set(scheduler="sync"), _tuning.override(DASK_CLIENT_COUNT_MAX_BYTES=limit):
        assert _graph.partition_lengths(bag) == expected
    assert len(jobs) == (0 if by_client else 1)
    # split into byte blocks, a file is several partitions: counted in Python
    blocked = _graph.read_text(paths, blocksize=4)
    assert _graph._files_of(blocked) == ()


def _documents(docs, index):
    return index, docs


@pytest.mark.parametrize("content", CONTENTS)
def test_partition_tasks_read_what_the_bag_reads(tmp_path, content):
    """Each partition task reads its own file: the same documents as the bag's partition."""
    plain = tmp_path / "plain.txt"
    plain.write_bytes(content)
    packed = tmp_path / "packed.txt.gz"
    with gzip.open(packed, "wb") as fh:
        fh.write(content + b"\nlast")
    bag = _graph.read_text([str(plain), str(packed)])
    assert _graph._files_of(bag)  # the one-task-a-partition path is taken
    parts = _graph.per_partition(_documents, bag)
    assert len(parts) == 2
    got = dask.compute(*parts, scheduler="sync")
    want = [list(p) for p in dask.compute(*bag.to_delayed(), scheduler="sync")]
    assert [i for i, _ in got] == [0, 1]
    assert [docs for _, docs in got] == want
    assert [len(d) for d in want] == list(_graph.partition_lengths(bag))


# -- read_text on a cluster ------------------------------------------------------


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


def test_lengths_live_on_the_bag_and_the_fitted_estimator_not_in_a_registry(tmp_path,
                                                                              monkeypatch):
    """A fit's partition lengths serve the transform of the same bag; a derived bag recounts."""
    from sparsedense.dask import CountVectorizer

    paths = []
    for i, content in enumerate(CONTENTS):
        p = tmp_path / f"q{i}.txt"
        p.write_bytes(content)
        paths.append(str(p))
    bag = _graph.read_text(paths)
    with dask.config.set(scheduler="sync"):
        cv = CountVectorizer(token_pattern=r"\S+").fit(bag)
        name, lengths = cv._partition_lengths_
        assert name == bag.name and bag.lengths == lengths
        assert "_partition_lengths_" not in vars(cv.to_local())

        def no_count(*args, **kwargs):
            raise AssertionError("the lengths were counted again")

        monkeypatch.setattr(_graph, "count_lines", no_count)
        monkeypatch.setattr(_graph, "_count_partition", no_count)
        assert cv.transform(bag).chunks[0] == lengths
        derived = bag.map(str.upper)
        assert type(derived) is _graph.TextFiles and _graph._files_of(derived) == ()
        monkeypatch.undo()
        assert _graph.partition_lengths(derived) == lengths
