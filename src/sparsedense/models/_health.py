"""A cheap check after training: did the vectors collapse onto one direction?

On a small corpus, CBOW (FastText's especially, whose words share n-gram rows)
can end with every vector pointing the same way: cosine similarity about 1
between all words, so every query answers noise. :func:`warn_if_collapsed`
looks at an evenly spaced sample of at most ``SAMPLE_ROWS`` rows and warns when
their mean pairwise cosine is above ``COLLAPSED_COSINE``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._base.stacklevel import user_stacklevel

#: rows looked at (evenly spaced over the vocabulary, so the sample is deterministic)
SAMPLE_ROWS = 256
#: a mean pairwise cosine above this is a collapse
COLLAPSED_COSINE = 0.99
#: fewer words than this are not judged (two or three words may well be alike)
MIN_ROWS = 4


def mean_pairwise_cosine(table: np.ndarray, sample_rows: int = SAMPLE_ROWS) -> float | None:
    """Mean cosine of the distinct pairs of a sample of non-zero rows (None under MIN_ROWS rows).

    ``|sum of unit rows|**2 = k + sum over ordered pairs``, so the mean costs one pass.
    """
    n = table.shape[0]
    if n < MIN_ROWS:
        return None
    idx = np.unique(np.linspace(0, n - 1, min(n, sample_rows)).astype(np.int64))
    rows = np.asarray(table[idx], np.float64)
    norms = np.linalg.norm(rows, axis=1)
    rows = rows[norms > 0] / norms[norms > 0, None]
    k = rows.shape[0]
    if k < MIN_ROWS:
        return None
    s = rows.sum(axis=0)
    return float((s @ s - k) / (k * (k - 1)))


def warn_if_collapsed(model) -> None:
    """Warn (``UserWarning``, at the user's call) when the trained vectors collapsed."""
    cos = mean_pairwise_cosine(np.asarray(model.wv.vectors))
    if cos is None or cos <= COLLAPSED_COSINE:
        return
    mode = "skip-gram" if model.sg else "CBOW"
    # the current values, said as such ("epochs=1" alone reads as the advice)
    tries = [f"more epochs (epochs={model.epochs} now)", "more data"]
    if not model.sg:
        tries.append("sg=1 (skip-gram)")
    if model.min_count > 1:  # (min_count=1 keeps every word already)
        tries.append(f"a lower min_count (min_count={model.min_count} now)")
    warnings.warn(
        f"{model._owner}: the trained vectors collapsed onto one direction (mean cosine "
        f"similarity {cos:.4f} between {min(len(model.wv), SAMPLE_ROWS)} sampled words, "
        f"after {model.epochs_trained_} epoch(s) of {mode} on {model.corpus_total_words} "
        "words), so similarity queries on them are meaningless; the corpus is too small "
        f"for this training: try {', '.join(tries[:-1])} or {tries[-1]}",
        UserWarning, stacklevel=user_stacklevel())

