"""Files: opening what users give (plain, .gz, .bz2, .xz), and writing atomically.

Reading: every reader of a corpus or vectors file opens it through
:func:`open_binary` / :func:`open_text` (compression chosen by the file's
suffix) or, for a file held in memory, :func:`decompress` (chosen by its
first bytes), so every command and loader accepts the same compressions.

Writing: 
Every file sparsedense writes is built under a unique temporary name beside
its target and renamed over the target (``os.replace``) only once complete,
so the target holds either its old content or the whole new one; the
temporary file is removed on any exception (``KeyboardInterrupt`` included;
the command line turns SIGTERM and SIGHUP into an exception too). No other
name is ever touched.
"""

from __future__ import annotations

import bz2
import contextlib
import functools
import errno
import gzip
import io
import lzma
import mmap
import os
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

#: file suffix -> the module that opens such a compressed file
COMPRESSIONS = {".gz": gzip, ".bz2": bz2, ".xz": lzma}
#: first bytes of a compressed stream -> (format name, module)
_MAGIC = {b"\x1f\x8b": ("gzip", gzip), b"BZh": ("bz2", bz2), b"\xfd7zXZ\x00": ("xz", lzma)}


def compression_of(path: str | os.PathLike) -> Any:
    """The module (gzip, bz2, lzma) that opens ``path`` by its suffix, or None for a plain file."""
    return COMPRESSIONS.get(os.path.splitext(os.fspath(path))[1].lower())


def open_binary(path: str | os.PathLike, mode: str = "rb") -> IO[bytes]:
    """``path`` opened in binary mode, decompressed on the fly when its suffix says so."""
    module = compression_of(path)
    return module.open(path, mode) if module is not None else open(path, mode)


def open_text(path: str | os.PathLike, encoding: str = "utf-8", errors: str = "strict",
              newline: str | None = None) -> IO[str]:
    """``path`` opened for reading text, decompressed on the fly when its suffix says so."""
    module = compression_of(path)
    if module is not None:
        return module.open(path, "rt", encoding=encoding, errors=errors, newline=newline)
    return open(path, encoding=encoding, errors=errors, newline=newline)


def decompress(data: bytes, source: str) -> bytes:
    """``data`` decompressed when it starts with a gzip, bz2 or xz header; else as it is.

    A damaged stream is a ValueError naming ``source``.
    """
    import zlib

    for magic, (name, module) in _MAGIC.items():
        if data.startswith(magic):
            try:
                return module.decompress(data)
            except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error) as exc:
                raise ValueError(f"{source}: damaged {name} file ({exc})") from None
    return data


def compressed_writer(path: str | os.PathLike, raw: IO[bytes]) -> IO[bytes] | None:
    """A compressing writer into ``raw`` for ``path``'s suffix (None for a plain file).

    gzip output carries no name and no time stamp, so the same content
    gives the same bytes.
    """
    module = compression_of(path)
    if module is gzip:
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
    if module is not None:
        return module.open(raw, "wb")
    return None


#: errno values that mean the disk (or the user's quota) is full
_NO_SPACE = frozenset(e for e in (getattr(errno, "ENOSPC", None), getattr(errno, "EDQUOT", None))
                      if e is not None)


def is_no_space(exc: BaseException) -> bool:
    """True for an OSError saying the disk (or the user's quota) is full."""
    return isinstance(exc, OSError) and exc.errno in _NO_SPACE


class NoSpaceError(OSError):
    """A write ran out of room (ENOSPC, EDQUOT); the message names the file it was for."""

    def __str__(self) -> str:
        return str(self.strerror)


