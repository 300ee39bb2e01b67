"""One-hot vectors: the sparse representation in which every word is its own axis."""

from __future__ import annotations

import numpy as np

from .._base.validation import check_ids, check_int
from .._base.sparse import make_csr


def one_hot(ids, num_classes: int, dtype=np.float32):
    """One-hot rows of ``ids`` as a CSR matrix of shape ``(len(ids), num_classes)``.

    Row ``i`` has a single 1 in column ``ids[i]``. Two distinct rows are
    orthogonal (their dot product, and cosine similarity, is exactly 0), and
    ``one_hot(ids, V) @ W`` equals ``W[ids]``: multiplying by a one-hot vector
    just looks up a row, which is why an embedding is a lookup table.

    Parameters
    ----------
    ids : array-like of int, shape (n,)
        Class (token) ids, each in ``[0, num_classes)``.
    num_classes : int
        Number of columns (the vocabulary size).
    dtype : dtype, default=np.float32
        Dtype of the stored ones.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n, num_classes)

    Raises
    ------
    TypeError
        If ``ids`` are not integers (bool and float are refused).
    IndexError
        If an id is negative or ``>= num_classes``; the message names the
        first such position.

    Examples
    --------
    >>> from sparsedense import one_hot
    >>> one_hot([0, 1, 2], 3).toarray()  # "I love you" over {I, love, you}
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]], dtype=float32)
    >>> one_hot([0, 3], 3)
    Traceback (most recent call last):
    ...
    IndexError: ids[1] = 3 is out of range for num_classes=3 (valid: 0..2)
    """
    num_classes = check_int(num_classes, "num_classes", 1)
    arr = check_ids(ids, "ids", num_classes, "num_classes")
    if arr.ndim != 1:
        raise ValueError(f"ids must be 1-D; got shape {arr.shape}")
    n = arr.shape[0]
    indptr = np.arange(n + 1, dtype=np.int64)
    return make_csr(indptr, arr.copy(), np.ones(n, dtype=dtype), (n, num_classes))
