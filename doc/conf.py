"""Sphinx configuration for sksnn's documentation."""

import sksnn

project = "sksnn"
release = sksnn.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc"]
numpydoc_show_class_members = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
