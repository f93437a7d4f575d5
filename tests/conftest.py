"""Shared fixtures: keep this file tiny."""

import importlib
import os

import pytest

# every run the tests make is checked against simbranch.invariants (see simbranch.run.run); set at
# import so that xdist workers and the process pools the tests start inherit it (=0 to opt out)
os.environ.setdefault("SIMBRANCH_CHECK_INVARIANTS", "1")


@pytest.fixture
def tiny() -> dict[str, int]:
    """Overrides that make a run take milliseconds: 5 measured days, 100 clients, no warm-up."""
    return {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}


@pytest.fixture
def isolated_rules():
    """Allocation rules registered in a test vanish after it."""
    from simbranch.registry import ALLOCATION_RULES

    saved = dict(ALLOCATION_RULES)
    yield
    ALLOCATION_RULES.clear()
    ALLOCATION_RULES.update(saved)


@pytest.fixture
def executed(monkeypatch) -> list[list]:
    """The specs an experiment hands to the executor (the runs it did not find in a store), per call."""
    compare_module = importlib.import_module("simbranch.experiment.compare")  # the module, not the function

    calls: list[list] = []
    original = compare_module.execute_all

    def counting(specs, executor=None):
        calls.append(list(specs))
        yield from original(specs, executor)

    monkeypatch.setattr(compare_module, "execute_all", counting)
    return calls
