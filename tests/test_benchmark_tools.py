"""The benchmark tools: compare.py's README table and ratios.py's reading of asv results.

Synthetic timings and a synthetic asv results file: fast, and no peer library
is needed. The scripts are not a package; they are imported by path.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks")


def _import(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def compare():
    return _import("sparsedense_bench_compare", os.path.join(BENCH, "compare.py"))


@pytest.fixture(scope="module")
def report(compare):
    """compare.py's report module (importable once compare.py has put its folder on the path)."""
    return _import("sparsedense_bench_report", os.path.join(BENCH, "_compare_report.py"))


@pytest.fixture(scope="module")
def ratios():
    return _import("sparsedense_bench_ratios", os.path.join(BENCH, "ratios.py"))


INFO = {
    "cpu": "Test CPU 9000", "cpu_id": "family 25, model 17", "isa": "avx512", "l2": 1 << 20,
    "l3": 32 << 20, "n_cpus": 2,
    "blas": [{"user_api": "blas", "internal_api": "openblas", "version": "0.3.30",
              "architecture": "SkylakeX", "num_threads": 2}],
    "numba": {"threading_layer": "omp", "threads": 2}, "torch_threads": None,
    "versions": {"sparsedense": "0.1.0", "numpy": "2.4.6", "gensim": None},
    "python": "3.11.7", "date": "2026-12-03 08:00 UTC", "load_start": 0.5, "load_end": 0.75,
}


def _results():
    # sparsedense 1, 2, 3 s; numpy twice as slow in every run; torch faster; the copy
    # (a reference) faster too, which is not a loss
    return [
        {"group": "embedding", "workload": "lookup", "size": "small",
         "detail": "1,000 ids in 100,000 x 300", "case": "lookup [small]",
         "times": {"sparsedense": [1.0, 2.0, 3.0], "numpy W[idx]": [2.0, 4.0, 6.0],
                   "torch": [0.5, 1.0, 3.0], "copy (limit)": [0.1, 0.2, 0.3]}},
        {"group": "text", "workload": "TfidfVectorizer.fit_transform", "size": "large",
         "detail": "20,000 docs", "case": "tfidf [large]",
         "times": {"sparsedense": [1.0, 1.0, 1.0], "sklearn": [2.0, 3.0, 2.5]}},
    ]


def test_ratio_rows_per_run_range_and_references(report):
    rows = {(r["workload"], r["peer"]): r for r in report.ratio_rows(_results())}
    numpy_row = rows["lookup", "numpy W[idx]"]
    assert numpy_row["ratio"] == pytest.approx(2.0)
    assert (numpy_row["low"], numpy_row["high"]) == (pytest.approx(2.0), pytest.approx(2.0))
    torch_row = rows["lookup", "torch"]
    assert torch_row["ratio"] == pytest.approx(0.5)
    assert (torch_row["low"], torch_row["high"]) == (pytest.approx(0.5), pytest.approx(1.0))
    assert rows["lookup", "copy (limit)"]["reference"]
    assert rows["TfidfVectorizer.fit_transform", "sklearn"]["ratio"] == pytest.approx(2.5)
    # the slower list has torch (a peer), not the copy (a reference)
    assert [(r["workload"], r["peer"]) for r in report.slower(list(rows.values()))] == [
        ("lookup", "torch")]


def test_markdown_table_names_machine_and_every_row(report):
    md = report.markdown(_results(), INFO)
    head, table = md.split("| workload |", 1)
    for part in ("Test CPU 9000 (family 25, model 17)", "AVX512", "L2 1 MiB/core", "L3 32 MiB",
                 "2 usable CPUs", "openblas 0.3.30 SkylakeX, 2 threads", "omp layer",
                 "2026-12-03 08:00 UTC", "0.5 at the start", "0.75 at the end",
                 "numpy 2.4.6", "small: 3 runs"):
        assert part in head, part
    assert "gensim" not in head  # not installed: not listed
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    # sparsedense's p95/median: 2.9 / 2 (on the case's first row only)
    assert lines[0] == ("| lookup | small: 1,000 ids in 100,000 x 300 | numpy W[idx] "
                        "| 2 (2-2) | 1.45 |")
    assert lines[1] == "|  |  | torch | 0.5 (0.5-1) |  |"
    assert lines[2] == "|  |  | copy (limit) | 0.1 (0.1-0.1) |  |"
    assert lines[3] == "| TfidfVectorizer.fit_transform | large: 20,000 docs | sklearn " \
                       "| 2.5 (2-3) | 1.00 |"
    assert md.rstrip().endswith("SLOWER than: lookup [small] vs torch (0.5).")


