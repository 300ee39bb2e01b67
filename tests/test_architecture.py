"""The layering of DESIGN.md, checked on the source tree.

- No module imports another package's private module (``sparsedense.<pkg>._x``
  from outside ``<pkg>``); only the shared floors ``_base`` and ``_kernels``
  are imported from everywhere.
- ``_base`` imports nothing above it (only ``_kernels`` and itself).
- No line of src/ is a lab notebook: a timing in ms, the word "measured", a
  date. Figures belong in docs/howto/benchmarks.rst, history in commits.
- No module grows past 600 lines (a longer one is two ideas).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sparsedense"
SHARED = {"_base", "_kernels"}
MODULES = sorted(SRC.rglob("*.py"))
_LOG = re.compile(r"\b\d+([.,]\d+)?(-\d+([.,]\d+)?)?\s?ms\b|(?i:\bmeasured\b)"
                  r"|\b20\d\d-[01]\d-[0-3]\d\b")


def _name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _imported(path: Path) -> list[tuple[int, str]]:
    """``(line, absolute module or module.name)`` of every ``from ... import`` of ``path``."""
    parts = path.relative_to(SRC).with_suffix("").parts
    package = ["sparsedense", *parts[:-1]]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{a.name}") for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
    return found


def _private_of_other_package(path: Path, target: str) -> bool:
    own = path.relative_to(SRC).parts[0] if len(path.relative_to(SRC).parts) > 1 else None
    t = target.split(".")
    if len(t) < 3 or t[0] != "sparsedense":
        return False
    package, sub = t[1], t[2]
    return (package != own and package not in SHARED and sub.startswith("_")
            and not sub.startswith("__"))


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_private_import_across_packages(path):
    bad = [f"line {line}: {target}" for line, target in _imported(path)
           if _private_of_other_package(path, target)]
    assert not bad, f"{_name(path)} imports another package's private module: {bad}"


@pytest.mark.parametrize("path", sorted((SRC / "_base").glob("*.py")), ids=_name)
def test_base_imports_nothing_above_it(path):
    bad = [f"line {line}: {target}" for line, target in _imported(path)
           if target.startswith("sparsedense.")
           and target.split(".")[1] not in SHARED]
    assert not bad, f"{_name(path)} imports from above the floor: {bad}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_lab_notebook_in_source(path):
    bad = [f"line {i}: {line.strip()}"
           for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if _LOG.search(line)]
    assert not bad, (f"{_name(path)} logs measurements (move figures to "
                     f"docs/howto/benchmarks.rst, history to the commit): {bad}")


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_size(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= 600, f"{_name(path)} has {n} lines; a module past 600 lines is two ideas"


def test_the_checks_catch_what_they_look_for(tmp_path):
    """The detectors themselves: a private import across packages and a timing are found."""
    fake = SRC / "nn.py"
    assert _private_of_other_package(fake, "sparsedense.text._count")
    assert not _private_of_other_package(fake, "sparsedense._base.validation")
    assert not _private_of_other_package(SRC / "text" / "_tfidf.py", "sparsedense.text._count")
    assert _LOG.search("# took 12 ms here") and _LOG.search("measured on 2026-11-25")
    assert not _LOG.search("the mean of the rows")
