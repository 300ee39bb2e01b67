"""Every input check of the public API, and its message.

One template for every message: the argument's name, the offending value,
where it is, and what was expected, e.g.::

    IndexError: ids[3] = 10 is out of range for num_classes=10 (valid: 0..9)

Checks run before anything is written, so a call that fails changes nothing.
Kernels never validate; the functions here are the only gate in front of them.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has a bad type or value.

    Subclasses both ``ValueError`` and ``TypeError``, like scikit-learn's
    exception of the same name, so code written against either keeps working.
    """


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_param(owner: str, name: str, value: Any, allowed: str, ok: bool) -> None:
    """Raise :class:`InvalidParameterError` in scikit-learn's wording unless ``ok``."""
    if not ok:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {allowed}. Got {_short(value)} instead."
        )


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


def check_ids(ids: Any, name: str, upper: int, upper_name: str) -> np.ndarray:
    """Coerce integer ids to int64 and check ``0 <= id < upper``.

    Raises TypeError for non-integer arrays (bool and float included) and
    IndexError naming the first bad position, its value and the valid range.
    """
    arr = np.asarray(ids)
    if arr.dtype == object:
        try:
            arr = np.asarray(ids, dtype=np.int64)
        except (TypeError, ValueError, OverflowError):
            raise TypeError(
                f"{name} must be integers; got an array of dtype object {_short(ids)}"
            ) from None
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iu":
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
        else:
            raise TypeError(
                f"{name} must be an array of integers; got dtype {arr.dtype}"
            )
    if arr.size:
        bad = (arr < 0) | (arr >= upper)
        if bad.any():
            pos = np.unravel_index(int(np.argmax(bad.ravel())), arr.shape)
            where = ", ".join(str(int(p)) for p in pos)
            raise IndexError(
                f"{name}[{where}] = {arr[pos]} is out of range for "
                f"{upper_name}={upper} (valid: 0..{upper - 1})"
            )
    return arr.astype(np.int64, copy=False)


def check_positive_int(name: str, value: Any, owner: str | None = None) -> int:
    """An integer >= 1 (ValueError otherwise, TypeError for non-integers)."""
    prefix = f"{owner}: " if owner else ""
    if not is_int(value):
        raise TypeError(f"{prefix}{name} must be an int >= 1; got {_short(value)}")
    if value < 1:
        raise ValueError(f"{prefix}{name} must be an int >= 1; got {value}")
    return int(value)
