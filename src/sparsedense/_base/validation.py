"""Every input check of the public API, and its message.

One template for every message: the argument's name, the offending value,
where it is, and what was expected, e.g.::

    IndexError: ids[3] = 10 is out of range for num_classes=10 (valid: 0..9)

Checks run before anything is written, so a call that fails changes nothing.
Kernels never validate; the functions here are the only gate in front of them.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._kernels import family
from .errors import InvalidParameterError, NoSamplesError


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_param(value: Any, name: str, allowed: str, ok: bool, *, owner: str) -> None:
    """Raise :class:`InvalidParameterError` in scikit-learn's wording unless ``ok``.

    The estimators' message ("The 'min_df' parameter of CountVectorizer must
    be ... Got ... instead."); :func:`check_int` and :func:`check_real` give
    the functions' and trainers' shorter one.
    """
    if not ok:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {allowed}. Got {_short(value)} instead."
        )


def _bounds(low: float | None, high: float | None, low_open: bool = False) -> str:
    """``">= 1 and <= 5"``: the range of :func:`check_int` / :func:`check_real` in words."""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        parts.append(f"<= {high}")
    return " and ".join(parts)


def check_int(value: Any, name: str, low: int | None = None, high: int | None = None, *,
              owner: str | None = None, allow_none: bool = False) -> int | None:
    """An integer in ``[low, high]`` (either bound optional; None too with ``allow_none``).

    A wrong type or value is an :class:`InvalidParameterError`: a TypeError
    and a ValueError, so the same mistake fails the same way for every
    parameter of every function, estimator and trainer (gensim converts its
    parameters with ``int()``, which raises either). ``owner`` prefixes the
    message (``"Word2Vec: min_count must be an int >= 1; got '3'"``).
    """
    if value is None and allow_none:
        return None
    prefix = f"{owner}: " if owner else ""
    what = f"an int {_bounds(low, high)}".rstrip()
    if not is_int(value):
        raise InvalidParameterError(f"{prefix}{name} must be {what}"
                                    f"{' or None' if allow_none else ''}; got {_short(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidParameterError(f"{prefix}{name} must be {what}; got {value}")
    return int(value)


def check_real(value: Any, name: str, low: float | None = None, high: float | None = None, *,
               owner: str | None = None, low_open: bool = False,
               allow_inf: bool = False) -> float:
    """A number in ``[low, high]`` (``(low, high]`` with ``low_open``), finite unless
    ``allow_inf``; returned as a float. Wrong type or value: :class:`InvalidParameterError`.
    """
    prefix = f"{owner}: " if owner else ""
    if is_bool(value) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{prefix}{name} must be a number; got {_short(value)}")
    v = float(value)
    bad = (np.isnan(v) or (np.isinf(v) and not allow_inf)
           or (low is not None and (v <= low if low_open else v < low))
           or (high is not None and v > high))
    if bad:
        what = f"a{'' if allow_inf else ' finite'} number {_bounds(low, high, low_open)}".rstrip()
        raise InvalidParameterError(f"{prefix}{name} must be {what}; got {value!r}")
    return v


def is_int(value: Any) -> bool:
    """True for Python and numpy integers, False for bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real_not_int(value: Any) -> bool:
    """True for Python and numpy floats (scikit-learn's ``RealNotInt``)."""
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)


def is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_documents(raw_documents: Any) -> None:
    """Refuse a single string where an iterable of documents is expected."""
    if isinstance(raw_documents, str):
        raise ValueError(
            "Iterable over raw text documents expected, string object received."
        )
    if not isinstance(raw_documents, Iterable):
        raise TypeError(
            "raw_documents must be an iterable of str or bytes documents; "
            f"got {type(raw_documents).__name__} {_short(raw_documents)}"
        )


def check_document(doc: Any, position: int) -> str:
    """A decoded document must be a str; say which position is not."""
    if isinstance(doc, str):
        return doc
    if doc is np.nan:
        raise ValueError(
            "np.nan is an invalid document, expected byte or unicode string."
        )
    raise TypeError(
        f"raw_documents[{position}] is {type(doc).__name__} {_short(doc)}; "
        "expected a str (or bytes, decoded with `encoding`)"
    )


