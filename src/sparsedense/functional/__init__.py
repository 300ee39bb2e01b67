"""The functional layer of the dense side (like ``torch.nn.functional``).

Stateless functions that validate their inputs once, bring them to the exact
form a kernel expects (flat int64 indices, a 2-D float table, canonical
CSR), and call the kernels in :mod:`sparsedense._kernels`. The classes in
:mod:`sparsedense.nn` hold state and call these functions; there is no second
implementation of any computation.

* lookups: :func:`embedding`, :func:`embedding_backward`
* bags: :func:`embedding_bag`, :func:`embedding_bag_backward`
* sparse -> dense: :func:`sparse_to_dense`, :func:`onehot_to_indices`,
  :func:`indices_to_onehot`
"""

from ._bag import embedding_bag, embedding_bag_backward
from ._convert import indices_to_onehot, onehot_to_indices, sparse_to_dense
from ._lookup import _flat_indices, embedding, embedding_backward, onehot_rows

__all__ = [
    "embedding",
    "embedding_backward",
    "embedding_bag",
    "embedding_bag_backward",
    "indices_to_onehot",
    "onehot_rows",
    "onehot_to_indices",
    "sparse_to_dense",
]
