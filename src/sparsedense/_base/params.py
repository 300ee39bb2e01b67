"""Declared parameter constraints of the vectorizers, checked in ``fit`` / ``transform``.

The wording follows scikit-learn's ("The 'min_df' parameter of CountVectorizer
must be ... Got -1 instead."), and the exception is
:class:`~sparsedense._base.validation.InvalidParameterError` (a ValueError and a
TypeError), so the same bad parameter fails the same way in both libraries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Callable

import numpy as np

from .validation import check_param, is_bool, is_int, is_real_not_int
from .errors import InvalidParameterError
from .errors import sklearn_twin

Constraint = tuple[str, Callable[[Any], bool]]

#: scikit-learn's default ``token_pattern``: tokens of two or more word characters
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


def options(*values: str, none: bool = False, call: bool = False) -> Constraint:
    names = ", ".join(repr(v) for v in sorted(values))
    text = f"a str among {{{names}}}"
    if call:
        text += ", a callable"
    if none:
        text += " or None"

    def ok(v):
        return ((isinstance(v, str) and v in values) or (none and v is None)
                or (call and callable(v) and not isinstance(v, str)))
    return text, ok


BOOLEAN: Constraint = ("an instance of 'bool' or an instance of 'numpy.bool'", is_bool)
STR: Constraint = ("an instance of 'str'", lambda v: isinstance(v, str))
CALLABLE_OR_NONE: Constraint = ("a callable or None", lambda v: v is None or callable(v))
STR_OR_NONE: Constraint = ("an instance of 'str' or None", lambda v: v is None or isinstance(v, str))
NO_CHECK: Constraint = ("anything", lambda v: True)


def _ngram_ok(v) -> bool:
    return (isinstance(v, tuple) and len(v) == 2 and all(is_int(n) for n in v)
            and v[0] >= 1)


NGRAM_RANGE: Constraint = ("a tuple (min_n, max_n) of ints with min_n >= 1", _ngram_ok)
def _stop_words_ok(v) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v == "english"
    return isinstance(v, (list, tuple, set, frozenset))


STOP_WORDS: Constraint = (
    "a str among {'english'}, an instance of 'list' or None", _stop_words_ok)
DF: Constraint = (
    "a float in the range [0.0, 1.0] or an int in the range [1, inf)",
    lambda v: (is_real_not_int(v) and 0.0 <= v <= 1.0) or (is_int(v) and v >= 1),
)
MAX_FEATURES: Constraint = (
    "an int in the range [1, inf) or None", lambda v: v is None or (is_int(v) and v >= 1))
VOCABULARY: Constraint = (
    "an instance of 'Mapping', an object implementing '__iter__' or None",
    lambda v: v is None or isinstance(v, (Mapping, Iterable)),
)
N_FEATURES: Constraint = (
    "an int in the range [1, 2147483647)", lambda v: is_int(v) and 1 <= v < 2**31 - 1)
NORM: Constraint = options("l1", "l2", none=True)

ANALYZER_PARAMS: dict[str, Constraint] = {
    "input": options("filename", "file", "content"),
    "encoding": STR,
    "decode_error": options("strict", "ignore", "replace"),
    "strip_accents": options("ascii", "unicode", none=True, call=True),
    "lowercase": BOOLEAN,
    "preprocessor": CALLABLE_OR_NONE,
    "tokenizer": CALLABLE_OR_NONE,
    "stop_words": STOP_WORDS,
    "token_pattern": STR_OR_NONE,
    "ngram_range": NGRAM_RANGE,
    "analyzer": options("word", "char", "char_wb", call=True),
    "dtype": NO_CHECK,
}


def validate_params(estimator, constraints: Mapping[str, Constraint]) -> None:
    """Check every declared parameter of ``estimator`` against ``constraints``.

    The error is also scikit-learn's ``InvalidParameterError`` when
    scikit-learn is imported (see :func:`~sparsedense._base.estimator.sklearn_twin`).
    """
    try:
        _validate_params(estimator, constraints)
    except InvalidParameterError as exc:
        twin = sklearn_twin(InvalidParameterError)
        if twin is InvalidParameterError or isinstance(exc, twin):
            raise
        raise twin(*exc.args) from None


def _validate_params(estimator, constraints: Mapping[str, Constraint]) -> None:
    owner = type(estimator).__name__
    for name, (allowed, ok) in constraints.items():
        value = getattr(estimator, name)
        check_param(value, name, allowed, bool(ok(value)), owner=owner)
    dtype = getattr(estimator, "dtype", None)
    if "dtype" in constraints:
        try:
            kind = np.dtype(dtype)
        except TypeError:
            check_param(dtype, "dtype", "a numpy dtype", False, owner=owner)
        else:
            # what scipy.sparse can hold (scikit-learn fails inside scipy for the rest)
            check_param(dtype, "dtype", "a bool, integer, float32/float64 or "
                        "longdouble dtype (scipy.sparse does not support float16 or complex "
                        "counts)", kind.kind in "biu" or kind in (np.float32, np.float64,
                                                               np.longdouble), owner=owner)
