"""Every parallel kernel has a serial twin and is called through ``_dispatch.choose`` (issue 21).

Numba's "workqueue" threading layer (its fallback without OpenMP or TBB) aborts
the whole process when two Python threads run parallel code at once. The
package's rule: a parallel kernel runs only through ``choose``, which gives
its serial twin off the main thread. These tests enumerate the kernels, check
the rule in the source, and run the public API from 8 threads under
``NUMBA_THREADING_LAYER=workqueue`` in a child process.
"""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from numba.core.dispatcher import Dispatcher

import sparsedense
import sparsedense._kernels as kernels_pkg
from sparsedense._kernels._dispatch import _TWINS, choose

SRC = Path(sparsedense.__file__).parent


def _parallel_kernels() -> dict[str, tuple[str, Dispatcher]]:
    found = {}
    for info in pkgutil.iter_modules(kernels_pkg.__path__):
        module = importlib.import_module(f"sparsedense._kernels.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Dispatcher) and value.targetoptions.get("parallel"):
                found[name] = (info.name, value)
    return found


PARALLEL = _parallel_kernels()


def test_there_are_parallel_kernels_to_check():
    assert len(PARALLEL) >= 25  # the enumeration itself works


@pytest.mark.parametrize("name", sorted(PARALLEL))
def test_every_parallel_kernel_has_a_serial_twin(name):
    module, kernel = PARALLEL[name]
    assert kernel in _TWINS, f"_kernels/{module}.py: {name} has no registered serial twin"
    twin = _TWINS[kernel]
    assert isinstance(twin, Dispatcher) and not twin.targetoptions.get("parallel")
    assert twin.py_func.__name__ == name + "_serial"
    assert getattr(sys.modules[f"sparsedense._kernels.{module}"], name + "_serial") is twin


def _is_choose_first_arg(node: ast.AST, parents: dict) -> bool:
    """``node`` is the first argument of ``choose(...)`` or of ``_pool.run(...)`` (which
    applies choose()'s rule to a small call)."""
    parent = parents.get(node)
    if not (isinstance(parent, ast.Call) and parent.args and parent.args[0] is node):
        return False
    func = parent.func
    return getattr(func, "id", getattr(func, "attr", None)) == "choose" or (
        isinstance(func, ast.Attribute) and func.attr == "run"
        and getattr(func.value, "id", None) == "_pool")


def _bypasses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else \
            node.attr if isinstance(node, ast.Attribute) else None
        if name in PARALLEL and not _is_choose_first_arg(node, parents):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {name}")
    return found


def test_no_parallel_kernel_is_called_around_choose():
    """Outside _kernels/, a parallel kernel's name appears only as the first argument of
    choose() or _pool.run()."""
    files = [p for p in SRC.rglob("*.py") if "_kernels" not in p.parts]
    bad = [hit for path in files for hit in _bypasses(path)]
    assert not bad, "parallel kernels used without _dispatch.choose:\n" + "\n".join(bad)


def test_no_kernel_calls_a_parallel_kernel():
    """A serial twin must not reach parallel code through a kernel it calls."""
    bad = []
    for path in (SRC / "_kernels").glob("*.py"):
        tree = ast.parse(path.read_text())
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) in PARALLEL:
                    bad.append(f"{path.name}:{node.lineno}: {fn.name} calls {node.func.id}")
    assert not bad, "\n".join(bad)


def test_choose_gives_the_twin_off_the_main_thread_and_for_small_work():
    from concurrent.futures import ThreadPoolExecutor

    from sparsedense._kernels._dispatch import PARALLEL_MIN_WORK
    from sparsedense._kernels.similarity import _sort_topk, _sort_topk_serial

    assert choose(_sort_topk, PARALLEL_MIN_WORK) is _sort_topk
    assert choose(_sort_topk, PARALLEL_MIN_WORK - 1) is _sort_topk_serial
    assert choose(_sort_topk, PARALLEL_MIN_WORK, allow=False) is _sort_topk_serial
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(choose, _sort_topk, 1 << 30).result() is _sort_topk_serial


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_child_forked_from_a_worker_thread_runs_parallel_from_that_thread():
    """After a fork, the thread that forked is the child's main (and only) thread: it may
    run parallel kernels there, and it was not allowed to in the parent."""
    import threading

    from sparsedense._kernels._dispatch import use_parallel

    answers = {}

    def fork_here():
        answers["parent thread"] = use_parallel(1 << 30)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report and leave at once
            os.write(write, b"1" if use_parallel(1 << 30) else b"0")
            os._exit(0)
        os.close(write)
        answers["child"] = os.read(read, 1)
        os.close(read)
        os.waitpid(pid, 0)

    thread = threading.Thread(target=fork_here)
    thread.start()
    thread.join()
    assert answers == {"parent thread": False, "child": b"1"}
    assert use_parallel(1 << 30)  # the parent's main thread still may


