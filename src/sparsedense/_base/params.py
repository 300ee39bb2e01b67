"""Declared parameter constraints of every estimator and trainer, and the one check of them.

Each estimator or trainer declares a table, parameter name -> constraint, and
:func:`check_params` checks the parameters in the table's order, so the first
bad one is reported. A constraint is one of two kinds:

* a ``(description, predicate)`` pair, the vectorizers' (:data:`BOOLEAN`,
  :func:`options`, ...): refused in scikit-learn's wording ("The 'min_df'
  parameter of CountVectorizer must be ... Got -1 instead.");
  :func:`validate_params` raises it as scikit-learn's ``InvalidParameterError``
  too when scikit-learn is imported, so the same bad parameter fails the same
  way in both libraries;
* a :class:`Check` (:class:`Int`, :class:`Real`, :class:`Flag`, ...), the
  trainers': refused by :func:`~sparsedense._base.validation.check_int` and
  its siblings in their shorter wording ("Word2Vec: min_count must be an int
  >= 0; got -1"), the functions' and gensim's style.

Either way a wrong type or value is an
:class:`~sparsedense._base.errors.InvalidParameterError` (a ValueError and a
TypeError), except :class:`Implemented`, whose ``UnsupportedOptionError``
says the option exists in gensim but not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, Union

import numpy as np

from .validation import (_short, check_int, check_option, check_param, check_real, is_bool,
                         is_int, is_real_not_int)
from .errors import InvalidParameterError, UnsupportedOptionError, sklearn_twin

#: a vectorizer's constraint: what is allowed (scikit-learn's words), and its test
Described = tuple[str, Callable[[Any], bool]]


class Check:
    """A trainer's constraint: called as ``check(value, name, owner)``.

    Returns the value as the trainer uses it (an int, a float, ...) or raises
    with a message naming ``owner``, ``name`` and the value.
    """

    def __call__(self, value: Any, name: str, owner: str) -> Any:
        raise NotImplementedError


#: either kind of constraint
Constraint = Union[Described, Check]


@dataclass(frozen=True)
class Int(Check):
    """An int in ``[low, high]`` (either bound optional), None too with ``none=True``."""

    low: int | None = None
    high: int | None = None
    _: KW_ONLY
    none: bool = False

    def __call__(self, value: Any, name: str, owner: str) -> int | None:
        return check_int(value, name, self.low, self.high, owner=owner, allow_none=self.none)


@dataclass(frozen=True)
class Real(Check):
    """A finite number in ``[low, high]`` (``(low, high]`` with ``low_open=True``), as a float.

    Write the bounds as floats: they appear in the message as written.
    """

    low: float | None = None
    high: float | None = None
    _: KW_ONLY
    low_open: bool = False

    def __call__(self, value: Any, name: str, owner: str) -> float:
        return check_real(value, name, self.low, self.high, owner=owner,
                          low_open=self.low_open)


@dataclass(frozen=True)
class Flag(Check):
    """gensim's 0/1 switch (``sg``, ``cbow_mean``, ...), as an int; a bool is refused."""

    def __call__(self, value: Any, name: str, owner: str) -> int:
        if not is_int(value) or value not in (0, 1):
            raise InvalidParameterError(f"{owner}: {name} must be 0 or 1; got {_short(value)}")
        return int(value)


@dataclass(frozen=True)
class Bool(Check):
    """A bool (Python's or numpy's), None too with ``none=True``."""

    _: KW_ONLY
    none: bool = False

    def __call__(self, value: Any, name: str, owner: str) -> bool | None:
        if value is None and self.none:
            return None
        if not is_bool(value):
            raise InvalidParameterError(f"{owner}: {name} must be a bool"
                                        f"{' or None' if self.none else ''}; got {_short(value)}")
        return bool(value)


