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
    assert bag.name in _graph._FILES
    expected = tuple(len(part) for part in
                     dask.compute(*bag.map_partitions(list).to_delayed(), scheduler="sync"))

    def no_python_pass(*args, **kwargs):
        raise AssertionError("the partitions were read in Python to count them")

    monkeypatch.setattr(_graph, "_count_partition", no_python_pass)
    with dask.config.set(scheduler="sync"):
        assert _graph.partition_lengths(bag) == expected
    # split into byte blocks, a file is several partitions: counted in Python
    blocked = _graph.read_text(paths, blocksize=4)
    assert blocked.name not in _graph._FILES


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
    assert bag.name in _graph._FILES  # the one-task-a-partition path is taken
    parts = _graph.per_partition(_documents, bag)
    assert len(parts) == 2
    got = dask.compute(*parts, scheduler="sync")
    want = [list(p) for p in dask.compute(*bag.to_delayed(), scheduler="sync")]
    assert [i for i, _ in got] == [0, 1]
    assert [docs for _, docs in got] == want
    assert [len(d) for d in want] == list(_graph.partition_lengths(bag))
