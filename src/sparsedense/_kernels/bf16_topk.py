"""The bfloat16 screen of a float32 top-k (AMX tiles or AVX-512 BF16): products, then the exact selection.

Rows scaled to unit norm are rounded to bfloat16 (8 significant bits) and
multiplied by AMX's ``tdpbf16ps``, which adds the exact products of pairs of
bfloat16 values into float32 sums: a fast score within ``2**-7 |q| |c|`` (the
two roundings) plus float32 addition of the rounded score of the rows as
multiplied. :func:`.exact_topk._exact_row` then finds the exact top-k from
those fast scores and their bound, as it does from BLAS's: the answer is the
canonical one whatever screened it.

Layouts (``uint16`` arrays of bfloat16 bits, columns padded with zeros to
``kp``, a multiple of 32):

* queries ``Qb[q, j]``: row-major, the tile's ``A`` operand as it is;
* corpus rows in blocks of 16, ``Bp[block, chunk, pair, 2 * n + t]`` = value
  ``32 * chunk + 2 * pair + t`` of row ``16 * block + n``: the ``B`` operand
  of ``tdpbf16ps`` (pairs of columns side by side), one tile per
  ``Bp[block, chunk]``.

A worker owns 32 queries at a time: it multiplies them with every pair of
corpus blocks of the chunk (four tiles of sums: 32 x 32 scores, two query
tiles and two row tiles loaded per 32 columns), then selects from the 32 rows
of scores while they are in its cache. Where the CPU has no tiles (or the
system refuses them) but has AVX-512 BF16, :mod:`.bf16_dots` computes the same
block of scores from the same layouts with vector instructions. Nothing here
runs unless :func:`sparsedense._topk_tiles.screen_kind` names one of the two
(the code of each is compiled where the CPU has it: ``TOPK_TILES``,
``TOPK_BF16_DOTS``).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._amx import (I8, I8P, I64, load_tile_config, release_tiles, tile, tile_ops, two_by_two,
                   void_fn)
from ._config import JIT_OPTIONS, harden_caches, parallel_kernel
from ._simd import align_frame, operands
from .bf16_dots import block_scores
from ._tasks import next_task
from ._tuning import get as _tuned
from .exact_topk import _exact_row

#: 1 where the CPU has AMX-BF16, and where it has AVX-512 BF16 (compile time: part of
#: Numba's cache key)
_TILES = _tuned("TOPK_TILES")
_DOTS = _tuned("TOPK_BF16_DOTS")
#: queries and corpus rows of one block of sums (2 x 2 tiles of 16)
BLOCK = 32
#: bfloat16 columns a tile row holds (64 bytes)
CHUNK = 32


@intrinsic
def _block_scores(typingctx, Qb, q0, Bp, b0, scores, w, col):
    """``scores[w, :32, col:col + 32]`` = queries ``q0 .. q0 + 31`` of ``Qb`` times corpus
    blocks ``b0`` and ``b0 + 1`` of ``Bp``: four tiles of float32 sums, over every
    32-column chunk (tiles 0-3 the sums, 4-5 the queries, 6-7 the rows)."""
    if not (isinstance(Qb, types.Array) and isinstance(Bp, types.Array)
            and isinstance(scores, types.Array) and Qb.ndim == 2 and Bp.ndim == 4
            and scores.ndim == 3 and scores.dtype == types.float32):
        return None
    sig = types.void(Qb, q0, Bp, b0, scores, w, col)

    def codegen(context, builder, signature, args):
        Q, q0v, B, b0v, S, wv, colv = operands(context, builder, signature, args)
        intp = context.get_value_type(types.intp)

        def const(v):
            return ir.Constant(intp, v)

        q_stride = cgutils.unpack_tuple(builder, Q.strides, 2)[0]
        b_strides = cgutils.unpack_tuple(builder, B.strides, 4)
        n_chunks = cgutils.unpack_tuple(builder, B.shape, 4)[1]
        s_strides = cgutils.unpack_tuple(builder, S.strides, 3)
        qbase = builder.gep(builder.bitcast(Q.data, I8P), [builder.mul(q0v, q_stride)])
        q_next = builder.gep(qbase, [builder.mul(const(16), q_stride)])
        bbase = builder.gep(builder.bitcast(B.data, I8P), [builder.mul(b0v, b_strides[0])])
        b_next = builder.gep(bbase, [b_strides[0]])
        load, store, zero = tile_ops(builder)
        dot = void_fn(builder, "llvm.x86.tdpbf16ps", [I8] * 3)
        for t in range(4):
            builder.call(zero, [tile(t)])
        row_bytes = ir.Constant(I64, 64)
        entry = builder.basic_block
        loop = builder.append_basic_block("tiles.loop")
        done = builder.append_basic_block("tiles.done")
        builder.cbranch(builder.icmp_signed(">", n_chunks, const(0)), loop, done)
        builder.position_at_end(loop)
        c = builder.phi(intp)
        c.add_incoming(const(0), entry)
        q_off = builder.mul(c, const(2 * CHUNK))  # bytes of the chunk's first column
        b_off = builder.mul(c, b_strides[1])
        two_by_two(builder, load, dot, [builder.gep(qbase, [q_off]), builder.gep(q_next, [q_off])],
                   q_stride, [builder.gep(bbase, [b_off]), builder.gep(b_next, [b_off])],
                   row_bytes)
        c_next = builder.add(c, const(1))
        c.add_incoming(c_next, loop)
        builder.cbranch(builder.icmp_signed("<", c_next, n_chunks), loop, done)
        builder.position_at_end(done)
        sbase = builder.gep(builder.bitcast(S.data, I8P),
                            [builder.add(builder.mul(wv, s_strides[0]),
                                         builder.mul(colv, s_strides[2]))])
        s_row = s_strides[1]
        half_rows = builder.mul(const(16), s_row)
        half_cols = builder.mul(const(16), s_strides[2])
        for t, (dr, dc) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            at = builder.add(builder.mul(const(dr), half_rows), builder.mul(const(dc), half_cols))
            builder.call(store, [tile(t), builder.gep(sbase, [at]), s_row])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _float_bits(typingctx, x):
    """The 32 bits of float32 ``x`` as an unsigned integer."""
    if x != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.uint32(x), codegen


@njit(inline="always", **JIT_OPTIONS)
def _bf16(x):
    """The bfloat16 bits nearest float32 ``x`` (ties to even; NaN stays a NaN)."""
    u = _float_bits(np.float32(x))
    if (u & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000):
        return np.uint16((u >> np.uint32(16)) | np.uint32(0x40))
    u = u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))
    return np.uint16(u >> np.uint32(16))


@parallel_kernel
def _pack_queries(Q, Qb):
    """``Qb[q, j]`` = bfloat16 of ``Q[q, j]``, zeros past ``Q``'s rows and columns."""
    n, dim = Q.shape
    for q in prange(Qb.shape[0]):
        align_frame()
        for j in range(Qb.shape[1]):
            Qb[q, j] = _bf16(Q[q, j]) if q < n and j < dim else np.uint16(0)


