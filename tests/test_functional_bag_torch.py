"""Parity with torch: F.embedding_bag, forward and autograd (nn.EmbeddingBag: test_nn_torch.py).

Every mode and option torch supports (sum / mean / max, ``padding_idx``,
``include_last_offset``, ``per_sample_weights`` with sum, 2-D input,
``max_norm``) is compared with the weight gradients (dense, and ``sparse=True``
through ``coalesce().to_dense()``) and the per-sample-weight gradients of
torch's autograd.

``scale_grad_by_freq`` is not compared with torch's EmbeddingBag: torch 2.13's
CPU kernel divides some rows by the count of a different index (documented in
``embedding_bag_backward``); it is compared with ``nn.Embedding`` followed by
the bag reduction instead, where torch applies its documented rule.

Runs only where torch is installed (the CPU build is enough).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from sparsedense.functional import embedding_bag, embedding_bag_backward  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

RTOL = 1e-6
ATOL = 1e-6
V, D = 20, 5


@pytest.fixture
def rng():
    return np.random.default_rng(4242)


def _t(a):
    return torch.from_numpy(np.array(a, order="C"))


def _close(ours, theirs, rtol=RTOL, atol=ATOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol, atol=atol)


def _case(rng, form, include_last_offset, dtype):
    """Indices (with duplicates), offsets (with an empty bag) and sample weights."""
    pool = np.array([0, 2, 2, 5, 7, 7, 7, 11, 19, 19])
    if form == "2d":
        idx = pool[rng.integers(0, pool.size, size=(4, 6))]
        offsets = None
    else:
        idx = pool[rng.integers(0, pool.size, size=15)]
        offsets = np.array([0, 4, 4, 9, 14])
        if include_last_offset:
            offsets = np.append(offsets, 15)
    psw = rng.choice(np.array([-1.0, 0.5, 1.0, 2.0, 3.0]), size=idx.shape).astype(dtype)
    return idx, offsets, psw


def _torch_run(w, idx, offsets, mode, psw, padding_idx, include_last_offset, sparse, g,
               max_norm=None):
    tw = _t(w.copy()).requires_grad_(True)
    tpsw = None if psw is None else _t(psw).requires_grad_(True)
    out = TF.embedding_bag(_t(idx), tw, None if offsets is None else _t(offsets), mode=mode,
                           per_sample_weights=tpsw, padding_idx=padding_idx,
                           include_last_offset=include_last_offset, sparse=sparse,
                           max_norm=max_norm)
    (out * _t(g)).sum().backward()
    grad = tw.grad.coalesce().to_dense() if sparse else tw.grad
    return out, tw, grad, None if tpsw is None else tpsw.grad


# every combination torch accepts: per_sample_weights with 'sum' only, and
# include_last_offset with 1-D input (with offsets) only
OPTION_CASES = [
    (mode, use_weights, form, include_last_offset)
    for mode in ("sum", "mean", "max")
    for use_weights in ((False, True) if mode == "sum" else (False,))
    for form in ("1d", "2d")
    for include_last_offset in ((False, True) if form == "1d" else (False,))
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding_idx", [None, 7, -1])
@pytest.mark.parametrize("mode,use_weights,form,include_last_offset", OPTION_CASES)
def test_functional_forward_and_gradients_equal_torch(rng, mode, use_weights, form,
                                                      include_last_offset, padding_idx, dtype):
    w = (rng.standard_normal((V, D)) * 2).astype(dtype)
    idx, offsets, psw = _case(rng, form, include_last_offset, dtype)
    psw = psw if use_weights else None
    n_bags = idx.shape[0] if form == "2d" else offsets.size - int(include_last_offset)
    g = rng.standard_normal((n_bags, D)).astype(dtype)
    kw = dict(mode=mode, per_sample_weights=psw, padding_idx=padding_idx,
              include_last_offset=include_last_offset)

    t_out, _, t_grad, t_gpsw = _torch_run(w, idx, offsets, mode, psw, padding_idx,
                                          include_last_offset, False, g)
    out = embedding_bag(idx, w, offsets, **kw)
    _close(out, t_out)
    gw, gpsw = embedding_bag_backward(g, idx, w, offsets, **kw)
    _close(gw, t_grad)
    if use_weights:
        _close(gpsw, t_gpsw)
    else:
        assert gpsw is None
    sgw, sgpsw = embedding_bag_backward(g, idx, w, offsets, sparse=True, **kw)
    _close(sgw.to_dense(), t_grad)
    if mode != "max":  # torch refuses sparse gradients in max mode
        _, _, ts_grad, ts_gpsw = _torch_run(w, idx, offsets, mode, psw, padding_idx,
                                            include_last_offset, True, g)
        _close(sgw.to_dense(), ts_grad)
        if use_weights:
            _close(sgpsw, ts_gpsw)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_empty_and_padding_only_bags_equal_torch(rng, mode):
    w = (rng.standard_normal((V, D)) + 4).astype(np.float32)
    idx = np.array([3, 3, 3, 4, 9, 3])
    offsets = np.array([0, 0, 2, 3, 3, 6])  # empty, padding only, ..., empty at the end
    g = rng.standard_normal((6, D)).astype(np.float32)
    t_out, _, t_grad, _ = _torch_run(w, idx, offsets, mode, None, 3, False, False, g)
    _close(embedding_bag(idx, w, offsets, mode=mode, padding_idx=3), t_out)
    gw, _ = embedding_bag_backward(g, idx, w, offsets, mode=mode, padding_idx=3)
    _close(gw, t_grad)


def test_max_ties_equal_torch():
    w = np.array([[1.0, 5.0], [3.0, 5.0], [3.0, 0.0], [-2.0, -1.0], [3.0, 5.0]], np.float32)
    idx = np.array([3, 1, 2, 0, 4, 4, 1, 3, 3])
    offsets = np.array([0, 5, 7])
    g = np.arange(6, dtype=np.float32).reshape(3, 2) + 1
    t_out, _, t_grad, _ = _torch_run(w, idx, offsets, "max", None, None, False, False, g)
    _close(embedding_bag(idx, w, offsets, mode="max"), t_out, rtol=0, atol=0)
    gw, _ = embedding_bag_backward(g, idx, w, offsets, mode="max")
    _close(gw, t_grad, rtol=0, atol=0)


def test_max_with_nan_equals_torch():
    """torch's max keeps the first value and replaces it only by a larger one."""
    w = np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, 1.0]], np.float32)
    idx, offsets = np.array([0, 1, 1, 2]), np.array([0, 2])
    t_out = TF.embedding_bag(_t(idx), _t(w), _t(offsets), mode="max")
    np.testing.assert_array_equal(embedding_bag(idx, w, offsets, mode="max"), t_out.numpy())


