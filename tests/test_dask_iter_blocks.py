"""sparsedense.dask.iter_blocks: a dask array's row blocks, in order, one held at a time."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

import sparsedense as sd  # noqa: E402
from sparsedense.dask import EmbeddingVectorizer, iter_blocks  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=":0") as c:
        yield c


def test_blocks_in_order_on_the_local_scheduler():
    X = np.arange(35, dtype=np.float32).reshape(7, 5)
    D = da.from_array(X, chunks=(3, 5))
    with dask.config.set(scheduler="sync"):
        blocks = list(iter_blocks(D))
    assert [b.shape for b in blocks] == [(3, 5), (3, 5), (1, 5)]
    np.testing.assert_array_equal(np.vstack(blocks), X)


def test_blocks_of_an_embedding_on_a_cluster_equal_the_single_machine(client):
    words = ["deposit", "savings", "rain", "snow"]
    W = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    docs = ["deposit savings", "rain snow snow", "nothing known", "savings"] * 6
    D = EmbeddingVectorizer(W, words).fit_transform(docs)
    blocks = list(iter_blocks(D, client))
    assert sum(b.shape[0] for b in blocks) == len(docs)
    np.testing.assert_array_equal(np.vstack(blocks),
                                  sd.EmbeddingVectorizer(W, words).fit_transform(docs))


@pytest.mark.parametrize("bad", [np.zeros((3, 2)), da.zeros(4, chunks=2),
                                 da.zeros((4, 4), chunks=(2, 2))])
def test_not_a_2d_array_of_row_blocks_is_refused(bad):
    with pytest.raises(ValueError, match="array must be a 2-D dask array of row blocks"):
        next(iter_blocks(bad))
