"""Optimizers (SGD, Adagrad, SparseAdam) against hand-written numpy updates.

Also: a row-sparse step touches only the gradient's rows; refused steps
(frozen module, read-only weight, unsupported option) change nothing in any
module; and a worked example that trains a tiny embedding.
"""

from __future__ import annotations

import numpy as np
import pytest

import reference
from sparsedense.functional import embedding_backward
from sparsedense.grad import RowSparseGrad
from sparsedense.nn import Embedding
from sparsedense.optim import SGD, Adagrad, SparseAdam

V, D = 30, 5


@pytest.fixture
def rng():
    return np.random.default_rng(99)


def _module(rng, sparse=False, dtype=np.float64, **kw):
    w = rng.standard_normal((V, D)).astype(dtype)
    return Embedding.from_pretrained(w, freeze=False, sparse=sparse, **kw)


def _batch(rng, emb, size=(4, 6)):
    """One forward/backward on random indices (with duplicates); returns the indices."""
    idx = rng.integers(0, V // 2, size=size)  # rows >= V // 2 never get a gradient
    idx[0, :2] = idx[1, 0]
    emb(idx)
    emb.backward(rng.standard_normal(size + (D,)).astype(emb.weight.dtype))
    return idx


def _dense(g):
    return g.to_dense() if isinstance(g, RowSparseGrad) else g


def _tol(dtype):
    return dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- SGD


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse", [False, True])
def test_sgd_plain_matches_reference(rng, dtype, sparse):
    emb = _module(rng, sparse=sparse, dtype=dtype)
    opt = SGD([emb], lr=0.25)
    for _ in range(4):
        opt.zero_grad()
        _batch(rng, emb)
        want, _ = reference.sgd_step(emb.weight, _dense(emb.grad), lr=0.25)
        opt.step()
        np.testing.assert_allclose(emb.weight, want, **_tol(dtype))


@pytest.mark.parametrize("kw", [
    dict(momentum=0.9), dict(momentum=0.9, dampening=0.5), dict(momentum=0.7, nesterov=True),
    dict(weight_decay=0.1), dict(momentum=0.5, weight_decay=0.02),
])
def test_sgd_dense_options_match_reference(rng, kw):
    emb = _module(rng)
    opt = SGD(emb, lr=0.1, **kw)  # a single module is accepted too
    buf = None
    for _ in range(5):
        opt.zero_grad()
        _batch(rng, emb)
        want, buf = reference.sgd_step(emb.weight, emb.grad, lr=0.1, buf=buf, **kw)
        opt.step()
        np.testing.assert_allclose(emb.weight, want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- Adagrad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("kw", [dict(), dict(lr_decay=0.2), dict(initial_accumulator_value=0.3),
                                dict(lr_decay=0.1, initial_accumulator_value=0.1, eps=1e-4)])
def test_adagrad_matches_reference(rng, dtype, sparse, kw):
    emb = _module(rng, sparse=sparse, dtype=dtype)
    opt = Adagrad([emb], lr=0.2, **kw)
    s = np.full((V, D), kw.get("initial_accumulator_value", 0.0))
    for step in range(1, 6):
        opt.zero_grad()
        _batch(rng, emb)
        g = emb.grad
        if sparse:
            want, s = reference.adagrad_step(emb.weight, g.values, s, step, lr=0.2,
                                             lr_decay=kw.get("lr_decay", 0.0),
                                             eps=kw.get("eps", 1e-10), rows=g.indices)
        else:
            want, s = reference.adagrad_step(emb.weight, g, s, step, lr=0.2,
                                             lr_decay=kw.get("lr_decay", 0.0),
                                             eps=kw.get("eps", 1e-10))
        opt.step()
        np.testing.assert_allclose(emb.weight, want, **_tol(dtype))
        np.testing.assert_allclose(opt.state[0]["sum"], s, **_tol(dtype))


def test_adagrad_dense_weight_decay_matches_reference(rng):
    emb = _module(rng)
    opt = Adagrad([emb], lr=0.1, weight_decay=0.05, lr_decay=0.01)
    s = np.zeros((V, D))
    for step in range(1, 4):
        opt.zero_grad()
        _batch(rng, emb)
        want, s = reference.adagrad_step(emb.weight, emb.grad, s, step, lr=0.1,
                                         lr_decay=0.01, weight_decay=0.05)
        opt.step()
        np.testing.assert_allclose(emb.weight, want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- SparseAdam


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(), dict(lr=0.05, betas=(0.5, 0.9), eps=1e-5)])
def test_sparse_adam_matches_reference(rng, dtype, kw):
    emb = _module(rng, sparse=True, dtype=dtype)
    opt = SparseAdam([emb], **kw)
    m = np.zeros((V, D))
    v = np.zeros((V, D))
    for step in range(1, 7):
        opt.zero_grad()
        _batch(rng, emb)
        g = emb.grad
        want, m, v = reference.sparse_adam_step(emb.weight, g.indices, g.values, m, v, step,
                                                **kw)
        opt.step()
        np.testing.assert_allclose(emb.weight, want, **_tol(dtype))


def test_sparse_adam_counts_a_step_with_an_empty_gradient(rng):
    # torch's SparseAdam increments the step for every parameter that has a
    # gradient, also an empty one (a batch made only of padding); the bias
    # correction of the following steps depends on that count
    emb = _module(rng, sparse=True, padding_idx=0)
    opt = SparseAdam([emb], lr=0.01)
    m = np.zeros((V, D))
    v = np.zeros((V, D))
    _batch(rng, emb)
    g = emb.grad
    want, m, v = reference.sparse_adam_step(emb.weight, g.indices, g.values, m, v, 1, lr=0.01)
    opt.step()
    np.testing.assert_allclose(emb.weight, want, rtol=1e-12, atol=1e-12)
    opt.zero_grad()
    emb(np.zeros((2, 3), np.int64))  # only padding: an empty gradient, step 2
    emb.backward(np.ones((2, 3, D)))
    assert emb.grad.indices.size == 0
    before = emb.weight.copy()
    opt.step()
    assert np.array_equal(emb.weight, before)
    opt.zero_grad()
    _batch(rng, emb)
    g = emb.grad
    want, m, v = reference.sparse_adam_step(emb.weight, g.indices, g.values, m, v, 3, lr=0.01)
    opt.step()
    np.testing.assert_allclose(emb.weight, want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- row-sparse steps


@pytest.mark.parametrize("make_opt", [
    lambda m: SGD(m, lr=0.5), lambda m: Adagrad(m, lr=0.5, initial_accumulator_value=0.1),
    lambda m: SparseAdam(m, lr=0.5),
], ids=["SGD", "Adagrad", "SparseAdam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_sparse_step_touches_only_gradient_rows(rng, make_opt, dtype):
    emb = _module(rng, sparse=True, dtype=dtype, padding_idx=1)
    opt = make_opt([emb])
    idx = np.array([[3, 1, 7, 3, 22]])
    emb(idx)
    emb.backward(rng.standard_normal((1, 5, D)).astype(dtype))
    assert emb.grad.indices.tolist() == [3, 7, 22]
    before = emb.weight.copy()
    opt.step()
    others = np.setdiff1d(np.arange(V), [3, 7, 22])
    assert np.array_equal(emb.weight[others], before[others])  # bit-identical
    assert np.all(emb.weight[[3, 7, 22]] != before[[3, 7, 22]])
    for key, arr in opt.state[0].items():  # optimizer state too: only those rows
        if isinstance(arr, np.ndarray):
            assert np.all(arr[others] == arr[others][0, 0]), key


# --------------------------------------------------------------------------- refused steps


def test_frozen_module_refused_at_step(rng):
    ok = _module(rng)
    frozen = Embedding.from_pretrained(rng.standard_normal((V, D)))
    assert not frozen.requires_grad
    _batch(rng, ok)
    frozen.grad = np.ones((V, D))  # a gradient put there by hand
    w_ok, w_frozen, g_ok = ok.weight.copy(), frozen.weight.copy(), ok.grad.copy()
    opt = SGD([ok, frozen], lr=0.1)
    with pytest.raises(RuntimeError, match=r"modules\[1\].*frozen"):
        opt.step()
    assert np.array_equal(ok.weight, w_ok) and np.array_equal(frozen.weight, w_frozen)
    assert np.array_equal(ok.grad, g_ok)


@pytest.mark.parametrize("make_opt", [
    lambda m: SGD(m, lr=0.1, momentum=0.9), lambda m: Adagrad(m, lr=0.1, lr_decay=0.5),
], ids=["SGD", "Adagrad"])
def test_read_only_weight_refused_nothing_changed_anywhere(rng, make_opt):
    first = _module(rng)
    w2 = rng.standard_normal((V, D))
    w2.flags.writeable = False
    second = Embedding.from_pretrained(w2, freeze=False)
    _batch(rng, first)
    _batch(rng, second)  # backward works on a read-only table (it only reads it)
    w1_before, g1_before = first.weight.copy(), first.grad.copy()
    w2_before = second.weight.copy()
    opt = make_opt([first, second])
    with pytest.raises(ValueError, match=r"modules\[1\]\.weight is read-only"):
        opt.step()
    assert np.array_equal(first.weight, w1_before)
    assert np.array_equal(second.weight, w2_before)
    assert np.array_equal(first.grad, g1_before)
    # the refused step left no optimizer state behind: the next step is step 1
    second.grad = None
    opt.step()
    if isinstance(opt, SGD):
        want, _ = reference.sgd_step(w1_before, g1_before, lr=0.1, momentum=0.9)
    else:
        want, _ = reference.adagrad_step(w1_before, g1_before, np.zeros((V, D)), 1, lr=0.1,
                                         lr_decay=0.5)
    np.testing.assert_allclose(first.weight, want, rtol=1e-12, atol=1e-12)


def test_read_only_weight_refused_single_module(rng):
    w = rng.standard_normal((V, D)).astype(np.float32)
    w.flags.writeable = False
    emb = Embedding.from_pretrained(w, freeze=False, sparse=True)
    _batch(rng, emb)
    before = w.copy()
    for opt in (SGD([emb], lr=0.1), Adagrad([emb]), SparseAdam([emb])):
        with pytest.raises(ValueError, match="read-only"):
            opt.step()
        assert np.array_equal(w, before)


def test_sparse_adam_refuses_dense_grad(rng):
    sparse = _module(rng, sparse=True)
    dense = _module(rng, sparse=False)
    _batch(rng, sparse)
    _batch(rng, dense)
    before = sparse.weight.copy(), dense.weight.copy()
    opt = SparseAdam([sparse, dense])
    with pytest.raises(ValueError, match=r"modules\[1\].*dense gradient"):
        opt.step()
    assert np.array_equal(sparse.weight, before[0]) and np.array_equal(dense.weight, before[1])
    assert "exp_avg" not in opt.state[0]


@pytest.mark.parametrize("make_opt", [
    lambda m: SGD(m, lr=0.1, momentum=0.9), lambda m: SGD(m, lr=0.1, weight_decay=0.1),
    lambda m: Adagrad(m, lr=0.1, weight_decay=0.1),
], ids=["SGD-momentum", "SGD-weight_decay", "Adagrad-weight_decay"])
def test_row_sparse_with_unsupported_option_refused(rng, make_opt):
    dense = _module(rng)
    sparse = _module(rng, sparse=True)
    _batch(rng, dense)
    _batch(rng, sparse)
    before = dense.weight.copy(), sparse.weight.copy()
    opt = make_opt([dense, sparse])
    with pytest.raises(ValueError, match=r"modules\[1\]"):
        opt.step()
    assert np.array_equal(dense.weight, before[0]) and np.array_equal(sparse.weight, before[1])


def test_grad_shape_mismatch_refused(rng):
    emb = _module(rng)
    emb.grad = np.ones((V - 1, D))
    before = emb.weight.copy()
    with pytest.raises(ValueError, match="shape"):
        SGD([emb], lr=0.1).step()
    assert np.array_equal(emb.weight, before)


@pytest.mark.parametrize("cls", [SGD, Adagrad, SparseAdam])
@pytest.mark.parametrize("lr", [-0.1, float("nan"), float("inf")])
def test_bad_lr(rng, cls, lr):
    with pytest.raises(ValueError, match="lr"):
        cls([_module(rng)], lr=lr)


@pytest.mark.parametrize("cls", [SGD, Adagrad, SparseAdam])
def test_lr_wrong_type(rng, cls):
    with pytest.raises(TypeError, match="lr"):
        cls([_module(rng)], lr="0.1")


@pytest.mark.parametrize("make", [
    lambda m: SparseAdam(m, lr=0.0),
    lambda m: SparseAdam(m, betas=(1.0, 0.9)),
    lambda m: SparseAdam(m, betas=(0.9, -0.1)),
    lambda m: SparseAdam(m, eps=0.0),
    lambda m: SGD(m, lr=0.1, nesterov=True),
    lambda m: SGD(m, lr=0.1, momentum=-0.5),
    lambda m: Adagrad(m, lr_decay=-1.0),
    lambda m: Adagrad(m, eps=-1e-10),
])
def test_bad_hyperparameters(rng, make):
    with pytest.raises(ValueError):
        make([_module(rng)])


def test_bad_module_list(rng):
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"modules\[1\]"):
        SGD([_module(rng), np.zeros((3, 3))], lr=0.1)


def test_zero_grad_sets_grads_to_none(rng):
    a, b = _module(rng), _module(rng, sparse=True)
    _batch(rng, a)
    _batch(rng, b)
    opt = Adagrad([a, b])
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    before = a.weight.copy(), b.weight.copy()
    opt.step()  # nothing to apply
    assert np.array_equal(a.weight, before[0]) and np.array_equal(b.weight, before[1])


def test_step_skips_modules_without_gradient(rng):
    a, b = _module(rng), _module(rng)
    _batch(rng, a)
    before_b = b.weight.copy()
    want, _ = reference.sgd_step(a.weight, a.grad, lr=0.3)
    SGD([a, b], lr=0.3).step()
    np.testing.assert_allclose(a.weight, want, rtol=1e-12)
    assert np.array_equal(b.weight, before_b)


# --------------------------------------------------------------------------- worked example


def _cosine(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def train_tiny_embedding(steps=60, lr=0.1):
    """Train a 6-word, 4-dimensional embedding so that co-occurring words meet.

    The words "bank" and "money" occur together; the loss is the squared
    distance ``||e_bank - e_money||**2`` whose gradient is ``2 (e_bank -
    e_money)`` for "bank" and the negative for "money". One lookup of the
    pair per step, ``backward`` with that gradient, one SGD step.

    >>> words, start, end = train_tiny_embedding()
    >>> start["bank", "money"] < start["bank", "river"]   # at first "river" is nearer
    True
    >>> end["bank", "money"] > end["bank", "river"]       # after training, "money" is
    True
    >>> end["bank", "money"] > 0.99
    True
    """
    words = ["bank", "river", "money", "tree", "cat", "dog"]
    ids = {w: i for i, w in enumerate(words)}
    emb = Embedding(len(words), 4, sparse=True, seed=0)
    opt = SGD([emb], lr=lr)

    def sims():
        w = emb.weight
        return {(a, b): _cosine(w[ids[a]], w[ids[b]]) for a in words for b in words}

    start = sims()
    pair = np.array([[ids["bank"], ids["money"]]])
    for _ in range(steps):
        opt.zero_grad()
        e = emb(pair)                       # (1, 2, 4)
        diff = e[0, 0] - e[0, 1]
        emb.backward(np.stack([2 * diff, -2 * diff])[None])
        opt.step()
    return words, start, sims()


def test_worked_example_tiny_embedding():
    words, start, end = train_tiny_embedding()
    # the chosen third word is the nearest to "bank" before training
    assert max(start["bank", w] for w in words if w != "bank") == start["bank", "river"]
    assert start["bank", "money"] < start["bank", "river"]
    assert end["bank", "money"] > end["bank", "river"]
    assert end["bank", "money"] > 0.99
    # the words outside the pair were never touched
    for a in ("river", "tree", "cat", "dog"):
        for b in ("river", "tree", "cat", "dog"):
            assert end[a, b] == start[a, b]


def test_training_reduces_loss_with_each_optimizer(rng):
    # a regression target: every optimizer lowers ||W[idx] - T||^2
    target = rng.standard_normal((V, D))
    for make, sparse in ((lambda m: SGD(m, lr=0.05), False), (lambda m: SGD(m, lr=0.05), True),
                         (lambda m: Adagrad(m, lr=0.3), True),
                         (lambda m: SparseAdam(m, lr=0.05), True)):
        emb = Embedding(V, D, sparse=sparse, seed=1, dtype=np.float64)
        opt = make([emb])
        loss0 = float(np.sum((emb.weight - target) ** 2))
        for _ in range(40):
            idx = rng.integers(0, V, size=16)
            opt.zero_grad()
            out = emb(idx)
            emb.backward(2 * (out - target[idx]))
            opt.step()
        assert float(np.sum((emb.weight - target) ** 2)) < 0.8 * loss0
        # also consistent with the functional gradient
        g = embedding_backward(2 * (emb(idx) - target[idx]), idx, V, sparse=sparse)
        assert _dense(g).shape == (V, D)


@pytest.mark.parametrize("make_opt", [lambda m: SGD(m, lr=0.1), lambda m: Adagrad(m, lr=0.1),
                                      lambda m: SparseAdam(m, lr=0.1)],
                         ids=["SGD", "Adagrad", "SparseAdam"])
def test_step_on_memmap_table(tmp_path, rng, make_opt):
    w = rng.standard_normal((V, D)).astype(np.float32)
    path = tmp_path / "table.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=w.shape)
    mm[:] = w
    mm.flush()
    del mm
    table = np.memmap(path, dtype=np.float32, mode="r+", shape=w.shape)
    emb = Embedding.from_pretrained(table, freeze=False, sparse=True)
    _batch(rng, emb)
    rows = emb.grad.indices
    make_opt([emb]).step()
    table.flush()
    on_disk = np.fromfile(path, dtype=np.float32).reshape(w.shape)
    assert np.array_equal(on_disk, np.asarray(emb.weight))
    others = np.setdiff1d(np.arange(V), rows)
    assert np.array_equal(on_disk[others], w[others]) and np.all(on_disk[rows] != w[rows])
    # a read-only memmap: backward works, the step is refused and the file unchanged
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=w.shape)
    frozen_file = Embedding.from_pretrained(ro, freeze=False, sparse=True)
    _batch(rng, frozen_file)
    with pytest.raises(ValueError, match="read-only"):
        make_opt([frozen_file]).step()
    assert np.array_equal(np.fromfile(path, dtype=np.float32).reshape(w.shape), on_disk)


_REPLACED_TABLE = r'''
import numpy as np
from sparsedense.nn import Embedding
from sparsedense.optim import SGD, Adagrad, SparseAdam
make = {"Adagrad": lambda m: Adagrad(m, lr=0.1), "SparseAdam": lambda m: SparseAdam(m),
        "SGD": lambda m: SGD(m, lr=0.1, momentum=0.9)}[NAME]
emb = Embedding(10, 4, sparse=SPARSE, seed=0)
opt = make([emb])
emb(np.array([1, 2])); emb.backward(np.ones((2, 4), np.float32)); opt.step(); opt.zero_grad()
emb.weight = np.ones((5000, 4), np.float32)   # a bigger table after the state was made
before = emb.weight.copy()
emb(np.array([4000, 4999])); emb.backward(np.ones((2, 4), np.float32))
try:
    opt.step()
    print("stepped")
except ValueError as exc:
    print("ValueError:", exc)
    assert (emb.weight == before).all()
'''


@pytest.mark.parametrize("name, sparse", [("Adagrad", False), ("Adagrad", True),
                                          ("SparseAdam", True), ("SGD", False)])
def test_state_of_a_replaced_table_is_refused(name, sparse):
    """The state made at the first step no longer fits a bigger table: a clear error, no write.

    Before the check the next step indexed the old state out of bounds (a crash
    or silent corruption), so the case runs in a child process.
    """
    import subprocess
    import sys

    code = _REPLACED_TABLE.replace("NAME", repr(name)).replace("SPARSE", str(sparse))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("ValueError: modules[0].weight has shape (5000, 4) and dtype "
                                  "float32, but the optimizer's state"), proc.stdout
    assert "was made for shape (10, 4)" in proc.stdout and "Make a new" in proc.stdout


def test_state_dtype_of_a_replaced_table_is_refused(rng):
    emb = Embedding(6, 3, seed=0)
    opt = Adagrad([emb], lr=0.1)
    emb(np.array([1])); emb.backward(np.ones((1, 3), np.float32)); opt.step()
    emb.weight = emb.weight.astype(np.float64)
    emb(np.array([1])); emb.backward(np.ones((1, 3), np.float64))
    with pytest.raises(ValueError, match=r"state 'sum' was made for shape \(6, 3\) and dtype "
                                         r"float32"):
        opt.step()
