"""Sphinx configuration for the skchaos documentation.

Build (from the repository root; -W turns every warning into an error):

    pip install -e ".[docs]" && sphinx-build -W -b html docs docs/_build

Nothing here reaches the network at build time (no intersphinx): CI reaches package
registries only.
"""

import os

import skchaos

# The gallery runs its examples in this process: keep their figures off any display.
os.environ.setdefault("MPLBACKEND", "Agg")

project = "skchaos"
author = "skchaos developers"
copyright = "skchaos developers"
version = release = skchaos.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "gen_modules"]

# numpydoc renders the docstrings; members are listed explicitly in api.rst.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_typehints = "none"

# MyST: $...$ math, definition lists, and anchors for headings up to level 3.
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only scripts named plot_*.py run at build time; their output and figures are kept.
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skchaos",),
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    # A failing example fails the build (as a warning would under -W).
    "abort_on_example_error": True,
    "min_reported_time": 0,
    "download_all_examples": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skchaos {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "benchmarks": [], "decisions": []}
html_show_sourcelink = False