#: the public API from 8 threads at once, while the main thread runs it too
_THREADS = r'''
import numpy as np, scipy.sparse as sp
from concurrent.futures import ThreadPoolExecutor
import sparsedense as sd
from sparsedense import functional as F
from sparsedense.nn import Embedding
from sparsedense.optim import SGD, Adagrad, SparseAdam
from sparsedense.similarity import cosine_similarity, topk_similar
from sparsedense.models import ppmi, cooccurrence_matrix

rng = np.random.default_rng(0)
V, D = 3000, 48  # every call's work is above the parallel threshold (65,536 elements)
W = rng.standard_normal((V, D)).astype(np.float32)
X = sp.random(600, V, density=0.05, format="csr", random_state=1, dtype=np.float32)
idx = rng.integers(0, V, (300, 40))
vecs = sd.Vectors([f"w{i}" for i in range(V)], W)
docs = [" ".join(f"t{j}" for j in rng.integers(0, 400, 60)) for _ in range(300)]
sentences = [d.split() for d in docs]


def train(make_opt, sparse):
    emb = Embedding.from_pretrained(W.copy(), freeze=False, sparse=sparse)
    opt = make_opt([emb])
    for _ in range(2):
        out = emb(idx)
        emb.backward(np.ones_like(out))
        opt.step()
        opt.zero_grad()
    return emb.weight


JOBS = {
    "topk dense": lambda: topk_similar(W[:400], W, k=5),
    "topk sparse": lambda: topk_similar(X[:50], X, k=5),
    "cosine sparse gram": lambda: cosine_similarity(X),
    "cosine sparse x sparse": lambda: cosine_similarity(X[:300], X),
    "norms / most_similar": lambda: sd.Vectors(vecs.index_to_key, W).most_similar("w1", topn=5),
    "sparse_to_dense l2": lambda: sd.sparse_to_dense(X, W, mode="sum", normalize="l2"),
    "sparse_to_dense max": lambda: sd.sparse_to_dense(X, W, mode="max"),
    "embedding": lambda: F.embedding(idx, W),
    "embedding_backward": lambda: F.embedding_backward(np.ones((300, 40, D), np.float32), idx, V),
    "bag backward max": lambda: F.embedding_bag_backward(
        np.ones((300, D), np.float32), idx, W, mode="max"),
    "bag backward sum": lambda: F.embedding_bag_backward(
        np.ones((300, D), np.float32), idx, W, mode="sum", sparse=True),
    "SGD": lambda: train(lambda m: SGD(m, lr=0.1), False),
    "Adagrad dense": lambda: train(lambda m: Adagrad(m, lr=0.1), False),
    "Adagrad sparse": lambda: train(lambda m: Adagrad(m, lr=0.1), True),
    "SparseAdam": lambda: train(lambda m: SparseAdam(m, lr=0.1), True),
    "hashing": lambda: sd.HashingVectorizer(n_features=2**12).transform(docs * 20),
    "cooccurrence + ppmi": lambda: ppmi(cooccurrence_matrix(sentences * 10, window=5)[0]),
}


def key(x):
    if isinstance(x, tuple):
        return tuple(key(v) for v in x)
    if sp.issparse(x):
        x = sp.csr_matrix(x)
        return (x.data.tobytes(), x.indices.tobytes(), x.indptr.tobytes())
    if hasattr(x, "to_dense"):
        return key(x.to_dense())
    if isinstance(x, np.ndarray):
        return x.tobytes()
    return repr(x)


expected = {name: key(job()) for name, job in JOBS.items()}  # main thread: parallel kernels
with ThreadPoolExecutor(8) as pool:
    futures = [(name, pool.submit(job)) for _ in range(2) for name, job in JOBS.items()]
    for name, job in JOBS.items():  # the main thread enters the parallel kernels meanwhile
        assert key(job()) == expected[name], name
    for name, fut in futures:
        assert key(fut.result()) == expected[name], name
import numba
print("threading layer:", numba.threading_layer())
print("threads ok")
'''


def test_public_api_from_8_threads_under_workqueue():
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", NUMBA_NUM_THREADS="2")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_THREADS)], env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0 and "threads ok" in proc.stdout, \
        f"child failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert "threading layer: workqueue" in proc.stdout
