"""Parity with torch: nn.Embedding and nn.EmbeddingBag, forward and autograd.

The modules against torch's modules on the same tables and batches: outputs,
the table after ``max_norm``, and the (accumulated) dense and sparse gradients.
The functional forms are compared in test_functional_lookup_torch.py and
test_functional_bag_torch.py.

Runs only where torch is installed (the CPU build is enough).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsedense.functional import embedding, embedding_backward  # noqa: E402
from sparsedense.nn import Embedding, EmbeddingBag  # noqa: E402

SEED_INDICES = [[1, 2, 4, 5], [4, 3, 2, 9]]
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

RTOL = 1e-6
ATOL = 1e-6
V, D = 20, 5


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


# --------------------------------------------------------------------------- nn.Embedding autograd


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


# --------------------------------------------------------------------------- nn.EmbeddingBag


class TestEmbeddingBag:
    """nn.EmbeddingBag (``rng`` seeded as in test_functional_bag_torch.py, their old file)."""

    @pytest.fixture
    def rng(self):
        return np.random.default_rng(4242)



    @pytest.mark.parametrize("padding_idx", [None, 2])
    @pytest.mark.parametrize("mode,sparse", [("sum", False), ("sum", True), ("mean", False),
                                             ("mean", True), ("max", False)])
    def test_module_accumulated_gradients_equal_torch(self, rng, mode, sparse, padding_idx):
        # (torch refuses sparse=True with mode='max')
        w = rng.standard_normal((V, D)).astype(np.float32)
        t_bag = torch.nn.EmbeddingBag.from_pretrained(_t(w.copy()), freeze=False, mode=mode,
                                                      sparse=sparse, padding_idx=padding_idx)
        ours = EmbeddingBag.from_pretrained(w.copy(), freeze=False, mode=mode, sparse=sparse,
                                            padding_idx=padding_idx)
        for step in range(3):
            if step == 1:  # a 2-D batch
                idx, offsets = rng.integers(0, V, size=(3, 4)), None
                idx[0, :2] = 2
                n_bags = 3
            else:
                idx = rng.integers(0, V, size=10)
                idx[:3] = 2
                offsets = np.array([0, 3, 3, 7])
                n_bags = 4
            psw = rng.random(idx.shape).astype(np.float32) if mode == "sum" else None
            g = rng.standard_normal((n_bags, D)).astype(np.float32)
            t_psw = None if psw is None else _t(psw).requires_grad_(True)
            t_out = t_bag(_t(idx), None if offsets is None else _t(offsets),
                          per_sample_weights=t_psw)
            (t_out * _t(g)).sum().backward()
            out = ours(idx, offsets, per_sample_weights=psw)
            _close(out, t_out)
            _, gpsw = ours.backward(g)
            if psw is not None:
                _close(gpsw, t_psw.grad)
            t_grad = t_bag.weight.grad
            t_grad = t_grad.coalesce().to_dense() if sparse else t_grad
            _close(ours.grad.to_dense() if sparse else ours.grad, t_grad)

    def test_module_include_last_offset_and_max_norm_equal_torch(self, rng):
        w = (rng.standard_normal((V, D)) * 3).astype(np.float32)
        t_bag = torch.nn.EmbeddingBag.from_pretrained(_t(w.copy()), freeze=False, mode="mean",
                                                      include_last_offset=True, max_norm=2.0)
        ours = EmbeddingBag.from_pretrained(w.copy(), freeze=False, mode="mean",
                                            include_last_offset=True, max_norm=2.0)
        idx = rng.integers(0, V, size=12)
        offsets = np.array([0, 5, 5, 12])
        g = rng.standard_normal((3, D)).astype(np.float32)
        t_out = t_bag(_t(idx), _t(offsets))
        (t_out * _t(g)).sum().backward()
        _close(ours(idx, offsets), t_out)
        ours.backward(g)
        _close(ours.weight, t_bag.weight)
        _close(ours.grad, t_bag.weight.grad)
