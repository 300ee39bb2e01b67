"""scipy.sparse plumbing: accepting any sparse input safely, and building CSR output.

:func:`check_sparse_structure` refuses malformed index arrays before a kernel
reads them; :func:`check_csr` / :func:`as_csr` convert any scipy.sparse input
once; :func:`make_csr` builds the matrices the vectorizers return.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._kernels import _tuning, family
from .._kernels._dispatch import choose, task_args
from .errors import DTypeError  # a TypeError, and the ValueError of scikit-learn
from .validation import as_array

_INT32_MAX = np.iinfo(np.int32).max


def index_dtype(nnz: int, n_cols: int) -> type:
    """int32 unless the stored entries or columns need int64 (scikit-learn's rule)."""
    return np.int64 if max(nnz, n_cols) > _INT32_MAX else np.int32


def make_csr(indptr, indices, data, shape, dtype=None, canonical: bool = True):
    """A ``csr_matrix`` (or ``csr_array``, see :func:`output_container`) from raw arrays."""
    idx = index_dtype(int(indptr[-1]), shape[1])
    data = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    X = sp.csr_matrix(
        (data, indices.astype(idx, copy=False), indptr.astype(idx, copy=False)),
        shape=shape, copy=False,
    )
    if canonical:
        X.has_sorted_indices = True
        X.has_canonical_format = True
    return output_container(X)


def output_container(X):
    """Follow scikit-learn's ``sparse_interface`` setting when scikit-learn is in use.

    scikit-learn returns ``csr_matrix`` by default and ``csr_array`` under
    ``sklearn.set_config(sparse_interface="sparray")``; so do we. Without
    scikit-learn imported, the result is a ``csr_matrix``. A conversion shares
    ``X``'s arrays (scikit-learn's ``_align_api_if_sparse``), and ``X`` already
    of the right kind is returned as is.
    """
    interface = "spmatrix"
    sklearn = sys.modules.get("sklearn")
    if sklearn is not None:
        try:
            interface = sklearn.get_config().get("sparse_interface", "spmatrix")
        except Exception:  # pragma: no cover - very old or partial scikit-learn
            interface = "spmatrix"
    if interface == "sparray":
        return X if isinstance(X, sp.sparray) else sp.csr_array(X)
    return sp.csr_matrix(X) if isinstance(X, sp.sparray) else X


def as_csr(X, name: str = "X"):
    """Any scipy.sparse matrix/array or dense 2-D array as a canonical CSR copy."""
    if sp.issparse(X):
        X = check_csr(X, name, copy=True)
    else:
        arr = as_array(X, name)
        if arr.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D array or scipy.sparse matrix; got shape {arr.shape}"
            )
        if arr.dtype.kind not in "biuf":
            raise DTypeError(f"{name} must be numeric; got dtype {arr.dtype}")
        if arr.dtype == np.float16:  # scipy.sparse cannot hold it; scikit-learn takes float64
            arr = arr.astype(np.float64)
        X = sp.csr_matrix(arr)
    X.sum_duplicates()
    return X


_COMPRESSED_AXES = {"csr": ("row", "column", 0), "csc": ("column", "row", 1),
                    "bsr": ("block row", "block column", 0)}


