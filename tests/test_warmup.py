"""First use (issue 22): ``sparsedense.warmup()``, ``sparsedense warmup`` and the first-use note.

The cold-cache runs happen in child processes with ``NUMBA_CACHE_DIR`` set to
a fresh directory, so they compile for real and leave the package's own cache
alone. The full warm-up on a cold cache takes minutes on a 2-core machine: it
runs once, in one test that the suite starts first (``starts_first``, conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sparsedense import _warmup
from sparsedense.cli import FIRST_USE

NOTE = "sparsedense: compiling kernels for this machine, first run only"

_WARMUP_JSON = textwrap.dedent("""
    import json, sparsedense
    report = sparsedense.warmup(progress=False)
    print("REPORT " + json.dumps(report))
""")


def _run(args: list[str], cache: Path, cwd: Path | None = None,
         timeout: float = 1500) -> subprocess.CompletedProcess:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)
    assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return proc


def _report(proc: subprocess.CompletedProcess) -> dict:
    line = next(x for x in proc.stdout.splitlines() if x.startswith("REPORT "))
    return json.loads(line[len("REPORT "):])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("the bank raised the rate\nrain and snow today\n", encoding="utf-8")
    return path


# -- the note on a cold cache (a cheap command: vectorize compiles the counting kernels) ----

def _vectorize(corpus: Path, cache: Path, *flags: str) -> subprocess.CompletedProcess:
    return _run(["-m", "sparsedense", *flags, "vectorize", str(corpus), "-o",
                 str(corpus.with_name("out.npz"))], cache)


def test_cold_cache_note_once_then_never(corpus, tmp_path):
    first = _vectorize(corpus, tmp_path / "cache")
    assert first.stderr.count(NOTE) == 1, first.stderr
    assert "run `sparsedense warmup` to do it ahead" in first.stderr
    second = _vectorize(corpus, tmp_path / "cache")
    assert NOTE not in second.stderr, second.stderr


def test_no_note_when_nothing_compiles(tmp_path):
    """A mistake found before any kernel runs is the only line, even on a cold cache."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-m", "sparsedense", "demo", "--docs", "0"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "sparsedense demo: error: --docs and --top must be >= 1; got 0 and 5"]


def test_quiet_silences_the_note(corpus, tmp_path):
    proc = _vectorize(corpus, tmp_path / "cache", "--quiet")
    assert NOTE not in proc.stderr, proc.stderr


# -- warmup() on a cold cache, then from the cache ------------------------------------------

@pytest.mark.starts_first  # minutes of compiling in one child: begun while the rest runs
@pytest.mark.timeout(3000)  # compiles every kernel: minutes on 2 busy cores
def test_warmup_on_a_cold_cache_then_from_it(tmp_path, corpus):
    """warmup() in a child on a fresh cache, `python -m sparsedense warmup` on it, warmup()
    again, then a command: one test, so that the cold compile runs once (xdist gives the
    tests of a module-scoped fixture to whichever workers it likes, each paying for it)."""
    cache = tmp_path / "numba-cache-warmup"
    first = _report(_run(["-c", _WARMUP_JSON], cache))
    cli = _run(["-m", "sparsedense", "warmup"], cache)
    third = _report(_run(["-c", _WARMUP_JSON], cache))

    # the cold run compiled everything, in the cache it was given
    assert first["kernels"] > 100  # every module of _kernels was enumerated
    assert first["compiled"] > 100 and first["loaded"] == 0
    assert first["signatures"] == first["compiled"]  # a fresh process: all compiled here
    assert first["cache_dir"] and first["cache_dir"].startswith(str(cache))

    # every kernel has code, except the allowlisted ones (each with a reason) and those
    # for CPU features this machine lacks
    missed = set(first["not_reached"])
    allowed = set(_warmup.NOT_REACHED_ALLOWED) | set(first["not_for_this_cpu"])
    assert missed <= allowed, f"kernels warmup() does not run: {sorted(missed - allowed)}"
    assert all(len(reason) > 20 for reason in _warmup.NOT_REACHED_ALLOWED.values())
    # an allowlisted kernel that is reached after all should leave the allowlist
    assert set(_warmup.NOT_REACHED_ALLOWED) <= missed

    # the command: a summary, nothing compiled, no note
    assert " kernels: 0 signatures compiled, " in cli.stdout, cli.stdout
    assert " loaded from the cache, in " in cli.stdout
    assert NOTE not in cli.stderr
    assert "not compiled" not in cli.stdout

    # a second warmup() loads everything from the cache
    assert third["compiled"] == 0, third
    assert third["loaded"] > 0
    assert third["not_reached"] == first["not_reached"]

    # and a command on the warm cache says nothing about compiling
    proc = _vectorize(corpus, cache)
    assert NOTE not in proc.stderr, proc.stderr