@intrinsic
def _pack_chunk(typingctx, C, r, c0, Bp, blk, chunk, n):
    """``Bp[blk, chunk, p, 2 * n + t]`` = bfloat16 of ``C[r, c0 + 2 * p + t]`` for ``p < 16``,
    ``t < 2`` (the 32 columns from ``c0`` present): :func:`_bf16` on 32 lanes at once
    (32-bit integer lanes, which Numba's own integer arithmetic widens to 64), each
    pair of values one 32-bit word of the tile's column ``n``."""
    if not (isinstance(C, types.Array) and C.dtype == types.float32 and C.ndim == 2
            and isinstance(Bp, types.Array) and Bp.dtype == types.uint16 and Bp.ndim == 4):
        return None
    sig = types.void(C, r, c0, Bp, blk, chunk, n)

    def codegen(context, builder, signature, args):
        Ca, r_v, c0_v, Ba, blk_v, chunk_v, n_v = operands(context, builder, signature, args)
        intp = context.get_value_type(types.intp)
        i32 = ir.IntType(32)
        v32 = ir.VectorType(i32, 2 * 16)
        v16 = ir.VectorType(i32, 16)
        c_strides = cgutils.unpack_tuple(builder, Ca.strides, 2)
        b_strides = cgutils.unpack_tuple(builder, Ba.strides, 4)
        four = ir.Constant(intp, 4)
        src = builder.gep(builder.bitcast(Ca.data, I8P),
                          [builder.add(builder.mul(r_v, c_strides[0]), builder.mul(c0_v, four))])
        u = builder.load(builder.bitcast(src, v32.as_pointer()), align=4)

        def lanes(v):
            return ir.Constant(v32, [v] * 32)

        nan = builder.icmp_unsigned(">", builder.and_(u, lanes(0x7FFFFFFF)), lanes(0x7F800000))
        high = builder.lshr(u, lanes(16))
        rounded = builder.lshr(builder.add(builder.add(u, lanes(0x7FFF)),
                                           builder.and_(high, lanes(1))), lanes(16))
        bits = builder.select(nan, builder.or_(high, lanes(0x40)), rounded)
        first = builder.shuffle_vector(bits, bits, ir.Constant(v16, list(range(0, 32, 2))))
        second = builder.shuffle_vector(bits, bits, ir.Constant(v16, list(range(1, 32, 2))))
        words = builder.or_(first, builder.shl(second, ir.Constant(v16, [16] * 16)))
        dst = builder.gep(builder.bitcast(Ba.data, I8P), [builder.add(
            builder.add(builder.mul(blk_v, b_strides[0]), builder.mul(chunk_v, b_strides[1])),
            builder.mul(n_v, four))])
        for p in range(16):  # a column of the tile: one word a row (LLVM: extracts, stores)
            at = builder.gep(dst, [builder.mul(ir.Constant(intp, p), b_strides[2])])
            builder.store(builder.extract_element(words, ir.Constant(i32, p)),
                          builder.bitcast(at, i32.as_pointer()), align=4)
        return context.get_dummy_value()

    return sig, codegen


