"""The same mistake fails the same way everywhere: a bad parameter is an InvalidParameterError.

InvalidParameterError is a TypeError and a ValueError (scikit-learn's class is
both too), so code that catches either keeps working, whichever function,
estimator or trainer the parameter belongs to.
"""

from __future__ import annotations

import numpy as np
import pytest

import sparsedense as sd
from sparsedense._base.errors import InvalidParameterError
from sparsedense._base.validation import check_int, check_real
from sparsedense.models import FastText, GloVe, Word2Vec
from sparsedense.optim import SGD

X = np.eye(4, dtype=np.float32)

BAD_PARAMETERS = {
    "topk_similar(k='3')": lambda: sd.topk_similar(X, k="3"),
    "topk_similar(k=0)": lambda: sd.topk_similar(X, k=0),
    "topk_similar(block_size=1.5)": lambda: sd.topk_similar(X, k=1, block_size=1.5),
    "Word2Vec(min_count='3')": lambda: Word2Vec(min_count="3"),
    "Word2Vec(vector_size=0)": lambda: Word2Vec(vector_size=0),
    "FastText(min_n='1')": lambda: FastText([["a"]], min_n="1"),
    "GloVe(x_max=0).fit": lambda: GloVe(x_max=0).fit(np.eye(3), ["a", "b", "c"]),
    "Embedding('3', 2)": lambda: sd.Embedding("3", 2),
    "Embedding(3, 0)": lambda: sd.Embedding(3, 0),
    "Embedding(max_norm=-1)": lambda: sd.Embedding(3, 2, max_norm=-1.0),
    "SGD(lr='0.1')": lambda: SGD([sd.Embedding(3, 2)], lr="0.1"),
    "SGD(lr=-1)": lambda: SGD([sd.Embedding(3, 2)], lr=-1.0),
    "CountVectorizer(min_df=-1).fit": lambda: sd.CountVectorizer(min_df=-1).fit(["a b"]),
    "LSA(n_components='2').fit": lambda: sd.LSA(n_components="2").fit(X),
}


@pytest.mark.parametrize("call", list(BAD_PARAMETERS.values()), ids=list(BAD_PARAMETERS))
def test_a_bad_parameter_is_one_exception_type(call):
    with pytest.raises(InvalidParameterError) as info:
        call()
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_the_message_names_the_argument_the_value_and_what_was_expected():
    with pytest.raises(InvalidParameterError, match=r"^k must be an int >= 1; got '3'$"):
        sd.topk_similar(X, k="3")
    with pytest.raises(InvalidParameterError,
                       match=r"^Word2Vec: min_count must be an int >= 0 or None; got '3'$|"
                             r"^Word2Vec: min_count must be an int >= 0; got '3'$"):
        Word2Vec(min_count="3")


@pytest.mark.parametrize("value, kwargs, message", [
    ("3", dict(low=1), "n must be an int >= 1; got '3'"),
    (True, dict(low=0), "n must be an int >= 0; got True"),
    (0, dict(low=1, owner="F"), "F: n must be an int >= 1; got 0"),
    (7, dict(low=1, high=5), "n must be an int >= 1 and <= 5; got 7"),
    ("x", dict(low=1, allow_none=True), "n must be an int >= 1 or None; got 'x'"),
])
def test_check_int(value, kwargs, message):
    with pytest.raises(InvalidParameterError) as info:
        check_int(value, "n", **kwargs)
    assert str(info.value) == message


def test_check_int_accepts_and_converts():
    assert check_int(np.int16(4), "n", 1) == 4 and type(check_int(np.int16(4), "n", 1)) is int
    assert check_int(None, "n", 1, allow_none=True) is None


@pytest.mark.parametrize("value, kwargs, message", [
    ("1", dict(low=0), "x must be a number; got '1'"),
    (False, dict(low=0), "x must be a number; got False"),
    (0.0, dict(low=0, low_open=True), "x must be a finite number > 0; got 0.0"),
    (float("nan"), dict(low=0), "x must be a finite number >= 0; got nan"),
    (float("inf"), dict(low=0), "x must be a finite number >= 0; got inf"),
    (2.0, dict(low=0, high=1, owner="G"), "G: x must be a finite number >= 0 and <= 1; got 2.0"),
])
def test_check_real(value, kwargs, message):
    with pytest.raises(InvalidParameterError) as info:
        check_real(value, "x", **kwargs)
    assert str(info.value) == message


def test_check_real_allows_infinity_when_asked():
    assert check_real(float("inf"), "x", 0, low_open=True, allow_inf=True) == float("inf")
    assert check_real(np.float32(0.5), "x", 0, 1) == 0.5
