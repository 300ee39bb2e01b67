"""The counting kernels called directly: per-row counts to CSR, n-gram windows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from sparsedense._kernels.counting import _count_csr, _ngram_windows

SETTINGS = settings(max_examples=80, deadline=None)


@SETTINGS
@given(st.lists(st.lists(st.integers(-1, 9), max_size=12), max_size=10))
def test_count_csr_matches_counter(rows):
    ids = np.array([i for r in rows for i in r], dtype=np.int64)
    offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=offsets[1:])
    indices = np.empty(ids.size, np.int64)
    data = np.empty(ids.size, np.int64)
    indptr = _count_csr(ids, offsets, 10, indices, data)
    dense = np.zeros((len(rows), 10), np.int64)
    for r in range(len(rows)):
        cols = indices[indptr[r]:indptr[r + 1]]
        assert np.all(np.diff(cols) > 0)  # sorted, no duplicates
        dense[r, cols] = data[indptr[r]:indptr[r + 1]]
    assert np.array_equal(dense, reference.count_rows(rows, 10))


def test_ngram_windows_order_matches_sklearn():
    offsets = np.array([0, 4, 4, 5], np.int64)  # docs of 4, 0 and 1 tokens
    starts, lengths, woff = _ngram_windows(offsets, 1, 3)
    doc0 = list(zip(starts[woff[0]:woff[1]].tolist(), lengths[woff[0]:woff[1]].tolist()))
    assert doc0 == [(0, 1), (1, 1), (2, 1), (3, 1), (0, 2), (1, 2), (2, 2), (0, 3), (1, 3)]
    assert woff.tolist() == [0, 9, 9, 10]