def _process(scale: float, torch_scale: float) -> list[dict]:
    """One process's results: sparsedense and numpy slowed by ``scale``, torch by
    ``torch_scale`` (a process's layout slows its calls, not all alike)."""
    out = _results()
    for r in out:
        for name, ts in r["times"].items():
            k = torch_scale if name == "torch" else scale
            r["times"][name] = [t * k for t in ts]
    return out


def test_ratio_rows_of_several_processes_take_the_median_process(report):
    merged = report.merge([_process(1.0, 1.0), _process(2.0, 1.0), _process(1.0, 3.0)])
    lookup = merged[0]
    assert [len(p["sparsedense"]) for p in lookup["processes"]] == [3, 3, 3]
    assert lookup["times"]["sparsedense"] == [1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 1.0, 2.0, 3.0]
    rows = {(r["workload"], r["peer"]): r for r in report.ratio_rows(merged)}
    # torch / sparsedense per process: 1/2, 1/4 (sparsedense slowed), 3/2 (torch slowed)
    torch_row = rows["lookup", "torch"]
    assert torch_row["ratio"] == pytest.approx(0.5)
    assert (torch_row["low"], torch_row["high"]) == (pytest.approx(0.25), pytest.approx(1.5))
    assert torch_row["processes"] == 3
    assert rows["lookup", "numpy W[idx]"]["ratio"] == pytest.approx(2.0)
    # p95/median per process: 2.9 / 2 each (the scale cancels)
    assert torch_row["p95_median"] == pytest.approx(1.45)
    md = report.markdown(merged, INFO)
    assert "measured in 3 processes" in md and "(small: 3 runs, large: 3 runs in a process)" in md
    assert "| ratio (per-process range) |" in md
    assert "|  |  | torch | 0.5 (0.25-1.5) |  |" in md


def test_merge_refuses_processes_that_measured_other_cases(report):
    other = _process(1.0, 1.0)
    other[1]["case"] = "something else [large]"
    with pytest.raises(RuntimeError, match="different cases"):
        report.merge([_process(1.0, 1.0), other])
    with pytest.raises(ValueError):  # one process measured fewer cases
        report.merge([_process(1.0, 1.0), _process(1.0, 1.0)[:1]])


def test_a_process_of_a_run_in_several_measures_one_size(compare):
    argv = compare.child_argv("large", ["bag", "text"], 3, "/tmp/x.json")
    assert argv[1] == os.path.join(BENCH, "compare.py")
    assert argv[2:] == ["--sizes", "large", "--only", "bag,text", "--runs", "3",
                        "--processes", "1", "--json", "/tmp/x.json"]


def test_replace_table_only_between_the_markers(report):
    text = (f"# Title\n\n## Speed\n\nIntro.\n\n{report.BEGIN}\nold table\n| a | b |\n"
            f"{report.END}\n\nAfter.\n")
    new = report.replace_table(text, "new table\n")
    assert new == (f"# Title\n\n## Speed\n\nIntro.\n\n{report.BEGIN}\nnew table\n"
                   f"{report.END}\n\nAfter.\n")
    assert report.replace_table(new, "new table") == new  # idempotent
    for broken in (text.replace(report.END, ""), text.replace(report.BEGIN, ""),
                   f"{report.END}\nx\n{report.BEGIN}\n", text + report.BEGIN):
        with pytest.raises(ValueError, match="markers"):
            report.replace_table(broken, "x")


def test_write_readme_rewrites_the_file(report, tmp_path):
    path = tmp_path / "README.md"
    path.write_text(f"a\n{report.BEGIN}\nold\n{report.END}\nb\n", encoding="utf-8")
    report.write_readme(str(path), report.markdown(_results(), INFO))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"a\n{report.BEGIN}\nMeasured by") and text.endswith(
        f"(0.5).\n{report.END}\nb\n")
    assert "old" not in text and os.listdir(tmp_path) == ["README.md"]


