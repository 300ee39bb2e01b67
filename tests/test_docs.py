"""Reader-facing text: doctest lines fit the page, no test machinery, math without network.

The pages are the Sphinx sources in docs/, README.md and the numpydoc
docstrings of src/sparsedense (the API reference is built from them). The
full docs build (``python -m sphinx -W``) runs in CI on its own; here the math
renderer is checked on the formulas of the pages and on a one-page build.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "sparsedense"
MAX_COLUMNS = 88

_PROMPT = re.compile(r"^\s*(>>>|\.\.\.)( |$)")


def columns(line: str) -> int:
    """The width of a line on a monospace page: wide (CJK, Hangul) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def doctest_lines(lines: list[str], first_lineno: int = 1):
    """(line number, line) of each doctest source line and expected-output line.

    An example starts at ``>>>``; ``...`` lines continue it, and the non-blank
    lines after it are its expected output, up to a blank line, the next
    prompt or the end of a docstring.
    """
    in_example = False
    for lineno, line in enumerate(lines, first_lineno):
        prompt = _PROMPT.match(line)
        if prompt and (prompt.group(1) == ">>>" or in_example):
            in_example = True
            yield lineno, line
        elif in_example and line.strip() and not line.strip().startswith(('"""', "'''")):
            yield lineno, line
        else:
            in_example = False


