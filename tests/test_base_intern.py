"""Interner (_base/intern.py): ids of integer sequences in order of first appearance."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from sparsedense._base.intern import Interner

SETTINGS = settings(max_examples=80, deadline=None)


@SETTINGS
@given(st.lists(st.lists(st.integers(0, 6), max_size=4), max_size=60))
def test_interner_matches_dict(seqs):
    values = np.array([v for s in seqs for v in s], dtype=np.int64)
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64) if seqs else \
        np.zeros(0, np.int64)
    interner = Interner(np.int64)
    ids = interner.intern(values, starts, lengths)
    want_ids, keys = reference.intern(seqs)
    assert ids.tolist() == want_ids
    assert interner.keys_as_id_tuples() == keys
    # lookups without insertion leave the table as it is
    again = interner.intern(values, starts, lengths, insert=False)
    assert again.tolist() == want_ids
    missing = interner.intern(np.array([99], np.int64), np.array([0]), np.array([1]), insert=False)
    assert missing.tolist() == [-1] and len(interner) == len(keys)


def test_interner_grows_past_initial_capacity():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 50_000, size=200_000).astype(np.int64)
    interner = Interner(np.int64)
    starts = np.arange(values.size, dtype=np.int64)
    ids = interner.intern(values, starts, np.ones(values.size, np.int64))
    _, first = np.unique(values, return_index=True)
    assert len(interner) == first.size
    # id order is order of first appearance
    order = values[np.sort(first)]
    assert [k[0] for k in interner.keys_as_id_tuples()] == order.tolist()
    assert np.array_equal(np.asarray(interner.keys_as_id_tuples())[ids, 0], values)
