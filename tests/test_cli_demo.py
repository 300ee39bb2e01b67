"""``sparsedense demo``: the tour of the library on the shipped corpus, as a user runs it."""

import os
import subprocess
import sys

import pytest

from test_cli import run


def test_demo_runs_on_the_shipped_corpus():
    out = run("demo").stdout
    assert "TF-IDF matrix: 555 x" in out
    assert "Top 5 TF-IDF terms and nearest documents" in out
    assert "예금" in out  # the Korean banking document and its top terms
    assert "[banking/en]" in out and "[weather/en]" in out
    assert "one-hot cosine  예금-적금 0.00   예금-주택대출 0.00" in out
    # nearest documents of the banking documents are banking documents
    near_lines = [line for line in out.splitlines() if line.strip().startswith("near:")]
    assert near_lines and near_lines[0].count("[banking]") >= 4
    words = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    # the nearest words of "mortgage" are about home loans
    assert len({"loan", "house", "home", "payment", "monthly", "rate"}
               & set(words["mortgage"].replace(",", " ").split())) >= 2


def _seed_lines(out):
    lines = out.splitlines()
    start = lines.index("One-hot vs dense (the seed's banking words 예금, 적금, 주택대출):")
    return lines[start + 1:start + 4]


def test_demo_shows_the_seed_words_close_and_far_with_the_korean_tokenizer():
    pytest.importorskip("kiwipiepy")
    onehot, dense, note = _seed_lines(run("demo", "--docs", "1").stdout)
    assert onehot.split()[:6] == ["one-hot", "cosine", "예금-적금", "0.00", "예금-주택대출", "0.00"]
    fields = dense.split()
    assert fields[:3] == ["dense", "cosine", "예금-적금"] and fields[4] == "예금-주택대출"
    close, far, gap = float(fields[3]), float(fields[5]), float(fields[7])
    assert fields[6] == "gap" and abs(gap - (close - far)) <= 0.011
    assert gap >= 0.3, dense  # the seed's claim, by a clear margin
    assert "PPMI-SVD, 30 dimensions, on the 255 Korean documents" in note


def test_demo_without_kiwipiepy_says_in_one_line_what_to_install(monkeypatch, capsys):
    from sparsedense.cli import main

    monkeypatch.setitem(sys.modules, "kiwipiepy", None)  # as if it were not installed
    assert main(["demo", "--docs", "1"]) == 0
    onehot, dense, *after = _seed_lines(capsys.readouterr().out)
    assert "one-hot cosine  예금-적금 0.00   예금-주택대출 0.00" in onehot
    assert dense == ("  dense cosine    needs the Korean tokenizer: "
                     "pip install 'sparsedense[korean]'")
    assert not "".join(after).strip()  # and nothing more of the Korean part


def test_demo_options_and_console_script():
    out = run("demo", "--docs", "2", "--top", "3").stdout
    assert sum(line.startswith("  doc ") for line in out.splitlines()) == 2
    exe = os.path.join(os.path.dirname(sys.executable), "sparsedense")
    if os.path.exists(exe):
        proc = subprocess.run([exe, "demo", "--docs", "1"], capture_output=True, text=True,
                              encoding="utf-8", timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert out.splitlines()[0] == proc.stdout.splitlines()[0]


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


def test_demo_plot_draws_korean_words_without_missing_glyphs_or_overlaps(tmp_path, monkeypatch,
                                                                        caplog):
    """The map of ``demo --plot``: every Hangul glyph found, no two labels on each other."""
    pytest.importorskip("matplotlib")
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from sparsedense.cli import _plot, main

    figures = []

    def keep(*args):
        figures.append(draw(*args))
        return figures[-1]

    draw = _plot.demo_figure
    monkeypatch.setattr(_plot, "demo_figure", keep)
    out = tmp_path / "map.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["demo", "--docs", "4", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "missing from font" in m or "findfont" in m], messages
    (fig,) = figures
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert "예금" in labels and "deposit" in labels
    assert any(label.startswith("doc ") for label in labels)
    canvas = FigureCanvasAgg(fig)  # the command closed the figure: draw it again
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.texts]
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
        clashes = [(labels[i], labels[j]) for i, a in enumerate(boxes)
                   for j in range(i + 1, len(boxes)) if a.overlaps(boxes[j])]
        assert not clashes
    try:
        import kiwipiepy  # noqa: F401
    except ImportError:
        assert len(fig.axes) == 1
    else:  # the seed's words in the demo's Korean vectors, a second panel
        assert len(fig.axes) == 2
        seed = [t.get_text() for t in fig.axes[1].texts]
        assert {"예금", "적금", "주택대출"} <= set(seed)
        assert "cos(예금, 적금) = 0.79" in fig.axes[1].get_title()


def test_demo_plot_without_the_font_says_what_to_install(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    import importlib.util

    from sparsedense.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "koreanize_matplotlib"
                        else real(name, *a))
    out = tmp_path / "map.png"
    assert main(["demo", "--docs", "1", "--plot", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sparsedense demo: error: --plot needs koreanize-matplotlib: "
                   "pip install 'sparsedense[plot]'"]
    assert not out.exists()
