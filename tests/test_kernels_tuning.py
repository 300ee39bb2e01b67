"""The tuning module: hardware-derived constants, their overrides and the machine report."""

from __future__ import annotations

import io

import numpy as np
import pytest

from sparsedense._kernels import _tuning


@pytest.fixture
def fresh_machine():
    _tuning.refresh()
    yield
    _tuning.refresh()


def test_every_constant_is_derived_from_the_machine():
    rows = {r["name"]: r for r in _tuning.table()}
    assert {"CACHE_LINE", "SUM_VECTORS", "PARALLEL_MIN_WORK", "PARALLEL_TASKS",
            "FREQUENT_ROWS_BYTES", "TOPK_TILE_SCORES"} <= set(rows)
    for row in rows.values():
        assert isinstance(row["value"], int) and row["value"] >= 0 and row["reason"]
    m = _tuning.machine()
    assert rows["FREQUENT_ROWS_BYTES"]["value"] == m.l2 * 3 // 2
    assert rows["SUM_VECTORS"]["value"] == m.vector_registers - 3
    tasks = rows["PARALLEL_TASKS"]["value"]
    assert tasks >= 32 * m.n_cpus and tasks & (tasks - 1) == 0


def test_environment_and_override_take_precedence(monkeypatch):
    derived = _tuning.get("TOPK_TILE_SCORES")
    monkeypatch.setenv("SPARSEDENSE_TOPK_TILE_SCORES", "4096")
    assert _tuning.get("TOPK_TILE_SCORES") == derived  # read on first use only
    _tuning.refresh()
    assert _tuning.get("TOPK_TILE_SCORES") == 4096
    assert {r["name"]: r["source"] for r in _tuning.table()}["TOPK_TILE_SCORES"] == "environment"
    with _tuning.override(TOPK_TILE_SCORES=7):
        assert _tuning.get("TOPK_TILE_SCORES") == 7
        with _tuning.override(TOPK_TILE_SCORES=9):
            assert _tuning.get("TOPK_TILE_SCORES") == 9
        assert _tuning.get("TOPK_TILE_SCORES") == 7
    assert _tuning.get("TOPK_TILE_SCORES") == 4096
    monkeypatch.delenv("SPARSEDENSE_TOPK_TILE_SCORES")
    _tuning.refresh()
    assert _tuning.get("TOPK_TILE_SCORES") == derived


def test_bad_environment_value_and_unknown_name_are_named(monkeypatch):
    monkeypatch.setenv("SPARSEDENSE_PARALLEL_TASKS", "lots")
    _tuning.refresh()
    with pytest.raises(ValueError, match=r"SPARSEDENSE_PARALLEL_TASKS='lots'.*integer"):
        _tuning.get("PARALLEL_TASKS")
    monkeypatch.delenv("SPARSEDENSE_PARALLEL_TASKS")
    _tuning.refresh()
    assert _tuning.get("PARALLEL_TASKS") > 0
    with pytest.raises(KeyError, match="TILE"):
        with _tuning.override(TILE=3):
            pass


def test_dispatch_threshold_follows_the_tuning(monkeypatch):
    from sparsedense._kernels import _dispatch

    with _tuning.override(PARALLEL_MIN_WORK=10):
        assert _dispatch.PARALLEL_MIN_WORK == 10
        assert _dispatch.use_parallel(10) and not _dispatch.use_parallel(9)


@pytest.mark.parametrize("features, isa, regs", [
    ({"avx2", "avx", "fma"}, "avx2", 16),
    ({"avx512f", "avx512vl", "avx2"}, "avx512", 32),
    ({"sse4.2"}, "sse", 16),
    (set(), "baseline", 16),
])
def test_isa_and_registers_from_features(monkeypatch, fresh_machine, features, isa, regs):
    monkeypatch.setattr(_tuning, "_features", lambda: features)
    m = _tuning.machine()
    assert (m.isa, m.vector_registers) == (isa, regs)
    assert _tuning.get("SUM_VECTORS") == regs - 3


@pytest.mark.parametrize("features, dots, screen", [
    ({"avx512f", "avx512vl", "avx512vnni", "avx2"}, 2, 1),
    ({"avx512f", "avx512vl", "avx2"}, 1, 1),  # AVX-512 without VNNI: AVX2's byte products
    ({"avx2", "avx", "fma"}, 1, 1),
    ({"sse4.2"}, 0, 0),
])
def test_int8_screen_products_from_features(monkeypatch, fresh_machine, features, dots, screen):
    monkeypatch.setattr(_tuning, "_features", lambda: features)
    assert (_tuning.get("INT8_DOTS"), _tuning.get("INT8_SCREEN")) == (dots, screen)


def test_machine_without_sys_cache_information_uses_defaults(monkeypatch, fresh_machine, tmp_path):
    monkeypatch.setattr(_tuning, "_SYS_CACHE", str(tmp_path / "missing"))
    m = _tuning.machine()
    assert (m.l2, m.cache_line) == (512 << 10, 64) and "defaults" in m.caches_from


def test_caches_read_from_sysfs_layout(monkeypatch, fresh_machine, tmp_path):
    for i, (level, kind, size) in enumerate([(1, "Data", "48K"), (1, "Instruction", "32K"),
                                             (2, "Unified", "2048K"), (3, "Unified", "96M")]):
        d = tmp_path / f"index{i}"
        d.mkdir()
        for name, value in (("level", level), ("type", kind), ("size", size),
                            ("coherency_line_size", 64)):
            (d / name).write_text(f"{value}\n")
    monkeypatch.setattr(_tuning, "_SYS_CACHE", str(tmp_path))
    m = _tuning.machine()
    assert (m.l1d, m.l2, m.l3) == (48 << 10, 2 << 20, 96 << 20)
    assert _tuning.get("FREQUENT_ROWS_BYTES") == 3 << 20


