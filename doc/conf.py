"""Sphinx configuration for sksnn's documentation.

Builds offline: no intersphinx, no remote images, the gallery runs on the data shipped with
sksnn. Build with warnings as errors::

    python -m sphinx -W --keep-going -b html doc doc/_build/html
"""

import os
import re
import warnings

import sksnn

project = "sksnn"
author = "the sksnn developers"
copyright = "the sksnn developers"
release = sksnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = []
html_static_path = ["_static"]

# -- autodoc / autosummary / numpydoc --------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autosummary_generate = False  # the API page lists names; the descriptions live on its pages
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False


# Docstrings inherited from scikit-learn (e.g. ``ClassifierMixin.score``) use ``:ref:`` labels
# of scikit-learn's own documentation. Without intersphinx (the build is offline) they cannot
# resolve, so they are shown as plain text.
_SKLEARN_REF = re.compile(r":ref:`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _plain_sklearn_refs(app, what, name, obj, options, lines):
    if getattr(obj, "__module__", "").startswith("sklearn."):
        lines[:] = [_SKLEARN_REF.sub(lambda m: f"``{m.group(1).strip()}``", ln) for ln in lines]


def setup(app):
    # before numpydoc (priority 500) so the rewritten text is what numpydoc parses
    app.connect("autodoc-process-docstring", _plain_sklearn_refs, priority=400)


# -- sphinx-gallery ----------------------------------------------------------------------------
# Only examples/plot_*.py are executed; heavier demos elsewhere in examples/ are shown, not run.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "write_computation_times": False,  # no sg_execution_times.rst in the source tree
    "reference_url": {"sksnn": None},
}

# Examples train for a handful of epochs on purpose; their ConvergenceWarnings are not news.
warnings.filterwarnings("ignore", message="Stochastic optimizer: maximum iterations")
os.environ.setdefault("MPLBACKEND", "Agg")

# -- HTML ----------------------------------------------------------------------------------------
# alabaster ships with Sphinx; pydata-sphinx-theme is used when it is installed.
try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:
    html_theme = "alabaster"
    html_theme_options = {
        "description": "Spiking neural networks for scikit-learn",
        "fixed_sidebar": True,
        "page_width": "1100px",
        "sidebar_width": "230px",
    }
else:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {"navigation_with_keys": False}
html_title = f"sksnn {release}"
