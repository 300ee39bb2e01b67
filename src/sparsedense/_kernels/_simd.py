"""Weighted sums of table-row segments with the accumulators held in vector registers.

A bag's sum ``sum_p w_p * weight[i_p]`` written as a Numba loop keeps the
partial sums in the output row: every table row costs a load and a store of
the output besides its own load, and LLVM cannot keep the output in registers
because it may alias the table. :func:`block_sum` is an LLVM intrinsic that
does what fbgemm's generated embedding kernels do: a segment of up to
:data:`MAX_VECTORS` vectors of the row (13 x 8 float32, 104 columns) is summed
over the whole bag in that many vector registers and stored once; a row of
300 columns takes three passes over the bag's positions. During each pass
the same segment of the row :data:`PREFETCH_DISTANCE` positions ahead is
prefetched (``llvm.prefetch``), so the next rows' cache misses are in flight
while this one is added. The last vector of the row is loaded and stored
under a mask (``llvm.masked.load``/``store``): any width works, and nothing
outside the row is read or written.

Each output element is ``fmuladd`` applied position after position in the
bag's order (fused where the CPU has FMA), the same chain of operations as
torch's CPU kernel; it does not depend on the threads.

Only the segment a pass sums is prefetched, not the whole row at once: a
row's later segments would be evicted before their pass reads them. The
figures behind these choices are in docs/howto/benchmarks.rst ("Kernel
design notes").
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._config import JIT_OPTIONS, harden_caches

from ._tuning import get as _tuned

#: vector registers summed at once: the tuned ``SUM_VECTORS`` (all the registers the ISA
#: has but the weight, the mask and a spare: 13 of AVX2's 16, 29 of AVX-512's 32)
MAX_VECTORS = _tuned("SUM_VECTORS")
#: positions between a row and the row whose segment is prefetched
PREFETCH_DISTANCE = 8
#: bytes of a register (the accumulators are 256-bit vectors, the width every AVX2 and
#: AVX-512 CPU runs at full speed)
VECTOR_BYTES = 32
_CACHE_LINE = _tuned("CACHE_LINE")


def _splat(builder, value, vty):
    i32 = ir.IntType(32)
    v = builder.insert_element(ir.Constant(vty, None), value, ir.Constant(i32, 0))
    return builder.shuffle_vector(v, ir.Constant(vty, None),
                                  ir.Constant(ir.VectorType(i32, vty.count), [0] * vty.count))


def open_bag_loop(builder, intp, vty, start_v, end_v, n_vectors: int, tag: str):
    """From the current block, the head of a loop over positions ``[start, end)`` with
    ``n_vectors`` accumulators starting at zero; the builder is left in the loop's body.

    Returns ``(header, p, acc, done)``: the header block, the position's and the
    accumulators' phis (their back edges are the caller's), and the exit block."""
    entry = builder.block
    header = builder.append_basic_block(f"{tag}.header")
    body = builder.append_basic_block(f"{tag}.body")
    done = builder.append_basic_block(f"{tag}.done")
    builder.branch(header)
    builder.position_at_end(header)
    p = builder.phi(intp)
    p.add_incoming(start_v, entry)
    acc = []
    for _ in range(n_vectors):
        a = builder.phi(vty)
        a.add_incoming(ir.Constant(vty, None), entry)
        acc.append(a)
    builder.cbranch(builder.icmp_signed("<", p, end_v), body, done)
    builder.position_at_end(body)
    return header, p, acc, done


def close_bag_loop(builder, intp, p, acc, updated, header, n_index, last_index, row_at,
                   row_bytes: int, prefetch) -> None:
    """The end of a loop body opened by :func:`open_bag_loop`: prefetch the ``row_bytes``
    the loop reads of the row ``PREFETCH_DISTANCE`` positions ahead (``row_at(position)``
    is its first byte; the last position stands in past the end), then the back edges."""
    i32 = ir.IntType(32)
    ahead = builder.add(p, ir.Constant(intp, PREFETCH_DISTANCE))
    ahead = builder.select(builder.icmp_signed("<", ahead, n_index), ahead, last_index)
    next_src = row_at(ahead)
    for line in range((row_bytes + _CACHE_LINE - 1) // _CACHE_LINE):
        line_ptr = builder.gep(next_src, [ir.Constant(intp, line * _CACHE_LINE)])
        builder.call(prefetch, [line_ptr, ir.Constant(i32, 0), ir.Constant(i32, 3),
                                ir.Constant(i32, 1)])
    latch = builder.block
    p.add_incoming(builder.add(p, ir.Constant(intp, 1)), latch)
    for a, u in zip(acc, updated):
        a.add_incoming(u, latch)
    builder.branch(header)


def emit_vector_switch(builder, intp, n_vec_v, tail_v, lanes: int, tag: str, emit_loop) -> None:
    """One loop per vector count, picked by a ``switch`` (LLVM must know the count to keep
    the sums in registers): key 0 is a full pass (``MAX_VECTORS`` vectors, no tail, no
    mask), key ``n`` a pass of ``n`` vectors whose last one is masked.
    ``emit_loop(n_vectors, full, exit_block)`` emits a loop from the current block."""
    full_pass = builder.and_(
        builder.icmp_signed("==", n_vec_v, ir.Constant(intp, MAX_VECTORS)),
        builder.icmp_signed("==", tail_v, ir.Constant(intp, lanes)))
    key = builder.select(full_pass, ir.Constant(intp, 0), n_vec_v)
    exit_block = builder.append_basic_block(f"{tag}.exit")
    default = builder.append_basic_block(f"{tag}.default")
    switch = builder.switch(key, default)
    for n_vectors in range(MAX_VECTORS + 1):
        case = builder.append_basic_block(f"{tag}.case.{n_vectors}")
        switch.add_case(ir.Constant(intp, n_vectors), case)
        builder.position_at_end(case)
        emit_loop(n_vectors or MAX_VECTORS, n_vectors == 0, exit_block)
    builder.position_at_end(default)  # out of range: nothing (the caller's bug)
    builder.branch(exit_block)
    builder.position_at_end(exit_block)


@njit(inline="always", **JIT_OPTIONS)
def vector_pass(dim, lanes, done):
    """``(n_vec, tail)`` of the pass over a row's vectors that starts at vector ``done``:
    at most ``MAX_VECTORS`` vectors, the last one ``tail`` columns wide."""
    n_vectors = (dim + lanes - 1) // lanes
    n_vec = min(MAX_VECTORS, n_vectors - done)
    tail = dim - (n_vectors - 1) * lanes if done + n_vec == n_vectors else lanes
    return n_vec, tail


@intrinsic
def align_frame(typingctx):
    """Align the stack frame of the function this is lowered into to a cache line.

    LLVM gives the spill slots of a large kernel only the ABI's 16-byte alignment and
    moves 512-bit registers to them unaligned, so where the caller's stack pointer
    lies (the process's environment moves it) decides whether each spill splits
    across two cache lines, for the whole life of a process (docs/howto/benchmarks.rst,
    thirteenth run). ``alignstack`` makes the prologue align the frame; nothing is
    emitted where it is called. (A parallel kernel's loop body is a function of its
    own: call it there.)
    """
    def codegen(context, builder, signature, args):
        attrs = builder.function.attributes
        attrs.alignstack = _CACHE_LINE
        if not attrs:  # (an attribute set with no names is not printed, alignstack with it)
            attrs.add("uwtable")
        return context.get_dummy_value()
    return types.none(), codegen


@intrinsic
def half_to_float(typingctx, bits):
    """The float32 value of IEEE half-precision ``bits`` (uint16), exactly.

    Numba has no float16 type; ``fpext half`` is what a loop over a float16
    table's bits needs to vectorise (``vcvtph2ps`` with F16C).
    """
    if bits != types.uint16:
        return None

    def codegen(context, builder, signature, args):
        return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())

    return types.float32(types.uint16), codegen


@intrinsic
def float32_step(typingctx, x, up):
    """The float32 next to ``x`` towards +inf (``up`` True) or -inf, for an ``x`` that
    has one there (not NaN, not already that infinity): ``np.nextafter`` without its
    libm call, by one step of the bits (from a zero, the smallest subnormal)."""
    if x != types.float32 or up != types.boolean:
        return None

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        bits = builder.bitcast(args[0], i32)
        magnitude = builder.and_(bits, ir.Constant(i32, 0x7FFFFFFF))
        negative = builder.icmp_signed("<", bits, ir.Constant(i32, 0))
        # sign and magnitude: the magnitude one up (away from zero) when the sign agrees
        # with the direction, else one down
        away = builder.xor(negative, args[1])
        stepped = builder.add(bits, builder.select(away, ir.Constant(i32, 1),
                                                   ir.Constant(i32, -1)))
        tiniest = builder.select(args[1], ir.Constant(i32, 1), ir.Constant(i32, -0x7FFFFFFF))
        zero = builder.icmp_signed("==", magnitude, ir.Constant(i32, 0))
        return builder.bitcast(builder.select(zero, tiniest, stepped), ir.FloatType())

    return types.float32(x, up), codegen


@intrinsic
def fmuladd(typingctx, a, b, c):
    """``a * b + c`` as ``llvm.fmuladd``: fused exactly where :func:`block_sum`'s vectors are.

    For loops that must give :func:`block_sum`'s results bit for bit (a
    table with strided rows); plain ``a * b + c`` is fused or not depending
    on the fastmath flags of the function it is inlined into.
    """
    if not (isinstance(a, types.Float) and a == b == c):
        return None

    def codegen(context, builder, signature, args):
        fty = context.get_value_type(signature.args[0])
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(fty, [fty] * 3),
                                            f"llvm.fmuladd.f{context.get_abi_sizeof(fty) * 8}")
        return builder.call(fn, list(args))

    return a(a, b, c), codegen


class SumLoop:
    """``for i in range(0, n, step)`` carrying sums that start at zero, in LLVM IR.

    Building one leaves the builder in the loop's body with the counter ``i`` and
    the sums ``acc`` (phis); the body computes the updated sums and :meth:`close`
    returns their values after the loop (zeros when ``n <= 0``), the builder
    placed after it. ``unroll=False`` asks LLVM not to unroll the loop: a loop
    whose sums fill the vector registers spills them to the stack when unrolled.
    """

    _ids = iter(range(1 << 62))  # each loop's metadata id is its own

    def __init__(self, builder, intp, n, n_sums: int, vty, tag: str, step: int = 1):
        self.builder, self.n, self.step = builder, n, ir.Constant(intp, step)
        self.zero = ir.Constant(vty, None)
        self.entry = builder.block
        self.loop = builder.append_basic_block(f"{tag}.loop")
        self.done = builder.append_basic_block(f"{tag}.done")
        start = ir.Constant(intp, 0)
        builder.cbranch(builder.icmp_signed(">", n, start), self.loop, self.done)
        builder.position_at_end(self.loop)
        self.i = builder.phi(intp)  # (a block's phis come first)
        self.i.add_incoming(start, self.entry)
        self.acc = [builder.phi(vty) for _ in range(n_sums)]
        for a in self.acc:
            a.add_incoming(self.zero, self.entry)

    def close(self, updated, unroll: bool = True) -> list:
        builder = self.builder
        latch = builder.block
        i_next = builder.add(self.i, self.step)
        self.i.add_incoming(i_next, latch)
        for a, u in zip(self.acc, updated):
            a.add_incoming(u, latch)
        back = builder.cbranch(builder.icmp_signed("<", i_next, self.n), self.loop, self.done)
        if not unroll:
            module = builder.module
            off = module.add_metadata([ir.MetaDataString(module, "llvm.loop.unroll.disable")])
            loop_id = module.add_metadata([ir.MetaDataString(
                module, f"sparsedense.loop.{next(SumLoop._ids)}")])
            loop_id.operands = (loop_id, off)  # a loop's id refers to itself
            back.set_metadata("llvm.loop", loop_id)
        builder.position_at_end(self.done)
        sums = []
        for u in updated:
            sums.append(builder.phi(u.type))
            sums[-1].add_incoming(self.zero, self.entry)
            sums[-1].add_incoming(u, latch)
        return sums


def _lane_chains(builder, intp, m_v, n_chains: int, products, tag: str) -> list:
    """Emit ``for j in range(0, m, 8)`` adding ``products(j)`` (one ``<8 x double>`` per
    chain) to ``n_chains`` accumulators that start at zero; the builder is left after
    the loop. Returns the accumulators' final values (zeros when ``m <= 0``)."""
    lp = SumLoop(builder, intp, m_v, n_chains, ir.VectorType(ir.DoubleType(), 8), tag, step=8)
    return lp.close([builder.fadd(acc, product) for acc, product in zip(lp.acc, products(lp.i))])


