"""A software prefetch of a table row, as an LLVM intrinsic callable from kernels.

Gathers of random rows from an array larger than the caches are bound by
memory latency: the next rows' addresses are known (they are the next
positions) before they are needed, so asking for them early keeps several
row fetches in flight. Numba has no prefetch builtin, so :func:`prefetch_row`
emits ``llvm.prefetch`` for every cache line of ``table[row]``.

It pays where rows come from main memory in random order (the scatter-add's
gradient rows); rows that already sit in the caches gain nothing from it.
Figures: docs/howto/benchmarks.rst, "Kernel design notes".
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ._tuning import get as _tuned


@intrinsic
def prefetch_row(typingctx, table, row):
    """Prefetch (for reading, into all cache levels) the cache lines of ``table[row, :]``."""
    if not isinstance(table, types.Array) or table.ndim != 2 or not isinstance(row, types.Integer):
        return None
    sig = types.void(table, row)

    def codegen(context, builder, signature, args):
        aryty, _ = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        row_val = context.cast(builder, args[1], signature.args[1], types.intp)
        start = cgutils.get_item_pointer(context, builder, aryty, ary, [row_val, zero],
                                         wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        base = builder.bitcast(start, i8p)
        shapes = cgutils.unpack_tuple(builder, ary.shape, 2)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(
            context.get_data_type(aryty.dtype)))
        nbytes = builder.mul(shapes[1], itemsize)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, ir.IntType(32), ir.IntType(32),
                                               ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        rw = ir.Constant(ir.IntType(32), 0)
        locality = ir.Constant(ir.IntType(32), 3)
        cache = ir.Constant(ir.IntType(32), 1)
        step = context.get_constant(types.intp, _tuned("CACHE_LINE"))
        with cgutils.for_range_slice(builder, zero, nbytes, step) as (offset, _):
            builder.call(fn, [builder.gep(base, [offset]), rw, locality, cache])
        return context.get_dummy_value()

    return sig, codegen