def as_array(value: Any, name: str) -> np.ndarray:
    """``np.asarray(value)``, with a ragged nested sequence refused by name (ValueError)."""
    try:
        return np.asarray(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a rectangular array; got a ragged nested sequence "
                         f"{_short(value)} ({exc})") from None


def check_ids(ids: Any, name: str, upper: int, upper_name: str) -> np.ndarray:
    """Integer ids of any shape as an int64 array of that shape, each in ``[0, upper)``.

    The same checks and messages as :func:`check_indices` (which this wraps),
    for tables whose size is called ``upper_name`` (``num_classes``,
    ``len(vocab)``, ...).
    """
    flat, shape = check_indices(ids, upper, name, upper_name)
    return flat.reshape(shape)


def _where(pos: tuple) -> str:
    """``[1, 3]`` for a position in an array, nothing for a 0-d array."""
    return "[" + ", ".join(str(int(p)) for p in pos) + "]" if len(pos) else ""


def check_weight(weight: Any, name: str = "weight", writable: bool = False,
                 why: str = "") -> np.ndarray:
    """A 2-D float32/float64 table (ndarray or memmap), returned without copying.

    float16, integer, bool and complex tables are refused (TypeError): convert
    with ``weight.astype(np.float32)``. With ``writable=True`` a read-only
    table is refused (ValueError) and ``why`` says what needed to write.
    """
    if not isinstance(weight, np.ndarray):
        raise TypeError(f"{name} must be a numpy array (or np.memmap); got "
                        f"{type(weight).__name__}")
    if weight.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must have dtype float32 or float64; got {weight.dtype} "
                        f"(convert with {name}.astype(np.float32))")
    if weight.ndim != 2:
        raise ValueError(f"{name} must be 2-D (num_embeddings, embedding_dim); "
                         f"got shape {weight.shape}")
    if writable and not weight.flags.writeable:
        raise ValueError(f"{name} is read-only, but {why or 'this operation'} writes to it; "
                         f"pass a writable copy ({name}.copy())")
    return weight


#: the dtype of the indices the kernels take (compared by identity first: the cheap test)
_INT64 = np.dtype(np.int64)


def check_indices(indices: Any, num_embeddings: int, name: str = "indices",
                  upper_name: str = "num_embeddings") -> tuple[np.ndarray, tuple[int, ...]]:
    """Integer indices of any shape -> (flat C-contiguous int64 array, shape).

    Any integer dtype and Python lists are accepted; bool, float, complex and
    object arrays (but those of Python ints) are refused with TypeError; an
    index outside ``[0, num_embeddings)`` raises IndexError naming the first
    bad position, its value and the valid range.
    """
    if (type(indices) is np.ndarray and (indices.dtype is _INT64 or indices.dtype == _INT64)
            and indices.flags.c_contiguous):  # what most callers pass: only the range check
        flat = indices if indices.ndim == 1 else indices.reshape(-1)
        if flat.size:
            bad = family("sparse")._first_out_of_range(flat, num_embeddings)
            if bad >= 0:
                _raise_out_of_range(indices, int(bad), num_embeddings, name, upper_name)
        return flat, indices.shape
    if isinstance(indices, (bool, np.bool_)):
        raise TypeError(f"{name} must be integers; got bool {indices!r}")
    arr = as_array(indices, name)
    if arr.dtype == object:
        flat_items = arr.reshape(-1).tolist()
        if not all(is_int(v) for v in flat_items):
            raise TypeError(f"{name} must be an array of integers; got dtype object")
        # Python ints beyond 64 bits: report the first one out of range
        for k, v in enumerate(flat_items):
            if v < 0 or v >= num_embeddings:
                pos = np.unravel_index(k, arr.shape)
                raise IndexError(
                    f"{name}{_where(pos)} = {v} is out of range for "
                    f"{upper_name}={num_embeddings} (valid: 0..{num_embeddings - 1})")
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        if arr.size == 0 and arr.dtype == np.float64 and not isinstance(indices, np.ndarray):
            arr = arr.astype(np.int64)  # [] and [[]] from Python lists
        else:
            raise TypeError(f"{name} must be an array of integers; got dtype {arr.dtype}")
    flat = np.ascontiguousarray(arr.reshape(-1))
    if flat.size:
        if flat.dtype == np.uint64:  # one reduction (numba compares uint64 through float64)
            bad = int(np.argmax(flat >= num_embeddings)) if flat.max() >= num_embeddings else -1
        else:  # one pass of a small kernel: no temporaries, no numpy dispatch
            bad = int(family("sparse")._first_out_of_range(flat, num_embeddings))
        _raise_out_of_range(arr, bad, num_embeddings, name, upper_name)
    return flat.astype(np.int64, copy=False), arr.shape