def docstrings(path: Path):
    """(first line number, physical lines) of each docstring of a Python file."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                yield first.lineno, lines[first.lineno - 1:first.end_lineno]


def reader_pages() -> list[Path]:
    pages = sorted(DOCS.rglob("*.rst")) + sorted(DOCS.rglob("*.md")) + [ROOT / "README.md"]
    return [p for p in pages if "_build" not in p.parts and "generated" not in p.parts]


def source_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def reader_text() -> list[tuple[str, int, list[str]]]:
    """(name, first line number, lines) of every piece of reader-facing text."""
    pieces = [(str(p.relative_to(ROOT)), 1, p.read_text(encoding="utf-8").splitlines())
              for p in reader_pages()]
    for path in source_files():
        for lineno, lines in docstrings(path):
            pieces.append((str(path.relative_to(ROOT)), lineno, lines))
    return pieces


def too_wide(pieces) -> list[str]:
    return [f"{name}:{lineno}: {columns(line)} columns: {line.strip()}"
            for name, first, lines in pieces
            for lineno, line in doctest_lines(lines, first)
            if columns(line) > MAX_COLUMNS]


# -- doctest lines fit the page ---------------------------------------------------------


def test_doctest_lines_fit_in_88_columns():
    wide = too_wide(reader_text())
    assert not wide, (f"{len(wide)} doctest lines are wider than {MAX_COLUMNS} columns (split "
                      "the code with ... continuation lines or shorter names; wrap an output, "
                      "doctest normalizes whitespace):\n" + "\n".join(wide))


def test_the_width_check_finds_what_it_looks_for():
    page = textwrap.dedent('''\
        Text lines are not checked: {prose}

        >>> x = 1
        >>> y = [{code}]
        ...     {code}
        {output}

        ...  {output} (after a blank line: text again)
        ''').format(prose="x" * 100, code="1, " * 30, output="9 " * 50).splitlines()
    hangul = ['>>> "' + "예금" * 21 + '"']  # 90 columns in 48 characters
    docstring = ['    """Doc.', "", "    >>> 1", "    1", '    """' + " " * 90]
    wide = too_wide([("page.rst", 1, page), ("ko.rst", 1, hangul), ("mod.py", 10, docstring)])
    assert [w.split(":")[:2] for w in wide] == [
        ["page.rst", "4"], ["page.rst", "5"], ["page.rst", "6"], ["ko.rst", "1"]]
    assert columns("예금") == 4


def test_every_source_docstring_is_seen():
    names = {name for name, _, _ in reader_text()}
    assert "src/sparsedense/vectors/_queries.py" in names
    assert "README.md" in names and "docs/tutorial/sparse.rst" in names


# -- no test machinery in reader-facing text -------------------------------------------


MACHINERY = re.compile(r"importorskip|import pytest|pytest\.")


def test_no_test_machinery_in_reader_facing_text():
    found = [f"{name}:{first + i}: {line.strip()}"
             for name, first, lines in reader_text()
             for i, line in enumerate(lines)
             if MACHINERY.search(line)]
    assert not found, ("reader-facing text uses pytest (state what an example needs with a "
                       "'.. needs: module' comment, see docs/conftest.py):\n" + "\n".join(found))


def _run_pytest_on(tmp_path: Path, pages: dict[str, str]) -> str:
    shutil.copy(DOCS / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for name, text in pages.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA",
         "--doctest-glob=*.rst", "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"),
         str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    return result.stdout + result.stderr


def test_needs_comment_skips_the_examples_after_it(tmp_path):
    missing = "sparsedense_no_such_module_i25"
    out = _run_pytest_on(tmp_path, {
        # runs: the examples that need the missing module are skipped, the others run
        "partly.rst": f"""\
            >>> x = 1

            .. needs: {missing}

            >>> import {missing}

            .. needs:

            >>> x + 1
            2
            """,
        # every example needs it: the page is reported as skipped, naming the module
        "wholly.rst": f"""\
            Text.

            .. needs: numpy, {missing}

            >>> import {missing}
            """,
        # the requirement ends at the empty comment: the wrong example after it runs
        "ended.rst": f"""\
            .. needs: {missing}

            >>> import {missing}

            .. needs:

            >>> 1 + 1
            3
            """,
        # a module that is installed: the examples run (and this one fails)
        "present.rst": """\
            .. needs: numpy

            >>> 1 + 1
            3
            """,
    })
    assert re.search(r"PASSED partly\.rst", out), out
    assert re.search(rf"SKIPPED \[1\] wholly\.rst.*needs {missing}", out), out
    assert re.search(r"FAILED ended\.rst", out), out
    assert re.search(r"FAILED present\.rst", out), out
    assert "2 failed, 1 passed, 1 skipped" in out, out


def test_needs_comments_of_the_docs_name_modules():
    spec = importlib.util.spec_from_file_location("docs_conftest", DOCS / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    assert conftest.needs_by_line("a\n.. needs: sklearn, kiwipiepy\n\n<!-- needs: x -->\n"
                                  ".. needs:\n.. note:: needs: y\n") == [
        (1, ["sklearn", "kiwipiepy"]), (3, ["x"]), (4, [])]
    found = [names for page in reader_pages()
             for _, names in conftest.needs_by_line(page.read_text(encoding="utf-8"))]
    assert ["sklearn"] in found  # the tutorial's scikit-learn comparison


# -- math is MathML written at build time ------------------------------------------------


def test_conf_renders_math_as_mathml_without_mathjax():
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    assigned = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    extensions = ast.literal_eval(assigned["extensions"])
    assert "mathml" in extensions
    assert not any("mathjax" in ext or "imgmath" in ext for ext in extensions)
    assert ast.literal_eval(assigned["html_math_renderer"]) == "mathml"
    assert "mathjax_path" not in assigned
    assert (DOCS / "_ext" / "mathml.py").is_file()


def _formulas() -> list[tuple[str, str, bool]]:
    """(page, LaTeX, display) of every :math: role and .. math:: directive of docs/."""
    found = []
    for page in reader_pages():
        text = page.read_text(encoding="utf-8")
        name = str(page.relative_to(ROOT))
        found += [(name, m.group(1), False) for m in re.finditer(r":math:`([^`]+)`", text)]
        for m in re.finditer(r"^( *)\.\. math::\n((?:\1 +.*\n|\s*\n)+)", text, re.MULTILINE):
            found.append((name, textwrap.dedent(m.group(2)).strip(), True))
    return found


@pytest.fixture(scope="module")
def mathml():
    pytest.importorskip("sphinx")
    pytest.importorskip("latex2mathml")
    spec = importlib.util.spec_from_file_location("mathml", DOCS / "_ext" / "mathml.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_formula_of_the_docs_becomes_mathml(mathml):
    formulas = _formulas()
    assert sum(display for *_, display in formulas) >= 4
    assert len(formulas) >= 10
    for page, latex, display in formulas:
        out = mathml.latex_to_mathml(latex, display=display)
        assert out.startswith("<math") and out.endswith("</math>"), (page, latex)
        assert ("display=\"block\"" in out) == display
        assert "\\" not in out, (page, latex, out)  # no TeX command left over


def test_formulas_render_to_their_mathml_elements(mathml):
    cosine = mathml.latex_to_mathml(
        r"\cos(a, b) = \frac{a \cdot b}{\lVert a \rVert \, \lVert b \rVert}", display=True)
    assert "<mfrac>" in cosine and "<mi>cos</mi>" in cosine and "&#x02016;" in cosine
    matrix = mathml.latex_to_mathml(
        r"W = \begin{pmatrix} 0.5 & 0.2 \\ -0.2 & 0.8 \end{pmatrix}", display=True)
    assert matrix.count("<mtr>") == 2 and matrix.count("<mtd>") == 4
    lines = mathml.latex_to_mathml(r"a &= b \\ c &= d", display=True)  # set as split
    assert lines.count("<mtr>") == 2


@pytest.mark.parametrize("latex", [r"\frac{a}{", r"\nosuchcommand{x}", r"a^", r"a & b"])
def test_a_formula_it_cannot_convert_is_an_error(mathml, latex):
    with pytest.raises(mathml.MathMLError, match="cannot convert"):
        mathml.latex_to_mathml(latex, display=False)


@pytest.mark.parametrize("renderer", ["mathml", None])
def test_built_page_has_mathml_and_no_remote_script(tmp_path, renderer):
    pytest.importorskip("sphinx")
    pytest.importorskip("latex2mathml")
    src, out = tmp_path / "src", tmp_path / "html"
    src.mkdir()
    conf = [f"import sys; sys.path.insert(0, {str(DOCS / '_ext')!r})",
            'extensions = ["mathml"]']
    if renderer:
        conf.append(f"html_math_renderer = {renderer!r}")
    else:  # Sphinx's default, to show that the check below can fail
        conf = ['extensions = []']
    (src / "conf.py").write_text("\n".join(conf) + "\n", encoding="utf-8")
    (src / "index.rst").write_text(textwrap.dedent(r"""
        Page
        ====

        Inline :math:`x^2` and a block:

        .. math::
            :label: idf

            \operatorname{idf}(t) = \ln \frac{1 + n}{1 + \operatorname{df}(t)} + 1

        Equation :eq:`idf` is numbered.
        """), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html",
                             str(src), str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    html = (out / "index.html").read_text(encoding="utf-8")
    remote = re.findall(r"<script[^>]*src=\"(?:https?:)?//[^\"]*\"", html)
    if renderer:
        assert not remote and "mathjax" not in html.lower()
        assert html.count("<math ") == 2 and "<mfrac>" in html and "\\frac" not in html
        assert '<span class="eqno">(1)' in html and 'href="#equation-idf"' in html
    else:
        assert any("mathjax" in script.lower() for script in remote)


def test_pages_carry_a_font_for_every_hangul_character_they_show(tmp_path):
    # readers without a Korean font see the pages' Hangul in NanumGothic, subset at build
    # time and embedded as a data: URL (which pages opened as files load too)
    import base64
    import io
    import types

    pytest.importorskip("sphinx")
    pytest.importorskip("fontTools")
    spec = importlib.util.spec_from_file_location("docs_conf", DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    text = conf._hangul_text()
    assert {"예", "금", "적", "주", "택", "대", "출"} <= set(text)
    conf._write_hangul_font(types.SimpleNamespace(outdir=str(tmp_path)))
    css = (tmp_path / "_static" / "hangul-font.css").read_text(encoding="utf-8")
    data = css.split("base64,", 1)[1].split(")", 1)[0]
    from fontTools.ttLib import TTFont

    cmap = TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()
    assert all(ord(ch) in cmap for ch in text)
    assert "hangul-font.css" in conf.html_css_files and "hangul.css" in conf.html_css_files
    assert (DOCS / "_static" / "hangul.css").read_text(encoding="utf-8").count("NanumGothic")