def _load8(builder, ptr, elem_type, widen: bool):
    """Eight values from ``ptr`` (unaligned), widened to float64 when they are float32."""
    vec = builder.load(builder.bitcast(ptr, ir.VectorType(elem_type, 8).as_pointer()), align=4)
    return builder.fpext(vec, ir.VectorType(ir.DoubleType(), 8)) if widen else vec


def _lanes_tuple(context, builder, signature, results):
    i32 = ir.IntType(32)
    lanes = [builder.extract_element(result, ir.Constant(i32, t))
             for result in results for t in range(8)]
    return context.make_tuple(builder, signature.return_type, lanes)


@intrinsic
def dot_lanes8(typingctx, a, b, m):
    """The eight float64 lane sums of ``a[:m] . b[:m]`` (``m`` a multiple of 8): lane ``l``
    adds the products of columns ``l, l + 8, ...`` in that order.

    One ``<8 x double>`` accumulator: each lane is the same chain of float64
    additions as a scalar loop would make (products of float32 or float64 values,
    exact in float64 for float32 ones), eight columns an instruction. ``a`` and
    ``b`` need unit stride (the caller checks).
    """
    ok = all(isinstance(x, types.Array) and x.ndim == 1 and x.dtype in (types.float32,
             types.float64) for x in (a, b))
    if not ok or not isinstance(m, types.Integer):
        return None
    sig = types.UniTuple(types.float64, 8)(a, b, m)

    def codegen(context, builder, signature, args):
        intp = context.get_value_type(types.intp)
        m_v = context.cast(builder, args[2], signature.args[2], types.intp)
        rows = [(cgutils.create_struct_proxy(ty)(context, builder, value=value).data,
                 context.get_value_type(ty.dtype), ty.dtype == types.float32)
                for ty, value in zip(signature.args[:2], args[:2])]

        def products(j):
            x, y = (_load8(builder, builder.gep(ptr, [j]), elem, widen)
                    for ptr, elem, widen in rows)
            return [builder.fmul(x, y)]

        results = _lane_chains(builder, intp, m_v, 1, products, "dot_lanes8")
        return _lanes_tuple(context, builder, signature, results)

    return sig, codegen


