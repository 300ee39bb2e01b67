"""sparsedense.dask on a local cluster: 1 vs 2 workers, and dask-ml's HashingVectorizer.

The corpus (200,000 docs x 100 Zipf tokens; 20,000 x 25 with
``SPARSEDENSE_BENCH_SIZE=small``) is written to 16 text files that the
workers read; each job ends with its blocks persisted on the workers (never
gathered on the client). A ``LocalCluster`` of single-threaded worker
processes on loopback is started in ``setup`` and closed in ``teardown``;
its start-up is timed on its own in ``ClusterStartup``. Rows for dask-ml are
skipped when it is not installed (it is not a dependency). The side-by-side
script with medians, ranges and load averages is ``benchmarks/compare_dask.py``.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import tempfile
from pathlib import Path

from ._corpus import make_corpus, scaled

N_DOCS = scaled(200_000)
DOC_LEN = scaled(100, 4)
N_FILES = 16


#: a fresh seed for each call's graph keys (see _OnCluster._persist)
_CALLS = itertools.count()


def _cluster(n_workers: int, config: str = "default"):
    import dask
    from distributed import Client, LocalCluster

    settings = {}
    if config == "batch":
        from sparsedense.dask import batch_config

        settings = batch_config()
    with dask.config.set(settings):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=":0")
        client = Client(cluster, set_as_default=False)
    client.wait_for_workers(n_workers, timeout=60)
    return cluster, client


class _OnCluster:
    timeout = 120  # never hang a CI run: a stuck cluster fails the benchmark
    number = 1
    repeat = 3
    warmup_time = 0

    def _setup(self, n_workers: int, config: str = "default") -> None:
        if importlib.util.find_spec("distributed") is None:
            raise NotImplementedError("n/a: the dask extra is not installed")
        docs = make_corpus(n_docs=N_DOCS, doc_len=DOC_LEN)
        self.folder = Path(tempfile.mkdtemp(prefix="sparsedense-bench-dask-"))
        per_file = -(-len(docs) // N_FILES)
        self.paths = []
        for i in range(N_FILES):
            path = self.folder / f"part{i:02d}.txt"
            path.write_text("\n".join(docs[i * per_file:(i + 1) * per_file]) + "\n",
                            encoding="utf-8")
            self.paths.append(str(path))
        self.cluster, self.client = _cluster(n_workers, config)

    def teardown(self, *params) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.cluster.close()
        if getattr(self, "folder", None) is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _persist(self, job) -> None:
        """Compute ``job()`` on the workers and wait, then drop the result.

        The graph gets keys of its own on every call (``clone`` with a fresh
        seed): the same keys as the previous call's, whose cancellation may
        still be on its way, would be cancelled with it (dask-ml's graph is
        the same from call to call).
        """
        import dask
        from dask.graph_manipulation import clone
        from distributed import wait

        seed = next(_CALLS)
        with dask.config.set(scheduler=self.client.get), self.client.as_current():
            result = self.client.persist(clone(job(), seed=seed))
            wait(result)
            self.client.cancel(result)


class DaskHashing(_OnCluster):
    """``HashingVectorizer().transform(read_text(files))`` persisted on the workers.

    n/a rows: ``dask-ml`` when dask-ml is not installed; every row without the
    dask extra (setup says which).
    """

    params = (["sparsedense", "dask-ml"], [1, 2])
    param_names = ["impl", "n_workers"]

    def setup(self, impl, n_workers):
        if impl == "dask-ml" and importlib.util.find_spec("dask_ml") is None:
            raise NotImplementedError("n/a: dask-ml is not installed (not a dependency)")
        self._setup(n_workers)
        self.time_transform(impl, n_workers)  # imports, kernels and scatter on every worker

    def time_transform(self, impl, n_workers):
        import sparsedense.dask as sdd

        if impl == "sparsedense":
            # a new read_text bag each call: its rows are counted again (part of the cost)
            cls = sdd.HashingVectorizer
        else:
            from dask_ml.feature_extraction.text import HashingVectorizer as cls
        self._persist(lambda: cls().transform(sdd.read_text(self.paths)))


class DaskEmbed(_OnCluster):
    """``EmbeddingVectorizer(W, words).fit_transform(read_text(files))``: one pass, idf by a tree.

    ``table``: ``array``, the table in memory (a key of the graph: each worker
    gets its copy); ``memmap``, the same table memory-mapped from a ``.npy``
    file (the graph holds its path; the workers of a machine share one copy).
    ``config``: the cluster started with dask's defaults, or under
    ``sparsedense.dask.batch_config()`` (its self-monitoring turned down).
    """

    params = (["array", "memmap"], [1, 2], ["default", "batch"])
    param_names = ["table", "n_workers", "config"]

    def setup(self, table, n_workers, config):
        import numpy as np

        self._setup(n_workers, config)
        docs = make_corpus(n_docs=N_DOCS, doc_len=DOC_LEN)
        self.words = sorted({w for d in docs[:20_000] for w in d.split()})
        self.W = np.random.default_rng(0).standard_normal(
            (len(self.words), 100)).astype(np.float32)
        if table == "memmap":
            np.save(self.folder / "table.npy", self.W)
            self.W = np.load(self.folder / "table.npy", mmap_mode="r")
        self.time_fit_transform(table, n_workers, config)

    def time_fit_transform(self, table, n_workers, config):
        import sparsedense.dask as sdd

        self._persist(lambda: sdd.EmbeddingVectorizer(self.W, self.words).fit_transform(
            sdd.read_text(self.paths)))


class ClusterStartup:
    """``LocalCluster`` + ``Client`` until the workers are up, then closed."""

    params = [1, 2]
    param_names = ["n_workers"]
    timeout = 120
    number = 1
    repeat = 3
    warmup_time = 0

    def setup(self, n_workers):
        if importlib.util.find_spec("distributed") is None:
            raise NotImplementedError("n/a: the dask extra is not installed")

    def time_start(self, n_workers):
        cluster, client = _cluster(n_workers)
        client.close()
        cluster.close()
