"""Kernels of compressed tables: rows decoded in registers, accumulated in float32.

Row formats (fbgemm's row-wise ones, so a table packed by torch holds the same
bytes; :mod:`sparsedense.quantize` builds and checks them):

* int8 (``kind`` 0): ``codes[r, :dim]`` uint8, value ``q * scale[r] + bias[r]``;
* int4 (``kind`` 1): ``codes[r, :(dim + 1) // 2]``, two values a byte, the
  even column in the low nibble, value ``q * scale[r] + bias[r]``;
* float16: ``halves[r, :dim]``, the IEEE half-precision bits as uint16.

A row's ``scale`` and ``bias`` are read from its own bytes (int8: two float32
after the codes; int4: two float16, widened exactly): no copy of them is kept.
A code is widened to float32 where it is used (``vpmovzxbd`` + ``vcvtdq2ps``;
int4 on AVX-512: ``vpermps`` of the table 0..15 by the shifted code words;
``vcvtph2ps`` for halves); no float32 copy of a row is made.
The decoded value is ``q * scale + bias`` rounded as numpy rounds it, so a
lookup returns exactly the rows of ``table.dequantize()``. A sum over a bag
factors the row constant out: ``sum_p w_p (q_p s_p + b_p) = sum_p (w_p s_p) q_p
+ sum_p w_p b_p``, one multiply-add per code (the same operation count as
float32 rows, a quarter or an eighth of the bytes); the bias share is added up
in the same loop, in float32, position by position.

Threads own whole output rows (bags or looked-up positions), so nothing races
and the result does not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._simd import align_frame, half_to_float
from ._simd_codes import codes_row_sum, halves_row_sum, pair_offset, row_scale_bias
from ._tasks import next_task, task_range

#: ``kind`` of a byte-coded table
KIND_INT8 = 0
KIND_INT4 = 1


@njit(inline="always", **JIT_OPTIONS)
def _decode_codes(kind, codes, r, o):
    """``o[:] = `` row ``r`` decoded (``o`` has the table's width)."""
    row = codes[r]
    s, b = row_scale_bias(kind, codes, r)
    dim = o.shape[0]
    if kind == KIND_INT8:
        for j in range(dim):
            o[j] = np.float32(row[j]) * s + b
    else:
        for t in range(dim // 2):
            byte = row[t]
            o[2 * t] = np.float32(byte & 15) * s + b
            o[2 * t + 1] = np.float32(byte >> 4) * s + b
        if dim & 1:
            o[dim - 1] = np.float32(row[dim // 2] & 15) * s + b


@njit(inline="always", **JIT_OPTIONS)
def _codes_bag(offsets, indices, weights, mode, kind, codes, out, b, other):
    start = offsets[b]
    end = offsets[b + 1]
    o = out[b]
    dim = o.shape[0]
    if mode == 2:  # max: o[j] = max_p w_p * value_p[j]; NaN never replaces (torch's v > cur)
        if end == start:
            for j in range(dim):
                o[j] = 0
            return
        _decode_codes(kind, codes, indices[start], o)
        w0 = weights[start]
        for j in range(dim):
            o[j] = w0 * o[j]
        for p in range(start + 1, end):
            _decode_codes(kind, codes, indices[p], other)
            w = weights[p]
            for j in range(dim):
                v = w * other[j]
                if v > o[j]:
                    o[j] = v
        return
    # the codes times w * scale summed in registers, the biases' share beside them
    divisor = np.float32(1)
    if mode == 1:
        total = 0.0
        for p in range(start, end):
            total += weights[p]
        if total == 0.0:
            for j in range(dim):
                o[j] = 0
            return
        divisor = np.float32(total)
    codes_row_sum(kind, codes, pair_offset(kind, codes), indices, weights, start, end, out, b,
                  divisor)


@parallel_kernel
def _codes_bags(offsets, indices, weights, mode, kind, codes, out, n_tasks, n_workers,
                counter):
    """Every bag of a byte-coded table; ``mode`` 0 = sum, 1 = mean, 2 = max."""
    n_bags = offsets.shape[0] - 1
    for _ in prange(n_workers):
        align_frame()
        other = np.empty(out.shape[1], np.float32)
        t = next_task(counter)
        while t < n_tasks:
            first, last = task_range(t, n_bags, n_tasks)
            for b in range(first, last):
                _codes_bag(offsets, indices, weights, mode, kind, codes, out, b, other)
            t = next_task(counter)


@njit(inline="always", **JIT_OPTIONS)
def _halves_bag(offsets, indices, weights, mode, halves, out, b):
    start = offsets[b]
    end = offsets[b + 1]
    o = out[b]
    dim = o.shape[0]
    for j in range(dim):
        o[j] = 0
    if end == start:
        return
    if mode == 2:
        row = halves[indices[start]]
        w0 = weights[start]
        for j in range(dim):
            o[j] = w0 * half_to_float(row[j])
        for p in range(start + 1, end):
            row = halves[indices[p]]
            w = weights[p]
            for j in range(dim):
                v = w * half_to_float(row[j])
                if v > o[j]:
                    o[j] = v
        return
    divisor = np.float32(1)
    if mode == 1:
        total = 0.0
        for p in range(start, end):
            total += weights[p]
        if total == 0.0:
            return
        divisor = np.float32(total)
    halves_row_sum(halves, indices, weights, start, end, out, b, divisor)


@parallel_kernel
def _halves_bags(offsets, indices, weights, mode, halves, out, n_tasks, n_workers, counter):
    """Every bag of a float16 table (its bits as uint16); ``mode`` as :func:`_codes_bags`."""
    n_bags = offsets.shape[0] - 1
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            first, last = task_range(t, n_bags, n_tasks)
            for b in range(first, last):
                _halves_bag(offsets, indices, weights, mode, halves, out, b)
            t = next_task(counter)


@parallel_kernel
def _codes_gather(indices, kind, codes, out, n_tasks, n_workers, counter):
    """``out[i] =`` row ``indices[i]`` of a byte-coded table, decoded."""
    n = indices.shape[0]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            start, end = task_range(t, n, n_tasks)
            for i in range(start, end):
                _decode_codes(kind, codes, indices[i], out[i])
            t = next_task(counter)


@parallel_kernel
def _halves_gather(indices, halves, out, n_tasks, n_workers, counter):
    """``out[i] =`` row ``indices[i]`` of a float16 table, widened."""
    n = indices.shape[0]
    dim = out.shape[1]
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            start, end = task_range(t, n, n_tasks)
            for i in range(start, end):
                row = halves[indices[i]]
                o = out[i]
                for j in range(dim):
                    o[j] = half_to_float(row[j])
            t = next_task(counter)


@njit(fastmath={"nnan", "nsz"}, **JIT_OPTIONS)
def _row_extremes(W, r):
    """The smallest and largest float32 value of row ``r`` (0, 0 for no columns). Assumes
    no NaN (the caller checks): so LLVM vectorises the two reductions."""
    lo = hi = np.float32(0.0)
    if W.shape[1]:
        lo = hi = np.float32(W[r, 0])
        for j in range(W.shape[1]):
            x = np.float32(W[r, j])
            lo = min(lo, x)
            hi = max(hi, x)
    return lo, hi


@njit(inline="always", **JIT_OPTIONS)
def _int8_row_differs(W, r, codes):
    """Whether row ``r`` of ``W`` does not pack to the int8 table's row ``r``.

    The packing of :func:`sparsedense.quantized._pack_int8` (fbgemm's), value by
    value in the same float32 operations: ``lo``/``hi`` the row's extremes,
    ``scale = (hi - lo) / 255``, codes ``rint((x - lo) * (255 / (hi - lo + 1e-8)))``
    clipped to 0..255; compared with the stored codes, scale and bias (read from the
    row's bytes, :func:`._simd_codes.row_scale_bias`). A float64
    ``W`` is rounded to float32 first, as the packer rounds it; a row with NaN never
    packs (quantize refuses it). No copy of the row; its loops have no early exit,
    so they run as vector code.
    """
    dim = W.shape[1]
    lo, hi = _row_extremes(W, r)
    nan = False
    for j in range(dim):
        x = W[r, j]
        nan |= x != x
    span = hi - lo
    inverse = np.float32(255) / (span + np.float32(1e-8))
    scale, bias = row_scale_bias(KIND_INT8, codes, r)
    if nan or not (span / np.float32(255) == scale and lo == bias):
        return True
    differ = False
    for j in range(dim):
        q = np.rint((np.float32(W[r, j]) - lo) * inverse)
        q = min(max(q, np.float32(0)), np.float32(255))  # (no NaN here)
        differ |= np.uint8(q) != codes[r, j]
    return differ


@parallel_kernel
def _int8_rows_differ(W, rows, codes, differ):
    """``differ[i]``: whether row ``rows[i]`` of ``W`` does not pack to the int8 table's
    (:func:`_int8_row_differs`); the rows are read at random, so two threads overlap
    their waits for memory."""
    for i in prange(rows.shape[0]):
        differ[i] = _int8_row_differs(W, rows[i], codes)


harden_caches(globals())
