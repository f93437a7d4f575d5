"""Every public function, class, method and property has a NumPy-style docstring that numpydoc's
validation accepts (the checks in pyproject.toml's [tool.numpydoc_validation]), with a Raises section
where it takes arguments and an example that runs (as a doctest, here)."""

from __future__ import annotations

import doctest
import inspect
import tomllib
from pathlib import Path

import pytest
from numpydoc.docscrape import get_doc_object
from numpydoc.validate import validate

from simbranch.discover import public_api

ROOT = Path(__file__).resolve().parents[1]
CHECKS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["numpydoc_validation"]["checks"]
API = public_api()


def _selected(code: str) -> bool:
    """numpydoc's convention: ["all", X, Y] means every check but X and Y; otherwise only those listed."""
    return code not in CHECKS[1:] if CHECKS[0] == "all" else code in CHECKS


def _takes_arguments(obj: object) -> bool:
    """Whether bad input can reach it: properties and exception classes take none worth a Raises section."""
    if isinstance(obj, property) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
        return False
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False
    return any(name not in ("self", "cls") for name in parameters)


def test_the_public_interface_is_found():
    """A guard on the walk itself: the names a README reader uses are all in it."""
    for name in ("simbranch.run", "simbranch.compare", "simbranch.Comparison.paired", "simbranch.Scenario",
                 "simbranch.plots.forest", "simbranch.report.write_report", "simbranch.interop.ema_model"):
        assert name in API, name


@pytest.mark.parametrize("name", list(API))
def test_docstring_passes_numpydoc_validation(name):
    obj = API[name]
    doc = get_doc_object(obj)
    report = validate(doc)  # the object itself: the name `simbranch.run` would find the module of that name
    errors = [f"{code}: {message}" for code, message in report["errors"] if _selected(code)]
    if _takes_arguments(obj) and not doc["Raises"]:
        errors.append("RAISES: no Raises section, although it takes arguments (say what bad input raises)")
    assert not errors, f"{name}:\n  " + "\n  ".join(errors)


@pytest.mark.parametrize("name", list(API))
def test_examples_run_as_doctests(name, tmp_path, monkeypatch):
    """The Examples section runs, in a scratch folder, with a fresh namespace."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    obj = API[name]
    target = obj.fget if isinstance(obj, property) else obj
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    tests = doctest.DocTestFinder(recurse=False).find(target, name, globs={})
    for test in tests:
        runner.run(test, out=failures.append)
    assert any(test.examples for test in tests), f"{name}: no example"
    assert not failures, "".join(failures)
