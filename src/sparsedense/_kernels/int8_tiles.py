"""The int8 screen's byte products on Intel AMX tiles (``tdpbsud``).

:mod:`.int8_screen` multiplies a panel of 32 corpus rows by a group of
queries with VNNI, 64 byte products an instruction. AMX's ``tdpbsud`` adds
16 x 16 x 64 of them into a tile of int32 sums at once: signed bytes (the
queries) times unsigned ones (the codes). The table's panels are already
what its second operand wants (per group of four columns, a row's four
codes side by side), so the codes are multiplied as they are stored; only
their columns are padded to whole tiles (:data:`TILE_GROUPS` groups).

A worker owns :data:`TGROUP` queries at a time. For each panel of the range
it keeps four tiles of sums, the queries' bytes and the bytes of what those
leave out (``qcodes2``) times the panel's two halves, over every 64
columns; the sums of the whole range are stored to a buffer that stays in its
cache, then each panel is screened from them by :func:`.int8_screen.screen_panel`,
the same tests and bounds as with VNNI, so the answer is the same. Nothing here
runs unless :func:`._tiles.tiles_usable` says ``INT8_TILES``.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._amx import (I8, I8P, I64, load_tile_config, release_tiles, tile, tile_ops, two_by_two,
                   void_fn)
from ._config import harden_caches, parallel_kernel
from ._simd import operands
from ._simd_codes import pair_offset
from ._tasks import next_task
from ._tuning import get as _tuned
from .int8_dots import PANEL
from .int8_screen import build_block_panel, screen_panel, task_panels, worker_done
from .quantized import KIND_INT8

#: 1 where the CPU has AMX-INT8 (compile time: part of Numba's cache key)
_TILES = _tuned("INT8_TILES")
#: queries of one task: the rows of a tile
TGROUP = 16
#: groups of four columns a tile row holds (64 bytes): the panels' columns are padded to
#: a multiple of it
TILE_GROUPS = 16


def _sums_typed(panels, qcodes, qcodes2, sums) -> bool:
    return (isinstance(panels, types.Array) and panels.ndim == 3
            and panels.dtype == types.int32 and isinstance(sums, types.Array)
            and sums.ndim == 5 and sums.dtype == types.int32
            and all(isinstance(a, types.Array) and a.ndim == 2 and a.dtype == types.int32
                    for a in (qcodes, qcodes2)))


@intrinsic
def _tile_sums(typingctx, panels, p0, p1, qcodes, qcodes2, q0, sums, w):
    """``sums[w, p - p0, 0, j] = panels[p] . qcodes[q0 + j]`` and ``sums[w, p - p0, 1, j] =
    panels[p] . qcodes2[q0 + j]`` (int32, 32 rows each) for ``p0 <= p < p1``, ``j <
    16``.

    Arrays C-contiguous: ``panels`` ``(n_panels, groups, PANEL)`` with ``groups`` a
    multiple of :data:`TILE_GROUPS`, ``qcodes`` and ``qcodes2`` ``(n, groups)`` with rows
    ``q0 .. q0 + 15``, ``sums`` ``(workers, >= p1 - p0, 2, 16, PANEL)``. Tiles 0-3 hold
    the sums (queries' bytes or the rest's, times the panel's first or second 16 rows),
    4-5 the two kinds of query bytes, 6-7 the panel's halves.
    """
    if not _sums_typed(panels, qcodes, qcodes2, sums):
        return None
    sig = types.void(panels, p0, p1, qcodes, qcodes2, q0, sums, w)

    def codegen(context, builder, signature, args):
        P, p0v, p1v, Q1, Q2, q0v, S, wv = operands(context, builder, signature, args)
        intp = context.get_value_type(types.intp)

        def const(v):
            return ir.Constant(intp, v)

        groups = cgutils.unpack_tuple(builder, P.shape, 3)[1]
        s_strides = cgutils.unpack_tuple(builder, S.strides, 5)
        panel_bytes = builder.mul(groups, const(PANEL * 4))
        q_stride = builder.mul(groups, const(4))  # a query's bytes
        n_steps = builder.sdiv(groups, const(TILE_GROUPS))
        qbase = [builder.gep(builder.bitcast(Q.data, I8P), [builder.mul(q0v, q_stride)])
                 for Q in (Q1, Q2)]
        pbase = builder.bitcast(P.data, I8P)
        sbase = builder.gep(builder.bitcast(S.data, I8P), [builder.mul(wv, s_strides[0])])
        row_bytes = ir.Constant(I64, PANEL * 4)  # a group's row of the panel; a row of sums
        half = const(64)  # the panel's second 16 rows; the sums' second 16 columns
        load, store, zero = tile_ops(builder)
        dot = void_fn(builder, "llvm.x86.tdpbsud", [I8] * 3)

        entry = builder.basic_block
        panel_loop = builder.append_basic_block("tiles.panel")
        step_loop = builder.append_basic_block("tiles.step")
        panel_end = builder.append_basic_block("tiles.panel_end")
        done = builder.append_basic_block("tiles.done")
        builder.cbranch(builder.icmp_signed("<", p0v, p1v), panel_loop, done)

        builder.position_at_end(panel_loop)
        p = builder.phi(intp)
        p.add_incoming(p0v, entry)
        for t in range(4):
            builder.call(zero, [tile(t)])
        panel = builder.gep(pbase, [builder.mul(p, panel_bytes)])
        builder.cbranch(builder.icmp_signed(">", n_steps, const(0)), step_loop, panel_end)

        builder.position_at_end(step_loop)
        c = builder.phi(intp)
        c.add_incoming(const(0), panel_loop)
        q_off = builder.mul(c, const(TILE_GROUPS * 4))
        b_ptr = builder.gep(panel, [builder.mul(c, const(TILE_GROUPS * PANEL * 4))])
        two_by_two(builder, load, dot, [builder.gep(q, [q_off]) for q in qbase], q_stride,
                   [b_ptr, builder.gep(b_ptr, [half])], row_bytes)
        c_next = builder.add(c, const(1))
        c.add_incoming(c_next, step_loop)
        builder.cbranch(builder.icmp_signed("<", c_next, n_steps), step_loop, panel_end)

        builder.position_at_end(panel_end)
        out = builder.gep(sbase, [builder.mul(builder.sub(p, p0v), s_strides[1])])
        for t, (level, second) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            at = builder.add(builder.mul(const(level), s_strides[2]),
                             builder.mul(const(second), half))
            builder.call(store, [tile(t), builder.gep(out, [at]), row_bytes])
        p_next = builder.add(p, const(1))
        p.add_incoming(p_next, panel_end)
        builder.cbranch(builder.icmp_signed("<", p_next, p1v), panel_loop, done)

        builder.position_at_end(done)
        return context.get_dummy_value()

    return sig, codegen


@parallel_kernel
def _int8_tile_screen(codes, block, build, qcodes, qcodes2, qs, qs32, qerr, rowv, perr, pslope,
                      rows32, n_q, p_lo, p_hi, k, exclude_self, lower, filled, done, cand_q, cand_c,
                      cand_ub, n_cand, counts, cfg, sums, n_tasks, n_parts, starts, ends, n_workers,
                      counter):
    """:func:`.int8_screen._int8_screen` with the sums from tiles: groups of :data:`TGROUP`
    queries in the tasks, ``cfg`` the tile configuration, ``sums`` each worker's buffer
    (``(workers, >= p_hi - p_lo, 2, TGROUP, PANEL)`` int32); ``build`` 1 or 0 (the
    panels from ``block``, as the caller builds them in both kernels)."""
    if build == 1:  # (each panel written by one thread)
        dim = pair_offset(KIND_INT8, codes)
        for i in prange(n_parts * (p_hi - p_lo)):
            build_block_panel(codes, dim, block, i, p_lo, p_hi, starts, ends)
    cap = cand_q.shape[1]
    for w in prange(n_workers):
        if _TILES:
            load_tile_config(cfg)
        mask = np.empty(PANEL, dtype=np.bool_)
        flags = np.empty(TGROUP, dtype=np.int64)
        held = n_cand[w]
        tally = np.zeros(3, dtype=np.int64)  # (see worker_done)
        t = next_task(counter)
        while t < n_tasks:
            q0, n_j, part, p, hi, b = task_panels(t, n_parts, TGROUP, n_q, p_lo, p_hi, done,
                                                  starts, ends)
            part_lower, part_filled = lower[part], filled[part]
            first = b
            if _TILES and p < hi:
                _tile_sums(block, b, b + (hi - p), qcodes, qcodes2, q0, sums, w)
            while p < hi and held + TGROUP * PANEL <= cap:
                held = screen_panel(sums[w, b - first, 0], sums[w, b - first, 1], True, codes,
                                    block, b, p, qcodes2, q0, n_j, qs, qs32, qerr, rowv, perr,
                                    pslope, rows32, k, exclude_self, part_lower, part_filled,
                                    flags, mask, cand_q, cand_c, cand_ub, w, held, tally)
                p += 1
                b += 1
            done[t] = p
            t = next_task(counter)
        worker_done(n_cand, counts, w, held, tally)
        if _TILES:
            release_tiles()


harden_caches(globals())
