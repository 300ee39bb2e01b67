"""The console script (cli/__init__.py), driven in a subprocess as a user runs it.

``run`` and ``assert_usage_error`` here serve every test_cli_*.py file: the
parser, help, errors and stop signals are tested here, each command in the file
named after its module (test_cli_demo.py, test_cli_vectorize.py, ...).
"""

import os
import select
import signal
import subprocess
import sys

import pytest

DOCS = [
    "the bank raised the deposit rate on savings accounts",
    "savings and deposit accounts earn interest at the bank",
    "heavy rain and snow are in the weather forecast",
    "the forecast says rain tomorrow and snow on sunday",
    "예금 적금 주택대출 은행 금리",
]


def run(*args, stdin=None, check=True, cwd=None, **environ):
    """``sparsedense *args`` in a subprocess (``environ``: extra environment variables)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", **environ)
    proc = subprocess.run([sys.executable, "-m", "sparsedense", *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          input=stdin, timeout=600, cwd=cwd)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def assert_usage_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for f in fragments:
        assert f in lines[0], (f, lines[0])


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


@pytest.mark.parametrize("command", ["vectorize", "embed", "neighbors", "vectors"])
def test_every_command_has_help_with_an_example(command):
    out = run(command, "--help").stdout
    assert "example" in out.lower()


def test_a_signal_inside_a_numba_dispatch_still_counts_as_the_signal(capsys):
    # the handler's exception, raised while Numba's dispatcher runs Python code, comes out
    # as "SystemError: ... returned a result with an exception set" caused by it
    from sparsedense.cli import Terminated, _report_stop, _stop_signal

    for stop, code, text in ((Terminated(signal.SIGTERM), 143, "terminated (SIGTERM)"),
                             (KeyboardInterrupt(), 130, "interrupted")):
        try:
            try:
                raise stop
            except BaseException as inner:
                raise SystemError("CPUDispatcher(...) returned a result with an exception "
                                  "set") from inner
        except SystemError as exc:
            assert _stop_signal(exc) is stop
            assert _report_stop("embed", _stop_signal(exc)) == code
        assert capsys.readouterr().err == f"sparsedense embed: {text}\n"
    assert _stop_signal(SystemError("other")) is None


def test_version():
    import sparsedense

    proc = run("--version")
    assert proc.stdout.strip() == f"sparsedense {sparsedense.__version__}"


def run_on_terminal(*args, cwd=None):
    """``sparsedense *args`` with standard error on a pseudo-terminal; (stdout, stderr bytes)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "sparsedense", *map(str, args)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                            env=env, cwd=cwd)
    seen = []
    # our copy of the terminal's end stays open until the process is gone: Linux drops
    # what is unread on the terminal when its last end closes
    while True:
        ready = select.select([master], [], [], 0.05)[0]
        if ready:
            seen.append(os.read(master, 65536))
        elif proc.poll() is not None:
            break
    os.close(slave)
    os.close(master)
    out = proc.stdout.read()
    proc.stdout.close()
    assert proc.wait(timeout=600) == 0, b"".join(seen)
    return out.decode("utf-8"), b"".join(seen).decode("utf-8", "replace")


def big_corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(DOCS * 40) + "\n", encoding="utf-8")
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize("args, bar", [
    (["vectorize", "CORPUS", "-o", "X.npz"], "reading: "),
    (["embed", "CORPUS", "--lsa", "2", "-o", "D.npy"], "SVD (2 components): "),
    (["embed", "CORPUS", "--vectors", "VECTORS", "-o", "D.npy"], "embedding: "),
    (["train", "CORPUS", "--min-count", "1", "--epochs", "1", "-o", "V.txt"],
     "Word2Vec training: "),
    (["train", "CORPUS", "--min-count", "1", "--epochs", "1", "-o", "V.txt"], "writing V.txt"),
    (["train", "CORPUS", "--method", "ppmi-svd", "--min-count", "1", "--vector-size", "4",
      "-o", "V.txt"], "PPMI and SVD"),
    (["vectors", "convert", "VECTORS", "W.npz"], "writing W.npz"),
])
def test_progress_bar_on_a_terminal_not_in_a_file(tmp_path, vectors_file, args, bar):
    pytest.importorskip("tqdm")
    corpus = big_corpus(tmp_path)
    args = [{"CORPUS": corpus, "VECTORS": vectors_file[0]}.get(a, a) for a in args]
    out, err = run_on_terminal(*args, cwd=tmp_path)
    assert bar in err and "\r" in err
    assert bar not in out and "\r" not in out  # stdout (the summary) has no bar
    proc = run(*args, cwd=tmp_path)  # stderr a pipe: no bar
    assert bar not in proc.stderr and "\r" not in proc.stderr
    quiet = run_on_terminal("-q", *args, cwd=tmp_path)[1]
    assert bar not in quiet