@dataclass(frozen=True)
class Func(Check):
    """A callable, None too with ``none=True``; returned as given."""

    _: KW_ONLY
    none: bool = False

    def __call__(self, value: Any, name: str, owner: str) -> Any:
        if not callable(value) and not (value is None and self.none):
            raise InvalidParameterError(f"{owner}: {name} must be a callable"
                                        f"{' or None' if self.none else ''}; got {_short(value)}")
        return value


@dataclass(frozen=True)
class Text(Check):
    """A str, None too with ``none=True``; returned as given."""

    _: KW_ONLY
    none: bool = False

    def __call__(self, value: Any, name: str, owner: str) -> str | None:
        if not isinstance(value, str) and not (value is None and self.none):
            raise InvalidParameterError(f"{owner}: {name} must be a str"
                                        f"{' or None' if self.none else ''}; got {_short(value)}")
        return value


class OneOf(Check):
    """One of the given str options, e.g. ``OneOf("sum", "word")``."""

    def __init__(self, *values: str) -> None:
        self.values = values

    def __repr__(self) -> str:
        return f"OneOf{self.values!r}"

    def __call__(self, value: Any, name: str, owner: str) -> str:
        if not isinstance(value, str):
            raise InvalidParameterError(f"{owner}: {name} must be one of {self.values}; got "
                                        f"{_short(value)}")
        return check_option(value, name, self.values, owner=owner)


@dataclass(frozen=True)
class FloatDType(Check):
    """numpy.float32 or numpy.float64 in any spelling, returned as the scalar type."""

    def __call__(self, value: Any, name: str, owner: str) -> type:
        try:
            dt = np.dtype(value)
        except TypeError:
            dt = None
        if dt not in (np.float32, np.float64):
            raise InvalidParameterError(f"{owner}: {name} must be numpy.float32 or "
                                        f"numpy.float64; got {_short(value)}")
        return dt.type


@dataclass(frozen=True)
class RandomState(Check):
    """scikit-learn's ``random_state``: None, an int, a numpy RandomState or Generator."""

    def __call__(self, value: Any, name: str, owner: str) -> Any:
        if not (value is None or is_int(value)
                or isinstance(value, (np.random.RandomState, np.random.Generator))):
            raise InvalidParameterError(f"{owner}: {name} must be None, an int, a numpy "
                                        f"RandomState or Generator; got {_short(value)}")
        return value


@dataclass(frozen=True)
class Implemented(Check):
    """``check``, and then only the ``supported`` values: a gensim option we do not implement.

    A value ``check`` accepts outside ``supported`` raises
    :class:`~sparsedense._base.errors.UnsupportedOptionError` with
    ``message`` (``{value}`` in it is replaced by the value), after ``owner: ``.
    """

    check: Check
    supported: tuple
    message: str

    def __call__(self, value: Any, name: str, owner: str) -> Any:
        checked = self.check(value, name, owner)
        if checked not in self.supported:
            raise UnsupportedOptionError(f"{owner}: " + self.message.format(value=_short(value)))
        return checked


def check_value(value: Any, name: str, constraint: Constraint, owner: str) -> Any:
    """Check one parameter against its constraint; returns it as a :class:`Check` gives it.

    A :class:`Check` raises in the trainers' wording; a ``(description,
    predicate)`` pair in scikit-learn's (``owner`` is then the estimator's
    class name) and returns the value unchanged.
    """
    if isinstance(constraint, Check):
        return constraint(value, name, owner)
    allowed, ok = constraint
    check_param(value, name, allowed, bool(ok(value)), owner=owner)
    return value


def check_params(params: Mapping[str, Any], constraints: Mapping[str, Constraint],
                 owner: str) -> dict[str, Any]:
    """Check ``params[name]`` for every ``name`` of ``constraints``, in the table's order.

    Returns the checked values by name (ints as int, reals as float, a dtype
    as its scalar type, ...). The first bad parameter raises (see
    :func:`check_value`); nothing is checked after it.

    Examples
    --------
    >>> from sparsedense._base.params import Int, Real, check_params
    >>> table = {"window": Int(1), "alpha": Real(0.0, low_open=True)}
    >>> check_params({"window": 5, "alpha": 0.025}, table, "Word2Vec")
    {'window': 5, 'alpha': 0.025}
    >>> check_params({"window": 0, "alpha": 0.025}, table, "Word2Vec")
    Traceback (most recent call last):
    ...
    sparsedense._base.errors.InvalidParameterError: Word2Vec: window must be an int >= 1; got 0
    """
    return {name: check_value(params[name], name, constraint, owner)
            for name, constraint in constraints.items()}


