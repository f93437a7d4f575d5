"""Sphinx configuration of simbranch's documentation (`make docs`; docs/about.md says why these tools).

The reference pages are written from the code at each build by the local extension
docs/_ext/simbranch_docs.py; the tutorials are text notebooks that myst-nb executes at each build.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

import simbranch  # noqa: E402  (after the path: the extension imports it too)

project = "simbranch"
author = "the simbranch authors"
copyright = "the simbranch authors, MIT licence"
release = simbranch.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_nb",
    "simbranch_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_ext"]
root_doc = "index"
language = "en"

# No intersphinx: a build with warnings as errors must not depend on the network (the inventories
# of Python, NumPy and pandas would be fetched at every build).

# --------------------------------------------------------------------------- API (autodoc, numpydoc)

autodoc_typehints = "none"  # the Parameters sections give the types, in words a reader can use
autodoc_member_order = "bysource"
add_module_names = True
numpydoc_show_class_members = False  # the generated pages list each class's public members themselves
numpydoc_xref_param_type = False
nitpicky = True  # every cross-reference resolves (there is no intersphinx: references stay inside the site)

# The same checks as tests/test_docstrings.py (pyproject.toml [tool.numpydoc_validation]); a docstring
# that fails them is a warning, and so an error. SIMBRANCH_DOCS_VALIDATE=0 leaves them to that test.
if os.environ.get("SIMBRANCH_DOCS_VALIDATE", "1") != "0":
    numpydoc_validation_checks = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["numpydoc_validation"]["checks"])

# --------------------------------------------------------------------------- Markdown and notebooks (myst-nb)

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # the tutorials run at every build, so their output is the code's
nb_execution_timeout = 120  # seconds per cell; a tutorial cell takes a few
nb_execution_raise_on_error = True
nb_execution_in_temp = True  # what a tutorial writes (a report) goes to a scratch folder, not into docs/
nb_execution_show_tb = True
# The example notebooks are rendered as docs/_ext/simbranch_docs.py left them: executed by it when
# SIMBRANCH_DOCS_EXECUTE_NOTEBOOKS=1 (make docs EXECUTE_NOTEBOOKS=1), as committed (code, no output) otherwise.
nb_execution_excludepatterns = ["_generated/notebooks/*"]
nb_merge_streams = True
# The tutorials' kernels inherit this environment: without MPLBACKEND they draw inline, as in Jupyter
# (MPLBACKEND=Agg, as tests and CI often set it, would leave their figures out of the pages).
os.environ.pop("MPLBACKEND", None)

# --------------------------------------------------------------------------- HTML

html_theme = "furo"
html_title = f"simbranch {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
