"""Doctest set-up of the documentation pages (``docs/**/*.rst``).

pytest runs every ``>>>`` example of the pages (``--doctest-glob=*.rst`` in
pyproject.toml). Some examples need an optional package (scikit-learn,
matplotlib, kiwipiepy, ...). A reader must not see test machinery such as
``pytest.importorskip``, so a page states what it needs in a reStructuredText
comment, which Sphinx does not render::

    .. needs: sklearn

The examples after the comment, up to the next ``needs:`` comment or the end
of the page, are skipped when a module it names cannot be found; the examples
before it run as usual. Names are import names (``sklearn``, not
``scikit-learn``), separated by commas or spaces: ``.. needs: sklearn,
matplotlib``. An empty ``.. needs:`` ends the requirement, so the examples
after it run again whatever is installed. When a module is missing for every
example of a page, pytest reports the page as skipped, naming the module.
A Markdown page under ``docs/`` writes the comment ``<!-- needs: sklearn -->``.

To add a requirement: put the comment, with a blank line before and after,
just above the first example that needs the module. Example: the Korean
examples of ``tutorial/dense.rst`` can be fenced by ``.. needs: kiwipiepy``
before them and an empty ``.. needs:`` after them.

This conftest also leaves ``docs/_ext/`` (the project's Sphinx extensions)
out of the doctest collection when the ``docs`` extra is not installed.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

# ".. needs: a, b" (reStructuredText) or "<!-- needs: a, b -->" (Markdown), alone on a line.
NEEDS = re.compile(r"^\s*(?:\.\.|<!--)\s*needs:(?P<names>[\w.,\s]*?)\s*(?:-->)?\s*$")

#: this file is pytest's, not a page: --doctest-modules must not import it as one (a second
#: module named ``conftest``, beside the root's and tests/')
collect_ignore = ["conftest.py"]
collect_ignore_glob = []
if not all(importlib.util.find_spec(name) for name in ("sphinx", "latex2mathml")):
    collect_ignore_glob.append("_ext/*.py")


def needs_by_line(text: str) -> list[tuple[int, list[str]]]:
    """The ``needs:`` comments of a page: (0-based line, module names), in order."""
    found = []
    for lineno, line in enumerate(text.splitlines()):
        match = NEEDS.match(line)
        if match:
            found.append((lineno, match.group("names").replace(",", " ").split()))
    return found


_IMPORTABLE: dict[str, bool] = {}


def _missing(names: list[str]) -> list[str]:
    """The modules of ``names`` that cannot be imported (tried once per run: a package
    that is installed but fails to import counts as missing, as a reader would find it)."""
    for name in names:
        if name not in _IMPORTABLE:
            try:
                importlib.import_module(name)
                _IMPORTABLE[name] = True
            except ImportError:
                _IMPORTABLE[name] = False
    return [name for name in names if not _IMPORTABLE[name]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the examples that follow a ``needs:`` comment naming a missing module."""
    for item in items:
        if not isinstance(item, DoctestItem) or item.dtest is None:
            continue
        path = Path(str(item.path))
        if path.suffix not in (".rst", ".md") or Path(__file__).parent not in path.parents:
            continue
        comments = needs_by_line(path.read_text(encoding="utf-8"))
        if not comments:
            continue
        examples = item.dtest.examples
        skipped: set[str] = set()
        for example in examples:
            in_force = [names for lineno, names in comments if lineno < example.lineno]
            missing = _missing(in_force[-1]) if in_force else []
            if missing:
                example.options[doctest.SKIP] = True
                skipped.update(missing)
        if skipped and all(e.options.get(doctest.SKIP) for e in examples):
            item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(sorted(skipped))}"))
