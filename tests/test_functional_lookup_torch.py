"""Parity with torch: F.embedding, and max_norm's renormalization of the table.

nn.Embedding and its gradients are compared in test_nn_torch.py, the
optimizers in test_optim_torch.py.

Runs only where torch is installed (the CPU build is enough).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from sparsedense.functional import embedding  # noqa: E402

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
