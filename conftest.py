"""pytest hooks: the doctests of modules that need an optional extra; the long tests first.

A module's doctests that need an optional package (the Korean tokenizer needs
the ``korean`` extra, kiwipiepy) are skipped, with the reason, when the
package is missing; the examples themselves stay free of test machinery.
The pages under docs/ say what they need in ``.. needs:`` comments instead
(docs/conftest.py).

A test marked ``starts_first`` (one that takes minutes in a single child
process) is collected first: xdist hands the first tests out first, so it runs
beside the others instead of alone at the end.
"""

from __future__ import annotations

import importlib

import pytest

#: pytest's files, not modules to doctest: --doctest-modules would import each as a module
#: named ``conftest`` (three of them: a clash)
collect_ignore = ["conftest.py", "tests/conftest.py", "docs/conftest.py"]

#: path suffix of a doctest's file -> the module it needs and the extra bringing it
NEEDS = {
    "src/sparsedense/text/_korean.py": ("kiwipiepy", "korean"),
}


def _missing(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return True
    return False


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "starts_first: a test of minutes, collected before the others")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("starts_first") is None)  # stable
    missing: dict[str, bool] = {}
    for item in items:
        path = item.path.as_posix()
        for suffix, (module, extra) in NEEDS.items():
            if path.endswith(suffix):
                if module not in missing:
                    missing[module] = _missing(module)
                if missing[module]:
                    item.add_marker(pytest.mark.skip(
                        reason=f"needs {module}: pip install 'sparsedense[{extra}]'"))