# -- the vectorizers' constraints (scikit-learn's wording) ------------------------------------

#: scikit-learn's default ``token_pattern``: tokens of two or more word characters
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


def options(*values: str, none: bool = False, call: bool = False) -> Described:
    """One of the str ``values`` (or None with ``none``, a callable with ``call``)."""
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


BOOLEAN: Described = ("an instance of 'bool' or an instance of 'numpy.bool'", is_bool)
STR: Described = ("an instance of 'str'", lambda v: isinstance(v, str))
CALLABLE_OR_NONE: Described = ("a callable or None", lambda v: v is None or callable(v))
STR_OR_NONE: Described = ("an instance of 'str' or None",
                          lambda v: v is None or isinstance(v, str))
NO_CHECK: Described = ("anything", lambda v: True)
#: a vectorizer's ``tokenizer``: a callable, None, or the name of a tokenizer
#: (sparsedense.text._analyzer.NAMED_TOKENIZERS: "kiwi", the Korean one)
TOKENIZER: Described = options("kiwi", none=True, call=True)


def _ngram_ok(v) -> bool:
    return (isinstance(v, tuple) and len(v) == 2 and all(is_int(n) for n in v)
            and v[0] >= 1)


NGRAM_RANGE: Described = ("a tuple (min_n, max_n) of ints with min_n >= 1", _ngram_ok)


def _stop_words_ok(v) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v == "english"
    return isinstance(v, (list, tuple, set, frozenset))


STOP_WORDS: Described = (
    "a str among {'english'}, an instance of 'list' or None", _stop_words_ok)
DF: Described = (
    "a float in the range [0.0, 1.0] or an int in the range [1, inf)",
    lambda v: (is_real_not_int(v) and 0.0 <= v <= 1.0) or (is_int(v) and v >= 1),
)
MAX_FEATURES: Described = (
    "an int in the range [1, inf) or None", lambda v: v is None or (is_int(v) and v >= 1))
VOCABULARY: Described = (
    "an instance of 'Mapping', an object implementing '__iter__' or None",
    lambda v: v is None or isinstance(v, (Mapping, Iterable)),
)
N_FEATURES: Described = (
    "an int in the range [1, 2147483647)", lambda v: is_int(v) and 1 <= v < 2**31 - 1)
NORM: Described = options("l1", "l2", none=True)

ANALYZER_PARAMS: dict[str, Constraint] = {
    "input": options("filename", "file", "content"),
    "encoding": STR,
    "decode_error": options("strict", "ignore", "replace"),
    "strip_accents": options("ascii", "unicode", none=True, call=True),
    "lowercase": BOOLEAN,
    "preprocessor": CALLABLE_OR_NONE,
    "tokenizer": TOKENIZER,
    "stop_words": STOP_WORDS,
    "token_pattern": STR_OR_NONE,
    "ngram_range": NGRAM_RANGE,
    "analyzer": options("word", "char", "char_wb", call=True),
    "dtype": NO_CHECK,
}


def validate_params(estimator, constraints: Mapping[str, Constraint]) -> None:
    """Check every declared parameter of ``estimator`` (its attributes) against ``constraints``.

    The vectorizers' :func:`check_params`: the owner is the estimator's class
    name, and a declared ``dtype`` must also be one scipy.sparse can hold.
    The error is also scikit-learn's ``InvalidParameterError`` when
    scikit-learn is imported (see :func:`~sparsedense._base.errors.sklearn_twin`).
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
    for name, constraint in constraints.items():
        check_value(getattr(estimator, name), name, constraint, owner)
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
