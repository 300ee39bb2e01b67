"""Cutting a stream of items into bounded lists, consuming it once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def iter_chunks(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to ``size`` consecutive items (a generator is consumed once)."""
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
