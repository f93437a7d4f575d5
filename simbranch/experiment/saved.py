"""Comparisons read back from a result store, without running anything.

`compare(..., store=FILE)` notes in the store what it compared (scenario, or every scenario of a
comparison on several, policies, seed, replications). From that note the comparison's runs are
found again by their keys, so a report can be made later, on another machine, from the store
file alone. Runs made by another model version have other keys and are never mixed in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from simbranch.experiment.compare import SERIES_COLUMNS, Comparison, comparison_from_records
from simbranch.experiment.design import model_fingerprint, run_specs, scenario_specs
from simbranch.experiment.store import ResultStore, StoreError
from simbranch.scenario import Policy, Scenario

__all__ = ["load_comparison", "saved_comparisons"]

_PREFIX = "comparison:"


def saved_comparisons(store: str | Path) -> pd.DataFrame:
    """The comparisons noted in a store, newest first: name, seed, replications (per scenario), policies,
    saved_at, scenarios (how many: more than 1 for a comparison on several)."""
    with _open(store) as db:
        notes = db.meta(_PREFIX)
    rows = [{"name": name.removeprefix(_PREFIX), "seed": note["seed"], "replications": note["replications"],
             "policies": ", ".join(p["name"] for p in note["policies"]),
             "saved_at": pd.Timestamp(note["saved_at"], unit="s"), "scenarios": len(note.get("scenarios", [1]))}
            for name, note in notes.items()]
    frame = pd.DataFrame(rows, columns=["name", "seed", "replications", "policies", "saved_at", "scenarios"])
    return frame.sort_values("saved_at", ascending=False, ignore_index=True)


def load_comparison(store: str | Path, name: str | None = None) -> Comparison:
    """The comparison `name` (default: the newest) of a store, rebuilt from its stored runs.

    Raises `StoreError` when the store holds no comparison, not that one, or not all of its runs
    for this model version (run the same `compare` again to complete it).
    """
    with _open(store) as db:
        notes = db.meta(_PREFIX)
        if not notes:
            raise StoreError(f"{store}: holds no comparison (a comparison run with this store notes itself in it)")
        if name is None:
            key = max(notes, key=lambda n: notes[n]["saved_at"])
        elif _PREFIX + name in notes:
            key = _PREFIX + name
        else:
            known = ", ".join(n.removeprefix(_PREFIX) for n in notes)
            raise StoreError(f"{store}: no comparison {name!r}; it holds: {known}")
        note = notes[key]
        policies = [Policy.model_validate(p) for p in note["policies"]]
        if "scenarios" in note:  # a comparison on several scenarios
            scenarios = [Scenario.model_validate(json.loads(text)) for text in note["scenarios"]]
            specs = scenario_specs(scenarios, policies, range(note["replications"]), note["seed"], SERIES_COLUMNS)
        else:
            scenarios = [Scenario.model_validate(json.loads(note["scenario"]))]
            specs = run_specs(scenarios[0], policies, range(note["replications"]), note["seed"], SERIES_COLUMNS)
        records = db.records({s.key for s in specs}, with_series=True)
        others = {fp: n for fp, n in db.fingerprints(f"compare:{note['seed']}").items() if fp != model_fingerprint()}
    if len(records) < len(specs):
        older = (f"; the store holds runs of another model version ({', '.join(sorted(others))}), which are never "
                 "mixed with this one's" if others else "")
        raise StoreError(f"{store}: {len(specs) - len(records)} of the {len(specs)} runs of comparison "
                         f"{key.removeprefix(_PREFIX)!r} are not in the store for this model version "
                         f"({model_fingerprint()}){older}; running the same comparison with this store completes it")
    order = {s.key: i for i, s in enumerate(specs)}
    records.sort(key=lambda r: order[r["key"]])
    return comparison_from_records(scenarios, policies, records, note["seed"])


def _open(store: str | Path) -> ResultStore:
    if not Path(store).is_file():
        raise StoreError(f"{store}: no such result store")
    return ResultStore(store)
