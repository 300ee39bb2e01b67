"""Text vectorizers: sparsedense against scikit-learn, side by side.

Every suite is parameterised over ``impl`` (``"sparsedense"`` or
``"sklearn"``) so that one ``asv run`` records both implementations on the same
machine, interleaved over ``rounds``; the number to look at is the *ratio*
between the two rows, not the absolute time.

The corpus (see ``_corpus.py``) is 20,000 documents x 200 tokens, Zipf over
50,000 word types, fixed seed.  It is generated in ``setup`` (cached per
process), and ``setup`` also makes one call of the benchmarked estimator on
100 documents, so that Numba compilation / on-disk cache loading and Python
imports are not part of the timed call.  Cold start is measured on its own in
``FirstCall``.

Library imports happen inside ``setup`` only, so that the ``sklearn`` rows of
the ``peakmem_`` benchmarks do not carry Numba's memory and vice versa.  The
``sklearn`` rows are n/a when scikit-learn is not installed (``setup`` raises
NotImplementedError saying so).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from ._corpus import make_corpus
from ._peers import require_peer

IMPLS = ["sparsedense", "sklearn"]

_MODULES = {
    "sparsedense": "sparsedense",
    "sklearn": "sklearn.feature_extraction.text",
}

N_WARMUP_DOCS = 100
N_PARITY_DOCS = 500
PARITY_ATOL = 1e-12


def _vectorizer_cls(impl: str, name: str):
    return getattr(importlib.import_module(_MODULES[impl]), name)


class _Suite:
    """Shared attributes: one process per (benchmark, impl), 2 interleaved rounds."""

    params = IMPLS
    param_names = ["impl"]

    timeout = 300
    number = 1  # one call per sample: every call is several seconds
    repeat = 3  # samples per round
    rounds = 2  # asv interleaves rounds across benchmarks: robust to noise
    warmup_time = 0  # setup already warms up (see _warm_up)

    #: name of the vectorizer class (identical in both libraries)
    estimator = ""
    #: method that is benchmarked ("fit_transform" or "transform")
    method = "fit_transform"

    def setup(self, impl):
        require_peer(impl)
        self.docs = make_corpus()
        self.cls = _vectorizer_cls(impl, self.estimator)
        self._warm_up()

    def _warm_up(self):
        # compiles the Numba kernels (or loads them from the on-disk cache)
        # for sparsedense, and pulls in lazily imported modules for both
        getattr(self.cls(), self.method)(self.docs[:N_WARMUP_DOCS])

    def _call(self):
        return getattr(self.cls(), self.method)(self.docs)


class Tfidf(_Suite):
    """``TfidfVectorizer().fit_transform`` on the full corpus (default parameters)."""

    estimator = "TfidfVectorizer"

    def time_fit_transform(self, impl):
        self._call()

    def peakmem_fit_transform(self, impl):
        self._call()


class Count(_Suite):
    """``CountVectorizer().fit_transform`` on the full corpus (default parameters)."""

    estimator = "CountVectorizer"

    def time_fit_transform(self, impl):
        self._call()

    def peakmem_fit_transform(self, impl):
        self._call()


class Hashing(_Suite):
    """``HashingVectorizer().transform`` on the full corpus (2**20 features, l2)."""

    estimator = "HashingVectorizer"
    method = "transform"

    def time_transform(self, impl):
        self._call()

    def peakmem_transform(self, impl):
        self._call()


# ---------------------------------------------------------------------------
# transform with an already fitted TfidfVectorizer, plus the parity check

_FITTED: dict[str, object] = {}
_PARITY_CHECKED = False


def _max_abs_diff(a, b) -> float:
    d = abs(a.tocsr() - b.tocsr())
    return float(d.max()) if d.nnz else 0.0


def check_parity(n_docs: int = N_PARITY_DOCS, atol: float = PARITY_ATOL) -> None:
    """Assert that sparsedense reproduces scikit-learn on a corpus subset.

    Covers the three vectorizers benchmarked here, with default parameters:
    same vocabulary (Count/Tfidf), same idf, same shape and dtype, and every
    matrix entry within ``atol``.  Raises ``AssertionError`` otherwise, which
    makes asv report the benchmark as failed instead of timing wrong output.
    """
    docs = make_corpus()[:n_docs]
    for name, method in [
        ("TfidfVectorizer", "fit_transform"),
        ("CountVectorizer", "fit_transform"),
        ("HashingVectorizer", "transform"),
    ]:
        ours = _vectorizer_cls("sparsedense", name)()
        ref = _vectorizer_cls("sklearn", name)()
        X = getattr(ours, method)(docs)
        Y = getattr(ref, method)(docs)
        assert X.shape == Y.shape, f"{name}: shape {X.shape} != {Y.shape}"
        assert X.dtype == Y.dtype, f"{name}: dtype {X.dtype} != {Y.dtype}"
        diff = _max_abs_diff(X, Y)
        assert diff <= atol, f"{name}: max |sparsedense - sklearn| = {diff:.3g}"
        if hasattr(ref, "vocabulary_"):
            assert dict(ours.vocabulary_) == dict(ref.vocabulary_), (
                f"{name}: vocabulary_ differs"
            )
        if hasattr(ref, "idf_"):
            idf_diff = float(np.max(np.abs(np.asarray(ours.idf_) - ref.idf_)))
            assert idf_diff <= atol, f"{name}: max |idf difference| = {idf_diff:.3g}"


class TfidfTransform(_Suite):
    """``transform`` of the full corpus by a TfidfVectorizer fitted on it.

    ``setup`` first checks (once per process) that sparsedense's output equals
    scikit-learn's within 1e-12 on a 500-document subset, for Tfidf, Count and
    Hashing vectorizers, so a run on a build with wrong output fails loudly.
    """

    estimator = "TfidfVectorizer"
    method = "transform"

    def setup(self, impl):
        global _PARITY_CHECKED
        require_peer(impl)
        if not _PARITY_CHECKED and importlib.util.find_spec("sklearn") is not None:
            check_parity()
            _PARITY_CHECKED = True
        self.docs = make_corpus()
        self.cls = _vectorizer_cls(impl, self.estimator)
        vec = _FITTED.get(impl)
        if vec is None:  # fit once per process; transform leaves it unchanged
            vec = _FITTED[impl] = self.cls().fit(self.docs)
        self.vec = vec
        self.vec.transform(self.docs[:N_WARMUP_DOCS])  # warm-up

    def time_transform(self, impl):
        self.vec.transform(self.docs)


# ---------------------------------------------------------------------------
# cold start, in a fresh interpreter

_FIRST_CALL_CODE = {
    "sparsedense": "import sparsedense\nvec = sparsedense.TfidfVectorizer()\n",
    "sklearn": (
        "import sklearn.feature_extraction.text\n"
        "vec = sklearn.feature_extraction.text.TfidfVectorizer()\n"
    ),
}

_READ_DOCS_AND_FIT = (
    "with open({path!r}, encoding='utf-8') as f:\n"
    "    docs = f.read().split('\\n')\n"
    "X = vec.fit_transform(docs)\n"
    "assert X.shape[0] == {n}\n"
)


class FirstCall:
    """Wall time of a fresh ``python -c``: import + first TfidfVectorizer fit_transform.

    100 documents, read from a small file written by ``setup``.  For
    sparsedense this includes loading the compiled kernels from Numba's
    on-disk cache (``setup`` has already run the same call in-process, which
    fills the cache if it was empty); for scikit-learn, its import.  Both
    include the ~20 ms interpreter start-up.
    """

    params = IMPLS
    param_names = ["impl"]

    timeout = 300
    number = 1
    repeat = 3
    rounds = 2
    warmup_time = 0

    def setup(self, impl):
        require_peer(impl)
        self.tmpdir = tempfile.mkdtemp(prefix="sd-bench-")
        path = os.path.join(self.tmpdir, "docs.txt")
        docs = make_corpus()[:N_WARMUP_DOCS]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(docs))
        self.code = _FIRST_CALL_CODE[impl] + _READ_DOCS_AND_FIT.format(
            path=path, n=len(docs)
        )
        # make sure the Numba cache is populated (no-op when it already is)
        _vectorizer_cls(impl, "TfidfVectorizer")().fit_transform(docs)

    def teardown(self, impl):
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def time_first_call(self, impl):
        subprocess.run([sys.executable, "-c", self.code], check=True)


class FirstCallEmptyCache:
    """As ``FirstCall`` for sparsedense, with an empty Numba cache: full JIT compile.

    ``NUMBA_CACHE_DIR`` points to a fresh empty directory for every call, so
    every kernel the first TfidfVectorizer call needs is compiled from scratch
    (what a user sees on the very first use after installing).
    """

    timeout = 300
    number = 1
    repeat = 2
    rounds = 1
    warmup_time = 0

    def setup(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sd-bench-")
        path = os.path.join(self.tmpdir, "docs.txt")
        docs = make_corpus()[:N_WARMUP_DOCS]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(docs))
        self.code = _FIRST_CALL_CODE["sparsedense"] + _READ_DOCS_AND_FIT.format(
            path=path, n=len(docs)
        )

    def teardown(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def time_first_call_empty_cache(self):
        env = dict(os.environ)
        env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(dir=self.tmpdir)
        subprocess.run([sys.executable, "-c", self.code], check=True, env=env)