#: rows whose sums of squares :func:`square_lanes8_rows` adds side by side
SQUARE_ROWS = 4


@intrinsic
def square_lanes8_rows(typingctx, X, r, m):
    """:func:`dot_lanes8` of each of rows ``r .. r + SQUARE_ROWS - 1`` of ``X`` with itself:
    ``SQUARE_ROWS`` x 8 float64 lane sums, row after row.

    One row's lanes are a chain of dependent additions (the adder's latency
    bounds it); the rows' chains side by side keep the adders busy, each row
    still added exactly as :func:`dot_lanes8` adds it. ``X`` is 2-D with unit
    stride along its rows (the caller checks).
    """
    ok = (isinstance(X, types.Array) and X.ndim == 2
          and X.dtype in (types.float32, types.float64))
    if not ok or not isinstance(r, types.Integer) or not isinstance(m, types.Integer):
        return None
    sig = types.UniTuple(types.float64, 8 * SQUARE_ROWS)(X, r, m)

    def codegen(context, builder, signature, args):
        intp = context.get_value_type(types.intp)
        arr = cgutils.create_struct_proxy(signature.args[0])(context, builder, value=args[0])
        elem = context.get_value_type(signature.args[0].dtype)
        widen = signature.args[0].dtype == types.float32
        r_v = context.cast(builder, args[1], signature.args[1], types.intp)
        m_v = context.cast(builder, args[2], signature.args[2], types.intp)
        row_len = builder.sdiv(cgutils.unpack_tuple(builder, arr.strides, 2)[0],
                               ir.Constant(intp, context.get_abi_sizeof(elem)))
        starts = [builder.mul(builder.add(r_v, ir.Constant(intp, i)), row_len)
                  for i in range(SQUARE_ROWS)]

        def products(j):
            vecs = [_load8(builder, builder.gep(arr.data, [builder.add(start, j)]), elem,
                           widen) for start in starts]
            return [builder.fmul(v, v) for v in vecs]

        results = _lane_chains(builder, intp, m_v, SQUARE_ROWS, products, "square_lanes8")
        return _lanes_tuple(context, builder, signature, results)

    return sig, codegen


