"""The exact float32 top-k screened on bfloat16 products, where the CPU has them.

BLAS's float32 product is the float screen's cost; AMX multiplies bfloat16
tiles many times faster, and AVX-512 BF16's ``vdpbf16ps`` twice as fast as a
float32 FMA (:func:`screen_kind`). Each fast score then carries the rounding of both
rows to bfloat16 (at most ``(2**-7 + 2**-16) |q| |c|``) besides the float32
sum's, and :func:`sparsedense._kernels.exact_topk._exact_row` finds the exact
top-k from those scores and that bound as it does from BLAS's: the answer,
indices, ties and canonical scores, is the float screen's. The corpus is
taken a chunk of rows at a time (scaled to unit norm as the float screen
scales them, then rounded into tiles), so memory stays bounded.
"""

from __future__ import annotations

import numpy as np

from ._kernels import _tiles, _tuning
from ._kernels._dispatch import choose, task_args
from ._kernels._tiles import tiles_usable
from ._kernels.bf16_topk import BLOCK, CHUNK, _pack_queries, _pack_rows, _tile_topk
from ._kernels.norms import _normalize_rows_l2

#: each value rounded to bfloat16 is within 2**-8 of itself (relative): a product of two
#: such within 2**-7 + 2**-16 of the exact one
_ROUNDING = 2.0 ** -7 + 2.0 ** -16


def screen_kind() -> str | None:
    """What multiplies the bfloat16 screen here: ``"tiles"`` (AMX, where the CPU has them
    and the system allows them), ``"dots"`` (AVX-512 BF16 vectors), or None (BLAS's
    float32 products screen instead)."""
    if tiles_usable():
        return "tiles"
    return "dots" if _tuning.get("TOPK_BF16_DOTS") else None


def usable(Qn: np.ndarray, Cn: np.ndarray, metric: str, cmax: float) -> bool:
    """Whether the bfloat16 screen applies: a :func:`screen_kind`, float32 rows, and
    values that bfloat16 holds (rows scaled to unit norm, or norms at most ``2**64``),
    and work enough: ``TOPK_TILES_FROM_PAIRS`` query-row pairs for cosine (with vector
    products ``TOPK_BF16_DOTS_FROM_PAIRS``); for a dot product four times as many and
    ``TOPK_TILES_FROM_QUERIES`` queries (rounding the corpus into tiles costs more
    than BLAS's products of rows it uses as they are)."""
    if not (Qn.dtype == np.float32 and Cn.dtype == np.float32 and Qn.shape[1]
            and Qn.shape[0] and Cn.shape[0]):
        return False
    kind = screen_kind()
    if kind is None:
        return False
    pairs = Qn.shape[0] * Cn.shape[0]
    least = _tuning.get("TOPK_TILES_FROM_PAIRS" if kind == "tiles"
                        else "TOPK_BF16_DOTS_FROM_PAIRS")
    if metric == "cosine":
        return pairs >= least
    if Qn.shape[0] < _tuning.get("TOPK_TILES_FROM_QUERIES") or pairs < 4 * least:
        return False
    qmax = float(np.sqrt(np.einsum("ij,ij->i", Qn, Qn, dtype=np.float64).max()))
    return bool(np.isfinite(cmax) and cmax <= 2.0 ** 64 and np.isfinite(qmax)
                and qmax <= 2.0 ** 64)


def tile_bound(dim: int, qnorm: np.ndarray, cmax: float) -> np.ndarray:
    """Twice the bound of a tile score's error per query (the ``margins`` of
    :func:`sparsedense.similarity.exact_select`): both roundings to bfloat16, the
    float32 sums in any order and the canonical score's rounding (twice the float
    screen's allowance, which also covers sums each rounded to within twice float32's
    unit: CPUs need not round ``vdpbf16ps``'s pair sums alike), and bfloat16's
    flushing of values below ``2**-126``."""
    from .similarity import fast_score_bound

    rel = (_ROUNDING + 2 * fast_score_bound(dim, np.float32)) * (1 + 2.0 ** -20)
    flushed = 4 * (dim + 1) * 2.0 ** -126 * np.maximum(1.0, cmax) * np.maximum(1.0, qnorm)
    margins = 2 * (rel * cmax * qnorm + flushed)
    margins[~np.isfinite(margins)] = np.inf
    return margins


def tile_select(Qn: np.ndarray, C: np.ndarray, normalize: bool, cmax: float, k: int,
                exclude_self: bool, out_idx: np.ndarray, out_score: np.ndarray) -> None:
    """:func:`sparsedense.similarity.exact_select` on tile scores: the exact top-k of the
    queries ``Qn`` (as multiplied) in ``C`` (its rows scaled to unit norm first when
    ``normalize``) into the heaps ``out_idx`` / ``out_score``."""
    n_q, dim = Qn.shape
    n_c = C.shape[0]
    kp = -(-dim // CHUNK) * CHUNK
    Qb = _tiles.aligned((-(-n_q // BLOCK) * BLOCK, kp), np.uint16)  # (rows on cache lines)
    choose(_pack_queries, Qb.size)(Qn, Qb)
    qnorm = np.sqrt(np.einsum("ij,ij->i", Qn, Qn, dtype=np.float64))
    margins = tile_bound(dim, qnorm, cmax)
    # a chunk's scores for one worker's 32 queries fill a quarter of an L2
    rows_per_chunk = max(BLOCK, _tuning.machine().l2 // 4 // (BLOCK * 4) // BLOCK * BLOCK)
    rows_per_chunk = min(rows_per_chunk, -(-n_c // BLOCK) * BLOCK)
    kernel = choose(_tile_topk, n_q * rows_per_chunk * dim)
    _, n_workers, _ = task_args(kernel, -(-n_q // BLOCK))
    scores = _tiles.aligned((n_workers, BLOCK, rows_per_chunk), np.float32)
    pending = np.empty((n_workers, rows_per_chunk), dtype=np.int64)
    ones = np.empty((n_workers, 1), dtype=np.float32)
    unit = np.empty((rows_per_chunk, dim), dtype=np.float32) if normalize else None
    Bp = _tiles.aligned((rows_per_chunk // 16, kp // CHUNK, CHUNK // 2, CHUNK), np.uint16)
    fast_s = np.empty((n_q, k), dtype=np.float32)
    fast_i = np.empty((n_q, k), dtype=np.int64)
    filled = np.zeros(n_q, dtype=np.int64)
    tiles = screen_kind() == "tiles"
    cfg = _tiles.tile_config()
    pack = choose(_pack_rows, rows_per_chunk * dim)
    scale = choose(_normalize_rows_l2, rows_per_chunk * dim)  # (normalize_rows's arithmetic)
    for c0 in range(0, n_c, rows_per_chunk):
        part = C[c0:c0 + rows_per_chunk]
        m = part.shape[0]
        rows = part
        if normalize:
            rows = unit[:m]
            scale(part, rows)
        n_blocks = -(-m // BLOCK) * 2  # pairs of 16-row blocks
        pack(rows, m, Bp[:n_blocks])
        kernel(Qb, Bp[:n_blocks], tiles, cfg, rows, m, Qn, c0, k, exclude_self, margins, fast_s,
               fast_i, filled, out_idx, out_score, scores, ones, pending, n_workers,
               np.zeros(2, dtype=np.int64))