def test_the_readme_holds_the_markers(compare, report):
    with open(compare.README, encoding="utf-8") as fh:
        text = fh.read()
    assert report.replace_table(text, "x").count("x\n" + report.END) == 1


def test_readme_refuses_a_partial_run(compare, capsys):
    for argv in (["--readme", "--quick"], ["--readme", "--only", "text"],
                 ["--readme", "--sizes", "small"], ["--sizes", "huge"],
                 ["--quick", "--processes", "0"], ["--quick", "--runs", "0"]):
        with pytest.raises(SystemExit) as exc:
            compare.main(argv)
        assert exc.value.code == 2
    assert "unknown size 'huge'" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="no /proc (Linux only)")
def test_a_sample_waits_for_a_running_thread_to_stop(compare):
    """A thread still running (as a thread pool spins after its call, outside the GIL)
    holds the next sample back until it stops, and no longer than the limit."""
    import threading
    import time

    from numba import njit

    @njit(nogil=True)
    def spin(n):  # a busy loop that lets go of the GIL, as BLAS's and OpenMP's threads
        x = 0.0
        for i in range(n):
            x = x * 0.999 + i
        return x

    spin(10)
    t0 = time.perf_counter()
    spin(1_000_000)
    per_step = max(time.perf_counter() - t0, 1e-6) / 1_000_000
    steps = int(0.2 / per_step)  # about 0.2 s of spinning
    thread = threading.Thread(target=spin, args=(steps,))
    start = time.perf_counter()
    thread.start()
    time.sleep(0.02)
    running = compare._running_threads()
    waited = compare.wait_quiet(limit=5.0)
    thread.join()
    spun = time.perf_counter() - start
    assert running >= 1
    assert 0.5 * (spun - 0.02) <= waited < 5.0
    long = threading.Thread(target=spin, args=(steps * 5,))
    long.start()
    try:
        time.sleep(0.02)
        assert compare.wait_quiet(limit=0.1) >= 0.1  # cut at the limit
    finally:
        long.join()


def test_proc_machine_fallback_has_machine_info_keys(report):
    info = report._proc_machine()
    assert set(info) >= {"cpu", "isa", "l1d", "l2", "l3", "cache_line", "n_cpus",
                         "vector_registers", "blas"}
    assert info["n_cpus"] >= 1 and isinstance(info["blas"], list)
    assert report._cache_bytes("1024K") == 1 << 20 and report._cache_bytes("32M") == 32 << 20


# -- ratios.py ----------------------------------------------------------------------

def _asv_results(tmp_path, date=1796283359000, commit="abcdef1234567890", result=None):
    machine = tmp_path / "results" / "vm"
    machine.mkdir(parents=True, exist_ok=True)
    (machine / "machine.json").write_text(json.dumps(
        {"arch": "x86_64", "cpu": "Test CPU 9000", "machine": "vm", "num_cpu": "2",
         "os": "Linux", "ram": str(24 << 30), "version": 1}))
    (tmp_path / "results" / "benchmarks.json").write_text(json.dumps({
        "bench_x.TopK.time_topk": {"param_names": ["impl"], "type": "time", "unit": "seconds"},
        "bench_x.Step.time_step": {"param_names": ["optimizer", "impl"], "type": "time",
                                   "unit": "seconds"},
        "bench_x.Dask.time_job": {"param_names": ["n_workers"], "type": "time",
                                  "unit": "seconds"},
        "version": 2}))
    columns = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a",
               "stats_ci_99_b", "stats_q_25", "stats_q_75"]
    data = {
        "commit_hash": commit, "env_name": "existing-py", "date": date,
        "params": {"machine": "vm", "cpu": "Test CPU 9000", "num_cpu": "2", "arch": "x86_64"},
        "python": "3.11", "requirements": {}, "env_vars": {}, "result_columns": columns,
        "results": {
            # sparsedense 10 ms, sklearn 30 ms, gensim n/a (not installed)
            "bench_x.TopK.time_topk": [result or [0.010, 0.030, None],
                                       [["'sparsedense'", "'sklearn'", "'gensim'"]], "v", 0, 1,
                                       None, None] + ([] if result else [
                                           [0.009, 0.027, None], [0.011, 0.033, None]]),
            # two optimizers x two implementations, no quartiles
            "bench_x.Step.time_step": [[0.001, 0.004, 0.002, 0.003],
                                       [["'SGD'", "'Adam'"], ["'sparsedense'", "'torch'"]]],
            "bench_x.Dask.time_job": [[1.0, 0.6], [["1", "2"]]],  # no contender: no ratio
        },
        "durations": {}, "version": 2}
    path = machine / f"{commit[:8]}-existing-py.json"
    path.write_text(json.dumps(data))
    return path