@parallel_kernel
def _pack_rows(C, m, Bp):
    """Rows ``0 .. m - 1`` of ``C`` as bfloat16 in ``Bp``'s tile layout (see the module),
    zeros past them and past ``C``'s columns. Whole 32-column chunks of a row with
    contiguous columns go through :func:`_pack_chunk`; the rest value by value (the
    same bits)."""
    dim = C.shape[1]
    n_chunks = Bp.shape[1]
    whole = dim // CHUNK if C.strides[1] == C.itemsize else 0  # (the chunks' loads: rows)
    for blk in prange(Bp.shape[0]):
        for n in range(16):
            r = blk * 16 + n
            rest = 0
            if r < m:
                for chunk in range(whole):
                    _pack_chunk(C, r, chunk * CHUNK, Bp, blk, chunk, n)
                rest = whole
            for chunk in range(rest, n_chunks):
                for pair in range(CHUNK // 2):
                    for t in range(2):
                        j = chunk * CHUNK + 2 * pair + t
                        v = np.uint16(0)
                        if r < m and j < dim:
                            v = _bf16(C[r, j])
                        Bp[blk, chunk, pair, 2 * n + t] = v


@parallel_kernel
def _tile_topk(Qb, Bp, tiles, cfg, rows, m, queries, c0, k, exclude_self, margins, fast_s,
               fast_i, filled, out_idx, out_score, scores, ones, pending, n_workers, counter):
    """One chunk of corpus rows (``rows[:m]``, their tiles ``Bp``) for every query.

    Workers take 32 queries at a time (:mod:`._tasks`): their fast scores against
    the chunk into ``scores[w]`` (from AMX tiles when ``tiles``, else from AVX-512
    BF16 vectors, :mod:`.bf16_dots`), then :func:`.exact_topk._exact_row` for each
    of them (``margins[q]``: twice the bound of a fast score's error), updating its
    heaps as the float screen does.
    """
    n_q = queries.shape[0]
    n_tasks = (n_q + BLOCK - 1) // BLOCK
    n_blocks = Bp.shape[0]
    amx = _TILES and tiles
    no_scales = np.empty(0)  # (the rows are scaled already: no candidate is scaled again)
    for w in prange(n_workers):
        align_frame()
        if amx:
            load_tile_config(cfg)
        t = next_task(counter)
        while t < n_tasks:
            q0 = t * BLOCK
            if amx:
                for b0 in range(0, n_blocks, 2):
                    _block_scores(Qb, q0, Bp, b0, scores, w, b0 * 16)
            elif _DOTS:
                for b0 in range(0, n_blocks, 2):
                    block_scores(Qb, q0, Bp, b0, scores, w, queries.shape[1])
            for i in range(BLOCK):
                q = q0 + i
                if q >= n_q:
                    break
                skip = q if exclude_self else -1
                filled[q] = _exact_row(scores[w, i, :m], rows, queries[q], c0, k, skip,
                                       margins[q], fast_s[q], fast_i[q], out_score[q],
                                       out_idx[q], filled[q], ones[w], pending[w], False,
                                       ones, no_scales)
            t = next_task(counter)
        if amx:
            release_tiles()


harden_caches(globals())
