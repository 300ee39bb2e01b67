"""Pictures of word vectors: a font that draws Hangul, labels that do not overlap, a 2-D map.

matplotlib's default font, DejaVu Sans, has no Hangul: Korean words come
out as empty boxes with a "Glyph ... missing from font" warning each.
:func:`hangul_font` registers NanumGothic (SIL Open Font License 1.1),
shipped in the ``koreanize-matplotlib`` package that the ``plot`` extra
installs, and sets the font family to DejaVu Sans with NanumGothic as its
fallback: Latin text keeps matplotlib's usual look and every Hangul glyph
comes from NanumGothic. The package is not imported (its import changes
matplotlib's global settings); only its font file is used.

:func:`label_points` writes one label beside each point, choosing for each
among eight directions the first place where it overlaps no label already
placed and no point, sized by the renderer's text extents;
:func:`word_map` draws words on the two main directions of their vectors
(:func:`project_2d`) with those labels.

matplotlib is imported only when a function here is called; without it (or
without the font) an ImportError says ``pip install 'sparsedense[plot]'``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ._base.validation import as_array

__all__ = ["hangul_font", "hangul_font_path", "label_points", "project_2d", "word_map"]

#: the font file used for Hangul, inside the ``koreanize_matplotlib`` package
HANGUL_FONT_FILE = "NanumGothic.ttf"
#: its family name, as matplotlib's font manager reports it
HANGUL_FAMILY = "NanumGothic"
#: font family list set by :func:`hangul_font`: Latin first, then Hangul
FONT_FAMILY = ("DejaVu Sans", HANGUL_FAMILY)

_EXTRA = "pip install 'sparsedense[plot]'"

# (dx, dy, horizontal alignment, vertical alignment) of the eight places around
# a point, in the order they are tried: right, above, left, below, diagonals.
_PLACES = (
    (1.0, 0.0, "left", "center"), (0.0, 1.0, "center", "bottom"),
    (-1.0, 0.0, "right", "center"), (0.0, -1.0, "center", "top"),
    (0.7, 0.7, "left", "bottom"), (-0.7, 0.7, "right", "bottom"),
    (-0.7, -0.7, "right", "top"), (0.7, -0.7, "left", "top"),
)

# how far out the places are tried, in multiples of ``offset``
_RINGS = (1.0, 2.0, 3.0, 4.5, 6.0)


def _pyplot():
    """``matplotlib.pyplot`` (its backend left to the user), or an ImportError naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"sparsedense.plot needs matplotlib: {_EXTRA}",
                          name="matplotlib") from exc
    return plt


def hangul_font_path() -> str:
    """Path of the NanumGothic font file shipped in ``koreanize-matplotlib``.

    Returns
    -------
    str
        An absolute path to ``NanumGothic.ttf``.

    Raises
    ------
    ImportError
        When ``koreanize-matplotlib`` is not installed; the message says
        ``pip install 'sparsedense[plot]'``.

    Examples
    --------
    >>> from sparsedense.plot import hangul_font_path
    >>> hangul_font_path().endswith("NanumGothic.ttf")
    True
    """
    spec = importlib.util.find_spec("koreanize_matplotlib")  # found, not imported
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = os.path.join(folder, "fonts", HANGUL_FONT_FILE)
        if os.path.isfile(path):
            return os.path.abspath(path)
    raise ImportError(f"drawing Korean words needs the NanumGothic font of "
                      f"koreanize-matplotlib: {_EXTRA}", name="koreanize_matplotlib")


@contextlib.contextmanager
def hangul_font() -> Iterator[list[str]]:
    """A context in which new text is drawn in DejaVu Sans, Hangul in NanumGothic.

    Registers the font files of :func:`hangul_font_path` (its regular, light
    and bold faces) with matplotlib's font manager, once, and sets ``font.family`` to
    ``["DejaVu Sans", "NanumGothic"]`` inside the context: each glyph comes
    from the first font that has it. Text keeps the font it was created
    with, so a figure built inside the context can be saved after it.

    Yields
    ------
    list of str
        The font family list in force.

    Raises
    ------
    ImportError
        When matplotlib or the font is missing (``pip install 'sparsedense[plot]'``).

    Examples
    --------
    >>> import io, warnings
    >>> from sparsedense.plot import hangul_font
    >>> with hangul_font() as family:
    ...     import matplotlib.pyplot as plt
    ...     fig, ax = plt.subplots()
    ...     _ = ax.set_title("예금 (deposit), 적금 (savings), 주택대출 (mortgage)")
    >>> family
    ['DejaVu Sans', 'NanumGothic']
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fig.savefig(io.BytesIO(), format="png")
    >>> [str(w.message) for w in caught if "missing from font" in str(w.message)]
    []
    >>> plt.close(fig)
    """
    plt = _pyplot()
    from matplotlib import font_manager

    folder = os.path.dirname(hangul_font_path())
    manager = font_manager.fontManager
    known = {os.path.abspath(f.fname) for f in manager.ttflist}
    for name in sorted(os.listdir(folder)):  # the regular, light and bold faces
        path = os.path.join(folder, name)
        if name.startswith(HANGUL_FAMILY) and name.endswith(".ttf") and path not in known:
            manager.addfont(path)
    family = list(FONT_FAMILY)
    with plt.rc_context({"font.family": family}):
        yield family


