"""Sphinx configuration for fastpil's documentation.

Built by `make docs` (HTML and doctests, warnings are errors). The docs import
the installed fastpil, never the source tree: the compiled module only exists
in the installed package, and the reference must describe what users get.
"""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

import fastpil

DOCS = Path(__file__).resolve().parent
# The project's own extension (benchmark tables, the mode table, figures).
sys.path.insert(0, str(DOCS / "_ext"))

project = "fastpil"
author = "The fastpil developers"
copyright = "the fastpil developers"
release = fastpil.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "myst_parser",
    "numpydoc",
    "fastpil_docs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated/*.json", "figures", "README.md"]
templates_path = ["_templates"]

# Every page is MyST Markdown. Colon fences let directives hold Markdown;
# heading anchors make "page.md#section" links work.
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# The reference comes from the docstrings, which are numpydoc. The type
# annotations of the public functions are shown in the signature, where
# readers of a typed API look for them; numpydoc's Parameters section says
# what each means.
# The summary table links to the sections below; no stub pages are generated.
autosummary_generate = False
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Cross-references in docstring type fields: only fastpil's own objects
# resolve (there is no network for intersphinx), so none is attempted.
numpydoc_xref_param_type = False
# Every parameter documented, with a type and a description, and every
# return value: what a reference must have. Warnings fail the build.
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR04", "PR06", "PR07", "RT01"}

# Doctests: every example on every page and in every docstring runs in
# `make docs`. Each page is its own group, so a page's examples share state in
# order, as a reader who types them in would.
# Exception messages are compared too (Sphinx's default ignores them): the
# messages the pages show are part of what they teach.
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1
doctest_test_doctest_blocks = "default"
trim_doctest_flags = True

html_theme = "pydata_sphinx_theme"
html_title = f"fastpil {release}"
html_static_path = ["_static"]
html_css_files = ["fastpil.css"]
html_show_sourcelink = False
# No left sidebar: the pages are few and long, and their tables and figures
# need the width more than a one-level navigation does.
html_sidebars = {"**": []}
html_theme_options = {
    "navbar_align": "left",
    # Every page in the top bar, none hidden under "More".
    "header_links_before_dropdown": 8,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # The performance and PyTorch pages' tables are wide: they give up the page outline.
    "secondary_sidebar_items": {"**": ["page-toc"], "performance": [], "pytorch": []},
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "icon_links": [
        {
            "name": "Source on GitHub",
            "url": "https://github.com/fastpil/fastpil",
            "icon": "fa-brands fa-github",
        }
    ],
    # The figures are drawn on white; the theme's dark mode would put them
    # on a dark page with mismatched text colours.
    "pygments_light_style": "default",
    "pygments_dark_style": "monokai",
}
html_context = {"default_mode": "light"}
