"""Render ``:math:`` and ``.. math::`` as MathML at build time (no network).

Sphinx's default HTML math renderer, MathJax, is a script fetched from a CDN
when the page is opened: offline, a reader sees the raw LaTeX. This extension
registers the HTML math renderer ``mathml``, which converts each formula to
MathML with the pure-Python ``latex2mathml`` package while the docs are
built. Browsers draw MathML Core themselves (Chromium 109+, Firefox, Safari),
so a page needs no script, no font download and no network.

A formula ``latex2mathml`` cannot convert, or converts only in part (an
unknown command is passed through as text, ``&`` outside an environment that
aligns), is reported as a Sphinx warning with its location, which ``-W``
turns into an error; the page then shows the LaTeX source in a ``<code>``.

Used by ``docs/conf.py``::

    extensions = [..., "mathml"]
    html_math_renderer = "mathml"
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

if TYPE_CHECKING:  # pragma: no cover
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

# What latex2mathml leaves behind when it did not understand the input: a
# backslash command kept as an identifier, or an alignment '&' kept as text.
_LEFTOVER = re.compile(r"<m[ion]>(\\[A-Za-z]+|&)</m[ion]>")
_NAMED_OPERATOR = re.compile(r"<mo>([A-Za-z]{2,})</mo>")


class MathMLError(ValueError):
    """A LaTeX formula that cannot be converted to MathML."""


def latex_to_mathml(latex: str, *, display: bool) -> str:
    """Convert one LaTeX formula to a ``<math>`` element.

    Parameters
    ----------
    latex : str
        The formula, without ``$`` delimiters, as in ``:math:`...```. A
        display formula with ``\\\\`` line breaks is set as a ``split``
        environment (rows aligned on ``&``), as Sphinx's MathJax renderer does.
    display : bool
        ``True`` for a block formula (``display="block"``), ``False`` for one
        inside a line of text.

    Returns
    -------
    str
        The MathML ``<math>`` element.

    Raises
    ------
    MathMLError
        If ``latex2mathml`` fails on the formula or leaves part of it
        unconverted (an unknown command, a stray ``&``).

    Examples
    --------
    >>> latex_to_mathml(r"x^2", display=False)  # doctest: +ELLIPSIS
    '<math ... display="inline"><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>'
    """
    source = latex.strip()
    if display and r"\\" in source and r"\begin" not in source:
        source = r"\begin{split}" + source + r"\end{split}"
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many types, all bad input
        raise MathMLError(
            f"cannot convert {latex!r} to MathML ({type(exc).__name__}: {exc})"
        ) from exc
    # \operatorname{idf} comes out as an operator, <mo>idf</mo>, which browsers
    # space as a binary operator ("idf (t)"); TeX sets it as a function name.
    mathml = _NAMED_OPERATOR.sub(r"<mi>\1</mi>", mathml)
    leftover = _LEFTOVER.search(mathml)
    if leftover:
        raise MathMLError(
            f"cannot convert {latex!r} to MathML: {leftover.group(1)!r} is not understood "
            "by latex2mathml (rewrite the formula with the commands it knows)"
        )
    return mathml


def _convert_or_warn(self: HTML5Translator, node: nodes.Element, latex: str, display: bool) -> str:
    try:
        return latex_to_mathml(latex, display=display)
    except MathMLError as exc:
        logger.warning(str(exc), location=node, type="mathml")
        return f"<code>{self.encode(latex)}</code>"


def html_visit_math(self: HTML5Translator, node: nodes.math) -> None:
    """Write an inline formula as ``<span class="math"><math>...</math></span>``."""
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(_convert_or_warn(self, node, node.astext(), display=False))
    self.body.append("</span>")
    raise nodes.SkipNode


def html_visit_displaymath(self: HTML5Translator, node: nodes.math_block) -> None:
    """Write a block formula, one ``<math>`` per blank-line-separated part."""
    # a formula wider than a narrow screen scrolls instead of overflowing the page
    self.body.append(self.starttag(node, "div", CLASS="math notranslate",
                                   style="overflow-x: auto"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    for part in parts:
        self.body.append(_convert_or_warn(self, node, part, display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    """Register the ``mathml`` HTML math renderer."""
    app.add_html_math_renderer(
        "mathml",
        inline_renderers=(html_visit_math, None),
        block_renderers=(html_visit_displaymath, None),
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
