"""_base/progress.py: a tqdm bar on a terminal's stderr, scaled units; nothing elsewhere.

The command line's bars on a real terminal (a pty): tests/test_cli.py.
"""

import io
import sys

import numpy as np
import pytest

import sparsedense as sd
from sparsedense._base.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def on_terminal(monkeypatch) -> Terminal:
    """sys.stderr replaced by a terminal that records what is written (in the test itself:
    pytest sets its own stderr again between a fixture and the test)."""
    pytest.importorskip("tqdm")
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def test_large_counts_are_scaled(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with Progress("training", total=87_228_000, unit="word") as bar:
        bar.update(20_088_658)
        bar.bar.refresh()
    assert "20.1M/87.2M" in terminal.getvalue()
    assert "20088658" not in terminal.getvalue()


def test_unknown_totals_are_scaled(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with Progress("reading", unit="doc") as bar:
        bar.update(1_234_567)
        bar.bar.refresh()
    assert "1.23Mdoc" in terminal.getvalue()


def test_small_totals_are_counted(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with Progress("compiling", total=12, unit="step") as bar:
        bar.update(3)
        bar.bar.refresh()
    assert "3/12" in terminal.getvalue()


def test_a_stage_shows_its_name_and_time_not_a_count(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with Progress("loading glove.txt", stage=True):
        pass
    text = terminal.getvalue()
    assert "loading glove.txt (00:00)" in text and "0/1" not in text


def test_nothing_when_quiet_or_not_a_terminal(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with Progress("reading", quiet=True) as bar:
        bar.update()
    assert bar.bar is None and terminal.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with Progress("reading") as bar:
        bar.update()
    assert bar.bar is None and sys.stderr.getvalue() == ""


def test_lsa_shows_its_power_iterations(monkeypatch):
    terminal = on_terminal(monkeypatch)
    X = sd.TfidfVectorizer().fit_transform(["a bb cc", "bb cc dd", "dd ee ff", "ff gg a"] * 3)
    lsa = sd.LSA(2, n_iter=4, random_state=0)
    lsa._progress = True  # what `sparsedense embed --lsa` sets
    got = lsa.fit_transform(X)
    assert "SVD (2 components)" in terminal.getvalue()
    assert "0/5 [" in terminal.getvalue() and "iteration/s" in terminal.getvalue()  # n_iter + 1
    np.testing.assert_array_equal(got, sd.LSA(2, n_iter=4, random_state=0).fit_transform(X))
    assert "_progress" not in lsa.get_params()


def test_lsa_is_silent_by_default(monkeypatch):
    terminal = on_terminal(monkeypatch)
    X = sd.TfidfVectorizer().fit_transform(["a bb cc", "bb cc dd", "dd ee ff"])
    sd.LSA(2, random_state=0).fit_transform(X)
    assert terminal.getvalue() == ""
