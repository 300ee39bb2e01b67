"""Copy a table row to an output row with non-temporal (streaming) stores.

An output larger than the last-level cache is written once and not read back
soon: ordinary stores first read every destination line into the cache
("read for ownership") and evict other data for it. Non-temporal stores write
whole lines straight to memory, as ``memcpy`` does for large copies, which
cuts the traffic of a gather by about a third. :func:`stream_row` stores
32-byte vectors where the destination is 32-byte aligned (LLVM's
``!nontemporal`` store), and the unaligned head and tail of the row with
ordinary stores; values are copied bit for bit. Streaming stores are weakly
ordered: a kernel calls :func:`store_fence` before its results are used by
another thread.
"""

from __future__ import annotations

import platform

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: bytes of one streaming store (the destination's alignment it needs)
_VECTOR_BYTES = 32


def _row_pointer(context, builder, aryty, ary_value, row):
    ary = context.make_array(aryty)(context, builder, ary_value)
    zero = context.get_constant(types.intp, 0)
    return cgutils.get_item_pointer(context, builder, aryty, ary, [row, zero], wraparound=False)


@intrinsic
def stream_row(typingctx, out, i, weight, r):
    """``out[i, :] = weight[r, :]`` with streaming stores (unit-stride rows of one float dtype)."""
    if not (isinstance(out, types.Array) and isinstance(weight, types.Array)
            and out.ndim == weight.ndim == 2 and out.dtype == weight.dtype
            and isinstance(out.dtype, types.Float)
            and isinstance(i, types.Integer) and isinstance(r, types.Integer)):
        return None
    sig = types.void(out, i, weight, r)

    def codegen(context, builder, signature, args):
        out_ty, i_ty, w_ty, r_ty = signature.args
        intp = context.get_value_type(types.intp)
        fty = context.get_value_type(out_ty.dtype)
        itemsize = context.get_abi_sizeof(fty)
        lanes = _VECTOR_BYTES // itemsize
        vty = ir.VectorType(fty, lanes)
        row_i = context.cast(builder, args[1], i_ty, types.intp)
        row_r = context.cast(builder, args[3], r_ty, types.intp)
        dst = _row_pointer(context, builder, out_ty, args[0], row_i)
        src = _row_pointer(context, builder, w_ty, args[2], row_r)
        out_ary = context.make_array(out_ty)(context, builder, args[0])
        n = cgutils.unpack_tuple(builder, out_ary.shape, 2)[1]
        # elements before the first 32-byte aligned destination address
        addr = builder.ptrtoint(dst, intp)
        mis = builder.and_(addr, ir.Constant(intp, _VECTOR_BYTES - 1))
        head = builder.udiv(builder.and_(builder.sub(ir.Constant(intp, _VECTOR_BYTES), mis),
                                         ir.Constant(intp, _VECTOR_BYTES - 1)),
                            ir.Constant(intp, itemsize))
        aligned = builder.icmp_unsigned("==", builder.urem(addr, ir.Constant(intp, itemsize)),
                                        ir.Constant(intp, 0))
        head = builder.select(aligned, head, n)  # an odd address: no vector stores at all
        head = builder.select(builder.icmp_signed("<", n, head), n, head)
        n_vec = builder.sdiv(builder.sub(n, head), ir.Constant(intp, lanes))
        body_end = builder.add(head, builder.mul(n_vec, ir.Constant(intp, lanes)))
        one = ir.Constant(intp, 1)
        zero = ir.Constant(intp, 0)

        def copy_scalar(start, stop):
            with cgutils.for_range_slice(builder, start, stop, one) as (j, _):
                builder.store(builder.load(builder.gep(src, [j])), builder.gep(dst, [j]))

        copy_scalar(zero, head)
        nt = builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)])
        with cgutils.for_range_slice(builder, head, body_end, ir.Constant(intp, lanes)) as (j, _):
            value = builder.load(builder.bitcast(builder.gep(src, [j]), vty.as_pointer()),
                                 align=itemsize)
            store = builder.store(value, builder.bitcast(builder.gep(dst, [j]), vty.as_pointer()),
                                  align=_VECTOR_BYTES)
            store.set_metadata("nontemporal", nt)
        copy_scalar(body_end, n)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def store_fence(typingctx):
    """A full memory fence: every streaming store before it is visible after it."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        if platform.machine().lower() in ("x86_64", "amd64", "i686", "x86"):
            # sfence orders streaming stores; a "lock or" (LLVM's x86 fence) need not
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                                "llvm.x86.sse.sfence")
            builder.call(fn, [])
        else:
            builder.fence("seq_cst")
        return context.get_dummy_value()

    return sig, codegen
