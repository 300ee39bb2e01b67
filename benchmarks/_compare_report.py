"""compare.py's report: the machine a figure was measured on, the ratios, the README table.

Plain functions on the timings ``compare.py`` measured (``{"times": {contender:
[seconds, ...]}, ...}`` per case, or several processes' of the same cases
merged): the CPU line (model, ISA, caches, BLAS, threads, load, date), the
ratio of each peer to sparsedense with its range and sparsedense's p95/median,
the list of rows where sparsedense is slower, and the markdown table that
``--readme`` writes between README.md's markers.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import statistics
import sys
import threading

import numpy as np

import sparsedense as sd

#: the sizes of every workload: small and medium are what a user meets in a
#: notebook or a mini-batch, large is the size the issues name
SIZES = ("small", "medium", "large")
#: a contender whose name contains one of these is a reference, not a peer: a physical
#: limit (the copy of the output, the bare GEMM) or a part of the work only (sparsedense's
#: structural check of its input, torch's table gradient without the weights' gradient)
REFERENCE_MARKS = ("(limit)", "(part)")

#: the distributions whose versions are printed beside the figures
VERSIONS = ("sparsedense", "numpy", "scipy", "numba", "torch", "scikit-learn", "gensim",
            "threadpoolctl")
#: the /proc/cpuinfo flags that name the vector ISA (printed in the JSON, as lscpu would)
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
             "avx512_bf16", "amx_tile", "asimd", "sve")


def _cpuinfo() -> dict[str, str]:
    """The first processor's block of /proc/cpuinfo (empty where there is none)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            block = fh.read().split("\n\n")[0]
    except OSError:
        return {}
    fields = (line.split(":", 1) for line in block.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in fields}


def _cache_bytes(text: str) -> int:
    text = text.strip().upper()
    unit = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(text.rstrip("KMG") or 0) * unit


