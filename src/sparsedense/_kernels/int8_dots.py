"""The byte dot products of the int8 screen: a panel of codes times groups of query bytes.

The corpus of an int8 table is multiplied in panels of :data:`PANEL` rows: for
each group of four columns, the 32 rows' four codes side by side (one int32
each), so one vector instruction multiplies 16 rows by a query's four bytes
broadcast and a row's sum stays in one lane. :data:`GROUP` queries are
multiplied with a panel at once, their 2 x 12 accumulators in registers.

The sums are exact int32: 64 byte products an instruction where the CPU has
AVX-512 VNNI (``vpdpbusd``: unsigned codes times signed query bytes); with
AVX2, ``vpmaddubsw`` sums two such products into 16 bits and ``vpmaddwd``
two of those into 32, exact as long as the query bytes stay within
:data:`QUERY_CODE_MAX` (63: ``2 * 255 * 63`` fits 16 bits); elsewhere a
plain loop (``INT8_DOTS``). The panels are not kept beside the table:
:func:`build_panel` rearranges them from its rows a block at a time, as the
screen reaches them. :mod:`.int8_screen` screens with them;
:mod:`.int8_tiles` takes the same sums from AMX tiles.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._config import JIT_OPTIONS, harden_caches
from ._simd import SumLoop, _splat, align_frame, operands
from ._tuning import get as _tuned

#: corpus rows of a panel: two 16-lane int32 vectors
PANEL = 32
#: queries multiplied with a panel at once: 2 x 12 accumulators of the 32 registers
GROUP = 12
#: 2 where the CPU has vpdpbusd, 1 with AVX2's byte products, 0 a plain loop (compile
#: time: part of Numba's cache key, the CPU features)
_DOTS = _tuned("INT8_DOTS")
#: the largest query byte: AVX2's 16-bit sums of two products must not saturate
QUERY_CODE_MAX = 63 if _DOTS == 1 else 127
#: at most this many queries multiply a panel's rows as they are stored (row_dots1)
#: rather than a panel built from them (VNNI only): a panel's transposes cost about as
#: much as six to eight queries' products from the rows, whether the rows come from the
#: caches or from memory (docs/howto/benchmarks.rst)
ROW_DOTS_QUERIES = 6 if _DOTS == 2 else 0
#: a query's rows still in reach after a panel's row tests, up to this many, are refined
#: from their own products with its second bytes (:func:`row_dot`, VNNI only) rather than
#: from the whole panel's (:func:`panel_dots1`: 150 ``vpdpbusd`` on two dependent sums)
ROW_REFINE_MAX = 4 if _DOTS == 2 else 0


def _dots_operands_typed(panels, qcodes, out) -> bool:
    """The operand types every panel-dots intrinsic takes (int32 panels, words, sums)."""
    return (isinstance(panels, types.Array) and isinstance(qcodes, types.Array)
            and isinstance(out, types.Array) and panels.dtype == types.int32
            and panels.ndim == 3 and qcodes.dtype == types.int32 and out.dtype == types.int32)


def _dots_operands(context, builder, signature, args):
    """``(panels, qcodes, out, p, q0, n_groups)`` of a panel-dots intrinsic's call, the
    arrays as Numba array structs and the indices as intp (:func:`._simd.operands`)."""
    P, p_v, Qa, q0v, O = operands(context, builder, signature, args)
    return P, Qa, O, p_v, q0v, cgutils.unpack_tuple(builder, P.shape, 3)[1]


#: what each panel-dots intrinsic does
_DOTS_DOC = """``out[j, :] = panels[p] . qcodes[q0 + j]`` for ``j < n_queries``: int32 dot products.

``panels`` is a C-contiguous int32 ``(n_panels, groups, PANEL)`` array (four
unsigned codes per int32; indexed there, as a slice would touch the array's
reference count, shared by the threads), ``qcodes`` a C-contiguous int32
``(n, groups)`` array (four signed query bytes per int32, rows ``q0 .. q0 +
n_queries - 1`` present), ``out`` a C-contiguous int32 ``(n_queries, PANEL)`` array.
"""


def _panel_dots_intrinsic(emit):
    """An intrinsic ``dots(panels, p, qcodes, q0, out)`` (:data:`_DOTS_DOC`) whose code
    ``emit`` writes from the call's operands (:func:`_dots_operands`)."""

    @intrinsic
    def dots(typingctx, panels, p, qcodes, q0, out):
        if not _dots_operands_typed(panels, qcodes, out):
            return None

        def codegen(context, builder, signature, args):
            emit(context, builder, *_dots_operands(context, builder, signature, args))
            return context.get_dummy_value()

        return types.void(panels, p, qcodes, q0, out), codegen

    dots.__doc__ = _DOTS_DOC
    return dots


