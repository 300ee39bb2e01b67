"""Parity with torch: F.embedding, nn.Embedding's autograd gradients, max_norm,
and torch.optim SGD / Adagrad / SparseAdam on the same gradients.

Runs only where torch is installed (the CPU build is enough).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from sparsedense import optim  # noqa: E402
from sparsedense.functional import embedding, embedding_backward  # noqa: E402
from sparsedense.nn import Embedding  # noqa: E402

SEED_INDICES = [[1, 2, 4, 5], [4, 3, 2, 9]]
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

RTOL = 1e-6
ATOL = 1e-6


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


def _t(a):
    return torch.from_numpy(np.array(a, order="C"))  # a 0-d array stays 0-d


def _close(ours, theirs, rtol=RTOL, atol=ATOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol, atol=atol)


# --------------------------------------------------------------------------- the seed


@pytest.mark.parametrize("dim", [3, 2])
def test_seed_examples(dim):
    torch.manual_seed(0)
    t_emb = torch.nn.Embedding(10, dim)
    ours = Embedding(10, dim, seed=0)
    inp = torch.LongTensor(SEED_INDICES)
    assert tuple(t_emb(inp).shape) == ours(np.array(SEED_INDICES)).shape == (2, 4, dim)
    # with torch's table, our lookup gives torch's numbers
    w = t_emb.weight.detach().numpy().copy()
    _close(embedding(SEED_INDICES, w), t_emb(inp), rtol=0, atol=0)
    # an index == num_embeddings is an error in both
    with pytest.raises(IndexError):
        t_emb(torch.LongTensor([[1, 2, 4, 5], [4, 3, 2, 10]]))
    with pytest.raises(IndexError, match=r"indices\[1, 3\] = 10"):
        ours(np.array([[1, 2, 4, 5], [4, 3, 2, 10]]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (2, 3, 4), (0,), (2, 0)])
def test_functional_embedding_equals_torch(rng, dtype, shape):
    w = rng.standard_normal((20, 6)).astype(dtype)
    idx = rng.integers(0, 20, size=shape)
    _close(embedding(idx, w), TF.embedding(_t(idx), _t(w)), rtol=0, atol=0)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, float("inf")])
def test_functional_max_norm_equals_torch(rng, norm_type):
    w = (rng.standard_normal((30, 5)) * 3).astype(np.float32)
    tw = _t(w.copy())
    idx = rng.integers(0, 15, size=(4, 6))
    out = embedding(idx, w, max_norm=1.2, norm_type=norm_type)
    with torch.no_grad():
        t_out = TF.embedding(_t(idx), tw, max_norm=1.2, norm_type=norm_type)
    _close(w, tw)  # the table is renormalized in place the same way
    _close(out, t_out)


# --------------------------------------------------------------------------- autograd


@pytest.mark.parametrize("padding_idx", [None, 3, -1])
@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("max_norm", [None, 1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_gradient_equals_torch(rng, padding_idx, scale, max_norm, dtype):
    v, d = 25, 4
    w = (rng.standard_normal((v, d)) * 2).astype(dtype)
    pool = np.array([0, 3, 3, 7, 24, 24, 24, 11])
    idx = pool[rng.integers(0, pool.size, size=(5, 6))]
    g = rng.standard_normal((5, 6, d)).astype(dtype)

    t_emb = torch.nn.Embedding(v, d, padding_idx=padding_idx, max_norm=max_norm,
                               scale_grad_by_freq=scale, _weight=_t(w.copy()),
                               dtype=torch.float32 if dtype == np.float32 else torch.float64)
    t_out = t_emb(_t(idx))
    (t_out * _t(g)).sum().backward()

    ours = Embedding.from_pretrained(w.copy(), freeze=False, padding_idx=padding_idx,
                                     max_norm=max_norm, scale_grad_by_freq=scale)
    out = ours(idx)
    grad = ours.backward(g)
    _close(out, t_out)
    _close(ours.weight, t_emb.weight)  # max_norm renormalized both tables alike
    _close(grad, t_emb.weight.grad)
    _close(ours.grad, t_emb.weight.grad)
    # and the functional form
    _close(embedding_backward(g, idx, v, padding_idx=padding_idx, scale_grad_by_freq=scale),
           t_emb.weight.grad)


@pytest.mark.parametrize("padding_idx", [None, 3, -1])
@pytest.mark.parametrize("max_norm", [None, 1.0])
def test_sparse_gradient_equals_torch(rng, padding_idx, max_norm):
    v, d = 25, 4
    w = (rng.standard_normal((v, d)) * 2).astype(np.float32)
    pool = np.array([0, 3, 3, 7, 24, 24, 24, 11])
    idx = pool[rng.integers(0, pool.size, size=(5, 6))]
    g = rng.standard_normal((5, 6, d)).astype(np.float32)

    t_emb = torch.nn.Embedding(v, d, padding_idx=padding_idx, max_norm=max_norm, sparse=True,
                               _weight=_t(w.copy()))
    (t_emb(_t(idx)) * _t(g)).sum().backward()
    t_grad = t_emb.weight.grad.coalesce()

    ours = Embedding.from_pretrained(w.copy(), freeze=False, padding_idx=padding_idx,
                                     max_norm=max_norm, sparse=True)
    ours(idx)
    grad = ours.backward(g)
    _close(ours.weight, t_emb.weight)
    _close(grad.to_dense(), t_grad.to_dense())
    assert grad.indices.tolist() == t_grad.indices()[0].tolist()
    _close(grad.values, t_grad.values())


def test_accumulated_gradients_equal_torch(rng):
    v, d = 12, 3
    w = rng.standard_normal((v, d)).astype(np.float32)
    for sparse in (False, True):
        t_emb = torch.nn.Embedding(v, d, sparse=sparse, _weight=_t(w.copy()))
        ours = Embedding.from_pretrained(w.copy(), freeze=False, sparse=sparse)
        for _ in range(3):
            idx = rng.integers(0, v, size=(2, 5))
            g = rng.standard_normal((2, 5, d)).astype(np.float32)
            (t_emb(_t(idx)) * _t(g)).sum().backward()
            ours(idx)
            ours.backward(g)
        t_grad = t_emb.weight.grad
        t_grad = t_grad.coalesce().to_dense() if sparse else t_grad
        _close(ours.grad.to_dense() if sparse else ours.grad, t_grad)


# --------------------------------------------------------------------------- optimizers


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
