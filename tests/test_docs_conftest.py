"""docs/conftest.py: the pages' Korean examples skip cleanly when kiwipiepy is missing."""

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


def _page(text: str) -> doctest.DocTest:
    return doctest.DocTestParser().get_doctest(text, {}, "page", "page.rst", 0)


def test_examples_using_the_korean_tokenizer_and_their_names_are_skipped():
    conftest = _load_docs_conftest()
    test = _page("""
>>> import numpy as np
>>> from sparsedense.text import KoreanTokenizer
>>> tok = KoreanTokenizer(user_words=["주택대출"])
>>> words = tok("예금을 넣었다")
>>> n = len(words)
>>> np.zeros(2).shape
(2,)
>>> for w in words:
...     print(w)
>>> v = sd.CountVectorizer(tokenizer="kiwi")
""")
    assert conftest.skip_korean_examples(test) == 6
    skipped = [e.source.strip() for e in test.examples if e.options.get(doctest.SKIP)]
    assert skipped == ["from sparsedense.text import KoreanTokenizer",
                       'tok = KoreanTokenizer(user_words=["주택대출"])',
                       'words = tok("예금을 넣었다")', "n = len(words)",
                       "for w in words:\n    print(w)",
                       'v = sd.CountVectorizer(tokenizer="kiwi")']


def test_dense_tutorial_marks_only_its_korean_tokenizer_block():
    conftest = _load_docs_conftest()
    text = (DOCS / "tutorial" / "dense.rst").read_text(encoding="utf-8")
    test = _page(text)
    conftest.skip_korean_examples(test)
    marked = [i for i, e in enumerate(test.examples) if e.options.get(doctest.SKIP)]
    # one block, from the import of the tokenizer to the printed cosines, nothing else
    assert marked == list(range(marked[0], marked[-1] + 1))
    assert "KoreanTokenizer" in test.examples[marked[0]].source
    assert test.examples[marked[-1]].want.startswith("예금-적금")


def test_dense_tutorial_passes_without_kiwipiepy(tmp_path):
    (tmp_path / "kiwipiepy.py").write_text("raise ImportError('hidden for this test')\n")
    env = dict(os.environ, PYTHONIOENCODING="utf-8",
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(DOCS / "tutorial" / "dense.rst")],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          cwd=DOCS.parent, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "1 passed" in proc.stdout
