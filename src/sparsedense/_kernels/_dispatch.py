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

#: elements (rows x columns) below which the serial variant is used
PARALLEL_MIN_WORK = 1 << 16


def use_parallel(work: int) -> bool:
    return work >= PARALLEL_MIN_WORK and threading.current_thread() is threading.main_thread()
