"""When to run a kernel's parallel variant (plain Python, no kernels here).

Parallel kernels pay off only above a work size, and Numba's "workqueue"
threading layer (what Numba uses without OpenMP or TBB) aborts the process
when two Python threads enter parallel code at once. So every parallel kernel
has a serial twin and is called through :func:`choose`, which runs the
parallel variant only for large inputs and from the main thread; elsewhere the
serial twin runs. Both give bit-identical results
(every parallel kernel here partitions its output, never reduces across
threads).
"""

from __future__ import annotations

import functools
import os
import threading

import numpy as np

from . import _tuning


def __getattr__(name: str):
    if name == "PARALLEL_MIN_WORK":  # elements below which the serial variant is used
        return _tuning.get("PARALLEL_MIN_WORK")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: called whenever choose() gives a parallel kernel (_pool registers its clock)
ON_PARALLEL: list = []

#: parallel kernel -> its serial twin (filled as kernel modules are imported)
_TWINS: dict = {}


def register_twin(kernel, serial) -> None:
    """Record ``serial`` as the single-threaded twin of the parallel ``kernel``."""
    _TWINS[kernel] = serial


def is_parallel(kernel) -> bool:
    """True for a registered parallel kernel, False for its twin (or any other function)."""
    return kernel in _TWINS


def task_args(kernel, n_tasks: int) -> tuple[int, int, np.ndarray]:
    """``(n_tasks, n_workers, counter)`` for the task kernel (:mod:`._tasks`) ``choose`` gave.

    A parallel kernel gets one worker per thread Numba may run (:func:`workers`),
    its serial twin one;
    the counter has two slots (a kernel with two task loops uses both).
    """
    n_workers = workers() if kernel in _TWINS else 1  # (is_parallel's test, without its call)
    return n_tasks, n_workers, np.zeros(2, dtype=np.int64)


@functools.cache
def workers() -> int:
    """Worker loops of a parallel task kernel: one per thread Numba may start (its
    ``NUMBA_NUM_THREADS``) on a usable CPU. Asking ``numba.get_num_threads()`` on every
    call costs microseconds; a smaller thread count set by the user still holds (the
    workers then share the threads, each taking tasks until none is left)."""
    from numba import config

    return max(1, min(config.NUMBA_NUM_THREADS, _tuning.machine().n_cpus))


#: the main thread's ident, read without a Python call on every kernel call (a forked
#: child's main thread is the one that forked: it is read again there)
MAIN_THREAD = [threading.main_thread().ident]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: MAIN_THREAD.__setitem__(0, threading.get_ident()))


def use_parallel(work: int) -> bool:
    """True for work above the tuned ``PARALLEL_MIN_WORK`` on the main thread."""
    return work >= _tuning.get("PARALLEL_MIN_WORK") and threading.get_ident() == MAIN_THREAD[0]


def choose(kernel, work: int, allow: bool = True):
    """The one way to call a parallel kernel: ``kernel`` itself, or its serial twin.

    The parallel variant runs only for ``work`` of at least
    ``PARALLEL_MIN_WORK`` elements (:mod:`._tuning`), from the main thread, and when the
    caller allows it (``allow``); anywhere else the twin registered by
    :func:`register_twin` (both give bit-identical results). A kernel with no
    twin is a bug in this package (a KeyError here; a test enumerates them).
    """
    if allow and use_parallel(work):
        for note in ON_PARALLEL:  # the threads are awake (small calls see it, _pool)
            note()
        return kernel
    return _TWINS[kernel]


def balanced_order(work: np.ndarray) -> np.ndarray:
    """An order of the items (rows) that gives every thread about the same work.

    Numba's parallel loops hand each thread one contiguous chunk of
    iterations. When the work per row is very uneven (Zipf: the first rows of
    a vocabulary are the frequent words), the thread holding the heavy rows
    finishes last. Sorting rows by work and dealing them out like cards (chunk
    ``c`` gets rows ``c, c + T, c + 2T, ...`` of the sorted list) balances
    the chunks. Each row is still computed by one thread in a fixed order,
    so results do not depend on this order.
    """
    import numba

    threads = max(1, numba.get_num_threads())
    by_work = np.argsort(-work, kind="stable")
    if threads == 1:
        return by_work
    return np.concatenate([by_work[c::threads] for c in range(threads)])