# -- cheap checks ------------------------------------------------------------------------------

def test_warmup_help(tmp_path):
    for entry in (["-m", "sparsedense"], ["-c", "import sys; from sparsedense.cli import main; "
                                                 "sys.exit(main())"]):
        proc = _run([*entry, "warmup", "--help"], tmp_path)
        assert proc.stdout.startswith("usage: sparsedense warmup")
        assert "--dtype" in proc.stdout and "NUMBA_CACHE_DIR" in proc.stdout


def test_public_name():
    import sparsedense

    assert sparsedense.warmup is _warmup.warmup
    assert "warmup" in sparsedense.__all__


def test_first_use_kernels_exist():
    """A renamed kernel would silence the note for good: every probed name is a kernel."""
    found = _warmup.kernels()
    for command, (names, seconds) in FIRST_USE.items():
        assert names and seconds > 0
        for name in names:
            assert name in found, f"{command}: {name} is not a kernel"


def test_probe_says_nothing_on_error():
    from sparsedense import _first_use

    assert _first_use.cached_for_this_machine(object()) is None
    assert not _first_use.cache_is_cold(["nope.nope"])
    assert not _first_use.cache_is_cold([])


@pytest.mark.parametrize("dtypes, error, match", [
    ("float32", TypeError, "sequence of float dtypes"),
    (["float16"], ValueError, r"dtypes\[0\] = 'float16'"),
    ([object()], TypeError, r"dtypes\[0\] = <object"),
    ([], ValueError, "dtypes is empty"),
])
def test_bad_dtypes(dtypes, error, match):
    with pytest.raises(error, match=match):
        _warmup.warmup(progress=False, dtypes=dtypes)


def test_bad_progress():
    with pytest.raises(TypeError, match="progress must be True, False or None; got 'yes'"):
        _warmup.warmup(progress="yes")


def test_not_reached_counts_callees_of_reached_kernels():
    """A kernel loaded from the cache carries its callees, which then have no signature."""

    class Kernel:  # what not_reached reads of a dispatcher: its signatures and Python code
        def __init__(self, py_func, signatures):
            self.py_func, self.signatures = py_func, signatures

    ns: dict = {}
    exec("def helper(x):\n    return x\n"
         "def top(x):\n    return helper(x) + 1\n"
         "def alone(x):\n    return x\n", ns)
    found = {"m.top": Kernel(ns["top"], [("int64",)]), "m.helper": Kernel(ns["helper"], []),
             "m.alone": Kernel(ns["alone"], [])}
    ns["helper"] = found["m.helper"]  # the global name is the kernel, as in a kernel module
    assert _warmup.not_reached(found) == ["m.alone"]


def test_not_for_this_cpu_lists_the_kernels_of_missing_features_only():
    from sparsedense._kernels._tiles import tiles_usable
    from sparsedense._topk_tiles import screen_kind

    names = _warmup.not_for_this_cpu(_warmup.kernels())
    modules = {name.split(".", 1)[0] for name in names}
    assert modules <= {"int8_tiles", "bf16_topk"}
    assert ("int8_tiles" in modules) == (not tiles_usable("INT8_TILES"))
    assert ("bf16_topk" in modules) == (screen_kind() is None)
