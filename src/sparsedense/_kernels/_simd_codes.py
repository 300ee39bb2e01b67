"""Bag sums of compressed rows with the accumulators in vector registers.

The compressed twin of :func:`._simd.block_sum`: a segment of up to
:data:`._simd.MAX_VECTORS` vectors of ``LANES`` float32 columns is summed over a whole
bag in registers and stored once, the row :data:`PREFETCH_DISTANCE` positions
ahead is prefetched, and the last vector is loaded and stored under a mask.
Each vector of codes is widened where it is loaded:

* int8: a byte a lane, ``zext`` + ``uitofp`` (``vpmovzxbd`` + ``vcvtdq2ps``);
* int4: a nibble a lane, shifted out of the 32-bit words that hold 8 of them (on
  AVX-512, :func:`int4_nibble_sum`: ``vpermps`` of the table 0..15, no conversion);
* float16: two bytes a lane, ``fpext half`` (``vcvtph2ps``).

A code row's scale is folded into the position's weight (``w * scale[r]``
multiplies the codes) and the bag's ``sum_p w_p * bias[r_p]``, added up in the
same loop, is added once before the store; both are read from the row's bytes.
So a compressed row costs the same multiply-adds as a float32 one for a quarter
(int8), an eighth (int4) or half (float16) of the bytes.
"""

from __future__ import annotations

from types import SimpleNamespace

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._config import JIT_OPTIONS, harden_caches
from ._tuning import get as _tuned
from ._simd import PREFETCH_DISTANCE as FLOAT_PREFETCH_DISTANCE
from ._simd import (
    _CACHE_LINE,
    _splat,
    bag_operands,
    close_bag_loop,
    emit_vector_switch,
    open_bag_loop,
    vector_pass,
)

