"""Whether the parallel thread pool is awake, and when a run of small calls should wake it.

A call of a few tens of microseconds runs twice as fast on two threads, but
only while the other threads are still spinning from the previous parallel
call: a pool that went to sleep takes a system call per thread to wake, which
costs from tens of microseconds on bare metal to milliseconds in a VM whose
idle virtual CPUs the host has descheduled. So a small call runs in parallel
when the pool is awake (a parallel kernel returned less than
``POOL_SPIN_MICROSECONDS`` ago), and otherwise on this thread, unless it is
part of a run of calls: the time the serial calls of the run would have
saved is added up, and once it reaches what a wake costs, the pool is woken
(the ski-rental rule, never more than twice the better choice made in
hindsight). The wake cost is the median of the last wakes this process paid
(the first parallel call of a process, which starts the threads, is not one).

Plain Python, no kernels. Every choice gives the same result: only kernels
whose parallel variant is bit-identical to its serial twin are called this way.

Examples
--------
>>> from sparsedense._kernels import _pool
>>> _pool.choose(print, 10) is None  # ten elements: never worth waking a thread
True
"""

from __future__ import annotations

import time

import numpy as np

from . import _tuning
from ._dispatch import _TWINS, ON_PARALLEL, use_parallel, workers

# the pool's state, one per process (only the main thread runs parallel kernels)
_state = {
    "parallel_end": float("-inf"),  # when a parallel kernel last returned
    "call_end": float("-inf"),  # when the last small call returned
    "rent": 0.0,  # seconds the serial calls of the current run would have saved
    "wakes": [],  # seconds the last wakes of the sleeping pool cost (none: the tuned guess)
    "woke": False,  # the current call wakes the pool
}


def _spin() -> float:
    return _tuning.get("POOL_SPIN_MICROSECONDS") * 1e-6


def pool_awake(now: float | None = None) -> bool:
    """True while the threads of the last parallel kernel are still spinning."""
    now = time.perf_counter() if now is None else now
    return now - _state["parallel_end"] < _spin()


#: wakes whose median is the wake cost: one slow wake (the host busy) does not decide
_WAKES_KEPT = 5


def wake_cost() -> float:
    """Seconds a wake of the sleeping pool costs: the median of the last ones paid, or
    the tuned guess before any."""
    wakes = _state["wakes"]
    if not wakes:
        return _tuning.get("POOL_WAKE_MICROSECONDS") * 1e-6
    return sorted(wakes)[len(wakes) // 2]


def choose(kernel, work: int, now: float | None = None):
    """:func:`._dispatch.choose` for a small call of ``work`` elements starting at ``now``
    (``time.perf_counter()``, read here when not given): the parallel ``kernel``, or
    ``None`` when the call should stay on this thread (the caller's serial copy).

    The kernel when the pool is awake; when it sleeps, only once the run of calls
    this one belongs to (each starting within the spin time of the last) has
    lost as much time on one thread as a wake costs. Never below
    ``PARALLEL_MIN_WORK`` or off the main thread.
    """
    state = _state
    state["woke"] = False
    if now is None:
        now = time.perf_counter()
    if not use_parallel(work):
        return None
    spin = _spin()
    if now - state["parallel_end"] < spin:  # the pool is awake (pool_awake)
        return kernel
    if now - state["call_end"] >= spin:  # not part of a run: the run starts here
        state["rent"] = 0.0
        return None
    if state["rent"] >= wake_cost():
        # the process's first parallel call starts the threads: not a wake to learn from
        state["woke"] = state["parallel_end"] > float("-inf")
        state["rent"] = 0.0
        return kernel
    return None


def small_call_done(parallel: bool, started: float) -> None:
    """Record a small call that began at ``started`` (``time.perf_counter()``) and ran
    in parallel or not: the end of the pool's activity, a wake's cost, or the time
    one thread lost."""
    now = time.perf_counter()
    _state["call_end"] = now
    if parallel:
        _state["parallel_end"] = now
        if _state["woke"]:  # what the wake cost: the whole call, an upper bound
            _state["wakes"] = (_state["wakes"] + [now - started])[-_WAKES_KEPT:]
    else:  # what it would have taken on all the workers
        _state["rent"] += (now - started) * (1.0 - 1.0 / workers())


def run(kernel, work: int, args: tuple, n_tasks: int) -> None:
    """Run the task kernel ``kernel`` (:mod:`._tasks`) on ``args`` for a small call of
    ``work`` elements: what :func:`choose`, :func:`._dispatch.task_args` and
    :func:`small_call_done` do around it, in one Python call.

    ``args`` get the task arguments appended: ``n_tasks`` tasks (at most one per row),
    the workers and a fresh counter; the kernel's serial twin takes them on this thread
    when the threads should not. A call of some tens of microseconds pays for each
    Python call it makes, twice over right after a kernel has moved its data through
    the caches, so the two common cases, too little work for the threads (the pool's
    clock is not read) and the pool awake, are decided here without calling out.
    """
    counter = np.zeros(2, dtype=np.int64)
    if not use_parallel(work):
        _TWINS[kernel](*args, n_tasks, 1, counter)
        return
    state = _state
    started = time.perf_counter()
    if started - state["parallel_end"] < _spin():  # the pool is awake (pool_awake)
        kernel(*args, n_tasks, workers(), counter)
        state["call_end"] = state["parallel_end"] = time.perf_counter()
        return
    chosen = choose(kernel, work, started)
    if chosen is None:
        _TWINS[kernel](*args, n_tasks, 1, counter)
    else:
        chosen(*args, n_tasks, workers(), counter)
    small_call_done(chosen is not None, started)


def parallel_ran() -> None:
    """Record that a parallel kernel runs now or just returned (its threads are awake)."""
    _state["parallel_end"] = time.perf_counter()


ON_PARALLEL.append(parallel_ran)
