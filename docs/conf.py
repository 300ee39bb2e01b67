"""Sphinx configuration for the sparsedense documentation.

Build (warnings as errors, output outside the repository)::

    python -m sphinx -W --keep-going -b html docs /tmp/docs_build

The API reference (``api.rst``) uses autosummary with ``:toctree: api/generated``:
one stub page per public name is written to ``docs/api/generated/`` at build
time. That folder is gitignored; never commit it.
"""

import os
import sys

# Document the source tree even when the package is not installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))
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

# No intersphinx: the build must not need the network.
nitpicky = False

# -- HTML -------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"sparsedense {release}"