@pytest.mark.parametrize("norm_type", [1.0, 2.0, float("inf")])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_max_norm_equals_torch(rng, mode, norm_type):
    w = (rng.standard_normal((V, D)) * 3).astype(np.float32)
    idx, offsets, _ = _case(rng, "1d", False, np.float32)
    g = rng.standard_normal((offsets.size, D)).astype(np.float32)
    t_out, tw, t_grad, _ = _torch_run(w, idx, offsets, mode, None, None, False, False, g,
                                      max_norm=1.5)
    ours = w.copy()
    out = embedding_bag(idx, ours, offsets, mode=mode, max_norm=1.5)
    _close(ours, tw)
    _close(out, t_out)
    gw, _ = embedding_bag_backward(g, idx, ours, offsets, mode=mode)
    _close(gw, t_grad)


@pytest.mark.parametrize("case", ["padding_row", "after_last_offset"])
def test_max_norm_renormalizes_the_same_rows_as_torch(rng, case):
    """torch renormalizes every row named in ``input`` (``_no_grad_embedding_renorm_``)."""
    w = (rng.standard_normal((V, D)) * 3).astype(np.float32)
    if case == "padding_row":
        idx, offsets, kw = np.array([4, 0, 6, 0]), np.array([0, 2]), dict(padding_idx=0)
    else:
        idx, offsets = np.array([4, 5, 6, 9]), np.array([0, 2, 3])
        kw = dict(include_last_offset=True)
    tw = _t(w.copy())
    with torch.no_grad():
        t_out = TF.embedding_bag(_t(idx), tw, _t(offsets), mode="sum", max_norm=1.0, **kw)
    ours = w.copy()
    out = embedding_bag(idx, ours, offsets, mode="sum", max_norm=1.0, **kw)
    _close(out, t_out)
    _close(ours, tw)


