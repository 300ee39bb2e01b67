"""The float screen's products for a few queries: each corpus row read once for all of them.

BLAS multiplies a handful of queries by a corpus as a matrix product whose
cost is packing and memory, not arithmetic (ten queries by 10,000 rows of 300
run far below its speed on many queries). Here every corpus row is loaded
once, from the memory or the cache it is in, and multiplied with every query
while it is in registers: :data:`ROWS` rows times :data:`GROUP` queries at a
time, their ``ROWS x GROUP`` sums in vector registers over the row's width
(the last, partial vector loaded under a mask), then added across lanes
together (a transposing tree: 15 shuffle pairs for 16 sums, not 16 trees).
With cosine, each worker first scales its rows to unit norm as
:func:`.norms._normalize_rows_l2` does (the same values the exact scores are
computed from), while they are in its cache.

The sums are float32 (or float64) in an order of their own: a screen score,
within the bound :func:`sparsedense.similarity.fast_score_bound` allows any
order; the exact top-k is then chosen from canonical scores as after BLAS.
Rows go to the threads in equal ranges (:mod:`._tasks`); each score is
computed by one thread, so the result does not depend on the threads.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._amx import I8P
from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._simd import SQUARE_ROWS, SumLoop, _splat, operands
from ._tasks import next_task, task_range
from ._tuning import get as _tuned
from .norms import _normalize_row_l2, _normalize_rows_side_by_side

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
            count = v.type.count
            lo = [b + t for b in range(0, count, block) for t in range(half)]
            hi = [x + half for x in lo]
            undef = ir.Constant(v.type, ir.Undefined)
            vecs = [builder.fadd(
                builder.shuffle_vector(v, undef, ir.Constant(ir.VectorType(i32, len(lo)), lo)),
                builder.shuffle_vector(v, undef, ir.Constant(ir.VectorType(i32, len(hi)), hi)))]
        block = half
    return [builder.extract_element(v, ir.Constant(i32, t))
            for v in vecs for t in range(v.type.count)][:count]


def _block_dots(n_rows: int, n_queries: int):
    """The intrinsic ``dots(Q, q0, rows, r0, scores)``: ``scores[q0 + g, r0 + r] = Q[q0 + g]
    . rows[r0 + r]`` for ``g < n_queries``, ``r < n_rows``, in float sums of vectors
    (rows of unit stride; the caller checks)."""

    @intrinsic
    def dots(typingctx, Q, q0, rows, r0, scores):
        arrays = (Q, rows, scores)
        if not (all(isinstance(a, types.Array) and a.ndim == 2 for a in arrays)
                and Q.dtype == rows.dtype == scores.dtype
                and Q.dtype in (types.float32, types.float64)):
            return None
        sig = types.void(Q, q0, rows, r0, scores)

        def codegen(context, builder, signature, args):
            Qa, q0v, Ca, r0v, Sa = operands(context, builder, signature, args)
            intp = context.get_value_type(types.intp)
            i32 = ir.IntType(32)
            fty = context.get_value_type(signature.args[0].dtype)
            itemsize = context.get_abi_sizeof(fty)
            lanes = _LANES32 * 4 // itemsize
            vty = ir.VectorType(fty, lanes)
            mty = ir.VectorType(ir.IntType(1), lanes)
            suffix = f"v{lanes}f{itemsize * 8}"
            module = builder.module
            fmuladd = cgutils.get_or_insert_function(
                module, ir.FunctionType(vty, [vty, vty, vty]), f"llvm.fmuladd.{suffix}")
            masked_load = cgutils.get_or_insert_function(
                module, ir.FunctionType(vty, [vty.as_pointer(), i32, mty, vty]),
                f"llvm.masked.load.{suffix}.p0")

            def const(v):
                return ir.Constant(intp, v)

            dim = cgutils.unpack_tuple(builder, Qa.shape, 2)[1]
            q_stride = cgutils.unpack_tuple(builder, Qa.strides, 2)[0]
            c_stride = cgutils.unpack_tuple(builder, Ca.strides, 2)[0]

            def row_ptr(arr, stride, first, k):
                at = builder.mul(builder.add(first, const(k)), stride)
                return builder.bitcast(builder.gep(builder.bitcast(arr.data, I8P), [at]),
                                       fty.as_pointer())

            q_rows = [row_ptr(Qa, q_stride, q0v, g) for g in range(n_queries)]
            c_rows = [row_ptr(Ca, c_stride, r0v, r) for r in range(n_rows)]

            def vec(ptr, col):
                return builder.bitcast(builder.gep(ptr, [col]), vty.as_pointer())

            n_full = builder.sdiv(dim, const(lanes))
            lp = SumLoop(builder, intp, n_full, n_rows * n_queries, vty, "rowdots")
            col = builder.mul(lp.i, const(lanes))
            xs = [builder.load(vec(p, col), align=itemsize) for p in c_rows]
            qs = [builder.load(vec(p, col), align=itemsize) for p in q_rows]
            sums = lp.close([builder.call(fmuladd, [qs[g], xs[r], lp.acc[r * n_queries + g]])
                             for r in range(n_rows) for g in range(n_queries)], unroll=False)
            # the row's last columns, under a mask (none: nothing is read, zeros are added)
            col = builder.mul(n_full, const(lanes))
            tail = builder.sub(dim, col)
            mask = builder.icmp_signed("<", ir.Constant(ir.VectorType(intp, lanes),
                                                        list(range(lanes))),
                                       _splat(builder, tail, ir.VectorType(intp, lanes)))
            zero = ir.Constant(vty, None)
            align = ir.Constant(i32, itemsize)
            xs = [builder.call(masked_load, [vec(p, col), align, mask, zero]) for p in c_rows]
            qs = [builder.call(masked_load, [vec(p, col), align, mask, zero]) for p in q_rows]
            sums = [builder.call(fmuladd, [qs[g], xs[r], sums[r * n_queries + g]])
                    for r in range(n_rows) for g in range(n_queries)]
            totals = _fold(builder, sums, lanes)
            s_strides = cgutils.unpack_tuple(builder, Sa.strides, 2)
            base = builder.bitcast(Sa.data, I8P)
            for r in range(n_rows):
                for g in range(n_queries):
                    at = builder.add(
                        builder.mul(builder.add(q0v, const(g)), s_strides[0]),
                        builder.mul(builder.add(r0v, const(r)), s_strides[1]))
                    builder.store(totals[r * n_queries + g],
                                  builder.bitcast(builder.gep(base, [at]), fty.as_pointer()))
            return context.get_dummy_value()

        return sig, codegen

    return dots


# one intrinsic per shape: whole blocks, and the queries and rows left over
_DOTS = {(r, g): _block_dots(r, g) for r in (ROWS, 1) for g in range(1, GROUP + 1)}
_dots_block = _DOTS[ROWS, GROUP]
_dots_1, _dots_2, _dots_3 = (_DOTS[ROWS, g] for g in (1, 2, 3))
_dots_row = _DOTS[1, GROUP]
_dots_row_1, _dots_row_2, _dots_row_3 = (_DOTS[1, g] for g in (1, 2, 3))


@njit(inline="always", **JIT_OPTIONS)
def _row_block(Q, rows, r, scores):
    """Scores of every query with ``rows[r : r + ROWS]``."""
    n_q = Q.shape[0]
    full = n_q - n_q % GROUP
    for q0 in range(0, full, GROUP):
        _dots_block(Q, q0, rows, r, scores)
    rest = n_q - full
    if rest == 1:
        _dots_1(Q, full, rows, r, scores)
    elif rest == 2:
        _dots_2(Q, full, rows, r, scores)
    elif rest == 3:
        _dots_3(Q, full, rows, r, scores)


@njit(inline="always", **JIT_OPTIONS)
def _one_row(Q, rows, r, scores):
    """Scores of every query with ``rows[r]``."""
    n_q = Q.shape[0]
    full = n_q - n_q % GROUP
    for q0 in range(0, full, GROUP):
        _dots_row(Q, q0, rows, r, scores)
    rest = n_q - full
    if rest == 1:
        _dots_row_1(Q, full, rows, r, scores)
    elif rest == 2:
        _dots_row_2(Q, full, rows, r, scores)
    elif rest == 3:
        _dots_row_3(Q, full, rows, r, scores)


@njit(inline="always", **JIT_OPTIONS)
def _dots_range(Q, rows, start, end, scores):
    """Scores of every query with ``rows[start:end]``."""
    r = start
    while r + ROWS <= end:
        _row_block(Q, rows, r, scores)
        r += ROWS
    for rr in range(r, end):
        _one_row(Q, rows, rr, scores)


@parallel_kernel
def _few_query_scores(Q, part, normalize, unit, scores, n_tasks, n_workers, counter):
    """``scores[q, j] = Q[q] . rows[j]`` for every query and row ``j < len(part)``.

    ``rows`` is ``part`` itself, or with ``normalize`` its rows scaled to unit
    norm into ``unit`` (:func:`.norms._normalize_rows_l2`'s values, written
    there for the exact scores that follow; a table of no rows otherwise).
    ``Q`` and ``part`` have unit stride along their rows; ``unit`` and
    ``scores`` hold at least ``len(part)`` rows / columns.
    """
    m = part.shape[0]
    n_units = (m + ROWS - 1) // ROWS  # tasks are whole blocks of rows
    for _ in prange(n_workers):
        t = next_task(counter)
        while t < n_tasks:
            u0, u1 = task_range(t, n_units, n_tasks)
            start = u0 * ROWS
            end = min(u1 * ROWS, m)
            if normalize:  # the range's rows, scaled while they are in this core's cache
                r = start
                while r + SQUARE_ROWS <= end:
                    _normalize_rows_side_by_side(part, unit, r)
                    r += SQUARE_ROWS
                for rr in range(r, end):
                    _normalize_row_l2(part, unit, rr)
                _dots_range(Q, unit, start, end, scores)
            else:
                _dots_range(Q, part, start, end, scores)
            t = next_task(counter)


harden_caches(globals())
