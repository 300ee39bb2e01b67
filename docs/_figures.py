"""The tutorial's pictures: one function per figure, each returning a matplotlib Figure.

The ``.. plot::`` directives of docs/tutorial/*.rst call these functions
at build time (docs/conf.py puts this folder on ``sys.path``), and
tests/test_plot.py renders every one of them and fails on a warning, such
as a glyph missing from the font. The numbers drawn are computed with
sparsedense itself, the same calls the tutorial's examples make.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sparsedense.plot import hangul_font, label_points, project_2d, word_map

#: the 2-dimensional table of the "I love you" vocabulary (docs/tutorial/sparse.rst)
LOVE_WORDS = ["I", "love", "you"]
LOVE_TABLE = np.array([[0.2, 0.7], [0.5, 0.2], [0.2, 0.4]])

#: the (2, 4) batch of ids looked up in Embedding(10, 3) (docs/tutorial/embedding.rst)
BATCH = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])

#: the words of the 2-D map (docs/tutorial/dense.rst): word -> (English gloss, group)
MAP_WORDS = {
    "예금": ("deposit", "saving"), "적금": ("savings", "saving"),
    "만기": ("maturity", "saving"), "통장": ("bankbook", "saving"),
    "저축": ("saving", "saving"), "이자": ("interest", "saving"),
    "주택대출": ("mortgage", "borrowing"), "대출": ("loan", "borrowing"),
    "상환": ("repayment", "borrowing"), "아파트": ("apartment", "borrowing"),
    "전세": ("jeonse lease", "borrowing"), "갚다": ("repay", "borrowing"),
    "은행": ("bank", "bank"), "금리": ("interest rate", "bank"),
    "날씨": ("weather", "other topics"), "축구": ("football", "other topics"),
    "요리": ("cooking", "other topics"), "컴퓨터": ("computer", "other topics"),
}


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _heatmap(ax: Any, M: np.ndarray, rows: Sequence[str], cols: Sequence[str], title: str,
             *, fmt: str = "{:.2f}", cmap: str = "Blues", vmin: float = 0.0,
             vmax: float = 1.0, highlight_rows: Sequence[int] = (),
             fontsize: float = 10, faint_zeros: bool = False) -> Any:
    """``M`` as coloured cells with their values written in, rows boxed in red."""
    M = np.asarray(M, dtype=float)
    image = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, aspect="equal")
    norm = image.norm
    for (i, j), v in np.ndenumerate(M):
        dark = norm(v) > 0.6
        color = "white" if dark else ("0.6" if faint_zeros and v == 0 else "black")
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                color=color)
    ax.set_xticks(range(M.shape[1]), list(cols))
    ax.set_yticks(range(M.shape[0]), list(rows))
    ax.tick_params(length=0, labelsize=fontsize - 1)
    ax.xaxis.tick_top()
    ax.set_title(title, fontsize=fontsize + 1, pad=10)
    for r in highlight_rows:
        ax.add_patch(_plt().Rectangle((-0.5, r - 0.5), M.shape[1], 1.0, fill=False,
                                      edgecolor="tab:red", linewidth=3, clip_on=False))
    for side in ax.spines.values():
        side.set_visible(False)
    return image


def _cosine_matrix(V: np.ndarray) -> np.ndarray:
    from sparsedense import cosine_similarity

    return np.asarray(cosine_similarity(V))


def onehot_vs_dense() -> Any:
    """Figure 1: one-hot vectors of "I love you" and their cosines, beside dense ones.

    Four heatmaps: the one-hot vectors (rows of the identity), their cosine
    matrix (1 on the diagonal, 0 everywhere else), the 2-dimensional rows of
    :data:`LOVE_TABLE`, and their cosine matrix (no zero).
    """
    import sparsedense as sd

    plt = _plt()
    vocab = sd.Vocabulary.from_texts(["I love you"])
    H = sd.one_hot(vocab.encode("I love you"), len(vocab)).toarray()
    with hangul_font():
        fig, axes = plt.subplots(2, 2, figsize=(6.4, 6.0))
        _heatmap(axes[0, 0], H, LOVE_WORDS, LOVE_WORDS, "one-hot vectors", fmt="{:.0f}",
                 fontsize=11, faint_zeros=True)
        _heatmap(axes[0, 1], _cosine_matrix(H), LOVE_WORDS, LOVE_WORDS,
                 "their cosines: 0 off the diagonal", cmap="Oranges", fontsize=11,
                 faint_zeros=True)
        _heatmap(axes[1, 0], LOVE_TABLE, LOVE_WORDS, ["dim 0", "dim 1"], "dense vectors",
                 fmt="{:.1f}", cmap="Greens", fontsize=11)
        _heatmap(axes[1, 1], _cosine_matrix(LOVE_TABLE), LOVE_WORDS, LOVE_WORDS,
                 "their cosines: none is 0", cmap="Oranges", fontsize=11)
        fig.tight_layout(h_pad=2.0, w_pad=2.0)
    return fig


def onehot_times_table(word: int = 1) -> Any:
    """Figure 2: ``one_hot(word) @ W`` is row ``word`` of ``W``, the row highlighted."""
    import sparsedense as sd

    plt = _plt()
    x = sd.one_hot([word], len(LOVE_WORDS)).toarray()
    product = x @ LOVE_TABLE
    with hangul_font():
        fig, axes = plt.subplots(1, 5, figsize=(6.6, 2.6),
                                 gridspec_kw={"width_ratios": [3, 0.5, 2, 0.5, 2]})
        _heatmap(axes[0], x, ["x"], LOVE_WORDS, f"x = one_hot({word})",
                 fmt="{:.0f}", faint_zeros=True)
        _heatmap(axes[2], LOVE_TABLE, LOVE_WORDS, ["dim 0", "dim 1"], "table W",
                 fmt="{:.1f}", cmap="Greens", highlight_rows=[word])
        _heatmap(axes[4], product, ["x @ W"], ["dim 0", "dim 1"],
                 f"row {word} of W\n(W[{word}], {LOVE_WORDS[word]!r})", fmt="{:.1f}",
                 cmap="Greens", highlight_rows=[0])
        for ax, sign in ((axes[1], "@"), (axes[3], "=")):
            ax.axis("off")
            ax.text(0.5, 0.5, sign, ha="center", va="center", fontsize=20,
                    transform=ax.transAxes)
        fig.tight_layout()
    return fig


def embedding_lookup() -> Any:
    """Figure 3: ``Embedding(10, 3)`` looking up the (2, 4) ids :data:`BATCH`.

    The ids, the (10, 3) table with the rows used boxed, and the (2, 4, 3)
    output drawn as its two (4, 3) slices, each row labelled with its id.
    """
    from sparsedense.nn import Embedding

    plt = _plt()
    layer = Embedding(10, 3, seed=0)
    out = layer(BATCH)
    W = layer.weight
    lim = float(np.abs(W).max())
    opts = dict(fmt="{:.2f}", cmap="RdBu_r", vmin=-lim, vmax=lim, fontsize=8.5)
    dims = ["0", "1", "2"]
    with hangul_font():
        fig = plt.figure(figsize=(6.6, 7.4))
        grid = fig.add_gridspec(3, 2, height_ratios=[1.1, 2, 2], width_ratios=[1, 1])
        ax_ids = fig.add_subplot(grid[0, 0])
        _heatmap(ax_ids, BATCH, ["0", "1"], [str(j) for j in range(4)],
                 "ids: shape (2, 4)", fmt="{:.0f}", cmap="Greys", vmin=0, vmax=40,
                 fontsize=11)
        ax_note = fig.add_subplot(grid[0, 1])
        ax_note.axis("off")
        ax_note.text(0.0, 0.5, "layer = Embedding(10, 3)\nout = layer(ids)\n"
                     "out.shape: (2, 4, 3)\nout[i, j] is\n  layer.weight[ids[i, j]]",
                     family="monospace", fontsize=9.5, va="center",
                     transform=ax_note.transAxes)
        ax_w = fig.add_subplot(grid[1:, 0])
        _heatmap(ax_w, W, [f"row {i}" for i in range(10)], dims,
                 "table: shape (10, 3)\nthe rows used boxed", highlight_rows=sorted(set(
                     BATCH.ravel().tolist())), **opts)
        for s in range(2):
            ax = fig.add_subplot(grid[1 + s, 1])
            _heatmap(ax, out[s], [f"id {i}" for i in BATCH[s]], dims,
                     f"out[{s}]: shape (4, 3)", **opts)
        fig.tight_layout(h_pad=1.5, w_pad=1.0)
    return fig


#: the nine pictures of the seed: (shape, colour) of each
SKY = [(shape, colour) for shape in ("sun", "moon", "cloud")
       for colour in ("red", "yellow", "blue")]
_GLYPH = {"sun": "\u2600", "moon": "\u263e", "cloud": "\u2601"}
_COLOUR = {"red": "tab:red", "yellow": "goldenrod", "blue": "tab:blue"}


def sun_moon_cloud() -> Any:
    """Figure 4: the seed's nine pictures as 9 one-hot axes, then as 2 attributes.

    Left, each picture is a one-hot row over 9 columns (no two rows share a
    column); right, the same pictures at (colour, shape): pictures with the
    same colour or the same shape line up.
    """
    plt = _plt()
    names = [f"{colour} {shape}" for shape, colour in SKY]
    with hangul_font():
        fig, (left, right) = plt.subplots(1, 2, figsize=(6.6, 3.7),
                                          gridspec_kw={"width_ratios": [1.2, 1]})
        _heatmap(left, np.eye(9), names, [str(j) for j in range(9)],
                 "one-hot: 9 dimensions", fmt="{:.0f}", fontsize=9, faint_zeros=True)
        for i, (shape, colour) in enumerate(SKY):
            left.get_yticklabels()[i].set_color(_COLOUR[colour])
        colours = ["red", "yellow", "blue"]
        shapes = ["sun", "moon", "cloud"]
        for shape, colour in SKY:
            right.text(colours.index(colour), shapes.index(shape), _GLYPH[shape],
                       color=_COLOUR[colour], fontsize=22, ha="center", va="center")
        right.set_xlim(-0.6, 2.6)
        right.set_ylim(-0.6, 2.6)
        right.set_xticks(range(3), colours)
        right.set_yticks(range(3), shapes)
        right.set_xlabel("dimension 1: colour")
        right.set_ylabel("dimension 2: shape")
        right.tick_params(labelsize=9)
        right.grid(True, alpha=0.3)
        right.set_title("dense: 2 dimensions", fontsize=11, pad=8)
        right.set_aspect("equal")
        fig.tight_layout(w_pad=1.5)
    return fig


def korean_word_vectors(words: Sequence[str] = tuple(MAP_WORDS)
                        ) -> tuple[list[str], np.ndarray]:
    """``(words, vectors)``: PPMI-SVD word vectors of the Korean documents of the sample corpus.

    Trained by ``sparsedense demo`` (its ``seed_word_vectors``), as
    docs/tutorial/dense.rst does: the Korean documents tokenised by
    :class:`~sparsedense.text.KoreanTokenizer` (``user_words=["주택대출"]``:
    the compound stays one word), then :class:`~sparsedense.models.PPMISVD`
    (30 dimensions, ``min_count=1``, ``random_state=0``). Returns the words
    of ``words`` that have a vector, and their rows.
    """
    import sparsedense as sd
    from sparsedense.cli.demo import seed_word_vectors

    wv = seed_word_vectors(sd.load_sample_corpus("ko").texts)
    kept = [w for w in words if w in wv]
    return kept, np.asarray(wv[kept])


def banking_map(words: Sequence[str], vectors: Any) -> Any:
    """Figure 5: a 2-D map of related words, the Korean ones readable.

    ``words`` and ``vectors`` (one row per word), e.g. from
    :func:`korean_word_vectors`; each word labelled with its English gloss
    and coloured by its group in :data:`MAP_WORDS` (others: no group). The
    title gives cos(예금, 적금) and cos(예금, 주택대출) of the full vectors.
    """
    V = np.asarray(vectors, dtype=np.float64)
    words = list(words)
    title = "Korean word vectors of the sample corpus (PPMI-SVD), in 2-D"
    if {"예금", "적금", "주택대출"} <= set(words):
        C = _cosine_matrix(V[[words.index(w) for w in ("예금", "적금", "주택대출")]])
        title += f"\ncos(예금, 적금) = {C[0, 1]:.2f}    cos(예금, 주택대출) = {C[0, 2]:.2f}"
    labels = [f"{w} ({MAP_WORDS[w][0]})" if w in MAP_WORDS else w for w in words]
    groups = {label: MAP_WORDS[w][1] for label, w in zip(labels, words) if w in MAP_WORDS}
    return word_map(labels, V, groups=groups, title=title, figsize=(6.6, 5.6), fontsize=9)


def toy_training(steps: int = 50) -> Any:
    """Figure 6: the tutorial's tiny training: loss per step, and the words before and after.

    The same six words, pairs, seed (2) and SGD steps (lr 0.1) as
    docs/tutorial/embedding.rst; the maps project the table before and
    after training on their own two main directions.
    """
    from sparsedense.nn import Embedding
    from sparsedense.optim import SGD

    plt = _plt()
    words = ["deposit", "savings", "mortgage", "loan", "rain", "snow"]
    word_id = {w: i for i, w in enumerate(words)}
    similar = [("deposit", "savings"), ("mortgage", "loan"), ("rain", "snow")]
    dissimilar = [("deposit", "rain"), ("savings", "snow"), ("mortgage", "rain"),
                  ("loan", "snow")]
    pairs = np.array([[word_id[a], word_id[b]] for a, b in similar + dissimilar])
    target = np.array([1.0] * len(similar) + [-1.0] * len(dissimilar), dtype=np.float32)

    def loss_and_grad(vecs):
        u, v = vecs[:, 0], vecs[:, 1]
        nu = np.linalg.norm(u, axis=1, keepdims=True)
        nv = np.linalg.norm(v, axis=1, keepdims=True)
        c = (u * v).sum(axis=1, keepdims=True) / (nu * nv)
        loss = -float((target * c[:, 0]).sum())
        dc_du = v / (nu * nv) - c * u / nu**2
        dc_dv = u / (nu * nv) - c * v / nv**2
        return loss, -target[:, None, None] * np.stack([dc_du, dc_dv], axis=1)

    emb = Embedding(len(words), 4, seed=2)
    before = emb.weight.copy()
    opt = SGD([emb], lr=0.1)
    losses = []
    for _ in range(steps):
        loss, grad = loss_and_grad(emb(pairs))
        emb.backward(grad)
        opt.step()
        opt.zero_grad()
        losses.append(loss)
    groups = {"deposit": "banking", "savings": "banking", "mortgage": "loans",
              "loan": "loans", "rain": "weather", "snow": "weather"}
    with hangul_font():
        fig = plt.figure(figsize=(6.6, 6.4))
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.35])
        axes = [fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]),
                fig.add_subplot(grid[1, 1])]
        ax = axes[0]
        ax.plot(range(1, steps + 1), losses, marker="o", markersize=3)
        ax.axhline(-len(pairs), color="0.5", linestyle="--", linewidth=1)
        ax.text(1, -len(pairs) + 0.12, f"minimum: {-len(pairs)}", ha="left", va="bottom",
                color="0.4", fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_title("loss per SGD step")
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.11, top=0.95, wspace=0.12,
                            hspace=0.35)
        word_map(words, before, groups=groups, ax=axes[1], fontsize=9,
                 title="before: the random table", legend=False)
        word_map(words, emb.weight, groups=groups, ax=axes[2], fontsize=9,
                 title=f"after {steps} steps", legend=False)
        axes[2].set_ylabel("")
        _legend_below(fig, axes[1])
    return fig


#: the words of the word2vec maps, by topic
W2V_GROUPS = {
    "deposit": "banking", "savings": "banking", "bank": "banking", "mortgage": "banking",
    "loan": "banking", "rain": "weather", "snow": "weather", "storm": "weather",
    "football": "sport", "goal": "sport", "match": "sport",
}


def word2vec_training(epochs: int = 40) -> Any:
    """Figure 7: :class:`~sparsedense.models.Word2Vec` on the sample corpus, as the tutorial.

    Skip-gram, 32 dimensions, words seen twice or more, ``seed=1``, 40
    epochs (the tutorial's model: ``compute_loss=True`` changes no vector):
    the loss of each epoch (``training_loss_``), and a few words of three
    topics before training (the random initial vectors) and after it.
    """
    import re

    from sparsedense import load_sample_corpus
    from sparsedense.models import Word2Vec

    plt = _plt()
    sentences = [re.findall(r"\w+", text.lower()) for text in load_sample_corpus().texts]
    model = Word2Vec(vector_size=32, min_count=2, sg=1, epochs=epochs, seed=1,
                     compute_loss=True)
    model.build_vocab(sentences)
    words = list(W2V_GROUPS)
    before = np.array(model.wv[words])
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    with hangul_font():
        fig = plt.figure(figsize=(6.6, 6.6))
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.45])
        ax = fig.add_subplot(grid[0, :])
        ax.plot(range(1, epochs + 1), model.training_loss_, marker="o", markersize=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss of the epoch")
        ax.set_ylim(0, None)
        ax.set_title("word2vec (skip-gram) on the sample corpus: loss per epoch")
        maps = [fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])]
        fig.subplots_adjust(left=0.12, right=0.98, bottom=0.11, top=0.95, wspace=0.12,
                            hspace=0.35)
        word_map(words, before, groups=W2V_GROUPS, ax=maps[0], fontsize=9,
                 title="before: random vectors", legend=False)
        word_map(words, model.wv[words], groups=W2V_GROUPS, ax=maps[1], fontsize=9,
                 title=f"after {epochs} epochs", legend=False)
        maps[1].set_ylabel("")
        _legend_below(fig, maps[0])
    return fig


def _legend_below(fig: Any, ax: Any) -> None:
    """One legend of the groups of ``ax``, across the bottom of ``fig``."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9,
               frameon=False, bbox_to_anchor=(0.5, 0.0))


FIGURES = {
    "onehot_vs_dense": onehot_vs_dense,
    "onehot_times_table": onehot_times_table,
    "embedding_lookup": embedding_lookup,
    "sun_moon_cloud": sun_moon_cloud,
    "banking_map": lambda: banking_map(*korean_word_vectors()),
    "toy_training": toy_training,
    "word2vec_training": word2vec_training,
}
