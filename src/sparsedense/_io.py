"""File helpers shared by everything that writes: atomic replacement."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """A temporary path beside ``path``, renamed over ``path`` if the block succeeds.

    For writers that want a path (``np.save``, ``scipy.sparse.save_npz``,
    matplotlib): the temporary name keeps ``path``'s suffix, so they add none.
    If the block raises, the temporary file is removed and ``path`` keeps its
    previous content (or stays absent): a failed or interrupted save never
    leaves a half-written file.
    """
    path = Path(path)
    # a unique name the writer creates itself (so it gets the usual permissions)
    tmp = str(path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}"))
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
