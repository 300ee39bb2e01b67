"""A large output's fresh pages: tasks of whole huge pages, each page first touched at its end.

A freshly allocated array of many megabytes is not memory yet: the system maps
and clears each page on its first write. With transparent huge pages (NumPy
asks for them on large arrays) that is 2 MiB at a time, and Linux clears the
4 KiB pieces of a huge page in an order that ends at the one the first write
touched, so that it stays in the caches. A kernel writing forward touches each
page first at its start, and the pieces are then cleared from the page's end
down to its start; touched first at its end, they are cleared from the start
up, which the system does faster (the figures: docs/howto/benchmarks.rst,
"Fresh pages"). So a kernel that fills a large output:

* cuts it into tasks of whole huge pages (:func:`page_task_range`), so that
  no page is shared by two threads but for the row that straddles its edge;
* writes the last element of each page of its task before anything else of
  that page (:func:`touch_page_ends`), a value the task overwrites later.

The Python side (:func:`page_tasks`) reads the page size (the tuned
``HUGE_PAGE_BYTES``, 0 where the system has no transparent huge pages) and
where the output's first page boundary lies. On pages already written the
touches cost a store each, once per page.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from ._config import JIT_OPTIONS, harden_caches
from ._simd import operands
from ._tuning import get as _tuned


@intrinsic
def touch_item(typingctx, arr, flat):
    """Store a zero byte into element ``flat`` of the C-contiguous ``arr`` (as a 1-D array),
    a volatile store that LLVM keeps even though a later store overwrites it."""
    if not (isinstance(arr, types.Array) and isinstance(flat, types.Integer)):
        return None
    sig = types.void(arr, flat)

    def codegen(context, builder, signature, args):
        A, i = operands(context, builder, signature, args)
        ptr = builder.bitcast(builder.gep(A.data, [i]), ir.IntType(8).as_pointer())
        store = builder.store(ir.Constant(ir.IntType(8), 0), ptr)
        store.volatile = True
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def _page_edge(t, total, lead, span):
    """Element where task ``t`` starts: 0, then ``lead`` (when the first page boundary is
    not at the start), then every ``span`` elements; ``total`` past the end."""
    if t == 0:
        return 0
    edge = lead + (t - 1) * span if lead > 0 else t * span
    return min(edge, total)


@njit(inline="always", **JIT_OPTIONS)
def page_task_range(t, n, dim, lead, span):
    """``(start, end)``: the rows of task ``t`` of ``n`` rows of ``dim`` elements when tasks
    are ``span`` elements of whole pages, the first page boundary ``lead`` elements in
    (:func:`page_tasks`): the rows that start in the task's elements. The ranges cover
    ``0 .. n - 1`` once, in order."""
    total = n * dim
    lo = _page_edge(t, total, lead, span)
    hi = _page_edge(t + 1, total, lead, span)
    return (lo + dim - 1) // dim, (hi + dim - 1) // dim


@njit(inline="always", **JIT_OPTIONS)
def touch_page_ends(out, reach, last, stop, lead, page):
    """Before elements up to ``last`` of ``out`` are written: the last element of each page
    from ``reach`` on that ends within the writer's elements (before ``stop``) is touched
    (:func:`touch_item`); returns the new ``reach`` (where the first page not yet looked
    at starts). ``page`` 0: nothing is touched."""
    while page > 0 and last >= reach:
        end = lead if reach < lead else lead + ((reach - lead) // page + 1) * page
        if end <= stop:  # (a page ending past the writer's elements: its owner touches it)
            touch_item(out, end - 1)
        reach = end
    return reach


def page_tasks(out: np.ndarray, n_tasks: int) -> tuple[int, int, int, int]:
    """``(lead, page, span, n_tasks)`` for a kernel writing the C-contiguous ``out`` in
    tasks (:func:`page_task_range`) of whole huge pages: the elements before the first
    page boundary, a page's elements, a task's (the fewest whole pages that make at most
    about ``n_tasks`` tasks), and how many tasks that makes. Where pages are not huge,
    ``lead`` and ``page`` are 0 (nothing is touched) and the tasks equal cuts of the
    elements."""
    size = _tuned("HUGE_PAGE_BYTES")
    item, total = out.itemsize, out.size
    n_tasks = max(1, n_tasks)
    if size <= 0 or size % item:
        span = max(1, -(-total // n_tasks))
        return 0, 0, span, max(1, -(-total // span))
    page = size // item
    lead = (-out.ctypes.data) % size // item
    rest = max(0, total - lead)  # elements from the first boundary on
    pages = -(-rest // page)
    span = page * max(1, -(-pages // n_tasks))
    return lead, page, span, max(1, (1 if lead else 0) + -(-rest // span))


harden_caches(globals())
