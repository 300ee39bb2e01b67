"""Dask settings for batch jobs on a local cluster that has no core to spare.

A ``distributed`` worker runs, besides its tasks, a statistical profiler
that samples its threads' stacks every 10 milliseconds, an event-loop health
check every 20 milliseconds and a system monitor every 0.5 s (distributed's
defaults), and so do (all but the profiler) the nannies, the scheduler and
the client. On a machine with as many workers as cores these compete with
the tasks for the cores, so a batch job that nobody watches on the dashboard
runs faster with them turned down (:func:`batch_config`); a cluster that
leaves a core free does not gain. The figures are in
docs/howto/benchmarks.rst ("Kernel design notes").
"""

from __future__ import annotations

from typing import Any

#: the event-loop health check's period in batch jobs, in milliseconds (distributed's: 20)
_TICK_INTERVAL_MILLISECONDS = 200


def batch_config() -> dict[str, Any]:
    """``dask.config`` settings that turn down a cluster's self-monitoring, for batch jobs.

    Only what serves the dashboard and diagnostics is changed: the workers'
    statistical profiler is off (the dashboard's profile page stays empty;
    outside Python 3.11, where distributed runs them, also the profilers of
    every process's event loop), the event-loop health check runs every 200
    milliseconds instead of 20 (a blocked loop is reported later), and the
    system monitor (the dashboard's CPU and memory charts) samples every 2 s
    instead of 0.5 s. The memory monitor that spills, pauses and restarts
    workers near their memory limit is left as it is: it protects the job,
    and turning it down did not speed it up.

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
        "distributed.admin.tick.interval": f"{_TICK_INTERVAL_MILLISECONDS}ms",
        "distributed.admin.system-monitor.interval": "2s",
    }
