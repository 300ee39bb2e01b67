"""The modules of sparsedense.nn: Embedding and EmbeddingBag (forward, backward, state).

The functional forms they call are tested in test_functional_lookup.py and
test_functional_bag.py; here, what a module adds: its table, its options,
gradient accumulation, freezing, and calls that fail without changing it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import reference
import sparsedense as sd
from sparsedense.functional import embedding_bag
from sparsedense.grad import RowSparseGrad
from sparsedense.nn import Embedding, EmbeddingBag

SEED_INDICES = [[1, 2, 4, 5], [4, 3, 2, 9]]
MODES = ["sum", "mean", "max"]


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def _table(rng, v, d, dtype=np.float32):
    return rng.standard_normal((v, d)).astype(dtype)


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _close(ours, want, dtype=np.float32):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(want), **_tol(dtype))


# --------------------------------------------------------------------------- Embedding


def test_embedding_init_and_seed():
    a = Embedding(1000, 16, seed=3)
    b = Embedding(1000, 16, seed=3)
    c = Embedding(1000, 16, seed=4)
    assert a.weight.shape == (1000, 16) and a.weight.dtype == np.float32
    assert a.num_embeddings == 1000 and a.embedding_dim == 16
    assert np.array_equal(a.weight, b.weight)
    assert not np.array_equal(a.weight, c.weight)
    assert abs(float(a.weight.mean())) < 0.05
    assert abs(float(a.weight.std()) - 1.0) < 0.05
    assert a.grad is None and a.requires_grad
    g = Embedding(50, 4, seed=np.random.default_rng(0), dtype=np.float64)
    assert g.weight.dtype == np.float64
    with pytest.raises(TypeError, match="dtype"):
        Embedding(5, 2, dtype=np.int32)


@pytest.mark.parametrize("args, exc", [((0, 3), ValueError), ((10, 0), ValueError),
                                       ((10.0, 3), TypeError), ((10, "3"), TypeError)])
def test_embedding_bad_sizes(args, exc):
    with pytest.raises(exc, match="num_embeddings|embedding_dim"):
        Embedding(*args)


@pytest.mark.parametrize("padding_idx, row", [(0, 0), (3, 3), (-1, 9), (-10, 0)])
def test_embedding_padding_row(padding_idx, row):
    emb = Embedding(10, 4, padding_idx=padding_idx, seed=1)
    assert emb.padding_idx == row
    assert np.all(emb.weight[row] == 0)
    others = np.delete(emb.weight, row, axis=0)
    assert np.all(np.any(others != 0, axis=1))
    out = emb([row, (row + 1) % 10])
    assert np.all(out[0] == 0)
    g = emb.backward(np.ones((2, 4), np.float32))
    assert np.all(g[row] == 0) and np.all(g[(row + 1) % 10] == 1)


def test_embedding_forward_backward_accumulates(rng):
    emb = Embedding(10, 3, seed=0)
    idx = np.array(SEED_INDICES)
    out = emb(idx)
    assert np.array_equal(out, emb.weight[idx])
    g1 = rng.standard_normal((2, 4, 3)).astype(np.float32)
    r1 = emb.backward(g1)
    np.testing.assert_allclose(r1, reference.embedding_backward(g1, idx, 10), rtol=1e-6)
    np.testing.assert_allclose(emb.grad, r1, rtol=0)
    assert emb.grad is not r1  # the accumulator is its own array
    idx2 = np.array([0, 9, 9])
    emb(idx2)
    g2 = rng.standard_normal((3, 3)).astype(np.float32)
    r2 = emb.backward(g2)
    want = reference.embedding_backward(g1, idx, 10) + reference.embedding_backward(g2, idx2, 10)
    np.testing.assert_allclose(emb.grad, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r1, reference.embedding_backward(g1, idx, 10), rtol=1e-6)
    assert r2.shape == (10, 3)
    emb.zero_grad()
    assert emb.grad is None


def test_embedding_sparse_accumulates(rng):
    emb = Embedding(20, 3, sparse=True, seed=0, padding_idx=5)
    idx1, idx2 = np.array([[1, 5, 1, 7]]), np.array([7, 12, 5])
    g1 = rng.standard_normal((1, 4, 3)).astype(np.float32)
    g2 = rng.standard_normal((3, 3)).astype(np.float32)
    emb(idx1)
    r1 = emb.backward(g1)
    assert isinstance(r1, RowSparseGrad) and r1.indices.tolist() == [1, 7]
    emb(idx2)
    emb.backward(g2)
    assert isinstance(emb.grad, RowSparseGrad)
    assert emb.grad.indices.tolist() == [1, 7, 12]
    want = (reference.embedding_backward(g1, idx1, 20, 5)
            + reference.embedding_backward(g2, idx2, 20, 5))
    np.testing.assert_allclose(emb.grad.to_dense(), want, rtol=1e-6, atol=1e-6)
    assert r1.indices.tolist() == [1, 7]  # the returned gradient is not mutated later


def test_embedding_scale_grad_by_freq_module(rng):
    emb = Embedding(6, 2, scale_grad_by_freq=True, seed=0)
    idx = np.array([0, 0, 0, 4])
    emb(idx)
    g = rng.standard_normal((4, 2))
    want = reference.embedding_backward(g, idx, 6, None, True)
    np.testing.assert_allclose(emb.backward(g), want, rtol=1e-12)


def test_embedding_backward_before_forward():
    with pytest.raises(RuntimeError, match="forward|lookup"):
        Embedding(5, 2, seed=0).backward(np.ones((1, 2), np.float32))


def test_embedding_failed_forward_keeps_previous_lookup(rng):
    emb = Embedding(10, 3, seed=0)
    emb([1, 2])
    with pytest.raises(IndexError):
        emb([1, 10, 2])
    g = emb.backward(np.ones((2, 3), np.float32))  # still the lookup of [1, 2]
    assert g[1].tolist() == [1, 1, 1] and g[2].tolist() == [1, 1, 1]


def test_embedding_backward_wrong_grad_shape_changes_nothing(rng):
    emb = Embedding(10, 3, seed=0)
    emb([1, 2])
    emb.backward(np.ones((2, 3), np.float32))
    before = emb.grad.copy()
    with pytest.raises(ValueError, match=re.escape("(3, 3)")):
        emb.backward(np.ones((3, 3), np.float32))
    assert np.array_equal(emb.grad, before)


def test_from_pretrained_shares_array(rng):
    w = _table(rng, 7, 3)
    emb = Embedding.from_pretrained(w)
    assert emb.weight is w
    assert not emb.requires_grad
    w[2] = 5.0  # a change in the caller's array is visible in the module
    assert np.all(emb([2]) == 5.0)
    emb([1])
    with pytest.raises(RuntimeError, match="frozen"):
        emb.backward(np.ones((1, 3), np.float32))
    assert emb.grad is None
    trainable = Embedding.from_pretrained(w, freeze=False, padding_idx=-1)
    assert trainable.weight is w and trainable.requires_grad and trainable.padding_idx == 6
    trainable([1, 6])
    g = trainable.backward(np.ones((2, 3), np.float32))
    assert np.all(g[6] == 0) and np.all(g[1] == 1)


def test_from_pretrained_max_norm_renormalizes_shared_array(rng):
    w = _table(rng, 7, 3) * 10
    before = w.copy()
    emb = Embedding.from_pretrained(w, max_norm=1.0)
    emb([2, 4])
    want = reference.embedding_renorm(before, [2, 4], 1.0)
    np.testing.assert_allclose(w, want, rtol=1e-6, atol=1e-7)
    assert np.array_equal(w[[0, 1, 3, 5, 6]], before[[0, 1, 3, 5, 6]])


def test_embedding_forward_out(rng):
    emb = Embedding(10, 3, seed=0)
    out = np.empty((2, 4, 3), np.float32)
    assert emb(SEED_INDICES, out=out) is out
    assert np.array_equal(out, emb.weight[np.array(SEED_INDICES)])


def test_embedding_one_hot_input_module(rng):
    emb = Embedding(6, 2, seed=0)
    ids = np.array([0, 5, 5, 2])
    out = emb(sd.one_hot(ids, 6))
    assert np.array_equal(out, emb.weight[ids])
    g = emb.backward(np.ones((4, 2), np.float32))
    assert g[5].tolist() == [2, 2] and g[1].tolist() == [0, 0]


def test_embedding_repr():
    assert repr(Embedding(10, 3, seed=0)) == "Embedding(10, 3)"
    assert "padding_idx=9" in repr(Embedding(10, 3, padding_idx=-1, seed=0))
    assert "sparse=True" in repr(Embedding(10, 3, sparse=True, seed=0))


def test_from_pretrained_accepts_vectors():
    from sparsedense import Vectors
    from sparsedense.nn import Embedding, EmbeddingBag

    W = np.arange(12, dtype=np.float32).reshape(4, 3)
    kv = Vectors(["a", "b", "c", "d"], W)
    emb = Embedding.from_pretrained(kv)
    assert emb.weight is kv.weight
    np.testing.assert_array_equal(emb([kv.key_to_index["c"]]), W[[2]])
    assert EmbeddingBag.from_pretrained(kv, mode="sum").weight is kv.weight


# --------------------------------------------------------------------------- EmbeddingBag


class TestEmbeddingBag:
    """EmbeddingBag (``rng`` seeded as in test_functional_bag.py, where these tests were)."""

    @pytest.fixture
    def rng(self):
        return np.random.default_rng(8675309)


    def test_module_forward_backward_and_accumulation(self, rng):
        W = _table(rng, 12, 3)
        bag = EmbeddingBag.from_pretrained(W, freeze=False, mode="sum")
        assert bag.weight is W  # no copy
        assert bag.num_embeddings == 12 and bag.embedding_dim == 3 and bag.requires_grad
        idx1, off1 = np.array([1, 2, 4, 5, 1]), np.array([0, 2])
        out = bag(idx1, off1)
        assert np.array_equal(out, embedding_bag(idx1, W, off1, "sum"))
        g1 = rng.standard_normal((2, 3)).astype(np.float32)
        gw1, gs1 = bag.backward(g1)
        assert gs1 is None
        _close(gw1, reference.embedding_bag_backward(g1, idx1, W, off1, "sum")[0])
        assert np.array_equal(bag.grad, gw1)
        assert bag.grad is not gw1  # accumulated into its own array
        idx2 = np.array([[1, 7], [7, 7]])
        psw = np.array([[2.0, 1.0], [0.5, 0.5]], np.float32)
        bag(idx2, per_sample_weights=psw)
        g2 = rng.standard_normal((2, 3)).astype(np.float32)
        gw2, gs2 = bag.backward(g2)
        want2, want_s2 = reference.embedding_bag_backward(g2, idx2, W, None, "sum", psw)
        _close(gw2, want2)
        _close(gs2, want_s2)
        _close(bag.grad, gw1 + gw2)
        bag.zero_grad()
        assert bag.grad is None

    @pytest.mark.parametrize("mode", MODES)
    def test_module_sparse_grad_accumulates(self, rng, mode):
        W = _table(rng, 20, 4)
        dense = EmbeddingBag.from_pretrained(W.copy(), freeze=False, mode=mode, padding_idx=3)
        sparse = EmbeddingBag.from_pretrained(W.copy(), freeze=False, mode=mode, padding_idx=3,
                                              sparse=True)
        for _ in range(3):
            idx = rng.integers(0, 20, size=(4, 5))
            g = rng.standard_normal((4, 4)).astype(np.float32)
            for m in (dense, sparse):
                m(idx)
                m.backward(g)
        assert isinstance(sparse.grad, RowSparseGrad)
        _close(sparse.grad.to_dense(), dense.grad)
        assert np.array_equal(dense.grad[3], np.zeros(4))

    def test_module_options_match_functional(self, rng):
        W = _table(rng, 10, 3) * 3
        kw = dict(mode="mean", padding_idx=0, include_last_offset=True, max_norm=2.0,
                  scale_grad_by_freq=True)
        bag = EmbeddingBag.from_pretrained(W.copy(), freeze=False, **kw)
        idx, offsets = np.array([0, 1, 1, 4, 0, 9]), np.array([0, 3, 6])
        out = bag(idx, offsets)
        w = W.copy()
        want = embedding_bag(idx, w, offsets, mode="mean", padding_idx=0,
                             include_last_offset=True, max_norm=2.0)
        assert np.array_equal(out, want)
        assert np.array_equal(bag.weight, w)
        g = rng.standard_normal((2, 3)).astype(np.float32)
        gw, _ = bag.backward(g)
        _close(gw, reference.embedding_bag_backward(g, idx, w, offsets, "mean", None, 0, True,
                                                    True)[0])

    def test_module_init_and_freeze(self, rng):
        bag = EmbeddingBag(10, 3, padding_idx=2, seed=0)
        assert bag.weight.shape == (10, 3) and bag.weight.dtype == np.float32
        assert np.array_equal(bag.weight[2], np.zeros(3))
        assert bag.mode == "mean"
        assert np.array_equal(EmbeddingBag(10, 3, seed=0).weight,
                              EmbeddingBag(10, 3, seed=0).weight)
        assert EmbeddingBag(4, 2, dtype=np.float64, seed=1).weight.dtype == np.float64
        W = _table(rng, 5, 2)
        frozen = EmbeddingBag.from_pretrained(W)  # freeze=True by default, as torch
        assert not frozen.requires_grad
        _close(frozen([[1, 2]]), [(W[1] + W[2]) / 2])
        with pytest.raises(RuntimeError, match="frozen"):
            frozen.backward(np.ones((1, 2), np.float32))
        assert frozen.grad is None
        fresh = EmbeddingBag.from_pretrained(W, freeze=False)
        with pytest.raises(RuntimeError, match="forward"):
            fresh.backward(np.ones((1, 2), np.float32))
        with pytest.raises(ValueError, match="mode"):
            EmbeddingBag(5, 2, mode="median")
        with pytest.raises(ValueError):
            EmbeddingBag(5, 2, padding_idx=5)

    def test_module_failed_calls_change_nothing(self, rng):
        W = _table(rng, 6, 2) * 4
        bag = EmbeddingBag.from_pretrained(W.copy(), freeze=False, mode="sum", max_norm=1.0)
        bag(np.array([[1, 2]]))
        before_w = bag.weight.copy()
        with pytest.raises(IndexError):
            bag(np.array([[3, 4], [5, 6]]))  # rows 3, 4, 5 would be renormalized first
        assert np.array_equal(bag.weight, before_w)
        g = np.ones((1, 2), np.float32)
        gw, _ = bag.backward(g)  # still the gradient of the last successful call
        assert np.count_nonzero(gw.sum(axis=1)) == 2 and gw[1].tolist() == [1.0, 1.0]
        grad_before = bag.grad.copy()
        with pytest.raises(ValueError, match="grad_output"):
            bag.backward(np.ones((2, 2), np.float32))
        assert np.array_equal(bag.grad, grad_before)
