"""The picture of ``sparsedense demo --plot``: chosen words and documents on a 2-D map.

Drawn with :mod:`sparsedense.plot` (a font that has Hangul, labels that do
not overlap), so the Korean words of the sample corpus are readable.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..plot import hangul_font, label_points, project_2d, word_map

#: pip names of the modules ``--plot`` needs
_PIP_NAMES = {"matplotlib": "matplotlib", "koreanize_matplotlib": "koreanize-matplotlib"}


def demo_figure(words: Any, shown: list[str], D: np.ndarray, corpus: Any,
                picks: list[int], seed_vectors: Any = None) -> Any:
    """The demo's map: the query words, their 3 nearest words and the documents shown.

    ``words`` is the demo's :class:`~sparsedense.vectors.Vectors` of LSA word
    vectors, ``D`` its l2-normalised document vectors and ``picks`` the rows
    of ``D`` it printed. With ``seed_vectors`` (the demo's Korean PPMI-SVD
    vectors, :func:`sparsedense.cli.demo.seed_word_vectors`) a second panel
    maps the seed's words 예금, 적금, 주택대출 and their nearest words.
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    chosen = list(dict.fromkeys(shown + [k for w in shown for k, _ in
                                         words.most_similar(w, topn=3)]))
    P = np.vstack([words.get_normed_vectors()[[words.key_to_index[w] for w in chosen]],
                   D[picks]])
    xy = project_2d(P)
    n = len(chosen)
    seed = _seed_words(seed_vectors)
    with hangul_font():
        if seed:
            fig, (ax, ax2) = plt.subplots(1, 2, figsize=(14, 6.6),
                                          gridspec_kw={"width_ratios": [1.15, 1]})
        else:
            fig, ax = plt.subplots(figsize=(8, 6.5))
        ax.scatter(xy[:n, 0], xy[:n, 1], c="tab:blue", s=25, zorder=3, label="words")
        ax.scatter(xy[n:, 0], xy[n:, 1], c="tab:orange", marker="s", s=30, zorder=3,
                   label="documents")
        ax.margins(0.12)
        _blank_axes(ax, "sparsedense demo: LSA word and document vectors (2-D projection)\n"
                        "bold: the query words; each with its 3 nearest words")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, fontsize=9,
                  frameon=False)
        if seed:
            _blank_axes(ax2, _seed_title(seed_vectors))
        fig.tight_layout()
        k = len(shown)  # the query words first, in bold; then their neighbours
        label_points(ax, xy[:k], chosen[:k], colors=["tab:blue"] * k, fontsize=10,
                     fontweight="bold")
        label_points(ax, xy[k:], chosen[k:] + [f"doc {i} ({corpus.topics[i]})" for i in picks],
                     colors=["tab:blue"] * (n - k) + ["tab:orange"] * len(picks), fontsize=9)
        if seed:
            ko, groups = seed
            word_map(ko, seed_vectors[ko], groups=groups, ax=ax2, fontsize=10,
                     title=_seed_title(seed_vectors))
    return fig


#: the seed tutorial's words, drawn in the second panel with their nearest words
SEED_WORDS = ("예금", "적금", "주택대출")


def _seed_words(wv: Any) -> tuple[list[str], dict[str, str]] | None:
    """The seed's words and their 4 nearest words in ``wv``, each grouped by its seed word."""
    if wv is None or not all(w in wv for w in SEED_WORDS):
        return None
    groups = {w: f"{w} and its nearest words" for w in SEED_WORDS}
    for w in SEED_WORDS:
        for k, _ in wv.most_similar(w, topn=4):
            groups.setdefault(k, groups[w])
    return list(groups), groups


def _seed_title(wv: Any) -> str:
    a, b, c = (wv[w] / np.linalg.norm(wv[w]) for w in SEED_WORDS)
    return ("the seed's words: Korean PPMI-SVD vectors (KoreanTokenizer)\n"
            f"cos(예금, 적금) = {float(a @ b):.2f}    cos(예금, 주택대출) = {float(a @ c):.2f}")


def _blank_axes(ax: Any, title: str) -> None:
    """No ticks (the directions have no units), axis names and ``title``."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("first main direction")
    ax.set_ylabel("second main direction")
    ax.set_title(title, fontsize=11)


def write_demo_map(path: str, words: Any, shown: list[str], D: np.ndarray, corpus: Any,
                   picks: list[int]) -> None:
    """Draw :func:`demo_figure` into the PNG file ``path`` (written atomically).

    Raises ValueError (the command's usage error) naming what to install when
    matplotlib or the Hangul font is missing.
    """
    try:
        import matplotlib

        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")  # the command line draws to a file, never a window
        import matplotlib.pyplot as plt
        from ..plot import hangul_font_path

        hangul_font_path()
    except ImportError as exc:
        missing = _PIP_NAMES.get(exc.name or "", "matplotlib")
        raise ValueError(f"--plot needs {missing}: pip install 'sparsedense[plot]'") from None
    from ._common import atomic_output

    try:  # the seed's words in the demo's Korean vectors, when the korean extra is there
        from .demo import seed_word_vectors

        seed_vectors = seed_word_vectors([t for t, lang in zip(corpus.texts, corpus.langs)
                                          if lang == "ko"])
    except ImportError:
        seed_vectors = None
    fig = demo_figure(words, shown, D, corpus, picks, seed_vectors)
    try:
        with atomic_output(path) as tmp:
            fig.savefig(tmp, format="png", dpi=120)
    finally:
        plt.close(fig)
