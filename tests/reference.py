"""Plain Python/numpy reference versions of the kernels, under the same names.

Each test asserts ``reference.X == X`` (or close) on generated inputs.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np


def intern(sequences):
    """Ids in order of first appearance (a dict, as scikit-learn's defaultdict)."""
    table: dict = {}
    return [table.setdefault(tuple(s), len(table)) for s in sequences], list(table)


def word_runs(text: str, min_len: int) -> list[str]:
    pattern = r"(?u)\b\w\w+\b" if min_len == 2 else r"(?u)\b\w+\b"
    return re.findall(pattern, text)


def count_rows(id_lists, n_features):
    """Dense count matrix from lists of ids (-1 skipped)."""
    out = np.zeros((len(id_lists), n_features), dtype=np.int64)
    for r, ids in enumerate(id_lists):
        for c, k in Counter(i for i in ids if i >= 0).items():
            out[r, c] = k
    return out
