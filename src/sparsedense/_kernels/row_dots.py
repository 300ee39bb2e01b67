"""The float screen's products for a few queries: each corpus row read once for all of them.

BLAS multiplies a handful of queries by a corpus as a matrix product whose
cost is packing and memory, not arithmetic. Here every corpus row is loaded
once, from the memory or the cache it is in, and multiplied with every query
while it is in registers: :data:`ROWS` rows times :data:`GROUP` queries at a
time, their ``ROWS x GROUP`` sums in vector registers over the row's width
(the last, partial vector loaded under a mask), then added across lanes
together (a transposing tree: 15 shuffle pairs for 16 sums, not 16 trees).

With cosine, the rows are not scaled to unit norm first: each row's sum of
squares is taken beside its products (the row still in the core's cache)
and its scores are divided by the root. Such a score is within ``(1.5 dim +
3)`` units of roundoff of the canonical cosine, inside the bound
:func:`sparsedense.similarity.fast_score_bound` gives any float screen; a row
whose squares leave the normal range (or holding zeros, NaN, inf) is scaled
as :func:`.norms._normalize_rows_l2` scales it instead. The exact selection
then scales only its candidates (:func:`.exact_topk._row_of`).

The sums are float32 (or float64) in an order of their own: screen scores.
Rows go to the threads in equal ranges (:mod:`._tasks`); each score is
computed by one thread, so the result does not depend on the threads.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._amx import I8P
from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._simd import SumLoop, _splat, operands
from ._tasks import next_task, task_range
from ._tuning import get as _tuned
from .dots import canonical_dot
from .norms import _normalize_row_l2

#: queries multiplied with the same rows at once
GROUP = 4
#: corpus rows multiplied at once: the tuned ``TOPK_DOT_ROWS`` (their ``ROWS x GROUP``
#: sums and ``ROWS + GROUP`` operands fit the vector registers)
ROWS = _tuned("TOPK_DOT_ROWS")
#: float32 lanes of a vector (16 where the CPU has AVX-512, else 8)
_LANES32 = _tuned("CODE_LANES")


def _fold(builder, vecs: list, width: int) -> list:
    """Add up the lanes of each of ``vecs`` (``width`` lanes): their sums, in order.

    Pairs of vectors are folded into one holding half of each one's partial
    sums side by side, until one partial is left per sum (or one vector, which
    then narrows)."""
    i32 = ir.IntType(32)
    n = 1
    while n < len(vecs):
        n *= 2
    count = len(vecs)
    zero = ir.Constant(vecs[0].type, None)
    vecs = list(vecs) + [zero] * (n - count)
    block = width  # the partial sums of one sum, side by side in a vector
    while block > 1:
        half = block // 2
        if len(vecs) > 1:  # two vectors of `width` lanes -> one
            lo = [b + t for b in range(0, 2 * width, block) for t in range(half)]
            hi = [x + half for x in lo]
            vecs = [builder.fadd(
                builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(i32, width), lo)),
                builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(i32, width), hi)))
                for a, b in zip(vecs[0::2], vecs[1::2])]
        else:  # one vector left: it narrows
            v = vecs[0]
            lo = [b + t for b in range(0, v.type.count, block) for t in range(half)]
            hi = [x + half for x in lo]
            undef = ir.Constant(v.type, ir.Undefined)
            vecs = [builder.fadd(
                builder.shuffle_vector(v, undef, ir.Constant(ir.VectorType(i32, len(lo)), lo)),
                builder.shuffle_vector(v, undef, ir.Constant(ir.VectorType(i32, len(hi)), hi)))]
        block = half
    return [builder.extract_element(v, ir.Constant(i32, t))
            for v in vecs for t in range(v.type.count)][:count]


class _Sums:
    """The LLVM values shared by the intrinsics below: a float type's vectors, the
    functions they call, and the loop that adds products of rows over their width."""

    def __init__(self, context, builder, dtype):
        self.builder = builder
        self.intp = context.get_value_type(types.intp)
        i32 = ir.IntType(32)
        self.fty = context.get_value_type(dtype)
        self.itemsize = context.get_abi_sizeof(self.fty)
        self.lanes = _LANES32 * 4 // self.itemsize
        self.vty = ir.VectorType(self.fty, self.lanes)
        mty = ir.VectorType(ir.IntType(1), self.lanes)
        suffix = f"v{self.lanes}f{self.itemsize * 8}"
        module = builder.module
        self.fmuladd = cgutils.get_or_insert_function(
            module, ir.FunctionType(self.vty, [self.vty] * 3), f"llvm.fmuladd.{suffix}")
        self.masked_load = cgutils.get_or_insert_function(
            module, ir.FunctionType(self.vty, [self.vty.as_pointer(), i32, mty, self.vty]),
            f"llvm.masked.load.{suffix}.p0")

    def const(self, v):
        return ir.Constant(self.intp, v)

    def row_ptr(self, arr, first, k):
        """The first value of row ``first + k`` of the 2-D array struct ``arr``."""
        b = self.builder
        stride = cgutils.unpack_tuple(b, arr.strides, 2)[0]
        at = b.mul(b.add(first, self.const(k)), stride)
        return b.bitcast(b.gep(b.bitcast(arr.data, I8P), [at]), self.fty.as_pointer())

    def sums(self, dim, left: list, right: list, pairs: list) -> list:
        """``left[i] . right[j]`` over ``dim`` values for each ``(i, j)`` of ``pairs``:
        a loop over whole vectors, the last columns under a mask, then across lanes."""
        b, lanes, vty = self.builder, self.lanes, self.vty

        def vec(ptr, col):
            return b.bitcast(b.gep(ptr, [col]), vty.as_pointer())

        def step(load, acc):
            xs = [load(p) for p in left]
            ys = xs if right is left else [load(p) for p in right]
            return [b.call(self.fmuladd, [xs[i], ys[j], a]) for (i, j), a in zip(pairs, acc)]

        n_full = b.sdiv(dim, self.const(lanes))
        lp = SumLoop(b, self.intp, n_full, len(pairs), vty, "rowdots")
        col = b.mul(lp.i, self.const(lanes))
        sums = lp.close(step(lambda p: b.load(vec(p, col), align=self.itemsize), lp.acc),
                        unroll=False)
        # the row's last columns, under a mask (none: nothing is read, zeros are added)
        col = b.mul(n_full, self.const(lanes))
        lane_ids = ir.Constant(ir.VectorType(self.intp, lanes), list(range(lanes)))
        mask = b.icmp_signed("<", lane_ids, _splat(b, b.sub(dim, col),
                                                   ir.VectorType(self.intp, lanes)))
        align = ir.Constant(ir.IntType(32), self.itemsize)
        sums = step(lambda p: b.call(self.masked_load, [vec(p, col), align, mask,
                                                        ir.Constant(vty, None)]), sums)
        return _fold(b, sums, lanes)

    def store(self, arr, ndim: int, index: list, value) -> None:
        b = self.builder
        strides = cgutils.unpack_tuple(b, arr.strides, ndim)
        at = self.const(0)
        for i, st in zip(index, strides):
            at = b.add(at, b.mul(i, st))
        b.store(value, b.bitcast(b.gep(b.bitcast(arr.data, I8P), [at]), value.type.as_pointer()))


def _float_arrays(*arrays) -> bool:
    return (all(isinstance(a, types.Array) for a in arrays)
            and len({a.dtype for a in arrays}) == 1
            and arrays[0].dtype in (types.float32, types.float64))


def _block_dots(n_rows: int, n_queries: int):
    """The intrinsic ``dots(Q, q0, rows, r0, scores)``: ``scores[q0 + g, r0 + r] = Q[q0 + g]
    . rows[r0 + r]`` for ``g < n_queries``, ``r < n_rows``, in float sums of vectors
    (rows of unit stride; the caller checks)."""

    @intrinsic
    def dots(typingctx, Q, q0, rows, r0, scores):
        if not (_float_arrays(Q, rows, scores) and Q.ndim == rows.ndim == scores.ndim == 2):
            return None
        sig = types.void(Q, q0, rows, r0, scores)

        def codegen(context, builder, signature, args):
            Qa, q0v, Ca, r0v, Sa = operands(context, builder, signature, args)
            em = _Sums(context, builder, signature.args[0].dtype)
            dim = cgutils.unpack_tuple(builder, Qa.shape, 2)[1]
            pairs = [(g, r) for r in range(n_rows) for g in range(n_queries)]
            totals = em.sums(dim, [em.row_ptr(Qa, q0v, g) for g in range(n_queries)],
                             [em.row_ptr(Ca, r0v, r) for r in range(n_rows)], pairs)
            for (g, r), value in zip(pairs, totals):
                em.store(Sa, 2, [builder.add(q0v, em.const(g)), builder.add(r0v, em.const(r))],
                         value)
            return context.get_dummy_value()

        return sig, codegen

    return dots


def _block_squares(n_rows: int):
    """The intrinsic ``squares(rows, r0, out)``: ``out[r0 + r] = rows[r0 + r] . rows[r0 + r]``
    for ``r < n_rows``, in float sums of vectors as :func:`_block_dots` adds them (each
    sum in the rows' dtype, stored in ``out``'s float64)."""

    @intrinsic
    def squares(typingctx, rows, r0, out):
        if not (_float_arrays(rows) and rows.ndim == 2 and isinstance(out, types.Array)
                and out.ndim == 1 and out.dtype == types.float64):
            return None
        sig = types.void(rows, r0, out)

        def codegen(context, builder, signature, args):
            Ca, r0v, Oa = operands(context, builder, signature, args)
            em = _Sums(context, builder, signature.args[0].dtype)
            dim = cgutils.unpack_tuple(builder, Ca.shape, 2)[1]
            ptrs = [em.row_ptr(Ca, r0v, r) for r in range(n_rows)]
            totals = em.sums(dim, ptrs, ptrs, [(r, r) for r in range(n_rows)])
            for r, value in enumerate(totals):
                if value.type != ir.DoubleType():
                    value = builder.fpext(value, ir.DoubleType())
                em.store(Oa, 1, [builder.add(r0v, em.const(r))], value)
            return context.get_dummy_value()

        return sig, codegen

    return squares


# one intrinsic per shape: whole blocks, and the queries and rows left over
_DOTS = {(r, g): _block_dots(r, g) for r in (ROWS, 1) for g in range(1, GROUP + 1)}
_dots_block = _DOTS[ROWS, GROUP]
_dots_1, _dots_2, _dots_3 = (_DOTS[ROWS, g] for g in (1, 2, 3))
_dots_row = _DOTS[1, GROUP]
_dots_row_1, _dots_row_2, _dots_row_3 = (_DOTS[1, g] for g in (1, 2, 3))
_squares_block = _block_squares(ROWS)
_squares_row = _block_squares(1)


@njit(inline="always", **JIT_OPTIONS)
def _rows_scores(Q, rows, r, scores, block):
    """Scores of every query with ``rows[r : r + ROWS]`` (``block``) or ``rows[r]`` alone
    (a constant where it is inlined: the other branch is compiled out)."""
    n_q = Q.shape[0]
    full = n_q - n_q % GROUP
    for q0 in range(0, full, GROUP):
        if block:
            _dots_block(Q, q0, rows, r, scores)
        else:
            _dots_row(Q, q0, rows, r, scores)
    rest = n_q - full
    if rest == 1:
        if block:
            _dots_1(Q, full, rows, r, scores)
        else:
            _dots_row_1(Q, full, rows, r, scores)
    elif rest == 2:
        if block:
            _dots_2(Q, full, rows, r, scores)
        else:
            _dots_row_2(Q, full, rows, r, scores)
    elif rest == 3:
        if block:
            _dots_3(Q, full, rows, r, scores)
        else:
            _dots_row_3(Q, full, rows, r, scores)


@njit(inline="always", **JIT_OPTIONS)
def _dots_range(Q, rows, start, end, scores):
    """Scores of every query with ``rows[start:end]``."""
    r = start
    while r + ROWS <= end:
        _rows_scores(Q, rows, r, scores, True)
        r += ROWS
    for rr in range(r, end):
        _rows_scores(Q, rows, rr, scores, False)


@njit(inline="always", **JIT_OPTIONS)
def _squares_range(rows, start, end, out):
    """``out[j]`` = the sum of squares of ``rows[j]`` (float sums, any order) for each row of
    ``start .. end - 1``."""
    r = start
    while r + ROWS <= end:
        _squares_block(rows, r, out)
        r += ROWS
    for rr in range(r, end):
        _squares_row(rows, rr, out)


@njit(inline="always", **JIT_OPTIONS)
def _cosine_columns(Q, part, start, end, sums, low, high, scratch, w, scores):
    """Turn the dot products in columns ``start .. end - 1`` of ``scores`` into cosines.

    A row whose sum of squares (``sums``, replaced by the factor) lies in
    ``[low, high]`` has its column multiplied by the reciprocal of its root (in
    float64), query after query along the rows of ``scores``; any other row
    (zeros, values whose squares leave the dtype's normal range, NaN, inf) is
    scaled as :func:`.norms._normalize_rows_l2` scales it, into ``scratch[w]``,
    and scored canonically (:func:`.dots.canonical_dot`).
    """
    n_q = Q.shape[0]
    dim = part.shape[1]
    n_odd = 0
    for j in range(start, end):
        s = sums[j]
        if low <= s <= high:
            sums[j] = 1.0 / np.sqrt(s)
        else:  # (NaN: the column is scored again below)
            sums[j] = np.nan
            n_odd += 1
    for q in range(n_q):
        for j in range(start, end):
            scores[q, j] = np.float64(scores[q, j]) * sums[j]
    if n_odd:
        for j in range(start, end):
            if sums[j] == sums[j]:
                continue
            row = scratch[w]
            for c in range(dim):
                row[c] = part[j, c]
            _normalize_row_l2(scratch, scratch, w)
            for q in range(n_q):
                scores[q, j] = canonical_dot(Q[q], row)


@parallel_kernel
def _few_query_scores(Q, part, cosine, sums, low, high, scratch, scores, n_tasks, n_workers,
                      counter):
    """``scores[q, j]`` = the fast score of query ``q`` and row ``j`` of ``part``.

    The dot product, or with ``cosine`` the cosine with the row (``Q``'s rows
    are at unit norm): the dot product divided by the row's norm, a sum of
    squares in ``sums`` (float64, ``len(part)`` values) taken beside
    it (:func:`_cosine_columns`; ``low`` and ``high`` bound the sums that keep
    float accuracy, ``scratch`` holds one row per worker). ``Q`` and ``part``
    have unit stride along their rows; ``scores`` has at least ``len(part)``
    columns.
    """
    m = part.shape[0]
    n_units = (m + ROWS - 1) // ROWS  # tasks are whole blocks of rows
    for w in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            u0, u1 = task_range(t, n_units, n_tasks)
            start = u0 * ROWS
            end = min(u1 * ROWS, m)
            _dots_range(Q, part, start, end, scores)
            if cosine:  # (the rows are still in this core's cache)
                _squares_range(part, start, end, sums)
                _cosine_columns(Q, part, start, end, sums, low, high, scratch, w, scores)
            t = next_task(counter)


harden_caches(globals())
