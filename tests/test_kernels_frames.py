"""Stack frames aligned to a cache line (``_simd.align_frame``).

LLVM gives the spill slots of a large kernel only the ABI's 16-byte alignment and
moves 512-bit registers to them unaligned, so the caller's stack pointer decided
whether every spill split two cache lines: the int8 screen ran 1.6x slower in a
process by the length of its environment alone (docs/howto/benchmarks.rst,
thirteenth run). These tests check the code the intrinsic gives, not a speed.
"""

from __future__ import annotations

import platform
import re

import numpy as np
import pytest
from numba import njit

from sparsedense._kernels import _tuning
from sparsedense._kernels._simd import align_frame

LINE = _tuning.get("CACHE_LINE")
X86 = platform.machine().lower() in ("x86_64", "amd64")


@njit
def _aligned_sum(a):
    align_frame()
    s = 0.0
    for x in a:
        s += x
    return s


@njit
def _plain_sum(a):
    s = 0.0
    for x in a:
        s += x
    return s


def _own_define(ir: str) -> str:
    """The attribute group of the compiled function itself (not its Python wrappers)."""
    define = next(line for line in ir.splitlines() if line.startswith("define")
                  and "cpython." not in line and "cfunc." not in line)
    group = re.search(r"#(\d+)\s*\{?\s*$", define).group(1)
    return next(line for line in ir.splitlines() if line.startswith(f"attributes #{group} "))


def test_the_frame_of_a_function_that_calls_it_is_aligned_to_a_cache_line():
    a = np.arange(10.0)
    assert _aligned_sum(a) == _plain_sum(a) == 45.0  # it emits no code of its own
    aligned = _aligned_sum.inspect_llvm(_aligned_sum.signatures[0])
    plain = _plain_sum.inspect_llvm(_plain_sum.signatures[0])
    assert f"alignstack={LINE}" in _own_define(aligned)
    assert "alignstack" not in _own_define(plain)
    if X86:  # the prologue rounds the stack pointer down to the line
        realign = re.compile(rf"andq\s+\$-{LINE}, %rsp")
        assert realign.search(_aligned_sum.inspect_asm(_aligned_sum.signatures[0]))
        assert not realign.search(_plain_sum.inspect_asm(_plain_sum.signatures[0]))


@pytest.mark.parametrize("module, names", [
    ("int8_screen", ["_int8_screen", "_score_workers"]),
    ("int8_dots", ["build_panel"]),
    ("bf16_topk", ["_pack_queries", "_tile_topk"]),
    ("exact_topk", ["_fill_from_maxima", "_exact_row"]),
    ("bag", ["_embedding_bag"]),
    ("quantized", ["_codes_bags"]),
])
def test_the_kernels_whose_spills_split_lines_align_their_frames(module, names):
    """The kernels measured to change speed with the caller's stack pointer call it (in
    a parallel kernel, inside the loop body: that body is a function of its own)."""
    import importlib

    mod = importlib.import_module(f"sparsedense._kernels.{module}")
    for name in names:
        code = getattr(mod, name).py_func.__code__
        assert "align_frame" in code.co_names, f"{module}.{name}"
