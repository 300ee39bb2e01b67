"""Task kernels (_kernels/_tasks.py): workers take tasks from a shared counter."""

from __future__ import annotations


def test_task_kernels_take_tasks_from_a_shared_counter():
    """Every task runs exactly once, whoever takes it; one worker alone runs them all."""
    import numba
    import numpy as np

    from sparsedense._kernels._dispatch import choose
    from sparsedense._kernels._dispatch import task_args
    from sparsedense._kernels.lookup import _embedding_gather, _embedding_gather_serial

    rng = np.random.default_rng(0)
    W = rng.standard_normal((50, 7), dtype=np.float32)
    idx = rng.integers(0, 50, 1000)
    assert choose(_embedding_gather, 1 << 30) is _embedding_gather
    for kernel in (_embedding_gather, _embedding_gather_serial):
        for n_tasks in (1, 3, 64, 1000):
            out = np.full((1000, 7), np.nan, np.float32)
            n_tasks_, n_workers, counter = task_args(kernel, n_tasks)
            assert (n_workers > 1) == (kernel is _embedding_gather and numba.get_num_threads() > 1)
            kernel(idx, W, out, n_tasks_, n_workers, counter)
            np.testing.assert_array_equal(out, W[idx])
            # each worker takes tasks until one past the end: n_tasks + n_workers draws
            assert counter[0] == n_tasks + n_workers
    # more workers than tasks (a worker that finds nothing to do), and the serial twin
    # given several "workers": the first takes every task
    out = np.full((1000, 7), np.nan, np.float32)
    _embedding_gather_serial(idx, W, out, 2, 4, np.zeros(1, np.int64))
    np.testing.assert_array_equal(out, W[idx])
