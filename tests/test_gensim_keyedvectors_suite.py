"""gensim's own KeyedVectors tests, run against :class:`sparsedense.Vectors`.

gensim's test module ``gensim/test/test_keyedvectors.py`` (LGPL-2.1, by
Jayant Jain and Radim Rehurek) is imported from the installed gensim at test
time; nothing of it is copied here. Its ``TestCase`` classes are subclassed
below, and while each of their tests runs, the names through which they reach
gensim's class (``KeyedVectors`` in the test module, ``gensim.models.KeyedVectors``,
``gensim.models.keyedvectors.KeyedVectors`` and its ``_load_word2vec_format``)
are bound to :class:`GensimStyleVectors`: :class:`~sparsedense.Vectors` with
gensim's constructor (``KeyedVectors(vector_size)``, an empty table). That
entry point is all the adapter adds; every query, lookup, mutation and file
method the tests call (``load_word2vec_format`` included) runs on Vectors'
own methods, unchanged.

Written for gensim 4.4.0 (the version of the test extra). A gensim release
that renames or adds tests shows up here as new passes or failures.

Tests of theirs that cannot pass are listed in :data:`EXPECTED_FAILURES`, each
with its reason: a deliberate difference documented in
``docs/howto/migrating.rst``. They run as strict xfail, with the exception they are
expected to fail with: a listed test that starts passing, or fails in another
way, fails this suite, so the list cannot go stale.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from unittest import mock

import numpy as np
import pytest

pytest.importorskip("gensim")

import gensim.models  # noqa: E402
import gensim.models.keyedvectors  # noqa: E402
import gensim.test.test_keyedvectors as gensim_tests  # noqa: E402
import gensim.test.utils  # noqa: E402

from sparsedense import Vectors  # noqa: E402


class GensimStyleVectors(Vectors):
    """Vectors built the way gensim's tests build KeyedVectors.

    ``GensimStyleVectors(vector_size)`` is an empty table (gensim's
    ``KeyedVectors(vector_size)``). Nothing else is overridden.
    """

    def __init__(self, vector_size, count=0, dtype=np.float32, mapfile_path=None):
        if count or mapfile_path is not None:
            raise NotImplementedError("the adapter builds empty tables only (count=0, "
                                      "no mapfile_path)")
        super().__init__([], np.zeros((0, vector_size), dtype=dtype))


def _load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8",
                          unicode_errors="strict", limit=None, datatype=np.float32,
                          no_header=False, binary_chunk_size=100 * 1024):
    """gensim's module-level loader; ``binary_chunk_size`` is gensim's read buffer, unused."""
    return cls.load_word2vec_format(fname, fvocab=fvocab, binary=binary, encoding=encoding,
                                    unicode_errors=unicode_errors, limit=limit,
                                    datatype=datatype, no_header=no_header)


#: gensim's tests that fail against Vectors, by class and name: (reason, expected exception).
EXPECTED_FAILURES: dict[str, dict[str, tuple[str, type[BaseException]]]] = {
    "TestKeyedVectors": {
        # deliberate difference (migrating.rst): topn=None is refused, not an array of scores
        "test_most_similar_topn": ("deliberate difference (docs/howto/migrating.rst): "
                                   "topn=None gives gensim an array of all scores; "
                                   "Vectors refuses it (results are always a list)",
                                   ValueError),
    },
    "Gensim320Test": {
        # deliberate difference (migrating.rst): gensim's pickled models are not read
        "test": ("deliberate difference (docs/howto/migrating.rst): Vectors.load does not "
                 "read gensim's pickled models (unpickling runs code from the file)",
                 ValueError),
    },
    "LoadWord2VecFormatTest": {},
}


def _adapted(base: type) -> type:
    """A subclass of gensim's TestCase ``base`` whose tests run against Vectors."""

    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="sd-gensim-kv-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        patches = [
            mock.patch.object(gensim_tests, "KeyedVectors", GensimStyleVectors),
            mock.patch.object(gensim.models, "KeyedVectors", GensimStyleVectors),
            mock.patch.object(gensim.models.keyedvectors, "KeyedVectors", GensimStyleVectors),
            mock.patch.object(gensim.models.keyedvectors, "_load_word2vec_format",
                              _load_word2vec_format),
            # a private temporary folder per test (gensim's is shared by parallel workers)
            mock.patch.object(gensim.test.utils, "get_tmpfile",
                              lambda suffix: os.path.join(tmp, suffix)),
        ]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        state = np.random.get_state()  # their tests draw from the global RNG: seed it
        np.random.seed(0)
        self.addCleanup(np.random.set_state, state)
        base.setUp(self)

    namespace = {"setUp": setUp, "__doc__": f"gensim's {base.__name__}, on Vectors.",
                 "__module__": __name__}
    expected = EXPECTED_FAILURES[base.__name__]
    for name, (reason, raises) in expected.items():
        original = getattr(base, name)  # AttributeError here: gensim renamed a test

        def run(self, _original=original):
            _original(self)

        run.__name__ = name
        run.__doc__ = original.__doc__
        namespace[name] = pytest.mark.xfail(reason=reason, raises=raises, strict=True)(run)
    return type(f"{base.__name__}OnVectors", (base,), namespace)


TestKeyedVectorsOnVectors = _adapted(gensim_tests.TestKeyedVectors)
TestGensim320OnVectors = _adapted(gensim_tests.Gensim320Test)
TestLoadWord2VecFormatOnVectors = _adapted(gensim_tests.LoadWord2VecFormatTest)


def test_every_gensim_testcase_is_adapted():
    """A TestCase class added to gensim's module is noticed here, not silently left out."""
    import unittest

    classes = {name for name, obj in vars(gensim_tests).items()
               if isinstance(obj, type) and issubclass(obj, unittest.TestCase)}
    assert classes == set(EXPECTED_FAILURES)


def test_adapter_really_builds_vectors():
    """The tests above ran on Vectors' methods: the adapter overrides only construction."""
    own = set(vars(GensimStyleVectors)) - {"__module__", "__doc__", "__qualname__",
                                           "__firstlineno__", "__static_attributes__"}
    assert own == {"__init__"}
    kv = GensimStyleVectors(3)
    assert isinstance(kv, Vectors) and len(kv) == 0 and kv.vector_size == 3


def test_deliberate_differences_are_documented():
    """Each 'deliberate difference' reason above is in the migration guide's list."""
    from pathlib import Path

    guide = (Path(__file__).parents[1] / "docs" / "howto" / "migrating.rst").read_text("utf8")
    differences = guide[guide.index("Deliberate differences"):]
    reasons = [reason for tests in EXPECTED_FAILURES.values()
               for reason, _ in tests.values() if reason.startswith("deliberate difference")]
    assert len(reasons) == 2
    assert "``topn=None`` is a ValueError" in differences
    assert "pickles" in differences and "``Vectors.load``" in differences
