"""The package type-checks: mypy, configured by pyproject.toml's [tool.mypy] (the pydantic plugin, the
third-party modules without types), finds no error in simbranch, exactly as `make lint` runs it."""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_error_in_the_package(tmp_path, monkeypatch):
    # from the project's root, with no path: the files are the config's `files`, as for `make lint`;
    # a cache of its own, so that a parallel test run or a `make lint` never shares one
    monkeypatch.chdir(ROOT)
    stdout, stderr, status = api.run(["--config-file", "pyproject.toml", "--cache-dir", str(tmp_path / "cache")])
    assert status == 0, f"mypy found errors (run `.venv/bin/mypy` to see them):\n{stdout}{stderr}"
    checked = re.search(r"no issues found in (\d+) source files", stdout)
    assert checked and int(checked.group(1)) >= 50, f"mypy checked less than the package:\n{stdout}"