def check_sparse_structure(X: Any, name: str = "X") -> None:
    """Refuse a scipy.sparse matrix or array whose index arrays are malformed (ValueError).

    What is checked, in one pass over the index arrays (a Numba kernel, about
    a millisecond for a million stored values): for CSR, CSC and BSR that
    ``indptr`` has one entry per row (column, block row) plus one, starts at
    0, never decreases and ends within ``indices``; that ``indices`` and
    ``data`` have the same length and integer ``indices`` lie in
    ``[0, n)`` for the other axis; for COO that ``row`` and ``col`` have
    ``data``'s length and lie within the shape. Other formats (LIL, DOK, DIA)
    hold no raw index arrays a kernel reads: check the CSR made from them.
    Such a matrix can only come from arrays assigned by hand (scipy checks
    lengths, not values, when it builds one); a kernel reading it would read
    or write outside its tables.
    """
    fmt = X.format
    shape = X.shape
    if len(shape) != 2:
        return  # the callers refuse non-2-D input with their own message
    if fmt == "coo":
        first_out_of_range = family("sparse")._first_out_of_range
        coords = getattr(X, "coords", None) or (X.row, X.col)
        for axis, (label, values) in enumerate(zip(("row", "col"), coords)):
            values = np.asarray(values)
            if values.dtype.kind not in "iu":
                raise TypeError(f"{name}.{label} must be integers; got dtype {values.dtype}")
            if values.ndim != 1 or values.shape[0] != np.shape(X.data)[0]:
                raise ValueError(f"{name}.{label} has {values.size} entries but {name}.data has "
                                 f"{np.size(X.data)}; a COO matrix needs one per stored value")
            p = int(first_out_of_range(values, shape[axis]))
            if p >= 0:
                raise ValueError(
                    f"{name}.{label}[{p}] = {values[p]} is out of range for {name}.shape[{axis}]"
                    f" = {shape[axis]} (valid: 0..{shape[axis] - 1}); the COO matrix is malformed")
        return
    if fmt not in _COMPRESSED_AXES:
        return
    major, minor, axis = _COMPRESSED_AXES[fmt]
    indptr, indices = np.asarray(X.indptr), np.asarray(X.indices)
    n_major, n_minor = shape[axis], shape[1 - axis]
    if fmt == "bsr":
        r, c = X.blocksize
        n_major, n_minor = shape[0] // r, shape[1] // c
    for label, arr in (("indptr", indptr), ("indices", indices)):
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name}.{label} must be integers; got dtype {arr.dtype}")
        if arr.ndim != 1:
            raise ValueError(f"{name}.{label} must be 1-D; got shape {arr.shape}")
    if indptr.shape[0] != n_major + 1:
        raise ValueError(f"{name}.indptr has {indptr.shape[0]} entries; a {fmt.upper()} matrix "
                         f"of shape {shape} needs {n_major + 1} (one per {major}, plus one)")
    data = np.asarray(X.data)  # (a list in a matrix built by hand: its length all the same)
    n_data = data.shape[0] if data.ndim else 0
    if indices.shape[0] != n_data:
        raise ValueError(f"{name}.indices has {indices.shape[0]} entries but {name}.data has "
                         f"{n_data}; they must be equal")
    K = family("sparse")
    code, pos = K._compressed_fault(indptr, indices, n_minor)
    if code == K.OK:
        return
    kind = f"the {fmt.upper()} matrix is malformed"
    if code == K.FIRST_NOT_ZERO:
        raise ValueError(f"{name}.indptr[0] = {indptr[0]}; it must be 0 ({kind})")
    if code == K.DECREASING:
        raise ValueError(f"{name}.indptr must be non-decreasing; {name}.indptr[{pos}] = "
                         f"{indptr[pos]} < {name}.indptr[{pos - 1}] = {indptr[pos - 1]} ({kind})")
    if code == K.PAST_END:
        raise ValueError(f"{name}.indptr[-1] = {indptr[-1]} is past the end of {name}.indices "
                         f"(length {indices.shape[0]}) ({kind})")
    where = int(np.searchsorted(indptr, pos, side="right") - 1)
    raise ValueError(f"{name}.indices[{pos}] = {indices[pos]} ({major} {where}) is out of range "
                     f"for {n_minor} {minor}s (valid: 0..{n_minor - 1}); {kind}")


def check_csr(X: Any, name: str = "X", copy: bool = False):
    """A scipy.sparse matrix or array of any format as a ``csr_matrix`` whose structure is checked.

    The structure is checked before any conversion (scipy's conversions trust
    it too) and, for formats without raw index arrays, after it (see
    :func:`check_sparse_structure`). No copy when ``X`` is already CSR and
    ``copy`` is False; storage past ``indptr[-1]`` is dropped (on a copy).
    """
    check_sparse_structure(X, name)
    checked = X.format in _COMPRESSED_AXES or X.format == "coo"
    if copy or type(X) is not sp.csr_matrix:
        X = sp.csr_matrix(X, copy=copy)
    if not checked:
        check_sparse_structure(X, name)
    if X.indices.shape[0] > X.indptr[-1]:
        X = X.copy() if not copy else X
        X.prune()
    return X


def document_frequency(X) -> np.ndarray:
    """Number of rows in which each column has a non-zero entry (canonical CSR ``X``).

    Stored zeros are not counted; ``X`` is not modified.
    """
    indices = X.indices if X.data.all() else X.indices[X.data != 0]
    return np.bincount(indices, minlength=X.shape[1]).astype(np.int64, copy=False)


def bag_product(offsets: np.ndarray, indices: np.ndarray, values: np.ndarray,
                weight: np.ndarray, mode_code: int = 0, allow: bool = True) -> np.ndarray:
    """Row ``b`` of the result: the sum (mode 0), mean (1) or max (2) of
    ``values[j] * weight[indices[j]]`` over ``j`` in ``offsets[b]:offsets[b + 1]``.

    In sum mode with CSR arrays this is ``X @ weight``: the one product behind
    ``embedding_bag``, ``sparse_to_dense`` and LSA. Arrays are assumed valid
    and of the kernel's dtypes. ``allow=False`` keeps to the calling thread
    (same result), for a caller whose BLAS threads are still spinning.
    """
    n_bags = offsets.shape[0] - 1
    out = np.empty((n_bags, weight.shape[1]), dtype=weight.dtype)
    if n_bags:
        kernel = choose(family("bag")._embedding_bag, indices.shape[0] * weight.shape[1], allow)
        n_tasks = min(n_bags, _tuning.get("PARALLEL_TASKS"))
        kernel(offsets, indices, values, mode_code, np.asarray(weight), out,
               *task_args(kernel, n_tasks))
    return out
