"""Every notebook runs top to bottom with small sizes (the tests replace its parameter cell)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

#: Small sizes for the tests: each name overrides the notebook's own parameter of that name.
SMALL = {"HORIZON_DAYS": 20, "WARMUP_DAYS": 5, "REPLICATIONS": 2, "N_POINTS": 4}


def _with_small_parameters(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            lines = [f"{name} = {value!r}" for name, value in SMALL.items() if name in cell.source]
            nb.cells.insert(i + 1, nbformat.v4.new_code_cell("\n".join(lines)))
            return nb
    raise AssertionError("a notebook needs a cell tagged 'parameters' so tests can make it small")


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path) -> None:
    """The notebook executes without an error in any cell, from its own folder."""
    nb = _with_small_parameters(nbformat.read(path, as_version=4))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert not any(c.get("outputs") or c.get("execution_count") for c in nb.cells if c.cell_type == "code")
