"""Peak memory of ``load_vectors(path, quantize="int8")`` on a large word2vec text file.

Issue 26's goal: loading a 1,000,000 x 300 text file with ``quantize="int8"``
peaks below 0.5 GB (the compressed table is 308 MB; the float32 table alone
would be 1.2 GB and the file 2.4 GB). The file is generated once
(``setup_cache``) in a temporary directory: ``"w%07d"`` words, values
``%+.4f`` in [-1, 1] (fixed width, so it is written with numpy at disk
speed). ``SPARSEDENSE_BENCH_SIZE=small`` makes it 20,000 x 300.

* ``peakmem_load`` (``impl``): ``"quantized"`` streams the file into the
  int8 table; ``"float32"`` is ``load_vectors(path)``, the table the stream
  never holds (the file read whole, then parsed).

Run as a script, it measures the quantized load in a child process
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``), prints the peak and
deletes the file::

    PYTHONPATH=src python benchmarks/benchmarks/bench_quantized_load.py [--float]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import numpy as np

try:
    from ._corpus import SMALL
except ImportError:  # run as a script
    SMALL = os.environ.get("SPARSEDENSE_BENCH_SIZE", "") == "small"

N_ROWS = 20_000 if SMALL else 1_000_000
DIM = 300
#: rows generated per write
_ROWS_PER_WRITE = 10_000


def write_text_file(path: str, n: int = N_ROWS, dim: int = DIM, seed: int = 0) -> None:
    """A word2vec text file of ``n`` random rows of ``dim`` values, 8 bytes each."""
    rng = np.random.default_rng(seed)
    digits = np.frombuffer(b"0123456789", dtype=np.uint8)
    with open(path, "wb") as fh:
        fh.write(f"{n} {dim}\n".encode("ascii"))
        for lo in range(0, n, _ROWS_PER_WRITE):
            m = min(_ROWS_PER_WRITE, n - lo)
            line = np.empty((m, 9 + 8 * dim), dtype=np.uint8)
            ids = np.arange(lo, lo + m)
            line[:, 0] = ord("w")
            for k in range(7):  # "w%07d "
                line[:, 7 - k] = digits[(ids // 10 ** k) % 10]
            line[:, 8] = ord(" ")
            values = rng.integers(-9999, 10000, (m, dim))
            cells = line[:, 9:].reshape(m, dim, 8)
            cells[:, :, 0] = np.where(values < 0, ord("-"), ord("+"))
            cells[:, :, 1] = ord("0")
            cells[:, :, 2] = ord(".")
            mag = np.abs(values)
            for k in range(4):
                cells[:, :, 6 - k] = digits[(mag // 10 ** k) % 10]
            cells[:, :, 7] = ord(" ")
            cells[:, -1, 7] = ord("\n")
            fh.write(line.tobytes())


class LoadQuantized:
    """Peak resident memory of loading a large text file, compressed or not."""

    params = (["quantized", "float32"],)
    param_names = ["impl"]
    timeout = 1800

    def setup_cache(self):
        directory = tempfile.mkdtemp(prefix="sparsedense_bench_")
        path = os.path.join(directory, "vectors.txt")
        write_text_file(path)
        return path

    def setup(self, path, impl):
        if not os.path.exists(path):
            raise NotImplementedError(f"{path} is gone")
        from sparsedense import load_vectors

        small = os.path.join(os.path.dirname(path), "warm.txt")
        if not os.path.exists(small):
            write_text_file(small, n=10, dim=DIM)
        load_vectors(small, quantize="int8")  # kernels loaded from the cache

    def peakmem_load(self, path, impl):
        from sparsedense import load_vectors

        load_vectors(path, quantize="int8" if impl == "quantized" else None)


def _rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def _child(path: str, quantized: bool) -> None:
    from sparsedense import load_vectors

    small = path + ".warm.txt"
    # 10 rows take the serial parse only: a warm-up large enough for the parallel one
    # leaves its threads' freed memory resident and raises the peak it would measure
    write_text_file(small, n=10)
    load_vectors(small, quantize="int8")  # the kernels, loaded from the cache
    before = _rss_mib()
    kv = load_vectors(path, quantize="int8" if quantized else None)
    table = f"{kv.weight.dtype} table of shape {kv.weight.shape}, {kv.weight.nbytes >> 20} MiB"
    print(f"{len(kv)} keys, {table}; resident before the load {before:.0f} MiB "
          f"(interpreter, numpy, numba), after it {_rss_mib():.0f} MiB", flush=True)


def main(argv: list[str]) -> None:
    import resource
    import subprocess
    import time

    quantized = "--float" not in argv
    directory = tempfile.mkdtemp(prefix="sparsedense_bench_")
    path = os.path.join(directory, "vectors.txt")
    try:
        write_text_file(path)
        print(f"file: {N_ROWS} x {DIM}, {os.path.getsize(path) / 1e9:.2f} GB", flush=True)
        code = (f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
                f"from bench_quantized_load import _child; _child({path!r}, {quantized})")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        seconds = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"load_vectors(quantize={'int8' if quantized else None}): peak RSS "
              f"{peak_kib * 1024 / 1e9:.3f} GB ({peak_kib / 1024:.0f} MiB), {seconds:.1f} s")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
