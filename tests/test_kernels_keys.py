"""Key-store kernels (_kernels/keys.py) against zlib and plain Python."""

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsedense._kernels.keys import _append_ranges, _home_slot, _index_keys, crc32_table


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=40), st.integers(1, 2 ** 31))
def test_home_slot_is_zlib_crc32_mixed_onto_the_slots(data, size):
    buf = np.frombuffer(b"xx" + data + b"yy", np.uint8)
    want = (((zlib.crc32(data) * 0x9E3779B1) & 0xFFFFFFFF) * size) >> 32
    assert _home_slot(buf, 2, 2 + len(data), size, crc32_table()) == want
    assert 0 <= want < size


def test_index_reports_the_first_repeat_and_skips_it():
    words = [b"a", b"bc", b"", b"bc", b"a", b"d"]
    src = np.frombuffer(b"".join(words), np.uint8)
    ends = np.cumsum([len(w) for w in words]).astype(np.int64)
    starts = ends - [len(w) for w in words]
    buf = np.zeros(len(src), np.uint8)
    offsets = np.zeros(len(words) + 1, np.int64)
    assert _append_ranges(src, starts, ends, buf, 0, offsets, 0) == len(src)
    assert buf.tobytes() == src.tobytes() and offsets.tolist() == [0, 1, 3, 3, 5, 6, 7]
    slots = np.full(16, -1, np.int32)
    assert _index_keys(buf, offsets, 0, len(words), slots, crc32_table()) == (3, 1)
    assert sorted(slots[slots >= 0].tolist()) == [0, 1, 2, 5]  # the repeats not entered


@pytest.mark.parametrize("size", [1, 3])
def test_a_full_wraparound_probe_finds_the_free_slot(size):
    words = [b"p", b"q", b"r"][:size]
    src = np.frombuffer(b"".join(words), np.uint8)
    offsets = np.arange(size + 1, dtype=np.int64)
    slots = np.full(size + 1, -1, np.int32)
    assert _index_keys(src, offsets, 0, size, slots, crc32_table()) == (-1, -1)
    assert sorted(slots[slots >= 0].tolist()) == list(range(size))
