"""Optional dependencies: the parts of simbranch that need an extra say which one when it is missing.

`pip install simbranch` gives the simulation, experiments, statistics, plots and reports; the live
trainer demo needs `simbranch[notebooks]` (ipywidgets) and a Dask cluster `simbranch[dask]`. A part
that needs an extra imports it through `require`, so a user without it reads what to install instead
of a bare `No module named ...`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingExtra", "require"]


class MissingExtra(ModuleNotFoundError):
    """An optional dependency is not installed; the message names the extra that installs it.

    A `ModuleNotFoundError` (so an `ImportError`), so code that already catches those still does."""


def require(module: str, needed_by: str, extra: str, package: str | None = None) -> ModuleType:
    """Import `module` for `needed_by` (words such as "the demo"), or raise `MissingExtra` saying
    "<needed_by> needs <package>: pip install simbranch[<extra>]" (`package` defaults to `module`)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise MissingExtra(f"{needed_by} needs {package or module}: pip install simbranch[{extra}]",
                           name=exc.name or module) from exc