def _dots_intrinsic(n_queries: int):
    """The VNNI dots intrinsic for ``n_queries`` queries (:data:`GROUP`, or 1): one loop
    over the groups of four columns, its sums in vector registers."""

    def emit(context, builder, P, Qa, O, p_v, q0v, n_groups):
        intp = context.get_value_type(types.intp)
        i32 = ir.IntType(32)
        v16 = ir.VectorType(i32, 16)
        dot = cgutils.get_or_insert_function(builder.module, ir.FunctionType(v16, [v16] * 3),
                                             "llvm.x86.avx512.vpdpbusd.512")
        panel_ptr = builder.gep(builder.bitcast(P.data, v16.as_pointer()),
                                [builder.mul(p_v, builder.mul(n_groups, ir.Constant(intp, 2)))])
        q_ptr = builder.bitcast(Qa.data, i32.as_pointer())
        lp = SumLoop(builder, intp, n_groups, 2 * n_queries, v16, "vnni")
        two_g = builder.mul(lp.i, ir.Constant(intp, 2))
        lo = builder.load(builder.gep(panel_ptr, [two_g]), align=4)
        hi = builder.load(builder.gep(panel_ptr, [builder.add(two_g, ir.Constant(intp, 1))]),
                          align=4)
        updated = []
        for j in range(n_queries):
            row = builder.add(q0v, ir.Constant(intp, j))
            at = builder.add(builder.mul(row, n_groups), lp.i)
            word = builder.load(builder.gep(q_ptr, [at]), align=4)
            splat = _splat(builder, word, v16)
            updated.append(builder.call(dot, [lp.acc[2 * j], lo, splat]))
            updated.append(builder.call(dot, [lp.acc[2 * j + 1], hi, splat]))
        sums = lp.close(updated)
        out_ptr = builder.bitcast(O.data, v16.as_pointer())
        for v in range(2 * n_queries):
            builder.store(sums[v], builder.gep(out_ptr, [ir.Constant(intp, v)]), align=4)

    return _panel_dots_intrinsic(emit)


#: the dot products of a panel with GROUP queries, and with one (VNNI)
_vnni_dots = _dots_intrinsic(GROUP)
_vnni_dots1 = _dots_intrinsic(1)

#: queries whose sums AVX2 keeps in registers at once: 4 vectors of 8 lanes each (a
#: panel's 32 rows), beside the panel's 4 vectors, the broadcast query word and the ones
_AVX2_QUERIES = 2


def _avx2_dots_intrinsic(n_queries: int):
    """:func:`_dots_intrinsic`'s products with AVX2, for ``n_queries`` queries: per group
    of four columns, ``vpmaddubsw`` (codes times query bytes, pairs summed in 16 bits)
    then ``vpmaddwd`` by ones (the two pairs summed in 32 bits), added to int32 sums.
    The queries are taken :data:`_AVX2_QUERIES` at a time (the registers of AVX2), each
    block one loop over the groups; query bytes must lie within :data:`QUERY_CODE_MAX`."""

    def emit(context, builder, P, Qa, O, p_v, q0v, n_groups):
        intp = context.get_value_type(types.intp)
        i32 = ir.IntType(32)
        v8 = ir.VectorType(i32, 8)
        b32 = ir.VectorType(ir.IntType(8), 32)
        w16 = ir.VectorType(ir.IntType(16), 16)
        maddubs = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(w16, [b32, b32]), "llvm.x86.avx2.pmadd.ub.sw")
        maddwd = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(v8, [w16, w16]), "llvm.x86.avx2.pmadd.wd")
        ones = ir.Constant(w16, [1] * 16)
        vectors = PANEL // 8  # of a panel's group: 32 rows' four codes
        panel_ptr = builder.gep(builder.bitcast(P.data, v8.as_pointer()),
                                [builder.mul(p_v, builder.mul(n_groups,
                                                              ir.Constant(intp, vectors)))])
        q_ptr = builder.bitcast(Qa.data, i32.as_pointer())
        out_ptr = builder.bitcast(O.data, v8.as_pointer())
        for j0 in range(0, n_queries, _AVX2_QUERIES):
            block = range(j0, min(n_queries, j0 + _AVX2_QUERIES))
            lp = SumLoop(builder, intp, n_groups, vectors * len(block), v8, f"avx2.{j0}")
            at_g = builder.mul(lp.i, ir.Constant(intp, vectors))
            codes = [builder.bitcast(builder.load(builder.gep(
                panel_ptr, [builder.add(at_g, ir.Constant(intp, v))]), align=4), b32)
                for v in range(vectors)]
            updated = []
            for i, j in enumerate(block):
                row = builder.add(q0v, ir.Constant(intp, j))
                word = builder.load(builder.gep(q_ptr, [builder.add(
                    builder.mul(row, n_groups), lp.i)]), align=4)
                splat = builder.bitcast(_splat(builder, word, v8), b32)
                for v in range(vectors):
                    pairs = builder.call(maddubs, [codes[v], splat])
                    updated.append(builder.add(lp.acc[i * vectors + v],
                                               builder.call(maddwd, [pairs, ones])))
            sums = lp.close(updated)
            for i, j in enumerate(block):
                for v in range(vectors):
                    builder.store(sums[i * vectors + v], builder.gep(
                        out_ptr, [ir.Constant(intp, j * vectors + v)]), align=4)

    return _panel_dots_intrinsic(emit)


