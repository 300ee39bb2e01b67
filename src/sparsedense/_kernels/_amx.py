"""Intel AMX's tile instructions as Numba intrinsics, shared by the tile screens.

Each intrinsic emits one instruction (or a fixed sequence of them) through
LLVM's ``llvm.x86.*`` intrinsics; the kernels that call them are compiled
only where Numba's CPU features have the tiles (the tuning constants
``TOPK_TILES`` and ``INT8_TILES``) and run only once
:mod:`._tiles` says the system lets this process use them. A thread loads a
configuration (:func:`load_tile_config`) before its first tile instruction
and releases the tiles (:func:`release_tiles`) when it is done.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

I8 = ir.IntType(8)
I64 = ir.IntType(64)
I8P = I8.as_pointer()


def void_fn(builder, name: str, args: list):
    """The LLVM function ``name`` (returning nothing) in the module being built."""
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), args),
                                          name)


def tile_ops(builder) -> tuple:
    """``(load, store, zero)``: ``tileloadd64(tile, ptr, stride)``,
    ``tilestored64(tile, ptr, stride)`` and ``tilezero(tile)``."""
    return (void_fn(builder, "llvm.x86.tileloadd64", [I8, I8P, I64]),
            void_fn(builder, "llvm.x86.tilestored64", [I8, I8P, I64]),
            void_fn(builder, "llvm.x86.tilezero", [I8]))


def two_by_two(builder, load, dot, a_ptrs, a_stride, b_ptrs, b_stride) -> None:
    """One step of a 2 x 2 block of tiles: rows ``a_ptrs`` (two tiles' first rows,
    ``a_stride`` apart) into tiles 4-5, ``b_ptrs`` into 6-7, and ``dot`` of each pair
    added to tiles 0-3 (0: 4 x 6, 1: 4 x 7, 2: 5 x 6, 3: 5 x 7)."""
    for t, ptr in zip((4, 5), a_ptrs):
        builder.call(load, [tile(t), ptr, a_stride])
    for t, ptr in zip((6, 7), b_ptrs):
        builder.call(load, [tile(t), ptr, b_stride])
    for t, (a, b) in enumerate(((4, 6), (4, 7), (5, 6), (5, 7))):
        builder.call(dot, [tile(t), tile(a), tile(b)])


def tile(v: int) -> ir.Constant:
    """Tile register ``v`` as an instruction's immediate operand."""
    return ir.Constant(I8, v)


@intrinsic
def load_tile_config(typingctx, cfg):
    """``ldtilecfg``: this thread's tiles as the 64 bytes of ``cfg`` describe them."""
    if not (isinstance(cfg, types.Array) and cfg.dtype == types.uint8):
        return None

    def codegen(context, builder, signature, args):
        a = context.make_array(signature.args[0])(context, builder, args[0])
        builder.call(void_fn(builder, "llvm.x86.ldtilecfg", [I8P]),
                     [builder.bitcast(a.data, I8P)])
        return context.get_dummy_value()

    return types.void(cfg), codegen


@intrinsic
def release_tiles(typingctx):
    """``tilerelease``: this thread's tiles back to their initial state."""
    def codegen(context, builder, signature, args):
        builder.call(void_fn(builder, "llvm.x86.tilerelease", []), [])
        return context.get_dummy_value()

    return types.void(), codegen