def _create_temporary(path: Path) -> str:
    """Create a new empty file with a unique name beside ``path``; returns its name.

    Created exclusively (``O_EXCL``: never an existing file, whatever the
    name) with mode 0o666 less the umask, the permissions of any new file.
    The name keeps ``path``'s suffix, so writers that add one add none.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = str(path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}"))
        try:
            os.close(os.open(tmp, flags, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue


def _fsync_path(name: str, directory: bool = False) -> None:
    """Flush a file (or a directory's entries) to the disk; best effort for directories."""
    try:
        fd = os.open(name, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:
        if directory:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """A new temporary file beside ``path``, renamed over ``path`` if the block succeeds.

    For writers that want a path (``np.save``, ``scipy.sparse.save_npz``,
    matplotlib): the temporary name is unique and keeps ``path``'s suffix,
    so they add none. The file is flushed to disk before the rename, so
    ``path`` never holds a partial file even after a power cut. If the block
    raises (``KeyboardInterrupt`` included), the temporary file is removed
    and ``path`` keeps its previous content (or stays absent). A full disk
    raises :class:`NoSpaceError` naming ``path``.

    If ``path`` is a symbolic link, the link itself is replaced by the new
    file; the file it pointed to is left as it was.
    """
    path = Path(path)
    tmp = _create_temporary(path)
    try:
        yield tmp
        _fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if is_no_space(exc) and not isinstance(exc, NoSpaceError):
            raise NoSpaceError(exc.errno, f"{path}: no space left on device (the partial "
                                          f"file was removed; {path.name} is unchanged)") from exc
        raise
    _fsync_path(str(path.parent), directory=True)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8",
                 ) -> Iterator[IO]:
    """:func:`atomic_path`, opened: write to the file object, flushed to disk before renaming."""
    with atomic_path(path) as tmp:
        kwargs = {"encoding": encoding} if "b" not in mode else {}
        with open(tmp, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def preallocate(fh: IO, size: int) -> None:
    """Reserve ``size`` bytes of disk for the open file ``fh`` (``os.posix_fallocate``).

    A full disk then fails at once, before any work is written, and later
    writes within ``size`` cannot fail for lack of room. Where the file
    system or the platform cannot preallocate, nothing is reserved (the
    writes report a full disk themselves).
    """
    if size <= 0 or not hasattr(os, "posix_fallocate"):
        return
    fh.flush()
    try:
        os.posix_fallocate(fh.fileno(), 0, size)
    except OSError as exc:
        if is_no_space(exc):
            raise
        # EOPNOTSUPP, EINVAL, ENODEV...: this file system does not preallocate


def read_npy_header(fh: IO) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """``(shape, fortran_order, dtype, header_length)`` of the ``.npy`` stream ``fh``.

    Reads the header only (no data), so a header announcing a huge array
    allocates nothing; the caller checks it against the bytes present.
    """
    fmt = np.lib.format
    version = fmt.read_magic(fh)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"unsupported .npy format version {version}")
    read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    try:
        shape, fortran, dtype = read(fh)
    except ValueError:
        raise
    except Exception as exc:  # a damaged header can fail numpy's parser in other ways
        # (SyntaxError, tokenize.TokenError, TypeError...): it is still bad data
        raise ValueError(f"the .npy header cannot be parsed ({type(exc).__name__}: "
                         f"{exc})") from None
    return tuple(int(s) for s in shape), bool(fortran), dtype, fh.tell()


def _npy_header(shape: tuple[int, ...], dtype: np.dtype) -> bytes:
    """The ``.npy`` header ``np.save`` writes for a C-ordered array of this shape and dtype."""
    d = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
         "shape": tuple(int(n) for n in shape)}
    buf = io.BytesIO()
    try:
        np.lib.format.write_array_header_1_0(buf, d)
    except ValueError:  # pragma: no cover - a header over 64 KiB
        buf = io.BytesIO()
        np.lib.format.write_array_header_2_0(buf, d)
    return buf.getvalue()


