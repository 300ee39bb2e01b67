"""Tokenizing kernels over UTF-32 code point arrays.

The default scikit-learn token pattern ``(?u)\\b\\w\\w+\\b`` matches exactly the
maximal runs of word characters that are at least two characters long (the
``\\b`` on both sides forbids a match that starts or ends inside a run, and
``\\w+`` is greedy). With a table telling which code points are word characters
for Python's ``re`` (built by the caller, from ``re`` itself), those runs can be
found in one pass over the code points, which is what these kernels do.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS, harden_caches

#: states of the lazily filled word-character table
UNKNOWN = 0
WORD = 1
NON_WORD = 2
PENDING = 3


@njit(**JIT_OPTIONS)
def _collect_unknown_code_points(text, table):
    """Code points of ``text`` whose class is not in ``table`` yet (marked PENDING)."""
    out = np.empty(64, dtype=np.int64)
    n = 0
    for i in range(text.shape[0]):
        c = text[i]
        if table[c] == UNKNOWN:
            table[c] = PENDING
            if n == out.shape[0]:
                bigger = np.empty(2 * n, dtype=np.int64)
                bigger[:n] = out
                out = bigger
            out[n] = c
            n += 1
    return out[:n]


@njit(**JIT_OPTIONS)
def _word_runs(text, doc_bounds, table, min_len):
    """Maximal runs of word characters of length >= ``min_len`` in each document.

    ``doc_bounds`` has ``n_docs + 1`` offsets into ``text``. Returns
    ``(starts, lengths, doc_offsets)``: token ``t`` is
    ``text[starts[t]:starts[t] + lengths[t]]`` and the tokens of document ``d``
    are ``doc_offsets[d]:doc_offsets[d + 1]``.
    """
    n_docs = doc_bounds.shape[0] - 1
    cap = text.shape[0] // (min_len + 1) + n_docs + 1
    starts = np.empty(cap, dtype=np.int64)
    lengths = np.empty(cap, dtype=np.int64)
    doc_offsets = np.empty(n_docs + 1, dtype=np.int64)
    n = 0
    doc_offsets[0] = 0
    for d in range(n_docs):
        i = doc_bounds[d]
        end = doc_bounds[d + 1]
        while i < end:
            if table[text[i]] == WORD:
                j = i + 1
                while j < end and table[text[j]] == WORD:
                    j += 1
                if j - i >= min_len:
                    starts[n] = i
                    lengths[n] = j - i
                    n += 1
                i = j + 1
            else:
                i += 1
        doc_offsets[d + 1] = n
    return starts[:n], lengths[:n], doc_offsets


harden_caches(globals())
