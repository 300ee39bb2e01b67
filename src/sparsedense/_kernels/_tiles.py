"""Whether this process may use the CPU's matrix tiles (Intel AMX), and their layout.

AMX multiplies 16 x 32 bfloat16 tiles into 16 x 16 float32 ones, sixteen
times the products of an AVX-512 instruction. Linux hands out the tiles'
large register state only to a process that asks for it once
(``arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)``); a thread then
loads a tile configuration before its first tile instruction. Plain
Python, no kernels: the kernels that use tiles are compiled only where
Numba's CPU features have them (the tuning constants ``TOPK_TILES`` for
bfloat16 tiles, ``INT8_TILES`` for byte tiles) and called only once
:func:`tiles_usable` says the system allows them.

Examples
--------
>>> from sparsedense._kernels import _tiles
>>> isinstance(_tiles.tiles_usable(), bool)
True
"""

from __future__ import annotations

import functools
import sys

import numpy as np

from . import _tuning

#: rows and bytes of every tile the kernels configure (the largest AMX tile)
TILE_ROWS = 16
TILE_BYTES = 64
#: arch_prctl's request for a state component, and the tile data's component
_SYS_ARCH_PRCTL = 158  # x86-64
_ARCH_REQ_XCOMP_PERM = 0x1023
_XFEATURE_XTILEDATA = 18


def tiles_usable(kind: str = "TOPK_TILES") -> bool:
    """True when the kernels were compiled with AMX's ``kind`` of tiles (the tuning
    constant ``TOPK_TILES`` or ``INT8_TILES``) and the system lets this process use
    the tiles."""
    return bool(_tuning.get(kind)) and _permitted()


@functools.lru_cache(maxsize=1)
def _permitted() -> bool:
    """Whether Linux grants this process the tiles' register state (asked once, the
    answer kept)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syscall(_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA) == 0
    except (OSError, AttributeError):
        return False


def aligned(shape: tuple[int, ...], dtype, zero: bool = False) -> np.ndarray:
    """A C-contiguous array whose data starts on a 64-byte boundary (a cache line).

    numpy's large arrays start 16 bytes past one (the allocator's header): a
    tile row of 64 bytes read from there spans two lines, and tile loads run
    at about half speed (docs/howto/benchmarks.rst). Tile operands and the
    buffers tiles are stored to come from here.
    """
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = (np.zeros if zero else np.empty)(n + TILE_BYTES, dtype=np.uint8)
    start = -raw.ctypes.data % TILE_BYTES
    return raw[start:start + n].view(dtype).reshape(shape)


def tile_config(n_tiles: int = 8) -> np.ndarray:
    """The 64-byte configuration ``ldtilecfg`` loads: palette 1, tiles ``0 ..
    n_tiles - 1`` of :data:`TILE_ROWS` rows of :data:`TILE_BYTES` bytes."""
    cfg = np.zeros(64, dtype=np.uint8)
    cfg[0] = 1
    cfg[16:16 + 2 * n_tiles].view(np.uint16)[:] = TILE_BYTES
    cfg[48:48 + n_tiles] = TILE_ROWS
    return cfg
