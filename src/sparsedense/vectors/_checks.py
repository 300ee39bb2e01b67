"""The argument checks of ``sparsedense.vectors``, and the format names they check against.

Both the readers (``_io``) and the writers (``_write``) of vector files, and
the queries of :class:`~sparsedense.vectors.Vectors`, take their checks from
here, so no module of the package imports another for a check. Arguments
come in ``_base.validation``'s order (value, name, ...). Every message names
the argument and the value it got; a wrong type or value is an
:class:`~sparsedense.InvalidParameterError`, as everywhere: a TypeError and a
ValueError (gensim raises one or the other for the same mistakes).
"""

from __future__ import annotations

import codecs
from typing import Any

import numpy as np

from .._base.errors import InvalidParameterError
from .._base.validation import is_int

#: the ``format`` of :func:`~sparsedense.vectors.load_vectors` ('auto' sniffs the file)
FORMATS = ("auto", "word2vec", "word2vec-binary", "glove", "native", "fasttext")
#: the ``format`` of :func:`~sparsedense.vectors.save_vectors` (fastText .bin files are read only)
SAVE_FORMATS = FORMATS[1:-1]
#: the ``quantize`` of :func:`~sparsedense.vectors.load_vectors`: the compressed row formats
QUANTIZED = ("int8", "int4", "float16")


def _check_bool(value: Any, name: str) -> bool:
    """``value`` when it is a bool (Python's or numpy's); else a TypeError naming it."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {type(value).__name__} {value!r}")
    return bool(value)


def _check_choice(value: Any, name: str, choices: tuple) -> str:
    """``value`` when it is one of the strings ``choices``; else an error listing them."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidParameterError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _check_count(value: Any, name: str, expected: str) -> int:
    """``value`` as an int >= 0.

    ``expected`` completes the messages "``{name} must be {expected}; got
    ...``" (the wrong type is named: "got float 2.5").
    """
    if not is_int(value):
        raise InvalidParameterError(
            f"{name} must be {expected}; got {type(value).__name__} {value!r}")
    if value < 0:
        raise InvalidParameterError(f"{name} must be {expected}; got {value!r}")
    return int(value)


def _check_limit(limit: Any) -> int | None:
    """``load_vectors``' ``limit``: None, or the number of vectors to read."""
    if limit is None:
        return None
    # a negative numpy int is shown as the number (-1), not as np.int64(-1)
    return _check_count(int(limit) if is_int(limit) else limit, "limit", "None or an int >= 0")


def _check_dtype(dtype: Any) -> np.dtype:
    """The table's dtype: float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise InvalidParameterError(
            f"dtype must be np.float32 or np.float64; got {dtype!r}") from None
    if dt not in (np.float32, np.float64):
        raise InvalidParameterError(f"dtype must be np.float32 or np.float64; got {dt}")
    return dt


def _check_encoding(encoding: Any, unicode_errors: Any) -> None:
    """A known, ASCII-compatible ``encoding`` (files are split on its space and newline
    bytes) and a known ``unicode_errors`` handler."""
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise InvalidParameterError(
            f"encoding {encoding!r} is not a known text encoding") from None
    if " 0123456789.-+e\n".encode(encoding) != b" 0123456789.-+e\n":
        raise InvalidParameterError(
            f"encoding {encoding!r} is not ASCII-compatible; vector files are split on the "
            "bytes of ' ' and '\\n' (use UTF-8 or a similar one)")
    try:
        codecs.lookup_error(unicode_errors)
    except (LookupError, TypeError):
        raise InvalidParameterError(
            f"unicode_errors {unicode_errors!r} is not a known error handler "
            "('strict', 'replace', 'ignore', ...)") from None


def _check_topn(topn: Any) -> int:
    """A query's ``topn``: an int >= 0 (None, gensim's "every score", is refused)."""
    if topn is None:
        raise InvalidParameterError(
            "topn must be an int >= 0; got None (gensim's array of every score is not "
            "offered: results are always a list of (key, score); distances() gives every "
            "distance)")
    return _check_count(topn, "topn", "an int >= 0 (len(vectors) for every key)")


def _check_restrict_vocab(restrict_vocab: Any) -> int | None:
    """A query's ``restrict_vocab``: None (every row), or the number of first rows searched."""
    if restrict_vocab is None:
        return None
    return _check_count(restrict_vocab, "restrict_vocab",
                        "None or an int >= 0 (the first rows searched)")


def _check_clip(value: Any, name: str, allow_none: bool) -> int | None:
    """``most_similar``'s ``clip_start`` / ``clip_end`` (None too with ``allow_none``)."""
    if value is None and allow_none:
        return None
    return _check_count(value, name, f"an int >= 0{' or None' if allow_none else ''}")
