"""Inputs as partitions, objects as keys of the graph, and the graphs built on them.

Everything else in :mod:`sparsedense.dask` is a thin layer over three helpers:

* :func:`as_bag` turns what a user passes (a ``dask.bag``, a dask Series, a
  glob or a list of paths, a plain list of documents) into a bag whose
  partitions are lists of documents, in the input's order;
* :func:`graph_node` makes a large read-only object (a weight table, a
  fitted vocabulary, the queries) one key of the graph, which every task
  that needs it depends on instead of carrying a copy;
* :func:`row_blocks` and :func:`tree_reduce` write the task graphs: one task
  per partition (a row block of the result), and a reduction tree whose
  inner nodes combine at most ``split_every`` results.
"""

from __future__ import annotations

import codecs
import glob
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dask
import dask.array as da
import dask.bag as db
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph

from .._base.files import compression_of
from .._base.validation import _short, check_documents, check_int

#: default fan-in of the reduction trees (each inner task combines this many results)
SPLIT_EVERY = 8

#: encodings in which a line break is the byte \n, \r or \r\n (counted on the bytes)
_BYTE_NEWLINE_ENCODINGS = {"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252"}
_COUNT_BLOCK = 1 << 24
#: what a compressed byte weighs against DASK_CLIENT_COUNT_MAX_BYTES (text compresses ~4:1
#: and decompresses at about half the speed it is counted)
_COMPRESSED_WEIGHT = 8


# -- inputs ----------------------------------------------------------------
class TextFiles(db.Bag):
    """The bag :func:`read_text` makes when each partition is one whole file.

    It knows its ``files`` and their ``encoding``, so a task can read its file
    itself and the line breaks can be counted on the bytes; ``lengths`` (the
    documents of each file) is set once, when first counted. dask makes the
    bags derived from it (``map``, ``filter``, ...) with ``type(self)`` and
    no files: those are read as ordinary bags (see :func:`_files_of`).
    """

    def __init__(self, dsk, name: str, npartitions: int, files: tuple[str, ...] = (),
                 encoding: str = "utf-8") -> None:
        super().__init__(dsk, name, npartitions)
        self.files = tuple(files)
        self.encoding = encoding
        self.lengths: tuple[int, ...] | None = None


def _files_of(bag: db.Bag) -> tuple[str, ...]:
    """The files of a :class:`TextFiles` bag, one per partition; empty for any other bag."""
    if isinstance(bag, TextFiles) and len(bag.files) == bag.npartitions:
        return bag.files
    return ()


def _strip_line(line: str) -> str:
    """A line of a file as a document: the trailing newline removed (as the CLI reads files)."""
    return line.rstrip("\n").rstrip("\r")


def _is_paths(value: Any) -> bool:
    if isinstance(value, (str, os.PathLike)):
        return True
    return (isinstance(value, (list, tuple)) and len(value) > 0
            and all(isinstance(v, os.PathLike) for v in value))


def read_text(urlpath, blocksize: int | str | None = None, encoding: str = "utf-8",
              name: str = "urlpath") -> db.Bag:
    """A bag of documents from text files, one document per line (``.gz`` too).

    Parameters
    ----------
    urlpath : str, path, or list of them
        A file, a glob (``"corpus/*.txt.gz"``) or a list of files; every
        worker must be able to read them (a shared or network file system,
        or any ``fsspec`` URL).
    blocksize : int or str, optional
        Split uncompressed files into partitions of about this many bytes
        (``"64MiB"``), on line boundaries; by default one partition per file.
        Compressed files are always one partition each.
    encoding : str, default='utf-8'
    name : str, default='urlpath'
        The argument's name in error messages.

    Returns
    -------
    dask.bag.Bag
        Lines without their trailing newline, in file order.
    """
    if isinstance(urlpath, (str, os.PathLike)):
        paths = [os.fspath(urlpath)]
    elif isinstance(urlpath, (list, tuple)) and urlpath:
        paths = [os.fspath(p) for p in urlpath]
    else:
        raise TypeError(f"{name} must be a path, a glob or a non-empty list of paths; got "
                        f"{type(urlpath).__name__} {_short(urlpath)}")
    files = []
    for p in paths:
        found = sorted(glob.glob(p)) if glob.has_magic(p) else [p]
        if not found or ("://" not in p and not all(os.path.isfile(f) for f in found)):
            missing = [f for f in found if not os.path.isfile(f)] or [p]
            raise FileNotFoundError(f"{name}: {missing[0]!r} matches no readable file (a str "
                                    "or path is read as text files, one document per line)")
        files.extend(found)
    compressed = any(f.endswith((".gz", ".bz2", ".xz", ".zst")) for f in files)
    bag = db.read_text(files, blocksize=None if compressed else blocksize, encoding=encoding)
    bag = bag.map(_strip_line)
    if ((blocksize is None or compressed) and bag.npartitions == len(files)
            and codecs.lookup(encoding).name in _BYTE_NEWLINE_ENCODINGS
            and not any("://" in f or f.endswith(".zst") for f in files)):
        return TextFiles(bag.dask, bag.name, bag.npartitions, files, encoding)
    return bag