@pytest.mark.parametrize("l3, n_cpus, share", [
    ("480M", 2, 32 << 20),   # a 2-CPU VM on a host whose whole L3 it sees
    ("32M", 2, 32 << 20),    # a 2-CPU VM on an 8-core chiplet: all of it counts
    ("480M", 64, 480 << 20),
    ("8M", 1, 8 << 20),
])
def test_l3_share_counts_at_most_a_cores_worth_per_usable_cpu(
        monkeypatch, fresh_machine, tmp_path, l3, n_cpus, share):
    d = tmp_path / "index3"
    d.mkdir()
    for name, value in (("level", 3), ("type", "Unified"), ("size", l3),
                        ("coherency_line_size", 64)):
        (d / name).write_text(f"{value}\n")
    monkeypatch.setattr(_tuning, "_SYS_CACHE", str(tmp_path))
    monkeypatch.setattr(_tuning.os, "sched_getaffinity", lambda pid: set(range(n_cpus)),
                        raising=False)
    m = _tuning.machine()
    assert m.l3_share == share
    # the constants sized from the L3 follow the share, not the host's whole cache
    assert _tuning.get("TOPK_TILE_SCORES") == max(1 << 20, share // 8)
    assert _tuning.get("LOOKUP_SMALL_MAX_BYTES") == max(m.l2, share // 4)
    if share < m.l3:
        assert "counted on" in _tuning.cpu_line(dict(_tuning.machine_info(), l3_share=share))


def test_one_cpu_never_runs_parallel(monkeypatch, fresh_machine):
    monkeypatch.setattr(_tuning.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert _tuning.machine().n_cpus == 1
    from sparsedense._kernels import _dispatch

    assert not _dispatch.use_parallel(1 << 40)


def test_show_config_and_machine_info():
    import sparsedense as sd

    info = sd.machine_info()
    assert {"cpu", "isa", "l2", "l3", "n_cpus", "blas", "numba_threads", "tuning"} <= set(info)
    buf = io.StringIO()
    sd.show_config(file=buf)
    text = buf.getvalue()
    assert info["isa"].upper() in text and "TOPK_TILE_SCORES" in text
    assert _tuning.cpu_line(info).startswith(info["cpu"])


@pytest.mark.parametrize("limit", [0, 1 << 40])
def test_small_and_large_lookups_give_the_same_result(limit):
    """Below LOOKUP_SMALL_MAX_BYTES the small-call path (_pool), above the task kernel."""
    import sparsedense.functional as F

    rng = np.random.default_rng(4)
    W = rng.standard_normal((40, 6), dtype=np.float32)
    idx = rng.integers(0, 40, (3, 5)).astype(np.int32)
    with _tuning.override(LOOKUP_SMALL_MAX_BYTES=limit):
        np.testing.assert_array_equal(F.embedding(idx, W), W[idx])
        out = np.empty((3, 5, 6), np.float32)
        assert F.embedding(idx, W, out=out) is out
        np.testing.assert_array_equal(out, W[idx])
        strided = np.empty((3, 5, 12), np.float32)[..., ::2]
        F.embedding(idx, W, out=strided)
        np.testing.assert_array_equal(strided, W[idx])
        with pytest.raises(IndexError, match=r"indices\[1, 2\] = -1"):
            F.embedding(np.where(np.arange(15).reshape(3, 5) == 7, -1, idx), W)


@pytest.mark.parametrize("n", [1, 2, 7, 130])
def test_sparse_gram_tasks_give_the_serial_result(n):
    """Sparse cosine's Gram kernel over tasks (triangle, then mirror): bit-identical to serial."""
    import scipy.sparse as sp

    import sparsedense as sd

    X = sp.random(n, 60, density=0.2, format="csr", random_state=5, dtype=np.float64)
    with _tuning.override(COSINE_PARALLEL_MIN_WORK=1 << 60):
        serial = sd.cosine_similarity(X)
    with _tuning.override(COSINE_PARALLEL_MIN_WORK=0, PARALLEL_MIN_WORK=0, PARALLEL_TASKS=3):
        tasks = sd.cosine_similarity(X)
    assert tasks.tobytes() == serial.tobytes()
    np.testing.assert_array_equal(tasks, tasks.T)


def test_dense_gradient_parallel_crossover_gives_the_same_sums():
    """Below SCATTER_PARALLEL_MIN_WORK the dense gradient is serial; both paths agree bitwise."""
    import sparsedense.functional as F

    rng = np.random.default_rng(6)
    idx = rng.integers(0, 500, 3000)
    G = rng.standard_normal((3000, 17), dtype=np.float32)
    with _tuning.override(SCATTER_PARALLEL_MIN_WORK=1 << 60, PARALLEL_MIN_WORK=0):
        serial = F.embedding_backward(G, idx, 500)
    with _tuning.override(SCATTER_PARALLEL_MIN_WORK=0, PARALLEL_MIN_WORK=0, PARALLEL_TASKS=7):
        parallel = F.embedding_backward(G, idx, 500)
    assert parallel.tobytes() == serial.tobytes()
    expected = np.zeros((500, 17), np.float64)
    np.add.at(expected, idx, G.astype(np.float64))
    np.testing.assert_allclose(serial, expected, rtol=1e-5, atol=1e-5)