def _proc_machine() -> dict:
    """The keys of ``sparsedense.machine_info()``, read from /proc/cpuinfo and /sys by this script.

    Used when the installed sparsedense has no ``machine_info`` (an older version
    under test), so the figures still carry their CPU.
    """
    cpu = _cpuinfo()
    flags = set((cpu.get("flags") or cpu.get("Features") or "").split())
    isa = ("avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "avx"
           if "avx" in flags else "neon" if "asimd" in flags else "sse" if "sse2" in flags
           else platform.machine() or "unknown")
    info = {"cpu": cpu.get("model name") or platform.processor() or platform.machine(),
            "isa": isa, "vector_registers": 32 if {"avx512vl", "asimd"} & flags else 16,
            "n_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1, "l1d": 0, "l2": 0, "l3": 0, "cache_line": 0}
    root = "/sys/devices/system/cpu/cpu0/cache"
    for entry in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        def read(name, entry=entry):
            try:
                with open(os.path.join(root, entry, name)) as fh:
                    return fh.read().strip()
            except OSError:
                return ""
        level, kind = read("level"), read("type")
        key = {"1": "l1d", "2": "l2", "3": "l3"}.get(level)
        if key and kind != "Instruction" and read("size"):
            info[key] = _cache_bytes(read("size"))
            info["cache_line"] = int(read("coherency_line_size") or info["cache_line"])
    info["blas"] = _blas()
    return info


def _blas() -> list[dict]:
    """threadpoolctl's view of the thread pools numpy/scipy/torch loaded (empty without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads",
            "threading_layer", "filepath")
    out = []
    for d in threadpool_info():
        entry = {k: d.get(k) for k in keys if k in d}
        # numpy and scipy each bring their own OpenBLAS: name the package a library came with
        parts = (d.get("filepath") or "").split(os.sep)
        owner = [p[:-5] for p in parts if p.endswith(".libs")] or \
            [parts[i + 1] for i, p in enumerate(parts[:-2]) if p == "site-packages"]
        if owner:
            entry["package"] = owner[0]
        out.append(entry)
    return out


def _numba_threads() -> dict:
    """numba's version, threading layer and thread count (the layer starts on a first
    parallel call: a two-line prange is compiled here for that)."""
    import numba

    @numba.njit(parallel=True)
    def count(n):
        s = 0
        for i in numba.prange(n):
            s += i
        return s
    try:
        count(1_000)
        layer = numba.threading_layer()
    except Exception as exc:  # a broken layer must not stop the comparison: print it
        layer = f"unknown ({type(exc).__name__}: {exc})"
    return {"version": numba.__version__, "threading_layer": layer,
            "threads": numba.get_num_threads(), "configured": numba.config.THREADING_LAYER}


def machine() -> dict:
    """Everything a ratio depends on besides the code: CPU, caches, BLAS, threads, versions,
    date, load (``sparsedense.machine_info()`` where the installed version has it)."""
    info_fn = getattr(sd, "machine_info", None)
    info = dict(info_fn()) if info_fn is not None else _proc_machine()
    info["source"] = "sparsedense.machine_info()" if info_fn is not None else "/proc, /sys"
    info["blas"] = _blas()  # threadpoolctl's view, each library with the package it came with
    cpu = _cpuinfo()
    if "cpu family" in cpu:
        info["cpu_id"] = f"family {cpu['cpu family']}, model {cpu.get('model', '?')}"
    info["flags"] = [f for f in ISA_FLAGS
                     if f in set((cpu.get("flags") or cpu.get("Features") or "").split())]
    info["numba"] = _numba_threads()
    torch = sys.modules.get("torch")  # (compare.py imports it when it is installed)
    info["torch_threads"] = torch.get_num_threads() if torch is not None else None
    versions = {}
    for dist in VERSIONS:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    info["versions"] = versions
    info["python"] = platform.python_version()
    info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info["load_start"] = _load()
    return info


def _load() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _bytes(n) -> str:
    if not n:
        return "?"
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n >> 10} KiB"


def cpu_line(info: dict) -> str:
    """One line: CPU, ISA, caches, usable CPUs, BLAS and threads."""
    cpu = info.get("cpu", "unknown CPU") + (f" ({info['cpu_id']})" if info.get("cpu_id") else "")
    blas = [b for b in info.get("blas", []) if b.get("user_api") == "blas"
            or b.get("internal_api") in ("openblas", "mkl", "blis", "accelerate", "flexiblas")]
    blas_text = "; ".join(f"{b.get('internal_api')} {b.get('version')} "
                          f"{b.get('architecture') or ''}".rstrip()
                          + (f" ({b['package']})" if b.get("package") else "")
                          + f", {b.get('num_threads')} threads" for b in blas) or \
        "BLAS unknown (no threadpoolctl)"
    nb = info.get("numba", {})
    torch_text = f", torch {info['torch_threads']} threads" if info.get("torch_threads") else ""
    share = info.get("l3_share")  # the L3 the tuned constants count on, when it is less
    share_text = f" ({_bytes(share)} counted on)" if share and share < info.get("l3", 0) else ""
    return (f"{cpu}, {str(info.get('isa', '?')).upper()}, L2 {_bytes(info.get('l2'))}/core, "
            f"L3 {_bytes(info.get('l3'))}{share_text}, {info.get('n_cpus', '?')} usable CPUs; "
            f"BLAS {blas_text}; numba {nb.get('threading_layer', '?')} layer, "
            f"{nb.get('threads', '?')} threads{torch_text}")


def versions_line(info: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in info.get("versions", {}).items() if v) \
        + f", Python {info.get('python', '?')}"


# -- ratios, the summary, the README table -------------------------------------

def _processes(result: dict) -> list[dict]:
    """Each process's timings of a case (one process: its ``times``; see :func:`merge`)."""
    return result.get("processes") or [result["times"]]


def ratio_rows(results: list[dict]) -> list[dict]:
    """One row per (workload, size, peer): the ratio of medians and the range of the per-run
    ratios (run r of the peer over run r of sparsedense: the two ran next to each other).

    A case measured in several processes (``processes``: each one's timings, see
    :func:`merge`) gets the median of the processes' ratios of medians, their range,
    and the median of the processes' p95/median.
    """
    rows = []
    for r in results:
        procs = _processes(r)
        bases = [statistics.median(p["sparsedense"]) for p in procs]
        tail = statistics.median([float(np.percentile(p["sparsedense"], 95)) / b
                                  for p, b in zip(procs, bases)])
        for name in r["times"]:
            if name == "sparsedense":
                continue
            if len(procs) == 1:
                ts, ours = procs[0][name], procs[0]["sparsedense"]
                ratio = statistics.median(ts) / bases[0]
                spread = [t / b for t, b in zip(ts, ours)]
            else:
                spread = [statistics.median(p[name]) / b for p, b in zip(procs, bases)]
                ratio = statistics.median(spread)
            rows.append({"group": r["group"], "workload": r["workload"], "size": r["size"],
                         "detail": r["detail"], "peer": name, "ratio": ratio,
                         "low": min(spread), "high": max(spread), "p95_median": tail,
                         "processes": len(procs),
                         "reference": any(m in name for m in REFERENCE_MARKS)})
    return rows