def count_lines(path: str) -> int:
    """The lines of a text file as ``dask.bag.read_text`` splits them, counted on its bytes.

    Python's universal newlines: ``\n``, ``\r`` and ``\r\n`` each end a
    line, and a last line without one counts too. Reads the (decompressed)
    file in blocks at C speed, without decoding it.
    """
    from .._base.files import open_binary

    breaks = 0
    last = b""
    prev_cr = False
    with open_binary(path) as fh:
        while True:
            block = fh.read(_COUNT_BLOCK)
            if not block:
                break
            breaks += block.count(b"\n")
            # (find is memchr, several times faster than count: most files have no \r)
            if block.find(b"\r") >= 0:
                breaks += block.count(b"\r") - block.count(b"\r\n")
            if prev_cr and block[:1] == b"\n":
                breaks -= 1  # a \r\n split between two blocks is one break
            prev_cr = block[-1:] == b"\r"
            last = block[-1:]
    return breaks + (1 if last and last not in (b"\n", b"\r") else 0)


def _client_counts(files: Sequence[str]) -> bool:
    """Whether the client counts the lines of ``files`` itself rather than the workers.

    :func:`read_text` has checked that the client sees every file; reading
    them all takes less than a round trip to the workers below
    ``DASK_CLIENT_COUNT_MAX_BYTES`` (a compressed byte counted as
    ``_COMPRESSED_WEIGHT``: it decompresses into several, more slowly).
    """
    from .._kernels import _tuning

    limit = _tuning.get("DASK_CLIENT_COUNT_MAX_BYTES")
    total = 0
    for f in files:
        try:
            size = os.path.getsize(f)
        except OSError:
            return False  # let the workers report it, as they would read it
        total += size * (_COMPRESSED_WEIGHT if compression_of(f) else 1)
        if total > limit:
            return False
    return True


