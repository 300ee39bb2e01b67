"""_kernels/_pages.py: tasks of whole huge pages, each page touched first at its end."""

from __future__ import annotations

import numpy as np
import pytest

from sparsedense._kernels import _tuning
from sparsedense._kernels._pages import page_task_range, page_tasks, touch_page_ends


@pytest.mark.parametrize("n, dim, lead, span", [
    (1000, 7, 0, 64), (1000, 7, 5, 64), (1000, 300, 100, 512), (3, 5000, 1024, 1024),
    (1, 1, 0, 16), (17, 3, 15, 16), (0, 4, 3, 16)])
def test_page_tasks_cover_every_row_once_in_order(n, dim, lead, span):
    total = n * dim
    rest = max(0, total - lead)
    n_tasks = max(1, (1 if lead else 0) + -(-rest // span))
    rows = [page_task_range(t, n, dim, lead, span) for t in range(n_tasks)]
    assert rows[0][0] == 0 and rows[-1][1] == n
    for (a, b), (c, d) in zip(rows, rows[1:]):
        assert a <= b == c <= d
    for t, (a, b) in enumerate(rows):  # each task's rows start within its elements
        lo = 0 if t == 0 else (lead + (t - 1) * span if lead else t * span)
        hi = lead + t * span if lead else (t + 1) * span
        assert all(lo <= r * dim < hi for r in range(a, b))


def _touched(size, reach, last, stop, lead, page):
    out = np.full(size, -1, dtype=np.int32)
    new_reach = touch_page_ends(out, reach, last, stop, lead, page)
    return np.flatnonzero(out != -1).tolist(), new_reach


def test_touch_page_ends_writes_the_last_element_of_each_page_the_writer_owns():
    # pages of 10 elements, the first boundary at 4: pages end at 4, 14, 24, 34, ...
    assert _touched(100, 0, 30, 40, 4, 10) == ([3, 13, 23, 33], 34)
    # a writer owning elements up to 28: the page ending at 34 is its neighbour's to touch
    assert _touched(100, 0, 27, 28, 4, 10) == ([3, 13, 23], 34)
    # resumed from where it stopped: nothing twice
    assert _touched(100, 14, 20, 40, 4, 10) == ([23], 24)
    assert _touched(100, 24, 20, 40, 4, 10) == ([], 24)
    # boundaries from the start (lead 0), and no pages at all
    assert _touched(100, 0, 25, 100, 0, 10) == ([9, 19, 29], 30)
    assert _touched(100, 0, 99, 100, 0, 0) == ([], 0)


@pytest.mark.parametrize("pages", [4096, 0])
def test_the_touch_is_overwritten_by_the_gather_and_changes_no_result(pages):
    """Pages of 4 KiB (or none) and lookups larger than the small-call limit: tasks of
    whole pages (rows that straddle them, rows larger than a page, outputs starting
    anywhere in a page) give ``W[idx]`` bit for bit, float32 and float64, into new and
    given arrays."""
    from sparsedense.functional import embedding

    rng = np.random.default_rng(0)
    with _tuning.override(HUGE_PAGE_BYTES=pages, LOOKUP_SMALL_MAX_BYTES=0,
                          PARALLEL_MIN_WORK=0):
        for dim, n in [(300, 5000), (3, 100_000), (3000, 40), (1024, 64), (7, 3)]:
            for dtype in (np.float32, np.float64):
                W = rng.standard_normal((500, dim)).astype(dtype)
                idx = rng.integers(0, 500, n)
                np.testing.assert_array_equal(embedding(idx, W), W[idx])
                for offset in (0, 1, 3, 37):  # the output's first page boundary moves
                    buf = np.full(n * dim + offset, np.nan, dtype=dtype)
                    out = buf[offset:].reshape(n, dim)
                    assert embedding(idx, W, out=out) is out
                    np.testing.assert_array_equal(out, W[idx])
                    lead, page, span, n_tasks = page_tasks(out, 64)
                    assert page == pages // W.itemsize and lead <= max(0, page - 1)
                    assert span % page == 0 if page else span > 0


def test_page_tasks_without_huge_pages_cuts_equal_ranges():
    out = np.empty((1000, 300), np.float32)
    with _tuning.override(HUGE_PAGE_BYTES=0):
        assert page_tasks(out, 64) == (0, 0, 4688, 64)  # 300,000 elements in 64 cuts
        assert page_tasks(out[:1, :5], 64) == (0, 0, 1, 5)
    with _tuning.override(HUGE_PAGE_BYTES=1 << 21):
        lead, page, span, n_tasks = page_tasks(out, 64)
        assert (lead, page) == ((-out.ctypes.data) % (1 << 21) // 4, 1 << 19)
        assert span == page  # 1,200,000 bytes: one page a task
        assert n_tasks == (1 if lead else 0) + -(-(out.size - lead) // span)
