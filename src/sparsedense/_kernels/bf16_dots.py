"""The bfloat16 screen's products with AVX-512 BF16 vectors, where the CPU has no AMX tiles.

``vdpbf16ps`` multiplies 16 pairs of bfloat16 values by a broadcast pair and
adds each lane's two exact products into a float32 sum: 32 products an
instruction, twice a float32 FMA's. The corpus tiles of :mod:`.bf16_topk`
(``Bp[block, chunk, pair, 2 * n + t]``) are already its operand: one 64-byte
vector holds the pair ``pair`` of a chunk for the 16 rows of a block, and the
query's pair is one 32-bit word of its bfloat16 row, broadcast. So the same
packed rows feed either kernel, and a score differs from the tile's only in
the order of its float32 additions (the screen's bound allows any order, and
twice the rounding of each, as the instruction's rounding of its pair sum is
not the same on every CPU).

:data:`GROUP` queries are multiplied with two blocks (32 rows) at once, their
``2 x GROUP`` accumulators in registers beside the two row vectors.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._amx import I8P
from ._config import JIT_OPTIONS, harden_caches
from ._simd import SumLoop, _splat, operands

#: queries multiplied with 32 rows at once: 2 x 12 accumulators of the 32 registers
GROUP = 12
#: rows of a corpus block (one vector's lanes) and queries of a block of scores
ROWS = 16
BLOCK = 32


def _group_dots(n_queries: int):
    """The intrinsic ``dots(Qb, q0, Bp, b0, scores, w, row, n_pairs)``: ``scores[w, row + j,
    16 * b0 + c]`` for ``j < n_queries``, ``c < 32`` = query ``q0 + row + j`` of ``Qb`` times
    row ``c`` of corpus blocks ``b0`` and ``b0 + 1`` of ``Bp``, over the first ``n_pairs``
    pairs of columns (those past the rows' width are zeros)."""

    @intrinsic
    def dots(typingctx, Qb, q0, Bp, b0, scores, w, row, n_pairs):
        if not (isinstance(Qb, types.Array) and isinstance(Bp, types.Array)
                and isinstance(scores, types.Array) and Qb.ndim == 2 and Bp.ndim == 4
                and Qb.dtype == types.uint16 and Bp.dtype == types.uint16
                and scores.ndim == 3 and scores.dtype == types.float32):
            return None
        sig = types.void(Qb, q0, Bp, b0, scores, w, row, n_pairs)

        def codegen(context, builder, signature, args):
            Q, q0v, B, b0v, S, wv, rowv, n_steps = operands(context, builder, signature, args)
            intp = context.get_value_type(types.intp)
            i32 = ir.IntType(32)
            v16i = ir.VectorType(i32, 16)
            v16f = ir.VectorType(ir.FloatType(), 16)

            def const(v):
                return ir.Constant(intp, v)

            dot = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(v16f, [v16f, v16i, v16i]),
                "llvm.x86.avx512bf16.dpbf16ps.512")
            q_stride = cgutils.unpack_tuple(builder, Q.strides, 2)[0]
            b_strides = cgutils.unpack_tuple(builder, B.strides, 4)
            first = builder.add(q0v, rowv)
            q_rows = [builder.bitcast(builder.gep(builder.bitcast(Q.data, I8P), [
                builder.mul(builder.add(first, const(j)), q_stride)]), i32.as_pointer())
                for j in range(n_queries)]
            b_lo = builder.gep(builder.bitcast(B.data, I8P), [builder.mul(b0v, b_strides[0])])
            b_lo = builder.bitcast(b_lo, v16i.as_pointer())
            b_hi = builder.bitcast(builder.gep(builder.bitcast(b_lo, I8P), [b_strides[0]]),
                                   v16i.as_pointer())
            lp = SumLoop(builder, intp, n_steps, 2 * n_queries, v16f, "bf16dots")
            lo = builder.load(builder.gep(b_lo, [lp.i]), align=4)
            hi = builder.load(builder.gep(b_hi, [lp.i]), align=4)
            updated = []
            for j in range(n_queries):
                word = builder.load(builder.gep(q_rows[j], [lp.i]), align=4)
                pair = _splat(builder, word, v16i)
                updated.append(builder.call(dot, [lp.acc[2 * j], pair, lo]))
                updated.append(builder.call(dot, [lp.acc[2 * j + 1], pair, hi]))
            sums = lp.close(updated, unroll=False)
            s_strides = cgutils.unpack_tuple(builder, S.strides, 3)
            sbase = builder.gep(builder.bitcast(S.data, I8P), [builder.add(
                builder.add(builder.mul(wv, s_strides[0]), builder.mul(rowv, s_strides[1])),
                builder.mul(builder.mul(b0v, const(ROWS)), s_strides[2]))])
            for v, phi in enumerate(sums):
                at = builder.add(builder.mul(const(v // 2), s_strides[1]),
                                 builder.mul(const(ROWS * (v % 2)), s_strides[2]))
                builder.store(phi, builder.bitcast(builder.gep(sbase, [at]), v16f.as_pointer()),
                              align=4)
            return context.get_dummy_value()

        return sig, codegen

    return dots


_dots_group = _group_dots(GROUP)
_dots_rest = _group_dots(BLOCK - 2 * GROUP)


@njit(inline="always", **JIT_OPTIONS)
def block_scores(Qb, q0, Bp, b0, scores, w, dim):
    """``scores[w, :32, 16 * b0:16 * b0 + 32]`` = queries ``q0 .. q0 + 31`` of ``Qb`` times
    corpus blocks ``b0`` and ``b0 + 1`` of ``Bp`` (rows ``dim`` wide): what
    :mod:`.bf16_topk`'s tiles compute, in three groups of queries (``Qb`` holds whole
    blocks of 32 rows), the zero pairs of columns past ``dim`` left out."""
    n_pairs = (dim + 1) // 2
    _dots_group(Qb, q0, Bp, b0, scores, w, 0, n_pairs)
    _dots_group(Qb, q0, Bp, b0, scores, w, GROUP, n_pairs)
    _dots_rest(Qb, q0, Bp, b0, scores, w, 2 * GROUP, n_pairs)


harden_caches(globals())
