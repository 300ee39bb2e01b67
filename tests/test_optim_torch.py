"""Parity with torch: torch.optim SGD / Adagrad / SparseAdam on the same gradients.

A torch table and a sparsedense table are trained on the same batches (dense
and row-sparse gradients, padding, max_norm, accumulated batches); the tables
must agree after every step.

Runs only where torch is installed (the CPU build is enough).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsedense import optim  # noqa: E402
from sparsedense.nn import Embedding  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

RTOL = 1e-6
ATOL = 1e-6


def _t(a):
    return torch.from_numpy(np.array(a, order="C"))  # a 0-d array stays 0-d


def _close(ours, theirs, rtol=RTOL, atol=ATOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol, atol=atol)


def _train(make_torch_opt, make_our_opt, *, sparse, padding_idx=None, max_norm=None,
           scale=False, steps=6, v=50, d=8, seed=7, batches_per_step=1, batch_hook=None):
    """Train a torch and a sparsedense table on the same batches; return both weights."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((v, d)).astype(np.float32)
    t_emb = torch.nn.Embedding(v, d, padding_idx=padding_idx, max_norm=max_norm,
                               scale_grad_by_freq=scale, sparse=sparse, _weight=_t(w.copy()))
    ours = Embedding.from_pretrained(w.copy(), freeze=False, padding_idx=padding_idx,
                                     max_norm=max_norm, scale_grad_by_freq=scale, sparse=sparse)
    t_opt = make_torch_opt([t_emb.weight])
    o_opt = make_our_opt([ours])
    for step in range(steps):
        t_opt.zero_grad()
        o_opt.zero_grad()
        for _ in range(batches_per_step):
            idx = rng.integers(0, v, size=(3, 7))
            idx[0, :3] = idx[1, 0]  # duplicates in every batch
            if batch_hook is not None:
                idx = batch_hook(step, idx)
            g = rng.standard_normal(idx.shape + (d,)).astype(np.float32)
            (t_emb(_t(idx)) * _t(g)).sum().backward()
            ours(idx)
            ours.backward(g)
        t_opt.step()
        o_opt.step()
        _close(ours.weight, t_emb.weight)  # after every step
    return ours.weight, t_emb.weight.detach().numpy()


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_sgd_equals_torch(sparse, padding_idx):
    _train(lambda p: torch.optim.SGD(p, lr=0.3), lambda m: optim.SGD(m, lr=0.3),
           sparse=sparse, padding_idx=padding_idx)


def test_sgd_accumulated_batches_and_max_norm_equal_torch():
    for sparse in (False, True):
        _train(lambda p: torch.optim.SGD(p, lr=0.2), lambda m: optim.SGD(m, lr=0.2),
               sparse=sparse, max_norm=2.0, batches_per_step=2)


@pytest.mark.parametrize("kw", [
    dict(momentum=0.9),
    dict(momentum=0.9, dampening=0.3),
    dict(momentum=0.8, nesterov=True),
    dict(momentum=0.5, weight_decay=0.01),
    dict(weight_decay=0.1),
])
def test_sgd_dense_options_equal_torch(kw):
    _train(lambda p: torch.optim.SGD(p, lr=0.1, **kw), lambda m: optim.SGD(m, lr=0.1, **kw),
           sparse=False, scale=True)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("kw", [
    dict(),
    dict(lr_decay=0.1),
    dict(initial_accumulator_value=0.5),
    dict(lr_decay=0.05, initial_accumulator_value=0.1, eps=1e-6),
])
def test_adagrad_equals_torch(sparse, kw):
    _train(lambda p: torch.optim.Adagrad(p, lr=0.1, **kw),
           lambda m: optim.Adagrad(m, lr=0.1, **kw), sparse=sparse, padding_idx=3)


def test_adagrad_dense_weight_decay_equals_torch():
    kw = dict(lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.2)
    _train(lambda p: torch.optim.Adagrad(p, lr=0.1, **kw),
           lambda m: optim.Adagrad(m, lr=0.1, **kw), sparse=False)


@pytest.mark.parametrize("kw", [dict(), dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_sparse_adam_equals_torch(kw, padding_idx):
    _train(lambda p: torch.optim.SparseAdam(p, **kw), lambda m: optim.SparseAdam(m, **kw),
           sparse=True, padding_idx=padding_idx, steps=8)


def test_sparse_adam_all_padding_batch_equals_torch():
    # a batch made only of padding gives an empty (but present) gradient; torch
    # still counts the step, which changes the bias correction of later steps
    def hook(step, idx):
        return np.full_like(idx, 2) if step == 1 else idx

    _train(lambda p: torch.optim.SparseAdam(p, lr=0.01),
           lambda m: optim.SparseAdam(m, lr=0.01), sparse=True, padding_idx=2, steps=4,
           batch_hook=hook)


def test_adagrad_sparse_all_padding_batch_equals_torch():
    def hook(step, idx):
        return np.full_like(idx, 2) if step == 1 else idx

    _train(lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.5),
           lambda m: optim.Adagrad(m, lr=0.1, lr_decay=0.5), sparse=True, padding_idx=2,
           steps=4, batch_hook=hook)