def merge(parts: list[list[dict]]) -> list[dict]:
    """The results of the same cases measured in several processes (one list each): per
    case, each process's timings (``processes``) and all of them pooled (``times``)."""
    merged = []
    for cases in zip(*parts, strict=True):
        names = {c["case"] for c in cases}
        if len(names) != 1:
            raise RuntimeError(f"the processes measured different cases: {sorted(names)}")
        entry = {k: v for k, v in cases[0].items() if k != "times"}
        entry["processes"] = [c["times"] for c in cases]
        entry["times"] = {name: [t for c in cases for t in c["times"][name]]
                          for name in cases[0]["times"]}
        merged.append(entry)
    return merged


def slower(rows: list[dict]) -> list[dict]:
    """The rows where sparsedense is slower than a peer (the reference rows excepted)."""
    return [row for row in rows if not row["reference"] and row["ratio"] < 1]


def summary_line(rows: list[dict]) -> str:
    bad = slower(rows)
    if not bad:
        return "sparsedense is slower than no peer at any size measured here"
    return "sparsedense is SLOWER than: " + "; ".join(
        f"{row['workload']} [{row['size']}] vs {row['peer']} ({_ratio(row['ratio'])})"
        for row in bad)


def _ratio(x: float) -> str:
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


BEGIN = "<!-- compare.py --markdown: begin -->"
END = "<!-- compare.py --markdown: end -->"


def markdown(results: list[dict], info: dict) -> str:
    """The README speed table of one run, preceded by its machine, load and date."""
    rows = ratio_rows(results)
    runs = sorted({(r["size"], len(_processes(r)[0]["sparsedense"])) for r in results},
                  key=lambda x: SIZES.index(x[0]) if x[0] in SIZES else len(SIZES))
    n_procs = max((len(_processes(r)) for r in results), default=1)
    runs_text = ", ".join(f"{s}: {n} runs" for s, n in runs)
    if n_procs > 1:
        how = (f"Each size measured in {n_procs} processes one after another (a process's "
               "memory layout shifts the speed of every call in it, steadily), contenders "
               f"interleaved run by run in each ({runs_text} in a process), each sample "
               "started once the thread pools of the one before it were idle. Ratio = the "
               "median over the processes of the peer's median time / sparsedense's (> 1: "
               "sparsedense is faster), in brackets the lowest and highest process's ratio; "
               "p95/median is sparsedense's, the median over the processes (a steady kernel "
               "stays near 1). ")
        spread = "per-process range"
    else:
        how = (f"Contenders interleaved run by run ({runs_text}), each sample started once "
               "the thread pools of the one before it were idle. Ratio = the peer's median "
               "time / sparsedense's (> 1: sparsedense is faster), in brackets the lowest and "
               "highest ratio of a run to its neighbouring run; p95/median is sparsedense's "
               "(a steady kernel stays near 1). ")
        spread = "per-run range"
    lines = [
        f"Measured by `python benchmarks/compare.py` on {info.get('date', '?')}: "
        f"{cpu_line(info)}. Load average {info.get('load_start')} at the start, "
        f"{info.get('load_end')} at the end. {versions_line(info)}.",
        "",
        how + "Rows marked (limit) or (part) are references, not peers.",
        "",
        f"| workload | size | peer | ratio ({spread}) | sparsedense p95/median |",
        "|---|---|---|---|---|",
    ]
    last = None
    for row in rows:
        case = (row["workload"], row["size"], row["detail"])
        first = case != last  # the case's first peer names it; the next ones leave it blank
        last = case
        size = f"{row['size']}: {row['detail']}" if row["detail"] else row["size"]
        tail = f"{row['p95_median']:.2f}"
        lines.append(f"| {row['workload'] if first else ''} | {size if first else ''} "
                     f"| {row['peer']} | {_ratio(row['ratio'])} "
                     f"({_ratio(row['low'])}-{_ratio(row['high'])}) "
                     f"| {tail if first else ''} |")
    lines += ["", summary_line(rows) + "."]
    return "\n".join(lines) + "\n"


def replace_table(text: str, block: str) -> str:
    """``text`` with everything between the BEGIN and END markers replaced by ``block``."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"README must hold the markers {BEGIN!r} and {END!r} once each, "
                         "in that order")
    head, rest = text.split(BEGIN)
    tail = rest.split(END)[1]
    return f"{head}{BEGIN}\n{block.strip(chr(10))}\n{END}{tail}"


def write_readme(path: str, block: str) -> None:
    """Rewrite the table between the markers of the README at ``path`` (nothing else)."""
    with open(path, encoding="utf-8") as fh:
        text = replace_table(fh.read(), block)
    tmp = f"{path}.compare-tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


