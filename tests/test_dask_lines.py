"""The fast row count of file inputs equals what dask.bag.read_text reads, line for line."""

from __future__ import annotations

import bz2
import gzip

import pytest

pytest.importorskip("dask.bag")

import dask  # noqa: E402
import dask.bag as db  # noqa: E402

from sparsedense.dask import _graph  # noqa: E402

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


def test_partition_lengths_of_files_use_the_byte_count(tmp_path, monkeypatch):
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
    with dask.config.set(scheduler="sync"):
        assert _graph.partition_lengths(bag) == expected
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
