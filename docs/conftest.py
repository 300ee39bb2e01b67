"""Doctests of the pages: the Korean examples skip cleanly without kiwipiepy.

A page shows plain examples, with no test machinery in them. Without the
``korean`` extra, every example that uses the Korean tokenizer, and every
later example of the page that uses a name one of them defined, is marked
``+SKIP`` here; the rest of the page still runs.
"""

from __future__ import annotations

import ast
import doctest
import re
from pathlib import Path

#: what makes an example need kiwipiepy
NEEDS_KIWI = re.compile(r"\bKoreanTokenizer\b|\bkiwipiepy\b|tokenizer=[\"']kiwi[\"']")
DOCS = Path(__file__).resolve().parent


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names the example defines, names it reads)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    defined, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
    return defined, read


def skip_korean_examples(test: doctest.DocTest) -> int:
    """Mark the examples of ``test`` that need kiwipiepy ``+SKIP``; how many were marked."""
    tainted: set[str] = set()
    marked = 0
    for example in test.examples:
        defined, read = _names(example.source)
        if NEEDS_KIWI.search(example.source) or read & tainted:
            example.options[doctest.SKIP] = True
            tainted |= defined
            marked += 1
    return marked


def _have_kiwi() -> bool:
    try:
        import kiwipiepy  # noqa: F401
    except ImportError:
        return False
    return True


def pytest_collection_modifyitems(config, items) -> None:
    if _have_kiwi():
        return
    for item in items:
        test = getattr(item, "dtest", None)
        if test is not None and DOCS in Path(str(item.path)).resolve().parents:
            skip_korean_examples(test)