#: the same products with AVX2 (query bytes within QUERY_CODE_MAX)
_avx2_dots = _avx2_dots_intrinsic(GROUP)
_avx2_dots1 = _avx2_dots_intrinsic(1)


@njit(inline="always", **JIT_OPTIONS)
def _plain_dots(panels, p, qcodes, q0, out):
    """:func:`_vnni_dots` in plain code (CPUs without vpdpbusd): the same int32 sums."""
    for j in range(out.shape[0]):
        for lane in range(PANEL):
            out[j, lane] = 0
    for g in range(panels.shape[1]):
        for j in range(out.shape[0]):
            word = qcodes[q0 + j, g]
            for t in range(4):
                x = np.int32(np.int8((word >> (8 * t)) & 255))
                for lane in range(PANEL):
                    out[j, lane] += ((panels[p, g, lane] >> (8 * t)) & 255) * x


def _transpose_masks() -> list[tuple[int, list[int], list[int]]]:
    """The shuffles of a 16 x 16 transpose in four steps: at step ``b`` (8, 4, 2, 1) rows
    ``i`` and ``i | b`` swap the ``b``-wide blocks off their diagonal (each new row is one
    two-input shuffle of the pair: ``vpermt2d`` or cheaper)."""
    steps = []
    for b in (8, 4, 2, 1):
        low = [16 + (c ^ b) if c & b else c for c in range(16)]
        high = [16 + c if c & b else c ^ b for c in range(16)]
        steps.append((b, low, high))
    return steps


def _transposed(builder, vectors: list, vty) -> list:
    """16 vectors of 16 lanes transposed (:func:`_transpose_masks`)."""
    for step, low, high in _transpose_masks():
        out = list(vectors)
        for i in range(16):
            if not i & step:
                j = i | step
                out[i] = builder.shuffle_vector(vectors[i], vectors[j], ir.Constant(vty, low))
                out[j] = builder.shuffle_vector(vectors[i], vectors[j], ir.Constant(vty, high))
        vectors = out
    return vectors


