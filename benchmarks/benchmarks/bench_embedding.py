"""Embedding lookups, their gradients and optimizer steps: sparsedense against numpy and torch.

The data (fixed seed, generated once per process and cached):

* a table ``W`` of 100,000 x 300 float32 (standard normal);
* 200,000 indices drawn Zipf-like: the row of rank ``r`` (row ``r - 1``,
  as in a vocabulary sorted by frequency) with probability proportional to
  ``1 / r``; about 37,800 distinct rows occur;
* an upstream gradient ``G`` of 200,000 x 300 float32 (standard normal).

Every suite is parameterised over ``impl`` so that one ``asv run`` records
all the contenders on the same machine; the number to look at is the *ratio*
of each row to the ``sparsedense`` row, not the absolute time.

``setup`` generates (or fetches) the data, makes one full-size call of the
benchmarked operation once per process (Numba compilation or cache loading,
torch's lazy initialisation and the first-touch cost of the process's first
large allocations are not timed), and checks once per process, on a slice
of the data, that the contender's output is right, so that a broken
benchmark fails instead of timing wrong output.  Cold start is measured on
its own in ``LookupFirstCall``.

torch runs with ``torch.set_num_threads(2)`` (the machines have 2 cores;
Numba uses 2 threads by default). The torch rows are n/a when torch is not
installed (``setup`` raises NotImplementedError saying so); without torch,
``OptimizerStep`` skips its check against torch's step.  Libraries are imported inside ``setup``
only, so that each ``peakmem_`` row carries only its own library.
"""

from __future__ import annotations

from ._corpus import scaled  # noqa: E402
from ._peers import require_peer

import importlib
import importlib.util
import subprocess
import sys

import numpy as np

N_EMBEDDINGS = scaled(100_000)
EMBEDDING_DIM = 300
N_INDICES = scaled(200_000)
SEED = 0

#: indices of the slice used for the correctness checks in ``setup``
N_CHECK = scaled(20_000)
#: tolerance of the checks: max |ours - reference| <= RTOL * max |reference|
RTOL = 1e-4

TORCH_THREADS = 2

_CACHE: dict[str, object] = {}
#: keys of the one-time actions (warm-up, check) already done in this process
_DONE: set[tuple] = set()


def once(key) -> bool:
    """True the first time ``key`` is seen in this process."""
    if key in _DONE:
        return False
    _DONE.add(key)
    return True


def zipf_p(n: int) -> np.ndarray:
    """Probabilities proportional to 1/rank over ``n`` items (item 0 has rank 1)."""
    p = 1.0 / np.arange(1, n + 1, dtype=np.float64)
    return p / p.sum()


def zipf_ids(rng: np.random.Generator, size: int, n: int = N_EMBEDDINGS) -> np.ndarray:
    """``size`` int64 ids in ``[0, n)``, Zipf-like (p of id ``k`` proportional to 1/(k+1))."""
    return rng.choice(n, size=size, p=zipf_p(n)).astype(np.int64, copy=False)


def make_table() -> np.ndarray:
    """The 100,000 x 300 float32 table (cached; never modified by any benchmark)."""
    W = _CACHE.get("W")
    if W is None:
        rng = np.random.default_rng(SEED)
        W = _CACHE["W"] = rng.standard_normal((N_EMBEDDINGS, EMBEDDING_DIM), dtype=np.float32)
    return W


def make_indices() -> np.ndarray:
    """The 200,000 Zipf-drawn indices (cached)."""
    idx = _CACHE.get("idx")
    if idx is None:
        idx = _CACHE["idx"] = zipf_ids(np.random.default_rng(SEED + 1), N_INDICES)
    return idx


def make_grad_output() -> np.ndarray:
    """The 200,000 x 300 float32 upstream gradient (cached)."""
    G = _CACHE.get("G")
    if G is None:
        rng = np.random.default_rng(SEED + 2)
        G = _CACHE["G"] = rng.standard_normal((N_INDICES, EMBEDDING_DIM), dtype=np.float32)
    return G


def import_torch():
    torch = importlib.import_module("torch")
    torch.set_num_threads(TORCH_THREADS)
    return torch


def to_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        return x.detach().numpy()
    return np.asarray(x)