def _raise_out_of_range(arr: np.ndarray, bad: int, num_embeddings: int, name: str,
                        upper_name: str) -> None:
    """The IndexError naming flat position ``bad`` of ``arr`` (nothing when ``bad < 0``)."""
    if bad >= 0:
        pos = np.unravel_index(bad, arr.shape)
        raise IndexError(
            f"{name}{_where(pos)} = {arr[pos]} is out of range for "
            f"{upper_name}={num_embeddings} (valid: 0..{num_embeddings - 1})"
        )


def check_padding_idx(padding_idx: Any, num_embeddings: int) -> int:
    """``None`` -> -1; a negative index counts from the end, as in torch."""
    if padding_idx is None:
        return -1
    if not is_int(padding_idx):
        raise TypeError(f"padding_idx must be an int or None; got {_short(padding_idx)}")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"padding_idx = {padding_idx} must be within num_embeddings "
            f"(valid: {-num_embeddings}..{num_embeddings - 1})"
        )
    return int(padding_idx) % num_embeddings


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype, name: str = "out") -> np.ndarray:
    """An ``out`` array must have exactly ``shape`` and ``dtype`` and be writable."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy array; got {type(out).__name__}")
    if out.shape != tuple(shape) or out.dtype != dtype:
        raise ValueError(f"{name} must have shape {tuple(shape)} and dtype {dtype}; "
                         f"got shape {out.shape} and dtype {out.dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")
    return out


def float_dtype(dtype) -> np.dtype:
    """``dtype`` when it is float32 or float64, else float64 (scikit-learn's TF-IDF rule)."""
    dtype = np.dtype(dtype)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def check_samples(shape: tuple, owner: str = "TfidfTransformer") -> None:
    """Refuse a matrix of ``shape`` without rows, in scikit-learn's words.

    It takes the shape, not the matrix, so statistics summed elsewhere (a stream,
    Dask partitions) are checked without building one.
    """
    if shape[0] == 0:
        raise NoSamplesError(f"Found array with 0 sample(s) (shape={tuple(shape)}) while a "
                             f"minimum of 1 is required by {owner}.")


#: the similarity metrics of topk_similar
METRICS = ("cosine", "dot")


def check_option(value: Any, name: str, options: Any, *, owner: str | None = None) -> Any:
    """``value`` when it is one of ``options`` (a tuple, or a mapping's keys); else an
    :class:`InvalidParameterError` naming the options."""
    try:
        ok = value in options
    except TypeError:  # unhashable: not a key of a mapping
        ok = False
    if not ok:
        shown = sorted(options) if isinstance(options, Mapping) else options
        prefix = f"{owner}: " if owner else ""
        raise InvalidParameterError(f"{prefix}{name} must be one of {shown}; got {value!r}")
    return value


def check_metric(metric: Any) -> str:
    return check_option(metric, "metric", METRICS)


def check_topk(k: Any, block_size: Any, exclude_self: bool, queries_shape: tuple,
               corpus_shape: tuple, corpus_is_queries: bool = False) -> int:
    """The arguments of a top-k search against the shapes it runs on; returns ``k``."""
    if queries_shape[1] != corpus_shape[1]:
        raise ValueError(f"queries and corpus must have the same number of columns; got "
                         f"{queries_shape[1]} and {corpus_shape[1]}")
    check_int(k, "k", 1)
    available = corpus_shape[0] - (1 if exclude_self else 0)
    if k > available:
        raise ValueError(f"k = {k} is more than the {available} corpus rows available")
    if exclude_self and not corpus_is_queries and queries_shape[0] > corpus_shape[0]:
        raise ValueError("exclude_self needs query i to be corpus row i; there are more "
                         "queries than corpus rows")
    check_int(block_size, "block_size", 1, allow_none=True)
    return int(k)


#: embedding-bag mode name -> kernel code (the kernels see integers only)
BAG_MODES = {"sum": 0, "mean": 1, "max": 2}


def check_mode(mode: Any) -> int:
    """The kernel code of an embedding-bag ``mode`` ("sum", "mean" or "max")."""
    return BAG_MODES[check_option(mode, "mode", BAG_MODES)]


def as_matrix(X: Any, name: str):
    """A real 2-D dense array or a checked CSR matrix (rows are vectors)."""
    import scipy.sparse as sp

    if sp.issparse(X):
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D; got shape {X.shape}")
        if X.dtype.kind == "c":
            raise TypeError(f"{name} must be real; got dtype {X.dtype}")
        from .sparse import check_csr  # sparse.py imports this module

        return check_csr(X, name)
    arr = as_array(X, name)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (rows are vectors); got shape {arr.shape}")
    return arr


def result_dtype(*arrays) -> np.dtype:
    """float32 only when every input is float32 (scikit-learn's rule), else float64."""
    return np.dtype(np.float32) if all(a.dtype == np.float32 for a in arrays) else \
        np.dtype(np.float64)


def check_offsets(offsets: Any, n: int, include_last_offset: bool) -> np.ndarray:
    """Bag ``offsets`` into ``n`` positions: starts at 0, non-decreasing, within ``n``; as int64
    with ``n`` appended (unless ``include_last_offset``, torch's flag, already ends them)."""
    import scipy.sparse as sp

    if sp.issparse(offsets):
        raise TypeError("offsets must be a 1-D array of integers, not a sparse matrix")
    arr = as_array(offsets, "offsets")
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype == np.float64):
        raise TypeError(f"offsets must be integers; got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"offsets must be 1-D (one start per bag); got shape {arr.shape}")
    if arr.dtype == np.uint64 and arr.size and arr.max() > n:  # before int64 wraps it
        k = int(np.argmax(arr > n))
        raise ValueError(f"offsets[{k}] = {arr[k]} is past the end of indices (length {n})")
    arr = arr.astype(np.int64)
    if include_last_offset and arr.size == 0:
        raise ValueError("offsets must have at least one entry with include_last_offset=True")
    if arr.size:
        if arr[0] != 0:
            raise ValueError(f"offsets[0] = {arr[0]}; the first bag must start at position 0")
        steps = np.diff(arr)
        if (steps < 0).any():
            k = int(np.argmax(steps < 0)) + 1
            raise ValueError(f"offsets must be non-decreasing; offsets[{k}] = {arr[k]} < "
                             f"offsets[{k - 1}] = {arr[k - 1]}")
        if arr[-1] > n:
            raise ValueError(f"offsets[{arr.size - 1}] = {arr[-1]} is past the end of indices "
                             f"(length {n})")
    if include_last_offset:
        return np.ascontiguousarray(arr)
    return np.concatenate((arr, [n])).astype(np.int64)


def check_grad_output(grad_output: Any, leading: tuple, dim: int | None,
                      expected: str) -> np.ndarray:
    """``grad_output`` as a C-contiguous float32/float64 array of shape ``leading + (dim,)``
    (any last axis when ``dim`` is None); ``expected`` describes that shape in the message."""
    import scipy.sparse as sp

    if sp.issparse(grad_output):
        raise TypeError("grad_output must be a dense numpy array, not a sparse matrix")
    grad = as_array(grad_output, "grad_output")
    if grad.dtype not in (np.float32, np.float64):
        raise TypeError(f"grad_output must have dtype float32 or float64; got {grad.dtype}")
    if (grad.ndim != len(leading) + 1 or grad.shape[:-1] != tuple(leading)
            or (dim is not None and grad.shape[-1] != dim)):
        raise ValueError(f"grad_output has shape {grad.shape}; expected {expected}")
    return np.ascontiguousarray(grad)
