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


@pytest.fixture
def crm_run_fails(monkeypatch):
    """`crm_run_fails(replication, message)`: from then on, runs with the crm rule in that replication
    raise RuntimeError(message) (in this process: use the serial executor); every other run is real.
    `crm_run_fails(None)` makes every run real again."""
    run_module = importlib.import_module("simbranch.run")
    real_run = run_module.run

    def arm(replication: int | None, message: str = "") -> None:
        if replication is None:
            monkeypatch.setattr(run_module, "run", real_run)
            return

        def flaky(scenario, seed):
            if scenario.allocation.rule == "crm" and seed.spawn_key == (replication,):
                raise RuntimeError(message)
            return real_run(scenario, seed)

        monkeypatch.setattr(run_module, "run", flaky)

    return arm
