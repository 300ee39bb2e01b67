"""Sphinx configuration for the sparsedense documentation.

Build (warnings as errors, output outside the repository)::

    python -m sphinx -W --keep-going -b html docs /tmp/docs_build

The API reference (``api.rst``) uses autosummary with ``:toctree: api/generated``:
one stub page per public name is written to ``docs/api/generated/`` at build
time. That folder is gitignored; never commit it.
"""

import os
import re
import sys

# Document the source tree even when the package is not installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))
# The project's own Sphinx extensions (docs/_ext/).
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "_ext")))
# The tutorial's figures: its plot directives import docs/_figures.py.
sys.path.insert(0, os.path.abspath(os.path.dirname(__file__)))

import sparsedense  # noqa: E402  (cheap: the public names are imported lazily)

project = "sparsedense"
author = "The sparsedense developers"
copyright = "The sparsedense developers"
release = sparsedense.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "mathml",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
language = "en"

# -- autodoc / autosummary / numpydoc -------------------------------------
autosummary_generate = True  # stubs go to docs/api/generated (gitignored)
autodoc_typehints = "none"  # the numpydoc Parameters sections say it all
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- plot directive (charts drawn at build time, headless) -------------------
import matplotlib  # noqa: E402

matplotlib.use("Agg")
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# -- math: MathML written at build time, no script, no network ----------------
# Sphinx's default renderer loads MathJax from a CDN when a page is opened, so
# offline readers saw raw LaTeX. Of the ways to draw math without the network:
# - MathML via latex2mathml (docs/_ext/mathml.py, chosen): pure Python, one
#   small wheel, no binaries; the formula becomes <math> in the page, which
#   browsers draw natively (MathML Core), as text: it scales, wraps with the
#   page, can be selected and copied, and is read by screen readers. An
#   unconvertible formula is a build warning, so -W catches it.
# - MathJax shipped locally (sphinx-mathjax-offline): correct typesetting, but
#   a few MB of JavaScript and fonts in every build, and a script to run.
# - images (sphinx.ext.imgmath needs LaTeX and dvipng on the build machine;
#   matplotlib's mathtext knows only a subset of TeX, without matrices): not
#   selectable, blurry when zoomed, baseline alignment guessed.
html_math_renderer = "mathml"

# No intersphinx: the build must not need the network.
nitpicky = False

# -- HTML -------------------------------------------------------------------
html_theme = "alabaster"
# Wide enough for a doctest line of 88 columns (the limit tests/test_docs.py
# checks) without a scroll bar: 88 characters of the 0.9em code font take
# 810 px, plus the code block's padding, plus the 220 px sidebar (and no
# 800 px cap on the body, Sphinx's default). Narrower windows get alabaster's
# one-column layout, where the body has the window's width.
html_theme_options = {"page_width": "1160px", "body_max_width": "none"}
html_title = f"sparsedense {release}"

# -- Hangul in the pages --------------------------------------------------------
# The pages show Korean (the seed tutorial's words); a reader without a Korean
# system font would see boxes. The build subsets NanumGothic, the font the figures
# use (the plot extra's koreanize-matplotlib, SIL OFL 1.1), to the Hangul the pages
# and docstrings hold (a few hundred syllables, not the 4.7 MB font), and writes it
# into _static/hangul-font.css as a data: URL, which browsers also load from pages
# opened as files (a font file next to a file:// page is refused as cross-origin).
# _static/hangul.css uses it for the Hangul code points only.
html_static_path = ["_static"]
html_css_files = ["hangul-font.css", "hangul.css"]
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]")


def _hangul_text() -> str:
    """Every Hangul character of the pages and of the docstrings the API pages show."""
    root = os.path.dirname(os.path.abspath(__file__))
    found: set[str] = set()
    for top in (root, os.path.join(root, "..", "src", "sparsedense")):
        for folder, _, files in os.walk(top):
            for name in files:
                if name.endswith((".rst", ".py", ".md")):
                    with open(os.path.join(folder, name), encoding="utf-8") as fh:
                        found.update(_HANGUL.findall(fh.read()))
    return "".join(sorted(found))


def _write_hangul_font(app) -> None:
    import base64
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    from sparsedense.plot import hangul_font_path

    font = TTFont(hangul_font_path())
    subsetter = subset.Subsetter(subset.Options(drop_tables=["TSI0", "TSI1", "TSI2", "TSI3",
                                                             "TSI5"]))
    subsetter.populate(text=_hangul_text())
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    static = os.path.join(app.outdir, "_static")
    os.makedirs(static, exist_ok=True)
    with open(os.path.join(static, "hangul-font.css"), "w", encoding="utf-8") as fh:
        fh.write('@font-face {\n  font-family: "NanumGothic";\n'
                 f'  src: url(data:font/ttf;base64,{data}) format("truetype");\n'
                 "  unicode-range: U+1100-11FF, U+3130-318F, U+A960-A97F, U+AC00-D7FF;\n"
                 "}\n")


def setup(app):
    app.connect("builder-inited", _write_hangul_font)