def test_ratios_per_combination(ratios, tmp_path):
    path = _asv_results(tmp_path)
    with open(tmp_path / "results" / "benchmarks.json") as fh:
        rows = ratios.ratios(ratios.load(str(path)), json.load(fh))
    got = {(r["benchmark"].split(".")[1], r["params"], r["peer"]): r for r in rows}
    assert set(got) == {("TopK", "", "sklearn"), ("TopK", "", "gensim"),
                        ("Step", "optimizer=SGD", "torch"), ("Step", "optimizer=Adam", "torch")}
    topk = got["TopK", "", "sklearn"]
    assert topk["ratio"] == pytest.approx(3.0)
    assert (topk["low"], topk["high"]) == (pytest.approx(0.027 / 0.011),
                                           pytest.approx(0.033 / 0.009))
    assert got["TopK", "", "gensim"]["ratio"] is None  # n/a
    assert got["Step", "optimizer=SGD", "torch"]["ratio"] == pytest.approx(4.0)
    assert got["Step", "optimizer=Adam", "torch"]["ratio"] == pytest.approx(1.5)
    assert got["Step", "optimizer=Adam", "torch"]["low"] is None  # no quartiles saved


def test_ratios_main_text_and_markdown(ratios, tmp_path, capsys):
    _asv_results(tmp_path, date=1, commit="0000000011111111", result=[1.0, 1.0, 1.0])
    _asv_results(tmp_path)  # the newer one is read
    folder = str(tmp_path / "results")
    assert ratios.main(["--results", folder]) == 0
    out = capsys.readouterr().out
    assert "machine vm (Test CPU 9000, x86_64, 2 CPUs, 24.0 GiB RAM, Linux), commit abcdef12" \
        in out
    assert "  sklearn" in out and "ratio 3 (2.45-3.67)" in out and "ratio n/a" in out
    assert ratios.main(["--results", folder, "--commit", "00000000", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "commit 00000000" in out
    assert "| `bench_x.TopK.time_topk` |  | sklearn | 1 s | 1 s | 1 |" in out
    assert ratios.main(["--results", folder, "--commit", "ffffffff"]) == 1
    assert "no asv results" in capsys.readouterr().err


def test_ratios_refuses_a_file_that_is_not_asv_results(ratios, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(ValueError, match="not an asv 0.6 results file"):
        ratios.load(str(path))


def test_a_missing_peer_is_an_asv_n_a_that_says_why():
    peers = _import("sparsedense_bench_peers", os.path.join(BENCH, "benchmarks", "_peers.py"))
    peers.require_peer("sparsedense")  # nothing to require
    peers.require_peer("numpy_index")
    with pytest.raises(NotImplementedError, match="n/a: sparsedense_no_such_peer is not installed"):
        peers.require("sparsedense_no_such_peer")
    peers.PEER_MODULES["nopeer"] = "sparsedense_no_such_peer"
    try:
        with pytest.raises(NotImplementedError, match="not installed"):
            peers.require_peer("nopeer_autograd")
    finally:
        del peers.PEER_MODULES["nopeer"]


def test_the_benchmarks_readme_lists_every_suite_file():
    """benchmarks/README.md names each asv suite file, so none runs unexplained."""
    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in (folder / "benchmarks").glob("bench_*.py"))
    assert files, "no asv suite files found"
    missing = [name for name in files if f"`{name}`" not in readme]
    assert not missing, f"benchmarks/README.md does not list {missing}"
