"""The exception classes (_base/errors.py): scikit-learn's classes too, without importing it.

Where scikit-learn is imported, ``NotFittedError`` and ``InvalidParameterError``
are also instances of its classes (``except`` clauses written for scikit-learn
catch them) and survive pickling; where it is not, nothing imports it.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

import sparsedense.text as sd
from sparsedense import InvalidParameterError

SMALL = ["a bank deposit", "rain and snow", "deposit rates"]
COUNTS = sp.csr_matrix(np.array([[1, 2, 0], [0, 1, 3]]))


def test_sklearn_classes_are_caught_and_pickled():
    from sklearn.exceptions import NotFittedError as SkNotFitted
    from sklearn.utils._param_validation import InvalidParameterError as SkInvalid

    with pytest.raises(SkNotFitted) as err:
        sd.TfidfTransformer().transform(COUNTS)
    assert isinstance(err.value, sd.NotFittedError)
    assert type(err.value).__name__ == "NotFittedError"
    again = pickle.loads(pickle.dumps(err.value))
    assert type(again) is type(err.value) and again.args == err.value.args
    with pytest.raises(SkInvalid) as err:
        sd.HashingVectorizer(n_features=0).fit(SMALL)
    assert isinstance(err.value, InvalidParameterError)
    assert type(pickle.loads(pickle.dumps(err.value))) is type(err.value)


def test_no_sklearn_import_for_exceptions():
    code = textwrap.dedent("""
        import sys
        import sparsedense as sd
        try:
            sd.CountVectorizer().transform(["a b"])
        except sd.NotFittedError as exc:
            assert type(exc) is sd.NotFittedError, type(exc).__mro__
        try:
            sd.CountVectorizer(min_df=-1).fit(["a b"])
        except sd.InvalidParameterError as exc:
            assert type(exc) is sd.InvalidParameterError, type(exc).__mro__
        assert "sklearn" not in sys.modules
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