#: float32 lanes of an accumulator: the tuned ``CODE_LANES`` (16 with AVX-512: a 300-column
#: row in one pass over the bag; 8 otherwise)
LANES = _tuned("CODE_LANES")
#: bytes of a row's codes per vector of ``LANES`` columns, by format
_CODE_BYTES = {"int8": LANES, "int4": LANES // 2, "float16": 2 * LANES}


def _decode(builder, fmt, raw):
    """``LANES`` float32 lanes from a vector of codes (``LANES`` bytes, ``LANES / 2``
    bytes of nibbles, or ``LANES`` half-precision bit patterns)."""
    f32s = ir.VectorType(ir.FloatType(), LANES)
    i32s = ir.VectorType(ir.IntType(32), LANES)
    if fmt == "int8":
        return builder.uitofp(builder.zext(raw, i32s), f32s)
    if fmt == "float16":
        return builder.fpext(builder.bitcast(raw, ir.VectorType(ir.HalfType(), LANES)), f32s)
    # each 4 bytes, as one little-endian int32, hold 8 columns, column c in bits
    # 4c..4c+3: copy word c // 8 into lane c, shift it right by 4 (c % 8) and keep 4 bits
    # (vpermd or vpbroadcastd, vpsrlvd, vpand)
    words = builder.bitcast(raw, ir.VectorType(ir.IntType(32), LANES // 8))
    i32 = ir.IntType(32)
    spread = builder.shuffle_vector(words, words, ir.Constant(
        ir.VectorType(i32, LANES), [c // 8 for c in range(LANES)]))
    shifted = builder.lshr(spread, ir.Constant(i32s, [4 * (c % 8) for c in range(LANES)]))
    return builder.uitofp(builder.and_(shifted, ir.Constant(i32s, [15] * LANES)), f32s)


def _row_scale(builder, fmt, base, i, row_stride, scale_at):
    """The float32 scale of code row ``i``, read from its bytes at ``scale_at`` (int8: a
    float32; int4: a float16, widened exactly)."""
    ptr = builder.gep(base, [builder.add(builder.mul(i, row_stride), scale_at)])
    if fmt == "int8":
        return builder.load(builder.bitcast(ptr, ir.FloatType().as_pointer()), align=1)
    half = builder.load(builder.bitcast(ptr, ir.HalfType().as_pointer()), align=1)
    return builder.fpext(half, ir.FloatType())


#: positions between a row and the row whose codes are prefetched: twice the float32
#: rows' distance (a code row takes a quarter to an eighth of a float32 row's time, so
#: the prefetch needs more positions to cover the same latency)
PREFETCH_DISTANCE = 2 * FLOAT_PREFETCH_DISTANCE


def _prefetch_ahead(builder, intp, p, n_index, last_index, row_at, row_bytes: int,
                    prefetch) -> None:
    """Prefetch the ``row_bytes`` from ``row_at(p + PREFETCH_DISTANCE)`` (the last position
    stands in past the end)."""
    i32 = ir.IntType(32)
    ahead = builder.add(p, ir.Constant(intp, PREFETCH_DISTANCE))
    ahead = builder.select(builder.icmp_signed("<", ahead, n_index), ahead, last_index)
    src = row_at(ahead)
    for line in range((row_bytes + _CACHE_LINE - 1) // _CACHE_LINE):
        builder.call(prefetch, [builder.gep(src, [ir.Constant(intp, line * _CACHE_LINE)]),
                                ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])


def _open_bias_sum(builder, header, entry):
    """A float32 phi at the top of a bag loop's ``header``, starting at 0 from ``entry``:
    the bag's ``sum_p w_p * bias[i_p]``, added in the loop (:func:`_add_bias`)."""
    body = builder.block
    builder.position_at_start(header)
    phi = builder.phi(ir.FloatType())
    phi.add_incoming(ir.Constant(ir.FloatType(), 0.0), entry)
    builder.position_at_end(body)
    return phi


def _add_bias(builder, fmt, bias_sum, w, base, i, row_stride, scale_at):
    """``bias_sum + w * bias[i]`` in float32 (rounded twice, as numpy's ``+=`` of a
    product); the bias follows the scale in the row's bytes."""
    step = ir.Constant(scale_at.type, 4 if fmt == "int8" else 2)
    bias = _row_scale(builder, fmt, base, i, row_stride, builder.add(scale_at, step))
    return builder.fadd(bias_sum, builder.fmul(w, bias))


def _make_row_value(fmt: str):
    def typer(typingctx, codes, r, at):
        if not (isinstance(codes, types.Array) and codes.ndim == 2
                and codes.dtype == types.uint8 and isinstance(r, types.Integer)
                and isinstance(at, types.Integer)):
            return None

        def codegen(context, builder, signature, args):
            cty = signature.args[0]
            table = context.make_array(cty)(context, builder, args[0])
            stride = cgutils.unpack_tuple(builder, table.strides, 2)[0]
            base = builder.bitcast(table.data, ir.IntType(8).as_pointer())
            r_v = context.cast(builder, args[1], signature.args[1], types.intp)
            at_v = context.cast(builder, args[2], signature.args[2], types.intp)
            return _row_scale(builder, fmt, base, r_v, stride, at_v)

        return types.float32(codes, r, at), codegen

    typer.__name__ = f"row_{fmt}_value"
    return intrinsic(typer)


#: ``row_float32(codes, r, at)``: the float32 at byte ``at`` of row ``r`` of a uint8 table
row_float32 = _make_row_value("int8")
#: ``row_half(codes, r, at)``: the float16 at byte ``at`` of row ``r``, as float32 (exact)
row_half = _make_row_value("int4")


def _code_bag_operands(context, builder, signature, args, code_bytes):
    """What both code-row bag sums read from their arguments ``(codes, scale_at, indices,
    weights, start, end, col, n, tail, out, row, divisor)``: the operands as
    ``intp`` / float32 values, the table's base and row stride, the output segment ``dst``,
    ``row_of(position)`` (the table row a bag position names), ``weight_of(position)``
    (its weight as float32) and ``segment(i)`` (where column ``col`` of row ``i`` starts:
    ``col * code_bytes / LANES`` bytes in, ``col`` being a multiple of ``LANES``)."""
    tys = signature.args
    sty = tys[3]
    o = SimpleNamespace()
    (_, o.index, o.weight_arr, target, o.start, o.end, col, o.n, o.tail,
     row) = bag_operands(context, builder, signature, args, 2)
    o.scale_at = context.cast(builder, args[1], tys[1], types.intp)
    o.divisor = context.cast(builder, args[11], tys[11], types.float32)
    o.intp = intp = context.get_value_type(types.intp)
    o.i32, o.i8p = ir.IntType(32), ir.IntType(8).as_pointer()
    table = context.make_array(tys[0])(context, builder, args[0])
    o.n_index = cgutils.unpack_tuple(builder, o.index.shape, 1)[0]
    o.row_stride = cgutils.unpack_tuple(builder, table.strides, 2)[0]
    o.base = builder.bitcast(table.data, o.i8p)
    o.last_index = builder.sub(o.n_index, ir.Constant(intp, 1))
    o.dst = builder.bitcast(cgutils.get_item_pointer(context, builder, tys[9], target,
                                                     [row, col], wraparound=False), o.i8p)
    o.prefetch = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [o.i8p, o.i32, o.i32, o.i32]),
        "llvm.prefetch.p0")
    col_bytes = builder.udiv(builder.mul(col, ir.Constant(intp, code_bytes)),
                             ir.Constant(intp, LANES))
    ity = tys[2]

    def row_of(position):
        ptr = cgutils.get_item_pointer(context, builder, ity, o.index, [position],
                                       wraparound=False)
        return context.cast(builder, builder.load(ptr), ity.dtype, types.intp)

    def segment(i):
        return builder.gep(o.base, [builder.add(builder.mul(i, o.row_stride), col_bytes)])

    def weight_of(position):
        ptr = cgutils.get_item_pointer(context, builder, sty, o.weight_arr, [position],
                                       wraparound=False)
        return context.cast(builder, builder.load(ptr), sty.dtype, types.float32)

    o.row_of, o.segment, o.weight_of = row_of, segment, weight_of
    return o


def _make_block_sum(fmt: str):
    code_bytes = _CODE_BYTES[fmt]
    element = ir.IntType(16) if fmt == "float16" else ir.IntType(8)
    raw_count = code_bytes // (2 if fmt == "float16" else 1)
    raw_ty = ir.VectorType(element, raw_count)
    code_dtype = types.uint16 if fmt == "float16" else types.uint8

    def typer(typingctx, codes, scale_at, indices, weights, start, end, col, n_vec, tail,
              out, row, divisor):
        if not (isinstance(codes, types.Array) and codes.ndim == 2 and codes.dtype == code_dtype
                and isinstance(out, types.Array) and out.dtype == types.float32):
            return None
        sig = types.void(codes, scale_at, indices, weights, start, end, col, n_vec, tail, out,
                         row, divisor)

        def codegen(context, builder, signature, args):
            o = _code_bag_operands(context, builder, signature, args, code_bytes)
            start_v, end_v, n_vec_v, tail_v = o.start, o.end, o.n, o.tail
            scale_at_v, divisor_v = o.scale_at, o.divisor
            intp, i32, base, row_stride = o.intp, o.i32, o.base, o.row_stride
            n_index, last_index, dst, row_of, segment = (o.n_index, o.last_index, o.dst,
                                                         o.row_of, o.segment)
            vty = ir.VectorType(ir.FloatType(), LANES)
            module = builder.module
            mty = ir.VectorType(ir.IntType(1), raw_count)
            suffix = f"v{raw_count}i{element.width}"
            fmuladd = cgutils.get_or_insert_function(
                module, ir.FunctionType(vty, [vty, vty, vty]), f"llvm.fmuladd.v{LANES}f32")
            masked_load = cgutils.get_or_insert_function(
                module, ir.FunctionType(raw_ty, [raw_ty.as_pointer(), i32, mty, raw_ty]),
                f"llvm.masked.load.{suffix}.p0")
            omty = ir.VectorType(ir.IntType(1), LANES)
            masked_store = cgutils.get_or_insert_function(
                module, ir.FunctionType(ir.VoidType(), [vty, vty.as_pointer(), i32, omty]),
                f"llvm.masked.store.v{LANES}f32.p0")
            prefetch = o.prefetch
            out_ids = ir.Constant(ir.VectorType(intp, LANES), list(range(LANES)))
            out_mask = builder.icmp_signed("<", out_ids,
                                           _splat(builder, tail_v, ir.VectorType(intp, LANES)))
            # the codes the tail needs: tail values (int4: ceil(tail / 2) bytes)
            raw_ids = ir.Constant(ir.VectorType(intp, raw_count), list(range(raw_count)))
            need = tail_v if fmt != "int4" else builder.udiv(
                builder.add(tail_v, ir.Constant(intp, 1)), ir.Constant(intp, 2))
            raw_mask = builder.icmp_signed("<", raw_ids,
                                           _splat(builder, need, ir.VectorType(intp, raw_count)))

            def raw_ptr(ptr, v):
                return builder.bitcast(builder.gep(ptr, [ir.Constant(intp, v * code_bytes)]),
                                       raw_ty.as_pointer())

            def emit_loop(n_vectors, full, exit_block):
                entry = builder.block
                header, p, acc, done = open_bag_loop(
                    builder, intp, vty, start_v, end_v, n_vectors,
                    f"codes_sum.{fmt}.{n_vectors}.{int(full)}")
                bias_sum = _open_bias_sum(builder, header, entry)
                i = row_of(p)
                src = segment(i)
                w = o.weight_of(p)
                if fmt != "float16":
                    bias_next = _add_bias(builder, fmt, bias_sum, w, base, i, row_stride,
                                          scale_at_v)
                    w = builder.fmul(w, _row_scale(builder, fmt, base, i, row_stride,
                                                   scale_at_v))
                wv = _splat(builder, w, vty)
                updated = []
                for v in range(n_vectors):
                    if v == n_vectors - 1 and not full:
                        raw = builder.call(masked_load, [raw_ptr(src, v), ir.Constant(i32, 1),
                                                         raw_mask, ir.Constant(raw_ty, None)])
                    else:
                        raw = builder.load(raw_ptr(src, v), align=1)
                    updated.append(builder.call(fmuladd, [wv, _decode(builder, fmt, raw),
                                                          acc[v]]))
                _prefetch_ahead(builder, intp, p, n_index, last_index,
                                lambda ahead: segment(row_of(ahead)),
                                n_vectors * code_bytes + _CACHE_LINE - 1, prefetch)
                close_bag_loop(builder, intp, p, acc, updated, header, n_index, last_index,
                               lambda ahead: base, 0, prefetch)
                bias_sum.add_incoming(bias_next if fmt != "float16" else bias_sum,
                                      builder.block)

                builder.position_at_end(done)
                # float16 rows have no bias: +0.0 is added as the code rows' bias sum is
                # (a sum of -0.0 is stored as +0.0 in every format)
                shift = _splat(builder, ir.Constant(ir.FloatType(), 0.0) if fmt == "float16"
                               else bias_sum, vty)
                div = _splat(builder, divisor_v, vty)
                for v in range(n_vectors):
                    value = builder.fdiv(builder.fadd(acc[v], shift), div)
                    ptr = builder.bitcast(builder.gep(dst, [ir.Constant(intp, v * 4 * LANES)]),
                                          vty.as_pointer())
                    if v == n_vectors - 1 and not full:
                        builder.call(masked_store, [value, ptr, ir.Constant(i32, 4), out_mask])
                    else:
                        builder.store(value, ptr, align=4)
                builder.branch(exit_block)

            emit_vector_switch(builder, intp, n_vec_v, tail_v, LANES, f"codes_sum.{fmt}",
                               emit_loop)
            return context.get_dummy_value()

        return sig, codegen

    typer.__name__ = f"{fmt}_block_sum"
    return intrinsic(typer)


int8_block_sum = _make_block_sum("int8")
int4_block_sum = _make_block_sum("int4")
float16_block_sum = _make_block_sum("float16")


#: int4 columns of a chunk: 16 little-endian 16-bit words of 4 nibbles, widened to the
#: 16 lanes of a 512-bit vector
NIBBLE_CHUNK = 64
#: chunks of :data:`NIBBLE_CHUNK` columns a pass sums in registers (4 accumulators each:
#: 24 of AVX-512's 32 registers, the rest for the table, the weight and the temporaries)
NIBBLE_CHUNKS = 6


def _interleave(builder, acc):
    """The 4 accumulators of a chunk (``acc[k]`` lane ``i`` = column ``4 i + k``) in column
    order: two rounds of lane interleaves (``vunpcklps`` / ``vpermt2ps``), once per bag."""
    i32 = ir.IntType(32)
    low = ir.Constant(ir.VectorType(i32, 16), [v for j in range(8) for v in (j, 16 + j)])
    high = ir.Constant(ir.VectorType(i32, 16), [v for j in range(8, 16) for v in (j, 16 + j)])
    for _ in range(2):
        acc = [half for p in range(2) for half in (
            builder.shuffle_vector(acc[p], acc[p + 2], low),
            builder.shuffle_vector(acc[p], acc[p + 2], high))]
    return acc


@intrinsic
def int4_nibble_sum(typingctx, codes, scale_at, indices, weights, start, end, col, n_chunks,
                    tail, out, row, divisor):
    """The int4 pass of :func:`codes_row_sum` on AVX-512, ``n_chunks`` (1 to
    :data:`NIBBLE_CHUNKS`) chunks of :data:`NIBBLE_CHUNK` columns from column ``col``, the
    last one ``tail`` columns wide.

    A chunk's 32 bytes are loaded as 16 little-endian 16-bit words widened to 32-bit
    lanes (``vpmovzxwd``), nibble ``k`` of word ``i`` being column ``4 i + k``;
    ``vpermps`` of a constant table ``0.0 .. 15.0`` by the words shifted right by
    ``4 k`` (it reads only an index's low 4 bits) gives the nibbles as float32, so a
    vector of 16 columns costs a shift, a permute and a multiply-add (no mask, no
    conversion, no per-lane shift; LLVM emits the permute as ``vpermd``: a row of 300
    columns is 20 multiply-adds, 20 permutes, 15 shifts and 5 widening loads).
    Accumulator ``k`` holds the columns ``4 i + k``; :func:`_interleave` puts them in
    order once per bag. The sums are the per-column ones of :func:`int4_block_sum`,
    operation for operation.
    """
    if not (LANES == 16 and isinstance(codes, types.Array) and codes.ndim == 2
            and codes.dtype == types.uint8 and isinstance(out, types.Array)
            and out.dtype == types.float32):
        return None
    sig = types.void(codes, scale_at, indices, weights, start, end, col, n_chunks, tail, out,
                     row, divisor)

    def codegen(context, builder, signature, args):
        o = _code_bag_operands(context, builder, signature, args, 8)  # 16 columns, 8 bytes
        start_v, end_v, n_chunks_v, tail_v = o.start, o.end, o.n, o.tail
        scale_at_v, divisor_v = o.scale_at, o.divisor
        intp, i32, base, row_stride = o.intp, o.i32, o.base, o.row_stride
        n_index, last_index, dst, row_of, segment = (o.n_index, o.last_index, o.dst, o.row_of,
                                                     o.segment)
        vty = ir.VectorType(ir.FloatType(), 16)
        wty = ir.VectorType(i32, 16)
        hty = ir.VectorType(ir.IntType(16), 16)
        mty = ir.VectorType(ir.IntType(1), 16)
        module = builder.module
        fmuladd = cgutils.get_or_insert_function(
            module, ir.FunctionType(vty, [vty, vty, vty]), "llvm.fmuladd.v16f32")
        permute = cgutils.get_or_insert_function(
            module, ir.FunctionType(vty, [vty, wty]), "llvm.x86.avx512.permvar.sf.512")
        masked_load = cgutils.get_or_insert_function(
            module, ir.FunctionType(hty, [hty.as_pointer(), i32, mty, hty]),
            "llvm.masked.load.v16i16.p0")
        masked_store = cgutils.get_or_insert_function(
            module, ir.FunctionType(ir.VoidType(), [vty, vty.as_pointer(), i32, mty]),
            "llvm.masked.store.v16f32.p0")
        prefetch = o.prefetch
        lane_ids = ir.Constant(ir.VectorType(intp, 16), list(range(16)))
        # the last chunk's words that hold codes: ceil(tail / 4) (a row's 4 bytes of scale
        # and bias follow its codes, so a word's byte past the codes is still the row's)
        words = builder.udiv(builder.add(tail_v, ir.Constant(intp, 3)), ir.Constant(intp, 4))
        word_mask = builder.icmp_signed("<", lane_ids,
                                        _splat(builder, words, ir.VectorType(intp, 16)))
        values = ir.Constant(vty, [float(q) for q in range(16)])
        shifts = [ir.Constant(wty, [4 * k] * 16) for k in range(4)]

        exit_block = builder.append_basic_block("nibble_sum.exit")
        default = builder.append_basic_block("nibble_sum.default")
        switch = builder.switch(n_chunks_v, default)
        for count in range(1, NIBBLE_CHUNKS + 1):
            case = builder.append_basic_block(f"nibble_sum.case.{count}")
            switch.add_case(ir.Constant(intp, count), case)
            builder.position_at_end(case)
            header, p, acc, done = open_bag_loop(builder, intp, vty, start_v, end_v,
                                                 4 * count, f"nibble_sum.{count}")
            bias_sum = _open_bias_sum(builder, header, case)
            i = row_of(p)
            src = segment(i)
            w = o.weight_of(p)
            bias_next = _add_bias(builder, "int4", bias_sum, w, base, i, row_stride,
                                  scale_at_v)
            s = _row_scale(builder, "int4", base, i, row_stride, scale_at_v)
            wv = _splat(builder, builder.fmul(w, s), vty)
            updated = []
            for c in range(count):
                ptr = builder.bitcast(builder.gep(src, [ir.Constant(intp, 32 * c)]),
                                      hty.as_pointer())
                if c == count - 1:
                    half = builder.call(masked_load, [ptr, ir.Constant(i32, 1), word_mask,
                                                      ir.Constant(hty, None)])
                else:
                    half = builder.load(ptr, align=1)
                word = builder.zext(half, wty)
                for k in range(4):
                    nibble = builder.lshr(word, shifts[k]) if k else word
                    decoded = builder.call(permute, [values, nibble])
                    updated.append(builder.call(fmuladd, [wv, decoded, acc[4 * c + k]]))
            # every line of the codes read (the last one may start past 32 * count bytes
            # from a row that does not start on a line)
            _prefetch_ahead(builder, intp, p, n_index, last_index,
                            lambda ahead: segment(row_of(ahead)), 32 * count + 63, prefetch)
            close_bag_loop(builder, intp, p, acc, updated, header, n_index, last_index,
                           lambda ahead: base, 0, prefetch)
            bias_sum.add_incoming(bias_next, builder.block)

            builder.position_at_end(done)
            shift = _splat(builder, bias_sum, vty)
            div = _splat(builder, divisor_v, vty)
            for c in range(count):
                ordered = _interleave(builder, acc[4 * c:4 * c + 4])
                for m, total in enumerate(ordered):
                    value = builder.fdiv(builder.fadd(total, shift), div)
                    ptr = builder.bitcast(builder.gep(dst, [ir.Constant(
                        intp, 4 * (NIBBLE_CHUNK * c + 16 * m))]), vty.as_pointer())
                    if c == count - 1:
                        mask = builder.icmp_signed("<", builder.add(lane_ids, ir.Constant(
                            ir.VectorType(intp, 16), [16 * m] * 16)), _splat(
                                builder, tail_v, ir.VectorType(intp, 16)))
                        builder.call(masked_store, [value, ptr, ir.Constant(i32, 4), mask])
                    else:
                        builder.store(value, ptr, align=4)
            builder.branch(exit_block)
        builder.position_at_end(default)  # out of range: nothing (the caller's bug)
        builder.branch(exit_block)
        builder.position_at_end(exit_block)
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def pair_offset(kind, codes):
    """The byte of a code row where its scale starts: the bias follows it (int8: two
    float32 after the codes; int4: two float16)."""
    return codes.shape[1] - (8 if kind == 0 else 4)


@njit(inline="always", **JIT_OPTIONS)
def row_scale_bias(kind, codes, r):
    """``(scale, bias)`` of code row ``r`` as float32, read from the row's bytes."""
    at = pair_offset(kind, codes)
    if kind == 0:
        return row_float32(codes, r, at), row_float32(codes, r, at + 4)
    return row_half(codes, r, at), row_half(codes, r, at + 2)


@njit(inline="always", **JIT_OPTIONS)
def codes_row_sum(kind, codes, scale_at, indices, weights, start, end, out, row, divisor):
    """``out[row] = (sum_p w_p * scale[i_p] * codes[i_p] + sum_p w_p * bias[i_p]) / divisor``.

    ``kind`` 0 (int8) or 1 (int4); a row's scale is read from its bytes at ``scale_at``
    (float32 for int8, float16 for int4, as :func:`row_scale_bias` reads it); passes
    of :data:`._simd.MAX_VECTORS` vectors of ``LANES`` columns over the bag, then one with
    the rest (int4 on AVX-512: passes of :data:`NIBBLE_CHUNKS` chunks of :func:`int4_nibble_sum`).
    """
    dim = out.shape[1]
    if kind == 1 and LANES == 16:
        col = 0
        while col < dim:
            n_chunks = min(NIBBLE_CHUNKS, (dim - col + NIBBLE_CHUNK - 1) // NIBBLE_CHUNK)
            tail = min(NIBBLE_CHUNK, dim - col - (n_chunks - 1) * NIBBLE_CHUNK)
            int4_nibble_sum(codes, scale_at, indices, weights, start, end, col, n_chunks,
                            tail, out, row, divisor)
            col += n_chunks * NIBBLE_CHUNK
        return
    n_vectors = (dim + LANES - 1) // LANES
    done = 0
    while done < n_vectors:
        n_vec, tail = vector_pass(dim, LANES, done)
        col = done * LANES
        if kind == 0:
            int8_block_sum(codes, scale_at, indices, weights, start, end, col, n_vec, tail,
                           out, row, divisor)
        elif kind == 1:
            int4_block_sum(codes, scale_at, indices, weights, start, end, col, n_vec, tail,
                           out, row, divisor)
        done += n_vec


@njit(inline="always", **JIT_OPTIONS)
def halves_row_sum(halves, indices, weights, start, end, out, row, divisor):
    """``out[row] = sum_p w_p * halves[i_p] / divisor`` (the float16 table's bits)."""
    dim = out.shape[1]
    n_vectors = (dim + LANES - 1) // LANES
    done = 0
    while done < n_vectors:
        n_vec, tail = vector_pass(dim, LANES, done)
        float16_block_sum(halves, 0, indices, weights, start, end, done * LANES, n_vec,
                          tail, out, row, divisor)
        done += n_vec


harden_caches(globals())