def assert_close(name: str, got, ref, atol: float = 0.0) -> None:
    """max |got - ref| <= RTOL * max |ref| + atol, else AssertionError naming ``name``."""
    got = to_numpy(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, f"{name}: shape {got.shape} != {ref.shape}"
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    diff = float(np.max(np.abs(got.astype(np.float64) - ref))) if ref.size else 0.0
    assert diff <= RTOL * scale + atol, (
        f"{name}: max |difference| = {diff:.3g} > {RTOL} * max |reference| + {atol:.3g} "
        f"= {RTOL * scale + atol:.3g}")


def reference_grad(idx: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Dense table gradient by the naive route (float64 np.add.at), for the checks."""
    g = np.zeros((N_EMBEDDINGS, G.shape[1]), dtype=np.float64)
    np.add.at(g, idx, G.astype(np.float64))
    return g


class _Suite:
    """Shared attributes: one call per sample, 2 interleaved rounds, no asv warm-up."""

    param_names = ["impl"]
    timeout = 300
    number = 1
    repeat = 5
    rounds = 2  # asv interleaves rounds across benchmarks: robust to noise
    warmup_time = 0  # setup warms up (see the module docstring)


# ---------------------------------------------------------------------------
# lookup: out = W[idx]


def _lookup_fn(impl: str, W: np.ndarray, idx: np.ndarray):
    """Zero-argument callable that makes the lookup ``W[idx]`` the ``impl`` way."""
    if impl == "sparsedense":
        F = importlib.import_module("sparsedense.functional")
        return lambda: F.embedding(idx, W)
    if impl == "numpy_index":
        return lambda: W[idx]
    if impl == "numpy_take":
        return lambda: np.take(W, idx, axis=0)
    if impl == "torch":
        torch = import_torch()
        tf = importlib.import_module("torch.nn.functional")
        t_idx, t_w = torch.from_numpy(idx), torch.from_numpy(W)
        return lambda: tf.embedding(t_idx, t_w)
    raise ValueError(impl)


class Lookup(_Suite):
    """``embedding(idx, W)``: 200,000 rows of a 100,000 x 300 float32 table (240 MB out).

    ``copy`` is the physical reference: ``src.copy()`` of an array of the
    output's size (reads and writes 240 MB; it holds no table, so its
    ``peakmem_`` row is the source plus the copy instead of the table plus the
    output).
    """

    params = ["sparsedense", "numpy_index", "numpy_take", "torch", "copy"]

    def setup(self, impl):
        require_peer(impl)
        if impl == "copy":
            src = _CACHE.get("copy_src")
            if src is None:
                src = _CACHE["copy_src"] = np.ones((N_INDICES, EMBEDDING_DIM), np.float32)
            self.fn = src.copy
        else:
            W, idx = make_table(), make_indices()
            self.fn = _lookup_fn(impl, W, idx)
            if once(("Lookup.check", impl)):
                part = idx[:N_CHECK]
                out = _lookup_fn(impl, W, part)()
                assert np.array_equal(to_numpy(out), W[part]), f"{impl}: lookup != W[idx]"
                del out
        if once(("Lookup.warm", impl)):
            self.fn()

    def time_lookup(self, impl):
        self.fn()

    def peakmem_lookup(self, impl):
        self.fn()


# ---------------------------------------------------------------------------
# dense gradient of the lookup: a (V, D) scatter-add of G


def _dense_grad_fn(impl: str, W: np.ndarray, idx: np.ndarray, G: np.ndarray):
    """Zero-argument callable returning the dense (V, D) gradient of ``W[idx]`` for ``G``."""
    V, D = W.shape
    if impl == "sparsedense":
        F = importlib.import_module("sparsedense.functional")
        return lambda: F.embedding_backward(G, idx, V)
    if impl == "np_add_at":
        def add_at():
            g = np.zeros((V, D), dtype=G.dtype)
            np.add.at(g, idx, G)
            return g
        return add_at
    torch = import_torch()
    t_idx, t_g = torch.from_numpy(idx), torch.from_numpy(G)
    if impl == "torch_index_add":
        return lambda: torch.zeros(V, D, dtype=t_g.dtype).index_add_(0, t_idx, t_g)
    if impl == "torch_autograd":
        tf = importlib.import_module("torch.nn.functional")
        weight = torch.from_numpy(W).requires_grad_(True)  # shares W's memory; never written
        out = tf.embedding(t_idx, weight)  # the forward is not timed

        def backward():
            weight.grad = None  # the zero-initialised gradient is part of the timing
            out.backward(t_g, retain_graph=True)
            return weight.grad
        return backward
    raise ValueError(impl)


class DenseGrad(_Suite):
    """``embedding_backward(G, idx, V)``: the dense 100,000 x 300 gradient of the lookup.

    ``np_add_at`` is ``np.add.at`` into ``np.zeros((V, D))`` (slow: it stops
    after one sample per round, see ``repeat``); ``torch_index_add`` is
    ``torch.zeros(V, D).index_add_(0, idx, G)``; ``torch_autograd`` is the
    backward of ``F.embedding`` (forward made in ``setup``, ``weight.grad``
    reset to None before each call, so the zero-filled gradient is included).
    """

    params = ["sparsedense", "np_add_at", "torch_index_add", "torch_autograd"]
    # at least 1 and at most 5 samples per round, none started after 3 s:
    # np.add.at (about 1 s a call) gets 1 or 2, the others 5
    repeat = (1, 5, 3.0)

    def setup(self, impl):
        require_peer(impl)
        W, idx, G = make_table(), make_indices(), make_grad_output()
        self.fn = _dense_grad_fn(impl, W, idx, G)
        if once(("DenseGrad.check", impl)):
            part, gpart = idx[:N_CHECK], G[:N_CHECK]
            got = _dense_grad_fn(impl, W, part, gpart)()
            assert_close(f"DenseGrad[{impl}]", got, reference_grad(part, gpart))
            del got
        if once(("DenseGrad.warm", impl)):
            self.fn()

    def time_dense_grad(self, impl):
        self.fn()


# ---------------------------------------------------------------------------
# row-sparse gradient: only the ~37,800 rows that occur


def _sparse_grad_fn(impl: str, W: np.ndarray, idx: np.ndarray, G: np.ndarray):
    """Zero-argument callable returning the coalesced row-sparse gradient.

    Returns ``(rows, values)`` as a RowSparseGrad or a coalesced torch sparse
    COO tensor; :func:`_rows_values` reads both.
    """
    V = W.shape[0]
    if impl == "sparsedense":
        F = importlib.import_module("sparsedense.functional")
        return lambda: F.embedding_backward(G, idx, V, sparse=True)
    if impl == "torch_autograd_sparse":
        torch = import_torch()
        tf = importlib.import_module("torch.nn.functional")
        t_idx, t_g = torch.from_numpy(idx), torch.from_numpy(G)
        weight = torch.from_numpy(W).requires_grad_(True)
        out = tf.embedding(t_idx, weight, sparse=True)  # the forward is not timed

        def backward():
            weight.grad = None
            out.backward(t_g, retain_graph=True)
            # torch's sparse gradient is uncoalesced (one row per index);
            # sparsedense's is always coalesced: coalesce to compare like with like
            return weight.grad.coalesce()
        return backward
    raise ValueError(impl)


def _rows_values(grad) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(grad, "coalesce"):  # torch sparse COO tensor, coalesced
        return grad.indices()[0].numpy(), grad.values().numpy()
    return np.asarray(grad.indices), np.asarray(grad.values)


class SparseGrad(_Suite):
    """``embedding_backward(G, idx, V, sparse=True)`` against torch's ``sparse=True`` backward.

    torch: backward of ``F.embedding(idx, weight, sparse=True)`` (forward made
    in ``setup``) followed by ``weight.grad.coalesce()``, since sparsedense's
    RowSparseGrad is always coalesced (distinct ascending rows).
    """

    params = ["sparsedense", "torch_autograd_sparse"]

    def setup(self, impl):
        require_peer(impl)
        W, idx, G = make_table(), make_indices(), make_grad_output()
        self.fn = _sparse_grad_fn(impl, W, idx, G)
        if once(("SparseGrad.check", impl)):
            part, gpart = idx[:N_CHECK], G[:N_CHECK]
            rows, values = _rows_values(_sparse_grad_fn(impl, W, part, gpart)())
            ref = reference_grad(part, gpart)
            ref_rows = np.unique(part)
            assert np.array_equal(rows, ref_rows), f"SparseGrad[{impl}]: rows differ"
            assert_close(f"SparseGrad[{impl}]", values, ref[ref_rows])
        if once(("SparseGrad.warm", impl)):
            self.fn()

    def time_row_sparse_grad(self, impl):
        self.fn()


# ---------------------------------------------------------------------------
# one optimizer step on a row-sparse gradient

OPTIMIZERS = ["SGD", "Adagrad", "SparseAdam"]
LEARNING_RATES = {"SGD": 0.01, "Adagrad": 0.01, "SparseAdam": 0.001}


def row_sparse_gradient():
    """The RowSparseGrad of the full lookup (cached): about 37,800 rows x 300."""
    grad = _CACHE.get("row_sparse_grad")
    if grad is None:
        F = importlib.import_module("sparsedense.functional")
        grad = _CACHE["row_sparse_grad"] = F.embedding_backward(
            make_grad_output(), make_indices(), N_EMBEDDINGS, sparse=True)
    return grad


def _optimizer(optimizer: str, impl: str, W: np.ndarray, grad):
    """``(step, weight_as_ndarray)``: an optimizer on a copy of ``W`` whose gradient is ``grad``."""
    lr = LEARNING_RATES[optimizer]
    if impl == "sparsedense":
        nn = importlib.import_module("sparsedense.nn")
        optim = importlib.import_module("sparsedense.optim")
        emb = nn.Embedding.from_pretrained(W.copy(), freeze=False, sparse=True)
        emb.grad = grad  # an optimizer step reads the gradient and never writes it
        opt = getattr(optim, optimizer)([emb], lr=lr)
        return opt.step, emb.weight
    if impl == "torch":
        torch = import_torch()
        # opt out of sparse invariant checks explicitly (torch's default, and
        # what its optimizers do internally) so that torch does not warn
        torch.sparse.check_sparse_tensor_invariants.disable()
        weight = torch.nn.Parameter(torch.from_numpy(W.copy()))
        weight.grad = torch.sparse_coo_tensor(
            torch.from_numpy(grad.indices[None, :]), torch.from_numpy(grad.values),
            (W.shape[0], W.shape[1]), check_invariants=False,
        ).coalesce()  # coalesced, as sparsedense's
        opt = getattr(torch.optim, optimizer)([weight], lr=lr)
        return opt.step, weight.detach().numpy()
    raise ValueError(impl)


class OptimizerStep(_Suite):
    """One ``opt.step()`` of SGD, Adagrad or SparseAdam on a row-sparse gradient.

    The gradient (about 37,800 of the 100,000 rows, 300 columns) is made once
    per process; each implementation gets its own copy of the table and its
    optimizer, whose first step (state allocation) is made in ``setup``;
    every timed call is one more step with the same gradient. torch gets the
    gradient as a coalesced sparse COO tensor and default options
    (``torch.optim.SGD / Adagrad / SparseAdam``).  ``setup`` checks once per
    process that one step from the same table gives the same weights in both.
    """

    params = [OPTIMIZERS, ["sparsedense", "torch"]]
    param_names = ["optimizer", "impl"]

    def setup(self, optimizer, impl):
        require_peer(impl)
        W, grad = make_table(), row_sparse_gradient()
        if importlib.util.find_spec("torch") is not None and once(("OptimizerStep.check",
                                                                    optimizer)):
            steps = {}
            for name in ("sparsedense", "torch"):
                step, weight = _optimizer(optimizer, name, W, grad)
                step()
                steps[name] = weight
            # compare the updates (new - old weights, in float64), allowing the
            # float32 rounding of the new weights: a few ulps of the largest weight
            W64 = W.astype(np.float64)
            assert_close(f"OptimizerStep[{optimizer}] update", steps["sparsedense"] - W64,
                         steps["torch"] - W64, atol=4 * float(np.spacing(np.abs(W).max())))
            del W64
            del steps
        key = ("OptimizerStep.state", optimizer, impl)
        if key not in _CACHE:  # one optimizer per process, stepped by every sample
            step, _ = _optimizer(optimizer, impl, W, grad)
            step()  # first step: state allocation, lazy imports, compilation
            _CACHE[key] = step
        self.step = _CACHE[key]

    def time_step(self, optimizer, impl):
        self.step()


# ---------------------------------------------------------------------------
# cold start, in a fresh interpreter

_FIRST_CALL_DATA = (
    "import numpy as np\n"
    "W = np.ones((10000, 300), np.float32)\n"
    "idx = np.arange(0, 10000, 7)\n"  # 1,429 rows: the parallel kernel
)

_FIRST_CALL_CODE = {
    "sparsedense": (
        "import sparsedense.functional as F\n"
        "out = F.embedding(idx, W)\n"
    ),
    "numpy_index": "out = W[idx]\n",
    "torch": (
        "import torch\n"
        f"torch.set_num_threads({TORCH_THREADS})\n"
        "out = torch.nn.functional.embedding(torch.from_numpy(idx), torch.from_numpy(W))\n"
    ),
}

_FIRST_CALL_CHECK = "assert tuple(out.shape) == (idx.size, 300)\n"


class LookupFirstCall:
    """Wall time of a fresh ``python -c``: imports + a first lookup of 1,429 rows of 300.

    For sparsedense this includes importing Numba and loading the lookup
    kernel from Numba's on-disk cache (``setup`` runs the same code
    in-process first, which fills the cache if it was empty); for torch, its
    import. All rows include the interpreter and numpy start-up (``numpy_index``
    is nothing else).
    """

    params = ["sparsedense", "numpy_index", "torch"]
    param_names = ["impl"]

    timeout = 300
    number = 1
    repeat = 3
    rounds = 2
    warmup_time = 0

    def setup(self, impl):
        require_peer(impl)
        self.code = _FIRST_CALL_DATA + _FIRST_CALL_CODE[impl] + _FIRST_CALL_CHECK
        if once(("LookupFirstCall.populate", impl)):
            exec(compile(self.code, "<first-call>", "exec"), {})  # fills Numba's cache

    def time_first_call(self, impl):
        subprocess.run([sys.executable, "-c", self.code], check=True)
