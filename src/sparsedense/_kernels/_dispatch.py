"""When to run a kernel's parallel variant (plain Python, no kernels here).

Parallel kernels pay off only above a work size, and Numba's default
"workqueue" threading layer must not be entered from two Python threads at
once. So the parallel variant is used only for large inputs and from the main
thread; elsewhere the serial variant runs. Both give bit-identical results
(every parallel kernel here partitions its output, never reduces across
threads).
"""

from __future__ import annotations

import threading

import numpy as np

#: elements (rows x columns) below which the serial variant is used
PARALLEL_MIN_WORK = 1 << 16


def use_parallel(work: int) -> bool:
    return work >= PARALLEL_MIN_WORK and threading.current_thread() is threading.main_thread()


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
