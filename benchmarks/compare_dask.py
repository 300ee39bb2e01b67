"""sparsedense.dask side by side: 1 vs 2 workers, and against dask-ml, on one machine.

    python benchmarks/compare_dask.py            # 200,000 docs x 100 Zipf tokens, 5 runs
    python benchmarks/compare_dask.py --quick    # 20,000 docs, 3 runs

The corpus is written to text files (16 of them) that the workers read, as
on a real cluster, so no task carries documents from the client. Each job
ends with its blocks persisted on the workers (``distributed.wait``), never
gathered on the client. Contenders are interleaved run by run (their order
rotates), and the medians, min-max and ratios are printed with the load
average at each run's start, since other processes share the cores.

One cluster is alive at a time: each run starts the 1-worker and 2-worker
clusters (default and batch configuration) in turn (the order rotates),
warms each up (imports, Numba cache loads) and times its jobs; an idle
second cluster's event loops slowed the 2-worker jobs by about 10%
(measured).

* hashing: ``sparsedense.dask.HashingVectorizer().transform`` on a 1-worker
  and a 2-worker cluster, and ``dask_ml.feature_extraction.text.HashingVectorizer``
  (scikit-learn's per partition) on the same 2-worker cluster. sparsedense's
  time includes its row-counting pass (the lengths are forgotten before each
  run), which gives it known chunks; dask-ml's chunks stay unknown.
* embed: ``sparsedense.dask.EmbeddingVectorizer.fit_transform`` (one pass:
  each partition counted once and kept on its worker, idf by tree reduction,
  then weighted and made dense there), 50,000-word x 100 float32 table, on 1
  and 2 workers; the table in memory (a key of the graph, each worker gets a
  copy) and memory-mapped from a ``.npy`` file (the graph holds its path:
  the workers of one machine share the page cache's copy).
* embed, batch config: the mapped-table embed job on 1 and 2 workers of
  clusters started under ``sparsedense.dask.batch_config()`` (profiler off,
  slower health checks and system monitor), as the command line's
  ``embed --workers`` starts its own.
* cluster start-up: ``LocalCluster`` + ``Client`` until the workers are up.

dask-ml comes with the ``bench`` extra (``pip install -e ".[bench]"``); without it its row is skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
from _corpus import make_corpus  # noqa: E402

N_FILES = 16


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def start_cluster(n_workers: int, config: dict | None = None):
    """A ``LocalCluster`` of ``n_workers`` single-threaded processes, started under ``config``."""
    import dask
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with dask.config.set(config or {}):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=":0")
        client = Client(cluster, set_as_default=False)
    client.wait_for_workers(n_workers)
    return cluster, client, time.perf_counter() - t0


def write_corpus(docs: list[str], folder: Path) -> list[str]:
    paths = []
    per_file = -(-len(docs) // N_FILES)
    for i in range(N_FILES):
        path = folder / f"part{i:02d}.txt"
        path.write_text("\n".join(docs[i * per_file:(i + 1) * per_file]) + "\n",
                        encoding="utf-8")
        paths.append(str(path))
    return paths


def timed_on(client, job) -> float:
    """Seconds for ``job()`` (which builds a dask collection) to be persisted on the workers."""
    import dask
    from distributed import wait

    with dask.config.set(scheduler=client.get), client.as_current():
        t0 = time.perf_counter()
        result = job()
        result = client.persist(result)
        wait(result)
        elapsed = time.perf_counter() - t0
    keys = [f.key for f in client.futures_of(result)]
    client.cancel(result)
    del result
    # the next run of the same job has the same keys: let the scheduler forget these first
    # (a persist racing the cancel gets its futures cancelled)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and client.run_on_scheduler(
            _still_known, keys):
        time.sleep(0.05)
    return elapsed


def _still_known(keys, dask_scheduler=None) -> bool:
    return any(k in dask_scheduler.tasks for k in keys)


def hashing_sparsedense(paths):
    def job():
        import sparsedense.dask as sdd

        # a new read_text bag each call: its rows are counted again (part of the honest cost)
        return sdd.HashingVectorizer().transform(sdd.read_text(paths))
    return job


def hashing_dask_ml(paths):
    def job():
        from dask_ml.feature_extraction.text import HashingVectorizer

        import sparsedense.dask as sdd

        return HashingVectorizer().transform(sdd.read_text(paths))
    return job


def embed_job(paths, words, W):
    def job():
        import sparsedense.dask as sdd

        bag = sdd.read_text(paths)
        return sdd.EmbeddingVectorizer(W, words, mode="mean").fit_transform(bag)
    return job


def summary(times: list[float]) -> str:
    return (f"median {statistics.median(times):7.3f} s  "
            f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)})")


def ratio(a: list[float], b: list[float]) -> str:
    """median(a) / median(b), with the range of the per-run ratios."""
    per_run = [x / y for x, y in zip(a, b)]
    return (f"{statistics.median(a) / statistics.median(b):5.2f}x  "
            f"(per run {min(per_run):.2f}-{max(per_run):.2f})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 docs, 3 runs")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    n_docs = 20_000 if args.quick else 200_000
    runs = args.runs or (3 if args.quick else 5)
    have_dask_ml = importlib.util.find_spec("dask_ml") is not None
    from sparsedense.dask import batch_config

    print(f"corpus: {n_docs:,} docs x 100 Zipf tokens (50,000 word types), {N_FILES} files; "
          f"{runs} runs; {os.cpu_count()} cores; load average {loadavg()}")
    docs = make_corpus(n_docs=n_docs, doc_len=100)
    words = sorted({w for d in docs[:20_000] for w in d.split()})
    rng = np.random.default_rng(0)
    W = rng.standard_normal((len(words), 100)).astype(np.float32)

    startup = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="sparsedense-dask-bench-") as tmp:
        paths = write_corpus(docs, Path(tmp))
        del docs
        np.save(Path(tmp) / "table.npy", W)
        W_mapped = np.load(Path(tmp) / "table.npy", mmap_mode="r")
        # start-up cost, measured on its own (clusters started and closed in turn)
        for _ in range(3):
            for n in (1, 2):
                cluster, client, seconds = start_cluster(n)
                startup[n].append(seconds)
                client.close()
                cluster.close()
        # one cluster alive at a time: the idle processes of another (its scheduler,
        # nanny and worker event loops) slowed the 2-worker jobs by ~10% here
        # clusters: (workers, configuration started under)
        jobs = {
            (1, "default"): {"hash sparsedense 1w": hashing_sparsedense(paths),
                             "embed sparsedense 1w": embed_job(paths, words, W),
                             "embed mmap table 1w": embed_job(paths, words, W_mapped)},
            (2, "default"): {"hash sparsedense 2w": hashing_sparsedense(paths),
                             "embed sparsedense 2w": embed_job(paths, words, W),
                             "embed mmap table 2w": embed_job(paths, words, W_mapped)},
            (1, "batch"): {"embed mmap batch 1w": embed_job(paths, words, W_mapped)},
            (2, "batch"): {"embed mmap batch 2w": embed_job(paths, words, W_mapped)},
        }
        configs = {"default": {}, "batch": batch_config()}
        if have_dask_ml:
            jobs[2, "default"]["hash dask-ml 2w"] = hashing_dask_ml(paths)
        times: dict[str, list[float]] = {name: [] for c in jobs for name in jobs[c]}
        loads = []
        for r in range(runs):
            loads.append(loadavg())
            order = list(jobs)
            for c in order[r % len(order):] + order[:r % len(order)]:
                cluster, client, _ = start_cluster(c[0], configs[c[1]])
                names = list(jobs[c])
                for name in names:  # warm-up: imports, Numba cache loads on every worker
                    timed_on(client, jobs[c][name])
                for name in names[r % len(names):] + names[:r % len(names)]:
                    times[name].append(timed_on(client, jobs[c][name]))
                client.close()
                cluster.close()
            print(f"  run {r + 1}/{runs} done (load average at start {loads[-1]})",
                  flush=True)

    print("\ncluster start-up (LocalCluster + Client, workers up):")
    for n in (1, 2):
        print(f"  {n} worker(s): {summary(startup[n])}")
    print("\njob times (transform persisted on the workers):")
    for name, t in times.items():
        print(f"  {name:22s} {summary(t)}")
    print("\nratios (> 1: the second is faster):")
    print(f"  hashing, 1 -> 2 workers:          "
          f"{ratio(times['hash sparsedense 1w'], times['hash sparsedense 2w'])}")
    if have_dask_ml:
        print(f"  hashing, dask-ml vs sparsedense:  "
              f"{ratio(times['hash dask-ml 2w'], times['hash sparsedense 2w'])}  (2 workers)")
    print(f"  embed, 1 -> 2 workers:            "
          f"{ratio(times['embed sparsedense 1w'], times['embed sparsedense 2w'])}")
    print(f"  embed (mmap table), 1 -> 2:       "
          f"{ratio(times['embed mmap table 1w'], times['embed mmap table 2w'])}")
    print(f"  embed (mmap, batch config), 1 -> 2:"
          f"{ratio(times['embed mmap batch 1w'], times['embed mmap batch 2w'])}")
    print(f"  embed 2w, default -> batch config:"
          f"{ratio(times['embed mmap table 2w'], times['embed mmap batch 2w'])}")
    print(f"\nload averages at the start of each run: {'; '.join(loads)}; "
          f"at the end: {loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
