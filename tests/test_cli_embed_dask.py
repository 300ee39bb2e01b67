"""``sparsedense embed --scheduler / --workers``: the embed command on a dask cluster.

The file written on a cluster (or local worker processes) is byte for byte the
single-machine one; a large table travels as one key of the graph (no "large
graph" warning) or as a memory-mapped file shared by local workers; a failing
job is a one-line error that leaves the previous output.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402

import sparsedense as sd  # noqa: E402


@pytest.fixture(scope="module")
def docs(sample_docs):
    # the sample corpus plus documents that make empty rows and repeated words
    return sample_docs + ["", "the the the", "예금 예금 적금"]


@pytest.fixture(scope="module")
def table(docs):
    words = sd.CountVectorizer().fit(docs).get_feature_names_out().tolist()[::2]
    rng = np.random.default_rng(0)
    return words, rng.standard_normal((len(words), 16)).astype(np.float32)


def run_cli(*args, check=True, **environ):
    import subprocess
    import sys

    env = dict(os.environ, PYTHONIOENCODING="utf-8", **environ)
    proc = subprocess.run([sys.executable, "-m", "sparsedense", *map(str, args)],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def cli_corpus(tmp_path, docs, table):
    words, W = table
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("\n".join(docs[:150]) + "\n", encoding="utf-8")
    with gzip.open(folder / "b.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(docs[150:300]) + "\n")
    (folder / "c.txt").write_text("\n".join(docs[300:]) + "\n", encoding="utf-8")
    vectors = tmp_path / "vectors.txt"
    sd.Vectors(words, W).save(vectors, format="word2vec")
    return folder, vectors


def test_cli_embed_on_the_cluster_writes_the_same_file(client, cli_corpus, docs, tmp_path):
    folder, vectors = cli_corpus
    single, on_dask = tmp_path / "single.npy", tmp_path / "dask.npy"
    common = ["--vectors", vectors, "--mode", "mean", "--normalize", "l2"]
    run_cli("embed", folder, *common, "-o", single)
    proc = run_cli("embed", folder, *common, "--scheduler", client.scheduler.address,
                   "-o", on_dask)
    assert f"{len(docs)} documents embedded" in proc.stdout  # the empty line counts too
    assert on_dask.read_bytes() == single.read_bytes()


def test_cli_embed_with_a_table_over_10_mb_does_not_warn(client, cli_corpus, table, tmp_path):
    # the table is one key of the graph by design: no "Sending large graph" warning
    folder, _ = cli_corpus
    words, W = table
    rng = np.random.default_rng(5)
    extra = [f"extra{i}" for i in range(11_000)]
    big = np.concatenate([np.resize(W, (len(words), 256)),
                          rng.standard_normal((len(extra), 256))]).astype(np.float32)
    assert big.nbytes > 10 * 2**20
    vectors = tmp_path / "big.bin"
    sd.Vectors(list(words) + extra, big).save(vectors, format="word2vec", binary=True)
    out = tmp_path / "docs.npy"
    proc = run_cli("embed", folder, "--vectors", vectors, "--scheduler",
                   client.scheduler.address, "-o", out)
    assert "large graph" not in proc.stderr.lower(), proc.stderr
    single = tmp_path / "single.npy"
    run_cli("embed", folder, "--vectors", vectors, "-o", single)
    assert out.read_bytes() == single.read_bytes()


def test_cli_embed_with_local_workers_to_npz(cli_corpus, tmp_path):
    folder, vectors = cli_corpus
    single, on_dask = tmp_path / "single.npz", tmp_path / "dask.npz"
    common = ["--vectors", vectors, "--weighting", "count", "--mode", "sum"]
    run_cli("embed", folder, *common, "-o", single)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    run_cli("embed", folder, *common, "--workers", "2", "-o", on_dask, TMPDIR=str(scratch))
    np.testing.assert_array_equal(np.load(on_dask)["embeddings"],
                                  np.load(single)["embeddings"])
    # the table's temporary file (shared by the local workers) is gone
    assert not list(scratch.glob("sparsedense-embed-*")), list(scratch.iterdir())


def test_cli_local_workers_share_a_memory_mapped_table(tmp_path):
    from sparsedense.cli.embed import _shared_table
    from sparsedense._base.files import memmap_source

    W = np.arange(12, dtype=np.float32).reshape(4, 3)
    with _shared_table(W, local=True) as shared:
        assert isinstance(shared, np.memmap) and memmap_source(shared) is not None
        np.testing.assert_array_equal(shared, W)
        folder = Path(shared.filename).parent
    assert not folder.exists()
    with _shared_table(W, local=False) as shared:  # a remote cluster: the array itself
        assert shared is W
    np.save(tmp_path / "w.npy", W)
    mapped = np.load(tmp_path / "w.npy", mmap_mode="r")
    with _shared_table(mapped, local=True) as shared:  # already mapped: as it is
        assert shared is mapped


def test_cli_local_cluster_runs_with_the_batch_config():
    import argparse

    from sparsedense.cli.embed import _dask_client

    def worker_settings():
        return (dask.config.get("distributed.worker.profile.enabled"),
                dask.config.get("distributed.admin.tick.interval"))

    before = worker_settings()
    with _dask_client(argparse.Namespace(scheduler=None, workers=2)) as client:
        on_workers = client.run(worker_settings)
        on_scheduler = client.run_on_scheduler(worker_settings)
    assert len(on_workers) == 2
    assert set(on_workers.values()) == {(False, "200ms")} and on_scheduler == (False, "200ms")
    assert worker_settings() == before  # the client's own configuration is restored


def test_cli_embed_failing_job_leaves_nothing_behind(client, cli_corpus, tmp_path):
    folder, vectors = cli_corpus
    (folder / "d.txt").write_bytes(b"fine line\n\xff\xfe not utf-8\n")
    out = tmp_path / "docs.npy"
    out.write_bytes(b"previous")
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = run_cli("embed", folder, "--vectors", vectors, "--scheduler",
                   client.scheduler.address, "-o", out, check=False)
    assert proc.returncode == 2, proc.stderr
    # the worker's error found again on the client, with its file and line
    assert proc.stderr.strip().splitlines() == [
        f"sparsedense embed: error: {folder / 'd.txt'}: line 2: not valid utf-8 text (invalid "
        "start byte at byte 0 of the line), pass its --encoding (--unicode-errors replace is for "
        "the run without --workers and --scheduler)"]
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    proc = run_cli("embed", folder, "--lsa", "2", "--workers", "2", "-o", out, check=False)
    assert proc.returncode == 2 and "--scheduler and --workers run the --vectors job" in \
        proc.stderr
    proc = run_cli("embed", folder, "--vectors", vectors, "--workers", "0", "-o", out,
                   check=False)
    assert proc.returncode == 2 and "--workers must be >= 1; got 0" in proc.stderr
    proc = run_cli("embed", folder, "--vectors", vectors, "--workers", "1", "--unicode-errors",
                   "replace", "-o", out, check=False)
    assert proc.returncode == 2 and "--unicode-errors replace is for the run on one machine" \
        in proc.stderr
    assert out.read_bytes() == b"previous"
