"""The small-call policy of _kernels/_pool.py: parallel while the pool is awake, a wake
earned by a run of calls, and the same lookup result whichever way a call runs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from sparsedense._kernels import _pool, _tuning

BIG = 1 << 30  # work far above PARALLEL_MIN_WORK
KERNEL = object()  # what _pool.choose gives back when a call should run in parallel


def parallel(work: int) -> bool:
    """Whether _pool.choose runs a small call of ``work`` elements on the threads."""
    return _pool.choose(KERNEL, work) is KERNEL


@pytest.fixture(autouse=True)
def fresh_pool(monkeypatch):
    """Each test starts from a pool that has slept for long, with no wake paid."""
    monkeypatch.setattr(_pool, "_state", dict(parallel_end=float("-inf"),
                                              call_end=float("-inf"), rent=0.0, wakes=[],
                                              woke=False))
    if _tuning.machine().n_cpus < 2 or _tuning.get("PARALLEL_MIN_WORK") > BIG:
        pytest.skip("one usable CPU: nothing runs in parallel")


def test_an_awake_pool_takes_small_calls():
    _pool.parallel_ran()
    assert _pool.pool_awake()
    assert parallel(BIG)
    assert not _pool._state["woke"]
    assert not parallel(1)  # below PARALLEL_MIN_WORK: never


def test_a_lone_call_leaves_a_sleeping_pool_asleep():
    assert not _pool.pool_awake()
    assert not parallel(BIG)
    _pool.small_call_done(False, time.perf_counter() - 0.5)
    with _tuning.override(POOL_SPIN_MICROSECONDS=0):  # the next call is not part of a run
        assert not parallel(BIG)
    assert _pool._state["rent"] == 0.0


def test_a_run_of_calls_wakes_the_pool_once_it_lost_a_wake():
    with _tuning.override(POOL_WAKE_MICROSECONDS=3000, POOL_SPIN_MICROSECONDS=10**9):
        assert _pool.wake_cost() == pytest.approx(3e-3)
        lost = 0.0
        for _ in range(100):
            if parallel(BIG):
                break
            # a serial call of 2 ms: it would have saved 2 ms * (1 - 1/cpus)
            _pool.small_call_done(False, time.perf_counter() - 2e-3)
            lost = _pool._state["rent"]
        else:
            pytest.fail("a run of serial calls never woke the pool")
        # the process's first parallel call starts the threads: no wake is learned
        assert lost >= 3e-3 and not _pool._state["woke"]
        _pool.small_call_done(True, time.perf_counter() - 0.5)
        assert _pool._state["wakes"] == [] and _pool._state["rent"] == 0.0
        assert _pool.pool_awake()
        # later wakes are learned: the median of the last ones
        for cost in (5e-3, 0.9, 4e-3):
            _pool._state.update(parallel_end=time.perf_counter() - 1e9, rent=1.0)
            assert parallel(BIG) and _pool._state["woke"]
            _pool.small_call_done(True, time.perf_counter() - cost)
        # (inside the block: with the default spin of 1 ms, a pause of the host between
        # the last call and this test could let the pool fall asleep)
        assert _pool.wake_cost() == pytest.approx(5e-3, rel=0.2)  # not the 0.9 s outlier
        assert _pool._state["rent"] == 0.0 and _pool.pool_awake()


def test_no_small_call_runs_in_parallel_off_the_main_thread():
    _pool.parallel_ran()
    seen = []
    t = threading.Thread(target=lambda: seen.append(parallel(BIG)))
    t.start()
    t.join()
    assert seen == [False]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_small_lookup_gives_the_same_rows_either_way(monkeypatch, parallel):
    import sparsedense.functional as F

    rng = np.random.default_rng(3)
    W = rng.standard_normal((500, 40), dtype=np.float32)
    idx = rng.integers(0, 500, (30, 70))  # 84,000 elements: above PARALLEL_MIN_WORK
    with _tuning.override(PARALLEL_MIN_WORK=0):
        monkeypatch.setattr(_pool, "choose", lambda kernel, work, now=None: (
            _pool._state.update(woke=False), kernel if parallel else None)[1])
        before = _pool._state["parallel_end"]
        np.testing.assert_array_equal(F.embedding(idx, W), W[idx])
        assert (_pool._state["parallel_end"] > before) == parallel  # the kernel ran, or not
        out = np.empty((30, 70, 40), np.float32)
        assert F.embedding(idx, W, out=out) is out
        np.testing.assert_array_equal(out, W[idx])
        strided = np.empty((30, 70, 80), np.float32)[..., ::2]
        assert F.embedding(idx, W, out=strided) is strided
        np.testing.assert_array_equal(strided, W[idx])
        with pytest.raises(IndexError, match=r"indices\[0, 3\] = 500"):
            F.embedding(np.where(np.arange(2100).reshape(30, 70) == 3, 500, idx), W, out=out)
        np.testing.assert_array_equal(out, W[idx])  # nothing written


def test_a_loop_of_small_lookups_ends_up_in_parallel():
    import sparsedense.functional as F

    W = np.ones((1000, 64), np.float32)
    idx = np.arange(1000) % 997
    with _tuning.override(PARALLEL_MIN_WORK=0, POOL_WAKE_MICROSECONDS=0,
                          POOL_SPIN_MICROSECONDS=10**9):
        F.embedding(idx, W)  # the run starts: serial
        assert _pool._state["parallel_end"] == float("-inf")
        F.embedding(idx, W)  # a wake costs nothing (the guess): the pool is woken
        assert _pool._state["parallel_end"] > float("-inf")
        assert _pool._state["wakes"] == []  # (its first parallel call: not a wake)
        _pool._state["parallel_end"] = time.perf_counter() - 1e9  # the pool fell asleep
        F.embedding(idx, W)
        F.embedding(idx, W)
        assert len(_pool._state["wakes"]) == 1


@pytest.fixture
def task_kernel(monkeypatch):
    """A stand-in parallel task kernel and its twin: each records which ran and its
    task arguments."""
    calls = []

    def kernel(*args):
        calls.append(("parallel",) + args)

    def twin(*args):
        calls.append(("serial",) + args)

    monkeypatch.setitem(_pool._TWINS, kernel, twin)
    return kernel, calls


def _ran(calls):
    """(which ran, n_tasks, n_workers) of the one call, its counter checked fresh."""
    (which, *args, n_tasks, n_workers, counter), = calls
    assert args == ["a", "b"]
    assert counter.dtype == np.int64 and counter.tolist() == [0, 0]
    return which, n_tasks, n_workers


def test_run_keeps_work_below_the_threads_off_the_pool_and_its_clock(task_kernel):
    kernel, calls = task_kernel
    _pool.parallel_ran()
    state = dict(_pool._state)
    _pool.run(kernel, 1, ("a", "b"), 3)  # the pool is awake, but one element is too little
    assert _ran(calls) == ("serial", 3, 1)
    assert _pool._state == state


def test_run_takes_the_threads_while_the_pool_is_awake(task_kernel):
    from sparsedense._kernels._dispatch import workers

    kernel, calls = task_kernel
    _pool.parallel_ran()
    before = _pool._state["parallel_end"]
    _pool.run(kernel, BIG, ("a", "b"), 2)
    assert _ran(calls) == ("parallel", 2, workers())
    assert _pool._state["call_end"] == _pool._state["parallel_end"] > before


def test_run_follows_the_rule_of_choose_when_the_pool_sleeps(task_kernel):
    kernel, calls = task_kernel
    _pool.run(kernel, BIG, ("a", "b"), 2)  # a lone call: this thread
    assert _ran(calls) == ("serial", 2, 1)
    assert _pool._state["call_end"] > float("-inf") == _pool._state["parallel_end"]
    calls.clear()
    with _tuning.override(POOL_WAKE_MICROSECONDS=0, POOL_SPIN_MICROSECONDS=10**9):
        _pool.run(kernel, BIG, ("a", "b"), 2)  # a run whose wake costs nothing: woken
    assert _ran(calls)[0] == "parallel"
    assert _pool._state["parallel_end"] > float("-inf")


def test_run_off_the_main_thread_stays_on_it(task_kernel):
    kernel, calls = task_kernel
    _pool.parallel_ran()
    state = dict(_pool._state)
    t = threading.Thread(target=_pool.run, args=(kernel, BIG, ("a", "b"), 2))
    t.start()
    t.join()
    assert _ran(calls) == ("serial", 2, 1)
    assert _pool._state == state