def as_bag(raw_documents: Any, name: str = "raw_documents") -> db.Bag:
    """The documents of any supported input as a bag whose partitions are lists.

    A ``dask.bag.Bag`` is used as it is; a dask Series becomes its values'
    bag (one partition per dataframe partition); a str, a path, or a list of
    ``os.PathLike`` is read with :func:`read_text` (one document per line);
    any other iterable of documents is spread over partitions with
    ``dask.bag.from_sequence``.
    """
    if isinstance(raw_documents, db.Bag):
        return raw_documents
    if _is_dask_series(raw_documents):
        return raw_documents.to_bag(index=False)
    if _is_paths(raw_documents):
        return read_text(raw_documents, name=name)
    if isinstance(raw_documents, da.Array) or dask.is_dask_collection(raw_documents):
        raise TypeError(f"{name} must be a dask.bag of documents, a dask Series of text, a "
                        f"glob or a list of paths, or a list of documents; got "
                        f"{type(raw_documents).__name__}")
    check_documents(raw_documents)
    docs = list(raw_documents)
    return db.from_sequence(docs, npartitions=max(1, min(len(docs) // 1000 + 1, 100)))


def _is_dask_series(value: Any) -> bool:
    try:
        import dask.dataframe as dd
    except ImportError:  # dask installed without its dataframe extra
        return False
    return isinstance(value, dd.Series)


def _count_partition(part) -> list[int]:
    return [sum(1 for _ in part)]


def partition_lengths(bag: db.Bag, fitted: tuple | None = None) -> tuple[int, ...]:
    """Number of documents in each partition.

    ``fitted`` is what :func:`fitted_lengths` gave the estimator's ``fit``:
    free when ``bag`` is the bag it was fitted on. Otherwise a pass over the
    input that only counts (no tokenizing); for a :class:`TextFiles` bag the
    line breaks are counted on the bytes by :func:`count_lines`, without
    decoding or splitting lines in Python, once per bag: by the client when
    the files are small (:func:`_client_counts`), else one task a file.
    """
    if fitted is not None and fitted[0] == bag.name:
        return fitted[1]
    files = _files_of(bag)
    if files:
        if bag.lengths is None:
            if _client_counts(files):
                bag.lengths = tuple(count_lines(f) for f in files)
            else:
                bag.lengths = tuple(int(n) for n in dask.compute(
                    *[dask.delayed(count_lines)(f, dask_key_name=f"count-lines-{tokenize(f, i)}")
                      for i, f in enumerate(files)]))
        return bag.lengths
    return tuple(int(n) for n in bag.map_partitions(_count_partition).compute())


def fitted_lengths(bag: db.Bag, lengths: Sequence[int]) -> tuple[str, tuple[int, ...]]:
    """What an estimator keeps of the bag it was fitted on: its name and partition lengths."""
    lengths = tuple(int(n) for n in lengths)
    if _files_of(bag) and bag.lengths is None:
        bag.lengths = lengths
    return bag.name, lengths


# -- shipping ----------------------------------------------------------------
#: the names :func:`graph_node` gives its keys: ``{name}-shipped-{uuid4 hex}``
_NODE_MARK = "shipped"
_NODE_NAME = re.compile(rf"[A-Za-z_]+-{_NODE_MARK}-[0-9a-f]{{32}}")


def graph_node(obj: Any, name: str = "object") -> Delayed:
    """``obj`` as one key of the graph, under a fresh name: the tasks that need it depend on it.

    The object is in the graph once, never in the tasks that use it. With a
    ``distributed.Client``, the scheduler holds its bytes as that key's task
    (sent with each computation of the graph): one worker gets it, the others
    fetch it from a worker that has it (once each, while they need it), and a
    copy lost with its worker is made again, like any key. (A scattered object
    has no such task: dask's active memory manager drops the replicas no
    queued task needs, within seconds, and the last copy dies with its worker,
    which fails the job with "lost dependencies".) With the local schedulers
    it is one node shared by the threads; the ``processes`` scheduler pickles
    it for each task. A :class:`MemmapTable` is a few bytes: the file travels
    as its path. Persist the node with the tasks that use it to have it on the
    workers before they run.
    """
    import uuid

    return dask.delayed(obj, pure=True, name=f"{name}-{_NODE_MARK}-{uuid.uuid4().hex}")


def graph_nodes(*collections: Any) -> dict[str, Any]:
    """The objects :func:`graph_node` put in the graphs of ``collections``, by key."""
    found = {}
    for collection in collections:
        graph = collection.__dask_graph__()
        for name, layer in getattr(graph, "layers", {}).items():
            if isinstance(name, str) and _NODE_NAME.fullmatch(name) and name in layer:
                node = layer[name]
                found[name] = getattr(node, "value", node)  # a DataNode holds the object
    return found


def allow_in_graph(*collections: Any):
    """A ``dask.config`` context in which computing ``collections`` does not make distributed warn.

    distributed warns about a graph above
    ``distributed.admin.large-graph-warning-threshold`` (10 MB), meant for
    data repeated in many tasks; the objects of :func:`graph_node` are each
    one key by design, so the threshold is raised by the size of those in
    the collections' graphs (:func:`graph_nodes`): a caller computing a
    collection of this module needs to know nothing of what it holds.
    Nothing is set before distributed is imported (no client then): a
    ``dask.config.set`` of a key of a missing section deletes the whole
    section on exit, with the defaults that importing distributed inside
    the context put there.
    """
    import contextlib

    from dask.sizeof import sizeof

    key = "distributed.admin.large-graph-warning-threshold"
    threshold = dask.config.get(key, None)
    if threshold is None:
        return contextlib.nullcontext()
    size = dask.utils.parse_bytes(threshold)
    shipped = graph_nodes(*collections).values()
    return dask.config.set({key: size + sum(int(sizeof(obj)) for obj in shipped)})


# -- graphs ------------------------------------------------------------------
def per_partition(func: Callable, bag: db.Bag, shipped: Sequence[Delayed] = ()) -> list[Delayed]:
    """One Delayed per partition: ``func(documents, index, *shipped)``.

    For a bag of :func:`read_text` with one file a partition, each task reads
    its file itself (exactly as the bag would) and calls ``func``: one task a
    partition. Otherwise the tasks that make a partition (reading a file,
    stripping lines) are fused into one, which ends by making the documents a
    list (a bag's partition is otherwise a lazy iterator, which cannot be sent
    to another worker when the scheduler runs ``func`` elsewhere).
    """
    files = _files_of(bag)
    if files:  # a file a partition: read it in the task that uses it
        from fsspec import open_files

        opened = open_files(list(files), mode="rt", encoding=bag.encoding, compression="infer")
        name = (f"read-{getattr(func, '__name__', 'partition')}-"
                f"{tokenize(bag.name, func, [getattr(x, 'key', x) for x in shipped])}")
        return [dask.delayed(_read_with_index, pure=True)(f, func, i, *shipped,
                                                          dask_key_name=f"{name}-{i}")
                for i, f in enumerate(opened)]
    parts = bag.map_partitions(_materialize).to_delayed(optimize_graph=True)
    # the index is a literal of each task, not a partition of a second bag: with
    # the documents as its only input a task runs where they were read (an index
    # bag made the scheduler ship whole partitions between workers)
    return [dask.delayed(_with_index, pure=True)(part, func, i, *shipped)
            for i, part in enumerate(parts)]


def _read_with_index(lazy_file, func, index: int, *shipped):
    """``func`` on the documents of one file, read here as ``read_text``'s partition is.

    Reading and processing in one task means a task moved to another worker
    (work stealing) carries a file name, never the file's documents.
    """
    from dask.bag.text import file_to_blocks

    return func([_strip_line(line) for line in file_to_blocks(False, lazy_file)], index,
                *shipped)


def _materialize(docs) -> list:
    # not the builtin ``list``: dask's bag optimization makes that lazy again
    return list(docs)


def _with_index(docs, func, index: int, *shipped):
    return func(docs, index, *shipped)


def row_blocks(func: Callable, bag: db.Bag, lengths: Sequence[int], n_cols: int, meta,
               shipped: Sequence[Delayed] = (), name: str = "rows") -> da.Array:
    """A dask array whose block ``i`` is ``func(partition_i, i, *shipped)``.

    ``lengths`` are the partitions' row counts, so the chunks are known.
    """
    if len(lengths) != bag.npartitions:
        raise ValueError(f"lengths has {len(lengths)} entries for {bag.npartitions} partitions")
    return stack_blocks(per_partition(func, bag, shipped), lengths, n_cols, meta, shipped, name)


def stack_blocks(parts: Sequence[Delayed], lengths: Sequence[int], n_cols: int, meta,
                 shipped: Sequence[Delayed] = (), name: str = "rows") -> da.Array:
    """A dask array whose block ``i`` is the result of ``parts[i]`` (``lengths[i]`` rows)."""
    out = f"{name}-{tokenize([p.key for p in parts], tuple(lengths), n_cols)}"
    layer = {(out, i, 0): p.key for i, p in enumerate(parts)}
    # the objects of graph_node stay layers of the graph (the blocks refer to their keys)
    graph = HighLevelGraph.from_collections(out, layer, dependencies=[*parts, *shipped])
    return da.Array(graph, out, chunks=(tuple(lengths), (n_cols,)), meta=meta)


def tree_reduce(leaves: Sequence[Any], combine: Callable, split_every: int, name: str,
                dependencies: Sequence[Any] = (), layer: dict | None = None) -> Delayed:
    """A Delayed of ``combine`` applied level by level to groups of ``split_every`` leaves.

    ``leaves`` are Delayed objects or keys of ``layer`` (in order); groups
    are consecutive, so ``combine`` sees the partitions in order.
    """
    split_every = check_split_every(split_every)
    layer = dict(layer or {})
    keys = [getattr(leaf, "key", leaf) for leaf in leaves]
    deps = list(dependencies) + [leaf for leaf in leaves if isinstance(leaf, Delayed)]
    level = 0
    while len(keys) > 1 or level == 0:
        grouped = [keys[i:i + split_every] for i in range(0, len(keys), split_every)]
        keys = []
        for j, group in enumerate(grouped):
            key = (f"{name}-combine", level, j)
            layer[key] = (combine, list(group))
            keys.append(key)
        level += 1
    final = f"{name}-result"
    layer[final] = keys[0]
    graph = HighLevelGraph.from_collections(final, layer, dependencies=deps)
    return Delayed(final, graph)


def check_split_every(split_every: Any) -> int:
    value = check_int(split_every, "split_every", 1)
    if value < 2:
        raise ValueError(f"split_every must be an int >= 2; got {value}")
    return value


def iter_blocks(array: Any, client: Any = None) -> Iterator[Any]:
    """The row blocks of a 2-D dask ``array``, computed and yielded in order.

    The blocks are submitted at once (the workers compute ahead) and each
    one is released once yielded, so a caller writing them one after another
    into a file holds one block at a time. With ``client`` (a
    ``distributed.Client``) the blocks run on its cluster; without it, on the
    active scheduler, one block after the other. The objects this package
    ships in the graph (a vectorizer, a table) do not make distributed warn.

    Examples
    --------
    >>> import dask, dask.array as da, numpy as np
    >>> from sparsedense.dask import iter_blocks
    >>> X = da.from_array(np.arange(6).reshape(3, 2), chunks=(2, 2))
    >>> with dask.config.set(scheduler="sync"):
    ...     [block.tolist() for block in iter_blocks(X)]
    [[[0, 1], [2, 3]], [[4, 5]]]
    """
    if not isinstance(array, da.Array) or array.ndim != 2 or len(array.chunks[1]) != 1:
        raise ValueError("array must be a 2-D dask array of row blocks (one column chunk); "
                         f"got {array!r}")
    blocks = array.to_delayed().ravel().tolist()
    if client is None:
        for block in blocks:
            with allow_in_graph(block):
                yield block.compute()
        return
    with allow_in_graph(array):
        futures = client.compute(blocks)
    for future in futures:
        yield future.result()
        future.release()
