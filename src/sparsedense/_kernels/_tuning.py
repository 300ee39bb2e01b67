"""Every constant that depends on the hardware, derived from what this machine reports.

Kernels and their callers read tile sizes, task counts, cache budgets and
small-input crossovers from here, never from a literal: what pays on a 2-core
AVX2 machine with a 512 KiB L2 is wrong on an AVX-512 one with a 2 MiB L2.
Each value is derived from :func:`machine` (usable CPUs from
``os.sched_getaffinity``, cache sizes from ``/sys/devices/system/cpu``, the
instruction set from the features LLVM compiles for) with its reason in one
line, and can be overridden for benchmarking by an environment variable
``SPARSEDENSE_<NAME>``, read when the constant is first used (or
:func:`override` in code).

Most values are read at call time. Those marked *compile time* are baked
into the generated code: they depend only on the CPU features, which are
part of Numba's cache key, so a cached kernel always matches its machine; an
environment override of one of them takes effect on a fresh cache
(``NUMBA_CACHE_DIR``).

Examples
--------
>>> from sparsedense._kernels import _tuning
>>> _tuning.get("CACHE_LINE") in (32, 64, 128, 256)
True
>>> with _tuning.override(PARALLEL_MIN_WORK=0):
...     _tuning.get("PARALLEL_MIN_WORK")
0
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

_SYS_CACHE = "/sys/devices/system/cpu/cpu0/cache"
#: L3 a usable CPU can count on at most: no CPU gives a core more than 12 MiB of L3 of
#: its own (AMD's 3D V-Cache EPYC); a larger L3 per usable CPU is a host's whole L3 seen
#: from a VM, shared with cores the VM cannot see
L3_PER_CPU_MAX = 16 << 20


@dataclass(frozen=True)
class Machine:
    """What the kernels are tuned for: CPU, instruction set, caches (bytes), usable CPUs."""

    cpu: str
    isa: str
    vector_registers: int
    n_cpus: int
    l1d: int
    l2: int
    l3: int
    l3_share: int
    cache_line: int
    caches_from: str


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def _size(text: str | None) -> int | None:
    if not text:
        return None
    unit = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1].upper())
    try:
        return int(text[:-1]) * unit if unit else int(text)
    except ValueError:
        return None


def _caches() -> tuple[dict[int, int], int | None]:
    """Data/unified cache size per level of CPU 0 (the L3 as one core sees it); the line size."""
    sizes: dict[int, int] = {}
    line = None
    try:
        entries = sorted(os.listdir(_SYS_CACHE))
    except OSError:
        return sizes, line
    for entry in entries:
        base = os.path.join(_SYS_CACHE, entry)
        kind, level = _read(base + "/type"), _read(base + "/level")
        size = _size(_read(base + "/size"))
        if kind in ("Data", "Unified") and level and level.isdigit() and size:
            sizes[int(level)] = size
            line = line or _size(_read(base + "/coherency_line_size"))
    return sizes, line


def _features() -> set[str]:
    """The CPU features Numba compiles for (its ``NUMBA_CPU_FEATURES``, else the host's)."""
    from numba import config

    text = config.CPU_FEATURES
    if text is None:
        if config.CPU_NAME:  # a named target without features (e.g. "generic"): the baseline
            return set()
        import llvmlite.binding as llvm

        text = llvm.get_host_cpu_features().flatten()
    return {f[1:] for f in text.split(",") if f.startswith("+")}


def _cpu_model() -> str:
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    import platform

    return platform.processor() or platform.machine() or "unknown"


@functools.lru_cache(maxsize=1)
def machine() -> Machine:
    """This machine, read once per process (nothing here compiles a kernel)."""
    feats = _features()
    if "avx512f" in feats:
        # AVX-512VL gives 32 vector registers to 256-bit code too
        isa, regs = "avx512", 32 if "avx512vl" in feats else 16
    elif "avx2" in feats:
        isa, regs = "avx2", 16
    elif "avx" in feats:
        isa, regs = "avx", 16
    elif feats & {"sse4.2", "sse4.1", "ssse3", "sse3"}:
        isa, regs = "sse", 16
    else:
        isa, regs = ("neon", 32) if "neon" in feats else ("baseline", 16)
    sizes, line = _caches()
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n_cpus = os.cpu_count() or 1
    l3 = sizes.get(3, sizes.get(2, 512 << 10))
    return Machine(cpu=_cpu_model(), isa=isa, vector_registers=regs, n_cpus=n_cpus,
                   l1d=sizes.get(1, 32 << 10), l2=sizes.get(2, 512 << 10), l3=l3,
                   l3_share=min(l3, L3_PER_CPU_MAX * n_cpus), cache_line=line or 64,
                   caches_from=_SYS_CACHE if sizes else "defaults (no /sys cache information)")


@dataclass(frozen=True)
class _Constant:
    name: str
    derive: Callable[[Machine], int]
    reason: str
    compile_time: bool = False


_CONSTANTS: dict[str, _Constant] = {}
_OVERRIDES: dict[str, int] = {}
#: name -> (value, where it came from), read on first use (see get)
_RESOLVED: dict[str, tuple[int, str]] = {}


def _constant(name: str, reason: str, compile_time: bool = False):
    def register(derive: Callable[[Machine], int]) -> Callable[[Machine], int]:
        _CONSTANTS[name] = _Constant(name, derive, reason, compile_time)
        return derive
    return register


def _parallel_from(m: Machine, work: int) -> int:
    """A parallel threshold of ``work``, or never on a machine with one usable CPU."""
    return work if m.n_cpus > 1 else sys.maxsize


def _power_of_two_at_least(n: int) -> int:
    return 1 << max(0, int(n) - 1).bit_length()


@_constant("CACHE_LINE", "prefetches step one cache line (coherency_line_size)", compile_time=True)
def _cache_line(m: Machine) -> int:
    return m.cache_line


@_constant("SUM_VECTORS", "bag sums keep this many 256-bit accumulators in registers: all the "
           "vector registers but the weight, the mask and one spare", compile_time=True)
def _sum_vectors(m: Machine) -> int:
    return max(4, m.vector_registers - 3)


@_constant("CODE_LANES", "float32 lanes of a compressed-row bag's accumulators: 16 (512-bit) "
           "where the CPU has AVX-512, so a 300-column row is summed in one pass over the "
           "bag; 8 (256-bit) otherwise", compile_time=True)
def _code_lanes(m: Machine) -> int:
    return 16 if m.isa == "avx512" else 8


@_constant("TOPK_DOT_ROWS", "corpus rows a few-query float screen multiplies at once: their "
           "sums with 4 queries and their 4 + rows operands fill the vector registers (4 rows: "
           "24 of AVX-512's 32; 2 rows: 14 of AVX2's 16)", compile_time=True)
def _topk_dot_rows(m: Machine) -> int:
    return 4 if m.vector_registers >= 32 else 2


@_constant("INT8_DOTS", "how the int8 screen of top-k multiplies unsigned by signed bytes into "
           "int32 sums: 2 AVX-512 VNNI's vpdpbusd (64 products an instruction), 1 AVX2's "
           "vpmaddubsw and vpmaddwd (32 products in two, query bytes within 63 so the 16-bit "
           "pair sums never saturate), 0 a plain loop", compile_time=True)
def _int8_dots(m: Machine) -> int:
    feats = _features()
    if m.isa == "avx512" and "avx512vnni" in feats:
        return 2
    return int("avx2" in feats)


@_constant("TOPK_TILES", "1 where the CPU multiplies bfloat16 tiles (AMX-BF16, 16 x 16 x 32 "
           "products an instruction): a float32 top-k screens on them, the exact answer "
           "unchanged; 0: BLAS's float products", compile_time=True)
def _topk_tiles(m: Machine) -> int:
    return int({"amx-tile", "amx-bf16"} <= _features())


@_constant("TOPK_BF16_DOTS", "1 where the CPU has AVX-512 BF16 (vdpbf16ps: 32 bfloat16 products "
           "an instruction, twice a float32 FMA's): a float32 top-k screens with them where "
           "there are no TOPK_TILES (or the system refuses them), the exact answer unchanged; "
           "0: BLAS's float products", compile_time=True)
def _topk_bf16_dots(m: Machine) -> int:
    return int(m.isa == "avx512" and {"avx512bf16", "avx512bw"} <= _features())


@_constant("INT8_TILES", "1 where the CPU multiplies byte tiles (AMX-INT8, 16 x 16 x 64 "
           "products an instruction): the int8 screen of top-k takes its byte products from "
           "them, the answer unchanged; 0: INT8_DOTS", compile_time=True)
def _int8_tiles(m: Machine) -> int:
    return int({"amx-tile", "amx-int8"} <= _features())


@_constant("INT8_TILES_FROM_PAIRS", "query x corpus rows from which the int8 screen takes its "
           "products from INT8_TILES: below, loading the tiles' configuration and padding the "
           "queries to 16 cost what the vector products save (the crossover in "
           "docs/howto/benchmarks.rst)")
def _int8_tiles_from_pairs(m: Machine) -> int:
    return 1 << 16


@_constant("TOPK_TILES_FROM_PAIRS", "query x corpus rows from which a cosine top-k screens on "
           "TOPK_TILES: below, the tile kernels' starts cost more than BLAS's products (a dot "
           "product needs four times as many; the crossovers in docs/howto/benchmarks.rst)")
def _topk_tiles_from_pairs(m: Machine) -> int:
    return 1 << 20


@_constant("TOPK_BF16_DOTS_FROM_PAIRS", "query x corpus rows from which a cosine top-k "
           "screens with TOPK_BF16_DOTS: below, rounding the corpus to bfloat16 costs more "
           "than the products save (the crossover in docs/howto/benchmarks.rst)")
def _topk_bf16_dots_from_pairs(m: Machine) -> int:
    return 1 << 20


@_constant("TOPK_FEW_QUERIES", "queries up to which a dense top-k multiplies them with each "
           "corpus row itself, the row read once for all (row_dots): 32 where bfloat16 products "
           "screen more queries faster (TOPK_TILES, TOPK_BF16_DOTS), else 128, below BLAS's "
           "crossover (docs/howto/benchmarks.rst)")
def _topk_few_queries(m: Machine) -> int:
    return 32 if _topk_tiles(m) or _topk_bf16_dots(m) else 128


@_constant("TOPK_TILES_FROM_QUERIES", "queries from which a dot-product top-k screens on "
           "TOPK_TILES: its pass over the corpus (rounding it into tiles) costs what the BLAS "
           "products of about this many queries save (a cosine top-k scales every row on "
           "either screen)")
def _topk_tiles_from_queries(m: Machine) -> int:
    return 128


@_constant("INT8_SCREEN", "1: exact top-k on an int8 table screens on byte products where "
           "INT8_DOTS has an instruction for them (VNNI or AVX2: either beats a float product "
           "of decoded rows, docs/howto/benchmarks.rst); 0: the float product, where the plain "
           "loop's sums are far slower")
def _int8_screen(m: Machine) -> int:
    return int(_int8_dots(m) >= 1)


@_constant("PARALLEL_MIN_WORK", "elements below which waking the other threads costs more than "
           "it saves; never parallel on one usable CPU")
def _parallel_min_work(m: Machine) -> int:
    return _parallel_from(m, 1 << 16)


@_constant("PARALLEL_TASKS", "equal ranges a parallel loop is cut into: 32 per usable CPU (even "
           "when the work per range is uneven), a power of two so each thread gets as many")
def _parallel_tasks(m: Machine) -> int:
    return _power_of_two_at_least(32 * m.n_cpus)


@_constant("FREQUENT_ROWS_BYTES", "gradient rows the bag backward keeps hot while it streams the "
           "bags: one and a half L2 caches (L2 plus a slice of L3)")
def _frequent_rows_bytes(m: Machine) -> int:
    return m.l2 * 3 // 2


@_constant("TOPK_TILE_SCORES", "scores of one top-k tile: float32 scores filling half the L3 "
           "share, the other half holding BLAS's packed panels and the corpus tile, so the "
           "product keeps its speed and the selection reads the tile from cache")
def _topk_tile_scores(m: Machine) -> int:
    return max(1 << 20, m.l3_share // 8)


@_constant("LSA_PARALLEL_MIN_WORK", "multiply-adds below which an LSA product, run between "
           "LAPACK calls (Numba's threads fall asleep during each), is faster on one thread "
           "(the crossover in docs/howto/benchmarks.rst)")
def _lsa_parallel_min_work(m: Machine) -> int:
    return _parallel_from(m, 1 << 23)


@_constant("COSINE_DENSE_MIN_ROWS", "rows from which sparse cosine multiplies its frequent "
           "columns with BLAS: below, waking BLAS's threads costs more than the product")
def _cosine_dense_min_rows(m: Machine) -> int:
    return 256


@_constant("COSINE_PARALLEL_MIN_WORK", "output + stored elements from which sparse cosine's "
           "Gram kernel runs in parallel right after the BLAS product: below, it ends within "
           "the time BLAS's threads still spin and shares a core with one of them")
def _cosine_parallel_min_work(m: Machine) -> int:
    return _parallel_from(m, 12 << 20)


@_constant("HASHING_PARALLEL_MIN_CODES", "code points of a chunk from which HashingVectorizer "
           "hashes documents in parallel: below, waking the threads costs more than hashing")
def _hashing_parallel_min_codes(m: Machine) -> int:
    return _parallel_from(m, 1 << 25)


@_constant("POOL_SPIN_MICROSECONDS", "how long the threads of a parallel kernel keep spinning "
           "after it returns: GNU OpenMP's 300,000 rounds (GOMP_SPINCOUNT) last a millisecond "
           "or more on any CPU, none under OMP_WAIT_POLICY=passive")
def _pool_spin_microseconds(m: Machine) -> int:
    return 0 if os.environ.get("OMP_WAIT_POLICY", "").lower() == "passive" else 1000


@_constant("POOL_WAKE_MICROSECONDS", "what waking a sleeping thread pool is taken to cost "
           "until this process has paid a wake (a futex wake per thread, more in a VM): "
           "small calls learn the real cost from their first wake")
def _pool_wake_microseconds(m: Machine) -> int:
    return 100 * max(1, m.n_cpus - 1)


@_constant("LOOKUP_SMALL_MAX_BYTES", "lookups with an output up to this size (a quarter of the "
           "L3 share) stay in the caches: one range per thread while the pool is awake, "
           "the serial kernel on this thread while it sleeps (_pool); larger ones always split")
def _lookup_small_max_bytes(m: Machine) -> int:
    return max(m.l2, m.l3_share // 4)


_SYS_THP = "/sys/kernel/mm/transparent_hugepage"


@_constant("HUGE_PAGE_BYTES", "transparent huge pages of large arrays (hpage_pmd_size; 0 where "
           "they are off): kernels filling a large fresh output touch each one first at its end, "
           "which the system clears faster (_pages)")
def _huge_page_bytes(m: Machine) -> int:
    enabled = _read(_SYS_THP + "/enabled") or "[never]"
    if "[never]" in enabled:
        return 0
    return _size(_read(_SYS_THP + "/hpage_pmd_size")) or 0


@_constant("SCATTER_PARALLEL_MIN_WORK", "positions x columns from which the dense embedding "
           "gradient runs in parallel: below, two threads first-touching a fresh table-sized "
           "output fault slower than one")
def _scatter_parallel_min_work(m: Machine) -> int:
    return _parallel_from(m, 1 << 25)


@_constant("DASK_CLIENT_COUNT_MAX_BYTES", "text files up to this total size are counted by the "
           "client before a Dask job: reading them takes less than a round trip to the workers "
           "counting in parallel (the crossover in docs/howto/benchmarks.rst)")
def _dask_client_count_max_bytes(m: Machine) -> int:
    return 32 << 20


class _Values(dict):
    """Each constant's value now (an :func:`override`, else resolved), filled on first use.

    :func:`get` is this dict's own lookup, a C call: the kernels' callers ask on
    every call, and a Python function's frame costs more there than the lookup.
    """

    def __missing__(self, name: str) -> int:
        if name in _OVERRIDES:
            value = _OVERRIDES[name]
        else:
            resolved = _RESOLVED.get(name)
            if resolved is None:
                resolved = _RESOLVED[name] = _resolve(name)
            value = resolved[0]
        self[name] = value
        return value


_VALUES = _Values()
#: ``get(name)``: constant ``name``, an :func:`override`, else ``SPARSEDENSE_<NAME>``, else
#: derived from the machine. The environment and the machine are read the first time a
#: constant is used in a process; :func:`refresh` reads them again. An unknown name is a
#: KeyError.
get = _VALUES.__getitem__


def _resolve(name: str) -> tuple[int, str]:
    """``(value, "environment" or "derived")`` of constant ``name``, read now."""
    const = _CONSTANTS[name]
    env = os.environ.get("SPARSEDENSE_" + name)
    if env is None:
        return const.derive(machine()), "derived"
    try:
        return int(env), "environment"
    except ValueError:
        raise ValueError(f"environment variable SPARSEDENSE_{name}={env!r}: expected an "
                         "integer") from None


def refresh() -> None:
    """Read the machine and the ``SPARSEDENSE_<NAME>`` variables again on the next :func:`get`."""
    machine.cache_clear()
    _RESOLVED.clear()
    _VALUES.clear()


@contextlib.contextmanager
def override(**values: int) -> Iterator[None]:
    """Set constants for the duration of a ``with`` block (benchmarks, tests, warm-up)."""
    unknown = sorted(set(values) - set(_CONSTANTS))
    if unknown:
        raise KeyError(f"unknown tuning constant(s) {unknown}; known: {sorted(_CONSTANTS)}")
    saved = {k: _OVERRIDES[k] for k in values if k in _OVERRIDES}
    _OVERRIDES.update({k: int(v) for k, v in values.items()})
    _VALUES.clear()
    try:
        yield
    finally:
        for k in values:
            _OVERRIDES.pop(k, None)
        _OVERRIDES.update(saved)
        _VALUES.clear()


def table() -> list[dict]:
    """Every constant: name, value, where the value came from, compile time or not, and why."""
    rows = []
    for name, const in _CONSTANTS.items():
        value = get(name)
        source = "override" if name in _OVERRIDES else _RESOLVED[name][1]
        rows.append({"name": name, "value": value, "source": source,
                     "compile_time": const.compile_time, "reason": const.reason})
    return rows


def _blas() -> list[dict]:
    import numpy  # noqa: F401  (loads the BLAS threadpoolctl reports)
    import threadpoolctl

    return [{k: info.get(k) for k in ("internal_api", "version", "architecture",
                                      "num_threads", "threading_layer")}
            for info in threadpoolctl.threadpool_info()]


def machine_info() -> dict:
    """This machine as the kernels see it, the BLAS numpy uses, and every tuned constant.

    Keys: ``cpu``, ``isa``, ``vector_registers``, ``n_cpus``, ``l1d``, ``l2``,
    ``l3``, ``l3_share`` (the L3 the constants count on: at most ``L3_PER_CPU_MAX``
    per usable CPU), ``cache_line`` (bytes), ``caches_from``, ``blas`` (threadpoolctl's
    view of the loaded BLAS libraries), ``numba_threads`` and ``tuning``
    (:func:`table`). Benchmarks print it beside every figure.

    Returns
    -------
    dict
        The machine, its BLAS and the tuned constants.

    Examples
    --------
    >>> import sparsedense as sd
    >>> info = sd.machine_info()
    >>> info["n_cpus"] >= 1 and info["l2"] > 0
    True
    """
    import numba

    info = asdict(machine())
    info["blas"] = _blas()
    info["numba_threads"] = numba.get_num_threads()
    info["tuning"] = table()
    return info


def _kib(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n >> 10} KiB"


def cpu_line(info: dict | None = None) -> str:
    """One line naming the CPU, its ISA, caches, usable CPUs and BLAS, to print beside figures."""
    info = info or machine_info()
    blas = ", ".join(f"{b['internal_api']} {b['version']} {b['architecture']} "
                     f"({b['num_threads']} threads)" for b in info["blas"]
                     if b.get("internal_api") in ("openblas", "mkl", "blis")) or "BLAS unknown"
    share = (f" ({_kib(info['l3_share'])} counted on)"
             if info.get("l3_share", info["l3"]) < info["l3"] else "")
    return (f"{info['cpu']}, {info['isa'].upper()}, L2 {_kib(info['l2'])}/core, "
            f"L3 {_kib(info['l3'])}{share}, {info['n_cpus']} CPUs; {blas}")


def show_config(file=None) -> None:
    """Print the machine, the BLAS and every tuned constant with its source and reason.

    Parameters
    ----------
    file : file-like, optional
        Where to print (default: ``sys.stdout``).

    Examples
    --------
    >>> import io, sparsedense as sd
    >>> buf = io.StringIO()
    >>> sd.show_config(file=buf)
    >>> "PARALLEL_MIN_WORK" in buf.getvalue()
    True
    """
    info = machine_info()
    out = file or sys.stdout
    print(cpu_line(info), file=out)
    print(f"caches from {info['caches_from']}; numba threads {info['numba_threads']}", file=out)
    for row in info["tuning"]:
        flag = ", compile time" if row["compile_time"] else ""
        print(f"  {row['name']:<20} {row['value']:>12}  ({row['source']}{flag}) "
              f"{row['reason']}", file=out)
