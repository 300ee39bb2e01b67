"""Tasks handed out one at a time to the threads of a parallel loop.

Numba splits a ``prange`` statically: with two threads each gets half of the
iterations, and a thread the system pauses (a shared machine, another
library's thread pool still spinning) holds up its whole half. A kernel that
cuts its work into equal tasks instead runs one loop iteration per thread,
and each thread takes the next task from a shared counter
(:func:`next_task`, an atomic fetch-and-add) until none is left: a paused
thread holds up one task and the others do the rest. Which thread runs a task
never changes what the task writes, so results stay bit-identical.

Usage in a kernel (``counter`` a fresh ``np.zeros(2, np.int64)``; a second task
loop in the same kernel counts in ``counter[1:]``)::

    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            start, end = task_range(t, n, n_tasks)
            ...  # items start .. end - 1
            t = next_task(counter)

The caller gets ``(n_tasks, n_workers, counter)`` from
:func:`._dispatch.task_args`.
"""

from __future__ import annotations

from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._config import JIT_OPTIONS, harden_caches


@intrinsic
def next_task(typingctx, counter):
    """Atomically ``counter[0] += 1``; returns the value before (an int64 array of one element)."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None
    sig = types.int64(counter)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [zero], wraparound=False)
        one = context.get_constant(types.int64, 1)
        return builder.atomic_rmw("add", ptr, one, "monotonic")

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def task_range(t, n, n_tasks):
    """``(start, end)``: the items of task ``t`` when ``n`` items make ``n_tasks`` equal ranges.

    ``t * n // n_tasks`` to ``(t + 1) * n // n_tasks``: the ranges cover
    ``0 .. n - 1`` once, in order, and differ in length by at most one.
    """
    return t * n // n_tasks, (t + 1) * n // n_tasks


harden_caches(globals())