_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]")


def _font_for(texts: Iterable[Any]) -> contextlib.AbstractContextManager:
    """:func:`hangul_font` when one of ``texts`` has Hangul, else the fonts in force."""
    if any(_HANGUL.search(str(t)) for t in texts if t is not None):
        return hangul_font()
    return contextlib.nullcontext()


def _boxes_overlap(box: np.ndarray, others: np.ndarray) -> float:
    """Total area shared by ``box`` (x0, y0, x1, y1) and each row of ``others``."""
    if not len(others):
        return 0.0
    w = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
    h = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def _outside(box: np.ndarray, frame: np.ndarray) -> float:
    """Area of ``box`` outside the rectangle ``frame`` (all in display units)."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return float(area - _boxes_overlap(box, frame[None, :]))


def _text_box(text: Any, renderer: Any) -> np.ndarray:
    """(x0, y0, x1, y1) of the letters of ``text`` in display units (an annotation's
    leader line left out)."""
    from matplotlib.text import Text

    if hasattr(text, "update_positions"):
        text.update_positions(renderer)
    return np.asarray(Text.get_window_extent(text, renderer).extents)


def label_points(ax: Any, xy: Any, labels: Sequence[str], *, fontsize: float = 9,
                 colors: Sequence[Any] | None = None, offset: float = 6.0,
                 marker_radius: float = 3.5, **text_kw: Any) -> list[Any]:
    """Write ``labels[i]`` beside point ``xy[i]`` of ``ax``, no two labels overlapping.

    Labels are placed one after the other, in the order given. Each tries
    eight places around its point (right, above, left, below, then the
    diagonals), ``offset`` points away, then 2, 3, 4.5 and 6 times as far, and
    takes the first whose box (sized by the renderer's text extents)
    overlaps no label already placed (by this call or before it: every text
    of ``ax``, and its legend), no point (``xy`` and every scatter point of
    ``ax``), and stays inside the axes;
    when there is none, the place with the least overlap (covering a label
    counts four times as much as covering a point). A label that had to move
    three times ``offset`` away or further gets a thin leader line to its point. The
    result depends only on the figure, so it is the same on every run.

    Call it after the axes limits and the figure layout are final (e.g.
    after ``fig.tight_layout()``): labels are placed in display space. When
    a label has Hangul, the labels are drawn in the font of
    :func:`hangul_font`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    xy : array-like of shape (n, 2)
        The points, in data coordinates.
    labels : sequence of str, length n
    fontsize : float, default=9
    colors : sequence of colors, length n, optional
        One text colour per label (default: the text colour of the style).
    offset : float, default=6.0
        Distance between a point and its label, in points.
    marker_radius : float, default=3.5
        Half the size of the area around each point that labels avoid, in
        points (``scatter``'s default marker has radius 3).
    **text_kw
        Passed to every ``ax.annotate`` call (e.g. ``fontweight``).

    Returns
    -------
    list of matplotlib.text.Annotation
        One per label, in the order of ``labels``. ``Text.get_window_extent``
        of each gives the box of its letters (an Annotation's own method adds
        its leader line).

    Raises
    ------
    ValueError
        When ``xy`` is not (n, 2) or ``labels`` / ``colors`` do not have n
        entries.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.plot import hangul_font, label_points
    >>> xy = np.array([[0.0, 0.0], [0.02, 0.0], [0.04, 0.01], [1.0, 1.0]])
    >>> with hangul_font():
    ...     import matplotlib.pyplot as plt
    ...     fig, ax = plt.subplots(figsize=(4, 3))
    ...     _ = ax.scatter(xy[:, 0], xy[:, 1])
    ...     fig.tight_layout()
    ...     texts = label_points(ax, xy, ["예금", "적금", "주택대출", "rain"])
    >>> from matplotlib.text import Text
    >>> fig.canvas.draw()
    >>> boxes = [Text.get_window_extent(t) for t in texts]
    >>> any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    False
    >>> plt.close(fig)
    """
    points = as_array(xy, "xy").astype(np.float64, copy=False)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"xy must have shape (n, 2); got shape {points.shape}")
    labels = list(labels)
    if len(labels) != len(points):
        raise ValueError(f"labels must have one entry per point: got {len(labels)} labels "
                         f"for {len(points)} points")
    if colors is not None and len(colors) != len(points):
        raise ValueError(f"colors must have one entry per point: got {len(colors)} colors "
                         f"for {len(points)} points")
    fig = ax.figure
    fig.draw_without_rendering()  # final limits and layout before measuring
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72.0  # display units per point
    pad = 1.0 * px
    frame = np.asarray(ax.get_window_extent(renderer).extents)
    # the points, and every scatter point of the axes, are kept clear
    centers = [ax.transData.transform(points).reshape(-1, 2)]
    for c in ax.collections:
        offsets = np.asarray(c.get_offsets(), dtype=np.float64).reshape(-1, 2)
        centers.append(c.get_offset_transform().transform(offsets).reshape(-1, 2))
    allc = np.concatenate(centers)
    r = marker_radius * px
    dots = np.column_stack([allc - r, allc + r])
    # labels and a legend already on the axes are obstacles too
    placed = [_text_box(t, renderer) for t in ax.texts]
    legend = ax.get_legend()
    if legend is not None:
        placed.append(np.asarray(legend.get_window_extent(renderer).extents))
    texts = []
    with _font_for(labels):
        for i, (point, label) in enumerate(zip(points, labels)):
            kw = dict(text_kw)
            if colors is not None:
                kw["color"] = colors[i]
            leader = {"arrowstyle": "-", "linewidth": 0.6, "alpha": 0.7, "shrinkA": 0,
                      "shrinkB": marker_radius, "color": kw.get("color", "0.3")}
            ann = ax.annotate(str(label), tuple(point), xytext=(offset, 0.0),
                              textcoords="offset points", ha="left", va="center",
                              fontsize=fontsize, annotation_clip=False, arrowprops=leader,
                              **kw)
            # its own point (drawn again by a scatter of ax, maybe) is never under its label
            others = dots[np.abs(allc - allc[i]).max(axis=1) > 0.5]
            placed.append(_best_place(ann, renderer, offset, pad, frame,
                                      np.array(placed).reshape(-1, 4), others))
            texts.append(ann)
    return texts


def _best_place(ann: Any, renderer: Any, offset: float, pad: float, frame: np.ndarray,
                labels: np.ndarray, dots: np.ndarray) -> np.ndarray:
    """Move ``ann`` to its best place (see :func:`label_points`); return its padded box."""
    best, best_score = None, np.inf
    for ring in _RINGS:
        for dx, dy, ha, va in _PLACES:
            ann.xyann = (dx * offset * ring, dy * offset * ring)
            ann.set_horizontalalignment(ha)
            ann.set_verticalalignment(va)
            box = _text_box(ann, renderer) + np.array([-pad, -pad, pad, pad])
            # covering a label is worse than covering a point
            score = (4.0 * _boxes_overlap(box, labels) + _boxes_overlap(box, dots)
                     + 10.0 * _outside(box, frame))
            if score < best_score:
                best, best_score = (ann.xyann, ha, va, box, ring), score
            if score == 0.0:
                break
        if best_score == 0.0:
            break
    ann.xyann, ha, va, box, ring = best
    ann.set_horizontalalignment(ha)
    ann.set_verticalalignment(va)
    if ring < _RINGS[2]:  # near its point: no leader line
        ann.arrowprops = None
        ann.arrow_patch = None
    return box


def project_2d(vectors: Any, *, normalize: bool = True) -> np.ndarray:
    """Coordinates of ``vectors`` on their two main directions (a PCA by SVD).

    Rows are scaled to unit length first (``normalize=True``, so that the
    picture shows directions, as cosine similarity does), centred, and
    projected on the first two right singular vectors. Each direction's sign
    is fixed so that its largest coordinate is positive: the same vectors
    give the same picture.

    Parameters
    ----------
    vectors : array-like of shape (n, d), n >= 2, d >= 2
    normalize : bool, default=True

    Returns
    -------
    ndarray of shape (n, 2), float64

    Raises
    ------
    ValueError
        When ``vectors`` is not 2-D with at least 2 rows and 2 columns.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.plot import project_2d
    >>> V = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])
    >>> xy = project_2d(V)
    >>> xy.shape
    (3, 2)
    >>> bool(np.linalg.norm(xy[0] - xy[1]) < np.linalg.norm(xy[0] - xy[2]))
    True
    """
    V = as_array(vectors, "vectors").astype(np.float64)
    if V.ndim != 2 or V.shape[0] < 2 or V.shape[1] < 2:
        raise ValueError(f"vectors must be 2-D with at least 2 rows and 2 columns; "
                         f"got shape {V.shape}")
    if normalize:
        norms = np.linalg.norm(V, axis=1, keepdims=True)
        V = V / np.where(norms > 0, norms, 1.0)
    V = V - V.mean(axis=0)
    _, _, Vt = np.linalg.svd(V, full_matrices=False)
    xy = V @ Vt[:2].T
    for j in range(2):
        if xy[np.argmax(np.abs(xy[:, j])), j] < 0:
            xy[:, j] = -xy[:, j]
    return xy


def word_map(words: Sequence[str], vectors: Any, *,
             groups: Mapping[str, str] | None = None, title: str | None = None,
             ax: Any = None, xy: Any = None, figsize: tuple[float, float] = (6.4, 5.0),
             fontsize: float = 10, legend: bool = True) -> Any:
    """A scatter plot of ``words`` on the two main directions of their ``vectors``.

    Points are coloured by group (``groups[word]``, one legend entry per
    group) and labelled with :func:`label_points`; when a word, a group or
    the title has Hangul, all text is drawn in the font of :func:`hangul_font`.

    Parameters
    ----------
    words : sequence of str, length n
    vectors : array-like of shape (n, d)
        One vector per word (ignored when ``xy`` is given).
    groups : mapping of str to str, optional
        The group of each word (words not in it: no group).
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (default: a new figure of ``figsize``, laid
        out with ``tight_layout``). The layout of the figure of ``ax`` is
        left as it is, and should be final (e.g. set by
        ``fig.subplots_adjust``): the labels are placed in display space.
    xy : array-like of shape (n, 2), optional
        Coordinates to use instead of :func:`project_2d` of ``vectors``.
    figsize : (float, float), default=(6.4, 5.0)
    fontsize : float, default=10
    legend : bool, default=True
        Draw a legend of the groups in the axes (labels avoid it).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes drawn.

    Raises
    ------
    ValueError
        When ``vectors`` (or ``xy``) do not have one row per word.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsedense.plot import word_map
    >>> V = np.array([[1.0, 0.1], [0.9, 0.2], [0.1, 1.0]])
    >>> fig = word_map(["예금", "적금", "주택대출"], V, title="banking words")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['예금', '적금', '주택대출']
    """
    words = [str(w) for w in words]
    if xy is None:
        V = as_array(vectors, "vectors")
        if V.ndim != 2 or len(V) != len(words):
            raise ValueError(f"vectors must have one row per word: got shape {V.shape} "
                             f"for {len(words)} words")
        xy = project_2d(V)
    xy = as_array(xy, "xy").astype(np.float64)
    if xy.shape != (len(words), 2):
        raise ValueError(f"xy must have shape ({len(words)}, 2); got shape {xy.shape}")
    plt = _pyplot()
    groups = dict(groups or {})
    names = list(dict.fromkeys(groups.get(w) for w in words))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color_of = {g: ("0.4" if g is None else cycle[k % len(cycle)])
                for k, g in enumerate(n for n in names if n is not None)}
    color_of[None] = "0.4"
    with _font_for([*words, title, *names]):
        own = ax is None
        if own:
            fig, ax = plt.subplots(figsize=figsize)
        else:
            fig = ax.figure
        for g in names:
            sel = [i for i, w in enumerate(words) if groups.get(w) == g]
            ax.scatter(xy[sel, 0], xy[sel, 1], color=color_of[g], s=30, zorder=3,
                       label=g if g is not None else None)
        ax.margins(0.15)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("first main direction")
        ax.set_ylabel("second main direction")
        if title:
            ax.set_title(title)
        if legend and any(g is not None for g in names):
            ax.legend(loc="best", fontsize=fontsize - 1)
        if own:
            fig.tight_layout()
        label_points(ax, xy, words, fontsize=fontsize,
                     colors=[color_of[groups.get(w)] for w in words])
    return fig