# --------------------------------------------------------------- scale_grad_by_freq


def _embedding_then_bags(w, flat, bag_of, n_bags, mode, psw, padding_idx, g):
    """nn.Embedding(scale_grad_by_freq=True) on the flat indices, then the bag reduction.

    (torch computes this gradient dense only: it refuses scale_grad_by_freq with sparse.)
    """
    emb = torch.nn.Embedding(V, D, padding_idx=padding_idx, scale_grad_by_freq=True,
                             _weight=_t(w.copy()))
    rows = emb(_t(flat))
    if psw is not None:
        rows = rows * _t(psw)[:, None]
    out = torch.zeros(n_bags, D, dtype=rows.dtype).index_add(0, _t(bag_of), rows)
    if mode == "mean":
        counts = np.bincount(bag_of, minlength=n_bags).astype(np.float32)
        out = out / _t(np.maximum(counts, 1))[:, None]
    (out * _t(g)).sum().backward()
    return emb.weight.grad


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("mode,padding_idx,use_weights", [
    ("sum", None, False), ("sum", None, True), ("sum", 7, False), ("sum", 7, True),
    ("mean", None, False),  # Embedding + mean is the bag mean without padding or weights
])
def test_scale_grad_by_freq_equals_torch_embedding(rng, mode, padding_idx, use_weights,
                                                    sparse):
    w = rng.standard_normal((V, D)).astype(np.float32)
    pool = np.array([0, 2, 2, 5, 7, 7, 7, 11, 19, 19])
    flat = pool[rng.integers(0, pool.size, size=15)]
    offsets = np.array([0, 4, 4, 9, 14])
    bag_of = np.repeat(np.arange(5), np.diff(np.append(offsets, 15)))
    psw = rng.choice(np.array([0.5, 1.0, 2.0]), size=15).astype(np.float32) if use_weights \
        else None
    g = rng.standard_normal((5, D)).astype(np.float32)
    t_grad = _embedding_then_bags(w, flat, bag_of, 5, mode, psw, padding_idx, g)
    gw, _ = embedding_bag_backward(g, flat, w, offsets, mode=mode, per_sample_weights=psw,
                                   padding_idx=padding_idx, scale_grad_by_freq=True,
                                   sparse=sparse)
    _close(gw.to_dense() if sparse else gw, t_grad)
    # 2-D input: every row a bag
    idx2 = flat[:12].reshape(3, 4)
    g2 = rng.standard_normal((3, D)).astype(np.float32)
    psw2 = None if psw is None else psw[:12]
    t_grad2 = _embedding_then_bags(w, idx2.reshape(-1), np.repeat(np.arange(3), 4), 3, mode,
                                   psw2, padding_idx, g2)
    gw2, _ = embedding_bag_backward(g2, idx2, w, mode=mode,
                                    per_sample_weights=None if psw2 is None
                                    else psw2.reshape(3, 4),
                                    padding_idx=padding_idx, scale_grad_by_freq=True,
                                    sparse=sparse)
    _close(gw2.to_dense() if sparse else gw2, t_grad2)
