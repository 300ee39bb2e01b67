"""``import sparsedense`` is cheap: no Numba, no kernels, no compilation."""

import subprocess
import sys


def test_import_loads_no_numba_and_compiles_nothing():
    code = (
        "import sys, sparsedense\n"
        "assert 'numba' not in sys.modules, 'numba imported at import time'\n"
        "assert not any(m.startswith('sparsedense._kernels') for m in sys.modules)\n"
        "print(sparsedense.__version__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_public_names_resolve():
    import sparsedense

    for name in sparsedense.__all__:
        assert getattr(sparsedense, name) is not None
    assert "CountVectorizer" in dir(sparsedense)


def test_unknown_attribute():
    import pytest

    import sparsedense

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sparsedense.nope


def test_kernels_are_cached_on_disk():
    from sparsedense._kernels import counting, hashing, intern, tfidf, tokenize

    for module in (counting, hashing, intern, tfidf, tokenize):
        for name in dir(module):
            obj = getattr(module, name)
            if hasattr(obj, "targetoptions") and getattr(obj, "py_func", None) is not None:
                assert obj._cache.__class__.__name__ != "NullCache", f"{name} not cache=True"
                assert obj.targetoptions.get("nogil"), f"{name} not nogil"
