"""sparsedense.plot (Hangul font, label placement, 2-D maps) and the tutorial's figures.

Every figure of docs/_figures.py is rendered here, and a warning while
drawing or saving it (such as a glyph missing from the font) fails the test.
"""

import importlib.util
import io
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sparsedense import plot  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"
KOREAN = ["예금", "적금", "주택대출", "은행", "금리"]


def _figures():
    spec = importlib.util.spec_from_file_location("_figures", DOCS / "_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render(make):
    """Build a figure with ``make()`` and save it as PNG; return it and every warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = make()
        fig.savefig(io.BytesIO(), format="png", dpi=100)
    return fig, [str(w.message) for w in caught]


def text_boxes(texts, fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [Text.get_window_extent(t, renderer) for t in texts]


def overlapping(boxes):
    return [(i, j) for i, a in enumerate(boxes) for j in range(i + 1, len(boxes))
            if a.overlaps(boxes[j])]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- the font ------------------------------------------------------------------


def test_default_font_misses_hangul_and_hangul_font_draws_it():
    """The problem and the fix: DejaVu Sans warns for every Hangul glyph; hangul_font does not."""
    def titled():
        fig, ax = plt.subplots()
        ax.set_title(" ".join(KOREAN) + " deposit -1.5")
        return fig

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        _, caught = render(titled)
    assert any("missing from font" in m for m in caught)  # the check can fail

    with plot.hangul_font() as family:
        fig, _ = render(titled)
    assert family == ["DejaVu Sans", "NanumGothic"]
    _, caught = render(lambda: fig)  # saved again, outside the context
    assert not caught
    assert matplotlib.rcParams["font.family"] != family  # the context restored it


def test_hangul_font_registers_the_bundled_file_without_importing_koreanize():
    path = plot.hangul_font_path()
    assert Path(path).name == "NanumGothic.ttf" and Path(path).is_file()
    with plot.hangul_font():
        pass
    from matplotlib import font_manager

    names = {Path(f.fname).name for f in font_manager.fontManager.ttflist}
    assert {"NanumGothic.ttf", "NanumGothicBold.ttf"} <= names
    assert "koreanize_matplotlib" not in sys.modules  # its import changes global settings


def test_missing_font_or_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ImportError, match=r"pip install 'sparsedense\[plot\]'") as info:
        plot.hangul_font_path()
    assert info.value.name == "koreanize_matplotlib"
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"needs matplotlib: pip install 'sparsedense\[plot\]'"):
        with plot.hangul_font():
            pass


# -- label placement -----------------------------------------------------------


def _crowd(n=30, seed=0):
    rng = np.random.default_rng(seed)
    xy = rng.normal(size=(n, 2)) * [1.0, 0.6]
    xy[:6] = [[0, 0], [0.02, 0], [0.04, 0.01], [0, 0.03], [0.03, 0.03], [0.01, -0.02]]
    labels = [KOREAN[i % 5] + f" {i}" if i % 2 else f"word{i}" for i in range(n)]
    return xy, labels


def _labelled(xy, labels, **kw):
    with plot.hangul_font():
        fig, ax = plt.subplots(figsize=(6, 5))
        ax.scatter(xy[:, 0], xy[:, 1], s=20)
        ax.margins(0.15)
        fig.tight_layout()
        texts = plot.label_points(ax, xy, labels, **kw)
    return fig, ax, texts


def test_label_points_leaves_no_two_labels_overlapping():
    xy, labels = _crowd()
    fig, ax, texts = _labelled(xy, labels)
    assert [t.get_text() for t in texts] == labels
    boxes = text_boxes(texts, fig)
    assert not overlapping(boxes)
    frame = ax.get_window_extent()
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
               for b in boxes)


def test_plain_annotations_of_the_same_points_do_overlap():
    """The check above can fail: the naive labels (all to the upper right) collide."""
    xy, labels = _crowd()
    with plot.hangul_font():
        fig, ax = plt.subplots(figsize=(6, 5))
        ax.scatter(xy[:, 0], xy[:, 1], s=20)
        fig.tight_layout()
        texts = [ax.annotate(w, p, xytext=(4, 3), textcoords="offset points", fontsize=9)
                 for p, w in zip(xy, labels)]
    assert overlapping(text_boxes(texts, fig))


def test_label_points_is_deterministic_and_avoids_labels_already_there():
    xy, labels = _crowd()
    first = [t.get_position() for t in _labelled(xy, labels)[2]]
    again = [t.get_position() for t in _labelled(xy, labels)[2]]
    assert first == again
    fig, ax, texts = _labelled(xy[:10], labels[:10], fontweight="bold")
    more = plot.label_points(ax, xy[10:], labels[10:])
    assert not overlapping(text_boxes(texts + more, fig))


def test_label_points_checks_its_input():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"xy must have shape \(n, 2\); got shape \(3,\)"):
        plot.label_points(ax, [1.0, 2.0, 3.0], ["a", "b", "c"])
    with pytest.raises(ValueError, match="got 1 labels for 2 points"):
        plot.label_points(ax, [[0, 0], [1, 1]], ["a"])
    with pytest.raises(ValueError, match="got 1 colors for 2 points"):
        plot.label_points(ax, [[0, 0], [1, 1]], ["a", "b"], colors=["red"])
    assert not ax.texts  # nothing drawn


# -- projection and word map ---------------------------------------------------


def test_project_2d_is_a_pca_of_the_unit_rows():
    rng = np.random.default_rng(1)
    V = rng.normal(size=(12, 5))
    xy = plot.project_2d(V)
    U = V / np.linalg.norm(V, axis=1, keepdims=True)
    U = U - U.mean(axis=0)
    _, S, _ = np.linalg.svd(U, full_matrices=False)
    np.testing.assert_allclose(np.linalg.norm(xy, axis=0), S[:2], rtol=1e-10)
    assert np.array_equal(plot.project_2d(V * 3.0).round(12), xy.round(12))
    for j in range(2):
        assert xy[np.argmax(np.abs(xy[:, j])), j] > 0
    with pytest.raises(ValueError, match=r"at least 2 rows and 2 columns; got shape \(1, 5\)"):
        plot.project_2d(V[:1])


def test_word_map_draws_every_word_once_without_warnings():
    words = KOREAN + ["deposit", "savings", "mortgage"]
    V = np.random.default_rng(2).normal(size=(len(words), 6))
    groups = {w: ("ko" if w in KOREAN else "en") for w in words}
    fig, caught = render(lambda: plot.word_map(words, V, groups=groups, title="예금 map"))
    assert not caught
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == words
    assert not overlapping(text_boxes(ax.texts, fig))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ko", "en"]
    with pytest.raises(ValueError, match=r"one row per word: got shape \(7, 6\) for 8 words"):
        plot.word_map(words, V[:7])


# -- the tutorial's figures ----------------------------------------------------

FIGURES = ["onehot_vs_dense", "onehot_times_table", "embedding_lookup", "sun_moon_cloud",
           "banking_map", "toy_training", "word2vec_training"]


def test_the_tutorial_has_every_figure_and_no_other():
    figures = _figures()
    assert list(figures.FIGURES) == FIGURES
    text = "".join(p.read_text(encoding="utf-8") for p in (DOCS / "tutorial").glob("*.rst"))
    used = [name for name in FIGURES if f"{name}(" in text]
    assert used == FIGURES
    assert text.count(".. plot::") >= 6
    for block in text.split(".. plot::")[1:]:
        head = block.split("\n\n")[0]
        assert ":alt:" in head and ":caption:" in head, head


@pytest.mark.parametrize("name", FIGURES)
def test_figure_renders_without_warnings(name):
    figures = _figures()
    if name == "banking_map":
        pytest.importorskip("kiwipiepy")
    fig, caught = render(figures.FIGURES[name])
    assert not caught, caught
    assert fig.axes
    titles = [ax.get_title() for ax in fig.axes]
    assert any(titles)


def test_onehot_figures_show_the_numbers_of_the_tutorial():
    figures = _figures()
    fig, _ = render(figures.onehot_vs_dense)
    cells = [[t.get_text() for t in ax.texts] for ax in fig.axes]
    assert cells[0] == ["1", "0", "0", "0", "1", "0", "0", "0", "1"]
    assert cells[1].count("0.00") == 6  # one-hot cosines: 0 off the diagonal
    assert {"0.61", "0.98", "0.75"} <= set(cells[3]) and "0.00" not in cells[3]
    fig, _ = render(figures.onehot_times_table)
    assert [t.get_text() for t in fig.axes[4].texts] == ["0.5", "0.2"]  # = W[1]


def test_embedding_figure_draws_the_lookup_of_the_tutorial():
    from sparsedense.nn import Embedding

    figures = _figures()
    fig, _ = render(figures.embedding_lookup)
    out = Embedding(10, 3, seed=0)(figures.BATCH)
    slices = [ax for ax in fig.axes if ax.get_title().startswith("out[")]
    assert len(slices) == 2
    for s, ax in enumerate(slices):
        assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in out[s].ravel()]


def test_banking_map_shows_the_seed_relation_readably():
    pytest.importorskip("kiwipiepy")
    figures = _figures()
    words, vectors = figures.korean_word_vectors()
    assert {"예금", "적금", "주택대출"} <= set(words)
    fig, caught = render(lambda: figures.banking_map(words, vectors))
    assert not caught
    ax = fig.axes[0]
    assert not overlapping(text_boxes(ax.texts, fig))
    assert "예금 (deposit)" in [t.get_text() for t in ax.texts]
    xy = plot.project_2d(vectors)
    at = {w: xy[i] for i, w in enumerate(words)}
    assert (np.linalg.norm(at["예금"] - at["적금"])
            < np.linalg.norm(at["예금"] - at["주택대출"]))


def test_training_figures_draw_the_losses_of_the_tutorial():
    figures = _figures()
    fig, _ = render(figures.toy_training)
    loss = fig.axes[0].lines[0].get_ydata()
    assert len(loss) == 50
    assert (round(loss[0], 2), round(loss[-1], 2)) == (-1.09, -6.55)  # as embedding.rst prints
    fig, _ = render(figures.word2vec_training)
    loss = fig.axes[0].lines[0].get_ydata()
    assert len(loss) == 40 and loss[-1] < 0.6 * loss[0]
    after = fig.axes[2]
    assert [t.get_text() for t in after.texts] == list(figures.W2V_GROUPS)
    assert not overlapping(text_boxes(after.texts, fig))
