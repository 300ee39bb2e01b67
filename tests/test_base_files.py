"""File plumbing (_base/files.py): atomic array writes and atomic paths.

An output is built under a unique temporary name beside it and renamed over
it when complete: the bytes are numpy's, an incomplete or failed write (or an
interrupt) leaves the previous file, a disk that cannot preallocate still
works, a full one is a clean error, and a new file gets the usual permissions.
The command line's use of them: test_reliability_cli_outputs.py.
"""

import errno
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from sparsedense._base import files as _io


def listing(folder: Path) -> dict:
    """Every name in ``folder`` (hidden ones too) with its content, or '->target' for a link."""
    return {p.name: ("->" + os.readlink(p)) if p.is_symlink() else
            "<dir>" if p.is_dir() else p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_atomic_array_writes_what_numpy_writes(tmp_path, dtype):
    A = np.random.default_rng(7).standard_normal((37, 5)).astype(dtype)
    np.save(tmp_path / "want.npy", A)
    with _io.atomic_array(tmp_path / "a.npy", A.shape, A.dtype) as rows:
        for start in range(0, 37, 10):
            rows.write(A[start:start + 10])
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "want.npy").read_bytes()
    with _io.atomic_array(tmp_path / "a.npz", A.shape, A.dtype, key="embeddings") as rows:
        rows.write(A[:20])
        rows.write(A[20:])
    with np.load(tmp_path / "a.npz") as z:
        assert z.files == ["embeddings"]
        np.testing.assert_array_equal(z["embeddings"], A)
    assert sorted(listing(tmp_path)) == ["a.npy", "a.npz", "want.npy"]


def test_atomic_array_incomplete_or_failed_leaves_the_old_file(tmp_path):
    out = tmp_path / "a.npz"
    out.write_bytes(b"old")
    with pytest.raises(ValueError, match="3 rows written of 4"):
        with _io.atomic_array(out, (4, 2), np.float32) as rows:
            rows.write(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"rows of shape \(1, 3\) do not fit"):
        with _io.atomic_array(out, (4, 2), np.float32) as rows:
            rows.write(np.ones((1, 3)))
    with pytest.raises(KeyboardInterrupt):
        with _io.atomic_array(out, (4, 2), np.float32) as rows:
            rows.write(np.ones((2, 2)))
            raise KeyboardInterrupt
    assert listing(tmp_path) == {"a.npz": b"old"}


def test_atomic_array_where_the_disk_cannot_preallocate(tmp_path, monkeypatch):
    def unsupported(fd, offset, length):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr(os, "posix_fallocate", unsupported, raising=False)
    A = np.arange(12, dtype=np.float32).reshape(4, 3)
    with _io.atomic_array(tmp_path / "a.npy", A.shape, A.dtype) as rows:
        rows.write(A)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), A)

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    with pytest.raises(_io.NoSpaceError, match="a.npy: no space left on device"):
        with _io.atomic_array(tmp_path / "a.npy", A.shape, A.dtype) as rows:
            rows.write(A)
    assert sorted(listing(tmp_path)) == ["a.npy"]


def test_atomic_path_creates_a_new_file_with_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with _io.atomic_path(tmp_path / "x.npz") as tmp:
            assert Path(tmp).parent == tmp_path and Path(tmp).name.startswith(".x.npz.")
            assert tmp.endswith(".npz") and os.path.getsize(tmp) == 0
            sp.save_npz(tmp, sp.eye(3, format="csr"))
    finally:
        os.umask(old)
    assert (tmp_path / "x.npz").stat().st_mode & 0o777 == 0o644
    assert sp.load_npz(tmp_path / "x.npz").nnz == 3