@intrinsic
def _transpose16(typingctx, codes, r0, rows, c0, nbytes, panels, b, half):
    """Rows ``r0 .. r0 + rows - 1`` (at most 16; zeros for the rest) of the codes' bytes
    ``c0 .. c0 + nbytes - 1`` (at most 64; zeros past them), as int32 words of four, into
    lanes ``16 half .. 16 half + 15`` of groups ``c0 / 4 ..`` of ``panels[b]``: each row's
    16 words loaded as one vector, the 16 x 16 words transposed in registers
    (:func:`_transpose_masks`), a group's 16 lanes stored as one. Loads under a byte
    mask only at the table's end (AVX2 has none for bytes: LLVM splits them)."""
    if not (isinstance(codes, types.Array) and codes.dtype == types.uint8 and codes.ndim == 2
            and isinstance(panels, types.Array) and panels.dtype == types.int32
            and panels.ndim == 3):
        return None
    sig = types.void(codes, r0, rows, c0, nbytes, panels, b, half)

    def codegen(context, builder, signature, args):
        C, r0_v, rows_v, c0_v, nbytes_v, P, b_v, half_v = operands(context, builder,
                                                                   signature, args)
        intp = context.get_value_type(types.intp)
        i8, i32 = ir.IntType(8), ir.IntType(32)
        v64 = ir.VectorType(i8, 64)
        v16 = ir.VectorType(i32, 16)
        m64 = ir.VectorType(ir.IntType(1), 64)
        load = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(v64, [v64.as_pointer(), i32, m64, v64]),
            "llvm.masked.load.v64i8.p0")
        stride = cgutils.unpack_tuple(builder, C.strides, 2)[0]
        base = builder.gep(builder.bitcast(C.data, i8.as_pointer()),
                           [builder.add(builder.mul(r0_v, stride), c0_v)])
        ptrs = [builder.bitcast(builder.gep(base, [builder.mul(ir.Constant(intp, i), stride)]),
                                v64.as_pointer()) for i in range(16)]
        byte_ok = builder.icmp_signed("<", ir.Constant(v64, list(range(64))),
                                      _splat(builder, builder.trunc(nbytes_v, i8), v64))
        # 16 rows whose 64 bytes from c0 lie inside the table (past a row's codes come its
        # scale, bias and the next row): plain loads, the bytes past nbytes zeroed
        n_rows = cgutils.unpack_tuple(builder, C.shape, 2)[0]
        inside = builder.icmp_signed("<=", builder.add(builder.mul(builder.add(
            r0_v, ir.Constant(intp, 15)), stride), builder.add(c0_v, ir.Constant(intp, 64))),
            builder.mul(n_rows, stride))
        whole = builder.and_(inside, builder.icmp_signed("==", rows_v, ir.Constant(intp, 16)))
        zero = ir.Constant(v64, None)
        with builder.if_else(whole) as (then, otherwise):
            with then:
                plain = [builder.bitcast(builder.select(byte_ok, builder.load(ptr, align=1),
                                                        zero), v16) for ptr in ptrs]
                plain_end = builder.block
            with otherwise:  # the table's last rows, or past them: masked loads, zeros
                masked = []
                for i in range(16):
                    mask = builder.and_(byte_ok, _splat(builder, builder.icmp_signed(
                        "<", ir.Constant(intp, i), rows_v), m64))
                    masked.append(builder.bitcast(builder.call(
                        load, [ptrs[i], ir.Constant(i32, 1), mask, ir.Constant(v64, None)]), v16))
                masked_end = builder.block
        rows_in = []
        for i in range(16):
            phi = builder.phi(v16)
            phi.add_incoming(plain[i], plain_end)
            phi.add_incoming(masked[i], masked_end)
            rows_in.append(phi)
        rows_in = _transposed(builder, rows_in, v16)
        groups = cgutils.unpack_tuple(builder, P.shape, 3)[1]
        g0 = builder.udiv(c0_v, ir.Constant(intp, 4))
        n_words = builder.udiv(builder.add(nbytes_v, ir.Constant(intp, 3)), ir.Constant(intp, 4))
        dst = builder.bitcast(P.data, v16.as_pointer())
        first = builder.add(builder.mul(builder.add(builder.mul(b_v, groups), g0),
                                        ir.Constant(intp, 2)), half_v)
        for j in range(16):
            with builder.if_then(builder.icmp_signed("<", ir.Constant(intp, j), n_words)):
                builder.store(rows_in[j], builder.gep(
                    dst, [builder.add(first, ir.Constant(intp, 2 * j))]), align=4)
        return context.get_dummy_value()

    return sig, codegen


