"""The vectorizers' warnings point at the user's line, not at sparsedense's own files.

The same warning is raised through ``fit``, ``fit_transform``, a subclass or
:class:`sparsedense.EmbeddingVectorizer`, so a fixed ``stacklevel`` pointed at
one of our modules for some of them (``embed.py``, ``text/_count.py``).
"""

import warnings

import numpy as np
import pytest

import sparsedense as sd

DOCS = ["apple banana", "banana cherry"]
W = np.eye(2, dtype=np.float32)

CALLS = {
    "CountVectorizer.fit": lambda: sd.CountVectorizer(vocabulary=["Apple", "banana"]).fit(DOCS),
    "CountVectorizer.fit_transform":
        lambda: sd.CountVectorizer(vocabulary=["Apple", "banana"]).fit_transform(DOCS),
    "TfidfVectorizer.fit": lambda: sd.TfidfVectorizer(vocabulary=["Apple", "banana"]).fit(DOCS),
    "EmbeddingVectorizer.fit": lambda: sd.EmbeddingVectorizer(W, ["Apple", "banana"]).fit(DOCS),
    "EmbeddingVectorizer.partial_fit":
        lambda: sd.EmbeddingVectorizer(W, ["Apple", "banana"]).partial_fit(DOCS),
    "EmbeddingVectorizer.fit_transform":
        lambda: sd.EmbeddingVectorizer(W, ["Apple", "banana"]).fit_transform(DOCS),
    "unused token_pattern":
        lambda: sd.CountVectorizer(tokenizer=str.split, token_pattern=r"\w+").fit(DOCS),
    "TfidfVectorizer int dtype": lambda: sd.TfidfVectorizer(dtype=np.int32).fit(DOCS),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_the_warning_points_at_the_callers_line(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert caught, "no warning"
    assert {w.filename for w in caught} == {__file__}, [(w.filename, w.lineno) for w in caught]
