"""docs/conftest.py: the pages' Korean examples are fenced and skip cleanly without kiwipiepy."""

from __future__ import annotations

import doctest
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load_docs_conftest():
    spec = importlib.util.spec_from_file_location("docs_conftest", DOCS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dense_tutorial_fences_only_its_korean_tokenizer_block():
    conftest = _load_docs_conftest()
    text = (DOCS / "tutorial" / "dense.rst").read_text(encoding="utf-8")
    comments = conftest.needs_by_line(text)
    kiwi = [i for i, (_, names) in enumerate(comments) if names == ["kiwipiepy"]]
    assert len(kiwi) == 1 and comments[kiwi[0] + 1][1] == []  # closed right after
    start, end = comments[kiwi[0]][0], comments[kiwi[0] + 1][0]
    test = doctest.DocTestParser().get_doctest(text, {}, "dense", "dense.rst", 0)
    fenced = [e for e in test.examples if start < e.lineno < end]
    assert "KoreanTokenizer" in "".join(e.source for e in fenced)
    assert fenced[-1].want.startswith("예금-적금")
    later = [e.source for e in test.examples if e.lineno > end]
    assert not any("ko_" in source for source in later)  # nothing after uses its names


def test_dense_tutorial_passes_without_kiwipiepy(tmp_path):
    # an import of kiwipiepy fails as it does when the package is not installed
    (tmp_path / "kiwipiepy.py").write_text(
        "raise ModuleNotFoundError('hidden for this test', name='kiwipiepy')\n")
    env = dict(os.environ, PYTHONIOENCODING="utf-8",
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(DOCS / "tutorial" / "dense.rst")],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          cwd=DOCS.parent, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "1 passed" in proc.stdout