@njit(**JIT_OPTIONS)
def build_panel(codes, dim, p, panels, b):
    """``panels[b] =`` panel ``p`` of an int8 table's codes (``codes[:, :dim]``, uint8
    rows): for each group of four columns, each of the panel's rows' four codes as one
    little-endian int32; zeros past the last row, past column ``dim`` and in the
    groups beyond (``panels`` may pad them to whole tiles). 16 rows by 16 words at a
    time (:func:`_transpose16`)."""
    align_frame()
    n = codes.shape[0]
    for half in range(PANEL // 16):
        r0 = p * PANEL + 16 * half
        rows = max(0, min(16, n - r0))
        for c0 in range(0, dim, 64):
            _transpose16(codes, r0, rows, c0, min(64, dim - c0), panels, b, half)
    for g in range(-(-dim // 4), panels.shape[1]):
        for lane in range(PANEL):
            panels[b, g, lane] = 0


@intrinsic
def _vnni_row_dot(typingctx, codes, r, dim, qcodes, q):
    """``codes[r, :dim] . qcodes[q]`` (unsigned codes times the query's signed bytes) as
    an int32: 64 columns a ``vpdpbusd``, the row's and the query's last bytes loaded
    under a mask (nothing read past either), the 16 lanes added at the end."""
    if not (isinstance(codes, types.Array) and codes.dtype == types.uint8 and codes.ndim == 2
            and isinstance(qcodes, types.Array) and qcodes.dtype == types.int32
            and qcodes.ndim == 2):
        return None
    sig = types.int32(codes, r, dim, qcodes, q)

    def codegen(context, builder, signature, args):
        C, r_v, dim_v, Qa, q_v = operands(context, builder, signature, args)
        intp = context.get_value_type(types.intp)
        i8, i32 = ir.IntType(8), ir.IntType(32)
        v64, v16 = ir.VectorType(i8, 64), ir.VectorType(i32, 16)
        m64 = ir.VectorType(ir.IntType(1), 64)
        load = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(v64, [v64.as_pointer(), i32, m64, v64]),
            "llvm.masked.load.v64i8.p0")
        dot = cgutils.get_or_insert_function(builder.module, ir.FunctionType(v16, [v16] * 3),
                                             "llvm.x86.avx512.vpdpbusd.512")
        total = cgutils.get_or_insert_function(builder.module, ir.FunctionType(i32, [v16]),
                                               "llvm.vector.reduce.add.v16i32")
        row = builder.gep(builder.bitcast(C.data, i8.as_pointer()),
                          [builder.mul(r_v, cgutils.unpack_tuple(builder, C.strides, 2)[0])])
        query = builder.gep(builder.bitcast(Qa.data, i8.as_pointer()),
                            [builder.mul(q_v, cgutils.unpack_tuple(builder, Qa.strides, 2)[0])])
        lp = SumLoop(builder, intp, dim_v, 1, v16, "row_dot", step=64)
        left = builder.sub(dim_v, lp.i)
        left = builder.trunc(builder.select(builder.icmp_signed(">", left, ir.Constant(intp, 64)),
                                            ir.Constant(intp, 64), left), i8)
        mask = builder.icmp_signed("<", ir.Constant(v64, list(range(64))),
                                   _splat(builder, left, v64))
        pair = [builder.bitcast(builder.call(load, [builder.bitcast(builder.gep(
            base, [lp.i]), v64.as_pointer()), ir.Constant(i32, 1), mask, ir.Constant(v64, None)]),
            v16) for base in (row, query)]
        acc = lp.close([builder.call(dot, [lp.acc[0], pair[0], pair[1]])])[0]
        return builder.call(total, [acc])

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def _plain_row_dot(codes, r, dim, qcodes, q):
    """:func:`_vnni_row_dot` in plain code: the same int32 sum (CPUs without VNNI compile
    it; the screen takes the rows' products only with VNNI)."""
    s = np.int32(0)
    for c in range(dim):
        word = qcodes[q, c // 4]
        s += np.int32(codes[r, c]) * np.int32(np.int8((word >> (8 * (c % 4))) & 255))
    return s


@njit(inline="always", **JIT_OPTIONS)
def row_dot(codes, dim, r, qcodes, q):
    """``codes[r, :dim] . qcodes[q]``, the int32 sum of one row as it is stored (VNNI,
    :func:`_vnni_row_dot`; elsewhere the plain loop)."""
    if _DOTS == 2:  # (compile time: no VNNI instruction in other CPUs' code)
        return _vnni_row_dot(codes, r, dim, qcodes, q)
    return _plain_row_dot(codes, r, dim, qcodes, q)


@njit(inline="always", **JIT_OPTIONS)
def row_dots1(codes, dim, p, qcodes, q, out, j):
    """``out[j, lane] = codes[32 p + lane, :dim] . qcodes[q]`` for the panel's rows (0 past
    the last): the products of one query and the rows as they are stored, no panel
    built (VNNI, :func:`_vnni_row_dot`: where a panel would be multiplied by one query
    group only, its transposes cost more than these products)."""
    n = codes.shape[0]
    for lane in range(PANEL):
        r = p * PANEL + lane
        s = np.int32(0)
        if r < n:
            s = row_dot(codes, dim, r, qcodes, q)
        out[j, lane] = s


@njit(inline="always", **JIT_OPTIONS)
def panel_dots(panels, p, qcodes, q0, out):
    """The int32 dot products of panel ``p`` with :data:`GROUP` queries (VNNI or AVX2
    where the CPU has them)."""
    if _DOTS == 2:
        _vnni_dots(panels, p, qcodes, q0, out)
    elif _DOTS == 1:
        _avx2_dots(panels, p, qcodes, q0, out)
    else:
        _plain_dots(panels, p, qcodes, q0, out)


@njit(inline="always", **JIT_OPTIONS)
def panel_dots1(panels, p, qcodes, q, out):
    """The int32 dot products of panel ``p`` with query ``q`` (``out`` of one row)."""
    if _DOTS == 2:
        _vnni_dots1(panels, p, qcodes, q, out)
    elif _DOTS == 1:
        _avx2_dots1(panels, p, qcodes, q, out)
    else:
        _plain_dots(panels, p, qcodes, q, out)


harden_caches(globals())