def operands(context, builder, signature, args) -> list:
    """An intrinsic call's arguments as its code uses them: arrays as Numba's array
    structs (``.data``, ``.shape``, ``.strides``), integers cast to ``intp``."""
    out = []
    for ty, value in zip(signature.args, args):
        if isinstance(ty, types.Array):
            out.append(context.make_array(ty)(context, builder, value))
        else:
            out.append(context.cast(builder, value, ty, types.intp))
    return out


def bag_operands(context, builder, signature, args, first):
    """The operands of a bag-sum intrinsic whose arguments run ``(table, ..., indices,
    weights, start, end, col, n, tail, out, row, ...)`` with ``indices`` at ``first``:
    the table, indices, weights and output array structures, then ``start``, ``end``,
    ``col``, ``n``, ``tail`` and ``row`` as ``intp`` values."""
    tys = signature.args
    arrays = [context.make_array(tys[k])(context, builder, args[k])
              for k in (0, first, first + 1, first + 7)]
    ints = [context.cast(builder, args[k], tys[k], types.intp)
            for k in (first + 2, first + 3, first + 4, first + 5, first + 6, first + 8)]
    return (*arrays, *ints)


@intrinsic
def block_sum(typingctx, weight, indices, weights, start, end, col, n_vec, tail, out, row,
              divisor):
    """Columns ``col:col + w`` of one bag's weighted sum, summed in vector registers.

    ``out[row, col:col + w] = sum_p weights[p] * weight[indices[p], col:col + w] / divisor``
    for ``p`` in ``[start, end)``, over ``w = (n_vec - 1) * lanes + tail``
    columns: ``lanes`` values per 32-byte vector (8 float32, 4 float64),
    ``1 <= n_vec <= MAX_VECTORS``, ``1 <= tail <= lanes``. The loop is
    generated for every vector count and a ``switch`` picks one (the count
    must be known to LLVM to keep the sums in registers). The last vector is
    loaded and stored under a mask, except in a pass of ``MAX_VECTORS`` full
    vectors, which needs none (a masked load is slower than a plain one, so
    it is kept to the last pass). ``weight`` needs unit stride along its
    rows; ``indices`` are trusted and ``n_vec``, ``tail`` in range (the
    caller's job). The sums are divided by ``divisor`` (in the table's dtype)
    before they are stored, unless it is 1: a mean without a second pass over
    the output row.
    """
    if not (isinstance(weight, types.Array) and isinstance(out, types.Array)
            and weight.ndim == 2 and out.ndim == 2 and out.dtype == weight.dtype
            and isinstance(weight.dtype, types.Float) and isinstance(divisor, types.Float)):
        return None
    sig = types.void(weight, indices, weights, start, end, col, n_vec, tail, out, row, divisor)

    def codegen(context, builder, signature, args):
        wty, ity, sty = signature.args[:3]
        oty = signature.args[8]
        (table, index, scale, target, start_v, end_v, col_v, n_vec_v, tail_v,
         row_v) = bag_operands(context, builder, signature, args, 1)
        intp = context.get_value_type(types.intp)
        i32 = ir.IntType(32)
        divisor_v = context.cast(builder, args[10], signature.args[10], wty.dtype)
        fty = context.get_value_type(wty.dtype)
        itemsize = context.get_abi_sizeof(fty)
        lanes = VECTOR_BYTES // itemsize
        vty = ir.VectorType(fty, lanes)
        mty = ir.VectorType(ir.IntType(1), lanes)
        suffix = f"v{lanes}f{itemsize * 8}"
        module = builder.module
        i8p = ir.IntType(8).as_pointer()
        fmuladd = cgutils.get_or_insert_function(
            module, ir.FunctionType(vty, [vty, vty, vty]), f"llvm.fmuladd.{suffix}")
        masked_load = cgutils.get_or_insert_function(
            module, ir.FunctionType(vty, [vty.as_pointer(), i32, mty, vty]),
            f"llvm.masked.load.{suffix}.p0")
        masked_store = cgutils.get_or_insert_function(
            module, ir.FunctionType(ir.VoidType(), [vty, vty.as_pointer(), i32, mty]),
            f"llvm.masked.store.{suffix}.p0")
        prefetch = cgutils.get_or_insert_function(
            module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0")

        n_index = cgutils.unpack_tuple(builder, index.shape, 1)[0]
        row_stride = cgutils.unpack_tuple(builder, table.strides, 2)[0]
        base = builder.bitcast(table.data, i8p)
        col_bytes = builder.mul(col_v, ir.Constant(intp, itemsize))
        lane_ids = ir.Constant(ir.VectorType(intp, lanes), list(range(lanes)))
        mask = builder.icmp_signed("<", lane_ids,
                                   _splat(builder, tail_v, ir.VectorType(intp, lanes)))
        align = ir.Constant(i32, itemsize)
        last_index = builder.sub(n_index, ir.Constant(intp, 1))
        dst = builder.bitcast(cgutils.get_item_pointer(context, builder, oty, target,
                                                       [row_v, col_v], wraparound=False), i8p)

        def segment(position):
            ptr = cgutils.get_item_pointer(context, builder, ity, index, [position],
                                           wraparound=False)
            i = context.cast(builder, builder.load(ptr), ity.dtype, types.intp)
            return builder.gep(base, [builder.add(builder.mul(i, row_stride), col_bytes)])

        def vector_ptr(ptr, v):
            return builder.bitcast(builder.gep(ptr, [ir.Constant(intp, v * VECTOR_BYTES)]),
                                   vty.as_pointer())

        def emit_loop(n_vectors, full, exit_block):
            # from the current block: the loop over [start, end) with n_vectors accumulators
            header, p, acc, done = open_bag_loop(builder, intp, vty, start_v, end_v, n_vectors,
                                                 f"block_sum.{n_vectors}.{int(full)}")
            src = segment(p)
            w = builder.load(cgutils.get_item_pointer(context, builder, sty, scale, [p],
                                                      wraparound=False))
            wv = _splat(builder, context.cast(builder, w, sty.dtype, wty.dtype), vty)
            updated = []
            for v in range(n_vectors):
                if v == n_vectors - 1 and not full:
                    x = builder.call(masked_load, [vector_ptr(src, v), align, mask,
                                                   ir.Constant(vty, None)])
                else:
                    x = builder.load(vector_ptr(src, v), align=itemsize)
                updated.append(builder.call(fmuladd, [wv, x, acc[v]]))
            close_bag_loop(builder, intp, p, acc, updated, header, n_index, last_index,
                           segment, n_vectors * VECTOR_BYTES, prefetch)

            builder.position_at_end(done)
            divide = builder.append_basic_block(f"block_sum.{n_vectors}.{int(full)}.divide")
            store = builder.append_basic_block(f"block_sum.{n_vectors}.{int(full)}.store")
            builder.cbranch(builder.fcmp_unordered("!=", divisor_v, ir.Constant(fty, 1.0)),
                            divide, store)
            builder.position_at_end(divide)
            divided = [builder.fdiv(a, _splat(builder, divisor_v, vty)) for a in acc]
            builder.branch(store)
            builder.position_at_end(store)
            values = []
            for v in range(n_vectors):  # the phis first: LLVM wants them at the block's top
                values.append(builder.phi(vty))
                values[v].add_incoming(acc[v], done)
                values[v].add_incoming(divided[v], divide)
            for v, value in enumerate(values):
                if v == n_vectors - 1 and not full:
                    builder.call(masked_store, [value, vector_ptr(dst, v), align, mask])
                else:
                    builder.store(value, vector_ptr(dst, v), align=itemsize)
            builder.branch(exit_block)

        emit_vector_switch(builder, intp, n_vec_v, tail_v, lanes, "block_sum", emit_loop)
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", **JIT_OPTIONS)
def weighted_row_sum(weight, indices, weights, start, end, out, row, divisor):
    """One bag's weighted sum, in as few passes over the bag as the registers allow.

    ``out[row] = sum_p weights[p] * weight[indices[p]] / divisor`` for ``p`` in
    ``[start, end)``: passes of :data:`MAX_VECTORS` vectors, then one with the
    rest (300 float32 columns: 13 + 13 + 12 vectors, the last one 4 wide).
    ``weight`` needs unit stride along its rows.
    """
    dim = weight.shape[1]
    lanes = VECTOR_BYTES // weight.itemsize
    n_vectors = (dim + lanes - 1) // lanes
    done = 0
    while done < n_vectors:
        n_vec, tail = vector_pass(dim, lanes, done)
        block_sum(weight, indices, weights, start, end, done * lanes, n_vec, tail, out, row,
                  divisor)
        done += n_vec


harden_caches(globals())
