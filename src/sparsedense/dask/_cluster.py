"""Dask settings for batch jobs on a local cluster that has no core to spare.

A ``distributed`` worker runs, besides its tasks, a statistical profiler
that samples its threads' stacks every 10 ms, an event-loop health check
every 20 ms and a system monitor every 0.5 s, and so do (all but the
profiler) the nannies, the scheduler and the client. On a machine with as
many workers as cores these compete with the tasks for the cores: measured
here (2-core VM, the embed job of ``benchmarks/compare_dask.py``: 200,000
documents, ``EmbeddingVectorizer.fit_transform`` with a memory-mapped
table), the 2-worker job took 4.84 s and 4.46 s with :func:`batch_config`
against 5.38 s and 4.86 s without it (medians of two runs of 5, 9-11%
faster); the 1-worker job, which leaves a core to them, did not change, so
the speed-up from 1 to 2 workers went from 1.62-1.63x to 1.75-1.83x.
"""

from __future__ import annotations

from typing import Any


def batch_config() -> dict[str, Any]:
    """``dask.config`` settings that turn down a cluster's self-monitoring, for batch jobs.

    Only what serves the dashboard and diagnostics is changed: the workers'
    statistical profiler is off (the dashboard's profile page stays empty;
    outside Python 3.11, where distributed runs them, also the profilers of
    every process's event loop), the event-loop health check runs every
    200 ms instead of 20 ms (a blocked loop is reported later), and the
    system monitor (the dashboard's CPU and memory charts) samples every 2 s
    instead of 0.5 s. The memory
    monitor that spills, pauses and restarts workers near their memory limit
    is left as it is (changing it measured nothing).

    Set them before the cluster starts: each process reads them when it
    starts, and the nannies pass the client's configuration to the workers.
    The command line's ``embed --workers N`` starts its cluster with them.

    Returns
    -------
    dict
        A new dictionary for ``dask.config.set``.

    Examples
    --------
    >>> import dask
    >>> from sparsedense.dask import batch_config
    >>> with dask.config.set(batch_config()):  # then LocalCluster(...), Client(cluster)
    ...     dask.config.get("distributed.worker.profile.enabled")
    False
    """
    return {
        "distributed.worker.profile.enabled": False,
        "distributed.admin.tick.interval": "200ms",
        "distributed.admin.system-monitor.interval": "2s",
    }