class RowWriter:
    """Appends rows to the array being written by :func:`atomic_array`."""

    def __init__(self, fh: IO, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self._fh = fh
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.rows_written = 0

    def write(self, rows) -> None:
        """Append ``rows`` (shape ``(n, *shape[1:])``, converted to the array's dtype)."""
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.shape[1:] != self.shape[1:] or self.rows_written + rows.shape[0] > self.shape[0]:
            raise ValueError(f"rows of shape {rows.shape} do not fit an array of shape "
                             f"{self.shape} with {self.rows_written} rows written")
        if rows.size:
            self._fh.write(memoryview(rows).cast("B"))
        self.rows_written += rows.shape[0]


@contextlib.contextmanager
def atomic_array(path: str | os.PathLike, shape: tuple[int, ...], dtype,
                 key: str = "arr_0") -> Iterator[RowWriter]:
    """Write an array to ``path`` row block by row block, atomically (see :func:`atomic_path`).

    ``path`` ending in ``.npz`` gets an uncompressed archive with the one
    member ``key`` (what ``np.savez(path, **{key: array})`` writes), any
    other name a ``.npy`` file (what ``np.save`` writes). The rows go
    straight to the file with ``write`` (no memory map: a map of a file on a
    full disk dies of SIGBUS), and the room is reserved first
    (:func:`preallocate`), so a full disk fails before any work. The file
    replaces ``path`` only when all ``shape[0]`` rows were written.
    """
    path = Path(path)
    dtype = np.dtype(dtype)
    header = _npy_header(shape, dtype)
    size = len(header) + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    with atomic_path(path) as tmp, open(tmp, "r+b") as fh:
        preallocate(fh, size)  # for .npz a lower bound (the zip headers come on top)
        if path.suffix == ".npz":
            with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED,
                                 allowZip64=True) as zf, \
                    zf.open(f"{key}.npy", "w", force_zip64=True) as member:
                member.write(header)
                writer = RowWriter(member, shape, dtype)
                yield writer
                _check_complete(writer, path)
            fh.truncate()  # nothing of the reserved room is left after the archive's end
        else:
            fh.write(header)
            writer = RowWriter(fh, shape, dtype)
            yield writer
            _check_complete(writer, path)


def _check_complete(writer: RowWriter, path: Path) -> None:
    if writer.rows_written != writer.shape[0]:
        raise ValueError(f"{path}: {writer.rows_written} rows written of {writer.shape[0]}")


# -- memory-mapped tables, by path ------------------------------------------
class MemmapTable:
    """A memory-mapped ``.npy``/raw table described by its path: what tasks carry instead of it.

    Pickles as a few bytes; each worker process maps the file once
    (:func:`open_table` caches it), so the table is never copied.
    """

    def __init__(self, filename: str, offset: int, dtype, shape: tuple[int, ...]) -> None:
        self.filename = os.fspath(filename)  # np.memmap keeps a pathlib.Path as it is
        self.offset = int(offset)
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in shape)

    def key(self) -> tuple:
        return (self.filename, self.offset, self.dtype.str, self.shape)

    def __repr__(self) -> str:
        return f"MemmapTable({self.filename!r}, shape={self.shape}, dtype={self.dtype})"


@functools.lru_cache(maxsize=8)
def _map_file(filename: str, offset: int, dtype: str, shape: tuple) -> np.ndarray:
    table = np.memmap(filename, dtype=np.dtype(dtype), mode="r", offset=offset, shape=shape)
    return np.asarray(table)  # an ndarray view of the map, as check_weight expects


def open_table(table: Any) -> Any:
    """The object itself, or the mapped array of a :class:`MemmapTable`."""
    return _map_file(*table.key()) if isinstance(table, MemmapTable) else table


def memmap_source(weight: Any) -> MemmapTable | None:
    """A :class:`MemmapTable` when ``weight`` is a whole, C-ordered memory-mapped file region."""
    if not isinstance(weight, np.memmap) or not getattr(weight, "filename", None):
        return None
    mm = getattr(weight, "_mmap", None)
    if mm is None or not weight.flags.c_contiguous:
        return None
    try:
        base = np.frombuffer(mm, dtype=np.uint8).ctypes.data
    except (TypeError, ValueError):
        return None
    start = weight.offset - weight.offset % mmap.ALLOCATIONGRANULARITY
    if weight.ctypes.data != base + (weight.offset - start):
        return None  # a view into the map (a slice): its offset is not the file's
    return MemmapTable(weight.filename, weight.offset, weight.dtype, weight.shape)
