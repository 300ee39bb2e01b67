"""The console script, driven in a subprocess as a user runs it."""

import os
import subprocess
import sys

import pytest


def run(*args, check=True):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sparsedense", *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_demo_runs_on_the_shipped_corpus():
    out = run("demo").stdout
    assert "TF-IDF matrix: 361 x" in out
    assert "Top 5 TF-IDF terms and nearest documents" in out
    assert "예금" in out  # the Korean banking document and its top terms
    assert "[banking/en]" in out and "[weather/en]" in out
    assert "one-hot cosine  예금-적금 0.00   예금-주택대출 0.00" in out
    # nearest documents of the banking documents are banking documents
    near_lines = [line for line in out.splitlines() if line.strip().startswith("near:")]
    assert near_lines and near_lines[0].count("[banking]") >= 4
    words = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "loan" in words["mortgage"]


def test_demo_options_and_console_script():
    out = run("demo", "--docs", "2", "--top", "3").stdout
    assert sum(line.startswith("  doc ") for line in out.splitlines()) == 2
    exe = os.path.join(os.path.dirname(sys.executable), "sparsedense")
    if os.path.exists(exe):
        proc = subprocess.run([exe, "demo", "--docs", "1"], capture_output=True, text=True,
                              encoding="utf-8", timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert out.splitlines()[0] == proc.stdout.splitlines()[0]


def test_bad_value_is_one_line_exit_2_without_traceback():
    proc = run("demo", "--docs", "0", check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "sparsedense demo: error: --docs and --top must be >= 1; got 0 and 5"]


def test_debug_shows_traceback():
    proc = run("--debug", "demo", "--docs", "0", check=False)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["demo", "--help"]])
def test_help_has_an_example(args):
    out = run(*args).stdout
    assert "xample" in out


def test_no_command_prints_help_and_exit_2():
    proc = run(check=False)
    assert proc.returncode == 2
    assert "demo" in proc.stdout


def test_demo_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    run("demo", "--docs", "2", "--plot", str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch, capsys):
    from sparsedense.cli import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    out = tmp_path / "map.png"
    assert main(["demo", "--docs", "1", "--plot", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sparsedense demo: error: --plot needs matplotlib: "
                   "pip install 'sparsedense[plot]'"]
    assert not out.exists()
