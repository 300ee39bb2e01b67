"""The command line never loses a user's file: temporary names, signals, full disks, links.

Every command that writes builds its output under a unique temporary name
beside it and renames it over the output when complete; these tests check
that no other name is touched, that a failure, SIGINT or SIGTERM leaves no
temporary file and the previous output as it was, and that a full disk (a
tiny tmpfs in a private mount namespace) is a one-line error, exit status 1.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sparsedense as sd

from test_base_files import listing
from test_cli import run

WORDS = [f"w{i}" for i in range(200)]


def write_corpus(path: Path, n_docs: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, len(WORDS), size=(n_docs, 8))
    path.write_text("\n".join(" ".join(WORDS[i] for i in row) for row in ids) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    """A corpus of 300 documents and a native vector file (200 words x 16), in tmp_path."""
    rng = np.random.default_rng(0)
    vectors = tmp_path / "vectors.npz"
    sd.Vectors(WORDS, rng.standard_normal((len(WORDS), 16)).astype(np.float32)).save(
        vectors, format="native")
    return write_corpus(tmp_path / "corpus.txt", 300), vectors


def expected_embeddings(corpus: Path, vectors: Path) -> np.ndarray:
    docs = corpus.read_text(encoding="utf-8").splitlines()
    return sd.EmbeddingVectorizer(sd.load_vectors(vectors)).fit_transform(docs)


# -- other people's files -----------------------------------------------------------
@pytest.mark.parametrize("job", [["--vectors"], ["--lsa", "3"]])
def test_embed_to_npz_leaves_a_users_npy_of_the_same_name(files, tmp_path, job):
    corpus, vectors = files
    mine = tmp_path / "docs.npy"
    mine.write_bytes(b"my own array")
    args = [*job, vectors] if job == ["--vectors"] else job
    run("embed", corpus, *args, "-o", tmp_path / "docs.npz")
    assert mine.read_bytes() == b"my own array"
    D = np.load(tmp_path / "docs.npz")["embeddings"]
    assert D.shape[0] == 300
    if job == ["--vectors"]:
        np.testing.assert_allclose(D, expected_embeddings(corpus, vectors), rtol=1e-5,
                                   atol=1e-6)
    assert sorted(listing(tmp_path)) == ["corpus.txt", "docs.npy", "docs.npz", "vectors.npz"]


def test_no_command_touches_a_name_besides_its_outputs(files, tmp_path):
    corpus, vectors = files
    decoys = {}
    for name in ["docs.npy", "docs.npz.npy", "docs.tmp", ".docs.npz", ".docs.npz.tmp",
                 "X.npy", "X.tmp.npz", ".X.npz", "X.vocab.json.tmp", "v.npy", "v.txt.tmp",
                 "w.npy", "w.txt.npy", "map.npy", "map.tmp.png", "sparsedense.tmp"]:
        decoys[name] = f"user's {name}".encode()
        (tmp_path / name).write_bytes(decoys[name])
    before = listing(tmp_path)
    run("embed", corpus, "--vectors", vectors, "-o", tmp_path / "docs.npz")
    run("embed", corpus, "--vectors", vectors, "-o", tmp_path / "docs.npy.npz")
    run("vectorize", corpus, "-o", tmp_path / "X")  # writes X.npz and X.vocab.json
    run("vectors", "convert", vectors, tmp_path / "v.txt")
    train_corpus = write_corpus(tmp_path / "sentences.txt", 400, seed=1)
    run("train", train_corpus, "--method", "ppmi-svd", "--vector-size", "4", "--min-count",
        "1", "-o", tmp_path / "w.txt")
    outputs = {"docs.npz", "docs.npy.npz", "X.npz", "X.vocab.json", "v.txt", "w.txt",
               "sentences.txt"}
    after = listing(tmp_path)
    assert set(after) == set(before) | outputs
    assert {k: after[k] for k in before} == before


def test_concurrent_runs_to_one_npz_give_one_whole_file(tmp_path, files):
    corpus, vectors = files
    big = write_corpus(tmp_path / "big.txt", 20_000, seed=2)
    out = tmp_path / "docs.npz"
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    procs = [subprocess.Popen([sys.executable, "-m", "sparsedense", "-q", "embed", big,
                               "--vectors", vectors, "--chunk-size", "500", "-o", out],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    np.testing.assert_allclose(np.load(out)["embeddings"], expected_embeddings(big, vectors),
                               rtol=1e-5, atol=1e-6)
    assert sorted(listing(tmp_path)) == ["big.txt", "corpus.txt", "docs.npz", "vectors.npz"]


# -- signals --------------------------------------------------------------------------
#: ``python -m sparsedense`` with Python's Ctrl-C handler (KeyboardInterrupt) in place
_WITH_CTRL_C = ("import runpy, signal, sys; signal.signal(signal.SIGINT, "
                "signal.default_int_handler); sys.argv[0] = 'sparsedense'; "
                "runpy.run_module('sparsedense', run_name='__main__', alter_sys=True)")


@pytest.mark.parametrize("signum, suffix, codes", [
    (signal.SIGTERM, ".npy", (128 + signal.SIGTERM, -signal.SIGTERM)),
    (signal.SIGTERM, ".npz", (128 + signal.SIGTERM, -signal.SIGTERM)),
    (signal.SIGINT, ".npz", (130,)),
])
def test_a_signal_mid_write_leaves_no_temporary_file_and_the_old_output(
        tmp_path, files, signum, suffix, codes):
    _, vectors = files
    # 120,000 documents: the temporary output lives about a second on a fast machine
    corpus = write_corpus(tmp_path / "big.txt", 120_000, seed=3)
    out = tmp_path / f"docs{suffix}"
    out.write_bytes(b"previous output")
    if suffix == ".npz":  # the name the command once built its .npz under
        (tmp_path / "docs.npy").write_bytes(b"user's own file")
    before = listing(tmp_path)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    # small chunks: the second pass (rows appended to the temporary file) takes a while.
    # Ctrl-C's handler installed first: a process started in the background (a CI job
    # under nohup or `&`) inherits SIGINT ignored, and Python keeps it ignored
    args = ["-q", "embed", str(corpus), "--vectors", str(vectors), "--chunk-size", "20",
            "-o", str(out)]
    proc = subprocess.Popen([sys.executable, "-c", _WITH_CTRL_C, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def temporary():
        return [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.")]
    try:
        deadline = time.monotonic() + 300
        while not temporary():
            assert proc.poll() is None, "the command ended before writing its output"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(0.05)  # some rows written
        # the signal must land mid-write: the temporary file still there, the command running
        assert temporary() and proc.poll() is None, "the write ended before the signal"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in codes, (proc.returncode, err.decode())
    assert "Traceback" not in err.decode()
    assert listing(tmp_path) == before


def test_sigterm_handlers_are_restored_after_a_command(tmp_path, files, capsys):
    from sparsedense.cli import main

    corpus, vectors = files
    previous = signal.getsignal(signal.SIGTERM)
    assert main(["-q", "embed", str(corpus), "--vectors", str(vectors), "-o",
                 str(tmp_path / "d.npy")]) == 0
    assert signal.getsignal(signal.SIGTERM) is previous


# -- full disk ------------------------------------------------------------------------
def _tmpfs_permitted(folder: Path) -> bool:
    if shutil.which("unshare") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs '{folder}'"],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


def run_on_full_disk(folder: Path, args: list, free: int = 16 << 10, stdin: str | None = None,
                     previous: dict | None = None, **environ):
    """Run the command with ``folder`` a 1 MiB tmpfs with ``free`` bytes left (a private mount).

    ``previous`` files are written into it first. Returns the process and
    ``folder``'s listing {name: content} as the command left it.
    """
    if not _tmpfs_permitted(folder):
        pytest.skip("needs root and unshare/mount to put a small tmpfs in a private mount "
                    "namespace")
    setup = [f"mount -t tmpfs -o size=1m tmpfs '{folder}' || exit 99",
             f"head -c $((1048576 - {free})) /dev/zero > '{folder}/filler'"]
    for name, content in (previous or {}).items():
        setup.append(f"printf '%s' '{content}' > '{folder}/{name}'")
    code = (f"{sys.executable} -c 'import sys, json, pathlib; "
            f"p = pathlib.Path(sys.argv[1]); "
            f"print(json.dumps({{f.name: (f.read_bytes().decode() if f.name != \"filler\" "
            f"else f.stat().st_size) for f in p.iterdir()}}))' '{folder}'")
    command = " ".join("'" + str(a).replace("'", "'\\''") + "'" for a in
                       [sys.executable, "-m", "sparsedense", "-q", *args])
    script = "; ".join(setup) + f"; {command}; echo rc=$?; {code}"
    env = dict(os.environ, PYTHONIOENCODING="utf-8", **environ)
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          input=stdin, timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) >= 2 and lines[-2].startswith("rc="), (proc.stdout, proc.stderr)
    return int(lines[-2][3:]), proc.stderr, json.loads(lines[-1])


def assert_no_space(returncode, stderr, path, left):
    assert returncode == 1, (returncode, stderr)
    # (the demo's plot may warn about glyphs first)
    lines = [line for line in stderr.strip().splitlines() if line.startswith("sparsedense ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert "no space left" in lines[0] and str(path) in lines[0], lines[0]
    assert left.pop("filler") > 1000000


@pytest.mark.parametrize("suffix", [".npy", ".npz"])
@pytest.mark.parametrize("job", ["vectors", "lsa"])
def test_embed_on_a_full_disk_is_a_clean_error(tmp_path, files, suffix, job):
    corpus, vectors = files
    disk = tmp_path / "disk"
    disk.mkdir()
    big = write_corpus(tmp_path / "big.txt", 3000, seed=4)  # 3000 x 16 floats: 192 KB
    out = disk / f"out{suffix}"
    args = ["--vectors", vectors] if job == "vectors" else ["--lsa", "16"]
    rc, err, left = run_on_full_disk(disk, ["embed", big, *args, "-o", out],
                                     previous={out.name: "previous", "out.npy": "mine"})
    assert_no_space(rc, err, out, left)
    assert left == {out.name: "previous", "out.npy": "mine"}


def test_embed_full_disk_for_the_copy_of_stdin(tmp_path, files):
    _, vectors = files
    disk = tmp_path / "disk"
    disk.mkdir()
    text = write_corpus(tmp_path / "big.txt", 3000, seed=4).read_text(encoding="utf-8")
    out = tmp_path / "out.npy"
    rc, err, left = run_on_full_disk(disk, ["embed", "-", "--vectors", vectors, "-o", out],
                                     stdin=text, TMPDIR=str(disk))
    assert_no_space(rc, err, disk, left)
    assert left == {} and not out.exists()


def _other_writers(tmp_path, files):
    corpus, vectors = files
    big = write_corpus(tmp_path / "big.txt", 3000, seed=5)
    rng = np.random.default_rng(6)
    wide = tmp_path / "wide.npz"  # 200 x 128 values: larger than the free room in any format
    sd.Vectors(WORDS, rng.standard_normal((len(WORDS), 128)).astype(np.float32)).save(
        wide, format="native")
    # 3000 distinct words: a vocabulary file over 16 KB
    many = tmp_path / "many.txt"
    many.write_text("\n".join(f"word{i} word{i + 1} word{i + 2}" for i in range(3000)) + "\n",
                    encoding="utf-8")
    return {
        "vectorize": (["vectorize", many, "--weighting", "hashing", "-o", "{disk}/X.npz"],
                      "X.npz"),  # 20 KB
        # the matrix (10 KB) fits, its vocabulary (35 KB) does not: neither is written
        "vectorize-vocabulary": (["vectorize", many, "--weighting", "count", "-o",
                                  "{disk}/X.npz"], "X.vocab.json"),
        "vectors-convert-text": (["vectors", "convert", wide, "{disk}/v.txt"], "v.txt"),
        "vectors-convert-native": (["vectors", "convert", wide, "{disk}/v.npz"], "v.npz"),
        "train": (["train", big, "--method", "ppmi-svd", "--vector-size", "64",
                   "--min-count", "1", "-o", "{disk}/w.txt"], "w.txt"),
        "demo-plot": (["demo", "--docs", "2", "--plot", "{disk}/map.png"], "map.png"),
    }


@pytest.mark.parametrize("writer", ["vectorize", "vectorize-vocabulary", "vectors-convert-text",
                                    "vectors-convert-native", "train", "demo-plot"])
def test_every_writer_on_a_full_disk_is_a_clean_error(tmp_path, files, writer):
    if writer == "demo-plot":
        pytest.importorskip("matplotlib")
    args, name = _other_writers(tmp_path, files)[writer]
    disk = tmp_path / "disk"
    disk.mkdir()
    args = [str(a).replace("{disk}", str(disk)) for a in args]
    previous, free = {name: "previous"}, 16 << 10
    if writer == "vectorize-vocabulary":  # room for the matrix beside the two old files
        previous["X.npz"], free = "previous matrix", 28 << 10
    rc, err, left = run_on_full_disk(disk, args, free=free, previous=previous)
    assert_no_space(rc, err, disk / name, left)
    assert left == previous


# -- symbolic links ---------------------------------------------------------------------
@pytest.mark.parametrize("dangling", [False, True])
def test_an_output_that_is_a_symlink_is_replaced_and_its_target_kept(tmp_path, files, dangling):
    corpus, vectors = files
    target = tmp_path / "target.npy"
    if not dangling:
        target.write_bytes(b"the link's target")
    link = tmp_path / "docs.npy"
    link.symlink_to(target.name)
    run("embed", corpus, "--vectors", vectors, "-o", link)
    assert not link.is_symlink()
    np.testing.assert_allclose(np.load(link), expected_embeddings(corpus, vectors), rtol=1e-5,
                               atol=1e-6)
    if dangling:
        assert not target.exists()
    else:
        assert target.read_bytes() == b"the link's target"


@pytest.mark.parametrize("command", [["embed"], ["vectorize"], ["train"],
                                     ["vectors", "convert"], ["demo"]])
def test_help_of_every_writer_says_what_happens_to_an_output_and_a_link(command):
    out = " ".join(run(*command, "--help").stdout.split())
    assert "temporary file beside it" in out and "symbolic link" in out
    assert "replaced, not followed" in out


def test_an_output_that_is_a_directory_fails_before_the_work(tmp_path, files):
    corpus, vectors = files
    (tmp_path / "d.npy").mkdir()
    proc = run("embed", corpus, "--vectors", vectors, "-o", tmp_path / "d.npy", check=False)
    assert proc.returncode == 2 and "is a directory" in proc.stderr
    assert sorted(listing(tmp_path)) == ["corpus.txt", "d.npy", "vectors.npz"]
